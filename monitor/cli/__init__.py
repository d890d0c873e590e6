"""Command line: parse arguments, run one command, turn errors into messages and exit codes.

Exit codes: 0 success, 1 a command that ran and found a problem (a failed notification, an
unhealthy daemon), 2 bad configuration or input, 130 interrupted.

    common     what the commands share: logging with secrets masked, the writer's order, the database's origin
    running    run, poll, replay, migrate: the commands that run the pipeline and write the database
    looking    status, events, match, track-record, eval: the commands that look without writing
    calibrating  calibrate: refit the warning rules' numbers on labelled cycles
    training     train: fit the learned type model on labelled files
    checks     check-config, notify-test: is the set-up right
    arguments  the types of option values (durations, times): a bad one is a usage message, not a traceback
    progress   progress bars for replay and eval, on a terminal only
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from functools import cache

from monitor import errors, store
from monitor.cli import arguments
from monitor.config import CONFIG_ENV
from monitor.errors import MonitorError

Command = Callable[[argparse.Namespace], int]


@cache
def _freeze_once() -> None:
    """Take what is alive once a command's modules are imported (classes, functions, tables: a few hundred thousand
    objects that live as long as the process) out of the garbage collector's view, once per process. Every full
    collection walked them again: 5 to 8% of a replay's CPU time, 1.5% once they are set aside."""
    gc.freeze()


def _command(module: str, name: str, preload: tuple[str, ...] = ()) -> Command:
    """A command's function, imported when the command runs, with the modules of `preload` (what it imports when it
    starts rather than at the top). Each command then loads only what it uses: `poll --once` neither the daemon's
    HTTP server (aiohttp) nor the scheduler, nor the calibration; every library imported costs memory for the whole
    life of the process (96 MB when the command line imported all of them).

    The garbage collector is off while they are imported: they make objects that all live as long as the process,
    which collections found alive again and again (0.08 of a 304 round's 1.0 CPU-s); then those objects are set
    aside (`_freeze_once`) and collection goes on as usual."""

    def run(args: argparse.Namespace) -> int:
        collecting = gc.isenabled()
        gc.disable()
        try:
            function: Command = getattr(importlib.import_module(f"monitor.cli.{module}"), name)
            for each in preload:
                importlib.import_module(each)
            _freeze_once()
        finally:
            if collecting:
                gc.enable()
        return function(args)

    run.__name__ = run.__qualname__ = name
    return run


# What `poll --once` imports before its first request: the feeds' state (SQLAlchemy Core) and the fetcher (aiohttp).
cmd_run = _command("running", "cmd_run")
cmd_poll = _command("running", "cmd_poll", preload=("monitor.store.feed", "monitor.pipeline.feed"))
cmd_replay, cmd_migrate = _command("running", "cmd_replay"), _command("running", "cmd_migrate")
cmd_calibrate = _command("calibrating", "cmd_calibrate")
cmd_train = _command("training", "cmd_train")
cmd_check_config, cmd_notify_test = _command("checks", "cmd_check_config"), _command("checks", "cmd_notify_test")
cmd_eval, cmd_events = _command("looking", "cmd_eval"), _command("looking", "cmd_events")
cmd_match, cmd_status = _command("looking", "cmd_match"), _command("looking", "cmd_status")
cmd_track_record = _command("looking", "cmd_track_record")


def version() -> str:
    from importlib import metadata  # only when asked for: it costs every other command 40 ms

    try:
        return metadata.version("monitor")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class _Version(argparse.Action):
    """--version, looked up only when asked for: reading the package metadata costs every other command time."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="monitor", description="Early-warning daemon for militia attacks and "
                                     "US strikes in Iraq, Syria and Jordan.")
    config_help = (f"monitor.yaml or the folder holding it (default: ${CONFIG_ENV}, else the first of "
                   "./config, ~/.config/monitor and /etc/monitor that holds one)")
    parser.add_argument("--config", help=config_help)
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    # Each command takes --config too, so it may come after the command's name; SUPPRESS keeps a value given
    # before the name when none is given after it.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--config", default=argparse.SUPPRESS, help=config_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, parents=[after])

    command("run", "run the daemon until SIGTERM/SIGINT").set_defaults(func=cmd_run)

    poll = command("poll", "poll every feed once, process, notify, exit")
    poll.add_argument("--once", action="store_true", help="one pass over all feeds (required)")
    poll.set_defaults(func=cmd_poll)

    command("check-config", "validate every config file").set_defaults(func=cmd_check_config)

    match = command("match", "show what the watchlist and reader make of a text")
    match.add_argument("text", nargs="+")
    match.add_argument("--at", type=arguments.moment, help="date the text as of this time: an ISO date or time, "
                       "today, yesterday, or a duration ago such as 2d (default: now)")
    match.add_argument("--json", action="store_true", help="print JSON")
    match.add_argument("--summary", default="", help="the report's body: the text is then its title")
    match.set_defaults(func=cmd_match)

    rep = command("replay", "run items from files through the pipeline with a simulated clock")
    rep.add_argument("inputs", nargs="+", metavar="INPUT", help="JSON Lines items, RSS/Atom files, or folders")
    rep.add_argument("--out", help="write records here (default: standard output)")
    rep.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    rep.add_argument("--send", action="store_true", help="deliver the alerts too")
    rep.set_defaults(func=cmd_replay)

    ev = command("eval", "replay a labelled file and print precision/recall figures")
    ev.add_argument("labelled", metavar="LABELLED.jsonl", nargs="+", help="one or more labelled files, scored together")
    ev.add_argument("--worst", type=int, default=15, help="how many of the worst misses to list")
    ev.add_argument("--timeline", action="append", help="incident timeline (JSON) to score strike_likely/"
                    "attack_likely warnings (repeat for several)")
    ev.add_argument("--provenance", action="append", help="provenance file (JSON) giving each report's shape, "
                    "for figures by shape (repeat for several)")
    ev.set_defaults(func=cmd_eval)

    cal = command("calibrate", "refit the warning rules' prior and weights on labelled cycles and the history")
    cal.add_argument("--set", action="append", nargs="+", metavar="FILE", help="a timeline (JSON) then the "
                     "labelled reports (JSON Lines) of its cycles; repeat for several sets")
    cal.add_argument("--pull", type=float, default=None, help="how strongly fitted numbers are pulled toward the "
                     "hand-set ones (L2 strength, default 1)")
    cal.set_defaults(func=cmd_calibrate)

    tr = command("train", "fit the learned type model on labelled files and print its cross-validated figures")
    tr.add_argument("labelled", metavar="LABELLED.jsonl", nargs="+", help="labelled files (format of `monitor eval`)")
    tr.add_argument("--provenance", action="append", help="provenance file (JSON) giving each report's shape, for "
                    "figures by shape (repeat for several)")
    tr.add_argument("--folds", type=int, default=10, help="cross-validation folds, by incident (default 10)")
    tr.add_argument("--out", help="where to write the model (default: type_model in monitor.yaml, else "
                    "type_model.json beside it)")
    tr.set_defaults(func=cmd_train)

    events = command("events", "list the stored events: type, places, toll, sources, first seen")
    events.add_argument("--since", type=arguments.since, help="only events first seen since then: a duration ago "
                        "such as 2d, today, yesterday, or an ISO date or time (default: all)")
    events.add_argument("--db", help="database URL (default: the configured one)")
    events.set_defaults(func=cmd_events)

    record = command("track-record", "how often warnings were right, per rule")
    record.add_argument("--db", help="database URL (default: the configured one)")
    record.set_defaults(func=cmd_track_record)

    mig = command("migrate", "bring the database schema up to date (also done at every start)")
    mig.add_argument("--db", help="database URL (default: the configured one)")
    mig.set_defaults(func=cmd_migrate)

    command("notify-test", "send a test alert to every target").set_defaults(func=cmd_notify_test)

    status = command("status", "feeds, their errors and next polls; deliveries")
    status.add_argument("--health", action="store_true", help="exit 1 unless the daemon's heartbeat is fresh")
    status.add_argument("--max-age", type=arguments.duration, default="300", help="how long a heartbeat stays "
                        "fresh: seconds or a duration such as 5m (default 300)")
    status.set_defaults(func=cmd_status)
    return parser


def _fewer_malloc_arenas() -> None:
    """At most two malloc arenas for this process (glibc; elsewhere nothing). glibc gives threads that allocate at once
    arenas of their own, up to eight per core, and each keeps what was freed in it for itself: the processing thread,
    the parser threads, the start-up thread and the event loop's took 3 MB more of a 1,000-feed first round's peak
    (141 MB) than two shared arenas. Python's own allocator serves small objects, and the GIL lets one thread at a
    time allocate most of the rest, so they seldom wait for each other. The same as MALLOC_ARENA_MAX=2 in the
    environment, which glibc reads before Python starts; this sets it for the threads started after."""
    if sys.platform != "linux":
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no arenas to bound)
        return
    mallopt(_M_ARENA_MAX, 2)


_M_ARENA_MAX = -8  # glibc's malloc.h


def main(argv: Sequence[str] | None = None) -> int:
    _fewer_malloc_arenas()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad argument: argparse has printed why
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    try:
        # What SQLAlchemy and the OS raise beneath a command is turned into the error tree by their owners
        # (the store; errors.reported_file_problems says why that net is wide), so only the tree is caught here.
        with errors.reported_file_problems(), store.reported_errors(lambda: _database_url(args)):
            code: int = args.func(args)
        return code
    except MonitorError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _database_url(args: argparse.Namespace) -> tuple[str, str]:
    from monitor.cli.common import database_url  # when a database error is reported: common loads the pipeline

    return database_url(args)
