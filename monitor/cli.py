"""Command line: parse arguments, run one command, turn errors into messages and exit codes.

Exit codes: 0 success, 1 a command that ran and found a problem (a failed notification, an
unhealthy daemon), 2 bad configuration or input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import daemon, logs, notify, pipeline, store
from monitor.classify import load_vocabulary
from monitor.config import Settings, load_settings, parse_duration, redacted_database_url
from monitor.errors import MonitorError
from monitor.replay import replay
from monitor.watchlist import load_watchlist

log = logging.getLogger("monitor")


def _secrets(settings: Settings) -> list[str]:
    """Every secret the configuration holds, for the log filter: notification tokens and passwords, and the
    credentials in feed and database URLs."""
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
    return found


def _setup_logging(settings: Settings, level: str | None = None) -> None:
    logs.setup(level or settings.log_level, _secrets(settings))


def _runtime(args: argparse.Namespace, database: str | None = None) -> pipeline.Runtime:
    settings = load_settings(args.config)
    _setup_logging(settings)
    return pipeline.build_runtime(settings, database)


def _writer(args: argparse.Namespace, command: str, database: str | None = None,
            ) -> tuple[pipeline.Runtime, daemon.DatabaseGuard]:
    """Settings, logging, the database lock, then the runtime: the order every writing command keeps."""
    settings = load_settings(args.config)
    _setup_logging(settings)
    guard = daemon.DatabaseGuard(database or settings.database, command)
    guard.acquire()
    try:
        runtime = pipeline.build_runtime(settings, database)
        daemon.start_writer(runtime, guard)
    except BaseException:
        guard.release()
        raise
    return runtime, guard


# --- commands ----------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    _setup_logging(settings)
    guard = daemon.DatabaseGuard(settings.database, "run")
    guard.acquire()
    try:
        return daemon.run_daemon(pipeline.build_runtime(settings), guard)
    finally:
        guard.release()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def cmd_poll(args: argparse.Namespace) -> int:
    if not args.once:
        print("monitor poll: only --once is supported; use `monitor run` for the daemon", file=sys.stderr)
        return 2
    runtime, guard = _writer(args, "poll --once")
    try:
        outcomes, deliveries = asyncio.run(pipeline.poll_once(runtime))
        guard.record(store.alert_count(runtime.engine))
    finally:
        guard.release()
    for o in outcomes:
        status = o.error or ("not modified" if o.status == 304 else f"HTTP {o.status}")
        print(f"{o.feed.label}: {status}; {o.items} items, {o.new_items} new, {o.relevant} relevant, "
              f"{o.alerts} alerts; next poll {_when(o.next_poll_at)}" + (f"; warning: {o.warning}" if o.warning
                                                                         else ""))
    sent = sum(1 for d in deliveries if d.error is None)
    print(f"deliveries: {sent} sent, {len(deliveries) - sent} failed")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    import os

    from monitor.assess import check_config_files
    from monitor.config import DATABASE_ENV

    settings = load_settings(args.config)
    # Each file alone, then the names the files take from one another (actors, places, casualty sides).
    problems = check_config_files(settings)
    url_problem = store.check_url(settings.database)
    if url_problem:
        # MONITOR_DATABASE replaces the file's key, so the message names where the URL really came from.
        where = DATABASE_ENV if os.environ.get(DATABASE_ENV) else f"{settings.config_file}: database"
        problems.append(f"{where}: {url_problem}")
    problems += notify.check_targets(settings)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    watchlist = load_watchlist(settings.watchlist)
    print(f"config: {settings.config_file}")
    print(f"database: {redacted_database_url(settings.database)}")
    print(f"watchlist: {len(watchlist.actors)} actors, {len(watchlist.places)} places, "
          f"{len(watchlist.people)} people")
    print(f"feeds: {len(settings.feeds)}")
    for target in settings.notify:
        print(f"notify: {target.ident()}: {notify.describe_url(target.secret_url())}")
    print(f"alerts file: {settings.alerts.file or 'off'}; alerts to log: {settings.alerts.log}")
    print("configuration is valid")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    watchlist = load_watchlist(settings.watchlist)
    from monitor.classify import Reader
    from monitor.match import Matcher

    text = " ".join(args.text)
    matches = Matcher(watchlist).match(text)
    when = datetime.fromisoformat(args.at).replace(tzinfo=UTC) if args.at else datetime.now(UTC)
    reading = Reader(load_vocabulary(settings.vocabulary), watchlist).read(text, "", matches, when)
    if args.json:
        print(json.dumps({"mentions": [m.as_dict() for m in matches.mentions], "reading": reading.as_dict()},
                         ensure_ascii=False, indent=2))
        return 0
    for m in matches.mentions:
        print(f"{m.section:6} {m.name:32} found {m.found!r} at {m.start}-{m.end} via {m.alias!r} "
              f"({m.how}, score {m.score:.0f})")
    if not matches.mentions:
        print("no watchlist names found")
    print(f"event type: {reading.event_type or 'none'}; relevant: {'yes' if reading.relevant else 'no'}")
    print(f"cue scores: {reading.scores}")
    for reason in reading.reasons:
        print(f"reason: {reason}")
    for party in reading.parties:
        print(f"{party.role}: {party.name} ({party.how})")
    if reading.weapon:
        print(f"weapon: {reading.weapon}" + (f" ({reading.weapon_count})" if reading.weapon_count else ""))
    if reading.happened_on:
        print(f"happened on: {reading.happened_on}")
    if reading.places:
        print(f"places: {', '.join(reading.places)}")
    for sentence in reading.background:
        print(f"background: {sentence}")
    if reading.killed:
        print(f"killed: {reading.killed}")
    if reading.injured:
        print(f"injured: {reading.injured}")
    for name, sentence in reading.evidence.items():
        print(f"evidence ({name}): {sentence}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    _setup_logging(settings, "WARNING")
    with tempfile.TemporaryDirectory(prefix="monitor-replay-") as scratch:
        database = args.db or f"sqlite:///{Path(scratch) / 'replay.db'}"
        guard = daemon.DatabaseGuard(database, "replay")
        guard.acquire()
        try:
            runtime = pipeline.build_runtime(settings, database)
            daemon.start_writer(runtime, guard)
            out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
            try:
                items, alerts = replay(runtime, [Path(p) for p in args.inputs], out)
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


def cmd_eval(args: argparse.Namespace) -> int:
    from monitor.evaluate import evaluate, read_labelled, read_timeline

    settings = load_settings(args.config)
    _setup_logging(settings, "WARNING")
    labelled = read_labelled(Path(args.labelled))
    timeline = read_timeline(Path(args.timeline)) if args.timeline else None
    with tempfile.TemporaryDirectory(prefix="monitor-eval-") as scratch:
        runtime = pipeline.build_runtime(settings, f"sqlite:///{Path(scratch) / 'eval.db'}")
        report = evaluate(runtime, labelled, load_watchlist(settings.watchlist), timeline)
        runtime.engine.dispose()
    print(report.render(worst=args.worst))
    return 0


def cmd_track_record(args: argparse.Namespace) -> int:
    from monitor.assess import Outcome, track_record

    settings = load_settings(args.config)
    engine = store.open_engine(args.db or settings.database)
    outcomes = [Outcome(p.rule, p.warned_likelihood or p.likelihood, p.state, p.lead_hours)
                for p in store.predictions(engine) if p.warned_at is not None]
    misses = [(m.kind, m.title, m.at) for m in store.misses(engine)]
    print(track_record(outcomes, misses))
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


def cmd_notify_test(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    _setup_logging(settings)
    now = datetime.now(UTC)
    alert = store.StoredAlert(id=0, kind="test", dedupe_key="test", created_at=now,
                              title="monitor test alert",
                              text=f"This is a test alert from monitor, sent {now:%Y-%m-%d %H:%M UTC}.")
    failures = 0
    for target in notify.build_targets(settings):
        error = target.send(alert)
        failures += error is not None
        print(f"{target.label}: {'ok' if error is None else 'FAILED: ' + error}")
    return 1 if failures else 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.health:
        return _health(settings, args.max_age)
    engine = store.open_engine(settings.database)
    states = store.feed_states(engine)
    print(f"items stored: {store.item_count(engine)}; events: {len(store.events(engine))}")
    for feed in settings.feeds:
        state = states.get(feed.public_url)
        if state is None:
            print(f"{feed.label}: never polled")
            continue
        health = f"failing ({state.failures} in a row): {state.last_error}" if state.failures else "ok"
        print(f"{feed.label}: {health}; last poll {_when(state.last_polled_at)}; last success "
              f"{_when(state.last_success_at)}; next poll {_when(state.next_poll_at)}; items {state.items_total}")
    configured = {t.id for t in notify.build_targets(settings)}
    for target in store.target_health(engine):
        counts = ", ".join(f"{n} {state}" for state, n in sorted(target.counts.items()))
        line = f"deliveries to {target.target_id}: {counts}"
        if target.failing_since:
            line += f"; failing since {_when(target.failing_since)}: {target.last_error}"
        if target.last_expired_at:
            line += f"; last expiry {_when(target.last_expired_at)}"
        if target.target_id not in configured:
            line += "; not a configured target (its pending alerts are kept)"
        print(line)
    return 0


FAILING_TOO_LONG = timedelta(minutes=30)


def _health(settings: Settings, max_age: str) -> int:
    """Healthy: a fresh heartbeat, no target failing for more than 30 minutes, no alert expired lately."""
    try:
        fresh = parse_duration(max_age)
    except ValueError as exc:
        print(f"status --max-age: {exc}", file=sys.stderr)
        return 2
    path = settings.state_dir / daemon.HEARTBEAT_FILE
    try:
        beat = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        print(f"unhealthy: no heartbeat at {path}", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    age = now - beat
    problems = [f"last heartbeat {age.total_seconds():.0f}s ago"] if age > fresh else []
    engine = store.open_engine(settings.database)
    for target in store.target_health(engine):
        if target.failing_since and now - target.failing_since > FAILING_TOO_LONG:
            problems.append(f"deliveries to {target.target_id} failing since {_when(target.failing_since)}: "
                            f"{target.last_error}")
        if target.last_expired_at and now - target.last_expired_at < settings.alerts.max_age:
            problems.append(f"alerts to {target.target_id} expired undelivered at {_when(target.last_expired_at)}")
    engine.dispose()
    if problems:
        print("unhealthy: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"healthy: last heartbeat {age.total_seconds():.0f}s ago")
    return 0


# --- parser ------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor", description="Early-warning daemon for militia attacks and "
                                     "US strikes in Iraq, Syria and Jordan.")
    parser.add_argument("--config", help="monitor.yaml or the folder holding it (default: $MONITOR_CONFIG or "
                        "config/)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="run the daemon until SIGTERM/SIGINT").set_defaults(func=cmd_run)

    poll = commands.add_parser("poll", help="poll every feed once, process, notify, exit")
    poll.add_argument("--once", action="store_true", help="one pass over all feeds (required)")
    poll.set_defaults(func=cmd_poll)

    commands.add_parser("check-config", help="validate every config file").set_defaults(func=cmd_check_config)

    match = commands.add_parser("match", help="show what the watchlist and reader make of a text")
    match.add_argument("text", nargs="+")
    match.add_argument("--at", help="date the text as of this ISO date (default: now)")
    match.add_argument("--json", action="store_true", help="print JSON")
    match.set_defaults(func=cmd_match)

    rep = commands.add_parser("replay", help="run items from files through the pipeline with a simulated clock")
    rep.add_argument("inputs", nargs="+", metavar="INPUT", help="JSON Lines items, RSS/Atom files, or folders")
    rep.add_argument("--out", help="write records here (default: standard output)")
    rep.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    rep.add_argument("--send", action="store_true", help="deliver the alerts too")
    rep.set_defaults(func=cmd_replay)

    ev = commands.add_parser("eval", help="replay a labelled file and print precision/recall figures")
    ev.add_argument("labelled", metavar="LABELLED.jsonl")
    ev.add_argument("--worst", type=int, default=15, help="how many of the worst misses to list")
    ev.add_argument("--timeline", help="incident timeline (JSON) to score strike_likely/attack_likely warnings")
    ev.set_defaults(func=cmd_eval)

    record = commands.add_parser("track-record", help="how often warnings were right, per rule")
    record.add_argument("--db", help="database URL (default: the configured one)")
    record.set_defaults(func=cmd_track_record)

    mig = commands.add_parser("migrate", help="bring the database schema up to date (also done at every start)")
    mig.add_argument("--db", help="database URL (default: the configured one)")
    mig.set_defaults(func=cmd_migrate)

    commands.add_parser("notify-test", help="send a test alert to every target").set_defaults(func=cmd_notify_test)

    status = commands.add_parser("status", help="feeds, their errors and next polls; deliveries")
    status.add_argument("--health", action="store_true", help="exit 1 unless the daemon's heartbeat is fresh")
    status.add_argument("--max-age", default="300", help="how long a heartbeat stays fresh: seconds or a duration "
                        "such as 5m (default 300)")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except MonitorError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except store.DatabaseError as exc:
        print(f"database error: {str(exc.orig or exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except (store.ArgumentError, ImportError):
        # SQLAlchemy raises these when it makes the engine for a URL it cannot use (an unknown kind is a
        # NoSuchModuleError, a driver not installed an ImportError); anything else keeps its traceback.
        import os

        from monitor.config import DATABASE_ENV

        settings = load_settings(args.config)
        url = getattr(args, "db", None)
        url_problem = store.check_url(url or settings.database)
        if url_problem is None:
            raise
        where = ("--db" if url else DATABASE_ENV if os.environ.get(DATABASE_ENV)
                 else f"{settings.config_file}: database")
        print(f"configuration error:\n  {where}: {url_problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
