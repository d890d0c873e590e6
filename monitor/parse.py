"""Parsing: fetched feed bytes into normalised items, with feedparser.

An item's key is computed here, once, from what identifies it best: the guid, else the canonical
link (tracking parameters removed), else title and summary. Never from timestamps.

The pipeline parses in worker processes (`python -m monitor.parse`, see `serve`): feedparser is pure CPU and a
function of the bytes alone, so there it neither holds the event loop's GIL nor waits for storing. A worker
imports this module and feedparser only; items cross as plain rows (`Row`) and become `Item`s in the caller.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import os
import pickle
import re
import signal
import struct
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import IO, TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.errors import ParseError as ParseError  # raised here; re-exported for callers

if TYPE_CHECKING:
    # Imported where items are built, not here: the model pulls in the configuration (pydantic and all), which a
    # parser process never needs (35 -> 21 MB and 0.2 CPU-s less for each worker).
    from monitor.model import Item

MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000
MAX_ITEMS_PER_FEED = 2_000

_TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc|_hsmi|ref_src|cmpid|ocid)$",
    re.IGNORECASE,
)


# An item's fields in the order of `Item`: (key, title, summary, link, published, source, feed_url, guid).
Row = tuple[str, str, str, str | None, datetime, str, str, str | None]


@dataclass(frozen=True, slots=True)
class ParsedRows:
    """A parsed feed as plain values, as a parser process hands it back."""

    rows: list[Row]
    title: str | None
    problem: str | None  # why feedparser found the document broken, when it did
    dropped: int = 0  # entries past the per-feed cap


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    items: list[Item]
    title: str | None
    problem: str | None  # why feedparser found the document broken, when it did
    dropped: int = 0  # entries past the per-feed cap

    @classmethod
    def of(cls, parsed: ParsedRows) -> ParsedFeed:
        """The feed with its rows made items."""
        return cls(items_of(parsed.rows), parsed.title, parsed.problem, parsed.dropped)


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment, dropping scripts and styles."""

    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template"}
    _BREAKS: ClassVar[set[str]] = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str, limit: int = MAX_SUMMARY_CHARS) -> str:
    """HTML fragment to one line of plain text: tags stripped, entities decoded, controls removed."""
    if not fragment:
        return ""
    fragment = fragment[: limit * 4]
    if "<" in fragment:
        extractor = _TextExtractor()
        extractor.feed(fragment)
        extractor.close()
        text = "".join(extractor.parts)
    else:
        text = html.unescape(fragment)
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return _SPACE.sub(" ", text).strip()[:limit]


def canonical_link(url: str | None) -> str | None:
    """The link without tracking parameters or fragment, with a lower-case scheme and host."""
    url = (url or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in {"http", "https"}:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def item_key(guid: str | None, link: str | None, title: str, summary: str) -> str:
    """Stable key: hash of the guid, else of the canonical link, else of the text."""
    if guid and guid.strip():
        basis = "guid:" + guid.strip()
    elif link:
        basis = "link:" + (canonical_link(link) or link)
    else:
        basis = "text:" + _SPACE.sub(" ", f"{title}\n{summary}".casefold()).strip()
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


def _entry_time(entry: Any) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, field)  # the raw value: feedparser's own fallback mapping is deprecated
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _entry_summary(entry: Any) -> str:
    candidates = [entry.get("summary") or ""]
    candidates += [part.get("value", "") for part in entry.get("content") or []]
    return max(candidates, key=len)


def make_row(*, guid: str | None, title: str, summary: str, link: str | None, published: datetime,
             source: str, feed_url: str) -> Row:
    """An item's fields, normalised, from already-plain fields."""
    title = plain_text(title, MAX_TITLE_CHARS)
    summary = plain_text(summary)
    link = canonical_link(link)
    return (item_key(guid, link, title, summary), title, summary, link, published.astimezone(UTC), source, feed_url,
            guid)


def make_item(*, guid: str | None, title: str, summary: str, link: str | None, published: datetime,
              source: str, feed_url: str) -> Item:
    """Build an item from already-plain fields (used by the parser and by replay's JSON input)."""
    from monitor.model import Item  # see the import at the top

    return Item(*make_row(guid=guid, title=title, summary=summary, link=link, published=published, source=source,
                          feed_url=feed_url))


def items_of(rows: list[Row]) -> list[Item]:
    """Rows made items."""
    from monitor.model import Item  # see the import at the top

    return [Item(*row) for row in rows]


_DOCTYPE = re.compile(rb"<!DOCTYPE\b(?:[^\[>]|\[.*?\])*>", re.IGNORECASE | re.DOTALL)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
PROLOG_BYTES = 65_536


def without_doctype(body: bytes) -> bytes:
    """The document without its document type declaration.

    Feeds need no DTD, and a DTD is where entity bombs (billion laughs, quadratic blow-up) and external
    entities (XXE) live: when the strict parser refuses an amplified document, feedparser's lenient
    parser would expand it anyway (a 100 KB feed grew to 900 MB). Removing the declaration leaves any
    reference to its entities undefined and harmless.
    """
    head = body[:PROLOG_BYTES]
    match = _DOCTYPE.search(head)
    if match:
        body = body[: match.start()] + body[match.end() :]
    if _ENTITY_DECLARATION.search(body, 0, PROLOG_BYTES * 16):
        raise ParseError("the document declares entities outside a readable document type declaration")
    return body


_ENTRY_END = re.compile(rb"</(?:item|entry)\s*>", re.IGNORECASE)


def first_entries(body: bytes, limit: int = MAX_ITEMS_PER_FEED) -> tuple[bytes, int]:
    """The document cut after its `limit`-th entry, and how many entries were left out.

    feedparser reads a whole document before returning (100,000 items took 33 s), so a feed with more
    entries than are ever kept is cut first; the lenient parser closes what the cut left open. A feed with
    exactly `limit` entries is left whole: a cut document is broken XML, which sends feedparser to its slow
    lenient parser (2.2 instead of 0.8 CPU-s for 2,000 entries) and reports an error the feed does not have.
    """
    ends = _ENTRY_END.finditer(body)
    cut = None
    for count, match in enumerate(ends, 1):
        if count == limit:
            cut = match.end()
            break
    if cut is None:
        return body, 0
    dropped = len(_ENTRY_END.findall(body, cut))
    if not dropped:
        return body, 0
    return body[:cut], dropped


def parse_feed(body: bytes, *, headers: dict[str, str] | None = None, feed_url: str, source: str | None,
               fetched_at: datetime) -> ParsedFeed:
    """Parse a fetched document into items; raise ParseError when it holds no feed."""
    return ParsedFeed.of(parse_rows(body, headers=headers, feed_url=feed_url, source=source, fetched_at=fetched_at))


def parse_rows(body: bytes, *, headers: dict[str, str] | None = None, feed_url: str, source: str | None,
               fetched_at: datetime) -> ParsedRows:
    """Parse a fetched document into rows of items; raise ParseError when it holds no feed."""
    body, dropped = first_entries(without_doctype(body))
    import feedparser  # here, not at the top: the daemon's process imports this module and parses nothing

    parsed = feedparser.parse(body, response_headers=headers or {}, sanitize_html=True,
                              resolve_relative_uris=False)
    problem = None
    if parsed.get("bozo"):
        problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"[:500]
    entries = parsed.entries
    if not entries and not parsed.get("version"):
        raise ParseError(problem or "the document is not an RSS or Atom feed")
    feed_title = plain_text(parsed.feed.get("title", ""), MAX_TITLE_CHARS) or None
    label = source or feed_title or feed_url
    rows = []
    for entry in entries[:MAX_ITEMS_PER_FEED]:
        title = entry.get("title", "")
        summary = _entry_summary(entry)
        if not title.strip() and not summary.strip():
            continue
        rows.append(
            make_row(
                guid=entry.get("id") or None,
                title=title,
                summary=summary,
                link=entry.get("link") or None,
                published=_entry_time(entry) or fetched_at,
                source=label,
                feed_url=feed_url,
            )
        )
    return ParsedRows(rows=rows, title=feed_title, problem=None if dropped else problem,
                      dropped=dropped + max(0, len(entries) - MAX_ITEMS_PER_FEED))


# --------------------------------------------------------------------------- the parser process

# What a parser process is asked: the body, the response headers, the feed's URL and name, when it was fetched.
Request = tuple[bytes, dict[str, str], str, str | None, datetime]
# What it answers: ("ok", the fields of a ParsedRows), or ("not_a_feed" | "failed", why). Plain values only: in the
# process the module runs as __main__, so its own classes would not unpickle in the caller.
Answer = tuple[str, tuple[list[Row], str | None, str | None, int] | str]
_LENGTH = struct.Struct("!Q")


def write_frame(stream: IO[bytes], value: Request | Answer) -> None:
    """One value on a pipe: its length, then its pickle. Both ends are this module, run by the same program."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next value `write_frame` wrote, or None when the other end closed the pipe between two values."""
    head = stream.read(_LENGTH.size)
    if not head:
        return None
    if len(head) < _LENGTH.size:
        raise EOFError("the pipe closed inside a frame")
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the pipe closed inside a frame")
    return pickle.loads(data)


def answer(request: Request) -> Answer:
    """Parse one requested document; every failure is an answer, never an exception (hostile input)."""
    body, headers, feed_url, source, fetched_at = request
    try:
        parsed = parse_rows(body, headers=headers, feed_url=feed_url, source=source, fetched_at=fetched_at)
        return "ok", (parsed.rows, parsed.title, parsed.problem, parsed.dropped)
    except ParseError as exc:
        return "not_a_feed", str(exc)
    except Exception as exc:  # feedparser on hostile input
        return "failed", f"{type(exc).__name__}: {exc}"[:500]


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer parse requests until the requests pipe closes."""
    while (request := read_frame(requests)) is not None:
        write_frame(answers, answer(request))


def _main() -> None:
    # The parent stops its parsers by closing their pipes, after its last poll: a Ctrl-C or a SIGTERM sent to the
    # whole process group (systemd does) must not kill a parser under a poll that is still finishing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The answers go to a copy of stdout; stdout itself goes to stderr, so a stray print cannot break a frame.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    _main()
