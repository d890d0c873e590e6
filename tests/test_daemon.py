"""The daemon as a user runs it: a subprocess that polls on schedule and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
        assert "another monitor daemon" in second.stderr and str(first.pid) in second.stderr
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
