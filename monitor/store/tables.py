"""The tables, as SQLModel classes (but the feeds' state, a Core table of `feed`), all in `SQLModel.metadata`.

Times are stored as naive UTC and handed out as aware UTC datetimes (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from monitor.store.columns import UTCDateTime as UTCDateTime  # re-exported: the tables' shared column type
from monitor.store.feed import FEED_STATE


def _time(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


# The feeds' state is a Core table (see `feed`): a round of 304s reads and writes it without the ORM. It is added to
# the models' metadata, which makes the schema of a new database and is compared with the migrations'.
FEED_STATE.to_metadata(SQLModel.metadata)


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
    # A report said the place attacked hosts US/coalition forces. A server default, so that the column could be
    # added to a filled table in place (migration 0004), and the schema made from the models is the same.
    us_targeted: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


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
    why: str | None = None  # why the report joined the event or started it (the merge's reasons)


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
