"""The daemon's Prometheus metrics, in a registry of its own (not the library's global one, so two daemons in one
test process, or a library that registers its own, never collide).

What the daemon does is counted where it happens, once per feed poll (the per-item path is not touched):
polls by outcome, new and relevant items, alerts by kind, feed errors, and the fetch and processing times.
What the database holds (events and items stored, deliveries by target and state, the oldest alert still
waiting) is read when Prometheus scrapes, in one aggregate query each: it is right after a restart, and
whichever instance wrote it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import ParamSpec, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE_LATEST  # re-exported for the server
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from monitor import store

_P = ParamSpec("_P")
_T = TypeVar("_T")

# Feeds answer in tens of milliseconds to tens of seconds (the fetch timeout); processing a feed's new items
# takes from a millisecond (nothing new) to minutes (a first poll of a long backlog).
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
PROCESSING_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300)


class Metrics:
    """The daemon's metrics and the registry they live in."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.polls = Counter("monitor_polls", "Feed polls by outcome (ok, not_modified, error)", ["status"],
                             registry=r)
        self.items = Counter("monitor_items", "New items processed", registry=r)
        self.relevant_items = Counter("monitor_relevant_items", "New items found relevant", registry=r)
        self.alerts = Counter("monitor_alerts", "Alerts written to the outbox, by kind", ["kind"], registry=r)
        self.feed_errors = Counter("monitor_feed_errors", "Failed feed polls, by feed", ["feed"], registry=r)
        self.fetch_seconds = Histogram("monitor_fetch_seconds", "Time to fetch a feed", buckets=FETCH_BUCKETS,
                                       registry=r)
        self.processing_seconds = Histogram(
            "monitor_processing_seconds", "Time to parse a fetched feed, process its new items and store them",
            buckets=PROCESSING_BUCKETS, registry=r)
        self.deliveries = Gauge("monitor_deliveries", "Deliveries by target name and state (pending, sent, "
                                "expired)", ["target", "state"], registry=r)
        self.oldest_pending = Gauge("monitor_oldest_pending_delivery_seconds",
                                    "Age of the oldest alert still waiting for a target (0: none waits)", registry=r)
        self.events = Gauge("monitor_events", "Events stored", registry=r)
        self.stored_items = Gauge("monitor_stored_items", "Items stored", registry=r)
        for status in ("ok", "not_modified", "error"):  # present from the start, so rate() works at once
            self.polls.labels(status=status)

    def poll(self, *, feed: str, ok: bool, not_modified: bool, fetch_seconds: float, new_items: int, relevant: int,
             alert_kinds: Iterable[str]) -> None:
        """Count one poll of one feed."""
        self.polls.labels(status="error" if not ok else "not_modified" if not_modified else "ok").inc()
        if not ok:
            self.feed_errors.labels(feed=feed).inc()
        self.fetch_seconds.observe(fetch_seconds)
        self.items.inc(new_items)
        self.relevant_items.inc(relevant)
        for kind in alert_kinds:
            self.alerts.labels(kind=kind).inc()

    def refresh(self, engine: store.Engine, now: datetime) -> None:
        """Read what the database holds into the gauges (blocking: call it from a worker thread)."""
        counts = store.delivery_counts(engine)
        self.deliveries.clear()  # a target that was renamed or removed leaves no stale series behind
        for (target, state), count in counts.items():
            self.deliveries.labels(target=target, state=state).set(count)
        oldest = store.oldest_pending_alert(engine)
        self.oldest_pending.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        stored = store.stored_counts(engine)
        self.events.set(stored["events"])
        self.stored_items.set(stored["items"])

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)

    def timed_processor(self, name: str) -> TimedExecutor:
        """A one-thread executor for the pipeline's processing that observes how long each job runs."""
        return TimedExecutor(self.processing_seconds.observe, 1, name)


class TimedExecutor(ThreadPoolExecutor):
    """A thread pool that reports how long each job it runs takes (not counting the wait in its queue)."""

    def __init__(self, observe: Callable[[float], None], max_workers: int, thread_name_prefix: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._observe = observe

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        def timed() -> _T:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._observe(time.perf_counter() - start)

        return super().submit(timed)
