"""The feeds' state between polls, and the leases that give each due feed to one instance.

In SQLAlchemy Core, with a plain dataclass for a feed's state: every round reads and writes these rows, and a round
answered by 304s does nothing else with the store, so it never imports SQLModel, pydantic or the ORM (~0.35 CPU-s
of a start). The table is added to the models' metadata by `tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from monitor.store.columns import UTCDateTime
from monitor.store.engine import writing

FEED_STATE = Table(
    "feed_state", MetaData(),
    Column("feed_url", String, primary_key=True),
    Column("current_url", String, nullable=False),
    Column("name", String),
    Column("etag", String),
    Column("last_modified", String),
    Column("failures", Integer, nullable=False),
    Column("last_status", Integer),
    Column("last_error", String),
    Column("last_error_at", UTCDateTime()),
    Column("last_success_at", UTCDateTime()),
    Column("last_polled_at", UTCDateTime()),
    Column("next_poll_at", UTCDateTime()),
    Column("items_total", Integer, nullable=False),
    # A poll in progress: the instance that took the feed and until when, so that several instances
    # sharing one database fetch each due feed once. An expired lease (a crashed instance) is free again.
    Column("leased_by", String),
    Column("lease_until", UTCDateTime()),
)


@dataclass(slots=True)
class FeedState:
    """What the fetcher remembers about a configured feed between polls (a row of `feed_state`, same order)."""

    feed_url: str
    current_url: str
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    last_status: int | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_success_at: datetime | None = None
    last_polled_at: datetime | None = None
    next_poll_at: datetime | None = None
    items_total: int = 0
    leased_by: str | None = None
    lease_until: datetime | None = None


_FIELDS = tuple(f.name for f in fields(FeedState))
assert tuple(FEED_STATE.c.keys()) == _FIELDS, "FeedState's fields are feed_state's columns, in order"
_STATE_FIELDS = _FIELDS[1:]  # all but the key
_feed_url = FEED_STATE.c.feed_url
# Made once: the same UPDATE for every feed, its values bound per row (an executemany).
_SAVE_STATE = (update(FEED_STATE).where(_feed_url == bindparam("row_feed_url"))
               .values({name: bindparam(name) for name in _STATE_FIELDS}))


def _states(rows: Sequence[Sequence[object]]) -> list[FeedState]:
    return [FeedState(*row) for row in rows]  # type: ignore[arg-type]  # the columns' types are the fields'


def feed_states(engine: Engine) -> dict[str, FeedState]:
    with engine.connect() as connection:
        return {state.feed_url: state for state in _states(connection.execute(select(FEED_STATE)).all())}


def feed_state(engine: Engine, feed_url: str) -> FeedState | None:
    with engine.connect() as connection:
        found = _states(connection.execute(select(FEED_STATE).where(_feed_url == feed_url)).all())
    return found[0] if found else None


def save_feed_state(engine: Engine, state: FeedState) -> None:
    save_feed_states(engine, [state])


def save_feed_states(engine: Engine, states: Sequence[FeedState]) -> None:
    """Store the feeds' states after a poll, in one transaction: one UPDATE for all of them (no read first),
    and an insert for a feed that has no row yet."""
    if not states:
        return
    rows = [{"row_feed_url": state.feed_url, **{name: getattr(state, name) for name in _STATE_FIELDS}}
            for state in states]
    with writing(engine) as connection:
        updated = connection.execute(_SAVE_STATE, rows).rowcount
        if updated != len(states):  # rare: a feed polled without `ensure_feeds` first
            urls = [state.feed_url for state in states]
            known = set(connection.execute(select(_feed_url).where(_feed_url.in_(urls))).scalars())
            missing = {s.feed_url: s for s in states if s.feed_url not in known}  # the last state of a URL wins
            connection.execute(FEED_STATE.insert(), [dict(zip(_FIELDS, astuple(s), strict=True))
                                                     for s in missing.values()])


def ensure_feeds(engine: Engine, feeds: Sequence[tuple[str, str | None]]) -> None:
    """Give every configured feed (url, name) a state row, so it can be claimed; insert-or-ignore, since
    instances starting together insert the same rows."""
    with writing(engine) as connection:
        known = set(connection.execute(select(_feed_url)).scalars())
        rows = [{"feed_url": url, "current_url": url, "name": name, "failures": 0, "items_total": 0}
                for url, name in feeds if url not in known]
        if rows and engine.dialect.name == "postgresql":  # imported only then: that dialect costs 30 ms a start
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            connection.execute(postgresql_insert(FEED_STATE).values(rows).on_conflict_do_nothing())
        elif rows:
            connection.execute(sqlite_insert(FEED_STATE).values(rows).on_conflict_do_nothing())


def release_feed(engine: Engine, feed_url: str, owner: str) -> None:
    """Give a feed back without a poll result (its processing failed)."""
    with writing(engine) as connection:
        connection.execute(update(FEED_STATE).where(_feed_url == feed_url, FEED_STATE.c.leased_by == owner)
                           .values(leased_by=None, lease_until=None))


def release_feeds(engine: Engine, owner: str | None = None) -> int:
    """Free the feed leases of `owner`, or every one: only for the one process holding a SQLite file's lock, whose
    earlier incarnations can no longer be polling."""
    leased = FEED_STATE.c.leased_by
    with writing(engine) as connection:
        result = connection.execute(update(FEED_STATE).where(leased.is_not(None) if owner is None else leased == owner)
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
    column = FEED_STATE.c
    with writing(engine) as connection:
        query = select(FEED_STATE).where(_feed_url.in_(list(feed_urls)),
                                         or_(column.lease_until.is_(None), column.lease_until < now))
        if stalled_after is not None:  # only rows that may be due, so a tick reads few rows however many feeds
            query = query.where(or_(column.next_poll_at.is_(None), column.next_poll_at <= now,
                                    column.next_poll_at > stalled_after))
        taken = [state for state in _states(connection.execute(query.with_for_update(skip_locked=True)).all())
                 if due(state)]
        if taken:
            until = now + lease
            connection.execute(update(FEED_STATE).where(_feed_url == bindparam("row_feed_url"))
                               .values(leased_by=bindparam("owner"), lease_until=bindparam("until")),
                               [{"row_feed_url": s.feed_url, "owner": owner, "until": until} for s in taken])
            for state in taken:
                state.leased_by, state.lease_until = owner, until
    return taken
