"""Counts as a report writes them: digits and number words, and the wording around them ("at least 25",
"revised to 14")."""

from __future__ import annotations

import bisect

from monitor.classify.context import Context
from monitor.classify.segment import Text


def number(ctx: Context, word: str) -> int | None:
    """The count a token stands for: digits, or a number word of the vocabulary."""
    if word.isdigit() and len(word) < 6:
        return int(word)
    return ctx.numbers.get(word)


def count_before(ctx: Context, doc: Text, at: int) -> str | None:
    """'more than 30 rockets' -> 'more than 30'; '18 Katyusha rockets' -> '18'."""
    for back in range(1, 4):
        i = at - back
        if i < 0 or doc.sentence_of[i] != doc.sentence_of[at]:
            return None
        found = number(ctx, doc.folded[i])
        model_name = i > 0 and len(doc.folded[i - 1]) == 1  # "F-15 jets" names a model, not a count
        if found is not None and doc.folded[i] not in ctx.articles and not model_name:
            qualifier = qualifier_before(ctx, doc, i)
            return f"{qualifier} {found}" if qualifier else str(found)
    return None


def qualifier_before(ctx: Context, doc: Text, at: int) -> str | None:
    """The qualifier ("at least", "more than") that ends right before token `at`."""
    window = doc.folded[max(0, at - 2):at]
    for _begin, end, label in ctx.qualifiers.find(window):
        if end == len(window):
            return label
    return None


# "Number of US troops hurt in the drone attack rises", "raising the death toll to two", "ارتفاع حصيلة جرحى الهجوم على
# قاعدة التنف إلى ثمانية": how near a revision word stands to the casualty word or count it revises.
REVISION_REACH = 8


def revised(ctx: Context, doc: Text, at: int) -> bool:
    """Whether the count at `at` revises an earlier figure: a revision word a few words before it ("raising the toll
    to 14"), or anywhere before it in its sentence when the count ends the phrase after "to" ("ارتفاع حصيلة جرحى
    الجنود الأمريكيين في الهجوم على قاعدة عين الأسد إلى ١١")."""
    if any(doc.folded[i] in ctx.revision_words for i in range(max(0, at - REVISION_REACH), at)):
        return True
    if at == 0 or doc.folded[at - 1] not in ctx.revision_targets:
        return False
    start = bisect.bisect_left(doc.sentence_of, doc.sentence_of[at])  # the scan stops at its sentence's start
    return any(doc.folded[i] in ctx.revision_words for i in range(start, at - 1))


def count_wording(ctx: Context, doc: Text, at: int, count: int) -> str | None:
    """'at least 25', 'revised to 14': the count as worded, when it is more than the bare number."""
    qualifier = qualifier_before(ctx, doc, at)
    parts = [p for p in (("revised to" if revised(ctx, doc, at) else None), qualifier) if p]
    return " ".join([*parts, str(count)]) if parts else None
