"""Opening a database (the engine, its schema brought up to date), transactions, checks of a database URL, and
what SQLAlchemy raises turned into the error tree."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

from monitor.errors import ConfigError, DatabaseProblem
from monitor.store.schema import migrate
from monitor.store.sqlite import _BEGIN_OPTION, _sqlite_begin, _sqlite_pragmas

if TYPE_CHECKING:  # the ORM is imported by the first `transaction`: a round of 304s needs only Core (see `feed`)
    from sqlmodel import Session


def open_engine(url: str, *, migrate_schema: bool = True) -> Engine:
    """Create the engine and bring the schema up to date (see `migrate`; `migrate_schema=False` leaves that to
    the caller); SQLite files get their folder created and WAL turned on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"), json_serializer=_json_text)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    if migrate_schema:
        migrate(engine)
    return engine


def _json_text(value: Any) -> str:
    """A JSON column's text, as `json.dumps` writes it; the empty list and dict, what most items store for their
    actors, places and tolls, are answered at once (each took json's whole encoder, four times an item)."""
    if not value and type(value) in (list, dict):
        return "[]" if type(value) is list else "{}"
    return json.dumps(value)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed together, or not at all (on SQLite, holding the write lock)."""
    from sqlmodel import Session  # see the import at the top

    with Session(engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A Core connection whose work is committed together, or not at all (on SQLite, holding the write lock)."""
    with engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}).begin() as connection:
        yield connection


def database_file(url: str) -> Path | None:
    """The file a SQLite URL names, resolved (symlinks followed, query string dropped); None for a server
    database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(os.path.realpath(parsed.database))


def is_duplicate_key_error(error: Exception) -> bool:
    return isinstance(error, IntegrityError)


@contextmanager
def reported_errors(url_source: Callable[[], tuple[str, str]]) -> Iterator[None]:
    """Run a command with SQLAlchemy's errors turned into the error tree: a database that fails into a
    DatabaseProblem (its first line), a URL no engine can be made for into a ConfigError naming where the URL
    came from. `url_source` gives (the URL, where it came from) and is called only on such an error."""
    try:
        yield
    except DatabaseError as exc:
        lines = str(exc.orig or exc).splitlines()
        raise DatabaseProblem(lines[0] if lines else type(exc.orig or exc).__name__) from exc
    except (ArgumentError, ImportError):
        # SQLAlchemy raises these when it makes the engine for a URL it cannot use (an unknown kind is a
        # NoSuchModuleError, a driver not installed an ImportError); anything else keeps its traceback.
        url, where = url_source()
        problem = check_url(url)
        if problem is None:
            raise
        raise ConfigError([f"{where}: {problem}"]) from None


def check_url(url: str) -> str | None:
    """What is wrong with a database URL, found without connecting, or None. SQLAlchemy reports these only when
    the engine is made or first connects, as a traceback naming its plugin registry; this says it in one line."""
    # Imported here so that the check stays one self-contained piece: nothing else in the store needs them.
    import difflib

    from sqlalchemy import dialects
    from sqlalchemy.exc import NoSuchModuleError

    from monitor.config import redacted_database_url

    postgres_hint = "for PostgreSQL, pip install '.[postgres]' and use postgresql+psycopg://user:password@host/db"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return "not a database URL; use sqlite:///path/to/monitor.db or postgresql+psycopg://user:password@host/db"
    backend, _, driver = parsed.drivername.partition("+")
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        if backend in dialects.__all__:
            return f"SQLAlchemy has no {backend} driver named {driver!r}" + (
                f"; {postgres_hint}" if backend == "postgresql" else "")
        close = difflib.get_close_matches(backend.lower(), dialects.__all__, n=1)
        return f"unknown database kind {backend!r}" + (
            f"; did you mean {close[0]!r}?" if close else "; use sqlite or postgresql")
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        return f"the {backend} driver {exc.name or dialect.driver!r} is not installed" + (
            f"; {postgres_hint}" if backend == "postgresql" else "")
    try:
        dialect().create_connect_args(parsed)  # checks the URL's form (sqlite://x.db lacks a slash) offline
    except (ArgumentError, ValueError) as exc:
        # The first line only, and without a password: SQLAlchemy's message quotes the whole URL.
        problem = str(exc).splitlines()[0].replace(url, redacted_database_url(url))
        return problem + ("; use sqlite:///relative/path.db or sqlite:////absolute/path.db" if backend == "sqlite"
                          else "")
    return None
