"""Parsing: fetched feed bytes into normalised items, with feedparser.

An item's key is computed here, once, from what identifies it best: the guid, else the canonical
link (tracking parameters removed), else title and summary. Never from timestamps.

The pipeline parses in worker processes (`python -m monitor.parse`, see `serve`): feedparser is pure CPU and a
function of the bytes alone, so there it neither holds the event loop's GIL nor waits for storing. A worker
imports this module and feedparser only; items cross as plain rows (`Row`) and become `Item`s in the caller.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import html
import os
import pickle
import re
import signal
import struct
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
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
    if text.isascii() and text.isprintable() and "  " not in text:
        # Most text: printable ASCII, so no control or format character, NFC as it is, and no space but single ones.
        return text.strip()[:limit]
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    return _SPACE.sub(" ", text).strip()[:limit]


# A link already canonical but for a missing path: http(s), a lower-case host, no query, fragment or space. Most links
# are such, and they skip splitting and joining (the same result, a fifth of the time).
_PLAIN_LINK = re.compile(r"(https?://[a-z0-9.:-]+)(/[^?#\s]*)?")


def canonical_link(url: str | None) -> str | None:
    """The link without tracking parameters or fragment, with a lower-case scheme and host."""
    url = (url or "").strip()
    if not url:
        return None
    plain = _PLAIN_LINK.fullmatch(url)
    if plain is not None:
        return plain.group(1) + (plain.group(2) or "/")
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
               fetched_at: datetime, fast: bool = True) -> ParsedRows:
    """Parse a fetched document into rows of items; raise ParseError when it holds no feed. A plain RSS 2.0
    document is read by the fast path (`_fast_entries`) unless `fast` is False, anything else by feedparser."""
    body, dropped = first_entries(without_doctype(body))
    read = _fast_entries(body, headers or {}) if fast and not dropped else None
    problem = None
    if read is not None:
        entries, raw_title = read
    else:
        import feedparser  # here, not at the top: the daemon's process imports this module and parses nothing

        parsed = feedparser.parse(body, response_headers=headers or {}, sanitize_html=True,
                                  resolve_relative_uris=False)
        if parsed.get("bozo"):
            problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"[:500]
        entries = parsed.entries
        if not entries and not parsed.get("version"):
            raise ParseError(problem or "the document is not an RSS or Atom feed")
        raw_title = parsed.feed.get("title", "")
    feed_title = plain_text(raw_title, MAX_TITLE_CHARS) or None
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


# --------------------------------------------------------------------------- the fast path for plain RSS 2.0

# feedparser reads a document through SAX handlers of pure Python (0.33 ms an item of the bench's feeds); most feeds
# are plain RSS 2.0, whose few fields the items are built from are read here by expat directly, with feedparser's
# own rules for each field's text (its sanitizer, date parser, URL joining and encoding repairs): 0.04 ms an item,
# 0.07 ms with the rows built. Anything this reading does not model exactly, from an unknown namespace or an Atom
# feed to a broken document or another encoding, goes to feedparser whole, so the items are the same either way
# (tests/test_parse_fast.py compares both on every feed of the shared corpora and on edge cases).

_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_ITEM_TEXT = frozenset({"title", "link", "description", "guid", "pubdate", "dc:date", "content:encoded"})
# Item children feedparser reads into fields the items never use (authors, tags, enclosures, comments, source).
_ITEM_INERT = frozenset({"category", "author", "enclosure", "dc:creator", "dc:subject", "source", "media:content",
                         "media:thumbnail"})
_OPENS = frozenset({"item", "entry", "source", "image", "textinput", "channel", "rss", "feed"})
# Entry keys the rows are built from: an element without a handler of its own is stored under its name.
_ENTRY_FIELDS = frozenset({"title", "summary", "content", "link", "id", "published_parsed", "updated_parsed",
                           "created_parsed", "description", "guid", "published", "updated"})
# feedparser's "hack" for image and text-input boxes: another child ends the box and its title becomes the feed's.
_BOX_CHILDREN = {"image": frozenset({"title", "link", "url", "width", "height", "description"}),
                 "textinput": frozenset({"title", "link", "description", "name"})}
_AMP_ENTITY = re.compile("&([A-Za-z0-9_]+);")
# An RSS date as RFC 822 writes it and most feeds do ("Mon, 07 Dec 2026 16:09:14 +0000", "... GMT"): read here as
# feedparser's RFC 822 handler reads it. feedparser first tries its W3C handler, which gives nothing for a date
# that opens with a letter or with a day of one or two digits (its first field is a four-digit year), and costs
# as much again; anything else, or a date no calendar holds, goes to feedparser's whole chain.
_RFC822_DATE = re.compile(r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d\d?) "
                          r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                          r"(\d{4}) (\d\d):(\d\d):(\d\d) (?:GMT|UT|Z|([+-])(\d\d)(\d\d))\Z")
_MONTHS = {name: n for n, name in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                              "Nov", "Dec"), 1)}
_NAMES_KEPT = 10_000  # element names whose feedparser names are kept: feeds use a few dozen; a hostile one, more


class _Unmodelled(Exception):
    """The document holds something the fast path does not read as feedparser would: feedparser reads it."""


class _Rss:
    """expat handlers collecting the items of a plain RSS 2.0 document as feedparser's raw fields."""

    def __init__(self, fp: _FeedparserRules) -> None:
        self.fp = fp
        self.path: list[str] = []  # feedparser's names of the open elements
        self.entries: list[dict[str, Any]] = []
        self.entry: dict[str, str] | None = None  # an item's raw texts, by element name
        self.guid_is_link = False
        self.text: list[str] | None = None  # the text of the element being read
        self.feed_title: str | None = None
        self.channel_seen = False

    def name(self, expat_name: str) -> str:
        """feedparser's name of an element, lower case: a known namespace's usual prefix, else the prefix given
        (refused when that prefix is one feedparser knows for another namespace, or names none). A function of
        the name alone, kept per name (a feed repeats a few names for every item)."""
        found = self.fp.names.get(expat_name)
        if found is None:
            found = self._name(expat_name)
            if len(self.fp.names) < _NAMES_KEPT:
                self.fp.names[expat_name] = found
        return found

    def _name(self, expat_name: str) -> str:
        parts = expat_name.split(" ")
        if len(parts) == 1:
            return expat_name.lower()
        uri = parts[0].lower()
        if "backend.userland.com/rss" in uri:
            uri = "http://backend.userland.com/rss"
        prefix = self.fp.known.get(uri)
        if prefix is None:
            if len(parts) < 3 or parts[2].lower() in self.fp.standard:
                raise _Unmodelled(f"namespace {parts[0]}")
            prefix = parts[2].lower()
        return f"{prefix}:{parts[1].lower()}" if prefix else parts[1].lower()

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        known = self.fp.known.get((uri or "").lower())
        if prefix and known is not None and prefix != known and prefix in self.fp.standard:
            raise _Unmodelled(f"prefix {prefix} of another namespace")  # feedparser would map it twice

    def start(self, expat_name: str, attrs: dict[str, str]) -> None:
        name = self.name(expat_name)
        if attrs and any(_local(attr) == "base" for attr in attrs):
            raise _Unmodelled("a base URI")  # feedparser would join links to it
        path, depth = self.path, len(self.path)
        if self.text is not None:
            raise _Unmodelled(f"markup inside {path[-1]}")
        if depth == 0:
            if name != "rss":
                raise _Unmodelled(f"root {name}")
        elif depth == 1:
            if name != "channel" or attrs or self.channel_seen:
                raise _Unmodelled(f"{name} in rss")
            self.channel_seen = True
        elif depth == 2:
            if name == "item":
                if attrs:
                    raise _Unmodelled("item attributes")
                self.entry = {}
            elif name == "title":
                if self.feed_title is not None or _other_than_lang(attrs):
                    raise _Unmodelled("a second channel title")
                self.text = []
            elif name not in _BOX_CHILDREN:
                self.outside(name)
        elif self.entry is not None:
            if depth > 3:
                raise _Unmodelled(f"{name} inside {path[-1]}")
            if name in _ITEM_TEXT:
                if name in self.entry:
                    raise _Unmodelled(f"a second {name}")
                if name == "guid":
                    lowered = {a.lower(): value for a, value in attrs.items()}
                    if len(lowered) != len(attrs) or any(a != "ispermalink" for a in lowered):
                        raise _Unmodelled("guid attributes")
                    self.guid_is_link = lowered.get("ispermalink", "true") == "true"
                elif _other_than_lang(attrs):
                    raise _Unmodelled(f"{name} attributes")
                self.text = []
            elif name not in _ITEM_INERT and (self.fp.handled(name) or name.replace(":", "_") in _ENTRY_FIELDS):
                raise _Unmodelled(f"item element {name}")
        elif path[2] in _BOX_CHILDREN:
            if depth > 3 or name not in _BOX_CHILDREN[path[2]]:
                raise _Unmodelled(f"{name} in {path[2]}")
        else:
            self.outside(name)
        path.append(name)

    def outside(self, name: str) -> None:
        """An element of the channel outside items: only the feed's title matters there (a title anywhere in it,
        or an element that opens an entry, a source or a box, could change it)."""
        if name in _OPENS or (name.rsplit(":", 1)[-1] == "title" and self.fp.handled(name)):
            raise _Unmodelled(f"{name} outside an item")

    def end(self, expat_name: str) -> None:
        name = self.path.pop()
        if self.text is not None:
            value = "".join(self.text)
            self.text = None
            if self.entry is None:
                self.feed_title = value
            else:
                self.entry[name] = value
        elif name == "item" and len(self.path) == 2 and self.entry is not None:
            self.entries.append(self.fp.entry(self.entry, self.guid_is_link))
            self.entry = None

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)


def _local(attr: str) -> str:
    """An attribute's name without its namespace, lower case (expat gives "uri name prefix")."""
    return attr.split(" ")[1].lower() if " " in attr else attr.lower()


def _other_than_lang(attrs: dict[str, str]) -> bool:
    return bool(attrs) and any(not attr.startswith(f"{_XML_NAMESPACE} lang") for attr in attrs)


class _FeedparserRules:
    """feedparser's own rules for a field's text, taken from it once (the fast path's reading of each field)."""

    def __init__(self) -> None:
        import feedparser.api
        import feedparser.datetimes
        import feedparser.encodings
        import feedparser.html
        import feedparser.mixin
        import feedparser.sanitizer
        import feedparser.urls

        self.known = {uri.lower(): prefix for uri, prefix in feedparser.mixin._FeedParserMixin.namespaces.items()}
        self.standard = set(self.known.values()) - {""}
        self.parser_class = feedparser.api.StrictFeedParser
        self.parse_date = feedparser.datetimes._parse_date
        # The order `date` relies on: feedparser's own, unless something registered a handler of its own before.
        self.rfc822_second = feedparser.datetimes._date_handlers[:2] == [
            feedparser.datetimes.w3dtf._parse_date_w3dtf, feedparser.datetimes.rfc822._parse_date_rfc822]
        self.sanitize = feedparser.sanitizer._sanitize_html
        self.looks_like_html = feedparser.mixin._FeedParserMixin.looks_like_html
        self.urljoin = feedparser.urls._urljoin
        self.urifixer = feedparser.urls._urifixer
        self.cp1252 = feedparser.html._cp1252
        self.parse_content_type = feedparser.encodings.parse_content_type
        self.declared = feedparser.encodings.RE_XML_PI_ENCODING
        self._handled: dict[str, bool] = {}
        self.names: dict[str, str] = {}  # `_Rss.name` of the element names met (at most `_NAMES_KEPT`)

    def handled(self, name: str) -> bool:
        """Whether feedparser has a handler of its own for the element (else it only stores its text)."""
        if name not in self._handled:
            method = name.replace(":", "_")
            self._handled[name] = (hasattr(self.parser_class, "_start_" + method)
                                   or hasattr(self.parser_class, "_end_" + method))
        return self._handled[name]

    def text(self, raw: str, *, html: bool | None, uri: bool = False) -> str:
        """A field's text as feedparser's `pop` makes it: stripped, joined to the (empty) base URI, sanitized
        when it is HTML (None: when it looks like HTML), mis-decoded UTF-8 repaired, Windows-1252 mapped."""
        value = raw.strip()
        if uri and value:
            # Joined to no base, a URI is only rid of the slashes after its scheme's "://" (`_urifixer`), which a
            # feed's links rarely have: the substitution's template is expanded in Python, so it runs only then.
            fixed = self.urifixer.match(value)
            if fixed is not None and fixed.end(2) > fixed.start(2):
                value = self.urljoin("", value)
        if html is None:
            html = self.looks_like_html(value)
        if html and ("<" in value or "&" in value):  # else the sanitizer returns the text as it is
            value = self.sanitize(value, "utf-8", "text/html")
        if value.isascii():  # neither repair changes ASCII
            return value
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            value = value.encode("iso-8859-1").decode("utf-8")
        return value.translate(self.cp1252)

    def entry(self, raw: dict[str, str], guid_is_link: bool) -> dict[str, Any]:
        """An item's fields under feedparser's keys, from its raw texts."""
        entry: dict[str, Any] = {}
        if "title" in raw:
            entry["title"] = self.text(raw["title"], html=None)
        if "guid" in raw:
            entry["id"] = self.text(raw["guid"], html=False, uri=guid_is_link)
            if guid_is_link:
                entry["link"] = entry["id"]
        if "link" in raw:
            link = self.text(raw["link"], html=False, uri=True)
            entry["link"] = _AMP_ENTITY.sub(r"&\g<1>", link.replace("&amp;", "&")) if "&" in link else link
        content = self.text(raw["content:encoded"], html=True) if "content:encoded" in raw else None
        if "description" in raw:
            entry["summary"] = self.text(raw["description"], html=True)
        elif content is not None:
            entry["summary"] = content
        if content is not None:
            entry["content"] = [{"value": content}]
        if "pubdate" in raw:
            entry["published_parsed"] = self.date(self.text(raw["pubdate"], html=False))
        if "dc:date" in raw:
            entry["updated_parsed"] = self.date(self.text(raw["dc:date"], html=False))
        return entry

    def date(self, text: str) -> time.struct_time | None:
        """feedparser's reading of a date (`_parse_date`): an RFC 822 date as its RFC 822 handler reads it (see
        `_RFC822_DATE`), any other by its handlers in turn."""
        written = _RFC822_DATE.match(text) if self.rfc822_second else None
        if written is not None:
            day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = written.groups()
            offset = timedelta(hours=int(zone_hours), minutes=int(zone_minutes)) if sign else timedelta(0)
            with contextlib.suppress(ValueError, OverflowError):  # 31 Feb: feedparser's other handlers try it
                stamp = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))
                return (stamp + offset if sign == "-" else stamp - offset).utctimetuple()
        parsed: time.struct_time | None = self.parse_date(text)
        return parsed

    def utf8(self, body: bytes, headers: dict[str, str]) -> bool:
        """Whether feedparser reads the document as UTF-8 with no complaint about its encoding or media type."""
        declared = self.declared.match(body.removeprefix(b"\xef\xbb\xbf"))
        xml_encoding = declared.group(1).decode("utf-8", "replace").lower() if declared else ""
        if not headers:
            return xml_encoding in ("", "utf-8")
        if "content-location" in headers or "content-type" not in headers:
            return False
        media, charset = self.parse_content_type(headers["content-type"])
        if media in ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity") or (
                media.startswith("application/") and media.endswith("+xml")):
            return bool((charset or xml_encoding or "utf-8") == "utf-8")
        if media in ("text/xml", "text/xml-external-parsed-entity") or (
                media.startswith("text/") and media.endswith("+xml")):
            return bool(charset == "utf-8")
        return False


@lru_cache(maxsize=1)
def _feedparser_rules() -> _FeedparserRules | None:
    """feedparser's field rules, taken once; None when a feedparser release moved the private functions they are: every
    document then goes to feedparser itself, slower and the same."""
    try:
        return _FeedparserRules()
    except (ImportError, AttributeError):
        return None


def _fast_entries(body: bytes, headers: dict[str, str]) -> tuple[list[dict[str, Any]], str] | None:
    """The entries and feed title of a plain, well-formed RSS 2.0 document as feedparser reads them, or None
    when the document is anything else."""
    if not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<rss")):
        return None
    fp = _feedparser_rules()
    if fp is None or not fp.utf8(body, headers):
        return None
    from xml.parsers import expat

    reader = _Rss(fp)
    parser = expat.ParserCreate("utf-8", " ")
    parser.namespace_prefixes = True
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    parser.StartNamespaceDeclHandler = reader.namespace
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_entity
    try:
        parser.Parse(body, True)
    except Exception:  # _Unmodelled, a broken document, or a fault of the fast path: feedparser reads it as before
        return None
    title = fp.text(reader.feed_title, html=None) if reader.feed_title is not None else ""
    return reader.entries, title


def _refuse(*_: Any) -> None:
    raise _Unmodelled("a document type")


def _refuse_entity(*_: Any) -> int:
    raise _Unmodelled("an external entity")


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
