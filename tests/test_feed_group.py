"""Feeds fetched together are processed together: their items share transactions (a commit for several feeds,
not one each), decided as when each feed has transactions of its own, and one bad feed still fails alone.

Real SQLite files and a real feed server; the bad feed is refused by the database itself (a trigger).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from datetime import timedelta

from conftest import SHIPPED_RULES
from test_batch import _report_items, _rows, _runtime, _summary

from monitor import pipeline, store
from monitor.config import load_settings
from monitor.pipeline.feed import FEED_GROUP
from monitor.pipeline.item import process_feeds


def test_feeds_processed_together_decide_as_each_alone(make_config, tmp_path):
    items = _report_items(190)  # more than BATCH_SIZE in all: the feeds' items cross a transaction's end
    assert len(items) > pipeline.BATCH_SIZE
    cuts = [0, 60, 61, 150, len(items)]
    feeds = [items[a:b] for a, b in itertools.pairwise(cuts)]
    feeds[2] = feeds[2] + items[:5]  # a feed repeating items of an earlier one: stored once, by the first
    now = max(i.published for i in items) + timedelta(hours=1)
    alone, together = _runtime(make_config, tmp_path, "alone"), _runtime(make_config, tmp_path, "together")

    each = [pipeline.process_items(alone, feed, lambda: now) for feed in feeds]
    grouped = process_feeds(together, feeds, lambda: now)

    assert [[_summary(o) for o in outcomes] for outcomes in grouped] == [[_summary(o) for o in outcomes]
                                                                        for outcomes in each]
    assert [len(o) for o in grouped] == [60, 1, 89, len(items) - 150]
    assert sum(len(o.alerts) for outcomes in grouped for o in outcomes) > 5
    assert _rows(together) == _rows(alone)


def test_one_bad_feed_of_a_group_fails_alone(feed_server, make_config, tmp_path):
    count = FEED_GROUP + 2
    for n in range(count):
        feed_server.add_feed(f"/f{n}.xml", _rss(n))
    config = make_config(rules=SHIPPED_RULES, feeds=[{"url": feed_server.url(f"/f{n}.xml")} for n in range(count)])
    runtime = pipeline.build_runtime(load_settings(config))
    with runtime.engine.begin() as connection:  # the database refuses feed 3's items, as a corrupt page would
        connection.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON item WHEN NEW.feed_url LIKE '%/f3.xml' "
                                   "BEGIN SELECT json('refused'); END")
    # The processing thread waits until every feed is fetched, so the parsed feeds queue up and go as groups.
    gate = threading.Event()
    runtime.processor.submit(gate.wait, 30)
    threading.Thread(target=_open_when_fetched, args=(feed_server, count, gate), daemon=True).start()

    outcomes, _ = asyncio.run(pipeline.poll_once(runtime))

    assert sorted(o.feed.url for o in outcomes) == sorted(feed_server.url(f"/f{n}.xml") for n in range(count)
                                                          if n != 3)
    assert all(o.new_items == 2 for o in outcomes)
    assert store.item_count(runtime.engine) == 2 * (count - 1)
    states = store.feed_states(runtime.engine)
    assert states[feed_server.url("/f3.xml")].last_success_at is None, "the bad feed's poll is not recorded"
    assert all(states[feed_server.url(f"/f{n}.xml")].last_success_at is not None for n in range(count) if n != 3)


def _open_when_fetched(feed_server, count: int, gate: threading.Event) -> None:
    while not gate.is_set() and any(feed_server.count(f"/f{n}.xml") == 0 for n in range(count)):
        gate.wait(0.01)
    gate.wait(0.2)  # the last bodies parsed (the grouping is an optimisation: the test holds either way)
    gate.set()


def _rss(n: int) -> bytes:
    entries = "".join(f"<item><title>Harvest report {n}-{k}</title><guid>g-{n}-{k}</guid>"
                      f"<description>Wheat yields in region {n} rose by {k + 3} percent.</description>"
                      f"<pubDate>Fri, 27 Dec 2019 1{k}:00:00 GMT</pubDate></item>" for k in range(2))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed {n}</title>{entries}"
            "</channel></rss>").encode()
