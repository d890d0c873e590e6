"""Parsing fixture feeds into normalised items with stable keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.parse import (
    MAX_ITEMS_PER_FEED,
    ParseError,
    canonical_link,
    first_entries,
    item_key,
    parse_feed,
    plain_text,
)

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FETCHED = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def parse(name: str):
    return parse_feed((FEEDS / name).read_bytes(), feed_url=f"http://test/{name}", source=None, fetched_at=FETCHED)


def test_rss_item_is_normalised():
    (item,) = parse("attack_on_k1.xml").items
    assert item.published == datetime(2019, 12, 27, 19, 40, tzinfo=UTC)
    assert "<" not in item.summary and "&amp;" not in item.summary
    assert "كتائب حزب الله" in item.summary
    assert "utm_" not in (item.link or "")
    assert item.source == "Tigris Wire Test Feed"


def test_atom_entry_is_normalised():
    (item,) = parse("taji_attack_atom.xml").items
    assert item.published == datetime(2020, 3, 11, 19, 50, tzinfo=UTC)
    assert "Taji" in item.title and item.summary


def test_same_item_in_two_files_has_the_same_key():
    keys_single = {i.key for i in parse("attack_on_k1.xml").items + parse("us_strikes_kh.xml").items}
    assert keys_single == {i.key for i in parse("seed_cycle.xml").items}


def test_items_without_guid_or_date():
    items = parse("no_guid_no_date.xml").items
    assert len(items) == 2
    assert all(i.published == FETCHED for i in items)
    with_link = next(i for i in items if i.link)
    assert not any(p in with_link.link for p in ("utm_", "fbclid", "gclid", "#"))
    without_link = next(i for i in items if not i.link)
    assert without_link.key == item_key(None, None, without_link.title, without_link.summary)


def test_key_prefers_guid_then_canonical_link_then_text():
    assert item_key("g1", "http://a/x", "t", "s") == item_key(" g1 ", "http://other/", "other", "text")
    assert item_key(None, "http://A.example/x?utm_source=rss#frag", "t", "s") == item_key(
        None, "http://a.example/x", "different title", "s")
    assert item_key(None, None, "Title", "Text") == item_key(None, None, "title", "text")


def test_canonical_link_keeps_meaningful_params():
    assert canonical_link("https://Ex.org/a?id=5&utm_medium=x&fbclid=1#top") == "https://ex.org/a?id=5"


def test_plain_text_strips_scripts_and_decodes_entities():
    assert plain_text("<p>A &amp; B<script>alert(1)</script></p><b>C</b>\u202e") == "A & B C"


def test_html_page_is_not_a_feed():
    with pytest.raises(ParseError):
        parse("not_a_feed.html")


def test_malformed_feed_keeps_what_it_can_and_says_why():
    parsed = parse("malformed.xml")
    assert parsed.problem
    assert len(parsed.items) >= 1


def _feed_of(entries: int) -> bytes:
    items = "".join(f"<item><guid>g{n}</guid><title>Entry {n}</title></item>" for n in range(entries))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()


def test_a_feed_of_exactly_the_cap_is_read_whole_and_without_a_false_xml_error():
    body = _feed_of(MAX_ITEMS_PER_FEED)
    assert first_entries(body) == (body, 0), "nothing is past the cap: the document is not cut"
    parsed = parse_feed(body, feed_url="http://test/cap", source=None, fetched_at=FETCHED)
    assert len(parsed.items) == MAX_ITEMS_PER_FEED
    assert parsed.dropped == 0 and parsed.problem is None


def test_a_feed_over_the_cap_is_cut_after_the_cap():
    body = _feed_of(MAX_ITEMS_PER_FEED + 2)
    kept, dropped = first_entries(body)
    assert dropped == 2
    assert kept.endswith(f"<title>Entry {MAX_ITEMS_PER_FEED - 1}</title></item>".encode())
