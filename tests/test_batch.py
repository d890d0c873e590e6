"""Items stored a batch per transaction, and feeds that brought no body (a 304, a failure) stored together.

A batch must decide every item as one transaction per item would (each item sees what the items before it
wrote), and store all of it or nothing. Real SQLite files; the failure is a real error from the database.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import SHIPPED_RULES
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from test_crash import _items

from monitor import fetch, parse, pipeline, store
from monitor.config import load_settings
from monitor.model import Item
from monitor.replay import parse_time

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
TABLES = {"item": "key", "item_copy": "key", "event": "id", "event_entity": "event_id, name",
          "event_history": "id", "prediction": "id", "alert": "id", "delivery": "id"}


def _runtime(make_config, tmp_path: Path, name: str) -> pipeline.Runtime:
    config = make_config(rules=SHIPPED_RULES, database=f"sqlite:///{tmp_path / name}.db")
    return pipeline.build_runtime(load_settings(config))


def _report_items(count: int) -> list[Item]:
    """Attacks on a few bases, strikes, filler, and the same report again under other keys (copies)."""
    records = _items(count)
    records += [{**r, "id": f"again-{r['id']}"} for r in records[10:40]]
    items = [parse.make_item(guid=r["id"], title=r["title"], summary=r["summary"], link=None,
                             published=parse_time(r["published"], "test"), source=r["source"], feed_url="file://t")
             for r in records]
    return sorted(items, key=lambda i: i.published)


def _rows(runtime: pipeline.Runtime) -> dict[str, list[tuple[object, ...]]]:
    with runtime.engine.connect() as connection:
        return {table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
                for table, order in TABLES.items()}


def _summary(outcome: pipeline.ItemOutcome | None) -> tuple[object, ...] | None:
    if outcome is None:
        return None
    return (outcome.item.key, outcome.event_id, outcome.copy_of, [(a.kind, a.title, a.text) for a in outcome.alerts])


def test_a_batch_decides_and_stores_as_one_transaction_per_item_would(make_config, tmp_path):
    items = _report_items(80)
    items.insert(50, items[20])  # the same item twice in one batch: the second time it is seen before
    one_by_one = _runtime(make_config, tmp_path, "one")
    batched = _runtime(make_config, tmp_path, "batch")

    alone = [pipeline.process_item(one_by_one, item, item.published) for item in items]
    together = pipeline.process_batch(batched, items, lambda item: item.published)

    assert [_summary(o) for o in together] == [_summary(o) for o in alone]
    assert together[50] is None
    assert sum(1 for o in together if o is not None and o.copy_of) >= 30, "copies of items of the same batch"
    assert sum(len(o.alerts) for o in together if o is not None) > 5
    assert _rows(batched) == _rows(one_by_one)
    assert pipeline.process_batch(batched, items[:30], lambda item: item.published) == [None] * 30


def test_a_failed_batch_stores_nothing_and_is_processed_whole_next_time(make_config, tmp_path):
    items = _report_items(60)
    items[:0] = [parse.make_item(guid=f"quiet-{n}", title=f"Wheat harvest report {n}", summary="Yields rose.",
                                 link=None, published=items[0].published - timedelta(hours=n + 1), source="Wire",
                                 feed_url="file://t") for n in range(3)]
    clean = _runtime(make_config, tmp_path, "clean")
    failing = _runtime(make_config, tmp_path, "failing")
    outcomes = pipeline.process_batch(clean, items, lambda item: item.published)
    first_alert = next(i for i, o in enumerate(outcomes) if o and o.alerts)
    assert first_alert > 0, "items before the failing one are in the batch"
    with failing.engine.begin() as connection:  # the database refuses the first alert, as a full disk would
        connection.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON alert BEGIN "
                                   "INSERT INTO no_such_table VALUES (1); END")

    with pytest.raises(OperationalError, match="no_such_table"):
        pipeline.process_batch(failing, items, lambda item: item.published)
    assert all(not rows for rows in _rows(failing).values()), "nothing of the batch is stored"

    with failing.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER refuse")
    pipeline.process_batch(failing, items, lambda item: item.published)
    assert _rows(failing) == _rows(clean)


def test_process_items_expires_forecasts_as_item_by_item_did(make_config, tmp_path):
    """Forecasts whose window passes between two items of a batch are expired before the later one is
    decided, as they were when each item had its transaction."""
    items = _report_items(70)
    # The same reports three weeks on, past every forecast's window, in the same batch.
    items += [parse.make_item(guid=f"later-{i.key}", title=i.title, summary=i.summary, link=None,
                              published=i.published + timedelta(days=21), source=i.source, feed_url=i.feed_url)
              for i in items[:40]]
    assert len(items) <= pipeline.BATCH_SIZE
    one_by_one = _runtime(make_config, tmp_path, "one")
    batched = _runtime(make_config, tmp_path, "batch")
    for item in items:
        pipeline.process_item(one_by_one, item, item.published + timedelta(hours=1))
    clock = iter([i.published + timedelta(hours=1) for i in items])
    pipeline.process_items(batched, items, lambda: next(clock))
    expired = [p for p in store.predictions(batched.engine) if p.state == "expired"]
    assert expired, "some forecast ran out during the items"
    assert _rows(batched) == _rows(one_by_one)


def test_feeds_without_a_body_are_stored_together(feed_server, make_config):
    """A 304 and a failure cost no parsing: their states are written in one transaction, leases freed; a feed
    with no stored row yet gets one."""
    feed_server.add_feed("/a.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    feed_server.add_feed("/b.xml", (FEEDS / "distractors.xml").read_bytes())
    feed_server.add_status("/down.xml", 503)
    config = make_config(feeds=[{"url": feed_server.url(f"/{name}.xml")} for name in ("a", "b", "down")])
    runtime = pipeline.build_runtime(load_settings(config))
    asyncio.run(pipeline.poll_once(runtime))
    first = store.feed_states(runtime.engine)

    outcomes, _ = asyncio.run(pipeline.poll_once(runtime))
    states = store.feed_states(runtime.engine)
    assert sorted(o.status or 0 for o in outcomes) == [304, 304, 503]
    assert all(o.new_items == 0 and o.items == 0 for o in outcomes)
    for url in (feed_server.url("/a.xml"), feed_server.url("/b.xml")):
        state = states[url]
        assert state.last_status == 304 and state.failures == 0 and state.leased_by is None
        assert state.last_polled_at > first[url].last_polled_at and state.next_poll_at > state.last_polled_at
        assert state.etag == first[url].etag and state.items_total == first[url].items_total
    down = states[feed_server.url("/down.xml")]
    assert down.failures == 2 and down.last_error == "HTTP 503 Service Unavailable" and down.leased_by is None

    # Polled without `ensure_feeds` first (no stored row): the states are inserted.
    feed_server.add_status("/new.xml", 404)
    more = make_config(feeds=[{"url": feed_server.url("/new.xml")}], database="sqlite:///state/other.db")
    fresh = pipeline.build_runtime(load_settings(more))

    async def poll() -> list[pipeline.FeedOutcome]:
        async with fetch.make_client(fresh.settings.fetch) as client:
            return await pipeline.poll_feeds(fresh, fresh.settings.feeds, client)

    (outcome,) = asyncio.run(poll())
    assert outcome.status == 404
    assert store.feed_states(fresh.engine)[feed_server.url("/new.xml")].failures == 1
