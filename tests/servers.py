"""Real local servers for the tests: a feed server, an HTTP webhook receiver and an SMTP sink.

Why real servers and not mocks: the behaviour we care about lives in the bytes on the wire.
Conditional GET (ETag / Last-Modified and 304), redirects, gzip, slow or endless bodies,
oversized responses, and what Apprise actually POSTs or mails are all things a patched
function would only pretend to do. A server bound to 127.0.0.1 on an ephemeral port is
cheap, needs no network, and lets the code under test run exactly as it does in production:
through aiohttp for fetching and through Apprise's own HTTP and SMTP plugins for notifying.

Everything here uses the standard library, plus aiosmtpd for the SMTP sink. Each server
runs in daemon threads, is a context manager, and closes quickly even while a handler is
still dripping a body or sleeping.
"""

from __future__ import annotations

import contextlib
import email.policy
import email.utils
import gzip as gzip_module
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Self
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = [
    "FeedServer",
    "HttpReceiver",
    "ReceivedMail",
    "ReceivedRequest",
    "RecordedRequest",
    "SmtpSink",
]

_STREAM_CHUNK = 64 * 1024


class _Headers(dict):
    """A dict of request headers whose keys are stored lower-case and looked up case-insensitively."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for key, value in items:
            key = key.lower()
            # Repeated headers are joined the way HTTP allows (comma-separated).
            self[key] = f"{self[key]}, {value}" if key in self else value

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


def _path_only(path: str) -> str:
    return urlsplit(path).path or "/"


def _http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def _parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        q = params.strip()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison, as RFC 9110 requires for If-None-Match."""
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Started:
    """Shared start/stop and context-manager plumbing for the two HTTP servers."""

    _server: _QuietServer
    _thread: threading.Thread
    _stop: threading.Event

    def _start(self, handler_class: type[BaseHTTPRequestHandler], name: str) -> None:
        self._stop = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), handler_class)
        self._server.owner = self  # type: ignore[attr-defined]
        self.host = "127.0.0.1"
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
        )
        self._thread.start()
        self._closed = False

    def url(self, path: str = "/") -> str:
        """Absolute URL of `path` on this server."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        """Stop serving; wakes sleeping and dripping handlers so this returns quickly."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- feed server


class RecordedRequest(NamedTuple):
    """One request the FeedServer answered: unpacks as (method, path, headers, status)."""

    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class _Route:
    kind: str
    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: float | None = None
    gzip: bool = False
    target: str = ""
    delay: float = 0.0
    chunk: bytes = b""
    interval: float = 0.0
    total_seconds: float = 0.0
    size: int = 0


class _FeedHandler(BaseHTTPRequestHandler):
    server_version = "TestFeedServer/1.0"
    timeout = 10  # a client that connects and never sends a request can't pin a thread forever

    @property
    def owner(self) -> FeedServer:
        return self.server.owner  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    # -- helpers

    def _start_response(self, status: int, headers: dict[str, str]) -> None:
        self.owner._record(self.command, self.path, _Headers(self.headers.items()), status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _simple(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
        send_body: bool = True,
    ) -> None:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        headers.update(extra or {})
        self._start_response(status, headers)
        if send_body and body:
            self.wfile.write(body)

    def _handle(self, send_body: bool) -> None:
        route = self.owner._route(_path_only(self.path))
        try:
            if route is None:
                self._simple(404, b"not found\n", "text/plain; charset=utf-8", send_body=send_body)
            elif route.kind == "feed":
                self._feed(route, send_body)
            elif route.kind == "redirect":
                location = self.owner.url(route.target)
                self._simple(
                    route.status,
                    b"",
                    "text/plain; charset=utf-8",
                    {"Location": location},
                    send_body=send_body,
                )
            elif route.kind in ("status", "raw"):
                self._simple(route.status, route.body, route.content_type, route.headers, send_body)
            elif route.kind == "slow":
                # Event.wait instead of time.sleep so close() wakes us.
                self.owner._stop.wait(route.delay)
                self._simple(200, route.body, route.content_type, send_body=send_body)
            elif route.kind == "drip":
                self._drip(route, send_body)
            elif route.kind == "big":
                self._big(route, send_body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass  # the client went away; that is often the point of the test

    def _feed(self, route: _Route, send_body: bool) -> None:
        validators: dict[str, str] = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified is not None:
            validators["Last-Modified"] = _http_date(route.last_modified)

        # RFC 9110 13.2.2: If-Modified-Since is only evaluated when If-None-Match is absent.
        if_none_match = self.headers.get("If-None-Match")
        not_modified = False
        if if_none_match is not None:
            not_modified = bool(route.etag) and _etag_matches(if_none_match, route.etag or "")
        elif route.last_modified is not None:
            since = _parse_http_date(self.headers.get("If-Modified-Since"))
            not_modified = since is not None and since >= int(route.last_modified)
        if not_modified:
            self._start_response(304, validators)
            return

        body = route.body
        headers = {"Content-Type": route.content_type, **validators}
        if route.gzip:
            headers["Vary"] = "Accept-Encoding"
            if _accepts_gzip(self.headers.get("Accept-Encoding")):
                body = gzip_module.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        self._start_response(200, headers)
        if send_body:
            self.wfile.write(body)

    def _drip(self, route: _Route, send_body: bool) -> None:
        # HTTP/1.0 with no Content-Length: the body only ends when the connection closes.
        self._start_response(200, {"Content-Type": route.content_type})
        if not send_body:
            return
        self.wfile.flush()
        deadline = time.monotonic() + route.total_seconds
        stop = self.owner._stop
        while time.monotonic() < deadline and not stop.is_set():
            self.wfile.write(route.chunk)
            self.wfile.flush()
            if stop.wait(route.interval):
                break
        self.close_connection = True

    def _big(self, route: _Route, send_body: bool) -> None:
        self._start_response(200, {"Content-Type": route.content_type, "Content-Length": str(route.size)})
        if not send_body:
            return
        head = b"<rss>"[: route.size]
        self.wfile.write(head)
        remaining = route.size - len(head)
        filler = b" " * _STREAM_CHUNK
        stop = self.owner._stop
        while remaining > 0 and not stop.is_set():
            n = min(remaining, _STREAM_CHUNK)
            self.wfile.write(filler[:n])
            remaining -= n


class FeedServer(_Started):
    """An HTTP server for feeds and the many ways fetching them can go wrong.

    Register routes with the add_* methods; unknown paths answer 404. Routes match on the
    path alone (the query string is ignored), so `/feed.xml?x=1` is served by `/feed.xml`.
    Every answered request is recorded in `requests` as (method, path, headers, status);
    header keys are lower-case and looked up case-insensitively.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._requests: list[RecordedRequest] = []
        self._start(_FeedHandler, "feed-server")

    # -- routes

    def _set(self, path: str, route: _Route) -> None:
        if not path.startswith("/"):
            path = "/" + path
        with self._lock:
            self._routes[_path_only(path)] = route

    def _route(self, path: str) -> _Route | None:
        with self._lock:
            return self._routes.get(path)

    def add_feed(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml; charset=utf-8",
        etag: bool = True,
        last_modified: bool = True,
        gzip: bool = False,
    ) -> None:
        """Serve `body` with validators and conditional GET; calling again replaces it."""
        key = _path_only(path if path.startswith("/") else "/" + path)
        modified = None
        if last_modified:
            previous = self._route(key)
            modified = float(int(time.time()))
            if previous is not None and previous.last_modified is not None:
                # HTTP dates have one-second resolution: make a replacement strictly newer.
                modified = max(modified, previous.last_modified + 1)
        tag = f'"{hashlib.sha1(body).hexdigest()}"' if etag else None
        self._set(
            path,
            _Route("feed", body=body, content_type=content_type, etag=tag, last_modified=modified, gzip=gzip),
        )

    def add_redirect(self, path: str, target_path: str, status: int = 301) -> None:
        """Answer `status` with Location pointing at `target_path` on this server."""
        self._set(path, _Route("redirect", target=target_path, status=status))

    def add_status(
        self, path: str, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        """Answer a fixed status (e.g. 500, 410, 429) with an optional body and headers."""
        self._set(
            path,
            _Route(
                "status",
                status=status,
                body=body,
                content_type="text/plain; charset=utf-8",
                headers=dict(headers or {}),
            ),
        )

    def add_slow(
        self,
        path: str,
        body: bytes,
        delay_seconds: float,
        content_type: str = "application/rss+xml; charset=utf-8",
    ) -> None:
        """Wait `delay_seconds` in the handler thread, then answer 200 with `body`."""
        self._set(path, _Route("slow", body=body, delay=delay_seconds, content_type=content_type))

    def add_drip(
        self, path: str, chunk: bytes = b"<", interval: float = 0.5, total_seconds: float = 30
    ) -> None:
        """Send headers, then one `chunk` every `interval` seconds until the client leaves or time is up."""
        self._set(
            path,
            _Route(
                "drip",
                chunk=chunk,
                interval=interval,
                total_seconds=total_seconds,
                content_type="application/rss+xml; charset=utf-8",
            ),
        )

    def add_big(self, path: str, size_bytes: int) -> None:
        """Stream `size_bytes` of filler ("<rss>" then spaces) with a Content-Length, in small chunks."""
        self._set(path, _Route("big", size=size_bytes, content_type="application/rss+xml; charset=utf-8"))

    def add_raw(
        self,
        path: str,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer 200 with `body`, `content_type` and any extra `headers`."""
        self._set(path, _Route("raw", body=body, content_type=content_type, headers=dict(headers or {})))

    def remove(self, path: str) -> None:
        """Forget a route, so it answers 404 from now on."""
        with self._lock:
            self._routes.pop(_path_only(path if path.startswith("/") else "/" + path), None)

    # -- recording

    def _record(self, method: str, path: str, headers: dict[str, str], status: int) -> None:
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, status))

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request answered so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def _for(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path or _path_only(r.path) == path]

    def count(self, path: str) -> int:
        """How many requests were made for `path` (query strings ignored unless given)."""
        return len(self._for(path))

    def statuses(self, path: str) -> list[int]:
        """The statuses answered for `path`, oldest first."""
        return [r.status for r in self._for(path)]

    def clear(self) -> None:
        """Forget the recorded requests (routes stay)."""
        with self._lock:
            self._requests.clear()


# --------------------------------------------------------------------------- webhook receiver


@dataclass
class ReceivedRequest:
    """One request the HttpReceiver got, and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    status: int


class _ReceiverHandler(BaseHTTPRequestHandler):
    server_version = "TestHttpReceiver/1.0"
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                part = self.rfile.read(size)
                if len(part) < size:
                    raise ConnectionError("the sender closed the connection inside a chunk")
                parts.append(part)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # A sender killed while writing its request: nothing was delivered (a real server drops it too).
            raise ConnectionError(f"the sender closed the connection after {len(body)} of {length} bytes")
        return body

    def _receive(self) -> None:
        owner: HttpReceiver = self.server.owner  # type: ignore[attr-defined]
        try:
            body = self._read_body()
        except (ValueError, ConnectionError, TimeoutError):
            with contextlib.suppress(OSError):  # the sender may be gone
                self.send_error(400)
            return
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        status = owner._next_status()
        owner._record(
            ReceivedRequest(self.command, self.path, _Headers(self.headers.items()), body, parsed, status)
        )
        delay = owner._next_delay()
        if delay:
            time.sleep(delay)  # received, not yet confirmed: the window a crash can fall into
        reply = owner.response_body if 200 <= status < 300 else b"error\n"
        try:
            self.send_response(status)
            self.send_header("Content-Type", owner.content_type)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_POST = do_PUT = do_PATCH = _receive


class HttpReceiver(_Started):
    """Records POST/PUT/PATCH requests, e.g. webhooks sent by Apprise's json:// or form:// plugins.

    `set_statuses([500, 500, 200])` answers those statuses in turn, then 200 forever; `set_delays([5.0])`
    waits those seconds before answering the next requests in turn, then `delay`.
    """

    def __init__(self, response_body: bytes = b"ok", content_type: str = "text/plain; charset=utf-8") -> None:
        self.response_body = response_body
        self.content_type = content_type
        self._cond = threading.Condition()
        self._received: list[ReceivedRequest] = []
        self._statuses: list[int] = []
        self._delays: list[float] = []
        self.delay = 0.0  # seconds between recording a request and answering it
        self._start(_ReceiverHandler, "http-receiver")

    def set_statuses(self, statuses: Iterable[int]) -> None:
        """Answer these statuses to the next requests, in order, then 200."""
        with self._cond:
            self._statuses = list(statuses)

    def _next_status(self) -> int:
        with self._cond:
            return self._statuses.pop(0) if self._statuses else 200

    def set_delays(self, delays: Iterable[float]) -> None:
        """Wait these seconds before answering the next requests, in order, then `delay`."""
        with self._cond:
            self._delays = list(delays)

    def _next_delay(self) -> float:
        with self._cond:
            return self._delays.pop(0) if self._delays else self.delay

    def _record(self, request: ReceivedRequest) -> None:
        with self._cond:
            self._received.append(request)
            self._cond.notify_all()

    @property
    def received(self) -> list[ReceivedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self._cond:
            return list(self._received)

    def _ok(self) -> list[ReceivedRequest]:
        return [r for r in self._received if 200 <= r.status < 300]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """Block until `count` requests were answered 2xx; return those requests."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._ok()) >= count, timeout=timeout):
                raise AssertionError(
                    f"expected {count} successful request(s) within {timeout}s, got {len(self._ok())} "
                    f"(all statuses: {[r.status for r in self._received]})"
                )
            return self._ok()


# --------------------------------------------------------------------------- SMTP sink


class ReceivedMail(NamedTuple):
    """The envelope and parsed message of one mail the SmtpSink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        self.sink._record(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpSink:
    """A plain SMTP server on 127.0.0.1 (no TLS) that keeps every message it accepts.

    Unauthenticated mail is accepted. AUTH PLAIN/LOGIN is also offered over plain text
    (auth_require_tls=False) and any credentials succeed, so a notifier configured with a
    user and password works too; the credentials it sent are kept in `logins`.
    """

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._cond = threading.Condition()
        self._mails: list[ReceivedMail] = []
        self.logins: list[tuple[str, str]] = []
        self._controller = Controller(
            _SinkHandler(self),
            hostname=self.host,
            port=self.port,
            auth_require_tls=False,
            auth_required=False,
            authenticator=self._authenticate,
        )
        self._running = False

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            with self._cond:
                self.logins.append(
                    (auth_data.login.decode(errors="replace"), auth_data.password.decode(errors="replace"))
                )
        return AuthResult(success=True)

    def _record(self, mail: ReceivedMail) -> None:
        with self._cond:
            self._mails.append(mail)
            self._cond.notify_all()

    def start(self) -> SmtpSink:
        """Start listening (done by the context manager)."""
        if not self._running:
            self._controller.start()
            self._running = True
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._running:
            self._controller.stop()
            self._running = False

    close = stop

    @property
    def mails(self) -> list[ReceivedMail]:
        """Every accepted mail with its envelope, oldest first."""
        with self._cond:
            return list(self._mails)

    @property
    def messages(self) -> list[EmailMessage]:
        """Every accepted message, parsed with email.policy.default, oldest first."""
        return [m.message for m in self.mails]

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        """(mail_from, rcpt_tos) of every accepted message, parallel to `messages`."""
        return [(m.mail_from, m.rcpt_tos) for m in self.mails]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until `count` messages arrived; return all messages so far."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._mails) >= count, timeout=timeout):
                raise AssertionError(f"expected {count} message(s) within {timeout}s, got {len(self._mails)}")
            return [m.message for m in self._mails]

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Daemon:
    """`monitor run` as a user starts it, in a subprocess, its output in a file."""

    def __init__(self, config: Path, log: Path):
        self.log = log
        self._out = log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                                     stdout=self._out, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal it (SIGTERM: a graceful stop) and wait; killed if it does not end in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._out.close()
