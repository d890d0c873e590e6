"""The single writer: one process at a time on a SQLite file, and the signs it leaves for others.

Every command that writes holds a lock on the resolved database file (`DatabaseGuard`); the file's alert count
is recorded beside it, so an empty database that replaced a used one is refused instead of sending every alert
again; the daemon checks that the file it opened is still there. A server database (PostgreSQL) needs none of
this: instances share it through leases. The heartbeat file is what `monitor status --health` reads.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from monitor import pipeline, store
from monitor.errors import AlreadyRunning, DatabaseRefused

if TYPE_CHECKING:
    from monitor.pipeline import Runtime

log = logging.getLogger("monitor.daemon")

HEARTBEAT_FILE = "heartbeat"


def heartbeat_path(runtime: Runtime) -> Path:
    return runtime.settings.state_dir / HEARTBEAT_FILE


def write_heartbeat(path: Path, now: datetime) -> None:
    """Touch the heartbeat file that `monitor status --health` (and the Docker HEALTHCHECK) reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # one per process: instances may share state_dir
    tmp.write_text(now.isoformat(), encoding="utf-8")
    tmp.replace(path)


class DatabaseGuard:
    """Keeps one process at a time on a SQLite file, and notices when the file is lost.

    - the lock is taken on the resolved file (symlinks followed, `?timeout=` and such dropped), beside it
      as `<file>.lock`, by every command that writes; the OS releases it even after kill -9;
    - `<file>.history` records how many alerts the database held: a database found empty beside a
      history that says otherwise was deleted or replaced, and using it would send every alert again;
    - `check()` compares the file's inode with the one opened at start.
    A server database (PostgreSQL) needs none of this: instances share it through leases.
    """

    def __init__(self, url: str, command: str):
        self.file = store.database_file(url)
        self.command = command
        self._handle: TextIO | None = None
        self._inode: tuple[int, int] | None = None
        self._recorded = -1

    @property
    def lock_path(self) -> Path | None:
        return self.file.with_name(self.file.name + ".lock") if self.file else None

    @property
    def history_path(self) -> Path | None:
        return self.file.with_name(self.file.name + ".history") if self.file else None

    def acquire(self) -> None:
        """Take the lock (or raise AlreadyRunning naming the holder)."""
        path = self.lock_path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(f"another monitor process (pid {holder}) is using {self.file}; stop it first, or "
                                 "give this one its own database") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}, monitor {self.command}")
        handle.flush()
        self._handle = handle

    def opened(self, engine: Any) -> None:
        """The database is open: refuse an empty one that replaced a used one, remember its inode."""
        if self.file is None:
            return
        alerts = store.alert_count(engine)
        recorded = self._read_history()
        if recorded > 0 and alerts == 0:
            raise DatabaseRefused(
                f"{self.file} holds no alerts, but {self.history_path} says it held {recorded}: the database was "
                f"deleted or replaced, and using it would send every alert of the feeds again. Restore the "
                f"database, or delete {self.history_path} to start afresh.")
        stat = self.file.stat()
        self._inode = (stat.st_dev, stat.st_ino)
        self.record(alerts)

    def check(self) -> str | None:
        """None while the database file is the one opened at start, else what happened to it."""
        if self.file is None or self._inode is None:
            return None
        try:
            stat = self.file.stat()
        except FileNotFoundError:
            return f"the database file {self.file} was deleted"
        if (stat.st_dev, stat.st_ino) != self._inode:
            return f"the database file {self.file} was replaced by another file"
        return None

    def record(self, alerts: int) -> None:
        """Write down how many alerts the database holds (when it changed)."""
        path = self.history_path
        if path is None or alerts == self._recorded or alerts <= 0:
            return
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"alerts": alerts}), encoding="utf-8")
        tmp.replace(path)
        self._recorded = alerts

    def _read_history(self) -> int:
        path = self.history_path
        try:
            return int(json.loads(path.read_text(encoding="utf-8")).get("alerts", 0)) if path else 0
        except (OSError, ValueError, AttributeError):
            return 0

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def start_writer(runtime: Runtime, guard: DatabaseGuard, *, leases_freed: bool = False) -> None:
    """What every writing command does once it holds the database: check it, adopt old target ids, and,
    as the only process on a SQLite file, free the claims and leases a killed predecessor left (the leases
    already, with `leases_freed`: see `free_leases`)."""
    guard.opened(runtime.engine)
    pipeline.adopt_target_ids(runtime)
    freed = 0 if leases_freed else free_leases(runtime.engine, guard)
    if guard.file is not None and store.deliveries_claimed(runtime.engine):  # asked first: no ORM for nothing
        freed += store.release_claims(runtime.engine)
    if freed:
        log.info("freed %d claim(s) left by a process that stopped without finishing", freed)
    pipeline.report_unknown_targets(runtime)


def free_leases(engine: store.Engine, guard: DatabaseGuard) -> int:
    """As the only process on a SQLite file, free the feed leases a killed predecessor left; `poll --once` does
    this before it claims the feeds, and the rest of `start_writer` beside its first fetches."""
    return store.release_feeds(engine) if guard.file is not None else 0
