"""What the commands share: logging with the configuration's secrets masked, the order a writing command takes
the database in, where the database URL came from, and how times are shown."""

from __future__ import annotations

import argparse
import os
import re
from datetime import datetime

from monitor import logs, notify, pipeline, store
from monitor.config import DATABASE_ENV, Settings, load_settings
from monitor.errors import FileProblem
from monitor.guard import DatabaseGuard, free_leases, start_writer


def secrets_of(settings: Settings) -> list[str]:
    """Every secret the configuration holds, for the log filter: notification tokens and passwords, the
    credentials in feed and database URLs, and the status page's token."""
    found: list[str] = []
    for target in settings.notify:
        try:
            found += notify.url_secrets(target.secret_url())
        except ValueError:
            continue  # an unreadable secret file is reported by check-config; there is nothing to mask
    for url, bare_user_is_secret in [(f.url, True) for f in settings.feeds] + [(settings.database, False)]:
        userinfo = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#@]*)@", url)
        if userinfo:
            password = userinfo.group(1).partition(":")[2]
            if password:
                found += [userinfo.group(1), password]
            elif bare_user_is_secret:  # a feed's https://TOKEN@host/; a database user name is no secret
                found.append(userinfo.group(1))
    if settings.http is not None:
        try:
            token = settings.http.secret_token()
        except ValueError:
            token = None  # an unreadable token file is reported by check-config
        if token:
            found.append(token)
    return found


def setup_logging(settings: Settings, level: str | None = None) -> None:
    logs.setup(level or settings.log_level, secrets_of(settings), settings.log_format)


def writer(args: argparse.Namespace, command: str, database: str | None = None, *, deferred: bool = False,
           ) -> tuple[pipeline.Runtime, DatabaseGuard]:
    """Settings, logging, the database lock, then the runtime: the order every writing command keeps.

    `deferred` (`poll --once`): the store is opened and the feeds' leases freed now, and the other config files are
    read and checked, then the rest of `start_writer` done, in the runtime's `startup`, which the round starts once
    its fetches are in flight and waits for before it stores anything (see `pipeline.open_runtime`)."""
    settings = load_settings(args.config)
    setup_logging(settings)
    guard = DatabaseGuard(database or settings.database, command)
    guard.acquire()
    try:
        if deferred:
            runtime = pipeline.open_runtime(settings, database,
                                            then=lambda checked: start_writer(checked, guard, leases_freed=True))
            free_leases(runtime.engine, guard)
        else:
            runtime = pipeline.build_runtime(settings, database)
            start_writer(runtime, guard)
    except BaseException:
        guard.release()
        raise
    return runtime, guard


def database_origin(settings: Settings) -> str:
    """Where the configured database URL came from, as messages about it name it: MONITOR_DATABASE replaces the
    file's key."""
    return DATABASE_ENV if os.environ.get(DATABASE_ENV) else f"{settings.config_file}: database"


def database_url(args: argparse.Namespace) -> tuple[str, str]:
    """The database URL a command uses, and where it came from (`--db`, the environment or the file)."""
    url: str | None = getattr(args, "db", None)
    if url:
        return url, "--db"
    settings = load_settings(args.config)
    return settings.database, database_origin(settings)


def existing_database(url: str, origin: str) -> store.Engine:
    """Open the database a command only reads. A SQLite file that is not there is an error naming it: opening
    it would create an empty database at a wrong path and report "nothing stored" as if all were well."""
    path = store.database_file(url)
    if path is not None and not path.exists():
        raise FileProblem(path, f"the database does not exist (URL from {origin}); `monitor run`, "
                                "`monitor poll --once` or `monitor migrate` creates it")
    return store.open_engine(url)


def outputs_of(settings: Settings) -> str:
    """Where alerts go besides the notification targets, said as what they are: the log and the alerts file are
    outputs every configuration has, not targets someone configured."""
    outputs = (["the log"] if settings.alerts.log else []) + (
        [f"the alerts file {settings.alerts.file}"] if settings.alerts.file else [])
    return " and ".join(outputs) or "nowhere else (alerts.log is false and alerts.file is null)"


def target_label(target_id: str, settings: Settings) -> str:
    """A delivery target as people know it: a configured name, or what a built-in output is."""
    if target_id == "log":
        return "the log"
    if target_id == "file":
        return f"the alerts file {settings.alerts.file}" if settings.alerts.file else "the alerts file"
    return target_id


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"
