"""The outbox: send due deliveries the way each target asked, and record every result.

Per target, in this order:

    quiet hours   during them only high-severity alerts go out; the rest wait for the end
    digest        low-severity alerts are bundled and sent together every `digest` period
    rate limit    at most `messages` messages per `per`; what is held back goes out as one summary
                  as soon as the limit allows

A failed send is retried with exponential backoff and jitter and parked as dead after
`alerts.max_attempts`; the other targets are told once that a target is failing. The store records
"sent" only after the target confirmed, so a crash between the two is the one window in which a target
may see an alert twice (at most once per delivery that was in flight when the process died).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from monitor import store
from monitor.config import NotifyTarget, QuietHours, Settings
from monitor.notify import MAX_FIELD, Target, inert

log = logging.getLogger("monitor.outbox")

SUMMARY_LINES = 30


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    alert_id: int
    target: str
    error: str | None
    parked: bool = False  # the delivery gave up: the target is failing


def retry_at(attempts: int, now: datetime, base: timedelta, max_attempts: int,
             rng: random.Random | None = None) -> datetime | None:
    """When to try again after `attempts` failures, or None to give up."""
    if attempts >= max_attempts:
        return None
    ceiling = base.total_seconds() * 2 ** (attempts - 1)
    rng = rng or random.Random()
    return now + timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def quiet_until(quiet: QuietHours, now: datetime) -> datetime | None:
    """The end of the quiet period `now` falls in, or None outside quiet hours."""
    zone = ZoneInfo(quiet.timezone)
    local = now.astimezone(zone)
    start, end = (time.fromisoformat(quiet.start), time.fromisoformat(quiet.end))
    clock = local.time()
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


Due = tuple[store.Delivery, store.StoredAlert]


def _severity(alert: store.StoredAlert) -> str:
    return (alert.payload or {}).get("severity", "low")


def deliver_due(engine, targets: Sequence[Target], settings: Settings, now: datetime) -> list[DeliveryOutcome]:
    """Send every due delivery once, as its target's routing asks, and record each result."""
    by_id = {t.id: t for t in targets}
    outcomes: list[DeliveryOutcome] = []
    due = sorted(store.due_deliveries(engine, now), key=lambda pair: pair[0].target_id)
    for target_id, group in groupby(due, key=lambda pair: pair[0].target_id):
        pairs = list(group)
        target = by_id.get(target_id)
        if target is None:
            for delivery, alert in pairs:
                store.record_attempt(engine, delivery.id, sent=False, error="target no longer configured", now=now,
                                     retry_at=None)
                outcomes.append(DeliveryOutcome(alert.id, target_id, "target no longer configured"))
            continue
        outcomes += _deliver_to(engine, target, getattr(target, "config", None), pairs, settings, now)
    for outcome in outcomes:
        if outcome.parked:
            _tell_the_others(engine, outcome, [t for t in targets if t.label != outcome.target], now)
    return outcomes


def _tell_the_others(engine, outcome: DeliveryOutcome, others: Sequence[Target], now: datetime) -> None:
    """One alert a day to the working targets that a target keeps failing."""
    alert = store.StoredAlert(
        kind="target_failing", dedupe_key=f"target_failing:{outcome.target}:{now:%Y-%m-%d}", created_at=now,
        title=inert(f"Notification target failing: {outcome.target}", MAX_FIELD),
        text=f"Alerts to {outcome.target} could not be delivered and were parked: {outcome.error}",
        payload={"severity": "high"})
    with store.transaction(engine) as session:
        store.add_alert(session, alert, [t.id for t in others])


def _deliver_to(engine, target: Target, config: NotifyTarget | None, pairs: list[Due], settings: Settings,
                now: datetime) -> list[DeliveryOutcome]:
    if config is not None and config.quiet_hours is not None:
        until = quiet_until(config.quiet_hours, now)
        if until is not None:
            waiting = [d.id for d, a in pairs if _severity(a) != "high"]
            store.hold(engine, waiting, until, "quiet")
            pairs = [(d, a) for d, a in pairs if _severity(a) == "high"]
    messages: list[list[Due]] = []
    if config is not None and config.digest is not None:
        low = [(d, a) for d, a in pairs if _severity(a) == "low"]
        store.hold(engine, [d.id for d, _ in low if d.held != "digest"], now + config.digest, "digest")
        ripe = [(d, a) for d, a in low if d.held == "digest"]
        if ripe:
            messages.append(ripe)
        pairs = [(d, a) for d, a in pairs if _severity(a) != "low"]
    held_back = [(d, a) for d, a in pairs if d.held == "rate"]
    messages += [[pair] for pair in pairs if pair[0].held != "rate"]
    if held_back:
        messages.insert(0, held_back)  # what waited longest goes first, as one summary
    if config is not None and config.rate_limit is not None:
        messages = _within_rate_limit(engine, target.id, config, messages, now)
    outcomes = []
    for message in messages:
        outcomes += _send(engine, target, message, settings, now)
    return outcomes


def _within_rate_limit(engine, target_id: str, config: NotifyTarget, messages: list[list[Due]],
                       now: datetime) -> list[list[Due]]:
    limit = config.rate_limit
    sent = store.messages_since(engine, target_id, now - limit.per)
    allowance = max(0, limit.messages - len(sent))
    if len(messages) <= allowance:
        return messages
    allowed, rest = messages[:allowance], [pair for message in messages[allowance:] for pair in message]
    frees_at = (sent[0] + limit.per) if sent and allowance == 0 else now + limit.per
    store.hold(engine, [d.id for d, _ in rest], frees_at, "rate")
    log.info("rate limit for %s: %d alert(s) held until %s, then summarised", target_id, len(rest), frees_at)
    return allowed


def _bundle(pairs: list[Due], now: datetime) -> store.StoredAlert:
    """One message for several alerts: a digest or the summary of what a rate limit held back."""
    reason = pairs[0][0].held
    head = "Digest" if reason == "digest" else "Held back by the rate limit"
    lines = [f"- [{_severity(a)}] {a.title}" for _, a in pairs[:SUMMARY_LINES]]
    if len(pairs) > SUMMARY_LINES:
        lines.append(f"... and {len(pairs) - SUMMARY_LINES} more")
    return store.StoredAlert(id=0, kind="summary", dedupe_key=f"summary:{now.isoformat()}", created_at=now,
                             title=inert(f"{head}: {len(pairs)} alerts", MAX_FIELD), text="\n".join(lines),
                             payload={"severity": max((_severity(a) for _, a in pairs), key=_rank)})


def _rank(severity: str) -> int:
    return {"low": 0, "medium": 1, "high": 2}[severity]


def _send(engine, target: Target, message: list[Due], settings: Settings, now: datetime) -> list[DeliveryOutcome]:
    alert = message[0][1] if len(message) == 1 else _bundle(message, now)
    try:
        error = target.send(alert)
    except Exception as exc:  # a target plugin must never stop the other deliveries
        error = f"{type(exc).__name__}: {exc}"[:300]
    if error is None:
        store.log_message(engine, target.id, now, len(message))
    outcomes = []
    for delivery, stored in message:
        next_try = retry_at(delivery.attempts + 1, now, settings.alerts.retry_base,
                            settings.alerts.max_attempts) if error else None
        store.record_attempt(engine, delivery.id, sent=error is None, error=error, now=now, retry_at=next_try)
        if error:
            level = logging.ERROR if next_try is None else logging.WARNING
            log.log(level, "delivery of alert %s to %s failed (attempt %d): %s%s", stored.id, target.label,
                    delivery.attempts + 1, error, "" if next_try else "; parked as dead")
        outcomes.append(DeliveryOutcome(stored.id, target.label, error, parked=bool(error) and next_try is None))
    return outcomes
