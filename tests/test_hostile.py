"""Hostile documents are bounded: entity bombs and external entities never expand or reach the disk."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime

import pytest

from monitor.parse import ParseError, parse_feed

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _feed(doctype: str, description: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n<rss version="2.0"><channel><title>t</title>'
            f"<item><title>Rockets hit Camp Taji</title><description>{description}</description></item>"
            "</channel></rss>").encode()


def _bounded_parse(body: bytes):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        parsed = parse_feed(body, feed_url="http://test/feed", source=None, fetched_at=NOW)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    seconds = time.perf_counter() - started
    print(f"\n  parse {len(body):,} bytes: {seconds:.2f} s, peak {peak / 1e6:.1f} MB")
    return parsed, seconds, peak


def test_quadratic_blowup_does_not_expand():
    body = _feed(f'<!DOCTYPE rss [<!ENTITY a "{"A" * 10_000}">]>', "&a;" * 30_000)
    parsed, seconds, peak = _bounded_parse(body)
    assert seconds < 2 and peak < 50_000_000, (seconds, peak)
    assert all(len(i.summary) < 200_000 for i in parsed.items)


def test_billion_laughs_does_not_expand():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    parsed, seconds, peak = _bounded_parse(_feed(f"<!DOCTYPE rss [{entities}]>", "&lol9;"))
    assert seconds < 2 and peak < 50_000_000
    assert all("lollollol" not in i.summary for i in parsed.items)


def test_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    body = _feed(f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>', "&xxe;")
    parsed, _, _ = _bounded_parse(body)
    assert all("TOP-SECRET" not in i.summary + i.title for i in parsed.items)


def test_entity_declarations_hidden_past_the_prolog_are_refused():
    body = _feed("<!DOCTYPE rss [" + " " * 70_000 + '<!ENTITY a "boom">]>', "&a;")
    with pytest.raises(ParseError):
        parse_feed(body, feed_url="http://test/feed", source=None, fetched_at=NOW)


def test_ordinary_feed_with_a_public_doctype_still_parses():
    body = _feed('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                 '"http://my.netscape.com/publish/formats/rss-0.91.dtd">', "Rockets struck the base.")
    parsed, _, _ = _bounded_parse(body)
    assert [i.title for i in parsed.items] == ["Rockets hit Camp Taji"]


# --- hostile servers: each ends within its limits with a recorded error ----------------------------

import asyncio  # noqa: E402
import zlib  # noqa: E402
from datetime import timedelta  # noqa: E402

from monitor.config import FetchConfig  # noqa: E402
from monitor.fetch import fetch_feed, make_client  # noqa: E402

LIMITS = FetchConfig(timeout=timedelta(seconds=3), connect_timeout=timedelta(seconds=1), max_bytes=5_000_000)


def _bounded_fetch(url: str, config: FetchConfig = LIMITS):
    async def go():
        async with make_client(config) as client:
            return await fetch_feed(client, url, config)

    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = asyncio.run(go())
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    seconds = time.perf_counter() - started
    print(f"\n  fetch {url.rsplit('/', 1)[-1]}: {seconds:.2f} s, peak {peak / 1e6:.1f} MB, {result.error}")
    return result, seconds, peak


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    chunk = b"\0" * 1_000_000
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + compressor.flush()


def test_gzip_bomb_stops_at_the_decoded_size_cap(feed_server):
    bomb = _gzip_of_zeros(300_000_000)  # 300 MB of zeros in about 300 KB
    feed_server.add_raw("/bomb", bomb, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"})
    result, seconds, peak = _bounded_fetch(feed_server.url("/bomb"))
    assert result.error and result.error.startswith("too large"), result.error
    assert seconds < 3 and peak < 40_000_000, (seconds, peak)


def test_endless_and_huge_bodies_and_slow_servers_end_with_an_error(feed_server):
    feed_server.add_big("/gigabyte", 1_000_000_000)
    feed_server.add_drip("/slowloris", chunk=b"<item>", interval=0.2, total_seconds=60)
    feed_server.add_redirect("/loop-a", "/loop-b")
    feed_server.add_redirect("/loop-b", "/loop-a")
    for path, expected in (("/gigabyte", "too large"), ("/slowloris", "timeout"), ("/loop-a", "redirects")):
        result, seconds, peak = _bounded_fetch(feed_server.url(path))
        assert result.error.startswith(expected), (path, result.error)
        assert seconds < 4 and peak < 40_000_000, (path, seconds, peak)


def test_hundred_thousand_items_are_capped():
    items = "".join(f"<item><guid>g{i}</guid><title>Item {i}</title></item>" for i in range(100_000))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    parsed, seconds, peak = _bounded_parse(body)
    assert len(parsed.items) == 2_000 and parsed.dropped == 98_000
    assert seconds < 10 and peak < 100_000_000, (seconds, peak)


def test_ten_megabyte_summary_is_cut():
    body = _feed("", "word " * 2_000_000)
    parsed, seconds, _ = _bounded_parse(body)
    assert len(parsed.items[0].summary) <= 20_000
    assert seconds < 30, seconds


def test_invalid_and_mixed_encodings_give_items_or_a_clear_error():
    latin1 = _feed("", "Caf\u00e9 r\u00e9sum\u00e9").replace(b'encoding="utf-8"', b'encoding="iso-8859-1"')
    latin1 = latin1.decode("utf-8").encode("latin-1")
    mixed = _feed("", "caf\u00e9").replace("caf\u00e9".encode(), b"caf\xe9 \xff\xfe caf\xc3\xa9")
    for body in (latin1, mixed, b"\xff\xfe\x00<\x00r\x00s\x00s", b"\x00" * 1000):
        try:
            parsed = parse_feed(body, feed_url="http://test/feed", source=None, fetched_at=NOW)
        except ParseError:
            continue
        assert all(isinstance(i.summary, str) for i in parsed.items)
