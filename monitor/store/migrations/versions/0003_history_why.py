"""Each report's line in an event's history says why it joined the event or started it.

Revision ID: 0003_history_why
Revises: 0002_leases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_history_why"
down_revision = "0002_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column with no default: a plain ADD COLUMN on every backend; older lines keep no reason.
    with op.batch_alter_table("event_history") as batch:
        batch.add_column(sa.Column("why", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event_history") as batch:
        batch.drop_column("why")
