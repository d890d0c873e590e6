"""The HTTP server inside the daemon: aiohttp's runner on the daemon's own event loop.

    /           the status page: feeds, recent events, open warnings, deliveries
    /timeline   events and warnings of a period, newest first, with what became of each warning
    /healthz    200 while the scheduler and the delivery loop run and the database answers, else 503; JSON
    /metrics    Prometheus' text format, from the daemon's own registry

aiohttp and not uvicorn: its runner is made to be started and stopped by a program that owns the loop, and it
leaves signal handling to that program (uvicorn's server catches SIGTERM and SIGINT itself, which would race
the daemon's own handlers and its graceful stop). Access logs are off: a request may carry the token in its
query string, and the token never reaches a log.

Bound to loopback, anyone on the machine may look. Bound elsewhere, every request needs the token: as
`Authorization: Bearer TOKEN`, as `?token=TOKEN` (which also sets a cookie, so the page's links work in a
browser without the token in them), or as that cookie. The pages are read-only and run no script; feed text is
escaped by the templates, and a Content-Security-Policy forbids scripts should anything slip through.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from monitor import store
from monitor.config import HttpConfig, Settings, listen_address
from monitor.errors import ConfigError
from monitor.web import pages
from monitor.web.metrics import CONTENT_TYPE_LATEST, Metrics

log = logging.getLogger("monitor.web")

COOKIE = "monitor_token"
DATABASE_TIMEOUT = 5.0  # seconds /healthz waits for the database before calling it unhealthy
SECURITY_HEADERS = {
    # No script may run, whatever a feed manages to put in a page; styles only from the page itself.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # A link followed from the page must not carry a URL with ?token= to the site it leads to.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

Checks = Callable[[], dict[str, str | None]]


@dataclass(frozen=True)
class DaemonView:
    """What the server may look at: the settings in force (a reload changes them), the database, the metrics,
    the daemon's own checks (name -> None when fine, else what is wrong: the scheduler, the delivery loop, the
    database file) and the names of the configured notification targets."""

    settings: Callable[[], Settings]
    engine: store.Engine
    metrics: Metrics
    checks: Checks
    targets: Callable[[], set[str]]


def _authorised(request: web.Request, token: str) -> tuple[bool, bool]:
    """(allowed, came by query string): the bearer header, the query string, or the cookie must hold it."""
    header = request.headers.get("Authorization", "")
    offered = [(header[7:].strip(), False)] if header[:7].lower() == "bearer " else []
    if "token" in request.query:
        offered.append((request.query["token"], True))
    if COOKIE in request.cookies:
        offered.append((request.cookies[COOKIE], False))
    for value, by_query in offered:
        if hmac.compare_digest(value.encode(), token.encode()):
            return True, by_query
    return False, False


def _middleware(token: str | None) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def guard(request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        by_query = False
        if token is not None:
            allowed, by_query = _authorised(request, token)
            if not allowed:
                response: web.StreamResponse = web.json_response(
                    {"error": "a token is required: Authorization: Bearer TOKEN, or ?token=TOKEN"}, status=401,
                    headers={"WWW-Authenticate": 'Bearer realm="monitor"'})
                response.headers.update(SECURITY_HEADERS)
                return response
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        response.headers.update(SECURITY_HEADERS)
        if by_query and token is not None:
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                                secure=request.secure)
        return response

    return guard


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


async def _database_problem(engine: store.Engine) -> str | None:
    try:
        await asyncio.wait_for(asyncio.to_thread(store.ping, engine), timeout=DATABASE_TIMEOUT)
    except TimeoutError:
        return f"the database did not answer within {DATABASE_TIMEOUT:g}s"
    except Exception as exc:
        return f"the database does not answer: {_first_line(exc)}"
    return None


def make_app(view: DaemonView, token: str | None) -> web.Application:
    """The application: four read-only routes behind the token check."""

    async def healthz(request: web.Request) -> web.Response:
        checks = dict(view.checks())
        if checks.get("database_file") is None:  # a deleted file may still answer through an open connection
            checks["database"] = await _database_problem(view.engine)
        problems = [problem for problem in checks.values() if problem]
        body = {"status": "unhealthy" if problems else "ok", "problems": problems,
                "checks": {name: problem or "ok" for name, problem in checks.items()}}
        return web.json_response(body, status=503 if problems else 200, dumps=lambda d: json.dumps(d, indent=1))

    async def metrics(request: web.Request) -> web.Response:
        try:
            await asyncio.to_thread(view.metrics.refresh, view.engine, datetime.now(UTC))
        except Exception as exc:  # the daemon's own counters are still worth a scrape
            log.warning("metrics: could not read the database: %s", _first_line(exc))
        body = await asyncio.to_thread(view.metrics.exposition)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def status_page(request: web.Request) -> web.Response:
        html = await asyncio.to_thread(pages.status_page, view.settings(), view.engine, view.checks(),
                                       datetime.now(UTC), view.targets())
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def timeline_page(request: web.Request) -> web.Response:
        days = pages.timeline_days(request.query.get("days"))
        html = await asyncio.to_thread(pages.timeline_page, view.engine, days, datetime.now(UTC))
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    app = web.Application(middlewares=[_middleware(token)], client_max_size=64 * 1024)
    app.router.add_get("/", status_page)
    app.router.add_get("/timeline", timeline_page)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


class StatusServer:
    """The running server: `start` binds the address (or raises ConfigError naming `http.listen`), `stop` closes
    it and waits for requests in progress (briefly)."""

    def __init__(self, config: HttpConfig, view: DaemonView):
        self.config = config
        self.host, self.port = listen_address(config.listen)
        self._runner = web.AppRunner(make_app(view, config.secret_token()), access_log=None,
                                     handle_signals=False, shutdown_timeout=2.0)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host or "0.0.0.0"
        return f"http://{host}:{self.port}/"

    async def start(self, config_file: Any) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host or None, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError([f"{config_file}: http.listen: cannot listen on {self.config.listen}: "
                               f"{exc.strerror or exc}"]) from None
        log.info("status page, /healthz and /metrics on %s%s", self.url,
                 " (every request needs the token)" if self.config.token or self.config.token_file else "")

    async def stop(self) -> None:
        await self._runner.cleanup()
