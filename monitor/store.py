"""Storage: the tables and every query, on SQLModel (SQLite by default, PostgreSQL too).

Times are stored as naive UTC and handed out as aware UTC datetimes. Only portable SQL is used;
SQLite gets WAL and a busy timeout because the daemon and the CLI may open the file together.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from time import monotonic, sleep
from typing import Any, NamedTuple

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, event, func, inspect, or_, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine import Engine as Engine  # re-exported: stages name the engine type through the store
from sqlalchemy.exc import ArgumentError as ArgumentError  # re-exported: the CLI turns these into messages
from sqlalchemy.exc import DatabaseError as DatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel, col, create_engine, select
from sqlmodel import Session as Session  # re-exported: the pipeline's transactions are typed with it

from monitor.errors import SchemaError as SchemaError  # raised here; re-exported for callers


class UTCDateTime(TypeDecorator[datetime]):
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
    # A poll in progress: the instance that took the feed and until when, so that several instances
    # sharing one database fetch each due feed once. An expired lease (a crashed instance) is free again.
    leased_by: str | None = None
    lease_until: datetime | None = _time(nullable=True)


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
    target_id: str  # the target's configured name (or its service), so a rotated token keeps its alerts
    state: str = "pending"  # pending | sent | expired
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = _time(nullable=True)
    sent_at: datetime | None = _time(nullable=True)
    held: str | None = None  # why it waits without an attempt: quiet | digest | rate | retry
    # The sender that took it and until when: only the holder of an unexpired claim may send it.
    claimed_by: str | None = None
    lease_until: datetime | None = _time(nullable=True)
    first_failed_at: datetime | None = _time(nullable=True)
    expired_at: datetime | None = _time(nullable=True)


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
    # Transactions are begun by `_sqlite_begin` below, not implicitly by the driver, so that a writer can
    # take the write lock up front.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads and then writes must take SQLite's write lock when it begins: upgrading a
    # read snapshot after another connection committed fails at once ("database is locked") instead of
    # waiting, and the daemon writes from its delivery threads and its poll loop at the same time.
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


_BEGIN_OPTION = "sqlite_begin"


def open_engine(url: str, *, migrate_schema: bool = True) -> Engine:
    """Create the engine and bring the schema up to date (see `migrate`; `migrate_schema=False` leaves that to
    the caller); SQLite files get their folder created and WAL turned on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    if migrate_schema:
        migrate(engine)
    return engine


# --- schema migrations -------------------------------------------------------------------------

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE_REVISION = "0001_baseline"
# The tables of the last release before migrations: a database holding them and no alembic_version table was
# made by that release, and is at the baseline revision.
_BASELINE_TABLES = frozenset({"feed_state", "item", "item_copy", "event", "event_entity", "event_history",
                              "prediction", "miss", "alert", "delivery", "target_message"})
_VERSION_TABLE = "alembic_version"  # alembic's default; the migrations never name another
# Any fixed number works as long as every instance uses the same one; this is "monitor" in ASCII.
_MIGRATION_LOCK_KEY = 0x6D6F6E69746F72
# An instance that finds another one migrating a SQLite file waits this long for it (a big table rebuilt
# can take minutes) instead of the usual busy timeout.
_SQLITE_MIGRATION_WAIT_MS = 600_000
_SQLITE_FIRST_CONNECT_WAIT_S = 30.0


class SchemaRevisions(NamedTuple):
    """The schema revision a migration found and the one it left; None for a database without monitor's tables."""

    before: str | None
    after: str | None


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    # The option is read through ConfigParser, which would take a "%" in the path for interpolation.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str:
    """The revision this release's migrations end at."""
    head = _scripts().get_current_head()
    if head is None:
        raise SchemaError(f"no migrations found in {MIGRATIONS_DIR}; the installation is incomplete")
    return head


def _current_revision(connection: Connection) -> str | None:
    # Read directly rather than through alembic's MigrationContext, which logs two lines each time it is
    # made, and this runs at every start.
    if not inspect(connection).has_table(_VERSION_TABLE):
        return None
    return connection.exec_driver_sql(f"SELECT version_num FROM {_VERSION_TABLE}").scalar()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at; None when it has no version (empty, or made before migrations)."""
    with engine.connect() as connection:
        return _current_revision(connection)


def _first_sqlite_connection(engine: Engine) -> None:
    # Turning a new file to WAL (in `_sqlite_pragmas`) while another instance does the same fails at once with
    # "database is locked": SQLite does not wait on that lock. Once one of them has done it the file stays in
    # WAL and connecting no longer needs the lock, so the others retry until then.
    deadline = monotonic() + _SQLITE_FIRST_CONNECT_WAIT_S
    while True:
        try:
            with engine.connect():
                return
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig) or monotonic() > deadline:
                raise
            sleep(0.02)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other instance can be migrating in at the same time; committed
    when the block ends without an error."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # Session-level, so it outlives the transaction around it and covers the whole migration; a lost
            # connection releases it.
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})")
            connection.commit()
            try:
                with connection.begin():
                    yield connection
            finally:
                try:
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})")
                    connection.commit()
                except Exception:
                    # Never hand a connection that may still hold the lock back to the pool: closing it
                    # ends the session, which releases the lock.
                    connection.invalidate()
    elif engine.dialect.name == "sqlite":
        # BEGIN IMMEDIATE takes the write lock before the schema is read, so the second of two instances
        # starting together waits, then finds the schema done; the DDL is in the transaction too, so an
        # interrupted migration leaves the file as it was.
        with engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            (usual_wait,) = driver.execute("PRAGMA busy_timeout").fetchone()
            driver.execute(f"PRAGMA busy_timeout={_SQLITE_MIGRATION_WAIT_MS}")
            try:
                with connection.begin():
                    yield connection
            finally:
                driver.execute(f"PRAGMA busy_timeout={int(usual_wait)}")
    else:
        with engine.begin() as connection:
            yield connection


def migrate(engine: Engine, revision: str = "head") -> SchemaRevisions:
    """Bring the database's schema up to `revision` (default: this release's last), one instance at a time.

    A database without monitor's tables gets them from the migrations; one made by the release before migrations
    (its tables, no alembic_version table) is taken as being at the baseline revision and upgraded from there.
    Instances starting together on one database serialise on a lock (a PostgreSQL advisory lock, SQLite's write
    lock): one migrates, the others then find nothing to do. Raises SchemaError for a database this release
    cannot upgrade (written by a later release, or holding only some of monitor's tables).
    """
    head = head_revision()
    target = head if revision == "head" else revision
    known = {script.revision for script in _scripts().walk_revisions()}
    if target not in known:
        raise SchemaError(f"unknown schema revision {target!r}")
    if engine.dialect.name == "sqlite":
        _first_sqlite_connection(engine)
    current = schema_revision(engine)
    if current == target:
        return SchemaRevisions(current, current)  # the usual start: up to date, no lock needed
    with _migration_lock(engine) as connection:
        before = _current_revision(connection)
        if before is not None and before not in known:
            raise SchemaError(f"the database schema is at revision {before!r}, which this release does not know "
                              f"(its last is {head!r}); it was probably upgraded by a later release")
        config = _alembic_config(connection)
        if before is None:
            tables = set(inspect(connection).get_table_names())
            if tables & _BASELINE_TABLES:
                missing = sorted(_BASELINE_TABLES - tables)
                if missing:
                    raise SchemaError(f"the database has some of monitor's tables but not {', '.join(missing)}, "
                                      "and no schema version; it was not made by monitor, or not completely")
                command.stamp(config, BASELINE_REVISION)
                before = BASELINE_REVISION
        command.upgrade(config, target)
        return SchemaRevisions(before, _current_revision(connection))


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together, or not at all (on SQLite, holding the write lock)."""
    with Session(engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}), expire_on_commit=False) as session:
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


def ensure_feeds(engine: Engine, feeds: Sequence[tuple[str, str | None]]) -> None:
    """Give every configured feed (url, name) a state row, so it can be claimed; insert-or-ignore, since
    instances starting together insert the same rows."""
    with transaction(engine) as session:
        known = set(session.exec(select(col(FeedState.feed_url))))
        rows = [{"feed_url": url, "current_url": url, "name": name, "failures": 0, "items_total": 0}
                for url, name in feeds if url not in known]
        if rows:
            insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
            session.exec(insert(FeedState).values(rows).on_conflict_do_nothing())


def release_feed(engine: Engine, feed_url: str, owner: str) -> None:
    """Give a feed back without a poll result (its processing failed)."""
    with transaction(engine) as session:
        session.exec(update(FeedState).where(col(FeedState.feed_url) == feed_url, col(FeedState.leased_by) == owner)
                     .values(leased_by=None, lease_until=None))


def release_feeds(engine: Engine) -> int:
    """Free every feed lease: only for the one process holding a SQLite file's lock, whose earlier
    incarnations can no longer be polling."""
    with transaction(engine) as session:
        result = session.exec(update(FeedState).where(col(FeedState.leased_by).is_not(None))
                              .values(leased_by=None, lease_until=None))
        return int(result.rowcount or 0)


def claim_feeds(engine: Engine, owner: str, feed_urls: Sequence[str], now: datetime, lease: timedelta,
                due: Callable[[FeedState], bool], stalled_after: datetime | None = None) -> list[FeedState]:
    """Take the feeds that are due and not being polled by anyone else, for one poll each.

    The rows are locked with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite runs this under its write lock),
    so two instances never take the same feed; a lease that ran out (a crashed instance) is free again.
    """
    if not feed_urls:
        return []
    with transaction(engine) as session:
        query = select(FeedState).where(col(FeedState.feed_url).in_(list(feed_urls)),
                                        or_(col(FeedState.lease_until).is_(None), col(FeedState.lease_until) < now))
        if stalled_after is not None:  # only rows that may be due, so a tick reads few rows however many feeds
            query = query.where(or_(col(FeedState.next_poll_at).is_(None), col(FeedState.next_poll_at) <= now,
                                    col(FeedState.next_poll_at) > stalled_after))
        query = query.with_for_update(skip_locked=True)
        taken = [state for state in session.exec(query) if due(state)]
        for state in taken:
            state.leased_by, state.lease_until = owner, now + lease
            session.add(state)
    return taken


# --- items -------------------------------------------------------------------------------------


def known_keys(engine: Engine, keys: Sequence[str]) -> set[str]:
    """Which of these item keys are stored already, as items or as copies (queried in chunks)."""
    found: set[str] = set()
    with Session(engine) as session:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            found.update(session.exec(select(col(StoredItem.key)).where(col(StoredItem.key).in_(chunk))))
            found.update(session.exec(select(col(ItemCopy.key)).where(col(ItemCopy.key).in_(chunk))))
    return found


ITEM_LOCK = 0x6D6F6E69  # an arbitrary constant: the advisory lock under which items are merged


def lock_item_work(session: Session) -> None:
    """Hold, until this transaction ends, the lock under which an item is checked for copies and merged into
    events: two instances on one PostgreSQL database could otherwise both find no event for one incident
    and make two. SQLite needs nothing: a writing transaction already holds the file's write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=ITEM_LOCK))  # type: ignore[call-overload]


def original_of(session: Session, link: str | None, fingerprint: str, title_print: str,
                since: datetime, until: datetime) -> list[StoredItem]:
    """Stored items that may be the same article: same link, same text, or same title close in time (on
    either side: feeds arrive in any order, so a later report of a like incident may be stored first)."""
    conditions = [col(StoredItem.fingerprint) == fingerprint,
                  (col(StoredItem.title_print) == title_print) & (col(StoredItem.published) >= since)
                  & (col(StoredItem.published) <= until)]
    if link:
        conditions.append(col(StoredItem.link) == link)
    return list(session.exec(select(StoredItem).where(or_(*conditions)).limit(20)))


def add_copy(session: Session, key: str, item_key: str, feed_url: str, at: datetime) -> None:
    session.add(ItemCopy(key=key, item_key=item_key, feed_url=feed_url, seen_at=at))


def feeds_of(engine: Engine, item_key: str) -> list[str]:
    """Every feed an item was seen in: its own, then those of its copies."""
    with Session(engine) as session:
        item = session.get(StoredItem, item_key)
        copies = session.exec(select(col(ItemCopy.feed_url)).where(col(ItemCopy.item_key) == item_key))
        return ([item.feed_url] if item else []) + list(copies)


def database_file(url: str) -> Path | None:
    """The file a SQLite URL names, resolved (symlinks followed, query string dropped); None for a server
    database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(os.path.realpath(parsed.database))


def alert_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(StoredAlert)).one()


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
    ids = select(col(EventEntity.event_id)).where(
        col(EventEntity.event_type) == event_type, col(EventEntity.name).in_(names),
        col(EventEntity.first_seen) >= start, col(EventEntity.first_seen) <= end,
    ).distinct()
    return list(session.exec(select(StoredEvent).where(col(StoredEvent.id).in_(ids))))


def save_event(session: Session, event: StoredEvent, item_key: str, at: datetime, changes: Iterable[str]) -> None:
    """Store an event's new state, its entities and what this report changed."""
    session.merge(event)
    known = set(session.exec(select(col(EventEntity.name)).where(col(EventEntity.event_id) == event.id)))
    for name in {*event.places, *event.actors} - known:
        session.add(EventEntity(event_id=event.id, name=name, event_type=event.event_type,
                                first_seen=event.first_seen))
    session.add(EventHistory(event_id=event.id, item_key=item_key, at=at, changes=list(changes)))


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


# --- alerts and deliveries ---------------------------------------------------------------------


def add_alert(session: Session, alert: StoredAlert, target_ids: Iterable[str]) -> StoredAlert | None:
    """Put an alert and one pending delivery per target in the outbox, in the caller's transaction.

    Returns None when an alert with the same dedupe key exists (it was made before).
    """
    existing = session.exec(select(StoredAlert).where(col(StoredAlert.dedupe_key) == alert.dedupe_key)).first()
    if existing is not None:
        return None
    session.add(alert)
    session.flush()
    assert alert.id is not None  # given by the flush
    for target_id in target_ids:
        session.add(Delivery(alert_id=alert.id, target_id=target_id, next_attempt_at=alert.created_at))
    return alert


def _due(now: datetime) -> Any:
    """Deliveries that may be claimed now: pending, due, and not held by an unexpired claim."""
    due = col(Delivery.next_attempt_at)
    return (col(Delivery.state) == "pending") & or_(due.is_(None), due <= now) & \
        or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now)


def claim_deliveries(engine: Engine, owner: str, target_ids: Sequence[str], now: datetime, lease: timedelta,
                     limit: int = 500) -> list[tuple[Delivery, StoredAlert]]:
    """Take due deliveries for these targets, oldest alert first, so that no other sender sends them
    until the claim is released or its lease expires.

    One UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING: on PostgreSQL two
    instances claiming at once take different rows; on SQLite the statement runs under the write lock.
    """
    if not target_ids:
        return []
    chosen = (select(col(Delivery.id)).where(_due(now), col(Delivery.target_id).in_(list(target_ids)))
              .order_by(col(Delivery.alert_id), col(Delivery.id)).limit(limit).with_for_update(skip_locked=True))
    with transaction(engine) as session:
        claimed = session.exec(
            update(Delivery).where(col(Delivery.id).in_(chosen.scalar_subquery()), _due(now))
            .values(claimed_by=owner, lease_until=now + lease).returning(col(Delivery.id))).scalars().all()
        if not claimed:
            return []
        query = (select(Delivery, StoredAlert).join(StoredAlert, col(StoredAlert.id) == col(Delivery.alert_id))
                 .where(col(Delivery.id).in_(claimed)).order_by(col(StoredAlert.id), col(Delivery.id)))
        return [(delivery, alert) for delivery, alert in session.exec(query)]


def renew_claims(engine: Engine, owner: str, delivery_ids: Sequence[int], now: datetime, lease: timedelta) -> set[int]:
    """Extend this sender's claims just before sending; returns the ids it still holds (a claim whose
    lease ran out may have been taken by another sender, which then sends it instead)."""
    ids = list(delivery_ids)
    if not ids:
        return set()
    with transaction(engine) as session:
        held = session.exec(
            update(Delivery).where(col(Delivery.id).in_(ids), col(Delivery.claimed_by) == owner,
                                   col(Delivery.state) == "pending",
                                   col(Delivery.lease_until) >= now)
            .values(lease_until=now + lease).returning(col(Delivery.id))).scalars().all()
    return set(held)


def release_claims(engine: Engine, owner: str | None = None, delivery_ids: Sequence[int] | None = None) -> int:
    """Give claims back without an attempt: this sender's (or, with no owner, everyone's: only for the one
    process that holds a SQLite file's lock, whose earlier incarnations can no longer be sending)."""
    query = update(Delivery).where(col(Delivery.claimed_by).is_not(None))
    if owner is not None:
        query = query.where(col(Delivery.claimed_by) == owner)
    if delivery_ids is not None:
        query = query.where(col(Delivery.id).in_(list(delivery_ids)))
    with transaction(engine) as session:
        result = session.exec(query.values(claimed_by=None, lease_until=None))
        return int(result.rowcount or 0)


def record_attempt(engine: Engine, owner: str, delivery_ids: Sequence[int], *, sent: bool, error: str | None,
                   now: datetime, retry_at: datetime | None) -> list[Delivery]:
    """Store the outcome of one attempt to send these deliveries (one message) and release their claims;
    a failure waits until `retry_at`. Returns the deliveries as now stored."""
    out = []
    with transaction(engine) as session:
        for delivery in session.exec(select(Delivery).where(col(Delivery.id).in_(list(delivery_ids)))):
            if delivery.state != "pending" or delivery.claimed_by != owner:
                continue  # not ours any more: whoever holds it now records it
            delivery.attempts += 1
            delivery.held, delivery.claimed_by, delivery.lease_until = None, None, None
            if sent:
                delivery.state, delivery.sent_at, delivery.last_error = "sent", now, None
            else:
                delivery.last_error = error
                delivery.first_failed_at = delivery.first_failed_at or now
                delivery.next_attempt_at = retry_at
            session.add(delivery)
            out.append(delivery)
    return out


def hold(engine: Engine, delivery_ids: Iterable[int], until: datetime, reason: str) -> None:
    """Postpone deliveries without counting an attempt (quiet hours, digest, rate limit, a failing target),
    releasing their claims."""
    ids = list(delivery_ids)
    if not ids:
        return
    with transaction(engine) as session:
        query = select(Delivery).where(col(Delivery.id).in_(ids), col(Delivery.state) == "pending")
        for delivery in session.exec(query):
            delivery.next_attempt_at, delivery.held = until, reason
            delivery.claimed_by, delivery.lease_until = None, None
            session.add(delivery)


def expire_deliveries(engine: Engine, now: datetime, max_age: timedelta) -> list[tuple[Delivery, StoredAlert]]:
    """Mark as expired the deliveries that have kept failing for `max_age`, and return them to be reported."""
    with transaction(engine) as session:
        query = (select(Delivery, StoredAlert).join(StoredAlert, col(StoredAlert.id) == col(Delivery.alert_id))
                 .where(col(Delivery.state) == "pending", col(Delivery.first_failed_at) < now - max_age,
                        or_(col(Delivery.lease_until).is_(None), col(Delivery.lease_until) < now)))
        expired = [(d, a) for d, a in session.exec(query)]
        for delivery, _ in expired:
            delivery.state, delivery.expired_at = "expired", now
            delivery.claimed_by, delivery.lease_until = None, None
            session.add(delivery)
    return expired


def rename_target(engine: Engine, old_id: str, new_id: str) -> int:
    """Move a target's deliveries and message log to a new identity (ids were once hashes of the URL)."""
    with transaction(engine) as session:
        moved = session.exec(update(Delivery).where(col(Delivery.target_id) == old_id)
                             .values(target_id=new_id)).rowcount
        session.exec(update(TargetMessage).where(col(TargetMessage.target_id) == old_id)
                     .values(target_id=new_id))
        return int(moved or 0)


@dataclass(frozen=True, slots=True)
class TargetHealth:
    """One target's deliveries for `monitor status` and the health check."""

    target_id: str
    counts: dict[str, int]
    failing_since: datetime | None  # the oldest pending delivery that has failed at least once
    last_error: str | None
    last_expired_at: datetime | None
    oldest_pending: datetime | None


def target_health(engine: Engine) -> list[TargetHealth]:
    counts: dict[str, dict[str, int]] = {}
    for (target, state), count in delivery_counts(engine).items():
        counts.setdefault(target, {})[state] = count
    with Session(engine) as session:
        out = []
        for target in sorted(counts):
            failing = session.exec(select(Delivery).where(
                col(Delivery.target_id) == target, col(Delivery.state) == "pending",
                col(Delivery.first_failed_at).is_not(None))
                .order_by(col(Delivery.first_failed_at)).limit(1)).first()
            expired = session.exec(select(func.max(col(Delivery.expired_at))).where(
                col(Delivery.target_id) == target, col(Delivery.state) == "expired")).one()
            oldest = session.exec(select(func.min(col(StoredAlert.created_at))).join(
                Delivery, col(Delivery.alert_id) == col(StoredAlert.id)).where(
                col(Delivery.target_id) == target, col(Delivery.state) == "pending")).one()
            out.append(TargetHealth(target, counts[target], failing.first_failed_at if failing else None,
                                    failing.last_error if failing else None,
                                    expired.replace(tzinfo=UTC) if expired and expired.tzinfo is None else expired,
                                    oldest.replace(tzinfo=UTC) if oldest and oldest.tzinfo is None else oldest))
        return out


def messages_since(engine: Engine, target_id: str, since: datetime) -> list[datetime]:
    query = select(col(TargetMessage.sent_at)).where(col(TargetMessage.target_id) == target_id,
                                                      col(TargetMessage.sent_at) >= since)
    with Session(engine) as session:
        return sorted(session.exec(query))


def log_message(engine: Engine, target_id: str, at: datetime, alerts_in_it: int) -> None:
    with transaction(engine) as session:
        session.add(TargetMessage(target_id=target_id, sent_at=at, alerts=alerts_in_it))


def alerts(engine: Engine) -> list[StoredAlert]:
    with Session(engine) as session:
        return list(session.exec(select(StoredAlert).order_by(col(StoredAlert.id))))


def delivery_counts(engine: Engine) -> dict[tuple[str, str], int]:
    """Deliveries by (target, state)."""
    query = select(col(Delivery.target_id), col(Delivery.state), func.count()).group_by(
        col(Delivery.target_id), col(Delivery.state))
    with Session(engine) as session:
        return {(target, state): count for target, state, count in session.exec(query)}


def is_duplicate_key_error(error: Exception) -> bool:
    return isinstance(error, IntegrityError)


# --- predictions -------------------------------------------------------------------------------


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


def check_url(url: str) -> str | None:
    """What is wrong with a database URL, found without connecting, or None. SQLAlchemy reports these only when
    the engine is made or first connects, as a traceback naming its plugin registry; this says it in one line."""
    # Imported here so that the check stays one self-contained piece: nothing else in the store needs them.
    import difflib

    from sqlalchemy import dialects
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from monitor.config import redacted_database_url

    postgres_hint = "for PostgreSQL, pip install '.[postgres]' and use postgresql+psycopg://user:password@host/db"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "not a database URL; use sqlite:///path/to/monitor.db or postgresql+psycopg://user:password@host/db"
    backend, _, driver = parsed.drivername.partition("+")
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        if backend in dialects.__all__:
            return f"SQLAlchemy has no {backend} driver named {driver!r}" + (
                f"; {postgres_hint}" if backend == "postgresql" else "")
        close = difflib.get_close_matches(backend.lower(), dialects.__all__, n=1)
        return f"unknown database kind {backend!r}" + (
            f"; did you mean {close[0]!r}?" if close else "; use sqlite or postgresql")
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        return f"the {backend} driver {exc.name or dialect.driver!r} is not installed" + (
            f"; {postgres_hint}" if backend == "postgresql" else "")
    try:
        dialect().create_connect_args(parsed)  # checks the URL's form (sqlite://x.db lacks a slash) offline
    except (ArgumentError, ValueError) as exc:
        # The first line only, and without a password: SQLAlchemy's message quotes the whole URL.
        problem = str(exc).splitlines()[0].replace(url, redacted_database_url(url))
        return problem + ("; use sqlite:///relative/path.db or sqlite:////absolute/path.db" if backend == "sqlite"
                          else "")
    return None
