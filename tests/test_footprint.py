"""What a process of monitor loads: each command imports only the libraries its path uses, and a parser process
only feedparser and the parse module. Every library imported stays in memory for the life of the process, and the
peak RSS of a 1,000-feed round (the daemon and its parser processes together) is a goal of its own (issue 15).

Each check runs in a fresh interpreter, so that what the test process imported itself does not count.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.pipeline.parsers import Parsers

# The peaks are read from /proc (Linux).
pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads peaks of memory from /proc")

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"

# What only some paths need: the daemon's HTTP server, its scheduler and metrics, the progress bars; and httpx, which
# monitor no longer uses (it brings its own command line, click and rich with it).
NOT_FOR_POLLING = {"aiohttp.web", "apscheduler", "prometheus_client", "rich", "httpx", "click",
                   # Alembic only when a migration runs; Apprise and Jinja2 only for an Apprise target or templates.
                   "alembic", "apprise", "jinja2"}
# What a parser process must never load: the store, the configuration, the fetcher, the matcher, the notifier.
NOT_FOR_PARSING = {"sqlalchemy", "sqlmodel", "alembic", "pydantic", "yaml", "httpx", "rapidfuzz", "apprise",
                   "jinja2", "aiohttp", "apscheduler", "prometheus_client", "rich", "sklearn", "numpy"}
# Bounds with a margin over what was measured (Python 3.11, Linux): a new heavy import on the path fails them.
POLL_IMPORT_MB = 85  # the command line and `poll --once`'s modules: 77 MB (88 MB with alembic and apprise)
PARSER_MB = 45  # a parser process that has parsed a feed: 25 MB


_PEAK = """
def _peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
"""


def _loaded(*steps: str) -> list[tuple[set[str], float]]:
    """After each import of `steps`, in one fresh interpreter: the modules and top-level packages loaded so far, and
    the peak RSS so far in MB."""
    # The peak is the process's own (VmHWM), not ru_maxrss: that one keeps the RSS of the forked test process
    # from before the interpreter was started, which is the size of pytest after many tests.
    probe = "import json, sys\nseen = []\n" + "".join(
        f"import {step}\nseen.append([sorted(set(sys.modules) | {{m.split('.')[0] for m in sys.modules}}), "
        "_peak()])\n" for step in steps) + "print(json.dumps(seen))"
    probe = _PEAK + probe
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [(set(names), float(peak)) for names, peak in json.loads(done.stdout.splitlines()[-1])]


@pytest.fixture(scope="module")
def command_line() -> list[tuple[set[str], float]]:
    """What the command line alone, then `poll --once`'s modules, then the daemon's load (one interpreter)."""
    # A module changed since it was last imported is compiled again, and that peak would count: an import first
    # writes the bytecode, so that the one measured imports what a started monitor imports.
    _loaded("monitor.cli.running", "monitor.daemon")
    return _loaded("monitor.cli", "monitor.cli.running", "monitor.daemon")


def test_the_command_line_alone_loads_no_pipeline(command_line: list[tuple[set[str], float]]) -> None:
    loaded, _ = command_line[0]
    unwanted = NOT_FOR_POLLING | {"aiohttp", "feedparser", "rapidfuzz", "apprise", "monitor.pipeline"}
    assert not loaded & unwanted, sorted(loaded & unwanted)


def test_polling_loads_neither_the_daemon_nor_its_http_server_and_stays_small(
        command_line: list[tuple[set[str], float]]) -> None:
    loaded, peak = command_line[1]
    assert not loaded & NOT_FOR_POLLING, sorted(loaded & NOT_FOR_POLLING)
    # What only a new item needs is imported by the first one: a round of 304s loads none of it.
    for_new_items = {"feedparser", "rapidfuzz", "monitor.classify", "monitor.match", "monitor.events", "monitor.assess"}
    assert not loaded & for_new_items, sorted(loaded & for_new_items)
    assert peak < POLL_IMPORT_MB, f"importing what `monitor poll --once` runs takes {peak:.0f} MB"


def test_the_daemon_without_an_http_section_loads_no_http_server(command_line: list[tuple[set[str], float]]) -> None:
    loaded, _ = command_line[2]
    assert not loaded & {"aiohttp.web", "monitor.web.server"}, sorted(loaded & {"aiohttp.web", "monitor.web.server"})


def test_a_parser_process_module_loads_only_what_parsing_needs() -> None:
    # `monitor.parse` imports feedparser when it first parses (the daemon's process imports the module, and parses
    # nothing): a parser process has both.
    ((loaded, _),) = _loaded("monitor.parse, feedparser")
    assert not loaded & NOT_FOR_PARSING, sorted(loaded & NOT_FOR_PARSING)


def test_a_running_parser_process_stays_small() -> None:
    parsers = Parsers(size=1)
    try:
        body = (FEEDS / "seed_cycle.xml").read_bytes()
        kind, _ = asyncio.run(parsers.parse(body, headers={}, feed_url="http://test/feed", source="Test",
                                            fetched_at=datetime(2026, 1, 1, tzinfo=UTC)))
        assert kind == "ok"
        (pid,) = parsers.pids()
        status = Path(f"/proc/{pid}/status").read_text()
        peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
        assert peak_kb / 1024 < PARSER_MB, f"a parser process took {peak_kb / 1024:.0f} MB"
    finally:
        parsers.close()


# What only a fetched body or a new item needs: a round of 304s (most rounds of a daemon, every `poll --once` from
# cron between news) imports none of it.
FOR_BODIES = {"monitor.parse", "feedparser", "monitor.classify", "monitor.match", "monitor.events", "monitor.assess",
              "rapidfuzz"}


def _poll_loads(config: Path) -> tuple[set[str], str]:
    """`monitor poll --once` in a fresh interpreter: the modules it had loaded at the end, and what it printed."""
    argv = ["--config", str(config), "poll", "--once"]
    probe = ("import io, json, sys, contextlib\nfrom monitor.cli import main\nout = io.StringIO()\n"
             f"with contextlib.redirect_stdout(out):\n    code = main({argv!r})\n"
             "print(json.dumps([code, out.getvalue(), sorted(sys.modules)]))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    code, printed, modules = json.loads(done.stdout.splitlines()[-1])
    assert code == 0, printed
    return set(modules), printed


def test_a_round_of_304s_imports_nothing_a_body_or_a_new_item_needs(feed_server, make_config) -> None:
    feed_server.add_feed("/f.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}])
    first, printed = _poll_loads(config)
    # The probe sees what a body brings (feedparser is the parser process's).
    assert "HTTP 200" in printed and {"monitor.parse", "monitor.classify", "monitor.match"} <= first
    again, printed = _poll_loads(config)
    assert "not modified" in printed
    assert not again & FOR_BODIES, sorted(again & FOR_BODIES)


def test_a_start_reads_each_config_file_once(make_config) -> None:
    """Every start reads and checks the config files (a round of 304s too): each is opened once, not once for the
    runtime and again for the check of the names one file takes from another."""
    config = make_config()
    probe = f"""
import collections, json, sys
opened = collections.Counter()
sys.addaudithook(lambda event, args: opened.update([str(args[0])]) if event == "open" and str(args[0]).endswith(
    ".yaml") else None)
from monitor.config import load_settings
from monitor.pipeline import build_runtime
build_runtime(load_settings({str(config)!r})).engine.dispose()
print(json.dumps(opened))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    opened = json.loads(done.stdout.splitlines()[-1])
    assert any(path.endswith("vocabulary.ar.yaml") for path in opened), opened
    assert set(opened.values()) == {1}, opened


# Runs `poll --once` in this fresh interpreter, then asks glibc how many malloc arenas ("heaps") the process has.
_ARENAS = r"""
import ctypes, sys
from monitor.cli import main
code = main(["--config", sys.argv[1], "poll", "--once"])
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
out = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, out)
libc.fclose(out)
print(code)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc arenas")
def test_a_round_keeps_at_most_two_malloc_arenas(make_config, feed_server, tmp_path):
    """glibc gives threads that allocate at once an arena each (up to eight per core), each keeping what was freed in
    it: the processing, parser, start-up and TLS threads and the event loop's took 3 MB more of a 1,000-feed first
    round's peak than two shared arenas. The command line bounds them at two (`monitor.cli._fewer_malloc_arenas`)."""
    names = sorted(p.stem for p in FEEDS.glob("*.xml"))[:6]
    for name in names:
        feed_server.add_feed(f"/{name}.xml", (FEEDS / f"{name}.xml").read_bytes())
    config = make_config(feeds=[{"name": n, "url": feed_server.url(f"/{n}.xml")} for n in names])
    report = tmp_path / "malloc.xml"
    done = subprocess.run([sys.executable, "-c", _ARENAS, str(config), str(report)], capture_output=True, text=True,
                          cwd=config.parent, timeout=300)
    assert done.returncode == 0 and done.stdout.split()[-1] == "0", done.stderr[-2000:]
    if "<malloc" not in report.read_text():
        pytest.skip("not glibc")
    assert report.read_text().count("<heap nr=") <= 2, report.read_text()[:500]
