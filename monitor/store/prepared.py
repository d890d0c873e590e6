"""Look-ups run on the database driver's cursor: compiled by SQLAlchemy once per database kind, then executed with
no more Python than the driver's own call.

A relevant item makes about ten small look-ups (candidate events, forecasts standing, threats), and a batch a few
more (known keys, copy candidates); SQLAlchemy spent more on each of them (its compiled cache, its events, its result
objects: ~0.1 ms) than SQLite did. A `Prepared` statement keeps, per dialect, the SQL text SQLAlchemy compiled, the
order of its parameters, and the columns' own conversions both ways (the UTC datetime type, JSON): what goes to the
database and what comes back is what `Connection.execute` sends and returns, as plain tuples.

A statement here has no list parameter expanded at execution (`bindparam(..., expanding=True)`): a list is given as
parameters of its own (`in_list`), its length padded to one of a few sizes by repeating its last value (the same
rows: IN is a set), so that each size is compiled once. Driver errors are raised as SQLAlchemy's, like those of
`Connection.execute` (callers and the CLI handle one kind of error).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import SelectBase
from sqlmodel import Session

# The sizes a list parameter is padded to: a batch's lists are mostly full (200 keys), and a relevant item's short.
_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 200, 256, 300, 400, 500)


def padded(values: Sequence[Any]) -> list[Any]:
    """The values (at least one), their last one repeated up to the next of `_SIZES` (past the last, the next
    hundred: callers give at most 500 at a time, a report's names are a few)."""
    size = next((s for s in _SIZES if s >= len(values)), -(-len(values) // 100) * 100)
    return [*values, *[values[-1]] * (size - len(values))]


def in_list(name: str, size: int) -> list[BindParameter[Any]]:
    """`size` parameters named `name_0` ... for one list, to give to `in_` (see `list_params`)."""
    return [bindparam(f"{name}_{i}") for i in range(size)]


def list_params(name: str, values: Sequence[Any]) -> dict[str, Any]:
    """The parameters of `in_list(name, len(values))`."""
    return {f"{name}_{i}": value for i, value in enumerate(values)}


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in the order the SQL takes them
    positional: bool
    binds: tuple[Callable[[Any], Any] | None, ...]  # per parameter, its type's conversion (None: as it is)
    defaults: dict[str, Any]  # the values the statement carries itself (`col == "attack"`)


def _compile(statement: SelectBase | Insert | Update, dialect: Dialect) -> _Compiled:
    form = statement.compile(dialect=dialect)
    if form.literal_execute_params or form.post_compile_params:
        raise ValueError("a prepared statement takes no expanding parameter; use in_list")
    binds = {name: bind for bind, name in form.bind_names.items()}
    names = tuple(form.positiontup or ()) if dialect.positional else tuple(binds)
    return _Compiled(form.string, names, dialect.positional,
                     tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names),
                     {name: binds[name].value for name in names if binds[name].value is not None})


def _arguments(compiled: _Compiled, params: dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    """The parameters as the driver takes them, each converted by its type (None too, as SQLAlchemy does)."""
    values = [params[name] if name in params else compiled.defaults[name] for name in compiled.names]
    values = [value if convert is None else convert(value)
              for convert, value in zip(compiled.binds, values, strict=True)]
    return tuple(values) if compiled.positional else dict(zip(compiled.names, values, strict=True))


def _raised(error: Exception, compiled: _Compiled, arguments: Any, dialect: Dialect) -> StatementError:
    """A driver's error as SQLAlchemy raises it from `Connection.execute`."""
    return DBAPIError.instance(compiled.sql, arguments, error, dialect.loaded_dbapi.Error, dialect=dialect)


class Prepared:
    """A SELECT run on the session connection's driver cursor (see the module's docstring)."""

    def __init__(self, statement: SelectBase) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}  # by dialect name
        # Per dialect, each column's conversion of what the driver returns (None: as it is), made from the driver's
        # own description of the columns at the first execution, as SQLAlchemy makes them.
        self._results: dict[str, tuple[Callable[[Any], Any] | None, ...]] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return compiled

    def _results_for(self, dialect: Dialect, description: Sequence[Sequence[Any]]) -> tuple[Any, ...]:
        results = self._results.get(dialect.name)
        if results is None:
            results = self._results[dialect.name] = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(self.statement.selected_columns, description, strict=True))
        return results

    def rows(self, session: Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows the statement finds with these parameters, in the session's transaction (after a flush, as the
        ORM's autoflush would do before a query)."""
        session.flush()
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._for(dialect)
        arguments = _arguments(compiled, params)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            found = cursor.fetchall()
            results = self._results_for(dialect, cursor.description)
        except dialect.loaded_dbapi.Error as exc:
            raise _raised(exc, compiled, arguments, dialect) from exc
        finally:
            cursor.close()
        if not any(results):
            return [tuple(row) for row in found]
        return [tuple(value if convert is None else convert(value) for convert, value in zip(results, row, strict=True))
                for row in found]

    def column(self, session: Session, params: dict[str, Any]) -> list[Any]:
        """The first column of `rows`."""
        return [row[0] for row in self.rows(session, params)]


class PreparedWrite:
    """An INSERT or UPDATE whose parameters each row gives, run on the driver (`executemany` for several rows): a
    batch's items, a relevant item's event and its entities (SQLAlchemy's handling of each row's parameters, or the
    ORM's unit of work, cost more than the statement)."""

    def __init__(self, statement: Insert | Update) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    @classmethod
    def insert(cls, table: Any, columns: Sequence[str]) -> PreparedWrite:
        """An INSERT of rows that each give every column named."""
        return cls(insert(table).values({name: bindparam(name) for name in columns}))

    def run(self, session: Session, rows: Sequence[dict[str, Any]]) -> None:
        """Write the rows in the session's transaction (after a flush: what the session holds is written first)."""
        session.flush()
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.statement, dialect)
        arguments = [_arguments(compiled, row) for row in rows]
        cursor = connection.connection.cursor()
        try:
            if len(arguments) == 1:
                cursor.execute(compiled.sql, arguments[0])
            else:
                cursor.executemany(compiled.sql, arguments)  # type: ignore[arg-type]  # all tuples, or all dicts
        except dialect.loaded_dbapi.Error as exc:
            raise _raised(exc, compiled, arguments, dialect) from exc
        finally:
            cursor.close()
