"""Events: finding candidates for a report, and storing an event with its entities and history."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most four columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.model import EventFacts
from monitor.store.prepared import Prepared, PreparedWrite, in_list, list_params, padded
from monitor.store.tables import EventEntity, EventHistory, StoredEvent

_HELD = "monitor.held_events"  # the session.info key of `held_events`' events, as stored
_NAMED = "monitor.event_names"  # the session.info key of the entity names `save_event` knows an event to have

# The look-ups a relevant item makes, built once with their parameters left open: building a statement anew for
# each item cost more than running it. They run on the driver (`Prepared`), and events are written there too
# (`save_event`): an event never goes through the ORM's identity map and unit of work in a batch.
_COLUMNS = ("id", "event_type", "title", "actors", "places", "killed", "injured", "sources", "first_seen", "last_seen",
            "report_count", "claims", "day", "us_targeted")


@functools.cache
def _events_of(size: int) -> Prepared:
    """The events of `size` ids (see `prepared.padded`)."""
    return Prepared(select_columns(*(StoredEvent.__table__.c[name] for name in _COLUMNS)).where(  # type: ignore[attr-defined]
        col(StoredEvent.id).in_(in_list("ids", size))))


@functools.cache
def _named_ids(types: int, names: int) -> Prepared:
    """The ids of the events of some types, begun in a window, that have one of some names (`types` and `names`
    values, see `prepared.padded`)."""
    return Prepared(select(col(StoredEvent.id)).where(col(StoredEvent.id).in_(
        select(col(EventEntity.event_id)).where(
            col(EventEntity.event_type).in_(in_list("types", types)),
            col(EventEntity.name).in_(in_list("names", names)),
            col(EventEntity.first_seen) >= bindparam("start"), col(EventEntity.first_seen) <= bindparam("end"),
        ).distinct())))


# By begin time alone, the type told apart after: given the type too, SQLite walks the (event_type, last_seen)
# index, every event of the type ever stored (1 s a report at a million events), instead of the window's.
_NEARBY = Prepared(select(col(StoredEvent.id), col(StoredEvent.event_type)).where(
    col(StoredEvent.first_seen) >= bindparam("start"), col(StoredEvent.first_seen) <= bindparam("end")))
_BEGUN_IDS = Prepared(select(col(StoredEvent.id)).where(col(StoredEvent.first_seen) >= bindparam("start"),
                                                        col(StoredEvent.first_seen) <= bindparam("end")))
_ENTITY_NAMES = Prepared(select(col(EventEntity.name)).where(col(EventEntity.event_id) == bindparam("event_id")))
_INSERT_EVENT = PreparedWrite.insert(StoredEvent, _COLUMNS)
_UPDATE_EVENT = PreparedWrite(update(StoredEvent).where(col(StoredEvent.id) == bindparam("id")).values(
    {name: bindparam(name) for name in _COLUMNS if name != "id"}))
_INSERT_ENTITIES = PreparedWrite.insert(EventEntity, ("event_id", "name", "event_type", "first_seen"))


def found_ids(session: Session, statement: Prepared, params: dict[str, Any]) -> list[str]:
    """The ids a prepared look-up finds, in the session's transaction after one flush (what the ORM's autoflush
    does before a query), without the ORM's cost per statement, which was more than SQLite's."""
    return statement.column(session, params)


def held_events(session: Session, ids: Iterable[str]) -> list[EventFacts]:
    """The events of these ids as stored (in that order; an unknown id is left out), each read from the database
    once per session: a batch's items look up the same recent events again and again, and decoding their rows (the
    sources grow with every report) was most of the cost of a relevant item. Events are written only by
    `save_event`, which keeps what it wrote here, so a held event is never behind the database. Each is shared:
    callers read it, or copy it with `facts`."""
    held: dict[str, EventFacts] = session.info.setdefault(_HELD, {})
    wanted = list(dict.fromkeys(ids))
    missing = [event_id for event_id in wanted if event_id not in held]
    for start in range(0, len(missing), 500):
        chunk = padded(missing[start : start + 500])
        for values in _events_of(len(chunk)).rows(session, list_params("ids", chunk)):
            event = facts(StoredRow(*values))
            held[event.id] = event
    return [held[event_id] for event_id in wanted if event_id in held]


def candidate_events(session: Session, event_types: Sequence[str], names: Iterable[str], start: datetime,
                     end: datetime) -> list[EventFacts]:
    """Events of these types, begun between two times, that share a place or actor with the report; and those
    that name no place (they match on other evidence), or, for a report that names nothing, every one.

    The first is one indexed look-up on (event_type, name, first_seen), the second one on first_seen within
    the window (the type told apart after it): the cost grows with the events of the window, not with all the
    stored ones. Both read ids (the second with each one's type), in the order the whole rows would come; the rows
    are `held_events`.
    """
    names = sorted(set(names))
    named: list[str] = []
    window = {"start": start, "end": end}
    if names:
        types, listed = padded(list(event_types)), padded(names)
        named = found_ids(session, _named_ids(len(types), len(listed)),
                          {**window, **list_params("types", types), **list_params("names", listed)})
    kinds = set(event_types)
    nearby = [event_id for event_id, kind in _NEARBY.rows(session, window) if kind in kinds]
    rows = {event.id: event for event in held_events(session, named + nearby)}
    found = {event_id: rows[event_id] for event_id in named if event_id in rows}
    for event_id in nearby:
        event = rows.get(event_id)
        if event is not None and (not names or not event.places):
            found.setdefault(event_id, event)
    return list(found.values())


def save_event(session: Session, facts: EventFacts, item_key: str, at: datetime, changes: Iterable[str],
               why: str | None = None, history: list[dict[str, Any]] | None = None) -> None:
    """Store an event's new state, its entities and what this report changed; given `history` (a batch's
    `ItemRows.history`), the change is put there to be inserted with the batch's items instead of through the
    ORM (a unit-of-work insert per relevant report cost more than the batch's one statement)."""
    held: dict[str, EventFacts] = session.info.setdefault(_HELD, {})
    values = _row_values(facts)
    if facts.id in held or held_events(session, [facts.id]):
        _UPDATE_EVENT.run(session, [values])  # every column: the same row as the ORM's UPDATE of the changed ones
    else:
        _INSERT_EVENT.run(session, [values])
    event = held[facts.id] = _held(facts)  # what later look-ups of the session find, as stored
    # An event's entity names, read once per session and kept up to date here (entities are written only here).
    named: dict[str, set[str]] = session.info.setdefault(_NAMED, {})
    known = named.get(event.id)
    if known is None:
        known = named[event.id] = set(_ENTITY_NAMES.column(session, {"event_id": event.id}))
    fresh = {*event.places, *event.actors} - known
    if fresh:
        _INSERT_ENTITIES.run(session, [
            {"event_id": event.id, "name": name, "event_type": event.event_type, "first_seen": event.first_seen}
            for name in fresh])
        known.update(fresh)
    if history is None:
        session.add(EventHistory(event_id=event.id, item_key=item_key, at=at, changes=list(changes), why=why))
    else:
        history.append({"event_id": event.id, "item_key": item_key, "at": at, "changes": list(changes), "why": why})


def event_history(engine: Engine, event_id: str) -> list[EventHistory]:
    with Session(engine) as session:
        query = select(EventHistory).where(col(EventHistory.event_id) == event_id).order_by(col(EventHistory.id))
        return list(session.exec(query))


def events_between(session: Session, start: datetime, end: datetime) -> list[EventFacts]:
    """Events that began in a time range (uses the first_seen index)."""
    return held_events(session, found_ids(session, _BEGUN_IDS, {"start": start, "end": end}))


def events(engine: Engine) -> list[StoredEvent]:
    with Session(engine) as session:
        return list(session.exec(select(StoredEvent).order_by(col(StoredEvent.first_seen))))


@dataclass(frozen=True, slots=True)
class StoredRow:
    """An event's row as the driver reads it (`_COLUMNS`), before `facts` makes it the model's."""

    id: str
    event_type: str
    title: str
    actors: list[str]
    places: list[str]
    killed: dict[str, int]
    injured: dict[str, int]
    sources: list[dict[str, Any]]
    first_seen: datetime
    last_seen: datetime
    report_count: int
    claims: list[str]
    day: date | None
    us_targeted: bool


def facts(row: StoredEvent | StoredRow | EventFacts) -> EventFacts:
    """An event's facts of its own (its tolls dicts of their own), from its row or from other facts."""
    return EventFacts(
        id=row.id, event_type=row.event_type, title=row.title, actors=tuple(row.actors),
        places=tuple(row.places), first_seen=row.first_seen, last_seen=row.last_seen,
        killed=dict(row.killed), injured=dict(row.injured), sources=tuple(row.sources),
        report_count=row.report_count, claims=tuple(row.claims), day=row.day, us_targeted=row.us_targeted,
    )


def _row_values(event: EventFacts) -> dict[str, Any]:
    return dict(
        id=event.id, event_type=event.event_type, title=event.title, actors=list(event.actors),
        places=list(event.places), killed=event.killed, injured=event.injured, sources=list(event.sources),
        first_seen=event.first_seen, last_seen=event.last_seen, report_count=event.report_count,
        claims=list(event.claims), day=event.day, us_targeted=event.us_targeted,
    )


def event_row(event: EventFacts) -> StoredEvent:
    return StoredEvent(**_row_values(event))



def _held(event: EventFacts) -> EventFacts:
    """A copy of an event's facts for `held_events` (`save_event`'s argument shadows `facts`)."""
    return facts(event)
