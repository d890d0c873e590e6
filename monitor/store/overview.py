"""Read-only looks at the store for the status page and the metrics: the latest events and warnings, the
deliveries of the latest alerts, counts, and whether the database answers at all.

Each is one or two bounded queries (a limit, or an aggregate), so a page view or a scrape costs the same with a
million stored items as with a hundred.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.store.tables import Delivery, Miss, Prediction, StoredAlert, StoredEvent, StoredItem


def ping(engine: Engine) -> None:
    """Ask the database a trivial question; raises whatever the driver raises when it cannot answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).one()


def latest_events(engine: Engine, limit: int) -> list[StoredEvent]:
    """The events most recently reported on, newest first."""
    query = select(StoredEvent).order_by(col(StoredEvent.last_seen).desc()).limit(limit)
    with Session(engine) as session:
        return list(session.exec(query))


def events_begun_since(engine: Engine, since: datetime, limit: int) -> list[StoredEvent]:
    """Events that began after `since`, newest first (uses the first_seen index)."""
    query = (select(StoredEvent).where(col(StoredEvent.first_seen) >= since)
             .order_by(col(StoredEvent.first_seen).desc()).limit(limit))
    with Session(engine) as session:
        return list(session.exec(query))


def event_titles(engine: Engine, event_ids: Iterable[str]) -> dict[str, str]:
    """The titles of these events, by id (the triggers and outcomes of warnings)."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    query = select(col(StoredEvent.id), col(StoredEvent.title)).where(col(StoredEvent.id).in_(ids))
    with Session(engine) as session:
        return {event_id: title for event_id, title in session.exec(query)}


def open_warnings(engine: Engine, now: datetime) -> list[Prediction]:
    """Warnings sent and still standing (open, window not passed), most likely first."""
    query = select(Prediction).where(col(Prediction.state) == "open", col(Prediction.window_end) >= now,
                                     col(Prediction.warned_at).is_not(None))
    with Session(engine) as session:
        rows = list(session.exec(query))
    return sorted(rows, key=lambda p: -(p.warned_likelihood or p.likelihood))


def warnings_since(engine: Engine, since: datetime, limit: int) -> list[Prediction]:
    """Warnings sent after `since`, whatever became of them, newest first."""
    query = (select(Prediction).where(col(Prediction.warned_at).is_not(None), col(Prediction.warned_at) >= since)
             .order_by(col(Prediction.warned_at).desc()).limit(limit))
    with Session(engine) as session:
        return list(session.exec(query))


def latest_deliveries(engine: Engine, limit: int) -> list[tuple[StoredAlert, list[Delivery]]]:
    """The latest alerts, newest first, each with its deliveries (one per target)."""
    with Session(engine) as session:
        alerts = list(session.exec(select(StoredAlert).order_by(col(StoredAlert.id).desc()).limit(limit)))
        ids = [a.id for a in alerts if a.id is not None]
        by_alert: dict[int, list[Delivery]] = {}
        if ids:
            query = select(Delivery).where(col(Delivery.alert_id).in_(ids)).order_by(col(Delivery.target_id))
            for delivery in session.exec(query):
                by_alert.setdefault(delivery.alert_id, []).append(delivery)
    return [(alert, by_alert.get(alert.id or 0, [])) for alert in alerts]


def oldest_pending_alert(engine: Engine) -> datetime | None:
    """When the oldest alert still waiting for any target was made (None: nothing waits)."""
    query = select(func.min(col(StoredAlert.created_at))).join(
        Delivery, col(Delivery.alert_id) == col(StoredAlert.id)).where(col(Delivery.state) == "pending")
    with Session(engine) as session:
        oldest = session.exec(query).one()
    # An aggregate bypasses the column type, so the naive UTC value comes back as it is stored.
    return oldest.replace(tzinfo=UTC) if oldest is not None and oldest.tzinfo is None else oldest


def stored_counts(engine: Engine) -> dict[str, int]:
    """How many items and events are stored."""
    with Session(engine) as session:
        items = session.exec(select(func.count()).select_from(StoredItem)).one()
        events = session.exec(select(func.count()).select_from(StoredEvent)).one()
    return {"items": int(items), "events": int(events)}


def confirmed_by(engine: Engine, event_ids: Iterable[str]) -> dict[str, list[Prediction]]:
    """The warnings each of these events fulfilled, by event id."""
    ids = sorted(set(event_ids))
    found: dict[str, list[Prediction]] = {}
    if not ids:
        return found
    query = select(Prediction).where(col(Prediction.resolving_event_id).in_(ids), col(Prediction.state) == "confirmed")
    with Session(engine) as session:
        for prediction in session.exec(query):
            found.setdefault(prediction.resolving_event_id or "", []).append(prediction)
    return found


def misses_among(engine: Engine, event_ids: Iterable[str]) -> dict[str, Miss]:
    """Which of these events a rule expected with no warning standing for it, by event id."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    with Session(engine) as session:
        return {m.event_id: m for m in session.exec(select(Miss).where(col(Miss.event_id).in_(ids)))}
