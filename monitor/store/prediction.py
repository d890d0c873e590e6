"""Predictions (warnings standing, confirmed or expired) and misses."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most four columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.model import EventFacts, Forecast, silence
from monitor.store.event import found_ids, held_events
from monitor.store.prepared import Prepared, PreparedWrite, in_list, list_params, padded
from monitor.store.tables import Miss, Prediction, StoredEvent

# Built once with their parameters left open: they run for every relevant item (see `store.event`), on the driver
# (`Prepared`). Each finds the ids of its forecasts (with one column the index lacks, so that it walks the table as a
# look-up of whole rows would: the same rows in the same order); `_forecasts` reads the rows it has not read yet in
# this session.
_FOUND = select_columns(col(Prediction.id), col(Prediction.likelihood))
_OPEN_SINCE = Prepared(_FOUND.where(col(Prediction.state) == "open", col(Prediction.window_end) >= bindparam("since")))
# Forecasts no longer open whose window covers a moment: a forecast confirmed already still stands for a second
# expected event, and a watch (state "silent") never closes (uses the state/window_end index).
_COVERING = Prepared(_FOUND.where(col(Prediction.state).in_([bindparam("confirmed", "confirmed"),
                                                               bindparam("silent", "silent")]),
                                  col(Prediction.window_end) >= bindparam("at"),
                                  col(Prediction.window_start) <= bindparam("at")))
_COLUMNS = tuple(column.name for column in Prediction.__table__.columns)  # type: ignore[attr-defined]
_READ = "monitor.forecasts"  # the session.info key: the forecasts read in this session, by id, as stored


@functools.cache
def _of_triggers(size: int) -> Prepared:
    """The forecasts of `size` trigger events (see `prepared.padded`)."""
    return Prepared(_FOUND.where(col(Prediction.trigger_event_id).in_(in_list("ids", size))))


@functools.cache
def _rows(size: int) -> Prepared:
    """The whole rows of `size` forecasts."""
    return Prepared(select_columns(*Prediction.__table__.columns).where(  # type: ignore[attr-defined]
        col(Prediction.id).in_(in_list("ids", size))))


def _forecasts(session: Session, statement: Prepared, params: dict[str, Any]) -> list[Forecast]:
    """The forecasts a prepared look-up finds, in its order, each a copy of its own (assessing decides on copies).

    A batch's relevant items look up the same forecasts again and again, and decoding their rows was most of the cost
    of these look-ups: a forecast is read once per session and kept until the session writes it (only
    `forget_forecasts`' callers do: `save_forecasts` and `expire_predictions`)."""
    read: dict[int, Forecast] = session.info.setdefault(_READ, {})
    ids = statement.column(session, params)
    missing = [i for i in dict.fromkeys(ids) if i not in read]
    for start in range(0, len(missing), 500):
        wanted = padded(missing[start : start + 500])
        for values in _rows(len(wanted)).rows(session, list_params("ids", wanted)):
            row = dict(zip(_COLUMNS, values, strict=True))
            read[row["id"]] = Forecast(
                rule=row["rule"], kind=row["kind"], expected_type=row["expected_type"],
                expected_by=tuple(row["expected_by"]), trigger_event_id=row["trigger_event_id"],
                created_at=row["created_at"], window_start=row["window_start"], window_end=row["window_end"],
                likelihood=row["likelihood"], id=row["id"], warned_likelihood=row["warned_likelihood"],
                warned_at=row["warned_at"], threat_seen=row["threat_seen"], state=row["state"],
                resolved_at=row["resolved_at"], resolving_event_id=row["resolving_event_id"],
                lead_hours=row["lead_hours"], details=row["details"] or {})
    return [_copy(read[i]) for i in ids]


# A forecast's fields in the order `Forecast` takes them: a copy is made by the constructor from these
# (`dataclasses.replace` looks the fields up again for every copy, and a relevant item copies dozens).
_FIELDS = attrgetter(*(f.name for f in fields(Forecast)))


def _copy(f: Forecast) -> Forecast:
    """A forecast of its own, as a look-up of its row gives it (its details a dict of their own)."""
    copy = Forecast(*_FIELDS(f))
    copy.details = dict(f.details)
    return copy


def forget_forecasts(session: Session, ids: Iterable[int | None]) -> None:
    """The session wrote these forecasts: `_forecasts` reads them again."""
    read: dict[int, Forecast] = session.info.get(_READ, {})
    for i in ids:
        if i is not None:
            read.pop(i, None)


_THREAT_IDS = Prepared(select(col(StoredEvent.id)).where(col(StoredEvent.event_type) == "threat",
                                                         col(StoredEvent.last_seen) >= bindparam("start"),
                                                         col(StoredEvent.first_seen) <= bindparam("end")))


def open_predictions(session: Session, *moments: datetime) -> list[list[Forecast]]:
    """The forecasts standing at each of these times, in one look-up (uses the state/window_end index); each
    moment has forecasts of its own (assessing decides on copies)."""
    rows = _forecasts(session, _OPEN_SINCE, {"since": min(moments)})
    return [[f if n == 0 else _copy(f) for f in rows if f.window_start <= at <= f.window_end]
            for n, at in enumerate(moments)]


def covering_predictions(session: Session, at: datetime) -> list[Forecast]:
    """The confirmed and silent forecasts whose window covers this moment: what a new event may be a miss of."""
    return _forecasts(session, _COVERING, {"at": at})


def trigger_forecasts(session: Session, event_ids: Sequence[str]) -> list[Forecast]:
    """The forecasts of which these events are the triggers."""
    if not event_ids:
        return []
    ids = padded(list(event_ids))
    return _forecasts(session, _of_triggers(len(ids)), list_params("ids", ids))


# The open predictions whose window has passed, and their expiry: on the driver (most batches find none), as
# forecasts are saved (`store.context.save_forecasts`), never through the ORM.
_EXPIRED = Prepared(select_columns(col(Prediction.id), col(Prediction.window_end)).where(
    col(Prediction.state) == "open", col(Prediction.window_end) < bindparam("now")))
_EXPIRE = PreparedWrite(update(Prediction).where(col(Prediction.id) == bindparam("id")).values(
    state=bindparam("state"), resolved_at=bindparam("resolved_at")))
_NEXT_EXPIRY = Prepared(select(func.min(col(Prediction.window_end))).where(col(Prediction.state) == "open"))


def expire_predictions(session: Session, now: datetime) -> int:
    """Mark predictions whose window has passed as expired."""
    expired = _EXPIRED.rows(session, {"now": now})
    if expired:
        _EXPIRE.run(session, [{"id": i, "state": "expired", "resolved_at": end} for i, end in expired])
        forget_forecasts(session, (i for i, _ in expired))
    return len(expired)


def next_expiry(session: Session) -> datetime | None:
    """The earliest end of an open prediction's window: until then `expire_predictions` has nothing to do."""
    earliest: datetime | None = _NEXT_EXPIRY.column(session, {})[0]  # min() keeps the column's type: aware UTC
    return earliest


def predictions(engine: Engine, *, silent: bool = False) -> list[Prediction]:
    """The forecasts judged on triggers; with `silent`, the watches too (events of a trigger's kind that were no
    trigger, kept only to count the expected events after them as misses)."""
    query = select(Prediction).order_by(col(Prediction.id))
    if not silent:
        query = query.where(col(Prediction.state) != "silent")
    with Session(engine) as session:
        return list(session.exec(query))


def misses(engine: Engine) -> list[Miss]:
    with Session(engine) as session:
        return list(session.exec(select(Miss).order_by(col(Miss.at))))


def explained_misses(engine: Engine) -> list[tuple[Miss, list[tuple[datetime, str, str]]]]:
    """Each miss with the forecasts of its kind that sent no warning and whose window covered it (the triggers
    whose likelihood stayed below the threshold, the watches), oldest first: when each trigger began, its title
    and why it stayed silent."""
    found = misses(engine)
    if not found:
        return []
    query = (select(Prediction, col(StoredEvent.title))
             .join(StoredEvent, col(StoredEvent.id) == col(Prediction.trigger_event_id), isouter=True)
             .where(col(Prediction.warned_at).is_(None), col(Prediction.window_end) >= min(m.at for m in found))
             .order_by(col(Prediction.window_start)))
    with Session(engine) as session:
        rows = list(session.exec(query))
    out = []
    for m in found:
        # One line per earlier event: when two rules of the kind concern it (a deadly attack is the deadly rule's
        # trigger and the wounding rule's watch), the one it triggered says why it stayed silent.
        by_trigger: dict[str, tuple[Prediction, str | None]] = {}
        for p, title in rows:
            if p.kind != m.kind or not p.window_start <= m.at <= p.window_end or p.trigger_event_id == m.event_id:
                continue
            if p.trigger_event_id not in by_trigger or by_trigger[p.trigger_event_id][0].state == "silent":
                by_trigger[p.trigger_event_id] = (p, title)
        out.append((m, [(p.window_start, title or p.trigger_event_id, silence(p.details or {}, p.likelihood))
                        for p, title in by_trigger.values()]))
    return out


def threat_events_between(session: Session, start: datetime, end: datetime) -> list[EventFacts]:
    # Ids, then the rows a session reads once.
    return held_events(session, found_ids(session, _THREAT_IDS, {"start": start, "end": end}))
