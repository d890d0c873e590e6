"""Events remember whether a report said the place attacked hosts US/coalition forces ("where American troops
are stationed", a US toll), which a rule's `target: hosts_us` takes as the watchlist's hosting dates.

Revision ID: 0004_event_us_targeted
Revises: 0003_history_why
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_event_us_targeted"
down_revision = "0003_history_why"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NOT NULL with a server default: a plain ADD COLUMN on every backend (SQLite included, no table rebuild), and
    # the events stored before it read as not said, which is what their reports were taken to say.
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("us_targeted", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("us_targeted")
