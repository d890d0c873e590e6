"""The pure decisions, table-driven, with no database: what one event does to the forecasts standing
(assess.decide), and whether an item repeats a stored one (events.original_of). Cases written for these tests;
the rules are written here too, so a change to the shipped rules.yaml does not move them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor import assess, events
from monitor.config import RulesFile
from monitor.model import EventFacts, Forecast, Item, Resolved, SeenItem, Standing

RULES = RulesFile.model_validate({
    "threshold": 0.5, "update_delta": 0.15, "send_resolved": True,
    "rules": [
        {"name": "answer", "trigger": {"event_type": "attack", "perpetrator_side": "iran_aligned",
                                       "target": "hosts_us", "min_killed": {"US": 1}},
         "expects": {"kind": "strike_likely", "event_type": "strike", "by": "Washington", "against": "perpetrators"},
         "window": "10d", "prior": 0.55},
        {"name": "reprisal", "trigger": {"event_type": "strike", "striker_side": "us_coalition",
                                         "min_killed": {"militia": 1}},
         "expects": {"kind": "attack_likely", "event_type": "attack", "by": "targets",
                     "against": "sites hosting US forces"},
         "window": "7d", "prior": 0.5},
    ],
})
SIDES = {"Washington": "us_coalition", "Brigade Nine": "iran_aligned", "Unnamed militias": "iran_aligned",
         "Baghdad government": "iraq_state"}
WORLD = assess.World(SIDES, lambda place, day: place == "Camp Hosting", "Unnamed militias")
T0 = datetime(2025, 3, 3, 21, 0, tzinfo=UTC)


def event(id: str, type: str, at: datetime, actors: tuple[str, ...], places: tuple[str, ...] = ("Camp Hosting",),
          killed: dict[str, int] | None = None, title: str = "") -> EventFacts:
    return EventFacts(id=id, event_type=type, title=title or f"{type} {id}", actors=actors, places=places,
                      first_seen=at, last_seen=at, killed=killed or {})


DEADLY_ATTACK = event("ev-attack", "attack", T0, ("Brigade Nine",), killed={"US": 2})
STANDING_FORECAST = Forecast(rule="answer", kind="strike_likely", expected_type="strike",
                             expected_by=("Washington",), trigger_event_id="ev-attack", created_at=T0,
                             window_start=T0, window_end=T0 + timedelta(days=10), likelihood=0.8, id=7,
                             warned_at=T0, warned_likelihood=0.8)


def test_a_deadly_attack_on_a_hosting_site_opens_a_forecast_and_warns() -> None:
    outlook = assess.decide(RULES, [], WORLD, DEADLY_ATTACK, True, "two killed", Standing(), T0 + timedelta(hours=1))
    [forecast] = outlook.forecasts
    assert (forecast.rule, forecast.id, forecast.expected_by, forecast.state) == ("answer", None, ("Washington",),
                                                                                  "open")
    assert forecast.likelihood > 0.5 and forecast.warned_at == T0 + timedelta(hours=1)
    [note] = outlook.announcements
    assert (note.kind, note.forecast, note.update_from) == ("warning", forecast, None)
    assert outlook.miss is None  # no reprisal forecast stood: nothing was expected


CASES = [
    # (what happens, the event, is it new, what stands, expected (forecast states, announcement kinds, miss kind))
    ("the expected strike confirms the warning and is announced",
     event("ev-strike", "strike", T0 + timedelta(days=2), ("Washington",), ("Depot",)), True,
     Standing(open_at_event=(STANDING_FORECAST,)), (["confirmed"], ["resolved"], None)),
    ("a strike by the other side does not confirm it",
     event("ev-strike", "strike", T0 + timedelta(days=2), ("Baghdad government",), ("Depot",)), True,
     Standing(open_at_event=(STANDING_FORECAST,)), ([], [], None)),
    ("a strike after a trigger whose forecast stayed below the threshold is a miss",
     event("ev-strike", "strike", T0 + timedelta(days=2), ("Washington",), ("Depot",)), True,
     Standing(open_at_event=(replace(STANDING_FORECAST, warned_at=None, warned_likelihood=None,
                                     likelihood=0.4),)), (["confirmed"], [], "strike_likely")),
    ("a strike with nothing standing was not expected: no miss",
     event("ev-strike", "strike", T0 + timedelta(days=2), ("Washington",), ("Depot",)), True,
     Standing(), ([], [], None)),
    ("a report joining a known event checks it again: a striker named late confirms the open warning",
     event("ev-strike", "strike", T0 + timedelta(days=2), ("Washington",), ("Depot",)), False,
     Standing(open_at_event=(STANDING_FORECAST,)), (["confirmed"], ["resolved"], None)),
    ("a warning the event confirmed already is not confirmed again",
     event("ev-strike", "strike", T0 + timedelta(days=2), ("Washington",), ("Depot",)), False,
     Standing(open_at_event=(replace(STANDING_FORECAST, state="confirmed", resolving_event_id="ev-strike"),)),
     ([], [], None)),
    ("a vow from the side expected to act raises the standing forecast",
     event("ev-vow", "threat", T0 + timedelta(days=1), ("Washington",), ()), True,
     Standing(open_now=(replace(STANDING_FORECAST, likelihood=0.6, warned_likelihood=0.6),),
              triggers={"ev-attack": DEADLY_ATTACK}), (["open"], ["warning"], None)),
    ("a vow from the other side does not",
     event("ev-vow", "threat", T0 + timedelta(days=1), ("Brigade Nine",), ()), True,
     Standing(open_now=(STANDING_FORECAST,), triggers={"ev-attack": DEADLY_ATTACK}), ([], [], None)),
    ("the same trigger read again moves the likelihood too little to announce",
     DEADLY_ATTACK, False, Standing(of_event=(STANDING_FORECAST,)), (["open"], [], None)),
    ("a confirmed forecast is not judged again",
     DEADLY_ATTACK, False, Standing(of_event=(replace(STANDING_FORECAST, state="confirmed"),)), ([], [], None)),
    ("an attack with no US dead triggers nothing",
     replace(DEADLY_ATTACK, killed={}), True, Standing(), ([], [], None)),
]


@pytest.mark.parametrize(("what", "facts", "is_new", "standing", "expected"), CASES, ids=[c[0] for c in CASES])
def test_what_an_event_does_to_the_forecasts(what: str, facts: EventFacts, is_new: bool, standing: Standing,
                                             expected: tuple[list[str], list[str], str | None]) -> None:
    states, kinds, miss = expected
    now = facts.first_seen + timedelta(hours=1)
    outlook = assess.decide(RULES, [], WORLD, facts, is_new, facts.title, standing, now)
    assert [f.state for f in outlook.forecasts] == states
    assert [a.kind for a in outlook.announcements] == kinds
    assert (outlook.miss.kind if outlook.miss else None) == miss


def test_the_decision_works_on_copies_and_leaves_what_it_was_given() -> None:
    standing = Standing(open_at_event=(STANDING_FORECAST,))
    strike = event("ev-strike", "strike", T0 + timedelta(days=2), ("Washington",), ("Depot",))
    outlook = assess.decide(RULES, [], WORLD, strike, True, "", standing, T0 + timedelta(days=3))
    assert outlook.forecasts[0].state == "confirmed" and outlook.forecasts[0].lead_hours == 48
    assert STANDING_FORECAST.state == "open"


def test_a_report_read_after_the_window_warns_about_nothing() -> None:
    late = T0 + timedelta(days=11)
    assert assess.decide(RULES, [], WORLD, DEADLY_ATTACK, True, "", Standing(), late).forecasts == ()


def test_resolved_forecasts_of_the_rule_weigh_on_the_base() -> None:
    now = T0 + timedelta(hours=1)
    misses = tuple(Resolved("answer", False, date(2024, 1, d), T0 - timedelta(days=30 - d)) for d in range(1, 9))
    plain = assess.decide(RULES, [], WORLD, DEADLY_ATTACK, True, "", Standing(), now).forecasts[0]
    humbled = assess.decide(RULES, [], WORLD, DEADLY_ATTACK, True, "", Standing(resolved=misses), now).forecasts[0]
    assert humbled.likelihood < plain.likelihood
    assert "0 of 8 comparable incidents" in humbled.details["reasons"][0]


def test_a_vow_seen_the_day_before_counts_for_a_new_trigger() -> None:
    vow = event("ev-vow", "threat", T0 - timedelta(hours=12), ("Washington",), ())
    now = T0 + timedelta(hours=1)
    with_vow = assess.decide(RULES, [], WORLD, DEADLY_ATTACK, True, "", Standing(threats=(vow,)), now).forecasts[0]
    assert with_vow.threat_seen
    old = replace(vow, first_seen=T0 - timedelta(days=3), last_seen=T0 - timedelta(days=3))
    assert not assess.decide(RULES, [], WORLD, DEADLY_ATTACK, True, "", Standing(threats=(old,)),
                             now).forecasts[0].threat_seen


def _item(title: str, summary: str, link: str | None = None) -> Item:
    return Item(key="new", title=title, summary=summary, link=link, published=T0, source="Desk", feed_url="f")


def _seen(title: str, summary: str, link: str | None = None, fingerprint: str = "other") -> SeenItem:
    return SeenItem(key="old", link=link, fingerprint=fingerprint, title=title, summary=summary, event_id="ev-1")


COPY_CASES = [
    ("the same link", _item("A", "b", "https://x/1"), [_seen("Other", "text", "https://x/1")], True),
    ("the same text", _item("A", "b"), [_seen("Different", "words", fingerprint="same")], True),
    ("a title and summary differing by an outlet's suffix",
     _item("Drones hit a base near the border - Desk", "Two drones struck the base overnight, officials said."),
     [_seen("Drones hit a base near the border", "Two drones struck the base overnight, officials said.")], True),
    ("another story with a like title", _item("Drones hit a base", "Two drones struck the base on Monday."),
     [_seen("Drones hit a base", "A rocket landed near the gate on Friday, without damage.")], False),
    ("nothing stored", _item("A", "b"), [], False),
]


@pytest.mark.parametrize(("what", "item", "stored", "is_copy"), COPY_CASES, ids=[c[0] for c in COPY_CASES])
def test_copies(what: str, item: Item, stored: list[SeenItem], is_copy: bool) -> None:
    fingerprint = "same"
    assert (events.original_of(item, fingerprint, stored) is not None) == is_copy


AGGREGATOR_CASES = [
    ("an aggregator's headline and the outlet's article",
     _item("Drone hits base near Erbil - Kurdistan Wire", "Drone hits base near Erbil  Kurdistan Wire"),
     [_seen("Drone hits base near Erbil", "A drone struck the base late on Sunday, officials said.")], True),
    ("the article after the aggregator's headline",
     _item("Drone hits base near Erbil", "A drone struck the base late on Sunday, officials said."),
     [_seen("Drone hits base near Erbil - Kurdistan Wire", "Drone hits base near Erbil Kurdistan Wire")], True),
    ("the same headline with and without the outlet",
     _item("Drone hits base near Erbil - Kurdistan Wire", ""), [_seen("Drone hits base near Erbil", "")], True),
    ("the mobile page of a stored article", _item("Other words", "other text", "https://m.wire.example/a/1"),
     [_seen("Title", "text", "https://wire.example/a/1")], True),
    ("the AMP page of a stored article", _item("Other words", "other text", "https://wire.example/a/1/amp"),
     [_seen("Title", "text", "https://wire.example/a/1")], True),
    ("two articles under one headline are not one",
     _item("Drone hits base near Erbil", "A drone struck the base late on Sunday, officials said."),
     [_seen("Drone hits base near Erbil", "Two rockets landed near the airport on Thursday morning.")], False),
    ("a dash in a headline that says more is kept",
     _item("Rockets hit base - officials", "Three rockets struck the base on Monday, wounding two."),
     [_seen("Rockets hit base", "")], False),
]


@pytest.mark.parametrize(("what", "item", "stored", "is_copy"), AGGREGATOR_CASES,
                         ids=[c[0] for c in AGGREGATOR_CASES])
def test_aggregator_and_mobile_copies(what: str, item: Item, stored: list[SeenItem], is_copy: bool) -> None:
    fingerprint = events.content_prints(item.title, item.summary)[0]
    assert (events.original_of(item, fingerprint, stored) is not None) == is_copy


def test_the_bare_headline_prints_alike() -> None:
    aggregated = events.content_prints("Drone hits base - Kurdistan Wire", "Drone hits base Kurdistan Wire")
    own = events.content_prints("Drone hits base", "A drone struck the base late on Sunday.")
    assert aggregated[1] == own[1] and aggregated[0] != own[0]


def test_one_headline_two_days_apart_is_not_a_copy() -> None:
    item = _item("Rockets hit the base again", "")
    stored = SeenItem("old", None, "x", "Rockets hit the base again", "", "ev-1", T0 - timedelta(days=2))
    assert events.original_of(item, "y", [stored]) is None
    assert events.original_of(item, "y", [replace(stored, published=T0 - timedelta(hours=3))]) is not None


def test_silence_is_explained() -> None:
    now = T0 + timedelta(hours=1)
    unhurt = assess.decide(RULES, [], WORLD, replace(DEADLY_ATTACK, killed={}), True, "", Standing(), now)
    assert unhurt.silent == ("answer: not a trigger: no US killed",)
    elsewhere = replace(DEADLY_ATTACK, places=("Depot",))
    assert "no place known to host US forces" in assess.decide(RULES, [], WORLD, elsewhere, True, "", Standing(),
                                                               now).silent[0]
    timid = RulesFile.model_validate({**RULES.model_dump(), "threshold": 0.99})
    [line] = assess.decide(timid, [], WORLD, DEADLY_ATTACK, True, "", Standing(), now).silent
    assert line.startswith("answer: likelihood ") and "below the threshold 99%" in line


def test_wounded_can_trigger_a_rule() -> None:
    rules = RulesFile.model_validate({**RULES.model_dump(), "rules": [
        {**RULES.rules[0].model_dump(), "trigger": {**RULES.rules[0].trigger.model_dump(), "min_killed": {},
                                                      "min_casualties": {"US": 1}}}]})
    hurt = replace(DEADLY_ATTACK, killed={}, injured={"US": 3})
    assert len(assess.decide(rules, [], WORLD, hurt, True, "", Standing(), T0 + timedelta(hours=1)).forecasts) == 1
    assert assess.decide(RULES, [], WORLD, hurt, True, "", Standing(), T0 + timedelta(hours=1)).forecasts == ()


def test_americans_hurt_with_no_number_given_count_as_one() -> None:
    """"Several US troops wounded" (injured {"US": 0}: the number not given) meets a wounding rule's threshold of one,
    and the warning's reasons say "at least"; it is no one hurt for nobody."""
    rules = RulesFile.model_validate({**RULES.model_dump(), "threshold": 0.01, "rules": [
        {**RULES.rules[0].model_dump(), "trigger": {**RULES.rules[0].trigger.model_dump(), "min_killed": {},
                                                      "min_casualties": {"US": 1}}}]})
    hurt = replace(DEADLY_ATTACK, killed={}, injured={"US": 0})
    [forecast] = assess.decide(rules, [], WORLD, hurt, True, "", Standing(), T0 + timedelta(hours=1)).forecasts
    assert "at least 1 injured: +0.10" in forecast.details["reasons"]
    unhurt = replace(DEADLY_ATTACK, killed={}, injured={})
    assert assess.decide(rules, [], WORLD, unhurt, True, "", Standing(), T0 + timedelta(hours=1)).forecasts == ()


def test_a_second_trigger_the_same_day_does_not_warn_again() -> None:
    second = replace(DEADLY_ATTACK, id="ev-second", first_seen=T0 + timedelta(hours=5),
                     last_seen=T0 + timedelta(hours=5))
    outlook = assess.decide(RULES, [], WORLD, second, True, "", Standing(open_now=(STANDING_FORECAST,)),
                            T0 + timedelta(hours=6))
    assert [f.trigger_event_id for f in outlook.forecasts] == ["ev-second"] and outlook.announcements == ()
    assert "already warned of" in outlook.silent[0]
    days_later = replace(second, first_seen=T0 + timedelta(days=3), last_seen=T0 + timedelta(days=3))
    assert assess.decide(RULES, [], WORLD, days_later, True, "", Standing(open_now=(STANDING_FORECAST,)),
                         T0 + timedelta(days=3, hours=1)).announcements
