"""Days the words of a report name, counted from the report's date: a weekday, a relative day ("yesterday"), a
date written out ("Dec. 26", "26 كانون الأول"). Shared by segmenting (earlier incidents) and dating (the event's
day)."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def day_named(label: str, when: datetime) -> date:
    """The day a day word's label names ("day:1" the last Tuesday, "rel:-1" yesterday, "date:2023-12-26")."""
    kind, value = label.split(":", 1)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "rel":
        return when.date() + timedelta(days=int(value))
    back = (when.weekday() - int(value)) % 7
    return when.date() - timedelta(days=back)


def written_date(folded: list[str], begin: int, end: int, label: str, when: datetime) -> date | None:
    """The date a month word at `begin`..`end` writes with the day number after it ("Dec. 26") or before it ("26
    December"), in the report's year, or the year before for a date after the report's next day ("Dec. 30" in a
    report of 2 January); None without a day number or for no such day ("31 June")."""
    month = int(label.split(":")[1])
    for at in (end, begin - 1):
        if not (0 <= at < len(folded) and folded[at].isdigit() and len(folded[at]) <= 2):
            continue
        try:
            day = date(when.year, month, int(folded[at]))
            if day > when.date() + timedelta(days=1):
                day = day.replace(year=day.year - 1)
        except ValueError:  # "31 June", a 29 February of the year before
            continue
        return day
    return None
