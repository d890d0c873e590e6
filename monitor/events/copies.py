"""Copies: the same article again, from another feed or the same feed under a new link (syndication), or as
a news aggregator's item ("Headline - Outlet", its summary the headline and the outlet again).

A copy is stored as a copy of the first item and never read or alerted again. Items are looked up by two
prints computed here (`content_prints`): of the whole text, and of the bare headline.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from rapidfuzz import fuzz

from monitor.model import Item, SeenItem

COPY_WINDOW = timedelta(days=3)
COPY_TEXT_SIMILARITY = 90.0
HEADLINE_COPY_WINDOW = timedelta(hours=24)  # one headline two days apart may be a second attack on one base

_WORDS = re.compile(r"\w+")
# "Headline - Outlet": an aggregator appends the outlet after a dash or a bar; an outlet's name is short.
_OUTLET = re.compile(r"^(?P<head>.+?)\s+[-–—|]\s+(?P<outlet>[^-–—|]{2,60})$")
_MOBILE_HOSTS = ("amp.", "m.", "mobile.")
_AMP_PATH = re.compile(r"(/amp/?|\.amp)$")


def _words(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def bare_title(title: str, summary: str) -> str:
    """The headline without the outlet an aggregator appends, when the item says no more than its headline (no
    summary, or the headline again with or without the outlet); otherwise the title as it is."""
    match = _OUTLET.match(title.strip())
    if match is None:
        return title
    head, outlet = match.group("head"), match.group("outlet")
    said = _words(summary)
    if not said or said in {_words(head), _words(f"{head} {outlet}"), _words(title)}:
        return head
    return title


def says_only_its_headline(title: str, summary: str) -> bool:
    """No summary, or the headline again (with or without the outlet)."""
    said = _words(summary)
    return not said or said in {_words(title), _words(bare_title(title, summary))}


def content_prints(title: str, summary: str) -> tuple[str, str]:
    """Hashes of the text and of the bare headline, blind to case, punctuation and markup leftovers, so the same
    article re-published under another guid or link, or as an aggregator's "Headline - Outlet", is recognised."""
    def digest(words: str) -> str:
        return hashlib.sha256(words.encode("utf-8", "surrogatepass")).hexdigest()

    # The words of "title\nsummary" are the title's then the summary's (casefolding goes letter by letter and no
    # word runs across the line break), so the title, most often its own bare headline, is cut once.
    title_words, summary_words = _words(title), _words(summary)
    text_words = f"{title_words} {summary_words}" if title_words and summary_words else title_words or summary_words
    bare = bare_title(title, summary)
    return digest(text_words), digest(title_words if bare is title else _words(bare))


def article_link(link: str | None) -> str | None:
    """A link with its mobile or AMP variant folded into the article's own (amp.x.com, m.x.com, /amp)."""
    if not link:
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return link
    host = parts.netloc
    for prefix in _MOBILE_HOSTS:
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    return urlunsplit((parts.scheme, host, _AMP_PATH.sub("", parts.path) or "/", parts.query, ""))


def same_article(title: str, summary: str, other_title: str, other_summary: str) -> bool:
    """Near-identical text: the same title and a summary that differs only in small edits."""
    return (fuzz.ratio(title.casefold(), other_title.casefold()) >= COPY_TEXT_SIMILARITY
            and fuzz.ratio(summary.casefold(), other_summary.casefold()) >= COPY_TEXT_SIMILARITY)


def original_of(item: Item, fingerprint: str, candidates: Sequence[SeenItem]) -> SeenItem | None:
    """The stored item this one repeats: same link, same text, or near-identical text (candidates are the
    stored items of the copy window that share its link, text or title)."""
    if not candidates:
        return None  # most items: no link to fold (splitting a URL cost more than the rest of this check)
    link = article_link(item.link)
    for candidate in candidates:
        if candidate.fingerprint == fingerprint or (link and article_link(candidate.link) == link):
            return candidate
        # An aggregator's headline and the outlet's article: when either says no more than its headline, the
        # bare headlines decide, within a day (one headline two days apart may tell of a second attack).
        if (says_only_its_headline(item.title, item.summary)
                or says_only_its_headline(candidate.title, candidate.summary)):
            close = candidate.published is None or abs(candidate.published - item.published) <= HEADLINE_COPY_WINDOW
            if close and fuzz.ratio(_words(bare_title(item.title, item.summary)),
                                    _words(bare_title(candidate.title, candidate.summary))) >= COPY_TEXT_SIMILARITY:
                return candidate
        elif same_article(item.title, item.summary, candidate.title, candidate.summary):
            return candidate
    return None
