"""One incident, one event: merging reports, update alerts, syndicated copies (cases written for these tests)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SHIPPED_RULES
from sqlmodel import Session, select

from monitor import store
from monitor.cli import main


def _replay(make_config, tmp_path: Path, reports: list[dict], **config) -> tuple[list[dict], list[dict], Path]:
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(json.dumps(r) for r in reports) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    db = tmp_path / "replay.db"
    assert (
        main(
            ["--config", str(make_config(**config)), "replay", str(items), "--out", str(out), "--db", f"sqlite:///{db}"]
        )
        == 0
    )
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [r for r in records if r["type"] == "item"], [r for r in records if r["type"] == "alert"], db


def report(id: str, published: str, title: str, summary: str, link: str | None = None, source: str = "Wire") -> dict:
    return {"id": id, "published": published, "title": title, "summary": summary, "link": link, "source": source}


THREE_OUTLETS = [
    report(
        "a",
        "2021-02-15T18:40:00+00:00",
        "Rockets hit Erbil air base, contractor killed",
        "Several rockets struck the Erbil air base used by US-led troops on Monday night, killing a foreign "
        "contractor and wounding a US service member, the coalition said.",
    ),
    report(
        "b",
        "2021-02-15T20:10:00+00:00",
        "Irbil airport rocket barrage kills civilian contractor",
        "A salvo of rockets slammed into the military side of Irbil airport late on Monday, killing one "
        "civilian contractor, Kurdish officials said.",
        source="Other",
    ),
    report(
        "c",
        "2021-02-16T07:00:00+00:00",
        "Arbil airport attacked with rockets overnight",
        "Rockets fired from south of the city hit Arbil airport overnight, where coalition forces are based, "
        "killing a contractor working with the coalition.",
        source="Third",
    ),
]


def test_three_outlets_three_spellings_one_event_one_alert(make_config, tmp_path):
    items, alerts, _ = _replay(make_config, tmp_path, THREE_OUTLETS)
    assert all(i["relevant"] for i in items)
    assert len({i["event_id"] for i in items}) == 1
    assert [a["kind"] for a in alerts] == ["new_event"]


def test_casualty_revision_sends_one_update_saying_what_changed(make_config, tmp_path):
    reports = [
        report(
            "r1",
            "2020-03-11T19:30:00+00:00",
            "Rockets hit Camp Taji, one US soldier killed",
            "Katyusha rockets struck Camp Taji north of Baghdad on Wednesday, killing one American soldier.",
        ),
        report(
            "r2",
            "2020-03-11T21:00:00+00:00",
            "Taji rocket toll: still one American dead",
            "The rocket attack on Camp Taji killed one US soldier, officials repeated.",
        ),
        report(
            "r3",
            "2020-03-12T08:00:00+00:00",
            "Death toll in Taji rocket attack rises to three",
            "Two Americans and one British soldier were killed in Wednesday's rocket attack on Camp Taji, "
            "the coalition said, raising the toll.",
        ),
    ]
    items, alerts, db = _replay(make_config, tmp_path, reports)
    assert len({i["event_id"] for i in items}) == 1
    assert [a["kind"] for a in alerts] == ["new_event", "event_update"]
    update = alerts[1]
    assert "killed up to 3" in update["text"] and update["at"] == "2020-03-12T08:00:00+00:00"
    history = store.event_history(store.open_engine(f"sqlite:///{db}"), items[0]["event_id"])
    assert [bool(h.changes) for h in history] == [False, False, True]


def test_two_attacks_on_one_base_four_days_apart_are_two_events(make_config, tmp_path):
    reports = [
        report(
            "t1",
            "2020-03-11T19:00:00+00:00",
            "Rockets strike Camp Taji",
            "About 15 rockets hit Camp Taji on Wednesday evening, killing three coalition personnel.",
        ),
        report(
            "t2",
            "2020-03-15T10:00:00+00:00",
            "Camp Taji hit by rockets again",
            "More than 30 rockets struck Camp Taji on Sunday morning, wounding several coalition troops.",
        ),
    ]
    items, alerts, _ = _replay(make_config, tmp_path, reports)
    assert items[0]["event_id"] != items[1]["event_id"]
    assert [a["kind"] for a in alerts] == ["new_event", "new_event"]


def test_strike_report_mentioning_the_attack_it_answers_makes_no_attack_event(make_config, tmp_path):
    reports = [
        report(
            "k1",
            "2019-12-27T19:40:00+00:00",
            "Rocket attack on K1 base near Kirkuk kills US contractor",
            "More than 30 rockets hit the K1 base on Friday, killing a US contractor.",
        ),
        report(
            "s1",
            "2019-12-29T21:00:00+00:00",
            "US strikes Kataib Hezbollah after K1 rocket attack",
            "American jets struck five Kataib Hezbollah sites near Al-Qaim in response to the rocket attack on "
            "the K1 base near Kirkuk that killed a US contractor.",
        ),
    ]
    items, alerts, _ = _replay(make_config, tmp_path, reports)
    assert [i["event_type"] for i in items] == ["attack", "strike"]
    assert items[0]["event_id"] != items[1]["event_id"]
    assert [a["kind"] for a in alerts] == ["new_event", "new_event"]
    assert "Strike on Al-Qaim" in alerts[1]["title"]


def test_syndicated_copy_is_stored_once_and_noted_for_each_feed(feed_server, make_config, tmp_path):
    article = (Path(__file__).parent / "fixtures" / "feeds" / "attack_on_k1.xml").read_bytes()
    feed_server.add_feed("/wire.xml", article)
    # The same article, re-issued by another feed under its own guid, with a new link and its own channel name.
    feed_server.add_feed(
        "/syndicator.xml",
        article.replace(b"tigriswire-2019-12-27-k1-rocket-attack", b"syndicator-12345").replace(
            b"https://tigriswire.example/news/2019/12/27/rocket-attack-k1-kirkuk", b"https://syndicator.example/a/12345"
        ),
    )
    config = make_config(feeds=[{"url": feed_server.url("/wire.xml")}, {"url": feed_server.url("/syndicator.xml")}])
    assert main(["--config", str(config), "poll", "--once"]) == 0
    engine = store.open_engine(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}")
    assert store.item_count(engine) == 1
    (alert,) = store.alerts(engine)
    with Session(engine) as session:
        original = session.exec(select(store.StoredItem)).one()
    assert sorted(store.feeds_of(engine, original.key)) == sorted(
        [feed_server.url("/wire.xml"), feed_server.url("/syndicator.xml")]
    )
    assert alert.kind == "new_event"
    # Polling again brings nothing new from either feed.
    feed_server.add_feed(
        "/syndicator.xml",
        article.replace(b"tigriswire-2019-12-27-k1-rocket-attack", b"syndicator-12345").replace(
            b"Friday evening", b"Friday"
        ),
    )
    assert main(["--config", str(config), "poll", "--once"]) == 0
    assert store.item_count(engine) == 1 and len(store.alerts(engine)) == 1


def test_a_figure_revised_down_is_a_correction(make_config, tmp_path):
    reports = [
        report("c1", "2020-03-11T19:30:00+00:00", "Rockets hit Camp Taji, four US soldiers killed",
               "Katyusha rockets struck Camp Taji on Wednesday, killing four American soldiers, early reports said."),
        report("c2", "2020-03-12T09:00:00+00:00", "Pentagon revises Taji death toll",
               "The Pentagon revised the toll, saying two US soldiers were killed in the rocket attack on Camp Taji, "
               "fewer than first reported."),
    ]
    _items, alerts, db = _replay(make_config, tmp_path, reports)
    assert [a["kind"] for a in alerts] == ["new_event", "event_update"]
    assert "killed US corrected from 4 to 2" in alerts[1]["text"]
    (event,) = store.events(store.open_engine(f"sqlite:///{db}"))
    assert event.killed == {"US": 2}


def test_a_late_report_repeating_an_attacks_rare_us_toll_joins_it_through_the_store(make_config, tmp_path):
    """The Rumalyn attack's toll rises to eight US troops treated; three days on, a headline counts the same eight with
    no day and no place: the store hands the attack to merging although it began days before, and the same count
    joins them. A new attack with another toll in the same country three days on stays its own."""
    reports = [
        report("r1", "2024-08-09T18:20:00+00:00", "Drone hits US base at Rumalyn in north-east Syria",
               "A one-way drone struck the coalition base at Rumalyn on Friday night, officials said."),
        report("r2", "2024-08-10T09:00:00+00:00", "Toll from Rumalyn drone attack rises to eight troops treated",
               "Eight US service members were treated for brain injuries after Friday's drone attack on Rumalyn."),
        report("r3", "2024-08-13T01:00:00+00:00", "Eight US troops treated after drone attack on base in Syria", ""),
        report("r4", "2024-08-13T02:00:00+00:00", "Three US troops hurt in drone attack on base in Syria", ""),
    ]
    items, _, _ = _replay(make_config, tmp_path, reports)
    event = {i["id"]: i["event_id"] for i in items}
    assert event["r1"] == event["r2"] == event["r3"]
    assert event["r4"] != event["r1"]


def test_us_troops_hurt_with_no_number_given_is_an_update_saying_so(make_config, tmp_path):
    """An attack first told with no casualties, then "several US troops were hurt": the toll is news (one update
    alert where the user asks for updates on the injured), and the alerts say the number was not given instead of
    counting nobody or inventing one."""
    reports = [
        report("u1", "2024-01-20T18:00:00+00:00", "Rockets strike Ain al-Asad air base in western Iraq",
               "Several rockets hit the base that hosts US forces on Saturday evening, security sources said."),
        report("u2", "2024-01-20T21:30:00+00:00", "Several US troops hurt in rocket attack on Ain al-Asad",
               "A number of American service members suffered minor injuries in Saturday's rocket attack on Ain "
               "al-Asad air base, a US official said.", source="Other"),
    ]
    items, alerts, _ = _replay(make_config, tmp_path, reports, events={"update_on": ["killed", "injured"]})
    assert len({i["event_id"] for i in items}) == 1 and items[1]["injured"] == {"US": 0}
    assert [a["kind"] for a in alerts] == ["new_event", "event_update"]
    assert "injured: US (number not given)" in alerts[1]["text"]
    assert "Injured: US (number not given)" in alerts[1]["text"]


def test_a_strikers_statement_naming_only_the_attack_answered_joins_its_strikes(make_config, tmp_path):
    # The strikes are told first by where they hit; the striker's statement names only the base the attack it answers
    # hit (not where it struck) and "eastern Syria". One night's strikes, one event, one alert.
    items, alerts, _ = _replay(make_config, tmp_path, [
        report("jets", "2023-03-24T01:00:00+00:00", "US jets strike militia depots near Mayadin and al-Bukamal",
               "American F-15s struck sites used by Iran-backed groups near Mayadin and al-Bukamal overnight, "
               "officials said."),
        report("statement", "2023-03-24T02:30:00+00:00",
               "Statement from the Secretary of Defense on US strikes in Syria",
               "A workshop at a coalition base near Hasakah, in northeast Syria, was hit at about 2 p.m. today by a "
               "one-way drone that U.S. intelligence says was made in Iran. The drone killed a U.S. contractor. At the "
               "President's direction, US forces tonight carried out precision air strikes on facilities in eastern "
               "Syria used by groups tied to the IRGC.", source="Department"),
    ])
    assert [i["event_type"] for i in items] == ["strike", "strike"], items
    assert items[0]["event_id"] == items[1]["event_id"], items
    assert [a["kind"] for a in alerts].count("new_event") == 1, alerts


def test_a_death_of_its_own_cause_during_an_attack_warns_of_no_strike(make_config, tmp_path):
    # A contractor's heart attack while sheltering is stated, but the rockets killed nobody: the deadly-attack rule
    # has no trigger. The same attack killing the contractor does warn.
    summary = ("Several rockets struck Ain al-Asad air base, which hosts US troops, on Wednesday morning. A US "
               "civilian contractor {} while sheltering, the coalition said.")
    _, alerts, _ = _replay(make_config, tmp_path, [report(
        "cardiac", "2021-03-03T08:00:00+00:00", "Rockets hit Ain al-Asad air base",
        summary.format("died of a heart attack"))], rules=SHIPPED_RULES)
    assert "strike_likely" not in [a["kind"] for a in alerts], alerts
    (tmp_path / "killed").mkdir()
    _, alerts, _ = _replay(make_config, tmp_path / "killed", [report(
        "killed", "2021-03-03T08:00:00+00:00", "Rockets hit Ain al-Asad air base",
        summary.format("was killed by shrapnel"))], rules=SHIPPED_RULES)
    assert "strike_likely" in [a["kind"] for a in alerts], alerts
