"""Replay: files in, DESIGN.md records out, with the simulated clock; nothing is sent without --send."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.cli import main

FEEDS = Path(__file__).parent / "fixtures" / "feeds"

ITEM_KEYS = {"type", "id", "title", "relevant", "event_type", "actors", "places", "killed", "injured", "event_id"}
ALERT_KEYS = {"type", "kind", "event_id", "at", "likelihood", "window_hours", "title", "text"}

REPORTS = [
    # Three outlets, three spellings, one incident; then an unrelated labour strike.
    {"id": "r1", "published": "2020-03-11T19:10:00+00:00", "source": "Outlet A",
     "title": "Rockets slam into Camp Taji, killing two Americans and a Briton",
     "summary": "About fifteen rockets hit Camp Taji north of Baghdad on Wednesday evening, killing two US "
                "service members and one British soldier, coalition officials said."},
    {"id": "r2", "published": "2020-03-11T21:00:00+00:00", "source": "Outlet B",
     "title": "Coalition says three killed in rocket barrage on Taji base",
     "summary": "A barrage of Katyusha rockets struck the Taji base, which hosts US-led coalition troops. "
                "Two American and one British service members were killed and about a dozen wounded."},
    {"id": "r3", "published": "2020-03-12T06:30:00+00:00", "source": "Outlet C",
     "title": "Katyusha attack on al-Taji military camp kills three coalition personnel",
     "summary": "Rockets fired from a truck hit the al-Taji camp north of the Iraqi capital overnight, "
                "killing three members of the coalition, two of them American."},
    {"id": "r4", "published": "2020-03-12T08:00:00+00:00", "source": "Outlet D",
     "title": "Dock workers strike over unpaid wages",
     "summary": "Hundreds of port workers walked out on Thursday in a strike over three months of unpaid wages."},
]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_replay_writes_design_records(make_config, tmp_path, capsys):
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(json.dumps(r) for r in reversed(REPORTS)) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["--config", str(make_config()), "replay", str(items), "--out", str(out)]) == 0
    records = _records(out)
    item_records = [r for r in records if r["type"] == "item"]
    alert_records = [r for r in records if r["type"] == "alert"]
    assert all(set(r) == ITEM_KEYS for r in item_records)
    assert all(set(r) == ALERT_KEYS for r in alert_records)
    # Published order, whatever the file order.
    assert [r["id"] for r in item_records] == ["r1", "r2", "r3", "r4"]
    first, second, third, labour = item_records
    assert first["relevant"] and first["event_type"] == "attack"
    assert first["places"][0] == "Camp Taji" and first["killed"].get("US") == 2
    assert first["event_id"] == second["event_id"] == third["event_id"]
    assert not labour["relevant"] and labour["event_id"] is None
    # One alert for the incident, stamped with the simulated clock.
    assert [(a["kind"], a["at"]) for a in alert_records] == [("new_event", "2020-03-11T19:10:00+00:00")]
    assert "replayed 4 items, 1 alerts (recorded, not sent)" in capsys.readouterr().err
    assert not (tmp_path / "state" / "alerts.jsonl").exists(), "replay without --send sends nothing"


def test_replay_of_feed_files_and_folders(make_config, tmp_path, capsys):
    folder = tmp_path / "feeds"
    folder.mkdir()
    for name in ("attack_on_k1.xml", "us_strikes_kh.xml", "distractors.xml"):
        (folder / name).write_bytes((FEEDS / name).read_bytes())
    assert main(["--config", str(make_config()), "replay", str(folder)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    items = [r for r in records if r["type"] == "item"]
    assert len(items) == 6
    relevant = [r for r in items if r["relevant"]]
    assert [r["event_type"] for r in relevant] == ["attack", "strike"]
    assert len([r for r in records if r["type"] == "alert"]) == 2


def test_replay_send_delivers(make_config, tmp_path, receiver):
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps(REPORTS[0]) + "\n", encoding="utf-8")
    config = make_config(notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"}])
    assert main(["--config", str(config), "replay", str(items), "--out", str(tmp_path / "o.jsonl"), "--send"]) == 0
    assert receiver.wait_for(1)[0].json["title"].startswith("Attack on Camp Taji")


def test_bad_replay_input_names_file_and_line(make_config, tmp_path, capsys):
    items = tmp_path / "bad.jsonl"
    items.write_text(json.dumps(REPORTS[0]) + "\n{not json\n", encoding="utf-8")
    assert main(["--config", str(make_config()), "replay", str(items)]) == 2
    assert f"{items}:2: not JSON" in capsys.readouterr().err
