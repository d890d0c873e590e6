"""Fetching against a real local HTTP server: conditional GET, redirects, caps, timeouts, backoff."""

from __future__ import annotations

import asyncio
import base64
import random
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from monitor import fetch as fetch_module
from monitor.config import ConfigError, FetchConfig, load_settings
from monitor.fetch import backoff_delay, fetch_feed, make_client
from monitor.pipeline import build_runtime, poll_once

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


_PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY",
                    "no_proxy", "WS_PROXY", "ws_proxy", "WSS_PROXY", "wss_proxy")


def _plain_environment(monkeypatch, home) -> None:
    """No proxy and no netrc: a home of the test's own."""
    for name in (*_PROXY_VARIABLES, "NETRC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


def test_a_proxy_the_environment_names_carries_the_fetch(feed_server, monkeypatch, tmp_path):
    # The feed server stands in for the proxy: a host that resolves nowhere is reached through it only.
    _plain_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("HTTP_PROXY", feed_server.url("/"))
    feed_server.add_feed("/f.xml", BODY)
    result = fetch("http://feeds.invalid/f.xml")
    assert result.status == 200 and result.body == BODY
    assert feed_server.requests[-1].path == "http://feeds.invalid/f.xml"


def test_netrc_credentials_go_with_the_fetch(feed_server, monkeypatch, tmp_path):
    _plain_environment(monkeypatch, tmp_path)
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login reader password s3cret\n", encoding="utf-8")
    (tmp_path / ".netrc").chmod(0o600)
    feed_server.add_feed("/f.xml", BODY)
    assert fetch(feed_server.url("/f.xml")).status == 200
    assert feed_server.requests[-1].headers["Authorization"] == "Basic " + base64.b64encode(b"reader:s3cret").decode()


def test_without_proxy_or_netrc_the_client_skips_their_look_ups(monkeypatch, tmp_path):
    """aiohttp's look-ups of both cost two hops to a worker thread per request; with neither named they are off."""
    _plain_environment(monkeypatch, tmp_path)

    def looks_up() -> bool:
        async def go() -> bool:
            async with make_client(FetchConfig()) as client:
                return client.session().trust_env

        return asyncio.run(go())

    assert looks_up() is False
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    assert looks_up() is True
    monkeypatch.delenv("https_proxy")
    monkeypatch.setenv("NETRC", str(tmp_path / "elsewhere"))
    assert looks_up() is True


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


class _CountingHandler(BaseHTTPRequestHandler):
    """Answers every GET with a small feed, after waiting for its host to be as busy as the client allows."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        counter: _Concurrency = self.server.counter  # type: ignore[attr-defined]
        host = self.server.server_address[0]
        counter.enter(host)
        try:
            body = BODY.replace(b"<title>t</title>", f"<title>{self.path}</title>".encode())
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            counter.leave(host)


class _Concurrency:
    """Requests in flight per host, and the most seen at once. Requests are held back and let go together once
    every host has `full` of them waiting (or a few seconds passed, which only happens when the client allows
    fewer): so the most seen is what the client allows, whatever the timing."""

    def __init__(self, full: int, hosts: int) -> None:
        self.full, self.hosts = full, hosts
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.most_in_all = 0
        self._waiting: dict[str, int] = {}
        self._released = 0
        self._changed = threading.Condition()

    def enter(self, host: str) -> None:
        with self._changed:
            self.now[host] = self.now.get(host, 0) + 1
            self.most[host] = max(self.most.get(host, 0), self.now[host])
            self.most_in_all = max(self.most_in_all, sum(self.now.values()))
            self._waiting[host] = self._waiting.get(host, 0) + 1
            group = self._released
            if len(self._waiting) == self.hosts and min(self._waiting.values()) >= self.full:
                self._released += 1
                self._waiting = {h: 0 for h in self._waiting}
                self._changed.notify_all()
            else:
                self._changed.wait_for(lambda: self._released != group, timeout=3)

    def leave(self, host: str) -> None:
        with self._changed:
            self.now[host] -= 1


def _serve_counted(counter: _Concurrency, addresses: tuple[str, ...]) -> list[ThreadingHTTPServer]:
    servers = []
    for address in addresses:
        server = ThreadingHTTPServer((address, 0), _CountingHandler)
        server.daemon_threads = True
        server.counter = counter  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
    return servers


def _poll_counted(make_config: Any, servers: list[ThreadingHTTPServer], feeds_per_host: int,
                  fetch: dict[str, Any]) -> list[Any]:
    try:
        feeds = [{"url": f"http://{s.server_address[0]}:{s.server_address[1]}/f{n}.xml", "name": f"{i}-{n}"}
                 for i, s in enumerate(servers) for n in range(feeds_per_host)]
        runtime = build_runtime(load_settings(make_config(feeds=feeds, fetch={"concurrency": 20, **fetch})))
        outcomes, _ = asyncio.run(poll_once(runtime))
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return outcomes


def test_no_more_than_per_local_host_fetches_to_one_host_of_this_machine_at_once(make_config):
    # The two hosts are loopback addresses, so `per_local_host` is their limit (`per_host` is left at 1 to show it
    # is not the one applied); the limit is per host all the same.
    per_local_host, feeds_per_host = 3, 9
    counter = _Concurrency(per_local_host, hosts=2)
    servers = _serve_counted(counter, ("127.0.0.1", "127.0.0.2"))
    outcomes = _poll_counted(make_config, servers, feeds_per_host, {"per_host": 1, "per_local_host": per_local_host})
    assert sorted(o.status for o in outcomes) == [200] * 2 * feeds_per_host
    assert counter.most == {"127.0.0.1": per_local_host, "127.0.0.2": per_local_host}
    assert counter.most_in_all == 2 * per_local_host, "the limit is per host: the two hosts were fetched side by side"


def test_a_server_on_this_machine_is_not_held_to_the_per_host_limit(make_config):
    # A local RSS-Bridge serving many feeds is the operator's own: with the defaults, all its feeds go at once.
    feeds_per_host = 9
    counter = _Concurrency(feeds_per_host, hosts=1)
    servers = _serve_counted(counter, ("127.0.0.1",))
    outcomes = _poll_counted(make_config, servers, feeds_per_host, {"per_host": 2})
    assert sorted(o.status for o in outcomes) == [200] * feeds_per_host
    assert counter.most == {"127.0.0.1": feeds_per_host}


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("127.3.0.9", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("rss.localhost", True), ("example.org", False), ("10.0.0.5", False), ("192.168.1.20", False),
    ("localhost.example.org", False), ("::ffff:8.8.8.8", False)])
def test_which_hosts_are_this_machine(host, local):
    assert fetch_module.is_local(host) is local


def test_a_publisher_elsewhere_gets_no_more_than_per_host_fetches_at_once():
    # The throttle alone, on its event loop: the third take of a remote host waits for a place of that host, while
    # a host of this machine and another publisher are served at once.
    async def scenario() -> tuple[bool, bool, bool]:
        throttle = fetch_module.Throttle(FetchConfig(per_host=2, concurrency=20))
        held = [await throttle.take(f"https://feeds.example.org/{n}.xml") for n in range(2)]
        third = asyncio.ensure_future(throttle.take("https://feeds.example.org/2.xml"))
        other = asyncio.ensure_future(throttle.take("https://news.example.net/a.xml"))
        local = [asyncio.ensure_future(throttle.take(f"http://127.0.0.1:8080/{n}.xml")) for n in range(5)]
        for _ in range(5):
            await asyncio.sleep(0)
        waited = not third.done()
        others = other.done() and all(t.done() for t in local)
        held[0].done()
        for _ in range(5):
            await asyncio.sleep(0)
        return waited, others, third.done()

    waited, others, then = asyncio.run(scenario())
    assert waited, "a third fetch to one publisher waits for one of its two places"
    assert others, "another publisher and a server on this machine are not held up by it"
    assert then, "the place freed goes to the waiting fetch"


@pytest.mark.parametrize(("value", "why"), [(0, "greater than or equal to 1"), ("four", "valid integer")])
def test_a_bad_per_host_names_the_file_and_the_key(make_config, value, why):
    path = make_config(fetch={"per_host": value})
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert any(p.startswith(f"{path}: fetch.per_host: ") and why in p for p in caught.value.problems), (
        caught.value.problems)
