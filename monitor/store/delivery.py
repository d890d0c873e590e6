"""The outbox: alerts, their deliveries to each target (claims, attempts, holds, expiry), target health and the
messages sent, for rate limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from monitor.model import AlertDraft
from monitor.store.engine import transaction
from monitor.store.tables import Delivery, StoredAlert, TargetMessage

# Built once (an alert is added for many items of a replay): building the statement cost more than running it.
_ID_BY_DEDUPE_KEY = select(col(StoredAlert.id)).where(col(StoredAlert.dedupe_key) == bindparam("key"))


def add_alert(session: Session, draft: AlertDraft, target_ids: Iterable[str]) -> StoredAlert | None:
    """Put an alert and one pending delivery per target in the outbox, in the caller's transaction.

    Returns None when an alert with the same dedupe key exists (it was made before); else the alert as stored
    (not held by the session). Alerts and deliveries are written here and only here, each at once, so the
    look-up through the session's connection sees every alert of the transaction without a flush: the ORM's
    flush and objects were most of the cost of an alert.
    """
    connection = session.connection()
    if connection.execute(_ID_BY_DEDUPE_KEY, {"key": draft.dedupe_key}).first() is not None:
        return None
    alert = StoredAlert(kind=draft.kind, dedupe_key=draft.dedupe_key, event_id=draft.event_id,
                        created_at=draft.created_at, title=draft.title, text=draft.text, payload=draft.payload)
    written = connection.execute(insert(StoredAlert), {
        "kind": alert.kind, "dedupe_key": alert.dedupe_key, "event_id": alert.event_id,
        "created_at": alert.created_at, "title": alert.title, "text": alert.text, "payload": alert.payload})
    assert written.inserted_primary_key is not None  # a single row was inserted
    alert.id = written.inserted_primary_key[0]
    deliveries = [{"alert_id": alert.id, "target_id": target_id, "state": "pending", "attempts": 0,
                   "next_attempt_at": alert.created_at} for target_id in target_ids]
    if deliveries:
        connection.execute(insert(Delivery), deliveries)
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
