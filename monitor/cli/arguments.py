"""Argument types: a value that cannot be used becomes argparse's usage line, a message naming the option and
exit code 2, never a traceback."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from monitor.config import parse_duration

TIME_HINT = ("use an ISO date or time such as 2024-01-28 or 2024-01-28T14:30 (UTC unless it names a zone), now, "
             "today, yesterday, or a duration ago such as 2d or 6h")


def duration(text: str) -> timedelta:
    """A duration: 90s, 5m, 2h, 1d, or a number of seconds."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def moment(text: str) -> datetime:
    """A point in time for dating a text (`match --at`): today and now are this moment, yesterday is a day ago."""
    now = datetime.now(UTC)
    word = text.strip().lower()
    if word in ("now", "today"):
        return now
    if word == "yesterday":
        return now - timedelta(days=1)
    return _iso_or_ago(text, now)


def since(text: str) -> datetime:
    """The start of a period (`events --since`): today and yesterday begin at midnight UTC."""
    now = datetime.now(UTC)
    word = text.strip().lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "today":
        return midnight
    if word == "yesterday":
        return midnight - timedelta(days=1)
    return _iso_or_ago(text, now)


def _iso_or_ago(text: str, now: datetime) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        pass
    else:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    try:
        return now - parse_duration(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time; {TIME_HINT}") from None
