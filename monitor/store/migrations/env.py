"""Alembic environment: runs on the connection `monitor.store.migrate` hands over, inside its transaction and lock.

No URL, no logging set-up and no models here: the store owns the engine and the application's logging, and the
revisions describe the schema with plain SQLAlchemy types so they keep working whatever the models become.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("monitor's migrations run from monitor.store.migrate, which passes an open connection")

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
