"""Back-pressure between fetching and processing: when the processing thread falls behind, fetched bodies wait as
they came (at most `fetch.concurrency` of them, their fetches' places held) and at most `fetch.IN_HAND` feeds are
parsed and waiting, however many feeds the round has; a body is freed once it is parsed (issue 15: the peak RSS of a
1,000-feed round). Real feed server, real parser process, real SQLite file; the processing thread is held by a task
of the test, as a slow database would hold it."""

from __future__ import annotations

import asyncio
import gc
import threading
import tracemalloc

from monitor import fetch, pipeline, store
from monitor.config import load_settings

FEEDS = 150
ITEMS = 20
CONCURRENCY = 100  # the default


def _rss(n: int) -> bytes:
    """A feed of ITEMS items of ~2.5 KB each, worded alike (the matcher's word caches stay small) but all new."""
    filler = " ".join(["Wheat and barley yields in the northern region rose this season, officials said."] * 30)
    entries = "".join(f"<item><title>Harvest report {n}-{k}</title><guid>g-{n}-{k}</guid>"
                      f"<description>{filler} Report {n}-{k}.</description>"
                      f"<pubDate>Fri, 27 Dec 2019 1{k % 10}:00:00 GMT</pubDate></item>" for k in range(ITEMS))
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed {n}</title>{entries}"
            "</channel></rss>").encode()


def test_a_round_that_outruns_processing_holds_few_parsed_feeds(feed_server, make_config) -> None:
    for n in range(FEEDS):
        feed_server.add_feed(f"/f{n}.xml", _rss(n))
    config = make_config(feeds=[{"url": feed_server.url(f"/f{n}.xml")} for n in range(FEEDS)],
                         # Time enough for 100 connections at once to a test server that accepts 5 at a time, on
                         # a loaded machine while the processing thread holds the GIL: this is about memory.
                         fetch={"concurrency": CONCURRENCY, "per_host": CONCURRENCY, "timeout": "60s",
                                "connect_timeout": "30s"})
    runtime = pipeline.build_runtime(load_settings(config)).prepare()  # the reader is built before the count
    gate = threading.Event()
    stalled: list[int] = []
    runtime.processor.submit(gate.wait, 60)  # the processing thread is busy until the fetches have stalled
    threading.Thread(target=_open_when_stalled, args=(feed_server, gate, stalled), daemon=True).start()
    gc.collect()
    tracemalloc.start()
    try:
        outcomes, _ = asyncio.run(pipeline.poll_once(runtime, keep_items=False))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gate.set()
        runtime.parsers.close()

    # While nothing was processed: the fetches in flight, then waiting with their bodies, and the feeds parsed.
    assert stalled == [CONCURRENCY + fetch.IN_HAND]
    assert sorted(o.new_items for o in outcomes) == [ITEMS] * FEEDS
    assert store.item_count(runtime.engine) == FEEDS * ITEMS
    # Measured (Python 3.11): every feed fetched and parsed at once, each body kept until its feed was stored, was a
    # peak of 19.5 MB for 7.8 MB of bodies; 100 bodies and 20 parsed feeds in hand, 9.7 MB.
    bodies = FEEDS * len(_rss(0))
    assert peak < 1.8 * bodies, f"the round's peak was {peak / 1e6:.1f} MB for {bodies / 1e6:.1f} MB of feeds"


def _open_when_stalled(feed_server, gate: threading.Event, stalled: list[int]) -> None:
    """Let the processing thread go once the fetches have begun and stopped: no feed fetched for a second."""
    seen, quiet = -1, 0
    while not gate.is_set() and quiet < 100:
        fetched = sum(feed_server.count(f"/f{n}.xml") for n in range(FEEDS))
        quiet = quiet + 1 if fetched == seen and fetched else 0
        seen = fetched
        gate.wait(0.01)
    stalled.append(seen)
    gate.set()
