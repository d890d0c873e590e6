"""Copies: the same article again, from another feed or the same feed under a new link (syndication).

A copy is stored as a copy of the first item and never read or alerted again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from rapidfuzz import fuzz

from monitor.model import Item, SeenItem

COPY_WINDOW = timedelta(days=3)
COPY_TEXT_SIMILARITY = 90.0


def same_article(title: str, summary: str, other_title: str, other_summary: str) -> bool:
    """Near-identical text: the same title and a summary that differs only in small edits."""
    return (fuzz.ratio(title.casefold(), other_title.casefold()) >= COPY_TEXT_SIMILARITY
            and fuzz.ratio(summary.casefold(), other_summary.casefold()) >= COPY_TEXT_SIMILARITY)


def original_of(item: Item, fingerprint: str, candidates: Sequence[SeenItem]) -> SeenItem | None:
    """The stored item this one repeats: same link, same text, or near-identical text (candidates are the
    stored items of the copy window that share its link, text or title)."""
    for candidate in candidates:
        if candidate.fingerprint == fingerprint or (item.link and candidate.link == item.link):
            return candidate
        if same_article(item.title, item.summary, candidate.title, candidate.summary):
            return candidate
    return None
