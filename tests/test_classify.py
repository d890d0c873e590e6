"""The reader on cases written for these tests: what happened, who, where, the toll, and the traps."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.classify import Reader
from monitor.config import load_vocabulary, load_watchlist
from monitor.match import Matcher

CONFIG = Path(__file__).resolve().parents[1] / "config"
WHEN = datetime(2020, 3, 13, 9, 0, tzinfo=UTC)  # a Friday


@pytest.fixture(scope="module")
def read():
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    matcher = Matcher(watchlist)
    reader = Reader(load_vocabulary([CONFIG / "vocabulary.yaml", CONFIG / "vocabulary.ar.yaml"]), watchlist)

    def run(title: str, summary: str = "", when: datetime = WHEN):
        return reader.read(title, summary, matcher.match(f"{title}\n{summary}"), when)

    return run


# --- what happened ---------------------------------------------------------------------------------


def test_attack_with_deaths_by_side(read):
    r = read(
        "Rocket barrage on Camp Taji kills two Americans and a Briton",
        "Fifteen Katyusha rockets slammed into Camp Taji on Wednesday night, killing two US soldiers and "
        "one British medic and wounding at least 12 other coalition personnel, officials said.",
    )
    assert r.relevant and r.event_type == "attack"
    assert r.places == ("Camp Taji",)
    assert r.killed == {"US": 2, "UK": 1}
    assert r.injured == {"coalition": 12}
    assert r.evidence["injured_note"] == "coalition: at least 12"
    assert r.weapon == "rockets" and r.weapon_count == "15"
    assert r.actors == ("Iran-backed militias",) and r.parties[0].how == "assumed"
    assert r.happened_on == date(2020, 3, 11)


def test_claimed_and_attributed_perpetrators(read):
    claimed = read(
        "Little-known group claims rocket attack on Erbil air base",
        "A group calling itself Saraya Awliya al-Dam claimed responsibility for the rockets that hit "
        "the Erbil air base used by US-led troops late on Monday.",
    )
    assert claimed.relevant and claimed.actors == ("Saraya Awliya al-Dam",)
    assert claimed.parties[0].how == "claimed"
    blamed = read(
        "Drone hits Ain al-Asad air base; Pentagon blames Kataib Hezbollah",
        "An explosive-laden drone struck Ain al-Asad air base, which hosts American troops. US officials "
        "blamed Kataib Hezbollah for the attack.",
    )
    assert blamed.event_type == "attack" and "Kataib Hezbollah" in blamed.actors
    assert next(p for p in blamed.parties if p.name == "Kataib Hezbollah").how == "attributed"


def test_strike_wave_with_several_places_and_striker(read):
    r = read(
        "US warplanes bomb Kataib Hezbollah depots in Iraq",
        "American jets struck five weapons depots of Kataib Hezbollah overnight, the Pentagon said. "
        "Among the targets were sites at Jurf al-Sakhar and near Al-Musayyib in Babil province.",
    )
    assert r.relevant and r.event_type == "strike"
    assert r.actors[0] == "United States" and "Kataib Hezbollah" in r.actors
    assert {"Jurf al-Sakhar", "Al-Musayyib"} <= set(r.places)


def test_strike_that_answers_an_attack_keeps_the_attack_as_background(read):
    r = read(
        "US jets hit militia sites after rocket attack killed a contractor at K1",
        "US F-15s struck three Kataib Hezbollah facilities near Al-Qaim on Sunday in response to Friday's "
        "rocket attack on the K1 base near Kirkuk that killed an American contractor.",
    )
    assert r.event_type == "strike" and r.relevant
    assert "K1 Air Base" not in r.places and "Al-Qaim" in r.places
    assert "US" not in r.killed  # the contractor died in the earlier attack, not in this strike
    assert any("K1" in sentence for sentence in r.background)


def test_threat_by_a_militia(read):
    r = read(
        "Kataib Hezbollah vows to make US forces pay for deadly raids",
        "The group warned that American troops in Iraq would face its retaliation.",
    )
    assert r.relevant and r.event_type == "threat" and r.actors[0] == "Kataib Hezbollah"
    assert set(r.actors) <= {"Kataib Hezbollah", "United States"}  # whom it threatens is a party too


def test_threat_by_a_us_official_about_an_attack(read):
    r = read(
        "Esper: all options on the table after rocket attack on Taji",
        "The defense secretary said the US would respond to the attack by Iran-backed militias.",
    )
    assert r.event_type == "threat" and r.relevant
    assert r.actors[0] == "United States" and "Iran-backed militias" in r.actors


# --- traps -----------------------------------------------------------------------------------------

TRAPS = [
    pytest.param(
        "Hezbollah fires anti-tank missile at Israeli army post on Lebanon border",
        "Lebanese Hezbollah said its fighters hit an Israeli vehicle near the border.",
        id="lebanese-hezbollah",
    ),
    pytest.param(
        "Car plant workers strike over pay as union talks collapse",
        "Thousands of workers went on strike on Monday after the union rejected the offer.",
        id="labour-strike",
    ),
    pytest.param(
        "Detainees on hunger strike at Baghdad prison",
        "Dozens of detainees began a hunger strike to protest their conditions.",
        id="hunger-strike",
    ),
    pytest.param(
        "New container terminal opens at Alexandria port",
        "Egypt opened a container terminal at Alexandria, the country's main Mediterranean port.",
        id="alexandria-egypt",
    ),
    pytest.param(
        "Taji farmers fill silos after bumper wheat harvest",
        "Farmers around Taji north of Baghdad said the harvest filled local grain silos.",
        id="taji-farms",
    ),
    pytest.param(
        "Crowds mark anniversary of US strike that killed Soleimani",
        "Thousands rallied in Baghdad to commemorate the anniversary of the drone strike near Baghdad airport.",
        id="anniversary",
    ),
    pytest.param(
        "Memorial service held for soldiers killed in Camp Taji rocket attack",
        "Families gathered for a memorial to the troops killed in last year's rocket attack.",
        id="commemoration",
    ),
    pytest.param(
        "Court sentences men over 2020 rocket attacks on US embassy",
        "A Baghdad court sentenced three men for rocket attacks on the US embassy, a judge said.",
        id="court-case",
    ),
    pytest.param(
        "Parliament votes to expel foreign troops after airport strike",
        "Iraqi lawmakers voted on Sunday to end the presence of US forces.",
        id="parliament-vote",
    ),
    pytest.param(
        "Houthis fire missiles at tanker in the Red Sea",
        "The Houthis said they attacked a commercial tanker with drones and missiles in the Red Sea.",
        id="houthis-at-sea",
    ),
    pytest.param(
        "Israeli jets strike pro-Iran militia depots near Albu Kamal",
        "Israeli aircraft struck weapons depots used by Iran-backed militias in eastern Syria.",
        id="israeli-strike",
    ),
    pytest.param(
        "Turkish drones strike PKK hideouts near Sinjar",
        "Turkey's military said its drones struck militants in northern Iraq.",
        id="turkish-strike",
    ),
    pytest.param(
        "Coalition hands Camp Besmaya over to Iraqi army",
        "The US-led coalition handed over Camp Besmaya in the latest transfer of bases.",
        id="handover",
    ),
]


@pytest.mark.parametrize(("title", "summary"), TRAPS)
def test_traps_are_not_new_watched_events(read, title, summary):
    r = read(title, summary)
    assert not r.relevant, (r.event_type, r.actors, r.places, r.reasons)


def test_lebanese_hezbollah_is_not_kataib_hezbollah(read):
    r = read("Hezbollah fires anti-tank missile at Israeli army post", "")
    assert "Kataib Hezbollah" not in r.actors


def test_strike_by_israel_is_a_strike_not_a_us_strike(read):
    r = read("Israeli jets strike pro-Iran militia depots near Albu Kamal", "")
    assert r.event_type == "strike" and not r.relevant


# --- bad input ---------------------------------------------------------------------------------------

BAD = [
    pytest.param("", "", id="empty"),
    pytest.param("   ", "\n\n", id="blank"),
    pytest.param(bytes(range(256)).decode("latin-1") * 20, "\x00\x01\ufffd" * 100, id="binary"),
    pytest.param("صواريخ على قاعدة عين الأسد 火箭 ракеты Katyusha 🚀", "混合 text مختلط", id="mixed-script"),
]


@pytest.mark.parametrize(("title", "summary"), BAD)
def test_bad_input_gives_a_result(read, title, summary):
    r = read(title, summary)
    assert isinstance(r.relevant, bool)


def test_enormous_summary_is_read_in_linear_time(read):
    sentence = "Rockets hit the base after the attack, officials said, and two US troops were wounded. "
    small = sentence * 1_000
    big = sentence * 10_000  # about 0.9 MB
    started = time.process_time()
    read("Rockets hit Camp Taji", small)
    small_time = time.process_time() - started
    started = time.process_time()
    r = read("Rockets hit Camp Taji", big)
    big_time = time.process_time() - started
    assert r.event_type == "attack"
    assert big_time < 20 * small_time + 0.5, (small_time, big_time)
