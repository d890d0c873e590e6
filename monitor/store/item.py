"""Items: which keys are known, the copies of an article, and the lock under which items are merged."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, text, tuple_, union_all
from sqlalchemy import select as select_columns  # sqlmodel's select takes at most four columns
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.store.engine import transaction
from monitor.store.prepared import Prepared, PreparedWrite, in_list, list_params, padded
from monitor.store.tables import EventHistory, ItemCopy, StoredItem


def known_keys(engine: Engine, keys: Sequence[str]) -> set[str]:
    """Which of these item keys are stored already, as items or as copies (queried in chunks)."""
    with Session(engine) as session:
        return known_keys_in(session, keys)


@functools.cache
def _known(size: int) -> Prepared:
    """Which of `size` keys are stored, as items or as copies (see `prepared.padded`): built once per size, run on
    the driver (a batch's look-up of 200 keys cost more in SQLAlchemy than in SQLite)."""
    keys = in_list("keys", size)
    return Prepared(union_all(select(col(StoredItem.key)).where(col(StoredItem.key).in_(keys)),
                              select(col(ItemCopy.key)).where(col(ItemCopy.key).in_(keys))))


# Keys looked up by one statement: a statement of a few hundred parameters took SQLAlchemy 25 ms to compile (once per
# size and process, yet a good part of a replay of a few thousand items), and four statements of 64 run in no more
# time than one of 256.
_KEYS_AT_ONCE = 64


def known_keys_in(session: Session, keys: Sequence[str]) -> set[str]:
    """`known_keys` in the caller's transaction: one statement per 64 keys, items and copies together."""
    found: set[str] = set()
    for start in range(0, len(keys), _KEYS_AT_ONCE):
        chunk = padded(keys[start : start + _KEYS_AT_ONCE])
        found.update(_known(len(chunk)).column(session, list_params("keys", chunk)))
    return found


@dataclass(frozen=True, slots=True)
class CopyWanted:
    """What an item's copy candidates are looked up by (see `original_of`)."""

    link: str | None
    fingerprint: str
    title_print: str
    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class CopyRow:
    """A stored item as copy detection sees it, with the prints it was found by."""

    key: str
    link: str | None
    fingerprint: str | None
    title_print: str | None
    title: str
    summary: str
    event_id: str | None
    published: datetime


_COPY_COLUMNS = select_columns(
    col(StoredItem.key), col(StoredItem.link), col(StoredItem.fingerprint), col(StoredItem.title_print),
    col(StoredItem.title), col(StoredItem.summary), col(StoredItem.event_id), col(StoredItem.published))


@functools.cache
def _copies(fingerprints: int, title_prints: int, links: int) -> Prepared:
    """The stored items with one of some fingerprints, or one of some title prints within a time range, or (unless
    `links` is 0: a batch of items with no link has none to look up) one of some links: see `known_keys_in`."""
    same = [col(StoredItem.fingerprint).in_(in_list("fingerprints", fingerprints)),
            col(StoredItem.title_print).in_(in_list("title_prints", title_prints))
            & (col(StoredItem.published) >= bindparam("since")) & (col(StoredItem.published) <= bindparam("until"))]
    if links:
        same.append(col(StoredItem.link).in_(in_list("links", links)))
    return Prepared(_COPY_COLUMNS.where(or_(*same)))


def copy_rows(session: Session, wanted: Sequence[CopyWanted]) -> list[CopyRow]:
    """The stored items that may be the originals of any of these items (the union of what `original_of`
    finds for each), in one statement per 300 items; each item picks its own out with `CopyPool`."""
    rows: list[CopyRow] = []
    for start in range(0, len(wanted), 300):
        chunk = wanted[start : start + 300]
        fingerprints = padded(sorted({w.fingerprint for w in chunk}))
        title_prints = padded(sorted({w.title_print for w in chunk}))
        links = sorted({w.link for w in chunk if w.link})
        links = padded(links) if links else []
        params: dict[str, Any] = {"since": min(w.since for w in chunk), "until": max(w.until for w in chunk),
                                  **list_params("fingerprints", fingerprints),
                                  **list_params("title_prints", title_prints), **list_params("links", links)}
        seen = {r.key for r in rows}
        for found in _copies(len(fingerprints), len(title_prints), len(links)).rows(session, params):
            if found[0] not in seen:
                rows.append(CopyRow(*found))
    return rows


class CopyPool:
    """The stored items a batch's items may repeat: those loaded by `copy_rows` and those the batch stored
    itself. `candidates` answers what `original_of` would for one item, without a statement: same text, then
    same title close in time, then same link, at most `limit`."""

    def __init__(self, rows: Sequence[CopyRow]) -> None:
        self._rows: list[CopyRow] = []
        self._by: dict[tuple[int, str], list[int]] = {}
        for row in rows:
            self.add(row)

    def add(self, row: CopyRow) -> None:
        at = len(self._rows)
        self._rows.append(row)
        for term, value in ((0, row.fingerprint), (1, row.title_print), (2, row.link)):
            if value:
                self._by.setdefault((term, value), []).append(at)

    def candidates(self, wanted: CopyWanted, limit: int = 20) -> list[CopyRow]:
        found = dict.fromkeys(self._by.get((0, wanted.fingerprint), ()))
        found.update(dict.fromkeys(i for i in self._by.get((1, wanted.title_print), ())
                                   if wanted.since <= self._rows[i].published <= wanted.until))
        if wanted.link:
            found.update(dict.fromkeys(self._by.get((2, wanted.link), ())))
        return [self._rows[i] for i in list(found)[:limit]]


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


@dataclass
class ItemRows:
    """The items (rows from `item_row`), copies and event history a batch writes, inserted together when it ends
    (`add_rows`): nothing in the batch reads them back from the store (its `CopyPool` has the items; the history
    is only read by people)."""

    items: list[dict[str, Any]] = field(default_factory=list)
    copies: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # `event_history` rows, in the order written

    def copied(self, key: str, item_key: str, feed_url: str, at: datetime) -> None:
        self.copies.append({"key": key, "item_key": item_key, "feed_url": feed_url, "seen_at": at})


# The columns `item_row` and `ItemRows.copied` give, every one of them: inserted on the driver (`PreparedInsert`).
_INSERT_ITEMS = PreparedWrite.insert(StoredItem, (
    "key", "feed_url", "source", "title", "summary", "link", "published", "fetched_at", "relevant", "event_type",
    "actors", "places", "killed", "injured", "reading", "event_id", "fingerprint", "title_print"))
_INSERT_COPIES = PreparedWrite.insert(ItemCopy, ("key", "item_key", "feed_url", "seen_at"))


def add_rows(session: Session, rows: ItemRows) -> None:
    """Insert a batch's items, copies and event history, one statement each, in the caller's transaction."""
    if rows.items:
        _INSERT_ITEMS.run(session, rows.items)
    if rows.copies:
        _INSERT_COPIES.run(session, rows.copies)
    if rows.history:
        session.connection().execute(insert(EventHistory), rows.history)


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
