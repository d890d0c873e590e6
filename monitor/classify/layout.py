"""The parts of an item that are no part of the report: the outlet a Google News title ends with ("Rockets
hit base - Baghdad Evening Post" names no place), a summary that only repeats the title and its outlet, and
a dateline ("ERBIL, Iraq (Reuters) -" says where the desk sits, not where it happened). They are found by
their layout alone (dashes, capitals, brackets), never by words, and left unread.
"""

from __future__ import annotations

import re

from monitor.model import Matches
from monitor.text import tokens

Span = tuple[int, int]

# "Headline - Outlet": the outlet is a few words after a spaced dash or bar at the end of the title.
_OUTLET = re.compile(r"\s+[-–—|]\s+([^-–—|.!?]{2,60})$")
MAX_OUTLET_WORDS = 6
# "BAGHDAD (Levant Desk) –", "ERBIL, Iraq (Reuters) -", "BEIRUT —", "BAGHDAD, Oct 31 —": a capitalised place,
# maybe a country or a date, maybe an agency in brackets, then a dash, at the very start of the summary.
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z'’.\- ]{2,30}(?:,\s*[A-Z0-9][A-Za-z0-9.\- ]{1,30})?\s*(?:\([^()\n]{1,40}\))?"
    r"|[A-Z][A-Za-z'’.\- ]{2,30}(?:,\s*[A-Z][A-Za-z.\- ]{1,30})?\s*\([^()\n]{1,40}\))\s*[-–—]\s+"
)
_SPACE = re.compile(r"\s+")
PREFIX = 12  # characters a repeated summary shares with the title before any space is normalised


def unread_spans(title: str, summary: str) -> list[Span]:
    """Character spans of `f"{title}\\n{summary}"` that are layout, not report."""
    spans: list[Span] = []
    head, outlet = _split_outlet(title, summary)
    if outlet:
        spans.append((len(head), len(title)))
    start = len(title) + 1
    if summary and _repeats(head, outlet, summary):
        return [*spans, (start, start + len(summary))]
    dateline = _DATELINE.match(summary)
    if dateline and dateline.end() < len(summary):
        spans.append((start, start + dateline.end()))
    return spans


def _split_outlet(title: str, summary: str) -> tuple[str, str]:
    """(headline, outlet); the outlet is empty when the title does not end with one."""
    found = _OUTLET.search(title)
    if not found:
        return title, ""
    head, outlet = title[:found.start()], found.group(1).strip()
    words = outlet.split()
    if not words or len(words) > MAX_OUTLET_WORDS or len(head) <= len(outlet):
        return title, ""
    # The summary repeats the outlet (Google News), or the outlet is written as a name: every word capitalised.
    named = all(w[:1].isupper() or not w[:1].isalpha() for w in words)
    if outlet in summary or named:
        return head, outlet
    return title, ""


def _repeats(head: str, outlet: str, summary: str) -> bool:
    """Whether the summary is the headline again, with or without its outlet."""
    if len(summary) > 2 * (len(head) + len(outlet)) + PREFIX or summary.lstrip()[:PREFIX] != head.lstrip()[:PREFIX]:
        return False  # the common case, decided without normalising whitespace
    said = _SPACE.sub(" ", summary).strip()
    core = _SPACE.sub(" ", head).strip()
    if not core or not said.startswith(core):
        return False
    rest = said[len(core):].strip(" -–—|")
    return not rest or rest == outlet


def without(matches: Matches, text: str, spans: list[Span]) -> Matches:
    """The matches and words of the text with the spans left out."""
    def outside(start: int) -> bool:
        return not any(b <= start < e for b, e in spans)

    words = matches.words or tuple(tokens(text))
    return Matches.of([m for m in matches.mentions if outside(m.start)], [w for w in words if outside(w[0])])
