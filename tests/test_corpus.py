"""Every real-world and broken feed of ../shared/corpora goes through fetch, parse and store safely."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from monitor import fetch, pipeline, store
from monitor.config import load_settings

SUFFIXES = {".xml", ".rss", ".atom", ".json", ".rdf"}


def test_corpus_walk(shared_dir, feed_server, make_config, caplog):
    corpus = shared_dir / "corpora"
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    assert len(files) > 2000
    feeds = []
    for i, path in enumerate(files):
        route = f"/c/{i}{path.suffix}"
        feed_server.add_raw(route, path.read_bytes(), content_type="application/xml")
        feeds.append({"url": feed_server.url(route), "name": str(path.relative_to(corpus))})
    config = make_config(feeds=feeds, fetch={"timeout": "10s", "concurrency": 16},
                         alerts={"file": None, "log": False})
    runtime = pipeline.build_runtime(load_settings(config))

    async def walk():
        async with fetch.make_client(runtime.settings.fetch) as client:
            return await pipeline.poll_feeds(runtime, runtime.settings.feeds, client)

    with caplog.at_level(logging.ERROR, logger="monitor"):
        outcomes = asyncio.run(walk())
    assert len(outcomes) == len(files)
    crashed = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not crashed, crashed[:5]
    reasons = Counter(o.error.split(":")[0] for o in outcomes if o.error)
    with_items = sum(1 for o in outcomes if o.items)
    parsed = sum(1 for o in outcomes if not o.error)
    states = store.feed_states(runtime.engine)
    assert all(states[o.feed.url].last_error == o.error for o in outcomes)  # every failure is recorded
    print(f"\ncorpus: {len(files)} files, {parsed} parsed, {with_items} gave items, "
          f"{len(files) - parsed} rejected: {dict(reasons)}; relevant items: "
          f"{sum(o.relevant for o in outcomes)}")
    # None of these feeds is about the watched conflict.
    assert sum(o.relevant for o in outcomes) == 0
