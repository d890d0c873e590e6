"""What an alert holds when it reaches a person or a program: source links in the HTML and the plain-text
part of an email, a warning's trigger report and likely targets, Apprise's notification type by severity,
the `format: json` webhook body, and links from hostile feeds made safe.

Everything goes through the real path: a feed served over HTTP, `poll --once` (or a delivery round),
Apprise's own json:// and mailto:// plugins, a real HTTP receiver and a real SMTP server. The reports are
dated an hour or two before now, because a poll judges them on the real clock (a warning's window must
still be open, and a new feed's backlog raises no alert).
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from conftest import SHIPPED_RULES

from monitor import outbox, pipeline
from monitor.cli import main
from monitor.config import load_settings
from monitor.notify.safety import safe_link

NOW = datetime.now(UTC)

ERBIL_DEATHS = ("erbil-1", "https://wire.example/news/2026/erbil_rockets?id=1", 2,
                "Rockets hit Erbil air base, two US soldiers killed",
                "Several rockets struck the Erbil air base used by US-led troops, killing two American "
                "soldiers, the coalition said. US officials blamed Kataib Hezbollah.")
ERBIL_TOLL = ("erbil-2", "https://wire.example/news/2026/erbil_toll_rises", 1,
              "Erbil rocket attack: toll rises to three Americans",
              "A third American soldier died of wounds suffered in the rocket attack on the Erbil air base, "
              "the coalition said, raising the toll to three.")
ASAD_NO_HARM = ("asad-1", "https://wire.example/news/2026/ain_al_asad_rockets", 2,
                "Rockets fall near Ain al-Asad air base, no casualties",
                "Two rockets landed near the Ain al-Asad air base in Anbar, the coalition said. "
                "Nobody was hurt and no group claimed the attack.")
TANF_NO_HARM = ("tanf-1", "https://wire.example/news/2026/al_tanf_drone", 1,
                "Drone shot down near Al-Tanf garrison",
                "A drone was shot down near the Al-Tanf garrison in Syria, the coalition said. Nobody was hurt.")
BAGHDAD_WOUNDED = ("bgw-1", "https://wire.example/news/2026/baghdad_airport_drone", 2,
                   "Drone attack on Baghdad airport wounds two Iraqi soldiers",
                   "A drone struck a position at Baghdad International Airport, wounding two Iraqi soldiers, "
                   "security officials said.")


def rss(*items: tuple[str, str, int, str, str]) -> bytes:
    """An RSS feed of (guid, link, hours ago, title, description)."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><link>{escape(link)}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=hours))}</pubDate>"
        f"<title>{escape(title)}</title><description>{escape(text)}</description></item>"
        for guid, link, hours, title, text in items)
    return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Test Wire</title>"
            f"<link>https://wire.example/</link><description>Invented reports</description>{entries}"
            "</channel></rss>").encode()


def mailto(smtp_sink) -> str:
    return f"mailto://{smtp_sink.host}:{smtp_sink.port}?from=m@example.org&to=a@example.org&mode=insecure"


def poll(config: Path) -> None:
    assert main(["--config", str(config), "poll", "--once"]) == 0


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of an alert email."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_update_email_has_the_source_link_in_its_text_and_html_parts(feed_server, smtp_sink, make_config):
    feed_server.add_feed("/f.xml", rss(ERBIL_DEATHS))
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}],
                         notify=[{"url": mailto(smtp_sink), "kinds": ["event_update"]}])
    poll(config)
    feed_server.add_feed("/f.xml", rss(ERBIL_DEATHS, ERBIL_TOLL))
    poll(config)
    [update] = smtp_sink.wait_for(1)
    assert update["Subject"].startswith("Update: ")
    text, html = parts(update)
    link = ERBIL_TOLL[1]
    assert link in text, text  # the part Apprise makes from the HTML keeps the URL: it is the link's text
    assert f'<a href="{link}">{link}</a>' in html
    assert "Killed: 3 US" in text


def test_warning_has_the_trigger_link_and_likely_targets(feed_server, smtp_sink, receiver, make_config):
    feed_server.add_feed("/f.xml", rss(ERBIL_DEATHS))
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}], rules=SHIPPED_RULES,
                         notify=[{"url": mailto(smtp_sink), "kinds": ["strike_likely"]},
                                 {"url": f"json://127.0.0.1:{receiver.port}/hook", "kinds": ["strike_likely"]}])
    poll(config)
    [mail] = smtp_sink.wait_for(1)
    assert mail["Subject"].startswith("Strike likely")
    text, html = parts(mail)
    link = ERBIL_DEATHS[1]
    assert link in text and f'href="{link}"' in html
    assert "Trigger report" in text and "May hit: Al-Qaim" in text, text
    post = receiver.wait_for(1)[0].json
    lines = post["message"].splitlines()
    trigger = lines.index(f"Trigger: Test Wire: {ERBIL_DEATHS[3]}")
    assert lines[trigger + 1] == f"  {link}"
    assert any(line.startswith("Where it may hit (hit before in such cycles): Al-Qaim") for line in lines)


def test_severity_sets_apprise_notification_type(feed_server, receiver, make_config):
    """US deaths go out as `failure`, other casualties as `warning`, the rest as `info`."""
    feed_server.add_feed("/f.xml", rss(ERBIL_DEATHS, ASAD_NO_HARM, BAGHDAD_WOUNDED))
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"}])
    poll(config)
    types = {r.json["title"].split(":")[0]: r.json["type"] for r in receiver.wait_for(3)}
    assert types == {"Attack on Erbil Air Base": "failure", "Attack on Ain al-Asad Air Base": "info",
                     "Attack on Baghdad International Airport": "warning"}, types


def test_json_format_posts_the_replay_record(feed_server, receiver, make_config, tmp_path):
    feed_server.add_feed("/f.xml", rss(ERBIL_DEATHS))
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}], rules=SHIPPED_RULES,
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/alerts?+X-Token=abc", "format": "json"}])
    poll(config)
    posts = receiver.wait_for(2)
    assert {p.headers["x-token"] for p in posts} == {"abc"}
    assert all(p.headers["content-type"].startswith("application/json") for p in posts)
    bodies = {p.json["kind"]: p.json for p in posts}
    assert set(bodies) == {"new_event", "strike_likely"}

    # The same report through `monitor replay`: the webhook body has every field of its alert records.
    guid, link, hours, title, summary = ERBIL_DEATHS
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": guid, "published": (NOW - timedelta(hours=hours)).isoformat(),
                                 "title": title, "summary": summary, "link": link, "source": "Test Wire"}) + "\n",
                     encoding="utf-8")
    out = tmp_path / "replay.jsonl"
    assert main(["--config", str(config), "replay", str(items), "--out", str(out),
                 "--db", f"sqlite:///{tmp_path / 'replay.db'}"]) == 0
    replayed = {r["kind"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())
                if r["type"] == "alert"}
    for kind, record in replayed.items():
        body = bodies[kind]
        assert set(record) <= set(body), set(record) - set(body)
        assert {k: body[k] for k in ("type", "kind", "event_id", "title", "likelihood", "window_hours")} == \
               {k: record[k] for k in ("type", "kind", "event_id", "title", "likelihood", "window_hours")}
        datetime.fromisoformat(body["at"])
    new, warning = bodies["new_event"], bodies["strike_likely"]
    assert new["text"] == replayed["new_event"]["text"]
    assert (new["severity"], new["level"], new["key"]) == ("high", "failure", f"new_event:{new['event_id']}")
    assert new["sources"] == [{"source": "Test Wire", "title": title, "link": link}]
    assert warning["sources"][0]["link"] == link and "Al-Qaim" in warning["likely_targets"]


def test_digest_lists_each_alert_with_its_link(feed_server, receiver, make_config):
    feed_server.add_feed("/f.xml", rss(ASAD_NO_HARM, TANF_NO_HARM))
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "digest": "10m"}],
                         alerts={"file": None, "log": False})
    runtime = pipeline.build_runtime(load_settings(config))
    asyncio.run(pipeline.poll_once(runtime))
    assert receiver.received == []  # a low-severity alert waits for the digest
    later = datetime.now(UTC) + timedelta(minutes=11)
    outcomes = outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, later)
    assert [o.error for o in outcomes] == [None, None]  # one message for both
    post = receiver.wait_for(1)[0].json
    assert post["title"] == "Digest: 2 alerts"
    assert post["message"].splitlines() == ["- [low] Attack on Ain al-Asad Air Base", f"  {ASAD_NO_HARM[1]}",
                                            "- [low] Attack on Al-Tanf Garrison", f"  {TANF_NO_HARM[1]}"]
    assert post["type"] == "info"


def test_digest_email_has_every_link_in_both_parts(feed_server, smtp_sink, make_config):
    feed_server.add_feed("/f.xml", rss(ASAD_NO_HARM, TANF_NO_HARM))
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}],
                         notify=[{"url": mailto(smtp_sink), "digest": "10m"}], alerts={"file": None, "log": False})
    runtime = pipeline.build_runtime(load_settings(config))
    asyncio.run(pipeline.poll_once(runtime))
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, datetime.now(UTC) + timedelta(minutes=11))
    [mail] = smtp_sink.wait_for(1)
    text, html = parts(mail)
    for link in (ASAD_NO_HARM[1], TANF_NO_HARM[1]):
        assert link in text.splitlines(), text
        assert f'<a href="{link}">{link}</a>' in html


HOSTILE_LINKS = [
    ("javascript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("https://trusted.example@evil.example/x", None),  # the user part hides the real host
    ("https://wire.example/x\u202egnp.exe", None),
    ("https://wire.example/a b", None),
    ("ftp://wire.example/x", None),
    ("https://wire.example/" + "a" * 600, None),  # too long to show: left out, never cut
    ("https://wire.example/@everyone?to=@here", "https://wire.example/%40everyone?to=%40here"),
    ('https://wire.example/x"><script>', "https://wire.example/x%22%3E%3Cscript%3E"),
    ("https://wire.example/[click](http://evil.example)", "https://wire.example/%5Bclick%5D(http://evil.example)"),
    ("HTTPS://Wire.Example/Path_With_Underscores?a=1&b=2#top", "https://wire.example/Path_With_Underscores?a=1&b=2#top"),
    ("https://wіre.example/x", "https://xn--wre-jhd.example/x"),  # a Cyrillic i: the look-alike shows as xn--
]


@pytest.mark.parametrize(("link", "shown"), HOSTILE_LINKS)
def test_safe_link(link, shown):
    assert safe_link(link) == shown


def test_hostile_links_never_reach_an_alert(feed_server, receiver, smtp_sink, make_config):
    evil = (("evil-1", "https://wire.example/erbil/@everyone", 2, ERBIL_DEATHS[3], ERBIL_DEATHS[4]),
            ("evil-2", "javascript:alert(document.cookie)", 2, ASAD_NO_HARM[3], ASAD_NO_HARM[4]))
    feed_server.add_feed("/f.xml", rss(*evil))
    # One mail only: Apprise waits several seconds between two mails to one target.
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"},
                                 {"url": mailto(smtp_sink), "min_severity": "high"}])
    poll(config)
    messages = [r.json["message"] for r in receiver.wait_for(2)]
    mail = parts(smtp_sink.wait_for(1)[0])
    for body in (*messages, *mail):
        assert "javascript:" not in body and "@everyone" not in body, body
    assert any("  https://wire.example/erbil/%40everyone" in m.splitlines() for m in messages)
    assert "https://wire.example/erbil/%40everyone" in mail[0]
    assert 'href="https://wire.example/erbil/%40everyone"' in mail[1]
    asad = next(m for m in messages if ASAD_NO_HARM[3] in m)
    assert not any(line.startswith("  ") for line in asad.splitlines()), asad  # no link line at all


def test_json_format_needs_a_webhook_url(make_config, capsys):
    config = make_config(notify=[{"url": "mailto://user:pw@example.org", "format": "json"}])
    assert main(["--config", str(config), "check-config"]) == 2
    said = capsys.readouterr()
    assert "notify[0].url" in said.out + said.err and "format: json" in said.out + said.err
    bad = make_config(notify=[{"url": "json://127.0.0.1/x", "format": "xml"}])
    assert main(["--config", str(bad), "check-config"]) == 2
    said = capsys.readouterr()
    assert "format" in said.out + said.err and "'xml' is not a format" in said.out + said.err


def test_json_format_failures_are_reported(receiver, make_config, capsys):
    """A webhook that answers an error or a redirect has not taken the alert: the delivery fails (and is
    retried like any other); the URL's secrets never show in the error."""
    receiver.set_statuses([503, 302])
    config = make_config(notify=[{"url": f"json://user:s3cretpassword@127.0.0.1:{receiver.port}/a", "format": "json"}],
                         alerts={"file": None, "log": False})
    for status in ("FAILED: the webhook answered 503", "FAILED: the webhook answered 302", "json: ok"):
        assert main(["--config", str(config), "notify-test"]) == (0 if status.endswith("ok") else 1)
        out = capsys.readouterr().out
        assert status in out and "s3cretpassword" not in out, out
    test = receiver.received[-1]
    assert test.headers["authorization"] == "Basic dXNlcjpzM2NyZXRwYXNzd29yZA=="
    assert (test.json["kind"], test.json["level"], test.json["sources"]) == ("test", "info", [])
