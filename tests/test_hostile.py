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
    return parsed, time.perf_counter() - started, peak


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
