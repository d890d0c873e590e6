"""The fast path for plain RSS 2.0 gives the items feedparser gives: on every feed of the shared corpora (real
publishers' feeds and feedparser's own tests), on the bench's feeds, and on hand-made edge cases. A document the
fast path does not model is left to feedparser, which the comparison sees as equal too; the tests also check that
the fast path really reads the plain feeds, so it cannot fall silent unnoticed.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.parse import _fast_entries, _feedparser_rules, first_entries, parse_rows, without_doctype

FETCHED = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
# Headers a feed is commonly served with, and what feedparser makes of the encoding with each.
HEADERS = [
    {},
    {"content-type": "application/rss+xml; charset=utf-8"},
    {"content-type": "application/xml"},
    {"content-type": "text/xml"},  # us-ascii by RFC 3023: feedparser overrides it for UTF-8 text (fast path: no)
    {"content-type": "text/html; charset=utf-8"},  # not an XML type: feedparser says so (fast path: no)
    {"server": "x"},  # no content type at all
]


def both(body: bytes, headers: dict[str, str] | None = None) -> tuple[object, object]:
    """What parse_rows makes of the document with the fast path and with feedparser alone (the rows, the feed's
    title, the problem, the entries dropped; or the error)."""
    def read(fast: bool) -> object:
        try:
            parsed = parse_rows(body, headers=headers, feed_url="http://test/feed", source=None,
                                fetched_at=FETCHED, fast=fast)
        except Exception as exc:
            return type(exc).__name__, str(exc)
        return parsed.rows, parsed.title, parsed.problem, parsed.dropped

    return read(True), read(False)


def takes(body: bytes, headers: dict[str, str] | None = None) -> bool:
    cut, dropped = first_entries(without_doctype(body))
    return not dropped and _fast_entries(cut, headers or {}) is not None


def corpus(shared_dir: Path) -> list[Path]:
    return [p for p in sorted((shared_dir / "corpora").rglob("*")) if p.is_file() and p.suffix in SUFFIXES]


def test_every_corpus_feed_reads_the_same(shared_dir):
    files = corpus(shared_dir)
    assert len(files) > 2000
    fast = 0
    differ = []
    for path in files:
        body = path.read_bytes()
        if b"<!ENTITY" in body or not takes(body):  # the rest goes to feedparser with or without the fast path
            continue
        fast += 1
        for headers in HEADERS[:2]:
            with_fast, without = both(body, headers)
            if with_fast != without:
                differ.append(f"{path.relative_to(shared_dir)} {headers}")
    assert not differ, differ[:5]
    assert fast >= 40  # the plain RSS 2.0 feeds among them


def test_headers_decide_as_feedparser_does(shared_dir):
    plain = [p for p in corpus(shared_dir) if "real-feeds" in str(p) and takes(p.read_bytes())]
    assert len(plain) >= 15
    for path in plain:
        body = path.read_bytes()
        for headers in HEADERS:
            with_fast, without = both(body, headers)
            assert with_fast == without, (path.name, headers)
    assert takes(plain[0].read_bytes(), HEADERS[1])
    assert not any(takes(plain[0].read_bytes(), h) for h in HEADERS[3:])


def rss(items: str, channel: str = "<title>Feed</title>", namespaces: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"{namespaces}><channel>{channel}{items}'
            "</channel></rss>").encode()


MEDIA = ' xmlns:media="http://search.yahoo.com/mrss/"'
CONTENT = ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
DC = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'

# (name, document, whether the fast path reads it)
CASES = [
    ("plain", rss("<item><title>A</title><link>http://a/1</link><description>Text</description>"
                  "<guid isPermaLink='false'>g1</guid><pubDate>Sun, 01 Nov 2026 11:20:00 +0000</pubDate></item>"),
     True),
    ("guid is the link", rss("<item><title>A</title><guid>http://a/2?x=1&amp;y=2</guid></item>"), True),
    ("link wins over a permalink guid", rss("<item><guid>http://a/g</guid><link>http://a/l</link></item>"), True),
    ("empty link", rss("<item><title>A</title><link/><guid>http://a/g</guid></item>"), True),
    ("ampersands in a link", rss("<item><title>A</title><link>http://a/?a=1&amp;amp;b=2&amp;c;=3</link></item>"),
     True),
    ("escaped html", rss("<item><title>A &amp;amp; B</title><description>&lt;p&gt;One&lt;/p&gt;&lt;script&gt;"
                         "x&lt;/script&gt;&lt;p&gt;Two &amp;nbsp; &amp;bogus; &amp;#233;&lt;/p&gt;</description>"
                         "</item>"),
     True),
    ("html in a title", rss("<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; more</title></item>"), True),
    ("cdata and noscript", rss("<item><title>T</title><description><![CDATA[<p>a<noscript>n</noscript>"
                               "<applet>x</applet>b</p>]]></description></item>"), True),
    ("mojibake and windows-1252", rss("<item><title>caf\u00c3\u00a9 \u0080 \u0093q\u0094</title></item>"), True),
    ("content longer than the description", rss("<item><title>T</title><description>short</description>"
                                                "<content:encoded>&lt;p&gt;much longer text&lt;/p&gt;"
                                                "</content:encoded></item>", namespaces=CONTENT), True),
    ("content only", rss("<item><content:encoded>body</content:encoded></item>", namespaces=CONTENT), True),
    ("dates", rss("<item><title>T</title><dc:date>2020-01-02T03:04:05Z</dc:date></item>"
                  "<item><title>U</title><pubDate>not a date</pubDate><dc:date>2020-01-02T03:04:05+01:00</dc:date>"
                  "</item>", namespaces=DC), True),
    ("inert item children", rss("<item><title>T</title><category>c</category><author>a</author>"
                                "<enclosure url='http://a/e.mp3' length='1' type='audio/mpeg'/>"
                                "<media:content url='http://a/m.jpg'/><comments>http://a/c</comments>"
                                "<source url='http://s/'>S</source></item>", namespaces=MEDIA), True),
    ("image and text input", rss("<item><title>T</title></item>",
                                 channel="<image><url>http://a/i.png</url><title>Image</title><link>http://a/</link>"
                                 "</image><textInput><title>Box</title><name>q</name></textInput>"
                                 "<title>Channel</title>"), True),
    ("channel title after the items", rss("<item><title>T</title></item><item><title/></item><title>Late</title>",
                                          channel="<link>http://a/</link>"), True),
    ("untitled item", rss("<item><description>only text</description></item><item><guid>x</guid></item>"), True),
    ("no items", rss(""), True),
    ("media title", rss("<item><media:title>M</media:title><title>T</title></item>", namespaces=MEDIA), False),
    ("title in an image with another child", rss("<item><title>T</title></item>", channel="<image><foo/>"
                                                  "<title>Image</title></image><title>C</title>"), False),
    ("two titles", rss("<item><title>A</title><title>B</title></item>"), False),
    ("two channels", rss("<item><title>A</title></item>").replace(b"</rss>", b"<channel><title>B</title></channel>"
                                                                            b"</rss>"), False),
    ("a base URI", rss("<item xml:base='http://b/'><title>T</title><link>x</link></item>"), False),
    ("markup in a title", rss("<item><title>A <b>bold</b></title></item>"), False),
    ("atom link in an item", rss("<item><title>T</title><atom:link href='http://a/x'/></item>",
                                 namespaces=' xmlns:atom="http://www.w3.org/2005/Atom"'), False),
    ("a known prefix on another namespace", rss("<item><media:title>T</media:title></item>",
                                                namespaces=' xmlns:media="http://example.com/other"'), False),
    ("latin-1", rss("<item><title>caf\u00e9</title></item>").replace(b"utf-8", b"iso-8859-1")
     .replace("\u00e9".encode(), b"\xe9"), False),
    ("broken", rss("<item><title>T</title></item>")[:-10], False),
    ("undefined entity", rss("<item><title>a &nbsp; b</title></item>"), False),
    ("atom", b'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><title>T</title></entry></feed>',
     False),
]


@pytest.mark.parametrize(("name", "body", "fast"), CASES, ids=[c[0] for c in CASES])
def test_edge_cases_read_the_same(name, body, fast):
    assert takes(body) == fast
    with_fast, without = both(body)
    assert with_fast == without


def test_fast_path_is_faster():
    items = "".join(f"<item><guid isPermaLink='false'>g{i}</guid><link>http://a/{i}</link>"
                    f"<pubDate>Sun, 01 Nov 2026 11:20:00 +0000</pubDate><title>Title number {i}</title>"
                    f"<description>Some words about item {i}, and a few more.</description></item>"
                    for i in range(500))
    body = rss(items)
    assert takes(body)
    # The best of three runs of each, taken in turn: CPU time is steadier than wall time on a loaded machine, but a
    # collection or a cold cache can still land in one run.
    cpu: dict[bool, float] = {True: float("inf"), False: float("inf")}
    for _ in range(3):
        for fast in (True, False):
            started = time.process_time()
            parse_rows(body, feed_url="http://test/feed", source=None, fetched_at=FETCHED, fast=fast)
            cpu[fast] = min(cpu[fast], time.process_time() - started)
    assert cpu[True] * 2 < cpu[False], cpu


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       st.integers(min_value=-24 * 60 + 1, max_value=24 * 60 - 1), st.booleans(),
       st.sampled_from(["", "GMT", "UT", "Z", "EST", "-0000", "+2400", "+0099", "+05:30"]))
def test_rfc822_dates_read_as_feedparser_reads_them(moment, offset, day_name, zone):
    """The fast path reads RFC 822 dates itself (`_FeedparserRules.date`); any date, written as feeds write them or
    not, reads as feedparser's chain of date handlers reads it."""
    import feedparser.datetimes

    written = format_datetime(moment.replace(tzinfo=timezone(timedelta(minutes=offset))))
    written = written if day_name else written.split(", ", 1)[1]
    written = f"{written[:-5]}{zone}" if zone else written
    rules = _feedparser_rules()
    assert rules is not None
    assert rules.date(written) == feedparser.datetimes._parse_date(written), written


def test_a_plain_item_skips_feedparsers_slow_steps():
    """feedparser tries its W3C date handler first, which never reads an RFC 822 date and cost as much again, and
    joins every link to the (empty) base through a substitution whose template is expanded in Python: neither runs
    for an item whose date is RFC 822 and whose link has no slashes to drop after its scheme."""
    called: list[str] = []

    def seen(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "call":
            called.append(frame.f_code.co_name)

    items = "".join(f"<item><guid>http://a/{i}</guid><link>http://a/{i}.html</link><title>T{i}</title>"
                    f"<pubDate>Sun, 0{i} Nov 2026 11:20:00 +0000</pubDate></item>" for i in range(1, 4))
    items += "<item><link>http:///a/4.html</link><title>T4</title></item>"  # its slashes dropped, as feedparser does
    sys.setprofile(seen)
    try:
        rows = parse_rows(rss(items), feed_url="http://test/feed", source=None, fetched_at=FETCHED).rows
    finally:
        sys.setprofile(None)
    assert [row[4] for row in rows] == [*(datetime(2026, 11, day, 11, 20, tzinfo=UTC) for day in (1, 2, 3)), FETCHED]
    assert [row[3] for row in rows] == [*(f"http://a/{i}.html" for i in (1, 2, 3)), "http://a/4.html"]
    assert "_parse_date_w3dtf" not in called and "_parse_date" not in called  # no date went to feedparser's chain
    assert called.count("_urljoin") == 1  # the fourth item's link alone


# Pieces text is made of in the property below: plain words, entities and escaped markup of every kind feedparser
# treats apart (known, unknown and numeric entities, tags it keeps or drops), mis-decoded UTF-8 and Windows-1252
# code points, and odd spacing.
PIECES = st.sampled_from([
    "word", "Kataib", " ", "  ", "\n", "\t", "&", "&amp;", "&lt;", "&gt;", "&nbsp;", "&bogus;", "&#233;", "&#x41;",
    "<", ">", "<b>", "</b>", "<p>", "</p>", "<br/>", "<script>", "</script>", "<style>x</style>", "<a href='x'>",
    "</a>", "<noscript>", "<applet>", "<!-- c -->", "<![CDATA[", "]]>", "\u00c3\u00a9", "\u00e9", "\u0080", "\u0093",
    "\u0627\u0644", "\u200f", "'", '"', ";", "#", "http://a/b?x=1&y=2", "?utm_source=rss", "1", "2024",
])
TEXT = st.lists(PIECES, max_size=12).map("".join)
DATES = st.sampled_from(["Sun, 01 Nov 2026 11:20:00 +0000", "2020-01-02T03:04:05Z", "Tue, 10 Jun 2003 04:00:00 GMT",
                         "not a date", "", "  Mon, 02 Jun 2003 09:39:21 EST  "])


def escaped(text: str, cdata: bool) -> str:
    if cdata and "]]>" not in text:
        return f"<![CDATA[{text}]]>"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def items(draw: st.DrawFn) -> str:
    parts = []
    for name in ("title", "link", "description", "guid", "pubDate"):
        if draw(st.booleans()):
            value = draw(DATES) if name == "pubDate" else draw(TEXT)
            attrs = draw(st.sampled_from(["", " isPermaLink='false'", " isPermaLink='true'"])) if name == "guid" else ""
            parts.append(f"<{name}{attrs}>{escaped(value, draw(st.booleans()))}</{name}>")
    if draw(st.booleans()):
        parts.append(f"<content:encoded>{escaped(draw(TEXT), draw(st.booleans()))}</content:encoded>")
    return "<item>" + "".join(draw(st.permutations(parts))) + "</item>"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(items(), max_size=4), TEXT)
def test_any_plain_feed_reads_the_same(entries, title):
    body = rss("".join(entries), channel=f"<title>{escaped(title, False)}</title>", namespaces=CONTENT)
    assert takes(body)
    with_fast, without = both(body)
    assert with_fast == without
