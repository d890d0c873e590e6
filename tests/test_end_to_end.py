"""From a feed served on 127.0.0.1 to an email in a real SMTP server and a JSON post in a real receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor import store
from monitor.cli import main

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _targets(smtp_sink, receiver) -> list[dict]:
    return [
        {"url": f"mailto://{smtp_sink.host}:{smtp_sink.port}?from=monitor@example.org&to=analyst@example.org"
                "&mode=insecure", "name": "analyst email"},
        {"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "webhook"},
    ]


@pytest.fixture
def seed_setup(feed_server, smtp_sink, receiver, make_config):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml"), "name": "Tigris Wire"}],
                         notify=_targets(smtp_sink, receiver))
    return config


def test_poll_once_delivers_one_email_and_one_post_per_event(seed_setup, smtp_sink, receiver, capsys):
    assert main(["--config", str(seed_setup), "poll", "--once"]) == 0
    printed = capsys.readouterr().out
    assert "2 new, 2 relevant, 2 alerts" in printed

    mails = smtp_sink.wait_for(2)
    posts = receiver.wait_for(2)
    subjects = sorted(m["Subject"] for m in mails)
    assert subjects[0].startswith("Attack on K1 Air Base") and subjects[0].endswith("1 killed (1 US)")
    assert subjects[1].startswith("Strike on ")
    strike_mail = next(m for m in mails if m["Subject"].startswith("Strike"))
    body = strike_mail.get_body(preferencelist=("plain", "html")).get_content()
    assert "Kataib Hezbollah" in body and "Al-Qaim" in body
    html = strike_mail.get_body(preferencelist=("html",)).get_content()
    assert '<a href="https://tigriswire.example/' in html  # the HTML email links its source
    assert "<h3>Evidence</h3>" in html and "<blockquote>" in html

    titles = sorted(p.json["title"] for p in posts)
    assert titles == subjects
    assert all(p.json["type"] in {"info", "warning", "failure", "success"} for p in posts)


def test_second_poll_and_restart_deliver_nothing_again(seed_setup, smtp_sink, receiver, feed_server):
    assert main(["--config", str(seed_setup), "poll", "--once"]) == 0
    smtp_sink.wait_for(2)
    receiver.wait_for(2)

    # Second poll: the feed answers 304 (conditional GET), nothing is parsed or sent.
    assert main(["--config", str(seed_setup), "poll", "--once"]) == 0
    assert feed_server.statuses("/seed.xml") == [200, 304]

    # A changed feed body with the same items (new ETag) after a "restart": still nothing new.
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes() + b"\n")
    assert main(["--config", str(seed_setup), "poll", "--once"]) == 0
    assert feed_server.statuses("/seed.xml")[-1] == 200
    assert len(smtp_sink.messages) == 2
    assert len([r for r in receiver.received if r.status == 200]) == 2


def test_arabic_names_arrive_intact_in_utf8(feed_server, smtp_sink, receiver, make_config):
    feed_server.add_feed("/ar.xml", (FEEDS / "arabic_report.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/ar.xml"), "name": "عربي"}],
                         notify=_targets(smtp_sink, receiver))
    assert main(["--config", str(config), "poll", "--once"]) == 0
    mail = smtp_sink.wait_for(1)[0]
    post = receiver.wait_for(1)[0]
    text = mail.get_body(preferencelist=("plain", "html")).get_content()
    arabic_title = "صواريخ تسقط على قاعدة عين الأسد الجوية في الأنبار"
    assert arabic_title in text and "Ain al-Asad Air Base" in mail["Subject"]
    assert arabic_title in post.json["message"]
    assert "عربي" in post.json["message"]  # the feed's Arabic name, as the source


def test_alerts_go_to_file_and_log_without_notification_urls(feed_server, make_config, tmp_path, caplog):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}])
    assert main(["--config", str(config), "poll", "--once"]) == 0
    lines = (tmp_path / "state" / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["kind"] for r in records] == ["new_event", "new_event"]
    assert {r["event_id"] for r in records} == {r["event_id"] for r in records if r["event_id"]}
    assert sum("ALERT new_event" in r.getMessage() for r in caplog.records) == 2


def test_bad_feeds_are_recorded_and_the_good_one_still_alerts(feed_server, make_config, tmp_path, capsys):
    feed_server.add_feed("/good.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    feed_server.add_status("/broken.xml", 500, b"oops")
    feed_server.add_raw("/page.html", (FEEDS / "not_a_feed.html").read_bytes())
    feed_server.add_slow("/slow.xml", (FEEDS / "attack_on_k1.xml").read_bytes(), delay_seconds=8)
    feed_server.add_big("/big.xml", 20_000_000)
    feed_server.add_feed("/malformed.xml", (FEEDS / "malformed.xml").read_bytes())
    feeds = [{"url": feed_server.url(p), "name": p.strip("/")}
             for p in ("/broken.xml", "/page.html", "/slow.xml", "/big.xml", "/malformed.xml", "/good.xml")]
    feeds.append({"url": "http://127.0.0.1:9/unreachable.xml", "name": "unreachable"})
    config = make_config(feeds=feeds, fetch={"timeout": "2s", "connect_timeout": "1s", "max_bytes": "1MB"})
    assert main(["--config", str(config), "poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "broken.xml: HTTP 500" in out
    assert "page.html: not a feed" in out
    assert "slow.xml: timeout" in out
    assert "big.xml: too large" in out
    assert "unreachable: network" in out
    assert "good.xml: HTTP 200; 2 items, 2 new, 2 relevant, 2 alerts" in out

    engine = store.open_engine(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}")
    states = store.feed_states(engine)
    broken = states[feed_server.url("/broken.xml")]
    assert broken.failures == 1 and broken.last_error.startswith("HTTP 500") and broken.next_poll_at
    assert states[feed_server.url("/good.xml")].failures == 0
    assert store.item_count(engine) >= 2

    assert main(["--config", str(config), "status"]) == 0
    status = capsys.readouterr().out
    assert "broken.xml: failing (1 in a row): HTTP 500" in status
