"""How SQLite connections are set up: WAL and a busy timeout (the daemon and the CLI may open the file together),
and transactions begun by the store, so that a writer can take the write lock up front."""

from __future__ import annotations

from typing import Any


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Transactions are begun by `_sqlite_begin` below, not implicitly by the driver, so that a writer can
    # take the write lock up front.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads and then writes must take SQLite's write lock when it begins: upgrading a
    # read snapshot after another connection committed fails at once ("database is locked") instead of
    # waiting, and the daemon writes from its delivery threads and its poll loop at the same time.
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


_BEGIN_OPTION = "sqlite_begin"
