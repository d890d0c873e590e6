"""Leases, so that several instances can share one database; deliveries are never given up any more.

Feeds and deliveries get who holds them and until when. A delivery that fails keeps being retried and is marked
expired once too old, instead of being parked as dead: the dead ones are put back in the queue, due now.

Revision ID: 0002_leases
Revises: 0001_baseline
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_leases"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

# Just the columns the data changes touch, so the statements do not depend on the application's models.
_delivery = sa.table(
    "delivery",
    sa.column("state", sa.String()),
    sa.column("next_attempt_at", sa.DateTime()),
    sa.column("held", sa.String()),
)


def upgrade() -> None:
    # Nullable columns with no default: a plain ADD COLUMN everywhere, SQLite included (batch mode
    # only rebuilds the table for changes SQLite cannot make in place).
    with op.batch_alter_table("feed_state") as batch:
        batch.add_column(sa.Column("leased_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("first_failed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("expired_at", sa.DateTime(), nullable=True))

    # Times are stored as naive UTC.
    now = datetime.now(UTC).replace(tzinfo=None)
    op.execute(
        _delivery.update()
        .where(_delivery.c.state == "dead")
        .values(state="pending", next_attempt_at=now, held=None)
    )


def downgrade() -> None:
    # The earlier release knows no "expired"; its nearest state is "dead" (given up, kept for the record).
    op.execute(_delivery.update().where(_delivery.c.state == "expired").values(state="dead"))
    with op.batch_alter_table("delivery") as batch:
        for column in ("expired_at", "first_failed_at", "lease_until", "claimed_by"):
            batch.drop_column(column)
    with op.batch_alter_table("feed_state") as batch:
        for column in ("lease_until", "leased_by"):
            batch.drop_column(column)
