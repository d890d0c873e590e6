"""The daemon: APScheduler ticks, the store says which feeds are due, the pipeline does the work.

    every second        claim the due feeds no one else is polling (a lease in the database, so several
                        instances on one PostgreSQL database fetch each feed once) and poll them
    delivery loop       one per process; wakes as soon as a feed's alerts are committed (not when the whole poll
                        ends), and every `schedule.delivery_interval` for retries
    housekeeping        every `schedule.delivery_interval`: the database file is still ours, predictions
                        whose window passed are closed, the heartbeat is written; hourly, the text of items
                        past `retention.items` is emptied
    config check        every `CONFIG_CHECK_SECONDS`: a config file changed reloads the configuration
    http server         with an `http` section: the status page, /healthz and /metrics (`monitor.web`) on this
                        loop; started before the first tick, stopped after the last delivery round

SIGTERM or SIGINT: no new polls; in-flight polls and deliveries finish (bounded by
`schedule.shutdown_grace`), a last delivery round sends what they produced, the parser processes and the
processing thread are stopped, then "monitor stopped" and exit 0; nothing is sent after that line.

SIGHUP, or a change to any config file (the main one and the files it names, looked at every
`CONFIG_CHECK_SECONDS`), reloads the configuration: a config with errors is refused (each problem an ERROR line)
and the old one goes on; feeds and targets added or removed take effect at the next tick, polls and sends in
flight finish with the configuration they began with, and pending deliveries stay with their target's name.
A changed `database` takes effect at the next start.

A SQLite database is used by one process at a time: every command that writes holds a lock on the
resolved file (`monitor.guard`), and the daemon stops (exit 3) when the file is deleted or replaced under it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor import fetch, outbox, pipeline, store, web
from monitor.config import BUILT_IN_TARGETS, ConfigError, Settings, load_settings
from monitor.errors import MonitorError
from monitor.guard import DatabaseGuard, heartbeat_path, start_writer, write_heartbeat
from monitor.pipeline import Runtime, utcnow

if TYPE_CHECKING:
    from monitor.web.server import StatusServer

log = logging.getLogger("monitor.daemon")

TICK_SECONDS = 1.0
CONFIG_CHECK_SECONDS = 2.0
PRUNE_EVERY_SECONDS = 3600.0  # retention walks the old items: once an hour is plenty
EXIT_DATABASE_GONE = 3
TICK_STALE_SECONDS = 60.0  # /healthz calls the scheduler stuck when its poll tick is older than this


# --- the daemon ------------------------------------------------------------------------------------


class Daemon:
    """Runs the scheduler and the delivery loop until asked to stop."""

    def __init__(self, runtime: Runtime, guard: DatabaseGuard,
                 reconfigure: Callable[[Settings], None] | None = None):
        self.runtime = runtime
        self.guard = guard
        self.reconfigure = reconfigure  # applies a reloaded config beyond the runtime (logging, for the CLI)
        self._config_seen = config_signature(runtime.settings)
        self._reload_lock = asyncio.Lock()
        self._scheduler: AsyncIOScheduler | None = None
        self._pruned_at = float("-inf")
        self.name = outbox.sender_name()
        self.stopping = asyncio.Event()
        self.exit_code = 0
        self._client = fetch.make_client(runtime.settings.fetch)
        self._fetch_limit = fetch.Throttle(runtime.settings.fetch)
        self._polls: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()
        self._wake = asyncio.Event()
        self._finishing = False
        self._send_until = float("inf")  # monotonic time after which no new message starts
        self.sender = outbox.Sender(self.name, outbox.lease_for(runtime.settings),
                                    should_stop=lambda: time.monotonic() > self._send_until)
        self._delivery: asyncio.Task[None] | None = None
        self._sending: dict[str, asyncio.Task[None]] = {}
        self.metrics = web.Metrics()  # the daemon's own registry, served at /metrics when `http` is on
        # Processing is timed where it runs, once per feed poll, in the pipeline's worker thread (kept on reload).
        runtime.processor.shutdown(wait=False)
        runtime.processor = self.metrics.timed_processor("monitor-process")
        self._ticked = time.monotonic()  # when the scheduler last ran the poll tick, for /healthz
        self._http: StatusServer | None = None

    # -- polling

    async def poll_due(self) -> None:
        """Claim the due feeds and start polling them; never waits for the polls."""
        self._ticked = time.monotonic()
        if self.stopping.is_set():
            return
        try:
            claimed = pipeline.claim_feeds(self.runtime, self.name, utcnow(), exclude=self._in_flight)
        except Exception as exc:
            log.error("could not read which feeds are due: %s: %s", type(exc).__name__, exc)
            return
        if claimed:
            task = asyncio.create_task(self._poll(claimed))
            self._polls.add(task)
            task.add_done_callback(self._polls.discard)

    async def _poll(self, claimed: list[tuple[Any, store.FeedState]]) -> None:
        urls = {state.feed_url for _, state in claimed}
        self._in_flight |= urls
        try:
            outcomes = await pipeline.poll_feeds(self.runtime, [f for f, _ in claimed], self._client, utcnow,
                                                 {s.feed_url: s for _, s in claimed}, self._fetch_limit,
                                                 # A feed's alerts go out once committed, not when the poll ends:
                                                 # a slow feed of the same poll must not hold them back.
                                                 on_alerts=lambda _: self._wake.set(), keep_items=False)
            # A failed poll was logged once already, by the pipeline, with its count of failures in a row.
            for o in outcomes:
                if o.error is None:
                    log.info("feed %s: status %s, %d items, %d new, %d alerts%s", o.feed.label, o.status, o.items,
                             o.new_items, o.alerts, f", {o.old_note}" if o.old_note else "")
            for o in outcomes:
                self.metrics.poll(feed=o.feed.label, ok=o.error is None, not_modified=o.status == 304,
                                  fetch_seconds=o.seconds, new_items=o.new_items, relevant=o.relevant,
                                  alert_kinds=o.alert_kinds)
        except Exception:
            log.exception("polling failed; the daemon goes on")
        finally:
            self._in_flight -= urls

    # -- delivering

    async def delivery_loop(self) -> None:
        """Woken by new alerts or the retry interval: each target that is not busy gets a sender task of its
        own, so a slow target never holds back another; after stop, one last pass for every target."""
        while True:
            interval = self.runtime.settings.schedule.delivery_interval.total_seconds()  # a reload may change it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=interval)
            self._wake.clear()
            if self._finishing:
                if self._sending:
                    await asyncio.wait(set(self._sending.values()))
                if not self.exit_code:  # with the database gone, nothing can be claimed or recorded
                    self._start_senders()
                    if self._sending:
                        await asyncio.wait(set(self._sending.values()))
                return
            self._start_senders()

    def _start_senders(self) -> None:
        for target in self.runtime.targets:
            if target.id not in self._sending:
                task = asyncio.create_task(self._send_to(target))
                self._sending[target.id] = task

    async def _send_to(self, target: Any) -> None:
        try:
            outcomes = await pipeline.deliver(self.runtime, utcnow, self.sender, [target], expire=False)
            if outcomes and not self._finishing:
                self._wake.set()  # alerts may have come while this target was busy
        except Exception as exc:
            log.error("delivery to %s failed (its alerts stay in the outbox): %s: %s", target.label,
                      type(exc).__name__, exc)
        finally:
            self._sending.pop(target.id, None)

    # -- housekeeping

    async def housekeeping(self) -> None:
        if self._finishing:
            return
        problem = self.guard.check()
        if problem:
            log.error("%s while the daemon was running; stopping so nothing is written into a file no one reads "
                      "(restore it, or delete %s to start afresh)", problem, self.guard.history_path)
            self.exit_code = EXIT_DATABASE_GONE
            self.stopping.set()
            return
        try:
            pipeline.expire_predictions(self.runtime, utcnow())
            if outbox.expire_due(self.runtime.engine, self.runtime.targets, self.runtime.settings, utcnow()):
                self._wake.set()  # the reports of the expiry go out now
            if time.monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
                self._pruned_at = time.monotonic()
                pruned = await asyncio.to_thread(pipeline.prune_items, self.runtime, utcnow())
                if pruned:
                    log.info("retention: emptied the text of %d item(s) older than %s (their keys are kept)", pruned,
                             self.runtime.settings.retention.items)
            self.guard.record(store.alert_count(self.runtime.engine))
        except Exception as exc:
            log.error("housekeeping failed: %s: %s", type(exc).__name__, exc)
            return
        if self._delivery is not None and not self._delivery.done():
            write_heartbeat(heartbeat_path(self.runtime), utcnow())

    # -- life cycle

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._request_stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self._hangup)
        settings = self.runtime.settings
        if settings.http is not None:  # first: a port that cannot be had stops the start, before any poll
            from monitor.web.server import DaemonView, StatusServer  # aiohttp: only for a daemon that serves pages

            self._http = StatusServer(settings.http, DaemonView(
                lambda: self.runtime.settings, self.runtime.engine, self.metrics, self.health,
                lambda: {t.id for t in self.runtime.targets}))
            try:
                await self._http.start(settings.config_file)
            except BaseException:
                await self._client.aclose()
                raise
        scheduler = self._scheduler = AsyncIOScheduler(timezone="UTC")
        start = utcnow()
        scheduler.add_job(self.poll_due, IntervalTrigger(seconds=TICK_SECONDS), id="poll", name="poll due feeds",
                          max_instances=1, coalesce=True, next_run_time=start, misfire_grace_time=None)
        every = settings.schedule.delivery_interval.total_seconds()
        scheduler.add_job(self.housekeeping, IntervalTrigger(seconds=every), id="housekeeping", name="housekeeping",
                          max_instances=1, coalesce=True,
                          next_run_time=start + timedelta(seconds=1), misfire_grace_time=None)
        scheduler.add_job(self.check_config, IntervalTrigger(seconds=CONFIG_CHECK_SECONDS), id="config",
                          name="look for config changes", max_instances=1, coalesce=True, misfire_grace_time=None)
        self._delivery = asyncio.create_task(self.delivery_loop())
        scheduler.start()
        write_heartbeat(heartbeat_path(self.runtime), utcnow())
        # The log and the alerts file are outputs every configuration has, not notification targets: named apart.
        targets = [t.label for t in self.runtime.targets if t.id not in BUILT_IN_TARGETS]
        outputs = (["the log"] if settings.alerts.log else []) + ([f"{settings.alerts.file}"] if settings.alerts.file
                                                                  else [])
        log.info("monitor running as %s: %d feeds; notification targets: %s; alerts also go to %s", self.name,
                 len(settings.feeds), ", ".join(targets) or "none", " and ".join(outputs) or "no other output")
        stop = asyncio.create_task(self.stopping.wait())
        await asyncio.wait({stop, self._delivery}, return_when=asyncio.FIRST_COMPLETED)
        if self._delivery.done() and not self.stopping.is_set():  # cannot happen unless there is a bug
            log.error("the delivery loop ended: %r; stopping", self._delivery.exception())
            self.exit_code = 1
        scheduler.shutdown(wait=False)
        await self._finish(settings.schedule.shutdown_grace.total_seconds())
        if self._http is not None:  # after the last deliveries: /healthz answers 503 "stopping" until then
            await self._http.stop()
        await self._client.aclose()
        await asyncio.to_thread(self._close_workers)
        log.info("monitor stopped")
        return self.exit_code

    async def _finish(self, grace: float) -> None:
        """Let in-flight polls and deliveries end within the grace period, then one last delivery round."""
        self._send_until = time.monotonic() + grace
        polls = set(self._polls)
        if polls:
            log.info("finishing %d running poll(s)", len(polls))
            _, late = await asyncio.wait(polls, timeout=grace)
            for task in late:  # their feeds are polled again at the next start; nothing half-stored
                task.cancel()
            if late:
                log.warning("%d poll(s) did not finish within %.0fs and were cancelled", len(late), grace)
                await asyncio.wait(late)
        self._finishing = True
        self._wake.set()
        if self._delivery is not None and not self._delivery.done():
            # Not cancelled: a send in progress finishes (Apprise's timeouts bound it) and is recorded, and
            # no new one starts after the grace period.
            await self._delivery

    def _close_workers(self) -> None:
        """The parser processes and the processing thread, after the last poll (a cancelled one may still be
        parsing or storing: it is waited for)."""
        self.runtime.parsers.close()
        self.runtime.processor.shutdown(wait=True)

    def health(self) -> dict[str, str | None]:
        """The daemon's part of /healthz: None for each part that is fine, else what is wrong."""
        idle = time.monotonic() - self._ticked
        return {
            "scheduler": "the daemon is stopping" if self.stopping.is_set()
            else f"the poll tick has not run for {idle:.0f}s" if idle > TICK_STALE_SECONDS else None,
            "delivery_loop": None if self._delivery is not None and not self._delivery.done()
            else "the delivery loop is not running",
            "database_file": self.guard.check(),
        }

    def _request_stop(self, sig: signal.Signals) -> None:
        log.info("received %s; stopping after running work", sig.name)
        self.stopping.set()

    def _hangup(self) -> None:
        log.info("received SIGHUP; reloading the configuration")
        task = asyncio.create_task(self._reload_on_signal())
        self._polls.add(task)  # kept referenced until done, and waited for at stop like a poll
        task.add_done_callback(self._polls.discard)

    # -- reloading

    async def _reload_on_signal(self) -> None:
        await self.reload("SIGHUP")

    async def check_config(self) -> None:
        """Reload when a config file changed since the last (attempted) load."""
        if not self.stopping.is_set() and config_signature(self.runtime.settings) != self._config_seen:
            await self.reload("a config file changed")

    async def reload(self, reason: str) -> bool:
        """Load the configuration again and swap it in, or refuse it (ERROR lines) and keep the running one."""
        async with self._reload_lock:
            old = self.runtime
            # What was looked at, so a broken file is reported once, not at every check, until it changes again.
            self._config_seen = config_signature(old.settings)
            try:
                settings = await asyncio.to_thread(load_settings, old.settings.config_file)
                runtime = await asyncio.to_thread(pipeline.rebuilt, old, settings)
                await asyncio.to_thread(pipeline.ensure_feeds, runtime)
            except (MonitorError, OSError, ValueError) as exc:
                problems = exc.problems if isinstance(exc, ConfigError) else [f"{type(exc).__name__}: {exc}"]
                for problem in problems:
                    log.error("configuration not reloaded: %s", problem)
                log.error("reload (%s) refused; the daemon goes on with the configuration it had", reason)
                return False
            self._config_seen = config_signature(settings)
            if settings.database != old.settings.database:
                log.warning("%s: database: changed; the daemon keeps using the database it started with until "
                            "it is restarted", settings.config_file)
            self._apply(old, runtime)
            added = [f.label for f in runtime.settings.feeds if f.public_url not in {g.public_url for g in
                                                                                     old.settings.feeds}]
            removed = [f.label for f in old.settings.feeds if f.public_url not in {g.public_url for g in
                                                                                   runtime.settings.feeds}]
            log.info("configuration reloaded (%s): %d feeds%s%s; notification targets: %s", reason,
                     len(runtime.settings.feeds), f"; added {', '.join(added)}" if added else "",
                     f"; removed {', '.join(removed)}" if removed else "",
                     ", ".join(t.label for t in runtime.targets if t.id not in BUILT_IN_TARGETS) or "none")
            await asyncio.to_thread(pipeline.adopt_target_ids, runtime)
            await asyncio.to_thread(pipeline.report_unknown_targets, runtime)
            self._wake.set()  # a target added (or back under its name) gets what waits for it now
            return True

    def _apply(self, old: Runtime, runtime: Runtime) -> None:
        """Swap the new runtime in. Polls and sends in flight keep the one they began with."""
        settings = runtime.settings
        if settings.fetch != old.settings.fetch:
            client, self._client = self._client, fetch.make_client(settings.fetch)
            self._fetch_limit = fetch.Throttle(settings.fetch)
            task = asyncio.create_task(self._close_when_done(client, set(self._polls)))
            self._polls.add(task)
            task.add_done_callback(self._polls.discard)
        if outbox.lease_for(settings) != self.sender.lease:  # the same sender otherwise: it keeps what it sent
            self.sender = replace(self.sender, lease=outbox.lease_for(settings))
        every = settings.schedule.delivery_interval
        if every != old.settings.schedule.delivery_interval and self._scheduler is not None:
            self._scheduler.reschedule_job("housekeeping", trigger=IntervalTrigger(seconds=every.total_seconds()))
        self.runtime = runtime
        if self.reconfigure is not None:
            self.reconfigure(settings)
        else:
            logging.getLogger().setLevel(settings.log_level)

    @staticmethod
    async def _close_when_done(client: Any, polls: set[asyncio.Task[None]]) -> None:
        """Close the HTTP client a reload replaced once the polls using it are over."""
        if polls:
            await asyncio.wait(polls)
        await client.aclose()


def config_signature(settings: Settings) -> dict[Path, tuple[int, int] | None]:
    """The modification time and size of every config file, to notice a change: the main file and the files it
    names (watchlist, vocabulary, rules, history, secret files of targets)."""
    paths = [settings.config_file, *settings.watchlist, *settings.vocabulary, settings.rules, *settings.history,
             *(t.url_file for t in settings.notify if t.url_file is not None)]
    seen: dict[Path, tuple[int, int] | None] = {}
    for path in paths:
        try:
            stat = path.stat()
            seen[path] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            seen[path] = None
    return seen


def run_daemon(runtime: Runtime, guard: DatabaseGuard,
               reconfigure: Callable[[Settings], None] | None = None) -> int:
    """Run the daemon on a runtime whose database `guard` holds; returns the exit code. `reconfigure` is called
    with each reloaded configuration (the CLI sets up logging with it)."""
    start_writer(runtime, guard)
    pipeline.ensure_feeds(runtime)  # the daemon's ticks claim feeds by their stored rows
    return asyncio.run(Daemon(runtime, guard, reconfigure).run())
