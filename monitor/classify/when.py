"""When: the day the report's own event happened, from a weekday or a relative day ("yesterday")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from monitor.classify.segment import Text


def happened_on(doc: Text, when: datetime) -> date | None:
    """The day the first foreground day word names, counted back from the report's date."""
    for begin, _, label in doc.hits["when"]:
        if not doc.foreground[begin]:
            continue
        kind, value = label.split(":")
        if kind == "rel":
            return when.date() + timedelta(days=int(value))
        back = (when.weekday() - int(value)) % 7
        return when.date() - timedelta(days=back)
    return None
