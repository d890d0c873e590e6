"""What processing one item reads and writes, as model values: the context loaded in one place before the
decision, and the decision written back (the item, its event, the forecasts, a miss), in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from monitor.model import (
    EventFacts,
    Forecast,
    Item,
    ItemContext,
    MissedEvent,
    Reading,
    Resolved,
    SeenItem,
    Standing,
    allied_hurt,
    late_casualty_count,
)
from monitor.store.event import candidate_events, events_between, facts, found_ids, held_events
from monitor.store.item import original_of
from monitor.store.prediction import (
    covering_predictions,
    forget_forecasts,
    open_predictions,
    threat_events_between,
    trigger_forecasts,
)
from monitor.store.prepared import Prepared, PreparedWrite
from monitor.store.tables import ItemCopy, Miss, Prediction, StoredEvent, StoredItem

# The look-ups of `_standing`, built once with their parameters left open (see `store.event`).
# Four columns, not whole rows: every forecast ever resolved is read for each report, and decoding their JSON
# columns was most of the cost of this look-up.
# On the driver (`Prepared`), as the id look-ups of `store.event` and `store.prediction`.
_RESOLVED = Prepared(select(col(Prediction.rule), col(Prediction.state), col(Prediction.window_start),
                            col(Prediction.resolved_at)).where(
    col(Prediction.state).in_([bindparam("confirmed", "confirmed"), bindparam("expired", "expired")]),
    col(Prediction.resolved_at) < bindparam("now")))
# last_seen >= since follows from first_seen >= since; said, it lets ix_event_type_last_seen bound the search to
# recent attacks (without it SQLite walks every attack ever stored by the event_type index). Ids only: the rows are
# `held_events`, decoded once per batch, not for each item (their sources grow with every report).
_RECENT_ATTACK_IDS = Prepared(select(col(StoredEvent.id)).where(
    col(StoredEvent.event_type) == "attack", col(StoredEvent.last_seen) >= bindparam("since"),
    col(StoredEvent.first_seen) >= bindparam("since"), col(StoredEvent.first_seen) <= bindparam("now")))

# A forecast's columns but its id (`save_forecasts`).
_FORECAST_COLUMNS = ("rule", "kind", "expected_type", "expected_by", "trigger_event_id", "created_at", "window_start",
                     "window_end", "likelihood", "warned_likelihood", "warned_at", "threat_seen", "state",
                     "resolved_at", "resolving_event_id", "lead_hours", "details")
_FORECAST_STORED = Prepared(select(col(Prediction.id)).where(col(Prediction.id) == bindparam("id")))
_UPDATE_FORECAST = PreparedWrite(update(Prediction).where(col(Prediction.id) == bindparam("id")).values(
    {name: bindparam(name) for name in _FORECAST_COLUMNS}))


def item_seen(session: Session, key: str) -> bool:
    """Whether an item of this key is stored, as an item or as a copy."""
    return session.get(StoredItem, key) is not None or session.get(ItemCopy, key) is not None


def _standing(session: Session, candidates: Sequence[EventFacts], published: datetime, now: datetime,
              threat_lookback: timedelta, tempo_window: timedelta = timedelta(0)) -> Standing:
    """The forecasts and threats an event of this item may be judged against: a superset, which the decision
    narrows once it knows the event (the earliest it can have begun is the earliest candidate)."""
    at_event, open_now = open_predictions(session, published, now)
    triggers = {f.trigger_event_id for f in open_now}
    trigger_rows = held_events(session, sorted(triggers))
    of_event = trigger_forecasts(session, [c.id for c in candidates])
    earliest = min([published, *(c.first_seen for c in candidates)])
    resolved = _RESOLVED.rows(session, {"now": now})
    recent_attacks: list[EventFacts] = []
    if tempo_window:
        # The tempo factor counts attacks before the trigger: this event, or a trigger a threat re-judges.
        since = min([earliest, *(row.first_seen for row in trigger_rows)]) - tempo_window
        # Only what the tempo weighs (when, where, the toll, whether a report said US forces were hit).
        attacks = held_events(session, found_ids(session, _RECENT_ATTACK_IDS, {"since": since, "now": now}))
        recent_attacks = [EventFacts(id=row.id, event_type="attack", title="", actors=(), places=tuple(row.places),
                                     first_seen=row.first_seen, last_seen=row.last_seen, killed=dict(row.killed),
                                     injured=dict(row.injured), us_targeted=row.us_targeted)
                          for row in attacks]
    return Standing(
        # With the confirmed and silent ones covering it: a new event of the kind they expect may be a miss.
        open_at_event=(*at_event, *covering_predictions(session, published)),
        open_now=tuple(open_now),
        triggers={row.id: facts(row) for row in trigger_rows},
        of_event=tuple(of_event),
        threats=tuple(facts(e) for e in threat_events_between(session, earliest - threat_lookback, now)),
        resolved=tuple(Resolved(rule, state == "confirmed", start.date(), at)
                       for rule, state, start, at in resolved if at is not None),
        recent_attacks=tuple(recent_attacks),
    )


def item_context(session: Session, item: Item, prints: tuple[str, str], reading: Reading, names: Iterable[str],
                 now: datetime, *, copy_window: timedelta, merge_window: timedelta, reference_window: timedelta,
                 threat_lookback: timedelta, follow_up_window: timedelta = timedelta(0),
                 tempo_window: timedelta = timedelta(0), copies: Sequence[SeenItem] | None = None) -> ItemContext:
    """Everything deciding on one item needs from the store; what a reading cannot use is not loaded.
    `tempo_window`: how far before the event attacks are loaded for the tempo factor (0: none). `copies`, when
    given, are the copy candidates found already (a batch looks them up for all its items at once)."""
    fingerprint, title_print = prints
    if copies is None:
        copies = [SeenItem(i.key, i.link, i.fingerprint, i.title, i.summary, i.event_id, i.published)
                  for i in original_of(session, item.link, fingerprint, title_print,
                                       item.published - copy_window, item.published + copy_window)]
    candidates: list[EventFacts] = []
    standing = Standing()
    told = reading.event_type if reading.relevant else reading.denied  # a denial looks for what it denies
    if told:
        # Attacks and strikes are looked up together: a report may misread one for the other (merging decides).
        types = ["attack", "strike"] if told in {"attack", "strike"} else [told]
        begin = item.published - merge_window
        said = reading.happened_on
        if said is not None and item.published - follow_up_window <= _day_start(said, item.published) <= item.published:
            # A follow-up that says the day it tells of looks for that day's events, even days later.
            begin = min(begin, _day_start(said, item.published) - merge_window)
        elif (said is None and (late_casualty_count(reading) or allied_hurt(reading.killed, reading.injured))) or (
                reading.after_the_fact):
            # The injured of an earlier attack, days on (merging asks for the same count when nothing else says so).
            begin = min(begin, item.published - follow_up_window)
        candidates = [facts(e) for e in candidate_events(session, types, names, begin,
                                                         item.published + merge_window)]
        standing = _standing(session, candidates, item.published, now, threat_lookback, tempo_window)
    earlier: list[EventFacts] = []
    if reading.relevant and reading.background_places:
        earlier = [facts(e) for e in events_between(session, item.published - reference_window, item.published)]
    return ItemContext(tuple(copies), tuple(candidates), tuple(earlier), standing)


def _day_start(day: date, like: datetime) -> datetime:
    return datetime.combine(day, time.min, tzinfo=like.tzinfo)


def save_forecasts(session: Session, forecasts: Iterable[Forecast]) -> None:
    """Store new and changed forecasts; a new one gets its id (needed to name its warning). On the driver, as events
    are (`store.event.save_event`): the ORM's object and flush for each forecast cost more than its statement."""
    for f in forecasts:
        values = {name: getattr(f, name) for name in _FORECAST_COLUMNS}
        values["expected_by"], values["details"] = list(f.expected_by), dict(f.details)
        if f.id is not None and _FORECAST_STORED.rows(session, {"id": f.id}):
            _UPDATE_FORECAST.run(session, [{**values, "id": f.id}])  # every column: the same row as the ORM's UPDATE
        else:
            session.flush()
            written = session.connection().execute(insert(Prediction), values)
            assert written.inserted_primary_key is not None  # a single row was inserted
            f.id = written.inserted_primary_key[0]
        forget_forecasts(session, (f.id,))


def save_miss(session: Session, miss: MissedEvent) -> None:
    session.merge(Miss(event_id=miss.event_id, kind=miss.kind, at=miss.at, title=miss.title))


def add_item(session: Session, item: Item, reading: Reading, event_id: str | None, now: datetime,
             extra: dict[str, Any], prints: tuple[str, str]) -> None:
    """Store an item with its reading (and what processing found beside it: mentions, referenced events)."""
    session.add(StoredItem(**item_row(item, reading, event_id, now, extra, prints)))


def item_row(item: Item, reading: Reading, event_id: str | None, now: datetime, extra: dict[str, Any],
             prints: tuple[str, str]) -> dict[str, Any]:
    """The `item` row `add_item` stores, as plain values: a batch inserts its items' rows together
    (`store.add_items`)."""
    fingerprint, title_print = prints
    return dict(
        key=item.key, feed_url=item.feed_url, source=item.source, title=item.title, summary=item.summary,
        link=item.link, published=item.published, fetched_at=now, relevant=reading.relevant,
        event_type=reading.event_type, actors=list(reading.actors), places=list(reading.places),
        killed=reading.killed, injured=reading.injured, reading={**reading.as_dict(), **extra}, event_id=event_id,
        fingerprint=fingerprint, title_print=title_print,
    )
