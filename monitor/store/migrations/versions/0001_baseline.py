"""The schema as released before migrations (every table, index and constraint that release created).

Constraints stay unnamed as they were then, so a database made by that release and one made by this revision get
the same names from the database and later revisions can address both alike.

Revision ID: 0001_baseline
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _text(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def _json(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.JSON(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "feed_state",
        _text("feed_url"),
        _text("current_url"),
        _text("name", nullable=True),
        _text("etag", nullable=True),
        _text("last_modified", nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        _text("last_error", nullable=True),
        _time("last_error_at", nullable=True),
        _time("last_success_at", nullable=True),
        _time("last_polled_at", nullable=True),
        _time("next_poll_at", nullable=True),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("feed_url"),
    )

    op.create_table(
        "item",
        _text("key"),
        _text("feed_url"),
        _text("source"),
        _text("title"),
        _text("summary"),
        _text("link", nullable=True),
        _time("published"),
        _time("fetched_at"),
        sa.Column("relevant", sa.Boolean(), nullable=False),
        _text("event_type", nullable=True),
        _json("actors"),
        _json("places"),
        _json("killed"),
        _json("injured"),
        _json("reading"),
        _text("event_id", nullable=True),
        _text("fingerprint", nullable=True),
        _text("title_print", nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    for column in ("event_id", "fingerprint", "link", "published", "title_print"):
        op.create_index(f"ix_item_{column}", "item", [column])

    op.create_table(
        "item_copy",
        _text("key"),
        _text("item_key"),
        _text("feed_url"),
        _time("seen_at"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_item_copy_item_key", "item_copy", ["item_key"])

    op.create_table(
        "event",
        _text("id"),
        _text("event_type"),
        _text("title"),
        _json("actors"),
        _json("places"),
        _json("killed"),
        _json("injured"),
        _json("sources"),
        _json("claims"),
        sa.Column("day", sa.Date(), nullable=True),
        _time("first_seen"),
        _time("last_seen"),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_event_first_seen", "event", ["first_seen"])
    op.create_index("ix_event_type_last_seen", "event", ["event_type", "last_seen"])

    op.create_table(
        "event_entity",
        _text("event_id"),
        _text("name"),
        _text("event_type"),
        _time("first_seen"),
        sa.PrimaryKeyConstraint("event_id", "name"),
    )
    op.create_index("ix_event_entity_lookup", "event_entity", ["event_type", "name", "first_seen"])

    op.create_table(
        "event_history",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("event_id"),
        _text("item_key"),
        _time("at"),
        _json("changes"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_event_history_event_id", "event_history", ["event_id"])

    op.create_table(
        "prediction",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("rule"),
        _text("kind"),
        _text("expected_type"),
        _json("expected_by"),
        _text("trigger_event_id"),
        _time("created_at"),
        _time("window_start"),
        _time("window_end"),
        sa.Column("likelihood", sa.Float(), nullable=False),
        sa.Column("warned_likelihood", sa.Float(), nullable=True),
        _time("warned_at", nullable=True),
        sa.Column("threat_seen", sa.Boolean(), nullable=False),
        _text("state"),
        _time("resolved_at", nullable=True),
        _text("resolving_event_id", nullable=True),
        sa.Column("lead_hours", sa.Float(), nullable=True),
        _json("details"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule", "trigger_event_id"),
    )
    op.create_index("ix_prediction_open", "prediction", ["state", "window_end"])
    op.create_index("ix_prediction_trigger_event_id", "prediction", ["trigger_event_id"])

    op.create_table(
        "miss",
        _text("event_id"),
        _text("kind"),
        _time("at"),
        _text("title"),
        sa.PrimaryKeyConstraint("event_id"),
    )

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("dedupe_key"),
        _text("kind"),
        _text("event_id", nullable=True),
        _time("created_at"),
        _text("title"),
        _text("text"),
        _json("payload"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_alert_event_id", "alert", ["event_id"])

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        _text("target_id"),
        _text("state"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _text("last_error", nullable=True),
        _time("next_attempt_at", nullable=True),
        _time("sent_at", nullable=True),
        _text("held", nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "target_id"),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
    )
    op.create_index("ix_delivery_state_next", "delivery", ["state", "next_attempt_at"])

    op.create_table(
        "target_message",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("target_id"),
        _time("sent_at"),
        sa.Column("alerts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_target_message_sent", "target_message", ["target_id", "sent_at"])


def downgrade() -> None:
    # Children before the table they reference.
    for table in ("target_message", "delivery", "alert", "miss", "prediction", "event_history", "event_entity",
                  "event", "item_copy", "item", "feed_state"):
        op.drop_table(table)
