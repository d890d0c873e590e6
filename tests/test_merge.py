"""One incident, one event: the same-incident decision (events.weigh / place_report), table-driven on values, with
the shipped watchlist's places. Cases written for these tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from monitor import events
from monitor.config import load_watchlist
from monitor.model import EventFacts, Party, Reading, Report
from monitor.pipeline.runtime import gazetteer_of

CONFIG = Path(__file__).resolve().parents[1] / "config"
GAZETTEER = gazetteer_of(load_watchlist([CONFIG / "watchlist.yaml"]))
WINDOW = timedelta(hours=72)
MONDAY = datetime(2024, 1, 15, 19, 0, tzinfo=UTC)


def report(at: datetime, type: str, places: tuple[str, ...] = (), actors: tuple[str, ...] = (),
           day: date | None = None, title: str = "report") -> Report:
    reading = Reading(relevant=True, event_type=type, actors=actors, places=places, happened_on=day,
                      speaker_known=type == "threat")  # a threat's first actor speaks, as its title says
    return Report(f"key-{at.isoformat()}-{title}", title, None, "Desk", at, reading)


def event_of(r: Report) -> EventFacts:
    return events.place_report(r, [], WINDOW, GAZETTEER).event


BASE_ATTACK = event_of(report(MONDAY, "attack", ("Ain al-Asad Air Base",), ("Iran-backed militias",),
                              MONDAY.date(), "Rockets hit Ain al-Asad"))

CASES = [
    ("a follow-up the same evening about the same base joins",
     report(MONDAY + timedelta(hours=2), "attack", ("Ain al-Asad Air Base",)), True),
    ("a follow-up next morning with no day of its own joins",
     report(MONDAY + timedelta(hours=14), "attack", ("Ain al-Asad Air Base",), ("Iran-backed militias",)), True),
    ("a report next morning saying Monday joins",
     report(MONDAY + timedelta(hours=15), "attack", ("Ain al-Asad Air Base",), day=MONDAY.date()), True),
    ("the same base hit again on Tuesday, told on Tuesday evening, is another incident",
     report(MONDAY + timedelta(hours=24), "attack", ("Ain al-Asad Air Base",), day=date(2024, 1, 16)), False),
    ("the same base hit two days later is another incident",
     report(MONDAY + timedelta(hours=47), "attack", ("Ain al-Asad Air Base",)), False),
    ("another base far away is another incident",
     report(MONDAY + timedelta(hours=1), "attack", ("Erbil Air Base",)), False),
    ("a strike the same day elsewhere is another incident",
     report(MONDAY + timedelta(hours=1), "strike", ("Jurf al-Sakhar",)), False),
    ("the attack read as a strike (missiles struck the base) at the same base, same day, joins",
     report(MONDAY + timedelta(hours=1), "strike", ("Ain al-Asad Air Base",)), True),
    ("a strike that names no place is not taken for the attack",
     report(MONDAY + timedelta(hours=1), "strike", ()), False),
    ("a short item naming no place joins the attack of its day",
     report(MONDAY + timedelta(hours=1), "attack", ()), True),
    ("a threat is another type of event",
     report(MONDAY + timedelta(hours=1), "threat", ("Ain al-Asad Air Base",)), False),
    ("a follow-up four days later saying Monday, at the same base, joins",
     report(MONDAY + timedelta(days=4), "attack", ("Ain al-Asad Air Base",), day=MONDAY.date()), True),
    ("a report four days later with no day of its own is too late",
     report(MONDAY + timedelta(days=4), "attack", ("Ain al-Asad Air Base",)), False),
    ("a report saying Monday eleven days later, 'last week', still joins",
     report(MONDAY + timedelta(days=11), "attack", ("Ain al-Asad Air Base",), day=MONDAY.date()), True),
    ("a report saying Monday past the follow-up window is too late",
     report(MONDAY + events.FOLLOW_UP_WINDOW + timedelta(days=1), "attack", ("Ain al-Asad Air Base",),
            day=MONDAY.date()), False),
]


@pytest.mark.parametrize(("what", "incoming", "joins"), CASES, ids=[c[0] for c in CASES])
def test_same_incident(what: str, incoming: Report, joins: bool) -> None:
    verdict = events.weigh(incoming, BASE_ATTACK, WINDOW, GAZETTEER)
    assert verdict.joins == joins, verdict.reasons
    assert verdict.reasons  # every decision says why


def test_a_base_named_only_by_its_town_is_the_same_incident() -> None:
    k1 = event_of(report(MONDAY, "attack", ("K1 Air Base",), day=MONDAY.date(), title="Rockets hit K1 base"))
    assert events.weigh(report(MONDAY + timedelta(hours=3), "attack", ("Kirkuk",)), k1, WINDOW, GAZETTEER).joins


def test_a_town_named_as_another_bases_region_stands_for_no_base_of_its_own() -> None:
    # "Drones downed near Harir, north-east of Erbil" tells Harir; Erbil's airport base, hit the same evening 70 km
    # away, is another incident. The town alone still stands for the base named after it.
    airport = event_of(report(MONDAY, "attack", ("Erbil Air Base",), day=MONDAY.date(),
                              title="Drones hit Erbil airport"))
    harir = report(MONDAY + timedelta(hours=1), "attack", ("Harir Air Base", "Erbil"), day=MONDAY.date())
    assert not events.weigh(harir, airport, WINDOW, GAZETTEER).joins
    town = report(MONDAY + timedelta(hours=1), "attack", ("Erbil",), day=MONDAY.date())
    assert events.weigh(town, airport, WINDOW, GAZETTEER).joins


def test_a_strike_under_two_place_names_is_one_event() -> None:
    """A raid told once as near a border town and once by the crossing beside it."""
    first = event_of(report(MONDAY, "strike", ("Albu Kamal",), ("Kataib Hezbollah",), title="US jets hit border"))
    second = report(MONDAY + timedelta(hours=5), "strike", ("Al-Qaim",), ("Kataib Hezbollah",))
    third = report(MONDAY + timedelta(hours=6), "strike", (), ("Kataib Hezbollah",))
    verdict = events.weigh(second, first, WINDOW, GAZETTEER)
    assert verdict.joins and any("beside" in r for r in verdict.reasons)
    assert events.weigh(third, first, WINDOW, GAZETTEER).joins


def test_two_speakers_on_one_day_are_two_statements() -> None:
    militia = event_of(report(MONDAY, "threat", (), ("Kataib Hezbollah", "United States"), title="KH vows"))
    official = report(MONDAY + timedelta(hours=2), "threat", (), ("United States", "Kataib Hezbollah"))
    same_speaker = report(MONDAY + timedelta(hours=4), "threat", (), ("Kataib Hezbollah",))
    verdict = events.weigh(official, militia, WINDOW, GAZETTEER)
    assert not verdict.joins and "another speaker" in verdict.reasons[-1]
    assert events.weigh(same_speaker, militia, WINDOW, GAZETTEER).joins


def test_a_statement_naming_no_speaker_joins_its_own_side_only() -> None:
    """"Statement by the Ambassador on the missile attack" names no watched speaker: it does not join the
    Kataib Hezbollah's vow of that day, whose first party is of the other side; a report of that vow
    naming no speaker still may."""
    guards = event_of(report(MONDAY, "threat", (), ("Kataib Hezbollah", "Iran"), title="KH vows"))
    unnamed = report(MONDAY + timedelta(hours=2), "threat", (), ("United States", "Iran"))
    unnamed = replace(unnamed, reading=replace(unnamed.reading, speaker_known=False))
    verdict = events.weigh(unnamed, guards, WINDOW, GAZETTEER)
    assert not verdict.joins and "of the other side" in verdict.reasons[-1]
    echo = replace(unnamed, key="k-echo", reading=replace(unnamed.reading, actors=("Kataib Hezbollah",)))
    assert events.weigh(echo, guards, WINDOW, GAZETTEER).joins


def test_the_decision_is_kept_with_the_change() -> None:
    incoming = report(MONDAY + timedelta(hours=2), "attack", ("Ain al-Asad Air Base",))
    change = events.place_report(incoming, [BASE_ATTACK], WINDOW, GAZETTEER)
    assert not change.is_new and change.why.startswith("joined (score ")
    elsewhere = report(MONDAY + timedelta(hours=2), "attack", ("Erbil Air Base",))
    assert events.place_report(elsewhere, [BASE_ATTACK], WINDOW, GAZETTEER).why.startswith("new: closest was")


def test_places_reach_what_lies_inside_or_beside_them() -> None:
    reach = GAZETTEER.reach
    assert "Baghdad International Airport" in reach["Baghdad"]
    assert "Kirkuk" in reach["K1 Air Base"]
    assert "Erbil Air Base" not in reach.get("Ain al-Asad Air Base", frozenset())


def test_two_sites_on_one_airport_are_beside_each_other_and_two_bases_of_one_province_are_not() -> None:
    # A camp and a diplomatic compound share an airport's ground: drones "heading for" one and "hitting" the other
    # that evening are one attack. Two bases that only lie in one province are two places.
    compound = event_of(report(MONDAY, "attack", ("Baghdad Diplomatic Support Center",), (), MONDAY.date(),
                               "Drones target the diplomatic compound at the airport"))
    camp = report(MONDAY + timedelta(hours=1), "attack", ("Victory Base Complex",), (), MONDAY.date(),
                  "Air defences down drones heading for the camp at the airport")
    assert events.weigh(camp, compound, WINDOW, GAZETTEER).joins
    assert "Baghdad Diplomatic Support Center" in GAZETTEER.reach["Victory Base Complex"]
    assert "Mission Support Site Conoco" not in GAZETTEER.reach.get("Green Village", frozenset())


def test_the_same_dead_count_as_evidence():
    """A next-morning report naming no place ("two US troops and a Briton killed in an attack on a base north of
    Baghdad") joins the event with the same dead; with other figures it does not."""
    first = Report("k1", "Rockets hit Taji", None, "Desk", MONDAY,
                   Reading(relevant=True, event_type="attack", actors=(), places=("Camp Taji",),
                           killed={"US": 2, "UK": 1}, happened_on=MONDAY.date()))
    event = event_of(first)
    later = MONDAY + timedelta(hours=12)
    same = Report("k2", "Two US troops and a Briton killed", None, "Desk", later,
                  Reading(relevant=True, event_type="attack", actors=(), places=(), killed={"US": 2, "UK": 1}))
    other = Report("k3", "Four killed", None, "Desk", later,
                   Reading(relevant=True, event_type="attack", actors=(), places=(), killed={"US": 4}))
    joined = events.weigh(same, event, WINDOW, GAZETTEER)
    assert joined.joins, joined.reasons
    assert any("the same dead (1 UK, 2 US)" in r for r in joined.reasons)
    assert not events.weigh(other, event, WINDOW, GAZETTEER).joins


def _denying(places: tuple[str, ...], at: datetime) -> Report:
    reading = Reading(relevant=False, event_type=None, actors=(), places=places, denied="attack")
    return Report(f"deny-{places}", "No attack took place, officials say", None, "Desk", at, reading)


def test_a_denial_corrects_the_attack_at_its_place_and_nothing_else():
    later = MONDAY + timedelta(hours=10)
    change = events.denial(_denying(("Ain al-Asad Air Base",), later), [BASE_ATTACK], WINDOW, GAZETTEER)
    assert change is not None and not change.is_new
    assert [c.kind for c in change.changes] == ["correction"]
    assert change.event.report_count == BASE_ATTACK.report_count + 1 and change.event.killed == BASE_ATTACK.killed
    assert events.denial(_denying((), later), [BASE_ATTACK], WINDOW, GAZETTEER) is None  # names nothing
    assert events.denial(_denying(("Erbil Air Base",), later), [BASE_ATTACK], WINDOW, GAZETTEER) is None
    assert events.denial(_denying(("Ain al-Asad Air Base",), MONDAY + timedelta(days=5)), [BASE_ATTACK], WINDOW,
                         GAZETTEER) is None  # too late, and no day of its own


def test_a_strike_by_a_named_striker_at_the_attacked_base_is_the_answer_not_the_attack():
    """A US self-defence strike near the base attacked that day is another incident; a strike reading that names
    no striker ("missiles struck the base") may still be the attack misread."""
    named = Reading(relevant=True, event_type="strike", actors=("United States",), places=("Ain al-Asad Air Base",),
                    parties=(Party("United States", "striker", "named"),), happened_on=MONDAY.date())
    answer = Report("k-answer", "US forces destroy launchers near Ain al-Asad", None, "Desk",
                    MONDAY + timedelta(hours=3), named)
    verdict = events.weigh(answer, BASE_ATTACK, WINDOW, GAZETTEER)
    assert not verdict.joins and verdict.reasons == ("a strike by a named striker, the event an attack",)


def _us_strike(at: datetime, places: tuple[str, ...], title: str) -> Report:
    reading = Reading(relevant=True, event_type="strike", actors=("United States", "Kataib Hezbollah"),
                      places=places, parties=(Party("United States", "striker", "named"),
                                              Party("Kataib Hezbollah", "target", "named")))
    return Report(f"k-{title}", title, None, "Desk", at, reading)


def test_one_nights_strikes_named_by_different_places_are_one_operation():
    """A wave of US strikes hits several towns; each report names those it heard of. The same striker the same
    day joins whatever places it names; a strike by it on another day at other places does not."""
    night = datetime(2024, 2, 2, 18, 0, tzinfo=UTC)
    wave = event_of(_us_strike(night, ("Al-Qaim", "Akashat"), "US jets hit militia sites in western Anbar"))
    syria = _us_strike(night + timedelta(hours=3), ("Mayadin", "Albu Kamal"), "US raids on Mayadin and Bukamal")
    assert events.weigh(syria, wave, WINDOW, GAZETTEER).joins
    two_days_on = _us_strike(night + timedelta(hours=44), ("Mayadin",), "US raid on Mayadin")
    assert not events.weigh(two_days_on, wave, WINDOW, GAZETTEER).joins


def test_the_same_us_dead_tie_a_next_day_item_naming_no_place():
    """"Three US soldiers killed in drone attack on base in Jordan", the morning after, names no site: the same US
    dead make it the incident already known; the same count of militia dead is weaker evidence."""
    first = Report("k-t22", "Drone hits Tower 22", None, "Desk", MONDAY,
                   Reading(relevant=True, event_type="attack", actors=(), places=("Tower 22",), killed={"US": 3},
                           happened_on=MONDAY.date()))
    event = event_of(first)
    next_day = MONDAY + timedelta(hours=22)  # the next afternoon: no night attack told either side of midnight
    us_dead = Report("k-gn", "Three US soldiers killed in drone attack on base in Jordan", None, "News", next_day,
                     Reading(relevant=True, event_type="attack", actors=(), places=(), killed={"US": 3}))
    assert events.weigh(us_dead, event, WINDOW, GAZETTEER).joins
    militia_event = event_of(Report("k-m", "Strike on PMF post", None, "Desk", MONDAY,
                                    Reading(relevant=True, event_type="attack", actors=(), places=("Tower 22",),
                                            killed={"militia": 3}, happened_on=MONDAY.date())))
    militia_dead = replace(us_dead, reading=replace(us_dead.reading, killed={"militia": 3}))
    assert not events.weigh(militia_dead, militia_event, WINDOW, GAZETTEER).joins


def test_a_report_naming_only_the_country_weighs_it():
    """"US troops checked for brain injuries after missile barrage on Iraq base", the next morning, names no site:
    an event in that country is its incident, one in another country is not."""
    late = MONDAY + timedelta(hours=13)
    iraq = Report("k-iraq", "US troops checked after missile barrage on Iraq base", None, "Desk", late,
                  Reading(relevant=True, event_type="attack", actors=(), places=(), countries=("Iraq",)))
    syria = replace(iraq, key="k-syria", reading=replace(iraq.reading, countries=("Syria",)))
    joined = events.weigh(iraq, BASE_ATTACK, WINDOW, GAZETTEER)
    assert joined.joins and any("in the country of the event's places (Iraq)" in r for r in joined.reasons)
    assert not events.weigh(syria, BASE_ATTACK, WINDOW, GAZETTEER).joins


def test_a_report_naming_the_country_across_the_border_from_the_events_place_is_not_kept_apart():
    """A militia claims a drone on a camp on the Syrian side of the border; hours later "three US soldiers killed in
    drone attack on base in Jordan" names only Jordan. The claimed place lies beside a site in Jordan, so the
    country is no reason to keep the two apart; a country neither place touches still is."""
    morning = MONDAY - timedelta(hours=10)
    claim = event_of(Report("k-claim", "Resistance says its drones hit a camp on the berm", None, "Desk", morning,
                            Reading(relevant=True, event_type="attack", actors=("Islamic Resistance in Iraq",),
                                    places=("Rukban",), happened_on=morning.date())))
    later = morning + timedelta(hours=5)
    jordan = Report("k-jordan", "Three US soldiers killed in drone attack on base in Jordan", None, "News", later,
                    Reading(relevant=True, event_type="attack", actors=(), places=(), countries=("Jordan",)))
    verdict = events.weigh(jordan, claim, WINDOW, GAZETTEER)
    assert verdict.joins and any("beside the event's places" in r for r in verdict.reasons)
    iraq = replace(jordan, key="k-iraq", reading=replace(jordan.reading, countries=("Iraq",)))
    assert not events.weigh(iraq, claim, WINDOW, GAZETTEER).joins


def test_a_flash_naming_no_striker_is_joined_by_the_strikers_statement():
    """"Air strikes by unknown aircraft on PMF posts in Jurf al-Sakhar" after midnight, then the Secretary's
    statement on US strikes in Iraq that names no place: the same strike. The statement is looked up against
    every event of its window, since it names no place to look up by."""
    night = datetime(2023, 11, 21, 22, 20, tzinfo=UTC)
    flash = event_of(Report("k-flash", "Unknown aircraft strike PMF posts in Jurf al-Sakhar", None, "Local", night,
                            Reading(relevant=True, event_type="strike", actors=("Popular Mobilization Forces",),
                                    places=("Jurf al-Sakhar",),
                                    parties=(Party("Popular Mobilization Forces", "target", "named"),))))
    statement = Reading(relevant=True, event_type="strike", actors=("United States", "Kataib Hezbollah"), places=(),
                        parties=(Party("United States", "striker", "named"),), happened_on=date(2023, 11, 22))
    said = Report("k-said", "Statement on U.S. strikes in Iraq", None, "Defense", night + timedelta(hours=4), statement)
    assert events.lookup_names(statement, GAZETTEER) == []
    verdict = events.weigh(said, flash, WINDOW, GAZETTEER)
    assert verdict.joins and any("told by its striker" in r for r in verdict.reasons), verdict.reasons
    other_day = replace(said, published=night + timedelta(hours=40),
                        reading=replace(statement, happened_on=date(2023, 11, 23)))
    assert not events.weigh(other_day, flash, WINDOW, GAZETTEER).joins


def test_the_next_day_at_the_same_base_needs_more_than_the_place():
    """Rockets on a base one day, drones on it the next: a report published a day later naming no day of its own
    and nothing but the base is a new incident; one that counts the same side's wounded again is the update."""
    first = Report("k-d1", "Drones downed near Ain al-Asad", None, "Desk", MONDAY,
                   Reading(relevant=True, event_type="attack", actors=(), places=("Ain al-Asad Air Base",),
                           injured={"US": 2}, happened_on=MONDAY.date()))
    event = event_of(first)
    next_day = MONDAY + timedelta(hours=26)  # the next evening, over a day after the first report
    rockets = Report("k-d2", "Five rockets fall on Ain al-Asad", None, "Desk", next_day,
                     Reading(relevant=True, event_type="attack", actors=(), places=("Ain al-Asad Air Base",)))
    verdict = events.weigh(rockets, event, WINDOW, GAZETTEER)
    assert not verdict.joins, verdict.reasons
    update = replace(rockets, key="k-d3", title="Wounded in Ain al-Asad attack rise to six",
                     reading=replace(rockets.reading, injured={"US": 6}))
    joined = events.weigh(update, event, WINDOW, GAZETTEER)
    assert joined.joins and "US or coalition casualties in both: +1" in joined.reasons


def test_an_attack_never_joins_a_strike_whose_striker_is_named():
    """The US strikes launch sites near a base, and hours later rockets hit that base: the attack report shares the
    strike's places but tells the next incident, not a misread of the strike."""
    strike = event_of(Report("k-s", "US strikes launch sites near Green Village", None, "Desk", MONDAY,
                             Reading(relevant=True, event_type="strike", actors=("United States",),
                                     places=("Green Village",), happened_on=MONDAY.date())))
    attack = Report("k-a", "Rockets hit Green Village, three US troops hurt", None, "Desk", MONDAY + timedelta(hours=5),
                    Reading(relevant=True, event_type="attack", actors=(), places=("Green Village",),
                            injured={"US": 3}, happened_on=MONDAY.date()))
    verdict = events.weigh(attack, strike, WINDOW, GAZETTEER)
    assert not verdict.joins and "a strike by a named striker" in verdict.reasons[-1], verdict.reasons


def test_places_are_compared_at_their_most_specific():
    """Two bases in one province: a report naming "Rumalyn, Hasakah" does not join the attack on al-Shaddadi by
    naming the province; a report naming only the province still may."""
    gazetteer = replace(GAZETTEER, reach={**GAZETTEER.reach, "Hasakah": frozenset({"Rumalyn", "Al-Shaddadi"}),
                                          "Rumalyn": frozenset({"Hasakah"}), "Al-Shaddadi": frozenset({"Hasakah"})},
                        inside={"Rumalyn": frozenset({"Hasakah"}), "Al-Shaddadi": frozenset({"Hasakah"})})
    event = event_of(Report("k-sh", "Drone hits al-Shaddadi", None, "Desk", MONDAY,
                            Reading(relevant=True, event_type="attack", actors=(), places=("Al-Shaddadi", "Hasakah"),
                                    happened_on=MONDAY.date())))
    rumalyn = Report("k-ru", "Drones sent toward Rumalyn in Hasakah", None, "Desk", MONDAY + timedelta(hours=3),
                     Reading(relevant=True, event_type="attack", actors=(), places=("Rumalyn", "Hasakah"),
                             happened_on=MONDAY.date()))
    assert not events.weigh(rumalyn, event, WINDOW, gazetteer).joins
    province = replace(rumalyn, key="k-pr", reading=replace(rumalyn.reading, places=("Hasakah",)))
    assert events.weigh(province, event, WINDOW, gazetteer).joins


def test_days_are_dated_on_the_theatre_clock():
    """A flash published at 01:30 in Erbil (22:30 UTC the evening before) tells of that Sunday there: a report the
    next day about "Sunday's missiles" is the same incident."""
    gazetteer = replace(GAZETTEER, local=timezone(timedelta(hours=3)))
    flash = datetime(2022, 3, 12, 22, 30, tzinfo=UTC)  # Sunday 01:30 in the theatre
    event = events.place_report(Report("k-f", "Loud blasts heard across Erbil", None, "Desk", flash,
                                       Reading(relevant=True, event_type="attack", actors=(), places=("Erbil",))),
                                [], WINDOW, gazetteer).event
    assert event.day == date(2022, 3, 13)
    later = Report("k-l", "Erbil counts the damage from Sunday's missiles", None, "Desk", flash + timedelta(hours=36),
                   Reading(relevant=True, event_type="attack", actors=(), places=("Erbil",),
                           happened_on=date(2022, 3, 13)))
    assert events.weigh(later, event, WINDOW, gazetteer).joins


def test_casualties_counted_days_later_join_the_attack():
    """"Eight US troops treated for brain injuries after the drone attack on a Syria base", four days on and
    naming no day: the injured of an earlier attack in that country; a report of a new attack does not."""
    attack = event_of(Report("k-ru", "Drone hits Rumalyn base", None, "Desk", MONDAY,
                             Reading(relevant=True, event_type="attack", actors=(), places=("Rumalyn",),
                                     happened_on=MONDAY.date())))
    gazetteer = replace(GAZETTEER, country={**GAZETTEER.country, "Rumalyn": "Syria"})
    later = Report("k-tbi", "Eight US troops treated for brain injuries after drone attack on Syria base", None,
                   "Desk", MONDAY + timedelta(days=4),
                   Reading(relevant=True, event_type="attack", actors=(), places=(), injured={"US": 8},
                           countries=("Syria",), background=("after drone attack on Syria base",)))
    verdict = events.weigh(later, attack, WINDOW, gazetteer)
    assert verdict.joins and "casualties of an earlier attack, counted later: 0" in verdict.reasons
    fresh = replace(later, key="k-new", reading=replace(later.reading, background=()))
    assert not events.weigh(fresh, attack, WINDOW, gazetteer).joins


def test_the_same_count_of_us_casualties_days_later_ties_a_report_telling_no_earlier_attack():
    """"Eight US troops treated after drone attack on base in Syria" reads as news of its own (no background), three
    days after the Rumalyn attack whose toll rose to eight: the same rare count is the same incident. Another count,
    or a single casualty, is no such evidence, and the report stays a new attack."""
    gazetteer = replace(GAZETTEER, country={**GAZETTEER.country, "Rumalyn Landing Zone": "Syria"})
    attack = events.place_report(
        Report("k-ru", "Toll from Rumalyn drone attack rises to eight service members treated", None, "Desk", MONDAY,
               Reading(relevant=True, event_type="attack", actors=(), places=("Rumalyn Landing Zone",),
                       injured={"US": 8}, happened_on=MONDAY.date())), [], WINDOW, gazetteer).event
    later = Report("k-8", "Eight US troops treated after drone attack on base in Syria", None, "Wire",
                   MONDAY + timedelta(days=3),
                   Reading(relevant=True, event_type="attack", actors=(), places=(), injured={"US": 8},
                           countries=("Syria",)))
    verdict = events.weigh(later, attack, WINDOW, gazetteer)
    assert verdict.joins and "casualties of an earlier attack, counted later: 0" in verdict.reasons
    for injured in ({"US": 5}, {"US": 1}):
        other = replace(later, key=f"k-{injured['US']}", reading=replace(later.reading, injured=injured))
        assert not events.weigh(other, attack, WINDOW, gazetteer).joins


def test_the_same_count_of_us_hurt_is_evidence_of_one_incident():
    """"Eight US troops treated for brain injuries after drone hit Syrian base" one evening, the same eight told in
    Arabic with the base's name the next morning: the same count of US hurt weighs like the same dead."""
    evening = MONDAY + timedelta(hours=1)
    first = event_of(Report("k-en", "Eight US troops treated for brain injuries after drone hit Syrian base", None,
                            "Wire", evening,
                            Reading(relevant=True, event_type="attack", actors=(), places=(), injured={"US": 8})))
    arabic = Report("k-ar", "ثمانية جنود أمريكيين عولجوا من إصابات دماغية بعد هجوم على قاعدة الرميلان", None, "Desk",
                    evening + timedelta(hours=10),
                    Reading(relevant=True, event_type="attack", actors=(), places=("Rumalyn Landing Zone",),
                            injured={"US": 8}))
    verdict = events.weigh(arabic, first, WINDOW, GAZETTEER)
    assert verdict.joins and "the same hurt (8 US): +1" in verdict.reasons
    other = replace(arabic, key="k-3", reading=replace(arabic.reading, injured={"US": 3}))
    assert not events.weigh(other, first, WINDOW, GAZETTEER).joins


def test_a_first_report_before_dawn_may_date_the_night_before():
    """The first report at 00:35 in the theatre is dated that day; a follow-up saying the attack came the evening
    before is the same incident. A first report at noon is not."""
    gazetteer = replace(GAZETTEER, local=timezone(timedelta(hours=3)))
    small_hours = datetime(2024, 8, 9, 21, 35, tzinfo=UTC)  # 00:35 on 10 August in the theatre
    event = events.place_report(Report("k-n", "Fire seen at base near Rmelan after drone attack", None, "Desk",
                                       small_hours, Reading(relevant=True, event_type="attack", actors=(),
                                                            places=("Rumalyn",))), [], WINDOW, gazetteer).event
    said = Report("k-s", "Pentagon: drone hit Rumalyn on Friday evening", None, "Desk", small_hours + timedelta(days=2),
                  Reading(relevant=True, event_type="attack", actors=(), places=("Rumalyn",),
                          happened_on=date(2024, 8, 9)))
    assert events.weigh(said, event, WINDOW, gazetteer).joins
    noon = replace(event, first_seen=datetime(2024, 8, 10, 9, 0, tzinfo=UTC))
    assert not events.weigh(said, noon, WINDOW, gazetteer).joins


def test_a_group_and_its_umbrella_do_not_tell_two_statements_apart():
    """"Iraqi militia vows to attack the US after the Jurf al-Sakhar raids" read as the umbrella's words joins Kataib
    Hezbollah's vow of that day about that place (Kataib Hezbollah is one of its groups); another group's does not."""
    gazetteer = replace(GAZETTEER, part_of={"Kataib Hezbollah": frozenset({"Islamic Resistance in Iraq"})})
    kh = event_of(report(MONDAY, "threat", ("Jurf al-Sakhar",), ("Kataib Hezbollah", "United States"),
                         title="KH vows"))
    umbrella = report(MONDAY + timedelta(hours=3), "threat", ("Jurf al-Sakhar",),
                      ("Islamic Resistance in Iraq", "United States"))
    verdict = events.weigh(umbrella, kh, WINDOW, gazetteer)
    assert verdict.joins and any("a group and its umbrella" in r for r in verdict.reasons), verdict.reasons
    other = report(MONDAY + timedelta(hours=3), "threat", ("Jurf al-Sakhar",), ("Asaib Ahl al-Haq", "United States"))
    assert not events.weigh(other, kh, WINDOW, gazetteer).joins


def test_an_umbrella_and_its_group_on_one_day_need_nothing_else():
    """"Iraqi armed group threatens US with suicide attacks" (the umbrella's words) on the day a member group's
    chief promised the same, naming no place: the umbrella speaks for its groups, so the day is enough."""
    gazetteer = replace(GAZETTEER, part_of={"Kataib Sayyid al-Shuhada": frozenset({"Islamic Resistance in Iraq"})})
    chief = event_of(report(MONDAY, "threat", (), ("Kataib Sayyid al-Shuhada", "United States"), title="KSS vows"))
    group = report(MONDAY + timedelta(hours=2), "threat", (), ("Islamic Resistance in Iraq", "United States"))
    verdict = events.weigh(group, chief, WINDOW, gazetteer)
    assert verdict.joins and "a group and its umbrella (Islamic Resistance in Iraq, Kataib Sayyid al-Shuhada): +1" \
        in verdict.reasons, verdict.reasons


def test_an_unnamed_militia_statement_is_not_another_speaker_than_a_named_one():
    """"The resistance: the raid on Hillah will not pass" read as an unnamed militia's words, beside a named group's
    statement on that raid: not two speakers. Beside the Pentagon's statement it stays apart."""
    gazetteer = replace(GAZETTEER, unnamed="Iran-backed militias")
    named = event_of(report(MONDAY, "threat", ("Hillah",), ("Islamic Resistance in Iraq", "United States"),
                            title="IRI statement"))
    unnamed = report(MONDAY + timedelta(hours=1), "threat", ("Hillah",), ("Iran-backed militias", "United States"))
    verdict = events.weigh(unnamed, named, WINDOW, gazetteer)
    assert verdict.joins and any(r.startswith("an unnamed group and a named one") for r in verdict.reasons)
    pentagon = event_of(report(MONDAY, "threat", ("Hillah",), ("United States", "Iran-backed militias"),
                               title="Pentagon"))
    assert not events.weigh(unnamed, pentagon, WINDOW, gazetteer).joins


def test_a_day_someone_spoke_on_bounds_the_event_day():
    """"Several US troops treated for injuries after a drone hit an outpost in Syria, an official said on Tuesday",
    published on Wednesday about Monday's attack: the official spoke of it the day after, it is no new attack. A
    report naming no day at all, as late, needs more than the place."""
    attack = event_of(report(MONDAY, "attack", ("Al-Shaddadi",), ("Iran-backed militias",), MONDAY.date(),
                             "Drone hits Shaddadi"))
    later = report(MONDAY + timedelta(hours=25), "attack", ("Al-Shaddadi",), ("Iran-backed militias",))
    spoken = replace(later, reading=replace(later.reading, spoken_on=MONDAY.date() + timedelta(days=1)))
    verdict = events.weigh(spoken, attack, WINDOW, GAZETTEER)
    assert verdict.joins and any(r.startswith("told by someone speaking the day after") for r in verdict.reasons)
    assert not events.weigh(later, attack, WINDOW, GAZETTEER).joins


def test_a_speakers_statement_past_midnight_joins_its_evening_statement():
    """The Pentagon's vow at 22:00, its restatement at 01:00 naming no place: the same speaker, within hours, is
    enough for a statement (an attack a day apart would need more than that)."""
    evening = datetime(2024, 1, 15, 22, 0, tzinfo=UTC)  # the test gazetteer keeps UTC as the theatre clock
    vow = event_of(report(evening, "threat", (), ("United States", "Iran-backed militias"), title="Pentagon vows"))
    again = report(evening + timedelta(hours=3), "threat", (), ("United States", "Iran-backed militias"))
    verdict = events.weigh(again, vow, WINDOW, GAZETTEER)
    assert verdict.joins and verdict.score == 3, verdict.reasons  # three hours after the first +1, same speaker +2
    quiet = replace(again, reading=replace(again.reading, speaker_known=False))
    verdict = events.weigh(quiet, vow, WINDOW, GAZETTEER)
    assert verdict.joins and verdict.score == 2 and "the same first party (United States): +1" in verdict.reasons
    # Four hours after, a day apart within hours weighs nothing: the same speaker alone carries it.
    later = replace(again, published=evening + timedelta(hours=4))
    verdict = events.weigh(later, vow, WINDOW, GAZETTEER)
    assert verdict.joins and verdict.score == 2, verdict.reasons
    # An attack report naming nothing but its day, five hours after past midnight, needs more than that; three hours
    # after, it is the evening's news as it would be before midnight.
    attack = event_of(report(evening, "attack", (), ("Iran-backed militias",), title="Drone attack"))
    later = report(evening + timedelta(hours=5), "attack", (), ("Iran-backed militias",))
    assert not events.weigh(later, attack, WINDOW, GAZETTEER).joins
    assert events.weigh(replace(later, published=evening + timedelta(hours=3)), attack, WINDOW, GAZETTEER).joins


def test_a_revised_toll_days_later_joins_the_attack_it_revises():
    """"Number of US troops wounded in the al-Asad attack rises to 11", two days on and naming no day: a revised
    toll is a follow-up of the attack at that base, not the next attack."""
    attack = event_of(report(MONDAY, "attack", ("Ain al-Asad Air Base",), ("Iran-backed militias",), MONDAY.date(),
                             "Missiles hit al-Asad"))
    later = report(MONDAY + timedelta(days=2), "attack", ("Ain al-Asad Air Base",), ("Iran-backed militias",))
    revised = replace(later, reading=replace(later.reading, injured={"US": 11},
                                             evidence={"injured_note": "US: revised to 11"}))
    verdict = events.weigh(revised, attack, WINDOW, GAZETTEER)
    assert verdict.joins and "casualties of an earlier attack, counted later: 0" in verdict.reasons, verdict.reasons
    assert not events.weigh(later, attack, WINDOW, GAZETTEER).joins


def test_a_statement_naming_no_speaker_joins_by_its_first_party():
    """"Austin: US will take further measures" with the speaker's name unread, after the Pentagon's statement that
    day: the same first party (the US) is evidence."""
    pentagon = event_of(report(MONDAY, "threat", (), ("United States", "Iran-backed militias"), title="Pentagon"))
    unnamed = report(MONDAY + timedelta(hours=3), "threat", (), ("United States", "Iran-backed militias"))
    unnamed = replace(unnamed, reading=replace(unnamed.reading, speaker_known=False))
    verdict = events.weigh(unnamed, pentagon, WINDOW, GAZETTEER)
    assert verdict.joins and "the same first party (United States): +1" in verdict.reasons


def test_a_statements_places_do_not_keep_its_speaker_apart():
    """Kataib Hezbollah's vow of the morning names Tower 22, its restatement at noon the US embassy: the places a
    statement speaks of do not make it another statement."""
    vow = event_of(report(MONDAY, "threat", ("Tower 22",), ("Kataib Hezbollah", "United States"), title="KH vows"))
    again = report(MONDAY + timedelta(hours=3), "threat", ("US Embassy Baghdad",), ("Kataib Hezbollah",))
    verdict = events.weigh(again, vow, WINDOW, GAZETTEER)
    assert verdict.joins and "other places, named by a statement: 0" in verdict.reasons


def test_a_statement_is_looked_up_among_every_statement_of_its_window_whatever_it_names():
    """Iran's vow read in English names the Baghdad embassy it mentions, the same vow in Arabic the capital it was
    spoken in: neither place finds the other event, so a statement is weighed against every statement of its
    window (there are few), and the speaker and day decide."""
    english = event_of(report(MONDAY, "threat", ("Baghdad",), ("Iran", "United States"),
                              title="Iran says it will hit US bases if war is imposed"))
    arabic = report(MONDAY + timedelta(hours=2), "threat", ("Tehran",), ("Iran", "United States"))
    assert events.lookup_names(arabic.reading, GAZETTEER) == []
    assert not events.place_report(arabic, [english], WINDOW, GAZETTEER).is_new


def test_a_us_strike_report_names_the_attacked_base_as_what_it_answers_not_where_it_struck():
    # A flash names no place; the US statement names only the base whose attack the strikes answer; a later
    # report names the province struck. One operation, and its event never says it struck the US base.
    flash = event_of(report(MONDAY, "strike", (), ("United States", "Popular Mobilization Forces"), MONDAY.date(),
                            "Unidentified aircraft bomb Hashd offices"))
    statement = report(MONDAY + timedelta(minutes=30), "strike", ("Erbil Air Base",),
                       ("United States", "Kataib Hezbollah"), title="US forces conduct strikes in Iraq")
    assert events.lookup_names(statement.reading, GAZETTEER) == []  # weighed against every strike of its window
    joined = events.place_report(statement, [flash], WINDOW, GAZETTEER)
    assert not joined.is_new and "Erbil Air Base" not in joined.event.places, joined.why
    later = report(MONDAY + timedelta(hours=3), "strike", ("Babil",), ("Iran-backed militias",),
                   title="Dawn air strikes hit faction sites in Babil")
    assert events.weigh(later, joined.event, WINDOW, GAZETTEER).joins
    # A strike reported first by the US statement alone starts an event with no place, not the US base.
    alone = events.place_report(statement, [], WINDOW, GAZETTEER)
    assert alone.is_new and alone.event.places == ()


def test_a_report_told_after_the_fact_joins_the_event_days_later_at_its_place():
    strike = event_of(report(MONDAY, "strike", ("Akashat",), ("United States", "Kataib Hezbollah"), MONDAY.date(),
                             "US strike hits Kataib Hezbollah post at Akashat"))
    funeral = report(MONDAY + timedelta(hours=30), "strike", ("Akashat",), ("United States", "Kataib Hezbollah"),
                     date(2024, 1, 16), "Kataib Hezbollah buries fighters killed in Akashat raid")
    assert not events.weigh(funeral, strike, WINDOW, GAZETTEER).joins  # the funeral's day is not the strike's
    later = replace(funeral, reading=replace(funeral.reading, after_the_fact=True))
    verdict = events.weigh(later, strike, WINDOW, GAZETTEER)
    assert verdict.joins and any("after the fact" in r for r in verdict.reasons), verdict.reasons
    attack = event_of(report(MONDAY, "attack", ("Erbil Air Base",), ("Iran-backed militias",), MONDAY.date(),
                             "Drone hits barracks at Erbil air base"))
    revealed = report(MONDAY + timedelta(days=5), "attack", ("Erbil Air Base",), ("Iran-backed militias",),
                      title="Drone that hit US barracks in Erbil last week failed to explode")
    revealed = replace(revealed, reading=replace(revealed.reading, after_the_fact=True))
    assert events.weigh(revealed, attack, WINDOW, GAZETTEER).joins
    elsewhere = replace(revealed, reading=replace(revealed.reading, places=("Ain al-Asad Air Base",)))
    assert not events.weigh(elsewhere, attack, WINDOW, GAZETTEER).joins
    late = replace(revealed, published=MONDAY + timedelta(days=9))  # "last week": told the week after
    assert events.weigh(late, attack, WINDOW, GAZETTEER).joins
    too_late = replace(revealed, published=MONDAY + events.FOLLOW_UP_WINDOW + timedelta(days=1))
    assert not events.weigh(too_late, attack, WINDOW, GAZETTEER).joins


def test_a_report_naming_only_a_nearby_town_as_a_reference_point_weighs_it():
    attack = event_of(report(MONDAY, "attack", ("Harir Air Base",), ("Iran-backed militias",), MONDAY.date(),
                             "Drones hit Harir air base"))
    described = report(MONDAY + timedelta(hours=12), "attack", (), ("Iran-backed militias",),
                       title="Two drones set fire to a base hosting foreign troops north-east of Erbil")
    assert not events.weigh(described, attack, WINDOW, GAZETTEER).joins  # the next morning, naming no place
    near = replace(described, reading=replace(described.reading, reference_places=("Erbil",)))
    verdict = events.weigh(near, attack, WINDOW, GAZETTEER)
    assert verdict.joins and any("told by a place" in r for r in verdict.reasons), verdict.reasons
    far = replace(described, reading=replace(described.reading, reference_places=("Albu Kamal",)))
    assert not events.weigh(far, attack, WINDOW, GAZETTEER).joins


def test_a_report_naming_no_day_is_dated_after_the_events_first_report_not_its_day():
    # A claim published on Thursday says it hit the base on Monday; a copy of it on Friday names no day.
    thursday = MONDAY + timedelta(days=3)
    claim = event_of(report(thursday, "attack", ("Victory Base Complex",), ("Islamic Resistance in Iraq",),
                            MONDAY.date(), "Islamic Resistance in Iraq: rocket strike on Victory base"))
    assert claim.day == MONDAY.date()
    copy = report(thursday + timedelta(hours=14), "attack", ("Victory Base Complex",), ("Islamic Resistance in Iraq",),
                  title="Islamic Resistance says it hit US Victory base with rockets")
    assert events.weigh(copy, claim, WINDOW, GAZETTEER).joins


def test_a_report_a_day_later_told_with_another_weapon_is_likelier_the_next_attack():
    first = Report("k-w1", "Drones target Harir base", None, "Desk", MONDAY,
                   Reading(relevant=True, event_type="attack", actors=("Islamic Resistance in Iraq",),
                           places=("Harir Air Base",), weapon="drones"))
    event = event_of(first)
    assert event.sources[0]["weapon"] == "drones"
    next_day = MONDAY + timedelta(hours=22)
    later = Report("k-w2", "Drone attack reported on Harir base", None, "Desk", next_day,
                   Reading(relevant=True, event_type="attack", actors=(), places=("Harir Air Base",), weapon="drones"))
    assert events.weigh(later, event, WINDOW, GAZETTEER).joins  # the same base, the same weapon
    rockets = replace(later, reading=replace(later.reading, weapon="rockets"))
    verdict = events.weigh(rockets, event, WINDOW, GAZETTEER)
    assert not verdict.joins and any("another weapon" in r for r in verdict.reasons), verdict.reasons
    # Told within hours, a night attack dated either side of midnight: the weapon is not held against it.
    soon = replace(rockets, published=MONDAY + timedelta(hours=3), reading=replace(
        rockets.reading, happened_on=date(2024, 1, 16)))
    assert not any("another weapon" in r for r in events.weigh(soon, event, WINDOW, GAZETTEER).reasons)


def test_a_report_telling_its_attack_as_another_is_no_follow_up_of_the_days_before():
    # Drones hit Harir on Monday evening; on Tuesday morning a report says the base was "hit again".
    event = event_of(report(MONDAY, "attack", ("Harir Air Base",), ("Iran-backed militias",), MONDAY.date(),
                            "Drones hit Harir air base"))
    follow_up = report(MONDAY + timedelta(hours=15), "attack", ("Harir Air Base",), title="Harir base: damage assessed")
    assert events.weigh(follow_up, event, WINDOW, GAZETTEER).joins  # a night attack told either side of midnight
    again = replace(follow_up, title="Harir base hit again",
                    reading=replace(follow_up.reading, actors=(), repeat=True))
    verdict = events.weigh(again, event, WINDOW, GAZETTEER)
    assert not verdict.joins and any("told as another attack" in r for r in verdict.reasons), verdict.reasons
    # Whatever else agrees: the same group claiming both nights is no evidence that they are one.
    claimed = replace(again, reading=replace(again.reading, actors=("Iran-backed militias",)))
    assert not events.weigh(claimed, event, WINDOW, GAZETTEER).joins
    # On the same day it is no evidence either way: one night's attack told as "second in a day" is still that one.
    same_day = replace(again, published=MONDAY + timedelta(hours=2))
    assert events.weigh(same_day, event, WINDOW, GAZETTEER).joins
    # An event already told as the later attack ("second attack on Harir in a day") is the one it follows up.
    second = event_of(replace(again, key="k-again-1", published=MONDAY))
    assert second.sources[0].get("again") is True
    next_morning = replace(again, key="k-again-2", published=MONDAY + timedelta(hours=15))
    assert events.weigh(next_morning, second, WINDOW, GAZETTEER).joins


def test_a_toll_update_without_a_count_read_joins_the_attack_days_later():
    """"Toll of US injured in Syria drone strike rises as more troops are checked", two days on, naming no place
    but the country: a toll update of the attack in Syria, not a new attack."""
    attack = event_of(report(MONDAY, "attack", ("Rumalyn Landing Zone",), ("Iran-backed militias",), MONDAY.date(),
                             "Drone hits US base at Rumalyn"))
    update = report(MONDAY + timedelta(days=2), "attack", (), ("Iran-backed militias",),
                    title="Toll of US injured in Syria drone strike rises")
    update = replace(update, reading=replace(update.reading, countries=("Syria",)))
    assert not events.weigh(update, attack, WINDOW, GAZETTEER).joins
    revised = replace(update, reading=replace(update.reading, toll_update=True))
    verdict = events.weigh(revised, attack, WINDOW, GAZETTEER)
    assert verdict.joins and "casualties of an earlier attack, counted later: 0" in verdict.reasons, verdict.reasons
    elsewhere = replace(revised, reading=replace(revised.reading, countries=("Iraq",)))
    assert not events.weigh(elsewhere, attack, WINDOW, GAZETTEER).joins


def test_a_strike_report_naming_the_attacked_town_joins_the_strike_told_elsewhere():
    # A flash names where the jets struck; the Secretary's statement names the town the answered attack was near.
    flash = event_of(report(MONDAY, "strike", ("Mayadin",), ("United States", "Iran-backed militias"), MONDAY.date(),
                            "US jets strike near Mayadin"))
    statement = report(MONDAY + timedelta(hours=1), "strike", ("Hasakah",), ("United States", "IRGC"),
                       title="Statement on US strikes in Syria")
    assert not events.weigh(statement, flash, WINDOW, GAZETTEER).joins
    answering = replace(statement, reading=replace(statement.reading, answered_places=("Hasakah",)))
    verdict = events.weigh(answering, flash, WINDOW, GAZETTEER)
    assert verdict.joins and any("not where it struck (Hasakah)" in r for r in verdict.reasons), verdict.reasons
    assert events.lookup_names(answering.reading, GAZETTEER) == []
    assert "Hasakah" not in events.place_report(answering, [], WINDOW, GAZETTEER).event.places


def test_a_report_naming_nobody_the_late_claim_names_is_the_attack_of_its_own_day():
    # Thursday evening a claim says the base was hit on Monday; an hour later air defences down a drone there.
    thursday = MONDAY + timedelta(days=3)
    claim = event_of(report(thursday, "attack", ("Victory Base Complex",), ("Islamic Resistance in Iraq",),
                            MONDAY.date(), "Islamic Resistance in Iraq: rocket strike on Victory base"))
    flash = report(thursday + timedelta(hours=1), "attack", ("Victory Base Complex",), ("Iran-backed militias",),
                   title="Air defences down a drone near Victory base")
    verdict = events.weigh(flash, claim, WINDOW, GAZETTEER)
    assert not verdict.joins and "the event on 2024-01-15" in verdict.reasons[-1], verdict.reasons


def test_a_flash_naming_no_striker_at_another_place_joins_the_strikers_report_of_that_night():
    statement = event_of(report(MONDAY, "strike", ("Al-Qaim",), ("United States", "Kataib Hezbollah"), MONDAY.date(),
                                "US forces strike Kataib Hezbollah facilities near al-Qaim"))
    flash = report(MONDAY + timedelta(hours=2), "strike", ("Jurf al-Sakhar",), ("Kataib Hezbollah",),
                   title="Unidentified aircraft pound Kataib Hezbollah positions in Jurf al-Nasr")
    verdict = events.weigh(flash, statement, WINDOW, GAZETTEER)
    assert verdict.joins and any("one report naming no striker" in r for r in verdict.reasons), verdict.reasons
    abroad = replace(flash, reading=replace(flash.reading, places=("Damascus",)))
    assert not events.weigh(abroad, statement, WINDOW, GAZETTEER).joins  # another country
    next_week = replace(flash, published=MONDAY + timedelta(days=3))
    assert not events.weigh(next_week, statement, WINDOW, GAZETTEER).joins


def _claim(at: datetime, group: str, place: str) -> Report:
    """A group's own claim of an attack at a site it names ("<group>: we targeted the occupation at <place>")."""
    r = report(at, "attack", (place,), (group,), at.date(), f"{group} claims attack on {place}")
    return replace(r, reading=replace(r.reading, parties=(Party(group, "perpetrator", "named"),)))


def test_a_claim_naming_another_site_of_the_same_town_that_night_is_the_attack_it_claims() -> None:
    # Rockets fall on the airport; the group that fired them says it hit the other base outside the same city.
    airport = event_of(report(MONDAY, "attack", ("Erbil Air Base",), ("Iran-backed militias",), MONDAY.date(),
                              "Rockets hit Erbil airport"))
    verdict = events.weigh(_claim(MONDAY + timedelta(hours=2), "Saraya Awliya al-Dam", "Harir Air Base"), airport,
                           WINDOW, GAZETTEER)
    assert verdict.joins and any("a group's claim naming another site in Erbil" in r for r in verdict.reasons)
    # Not an unclaimed report of the other base (a second attack that night), not a claim of a site in another
    # province, and not a claim by one group of the attack another group claimed.
    assert not events.weigh(report(MONDAY + timedelta(hours=2), "attack", ("Harir Air Base",), (), MONDAY.date()),
                            airport, WINDOW, GAZETTEER).joins
    assert not events.weigh(_claim(MONDAY + timedelta(hours=2), "Saraya Awliya al-Dam", "Ain al-Asad Air Base"),
                            airport, WINDOW, GAZETTEER).joins
    claimed = event_of(_claim(MONDAY, "Kataib Hezbollah", "Erbil Air Base"))
    assert not events.weigh(_claim(MONDAY + timedelta(hours=2), "Saraya Awliya al-Dam", "Harir Air Base"), claimed,
                            WINDOW, GAZETTEER).joins


def test_a_claim_before_dawn_of_the_evenings_attack_on_another_site_of_the_town_is_that_attack() -> None:
    # Rockets fall on the airport on Monday evening, and the group is named; past midnight, it says it hit the other
    # base by the city "tonight". Its day is Tuesday by the clock, but it is the evening's attack it claims.
    evening = MONDAY.replace(hour=18)
    airport = event_of(report(evening, "attack", ("Erbil Air Base",), ("Saraya Awliya al-Dam",), None,
                              "Rockets fired by Saraya Awliya al-Dam hit Erbil airport"))
    before_dawn = _claim(evening + timedelta(hours=9), "Saraya Awliya al-Dam", "Harir Air Base")
    before_dawn = replace(before_dawn, reading=replace(before_dawn.reading, happened_on=None))
    verdict = events.weigh(before_dawn, airport, WINDOW, GAZETTEER)
    assert verdict.joins and any("a group's claim naming another site in Erbil that night" in r
                                 for r in verdict.reasons), verdict.reasons
    # The next evening, a claim of the other base is the next attack's.
    next_evening = replace(before_dawn, published=evening + timedelta(hours=24))
    assert not events.weigh(next_evening, airport, WINDOW, GAZETTEER).joins


def test_a_strike_answering_an_attack_told_after_a_strike_is_another_strike() -> None:
    """The same province struck twice in a day: at dawn, depots; at night, the crews of rockets fired at a base in the
    afternoon. A report of the night's strike, answering the afternoon's attack, does not join the dawn's."""
    dawn = datetime(2022, 8, 24, 1, 30, tzinfo=UTC)
    morning = event_of(report(dawn, "strike", ("Deir ez-Zor",), ("United States",), title="US jets hit depots"))
    rockets = event_of(report(dawn + timedelta(hours=17), "attack", ("Mission Support Site Conoco",),
                              title="Rockets land near US base at Conoco field"))
    night = report(dawn + timedelta(hours=23), "strike", ("Deir ez-Zor", "Mission Support Site Conoco"),
                   ("United States",), title="US gunships kill rocket crews after fire on Conoco base")
    change = events.place_report(night, [morning, rockets], WINDOW, GAZETTEER)
    assert change.is_new, change.why
    # With no attack told in between, the same report is the morning's strike told again.
    assert not events.place_report(night, [morning], WINDOW, GAZETTEER).is_new


def test_a_report_minutes_after_the_first_across_midnight_is_the_same_nights() -> None:
    # 23:50 and 00:10 (the clock of the gazetteer here): a flash naming no place, then one naming the town it was fired
    # from.
    flash_at = datetime(2024, 4, 21, 23, 50, tzinfo=UTC)
    flash = event_of(report(flash_at, "attack", (), ("Iran-backed militias",), None,
                            "Rockets fired toward an outpost in Syria where US troops are based"))
    town = report(flash_at + timedelta(minutes=20), "attack", ("Zummar",), ("Iran-backed militias",), None,
                  "Rockets launched from Zummar toward a coalition base")
    verdict = events.weigh(town, flash, WINDOW, GAZETTEER)
    assert verdict.joins and any("within hours of the event's first report" in r for r in verdict.reasons), (
        verdict.reasons)
    # The next evening, a day later by the clock and by the hours, it is another attack.
    assert not events.weigh(replace(town, published=flash_at + timedelta(hours=21)), flash, WINDOW, GAZETTEER).joins
