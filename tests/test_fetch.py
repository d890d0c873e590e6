"""Fetching against a real local HTTP server: conditional GET, redirects, caps, timeouts, backoff."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta

import pytest

from monitor.config import FetchConfig
from monitor.fetch import backoff_delay, fetch_feed, make_client

BODY = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def fetch(url: str, config: FetchConfig | None = None, **kwargs):
    config = config or FetchConfig(timeout=timedelta(seconds=3), connect_timeout=timedelta(seconds=1))

    async def go():
        async with make_client(config) as client:
            return await fetch_feed(client, url, config, **kwargs)

    return asyncio.run(go())


def test_conditional_get_gives_304_without_body(feed_server):
    feed_server.add_feed("/f.xml", BODY)
    first = fetch(feed_server.url("/f.xml"))
    assert first.status == 200 and first.body == BODY and first.etag and first.last_modified
    second = fetch(feed_server.url("/f.xml"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body is None and second.ok
    request = feed_server.requests[-1]
    assert request.headers["If-None-Match"] == first.etag
    assert request.headers["User-Agent"].startswith("monitor/")


def test_gzip_is_decoded(feed_server):
    feed_server.add_feed("/z.xml", BODY * 50, gzip=True)
    result = fetch(feed_server.url("/z.xml"))
    assert result.body == BODY * 50


def test_permanent_redirect_is_reported_temporary_is_not(feed_server):
    feed_server.add_feed("/new.xml", BODY)
    feed_server.add_redirect("/old.xml", "/new.xml", status=301)
    feed_server.add_redirect("/tmp.xml", "/new.xml", status=302)
    assert fetch(feed_server.url("/old.xml")).moved_to == feed_server.url("/new.xml")
    assert fetch(feed_server.url("/tmp.xml")).moved_to is None


def test_redirect_loop_is_an_error(feed_server):
    feed_server.add_redirect("/a", "/b")
    feed_server.add_redirect("/b", "/a")
    assert fetch(feed_server.url("/a")).error.startswith("redirects:")


def test_server_error_is_an_error(feed_server):
    feed_server.add_status("/500", 500)
    result = fetch(feed_server.url("/500"))
    assert result.status == 500 and result.error.startswith("HTTP 500")


def test_slow_and_dripping_servers_hit_the_deadline(feed_server):
    config = FetchConfig(timeout=timedelta(seconds=1), connect_timeout=timedelta(seconds=1))
    feed_server.add_slow("/slow", BODY, delay_seconds=5)
    feed_server.add_drip("/drip", interval=0.2, total_seconds=10)
    for path in ("/slow", "/drip"):
        # The deadline is proven by the error: the slow server would answer, and the drip end, after the
        # deadline. Time is bounded in CPU seconds (a loaded machine stretches wall time, not CPU time).
        started = time.process_time()
        result = fetch(feed_server.url(path), config)
        assert result.error.startswith("timeout"), result.error
        assert time.process_time() - started < 2.5


def test_body_over_the_cap_is_refused(feed_server):
    config = FetchConfig(max_bytes=100_000, timeout=timedelta(seconds=5))
    feed_server.add_big("/big", 5_000_000)
    assert fetch(feed_server.url("/big"), config).error.startswith("too large")


def test_unreachable_host_is_a_network_error():
    assert fetch("http://127.0.0.1:9/feed.xml").error.startswith("network:")


def test_backoff_grows_with_failures_and_is_capped():
    interval, cap = timedelta(minutes=5), timedelta(hours=1)
    rng = random.Random(1)
    assert backoff_delay(0, interval, cap, rng) == interval
    delays = [backoff_delay(n, interval, cap, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, 1):
        ceiling = min(cap, interval * 2**n)
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= cap


@pytest.mark.parametrize("failures", [1, 3])
def test_backoff_has_jitter(failures):
    interval, cap = timedelta(minutes=5), timedelta(hours=6)
    values = {backoff_delay(failures, interval, cap, random.Random(seed)) for seed in range(10)}
    assert len(values) > 5
