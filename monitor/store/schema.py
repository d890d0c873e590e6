"""Schema migrations: Alembic's revisions in `migrations/`, run under a lock so instances starting together take
turns."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from time import monotonic, sleep
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from monitor.errors import SchemaError
from monitor.store.sqlite import _BEGIN_OPTION

if TYPE_CHECKING:
    # Alembic (~11 MB that would stay for the life of the daemon) is imported only when a migration runs: the usual
    # start finds the database at the head, which `_revisions` reads from the migration files as text (issue 15).
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE_REVISION = "0001_baseline"
# The tables of the last release before migrations: a database holding them and no alembic_version table was
# made by that release, and is at the baseline revision.
_BASELINE_TABLES = frozenset({"feed_state", "item", "item_copy", "event", "event_entity", "event_history",
                              "prediction", "miss", "alert", "delivery", "target_message"})
_VERSION_TABLE = "alembic_version"  # alembic's default; the migrations never name another
# Any fixed number works as long as every instance uses the same one; this is "monitor" in ASCII.
_MIGRATION_LOCK_KEY = 0x6D6F6E69746F72
# An instance that finds another one migrating a SQLite file waits this long for it (a big table rebuilt
# can take minutes) instead of the usual busy timeout.
_SQLITE_MIGRATION_WAIT_MS = 600_000
_SQLITE_FIRST_CONNECT_WAIT_S = 30.0


class SchemaRevisions(NamedTuple):
    """The schema revision a migration found and the one it left; None for a database without monitor's tables."""

    before: str | None
    after: str | None


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    # The option is read through ConfigParser, which would take a "%" in the path for interpolation.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _assigned(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) and node.value is not None else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            assert isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
            return ast.literal_eval(node.value)
    raise SchemaError(f"{name} is not set in a migration file; the installation is incomplete")


@cache
def _revisions() -> dict[str, tuple[str, ...]]:
    """Each revision of this release's migrations and the ones it revises, read from the files' `revision` and
    `down_revision` assignments the way alembic finds them, without importing alembic or running the files."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if not any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "revision"
                                                     for t in n.targets) for n in tree.body):
            continue  # __init__.py and helpers: alembic skips files without a revision too
        revision, down = _assigned(tree, "revision"), _assigned(tree, "down_revision")
        downs = (down,) if isinstance(down, str) else tuple(down) if isinstance(down, list | tuple) else ()
        assert isinstance(revision, str) and all(isinstance(d, str) for d in downs)
        revisions[revision] = downs
    return revisions


def head_revision() -> str:
    """The revision this release's migrations end at."""
    revisions = _revisions()
    heads = set(revisions).difference(*revisions.values())
    if not heads:
        raise SchemaError(f"no migrations found in {MIGRATIONS_DIR}; the installation is incomplete")
    if len(heads) > 1:
        raise SchemaError(f"the migrations in {MIGRATIONS_DIR} end at several revisions ({', '.join(sorted(heads))}); "
                          "the installation is inconsistent")
    (head,) = heads
    return head


def _current_revision(connection: Connection) -> str | None:
    # Read directly rather than through alembic's MigrationContext, which logs two lines each time it is
    # made, and this runs at every start.
    if not inspect(connection).has_table(_VERSION_TABLE):
        return None
    return connection.exec_driver_sql(f"SELECT version_num FROM {_VERSION_TABLE}").scalar()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at; None when it has no version (empty, or made before migrations)."""
    with engine.connect() as connection:
        return _current_revision(connection)


def _first_sqlite_connection(engine: Engine) -> None:
    # Turning a new file to WAL (in `_sqlite_pragmas`) while another instance does the same fails at once with
    # "database is locked": SQLite does not wait on that lock. Once one of them has done it the file stays in
    # WAL and connecting no longer needs the lock, so the others retry until then.
    deadline = monotonic() + _SQLITE_FIRST_CONNECT_WAIT_S
    while True:
        try:
            with engine.connect():
                return
        except OperationalError as exc:
            if "database is locked" not in str(exc.orig) or monotonic() > deadline:
                raise
            sleep(0.02)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other instance can be migrating in at the same time; committed
    when the block ends without an error."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # Session-level, so it outlives the transaction around it and covers the whole migration; a lost
            # connection releases it.
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK_KEY})")
            connection.commit()
            try:
                with connection.begin():
                    yield connection
            finally:
                try:
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK_KEY})")
                    connection.commit()
                except Exception:
                    # Never hand a connection that may still hold the lock back to the pool: closing it
                    # ends the session, which releases the lock.
                    connection.invalidate()
    elif engine.dialect.name == "sqlite":
        # BEGIN IMMEDIATE takes the write lock before the schema is read, so the second of two instances
        # starting together waits, then finds the schema done; the DDL is in the transaction too, so an
        # interrupted migration leaves the file as it was.
        with engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            (usual_wait,) = driver.execute("PRAGMA busy_timeout").fetchone()
            driver.execute(f"PRAGMA busy_timeout={_SQLITE_MIGRATION_WAIT_MS}")
            try:
                with connection.begin():
                    yield connection
            finally:
                driver.execute(f"PRAGMA busy_timeout={int(usual_wait)}")
    else:
        with engine.begin() as connection:
            yield connection


def migrate(engine: Engine, revision: str = "head") -> SchemaRevisions:
    """Bring the database's schema up to `revision` (default: this release's last), one instance at a time.

    A database without monitor's tables gets the head schema from the models (the same as the migrations make, and
    stamped so), or from the migrations when an earlier `revision` is asked for; one made by the release before
    migrations (its tables, no alembic_version table) is taken as being at the baseline revision and upgraded from
    there.
    Instances starting together on one database serialise on a lock (a PostgreSQL advisory lock, SQLite's write
    lock): one migrates, the others then find nothing to do. Raises SchemaError for a database this release
    cannot upgrade (written by a later release, or holding only some of monitor's tables).
    """
    head = head_revision()
    target = head if revision == "head" else revision
    known = set(_revisions())
    if target not in known:
        raise SchemaError(f"unknown schema revision {target!r}")
    if engine.dialect.name == "sqlite":
        _first_sqlite_connection(engine)
    current = schema_revision(engine)
    if current == target:
        return SchemaRevisions(current, current)  # the usual start: up to date, no lock needed
    with _migration_lock(engine) as connection:
        before = _current_revision(connection)
        if before is not None and before not in known:
            raise SchemaError(f"the database schema is at revision {before!r}, which this release does not know "
                              f"(its last is {head!r}); it was probably upgraded by a later release")
        if before is None and target == head and _create_at_head(connection, head):
            return SchemaRevisions(None, head)
        from alembic import command

        config = _alembic_config(connection)
        if before is None:
            tables = set(inspect(connection).get_table_names())
            if tables & _BASELINE_TABLES:
                missing = sorted(_BASELINE_TABLES - tables)
                if missing:
                    raise SchemaError(f"the database has some of monitor's tables but not {', '.join(missing)}, "
                                      "and no schema version; it was not made by monitor, or not completely")
                command.stamp(config, BASELINE_REVISION)
                before = BASELINE_REVISION
        command.upgrade(config, target)
        return SchemaRevisions(before, _current_revision(connection))


def _create_at_head(connection: Connection, head: str) -> bool:
    """Give a database without any of monitor's tables the head schema from the models, stamped at `head`; False
    (and nothing done) when it has some. The models and the migrations make the same schema (a test compares
    them), and this way the first start of a new instance imports no alembic (~11 MB for the life of the daemon)."""
    from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table
    from sqlmodel import SQLModel

    from monitor.store import tables as _tables  # noqa: F401  (defines the models' tables in the metadata)

    if set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables):
        return False
    SQLModel.metadata.create_all(connection)
    # The table alembic keeps its revision in, as alembic makes it.
    version = Table(_VERSION_TABLE, MetaData(), Column("version_num", String(32), nullable=False),
                    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))
    version.create(connection)
    connection.execute(version.insert().values(version_num=head))
    return True
