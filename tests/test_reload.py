"""Reloading the running daemon: SIGHUP, or a changed config file. A good config takes effect (feeds and
targets added or removed) with nothing pending lost; a broken one is refused in the log and the old one goes on."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from servers import Daemon

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FIXTURE_CONFIG = Path(__file__).parent / "fixtures" / "config"
TIMEOUT = 60.0  # generous: the machine is shared; each wait ends as soon as its condition holds


def _wait_for(predicate: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


FAST = {"interval": "1s", "jitter": "1s", "delivery_interval": "1s"}
RETRY = {"retry_base": "1s", "max_retry_delay": "2s"}


def test_sighup_reloads_feeds_and_targets_and_refuses_a_broken_config(feed_server, receiver, make_config,
                                                                       tmp_path):
    feed_server.add_feed("/a.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    feed_server.add_feed("/b.xml", (FEEDS / "taji_attack_atom.xml").read_bytes())
    feed_server.add_status("/c.xml", 500, b"down")
    feed_a = {"url": feed_server.url("/a.xml"), "name": "feed a"}
    feed_b = {"url": feed_server.url("/b.xml"), "name": "feed b"}
    feed_c = {"url": feed_server.url("/c.xml"), "name": "feed-c"}  # failing throughout
    # The target's URL answers nothing at first: its alerts wait in the outbox under its name.
    config = make_config(feeds=[feed_a, feed_c], notify=[{"url": "json://127.0.0.1:9/hook", "name": "hook"}],
                         schedule=FAST, alerts=RETRY)
    alerts_file = tmp_path / "state" / "alerts.jsonl"
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        _wait_for(lambda: alerts_file.exists() and len(alerts_file.read_text().splitlines()) == 2,
                  "the first feed's two alerts")
        _wait_for(lambda: "delivery of" in daemon.output and "to hook failed" in daemon.output,
                  "a failed delivery to the dead target")

        # A feed added, and the target's URL changed under the same name.
        make_config(feeds=[feed_a, feed_b, feed_c], notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook",
                                                     "name": "hook"}], schedule=FAST, alerts=RETRY)
        daemon.proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: "configuration reloaded (SIGHUP)" in daemon.output, "the reload")
        _wait_for(lambda: feed_server.count("/b.xml") >= 1, "the added feed to be polled")
        # The two alerts that waited, and the new feed's one, each once.
        _wait_for(lambda: len([r for r in receiver.received if r.status == 200]) >= 3, "three alerts delivered")
        titles = [r.json["title"] for r in receiver.received if r.status == 200]
        assert len(titles) == len(set(titles)) == 3, titles

        # A broken config: refused, named in ERROR lines, and the daemon goes on polling as before.
        config.write_text(config.read_text(encoding="utf-8").replace("interval: 1s", "interval: soon"),
                          encoding="utf-8")
        daemon.proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: "refused; the daemon goes on" in daemon.output, "the refusal")
        errors = [line for line in daemon.output.splitlines() if " ERROR " in line]
        assert any(str(config) in line and "schedule.interval" in line for line in errors), errors
        polled = feed_server.count("/a.xml")
        _wait_for(lambda: feed_server.count("/a.xml") > polled, "a poll after the refused reload")
        assert daemon.proc.poll() is None
        assert daemon.stop() == 0
    finally:
        daemon.stop()
    assert "Traceback" not in daemon.output
    # Each failed poll of the failing feed is logged once (it used to be twice: the pipeline and the daemon).
    failures = [line for line in daemon.output.splitlines() if "feed feed-c" in line]
    assert failures and len(failures) == feed_server.count("/c.xml"), failures
    assert all("failed (" in line and "HTTP 500" in line for line in failures), failures


def test_a_changed_config_file_is_reloaded_without_a_signal(feed_server, make_config, tmp_path):
    feed_server.add_feed("/a.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    feed_server.add_feed("/b.xml", (FEEDS / "taji_attack_atom.xml").read_bytes())
    rules = tmp_path / "rules.yaml"  # a file the main config names: a change to it reloads too
    rules.write_text((FIXTURE_CONFIG / "no_rules.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    config = make_config(feeds=[{"url": feed_server.url("/a.xml")}], rules=str(rules), schedule=FAST)
    daemon = Daemon(config, tmp_path / "daemon.log")
    try:
        _wait_for(lambda: feed_server.count("/a.xml") >= 1, "the first feed to be polled")
        # The first feed replaced by another.
        make_config(feeds=[{"url": feed_server.url("/b.xml")}], rules=str(rules), schedule=FAST)
        _wait_for(lambda: "configuration reloaded (a config file changed)" in daemon.output, "the reload")
        _wait_for(lambda: feed_server.count("/b.xml") >= 1, "the new feed to be polled")
        removed_polls = feed_server.count("/a.xml")
        polled = feed_server.count("/b.xml")

        with rules.open("a", encoding="utf-8") as handle:
            handle.write("# edited\n")
        _wait_for(lambda: daemon.output.count("configuration reloaded (a config file changed)") >= 2,
                  "a reload after the rules file changed")
        _wait_for(lambda: feed_server.count("/b.xml") >= polled + 1, "another poll of the new feed")
        # One poll of the removed feed may have been under way at the reload; none starts after it.
        assert feed_server.count("/a.xml") <= removed_polls + 1, "the removed feed is no longer polled"
        assert daemon.stop() == 0
    finally:
        daemon.stop()
