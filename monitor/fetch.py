"""Fetching: one HTTP GET per feed with aiohttp's client, bounded in time and size.

Why aiohttp and not httpx: a round of 1,000 conditional GETs took 1.9-2.2 CPU-seconds of the event loop with httpx
and 0.4 with aiohttp (same server, same limits; its HTTP parser is compiled), and a 304 round is little else.

Errors never escape as exceptions: each fetch returns a `FetchResult` whose `error` says what went
wrong, so one bad feed cannot stop the others. The kinds of failure:

    FetchResult.error
      ├── "timeout: ..."          connect/read timeout, or the whole fetch passed its deadline
      ├── "too large: ..."        declared or received body over `fetch.max_bytes` (decoded bytes,
      │                           so a gzip bomb stops at the cap too)
      ├── "HTTP 5xx/4xx"          the server answered with an error status
      ├── "redirects: ..."        a redirect loop or too many redirects
      └── "network: ..."          DNS failure, refused connection, TLS problem, broken transfer
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import platform
import random
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

import aiohttp

from monitor.config import FetchConfig

PERMANENT_REDIRECTS = {301, 308}
KEEPALIVE_SECONDS = 15.0  # an idle connection is kept this long for the next fetch from the same host


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one poll of one feed got."""

    url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # set when every redirect on the way was permanent
    error: str | None = None
    seconds: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None


class _TooLarge(Exception):
    pass


class Client:
    """The HTTP client polls share: the project's User-Agent, timeouts and redirect limit, and its connections.
    Use it as `async with make_client(config) as client`, or `await client.aclose()` when done.

    The aiohttp session underneath is opened on first use: it belongs to the event loop it runs on, and the daemon
    makes its client before its loop starts."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            config = self.config
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": config.user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"},
                # The whole fetch is bounded by `fetch_feed`'s deadline; these bound its parts.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=config.connect_timeout.total_seconds(),
                                              sock_read=config.timeout.total_seconds()),
                connector=aiohttp.TCPConnector(limit=config.concurrency * 2, limit_per_host=0,
                                               keepalive_timeout=KEEPALIVE_SECONDS),
                auto_decompress=False,  # inflated by `_inflate_capped`, a bounded piece at a time
                trust_env=_routed_by_environment(),  # proxies from the environment, as every HTTP client of the machine
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _routed_by_environment() -> bool:
    """Whether the environment names a proxy (HTTP_PROXY and the like) or a netrc file, which aiohttp's `trust_env`
    then looks up for every request. Without either its two look-ups per request (each a hop to a worker thread,
    the netrc file looked for anew) find nothing: 50 ms of CPU and of wall time in a round of 200 answers 304.
    Asked when a client is made: at start, and at each reload of the daemon."""
    if any(scheme in getproxies() for scheme in ("http", "https", "ws", "wss")):  # the schemes aiohttp takes
        return True
    if os.environ.get("NETRC") is not None:
        return True
    try:
        home = Path.home()
    except RuntimeError:  # no home: aiohttp finds no netrc either
        return False
    return (home / ("_netrc" if platform.system() == "Windows" else ".netrc")).exists()


def make_client(config: FetchConfig) -> Client:
    """An HTTP client with the project's User-Agent, timeouts and redirect limit."""
    return Client(config)


_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


def host_of(url: str) -> str:
    """The host a URL is fetched from, as the per-host limit counts it (one publisher, whatever the port)."""
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def is_local(host: str) -> bool:
    """Whether a host (as `host_of` gives it) is this machine: a loopback address or a `localhost` name."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Slot:
    """A feed's place in the `Throttle`: `fetched()` when its answer is read (and it brought nothing to parse), `await
    in_hand()` when it brought a body, `done()` when it is processed or given up."""

    def __init__(self, throttle: Throttle, host: asyncio.Semaphore) -> None:
        self._throttle, self._host = throttle, host
        self._fetching, self._held = True, False

    def fetched(self) -> None:
        """The fetch is over: its host and its place among the fetches in flight go to the next feed."""
        if self._fetching:
            self._fetching = False
            self._throttle.fetching.release()
            self._host.release()

    async def in_hand(self) -> None:
        """Wait for a place among the feeds being parsed and processed, then free the fetch's places. Until then the
        body waits as it came, and its fetch's place stays taken: when processing falls behind, fetching waits for
        it instead of piling up parsed feeds."""
        if not self._held:
            await self._throttle.in_hand.acquire()
            self._held = True
        self.fetched()

    def done(self) -> None:
        """The feed is processed (or given up): its places go to the next feeds."""
        self.fetched()
        if self._held:
            self._held = False
            self._throttle.in_hand.release()


# Feeds parsed or processed at once: two of the groups the processing thread takes together
# (`pipeline.feed.FEED_GROUP`), so that the next group is parsed while one is processed. Each is a parsed feed in
# memory (its rows, ~30 KB for 20 items): with 200 in hand (twice `fetch.concurrency`, as it was), a 1,000-feed
# first round held 5 MB of them all along.
IN_HAND = 20


class Throttle:
    """How many fetches may be in flight: in all (`fetch.concurrency`) and to one host (`fetch.per_host`, so that
    a publisher of many feeds is not hammered; `fetch.per_local_host` to a server on this machine); and how many
    fetched feeds may be parsed and waiting to be processed (`in_hand`): a fetched body waits for a place there
    before it is parsed, holding its fetch's place, so at most `fetch.concurrency` bodies and `in_hand` parsed feeds
    are in memory however far processing falls behind. One throttle is shared by all the polls of a daemon."""

    def __init__(self, config: FetchConfig, in_hand: int = IN_HAND) -> None:
        self.per_host, self.per_local_host = config.per_host, config.per_local_host
        self.fetching = asyncio.Semaphore(config.concurrency)
        self.in_hand = asyncio.Semaphore(in_hand)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def take(self, url: str) -> Slot:
        """Wait until `url` may be fetched. The host's limit is waited for first: a feed queued behind a busy host
        holds no place a feed of another host could use."""
        name = host_of(url)
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = asyncio.Semaphore(self.per_local_host if is_local(name) else self.per_host)
        await host.acquire()
        try:
            await self.fetching.acquire()
        except BaseException:
            host.release()
            raise
        return Slot(self, host)


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _permanent_target(response: aiohttp.ClientResponse) -> str | None:
    if response.history and all(r.status in PERMANENT_REDIRECTS for r in response.history):
        return str(response.url)
    return None


def _headers(response: aiohttp.ClientResponse) -> dict[str, str]:
    """The answer's headers by lower-case name; a header sent several times has its values joined by commas."""
    out: dict[str, str] = {}
    for name, value in response.headers.items():
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, decoded, refusing more than `max_bytes`.

    Compressed bodies are inflated here, a bounded piece at a time: inflating a whole received chunk at
    once (as a generic decoder does) turns 64 KB of a gzip bomb into 64 MB before any cap can look.
    """
    declared = response.headers.get("content-length")
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if declared and declared.isdigit() and int(declared) > max_bytes and not encoding:
        raise _TooLarge(f"declared {int(declared):,} bytes, limit {max_bytes:,}")
    if encoding in {"gzip", "x-gzip", "deflate"}:
        return await _inflate_capped(response, max_bytes)
    chunks = []
    received = 0
    async for chunk in response.content.iter_any():
        received += len(chunk)
        if received > max_bytes:
            raise _TooLarge(f"more than {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _inflate_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    out = bytearray()
    async for raw in response.content.iter_any():
        data = raw
        while data:
            out += inflater.decompress(data, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise _TooLarge(f"more than {max_bytes:,} bytes once decompressed")
            data = inflater.unconsumed_tail
    return bytes(out)


async def _get(client: Client, url: str, headers: dict[str, str], config: FetchConfig) -> FetchResult:
    async with client.session().get(url, headers=headers, max_redirects=config.max_redirects) as response:
        common: dict[str, Any] = {
            "url": url,
            "status": response.status,
            "headers": _headers(response),
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "moved_to": _permanent_target(response),
        }
        if response.status == 304:
            return FetchResult(**common)
        if response.status >= 400:
            return FetchResult(**common, error=f"HTTP {response.status} {response.reason or ''}".strip())
        body = await _read_capped(response, config.max_bytes)
        return FetchResult(**common, body=body)


async def fetch_feed(client: Client, url: str, config: FetchConfig, *,
                     etag: str | None = None, last_modified: str | None = None) -> FetchResult:
    """GET a feed conditionally; never raises for network or server trouble."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(config.timeout.total_seconds()):
            result = await _get(client, url, _conditional_headers(etag, last_modified), config)
    except TimeoutError as exc:  # the deadline, or one of its parts (aiohttp's timeouts are TimeoutErrors)
        part = "" if type(exc) is TimeoutError else f" ({type(exc).__name__})"
        result = FetchResult(url=url, error=f"timeout: no complete answer within {config.timeout.total_seconds():g}s"
                             + part)
    except _TooLarge as exc:
        result = FetchResult(url=url, error=f"too large: {exc}")
    except aiohttp.TooManyRedirects:
        result = FetchResult(url=url, error=f"redirects: more than {config.max_redirects}, or a loop")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        result = FetchResult(url=url, error=f"network: {type(exc).__name__}: {exc}"[:500])
    seconds = time.monotonic() - started
    return FetchResult(**{**_fields(result), "seconds": seconds})


def _fields(result: FetchResult) -> dict[str, Any]:
    return {name: getattr(result, name) for name in FetchResult.__slots__}


def backoff_delay(failures: int, interval: timedelta, max_backoff: timedelta,
                  rng: random.Random | None = None) -> timedelta:
    """Delay before the next poll of a feed that failed `failures` times in a row.

    Doubles with each failure from the feed's interval up to `max_backoff`, with "equal jitter"
    (half fixed, half random) so that feeds failing together do not retry together.
    """
    if failures <= 0:
        return interval
    ceiling = min(max_backoff.total_seconds(), interval.total_seconds() * 2 ** min(failures, 30))
    ceiling = max(ceiling, interval.total_seconds())
    rng = rng or random.Random()
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def next_poll_at(now: datetime, failures: int, interval: timedelta, max_backoff: timedelta,
                 rng: random.Random | None = None) -> datetime:
    return now + backoff_delay(failures, interval, max_backoff, rng)
