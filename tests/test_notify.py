"""Delivery from the outbox to real receivers: retries, dead targets, hostile text made inert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import notify, outbox, pipeline, store
from monitor.cli import main
from monitor.config import load_settings
from monitor.notify import inert

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _runtime(config: Path) -> pipeline.Runtime:
    return pipeline.build_runtime(load_settings(config))


def test_failing_target_is_retried_and_delivered_exactly_once(feed_server, receiver, make_config):
    receiver.set_statuses([500, 500])
    feed_server.add_feed("/k1.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/k1.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"}],
                         alerts={"file": None, "log": False, "retry_base": "10s", "max_attempts": 5})
    runtime = _runtime(config)
    import asyncio

    asyncio.run(pipeline.poll_once(runtime))
    assert [r.status for r in receiver.received] == [500]
    now = datetime.now(UTC)
    # Not due yet: nothing is sent before the backoff delay.
    assert outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, now) == []
    later = now + timedelta(seconds=20)
    outcomes = outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, later)
    assert [o.error is not None for o in outcomes] == [True]
    outcomes = outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, later + timedelta(minutes=5))
    assert [o.error for o in outcomes] == [None]
    assert outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, later + timedelta(hours=1)) == []
    assert [r.status for r in receiver.received] == [500, 500, 200]
    assert store.delivery_counts(runtime.engine) == {(runtime.targets[0].id, "sent"): 1}


def test_dead_target_is_parked_and_others_still_get_the_alert(feed_server, receiver, make_config, tmp_path):
    feed_server.add_feed("/k1.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/k1.xml")}],
                         notify=[{"url": "json://127.0.0.1:9/dead"},
                                 {"url": f"json://127.0.0.1:{receiver.port}/hook"}],
                         alerts={"file": "state/alerts.jsonl", "log": False, "retry_base": "1s", "max_attempts": 2})
    runtime = _runtime(config)
    import asyncio

    asyncio.run(pipeline.poll_once(runtime))
    assert len(receiver.wait_for(1)) == 1
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, datetime.now(UTC) + timedelta(hours=1))
    counts = store.delivery_counts(runtime.engine)
    dead_id = runtime.targets[0].id
    assert counts[(dead_id, "dead")] == 1
    assert counts[(runtime.targets[1].id, "sent")] == 1
    assert counts[("file", "sent")] == 1
    assert "127.0.0.1:9" not in dead_id  # target ids are hashes, never the URL


def test_hostile_feed_text_arrives_inert(feed_server, receiver, make_config):
    feed_server.add_feed("/h.xml", (FEEDS / "hostile_text.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/h.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"}])
    assert main(["--config", str(config), "poll", "--once"]) == 0
    post = receiver.wait_for(1)[0].json
    text = post["title"] + post["message"]
    for bad in ("<script", "](http", "@everyone", "@here", "\u202e", "\x07"):
        assert bad not in text, bad
    assert "Erbil" in text


def test_inert_text():
    hostile = "<b>hi</b> [x](http://e) @everyone @here\u202e\x07"
    assert inert(hostile) == "‹b›hi‹/b› (x)(http://e) @\u2060everyone @\u2060here"
    assert len(inert("a" * 5000)) == notify.MAX_FIELD


def test_notify_test_reports_each_target(receiver, make_config, capsys):
    config = make_config(notify=[{"url": f"json://127.0.0.1:{receiver.port}/ok", "name": "good"},
                                 {"url": "json://127.0.0.1:9/x", "name": "bad"}],
                         alerts={"file": None, "log": False})
    assert main(["--config", str(config), "notify-test"]) == 1
    out = capsys.readouterr().out
    assert "good: ok" in out and "bad: FAILED" in out
    assert receiver.wait_for(1)[0].json["title"] == "monitor test alert"
