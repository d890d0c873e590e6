"""The daemon as a user runs it: a subprocess that polls on schedule and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from servers import Daemon, HttpReceiver

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_run_polls_alerts_and_exits_zero_on_sigterm(feed_server, make_config, tmp_path):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}],
                         schedule={"interval": "1s", "jitter": "1s", "delivery_interval": "1s"})
    alerts_file = tmp_path / "state" / "alerts.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert _wait_for(lambda: alerts_file.exists() and len(alerts_file.read_text().splitlines()) >= 2, 20)
        assert _wait_for(lambda: feed_server.count("/seed.xml") >= 2, 10), "the feed is polled again"
        assert (tmp_path / "state" / "heartbeat").exists()
        status = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "status", "--health"],
                                capture_output=True, text=True, timeout=30)
        assert status.returncode == 0, status.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read()
    assert "monitor stopped" in output
    kinds = [json.loads(line)["kind"] for line in alerts_file.read_text().splitlines()]
    assert kinds == ["new_event", "new_event"]


def test_health_check_fails_without_a_running_daemon(make_config):
    config = make_config()
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "status", "--health"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1 and "unhealthy" in result.stderr


def test_a_second_daemon_on_the_same_sqlite_file_refuses_to_start(make_config, tmp_path):
    config = make_config(schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"})
    first = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(lambda: (tmp_path / "state" / "heartbeat").exists(), 20)
        second = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "run"],
                                capture_output=True, text=True, timeout=30)
        assert second.returncode == 2
        assert "another monitor process" in second.stderr and str(first.pid) in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the first daemon keeps running"
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()


def test_unusable_state_folder_is_a_clear_error(make_config, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be", encoding="utf-8")
    config = make_config(database=f"sqlite:///{blocker}/monitor.db")
    result = subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), "poll", "--once"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not-a-folder" in result.stderr


def test_kill_nine_with_deliveries_pending_loses_nothing(feed_server, receiver, make_config, tmp_path):
    """The daemon is killed while a target is slow to confirm; after a restart every alert arrives.

    Documented bound: a target that received an alert but had not confirmed it when the process died
    gets it again, so duplicates are at most one per target per delivery in flight (here: 1).
    """
    feeds_dir = Path(__file__).parent / "fixtures" / "feeds"
    for name in ("seed_cycle.xml", "taji_attack_atom.xml", "arabic_report.xml"):
        feed_server.add_feed(f"/{name}", (feeds_dir / name).read_bytes())
    config = make_config(feeds=[{"url": feed_server.url(f"/{n}")} for n in
                                ("seed_cycle.xml", "taji_attack_atom.xml", "arabic_report.xml")],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"}],
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"},
                         alerts={"file": None, "log": False})
    receiver.delay = 2.0
    command = [sys.executable, "-m", "monitor", "--config", str(config), "run"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: len(receiver.received) >= 1, 30), "a delivery is in flight"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    receiver.delay = 0.0
    second = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: len({r.json["title"] for r in receiver.received}) >= 4, 40)
        time.sleep(2)  # let any stray resend show up
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()
    titles = [r.json["title"] for r in receiver.received]
    duplicates = len(titles) - len(set(titles))
    print(f"\n  kill -9 with a delivery in flight: {len(set(titles))} alerts arrived, {duplicates} duplicate(s)")
    assert len(set(titles)) == 4
    assert duplicates <= 1


# --- exactly once, on one machine ------------------------------------------------------------------

PLACES = ["Camp Taji", "Ain al-Asad air base", "Erbil air base", "the K1 base near Kirkuk", "Balad air base",
          "Harir base", "Al-Tanf garrison", "the Conoco gas field base", "Green Village", "Tower 22",
          "Al-Shaddadi base", "the Rumalyn landing zone"]


def incident_feed(i: int) -> bytes:
    """A feed holding one new report of its own incident: a different base, three days after the previous."""
    place = PLACES[i % len(PLACES)]
    day = datetime(2024, 1, 1, 21, 0, tzinfo=UTC) + timedelta(days=3 * i)
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire {i}</title>
<item><guid>incident-{i}</guid><title>Rockets hit {place} housing US troops</title>
<link>https://wire.example/{i}</link><pubDate>{format_datetime(day)}</pubDate>
<description>{3 + i} rockets struck {place} overnight on {day:%B} {day.day}, officials said; no casualties were
reported.</description>
</item></channel></rss>""".encode()


def _twelve_feeds(feed_server) -> list[dict]:
    for i in range(12):
        feed_server.add_feed(f"/wire{i}.xml", incident_feed(i))
    return [{"url": feed_server.url(f"/wire{i}.xml")} for i in range(12)]


def _arrivals(receiver, path: str) -> list[str]:
    return [r.json["title"] for r in receiver.received if r.path == path and 200 <= r.status < 300]


def _bodies(receiver) -> list[tuple[str, str]]:
    """Alerts as received (title and body: two incidents at one base share a title, not a body)."""
    return [(r.json["title"], r.json["message"]) for r in receiver.received if 200 <= r.status < 300]


def _run_until_delivered(config: Path, log: Path, receiver, alerts: int) -> None:
    """Start the daemon, wait until `alerts` different alerts arrived, give strays a moment, stop it."""
    daemon = Daemon(config, log)
    try:
        assert _wait_for(lambda: len(set(_bodies(receiver))) >= alerts, 60), daemon.output
        time.sleep(2)
        assert daemon.stop() == 0
    finally:
        daemon.stop()


def test_twelve_feeds_a_slow_and_a_fast_target_each_alert_once_at_each(feed_server, receiver, make_config, tmp_path):
    """The measured defect: a delivery after every poll beside a delivery timer, neither claiming, sent each
    alert several times. One delivery loop that claims: each alert once at each target, the fast one not
    held back by the slow one. The slow one answers its first alert after 5 s, past Apprise's default 4 s (a
    timeout there would send it again), and every other after 0.5 s: its round still spans several delivery
    ticks and polls, which is what sent copies before, without twelve five-second waits."""
    with HttpReceiver() as slow:
        slow.set_delays([5.0])
        slow.delay = 0.5
        config = make_config(feeds=_twelve_feeds(feed_server),
                             notify=[{"url": f"json://127.0.0.1:{slow.port}/slow", "name": "slow"},
                                     {"url": f"json://127.0.0.1:{receiver.port}/fast", "name": "fast"}],
                             schedule={"interval": "5s", "jitter": "1s", "delivery_interval": "1s"},
                             alerts={"file": None, "log": False})
        daemon = Daemon(config, tmp_path / "daemon.log")
        try:
            assert _wait_for(lambda: len(_arrivals(receiver, "/fast")) >= 12, 60), daemon.output
            fast_done = len(slow.received)
            assert _wait_for(lambda: len(_arrivals(slow, "/slow")) >= 12, 120), daemon.output
            time.sleep(3)  # room for any stray second copy to show up
            assert daemon.stop() == 0
        finally:
            daemon.stop()
        fast, late = _arrivals(receiver, "/fast"), _arrivals(slow, "/slow")
    polls = min(feed_server.count(f"/wire{i}.xml") for i in range(12))
    print(f"\n  12 feeds (each polled >= {polls} times), 12 alerts: fast target {len(fast)} arrivals, slow target "
          f"{len(late)} arrivals, duplicates {len(fast) - len(set(fast))} + {len(late) - len(set(late))}")
    assert polls >= 2
    assert len(fast) == len(set(fast)) == 12
    assert len(late) == len(set(late)) == 12 and set(late) == set(fast)
    assert fast_done < 12, "the fast target got everything while the slow one was still busy"
    assert "monitor stopped" in daemon.output


@pytest.mark.parametrize("rounds", [4, pytest.param(20, marks=pytest.mark.soak)])
def test_sigkill_during_delivery_rounds_loses_nothing(feed_server, receiver, make_config, tmp_path, rounds):
    """Killed at random moments of its delivery rounds (4 times; 20 in the soak run, `pytest -m soak`): every
    alert arrives, and duplicates stay within the documented bound (one per target per crash)."""
    for i in range(24):
        feed_server.add_feed(f"/wire{i}.xml", incident_feed(i))
    config = make_config(feeds=[{"url": feed_server.url(f"/wire{i}.xml")} for i in range(24)],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}],
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"},
                         alerts={"file": None, "log": False, "retry_base": "1s"})
    receiver.delay = 0.3
    rng = random.Random(20)
    kills = 0
    for round_ in range(rounds):
        daemon = Daemon(config, tmp_path / f"daemon{round_}.log")
        started = len(receiver.received)
        # Once this run's round is under way (its first request arrived), at a random point of it.
        _wait_for(lambda d=daemon, n=started: len(receiver.received) > n or d.proc.poll() is not None, 30)
        time.sleep(rng.uniform(0, 0.4))
        daemon.stop(signal.SIGKILL)
        kills += 1
    receiver.delay = 0.0
    _run_until_delivered(config, tmp_path / "final.log", receiver, 24)
    arrived = [(r.json["title"], r.json["message"]) for r in receiver.received]
    duplicates = len(arrived) - len(set(arrived))
    print(f"\n  {kills} kill -9 during delivery rounds: 24 alerts, {len(set(arrived))} arrived, {len(arrived)} "
          f"arrivals, {duplicates} duplicate(s) (bound: {kills})")
    assert len(set(arrived)) == 24
    assert duplicates <= kills


def _monitor(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", "--config", str(config), *args], capture_output=True,
                          text=True, timeout=120)


def _monitor_all(runs: list[tuple[Path, list[str]]]) -> list[subprocess.CompletedProcess]:
    """Several `monitor` commands at once (each one mostly waits for Python to start), in the order given."""
    with ThreadPoolExecutor(len(runs)) as pool:
        return list(pool.map(lambda run: _monitor(run[0], *run[1]), runs))


def test_a_deleted_database_stops_the_daemon_and_a_restart_is_refused(feed_server, make_config, tmp_path):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}],
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"})
    alerts_file = tmp_path / "state" / "alerts.jsonl"
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        assert _wait_for(lambda: alerts_file.exists() and len(alerts_file.read_text().splitlines()) >= 2, 30)
        assert _wait_for(lambda: (tmp_path / "state" / "monitor.db.history").exists(), 10), daemon.output
        (tmp_path / "state" / "monitor.db").unlink()
        assert daemon.proc.wait(timeout=30) == 3
    finally:
        daemon.stop()
    assert "the database file" in daemon.output and "was deleted" in daemon.output and "ERROR" in daemon.output
    assert "monitor stopped" in daemon.output
    # Started again on the empty database that would replace it, it would alert on everything once more.
    again = _monitor(config, "run")
    assert again.returncode == 2 and "holds no alerts" in again.stderr and "Traceback" not in again.stderr
    assert len(alerts_file.read_text().splitlines()) == 2


def test_the_sqlite_lock_holds_through_symlinks_query_strings_and_for_poll_once(make_config, tmp_path):
    real = tmp_path / "data" / "monitor.db"
    real.parent.mkdir()
    config = make_config(database=f"sqlite:///{real}", schedule={"interval": "1h", "jitter": "1s",
                                                                  "delivery_interval": "1s"})
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        assert _wait_for(lambda: (tmp_path / "state" / "heartbeat").exists(), 30), daemon.output
        link = tmp_path / "link.db"
        link.symlink_to(real)
        runs = []
        own = config.read_text(encoding="utf-8")
        for n, database in enumerate((f"sqlite:///{link}", f"sqlite:///{real}?timeout=5")):
            # make_config writes monitor.yaml: a copy of its own for each database, since they run at once.
            other = tmp_path / f"other{n}.yaml"
            other.write_text(make_config(database=database).read_text(encoding="utf-8"), encoding="utf-8")
            runs += [(other, command) for command in
                     (["run"], ["poll", "--once"], ["replay", str(FEEDS / "seed_cycle.xml"), "--db", database])]
        config.write_text(own, encoding="utf-8")  # the daemon's own file, as it was
        for (config_file, command), result in zip(runs, _monitor_all(runs), strict=True):
            assert result.returncode == 2, (config_file.name, command, result.stderr)
            assert "another monitor process" in result.stderr and str(daemon.proc.pid) in result.stderr
            assert "Traceback" not in result.stderr
        assert daemon.proc.poll() is None
        assert daemon.stop() == 0
    finally:
        daemon.stop()


def test_sigterm_during_a_slow_delivery_finishes_it_and_sends_nothing_after_stopping(
        feed_server, receiver, make_config, tmp_path):
    for i in range(4):
        feed_server.add_feed(f"/wire{i}.xml", incident_feed(i))
    config = make_config(feeds=[{"url": feed_server.url(f"/wire{i}.xml")} for i in range(4)],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}],
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s",
                                   "shutdown_grace": "1500ms"},
                         alerts={"file": None, "log": False})
    receiver.delay = 1.0  # four sends take 4 s: the grace period ends the round after the second
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        assert _wait_for(lambda: len(receiver.received) >= 1, 30), daemon.output
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.stop()
    stopped_with = len(receiver.received)
    time.sleep(1.5)  # a sender thread left running would post again here (a send takes 1 s)
    assert len(receiver.received) == stopped_with, "nothing is sent after 'monitor stopped'"
    assert "monitor stopped" in daemon.output
    assert all(r.status == 200 for r in receiver.received)
    assert 1 <= stopped_with < 4  # the grace period ends the round; what is left waits in the outbox
    # Every send that started was recorded: a restart sends the rest, and nothing twice.
    receiver.delay = 0.0
    _run_until_delivered(config, tmp_path / "again.log", receiver, 4)
    assert len(_bodies(receiver)) == 4


def test_sighup_is_logged_and_the_daemon_goes_on(make_config, tmp_path):
    config = make_config(schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"})
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        assert _wait_for(lambda: "monitor running" in daemon.output, 30), daemon.output
        daemon.proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: "SIGHUP" in daemon.output, 10), daemon.output
        time.sleep(1)
        assert daemon.proc.poll() is None, "SIGHUP does not end the daemon"
        assert daemon.stop() == 0
    finally:
        daemon.stop()
    assert "configuration reloaded (SIGHUP)" in daemon.output  # tests/test_reload.py tests what reloading does


def test_tokens_and_feed_credentials_never_show(feed_server, receiver, make_config, tmp_path):
    """A token in a json:// path, a password in a notification URL and credentials in a feed URL: not in
    the DEBUG log, `status`, `check-config`, `notify-test`, the database, or the alerts other targets get."""
    token, password, feed_secret = "PATHTOKEN0123456789abcdef", "N0TIFYPASSWORD", "FEEDPASSWORD99"
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    feed_url = feed_server.url("/seed.xml").replace("http://", f"http://reader:{feed_secret}@")
    config = make_config(feeds=[{"url": feed_url}],
                         notify=[{"url": f"json://127.0.0.1:9/hook/{token}", "name": "dead"},
                                 {"url": f"json://bot:{password}@127.0.0.1:{receiver.port}/ok", "name": "ok"}],
                         log_level="DEBUG", alerts={"retry_base": "1s", "max_retry_delay": "2s"},
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"})
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        # Three failed attempts to the dead target make the failing-target alert to the others.
        assert _wait_for(lambda: any("failing" in r.json["title"] for r in receiver.received), 60), daemon.output
        assert daemon.stop() == 0
    finally:
        daemon.stop()
    assert feed_server.count("/seed.xml") >= 1
    seen = [daemon.output]
    for result in _monitor_all([(config, ["status"]), (config, ["check-config"]), (config, ["notify-test"])]):
        seen += [result.stdout, result.stderr]
    assert "notify: dead: json://127.0.0.1:9/hook/****" in seen[3]  # check-config shows it, masked
    seen += [json.dumps(r.json) for r in receiver.received]
    seen.append((tmp_path / "state" / "alerts.jsonl").read_text(encoding="utf-8"))
    import sqlite3

    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:
        seen += ["\n".join(db.iterdump())]
    everything = "\n".join(seen)
    assert "DEBUG" in daemon.output and "127.0.0.1:9" in daemon.output  # the log did talk about the target
    for secret in (token, password, feed_secret):
        assert secret not in everything, secret
    assert "reader:" not in everything


def test_sigterm_during_a_poll_lets_it_finish_and_sends_what_it_found(feed_server, receiver, make_config, tmp_path):
    feed_server.add_slow("/slow.xml", incident_feed(0), delay_seconds=3.0)
    config = make_config(feeds=[{"url": feed_server.url("/slow.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}],
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"},
                         alerts={"file": None, "log": False})
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        # The first poll starts as the daemon comes up; the feed takes 3 s to answer.
        assert _wait_for(lambda: "monitor running" in daemon.output, 30), daemon.output
        time.sleep(1)
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.stop()
    assert "finishing 1 running poll(s)" in daemon.output
    assert len(_bodies(receiver)) == 1, "the poll finished, and its alert went out before 'monitor stopped'"
    assert daemon.output.index("feed http") < daemon.output.index("monitor stopped")


class _HeldFeed(BaseHTTPRequestHandler):
    """A feed that answers only once the receiver has an alert (or after 20 s), noting which came first."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        receiver = self.server.receiver  # type: ignore[attr-defined]
        try:
            receiver.wait_for(1, timeout=20)
            self.server.alert_came_first = True  # type: ignore[attr-defined]
        except AssertionError:
            self.server.alert_came_first = False  # type: ignore[attr-defined]
        body = b"<?xml version='1.0'?><rss version='2.0'><channel><title>held</title></channel></rss>"
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_an_alert_goes_out_when_its_feed_is_stored_not_when_the_whole_poll_ends(
        feed_server, receiver, make_config, tmp_path):
    # Two feeds polled together: one brings an incident at once, the other answers only after the alert
    # arrived. Delivery waiting for the end of the poll would leave the held feed hanging for 20 s.
    feed_server.add_feed("/wire.xml", incident_feed(0))
    held = ThreadingHTTPServer(("127.0.0.1", 0), _HeldFeed)
    held.daemon_threads = True
    held.receiver = receiver  # type: ignore[attr-defined]
    held.alert_came_first = None  # type: ignore[attr-defined]
    threading.Thread(target=held.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    config = make_config(feeds=[{"url": feed_server.url("/wire.xml")},
                                {"url": f"http://127.0.0.1:{held.server_address[1]}/held.xml"}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}],
                         # Neither a retry timer nor a second poll may send it: only the commit's wake-up.
                         schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1h"},
                         fetch={"timeout": "30s"}, alerts={"file": None, "log": False})
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        assert _wait_for(lambda: held.alert_came_first is not None, 40), daemon.output
        assert _wait_for(lambda: "held.xml: status 200" in daemon.output, 10), daemon.output
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        daemon.stop()
        held.shutdown()
        held.server_close()
    assert held.alert_came_first, "the alert went out while the other feed of its poll was still being fetched"
    assert len(_bodies(receiver)) == 1
