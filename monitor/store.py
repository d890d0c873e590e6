"""Storage: the tables and every query, on SQLModel (SQLite by default, PostgreSQL too).

Times are stored as naive UTC and handed out as aware UTC datetimes. Only portable SQL is used;
SQLite gets WAL and a busy timeout because the daemon and the CLI may open the file together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, event, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, create_engine, select


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (portable across backends)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def _time(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class FeedState(SQLModel, table=True):
    """What the fetcher remembers about a configured feed between polls."""

    __tablename__ = "feed_state"
    feed_url: str = Field(primary_key=True)
    current_url: str
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    last_status: int | None = None
    last_error: str | None = None
    last_error_at: datetime | None = _time(nullable=True)
    last_success_at: datetime | None = _time(nullable=True)
    last_polled_at: datetime | None = _time(nullable=True)
    next_poll_at: datetime | None = _time(nullable=True)
    items_total: int = 0


class StoredItem(SQLModel, table=True):
    """An item as fetched and as read; its key makes it processed once, ever."""

    __tablename__ = "item"
    key: str = Field(primary_key=True)
    feed_url: str
    source: str
    title: str
    summary: str
    link: str | None = Field(default=None, index=True)
    published: datetime = _time(nullable=False, index=True)
    fetched_at: datetime = _time(nullable=False)
    relevant: bool = False
    event_type: str | None = None
    actors: list[str] = _json(list)
    places: list[str] = _json(list)
    killed: dict[str, int] = _json(dict)
    injured: dict[str, int] = _json(dict)
    reading: dict[str, Any] = _json(dict)
    event_id: str | None = Field(default=None, index=True)
    fingerprint: str | None = Field(default=None, index=True)  # the folded text, hashed
    title_print: str | None = Field(default=None, index=True)  # the folded title, hashed


class ItemCopy(SQLModel, table=True):
    """The same article seen again under another key (syndicated to another feed, or re-issued)."""

    __tablename__ = "item_copy"
    key: str = Field(primary_key=True)
    item_key: str = Field(index=True)
    feed_url: str
    seen_at: datetime = _time(nullable=False)


class StoredEvent(SQLModel, table=True):
    """One real-world incident with the best current facts from all its reports."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_type_last_seen", "event_type", "last_seen"),
                      Index("ix_event_first_seen", "first_seen"))
    id: str = Field(primary_key=True)
    event_type: str
    title: str
    actors: list[str] = _json(list)
    places: list[str] = _json(list)
    killed: dict[str, int] = _json(dict)
    injured: dict[str, int] = _json(dict)
    sources: list[dict[str, Any]] = _json(list)
    claims: list[str] = _json(list)
    day: date | None = None
    first_seen: datetime = _time(nullable=False)
    last_seen: datetime = _time(nullable=False)
    report_count: int = 1


class EventEntity(SQLModel, table=True):
    """The places and actors of an event, so candidates for a new report are found by index."""

    __tablename__ = "event_entity"
    __table_args__ = (Index("ix_event_entity_lookup", "event_type", "name", "first_seen"),)
    event_id: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    event_type: str
    first_seen: datetime = _time(nullable=False)


class EventHistory(SQLModel, table=True):
    """What each report changed in an event."""

    __tablename__ = "event_history"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True)
    item_key: str
    at: datetime = _time(nullable=False)
    changes: list[str] = _json(list)


class Prediction(SQLModel, table=True):
    """A rule's judgement on one trigger event; sent as a warning once it reaches the threshold."""

    __tablename__ = "prediction"
    __table_args__ = (UniqueConstraint("rule", "trigger_event_id"), Index("ix_prediction_open", "state", "window_end"))
    id: int | None = Field(default=None, primary_key=True)
    rule: str
    kind: str  # strike_likely | attack_likely
    expected_type: str
    expected_by: list[str] = _json(list)
    trigger_event_id: str = Field(index=True)
    created_at: datetime = _time(nullable=False)
    window_start: datetime = _time(nullable=False)
    window_end: datetime = _time(nullable=False)
    likelihood: float
    warned_likelihood: float | None = None
    warned_at: datetime | None = _time(nullable=True)
    threat_seen: bool = False
    state: str = "open"  # open | confirmed | expired
    resolved_at: datetime | None = _time(nullable=True)
    resolving_event_id: str | None = None
    lead_hours: float | None = None
    details: dict[str, Any] = _json(dict)


class Miss(SQLModel, table=True):
    """An event of a kind some rule expects that arrived with no warning standing for it."""

    __tablename__ = "miss"
    event_id: str = Field(primary_key=True)
    kind: str
    at: datetime = _time(nullable=False)
    title: str


class StoredAlert(SQLModel, table=True):
    """An alert in the outbox; `dedupe_key` keeps the same alert from being made twice."""

    __tablename__ = "alert"
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)
    kind: str
    event_id: str | None = Field(default=None, index=True)
    created_at: datetime = _time(nullable=False)
    title: str
    text: str
    payload: dict[str, Any] = _json(dict)


class Delivery(SQLModel, table=True):
    """One alert to one target, with its attempts."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("alert_id", "target_id"),
        Index("ix_delivery_state_next", "state", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id")
    target_id: str
    state: str = "pending"  # pending | sent | dead
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = _time(nullable=True)
    sent_at: datetime | None = _time(nullable=True)
    held: str | None = None  # why it waits without an attempt: quiet | digest | rate


class TargetMessage(SQLModel, table=True):
    """A message sent to a target (one alert, a digest or a summary), for its rate limit."""

    __tablename__ = "target_message"
    __table_args__ = (Index("ix_target_message_sent", "target_id", "sent_at"),)
    id: int | None = Field(default=None, primary_key=True)
    target_id: str
    sent_at: datetime = _time(nullable=False)
    alerts: int = 1


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_engine(url: str) -> Engine:
    """Create the engine and the schema; SQLite files get their folder created and WAL turned on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    SQLModel.metadata.create_all(engine)
    return engine


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together, or not at all."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# --- feeds -------------------------------------------------------------------------------------


def feed_states(engine: Engine) -> dict[str, FeedState]:
    with Session(engine) as session:
        return {state.feed_url: state for state in session.exec(select(FeedState))}


def feed_state(engine: Engine, feed_url: str) -> FeedState | None:
    with Session(engine) as session:
        return session.get(FeedState, feed_url)


def save_feed_state(engine: Engine, state: FeedState) -> None:
    with transaction(engine) as session:
        session.merge(state)


# --- items -------------------------------------------------------------------------------------


def known_keys(engine: Engine, keys: Sequence[str]) -> set[str]:
    """Which of these item keys are stored already, as items or as copies (queried in chunks)."""
    found: set[str] = set()
    with Session(engine) as session:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            found.update(session.exec(select(StoredItem.key).where(StoredItem.key.in_(chunk))))
            found.update(session.exec(select(ItemCopy.key).where(ItemCopy.key.in_(chunk))))
    return found


def original_of(session: Session, link: str | None, fingerprint: str, title_print: str,
                since: datetime) -> list[StoredItem]:
    """Stored items that may be the same article: same link, same text, or same title lately."""
    conditions = [StoredItem.fingerprint == fingerprint,
                  (StoredItem.title_print == title_print) & (StoredItem.published >= since)]
    if link:
        conditions.append(StoredItem.link == link)
    return list(session.exec(select(StoredItem).where(or_(*conditions)).limit(20)))


def add_copy(session: Session, key: str, item_key: str, feed_url: str, at: datetime) -> None:
    session.add(ItemCopy(key=key, item_key=item_key, feed_url=feed_url, seen_at=at))


def feeds_of(engine: Engine, item_key: str) -> list[str]:
    """Every feed an item was seen in: its own, then those of its copies."""
    with Session(engine) as session:
        item = session.get(StoredItem, item_key)
        copies = session.exec(select(ItemCopy.feed_url).where(ItemCopy.item_key == item_key))
        return ([item.feed_url] if item else []) + list(copies)


def item_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(StoredItem)).one()


# --- events ------------------------------------------------------------------------------------


def candidate_events(session: Session, event_type: str, names: Iterable[str], start: datetime,
                     end: datetime) -> list[StoredEvent]:
    """Events of one type, begun between two times, that share a place or actor with the report.

    One indexed look-up on (event_type, name, first_seen): the cost does not grow with the number
    of stored events, only with the number of events that match.
    """
    names = sorted(set(names))
    if not names:
        return []
    ids = select(EventEntity.event_id).where(
        EventEntity.event_type == event_type, EventEntity.name.in_(names),
        EventEntity.first_seen >= start, EventEntity.first_seen <= end,
    ).distinct()
    return list(session.exec(select(StoredEvent).where(StoredEvent.id.in_(ids))))


def save_event(session: Session, event: StoredEvent, item_key: str, at: datetime, changes: Iterable[str]) -> None:
    """Store an event's new state, its entities and what this report changed."""
    session.merge(event)
    known = set(session.exec(select(EventEntity.name).where(EventEntity.event_id == event.id)))
    for name in {*event.places, *event.actors} - known:
        session.add(EventEntity(event_id=event.id, name=name, event_type=event.event_type,
                                first_seen=event.first_seen))
    session.add(EventHistory(event_id=event.id, item_key=item_key, at=at, changes=list(changes)))


def event_history(engine: Engine, event_id: str) -> list[EventHistory]:
    with Session(engine) as session:
        query = select(EventHistory).where(EventHistory.event_id == event_id).order_by(EventHistory.id)
        return list(session.exec(query))


def events_between(session: Session, start: datetime, end: datetime) -> list[StoredEvent]:
    """Events that began in a time range (uses the first_seen index)."""
    query = select(StoredEvent).where(StoredEvent.first_seen >= start, StoredEvent.first_seen <= end)
    return list(session.exec(query))


def events(engine: Engine) -> list[StoredEvent]:
    with Session(engine) as session:
        return list(session.exec(select(StoredEvent).order_by(StoredEvent.first_seen)))


# --- alerts and deliveries ---------------------------------------------------------------------


def add_alert(session: Session, alert: StoredAlert, target_ids: Iterable[str]) -> StoredAlert | None:
    """Put an alert and one pending delivery per target in the outbox, in the caller's transaction.

    Returns None when an alert with the same dedupe key exists (it was made before).
    """
    existing = session.exec(select(StoredAlert).where(StoredAlert.dedupe_key == alert.dedupe_key)).first()
    if existing is not None:
        return None
    session.add(alert)
    session.flush()
    for target_id in target_ids:
        session.add(Delivery(alert_id=alert.id, target_id=target_id, next_attempt_at=alert.created_at))
    return alert


def due_deliveries(engine: Engine, now: datetime) -> list[tuple[Delivery, StoredAlert]]:
    """Pending deliveries whose next attempt is due, oldest alert first."""
    with Session(engine) as session:
        query = (
            select(Delivery, StoredAlert)
            .join(StoredAlert, StoredAlert.id == Delivery.alert_id)
            .where(
                Delivery.state == "pending",
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            )
            .order_by(StoredAlert.id, Delivery.id)
        )
        return [(delivery, alert) for delivery, alert in session.exec(query)]


def record_attempt(engine: Engine, delivery_id: int, *, sent: bool, error: str | None,
                   now: datetime, retry_at: datetime | None) -> None:
    """Store the outcome of one attempt; `retry_at` None with a failure parks it as dead."""
    with transaction(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.state != "pending":
            return
        delivery.attempts += 1
        delivery.held = None
        if sent:
            delivery.state, delivery.sent_at, delivery.last_error = "sent", now, None
        else:
            delivery.last_error = error
            delivery.state = "pending" if retry_at else "dead"
            delivery.next_attempt_at = retry_at
        session.add(delivery)


def hold(engine: Engine, delivery_ids: Iterable[int], until: datetime, reason: str) -> None:
    """Postpone deliveries without counting an attempt (quiet hours, digest, rate limit)."""
    ids = list(delivery_ids)
    if not ids:
        return
    with transaction(engine) as session:
        for delivery in session.exec(select(Delivery).where(Delivery.id.in_(ids))):
            delivery.next_attempt_at, delivery.held = until, reason
            session.add(delivery)


def messages_since(engine: Engine, target_id: str, since: datetime) -> list[datetime]:
    query = select(TargetMessage.sent_at).where(TargetMessage.target_id == target_id, TargetMessage.sent_at >= since)
    with Session(engine) as session:
        return sorted(session.exec(query))


def log_message(engine: Engine, target_id: str, at: datetime, alerts_in_it: int) -> None:
    with transaction(engine) as session:
        session.add(TargetMessage(target_id=target_id, sent_at=at, alerts=alerts_in_it))


def alerts(engine: Engine) -> list[StoredAlert]:
    with Session(engine) as session:
        return list(session.exec(select(StoredAlert).order_by(StoredAlert.id)))


def delivery_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """Deliveries by (target, state), for `monitor status`."""
    query = select(Delivery.target_id, Delivery.state, func.count()).group_by(Delivery.target_id, Delivery.state)
    with Session(engine) as session:
        return {(target, state): count for target, state, count in session.exec(query)}


def is_duplicate_key_error(error: Exception) -> bool:
    return isinstance(error, IntegrityError)


# --- predictions -------------------------------------------------------------------------------


def open_predictions(session: Session, at: datetime) -> list[Prediction]:
    """Predictions still standing at a time (uses the state/window_end index)."""
    query = select(Prediction).where(Prediction.state == "open", Prediction.window_end >= at)
    return [p for p in session.exec(query) if p.window_start <= at]


def prediction_for(session: Session, rule: str, trigger_event_id: str) -> Prediction | None:
    query = select(Prediction).where(Prediction.rule == rule, Prediction.trigger_event_id == trigger_event_id)
    return session.exec(query).first()


def expire_predictions(session: Session, now: datetime) -> int:
    """Mark predictions whose window has passed as expired."""
    query = select(Prediction).where(Prediction.state == "open", Prediction.window_end < now)
    expired = list(session.exec(query))
    for p in expired:
        p.state, p.resolved_at = "expired", p.window_end
        session.add(p)
    return len(expired)


def resolved_outcomes(session: Session, rule: str, before: datetime) -> list[tuple[bool, date]]:
    """(confirmed?, trigger day) of this rule's predictions resolved before a time."""
    query = select(Prediction).where(Prediction.rule == rule, Prediction.state != "open",
                                     Prediction.resolved_at < before)
    return [(p.state == "confirmed", p.window_start.date()) for p in session.exec(query)]


def predictions(engine: Engine) -> list[Prediction]:
    with Session(engine) as session:
        return list(session.exec(select(Prediction).order_by(Prediction.id)))


def misses(engine: Engine) -> list[Miss]:
    with Session(engine) as session:
        return list(session.exec(select(Miss).order_by(Miss.at)))


def threat_events_between(session: Session, start: datetime, end: datetime) -> list[StoredEvent]:
    query = select(StoredEvent).where(StoredEvent.event_type == "threat", StoredEvent.last_seen >= start,
                                      StoredEvent.first_seen <= end)
    return list(session.exec(query))
