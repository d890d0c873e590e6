"""No backlog storm: a feed polled for the first time alerts only for what was published within
`alerts.max_item_age`; its older items are stored as seen, form their events, and never come back as new."""

from __future__ import annotations

import asyncio
import email.utils
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import SHIPPED_RULES

from monitor import pipeline, store
from monitor.cli import main
from monitor.config import load_settings

FEEDS = Path(__file__).parent / "fixtures" / "feeds"

FRESH_ATTACK = ("fresh-attack", "Rockets hit Ain al-Asad Air Base in Anbar",
                "Several rockets struck Ain al-Asad Air Base in Anbar province, which hosts US troops, officials "
                "said. No casualties were reported. Kataib Hezbollah was suspected of the attack.")
FRESH_STRIKE = ("fresh-strike", "US strikes Kataib Hezbollah positions near Al-Qaim",
                "American aircraft bombed Kataib Hezbollah positions near Al-Qaim on the Syrian border, the "
                "Pentagon said, killing four militia fighters.")
OLD_STRIKE_2020 = ("old-2020", "US strikes Kataib Hezbollah weapons depots near Jurf al-Sakhar",
                   "American aircraft bombed Kataib Hezbollah weapons depots near Jurf al-Sakhar, the Pentagon "
                   "said. The militia said three of its fighters were killed.")


def _item(guid: str, title: str, text: str, published: datetime | None) -> str:
    date = f"<pubDate>{email.utils.format_datetime(published)}</pubDate>" if published else ""
    return (f"<item><guid isPermaLink=\"false\">{guid}</guid><link>https://wire.example/{guid}</link>{date}"
            f"<title>{title}</title><description>{text}</description></item>")


def _feed(*items: str) -> bytes:
    """seed_cycle.xml (two reports of December 2019) with these items added."""
    body = (FEEDS / "seed_cycle.xml").read_text(encoding="utf-8")
    return body.replace("</channel>", "".join(items) + "</channel>").encode("utf-8")


def _alerts(tmp_path: Path) -> list[dict]:
    path = tmp_path / "state" / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_first_poll_alerts_only_for_fresh_items_and_a_second_poll_for_nothing(feed_server, make_config, tmp_path,
                                                                             capsys):
    now = datetime.now(UTC)
    feed_server.add_feed("/backlog.xml", _feed(_item(*FRESH_ATTACK, now - timedelta(hours=2)),
                                               _item(*FRESH_STRIKE, now - timedelta(minutes=30))))
    config = make_config(feeds=[{"url": feed_server.url("/backlog.xml"), "name": "Backlog Wire"}],
                         alerts={"max_item_age": "2d"})

    assert main(["--config", str(config), "poll", "--once"]) == 0
    assert "4 new, 4 relevant, 2 alerts (2 older than 2d, not alerted)" in capsys.readouterr().out
    alerts = _alerts(tmp_path)
    assert sorted(a["kind"] for a in alerts) == ["new_event", "new_event"]
    assert {a["title"].split(":")[0].split(" ")[0] for a in alerts} <= {"Attack", "Strike"}
    engine = store.open_engine(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}")
    assert store.item_count(engine) == 4  # the two old reports are stored as seen
    old_events = [e for e in store.events(engine) if e.first_seen.year == 2019]
    assert old_events, "the old reports still form their events, so later reports can join them"
    why = "\n".join(h.why or "" for e in old_events for h in store.event_history(engine, e.id))
    assert "no alert: published 2019-12-2" in why and "older than alerts.max_item_age 2d" in why

    # The same items again (a changed body, so not a 304), with an old report surfacing late: nothing alerts.
    feed_server.add_feed("/backlog.xml", _feed(_item(*FRESH_ATTACK, now - timedelta(hours=2)),
                                               _item(*FRESH_STRIKE, now - timedelta(minutes=30)),
                                               _item(*OLD_STRIKE_2020, datetime(2020, 3, 12, 22, tzinfo=UTC))))
    assert main(["--config", str(config), "poll", "--once"]) == 0
    assert feed_server.statuses("/backlog.xml") == [200, 200]
    assert len(_alerts(tmp_path)) == 2
    assert store.item_count(engine) == 5


def test_undated_items_count_as_new_and_a_feed_may_set_its_own_age(feed_server, make_config, tmp_path):
    """An item without a date carries its fetch time: new to us, so it alerts. A feed's own max_item_age wins
    over the alerts section's, and the poll says how many items were too old."""
    feed_server.add_feed("/undated.xml", _feed(_item(*FRESH_ATTACK, None)))
    feed_server.add_feed("/weekly.xml", ("<rss version=\"2.0\"><channel><title>weekly</title>"
                                         + _item(*FRESH_STRIKE, datetime.now(UTC) - timedelta(days=5))
                                         + _item(*OLD_STRIKE_2020, datetime(2020, 3, 12, 22, tzinfo=UTC))
                                         + "</channel></rss>").encode("utf-8"))
    config = make_config(feeds=[{"url": feed_server.url("/undated.xml"), "name": "undated"},
                                {"url": feed_server.url("/weekly.xml"), "name": "weekly", "max_item_age": "7d"}],
                         alerts={"max_item_age": "2d"})
    runtime = pipeline.build_runtime(load_settings(config))
    outcomes, _ = asyncio.run(pipeline.poll_once(runtime))
    by_feed = {o.feed.label: o for o in outcomes}
    assert by_feed["undated"].alerts == 1 and by_feed["undated"].old_note == "2 older than 2d, not alerted"
    assert by_feed["weekly"].alerts == 1 and by_feed["weekly"].old_note == "1 older than 1w, not alerted"
    assert [o.too_old for o in by_feed["weekly"].outcomes if o.too_old] == [
        "published 2020-03-12, older than feeds[weekly].max_item_age 1w"]


def test_replay_keeps_alerting_on_historical_reports(make_config, tmp_path, capsys):
    """Replay runs its own clock (each item's published time): the age limit never silences it."""
    config = make_config(alerts={"max_item_age": "2d"})
    out = tmp_path / "out.jsonl"
    assert main(["--config", str(config), "replay", str(FEEDS / "seed_cycle.xml"), "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["kind"] for r in records if r["type"] == "alert"] == ["new_event", "new_event"]


def test_an_old_trigger_keeps_its_forecast_unannounced_and_says_why(feed_server, make_config):
    """A report read after max_item_age may still be the trigger of a rule: the forecast is kept, unwarned (a
    recent report of the event may still warn), and the event's history says why nothing was sent."""
    feed_server.add_feed("/taji.xml", (FEEDS / "taji_attack_atom.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/taji.xml")}], rules=SHIPPED_RULES,
                         alerts={"max_item_age": "1h"})
    runtime = pipeline.build_runtime(load_settings(config))
    read_at = datetime(2020, 3, 11, 22, 50, tzinfo=UTC)  # three hours after the report, well within its window
    (outcome,) = asyncio.run(pipeline.poll_once(runtime, clock=lambda: read_at))[0]
    assert outcome.alerts == 0 and outcome.old_note == "1 older than 1h, not alerted"
    (forecast,) = store.predictions(runtime.engine)
    assert forecast.kind == "strike_likely" and forecast.state == "open" and forecast.warned_at is None
    why = "\n".join(h.why or "" for h in store.event_history(runtime.engine, forecast.trigger_event_id))
    assert "no alert: published 2020-03-11, older than alerts.max_item_age 1h" in why
    assert "reaches the threshold, not announced: published 2020-03-11" in why
