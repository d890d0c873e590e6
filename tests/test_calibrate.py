"""The tempo factor (attacks on US sites in the days before a trigger, counted from the store) and
`monitor calibrate` (refitting a rule's numbers on past cycles, scored leave-one-cycle-out). Reports, rules,
cycles and timelines are written here for these tests; the dev sets are used only when ../shared is present."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor import assess, store
from monitor.calibrate import Case, calibrate_rule, cycles, fit, leave_one_cycle_out, render
from monitor.cli import main
from monitor.config import Factors, Rule, RulesFile
from monitor.model import EventFacts, Standing

RULES = {
    "threshold": 0.5,
    "rules": [{
        "name": "answer", "window": "10d", "prior": 0.55,
        "trigger": {"event_type": "attack", "perpetrator_side": "iran_aligned", "target": "hosts_us",
                    "min_killed": {"US": 1, "UK": 1}},
        "expects": {"kind": "strike_likely", "event_type": "strike", "by": "United States", "against": "perpetrators"},
        "tempo": {"days": 7, "per_attack": 0.1, "cap": 0.5},
    }],
}


def _report(id: str, published: str, title: str, summary: str) -> dict[str, str]:
    return {"id": id, "published": published, "source": "Wire", "title": title, "summary": summary}


TOO_EARLY = _report("e1", "2020-02-27T08:00:00+00:00", "Rockets hit Baghdad airport base hosting US troops",
                    "Three Katyusha rockets struck a base at Baghdad airport that hosts US troops, causing no "
                    "casualties, officials said.")
ASAD = _report("r1", "2020-03-06T22:00:00+00:00", "Rockets hit Ain al-Asad air base, no casualties",
               "Five Katyusha rockets struck Ain al-Asad air base, which hosts US troops, overnight, causing no "
               "casualties, the coalition said.")
BALAD = _report("r2", "2020-03-09T21:00:00+00:00", "Rockets land inside Balad air base",
                "Two Katyusha rockets landed inside Balad air base, where US contractors work, causing no "
                "casualties, the Iraqi military said.")
TAJI = _report("a1", "2020-03-11T19:30:00+00:00",
               "Rocket attack on Camp Taji kills two US soldiers and a British medic",
               "About 15 Katyusha rockets hit Camp Taji north of Baghdad on Wednesday, killing two American "
               "soldiers and one British medic. US officials blamed Kataib Hezbollah.")
STRIKE = _report("s1", "2020-03-13T00:30:00+00:00", "US jets strike Kataib Hezbollah weapons depots in Iraq",
                 "American warplanes struck five Kataib Hezbollah weapons depots at Jurf al-Sakhar overnight, "
                 "the Pentagon said.")


def _write(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _config(make_config, tmp_path: Path) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(RULES), encoding="utf-8")
    return make_config(rules=str(rules))


# --- the tempo factor, from a real store --------------------------------------------------------------------


def test_the_tempo_counts_attacks_on_us_sites_in_the_days_before_and_says_so(make_config, tmp_path):
    items = _write(tmp_path / "items.jsonl", [TOO_EARLY, ASAD, BALAD, TAJI])
    out, db = tmp_path / "out.jsonl", f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["--config", str(_config(make_config, tmp_path)), "replay", str(items), "--out", str(out),
                 "--db", db]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["event_type"] for r in records if r["type"] == "item"] == ["attack"] * 4
    (prediction,) = store.predictions(store.open_engine(db))
    # Ain al-Asad (5 days before) and Balad (2 days before) count; Baghdad airport (13 days before) does not.
    assert prediction.details["evidence"]["tempo"] == 2
    warning = next(r for r in records if r["type"] == "alert" and r["kind"] == "strike_likely")
    assert "2 attacks on US sites in the last 7 days: +0.20" in warning["text"]
    assert prediction.details["reasons"][-1] == "2 attacks on US sites in the last 7 days: +0.20"


def test_without_recent_attacks_there_is_no_tempo_line(make_config, tmp_path):
    items = _write(tmp_path / "items.jsonl", [TOO_EARLY, TAJI])
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert main(["--config", str(_config(make_config, tmp_path)), "replay", str(items), "--out",
                 str(tmp_path / "out.jsonl"), "--db", db]) == 0
    (prediction,) = store.predictions(store.open_engine(db))
    assert prediction.details["evidence"]["tempo"] == 0
    assert not any("attacks on US sites" in r for r in prediction.details["reasons"])


def test_decide_counts_the_tempo_from_the_standing_it_is_given():
    """The pure decision: the attacks come in the Standing; only those before the trigger, within the rule's
    days, at a hosting site or with US/coalition casualties count, and never the trigger itself."""
    world = assess.World({"Brigade Nine": "iran_aligned"}, lambda place, day: place.startswith("Camp"), "Brigade Nine")
    t0 = datetime(2025, 3, 3, 21, 0, tzinfo=UTC)

    def attack(id: str, days_before: float, place: str, killed: dict[str, int] | None = None,
               injured: dict[str, int] | None = None) -> EventFacts:
        at = t0 - timedelta(days=days_before)
        return EventFacts(id=id, event_type="attack", title=id, actors=("Brigade Nine",), places=(place,),
                          first_seen=at, last_seen=at, killed=killed or {}, injured=injured or {})

    trigger = attack("ev-trigger", 0, "Camp Hosting", killed={"US": 1})
    recent = (attack("ev-1", 1, "Camp Hosting"), attack("ev-2", 3, "Some Town", injured={"US": 2}),
              attack("ev-3", 4, "Some Town"), attack("ev-4", 9, "Camp Hosting"), trigger)
    rules = RulesFile.model_validate(RULES)
    outlook = assess.decide(rules, [], world, trigger, True, "t", Standing(recent_attacks=recent), t0)
    (forecast,) = outlook.forecasts
    assert forecast.details["evidence"]["tempo"] == 2  # ev-1 (hosting) and ev-2 (US hurt); not ev-3, ev-4, itself
    assert "2 attacks on US sites in the last 7 days: +0.20" in forecast.details["reasons"]


# --- the fit, on cycles of our own ---------------------------------------------------------------------------

RULE = Rule.model_validate({**RULES["rules"][0], "factors": {"threat": 0.0, "claim": 0.0}})
SHARED = Factors()


def _synthetic() -> list[Case]:
    """Twelve cycles, 30 days apart, four triggers each: followed when officials vowed a response (but for one
    in each cycle either way), whatever the claims say."""
    out = []
    start = date(2020, 1, 1)
    for n in range(12):
        for k in range(4):
            vow, claimed = k % 2 == 0, k in (1, 2)
            followed = vow if k != 3 or n % 3 else True
            evidence = assess.Evidence(deaths=1 + k % 2, claimed=claimed, threat=vow, tempo=n % 4)
            out.append(Case(start + timedelta(days=30 * n + k), evidence, followed, f"T-{n}-{k}"))
    return cycles(out)


def test_calibrate_recovers_the_direction_of_a_factor_and_prints_the_table():
    cases = _synthetic()
    assert len({c.cycle for c in cases}) == 12
    result = calibrate_rule(RULE, SHARED, cases)
    # The hand-set rule gives vows no weight; the outcomes follow them, so the fit gives them a large one.
    assert result.current.weights["threat"] == 0 and result.fitted.weights["threat"] > 1.0
    followed = [assess.likelihood(result.fitted.rule(RULE), SHARED, c.evidence) for c in cases if c.evidence.threat]
    quiet = [assess.likelihood(result.fitted.rule(RULE), SHARED, c.evidence) for c in cases if not c.evidence.threat]
    assert min(followed) > max(quiet)
    assert result.better  # on cycles it was not fitted on, too
    text = render([result], ["synthetic cycles"], 0)
    assert "rule answer: 48 triggers (48 replayed, 0 from the history), 28 followed, 12 cycles" in text
    assert "Brier score leave-one-cycle-out: hand-set" in text
    assert "calibration (predicted likelihood vs how often the expected event followed):" in text
    assert "    80%-100% " in text and "fitted, left-out cycle" in text
    assert "verdict: the fitted numbers beat the hand-set ones" in text and "threat: " in text


def test_leave_one_cycle_out_never_fits_on_the_held_out_cycle():
    cases = _synthetic()
    seen: list[set[str]] = []

    def fitter(training):
        seen.append({c.cycle for c in training})
        return fit(RULE, SHARED, training)

    pairs, folds = leave_one_cycle_out(cases, fitter, lambda numbers, case: 0.5)
    every = {c.cycle for c in cases}
    assert len(folds) == len(seen) == 12 and len(pairs) == len(cases)
    for fold, trained in zip(folds, seen, strict=True):
        assert fold.held_out not in trained and trained == every - {fold.held_out} == fold.trained_on
    # The same holds inside calibrate_rule, whose folds say what each fit saw.
    for fold in calibrate_rule(RULE, SHARED, cases).folds:
        assert fold.held_out not in fold.trained_on


def test_triggers_within_two_weeks_share_a_cycle():
    days = [date(2021, 2, 15), date(2021, 2, 25), date(2021, 3, 3), date(2021, 6, 27)]
    found = cycles(Case(d, assess.Evidence(), False, str(d)) for d in days)
    assert [c.cycle for c in found] == ["2021-02-15"] * 3 + ["2021-06-27"]


# --- the command ---------------------------------------------------------------------------------------------


def test_monitor_calibrate_replays_labelled_cycles_against_their_timeline(make_config, tmp_path, capsys):
    labelled = [dict(r, labels={"event_key": key}) for r, key in
                ((ASAD, "A-asad"), (BALAD, "A-balad"), (TAJI, "A-taji"), (STRIKE, "S-jurf"))]
    reports = _write(tmp_path / "labelled.jsonl", labelled)
    timeline = tmp_path / "timeline.json"
    timeline.write_text(json.dumps([
        {"event_key": "A-asad", "date": "2020-03-06", "type": "attack", "casualties": {"us_killed": 0}},
        {"event_key": "A-balad", "date": "2020-03-09", "type": "attack", "casualties": {"us_killed": 0}},
        {"event_key": "A-taji", "date": "2020-03-11", "type": "attack", "casualties": {"us_killed": 2},
         "followed_by_strike_event_key": "S-jurf", "lag_days": 1, "link_type": "direct"},
        {"event_key": "S-jurf", "date": "2020-03-12", "type": "strike"},
    ]), encoding="utf-8")
    config = _config(make_config, tmp_path)
    assert main(["--config", str(config), "calibrate", "--set", str(timeline), str(reports)]) == 0
    out = capsys.readouterr().out
    assert "cases from labelled.jsonl with timeline.json, the history" in out
    case_line = next(line for line in out.splitlines() if "A-taji" in line)
    assert "yes" in case_line and "tempo 2" in case_line and "deaths 3" in case_line
    assert "Brier score leave-one-cycle-out" in out and "verdict:" in out
    assert main(["--config", str(config), "calibrate", "--set", str(timeline)]) == 2
    assert "--set takes a timeline file then one or more labelled files" in capsys.readouterr().err
    assert main(["--config", str(config), "calibrate", "--pull", "0", "--set", str(timeline), str(reports)]) == 2
    assert "--pull must be above 0" in capsys.readouterr().err


@pytest.mark.slow  # two replays of the dev sets, about 8 s
def test_calibrate_on_the_dev_sets(shared_dir, make_config, capsys):
    data = shared_dir / "data"
    config = make_config(rules=str(Path(__file__).resolve().parents[1] / "config" / "rules.yaml"))
    assert main(["--config", str(config), "calibrate",
                 "--set", str(data / "dev_timeline.json"), str(data / "dev_reports.jsonl"),
                 "--set", str(data / "dev2_timeline.json"), str(data / "dev2_reports.jsonl"),
                 str(data / "dev_ar_reports.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "rule us-strike-after-deadly-attack:" in out and "rule militia-reprisal-after-us-strike:" in out
    assert "rule us-strike-after-attack-wounding-us:" in out
    assert "A-2019-12-27-k1" in out and out.count("verdict:") == 3  # one per shipped rule
