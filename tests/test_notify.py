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
                         alerts={"file": None, "log": False, "retry_base": "10s", "max_retry_delay": "1m"})
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
    assert store.delivery_counts(runtime.engine) == {("json", "sent"): 1}


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


def test_hostile_feed_text_is_inert_in_the_html_email(feed_server, smtp_sink, make_config):
    feed_server.add_feed("/h.xml", (FEEDS / "hostile_text.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/h.xml")}],
                         notify=[{"url": f"mailto://{smtp_sink.host}:{smtp_sink.port}?from=m@example.org"
                                         "&to=a@example.org&mode=insecure"}])
    assert main(["--config", str(config), "poll", "--once"]) == 0
    html = smtp_sink.wait_for(1)[0].get_body(preferencelist=("html",)).get_content()
    for bad in ("<script", "@everyone", "\u202e", "\x07", "](http"):
        assert bad not in html, bad
    assert "Erbil" in html


def test_secret_url_from_a_private_file(make_config, tmp_path, receiver):
    secret = tmp_path / "url.secret"
    secret.write_text(f"json://127.0.0.1:{receiver.port}/from-file\n", encoding="utf-8")
    secret.chmod(0o644)
    config = make_config(notify=[{"url_file": str(secret)}])
    assert main(["--config", str(config), "check-config"]) == 2  # readable by others: refused
    secret.chmod(0o600)
    assert main(["--config", str(config), "notify-test"]) == 0
    assert receiver.wait_for(1)[0].path == "/from-file"
