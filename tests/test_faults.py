"""Faults: a locked database and a full disk give a clear error, no partial state, and a clean retry."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from monitor import pipeline, store
from monitor.config import load_settings

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _runtime(config: Path, pragma: str | None = None) -> pipeline.Runtime:
    runtime = pipeline.build_runtime(load_settings(config))
    if pragma:
        runtime.engine.dispose()
        event.listen(runtime.engine, "connect", lambda conn, _: conn.execute(pragma))
    return runtime


def _poll(runtime: pipeline.Runtime):
    return asyncio.run(pipeline.poll_once(runtime))


def test_locked_database_is_reported_and_the_next_poll_stores_everything_once(
    feed_server, make_config, tmp_path, caplog
):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}], alerts={"file": None, "log": False})
    db_path = tmp_path / "state" / "monitor.db"
    _runtime(config).engine.dispose()  # create the schema
    blocker = sqlite3.connect(db_path, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")
    locked = _runtime(config, "PRAGMA busy_timeout=200")
    # The poll cannot even take its feeds: it stops with the database's own words (the CLI prints them and
    # exits 2), before fetching anything.
    with pytest.raises(OperationalError, match="database is locked"):
        _poll(locked)
    assert feed_server.count("/seed.xml") == 0
    blocker.rollback()
    blocker.close()
    runtime = _runtime(config)
    assert store.item_count(runtime.engine) == 0  # nothing half-written
    outcomes, _ = _poll(runtime)
    assert outcomes[0].new_items == 2 and store.item_count(runtime.engine) == 2
    assert [a.kind for a in store.alerts(runtime.engine)] == ["new_event", "new_event"]


def test_full_disk_is_reported_and_nothing_is_half_written(feed_server, make_config, tmp_path, caplog):
    # A long report: its row needs pages of its own, so the ceiling below bites whatever room the schema's pages
    # have left (small rows could fit in them and never reach it).
    end = b"meant to deter further attacks."
    body = (FEEDS / "seed_cycle.xml").read_bytes().replace(end, end + b" Officials gave no more details." * 400)
    feed_server.add_feed("/seed.xml", body)
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}], alerts={"file": None, "log": False})
    _runtime(config).engine.dispose()  # create the schema
    # A page ceiling below the file's size makes SQLite as full as a full disk: no page can be added.
    full = _runtime(config, "PRAGMA max_page_count=1")
    with caplog.at_level(logging.ERROR, logger="monitor"):
        _poll(full)
    assert "full" in caplog.text
    runtime = _runtime(config)
    assert store.item_count(runtime.engine) == 0 and store.alerts(runtime.engine) == []
    _poll(runtime)
    assert store.item_count(runtime.engine) == 2 and len(store.alerts(runtime.engine)) == 2
