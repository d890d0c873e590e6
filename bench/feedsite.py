"""The local web the peer bench runs against: a feed server with added latency and conditional GET, the feeds
it serves, and a webhook receiver that notes when each alert arrives.

Both servers run in threads of the bench process, on 127.0.0.1 and ephemeral ports. The tools under test run
as child processes, so the servers' CPU is never counted as theirs; it is the same for every tool.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ITEMS_PER_FEED = 20
# Feed dates are fixed, not taken from the clock, so every run serves the same bytes and ETags.
BASE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    """One feed entry."""

    guid: str
    link: str
    title: str
    text: str
    published: datetime


def rss(title: str, items: Sequence[Item]) -> bytes:
    """An RSS 2.0 document holding `items`."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{escape(i.guid)}</guid><link>{escape(i.link)}</link>"
        f"<pubDate>{format_datetime(i.published)}</pubDate><title>{escape(i.title)}</title>"
        f"<description>{escape(i.text)}</description></item>" for i in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
            f"<link>http://news.invalid/</link><description>bench feed</description>{entries}</channel></rss>"
            ).encode()


# --------------------------------------------------------------------------- what the feeds say

# Everyday news that names nothing on the watchlist: most of what a real feed carries.
_SUBJECTS = ("The city council", "A regional airline", "The central bank", "Farmers in the north", "The football club",
             "A software company", "The health ministry", "Local teachers", "A shipping firm", "The weather office",
             "Museum curators", "The national orchestra", "A car maker", "Railway workers", "The tourism board")
_VERBS = ("announced", "postponed", "approved", "criticised", "welcomed", "reviewed", "cancelled", "extended",
          "celebrated", "questioned")
_OBJECTS = ("a new budget for schools", "plans for a coastal highway", "the harvest season forecast",
            "a record year for exports", "changes to the bus timetable", "a festival of film and music",
            "higher prices for fuel", "the opening of a children's hospital", "a merger with a rival",
            "the reform of pension rules", "a ban on plastic bags", "the restoration of the old bridge")
_DETAILS = ("Officials said the decision followed months of talks.", "Critics called the move overdue.",
            "The change takes effect next month.", "Residents gave the news a mixed welcome.",
            "Analysts expect little effect on prices.", "A spokesperson declined to give further details.",
            "The figures were published on Tuesday.", "Several groups asked for a public hearing.")


def filler(rng: random.Random, number: int) -> tuple[str, str]:
    """(title, text) of an ordinary news item that mentions nothing watched."""
    subject, verb, obj = rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS)
    title = f"{subject} {verb} {obj} ({number})"
    text = f"{subject} {verb} {obj} on {rng.choice(('Monday', 'Wednesday', 'Friday'))}. " + " ".join(
        rng.sample(_DETAILS, 3))
    return title, text


def labelled_reports(shared: Path) -> list[tuple[str, str]]:
    """(title, text) of the shared labelled reports (the news this project is about), or [] without them."""
    out = []
    for name in ("dev_reports.jsonl", "dev2_reports.jsonl", "dev_ar_reports.jsonl"):
        path = shared / "data" / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    out.append((record["title"], record.get("summary") or ""))
    return out


# Used when the shared data is absent: the bench still has a few reports of the kind the daemon looks for.
OWN_REPORTS = (
    ("Rockets hit Ain al-Asad air base hosting US forces",
     "Several rockets struck the Ain al-Asad air base in Anbar, which hosts US troops, the coalition said. "
     "No group claimed the attack."),
    ("Drone attack targets Erbil air base",
     "A drone packed with explosives was shot down near the Erbil air base used by US-led coalition forces, "
     "Kurdish counter-terrorism officials said."),
    ("US strikes Kataib Hezbollah sites near Al-Qaim",
     "US aircraft struck weapons depots of Kataib Hezbollah near Al-Qaim on the Syrian border, the Pentagon said."),
)


def feed_items(feed: int, reports: Sequence[tuple[str, str]], relevant_every: int = 20) -> list[Item]:
    """The 20 items of feed number `feed`: ordinary news, and about one in `relevant_every` a watched report.

    Reports repeat across feeds with their own guid and link, as syndicated copies do."""
    rng = random.Random(feed)
    items = []
    for n in range(ITEMS_PER_FEED):
        number = feed * ITEMS_PER_FEED + n
        if reports and number % relevant_every == relevant_every // 2:
            title, text = reports[(number // relevant_every) % len(reports)]
        else:
            title, text = filler(rng, number)
        items.append(Item(f"bench-{feed}-{n}", f"http://news.invalid/{feed}/{n}.html", title, text,
                          BASE_TIME - timedelta(minutes=37 * n + feed % 60)))
    return items


# --------------------------------------------------------------------------- the feed server


@dataclass
class _Page:
    body: bytes
    etag: str
    modified: datetime
    items: tuple[str, ...] = ()  # the guids it holds, for the alert clock


@dataclass
class Answered:
    """One response whose body was written completely, and when (time.monotonic())."""

    path: str
    status: int
    finished: float
    items: tuple[str, ...]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A thousand feeds polled 100 at a time arrive faster than the default backlog of 5 accepts: dropped
    # connects would add seconds of TCP retry to whichever tool happened to hit them.
    request_queue_size = 1024


class FeedServer:
    """Serves pages with `latency` seconds added to every answer, an ETag and a Last-Modified, and answers
    304 to a request whose If-None-Match or If-Modified-Since shows it already has the page.

    It listens as `hosts` hosts, the loopback addresses 127.0.0.1, 127.0.0.2, ... (Linux routes all of 127/8
    to the loopback device), serving the same pages on each: feeds spread over them come from several
    publishers, as a real list of feeds does, so a tool's per-host limit applies as it would there."""

    def __init__(self, latency: float, hosts: int = 1) -> None:
        self.latency = latency
        self._pages: dict[str, _Page] = {}
        self._lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.answered: list[Answered] = []
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        for n in range(hosts):
            server = _Server((f"127.0.0.{n + 1}", 0), _FeedHandler)
            server.owner = self  # type: ignore[attr-defined]
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"bench-feeds-{n}", daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        self.port: int = self._servers[0].server_address[1]

    @property
    def hosts(self) -> int:
        return len(self._servers)

    def url(self, path: str, host: int = 0) -> str:
        """Absolute URL of `path` on host number `host` (0 is 127.0.0.1)."""
        address, port = self._servers[host % len(self._servers)].server_address[:2]
        return f"http://{address}:{port}{path}"

    def put(self, path: str, body: bytes, modified: datetime, items: Sequence[str] = ()) -> None:
        """Serve `body` at `path` from now on."""
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        with self._lock:
            self._pages[path] = _Page(body, etag, modified.replace(microsecond=0), tuple(items))

    def page(self, path: str) -> _Page | None:
        with self._lock:
            return self._pages.get(path)

    def record(self, answered: Answered) -> None:
        with self._lock:
            self.statuses[answered.status] += 1
            self.answered.append(answered)

    def reset_counts(self) -> None:
        """Forget what was answered so far (before each measured run)."""
        with self._lock:
            self.statuses.clear()
            self.answered.clear()

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=2)


class _FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers allow
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner: FeedServer = self.server.owner  # type: ignore[attr-defined]
        time.sleep(owner.latency)
        path = self.path.split("?", 1)[0]
        page = owner.page(path)
        if page is None:
            self._answer(owner, path, 404, b"not here\n", {"Content-Type": "text/plain"}, ())
            return
        headers = {"ETag": page.etag, "Last-Modified": format_datetime(page.modified, usegmt=True),
                   # Revalidate every time: a client that caches by freshness would skip the request itself.
                   "Cache-Control": "no-cache"}
        if self._unchanged(page):
            self._answer(owner, path, 304, b"", headers, page.items)
            return
        self._answer(owner, path, 200, page.body, {**headers, "Content-Type": "application/rss+xml"}, page.items)

    def _unchanged(self, page: _Page) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            return any(t.strip().removeprefix("W/") == page.etag for t in tags.split(","))
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return parsedate_to_datetime(since) >= page.modified
            except (TypeError, ValueError):
                return False
        return False

    def _answer(self, owner: FeedServer, path: str, status: int, body: bytes, headers: dict[str, str],
                items: tuple[str, ...]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.wfile.flush()
        owner.record(Answered(path, status, time.monotonic(), items))


# --------------------------------------------------------------------------- the webhook receiver


@dataclass
class Received:
    """One POST the receiver got: when (time.monotonic()) and its JSON body."""

    at: float
    body: dict[str, Any] = field(default_factory=dict)


class Receiver:
    """Answers every POST with 200 and keeps its time of arrival and JSON body."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _ReceiverHandler)
        self._server.owner = self  # type: ignore[attr-defined]
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="bench-receiver", daemon=True)
        self._thread.start()

    def add(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)


class _ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        arrived = time.monotonic()  # the whole alert is here
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        self.server.owner.add(Received(arrived, body if isinstance(body, dict) else {}))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
