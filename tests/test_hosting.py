"""A report that says US forces were hit: the target counts as hosting US forces even where the watchlist knows
no such place that day. The reader's flag from each signal, in English and Arabic, and where it must stay down;
merging keeps it; the rules take it; a later report that says it re-opens the judgement; silence says which
condition failed; the column survives an upgrade. Sentences written for these tests."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import SHIPPED_CONFIG

from monitor import assess, events, store
from monitor.classify import Reader, hosting, segment
from monitor.cli import main
from monitor.config import RulesFile, load_vocabulary, load_watchlist
from monitor.errors import ConfigError
from monitor.match import Matcher
from monitor.model import EventFacts, Party, Reading, Report, Standing

VOCABULARY = [SHIPPED_CONFIG / "vocabulary.yaml", SHIPPED_CONFIG / "vocabulary.ar.yaml"]
WHEN = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def read():
    watchlist = load_watchlist([SHIPPED_CONFIG / "watchlist.yaml"])
    matcher, reader = Matcher(watchlist), Reader(load_vocabulary(VOCABULARY), watchlist)

    def reading(title: str, summary: str) -> Reading:
        return reader.read(title, summary, matcher.match(f"{title}\n{summary}"), WHEN)

    return reading


FLAGGED = [
    # (what, title, summary, the reason kept as evidence starts with)
    ("US wounded", "Drone attack wounds two US soldiers in Syria",
     "A drone slammed into a patrol base near Hasakah on Thursday and wounded two American soldiers, an official "
     "said.", "US killed or hurt"),
    ("troops placed at an unnamed outpost", "Rockets fall on outpost near Hasakah",
     "Four rockets fell on Thursday on a small outpost near Hasakah where American troops are stationed; damage "
     "is being assessed.", "says US or coalition forces were there"),
    ("a coalition site", "Mortar rounds land inside coalition compound",
     "Two mortar rounds landed on Thursday inside a coalition compound on the edge of Hasakah, a local official "
     "said.", "says US or coalition forces were there"),
    ("drones heading for US troops", "Drones intercepted over eastern Syria",
     "Three explosive drones heading for US troops near Deir ez-Zor were downed on Thursday, a militia source "
     "admitted.", "says US or coalition forces were there"),
    ("Arabic: a base housing US forces", "صواريخ على قاعدة في الحسكة",
     "سقطت أربعة صواريخ فجر اليوم على قاعدة تضم قوات أمريكية في ريف الحسكة.",
     "says US or coalition forces were there"),
    ("Arabic: coalition forces targeted", "هجوم بطائرة مسيرة في دير الزور",
     "استهدفت طائرة مسيرة مفخخة قوات التحالف الدولي قرب دير الزور صباح اليوم.",
     "says US or coalition forces were there"),
    ("Arabic: US wounded", "إصابة جنديين أمريكيين بهجوم صاروخي في سوريا",
     "أصيب جنديان أمريكيان بجروح في هجوم صاروخي على موقع قرب الحسكة صباح اليوم.", "US killed or hurt"),
]


@pytest.mark.parametrize(("what", "title", "summary", "reason"), FLAGGED, ids=[c[0] for c in FLAGGED])
def test_the_report_says_us_forces_were_hit(read, what: str, title: str, summary: str, reason: str) -> None:
    reading = read(title, summary)
    assert (reading.relevant, reading.event_type, reading.us_targeted) == (True, "attack", True), reading.reasons
    assert reading.evidence["us_targeted"].startswith(reason)


UNFLAGGED = [
    ("a militia attack on Israel", "Iraqi militia says it launched drones at Eilat",
     "The Islamic Resistance in Iraq said on Thursday it had attacked a target in Eilat with drones."),
    ("a US strike", "US jets strike Kataib Hezbollah depots near al-Qaim",
     "American warplanes struck two Kataib Hezbollah depots near al-Qaim on Thursday, killing five fighters, with "
     "US troops nearby."),
    ("a base the report says US forces left", "Rockets fall near former coalition base in Anbar",
     "Three rockets fell on Thursday near Ain al-Asad air base, which no longer hosts US troops, without casualties."),
    ("troops named only as speakers", "Rockets hit Iraqi army camp near Hasakah",
     "Rockets struck an Iraqi army camp near Hasakah on Thursday. US forces said they were monitoring the area."),
    ("Arabic: US forces that left", "صواريخ على قاعدة عين الأسد",
     "سقطت ثلاثة صواريخ اليوم على قاعدة عين الأسد التي لم تعد تضم قوات أمريكية."),
    ("a US citizen among the dead of a strike on others", "Iranian drones hit Kurdish opposition offices near Koya",
     "Explosive drones launched from Iran hit offices of an Iranian Kurdish opposition party near Koya in Erbil "
     "province on Thursday, killing seven people; one of the dead was a US citizen, officials said."),
    ("a vow, not an attack", "Militia vows to keep targeting US troops",
     "Kataib Hezbollah said on Thursday it would keep targeting US troops stationed in Iraq."),
]


@pytest.mark.parametrize(("what", "title", "summary"), UNFLAGGED, ids=[c[0] for c in UNFLAGGED])
def test_no_flag(read, what: str, title: str, summary: str) -> None:
    reading = read(title, summary)
    assert not reading.us_targeted and "us_targeted" not in reading.evidence, (reading.event_type, reading.evidence)


def test_a_target_on_the_us_side_is_a_signal_too() -> None:
    # The roles step names no target of an attack today; a party in that role on the US side counts all the same.
    watchlist = load_watchlist([SHIPPED_CONFIG / "watchlist.yaml"])
    reader = Reader(load_vocabulary(VOCABULARY), watchlist)
    title, summary = "Rockets fired near Hasakah", "Rockets were fired near Hasakah on Thursday."
    doc = segment.segment(reader.context, title, summary, Matcher(watchlist).match(f"{title}\n{summary}"), WHEN)
    target = [Party("United States", "target", "named")]
    assert hosting.us_targeted(reader.hosting, reader.context, doc, "attack", {}, {}, target) == (
        "the target is United States")
    assert hosting.us_targeted(reader.hosting, reader.context, doc, "attack", {}, {}, []) is None
    assert hosting.us_targeted(reader.hosting, reader.context, doc, "strike", {}, {}, target) is None


def test_a_hosting_phrase_without_words_is_refused_naming_the_file_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "vocabulary.yaml"
    broken.write_text(yaml.safe_dump({"hosting_phrases": ["stationed", "--"]}), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_vocabulary([*VOCABULARY, broken])
    assert str(broken) in str(raised.value) and "hosting_phrases" in str(raised.value)


# --- merging and the rules ---------------------------------------------------------------------------


def _report(key: str, at: datetime, us_targeted: bool, injured: dict[str, int] | None = None) -> Report:
    evidence = {"us_targeted": "says US or coalition forces were there: ..."} if us_targeted else {}
    reading = Reading(relevant=True, event_type="attack", actors=("Brigade Nine",), places=("Quiet Town",),
                      injured=injured or {}, happened_on=at.date(), evidence=evidence, us_targeted=us_targeted)
    return Report(key, "Rockets hit near Quiet Town", None, "Wire", at, reading)


def test_the_event_keeps_the_flag_once_a_report_said_it() -> None:
    first = events.place_report(_report("a" * 20, WHEN, False), [], timedelta(hours=48))
    assert first.is_new and not first.event.us_targeted
    told = events.merge(first.event, _report("b" * 20, WHEN + timedelta(hours=2), True))
    assert told.event.us_targeted
    assert [c.kind for c in told.changes] == ["hosting"]
    again = events.merge(told.event, _report("c" * 20, WHEN + timedelta(hours=3), False))
    assert again.event.us_targeted and again.changes == ()
    assert events.place_report(_report("d" * 20, WHEN, True), [], timedelta(hours=48)).event.us_targeted


RULES = RulesFile.model_validate({"threshold": 0.5, "rules": [
    {"name": "answer", "trigger": {"event_type": "attack", "perpetrator_side": "iran_aligned", "target": "hosts_us",
                                   "min_casualties": {"US": 1}},
     "expects": {"kind": "strike_likely", "event_type": "strike", "by": "Washington", "against": "perpetrators"},
     "window": "10d", "prior": 0.55}]})
WORLD = assess.World({"Washington": "us_coalition", "Brigade Nine": "iran_aligned", "Unnamed": "iran_aligned"},
                     lambda place, day: place == "Old Base" and day.year < 2026, "Unnamed",
                     presence={"Old Base": "Old Base hosted US forces always to 2025-12-31",
                               "Quiet Town": "Quiet Town is not known to host US forces"})
HURT = EventFacts(id="ev-1", event_type="attack", title="", actors=("Brigade Nine",), places=("Quiet Town",),
                  first_seen=WHEN, last_seen=WHEN, injured={"US": 2})


def test_the_rules_take_the_flag_as_the_gazetteer_s_dates() -> None:
    assert not assess.incident_of(HURT, WORLD).targets_hosted_us
    assert assess.incident_of(replace(HURT, us_targeted=True), WORLD).targets_hosted_us
    outlook = assess.decide(RULES, [], WORLD, replace(HURT, us_targeted=True), True, "", Standing(), WHEN)
    assert [f.rule for f in outlook.forecasts] == ["answer"]


@pytest.mark.parametrize(("places", "said"), [
    ((), "no place named, and no report says US or coalition forces were at the place attacked"),
    (("Old Base",), "no place known to host US forces on 2026-03-05 (Old Base hosted US forces always to "
                    "2025-12-31), and no report says US or coalition forces were at the place attacked"),
])
def test_silence_says_which_way_of_counting_the_target_failed(places: tuple[str, ...], said: str) -> None:
    outlook = assess.decide(RULES, [], WORLD, replace(HURT, places=places), True, "", Standing(), WHEN)
    assert outlook.silent == (f"answer: not a trigger: {said}",)


# --- through the pipeline, into a real store -------------------------------------------------------------

PIPELINE_RULES = {"threshold": 0.5, "rules": [
    {"name": "answer-wounded", "trigger": {"event_type": "attack", "perpetrator_side": "iran_aligned",
                                           "target": "hosts_us", "min_casualties": {"US": 1, "coalition": 1}},
     "expects": {"kind": "strike_likely", "event_type": "strike", "by": "United States", "against": "perpetrators"},
     "window": "10d", "prior": 0.55}]}


def _replay(make_config, tmp_path: Path, reports: list[dict]) -> tuple[list[dict], str]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(PIPELINE_RULES), encoding="utf-8")
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reports), encoding="utf-8")
    out, db = tmp_path / "out.jsonl", f"sqlite:///{tmp_path / 'h.db'}"
    assert main(["--config", str(make_config(rules=str(rules))), "replay", str(items), "--out", str(out),
                 "--db", db]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [r for r in records if r["type"] == "alert"], db


OUTPOST = {"id": "o1", "published": "2026-03-05T08:00:00+00:00", "source": "Wire",
           "title": "Rocket attack on outpost in Syria wounds US troops",
           "summary": "Rockets slammed into an outpost west of Hasakah where US troops are stationed on Thursday, "
                      "wounding three American service members, a defence official said."}


def test_an_unnamed_outpost_with_us_wounded_raises_the_strike_warning(make_config, tmp_path: Path) -> None:
    alerts, db = _replay(make_config, tmp_path, [OUTPOST])
    assert [a["kind"] for a in alerts] == ["new_event", "strike_likely"]
    engine = store.open_engine(db)
    [event] = store.events(engine)
    [prediction] = store.predictions(engine)
    assert event.us_targeted and prediction.rule == "answer-wounded" and prediction.trigger_event_id == event.id
    engine.dispose()


FIRST = {"id": "f1", "published": "2026-03-05T06:00:00+00:00", "source": "Local",
         "title": "Rockets hit base near Hasakah",
         "summary": "Several rockets hit a military base west of Hasakah at dawn on Thursday, residents said."}
LATER = {"id": "f2", "published": "2026-03-05T11:00:00+00:00", "source": "Wire",
         "title": "US troops among those hurt in Hasakah rocket attack",
         "summary": "Two US soldiers were wounded when rockets hit a base west of Hasakah on Thursday, a US official "
                    "said."}


def test_a_later_report_that_us_troops_were_hit_reopens_the_judgement(make_config, tmp_path: Path) -> None:
    alerts, db = _replay(make_config, tmp_path, [FIRST, LATER])
    assert "strike_likely" in [a["kind"] for a in alerts]
    engine = store.open_engine(db)
    [event] = store.events(engine)
    assert event.report_count == 2 and event.us_targeted
    first, later = store.event_history(engine, event.id)
    assert "no warning: answer-wounded: not a trigger: no place known to host US forces" in (first.why or "")
    assert "no report says US or coalition forces were at the place attacked" in (first.why or "")
    assert any(c.startswith("said to have hit US/coalition forces") for c in later.changes)
    engine.dispose()


def test_monitor_match_says_what_the_text_says(make_config, capsys) -> None:
    rules = make_config().parent / "rules.yaml"
    rules.write_text(yaml.safe_dump(PIPELINE_RULES), encoding="utf-8")
    config = make_config(rules=str(rules))
    assert main(["--config", str(config), "match", "--at", "2026-03-05", OUTPOST["title"], "--summary",
                 OUTPOST["summary"]]) == 0
    out = capsys.readouterr().out
    assert "evidence (us_targeted): US killed or hurt" in out and "rule answer-wounded: strike_likely" in out
    assert main(["--config", str(config), "match", "--at", "2026-03-05", FIRST["title"], "--summary",
                 FIRST["summary"]]) == 0
    assert "and no report says US or coalition forces were at the place attacked" in capsys.readouterr().out
