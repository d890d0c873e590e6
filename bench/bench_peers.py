"""monitor against its peers, rss2email and feed2exec, on the same local feed server, in one run.

    .venv/bin/python bench/bench_peers.py                 # 200 and 1,000 feeds (about 20 minutes on 2 cores)
    .venv/bin/python bench/bench_peers.py --quick         # 50 feeds and fewer replay items: a fast check
    .venv/bin/python bench/bench_peers.py --feeds 200,1000 --replay-items 2000 --alerts 10

What is measured:
- A feed server on 127.0.0.1 (threads of this process) serves N feeds of 20 items each, adding 100 ms to every
  answer, with an ETag and a Last-Modified. The feeds come from publishers of 20 feeds each (`--feeds-per-host`):
  hosts 127.0.0.1, 127.0.0.2, ..., so monitor's per-host limit (`fetch.per_host`, set for these loopback hosts
  through `fetch.per_local_host`) holds as with real feeds; the
  peers fetch one feed at a time and have no such limit. Each tool starts from an empty state and runs twice:
  the first round reads every feed; the second gets 304 for every feed (the server's count of answers is shown
  to prove it). Wall time, CPU seconds and peak RSS are those of the tool's process and its children (os.wait4),
  so the server's own work is never counted; setting a tool up (adding its feeds) is not measured. os.wait4 gives
  the peak of the largest process, not of them together: the RSS of the tool's processes together is also sampled
  every 20 ms (/proc), and the peak RSS shown is the larger of the two (monitor parses in worker processes).
- monitor runs `monitor poll --once` with a generated config (the shipped watchlist, vocabulary, type model and
  rules; the defaults for everything else, `fetch.concurrency` included). rss2email runs `r2e run --no-send` after
  `r2e new` and an OPML import of the feeds (the same as one `r2e add` per feed, without a thousand start-ups);
  feed2exec runs `feed2exec fetch` with one section per feed and the `null` output. Both peers use their
  defaults (each reads one feed after the other) and are installed by this script into a throwaway venv;
  one that fails to install is left out with the reason.
- monitor runs from this source tree: its modules are byte-compiled first, as pip compiles the peers' when it
  installs them (the tools run with PYTHONDONTWRITEBYTECODE, so nothing else would).
- `monitor replay` of the same items against bare `feedparser.parse` of the same RSS files: items per CPU
  second; "net" leaves out the fixed cost of starting the command (measured by replaying one item).
- Alert latency: `monitor run` polls one feed every 2 s; a new report is published on it, and the time from
  the server writing the last byte of the body that first holds it to a local webhook receiving its
  alert (a `json://` target with `format: json`) is taken over several reports.
Ratios come first: for times, the peer's time over monitor's (above 1 means monitor is faster); for memory,
monitor's peak over the peer's (below 1 means monitor uses less).
"""

from __future__ import annotations

import argparse
import compileall
import functools
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import quoteattr

import yaml  # the same PyYAML monitor reads its config with, from this venv
from feedsite import (
    BASE_TIME,
    OWN_REPORTS,
    FeedServer,
    Item,
    Receiver,
    feed_items,
    labelled_reports,
    rss,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LATENCY = 0.1
PEERS = ("rss2email", "feed2exec")
TOOLS = ("monitor", *PEERS)
RUN_LIMIT = 3600.0  # a tool still running after an hour is stopped and reported as failed


# --------------------------------------------------------------------------- running a tool


@dataclass
class Run:
    """What one run of a tool cost, and what the feed server answered it."""

    wall: float
    cpu: float
    peak_kb: int  # the larger of os.wait4's peak and the sampled peak of all the tool's processes together
    code: int
    answers: dict[int, int] = field(default_factory=dict)
    log: Path | None = None

    @property
    def ok(self) -> bool:
        return self.code == 0


def measured(argv: Sequence[str], env: dict[str, str], log: Path, cwd: Path) -> Run:
    """Run `argv` to its end; its wall time, and CPU and peak RSS of it and its children, from os.wait4."""
    with log.open("ab") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd)
        watchdog = threading.Timer(RUN_LIMIT, proc.kill)
        watchdog.start()
        sampler = TreeRss(proc.pid)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
            sampler.stop()
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait for it again
    return Run(wall, usage.ru_utime + usage.ru_stime, max(usage.ru_maxrss, sampler.peak_kb), proc.returncode, log=log)


class TreeRss:
    """Samples the RSS of a process and all its descendants together, every 20 ms, keeping the peak (Linux)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-rss", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.02):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in _tree(self.pid)))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except OSError:  # gone meanwhile, or no /proc
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def quiet(argv: Sequence[str], env: dict[str, str], log: Path, cwd: Path) -> None:
    """Run a set-up step; fail loudly with the end of its output if it fails."""
    with log.open("ab") as out:
        done = subprocess.run(list(argv), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}... exited {done.returncode}: {tail(log)}")


def tail(log: Path | None, lines: int = 3) -> str:
    if log is None or not log.exists():
        return ""
    return " | ".join(log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])


def tool_env(home: Path) -> dict[str, str]:
    """The environment for a tool: its own throwaway home, so no user config is read or written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "XDG_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CACHE_HOME=str(home / ".cache"), PYTHONDONTWRITEBYTECODE="1")
    return env


# --------------------------------------------------------------------------- the peers' venv


def install_peers(venv: Path, reuse: bool) -> tuple[dict[str, Path], dict[str, str]]:
    """Install rss2email and feed2exec into `venv`: (name -> bin folder) for those that installed, and
    (name -> why not) for the others."""
    if not reuse:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    bin_dir = venv / "bin"
    ready: dict[str, Path] = {}
    failed: dict[str, str] = {}
    for name, script in (("rss2email", "r2e"), ("feed2exec", "feed2exec")):
        if not (reuse and (bin_dir / script).exists()):
            done = subprocess.run([str(bin_dir / "pip"), "install", "-q", "--disable-pip-version-check", name],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                lines = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
                failed[name] = f"pip install {name} failed: " + (lines[-1] if lines else f"exit {done.returncode}")
                continue
        if not (bin_dir / script).exists():
            failed[name] = f"installed, but {bin_dir / script} is missing"
            continue
        ready[name] = bin_dir
    return ready, failed


def compile_monitor() -> None:
    """Byte-compile monitor's modules in this source tree, as pip does for the peers when it installs them (and for
    monitor itself with `pip install .`, the README's set-up and the Dockerfile's). The tools run with
    PYTHONDONTWRITEBYTECODE, so without this a source tree that no other run had compiled was compiled anew at every
    start of monitor: ~100 modules, 0.1 CPU-s of each round measured, and none of the peers'."""
    compileall.compile_dir(ROOT / "monitor", quiet=1)


def peer_version(bin_dir: Path, name: str) -> str:
    done = subprocess.run([str(bin_dir / "pip"), "show", name], capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "?"


# --------------------------------------------------------------------------- each tool's set-up and round


def monitor_argv() -> list[str]:
    script = Path(sys.executable).parent / "monitor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "monitor"]


# `fetch.per_host` as the shipped monitor.yaml sets it.
SHIPPED_PER_HOST = int(yaml.safe_load((ROOT / "config" / "monitor.yaml").read_text(encoding="utf-8"))["fetch"][
    "per_host"])


def monitor_config(folder: Path, feeds: Sequence[dict[str, str]], **sections: object) -> Path:
    """A config folder for monitor: the shipped watchlist, vocabulary, rules, history and templates, and a
    monitor.yaml (written as JSON, which YAML reads) with `feeds` and state kept in `folder`."""
    config = folder / "config"
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("monitor.yaml"))
    document: dict[str, object] = {
        "database": f"sqlite:///{folder / 'monitor.db'}",
        "watchlist": "watchlist.yaml",
        "vocabulary": ["vocabulary.yaml", "vocabulary.ar.yaml"],
        "type_model": "type_model.json",  # as shipped: the reader's second opinion costs memory and time
        "state_dir": str(folder / "state"),
        "alerts": {"file": str(folder / "alerts.jsonl")},
        "feeds": list(feeds),
        "notify": [],
    }
    document.update(sections)
    (config / "monitor.yaml").write_text(json.dumps(document, indent=1), encoding="utf-8")
    return config


class Tool:
    """Set a tool up for a list of feed URLs in its own folder, then run one round."""

    name = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = tool_env(folder / "home")
        (folder / "home").mkdir(parents=True)
        self.log = folder / "log.txt"

    def setup(self, urls: Sequence[str]) -> None:
        raise NotImplementedError

    def round(self) -> Run:
        raise NotImplementedError


class Monitor(Tool):
    name = "monitor"

    def setup(self, urls: Sequence[str]) -> None:
        # The bench's hosts stand for publishers elsewhere, but they are loopback addresses, which monitor holds
        # to `fetch.per_local_host` (a server of the operator's own): held to the shipped `per_host` here instead.
        self.config = monitor_config(self.folder, [{"name": f"feed {i}", "url": u} for i, u in enumerate(urls)],
                                     fetch={"per_local_host": SHIPPED_PER_HOST})

    def round(self) -> Run:
        return measured([*monitor_argv(), "--config", str(self.config), "poll", "--once"], self.env, self.log,
                        self.folder)


class Rss2email(Tool):
    name = "rss2email"

    def __init__(self, folder: Path, bin_dir: Path) -> None:
        super().__init__(folder)
        self.base = [str(bin_dir / "r2e"), "-c", str(folder / "rss2email.cfg"), "-d", str(folder / "rss2email.json")]

    def setup(self, urls: Sequence[str]) -> None:
        opml = self.folder / "feeds.opml"
        outlines = "".join(f"<outline type='rss' text={quoteattr(f'feed-{i}')} xmlUrl={quoteattr(u)}/>"
                           for i, u in enumerate(urls))
        opml.write_text(f"<?xml version='1.0'?><opml version='1.0'><head><title>bench</title></head><body>"
                        f"{outlines}</body></opml>", encoding="utf-8")
        quiet([*self.base, "new", "bench@localhost"], self.env, self.log, self.folder)
        quiet([*self.base, "opmlimport", str(opml)], self.env, self.log, self.folder)

    def round(self) -> Run:
        return measured([*self.base, "run", "--no-send"], self.env, self.log, self.folder)


class Feed2exec(Tool):
    name = "feed2exec"

    def __init__(self, folder: Path, bin_dir: Path) -> None:
        super().__init__(folder)
        self.base = [str(bin_dir / "feed2exec"), "--config", str(folder / "feed2exec.ini"),
                     "--database", str(folder / "feed2exec.db")]

    def setup(self, urls: Sequence[str]) -> None:
        sections = "".join(f"\n[feed-{i}]\nurl = {u}\n" for i, u in enumerate(urls))
        (self.folder / "feed2exec.ini").write_text(f"[DEFAULT]\noutput = feed2exec.plugins.null\n{sections}",
                                                   encoding="utf-8")

    def round(self) -> Run:
        return measured([*self.base, "fetch"], self.env, self.log, self.folder)


# --------------------------------------------------------------------------- the measures


@dataclass
class Results:
    rounds: dict[tuple[int, str], dict[str, Run | str]] = field(default_factory=dict)  # str: why it did not run
    replay: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    replay_error: str = ""
    latency_note: str = ""


def bench_rounds(server: FeedServer, counts: Sequence[int], makers: dict[str, Callable[[Path], Tool]],
                 missing: dict[str, str], scratch: Path, results: Results, per_host: int = 20,
                 tools: Sequence[str] = TOOLS) -> None:
    for count in counts:
        urls = [server.url(f"/feeds/{i}.xml", i // per_host) for i in range(count)]
        for name in tools:
            first = results.rounds.setdefault((count, "first"), {})
            again = results.rounds.setdefault((count, "304"), {})
            if name in missing:
                first[name] = again[name] = missing[name]
                continue
            folder = Path(tempfile.mkdtemp(prefix=f"{name}-{count}-", dir=scratch))
            tool = makers[name](folder)
            try:
                tool.setup(urls)
            except RuntimeError as error:
                first[name] = again[name] = f"set-up failed: {error}"
                continue
            for label, into in (("first", first), ("304", again)):
                server.reset_counts()
                print(f"  {count} feeds, {label} round: {name} ...", end="", flush=True)
                run = tool.round()
                run.answers = dict(server.statuses)
                print(f" {run.wall:.1f} s, {run.cpu:.1f} CPU-s, {run.peak_kb / 1024:.0f} MB, answers {answers(run)}"
                      + ("" if run.ok else f", exit {run.code}: {tail(run.log)}"), flush=True)
                into[name] = run
            shutil.rmtree(folder, ignore_errors=True)


def answers(run: Run) -> str:
    return ", ".join(f"{n} x {status}" for status, n in sorted(run.answers.items())) or "none"


def replay_files(folder: Path, count: int, reports: Sequence[tuple[str, str]]) -> int:
    """RSS files of 20 items each, `count` items in all (other items than the round's feeds)."""
    folder.mkdir(parents=True)
    written = 0
    feed = 100_000
    while written < count:
        items = feed_items(feed, reports)[: count - written]
        (folder / f"feed-{feed}.xml").write_bytes(rss(f"replay {feed}", items))
        written += len(items)
        feed += 1
    return written


def bench_replay(count: int, reports: Sequence[tuple[str, str]], scratch: Path, results: Results) -> None:
    import feedparser  # the same feedparser monitor uses, from this venv

    folder = scratch / "replay"
    items = replay_files(folder / "items", count, reports)
    one = folder / "one"
    one.mkdir()
    (one / "one.xml").write_bytes(rss("one", feed_items(200_000, reports)[:1]))

    started = time.process_time()
    parsed = sum(len(feedparser.parse(path.read_bytes()).entries) for path in sorted((folder / "items").iterdir()))
    bare = time.process_time() - started

    config = monitor_config(folder, [])
    env = tool_env(folder / "home")
    (folder / "home").mkdir()
    log = folder / "log.txt"

    def replay(inputs: Path, out: str) -> Run:
        return measured([*monitor_argv(), "--config", str(config), "replay", str(inputs), "--out",
                         str(folder / out)], env, log, folder)

    base = replay(one, "one.jsonl")
    full = replay(folder / "items", "items.jsonl")
    if not (base.ok and full.ok):
        results.replay_error = f"exit {base.code if not base.ok else full.code}: {tail(log)}"
        print(f"  replay failed, {results.replay_error}")
        return
    results.replay = {"items": items, "parsed": parsed, "bare_cpu": bare, "cpu": full.cpu, "wall": full.wall,
                      "base_cpu": base.cpu, "peak_kb": full.peak_kb}
    print(f"  replay of {items} items: {full.cpu:.1f} CPU-s ({base.cpu:.1f} to start and replay one); "
          f"feedparser alone {bare:.2f} CPU-s", flush=True)


# Each a new incident at its own site, worded apart: reports that differ only in the place's name would be
# taken for copies of one article, and a copy raises no alert.
LATENCY_REPORTS = (
    ("Rockets hit Harir air base", "Three rockets struck the Harir air base north of Erbil, which hosts US-led "
     "coalition forces, the coalition said. Nobody was hurt."),
    ("Drone downed over Mission Support Site Conoco", "Coalition air defences shot down an explosive drone that "
     "targeted Mission Support Site Conoco in eastern Syria on Sunday, a US official said."),
    ("Green Village base shelled", "Mortar rounds landed inside the Green Village base used by American troops "
     "near the Euphrates, damaging a vehicle, according to a statement from the coalition."),
    ("Attack on Rumalyn Landing Zone", "Unknown attackers fired rockets at the Rumalyn Landing Zone, where US "
     "soldiers are stationed, without causing casualties, activists reported."),
    ("Al-Shaddadi base targeted by drones", "Two one-way attack drones were launched at the Al-Shaddadi base in "
     "north-east Syria overnight; US forces intercepted both, officials told reporters."),
    ("Rocket attack on Tal Baydar", "A rocket attack targeted the coalition base at Tal Baydar west of Hasakah on "
     "Tuesday evening, sources in the Syrian Democratic Forces said. No injuries were reported."),
    ("Katyusha rockets fall on Union III", "Katyusha rockets fell on the Union III compound in central Baghdad, "
     "home to the coalition headquarters, setting off sirens; there were no casualties."),
    ("Drone attack on Al-Tanf garrison", "The Al-Tanf garrison near the Syria-Jordan border came under drone attack "
     "early on Friday, US Central Command said, adding that the drones were destroyed."),
    ("Explosions at Erbil airport base", "Rockets slammed into the Erbil air base, which hosts American forces, "
     "late on Wednesday, the Kurdistan region's counter-terrorism service said."),
    ("Ain al-Asad comes under fire", "Several missiles were fired at Ain al-Asad air base in Anbar province, where "
     "US troops are based, on Thursday morning, Iraqi security sources said."),
)


def bench_latency(server: FeedServer, alerts: int, scratch: Path, results: Results) -> None:
    """Publish one report at a time on a feed `monitor run` polls every 2 s; time body end -> webhook."""
    receiver = Receiver()
    folder = scratch / "latency"
    folder.mkdir()
    path = "/alerts/wire.xml"
    backlog = [Item("backlog-0", "http://news.invalid/alerts/backlog.html", "Council approves budget",
                    "The city council approved a budget for schools.", datetime.now(UTC) - timedelta(days=3))]
    published: list[Item] = []

    def publish() -> None:
        items = [*reversed(published), *backlog]
        server.put(path, rss("Alert wire", items), datetime.now(UTC), [i.guid for i in items])

    publish()
    config = monitor_config(
        folder, [{"name": "alert wire", "url": server.url(path), "interval": "2s"}],
        schedule={"jitter": "1s"},
        notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "bench hook", "format": "json"}])
    env = tool_env(folder / "home")
    (folder / "home").mkdir()
    log = folder / "log.txt"
    server.reset_counts()
    with log.open("ab") as out:
        daemon = subprocess.Popen([*monitor_argv(), "--config", str(config), "run"], stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=folder)
    try:
        if not wait_until(lambda: sum(1 for a in server.answered if a.path == path) >= 2, 120, daemon):
            results.latency_note = f"the daemon never polled twice: {tail(log)}"
            return
        for k in range(alerts):
            title, text = LATENCY_REPORTS[k % len(LATENCY_REPORTS)]
            link = f"http://news.invalid/alerts/{k}.html"
            guid = f"alert-{k}"
            published.append(Item(guid, link, title, text, datetime.now(UTC) - timedelta(minutes=1)))
            publish()
            got = wait_until(functools.partial(alerted, receiver, link), 60, daemon)
            arrived = arrival(receiver, link)
            served = [a.finished for a in list(server.answered) if a.status == 200 and guid in a.items]
            if not got or arrived is None or not served:
                results.latency_note = f"no alert for report {k} within 60 s: {tail(log)}"
                return
            results.latencies.append(arrived - min(served))
            print(f"  alert {k + 1}: {1000 * results.latencies[-1]:.0f} ms", flush=True)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=45)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        receiver.close()


def arrival(receiver: Receiver, link: str) -> float | None:
    for got in receiver.snapshot():
        if got.body.get("kind") in ("new_event", "event_update") and any(
                isinstance(s, dict) and s.get("link") == link for s in got.body.get("sources") or []):
            return got.at
    return None


def alerted(receiver: Receiver, link: str) -> bool:
    return arrival(receiver, link) is not None


def wait_until(condition: Callable[[], bool], seconds: float, proc: subprocess.Popen[bytes]) -> bool:
    """Poll `condition` until it holds, the process ends, or `seconds` pass (a wait for a daemon, not a bound
    on anything measured)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.01)
    return condition()


# --------------------------------------------------------------------------- the report


def speedup(peer: Run | str | None, mine: Run | str | None) -> str:
    ratio = _ratio(peer, mine)
    return "-" if ratio is None else f"{ratio:.1f}x"


def rss_ratio(peer: Run | str | None, mine: Run | str | None) -> str:
    if not (isinstance(peer, Run) and isinstance(mine, Run) and peer.ok and mine.ok) or peer.peak_kb == 0:
        return "-"
    return f"{mine.peak_kb / peer.peak_kb:.2f}x"


def timing(run: Run | str | None) -> str:
    if run is None:
        return "-"
    if isinstance(run, str):
        return "n/a"
    if not run.ok:
        return f"failed (exit {run.code})"
    return f"{run.wall:.1f} s ({run.cpu:.1f} CPU-s)"


def memory(runs: Sequence[Run | str | None]) -> str:
    peaks = [r.peak_kb for r in runs if isinstance(r, Run) and r.ok]
    return f"{max(peaks) / 1024:.0f} MB" if peaks else "-"


def peak_run(runs: Sequence[Run | str | None]) -> Run | None:
    ok = [r for r in runs if isinstance(r, Run) and r.ok]
    return max(ok, key=lambda r: r.peak_kb) if ok else None


def goal(text: str, met: bool | None) -> str:
    return f"{text}: " + {True: "met", False: "MISSED", None: "?"}[met]


def print_report(results: Results, counts: Sequence[int], missing: dict[str, str]) -> None:
    rows: list[tuple[str, ...]] = [("measure", "vs rss2email", "vs feed2exec", "monitor", "rss2email", "feed2exec",
                                    "goal")]
    for count in counts:
        for label, title in (("first", "first round"), ("304", "every answer 304")):
            runs = results.rounds.get((count, label), {})
            mine = runs.get("monitor")
            r2e, f2e = runs.get("rss2email"), runs.get("feed2exec")
            wanted = 5.0 if label == "first" else 20.0
            ratios = [_ratio(p, mine) for p in (r2e, f2e)]
            peers_met = [r >= wanted for r in ratios if r is not None]
            limit = 20.0 if label == "first" else 5.0
            if label == "first":
                target = goal(">= 5x rss2email", ratios[0] >= wanted if ratios[0] is not None else None)
            else:
                target = goal(">= 20x both", all(peers_met) if peers_met else None)
            if count >= 1000 and isinstance(mine, Run) and mine.ok:
                target += "; " + goal(f"< {limit:.0f} s", mine.wall < limit)
            rows.append((f"{count:,} feeds, {title}", speedup(r2e, mine), speedup(f2e, mine), timing(mine),
                         timing(r2e), timing(f2e), target))
        both = [results.rounds.get((count, label), {}) for label in ("first", "304")]
        peaks = {name: peak_run([b.get(name) for b in both]) for name in TOOLS}
        mine_peak = peaks["monitor"]
        rows.append((f"peak RSS, {count:,} feeds", rss_ratio(peaks["rss2email"], mine_peak),
                     rss_ratio(peaks["feed2exec"], mine_peak),
                     *(memory([peaks[n]]) for n in TOOLS),
                     goal("< 100 MB", mine_peak.peak_kb < 100 * 1024 if mine_peak else None)
                     if count >= 1000 else ""))
    table(rows)
    print("  (times: the peer's over monitor's, above 1x monitor is faster; RSS: monitor's over the peer's)")
    for name, why in missing.items():
        print(f"  {name} left out: {why}")
    print()

    replay = results.replay
    if "cpu" in replay:
        items = replay["items"]
        rate = items / replay["cpu"]
        net_cpu = replay["cpu"] - replay["base_cpu"]
        net = (items - 1) / net_cpu if net_cpu > 0 else float("inf")
        bare = replay["parsed"] / replay["bare_cpu"] if replay["bare_cpu"] > 0 else float("inf")
        table([("replay", "vs feedparser", "monitor replay", "bare feedparser", "goal"),
               (f"{items:,} items, per CPU-second", f"{net / bare:.3f}x", f"{net:,.0f} net ({rate:,.0f} with start-up;"
                f" {items / replay['wall']:,.0f}/s wall)", f"{bare:,.0f}",
                goal(">= 5,000 items/s on one core", net >= 5000))])
    elif results.replay_error:
        print(f"replay: failed, {results.replay_error}")
    print()
    if results.latencies:
        ms = sorted(1000 * x for x in results.latencies)
        p90 = ms[math.ceil(0.9 * len(ms)) - 1]  # nearest rank: with few alerts, the slowest counts
        table([("alert latency", "median", "p90", "all", "goal"),
               (f"body end -> webhook, {len(ms)} alerts", f"{statistics.median(ms):.0f} ms", f"{p90:.0f} ms",
                " ".join(f"{x:.0f}" for x in ms), goal("< 200 ms", p90 < 200))])
    if results.latency_note:
        print(f"alert latency: {results.latency_note}")


def _ratio(peer: Run | str | None, mine: Run | str | None) -> float | None:
    if isinstance(peer, Run) and isinstance(mine, Run) and peer.ok and mine.ok and mine.wall > 0:
        return peer.wall / mine.wall
    return None


def table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="monitor against rss2email and feed2exec on a local feed server")
    parser.add_argument("--feeds", default="200,1000", help="feed counts, comma-separated (default 200,1000)")
    parser.add_argument("--quick", action="store_true", help="50 feeds, 300 replay items, 3 alerts: a fast check")
    parser.add_argument("--replay-items", type=int, default=2000, help="items for the replay measure (default 2000)")
    parser.add_argument("--alerts", type=int, default=10, help="alerts timed for the latency (default 10)")
    parser.add_argument("--peers-venv", type=Path,
                        help="reuse (or create and keep) the peers' venv here instead of a throwaway one")
    parser.add_argument("--feeds-per-host", type=int, default=20,
                        help="feeds served by each host (127.0.0.1, 127.0.0.2, ...; default 20)")
    args = parser.parse_args(argv)
    counts = [50] if args.quick else [int(n) for n in args.feeds.split(",") if n.strip()]
    replay_items = 300 if args.quick else args.replay_items
    alerts = 3 if args.quick else args.alerts

    reports = labelled_reports(SHARED) or list(OWN_REPORTS)
    print(f"monitor vs rss2email and feed2exec, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"feeds of 20 items (1 in 20 a {'shared labelled' if len(reports) > 3 else 'built-in'} report, the rest "
          f"ordinary news) from 127.0.0.1 with {LATENCY * 1000:.0f} ms added to each answer, ETag and Last-Modified;")
    print(f"{args.feeds_per_host} feeds per host (127.0.0.1, 127.0.0.2, ...);")
    print("each tool from an empty state: a first round, then a round where every answer is 304;")
    print("wall time and CPU seconds of the tool's process and its children (os.wait4), peak RSS of them together "
          "(the larger of os.wait4's and a 20 ms sampling); set-up not counted.")

    with tempfile.TemporaryDirectory(prefix="bench-peers-") as tmp:
        scratch = Path(tmp)
        venv = args.peers_venv or scratch / "peers-venv"
        print(f"installing rss2email and feed2exec into {venv} ...", flush=True)
        ready, missing = install_peers(venv, reuse=args.peers_venv is not None and venv.exists())
        versions = ", ".join(f"{n} {peer_version(b, n)}" for n, b in ready.items())
        print(f"peers: {versions or 'none'}" + "".join(f"; {n} left out: {why}" for n, why in missing.items()))
        compile_monitor()
        makers: dict[str, Callable[[Path], Tool]] = {"monitor": Monitor}
        if "rss2email" in ready:
            makers["rss2email"] = lambda folder: Rss2email(folder, ready["rss2email"])
        if "feed2exec" in ready:
            makers["feed2exec"] = lambda folder: Feed2exec(folder, ready["feed2exec"])

        server = FeedServer(LATENCY, hosts=math.ceil(max(counts) / max(1, args.feeds_per_host)))
        results = Results()
        try:
            for i in range(max(counts)):
                items = feed_items(i, reports)
                server.put(f"/feeds/{i}.xml", rss(f"Bench feed {i}", items), BASE_TIME, [x.guid for x in items])
            print("\nrounds:")
            bench_rounds(server, counts, makers, missing, scratch, results, max(1, args.feeds_per_host))
            print("\nreplay:")
            bench_replay(replay_items, reports, scratch, results)
            print("\nalert latency:")
            bench_latency(server, alerts, scratch, results)
        finally:
            server.close()
    print("\nresults (ratios first, then absolute figures)\n")
    print_report(results, counts, missing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
