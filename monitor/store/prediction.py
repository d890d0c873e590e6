"""Predictions (warnings standing, confirmed or expired) and misses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.store.tables import Miss, Prediction, StoredEvent


def open_predictions(session: Session, at: datetime) -> list[Prediction]:
    """Predictions still standing at a time (uses the state/window_end index)."""
    query = select(Prediction).where(col(Prediction.state) == "open", col(Prediction.window_end) >= at)
    return [p for p in session.exec(query) if p.window_start <= at]


def prediction_for(session: Session, rule: str, trigger_event_id: str) -> Prediction | None:
    query = select(Prediction).where(col(Prediction.rule) == rule, col(Prediction.trigger_event_id) == trigger_event_id)
    return session.exec(query).first()


def expire_predictions(session: Session, now: datetime) -> int:
    """Mark predictions whose window has passed as expired."""
    query = select(Prediction).where(col(Prediction.state) == "open", col(Prediction.window_end) < now)
    expired = list(session.exec(query))
    for p in expired:
        p.state, p.resolved_at = "expired", p.window_end
        session.add(p)
    return len(expired)


def resolved_outcomes(session: Session, rule: str, before: datetime) -> list[tuple[bool, date]]:
    """(confirmed?, trigger day) of this rule's predictions resolved before a time."""
    query = select(Prediction).where(col(Prediction.rule) == rule, col(Prediction.state) != "open",
                                     col(Prediction.resolved_at) < before)
    return [(p.state == "confirmed", p.window_start.date()) for p in session.exec(query)]


def predictions(engine: Engine) -> list[Prediction]:
    with Session(engine) as session:
        return list(session.exec(select(Prediction).order_by(col(Prediction.id))))


def misses(engine: Engine) -> list[Miss]:
    with Session(engine) as session:
        return list(session.exec(select(Miss).order_by(col(Miss.at))))


def threat_events_between(session: Session, start: datetime, end: datetime) -> list[StoredEvent]:
    query = select(StoredEvent).where(col(StoredEvent.event_type) == "threat", col(StoredEvent.last_seen) >= start,
                                      col(StoredEvent.first_seen) <= end)
    return list(session.exec(query))
