"""The daemon: APScheduler decides when each feed is due; the pipeline does the work.

Each feed is a job on its own interval with jitter, so a slow or failing feed never delays the
others; a failing feed's job skips its turns while the feed backs off. A delivery job retries
pending alerts. SIGTERM or SIGINT stop new work, let running jobs finish, and exit cleanly.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor import fetch, pipeline
from monitor.config import FeedConfig
from monitor.pipeline import Runtime, utcnow

log = logging.getLogger("monitor.daemon")

HEARTBEAT_FILE = "heartbeat"
SHUTDOWN_GRACE_SECONDS = 60


def heartbeat_path(runtime: Runtime) -> Path:
    return runtime.settings.state_dir / HEARTBEAT_FILE


def write_heartbeat(path: Path, now: datetime) -> None:
    """Touch the heartbeat file that `monitor status --health` (and the Docker HEALTHCHECK) reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(now.isoformat(), encoding="utf-8")
    tmp.replace(path)


class Daemon:
    """Runs the scheduler until asked to stop."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.stopping = asyncio.Event()
        self._running: set[asyncio.Task] = set()
        self._client = fetch.make_client(runtime.settings.fetch)

    async def _tracked(self, coro) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await coro
        except Exception:
            log.exception("scheduled job failed; the daemon goes on")
        finally:
            if task is not None:
                self._running.discard(task)

    async def poll_feed(self, feed: FeedConfig) -> None:
        if self.stopping.is_set():
            return
        if not pipeline.feed_is_due(self.runtime, feed, utcnow()):
            log.debug("feed %s is backing off; skipping this turn", feed.label)
            return
        await self._tracked(self._poll_and_deliver(feed))

    async def _poll_and_deliver(self, feed: FeedConfig) -> None:
        for outcome in await pipeline.poll_feeds(self.runtime, [feed], self._client):
            log.info("feed %s: status %s, %d items, %d new, %d alerts%s", feed.label, outcome.status,
                     outcome.items, outcome.new_items, outcome.alerts,
                     f", error: {outcome.error}" if outcome.error else "")
        await pipeline.deliver(self.runtime)

    async def deliver(self) -> None:
        if self.stopping.is_set():
            return
        pipeline.expire_predictions(self.runtime, utcnow())
        await self._tracked(pipeline.deliver(self.runtime))
        write_heartbeat(heartbeat_path(self.runtime), utcnow())

    def _schedule(self, scheduler: AsyncIOScheduler) -> None:
        settings = self.runtime.settings
        jitter = int(settings.schedule.jitter.total_seconds())
        start = utcnow() + timedelta(seconds=1)
        for i, feed in enumerate(settings.feeds):
            interval = settings.interval_for(feed)
            scheduler.add_job(
                self.poll_feed, IntervalTrigger(seconds=interval.total_seconds(), jitter=jitter or None),
                args=[feed], id=f"feed-{i}", name=f"poll {feed.label}", max_instances=1, coalesce=True,
                next_run_time=start + timedelta(seconds=i % 10), misfire_grace_time=None,
            )
        scheduler.add_job(
            self.deliver, IntervalTrigger(seconds=settings.schedule.delivery_interval.total_seconds()),
            id="deliver", name="deliver pending alerts", max_instances=1, coalesce=True, next_run_time=start,
        )

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._request_stop, sig)
        scheduler = AsyncIOScheduler(timezone="UTC")
        self._schedule(scheduler)
        scheduler.start()
        write_heartbeat(heartbeat_path(self.runtime), utcnow())
        log.info("monitor running: %d feeds, %d notification targets", len(self.runtime.settings.feeds),
                 len(self.runtime.targets))
        await self.stopping.wait()
        scheduler.shutdown(wait=False)
        if self._running:
            log.info("finishing %d running jobs", len(self._running))
            await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE_SECONDS)
        await self._client.aclose()
        log.info("monitor stopped")

    def _request_stop(self, sig: signal.Signals) -> None:
        log.info("received %s; stopping after running work", sig.name)
        self.stopping.set()


class AlreadyRunning(Exception):
    """Another daemon holds the lock on this SQLite database."""


def lock_path(runtime: Runtime) -> Path | None:
    """The lock file beside a SQLite database; None for a server database, where instances may share work."""
    url = runtime.settings.database
    if not url.startswith("sqlite:///") or url.startswith("sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///") + ".lock")


def acquire_lock(path: Path) -> TextIO:
    """Hold an exclusive lock for the life of the process (the OS releases it even after kill -9)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise AlreadyRunning(f"another monitor daemon (pid {holder}) is using {path.with_suffix('')}; "
                             "stop it first, or give this one its own database") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def run_daemon(runtime: Runtime) -> None:
    path = lock_path(runtime)
    lock = acquire_lock(path) if path else None
    try:
        asyncio.run(Daemon(runtime).run())
    finally:
        if lock is not None:
            lock.close()
