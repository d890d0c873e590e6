"""Read-only listings for people: the stored events of a period, oldest first, as model values."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.model import EventFacts
from monitor.store.event import facts
from monitor.store.tables import StoredEvent


def events_since(engine: Engine, since: datetime | None = None) -> list[EventFacts]:
    """Events first seen at or after `since` (every event when None), in the order they began; one look-up on
    the first_seen index."""
    query = select(StoredEvent).order_by(col(StoredEvent.first_seen), col(StoredEvent.id))
    if since is not None:
        query = query.where(col(StoredEvent.first_seen) >= since)
    with Session(engine) as session:
        return [facts(row) for row in session.exec(query)]
