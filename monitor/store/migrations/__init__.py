"""Alembic migrations of monitor's schema; run them through `monitor.store.migrate`, not the alembic command."""
