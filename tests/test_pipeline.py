"""The pipeline against a local feed server and a real SQLite file: state kept between polls."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from monitor import pipeline, store
from monitor.config import load_settings

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def _poll(config: Path) -> tuple[pipeline.Runtime, list[pipeline.FeedOutcome]]:
    runtime = pipeline.build_runtime(load_settings(config))
    outcomes, _ = asyncio.run(pipeline.poll_once(runtime))
    return runtime, outcomes


def test_permanent_redirect_is_remembered(feed_server, make_config):
    feed_server.add_feed("/new.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    feed_server.add_redirect("/old.xml", "/new.xml", status=301)
    config = make_config(feeds=[{"url": feed_server.url("/old.xml")}])
    runtime, _ = _poll(config)
    state = store.feed_states(runtime.engine)[feed_server.url("/old.xml")]
    assert state.current_url == feed_server.url("/new.xml")
    _poll(config)
    assert feed_server.count("/old.xml") == 1
    assert feed_server.statuses("/new.xml") == [200, 304]


def test_failing_feed_backs_off_and_recovers(feed_server, make_config):
    feed_server.add_status("/f.xml", 503)
    config = make_config(feeds=[{"url": feed_server.url("/f.xml"), "interval": "1m"}])
    runtime, (outcome,) = _poll(config)
    feed = runtime.settings.feeds[0]
    state = store.feed_states(runtime.engine)[feed.url]
    assert state.failures == 1 and state.last_error == "HTTP 503 Service Unavailable"
    # One failure: half to all of twice the interval, plus the schedule's jitter that spreads feeds apart.
    jitter = runtime.settings.schedule.jitter
    assert timedelta(minutes=1) <= state.next_poll_at - state.last_polled_at <= timedelta(minutes=2) + jitter
    assert not pipeline.is_due(runtime, feed, state, state.last_polled_at + timedelta(seconds=30))
    assert pipeline.is_due(runtime, feed, state, state.next_poll_at)
    _poll(config)
    second = store.feed_states(runtime.engine)[feed.url]
    assert second.failures == 2 and second.next_poll_at - second.last_polled_at >= timedelta(minutes=2)
    feed_server.add_feed("/f.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    runtime, (outcome,) = _poll(config)
    recovered = store.feed_states(runtime.engine)[feed.url]
    assert recovered.failures == 0 and recovered.last_error is None and outcome.new_items == 1


def test_same_item_in_two_feeds_is_processed_once(feed_server, make_config):
    feed_server.add_feed("/a.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    feed_server.add_feed("/b.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/a.xml")}, {"url": feed_server.url("/b.xml")}])
    runtime, outcomes = _poll(config)
    assert sum(o.new_items for o in outcomes) == 2
    assert store.item_count(runtime.engine) == 2
    assert len(store.alerts(runtime.engine)) == 2


def test_reports_of_one_incident_from_two_outlets_make_one_event(feed_server, make_config):
    feed_server.add_feed("/k1.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    other_outlet = (FEEDS / "attack_on_k1.xml").read_bytes().replace(
        b"tigriswire-2019-12-27-k1-rocket-attack", b"other-outlet-k1-story").replace(
        b"Rocket attack on K1 base near Kirkuk kills US contractor",
        b"US contractor killed as rockets hit K-1 air base in Kirkuk").replace(
        b"tigriswire.example/news/2019/12/27/rocket-attack-k1-kirkuk", b"other.example/k1-contractor-killed").replace(
        b"more than 30 rockets", b"over thirty rockets").replace(b"Friday evening", b"Friday night")
    feed_server.add_feed("/other.xml", other_outlet)
    config = make_config(feeds=[{"url": feed_server.url("/k1.xml")}, {"url": feed_server.url("/other.xml")}])
    runtime, _ = _poll(config)
    assert store.item_count(runtime.engine) == 2
    (event,) = store.events(runtime.engine)
    assert event.report_count == 2 and event.places[0] == "K1 Air Base"
    assert [a.kind for a in store.alerts(runtime.engine)] == ["new_event"]


def test_strike_report_links_the_attack_it_answers(feed_server, make_config):
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}])
    runtime, _ = _poll(config)
    from sqlmodel import Session, select

    with Session(runtime.engine) as session:
        items = {i.event_type: i for i in session.exec(select(store.StoredItem))}
    attack, strike = items["attack"], items["strike"]
    assert strike.event_id != attack.event_id
    assert strike.reading["refers_to_events"] == [attack.event_id]
    assert "K1 Air Base" in strike.reading["background_places"]
    assert attack.reading["refers_to_events"] == []


def test_a_clock_gone_backwards_does_not_stall_a_failing_feed(feed_server, make_config):
    feed_server.add_status("/f.xml", 503)
    config = make_config(feeds=[{"url": feed_server.url("/f.xml"), "interval": "1m"}])
    runtime, _ = _poll(config)
    feed = runtime.settings.feeds[0]
    state = store.feed_states(runtime.engine)[feed.url]
    # The system clock is set back a day: the stored next poll now lies a day and more ahead.
    assert pipeline.is_due(runtime, feed, state, state.last_polled_at - timedelta(days=1))
    assert not pipeline.is_due(runtime, feed, state, state.last_polled_at + timedelta(seconds=10))


def test_a_like_report_published_later_but_stored_first_is_not_taken_for_a_copy(feed_server, make_config):
    """Feeds arrive in any order: a report of a later incident at the same base, worded alike, may be stored
    before an earlier one. Weeks apart, they are two incidents, not one article seen twice."""
    def rss(guid: str, day: str, rockets: str) -> bytes:
        return (f'<rss version="2.0"><channel><title>t</title><item><guid>{guid}</guid>'
                f"<title>Rockets hit Camp Taji housing US troops</title><pubDate>{day}</pubDate>"
                f"<description>{rockets} rockets struck Camp Taji overnight, officials said; no casualties were "
                f"reported.</description></item></channel></rss>").encode()

    feed_server.add_feed("/later.xml", rss("later", "Tue, 06 Feb 2024 21:00:00 GMT", "Five"))
    feed_server.add_feed("/earlier.xml", rss("earlier", "Mon, 01 Jan 2024 21:00:00 GMT", "Three"))
    config = make_config(feeds=[{"url": feed_server.url("/later.xml")}])
    runtime, _ = _poll(config)
    config = make_config(feeds=[{"url": feed_server.url("/earlier.xml")}])
    runtime, _ = _poll(config)
    assert store.item_count(runtime.engine) == 2
    assert len(store.events(runtime.engine)) == 2


def _rss(*items: tuple[str, str, str, str]) -> bytes:
    """A feed of (guid, title, description, RFC 822 date) items."""
    body = "".join(f"<item><guid>{g}</guid><title>{t}</title><description>{d}</description><pubDate>{p}</pubDate>"
                   f"</item>" for g, t, d, p in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>{body}</channel></rss>'.encode()


def test_a_denial_of_a_known_attack_updates_it_and_a_vague_one_changes_nothing(feed_server, make_config):
    attack = ("a1", "Rockets hit Harir air base in Kurdistan region",
              "Two rockets struck Harir air base, which hosts coalition troops, late on Monday, security sources said.",
              "Mon, 15 Jan 2024 20:00:00 +0000")
    denied = ("d1", "No rocket attack took place at Harir base, Kurdistan officials say",
              "Officials said the sounds heard near the base came from a training exercise.",
              "Tue, 16 Jan 2024 07:00:00 +0000")
    vague = ("d2", "Army spokesman denies reports of rocket attacks", "", "Tue, 16 Jan 2024 08:00:00 +0000")
    feed_server.add_feed("/desk.xml", _rss(attack, denied, vague))
    runtime, _ = _poll(make_config(feeds=[{"url": feed_server.url("/desk.xml")}]))
    (event,) = store.events(runtime.engine)
    assert event.report_count == 2 and event.places[0] == "Harir Air Base"
    alerts = store.alerts(runtime.engine)
    assert [a.kind for a in alerts] == ["new_event", "event_update"]
    assert "reported not to have happened" in alerts[1].text and "No rocket attack took place" in alerts[1].text
    history = store.event_history(runtime.engine, event.id)
    assert any((h.why or "").startswith("denies it") for h in history)


# What only a new item needs, built by the runtime the first time one asks for it.
READING = ("matcher", "reader", "type_model", "world", "gazetteer")
SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "config" / "type_model.json"


def test_a_round_of_304s_builds_nothing_a_new_item_needs(feed_server, make_config):
    feed_server.add_feed("/f.xml", (FEEDS / "attack_on_k1.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/f.xml")}], type_model=str(SHIPPED_MODEL))
    first, (outcome,) = _poll(config)
    assert outcome.new_items and all(name in vars(first) for name in READING)
    again, (outcome,) = _poll(config)
    assert outcome.status == 304 and not outcome.new_items
    assert not [name for name in READING if name in vars(again)], "a round with nothing new built them"
