"""The commands that run the pipeline and write the database: run, poll, replay, migrate."""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import sys
import tempfile
from pathlib import Path

from monitor import pipeline, store
from monitor.cli import progress
from monitor.cli.common import setup_logging, when, writer
from monitor.config import load_settings, redacted_database_url
from monitor.guard import DatabaseGuard, start_writer


def cmd_run(args: argparse.Namespace) -> int:
    from monitor import daemon  # the scheduler, the HTTP server and the metrics: for this command only

    settings = load_settings(args.config)
    setup_logging(settings)
    guard = DatabaseGuard(settings.database, "run")
    guard.acquire()
    try:
        # A reload sets logging up again: a target added by it has its secrets masked like the others.
        return daemon.run_daemon(pipeline.build_runtime(settings).prepare(), guard, reconfigure=setup_logging)
    finally:
        guard.release()


def cmd_poll(args: argparse.Namespace) -> int:
    if not args.once:
        print("monitor poll: only --once is supported; use `monitor run` for the daemon", file=sys.stderr)
        return 2
    runtime, guard = writer(args, "poll --once", deferred=True)  # the config files are checked beside the fetches
    try:
        outcomes, deliveries = asyncio.run(pipeline.poll_once(runtime, keep_items=False))  # counts only
        guard.record(store.alert_count(runtime.engine))
    finally:
        guard.release()
    for o in outcomes:
        status = o.error or ("not modified" if o.status == 304 else f"HTTP {o.status}")
        print(f"{o.feed.label}: {status}; {o.items} items, {o.new_items} new, {o.relevant} relevant, "
              f"{o.alerts} alerts" + (f" ({o.old_note})" if o.old_note else "") + f"; next poll {when(o.next_poll_at)}"
              + (f"; warning: {o.warning}" if o.warning else ""))
    sent = sum(1 for d in deliveries if d.error is None)
    print(f"deliveries: {sent} sent, {len(deliveries) - sent} failed")
    return 0


@functools.cache
def _freeze_reader_once() -> None:
    """`gc.freeze`, once per process (as `cli._freeze_once`): a command runs once in its process, and a process that
    runs several (the tests) sets its objects aside once, not its garbage at each command. Never undone: given back,
    the objects set aside were walked again by the collection at exit (~35 ms for a replay's ~86,000)."""
    gc.freeze()


def cmd_replay(args: argparse.Namespace) -> int:
    from monitor.replay import replay  # for this command only

    settings = load_settings(args.config)
    setup_logging(settings, "WARNING")
    with tempfile.TemporaryDirectory(prefix="monitor-replay-") as scratch:
        database = args.db or f"sqlite:///{Path(scratch) / 'replay.db'}"
        guard = DatabaseGuard(database, "replay")
        guard.acquire()
        try:
            runtime = pipeline.build_runtime(settings, database)
            # The matcher and the reader (every item is read with them), built now and then set aside from the
            # garbage collector's view with all else alive, as the imports are (`cli._freeze_once`): they live to
            # the end of the command, and each collection walked their ~27,000 objects again.
            _ = runtime.matcher, runtime.reader
            _freeze_reader_once()
            start_writer(runtime, guard)
            out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
            try:
                with progress.bar("replay", progress.wanted(records_to_stdout=not args.out)) as advance:
                    items, alerts = replay(runtime, [Path(p) for p in args.inputs], out, advance)
            finally:
                if args.out:
                    out.close()
            if args.send:
                asyncio.run(pipeline.deliver(runtime))
            guard.record(store.alert_count(runtime.engine))
            runtime.engine.dispose()
        finally:
            guard.release()
    print(f"replayed {items} items, {alerts} alerts" + (" (sent)" if args.send else " (recorded, not sent)"),
          file=sys.stderr)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    url = args.db or settings.database
    # Not migrated on opening, so that the revision it was at can be told.
    engine = store.open_engine(url, migrate_schema=False)
    try:
        before, after = store.migrate(engine)
    finally:
        engine.dispose()
    at = f"revision {after}" + (" (head)" if after == store.head_revision() else "")
    if before == after:
        change = f"schema at {at}"
    elif before is None:
        change = f"schema created at {at}"
    else:
        change = f"schema upgraded from revision {before} to {at}"
    print(f"database: {redacted_database_url(url)}; {change}")
    return 0
