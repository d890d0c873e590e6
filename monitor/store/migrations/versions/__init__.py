"""The revisions, oldest first by their number. Alembic skips this file; it exists so packaging ships the folder."""
