"""The feeds' state between polls, and the leases that give each due feed to one instance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.store.engine import transaction
from monitor.store.tables import FeedState


def feed_states(engine: Engine) -> dict[str, FeedState]:
    with Session(engine) as session:
        return {state.feed_url: state for state in session.exec(select(FeedState))}


def feed_state(engine: Engine, feed_url: str) -> FeedState | None:
    with Session(engine) as session:
        return session.get(FeedState, feed_url)


def save_feed_state(engine: Engine, state: FeedState) -> None:
    save_feed_states(engine, [state])


_STATE_FIELDS = tuple(name for name in FeedState.model_fields if name != "feed_url")
# Made once: the same UPDATE for every feed, its values bound per row (an executemany).
_SAVE_STATE = (update(FeedState).where(col(FeedState.feed_url) == bindparam("row_feed_url"))
               .values({name: bindparam(name) for name in _STATE_FIELDS}))


def save_feed_states(engine: Engine, states: Sequence[FeedState]) -> None:
    """Store the feeds' states after a poll, in one transaction: one UPDATE for all of them (no read first),
    and an insert for a feed that has no row yet."""
    if not states:
        return
    rows = [{"row_feed_url": state.feed_url, **{name: getattr(state, name) for name in _STATE_FIELDS}}
            for state in states]
    with transaction(engine) as session:
        updated = session.connection().execute(_SAVE_STATE, rows).rowcount
        if updated != len(states):  # rare: a feed polled without `ensure_feeds` first
            known = set(session.exec(select(col(FeedState.feed_url)).where(
                col(FeedState.feed_url).in_([state.feed_url for state in states]))))
            for state in states:
                if state.feed_url not in known:
                    session.merge(state)


def ensure_feeds(engine: Engine, feeds: Sequence[tuple[str, str | None]]) -> None:
    """Give every configured feed (url, name) a state row, so it can be claimed; insert-or-ignore, since
    instances starting together insert the same rows."""
    with transaction(engine) as session:
        known = set(session.exec(select(col(FeedState.feed_url))))
        rows = [{"feed_url": url, "current_url": url, "name": name, "failures": 0, "items_total": 0}
                for url, name in feeds if url not in known]
        if rows and engine.dialect.name == "postgresql":  # imported only then: that dialect costs 30 ms a start
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            session.exec(postgresql_insert(FeedState).values(rows).on_conflict_do_nothing())
        elif rows:
            session.exec(sqlite_insert(FeedState).values(rows).on_conflict_do_nothing())


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
