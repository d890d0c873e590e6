"""Retention: old items lose their text but keep their keys and prints, so nothing comes back as new."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import pipeline, store
from monitor.config import ConfigError, load_settings

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
NOW = datetime(2026, 1, 10, 12, tzinfo=UTC)


def _rows(tmp_path: Path) -> list[tuple[str, str, str, str, str]]:
    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:
        return db.execute("SELECT key, title, summary, fingerprint, title_print FROM item ORDER BY key").fetchall()


def _poll(runtime: pipeline.Runtime, at: datetime) -> list[pipeline.FeedOutcome]:
    outcomes, _ = asyncio.run(pipeline.poll_once(runtime, clock=lambda: at))
    return outcomes


def test_old_item_text_is_pruned_and_the_items_stay_known(feed_server, make_config, tmp_path):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}], retention={"items": "90d"})
    runtime = pipeline.build_runtime(load_settings(config))
    (first,) = _poll(runtime, NOW)
    assert first.new_items == 2 and first.alerts == 2
    before = _rows(tmp_path)
    assert all(title and summary for _, title, summary, _, _ in before)

    # Fetched 30 days ago: kept whole, however old the news (a backlog keeps its text for the retention period).
    assert pipeline.prune_items(runtime, NOW + timedelta(days=30)) == 0
    # Past the retention period: the text goes, the key, fingerprint and title print stay.
    assert pipeline.prune_items(runtime, NOW + timedelta(days=91)) == 2
    after = _rows(tmp_path)
    assert [(k, t, s) for k, t, s, _, _ in after] == [(k, "", "") for k, _, _, _, _ in before]
    assert [r[3:] for r in after] == [r[3:] for r in before]
    assert pipeline.prune_items(runtime, NOW + timedelta(days=92)) == 0  # nothing twice

    # The same items again (a changed body, so not a 304), and one re-issued under a new guid: nothing is new.
    body = (FEEDS / "seed_cycle.xml").read_text(encoding="utf-8")
    reissued = body.replace("tigriswire-2019-12-27-k1-rocket-attack", "reissued-k1").replace(
        "utm_source=rss", "utm_source=reissue")
    feed_server.add_feed("/seed.xml", (body + "\n").encode("utf-8"))
    (again,) = _poll(runtime, NOW + timedelta(days=92))
    assert again.status == 200 and again.new_items == 0 and again.alerts == 0
    feed_server.add_feed("/seed.xml", reissued.encode("utf-8"))
    (copy,) = _poll(runtime, NOW + timedelta(days=93))
    assert copy.alerts == 0 and all(o.copy_of for o in copy.outcomes)
    assert store.alert_count(runtime.engine) == 2


def test_many_items_are_pruned_in_batches(feed_server, make_config, tmp_path):
    items = "".join(f"<item><guid>g{i}</guid><title>Report number {i}</title><description>Text {i}</description>"
                    f"<pubDate>Mon, 0{1 + i % 9} Jun 2020 10:00:00 +0000</pubDate></item>" for i in range(23))
    feed_server.add_feed("/many.xml", f"<rss version=\"2.0\"><channel><title>m</title>{items}</channel></rss>"
                         .encode())
    config = make_config(feeds=[{"url": feed_server.url("/many.xml")}])
    runtime = pipeline.build_runtime(load_settings(config))
    _poll(runtime, NOW)
    assert store.prune_items(runtime.engine, NOW + timedelta(days=1), batch=5) == 23
    assert {(t, s) for _, t, s, _, _ in _rows(tmp_path)} == {("", "")}


@pytest.mark.parametrize("value", [0, "0", None])
def test_retention_zero_or_null_keeps_the_text_forever(make_config, value):
    settings = load_settings(make_config(retention={"items": value}))
    assert settings.retention.items is None


def test_retention_defaults_to_90_days_and_a_bad_value_names_the_key(make_config):
    assert load_settings(make_config()).retention.items == timedelta(days=90)
    with pytest.raises(ConfigError) as caught:
        load_settings(make_config(retention={"items": "a while"}))
    assert "retention.items" in str(caught.value)
