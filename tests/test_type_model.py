"""The learned second opinion on the event type: training (`monitor train`), the file, and reading with it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.classify import Reader
from monitor.classify.learned import features, probabilities
from monitor.classify.segment import segment
from monitor.config import ConfigError, TypeModel, load_type_model, load_vocabulary, load_watchlist
from monitor.match import Matcher

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
SHARED = ROOT.parent / "shared" / "data"
WHEN = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def parts():
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    return Matcher(watchlist), load_vocabulary(sorted(CONFIG.glob("vocabulary*.yaml"))), watchlist


def _read(parts, model: TypeModel | None, title: str, summary: str = ""):
    matcher, vocabulary, watchlist = parts
    return Reader(vocabulary, watchlist, model).read_with_features(
        title, summary, matcher.match(f"{title}\n{summary}"), WHEN)


def _model(weights: dict[str, tuple[float, ...]], margin: float = 0.0) -> TypeModel:
    return TypeModel.build("hand-made", ("attack", "other", "strike", "threat"), (0.0, 0.0, 0.0, 0.0), margin,
                           weights)


# --- features ------------------------------------------------------------------------------------------------


def test_watched_names_are_their_kinds_not_names(parts):
    _, seen = _read(parts, None, "Kataib Hezbollah drone hits Ain al-Asad air base",
                    "The Islamic Resistance in Iraq said it launched the drone at dawn.")
    assert "w:ACTOR:iran_aligned" in seen and "w:PLACE:base" in seen
    assert not [f for f in seen if any(name in f for name in ("kataib", "asad", "hezbollah"))]
    assert seen["rule:attack"] > 0 and seen["cue:attack"] > 0


def test_arabic_letters_survive_a_clitic(parts):
    # The same noun with and without "and"/"with": most of its letter grams are shared, so what the model learnt
    # of one reaches the other.
    _, bare = _read(parts, None, "قصف صاروخي على المطار")
    _, clitic = _read(parts, None, "وبقصف صاروخي على المطار")
    grams = {f for f in bare if f.startswith("c:")}
    assert len(grams & {f for f in clitic if f.startswith("c:")}) >= 0.7 * len(grams)


def test_background_words_are_kept_apart(parts):
    _, seen = _read(parts, None, "US helicopters fire on rocket launchers after an attack on the base")
    assert "x:attack" in seen and "w:attack" not in seen


def test_features_are_the_same_for_the_same_report(parts):
    matcher, vocabulary, watchlist = parts
    reader = Reader(vocabulary, watchlist)
    title = "Rockets hit near US embassy in Baghdad"
    doc = segment(reader.context, title, "", matcher.match(title), WHEN)
    first = features(reader.context, doc, "attack", "attack", {"attack": 3.0}, False)
    assert first == features(reader.context, doc, "attack", "attack", {"attack": 3.0}, False)
    assert first["title_only"] == 1.0


# --- reading with a model ------------------------------------------------------------------------------------

STATEMENT = ("Statement on the American aggression in Babil",
             "The aggression on the positions of our brothers will not pass without an answer.")


def test_the_model_overrules_the_rules_and_says_so(parts):
    rules, _ = _read(parts, None, *STATEMENT)
    assert rules.event_type == "strike"
    model = _model({"t:statement": (0.0, 0.0, 0.0, 8.0)})
    reading, seen = _read(parts, model, *STATEMENT)
    assert reading.event_type == "threat"
    assert any(r.startswith("type model (hand-made): threat") for r in reading.reasons)
    assert "against strike" in reading.evidence["type_model"]
    assert probabilities(model, seen)["threat"] > 0.8


def test_the_model_keeps_quiet_within_its_margin(parts):
    model = _model({"t:statement": (0.0, 0.0, 0.0, 1.0)}, margin=0.9)
    reading, _ = _read(parts, model, *STATEMENT)
    assert reading.event_type == "strike" and "type_model" not in reading.evidence


def test_the_model_never_overrules_a_denial(parts):
    title = "Reports of US strike on Kataib Hezbollah depot near Al-Qaim are false, Iraqi army says"
    reading, _ = _read(parts, _model({"w:strike": (0.0, 0.0, 9.0, 0.0)}), title)
    assert reading.event_type == "other" and not reading.relevant


def test_a_report_naming_nothing_watched_is_not_put_to_the_model(parts):
    """Reports that name nothing watched are no event of the watch whatever their type: the model, whose features
    cost as much as the rest of the reading, is not asked (they keep the rules' type)."""
    matcher, vocabulary, watchlist = parts
    reader = Reader(vocabulary, watchlist, _model({"w:rockets": (0.0, 0.0, 0.0, 9.0)}))
    title = "Rockets fired at a village in the south, police say"
    matches = matcher.match(title)
    assert not matches.mentions
    assert reader.read(title, "", matches, WHEN).event_type == "attack"
    reading, seen = reader.read_with_features(title, "", matches, WHEN)  # training sees every report's features
    assert reading.event_type == "attack" and seen["w:rockets"] > 0


# --- the file ------------------------------------------------------------------------------------------------


def _write(path: Path, **changes: object) -> Path:
    raw = _model({"w:rockets": (1.0, 0.0, 0.0, 0.0)}).as_dict() | changes
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def test_a_model_file_round_trips(tmp_path):
    model = load_type_model(_write(tmp_path / "m.json"))
    assert model.weights("w:rockets") == (1.0, 0.0, 0.0, 0.0) and model.weights("w:drone") is None


@pytest.mark.parametrize(("changes", "problem"), [
    ({"weights": {"w:rockets": [1.0, 2.0]}}, "weights.w:rockets: must be 4 finite numbers"),
    ({"weights": {"w:rockets": [1.0, 2.0, "x", 0]}}, "weights.w:rockets: must be 4 finite numbers"),
    ({"weights": {"w:rockets": [1.0, True, 0, 0]}}, "weights.w:rockets: must be 4 finite numbers"),
    ({"weights": {"w:a": [0, 0, 0, 0], "w:rockets": 3}}, "weights.w:rockets: must be 4 finite numbers"),
    ({"weights": {"w:rockets": [1.0, 2.0, 1e400, 0]}}, "weights.w:rockets: must be 4 finite numbers"),
    ({"bias": [0.0]}, "bias: 1 values for 4 classes"),
    ({"format": 7}, "format: 7 is not 1"),
    ({"margin": 3}, "margin"),
    ({"colour": "red"}, "colour: unknown key"),
])
def test_a_broken_model_file_is_named_with_its_key(tmp_path, changes, problem):
    path = _write(tmp_path / "m.json", **changes)
    with pytest.raises(ConfigError) as caught:
        load_type_model(path)
    assert any(str(path) in p and problem in p for p in caught.value.problems), caught.value.problems


def test_check_config_names_a_missing_model_file(tmp_path):
    (tmp_path / "monitor.yaml").write_text(
        (CONFIG / "monitor.yaml").read_text(encoding="utf-8").replace("type_model: type_model.json",
                                                                      "type_model: nowhere.json"), encoding="utf-8")
    for name in ("watchlist.yaml", "vocabulary.yaml", "vocabulary.ar.yaml", "rules.yaml", "history.yaml"):
        (tmp_path / name).write_text((CONFIG / name).read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(CONFIG / "templates", tmp_path / "templates")
    done = subprocess.run([sys.executable, "-m", "monitor", "check-config", "--config", str(tmp_path)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert f"{tmp_path / 'nowhere.json'}: file not found (type_model in monitor.yaml" in done.stderr


# --- training ------------------------------------------------------------------------------------------------

# Ten incidents told in two or three reports each, and distractors, in this project's own words. The two
# statements on strikes are labelled threats while the rules read strikes: what the model is there to learn.
_REPORTS = [
    ("A1", "2024-01-02T08:00:00+03:00", "Drone attack targets US forces at Al-Tanf garrison", "", "attack", "A-1"),
    ("A2", "2024-01-02T10:00:00+03:00", "Militants launch two drones at Al-Tanf, no injuries",
     "Coalition air defences downed both drones before they reached the garrison.", "attack", "A-1"),
    ("A3", "2024-01-03T07:00:00+03:00", "Rockets fired at Ain al-Asad air base in western Iraq", "", "attack", "A-2"),
    ("A4", "2024-01-03T09:30:00+03:00", "Ain al-Asad hit by four rockets, base sirens sound",
     "Four rockets landed inside the perimeter of the base hosting US troops.", "attack", "A-2"),
    ("A5", "2024-01-05T06:00:00+03:00", "Harir air base attacked by suicide drone", "", "attack", "A-3"),
    ("A6", "2024-01-05T08:00:00+03:00", "Drone strikes Harir base north of Erbil, security source says",
     "The drone exploded near the runway; no casualties were reported.", "attack", "A-3"),
    ("S1", "2024-01-06T02:00:00+03:00", "US jets strike Kataib Hezbollah sites in Al-Qaim", "", "strike", "S-1"),
    ("S2", "2024-01-06T05:00:00+03:00", "American warplanes bomb militia depots near Al-Qaim",
     "US aircraft struck weapons depots used by Kataib Hezbollah overnight.", "strike", "S-1"),
    ("S3", "2024-01-08T01:00:00+03:00", "US drone strike kills militia commander in Baghdad", "", "strike", "S-2"),
    ("S4", "2024-01-08T04:00:00+03:00", "Commander of Harakat al-Nujaba killed by US drone in east Baghdad",
     "The car was hit by a US drone; two men inside were killed.", "strike", "S-2"),
    ("T1", "2024-01-08T12:00:00+03:00", "Statement on the American aggression in Baghdad",
     "The aggression on our commander will not pass without an answer, the Islamic Resistance said.", "threat", "T-1"),
    ("T2", "2024-01-08T13:00:00+03:00", "Statement on the US aggression against our brothers",
     "Kataib Hezbollah said the aggression will be answered at the time of its choosing.", "threat", "T-2"),
    ("T3", "2024-01-09T10:00:00+03:00", "Pentagon warns militias against further attacks on troops",
     "We will respond at a time and place of our choosing, the spokesman said.", "threat", "T-3"),
    ("A7", "2024-01-10T20:00:00+03:00", "Rocket attack on Erbil airport where coalition forces are based",
     "Three rockets struck near the airport; one US contractor was lightly hurt.", "attack", "A-4"),
    ("A8", "2024-01-10T23:00:00+03:00", "Erbil airport attack: three rockets, one hurt", "", "attack", "A-4"),
    ("S5", "2024-01-12T03:00:00+03:00", "US strikes rocket launchers near Conoco after attack", "", "strike", "S-3"),
    ("S6", "2024-01-12T06:00:00+03:00", "CENTCOM says it destroyed launchers near Conoco field",
     "US forces struck the launchers used in the attack on the base.", "strike", "S-3"),
    ("A9", "2024-01-13T09:00:00+03:00", "Shaddadi base targeted by drones, SDF says", "", "attack", "A-5"),
    ("A10", "2024-01-13T11:00:00+03:00", "Drones shot down over al-Shaddadi where US troops are stationed",
     "The two drones were intercepted before reaching the base.", "attack", "A-5"),
    ("D1", "2024-01-04T09:00:00+03:00", "Oil exports from Basra rise in December", "", "other", None),
    ("D2", "2024-01-07T09:00:00+03:00", "Iraq football team wins friendly in Baghdad", "", "other", None),
    ("D3", "2024-01-09T09:00:00+03:00", "Dock workers strike at Umm Qasr port over wages", "", "other", None),
    ("D4", "2024-01-11T09:00:00+03:00", "Parliament debates the budget law in Baghdad", "", "other", None),
    ("D5", "2024-01-12T09:00:00+03:00", "Farmers in Anbar report a good wheat harvest", "", "other", None),
]


def _labelled(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for rid, published, title, summary, kind, key in _REPORTS:
            labels = {"relevant": kind != "other", "event_type": kind, "actors": [], "places": [],
                      "us_killed": None, "event_key": key}
            out.write(json.dumps({"id": rid, "published": published, "title": title, "summary": summary,
                                  "labels": labels}) + "\n")
    return path


def _train(labelled: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "monitor", "train", "--config", str(CONFIG), "--folds", "3",
                           "--out", str(out), str(labelled)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)


def test_train_prints_cross_validated_figures_and_writes_the_same_file_twice(tmp_path, parts):
    labelled = _labelled(tmp_path / "mine.jsonl")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _train(labelled, tmp_path / "a" / "model.json")
    second = _train(labelled, tmp_path / "b" / "model.json")
    assert "3-fold cross-validation by incident" in first.stdout
    assert "chosen margin" in first.stdout and "file tmp" not in first.stdout
    assert first.stdout.split("wrote")[0] == second.stdout.split("wrote")[0]
    assert (tmp_path / "a" / "model.json").read_bytes() == (tmp_path / "b" / "model.json").read_bytes()
    model = load_type_model(tmp_path / "a" / "model.json")
    assert model.trained_on[0]["file"] == "mine.jsonl" and model.cross_validated["folds"] == 3
    assert set(model.classes) == {"attack", "other", "strike", "threat"}
    # What it was fitted on, it now reads as labelled: the statements are threats.
    reading, _ = _read(parts, model, "Statement on the American aggression in Baghdad",
                       "The aggression on our commander will not pass without an answer, the Islamic Resistance said.")
    assert reading.event_type == "threat"


def test_train_refuses_too_few_incidents_for_its_folds(tmp_path):
    labelled = _labelled(tmp_path / "mine.jsonl")
    done = subprocess.run([sys.executable, "-m", "monitor", "train", "--config", str(CONFIG), "--folds", "40",
                           "--out", str(tmp_path / "m.json"), str(labelled)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode != 0 and "too few for 40 folds" in done.stderr
    assert not (tmp_path / "m.json").exists()


# --- the shipped model ---------------------------------------------------------------------------------------


def test_the_shipped_model_is_named_in_the_config_and_loads():
    model = load_type_model(CONFIG / "type_model.json")
    assert "type_model: type_model.json" in (CONFIG / "monitor.yaml").read_text(encoding="utf-8")
    figures = model.cross_validated["accuracy"]["all"]
    # It is shipped because, on reports of incidents it was not fitted on, it beat the rules.
    assert figures["model"] > figures["rules"]


def _labelled_files() -> dict[str, Path]:
    paths = [*SHARED.glob("*_reports.jsonl"), *(ROOT / "tests" / "fixtures").glob("heldout*/*_reports.jsonl")]
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in paths}


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data beside the repository (the dev sets)")
def test_the_shipped_model_is_what_its_training_files_and_the_rules_give_now(parts):
    """A changed labelled file, or a change to the rules or vocabulary the model was not retrained after, shows
    here: run scripts/train-type-model (it prints the new cross-validated figures)."""
    from monitor import train
    from monitor.evaluate import read_labelled

    model = load_type_model(CONFIG / "type_model.json")
    files = _labelled_files()
    stale = [f["file"] for f in model.trained_on if f["sha256"] not in files]
    assert not stale, f"the type model was trained on other versions of {stale}: run scripts/train-type-model"
    _, vocabulary, watchlist = parts
    data = train.examples(vocabulary, watchlist, [
        (f["file"], read_labelled(files[f["sha256"]])) for f in model.trained_on])
    refit = train.fit(data, model.margin, model.name)
    assert set(refit.index) == set(model.index), "features differ: run scripts/train-type-model"
    drift = max(abs(a - b) for f in model.index for a, b in zip(refit.weights(f) or (), model.weights(f) or (),
                                                                 strict=True))
    # Bit for bit with the same library versions; another scikit-learn or NumPy may move the last decimals.
    assert drift < 1e-3, f"weights moved by {drift}: run scripts/train-type-model"


def test_a_runtime_reads_its_model_when_an_item_first_needs_it(tmp_path, make_config):
    from monitor import pipeline
    from monitor.config import load_settings

    path = _write(tmp_path / "m.json")
    runtime = pipeline.build_runtime(load_settings(make_config(type_model=str(path))))
    assert "type_model" not in vars(runtime)  # a round answered by 304s never reads it
    assert runtime.reader.type_model is runtime.type_model and runtime.type_model.weights("w:rockets")


def test_a_missing_model_file_still_stops_start_up(tmp_path, make_config):
    from monitor import pipeline
    from monitor.config import load_settings

    config = make_config(type_model=str(tmp_path / "nowhere.json"))
    with pytest.raises(ConfigError) as caught:
        pipeline.build_runtime(load_settings(config))
    assert any(f"{tmp_path / 'nowhere.json'}: file not found (type_model in monitor.yaml" in p
               for p in caught.value.problems), caught.value.problems


def test_the_daemon_reads_its_model_at_start_and_a_broken_one_stops_it(tmp_path, make_config):
    from monitor import pipeline
    from monitor.config import load_settings

    path = _write(tmp_path / "m.json", bias=[0.0])
    runtime = pipeline.build_runtime(load_settings(make_config(type_model=str(path))))
    with pytest.raises(ConfigError) as caught:
        runtime.prepare()  # what `monitor run` and a reload do before they go on
    assert any(str(path) in p and "bias: 1 values for 4 classes" in p for p in caught.value.problems)
