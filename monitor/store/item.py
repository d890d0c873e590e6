"""Items: which keys are known, the copies of an article, and the lock under which items are merged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, text, tuple_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.store.engine import transaction
from monitor.store.tables import ItemCopy, StoredItem


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


def item_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(StoredItem)).one()


def prune_items(engine: Engine, before: datetime, batch: int = 500) -> int:
    """Empty the title and summary of the items published and fetched before `before` (retention), keeping
    their keys, links and prints, so that they are still known and never come back as new. In short
    transactions, walking the published index, so a big first prune never holds the write lock for long."""
    pruned = 0
    after: tuple[datetime, str] | None = None
    while True:
        with transaction(engine) as session:
            query = (select(StoredItem)
                     .where(col(StoredItem.published) < before, col(StoredItem.fetched_at) < before,
                            or_(col(StoredItem.title) != "", col(StoredItem.summary) != ""))
                     .order_by(col(StoredItem.published), col(StoredItem.key)).limit(batch))
            if after is not None:
                query = query.where(tuple_(col(StoredItem.published), col(StoredItem.key)) > after)
            rows = list(session.exec(query))
            for row in rows:
                row.title, row.summary = "", ""
                session.add(row)
        pruned += len(rows)
        if len(rows) < batch:
            return pruned
        after = (rows[-1].published, rows[-1].key)
