"""Misses: an expected event within a rule's window after an event of the rule's trigger kind, with no warning
standing, whatever the first event's toll (model.MISS). `monitor track-record` lists each with why the warning
stayed silent; the warnings sent are the same as without the counting."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import SHIPPED_RULES
from test_assess import ATTACK
from test_assess import STRIKE as ASSESS_STRIKE
from test_assess import VOW as ASSESS_VOW

from monitor import store
from monitor.cli import main

QUIET_STRIKE = {
    "id": "s0",
    "published": "2020-03-13T00:30:00+00:00",
    "source": "Wire",
    "title": "US jets strike Kataib Hezbollah weapons depot in Iraq, no casualties",
    "summary": "American warplanes struck a Kataib Hezbollah weapons depot at Jurf al-Sakhar overnight, the "
    "Pentagon said. Nobody was killed.",
}
ATTACK_ON_BASE = {
    "id": "a2",
    "published": "2020-03-15T09:00:00+00:00",
    "source": "Wire",
    "title": "Rockets hit Camp Taji base hosting US troops, no casualties",
    "summary": "Three Katyusha rockets hit Camp Taji north of Baghdad, which hosts US-led coalition troops, on "
    "Sunday. No casualties were reported.",
}
WOUNDING_ATTACK = {
    "id": "w1",
    "published": "2020-03-11T19:30:00+00:00",
    "source": "Wire",
    "title": "Rocket attack on Camp Taji wounds three US soldiers",
    "summary": "About 15 Katyusha rockets hit Camp Taji north of Baghdad on Wednesday, wounding three American "
    "soldiers. US officials blamed Kataib Hezbollah.",
}
# The Taji cycle of March 2020 as tests/test_assess.py tells it: the deadly attack, the vow, the strike.
DEADLY_ATTACK, VOW, STRIKE = ATTACK, ASSESS_VOW, ASSESS_STRIKE
SECOND_STRIKE = {
    "id": "s2",
    "published": "2020-03-16T22:00:00+00:00",
    "source": "Wire",
    "title": "US drone strike hits Kataib Hezbollah convoy near al-Qaim",
    "summary": "A US drone struck a Kataib Hezbollah convoy near al-Qaim on Monday, the Pentagon said.",
}


def _run(make_config, tmp_path: Path, reports: list[dict], name: str, rules: str = SHIPPED_RULES,
         capsys=None) -> tuple[list[str], str, str]:
    """Replay the reports into a fresh database; the alert kinds, the database and track-record's output."""
    items = tmp_path / f"{name}.jsonl"
    items.write_text("\n".join(json.dumps(r) for r in reports) + "\n", encoding="utf-8")
    out, db = tmp_path / f"{name}.out.jsonl", f"sqlite:///{tmp_path / name}.db"
    config = make_config(rules=rules)
    assert main(["--config", str(config), "replay", str(items), "--out", str(out), "--db", db]) == 0
    kinds = [r["kind"] for line in out.read_text(encoding="utf-8").splitlines()
             if (r := json.loads(line))["type"] == "alert"]
    assert main(["--config", str(config), "track-record", "--db", db]) == 0
    return kinds, db, capsys.readouterr().out if capsys else ""


def _misses(record: str) -> list[str]:
    """The lines of track-record's misses, without the definition."""
    lines = record.split("misses (expected events with no warning standing): ", 1)[1].splitlines()
    return [line for line in lines[1:] if not line.startswith("  a miss is ")]


def test_a_strike_after_an_attack_that_hurt_nobody_is_a_miss_with_why(make_config, tmp_path, capsys):
    kinds, db, record = _run(make_config, tmp_path, [ATTACK_ON_BASE, SECOND_STRIKE], "answer", capsys=capsys)
    assert "strike_likely" not in kinds  # counting misses warns no more
    assert "misses (expected events with no warning standing): 1" in record
    missed, after = _misses(record)
    assert "strike_likely: US drone strike hits Kataib Hezbollah convoy" in missed
    assert "after 2020-03-15 09:00 Rockets hit Camp Taji" in after
    assert after.endswith(": not a trigger: no US, UK, coalition killed or hurt")
    # The watch is kept apart from the forecasts judged on triggers (calibration and eval read those).
    engine = store.open_engine(db)
    assert all(p.kind == "attack_likely" for p in store.predictions(engine))  # the strike is the reprisal rule's
    watches = [w for w in store.predictions(engine, silent=True) if w.kind == "strike_likely"]
    assert watches and all((w.state, w.warned_at) == ("silent", None) for w in watches)  # one per strike rule


def test_a_strike_after_an_attack_that_only_wounded_americans_is_a_miss(make_config, tmp_path, capsys):
    kinds, _, record = _run(make_config, tmp_path, [WOUNDING_ATTACK, STRIKE], "answer", capsys=capsys)
    assert "strike_likely" not in kinds
    assert "misses (expected events with no warning standing): 1" in record
    missed, after = _misses(record)
    assert "strike_likely: US jets strike Kataib Hezbollah weapons depots" in missed
    assert "Rocket attack on Camp Taji wounds three US soldiers" in after
    # The wounding rule's forecast: a trigger whose likelihood stayed low (no vow, no series of attacks).
    assert "likelihood" in after and "below the threshold 50%" in after


def test_a_trigger_below_the_threshold_is_a_miss_with_its_likelihood(make_config, tmp_path, capsys):
    rules = yaml.safe_load(Path(SHIPPED_RULES).read_text(encoding="utf-8"))
    rules["threshold"] = 0.99
    timid = tmp_path / "timid.yaml"
    timid.write_text(yaml.safe_dump(rules), encoding="utf-8")
    kinds, _, record = _run(make_config, tmp_path, [DEADLY_ATTACK, STRIKE], "timid", str(timid), capsys)
    assert "strike_likely" not in kinds
    (missed, after) = _misses(record)
    assert "strike_likely" in missed and "Rocket attack on Camp Taji kills two" in after
    assert "below the threshold 99%" in after


def test_a_warned_cycle_has_no_miss_even_for_a_second_strike(make_config, tmp_path, capsys):
    kinds, _, record = _run(make_config, tmp_path, [DEADLY_ATTACK, VOW, STRIKE, SECOND_STRIKE], "warned",
                            capsys=capsys)
    assert kinds.count("strike_likely") == 1 and "prediction_resolved" in kinds
    # The second strike came in the window of the warning the first one confirmed: it was warned of too.
    assert "misses (expected events with no warning standing): 0" in record


def test_a_watch_becomes_a_forecast_when_a_later_report_makes_the_event_a_trigger(make_config, tmp_path):
    toll = {
        "id": "s0b",
        "published": "2020-03-13T09:00:00+00:00",
        "source": "Wire",
        "title": "US strike on Kataib Hezbollah depot at Jurf al-Sakhar killed five fighters, officials say",
        "summary": "The American airstrike on a Kataib Hezbollah weapons depot at Jurf al-Sakhar overnight killed "
        "five Kataib Hezbollah fighters, Iraqi officials said.",
    }
    alone, _, _ = _run(make_config, tmp_path, [toll], "alone")
    kinds, db, _ = _run(make_config, tmp_path, [QUIET_STRIKE, toll], "raised")
    # The same warning as the report alone would raise: the watch turned into the forecast, in the same row.
    assert kinds.count("attack_likely") == alone.count("attack_likely") == 1
    engine = store.open_engine(db)
    (forecast,) = store.predictions(engine, silent=True)
    assert forecast.state == "open" and forecast.warned_at is not None and "silent" not in forecast.details


COALITION_STRIKE = {
    "id": "c1",
    "published": "2020-03-12T21:00:00+00:00",
    "source": "Coalition press release",
    "title": "Coalition conducts self-defense strike on rocket launch sites near Jurf al-Sakhar",
    "summary": "The US-led coalition struck rocket launch sites used by Kataib Hezbollah near Jurf al-Sakhar, a "
    "coalition statement said, after rockets hit Camp Taji.",
}


def test_a_coalition_strike_is_the_answer_a_us_strike_rule_expects(make_config, tmp_path, capsys):
    # The coalition the US leads strikes as the side the rule expects: its answer to the wounding attack, which no
    # warning foretold, is a miss, as eval counts it (eval counts every strike of the timeline).
    _, _, record = _run(make_config, tmp_path, [WOUNDING_ATTACK, COALITION_STRIKE], "coalition", capsys=capsys)
    assert "misses (expected events with no warning standing): 1" in record
    missed, after = _misses(record)
    assert "strike_likely: Coalition conducts self-defense strike" in missed
    assert "Rocket attack on Camp Taji wounds three US soldiers" in after
