"""Warnings before it happens: rules, likelihood, precedents, resolution and the track record."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SHIPPED_RULES

from monitor import store
from monitor.cli import main

ATTACK = {
    "id": "a1",
    "published": "2020-03-11T19:30:00+00:00",
    "source": "Wire",
    "title": "Rocket attack on Camp Taji kills two US soldiers and a British medic",
    "summary": "About 15 Katyusha rockets hit Camp Taji north of Baghdad on Wednesday, killing two American "
    "soldiers and one British medic. US officials blamed Kataib Hezbollah.",
}
VOW = {
    "id": "v1",
    "published": "2020-03-12T10:00:00+00:00",
    "source": "Wire",
    "title": "Esper vows response to Taji rocket attack",
    "summary": "The US defense secretary warned that the US would respond to the attack by Iran-backed militias "
    "and said all options were on the table.",
}
STRIKE = {
    "id": "s1",
    "published": "2020-03-13T00:30:00+00:00",
    "source": "Wire",
    "title": "US jets strike Kataib Hezbollah weapons depots in Iraq",
    "summary": "American warplanes struck five Kataib Hezbollah weapons depots at Jurf al-Sakhar overnight, "
    "the Pentagon said.",
}
QUIET_ATTACK = {
    "id": "q1",
    "published": "2020-01-21T03:00:00+00:00",
    "source": "Wire",
    "title": "Three rockets land near US embassy in Baghdad, no casualties",
    "summary": "Three Katyusha rockets landed near the US embassy in Baghdad overnight, causing no "
    "casualties, officials said.",
}


def _replay(make_config, tmp_path: Path, reports: list[dict], db_name: str = "r.db") -> tuple[list[dict], str]:
    items = tmp_path / f"{db_name}.jsonl"
    items.write_text("\n".join(json.dumps(r) for r in reports) + "\n", encoding="utf-8")
    out = tmp_path / f"{db_name}.out.jsonl"
    db = f"sqlite:///{tmp_path / db_name}"
    config = make_config(rules=SHIPPED_RULES)
    assert main(["--config", str(config), "replay", str(items), "--out", str(out), "--db", db]) == 0
    alerts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [a for a in alerts if a["type"] == "alert"], db


def test_deadly_attack_warns_then_the_strike_confirms_it_with_lead_time(make_config, tmp_path, capsys):
    alerts, db = _replay(make_config, tmp_path, [ATTACK, VOW, STRIKE])
    kinds = [a["kind"] for a in alerts]
    assert kinds[:2] == ["new_event", "strike_likely"]
    warning = alerts[1]
    assert warning["at"] == ATTACK["published"] and warning["window_hours"] == 264
    assert 0.5 <= warning["likelihood"] < 1
    assert "Kataib Hezbollah" in warning["title"] and "Why:" in warning["text"] and "Precedents:" in warning["text"]
    assert "2019-12-27 K1 Air Base" in warning["text"]  # a precedent from the shipped history
    assert "prediction_resolved" in kinds
    (prediction,) = [p for p in store.predictions(store.open_engine(db)) if p.kind == "strike_likely"]
    assert prediction.state == "confirmed" and round(prediction.lead_hours, 1) == 29.0
    assert main(["--config", str(make_config(rules=SHIPPED_RULES)), "track-record", "--db", db]) == 0
    record = capsys.readouterr().out
    assert "rule us-strike-after-deadly-attack: 1 warnings, 1 confirmed, 0 expired" in record
    assert "median lead time 29.0 h" in record


def test_a_vow_of_response_raises_the_likelihood(make_config, tmp_path):
    without, _ = _replay(make_config, tmp_path, [ATTACK], "a.db")
    _with_vow, db = _replay(make_config, tmp_path, [ATTACK, VOW], "b.db")
    (prediction,) = [p for p in store.predictions(store.open_engine(db)) if p.kind == "strike_likely"]
    first = next(a for a in without if a["kind"] == "strike_likely")["likelihood"]
    assert prediction.threat_seen and prediction.likelihood > first


def test_a_militia_threat_naming_the_us_is_no_vow_of_us_response(make_config, tmp_path):
    """A militia leader's threat against America, the day after the attack, names the US side only as whom it
    threatens: the strike warning is judged as without it."""
    militia = {
        "id": "m1",
        "published": "2020-03-12T10:00:00+00:00",
        "source": "Wire",
        "title": "Kataib Hezbollah warns America its troops will pay a heavy price if they stay in Iraq",
        "summary": "",
    }
    without, _ = _replay(make_config, tmp_path, [ATTACK], "a.db")
    _, db = _replay(make_config, tmp_path, [ATTACK, militia], "b.db")
    (prediction,) = [p for p in store.predictions(store.open_engine(db)) if p.kind == "strike_likely"]
    first = next(a for a in without if a["kind"] == "strike_likely")["likelihood"]
    assert not prediction.threat_seen and round(prediction.likelihood, 3) == first


def test_attack_without_casualties_gives_no_warning(make_config, tmp_path):
    alerts, db = _replay(make_config, tmp_path, [QUIET_ATTACK])
    assert [a["kind"] for a in alerts] == ["new_event"]
    assert store.predictions(store.open_engine(db)) == []


def test_a_warning_whose_window_passes_expires_and_counts(make_config, tmp_path, capsys):
    later = {
        "id": "x1",
        "published": "2020-03-25T12:00:00+00:00",
        "source": "Wire",
        "title": "Iraqi farmers report a good harvest",
        "summary": "Wheat farmers north of Baghdad said yields rose.",
    }
    alerts, db = _replay(make_config, tmp_path, [ATTACK, later])
    assert "strike_likely" in [a["kind"] for a in alerts]
    (prediction,) = [p for p in store.predictions(store.open_engine(db)) if p.kind == "strike_likely"]
    assert prediction.state == "expired"
    assert main(["--config", str(make_config(rules=SHIPPED_RULES)), "track-record", "--db", db]) == 0
    record = capsys.readouterr().out
    assert "1 warnings, 0 confirmed, 1 expired" in record and "Brier score" in record


def test_a_later_incident_is_never_a_precedent_for_an_earlier_warning(make_config, tmp_path):
    k1 = {
        "id": "k1",
        "published": "2019-12-27T19:40:00+00:00",
        "source": "Wire",
        "title": "Rocket attack on K1 base near Kirkuk kills US contractor",
        "summary": "More than 30 rockets hit the K1 base on Friday, killing a US contractor. US officials "
        "blamed Kataib Hezbollah.",
    }
    alerts, _ = _replay(make_config, tmp_path, [k1])
    warning = next(a for a in alerts if a["kind"] == "strike_likely")
    # The history holds Camp Taji 2020, Erbil 2021 and Tower 22 2024: none may appear in a 2019 warning,
    # and the K1 incident itself (the same day) is not its own precedent.
    for later in ("2020-03-11", "2021-02-15", "2024-01-28", "2019-12-27"):
        assert later not in warning["text"]
    assert "0 of 0 comparable incidents" in warning["text"]


def test_warning_email_through_smtp(smtp_sink, make_config, tmp_path):
    items = tmp_path / "cycle.jsonl"
    items.write_text("\n".join(json.dumps(r) for r in (ATTACK, VOW, STRIKE)) + "\n", encoding="utf-8")
    # Only the warning and its confirmation are mailed: Apprise waits 5.5 s between two mails to one server,
    # and the new_event mails would add two such waits while showing nothing this test looks at.
    kinds = ["strike_likely", "prediction_resolved"]
    config = make_config(
        rules=SHIPPED_RULES,
        notify=[
            {
                "url": f"mailto://{smtp_sink.host}:{smtp_sink.port}?from=monitor@example.org"
                "&to=analyst@example.org&mode=insecure",
                "kinds": kinds,
            }
        ],
    )
    assert main(["--config", str(config), "replay", str(items), "--out", str(tmp_path / "o.jsonl"), "--send"]) == 0
    out = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = sum(r["type"] == "alert" and r["kind"] in kinds for r in out)
    assert expected < sum(r["type"] == "alert" for r in out)  # the new_event alerts stayed off this target
    mails = smtp_sink.wait_for(expected)
    assert len(mails) == expected
    subjects = [m["Subject"] for m in mails]
    warning = next(m for m in mails if m["Subject"].startswith("Strike likely"))
    html = warning.get_body(preferencelist=("html",)).get_content()
    assert "<b>Expected:</b> by United States against Kataib Hezbollah" in html
    assert "<h3>Precedents</h3>" in html and "<h3>Why</h3>" in html
    assert "2019-12-27 K1 Air Base" in html
    assert any(s.startswith("Warning confirmed") for s in subjects)


def test_an_old_report_read_late_warns_about_nothing(feed_server, make_config, tmp_path):
    seed = (Path(__file__).parent / "fixtures" / "feeds" / "seed_cycle.xml").read_bytes()
    feed_server.add_feed("/seed.xml", seed)
    config = make_config(rules=SHIPPED_RULES, feeds=[{"url": feed_server.url("/seed.xml")}])
    assert main(["--config", str(config), "poll", "--once"]) == 0
    engine = store.open_engine(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}")
    assert [a.kind for a in store.alerts(engine)] == ["new_event", "new_event"]


# An attack that wounded Americans, amid a series of attacks on US sites, and a vow of response: the wounding
# rule's own warning. My own reports of a made-up week.
def _wounding_week() -> list[dict]:
    earlier = [{"id": f"e{n}", "published": f"2023-11-{14 + n}T20:00:00+00:00", "source": "Wire",
                "title": f"Drone attack on {base} base hosting US troops, no injuries",
                "summary": f"A drone targeted the {base} base, where US forces are stationed, on the night of "
                           f"November {14 + n}; no injuries were reported."}
               for n, base in enumerate(("Al-Tanf", "Harir", "Ain al-Asad", "Al-Shaddadi"))]
    wounding = {"id": "w", "published": "2023-11-20T21:00:00+00:00", "source": "Wire",
                "title": "Ballistic missile attack on Ain al-Asad wounds eight US personnel",
                "summary": "A close-range ballistic missile fired by Iran-backed militants hit Ain al-Asad air base "
                           "on Monday, wounding eight American service members, US officials said."}
    vow = {"id": "v", "published": "2023-11-21T08:00:00+00:00", "source": "Wire",
           "title": "Pentagon vows to respond to missile attack on Ain al-Asad",
           "summary": "The United States will respond at a time and place of its choosing to the attack by "
                      "Iran-backed militias, the Pentagon spokesman said."}
    return [*earlier, wounding, vow]


def test_an_attack_that_wounded_americans_warns_with_a_vow_and_the_tempo(make_config, tmp_path):
    alerts, db = _replay(make_config, tmp_path, _wounding_week())
    (warning,) = [a for a in alerts if a["kind"] == "strike_likely"]
    assert "8 injured" in warning["text"] and "vow" in warning["text"].lower()
    predictions = [p for p in store.predictions(store.open_engine(db)) if p.warned_at is not None]
    assert [p.rule for p in predictions] == ["us-strike-after-attack-wounding-us"]


def test_a_deadly_attack_gets_one_strike_warning_not_one_per_rule(make_config, tmp_path):
    alerts, db = _replay(make_config, tmp_path, [ATTACK, VOW, STRIKE])
    assert [a["kind"] for a in alerts].count("strike_likely") == 1
    rules = {p.rule for p in store.predictions(store.open_engine(db)) if p.kind == "strike_likely"}
    assert rules == {"us-strike-after-deadly-attack"}  # killed: not the wounding rule's


def test_a_strike_with_no_reported_dead_amid_attacks_warns_of_reprisals(make_config, tmp_path):
    """The militias have answered raids that killed nobody (empty depots, launch sites): a US strike is the
    reprisal rule's trigger whatever its toll, and a week of attacks on US sites before it carries the warning."""
    attacks = [
        {"id": f"r{day}", "published": f"2021-05-0{day}T21:00:00+00:00", "source": "Wire",
         "title": f"Rockets target {base} hosting US troops",
         "summary": f"Two rockets landed inside {base}, which hosts American forces, on day {day}; nobody was hurt."}
        for day, base in ((2, "Ain al-Asad air base"), (3, "the Harir air base"), (4, "Ain al-Asad air base"))
    ]
    raid = {"id": "s9", "published": "2021-05-05T23:00:00+00:00", "source": "Wire",
            "title": "US aircraft destroy Kataib Hezbollah rocket depot near al-Qaim",
            "summary": "American jets bombed an empty Kataib Hezbollah weapons depot near al-Qaim overnight; the "
                       "Pentagon said no one was in the building."}
    alerts, db = _replay(make_config, tmp_path, [*attacks, raid])
    (warning,) = [a for a in alerts if a["kind"] == "attack_likely"]
    assert "attacks on US sites in the last 7 days" in warning["text"]
    predictions = [p for p in store.predictions(store.open_engine(db)) if p.warned_at is not None]
    assert [p.rule for p in predictions] == ["militia-reprisal-after-us-strike"]
