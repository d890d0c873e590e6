"""The reader on the phenomena it has to generalise over, one table per failure class.

Every case is written for this file, in words of its own; none is copied from a labelled set. A case
says only what that phenomenon is about (the type, the side that acted, a place that must or must
not be read, a toll), so that a case stays true when the reader gets better at something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.classify import Reader
from monitor.config import load_vocabulary, load_watchlist
from monitor.match import Matcher
from monitor.model import Reading

CONFIG = Path(__file__).resolve().parents[1] / "config"
RECENT = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def read():
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    matcher = Matcher(watchlist)
    # Every vocabulary file the project ships (one per language), as the configuration lists them.
    reader = Reader(load_vocabulary(sorted(CONFIG.glob("vocabulary*.yaml"))), watchlist)

    def run(title: str, summary: str = "", when: datetime = RECENT) -> Reading:
        return reader.read(title, summary, matcher.match(f"{title}\n{summary}"), when)

    return run


@dataclass(frozen=True)
class Expect:
    """What a case is about; fields left at None are not checked."""

    relevant: bool | None = None
    type: str | None = None
    actors: tuple[str, ...] = ()  # each must be among the actors read
    not_actors: tuple[str, ...] = ()
    striker: str | None = None
    first_actor: str | None = None  # a threat's speaker comes first
    places: tuple[str, ...] = ()  # each must be among the places read
    not_places: tuple[str, ...] = ()
    killed: dict[str, int] | None = None  # exactly these sides and counts
    not_killed: tuple[str, ...] = ()
    injured: dict[str, int] = field(default_factory=dict)  # at least these sides and counts
    not_injured: tuple[str, ...] = ()
    not_reason: str | None = None  # no reason given may contain this
    when: datetime = RECENT


def check(r: Reading, e: Expect) -> None:
    seen: dict[str, Any] = {"relevant": r.relevant, "type": r.event_type, "actors": r.actors, "places": r.places,
                            "killed": r.killed, "injured": r.injured, "reasons": r.reasons}
    if e.relevant is not None:
        assert r.relevant is e.relevant, seen
    if e.type is not None:
        assert r.event_type == e.type, seen
    assert set(e.actors) <= set(r.actors), seen
    if e.first_actor is not None:
        assert r.actors[:1] == (e.first_actor,), seen
    assert not set(e.not_actors) & set(r.actors), seen
    if e.striker is not None:
        assert [p.name for p in r.parties if p.role == "striker"][:1] == [e.striker], seen
    assert set(e.places) <= set(r.places), seen
    assert not set(e.not_places) & set(r.places), seen
    if e.killed is not None:
        assert r.killed == e.killed, seen
    assert not set(e.not_killed) & set(r.killed), seen
    for side, count in e.injured.items():
        assert r.injured.get(side, 0) == count, seen
    assert not set(e.not_injured) & set(r.injured), seen
    if e.not_reason is not None:
        assert not any(e.not_reason in reason for reason in r.reasons), seen


def table(*cases: tuple[str, str, str, Expect]) -> list[Any]:
    return [pytest.param(title, summary, expect, id=name) for name, title, summary, expect in cases]


MILITIA = "Iran-backed militias"

# --- who acts on whom: the clause says it, not the name nearest the verb --------------------------------

AGENT_AND_PATIENT = table(
    ("the-us-side-killing-a-commander-is-a-strike",
     "Pentagon says it killed the Kataib Hezbollah commander behind last week's attack on Tower 22",
     "",
     Expect(type="strike", actors=("United States", "Kataib Hezbollah"))),
    ("a-militia-killing-us-soldiers-is-an-attack",
     "CENTCOM: Kataib Hezbollah killed two American soldiers at a base in eastern Syria",
     "",
     Expect(type="attack", killed={"US": 2})),
    ("soldiers-killed-by-a-militia-drone",
     "Two US soldiers killed by Kataib Hezbollah drone at Syrian outpost",
     "",
     Expect(type="attack", actors=("Kataib Hezbollah",))),
    ("an-attack-on-a-syrian-base-is-in-the-watch",
     "US troops wounded in attack on Syrian base",
     "",
     Expect(relevant=True, type="attack")),
    ("fighters-killed-in-us-strikes-is-a-strike",
     "Hashd buries three fighters killed in US drone strikes on their brigade in Babil",
     "",
     Expect(type="strike")),
    ("aircraft-bomb-militia-sites",
     "Unidentified aircraft bomb Kataib Hezbollah depots near al-Qaim overnight",
     "",
     Expect(type="strike")),
    ("militants-killed-in-a-us-counterstrike-are-its-toll",
     "Toll of militants killed in US counterstrike in eastern Syria rises to four",
     "",
     Expect(type="strike", killed={"militia": 4})),
    ("counter-battery-fire-is-a-strike",
     "US counter-battery fire kills attackers near Mayadin after rockets hit coalition base",
     "",
     Expect(type="strike", not_killed=("US",))),
    ("a-commander-killed-as-his-car-is-hit",
     "Militia commander killed as his car is hit by a drone in eastern Baghdad",
     "",
     Expect(type="strike", killed={"militia": 1})),
    ("a-strike-confirmed-on-a-car-that-killed-a-commander",
     "Pentagon confirms strike on a vehicle in Baghdad that killed a senior militia commander",
     "",
     Expect(type="strike")),
    ("arabic-a-commander-of-a-group-killed-in-a-drone-strike",
     "مقتل قيادي في حركة النجباء بضربة طائرة مسيرة استهدفت سيارته في بغداد",
     "",
     Expect(type="strike", killed={"militia": 1})),
    ("militia-drone-strike-kills-us-soldiers",
     "Militia drone strike on Syrian outpost kills two US soldiers",
     "An Iran-aligned militia's drone strike on a desert outpost in eastern Syria killed two American "
     "soldiers late on Tuesday, US officials said.",
     Expect(relevant=True, type="attack", actors=(MILITIA,), not_actors=("United States",),
            killed={"US": 2})),
    ("embassy-hit-passive-state-named-nearby",
     "US embassy compound in Baghdad hit hours after Turkish minister leaves",
     "The US embassy in Baghdad was hit in a rocket attack late on Sunday, hours after Turkey's foreign "
     "minister ended a visit to the Iraqi capital. Nobody was hurt.",
     Expect(relevant=True, type="attack", places=("US Embassy Baghdad",), not_actors=("Turkey",))),
    ("victims-named-before-the-verb",
     "Three American soldiers hurt as rockets slam into base in Syria",
     "Three American soldiers were wounded when a salvo of rockets struck their base near Hasakah on "
     "Monday, a defence official said.",
     Expect(relevant=True, type="attack", actors=(MILITIA,), injured={"US": 3})),
    ("passive-with-agent",
     "Al-Tanf garrison struck by drones launched from Iraq",
     "The garrison, which hosts US special forces near the Jordanian border, was struck by two explosive "
     "drones before dawn, the coalition said.",
     Expect(relevant=True, type="attack", places=("Al-Tanf Garrison",), not_actors=("United States",))),
    ("group-says-it-struck-a-us-base",
     "Iraqi group says it struck US base in Syria with drones",
     "",
     Expect(type="attack", not_actors=("United States",))),
    ("us-aircraft-are-the-agent",
     "US aircraft hit Kataib Hezbollah weapons stores near Al-Qaim",
     "American warplanes struck two depots used by the group close to the Syrian border overnight.",
     Expect(relevant=True, type="strike", striker="United States", actors=("Kataib Hezbollah",),
            places=("Al-Qaim",))),
    ("strike-word-with-the-militia-as-patient",
     "Drone strike hits PMF convoy near Albu Kamal",
     "A drone struck three vehicles of the Popular Mobilisation Forces on the road to Albu Kamal, killing "
     "four fighters, a PMF officer said.",
     Expect(type="strike", actors=("Popular Mobilization Forces",), not_actors=(MILITIA,))),
    ("victims-before-the-noun-are-no-agent",
     "Three American soldiers die in drone strike on remote base in Jordan",
     "Three US service members died and dozens were hurt in the drone strike on the outpost near the Syrian "
     "border, the Pentagon said.",
     Expect(relevant=True, type="attack", killed={"US": 3}, not_actors=("United States",))),
    ("militia-named-as-victim-of-a-noun-strike",
     "Pentagon says it killed a Kataib Hezbollah commander in Baghdad drone strike",
     "",
     Expect(relevant=True, type="strike", striker="United States", actors=("Kataib Hezbollah",))),
    ("denial-does-not-make-the-group-the-victim",
     "Kataib Hezbollah denies role in drone attack that killed US troops in Syria",
     "",
     Expect(relevant=True, type="attack")),
    ("another-state-agent-with-us-bystanders",
     "Turkish drone strike hits convoy near Qamishli airport as US personnel pass",
     "An explosion struck near the convoy, which US personnel were escorting; nobody was hurt.",
     Expect(relevant=False, type="strike", not_actors=("United States",))),
    ("attack-blamed-on-another-state",
     "Drone hits near Sulaimani airport perimeter, no casualties",
     "Kurdish officials blamed Turkey for the explosion near the perimeter fence on Friday night.",
     Expect(relevant=False, type="strike")),
    ("a-crowd-is-no-armed-attacker",
     "Demonstrators storm a ministry in Baghdad over unpaid salaries",
     "Hundreds of protesters stormed the building and set tyres on fire; security forces fired tear gas.",
     Expect(relevant=False)),
    ("arabic-a-crowd-is-no-armed-attacker",
     "محتجون غاضبون يقتحمون المنطقة الخضراء وسط بغداد احتجاجاً على نتائج الانتخابات",
     "",
     Expect(relevant=False)),
    ("arabic-a-militia-crowd-is",
     "مناصرو كتائب حزب الله يقتحمون السفارة الأمريكية في بغداد ويضرمون النار في بوابتها",
     "",
     Expect(relevant=True, type="attack", places=("US Embassy Baghdad",))),
    ("arabic-rockets-on-the-green-zone-aim-at-the-embassy",
     "عاجل | ثلاثة صواريخ كاتيوشا تسقط داخل المنطقة الخضراء ببغداد",
     "",
     Expect(relevant=True, type="attack", places=("US Embassy Baghdad",))),
    ("a-militia-crowd-is",
     "Militia supporters break into the US embassy compound in Baghdad",
     "Crowds of Kataib Hezbollah supporters smashed a reception area and set fires inside the compound.",
     Expect(relevant=True, type="attack", places=("US Embassy Baghdad",))),
)


@pytest.mark.parametrize(("title", "summary", "expect"), AGENT_AND_PATIENT)
def test_agent_and_patient(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- targets the text describes: US forces are there because the text says so ------------------------------

UNNAMED_TARGETS = table(
    ("the-oil-field-named-without-its-article-is-the-us-site-there",
     "Rockets fall inside US base at Omar oilfield in eastern Syria",
     "",
     Expect(relevant=True, type="attack", places=("Green Village",))),
    ("the-short-english-name-of-a-claim-label",
     "'International Resistance' claims drone strike on Ain al-Asad base",
     "",
     Expect(relevant=True, type="attack", actors=("International Resistance Faction",))),
    ("a-town-named-after-the-us-base-there-stands-for-it-in-a-short-item",
     "Death toll from Erbil rocket barrage climbs to three",
     "",
     Expect(relevant=True, type="attack")),
    ("outpost-where-american-troops-are",
     "Rockets land inside outpost in north-east Syria",
     "Several rockets landed inside an outpost in the country's north-east where American troops are "
     "stationed, a war monitor said on Wednesday. There was no word on casualties.",
     Expect(relevant=True, type="attack", actors=(MILITIA,))),
    ("coalition-facility-by-a-town",
     "Drone hits coalition facility outside Mayadin",
     "An explosive drone struck a coalition facility outside the town in Syria's east on Friday morning, "
     "local sources said.",
     Expect(relevant=True, type="attack", places=("Mayadin",))),
    ("drones-heading-for-us-troops",
     "Iraq: drones heading for US troops near the Syrian border shot down",
     "Two drones heading for US troops near the border were shot down overnight, Iraqi officials said.",
     Expect(relevant=True, type="attack")),
    ("town-whose-base-the-text-says-hosts-us-forces",
     "Rockets strike military base near Kirkuk that hosts coalition advisers",
     "Three rockets struck a military base near Kirkuk that hosts US-led coalition advisers on Thursday, "
     "police said.",
     Expect(relevant=True, type="attack", places=("Kirkuk",))),
    ("coalition-against-isis-is-the-target-not-isis",
     "Drone shot down over coalition base at Erbil airport",
     "A drone launched at the base of the international coalition against ISIS at Erbil airport was "
     "brought down late on Tuesday, the region's counter-terrorism service said.",
     Expect(relevant=True, type="attack", places=("Erbil Air Base",), not_reason="Islamic State")),
    ("an-islamic-state-attack-stays-out",
     "Islamic State attack kills four Iraqi soldiers in Kirkuk province",
     "Islamic State militants attacked an army checkpoint in Kirkuk province overnight, killing four "
     "soldiers, the military said.",
     Expect(relevant=False)),
    ("us-troops-outside-the-watched-countries",
     "Militants fire mortars at base housing US troops in Somalia",
     "Al-Shabaab fighters fired mortars at a base housing US troops in southern Somalia on Monday.",
     Expect(relevant=False)),
    ("the-embassy-that-speaks-is-no-target",
     "US embassy condemns drone attacks on Kurdistan oil fields",
     "The US embassy condemned the drone attacks on two oil fields in the Kurdistan Region and urged Baghdad to "
     "find those responsible.",
     Expect(relevant=False, not_places=("US Embassy Baghdad",))),
    ("a-base-named-by-a-town-it-lies-north-of",
     "Two US troops and a British soldier killed in rocket attack on base north of Baghdad",
     "",
     Expect(relevant=True, type="attack", not_places=("Baghdad",), killed={"US": 2, "UK": 1})),
    ("a-reference-town-says-the-country-not-the-target",
     "Gas cylinder explosion kills four at market north of Baghdad",
     "",
     Expect(relevant=False)),
)


@pytest.mark.parametrize(("title", "summary", "expect"), UNNAMED_TARGETS)
def test_targets_the_text_describes(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- interceptions are attacks ------------------------------------------------------------------------------

INTERCEPTIONS = table(
    ("downed-before-it-reached-the-base",
     "Explosive drone downed before it reached Ain al-Asad",
     "An explosive-laden drone was brought down before it reached Ain al-Asad air base in Anbar, an Iraqi "
     "security official said.",
     Expect(relevant=True, type="attack", places=("Ain al-Asad Air Base",))),
    ("air-defences-destroyed-drones",
     "Air defences at Erbil airport destroy two drones",
     "Air defences at Erbil International Airport destroyed two drones on Wednesday night, the Kurdistan "
     "Region's counter-terrorism directorate said.",
     Expect(relevant=True, type="attack", places=("Erbil Air Base",), not_actors=("United States",))),
    ("coalition-intercepts-a-rocket",
     "Coalition intercepts rocket fired at base near Baghdad airport",
     "A counter-rocket system intercepted a rocket fired at the Victory base near Baghdad airport, officials said.",
     Expect(relevant=True, type="attack")),
    ("us-forces-destroying-launchers-is-a-strike",
     "US forces destroy militia rocket launchers near Mayadin",
     "American troops destroyed two truck-mounted rocket launchers near Mayadin on Sunday after rounds landed "
     "near their base, a US official said.",
     Expect(relevant=True, type="strike", striker="United States")),
    ("an-airliner-shot-down-is-no-attack-on-a-base",
     "Air defences shot down a passenger jet near the capital by mistake, the military admits",
     "",
     Expect(relevant=False, not_actors=(MILITIA,))),
    ("downed-on-an-anniversary",
     "Two armed drones downed over Baghdad airport on Muhandis anniversary",
     "",
     Expect(relevant=True, type="attack", places=("Baghdad International Airport",))),
    ("an-attack-ahead-of-a-vote-is-an-attack",
     "Rockets hit Ain al-Asad air base ahead of parliament vote on foreign troops",
     "",
     Expect(relevant=True, type="attack")),
    ("an-anniversary-at-the-head-of-the-sentence-dates-the-attack",
     "On the eve of the Soleimani anniversary, rockets land inside Ain al-Asad air base",
     "",
     Expect(relevant=True, type="attack", places=("Ain al-Asad Air Base",))),
    ("arabic-an-anniversary-after-the-attack-dates-it",
     "سقوط صاروخين داخل قاعدة عين الأسد في ذكرى مقتل المهندس",
     "",
     Expect(relevant=True, type="attack", places=("Ain al-Asad Air Base",))),
    ("a-rally-marking-an-anniversary-stays-off-topic",
     "Thousands mark anniversary of Muhandis killing at Baghdad airport road",
     "",
     Expect(relevant=False)),
    ("forces-that-intercept-a-drone-do-not-own-it",
     "Coalition forces intercept drone near Harir base",
     "",
     Expect(relevant=True, type="attack", not_actors=("US-led coalition",))),
)


@pytest.mark.parametrize(("title", "summary", "expect"), INTERCEPTIONS)
def test_interceptions(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- short items: headlines, Google News titles, statements, datelines, translated claims ------------------

SHORT_ITEMS = table(
    ("google-news-outlet-named-after-a-city",
     "Rockets target US base in eastern Syria - Baghdad Evening Post",
     "Rockets target US base in eastern Syria  Baghdad Evening Post",
     Expect(relevant=True, type="attack", not_places=("Baghdad",))),
    ("google-news-repeat-adds-nothing",
     "Drone hits Harir air base, Kurdish officials say - Kurdistan Wire",
     "Drone hits Harir air base, Kurdish officials say  Kurdistan Wire",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
    ("headline-only",
     "Suicide drones target Harir air base north-east of Erbil",
     "",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
    ("press-release-strike",
     "CENTCOM statement on precision strikes in western Iraq",
     "At 4:30 p.m. (EST) on Dec. 3, U.S. Central Command forces conducted precision strikes against facilities "
     "used by Iran-aligned militia groups in Al-Qaim, Iraq.",
     Expect(relevant=True, type="strike", striker="United States", places=("Al-Qaim",))),
    ("press-release-times-are-no-toll",
     "Statement of the counter-terrorism directorate",
     "At 22:40 tonight a drone loaded with explosives targeted Erbil International Airport. No casualties "
     "were reported.",
     Expect(relevant=True, type="attack", killed={}, places=("Erbil Air Base",))),
    ("dateline-is-not-a-place",
     "US aircraft strike Kataib Hezbollah depot in western Iraq",
     "BAGHDAD (Levant Desk) – US aircraft struck a weapons depot of Kataib Hezbollah near Al-Qaim on Friday, "
     "two security officials said.",
     Expect(relevant=True, type="strike", places=("Al-Qaim",), not_places=("Baghdad",))),
    ("dateline-with-country-and-agency",
     "Rockets land near base hosting US troops in north-east Syria",
     "ERBIL, Iraq (Reuters) - Rockets landed near a base hosting US troops in Syria's Hasakah province on "
     "Monday, a monitor said.",
     Expect(relevant=True, type="attack", places=("Hasakah",), not_places=("Erbil",))),
    ("dateline-with-a-date",
     "Rocket attack on Camp Taji",
     "BAGHDAD, 4 May 2021 — Several small rockets struck Camp Taji, Iraq, at about 9:10 p.m. local time; no "
     "casualties were reported.",
     Expect(relevant=True, type="attack", places=("Camp Taji",), not_places=("Baghdad",))),
    ("dateline-with-a-short-date",
     "Drones target Harir air base",
     "ERBIL, Jun 9 — Two explosive drones were shot down near Harir air base north-east of the city overnight, "
     "Kurdish counter-terrorism officials said.",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
    ("translated-militia-claim",
     "Statement of the Islamic Resistance in Iraq",
     "In support of our people in Gaza, the mujahideen of the Islamic Resistance in Iraq targeted the "
     "American occupation base at Al-Tanf with a drone, achieving a direct hit.",
     Expect(relevant=True, type="attack", actors=("Islamic Resistance in Iraq",), places=("Al-Tanf Garrison",))),
)


@pytest.mark.parametrize(("title", "summary", "expect"), SHORT_ITEMS)
def test_short_items(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- threats, vows, pauses and warnings; economic threats are not ------------------------------------------

THREATS = table(
    ("strikes-promised-are-a-threat",
     "National security adviser says more American strikes are coming on Iran-backed groups",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("strikes-on-the-way",
     "Pentagon signals that further US strikes on militia targets are on the way",
     "",
     Expect(type="threat")),
    ("arabic-strikes-intended",
     "البنتاغون: نعتزم تنفيذ ضربات إضافية ضد الفصائل المدعومة من إيران في العراق",
     "",
     Expect(type="threat")),
    ("a-us-vow-to-protect-its-forces-naming-nobody-else",
     "Austin: the US will not hesitate to take further action to protect its forces",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("a-us-vow-for-forces-elsewhere-is-not-the-watch",
     "Austin says the US will defend its troops in Europe against any Russian threat",
     "",
     Expect(relevant=False)),
    ("a-watched-groups-vow-naming-no-foe-is-of-the-watch",
     "Kataib Hezbollah vows revenge for its commander's killing",
     "",
     Expect(relevant=True, type="threat")),
    ("a-watched-groups-vow-against-israel-is-another-conflict",
     "Islamic Resistance in Iraq vows to keep striking Israel until the Gaza war ends",
     "",
     Expect(relevant=False)),
    ("climate-threatening-bases-is-no-vow",
     "Climate change threatens half of US bases worldwide, Pentagon report finds",
     "",
     Expect(relevant=False)),
    ("a-vow-answering-deaths-is-about-the-watch",
     "US ready to act forcefully after American contractor killed in Syria, president says",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("conditional-vow-every-base-a-target",
     "Should Washington join the war, every American base is a target, Iraqi faction says",
     "",
     Expect(relevant=True, type="threat")),
    ("conditional-vow-in-a-statement",
     "Kataib Sayyid al-Shuhada statement",
     "If America enters the war on the side of the Zionists, its bases in the region will be legitimate "
     "targets for our fighters, the group said.",
     Expect(relevant=True, type="threat", actors=("Kataib Sayyid al-Shuhada",))),
    ("us-reserves-the-right-to-respond",
     "Pentagon: US reserves the right to respond if its forces in Iraq are hit",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("announced-pause",
     "Kataib Hezbollah announces suspension of operations against US forces",
     "The group said it was halting its military operations to avoid embarrassing the Iraqi government.",
     Expect(relevant=True, type="threat", actors=("Kataib Hezbollah",))),
    ("announced-resumption",
     "Iraqi factions say they will resume attacks on American bases",
     "An umbrella of armed groups said its truce with US forces was over.",
     Expect(relevant=True, type="threat")),
    ("official-warns-militias-against-attacks",
     "US envoy warns Iraqi militias against further attacks on American troops",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("attacks-called-unacceptable",
     "Blinken in Baghdad: attacks by militias on US personnel unacceptable",
     "",
     Expect(relevant=True, type="threat")),
    ("attacks-spoken-of-are-no-attack",
     "Biden speaks with Iraqi premier about the attacks on US forces in Syria",
     "",
     Expect(type="other")),
    ("threat-of-sanctions",
     "US threatens new sanctions on Iran over nuclear programme",
     "Washington warned it would impose sanctions on Iranian oil sales if talks failed.",
     Expect(relevant=False)),
    ("threat-of-tariffs",
     "Trump threatens tariffs on Iraq if it keeps buying Iranian gas",
     "The president warned Baghdad of trade penalties and tariffs on its exports.",
     Expect(relevant=False)),
    ("vow-of-revenge",
     "Iran vows harsh revenge on America after commander killed in Baghdad",
     "",
     Expect(relevant=True, type="threat", actors=("Iran",))),
    ("conditional-vow-without-threat-words",
     "Iraqi militia says American bases will be turned to ashes if Washington enters the war",
     "",
     Expect(relevant=True, type="threat")),
    ("any-attack-will-be-met",
     "Nujaba: any attack on our positions will be met with force against US troops",
     "",
     Expect(type="threat")),
    ("will-hold-responsible",
     "Pompeo says US will hold Iran responsible for any attack by its proxies in Iraq",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("us-warning-placed-by-the-iraqi-government",
     "Readout of the Secretary's call with the Iraqi Prime Minister",
     "The Secretary said the United States will not tolerate attacks on its personnel and will respond at a "
     "time of its choosing.",
     Expect(relevant=True, type="threat")),
    ("sanctions-with-a-warning",
     "US sanctions Kataib Hezbollah leaders, warns of further action against militias",
     "",
     Expect(relevant=False)),
    ("another-conflict-with-the-patron-named",
     "US strikes Houthi targets in Yemen, warns Iran to stop arming them",
     "",
     Expect(relevant=False)),
    ("the-us-named-as-the-condition",
     "Revolutionary Guards commander: should America strike back, the reply will be crushing",
     "",
     Expect(relevant=True, type="threat", actors=("IRGC",))),
    ("the-us-side-named-by-its-words-is-a-party",
     "Kataib Sayyid al-Shuhada tells the American occupier its patience has run out",
     "",
     Expect(relevant=True, type="threat", actors=("Kataib Sayyid al-Shuhada", "United States"))),
    ("threaten-in-its-base-form",
     "Militias threaten US forces in Syria with more attacks",
     "",
     Expect(relevant=True, type="threat")),
    ("warn-in-its-base-form",
     "Iraqi factions warn Americans to leave the country or face attacks",
     "",
     Expect(relevant=True, type="threat")),
    ("a-us-vow-after-an-attack-named-in-the-same-headline",
     "President promises to respond after rocket barrage kills US service member in Erbil",
     "",
     Expect(relevant=True, killed={"US": 1})),
    ("an-attack-that-will-not-go-unpunished-is-what-the-vow-is-about",
     "Drone attack on Harir base will not go unpunished, Pentagon says",
     "",
     Expect(relevant=True, type="threat")),
    ("arabic-a-strike-that-will-not-pass-without-a-response",
     "حركة النجباء: القصف الأمريكي لمقراتنا في جرف النصر لن يمر دون رد",
     "",
     Expect(relevant=True, type="threat", actors=("Harakat Hezbollah al-Nujaba",))),
    ("arabic-you-will-not-escape-punishment",
     "واشنطن للفصائل المسلحة في العراق: لن تفلتوا من العقاب",
     "",
     Expect(relevant=True, type="threat")),
    ("arabic-washington-will-not-hesitate-to-protect-its-troops",
     "البنتاغون: واشنطن لن تتردد في اتخاذ إجراءات لحماية قواتها في سوريا",
     "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("arabic-the-nujaba-leader-by-his-surname-beside-words-of-arms",
     "الكعبي: المقاومة سترد على الاحتلال الأمريكي في الزمان والمكان المناسبين",
     "",
     Expect(relevant=True, type="threat", actors=("Harakat Hezbollah al-Nujaba",))),
    ("arabic-the-kataib-hezbollah-leader-by-his-surname-beside-the-mujahideen",
     "الحميداوي يطالب المجاهدين بالاستعداد للمواجهة مع الاحتلال الأمريكي",
     "",
     Expect(relevant=True, type="threat", actors=("Kataib Hezbollah",))),
    ("arabic-a-footballer-of-the-same-surname-is-nobody-watched",
     "الحميداوي يسجل هدف الفوز للقوة الجوية في الدوري العراقي",
     "",
     Expect(relevant=False, not_actors=("Kataib Hezbollah",))),
    ("an-unnamed-iraqi-militia-vows-for-iran",
     "Iraqi militia warns enemies will pay dearly if Iran is attacked",
     "",
     Expect(relevant=True, type="threat")),
    ("an-unnamed-iraqi-militia-threatening-israel-is-another-conflict",
     "Iraqi militia warns Israel it will pay dearly for Gaza",
     "",
     Expect(relevant=False)),
    ("arabic-the-surname-alone-names-nobody",
     "الكعبي يترأس جلسة البرلمان لمناقشة الموازنة",
     "",
     Expect(relevant=False, not_actors=("Harakat Hezbollah al-Nujaba",))),
    ("arabic-irans-foreign-minister-warns-america",
     "عبد اللهيان: على أمريكا أن تتوقع رداً إذا استهدفت قواعدنا في سوريا",
     "",
     Expect(relevant=True, type="threat", actors=("Iran", "United States"))),
    ("washington-says-an-attack-that-killed-its-soldiers-will-be-answered",
     "Washington says the rocket attack that killed two of its soldiers at a base in Syria will be answered",
     "",
     Expect(relevant=True, type="threat")),
    ("arabic-i-will-respond-in-the-first-person",
     "وزير الدفاع الأمريكي: سأرد على الهجوم الذي استهدف قواتنا في سوريا",
     "",
     Expect(relevant=True, type="threat")),
    ("arabic-the-brigades-beside-the-pentagon",
     "البنتاغون يشكك في إعلان الكتائب تعليق عملياتها",
     "",
     Expect(relevant=True, type="threat", actors=("Kataib Hezbollah", "United States"))),
    ("a-response-still-to-decide-is-a-vow",
     "White House weighing how to respond to the drone attack on Harir",
     "",
     Expect(relevant=True, type="threat")),
    ("a-leader-has-chosen-how-to-answer-an-attack-in-the-watch",
     "Pentagon says it has settled on how to respond to the deadly attack in Syria",
     "",
     Expect(relevant=True, type="threat")),
    ("a-strike-answering-fire-on-a-watched-base-is-in-the-watch-and-no-vow",
     "US jets bomb militia depots, responding to rocket fire on Conoco",
     "",
     Expect(relevant=True, type="strike")),
)


@pytest.mark.parametrize(("title", "summary", "expect"), THREATS)
def test_threats(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- casualties ------------------------------------------------------------------------------------------------

CASUALTIES = table(
    ("killed-and-wounded-in-one-clause",
     "Drone attack on US base in Jordan",
     "The drone attack killed three US soldiers and wounded more than 40 others, the Pentagon said.",
     Expect(type="attack", killed={"US": 3})),
    ("a-number-in-a-base-name-is-no-toll",
     "Three US troops killed in Jordan",
     "A drone attack on Tower 22 killed three American service members on Sunday.",
     Expect(type="attack", killed={"US": 3})),
    ("the-briton-is-killed-too",
     "Rockets kill three at Camp Taji",
     "Two Americans and a Briton were killed when rockets hit Camp Taji; a dozen others were hurt.",
     Expect(type="attack", killed={"US": 2, "UK": 1}, not_injured=("UK",),
            when=datetime(2020, 3, 12, tzinfo=UTC))),
    ("a-third-soldier-died",
     "Third US soldier dies of wounds from Syria drone attack",
     "A third US soldier died of wounds sustained in last week's drone attack on the outpost, officials said.",
     Expect(killed={"US": 3})),
    ("toll-rises",
     "US death toll from Jordan base attack rises to three",
     "",
     Expect(killed={"US": 3})),
    ("an-unrelated-hundred",
     "Rockets hit Ain al-Asad, two US service members hurt",
     "Rockets struck Ain al-Asad air base on Tuesday, injuring two US service members, the latest of more "
     "than 100 attacks on American forces since October.",
     Expect(type="attack", injured={"US": 2})),
    ("a-distance-is-no-toll",
     "Rocket hits base west of Baghdad",
     "A rocket hit a base some 100 km west of Baghdad that hosts US troops, wounding one American contractor.",
     Expect(type="attack", injured={"US": 1})),
    ("a-thousands-separator-is-no-toll",
     "Rockets hit Baghdad airport base as thousands protest",
     "Rockets hit the base at Baghdad airport that hosts US troops, wounding two American contractors, as at "
     "least 5,000 people rallied nearby.",
     Expect(type="attack", injured={"US": 2})),
    ("raising-the-toll",
     "US soldier dies of wounds from Syria attack, raising the death toll to two",
     "",
     Expect(killed={"US": 2})),
    ("an-american-among-the-dead",
     "Rockets hit base in eastern Syria",
     "Rockets struck a base housing coalition troops in Syria on Monday; an American contractor was reported "
     "to be among the dead.",
     Expect(type="attack", killed={"US": 1})),
    ("an-american-drone-kills-no-american",
     "US drone strike kills militia commander near Al-Qaim",
     "An American drone killed a Kataib Hezbollah commander and his driver near the border, officials said.",
     Expect(type="strike", killed={"militia": 1})),  # the commander is the group's; no American died
    ("a-noun-for-one-person-without-an-article",
     "US soldier killed as rockets hit outpost in north-east Syria",
     "",
     Expect(type="attack", killed={"US": 1})),
    ("the-victim-after-an-active-verb",
     "Drone slams into Iraqi airbase, kills American contractor",
     "",
     Expect(type="attack", killed={"US": 1})),
    ("soldiers-with-no-nationality-in-a-report-on-us-forces",
     "Pentagon confirms deaths at desert outpost in Jordan",
     "The one-way drone that struck the outpost on Sunday killed three soldiers and wounded more than 30, the "
     "Pentagon said.",
     Expect(killed={"US": 3})),
    ("soldiers-beside-another-nationality-are-not-assumed-us",
     "Rockets strike Balad air base",
     "Rockets struck Balad air base north of Baghdad, killing two soldiers and an Iraqi contractor, US officials "
     "said.",
     Expect(not_killed=("US",))),
    ("a-vow-reports-the-toll-it-answers",
     "Defence secretary promises answer after drone kills two US troops in Syria",
     "",
     Expect(killed={"US": 2})),
    ("a-watched-group-named-in-the-toll-is-its-side",
     "US strike kills senior Nujaba commander in Baghdad",
     "",
     Expect(type="strike", killed={"militia": 1})),
    ("a-group-named-before-a-count-of-its-fighters",
     "Strike near Al-Qaim kills four Kataib Sayyid al-Shuhada fighters",
     "",
     Expect(killed={"militia": 4})),
    ("arabic-noun-for-one-with-its-nationality-after",
     "مقتل جندي أمريكي بهجوم بطائرة مسيرة على قاعدة شرق سوريا",
     "",
     Expect(type="attack", killed={"US": 1})),
    ("arabic-dual",
     "مقتل جنديين أمريكيين بهجوم صاروخي على قاعدة غرب العراق",
     "",
     Expect(type="attack", killed={"US": 2})),
    ("a-relative-clause-after-the-events-own-word-tells-its-toll",
     "Drone hits outpost in north-east Jordan",
     "A drone struck the outpost near the Syrian border on Sunday in an attack that killed three US soldiers.",
     Expect(type="attack", killed={"US": 3})),
    ("a-relative-clause-after-an-earlier-events-word-stays-background",
     "US strikes hit Kataib Hezbollah sites in Iraq",
     "US strikes hit Kataib Hezbollah, the group behind the Tower 22 attack that killed three soldiers.",
     Expect(type="strike", killed={})),
    ("counts-of-one-side-joined-by-and-add-up",
     "Rockets hit base in eastern Syria",
     "A US soldier and an American contractor were killed when rockets struck a base housing coalition troops.",
     Expect(type="attack", killed={"US": 2})),
    ("the-same-people-named-again-are-not-added",
     "Drone attack on outpost in Jordan",
     "The drone attack killed two US soldiers, and officials said the two US soldiers were reservists from Georgia.",
     Expect(type="attack", killed={"US": 2})),
    ("soldiers-killed-at-a-site-hosting-us-forces-are-american",
     "Hometown honours three reservists killed at Tower 22",
     "",
     Expect(killed={"US": 3})),
    ("a-us-civilian-contractor-is-american",
     "American civilian contractor dies after drone hits base in Syria",
     "",
     Expect(killed={"US": 1}, not_killed=("civilians",))),
    ("a-nationality-owning-a-base-names-no-casualty",
     "US contractor killed, three soldiers hurt as rockets hit Iraqi base",
     "",
     Expect(type="attack", killed={"US": 1}, injured={"US": 3}, not_injured=("Iraqi forces",))),
    ("a-count-opening-the-second-clause-takes-its-verb",
     "Rockets hit airbase in western Iraq",
     "A US contractor was killed and five American service members were wounded on Tuesday when rockets struck an "
     "Iraqi military installation housing coalition forces.",
     Expect(type="attack", killed={"US": 1}, injured={"US": 5})),
    ("arabic-civilian-contractor-with-nationality-after",
     "سقوط صواريخ على قاعدة تضم قوات أمريكية",
     "وقال مسؤول إن القصف أسفر عن مقتل متعاقد مدني أمريكي وإصابة جنديين.",
     Expect(killed={"US": 1}, not_killed=("civilians",))),
    ("a-person-named-bare-in-the-title-and-with-a-nation-in-the-body-is-one",
     "Drone attack on Ain al-Asad; contractor dies of his wounds",
     "An American civilian contractor was hit by shrapnel while taking cover during the attack and later died, "
     "officials said.",
     Expect(killed={"US": 1}, not_killed=("civilians",))),
    # The partners a side backs are neither that side nor the militias.
    ("us-backed-fighters-are-not-americans",
     "Drone kills four US-backed fighters at a base in eastern Syria", "",
     Expect(relevant=True, type="attack", killed={"partners": 4})),
    ("us-soldiers-beside-us-backed-fighters-count-alone",
     "Two US soldiers and three US-backed fighters wounded in drone attack on al-Tanf", "",
     Expect(relevant=True, type="attack", injured={"US": 2, "partners": 3}, not_injured=("militia",))),
    # An ordinal after a count of the other kind is one more person: "a third" is three only of its own kind.
    ("two-killed-and-a-third-wounded",
     "Two American soldiers killed and a third wounded as drones hit an outpost in eastern Syria", "",
     Expect(relevant=True, type="attack", killed={"US": 2}, injured={"US": 1})),
    ("two-killed-and-a-third-died-later",
     "Two American soldiers were killed in a drone attack on an outpost in eastern Syria and a third later died of "
     "his wounds", "",
     Expect(relevant=True, type="attack", killed={"US": 3})),
    # A casualty word denied counts nobody.
    ("a-denied-killing-counts-nobody",
     "Drone hits Victoria base at Baghdad airport",
     "A drone struck the base on Wednesday morning without causing injuries. The factions have not killed American "
     "troops since the start of the year, officials noted.",
     Expect(relevant=True, type="attack", killed={}, not_injured=("US",))),
    ("arabic-a-denied-wounding-counts-nobody",
     "صواريخ على قاعدة عين الأسد ولم يصب أي جندي أمريكي بأذى", "",
     Expect(relevant=True, type="attack", killed={}, not_injured=("US",))),
    # The forces a site hosts are who it is, not who the attack hurt.
    ("the-troops-a-base-houses-are-no-casualties",
     "Rockets hit a base housing American troops near Erbil, killing a contractor", "",
     Expect(relevant=True, type="attack", killed={"civilians": 1})),
    ("arabic-the-forces-a-base-hosts-are-no-casualties",
     "مقتل متعاقد بقصف صاروخي على قاعدة تضم قوات أمريكية قرب أربيل", "",
     Expect(relevant=True, type="attack", not_killed=("US",))),
    # Fighters of a group the militias fight are no militia: their loss is no strike on the militias.
    ("fighters-of-the-sdf-are-partners",
     "Drone hits the al-Omar base in eastern Syria",
     "A drone attack on the al-Omar base in Deir ez-Zor killed five fighters of the Syrian Democratic Forces on "
     "Sunday night, the group said.",
     Expect(relevant=True, type="attack", killed={"partners": 5})),
    ("sdf-fighters-are-partners",
     "Five SDF fighters killed as drone hits the al-Omar base in Syria", "",
     Expect(relevant=True, type="attack", killed={"partners": 5})),
    ("a-contractor-with-no-nation-anywhere-is-no-american",
     "Rocket attack on Erbil airport kills contractor",
     "A civilian contractor was killed when rockets hit the airport on Monday night, officials said.",
     Expect(killed={"civilians": 1}, not_killed=("US",))),
    ("a-foreign-contractor-stays-foreign-beside-an-american-named-later",
     "Rockets kill foreign contractor at coalition base in northern Iraq",
     "A foreign civilian contractor died and an American soldier was hurt when rockets hit the base late on "
     "Monday, a spokesman said; the man who died was not a US citizen. A new group, the Guardians of Blood, "
     "claimed it, its first attack on an American site.",
     Expect(killed={"civilians": 1}, not_killed=("US",))),
    ("an-article-is-no-person-to-look-for-elsewhere",
     "Mortar rounds land inside a base near Baghdad",
     "A visiting civilian aid contractor was killed in the blast, police said. The base hosts coalition troops, "
     "mostly American. A second salvo hit the road outside.",
     Expect(killed={"civilians": 1}, not_killed=("US",))),
    ("a-negated-nationality-names-no-side",
     "Rockets hit coalition base in Erbil; a non-American contractor was killed",
     "",
     Expect(killed={"civilians": 1}, not_killed=("US",))),
    ("arabic-a-negated-nationality-names-no-side",
     "مقتل متعاقد مدني غير أميركي بهجوم صاروخي على قاعدة للتحالف في أربيل",
     "",
     Expect(killed={"civilians": 1}, not_killed=("US",))),
    ("arabic-a-foreign-contractor-is-no-american",
     "مقتل متعاقد مدني أجنبي بقصف صاروخي على قاعدة للتحالف",
     "وقال مسؤول إن القصف أسفر عن مقتل متعاقد مدني أجنبي فيما أصيب متعاقد أمريكي بجروح طفيفة.",
     Expect(killed={"civilians": 1}, not_killed=("US",))),
    ("a-count-of-its-own-soldiers",
     "Pentagon: drone strike on outpost in Syria killed two of our soldiers",
     "",
     Expect(type="attack", killed={"US": 2})),
    ("arabic-a-definite-count-after-its-noun",
     "واشنطن تعلن أسماء الجنود الأربعة الذين قتلوا في الهجوم على قاعدة الشدادي",
     "",
     Expect(killed={"US": 4})),
    ("arabic-a-definite-count-after-its-noun-and-nationality",
     "مقتل الجنود الأمريكيين الخمسة بانفجار عبوة استهدفت رتلاً قرب التنف",
     "",
     Expect(killed={"US": 5})),
)


@pytest.mark.parametrize(("title", "summary", "expect"), CASUALTIES)
def test_casualties(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- strikes by unnamed aircraft, and strikes the militias blame on the US -----------------------------------

STRIKES = table(
    ("arabic-launch-pads-struck-are-the-strikes-target",
     "القوات الأمريكية تقصف منصات إطلاق صواريخ قرب قاعدة عين الأسد",
     "",
     Expect(relevant=True, type="strike", striker="United States")),
    ("arabic-rockets-launched-at-a-base-stay-an-attack",
     "إطلاق ثلاثة صواريخ على قاعدة حرير دون إصابات",
     "",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
    ("arabic-a-nujaba-leader-killed-by-an-air-strike",
     "مقتل قيادي في النجباء بضربة جوية استهدفت سيارته في بغداد",
     "",
     Expect(relevant=True, type="strike", actors=("Harakat Hezbollah al-Nujaba",))),
    ("arabic-the-coalitions-mission-against-the-islamic-state-is-no-incident-of-it",
     "الحكومة العراقية تحتج على غارات أمريكية فجر اليوم في القائم",
     "قالت الحكومة إن الضربات تتجاوز مهمة التحالف الدولي في محاربة بقايا داعش وتعد خرقاً للسيادة.",
     Expect(relevant=True, type="strike")),
    ("the-coalitions-mission-against-the-remnants-of-the-islamic-state",
     "Iraqi government protests overnight US air raids near al-Qaim",
     "The government said the raids went beyond the mission of the coalition fighting remnants of ISIS.",
     Expect(relevant=True, type="strike")),
    ("a-joint-strike-by-american-and-israeli-aircraft",
     "Warplanes pound Kataib Hezbollah depot near al-Qaim",
     "A security source said the raid was carried out by American and Israeli aircraft.",
     Expect(relevant=True, type="strike", actors=("United States", "Israel"))),
    ("arabic-a-strike-blamed-on-the-united-states-and-israel-together",
     "غارات تستهدف مقراً للحشد الشعبي في عكاشات",
     "واتهم الحشد في بيان إسرائيل والولايات المتحدة بتنفيذ الغارات.",
     Expect(relevant=True, type="strike")),
    ("arabic-the-american-zionist-aggression-names-two-strikers",
     "غارات العدوان الأمريكي الصهيوني تستهدف مقرات الحشد في القائم",
     "",
     Expect(relevant=True, type="strike", actors=("United States", "Israel", "Popular Mobilization Forces"))),
    ("arabic-the-bombing-of-the-american-aggression-is-its-strike",
     "استشهاد ثلاثة من مقاتلي كتائب حزب الله بقصف العدوان الأمريكي على القائم",
     "",
     Expect(relevant=True, type="strike", striker="United States")),
    ("an-israeli-strike-beside-a-us-warning-is-israels",
     "Israeli jets strike IRGC site near Damascus as Washington warns Tehran",
     "",
     Expect(relevant=False)),
    ("militias-told-as-iraqi-are-in-the-watch",
     "Iraqi paramilitary leader accuses Washington over drone strikes on his group's arms depots",
     "",
     Expect(relevant=True, type="strike")),
    ("a-gunship-answering-an-attack-on-a-watched-base-names-no-place-of-its-own",
     "Gunship fires on militants minutes after rocket attack on Al-Asad",
     "",
     Expect(relevant=True, type="strike")),
    ("unnamed-aircraft-on-pmf-positions",
     "Unidentified aircraft strike PMF positions near Al-Qaim",
     "Unidentified warplanes bombed positions of the Popular Mobilisation Forces near Al-Qaim overnight, "
     "killing three fighters, a PMF statement said.",
     Expect(type="strike", actors=("Popular Mobilization Forces",), not_actors=(MILITIA,))),
    ("blamed-on-the-us",
     "Kataib Hezbollah blames US for drone strike that killed two fighters",
     "The faction said two of its members died when a drone hit their car near Jurf al-Sakhar.",
     Expect(relevant=True, type="strike", striker="United States", actors=("Kataib Hezbollah",))),
    ("american-aggression",
     "Kataib Hezbollah mourns a commander",
     "The group announced the martyrdom of a senior commander in the criminal American aggression on "
     "Baghdad today, and promised a response.",
     Expect(relevant=True, type="strike", actors=("Kataib Hezbollah",))),
    ("israel-named-is-not-the-us",
     "Israeli drone strikes militia truck near Albu Kamal",
     "An Israeli drone hit a truck of an Iran-backed militia near the border town.",
     Expect(relevant=False)),
    ("forces-that-kill-a-commander-strike",
     "American troops kill Kataib Hezbollah field commander in raid near Jurf al-Sakhar",
     "",
     Expect(relevant=True, type="strike", striker="United States", actors=("Kataib Hezbollah",))),
    ("only-militia-dead-and-nobody-named-acting",
     "Nujaba official killed as drone slams into his car in eastern Baghdad",
     "",
     Expect(relevant=True, type="strike", actors=("Harakat Hezbollah al-Nujaba",))),
    ("a-press-release-with-abbreviations-is-one-sentence",
     "Statement released in Tampa",
     "TAMPA, Fla. — At 10:15 p.m. Baghdad time on Feb. 9, U.S. Central Command forces carried out a unilateral "
     "strike near Jurf al-Sakhar, killing a Kataib Hezbollah commander.",
     Expect(relevant=True, type="strike", striker="United States", actors=("Kataib Hezbollah",))),
    ("pro-iran-fighters-are-no-strike-on-iran",
     "US strikes in eastern Syria kill nine pro-Iran fighters",
     "",
     Expect(relevant=True, type="strike", striker="United States", not_actors=("Iran",))),
    ("the-islamic-state-attacking-the-pmf-is-another-conflict",
     "Islamic State attack kills four PMF fighters near Tuz Khurmatu",
     "",
     Expect(relevant=False)),
)


@pytest.mark.parametrize(("title", "summary", "expect"), STRIKES)
def test_strikes(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


def test_launch_pads_struck_give_the_rules_no_attack_word(read):
    """"منصات إطلاق صواريخ" (rocket launch pads) and "rocket launch pads" name what a strike hit: the rules count no
    attack word for them (the type model weighs the words as it learned them), while rockets launched at a base are
    an attack."""
    pads = read("القوات الأمريكية تقصف منصات إطلاق صواريخ قرب حقل العمر")
    assert "attack" not in pads.scores and "strike" in pads.scores, pads.scores
    english = read("US jets bombed rocket launch pads near al-Omar field")
    assert "attack" not in english.scores, english.scores
    fired = read("إطلاق صواريخ على قاعدة عين الأسد")
    assert fired.event_type == "attack" and "attack" in fired.scores, fired.scores


# --- an event denied did not happen; a group denying it resumed attacks still makes a statement -------------------

DENIALS = table(
    ("arabic-a-denial-that-any-attack-took-place-is-no-threat",
     "مصدر أمني ينفي استهداف قاعدة فكتوريا",
     "نفى مصدر أمني تعرض قاعدة فكتوريا قرب مطار بغداد لأي هجوم، مؤكداً أن ما نشر عن سقوط صواريخ وانفجارات لا أساس له.",
     Expect(relevant=False, type="other")),
    ("officials-deny-reports-of-an-attack",
     "Army spokesman denies reports of rocket attack on Balad air base",
     "",
     Expect(relevant=False)),
    ("no-attack-took-place",
     "No drone attack took place at Harir base, Kurdish officials say",
     "",
     Expect(relevant=False)),
    ("reports-called-false",
     "Reports of US strike on Kataib Hezbollah depot near Al-Qaim are false, Iraqi army says",
     "",
     Expect(relevant=False)),
    ("arabic-reports-untrue",
     "خلية الإعلام الأمني: لا صحة لأنباء استهداف قاعدة عين الأسد بصواريخ",
     "",
     Expect(relevant=False)),
    ("a-group-denying-it-resumed-attacks-makes-a-statement",
     "Nujaba says claims it has resumed attacks on American forces are fabricated",
     "",
     Expect(relevant=True, type="threat", actors=("Harakat Hezbollah al-Nujaba",))),
    ("a-denial-of-responsibility-leaves-the-attack",
     "Rockets hit Ain al-Asad air base; Kataib Hezbollah denies any role",
     "",
     Expect(relevant=True, type="attack", not_actors=("Kataib Hezbollah",))),
    ("a-title-denial-outweighs-the-rumour-its-body-retells",
     "Police deny rocket attack on Baghdad airport base",
     "Videos shared overnight claimed that rockets had struck the military base beside Baghdad airport, but police "
     "said the blasts came from a fire at a fuel depot and that no attack took place.",
     Expect(relevant=False)),
    ("a-body-denying-casualties-leaves-the-attack-in-the-title",
     "Rockets hit Ain al-Asad air base in western Iraq",
     "Several rockets landed inside the base on Tuesday evening; officials denied reports that anyone was hurt.",
     Expect(relevant=True, type="attack")),
)


@pytest.mark.parametrize(("title", "summary", "expect"), DENIALS)
def test_denials(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- other languages are not read as English ------------------------------------------------------------------

LANGUAGES = table(
    # "النجباء" alone is the movement beside an indefinite "American" (أمريكية), as beside the definite one.
    ("arabic-awliya-al-dam-alone-beside-an-american-base",
     "أولياء الدم تتبنى استهداف قاعدة أمريكية بطائرة مسيرة", "",
     Expect(relevant=True, type="attack", actors=("Saraya Awliya al-Dam",))),
    ("arabic-nujaba-alone-beside-american-aircraft",
     "طائرات أمريكية تقصف مقرا للنجباء قرب جرف الصخر", "",
     Expect(relevant=True, type="strike", actors=("United States", "Harakat Hezbollah al-Nujaba"))),
    # "التحالف" alone is the coalition where Syria is named, as "coalition" is in English.
    ("arabic-the-coalition-alone-beside-syria",
     "التحالف يقصف منصات لإطلاق الصواريخ قرب حقل العمر شرقي سوريا", "",
     Expect(relevant=True, type="strike", actors=("US-led coalition",), places=("Green Village",))),
    ("spanish",
     "Ataque con drones contra una base de Estados Unidos en Siria",
     "Varios drones atacaron la base de las tropas estadounidenses en el este de Siria, según fuentes locales.",
     Expect(relevant=False)),
    ("spanish-with-english-loan-words",
     "Los drones y los misiles: el ataque a la base de Ain al-Asad",
     "El ataque con drones contra la base fue reivindicado por un grupo armado, dijo el portavoz.",
     Expect(relevant=False)),
    ("japanese-with-latin-names",
     "イラクの米軍基地にドローン攻撃 Ain al-Asad",
     "米軍によると、ドローン2機が基地を攻撃し、米兵3人が負傷した。 drone attack",
     Expect(relevant=False)),
    ("english-with-a-foreign-phrase-is-read",
     "Rockets hit Ain al-Asad air base, no casualties",
     "Rockets struck the base hosting US troops on Friday, a day after the 'hasta la vista' post by a militia "
     "channel, officials said.",
     Expect(relevant=True, type="attack")),
    ("italian",
     "Il drone ha colpito la base americana di Ain al-Asad",
     "",
     Expect(relevant=False)),
    ("french",
     "Attaque de drones contre la base d'Ain al-Asad en Irak",
     "",
     Expect(relevant=False)),
    ("english-with-de-escalation-is-read",
     "De-escalation talks fail as rockets hit Ain al-Asad, officials say",
     "",
     Expect(relevant=True, type="attack")),
)


@pytest.mark.parametrize(("title", "summary", "expect"), LANGUAGES)
def test_languages(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- unrelated news stays unrelated --------------------------------------------------------------------------

UNRELATED = table(
    ("another-states-war-with-the-us-helping-to-intercept",
     "Iran fires missiles and drones at Israel; nearly all shot down",
     "Iran launched waves of missiles and drones at Israel overnight, and Israel said almost all of them were "
     "intercepted with help from the United States, Britain and Jordan.",
     Expect(relevant=False)),
    ("a-watched-group-hitting-a-us-base-and-another-state-is-in-the-watch",
     "Islamic Resistance in Iraq says it struck a US base in Syria and a target in Israel with drones",
     "",
     Expect(relevant=True, type="attack")),
    ("game-podcast",
     "Giant Bombcast 07-22-2008",
     "The crew takes a trip to discuss drones in video games and the new site.",
     Expect(relevant=False)),
    ("tariff-war",
     "China vows to retaliate against US tariffs",
     "Beijing threatened countermeasures after Washington raised duties on Chinese goods.",
     Expect(relevant=False)),
    ("ukraine-refinery",
     "Ukrainian drones strike Russian oil refinery overnight",
     "A fire broke out at the plant after the drone attack, the regional governor said.",
     Expect(relevant=False)),
    ("a-tanker-blamed-on-iran-far-from-the-watch",
     "Tanker attacked in Gulf of Oman; Washington blames Tehran",
     "A limpet mine damaged the hull of a tanker off the coast of Fujairah, the ship's operator said.",
     Expect(relevant=False)),
    ("a-conditional-with-an-economic-price-is-no-vow-of-attack",
     "White House warns buyers of Iranian oil",
     "Any refinery that keeps buying crude from Iran would be cut off from the US financial system and face "
     "sanctions, the White House said on Friday.",
     Expect(relevant=False)),
    ("a-raid-with-iraqi-forces-on-the-islamic-state-told-in-a-relative-clause",
     "US and Iraqi forces conduct joint raid in Anbar desert",
     "US Central Command forces and Iraqi Security Forces carried out a raid in Anbar's desert overnight that killed "
     "nine ISIS fighters, including two commanders.",
     Expect(relevant=False)),
    ("an-islamic-state-attack-with-the-pmf-named-further-down",
     "Islamic State gunmen kill four soldiers at army base north of Baghdad",
     "Islamic State fighters attacked an army base north of Baghdad before dawn, killing four soldiers. "
     "Army units and Popular Mobilization Forces fighters later sealed off the area and began a search.",
     Expect(relevant=False)),
    ("the-country-in-a-groups-name-is-not-where-it-struck",
     "Islamic Resistance in Iraq says its drones struck a military base in Eilat",
     "",
     Expect(relevant=False)),
    ("a-us-base-in-a-gulf-state-is-outside-the-watch",
     "Iranian missiles target American air base in Qatar; air defences intercept them",
     "",
     Expect(relevant=False)),
    ("arabic-a-us-base-in-kuwait-is-outside-the-watch",
     "هجوم بطائرة مسيرة على قاعدة أمريكية في الكويت",
     "",
     Expect(relevant=False)),
    ("syrian-rebels-and-the-army",
     "Rebels attack army positions around Aleppo airport",
     "Opposition fighters attacked government lines overnight, a war monitor said.",
     Expect(relevant=False)),
    ("drones-at-an-oil-field-told-by-the-town-as-a-reference-point",
     "Explosive drone crashes at gas field in Erbil province",
     "The drone came down at the field about 40 km south-west of Erbil on Sunday night, causing a fire but no "
     "casualties, the region's counter-terrorism service said.",
     Expect(relevant=False)),
    ("strikes-abroad-with-the-watch-named-only-in-what-they-follow",
     "American and British jets hit Houthi radar sites",
     "US and UK aircraft bombed radars and launchers in Yemen overnight, two days after US strikes in Iraq and Syria.",
     Expect(relevant=False)),
    ("markets-moved-by-a-strike-are-a-market-report",
     "Crude prices climb 3% as traders weigh fallout of American strike near Baghdad",
     "Brent rose in Asian trading on Monday after the overnight strike, with analysts citing supply worries.",
     Expect(relevant=False)),
    ("arabic-a-jump-in-gold-prices-after-a-strike",
     "ارتفاع حاد في أسعار الذهب عقب القصف الأمريكي قرب الحدود السورية",
     "",
     Expect(relevant=False)),
    ("a-group-added-to-a-terrorism-list",
     "State Department adds Kataib Hezbollah commander to terrorism list",
     "",
     Expect(relevant=False)),
    ("arabic-a-group-put-on-a-terror-list",
     "الخارجية الأمريكية تدرج قياديا في حركة النجباء على قائمة الإرهاب",
     "",
     Expect(relevant=False)),
)


@pytest.mark.parametrize(("title", "summary", "expect"), UNRELATED)
def test_unrelated(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


SPEAKERS = [
    pytest.param("Militias threaten US forces in Syria with more attacks", "Iran-backed militias",
                 id="unnamed-armed-groups-speak"),
    pytest.param("Austin: the Pentagon will not tolerate attacks by Kataib Hezbollah on US troops", "United States",
                 id="the-name-before-the-colon"),
    pytest.param("Iraqi militia KSS threatens American bases if the US joins the war", "Kataib Sayyid al-Shuhada",
                 id="a-militia-word-beside-the-name-is-apposition"),
    pytest.param("Esper warns Kataib Hezbollah: more attacks will bring a response", "United States",
                 id="a-speech-verb-before-the-colon-comes-first"),
    pytest.param("Iraqi armed group threatens US bases if Washington joins the war", "Iran-backed militias",
                 id="an-armed-group-named-by-no-name-speaks"),
    pytest.param("Pentagon to Kataib Hezbollah: we will respond at a time of our choosing", "United States",
                 id="the-one-addressed-before-the-colon-does-not-speak"),
    pytest.param("واشنطن لكتائب حزب الله: سنرد على أي هجوم يستهدف قواتنا في العراق", "United States",
                 id="arabic-the-one-addressed-with-its-proclitic-does-not-speak"),
    pytest.param("النجباء: سنواصل استهداف قوات الاحتلال الأمريكي حتى خروجها", "Harakat Hezbollah al-Nujaba",
                 id="arabic-a-group-by-its-short-name-beside-the-occupier"),
    pytest.param("Tehran warns it will answer any American attack on its advisers in Syria", "Iran",
                 id="a-capital-speaks-for-its-government"),
    pytest.param("Iranian foreign minister: American bases across the region become targets if Washington strikes us",
                 "Iran", id="a-state-speaks-by-its-ministers-title"),
    pytest.param("وزير الخارجية الإيراني: القواعد الأمريكية في المنطقة ستكون أهدافاً إذا هاجمتنا واشنطن", "Iran",
                 id="arabic-a-state-speaks-by-its-ministers-title"),
    pytest.param("Iraqi militia threatens US bases if Washington joins the war on Iran", "Iran-backed militias",
                 id="an-unnamed-militia-before-its-threat-and-the-us-speaks"),
]


@pytest.mark.parametrize(("title", "speaker"), SPEAKERS)
def test_the_speaker_of_a_threat_comes_first(read, title, speaker):
    reading = read(title, when=datetime(2021, 5, 2, tzinfo=UTC))  # before an umbrella spoke for unnamed groups
    assert reading.event_type == "threat" and reading.actors[:1] == (speaker,), reading


@pytest.mark.parametrize(("title", "summary"), [
    pytest.param("Statement No. 3", "The mujahideen of the Islamic Resistance in Iraq targeted the occupation base "
                 "at Harir with a drone. Our operations against the bases of the occupation will continue until it "
                 "leaves.",
                 id="english"),
    pytest.param("بيان رقم ٣", "استهدف مجاهدو المقاومة الإسلامية في العراق قاعدة الاحتلال في حرير بطائرة مسيرة. "
                 "ونؤكد أن عملياتنا ضد قواعد الاحتلال ستستمر حتى خروجه.", id="arabic"),
])
def test_a_claims_closing_formula_is_no_vow(read, title, summary):
    # "Our operations will continue" ends most claims of an attack; after a strike on them, or alone, it is a vow.
    reading = read(title, summary)
    assert reading.event_type == "attack" and "threat" not in reading.scores, reading.scores


def test_a_date_written_out_is_the_events_day(read):
    at = datetime(2023, 12, 27, 9, 0, tzinfo=UTC)
    reading = read("U.S. forces conduct strikes in Iraq", "TAMPA, Fla. - U.S. Central Command forces conducted strikes "
                   "at 4:45 a.m. (Iraq time) on Dec. 26 on three facilities used by Kataib Hezbollah.", at)
    assert reading.event_type == "strike" and reading.happened_on == date(2023, 12, 26), reading
    arabic = read("غارات أمريكية على مقرات لكتائب حزب الله", "قصفت طائرات أمريكية فجر 26 كانون الأول مقرات لكتائب حزب "
                  "الله في جرف النصر", at)
    assert arabic.happened_on == date(2023, 12, 26), arabic
    # A date before the new year is last year's; a dateline's date is the report's own, not the event's.
    assert read("Rockets hit Ain al-Asad", "Rockets hit Ain al-Asad air base on Dec. 30, officials said.",
                datetime(2024, 1, 2, tzinfo=UTC)).happened_on == date(2023, 12, 30)
    dateline = read("Rockets fired at Ain al-Asad", "BAGHDAD, Oct 31 - Rockets were fired at Ain al-Asad air base on "
                    "Monday, a US official said.", datetime(2023, 10, 31, 12, 0, tzinfo=UTC))
    assert dateline.happened_on == date(2023, 10, 30), dateline
    # The date of the attack a strike answers is the attack's, not the strike's.
    answer = read("US strikes Kataib Hezbollah sites", "In response to the Dec. 25 drone attack on Erbil Air Base, US "
                  "aircraft struck three Kataib Hezbollah sites early today.", at)
    assert answer.event_type == "strike" and answer.happened_on != date(2023, 12, 25), answer


def test_a_death_of_its_own_cause_is_stated_but_no_toll_of_the_attack(read):
    # The report states the death (the labelled sets count it), but the attack killed nobody: no deadly attack.
    for title, summary in (
            ("US contractor dies after cardiac arrest during rocket alert at Ain al-Asad",
             "A US civilian contractor suffered a heart attack while sheltering in a bunker as rockets were fired at "
             "the base on Wednesday, and died soon after, officials said. No one was hurt by the rockets."),
            ("وفاة متعاقد أمريكي بنوبة قلبية أثناء قصف صاروخي على قاعدة عين الأسد", "")):
        reading = read(title, summary)
        assert reading.event_type == "attack" and reading.relevant, reading
        assert "US" not in reading.killed and reading.stated_killed.get("US") == 1, (reading.killed,
                                                                                      reading.stated_killed)
    killed = read("Drone kills US contractor at a base in north-east Syria")
    assert killed.killed.get("US") == 1, killed.killed


def test_a_day_beside_only_another_kind_of_event_dates_that_one(read):
    at = datetime(2024, 1, 24, 9, 0, tzinfo=UTC)  # a Wednesday
    strike = read("US jets hit Kataib Hezbollah depots in Anbar", "American aircraft struck two depots used by Kataib "
                  "Hezbollah, officials said. On Monday a salvo of rockets was fired at a base hosting US troops.", at)
    assert strike.event_type == "strike" and strike.happened_on != date(2024, 1, 22), strike
    # A word of another kind beside the day ("warning sirens") does not take away an armed event's day.
    attack = read("Rockets land near Baghdad airport", "Two rockets fell near Baghdad airport on Monday night, setting "
                  "off warning sirens across the complex.", at)
    assert attack.event_type == "attack" and attack.happened_on == date(2024, 1, 22), attack
    # A day beside a statement's words alone dates what was said or decided, not the attack.
    pause = read("Drones target US outpost in eastern Syria", "Two drones were shot down as they flew at a US outpost "
                 "near the Conoco gas field. The factions' rockets had struck US positions through the autumn; they "
                 "announced a pause and ended it on Monday.", at)
    assert pause.event_type == "attack" and pause.happened_on != date(2024, 1, 22), pause


def test_a_capital_that_speaks_is_its_government_not_a_place(read):
    condemned = read("Baghdad condemns overnight US strikes on Kataib Hezbollah positions in Anbar")
    assert "Baghdad" not in condemned.places and "Iraqi government" not in condemned.places, condemned
    struck = read("Rockets land near the US embassy in Baghdad")
    assert struck.event_type == "attack" and "US Embassy Baghdad" in struck.places, struck


def test_a_time_zone_names_no_place(read):
    reading = read("Militants fire rockets at al-Asad Airbase", "TAMPA, Fla. - At about 8:10 p.m. (Baghdad time) on "
                   "Jan. 9, militants launched rockets at al-Asad Airbase; no injuries were reported.")
    assert "Baghdad" not in reading.places and "Ain al-Asad Air Base" in reading.places, reading


def test_a_strike_statement_names_the_attack_it_answers_apart(read):
    reading = read("Statement by the Secretary of Defense on US strikes in Syria",
                   "Earlier today a one-way drone struck a coalition base near Hasakah, wounding three US service "
                   "members. Tonight US forces conducted precision airstrikes against facilities used by groups "
                   "affiliated with the IRGC near Mayadin.")
    assert reading.event_type == "strike" and "Hasakah" in reading.places, reading
    assert reading.answered_places == ("Hasakah",) and "Mayadin" not in reading.answered_places, reading


def test_short_names_read_with_what_surrounds_them(read):
    hashd = read("Unidentified warplanes pound Hashd positions near the Syrian border in Anbar")
    assert "Popular Mobilization Forces" in hashd.actors and hashd.relevant, hashd
    asad = read("Number of US troops checked for TBI after Al-Asad attack rises")
    assert "Ain al-Asad Air Base" in asad.places and asad.relevant and asad.toll_update, asad


def test_a_revised_toll_far_from_its_revision_word_is_revised(read):
    arabic = read("ارتفاع حصيلة جرحى الجنود الأمريكيين في الهجوم على قاعدة عين الأسد إلى ١١")
    assert arabic.injured.get("US") == 11 and arabic.evidence.get("injured_note") == "US: revised to 11", arabic
    civilians = read("Rocket attack near Baghdad airport: death toll rises to five, all from one family")
    assert "US" not in civilians.killed, civilians


def test_two_people_joined_by_and_before_one_casualty_word_count_two(read):
    assert read("US soldier and airman killed in rocket attack on Camp Taji").killed == {"US": 2}
    named = read("Pentagon names soldier and marine killed by rockets at Camp Taji")
    assert named.killed == {"US": 2}, named


def test_arabic_numbers_from_eleven_to_nineteen_are_two_words(read):
    assert read("مقتل ثلاثة عشر عنصرا من الحشد الشعبي بغارات أمريكية").killed == {"militia": 13}
    hurt = read("ارتفاع حصيلة المصابين الأمريكيين في الهجوم على قاعدة عين الأسد إلى أحد عشر")
    assert hurt.injured.get("US") == 11, hurt
    assert read("مقتل أحد الجنود الأمريكيين في هجوم على قاعدة التنف").killed == {"US": 1}


def test_a_long_report_opening_with_earlier_attacks_tells_its_own_event(read):
    at = datetime(2022, 8, 24, 9, 0, tzinfo=UTC)  # a Wednesday
    strike = read("Tensions flare again in Syria's east",
                  "Militias aligned with Iran have fired rockets and drones at bases housing American troops dozens "
                  "of times this year. On Aug. 15, a drone attack targeted the al-Tanf garrison, causing no "
                  "casualties. On Tuesday night, US F-15s struck bunkers used by the Revolutionary Guards near "
                  "Deir ez-Zor, the Pentagon said.", at)
    assert strike.event_type == "strike" and "Al-Tanf Garrison" not in strike.places, strike
    # A follow-up opening with the day of the attack it updates tells that attack.
    update = read("Pentagon briefing", "On the Aug. 9 drone strike on Rumalyn Landing Zone: eight service members "
                  "were treated for brain injuries, and an Iran-backed group carried out the attack.", at)
    assert update.relevant and "Rumalyn Landing Zone" in update.places, update


def test_a_state_denying_any_part_in_blasts_is_no_striker(read):
    reading = read("Pentagon says it played no part in blasts at Iraqi militia arms depot near Balad",
                   when=datetime(2019, 8, 21, tzinfo=UTC))
    assert "United States" not in reading.actors, reading


def test_a_day_named_from_the_dateline_of_a_us_statement(read):
    reading = read("US forces conduct precision strikes in eastern Syria",
                   "TAMPA, Fla. - US forces this evening struck bunkers used by groups tied to the IRGC near Deir "
                   "ez-Zor. The action answers the attacks those groups carried out on Aug. 15.",
                   datetime(2022, 8, 24, 1, 50, tzinfo=UTC))
    assert reading.happened_on == date(2022, 8, 24), reading


# What a title says of its event besides its type: told after the fact, a toll revised, another attack after one.
TITLE_FLAGS = [
    ("after_the_fact", "Kataib Hezbollah buries four fighters killed in US strike near Al-Qaim", True),
    ("after_the_fact", "تشييع أربعة مقاتلين من كتائب حزب الله قضوا بغارة أمريكية قرب القائم", True),
    ("after_the_fact", "Rocket that hit Ain al-Asad last week was launched from Hit, police say", True),
    ("after_the_fact", "US strike kills four Kataib Hezbollah fighters near Al-Qaim", False),
    ("after_the_fact", "Army names two soldiers killed in rocket attack on Union III", True),
    ("after_the_fact", "Drone that hit Tal Baydar barracks did not explode, officials now say", True),
    ("after_the_fact", "Five more troops treated for brain injuries after missile attack on Ain al-Asad", True),
    ("after_the_fact", "مسيرة سقطت داخل قاعدة حرير لم تنفجر بحسب مصادر كردية", True),
    ("after_the_fact", "Missile attack on Ain al-Asad injures five troops", False),
    ("after_the_fact", "Police say launcher found in orchard after rockets hit Victory base", True),
    ("after_the_fact", "خلية الإعلام الأمني: ضبط عجلة أطلقت منها صواريخ باتجاه مطار بغداد", True),
    ("after_the_fact", "Kurdish officials blame PMF faction for drone that fell near Erbil airport", True),
    ("after_the_fact", "حكومة الإقليم تتهم فصيلاً مسلحاً بإطلاق المسيرة التي سقطت قرب مطار أربيل", True),
    ("after_the_fact", "مسيرة تحمل متفجرات تسقط قرب مطار أربيل", False),
    ("toll_update", "Number of American troops hurt in drone attack on Syria base rises", True),
    ("toll_update", "Death toll from militia drone strike on Jordan outpost climbs to three", True),
    ("toll_update", "ارتفاع حصيلة المصابين الأمريكيين في هجوم المسيرة على قاعدة التنف", True),
    ("toll_update", "Drone attack on Syria base wounds four American troops", False),
    # US casualties counted for an attack named as one already known, days later, by an official.
    ("toll_update", "Defense official: 19 service members had minor injuries from the Tower 22 attack", True),
    ("toll_update", "مسؤول أمريكي: إصابة ١٩ جندياً بجروح طفيفة في هجوم البرج 22", True),
    ("toll_update", "إصابة ثلاثة عسكريين أمريكيين في الهجوم على قاعدة الشدادي", True),
    ("toll_update", "إصابة ثلاثة عسكريين أمريكيين في هجوم بطائرة مسيرة على قاعدة الشدادي", False),
    ("toll_update", "Rockets slam into al-Shaddadi; two US soldiers wounded in the attack", False),
    ("toll_update", "Two US soldiers wounded in rocket attack on al-Shaddadi", False),
    ("repeat", "Al-Shaddadi base targeted again by drones", True),
    ("repeat", "Rockets hit Victory base a day after drone attack on Baghdad airport", True),
    ("repeat", "قاعدة الشدادي تتعرض لهجوم جديد بطائرة مسيرة", True),
    ("repeat", "Drones target al-Shaddadi base, no injuries reported", False),
    # "After" tells an earlier event only when an armed event's word follows, not a day of the calendar.
    ("repeat", "Drones target Harir base two days after US strikes on militia depots", True),
    ("repeat", "Rockets fall near the Conoco base on the day after the Soleimani anniversary", False),
    ("repeat", "صواريخ تسقط قرب قاعدة كونيكو بعد يوم من ذكرى مقتل سليماني", False),
    ("repeat", "صواريخ تسقط قرب قاعدة كونيكو بعد يوم من هجوم بطائرة مسيرة", True),
]


@pytest.mark.parametrize(("flag", "title", "expected"), TITLE_FLAGS, ids=[f"{f}-{i}" for i, (f, _, _) in
                                                                          enumerate(TITLE_FLAGS)])
def test_what_a_title_says_of_its_event(read, flag, title, expected):
    assert getattr(read(title), flag) is expected


def test_blasts_from_american_raids_are_the_strike_not_an_attack_it_answers(read):
    """"Blasts in al-Qaim from American raids": the state named after the blasts is the raids' agent, not what blew
    up, so the blasts tell no attack and their town is where the strike was, not the place of an attack it answers."""
    reading = read("عاجل | دوي انفجارات في القائم وعكاشات ناجمة عن غارات أمريكية", "")
    assert reading.relevant and reading.event_type == "strike"
    assert set(reading.places) >= {"Al-Qaim", "Akashat"} and reading.answered_places == ()


def test_a_town_named_as_a_reference_point_is_kept_apart_from_the_places(read):
    reading = read("Two drones set fire to a base hosting foreign troops north-east of Erbil")
    assert reading.relevant and "Erbil" not in reading.places and reading.reference_places == ("Erbil",), reading


def test_a_group_named_after_iraq_striking_a_base_in_syria_is_in_the_watch(read):
    reading = read("Islamic Resistance in Iraq says its drones hit an American base in Syria")
    assert reading.relevant and reading.event_type == "attack", reading


def test_an_attack_in_the_watch_and_abroad_is_in_the_watch(read):
    reading = read("Iran fires missiles at US bases in Iraq and Qatar", when=datetime(2025, 6, 23, tzinfo=UTC))
    assert reading.relevant and reading.event_type == "attack", reading


def test_a_surname_alone_speaks_for_who_the_report_names_in_full(read):
    reading = read("الكعبي يتوعد واشنطن برد قاس", "قال الأمين العام لحركة النجباء أكرم الكعبي إن واشنطن ستدفع الثمن")
    assert reading.event_type == "threat" and reading.speaker_known, reading
    assert reading.actors[:1] == ("Harakat Hezbollah al-Nujaba",), reading


# --- an unnamed group that claims speaks as the umbrella of its time ------------------------------------

UMBRELLA = "Islamic Resistance in Iraq"
BEFORE_UMBRELLA = datetime(2022, 6, 1, tzinfo=UTC)

UNNAMED_CLAIMANTS = table(
    ("factions-claim-after-the-umbrella-formed",
     "Iraqi armed factions claim drone attack on US outpost near Hasakah", "",
     Expect(type="attack", actors=(UMBRELLA,), not_actors=(MILITIA,))),
    ("a-group-says-at-the-end-of-the-title",
     "Rockets fired at American base in eastern Syria, Iraqi group says", "",
     Expect(type="attack", actors=(UMBRELLA,), not_actors=(MILITIA,))),
    ("arabic-factions-adopt-the-attack",
     "فصائل عراقية تتبنى قصف قاعدة أمريكية في سوريا بالصواريخ", "",
     Expect(type="attack", actors=(UMBRELLA,), not_actors=(MILITIA,))),
    ("the-same-claim-before-the-umbrella-existed",
     "Iraqi armed factions claim drone attack on US outpost near Hasakah", "",
     Expect(type="attack", actors=(MILITIA,), not_actors=(UMBRELLA,), when=BEFORE_UMBRELLA)),
    ("officials-speak-of-militants",
     "Pentagon says militants fired rockets at US base in Syria", "",
     Expect(type="attack", actors=(MILITIA,), not_actors=(UMBRELLA,))),
    ("nobody-claims-it",
     "Drone shot down near coalition base at Erbil airport", "",
     Expect(type="attack", actors=(MILITIA,), not_actors=(UMBRELLA,))),
    ("another-named-group-claims",
     "Islamic State group says it attacked army checkpoint near Kirkuk", "",
     Expect(not_actors=(UMBRELLA,))),
)



# --- an armed event whose only victims are militia fighters is a strike on them --------------------------

MILITIA_VICTIMS = table(
    ("pmf-members-killed-by-a-drone",
     "Four Hashd members killed as drone hits their post west of Kirkuk", "",
     Expect(type="strike", killed={"militia": 4})),
    ("arabic-pmf-dead-in-a-bombardment",
     "مقتل ثلاثة من عناصر الحشد الشعبي بقصف جوي قرب القائم", "",
     Expect(type="strike", killed={"militia": 3})),
    ("fighters-killed-while-attacking-a-us-base-keep-the-attack",
     "Rockets fired at Ain al-Asad air base; two gunmen killed by return fire", "",
     Expect(type="attack")),
)



# --- blasts where the militias hold positions are strikes on them ------------------------------------------

MILITIA_HELD = table(
    ("blasts-on-the-outskirts-of-a-border-town",
     "Series of loud blasts rocks the outskirts of al-Bukamal before dawn", "",
     Expect(relevant=True, type="strike", places=("Albu Kamal",))),
    ("arabic-blasts-near-al-qaim",
     "دوي انفجارات عنيفة قرب القائم غربي الأنبار فجر اليوم", "",
     Expect(type="strike", places=("Al-Qaim",))),
    ("a-named-group-firing-from-there-stays-an-attack",
     "Kataib Hezbollah fires rockets at Ain al-Asad from near Al-Qaim", "",
     Expect(type="attack")),
    ("the-charge-d-affaires-is-no-town",
     "بغداد تستدعي القائم بالأعمال الأمريكي بعد الغارات", "",
     Expect(not_places=("Al-Qaim",))),
)



# --- statements: on the other side's attack a reaction, on one's own strikes their announcement -------------

STATEMENTS = table(
    ("a-militia-statement-on-a-us-strike-vowing-its-operations-go-on-is-its-threat",
     "Statement on the American aggression against our brothers in Anbar",
     "The treacherous American aggression on the positions of our brothers will not weaken us. The operations of "
     "the Islamic Resistance in Iraq against the bases of the occupiers in Iraq and Syria will go on until the last "
     "of them leaves.",
     Expect(relevant=True, type="threat", first_actor="Islamic Resistance in Iraq")),
    ("arabic-a-militia-statement-on-a-us-strike-vowing-its-operations-go-on-is-its-threat",
     "بيان حول العدوان الأمريكي على مقرات إخوتنا في الأنبار",
     "إن العدوان الأمريكي الغادر لن يثنينا، ونؤكد أن عمليات المقاومة الإسلامية في العراق ضد قواعد الاحتلال في "
     "المنطقة ستستمر حتى خروج آخر جندي.",
     Expect(relevant=True, type="threat", first_actor="Islamic Resistance in Iraq")),
    ("the-us-sides-statement-on-its-strikes-with-a-vow-announces-them",
     "Statement from the Secretary of Defense on U.S. strikes in Iraq",
     "At my direction, U.S. forces struck three facilities used by Kataib Hezbollah. Our operations against those "
     "who attack our troops will continue as long as it takes.",
     Expect(relevant=True, type="strike", striker="United States")),
    ("the-us-sides-statement-naming-no-event-in-its-title-announces-its-strike",
     "Statement by the Pentagon Press Secretary",
     "The Department keeps reviewing the protection of its personnel at every site. Tonight, on the President's "
     "orders, U.S. forces struck two depots near al-Qaim where Kataib Hezbollah stores rockets and one-way attack "
     "drones. We will not hesitate to take further action to defend our people.",
     Expect(relevant=True, type="strike", striker="United States")),
    # The danger a military removed is no vow: "posed an imminent threat", "assessed the incoming threat".
    ("a-command-statement-on-an-attack-engaging-the-incoming-threat-reports-the-attack",
     "Statement on the attack on Mission Support Site Conoco",
     "U.S. Central Command is aware of an attack on Mission Support Site Conoco earlier today. Coalition air defences "
     "assessed the incoming threat and engaged it; two drones were destroyed before reaching the site and nobody was "
     "hurt.",
     Expect(relevant=True, type="attack")),
    ("a-self-defence-strike-on-an-imminent-threat-is-a-strike",
     "CENTCOM forces strike rocket launch site near Mayadin",
     "U.S. forces struck a site near Mayadin where militants were preparing rockets that posed an imminent threat to "
     "U.S. and Coalition personnel at Green Village.",
     Expect(relevant=True, type="strike", striker="United States")),
    ("an-arabic-strike-on-weapons-posing-a-threat-is-a-strike",
     "القوات الأمريكية تدمر منصات صواريخ كانت تشكل تهديداً لقواتها قرب الميادين", "",
     Expect(type="strike")),
    ("the-group-named-after-the-lead-is-the-titles-unnamed-militia",
     "Iraqi militia threatens US bases if Washington joins Israel's war with Iran",
     "An Iran-aligned armed group in Iraq said on Friday that American bases in the region would be targeted if the "
     "United States entered the war. The warning was read out by a spokesman for Harakat al-Nujaba in a speech.",
     Expect(relevant=True, type="threat", actors=("Harakat Hezbollah al-Nujaba", "United States"),
            first_actor="Harakat Hezbollah al-Nujaba", not_actors=(MILITIA, "Islamic Resistance in Iraq"))),
    ("arabic-an-official-angered-by-an-attack-vowing-is-a-threat",
     "وزير الدفاع الأمريكي غاضب من هجوم التنف ويتعهد بمحاسبة المسؤولين",
     "",
     Expect(relevant=True, type="threat")),
    ("an-official-outraged-by-an-attack-vowing-is-a-threat",
     "Pentagon chief 'outraged' by drone attack on US troops in Syria, vows to hold those responsible accountable",
     "",
     Expect(relevant=True, type="threat")),
    ("a-capital-spoken-to-is-its-government",
     "Biden's message to Tehran after the strikes in Syria: you will be held accountable",
     "",
     Expect(relevant=True, type="threat", actors=("United States", "Iran"))),
    ("a-capital-someone-says-they-will-fly-to-is-a-city",
     "US envoy says he will fly to Baghdad to warn militias against attacks on US troops",
     "",
     Expect(not_actors=("Iraqi government",))),
    ("a-capital-troops-are-sent-to-is-a-city",
     "US sends more troops to Baghdad after rocket attack on embassy compound",
     "",
     Expect(not_actors=("Iraqi government",))),
    ("a-presidential-statement-on-an-attack-with-a-vow",
     "Statement from the President on the drone attack on US troops in Syria",
     "Two American service members were wounded in a drone attack on their base yesterday. We will respond at a "
     "time and place of our choosing.",
     Expect(relevant=True, type="threat")),
    ("a-counter-terrorism-statement-telling-the-attack",
     "Statement on the drone attack on Erbil airport",
     "A drone packed with explosives struck near the coalition base at Erbil airport at 9 pm; nobody was hurt.",
     Expect(relevant=True, type="attack")),
    ("the-us-sides-statement-on-an-attack-and-its-answer-tells-the-answer",
     "Statement by the Pentagon Press Secretary on Actions in Syria",
     "WASHINGTON - Earlier today rockets were fired at a coalition site in eastern Syria, lightly wounding a service "
     "member. US attack helicopters then engaged and destroyed two trucks used to launch the rockets.",
     Expect(type="strike", actors=("United States",))),
    ("the-us-sides-statement-on-an-attack-alone-tells-the-attack",
     "CENTCOM statement on the attack against US forces at al-Tanf",
     "TAMPA, Fla. - Two one-way drones targeted the al-Tanf garrison this morning; one was shot down and the other "
     "caused minor damage. No US personnel were hurt.",
     Expect(type="attack")),
    ("a-statement-dating-its-strike-this-evening-and-the-attack-it-answers",
     "US forces conduct precision strikes in eastern Syria",
     "TAMPA, Fla. - US forces this evening struck bunkers used by groups tied to the IRGC near Deir ez-Zor. The "
     "action answers the attacks those groups carried out on Aug. 15.",
     Expect(type="strike")),
    ("the-us-responded-to-attacks",
     "US responded to rocket attacks on its bases in north-east Syria, the Pentagon said",
     "",
     Expect(type="strike")),
    ("arabic-us-forces-respond",
     "القوات الأمريكية ترد على هجمات صاروخية في شمال شرقي سوريا",
     "",
     Expect(type="strike")),
    ("necessary-and-proportionate-action",
     "Pentagon: necessary and proportionate action in Baghdad against a commander behind attacks on US troops",
     "",
     Expect(type="strike")),
    ("arabic-statement-on-american-strikes-announces-them",
     "بيان وزارة الدفاع الأمريكية بشأن الضربات الأمريكية في شرق سوريا", "",
     Expect(type="strike")),
    ("a-statement-by-a-us-official-on-strikes-announces-them",
     "بيان وزير الدفاع لويد أوستن بشأن الغارات الدقيقة شرقي سوريا", "",
     Expect(type="strike")),
    ("words-about-the-attacks-with-a-vow",
     "White House confirms direct message to Tehran about the attacks on US forces",
     "Drones and rockets have struck bases hosting US troops in Iraq and Syria several times this week. The "
     "spokesman said Washington would respond decisively if the attacks went on.",
     Expect(relevant=True, type="threat")),
    ("officials-saying-rockets-hit-a-base-tell-the-attack",
     "Pentagon says rockets hit Ain al-Asad air base, no injuries", "",
     Expect(relevant=True, type="attack")),
    ("in-response-to-is-no-threat",
     "US jets strike militia depots in Iraq in response to drone attack on base",
     "American warplanes struck three weapons depots used by Kataib Hezbollah overnight, in retaliation for the "
     "drone attack that wounded four US troops.",
     Expect(relevant=True, type="strike")),
)



# --- a claim whose main clause follows its stated reasons; an announced suspension --------------------------

CLAIM_SHAPES = table(
    ("reasons-after-a-comma-then-the-claim",
     "Islamic Resistance in Iraq: drones on the occupiers' base at Harir",
     "In support of our people in Gaza, and in response to the crimes of the occupation, the mujahideen targeted "
     "the Harir base with two drones this morning, hitting their targets directly.",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
    ("arabic-dual-drones-strike-a-base",
     "المقاومة الإسلامية في العراق: طائرتان مسيرتان تضربان قاعدة حرير",
     "نصرة لأهلنا في غزة، وردا على جرائم الاحتلال، استهدف مجاهدو المقاومة قاعدة حرير بطائرتين مسيرتين صباح اليوم.",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
    ("operations-declared-suspended",
     "Statement of the secretary-general of Kataib Hezbollah",
     "We declare our military operations against the occupation forces suspended, to spare the government "
     "embarrassment.",
     Expect(relevant=True, type="threat", actors=("Kataib Hezbollah",))),
)



# --- a count after a clause break is no object of the casualty word before it -------------------------------

TOLL_BREAKS = table(
    ("killed-comma-wounded",
     "Three US soldiers killed, 34 wounded in drone attack on Tower 22", "",
     Expect(type="attack", killed={"US": 3}, injured={"US": 34})),
    ("killed-semicolon-wounded",
     "Drone hits coalition base near Hasakah",
     "One U.S. contractor was killed; five U.S. service members and another U.S. contractor were wounded.",
     Expect(type="attack", killed={"US": 1}, injured={"US": 5})),
)



# --- "fire on": who fires on whom ---------------------------------------------------------------------------

FIRE_ON = table(
    ("us-helicopters-fire-on-launchers",
     "US helicopters fire on rocket launchers near Conoco after attack on base", "",
     Expect(relevant=True, type="strike", striker="United States")),
    ("militants-fire-on-a-us-base",
     "Militants fire on US base at Conoco field with rockets", "",
     Expect(relevant=True, type="attack", not_actors=("United States",))),
)


ARABIC_ADJECTIVES = table(
    ("the-american-bombardment-kills-pmf-members",
     "مقتل عنصرين من الحشد بالقصف الأمريكي قرب القائم", "",
     Expect(relevant=True, type="strike", striker="United States", places=("Al-Qaim",))),
    ("targeting-the-coalition-is-an-attack",
     "استهداف التحالف في قاعدة حرير بطائرة مسيرة", "",
     Expect(relevant=True, type="attack")),
)


ALLIED_VICTIMS = table(
    ("a-drone-of-iranian-origin-kills-a-us-contractor",
     "Drone of Iranian origin kills US contractor at coalition base near Hasakah", "",
     Expect(relevant=True, type="attack", killed={"US": 1})),
    ("us-strike-after-us-troops-were-killed-stays-a-strike",
     "US jets strike militia depots in Syria after drone killed two US troops", "",
     Expect(type="strike", striker="United States")),
)


# --- clause structure: whose "by" phrase, who the dead are, what is promised --------------------------------

CLAUSE_ROLES = table(
    ("a-by-phrase-on-the-object-is-not-the-agent",
     "US aircraft hit depots run by Kataib Hezbollah near the border", "",
     Expect(type="strike", striker="United States")),
    ("a-true-passive-keeps-its-agent",
     "Coalition outpost was struck by drones launched by militias overnight", "",
     Expect(type="attack")),
    ("the-dead-before-a-second-event-word-were-its-victims",
     "Five militants killed and three rocket launchers destroyed in eastern Syria", "The US military said Iran-backed "
     "groups had used the launchers.",
     Expect(type="strike")),
    ("arabic-dead-before-a-second-verbal-noun",
     "مقتل ثلاثة مسلحين موالين لإيران وتدمير مخزن أسلحة قرب البوكمال", "",
     Expect(type="strike", not_actors=("Iran",))),
    ("arabic-backers-take-no-part",
     "مقتل خمسة مسلحين مدعومين من إيران بقصف شرقي سوريا", "",
     Expect(relevant=True, type="strike", not_actors=("Iran",))),
    ("arabic-the-subject-before-the-verb-acts",
     "غارة أمريكية قرب الحدود استهدفت مسلحين يجهزون طائرات مسيرة", "",
     Expect(type="strike")),
    ("a-vow-to-keep-striking-is-a-threat",
     "Nujaba: we will keep hitting the occupiers' bases until they leave", "",
     Expect(type="threat")),
    ("arabic-a-vow-in-the-future-is-a-threat",
     "عصائب أهل الحق: سنواصل استهداف قواعد الاحتلال حتى خروجه", "",
     Expect(type="threat")),
    ("helicopters-pounding-positions-strike",
     "American gunships pound militia positions near Mayadin after rocket fire on base", "",
     Expect(type="strike")),
    ("blasts-beside-a-strike-are-the-strike",
     "Loud explosions as unidentified warplanes hit a militia weapons depot near Albu Kamal", "",
     Expect(type="strike")),
    ("blasts-at-a-militia-site-are-a-strike",
     "Explosion rips through PMF headquarters south of Baghdad", "",
     Expect(type="strike")),
    ("blasts-at-a-us-base-are-an-attack",
     "Several blasts heard at US base in Syria's Shaddadi; helicopters take off", "",
     Expect(type="attack")),
    ("arabic-the-raids-adjective-counts-no-dead",
     "سبعة قتلى بغارات أمريكية على مخزن للفصائل في ريف دير الزور", "",
     Expect(type="strike", not_killed=("US",))),
    ("a-statement-on-the-missile-attack-with-a-vow",
     "Statement by the Ambassador on the rocket attack in Baghdad",
     "The United States condemns yesterday's rocket attack. Those who ordered it must be held accountable.",
     Expect(type="threat")),
    ("arabic-a-condemnation-with-accountability-is-a-statement",
     "واشنطن تدين «الهجوم الجبان» على قاعدة حرير.. ويجب محاسبة المسؤولين عنه", "",
     Expect(type="threat")),
    ("a-condemnation-without-a-vow-keeps-the-attack",
     "Baghdad condemns rocket attack on Ain al-Asad air base", "",
     Expect(type="attack")),
    ("a-year-after-an-attack-is-no-attack",
     "Two years after the Ain al-Asad missile barrage, wounded veterans still wait for care", "",
     Expect(relevant=False)),
    ("arabic-a-year-since-an-attack-is-no-attack",
     "عامان على هجوم عين الأسد.. الجنود المصابون ينتظرون التعويض", "",
     Expect(relevant=False)),
    ("a-tally-of-attacks-is-no-attack",
     "Over 100 drone and rocket attacks on US troops since mid-October, Pentagon count shows", "",
     Expect(relevant=False)),
    ("a-new-attack-with-a-tally-beside-it-stays-an-attack",
     "Rockets hit Ain al-Asad in the 70th attack on US forces since October", "",
     Expect(relevant=True, type="attack")),
    ("a-headline-passive-on-militia-sites-is-a-strike",
     "Six militia depots near Albu Kamal destroyed overnight, monitor says", "",
     Expect(type="strike")),
    ("partner-fighters-killed-at-a-us-base-keep-the-attack",
     "Drone attack on US base in Hasakah kills four Kurdish-led fighters", "",
     Expect(type="attack")),
    ("attacks-a-commander-was-responsible-for-are-background",
     "US says it killed a Nujaba commander responsible for attacks on its troops in a Baghdad drone strike", "",
     Expect(type="strike")),
    ("what-a-strike-hit-is-described-not-threatened",
     "Coalition says it destroyed launch sites that threatened its troops near Conoco", "",
     Expect(type="strike")),
    ("the-speaker-is-the-pronoun-after-the-speech-verb",
     "US Central Command says it struck a drone storage site in eastern Syria", "",
     Expect(type="strike", striker="United States")),
    ("a-place-between-the-militia-sites-and-the-verb",
     "Four militia depots near Mayadin destroyed in overnight raids", "",
     Expect(type="strike")),
    ("sirens-at-an-embassy-are-a-flash-of-an-attack",
     "Sirens wail at the US embassy in Baghdad after reports of incoming fire", "",
     Expect(relevant=True, type="attack")),
    ("arabic-warning-sirens-are-no-warning",
     "دوي صافرات الإنذار في قاعدة عين الأسد غربي الأنبار", "",
     Expect(relevant=True, type="attack")),
    ("the-us-side-speaking-of-strikes-is-their-striker",
     "CENTCOM: precision strikes on two weapons stores used by Iran-aligned groups", "",
     Expect(type="strike", striker="United States")),
    ("an-official-vow-to-take-action-is-a-threat",
     "Pentagon: US will take all necessary measures to protect its forces in Iraq and Syria", "",
     Expect(relevant=True, type="threat")),
    ("arabic-an-official-will-not-hesitate",
     "البنتاغون: لن نتردد في حماية قواتنا في العراق وسوريا", "",
     Expect(relevant=True, type="threat")),
    ("arabic-washington-named-by-its-capital-is-a-party",
     "العصائب تتهم واشنطن بقصف مقر للحشد وتتوعد بالرد", "",
     Expect(relevant=True, type="threat", actors=("United States",))),
    ("a-groups-statement-on-its-own-attack-is-its-claim",
     "Statement of the Islamic Resistance in Iraq on targeting the occupation base at Harir",
     "Our mujahideen struck the base with a drone. We will not stop until the occupier leaves.",
     Expect(relevant=True, type="attack")),
    ("a-us-vow-for-its-forces-in-the-region",
     "CENTCOM commander: we will respond to any attack on our forces and partners in the region", "",
     Expect(relevant=True, type="threat")),
    ("a-us-vow-about-forces-elsewhere-is-not-watched",
     "Pentagon vows to protect its forces in the Red Sea after Houthi missile fire", "",
     Expect(relevant=False)),
    ("kurdistan-is-in-the-watched-countries",
     "Explosive drone downed near a Kurdistan air base hosting US advisers", "",
     Expect(relevant=True, type="attack")),
    ("a-naval-unit-name-is-no-strike",
     "Pentagon sends carrier strike group to the region", "",
     Expect(relevant=False)),
)


# --- tolls counted as treated, and a conflict named only as the setting ----------------------------------------

TREATED_AND_SETTING = table(
    ("a-revised-toll-of-people-treated-counts-the-hurt",
     "Toll from drone attack on US base at Tal Baydar rises to six service members treated", "",
     Expect(relevant=True, type="attack", injured={"US": 6}, not_killed=("US",))),
    ("a-revised-count-with-troops-after-it-counts-them",
     "Toll in Tower 22 attack rises to 40 injured as more troops report symptoms", "",
     Expect(relevant=True, type="attack", injured={"US": 40})),
    ("troops-treated-after-an-attack-are-hurt",
     "Five American troops treated after rocket attack on Syria base", "",
     Expect(relevant=True, type="attack", injured={"US": 5})),
    ("the-other-conflict-as-the-setting-of-a-lead-telling-no-event",
     "Rockets fired at US troops in eastern Syria; no injuries",
     "WASHINGTON - The Pentagon says its forces in the region remain focused on defeating Islamic State. Two rockets "
     "landed near Mission Support Site Conoco on Tuesday, a spokesman said.",
     Expect(relevant=True, type="attack")),
    ("a-militia-saying-its-attacks-will-go-on-vows",
     "Nujaba: attacks will go on until the last American soldier leaves Iraq", "",
     Expect(relevant=True, type="threat")),
    ("drones-approaching-after-midnight-are-the-news",
     "Kurdistan counter-terrorism statement",
     "Late on Tuesday and again after midnight, two drones loaded with explosives tried to approach the Harir air "
     "base; both were dealt with and caused no losses.",
     Expect(relevant=True, type="attack", places=("Harir Air Base",))),
)



# --- the striker named by an adjective, and the sites of the patron's own forces -----------------------------

WORDED_STRIKERS = table(
    ("american-raids-name-their-striker",
     "Brigade commander among six fighters killed in American raids on border positions near al-Qaim", "",
     Expect(relevant=True, type="strike", striker="United States")),
    ("american-aggression-mourned",
     "Kataib Hezbollah mourns two fighters martyred by American aggression in Jurf al-Sakhar", "",
     Expect(relevant=True, type="strike", actors=("United States", "Kataib Hezbollah"))),
    ("an-adjective-in-the-title-is-not-the-lead-aircraft",
     "Unknown jets bomb Hashd depot near Musayyib, factions accuse Washington",
     "Warplanes of unknown origin hit a weapons depot of the Popular Mobilization Forces after midnight.",
     Expect(not_actors=("United States",))),
    ("irgc-linked-sites-struck-are-the-irgcs",
     "US warplanes strike IRGC-linked weapons stores near Albu Kamal", "",
     Expect(relevant=True, type="strike", actors=("United States", "IRGC"))),
    ("a-relative-clause-has-its-subject-before-its-pronoun",
     "Nujaba: US drones that struck our fighters near Iskandariya flew in from a Gulf base", "",
     Expect(relevant=True, type="strike", actors=("United States",))),
    ("missiles-that-mark-an-escalation-commemorate-nothing",
     "Drones fired at al-Tanf mark new phase in militia campaign, officials say", "",
     Expect(relevant=True, type="attack")),
    ("iran-backed-groups-struck-are-no-iran",
     "US warplanes strike Iran-backed groups' weapons stores near Albu Kamal", "",
     Expect(relevant=True, type="strike", not_actors=("Iran",))),
)


# --- claims made and denied, and a state outside the watch as what an attack hit -----------------------------

CLAIMS_AND_OTHER_TARGETS = table(
    ("no-group-claiming-is-no-unnamed-claimant",
     "Rocket lands near Victory base at Baghdad airport; no group claims responsibility", "",
     Expect(relevant=True, type="attack", actors=("Iran-backed militias",),
            not_actors=("Islamic Resistance in Iraq",))),
    ("a-claim-of-the-attack-that-killed-tells-its-toll",
     "Kataib Hezbollah says it was behind drone attack that killed US troops at al-Tanf", "",
     Expect(relevant=True, type="attack", actors=("Kataib Hezbollah",))),
    ("a-blast-explained-as-a-controlled-detonation-is-no-attack",
     "Coalition: no attack on Union III, the explosion was a controlled detonation", "",
     Expect(relevant=False)),
    ("rockets-fired-at-another-state-from-syria-are-not-watched",
     "Iran-aligned fighters fire rockets at Israel from southern Syria", "",
     Expect(relevant=False)),
)


# --- a patron's forces struck together with the groups it backs; the state owning a force struck ---------------

PATRON_AND_CLIENTS = table(
    ("groups-tied-to-the-guards-are-the-unnamed-militias",
     "American bombers hit two compounds near Mayadin used by the Quds Force and the groups it funds and arms",
     "Officials said the compounds stored drones that affiliated groups had launched at coalition outposts.",
     Expect(relevant=True, type="strike", striker="United States", actors=("IRGC", MILITIA))),
    ("an-arabic-strike-on-the-guards-and-its-affiliates",
     "مقاتلات أمريكية تقصف مخازن للحرس الثوري والجماعات المرتبطة به قرب البوكمال", "",
     Expect(relevant=True, type="strike", striker="United States", actors=("IRGC", MILITIA))),
    ("the-guards-own-depot-alone-is-the-guards",
     "US jets bomb a Revolutionary Guards ammunition store outside Albu Kamal",
     "The Pentagon said the store belonged to the Guards' logistics branch and was empty at the time.",
     Expect(relevant=True, type="strike", striker="United States", actors=("IRGC",), not_actors=(MILITIA,))),
    ("the-state-owning-the-force-struck-is-no-target",
     "US aircraft strike training camps of Iran's Quds Force in eastern Syria", "",
     Expect(relevant=True, type="strike", striker="United States", actors=("IRGC",), not_actors=("Iran",))),
    ("the-host-government-condemning-a-strike-is-its-party",
     "Baghdad condemns overnight US raids on Hashd positions near al-Qaim as an assault on its sovereignty", "",
     Expect(relevant=True, type="strike", striker="United States", actors=("Iraqi government",))),
    ("the-host-forces-reporting-a-strike-are-no-party",
     "Two killed as unidentified jets bomb a Hashd post near Akashat, Iraqi security forces say", "",
     Expect(type="strike", not_actors=("Iraqi Security Forces",))),
    # The unnamed militias are a strike's target only when the report speaks of armed groups: a strike told by
    # its place, its count of targets or a government's protest names no side that was hit.
    ("a-strike-told-by-its-place-alone-hits-no-unnamed-militia",
     "US warplanes pound sites outside al-Qaim overnight, residents say", "",
     Expect(relevant=True, type="strike", striker="United States", not_actors=(MILITIA,))),
    ("a-government-protesting-a-strike-names-no-militia",
     "Iraqi cabinet calls American raids near Akashat a breach of the country's sovereignty", "",
     Expect(relevant=True, type="strike", striker="United States", not_actors=(MILITIA,))),
    ("an-arabic-strike-told-by-its-place-alone",
     "غارات أمريكية تهز أطراف القائم فجر اليوم", "",
     Expect(relevant=True, type="strike", striker="United States", not_actors=(MILITIA,))),
    ("a-strike-on-factions-hits-the-unnamed-militias",
     "US warplanes pound faction positions outside al-Qaim overnight, residents say", "",
     Expect(relevant=True, type="strike", striker="United States", actors=(MILITIA,))),
    ("the-coalition-named-bare-in-syria-is-the-us-led-coalition",
     "Coalition says it hit rocket launch sites near Syria's Green Village before they could fire", "",
     Expect(relevant=True, type="strike", striker="US-led coalition")),
    ("a-strike-on-militants-hits-the-unnamed-militias",
     "US gunships kill militants who fired rockets at a base near Mayadin", "",
     Expect(relevant=True, type="strike", striker="United States", actors=(MILITIA,))),
    ("an-arabic-strike-on-factions-hits-the-unnamed-militias",
     "غارات أمريكية على مقار للفصائل المسلحة في أطراف القائم", "",
     Expect(relevant=True, type="strike", striker="United States", actors=(MILITIA,))),
    ("the-state-owning-the-force-that-attacks-acts-with-it",
     "Iran's Revolutionary Guards say their missiles hit a site near Erbil airport", "",
     Expect(relevant=True, type="attack", actors=("IRGC",))),
)


# --- a car hit with no side named on it: a targeted strike, not an attack on a base ------------------------------

VEHICLES_HIT = table(
    ("a-car-hit-by-a-drone-in-a-city-is-a-strike",
     "Two dead after a drone hits a car near Baghdad's al-Jadriya bridge", "",
     Expect(relevant=True, type="strike", not_actors=(MILITIA,))),
    ("an-arabic-car-targeted-by-a-drone-is-a-strike",
     "مقتل شخصين باستهداف سيارة بطائرة مسيرة قرب جسر الجادرية في بغداد", "",
     Expect(relevant=True, type="strike")),
    ("a-us-vehicle-hit-is-an-attack",
     "Roadside bomb damages a US military vehicle on the road to Ain al-Asad", "",
     Expect(relevant=True, type="attack")),
    ("a-car-bomb-at-a-base-is-an-attack",
     "Car bomb blows up outside the gate of Victory base, guards unhurt", "",
     Expect(relevant=True, type="attack")),
    ("the-car-that-launched-the-rockets-is-the-attackers",
     "Police find the pickup used to launch the rockets that fell near Erbil airport", "",
     Expect(relevant=True, type="attack")),
    ("an-arabic-vehicle-used-to-launch-rockets-is-the-attackers",
     "العثور على عجلة استخدمت في إطلاق صواريخ نحو قاعدة عين الأسد", "",
     Expect(relevant=True, type="attack")),
    ("a-vehicle-hit-at-a-base-is-the-base-attacked",
     "Drone strikes a vehicle near Harir air base, no casualties", "",
     Expect(relevant=True, type="attack")),
    ("a-car-hit-by-a-roadside-bomb-is-no-targeted-strike",
     "Roadside bomb hits car carrying Iraqi contractors working for the coalition", "",
     Expect(type="attack")),
    ("a-drone-described-as-an-aerial-vehicle-is-a-drone",
     "An unmanned aerial vehicle struck a coalition base near Hasakah, killing a US contractor", "",
     Expect(relevant=True, type="attack")),
)


# --- what an attack is told to have hit: homes, and the US side named as not hit ---------------------------------

NOT_THE_BASE = table(
    ("homes-hit-in-a-base-town-are-no-attack-on-the-base",
     "Revolutionary Guards say their missiles destroyed a 'spy centre' in Erbil",
     "Kurdish officials said the missiles levelled a family home in a residential district, killing three people. "
     "The US embassy said no American personnel or facilities were hit.",
     Expect(relevant=False)),
    ("the-town-of-the-base-still-stands-for-it-when-nothing-else-is-said",
     "Rockets slam into Erbil overnight, sirens heard across the city", "",
     Expect(relevant=True, type="attack")),
    ("us-troops-named-as-not-hurt-keep-an-attack-on-the-base",
     "Drone hits Harir air base; no American troops hurt, officials say", "",
     Expect(relevant=True, type="attack")),
)


# --- phrases that only look like event words -----------------------------------

EXPLAINED_AWAY = table(
    ("a-warning-system-warns-of-nothing",
     "Warning system failure left Tower 22 troops exposed, Pentagon review finds", "",
     Expect(relevant=False)),
    ("blasts-told-apart-from-a-denial-stay-an-attack",
     "Blasts shake Balad air base overnight", "",
     Expect(relevant=True, type="attack")),
)


# --- Arabic names a projectile's owner right after it ------------------------------------------------------------

OWNER_AFTER_THE_WEAPON = table(
    ("the-factions-rockets-hit-a-base",
     "صواريخ الفصائل تسقط داخل قاعدة فيكتوريا قرب مطار بغداد", "",
     Expect(relevant=True, type="attack", not_actors=("United States",))),
    ("a-named-groups-drones-target-a-base",
     "مسيرات كتائب حزب الله تستهدف قاعدة حرير شمال أربيل", "",
     Expect(relevant=True, type="attack", actors=("Kataib Hezbollah",))),
    ("american-rockets-still-strike",
     "صواريخ أمريكية تضرب مواقع لكتائب حزب الله قرب القائم", "",
     Expect(relevant=True, type="strike", striker="United States")),
)

# --- the region a place lies in, told after a direction word; a capital measured from; a province held -----------

REGIONS_TOLD = table(
    ("the-province-a-site-lies-in",
     "Air raids hit a Hashd depot at Jurf al-Nasr, north of Babil, before dawn", "",
     Expect(relevant=True, type="strike", places=("Jurf al-Sakhar", "Babil"))),
    ("the-town-a-base-lies-south-of",
     "Two rockets fall inside the coalition base at al-Shaddadi, south of Hasakah", "",
     Expect(relevant=True, type="attack", places=("Al-Shaddadi", "Hasakah"))),
    ("an-arabic-region-after-a-direction-word",
     "مسيّرة تستهدف قاعدة حرير شمال شرقي أربيل فجر اليوم", "",
     Expect(relevant=True, type="attack", places=("Harir Air Base", "Erbil"))),
    ("a-capital-is-the-point-measured-from",
     "Three Katyushas land near Camp Taji, north of Baghdad, without casualties", "",
     Expect(relevant=True, type="attack", places=("Camp Taji",), not_places=("Baghdad",))),
    ("a-province-holding-the-towns-struck-adds-nothing",
     "US jets bomb positions near Akashat and al-Qaim in western Anbar", "",
     Expect(relevant=True, type="strike", places=("Al-Qaim", "Akashat"), not_places=("Anbar",))),
    ("a-province-alone-is-where-it-happened",
     "Drone strike hits a convoy of armed factions in the desert of western Anbar", "",
     Expect(relevant=True, type="strike", places=("Anbar",))),
)

# --- a strike the struck side puts on the US and Israel together ("American-Zionist aggression") ---------------

JOINT_STRIKERS = table(
    ("an-american-zionist-aggression-is-both-states-strike",
     "Faction mourns four fighters killed in the American-Zionist aggression on its posts near Akashat", "",
     Expect(relevant=True, type="strike", actors=("United States", "Israel"))),
    ("an-arabic-indefinite-zionist-adjective-is-israel",
     "الحشد: اعتداء أمريكي صهيوني على مقرات اللواء في صحراء عكاشات فجر اليوم", "",
     Expect(relevant=True, type="strike", actors=("United States", "Israel"))),
    ("a-claim-answering-the-zionist-massacres-is-the-militias-attack",
     "Islamic Resistance in Iraq: in response to the Zionist massacres in Gaza, our drones struck the US base at "
     "Harir", "",
     Expect(relevant=True, type="attack", actors=("Islamic Resistance in Iraq",), not_actors=("Israel",))),
)

# --- a toll, then "after" and the event that caused it: the clause is the report's own event ----------------------

TOLL_THEN_ITS_EVENT = table(
    ("concussions-after-rockets-landed",
     "Pentagon: nine service members evaluated for concussions",
     "Nine American service members were evaluated for concussions after two rockets landed inside Union III in "
     "Baghdad on Sunday night, a defense official said.",
     Expect(relevant=True, type="attack", places=("Union III",), injured={"US": 9})),
    ("a-commander-killed-following-a-strike-on-his-car",
     "Faction mourns senior commander",
     "A senior commander of Kataib Hezbollah was killed following a drone strike on his car near Jurf al-Sakhar "
     "late on Wednesday, the group said.",
     Expect(relevant=True, type="strike", places=("Jurf al-Sakhar",))),
    ("arabic-treated-after-rockets-fell",
     "البنتاغون: علاج خمسة جنود من إصابات دماغية",
     "قال مسؤول دفاعي إن خمسة جنود أمريكيين عولجوا من إصابات في الدماغ بعد أن سقطت صواريخ على قاعدة عين الأسد "
     "مساء الجمعة.",
     Expect(relevant=True, type="attack", places=("Ain al-Asad Air Base",), injured={"US": 5})),
    ("arabic-killed-in-the-wake-of-a-raid",
     "مقتل قيادي في الحشد",
     "قتل قيادي في كتائب حزب الله عقب غارة بطائرة مسيرة استهدفت سيارته قرب جرف الصخر فجر اليوم.",
     Expect(relevant=True, type="strike", places=("Jurf al-Sakhar",))),
    # After an event told first, or after no toll, the clause stays an earlier incident.
    ("a-strike-after-an-attack-keeps-the-attack-apart",
     "US jets hit militia depots",
     "US jets struck Kataib Hezbollah depots near al-Qaim on Monday. The strikes came after a rocket attack on "
     "Ain al-Asad wounded two soldiers.",
     Expect(relevant=True, type="strike", places=("Al-Qaim",), not_places=("Ain al-Asad Air Base",))),
    ("an-alert-raised-after-last-weeks-attack-is-no-attack",
     "Embassy raises alert level",
     "The US embassy in Baghdad raised its alert level after a drone attack on Ain al-Asad last week.",
     Expect(relevant=False)),
)

# --- a US answer named by the base the attack it answers hit, in its short name --------------------------------------

ANSWERS_BY_SHORT_NAME = table(
    ("al-asad-after-a-drone-attack-is-the-base",
     "US hits back at militias after drone attack on al-Asad injures troops", "",
     Expect(relevant=True, type="strike")),
    ("al-asad-after-a-drone-strike-is-the-base",
     "Washington strikes back after drone strike wounds troops at al-Asad", "",
     Expect(relevant=True, type="strike")),
)

# Each table since UNNAMED_CLAIMANTS is a phenomenon of its own; one test reads them all.
PHENOMENA = [*UNNAMED_CLAIMANTS, *MILITIA_VICTIMS, *MILITIA_HELD, *STATEMENTS, *CLAIM_SHAPES, *TOLL_BREAKS, *FIRE_ON,
             *ARABIC_ADJECTIVES, *ALLIED_VICTIMS, *CLAUSE_ROLES, *TREATED_AND_SETTING,
             *WORDED_STRIKERS, *CLAIMS_AND_OTHER_TARGETS, *PATRON_AND_CLIENTS,
             *VEHICLES_HIT, *NOT_THE_BASE, *EXPLAINED_AWAY,
             *OWNER_AFTER_THE_WEAPON, *REGIONS_TOLD, *JOINT_STRIKERS, *TOLL_THEN_ITS_EVENT,
             *ANSWERS_BY_SHORT_NAME]


@pytest.mark.parametrize(("title", "summary", "expect"), PHENOMENA)
def test_phenomena(read, title, summary, expect):
    check(read(title, summary, expect.when), expect)


# --- who speaks, and the day a speaker names --------------------------------------------------------------

SPEAKERS = table(
    ("a-speaker-after-the-vow",
     "Washington will hold Tehran to account for every rocket its proxies fire, State Department says", "",
     "United States"),
    ("a-speaker-named-first",
     "Kataib Hezbollah warns US forces to leave Iraq before the end of the month", "",
     "Kataib Hezbollah"),
    ("a-speaker-before-a-colon",
     "John Kirby: we will respond to the militias at a time and place of our choosing", "",
     "United States"),
    # A name in what the speaker answers or supposes does not speak.
    ("a-name-answered-before-the-colon",
     "Pentagon, in response to Kataib Hezbollah's truce offer: we will judge the groups by their deeds", "",
     "United States"),
    ("an-arabic-name-answered-before-the-colon",
     "الخارجية الأمريكية ردا على تهديدات النجباء: سنحمي قواتنا ومصالحنا في العراق", "",
     "United States"),
    ("an-unnamed-faction-after-a-supposition",
     "If Washington enters the war on Iran, its bases are targets, an Iraqi faction warns", "",
     "Islamic Resistance in Iraq"),
    ("militias-named-last-speak",
     "Americans will pay dearly for the raids, Iraqi militias warn", "",
     "Islamic Resistance in Iraq"),
    # A state's security council speaks for the state, as its ministries do.
    ("a-security-council-speaks-for-its-state",
     "Supreme National Security Council: any strike on our advisers in Syria will be answered at once", "",
     "Iran"),
    ("an-arabic-security-council-speaks-for-its-state",
     "الأمن القومي الإيراني يحذر: استهداف مقار مستشارينا في سوريا سيقابل برد فوري", "",
     "Iran"),
)


@pytest.mark.parametrize(("title", "summary", "speaker"), SPEAKERS)
def test_the_title_says_who_speaks(read, title, summary, speaker):
    reading = read(title, summary)
    assert reading.speaker_known and reading.actors[0] == speaker, reading.actors


MONDAY_NOON = datetime(2024, 1, 22, 9, 0, tzinfo=UTC)


def test_a_day_someone_spoke_is_not_the_day_of_the_attack(read):
    """"... a US official said on Monday" in a report of Saturday's attack: Monday is when the official spoke. A
    statement's own day is the day it was said."""
    late = read("Al-Asad attack: more US personnel checked for concussion",
                "More service members are being examined after the missile barrage on the base, a US official said "
                "on Monday.", MONDAY_NOON)
    assert late.event_type == "attack" and late.happened_on is None
    told = read("Rockets hit Ain al-Asad air base on Monday, a US official said", "", MONDAY_NOON)
    assert told.happened_on == MONDAY_NOON.date()
    vow = read("Pentagon warns militias it will respond to any further attack",
               "A spokesman said on Sunday that the United States reserves the right to respond.", MONDAY_NOON)
    assert vow.event_type == "threat" and vow.happened_on == date(2024, 1, 21)


HEADLINE_FORMS = table(
    ("a-vow-without-its-article",
     "Pentagon reserves right to respond to drone attacks on its troops", "", Expect(type="threat")),
    ("the-same-vow-in-prose",
     "The Pentagon said it reserves the right to respond to the drone attacks on its troops", "",
     Expect(type="threat")),
)


@pytest.mark.parametrize(("title", "summary", "expect"), HEADLINE_FORMS)
def test_headlines_drop_articles_inside_phrases(read, title, summary, expect):
    check(read(title, summary), expect)


NOBODY_HURT = table(
    ("a-speaker-is-no-casualty",
     "Rockets fired at a base housing US forces in Syria missed, a US defense official said, and nobody was hurt",
     "", Expect(type="attack", not_injured=("US",), not_killed=("US",))),
    ("no-personnel-after-a-speaker",
     "Drone downed near Erbil air base", "The drone was shot down before it reached the base, a coalition "
     "spokesman said, and no personnel were injured.", Expect(type="attack", not_injured=("US", "coalition"))),
    ("the-wounded-still-count",
     "Three US soldiers wounded in rocket attack on Ain al-Asad, none seriously", "",
     Expect(type="attack", injured={"US": 3})),
)


@pytest.mark.parametrize(("title", "summary", "expect"), NOBODY_HURT)
def test_nobody_hurt_hurts_no_one_named_before(read, title, summary, expect):
    check(read(title, summary), expect)


def test_deaths_of_earlier_incidents_are_stated_not_the_events_toll(read):
    """"Rockets hit Ain al-Asad, weeks after three US soldiers were killed at Tower 22": the report states three US
    deaths (what the labelled sets' `us_killed` counts) but its own attack killed nobody."""
    reading = read("Rockets hit Ain al-Asad air base, no casualties",
                   "The attack came weeks after three US soldiers were killed in a drone strike on Tower 22.")
    assert reading.event_type == "attack" and not reading.killed.get("US")
    assert reading.stated_killed == {"US": 3}
    fresh = read("Drone attack on Tower 22 kills three US soldiers")
    assert fresh.killed == {"US": 3} and fresh.stated_killed == {"US": 3}


def test_soldiers_with_no_nationality_are_american_where_a_us_official_is_the_only_side(read):
    """"Biden joins families as remains of three soldiers killed in Jordan return": the President speaking for
    the US side is the only side named, so the three are American."""
    reading = read("Biden joins families at Dover as remains of three soldiers killed in Jordan return")
    assert reading.stated_killed.get("US") == 3


DENIED_BY_VERB = table(
    ("officials-deny-the-attack",
     "Erbil officials deny second drone attack on Harir air base", "", Expect(type="other", relevant=False)),
    ("the-pentagon-denies-a-strike",
     "Pentagon denies drone strike on car in eastern Baghdad", "", Expect(type="other", relevant=False)),
    ("denying-responsibility-keeps-the-attack",
     "Kataib Hezbollah denies responsibility for the rocket attack on Ain al-Asad", "",
     Expect(type="attack", relevant=True)),
)


@pytest.mark.parametrize(("title", "summary", "expect"), DENIED_BY_VERB)
def test_a_denial_verb_before_the_event_word_denies_it(read, title, summary, expect):
    check(read(title, summary), expect)



def test_the_day_beside_the_event_words_is_its_day(read):
    """A day in a sentence telling no event, or a day someone spoke on, gives way to the day the event words stand
    beside; a semicolon ends what a day word dates."""
    saturday = datetime(2024, 1, 20, 22, 0, tzinfo=UTC)
    first = read("Drones struck US garrison in Syria, Pentagon says",
                 "Officials have feared the war spreading for a week. On Friday that fear came true. Two drones flew "
                 "at the al-Tanf garrison on Thursday; one was shot down by US defences.", saturday)
    assert first.event_type == "attack" and first.happened_on == date(2024, 1, 18)
    second = read("Pentagon: toll of drone attack on Rumalyn rises",
                  "At a briefing on Saturday the spokesman returned to Wednesday's drone attack on the base in "
                  "north-east Syria.", saturday)
    assert second.event_type == "attack" and second.happened_on == date(2024, 1, 17)


THURSDAY = datetime(2024, 1, 18, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("title", [
    "ضربة أمريكية قرب القائم تقتل الاثنين الآخرين من عناصر الفصيل",  # kills the other two
    "ضربة جوية أمريكية تقتل المسلحين الاثنين قرب القائم",  # kills the two gunmen
])
def test_the_arabic_for_the_two_is_no_monday(read, title):
    assert read(title, "", THURSDAY).happened_on is None


def test_the_arabic_monday_is_still_monday(read):
    reading = read("قصفت طائرات أمريكية مواقع للفصائل قرب القائم مساء الاثنين الماضي", "", THURSDAY)
    assert reading.happened_on == date(2024, 1, 15), reading


UNNUMBERED_ALLIED_TOLL = [
    # (title, summary, side counted in `injured` or `killed` with its number not given)
    ("Several American service members hurt as rockets slam into Camp Taji", "", ("injured", "US")),
    ("Drone strike on al-Tanf garrison injures US personnel", "", ("injured", "US")),
    ("Rockets fall on Ain al-Asad", "US troops there suffered minor injuries and are under observation, an official "
     "said.", ("injured", "US")),
    ("US military: service members being evaluated for brain injuries after missile barrage on Erbil base",
     "A number of US personnel are being evaluated for traumatic brain injuries, the statement said.",
     ("injured", "US")),
    ("Militia drone attack on a Syrian outpost wounds coalition soldiers", "", ("injured", "coalition")),
    ("إصابة عدد من الجنود الأمريكيين بقصف صاروخي على قاعدة حرير", "", ("injured", "US")),
    ("أصيب جنود أمريكيون في هجوم بطائرة مسيرة على حقل العمر", "", ("injured", "US")),
    ("Drone attack on Jordan outpost kills American troops, officials say", "", ("killed", "US")),
    ("Coalition troops diagnosed with concussions after rockets hit Harir air base", "", ("injured", "coalition")),
]


@pytest.mark.parametrize(("title", "summary", "counted"), UNNUMBERED_ALLIED_TOLL)
def test_us_people_hurt_with_no_number_given_count_as_hurt(read, title, summary, counted):
    """"Several US personnel hurt": the report says Americans were hurt but not how many; the side is counted, with
    0 standing for a number not given (the warnings count it as at least one), and the note says so."""
    reading = read(title, summary)
    word, side = counted
    assert getattr(reading, word).get(side) == 0, reading
    assert reading.evidence[f"{word}_note"] == f"{side}: number not given"


@pytest.mark.parametrize(("title", "summary"), [
    ("Rockets hit near Harir base; no American personnel were injured", ""),
    ("Rocket attack on Victory base, without casualties among US troops", ""),
    ("US troops killed two gunmen who fired at a patrol near al-Tanf", ""),
    ("Militia fighters wounded in US strikes on launch sites near Qaim", ""),
])
def test_no_unnumbered_allied_toll_when_none_was_hurt_or_others_were(read, title, summary):
    """No one hurt, US troops who did the killing, militia fighters hurt (a number not given is kept for the US side
    and the coalition only): no unnumbered US or coalition toll."""
    reading = read(title, summary)
    assert not {side for side in (*reading.killed, *reading.injured) if side in ("US", "coalition", "UK")}, reading


def test_a_number_given_later_replaces_the_unnumbered_toll(read):
    reading = read("Several US troops wounded in drone attack on Tower 22",
                   "The Pentagon later said four US service members were wounded.")
    assert reading.injured == {"US": 4} and "injured_note" not in reading.evidence


@pytest.mark.parametrize("title", [
    "Zawraa's second-half attack sinks Talaba in the Baghdad derby",  # a game's attack
    "Iraq's goalkeeper saves penalty as Lions of Mesopotamia reach the quarter final",
    "المنتخب العراقي يشن هجوماً متواصلاً في الشوط الثاني ويتأهل إلى ربع النهائي",  # the team's attack
    "Explainer: the drone war between the militias and US bases in Syria",
    "By the numbers: drone and rocket attacks on US troops since October",
    "بالأرقام: عشرات الهجمات على قواعد التحالف منذ بداية العام",
    "Three reservists killed in the Tower 22 attack posthumously promoted to sergeant",
])
def test_games_and_looks_back_are_no_armed_event(read, title):
    """A team's attack in a match, a look back over many attacks, honours for soldiers killed long ago: the armed
    words describe no incident of today, so the report is 'other' and not relevant."""
    reading = read(title)
    assert reading.event_type == "other" and not reading.relevant, reading


@pytest.mark.parametrize("title", [
    "Drone attack on al-Tanf garrison ends a month without incidents",
    "Rockets hit Ain al-Asad air base after a year of calm",
])
def test_a_lull_beside_an_attack_keeps_the_attack(read, title):
    """Words of a lull ("a month without incidents") tell what an attack broke, not a look back."""
    reading = read(title)
    assert reading.event_type == "attack" and reading.relevant, reading


@pytest.mark.parametrize(("title", "place"), [
    ("US jets pound Kataib Hezbollah depots near al-Qaim, and Baghdad condemns the raids", "Al-Qaim"),
    ("غارات أمريكية على مواقع للحشد الشعبي قرب القائم.. وبغداد تستنكر «الاعتداء»", "Al-Qaim"),
])
def test_a_capital_reacting_in_a_clause_of_its_own_is_no_place_and_no_party(read, title, place):
    """"..., and Baghdad condemns the raids": the government reacting, not where the strike fell nor who did it or was
    hit; the strike's place stays."""
    reading = read(title)
    assert reading.event_type == "strike" and place in reading.places, reading
    assert "Baghdad" not in reading.places and "Iraqi government" not in reading.actors, reading


def test_a_capital_said_of_by_others_is_still_a_place(read):
    reading = read("Rockets hit farmland north of Baghdad, and residents said nobody was hurt")
    assert "Iraqi government" not in reading.actors


@pytest.mark.parametrize("title", [
    "Washington vows to answer the deaths of its soldiers in Jordan",
    "واشنطن تتوعد بالرد على مقتل جنودها في الأردن",
])
def test_washington_vowing_over_its_soldiers_is_the_united_states(read, title):
    """The capital's name is a weak alias of the US; its soldiers and a reply ("بالرد") are context enough."""
    reading = read(title)
    assert reading.event_type == "threat" and "United States" in reading.actors, reading


@pytest.mark.parametrize(("title", "killed", "injured"), [
    ("One American soldier died in the rocket attack on Camp Taji and two others were hurt", {"US": 1}, {"US": 2}),
    ("A US contractor was killed and four others were injured when a drone hit a base near Hasakah", {"US": 1},
     {"US": 4}),
    ("Drone kills a US airman at Tower 22; three more wounded", {"US": 1}, {"US": 3}),
    ("مقتل جندي أمريكي وإصابة ثلاثة آخرين بهجوم صاروخي على قاعدة عين الأسد", {"US": 1}, {"US": 3}),
    ("Three US service members died and 25 others were wounded in the drone attack in Jordan", {"US": 3}, {"US": 25}),
    # A list of two sides leaves the others' side unsaid.
    ("Two Americans and a Briton were killed at Camp Taji; a dozen others were hurt", {"US": 2, "UK": 1}, {}),
])
def test_others_after_a_count_are_more_of_the_side_named_before(read, title, killed, injured):
    """"Two others were hurt": the count has no side word of its own; it is more people of the side named before."""
    reading = read(title)
    assert reading.killed == killed and reading.injured == injured, reading


def test_the_brigades_vowing_against_the_americans_is_kataib_hezbollah(read):
    """"الكتائب" (the Brigades) stands for Kataib Hezbollah beside the US in any form ("أمريكي", indefinite)."""
    reading = read("الكتائب: نحتفظ بحق الرد على أي اعتداء أمريكي جديد")
    assert reading.event_type == "threat" and "Kataib Hezbollah" in reading.actors, reading


def test_a_rising_toll_of_the_hurt_is_no_toll_of_the_dead(read):
    """"Toll rises: five more US troops diagnosed with brain injuries": the casualty word after the count's people
    says what the toll counts (the hurt), over the word "toll"; being diagnosed with injuries is no health story."""
    reading = read("Toll rises: five more US troops diagnosed with brain injuries after drone attack on Tal Baydar")
    assert reading.relevant and reading.event_type == "attack", reading
    assert reading.killed == {} and reading.injured == {"US": 5}, reading


@pytest.mark.parametrize("title", [
    "Drone attacks on US troops mount in the week of the Soleimani anniversary",
    "Rockets strike Victory base in the run-up to the anniversary of the airport strike",
])
def test_an_anniversary_that_dates_attacks_frames_nothing(read, title):
    """"In the week of the anniversary" says when the attacks came, as "on the anniversary" does."""
    reading = read(title)
    assert reading.relevant and reading.event_type == "attack", reading


@pytest.mark.parametrize(("title", "summary", "killed"), [
    ("Toll from US strikes on militia depots in eastern Syria rises to 14", "", {}),
    ("US jets kill three fighters near al-Qaim", "", {"militia": 3}),
    ("المرصد: ارتفاع حصيلة الغارات الأمريكية على مواقع الفصائل قرب البوكمال إلى تسعة قتلى", "", {}),
    ("Kataib Hezbollah mourns a commander killed in a US strike",
     "The commander was martyred on the night of 12 Shaban 1445 in a cowardly American strike on his car.", {}),
])
def test_the_dead_of_a_us_strike_are_not_american(read, title, summary, killed):
    """"US strikes", "US jets", "الغارات الأمريكية": the nationality says whose strike it is, not whose the
    dead are; a Hijri date ("12 Shaban 1445") counts nobody."""
    reading = read(title, summary)
    assert reading.event_type == "strike" and "US" not in reading.killed, reading
    assert {side: n for side, n in reading.killed.items() if side != "militia"} == {} and (
        reading.killed.get("militia", 0) < 100), reading
    for side, n in killed.items():
        assert reading.killed.get(side) == n, reading
