"""The two read-only pages, rendered on the server with Jinja2: what the store holds, turned into plain values,
then into HTML by the templates beside this file.

Everything a feed wrote (titles, sources, places, errors) is hostile: the templates escape every value
(autoescape is on for all of them, and nothing is marked safe), and a link is made only of an http(s) URL.
The functions here block on the database; the server calls them from a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from monitor import store
from monitor.config import FeedConfig, Settings
from monitor.store.delivery import TargetHealth

TEMPLATES = Path(__file__).resolve().parent / "templates"
RECENT_EVENTS = 25
RECENT_ALERTS = 15
TIMELINE_DAYS = 30
TIMELINE_LIMIT = 300

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# --- values the templates show ---------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None  # None: not an http(s) URL, shown as text only
    source: str = ""


@dataclass(frozen=True)
class FeedView:
    label: str
    url: str
    health: str  # ok | failing | waiting
    detail: str
    last_poll: datetime | None
    next_poll: datetime | None
    items: int


@dataclass(frozen=True)
class EventView:
    id: str
    event_type: str
    title: str
    places: list[str]
    actors: list[str]
    toll: str
    claims: list[str]
    sources: list[Link]
    reports: int
    first_seen: datetime
    last_seen: datetime
    outcome: list[str] = field(default_factory=list)  # the timeline: warnings it fulfilled, or a miss


@dataclass(frozen=True)
class WarningView:
    id: int | None
    kind: str
    expected: str
    likelihood: float
    window_start: datetime
    window_end: datetime
    reasons: list[str]
    likely_targets: list[str]
    trigger: str
    warned_at: datetime | None
    state: str
    outcome: str


@dataclass(frozen=True)
class TargetView:
    name: str
    counts: list[tuple[str, int]]
    configured: bool
    failing_since: datetime | None
    last_error: str | None
    oldest_pending: datetime | None


@dataclass(frozen=True)
class AlertView:
    kind: str
    title: str
    created_at: datetime
    deliveries: list[tuple[str, str, str | None]]  # target, state, why it waits or last error


# --- turning stored rows into those values ---------------------------------------------------------


def _link(url: Any) -> str | None:
    text = str(url or "")
    return text if text.startswith(("http://", "https://")) else None


def toll(killed: dict[str, int], injured: dict[str, int]) -> str:
    """`killed: US 3; injured: US 25, coalition 2` (empty when no one is counted)."""
    parts = []
    for word, counts in (("killed", killed), ("injured", injured)):
        if counts:
            parts.append(f"{word}: " + ", ".join(f"{side} {n or '(number not given)'}"
                                                 for side, n in sorted(counts.items())))
    return "; ".join(parts)


def feed_view(feed: FeedConfig, state: store.FeedState | None) -> FeedView:
    if state is None or state.last_polled_at is None:
        health, detail = "waiting", "not polled yet"
    elif state.failures:
        health, detail = "failing", f"{state.failures} failed poll(s) in a row: {state.last_error or 'unknown error'}"
    else:
        health, detail = "ok", f"HTTP {state.last_status}" if state.last_status else "ok"
    return FeedView(feed.label, feed.public_url, health, detail, state.last_polled_at if state else None,
                    state.next_poll_at if state else None, state.items_total if state else 0)


def event_view(row: store.StoredEvent) -> EventView:
    sources = [Link(str(s.get("title") or s.get("link") or "untitled"), _link(s.get("link")),
                    str(s.get("source") or "")) for s in row.sources]
    return EventView(row.id, row.event_type, row.title, list(row.places), list(row.actors),
                     toll(row.killed, row.injured), list(row.claims), sources, row.report_count, row.first_seen,
                     row.last_seen)


def _kind_words(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def warning_view(row: store.Prediction, titles: dict[str, str]) -> WarningView:
    details = row.details or {}
    by = ", ".join(row.expected_by) or "someone"
    against = str(details.get("against") or "")
    expected = f"{row.expected_type} by {by}" + (f" against {against}" if against else "")
    if row.state == "confirmed":
        lead = f" ({row.lead_hours:.0f} h after the warning)" if row.lead_hours is not None else ""
        outcome = f"confirmed{lead}: {titles.get(row.resolving_event_id or '', row.resolving_event_id or '')}"
    elif row.state == "expired":
        outcome = "expired: nothing of the kind came within the window"
    else:
        outcome = "open"
    return WarningView(row.id, _kind_words(row.kind), expected, row.warned_likelihood or row.likelihood,
                       row.window_start, row.window_end, [str(r) for r in details.get("reasons") or []],
                       [str(t) for t in details.get("likely_targets") or []],
                       titles.get(row.trigger_event_id, row.trigger_event_id), row.warned_at, row.state, outcome)


def target_views(health: list[TargetHealth], configured: set[str]) -> list[TargetView]:
    return [TargetView(t.target_id, sorted(t.counts.items()), t.target_id in configured, t.failing_since,
                       t.last_error, t.oldest_pending) for t in health]


def alert_views(rows: list[tuple[store.StoredAlert, list[store.Delivery]]]) -> list[AlertView]:
    return [AlertView(_kind_words(alert.kind), alert.title, alert.created_at,
                      [(d.target_id, d.state, d.last_error if d.state == "pending" and d.last_error else d.held)
                       for d in deliveries]) for alert, deliveries in rows]


# --- the pages -------------------------------------------------------------------------------------


def _render(template: str, now: datetime, **values: Any) -> str:
    return _env.get_template(template).render(now=now, when=when, ago=ago, percent=percent, **values)


def status_page(settings: Settings, engine: store.Engine, checks: dict[str, str | None], now: datetime,
                configured_targets: set[str] | None = None) -> str:
    """The status page: the daemon's health, feeds, recent events, open warnings and deliveries."""
    states = store.feed_states(engine)
    feeds = [feed_view(f, states.get(f.public_url)) for f in settings.feeds]
    events = [event_view(e) for e in store.latest_events(engine, RECENT_EVENTS)]
    standing = store.open_warnings(engine, now)
    titles = store.event_titles(engine, [p.trigger_event_id for p in standing])
    health = store.target_health(engine)
    targets = target_views(health, configured_targets if configured_targets is not None
                           else {t.target_id for t in health})
    return _render("status.html.j2", now, feeds=feeds, events=events,
                   warnings=[warning_view(p, titles) for p in standing], targets=targets,
                   alerts=alert_views(store.latest_deliveries(engine, RECENT_ALERTS)),
                   counts=store.stored_counts(engine), problems=[p for p in checks.values() if p])


def timeline_days(value: str | None) -> int:
    """The period the timeline covers, from `?days=`: a whole number of days from 1 to 3650 (else the default)."""
    try:
        days = int(value or TIMELINE_DAYS)
    except ValueError:
        return TIMELINE_DAYS
    return days if 1 <= days <= 3650 else TIMELINE_DAYS


def timeline_page(engine: store.Engine, days: int, now: datetime) -> str:
    """Events begun and warnings sent in the last `days`, newest first, each warning with what became of it and
    each event with the warnings it fulfilled (or the miss it was)."""
    since = now - timedelta(days=days)
    events = store.events_begun_since(engine, since, TIMELINE_LIMIT)
    warned = store.warnings_since(engine, since, TIMELINE_LIMIT)
    ids = [e.id for e in events]
    confirmed, missed = store.confirmed_by(engine, ids), store.misses_among(engine, ids)
    titles = store.event_titles(engine, [p.trigger_event_id for p in warned] +
                                [p.resolving_event_id for p in warned if p.resolving_event_id])
    entries: list[tuple[datetime, str, EventView | WarningView]] = []
    for row in events:
        view = event_view(row)
        view.outcome.extend(f"fulfilled warning #{p.id}: {_kind_words(p.kind).lower()} at "
                            f"{percent(p.warned_likelihood or p.likelihood)}" for p in confirmed.get(row.id, []))
        if row.id in missed:
            view.outcome.append(f"missed: a rule expected this ({_kind_words(missed[row.id].kind).lower()}), and "
                                "no warning stood for it")
        entries.append((row.first_seen, "event", view))
    for p in warned:
        entries.append((p.warned_at or p.created_at, "warning", warning_view(p, titles)))
    entries.sort(key=lambda e: e[0], reverse=True)
    return _render("timeline.html.j2", now, entries=entries, days=days, since=since)


# --- how values are written ------------------------------------------------------------------------


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def ago(moment: datetime | None, now: datetime) -> str:
    """`5 min ago`, `in 2 h`, `3 days ago`."""
    if moment is None:
        return "-"
    seconds = (moment - now).total_seconds()
    size = round(abs(seconds))
    if size < 60:
        text = f"{size} s"
    elif round(size / 60) < 60:
        text = f"{round(size / 60)} min"
    elif round(size / 3600) < 48:
        text = f"{round(size / 3600)} h"
    else:
        text = f"{round(size / 86400)} days"
    return f"in {text}" if seconds > 0 else f"{text} ago"


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"
