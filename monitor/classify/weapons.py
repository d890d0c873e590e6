"""With what: the weapon the foreground names most, by position weight, and how many were used."""

from __future__ import annotations

from monitor.classify.context import Context
from monitor.classify.numbers import count_before
from monitor.classify.segment import Text, weight


def weapon(ctx: Context, doc: Text) -> tuple[str | None, str | None]:
    """(weapon, count as worded) of the report's own event."""
    counts: dict[str, float] = {}
    count_text = None
    for begin, _, label in doc.hits["weapons"]:
        if not doc.foreground[begin]:
            continue
        counts[label] = counts.get(label, 0.0) + weight(ctx.weights, doc, begin)
        if count_text is None:
            count_text = count_before(ctx, doc, begin)
    if not counts:
        return None, None
    return max(counts, key=lambda k: counts[k]), count_text
