"""`monitor eval`: figures on a labelled file of our own, and the dev set goals when ../shared is present."""

from __future__ import annotations

import json
import re

from monitor.cli import main

OWN = [
    {
        "id": "e1",
        "published": "2020-03-11T20:00:00+00:00",
        "title": "Rockets hit Camp Taji, killing two US troops",
        "summary": "Katyusha rockets struck Camp Taji, killing two American soldiers, officials said.",
        "labels": {
            "relevant": True,
            "event_type": "attack",
            "actors": ["Iran-backed militias"],
            "places": ["Camp Taji"],
            "us_killed": 2,
            "event_key": "A-1",
        },
    },
    {
        "id": "e2",
        "published": "2020-03-11T23:00:00+00:00",
        "title": "Two Americans killed as Katyushas slam into Taji base",
        "summary": "A rocket barrage hit the Taji base north of Baghdad, killing two US service members.",
        "labels": {
            "relevant": True,
            "event_type": "attack",
            "actors": ["Iran-backed militias"],
            "places": ["Camp Taji"],
            "us_killed": 2,
            "event_key": "A-1",
        },
    },
    {
        "id": "e3",
        "published": "2020-03-12T08:00:00+00:00",
        "title": "Bakers strike over flour prices",
        "summary": "Bakers in Basra went on strike over the price of flour.",
        "labels": {
            "relevant": False,
            "event_type": "other",
            "actors": [],
            "places": [],
            "us_killed": None,
            "event_key": None,
        },
    },
]


def _figure(out: str, name: str, field: str) -> float:
    match = re.search(rf"^{re.escape(name)}\s.*?{field} ([0-9.]+)", out, re.M)
    assert match, (name, field, out)
    return float(match.group(1))


def test_eval_on_own_labelled_file(make_config, tmp_path, capsys):
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in OWN), encoding="utf-8")
    assert main(["--config", str(make_config()), "eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert _figure(out, "relevance", "F1") == 1.0
    assert "accuracy 1.000 over 3 items" in out
    assert "US killed    exact on 2/2" in out
    assert _figure(out, "same event", "recall") == 1.0
    assert "same event   B-cubed precision 1.000  recall 1.000  F1 1.000" in out
    assert "1/1 real events got exactly one new_event alert" in out
    assert "0 of 1 new_event alerts (0.0%) are about no real incident" in out


def test_an_alert_whose_event_no_relevant_report_is_in_is_about_no_incident(make_config, tmp_path, capsys):
    # A labeller's distractor the reader takes for an attack: its alert is about no real incident.
    distractor = {**OWN[0], "id": "d1", "published": "2020-03-20T10:00:00+00:00",
                  "title": "Rockets hit Ain al-Asad air base, officials say",
                  "summary": "Several rockets struck Ain al-Asad air base in western Iraq on Friday.",
                  "labels": {**OWN[2]["labels"]}}
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [*OWN, distractor]), encoding="utf-8")
    assert main(["--config", str(make_config()), "eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 of 2 new_event alerts (50.0%) are about no real incident" in out
    assert "no incident: Rockets hit Ain al-Asad air base, officials say" in out


def test_dev_set_goals(shared_dir, make_config, capsys):
    assert main(["--config", str(make_config()), "eval", str(shared_dir / "data" / "dev_reports.jsonl")]) == 0
    out = capsys.readouterr().out
    assert _figure(out, "relevance", "F1") >= 0.95
    assert float(re.search(r"event type   accuracy ([0-9.]+)", out).group(1)) >= 0.90
    assert _figure(out, "actors", "F1") >= 0.90
    assert _figure(out, "places", "F1") >= 0.90
    exact, total = map(int, re.search(r"US killed    exact on (\d+)/(\d+)", out).groups())
    assert exact / total >= 0.90


def test_dev_set_warnings(shared_dir, make_config, capsys):
    from conftest import SHIPPED_CONFIG, SHIPPED_RULES

    data = shared_dir / "data"
    # The shipped reader, its type model too: the rules alone read one distractor (an Iraqi raid) as a US strike.
    config = make_config(rules=SHIPPED_RULES, type_model=str(SHIPPED_CONFIG / "type_model.json"))
    assert main(["--config", str(config), "eval", str(data / "dev_reports.jsonl"),
                 "--timeline", str(data / "dev_timeline.json")]) == 0
    out = capsys.readouterr().out
    precision = float(re.search(r"^warnings     precision ([0-9.]+)", out, re.M).group(1))
    assert precision >= 0.6
    # Every US strike that answered an attack with US deaths was warned of beforehand.
    assert "warned: S-2019-12-29-kh-iraq-syria" in out and "warned: S-2020-03-12-kh-weapons-sites" in out
    assert "strikes that answered an attack with US deaths: 2 of 2 warned of" in out
    # Eval and track-record count the same misses: every MISSED line is one of the store's (an attack reported
    # before the strike it followed is no miss of that strike's reprisal rule in either).
    missed = re.findall(r"^  MISSED: (\S+) .*\[(track-record: [^\]]*)\]$", out, re.M)
    assert missed and all(note == "track-record: a miss" for _, note in missed)
    assert "A-2019-12-29-camp-taji (after S-2019-12-29" not in out
    stored = int(re.search(r"track-record's misses \(the store's own, the same notion\): (\d+)", out).group(1))
    assert stored == sum(note == "track-record: a miss" for _, note in missed)


def test_eval_scores_several_files_by_language_and_shape(make_config, tmp_path, capsys):
    english = tmp_path / "en.jsonl"
    english.write_text("\n".join(json.dumps(r) for r in OWN), encoding="utf-8")
    arabic = tmp_path / "ar.jsonl"
    arabic.write_text(json.dumps({
        "id": "a1", "lang": "ar", "published": "2020-03-13T08:00:00+03:00", "source": "وكالة",
        "title": "ارتفاع أسعار الطحين في البصرة", "summary": "",
        "labels": {"relevant": False, "event_type": "other", "actors": [], "places": []}}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    provenance = tmp_path / "provenance.json"
    provenance.write_text(json.dumps({"e1": {"shape": "wire"}, "e2": {"shape": "headline_only"},
                                      "e3": {"shape": "wire"}, "a1": {"shape": "local"}}), encoding="utf-8")
    assert main(["--config", str(make_config()), "eval", str(english), str(arabic),
                 "--provenance", str(provenance)]) == 0
    out = capsys.readouterr().out
    assert "items: 4" in out
    rows = {m.group(1): int(m.group(2)) for m in re.finditer(r"^  (lang \w+|shape \w+)\s+(\d+)", out, re.M)}
    assert rows == {"lang ar": 1, "lang en": 3, "shape headline_only": 1, "shape local": 1, "shape wire": 2}
