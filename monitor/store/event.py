"""Events: finding candidates for a report, and storing an event with its entities and history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.model import EventFacts
from monitor.store.tables import EventEntity, EventHistory, StoredEvent


def candidate_events(session: Session, event_types: Sequence[str], names: Iterable[str], start: datetime,
                     end: datetime) -> list[StoredEvent]:
    """Events of these types, begun between two times, that share a place or actor with the report; and those
    that name no place (they match on other evidence), or, for a report that names nothing, every one.

    The first is one indexed look-up on (event_type, name, first_seen), the second one on first_seen within
    the window: the cost grows with the events of the window, not with all the stored ones.
    """
    names = sorted(set(names))
    found: dict[str, StoredEvent] = {}
    if names:
        ids = select(col(EventEntity.event_id)).where(
            col(EventEntity.event_type).in_(event_types), col(EventEntity.name).in_(names),
            col(EventEntity.first_seen) >= start, col(EventEntity.first_seen) <= end,
        ).distinct()
        found = {e.id: e for e in session.exec(select(StoredEvent).where(col(StoredEvent.id).in_(ids)))}
    nearby = select(StoredEvent).where(col(StoredEvent.event_type).in_(event_types),
                                       col(StoredEvent.first_seen) >= start, col(StoredEvent.first_seen) <= end)
    for event in session.exec(nearby):
        if not names or not event.places:
            found.setdefault(event.id, event)
    return list(found.values())


def save_event(session: Session, facts: EventFacts, item_key: str, at: datetime, changes: Iterable[str],
               why: str | None = None) -> None:
    """Store an event's new state, its entities and what this report changed."""
    event = session.merge(event_row(facts))
    known = set(session.exec(select(col(EventEntity.name)).where(col(EventEntity.event_id) == event.id)))
    for name in {*event.places, *event.actors} - known:
        session.add(EventEntity(event_id=event.id, name=name, event_type=event.event_type,
                                first_seen=event.first_seen))
    session.add(EventHistory(event_id=event.id, item_key=item_key, at=at, changes=list(changes), why=why))


def event_history(engine: Engine, event_id: str) -> list[EventHistory]:
    with Session(engine) as session:
        query = select(EventHistory).where(col(EventHistory.event_id) == event_id).order_by(col(EventHistory.id))
        return list(session.exec(query))


def events_between(session: Session, start: datetime, end: datetime) -> list[StoredEvent]:
    """Events that began in a time range (uses the first_seen index)."""
    query = select(StoredEvent).where(col(StoredEvent.first_seen) >= start, col(StoredEvent.first_seen) <= end)
    return list(session.exec(query))


def events(engine: Engine) -> list[StoredEvent]:
    with Session(engine) as session:
        return list(session.exec(select(StoredEvent).order_by(col(StoredEvent.first_seen))))


def facts(row: StoredEvent) -> EventFacts:
    return EventFacts(
        id=row.id, event_type=row.event_type, title=row.title, actors=tuple(row.actors),
        places=tuple(row.places), first_seen=row.first_seen, last_seen=row.last_seen,
        killed=dict(row.killed), injured=dict(row.injured), sources=tuple(row.sources),
        report_count=row.report_count, claims=tuple(row.claims), day=row.day, us_targeted=row.us_targeted,
    )


def event_row(event: EventFacts) -> StoredEvent:
    return StoredEvent(
        id=event.id, event_type=event.event_type, title=event.title, actors=list(event.actors),
        places=list(event.places), killed=event.killed, injured=event.injured, sources=list(event.sources),
        first_seen=event.first_seen, last_seen=event.last_seen, report_count=event.report_count,
        claims=list(event.claims), day=event.day, us_targeted=event.us_targeted,
    )
