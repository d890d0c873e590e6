"""Predictions (warnings standing, confirmed or expired) and misses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.store.event import found_ids, held_events
from monitor.store.tables import Miss, Prediction, StoredEvent

# Built once with their parameters left open: they run for every relevant item (see `store.event`).
_OPEN_SINCE = select(Prediction).where(col(Prediction.state) == "open",
                                       col(Prediction.window_end) >= bindparam("since"))
_THREAT_IDS = select(col(StoredEvent.id)).where(col(StoredEvent.event_type) == "threat",
                                                col(StoredEvent.last_seen) >= bindparam("start"),
                                                col(StoredEvent.first_seen) <= bindparam("end"))


def open_predictions(session: Session, *moments: datetime) -> list[list[Prediction]]:
    """The predictions standing at each of these times, in one look-up (uses the state/window_end index)."""
    rows = list(session.exec(_OPEN_SINCE, params={"since": min(moments)}))
    return [[p for p in rows if p.window_start <= at <= p.window_end] for at in moments]


def expire_predictions(session: Session, now: datetime) -> int:
    """Mark predictions whose window has passed as expired."""
    query = select(Prediction).where(col(Prediction.state) == "open", col(Prediction.window_end) < now)
    expired = list(session.exec(query))
    for p in expired:
        p.state, p.resolved_at = "expired", p.window_end
        session.add(p)
    return len(expired)


def next_expiry(session: Session) -> datetime | None:
    """The earliest end of an open prediction's window: until then `expire_predictions` has nothing to do."""
    query = select(func.min(col(Prediction.window_end))).where(col(Prediction.state) == "open")
    return session.exec(query).one()  # min() keeps the column's type: an aware UTC datetime


def predictions(engine: Engine) -> list[Prediction]:
    with Session(engine) as session:
        return list(session.exec(select(Prediction).order_by(col(Prediction.id))))


def misses(engine: Engine) -> list[Miss]:
    with Session(engine) as session:
        return list(session.exec(select(Miss).order_by(col(Miss.at))))


def threat_events_between(session: Session, start: datetime, end: datetime) -> list[StoredEvent]:
    # Ids, then the rows a session reads once.
    return held_events(session, found_ids(session, _THREAT_IDS, {"start": start, "end": end}))
