"""Every real-world and broken feed of ../shared/corpora goes through fetch, parse and store safely.

The default run walks every real-world, ill-formed and encoding file and every fourth of feedparser's
well-formed and entity tests (hundreds of small files per feature, told apart by one element each); the soak
run (`pytest -m soak`) walks all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from monitor import fetch, pipeline, store
from monitor.config import load_settings

SUFFIXES = {".xml", ".rss", ".atom", ".json", ".rdf"}
THINNED = {("feedparser-tests", "wellformed"), ("feedparser-tests", "entities")}


def corpus_files(corpus: Path, stride: int) -> list[Path]:
    """The corpus's feed files: every `stride`-th of each folder under THINNED (by name), all of the others."""
    folders: dict[Path, list[Path]] = defaultdict(list)
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in SUFFIXES):
        folders[path.parent].append(path)
    return [path for folder, paths in folders.items()
            for path in (paths[::stride] if folder.relative_to(corpus).parts[:2] in THINNED else paths)]


@pytest.mark.parametrize(("stride", "at_least"), [(4, 600), pytest.param(1, 2000, marks=pytest.mark.soak)])
def test_corpus_walk(shared_dir, feed_server, make_config, caplog, stride, at_least):
    corpus = shared_dir / "corpora"
    files = corpus_files(corpus, stride)
    assert len(files) > at_least
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
