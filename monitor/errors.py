"""The errors monitor reports to people, in one tree. A module raises them; only the CLI turns them into a
message (`render`) and an exit code (2). Failures of one feed, item or target never come here: they are
recorded where they happen and the run goes on.

    MonitorError                 stops a command; the message says what to do
     ├── ConfigError             configuration files or keys are wrong: every problem with file and key
     ├── ReplayInputError        a replay or eval input cannot be read: file and line
     ├── ParseError              a document is not a feed (recorded as that feed's error by a poll)
     ├── SchemaError             the database's schema is from a later release, or half made
     ├── AlreadyRunning          another monitor process holds the SQLite database
     ├── DatabaseRefused         the database was deleted or replaced; using it would alert on everything again
     ├── DatabaseProblem         the database server or file failed a command (store.reported_errors)
     └── FileProblem             a file or folder a command reads or writes cannot be used: the file and why
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class MonitorError(Exception):
    """An error a command reports and exits 2 on."""

    prefix = "error"

    def render(self) -> str:
        return f"{self.prefix}: {self}"


class ConfigError(MonitorError):
    """One or more problems in the configuration, each naming file and key."""

    prefix = "configuration error"

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def render(self) -> str:
        return "\n".join([f"{self.prefix}:", *(f"  {p}" for p in self.problems)])


class ReplayInputError(MonitorError):
    """An input file or line that cannot be replayed; names the file and line."""

    prefix = "replay input error"


class ParseError(MonitorError):
    """The document is not a feed at all (an HTML page, an empty body, a broken file with no entry)."""

    prefix = "not a feed"


class SchemaError(MonitorError):
    """The database's schema is not one this release can bring up to date."""

    prefix = "database schema error"


class AlreadyRunning(MonitorError):
    """Another monitor process holds the lock on this SQLite database."""

    prefix = "cannot start"


class DatabaseRefused(MonitorError):
    """The database cannot be used as it is (it was deleted or replaced); the message says what to do."""

    prefix = "cannot start"


class DatabaseProblem(MonitorError):
    """The database refused or failed a command (unreachable, locked, read-only, ...): its first line."""

    prefix = "database error"


class FileProblem(MonitorError):
    """A file or folder a command was given or keeps (an input, `--out`, a lock or state file) cannot be used."""

    prefix = "cannot use"

    def __init__(self, filename: object, reason: str):
        self.filename = filename
        self.reason = reason
        super().__init__(f"{filename}: {reason}" if filename else reason)

    @classmethod
    def of(cls, error: OSError) -> FileProblem:
        return cls(error.filename, error.strerror or str(error))

    def render(self) -> str:
        return f"{self.prefix} {self}" if self.filename else f"{self.prefix}: {self}"


@contextmanager
def reported_file_problems() -> Iterator[None]:
    """Run a command with any OSError it lets through reported as a FileProblem.

    A wide net, because the readers of replay and eval inputs and the daemon's lock, history and heartbeat
    files let OSError through; once each raises FileProblem where it opens the file, this can go.
    """
    try:
        yield
    except OSError as exc:
        raise FileProblem.of(exc) from exc
