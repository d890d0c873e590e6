"""The configuration as a whole: every name one config file takes from another (actors, places, casualty sides)
must exist, the actors the code relies on are found by their role and those roles are checked, the code writes
no watchlist name, and a database URL SQLAlchemy cannot use is a one-line error. Each test writes one broken
copy of the shipped files and runs `monitor check-config` on it."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from monitor.classify import Reader
from monitor.cli import main
from monitor.config import load_vocabulary, load_watchlist
from monitor.match import Matcher

SHIPPED = Path(__file__).resolve().parents[1] / "config"
MONITOR_DIR = Path(__file__).resolve().parents[1] / "monitor"
WHEN = datetime(2020, 3, 13, 9, 0, tzinfo=UTC)


def broken_copy(tmp_path: Path, name: str, old: str, new: str, count: int = -1) -> Path:
    """The shipped config file `name` written to tmp_path with `old` (which must occur) replaced by `new`
    (the first `count` times; every time by default)."""
    text = (SHIPPED / name).read_text(encoding="utf-8")
    assert old in text, f"{name} no longer holds {old!r}; update the test"
    path = tmp_path / name
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def check_config(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Run `monitor check-config`; assert it failed cleanly and return the problem lines."""
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.splitlines()


def test_striking_state_must_be_a_watchlist_actor(make_config: Callable[..., Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    vocabulary = broken_copy(tmp_path, "vocabulary.yaml", "striking_states: [Israel, Turkey]",
                             "striking_states: [Israhell, Turkey]")
    lines = check_config(make_config(vocabulary=str(vocabulary)), capsys)
    assert lines == [f"{vocabulary}: striking_states[0]: 'Israhell' is not an actor in watchlist.yaml; "
                     "did you mean 'Israel'?"]


def test_rule_expects_by_must_be_an_actor(make_config: Callable[..., Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    rules = broken_copy(tmp_path, "rules.yaml", "by: United States", "by: United Statez", 1)
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert lines == [f"{rules}: rules[0].expects.by: 'United Statez' is not an actor in watchlist.yaml; "
                     "did you mean 'United States'?"]


def test_rule_expects_by_keyword_misspelled(make_config: Callable[..., Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # `perpetrators` and `targets` are the other words `by` takes; the shipped reprisal rule (the third) uses
    # `targets`.
    rules = broken_copy(tmp_path, "rules.yaml", "by: targets", "by: target")
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert lines == [f"{rules}: rules[2].expects.by: 'target' is not an actor in watchlist.yaml; "
                     "did you mean 'targets'?"]


def test_min_killed_side_must_be_a_casualty_side(make_config: Callable[..., Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rules = broken_copy(tmp_path, "rules.yaml", "min_killed: {US: 1, UK: 1, coalition: 1}", "min_killed: {USA: 1}")
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert len(lines) == 1
    assert lines[0].startswith(f"{rules}: rules[0].trigger.min_killed: 'USA' is not a side the casualty reader "
                               "counts (vocabulary.yaml, vocabulary.ar.yaml sides: US, UK, coalition, ")
    assert lines[0].endswith("; did you mean 'US'?")


CATCH_ALL = "the reader puts an unclaimed militia attack on"
CATCH_ALL_ENTRY = "- name: Iran-backed militias\n    kind: person_group\n    side: iran_aligned\n    role: catch_all\n"


def test_watchlist_without_a_catch_all(make_config: Callable[..., Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Dropping the role switches the strike warnings off without any other error, so loading refuses it.
    watchlist = broken_copy(tmp_path, "watchlist.yaml", CATCH_ALL_ENTRY,
                            CATCH_ALL_ENTRY.replace("    role: catch_all\n", ""))
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: actors: no actor has role 'catch_all'; set `role: catch_all` on the actor "
                     f"{CATCH_ALL} (one actor, on side 'iran_aligned')"]


def test_watchlist_with_two_catch_alls(make_config: Callable[..., Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # The IRGC entry comes after the catch-all in the shipped file, so it is the one named as the extra.
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "    role: patron\n", "    role: catch_all\n", 1)
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: actors['IRGC'].role: 'catch_all' is already the role of 'Iran-backed militias'; "
                     f"only one actor can be the one {CATCH_ALL}"]


def test_second_catch_all_in_another_file_names_that_file(make_config: Callable[..., Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "local.yaml"
    extra.write_text("actors:\n  - name: Unnamed gunmen\n    kind: person_group\n    side: iran_aligned\n"
                     "    role: catch_all\n    aliases: [unknown gunmen]\n", encoding="utf-8")
    lines = check_config(make_config(watchlist=[str(SHIPPED / "watchlist.yaml"), str(extra)]), capsys)
    assert lines == [f"{extra}: actors['Unnamed gunmen'].role: 'catch_all' is already the role of "
                     f"'Iran-backed militias'; only one actor can be the one {CATCH_ALL}"]


def test_catch_all_on_the_wrong_side(make_config: Callable[..., Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    # The warnings read the catch-all's side: on any other side it stops them as surely as a missing one.
    watchlist = broken_copy(tmp_path, "watchlist.yaml", CATCH_ALL_ENTRY,
                            CATCH_ALL_ENTRY.replace("side: iran_aligned", "side: other"))
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: actors['Iran-backed militias'].role: 'catch_all' needs side 'iran_aligned', "
                     f"but the actor has side 'other'; it is the actor {CATCH_ALL}"]


def test_patron_on_the_wrong_side(make_config: Callable[..., Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    entry = "- name: Iran\n    kind: state\n    side: iran_aligned\n    role: patron\n"
    watchlist = broken_copy(tmp_path, "watchlist.yaml", entry, entry.replace("side: iran_aligned", "side: other"))
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: actors['Iran'].role: 'patron' needs side 'iran_aligned', but the actor has "
                     "side 'other'; it is the actor the reader counts as the state behind the militias, or as its "
                     "forces"]


def test_unknown_role_is_refused_with_its_key(make_config: Callable[..., Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "    role: catch_all\n", "    role: catchall\n")
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert len(lines) == 1
    assert lines[0].startswith(f"{watchlist}: actors[")
    assert lines[0].split(": ", 2)[1].endswith("].role") and "'catch_all'" in lines[0]


def test_renamed_catch_all_keeps_working(make_config: Callable[..., Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The code finds the catch-all by its role: renamed in the watchlist (and in the history that names it),
    the files pass the check and an unclaimed attack is put on the new name."""
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "- name: Iran-backed militias", "- name: Iran backed militias")
    history = broken_copy(tmp_path, "history.yaml", "Iran-backed militias", "Iran backed militias")
    assert main(["--config", str(make_config(watchlist=str(watchlist), history=str(history))), "check-config"]) == 0
    assert "configuration is valid" in capsys.readouterr().out
    loaded = load_watchlist([watchlist])
    reader = Reader(load_vocabulary([SHIPPED / "vocabulary.yaml", SHIPPED / "vocabulary.ar.yaml"]), loaded)
    title = "Rockets hit Camp Taji north of Baghdad"
    summary = "Three Katyusha rockets struck the base where coalition troops are stationed; no group claimed it."
    reading = reader.read(title, summary, Matcher(loaded).match(f"{title}\n{summary}"), WHEN)
    assert reading.relevant and reading.event_type == "attack"
    assert reading.actors == ("Iran backed militias",)
    assert reading.parties[0].role == "perpetrator" and reading.parties[0].how == "assumed"


def test_history_names_actors_places_and_sides(make_config: Callable[..., Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    history = SHIPPED / "history.yaml"
    text = history.read_text(encoding="utf-8")
    first = ("    actors: [Kataib Hezbollah]\n    places: [K1 Air Base, Kirkuk]\n    killed: {US: 1}\n"
             "    followed_by: {type: strike, date: 2019-12-29, by: United States, places: [Al-Qaim, Albu Kamal]}")
    assert text.count(first) == 1, "history.yaml's first incident changed; update the test"
    broken = tmp_path / "history.yaml"
    broken.write_text(text.replace(first, (
        "    actors: [Kataib Hizbollah]\n    places: [K1 Airbase, Kirkuk]\n    killed: {Americans: 1}\n"
        "    followed_by: {type: strike, date: 2019-12-29, by: Untied States, places: [Al-Qaim, Abu Kamal]}")),
        encoding="utf-8")
    lines = check_config(make_config(history=str(broken)), capsys)
    where = f"{broken}: incidents[0]"
    assert lines[0] == f"{where}.actors[0]: 'Kataib Hizbollah' is not an actor in watchlist.yaml; did you mean " \
                       "'Kataib Hezbollah'?"
    assert lines[1] == f"{where}.places[0]: 'K1 Airbase' is not a place in watchlist.yaml; did you mean 'K1 Air Base'?"
    assert lines[2].startswith(f"{where}.killed: 'Americans' is not a side the casualty reader counts")
    assert lines[3] == f"{where}.followed_by.by: 'Untied States' is not an actor in watchlist.yaml; did you mean " \
                       "'United States'?"
    assert lines[4] == f"{where}.followed_by.places[1]: 'Abu Kamal' is not a place in watchlist.yaml; did you mean " \
                       "'Albu Kamal'?"
    assert len(lines) == 5


def test_theatre_must_be_a_country_of_the_watchlist(make_config: Callable[..., Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    vocabulary = broken_copy(tmp_path, "vocabulary.yaml", "theatre: [Iraq, Syria, Jordan]",
                             "theatre: [Irak, Syria, Jordan]")
    lines = check_config(make_config(vocabulary=str(vocabulary)), capsys)
    assert lines == [f"{vocabulary}: theatre[0]: 'Irak' is not the country of any place in watchlist.yaml; "
                     "did you mean 'Iraq'?"]


def test_vocabulary_must_keep_the_sides_the_code_reads(make_config: Callable[..., Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    vocabulary = broken_copy(tmp_path, "vocabulary.yaml", "  US: [us, u s,", "  USA: [us, u s,")
    lines = check_config(make_config(vocabulary=str(vocabulary)), capsys)
    # The rules and history still name US, but they are checked only against a vocabulary that loaded.
    assert lines == [f"{vocabulary}: sides: no side named 'US', which warnings, alert severity and death totals "
                     "read as US deaths; did you mean 'USA'?"]


def test_vehicle_strike_weapons_must_be_weapon_kinds(make_config: Callable[..., Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    vocabulary = broken_copy(tmp_path, "vocabulary.yaml", "vehicle_strike_weapons: [drones,",
                             "vehicle_strike_weapons: [drone,")
    lines = check_config(make_config(vocabulary=str(vocabulary)), capsys)
    assert lines == [f"{vocabulary}: vehicle_strike_weapons: no weapon kind named 'drone' under weapons; "
                     "did you mean 'drones'?"]


def test_watchlist_references_between_entries(make_config: Callable[..., Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # A person's affiliation gives the side the reader counts them on when they are killed.
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "    affiliation: IRGC\n", "    affiliation: IRCG\n", 1)
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: people['Qasem Soleimani'].affiliation: 'IRCG' is not an actor in the watchlist; "
                     "did you mean 'IRGC'?"]


def test_the_code_writes_no_watchlist_name() -> None:
    """The code asks the watchlist for actors by role; a name written in the code would switch a feature off
    silently the day that entry is renamed, and check-config could not tell."""
    shipped = yaml.safe_load((SHIPPED / "watchlist.yaml").read_text(encoding="utf-8"))
    names = {entry["name"] for section in ("actors", "places") for entry in shipped[section]}
    assert {"Iran-backed militias", "Camp Taji"} <= names, "the shipped watchlist changed; the scan reads nothing"
    found = []
    for path in sorted(MONITOR_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                found.append(f"{path.relative_to(MONITOR_DIR.parent)}:{node.lineno}: {node.value!r}")
    assert not found, "watchlist names written in the code (give the actor a `role` instead):\n" + "\n".join(found)


def _missing_driver() -> str:
    for driver, module in (("psycopg2", "psycopg2"), ("pg8000", "pg8000"), ("asyncpg", "asyncpg")):
        if importlib.util.find_spec(module) is None:
            return driver
    pytest.skip("every PostgreSQL driver this test knows is installed")


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlit:///x.db", "database: unknown database kind 'sqlit'; did you mean 'sqlite'?"),
    ("postgres://user@localhost/monitor", "database: unknown database kind 'postgres'; did you mean 'postgresql'?"),
    ("sqlite://x.db", "database: Invalid SQLite URL: sqlite://x.db; use sqlite:///relative/path.db"),
    ("not a url", "database: not a database URL; use sqlite:///path/to/monitor.db"),
    ("postgresql+{driver}://user:pw@localhost/monitor", "database: the postgresql driver '{driver}' is not installed; "
     "for PostgreSQL, pip install '.[postgres]'"),
])
@pytest.mark.parametrize("command", ["check-config", "run"])
def test_database_url_is_one_line_with_file_and_key(make_config: Callable[..., Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str], url: str, expected: str,
                                                    command: str) -> None:
    if "{driver}" in url:
        driver = _missing_driver()
        url, expected = url.format(driver=driver), expected.format(driver=driver)
    path = make_config(database=url)
    # `run` is the daemon's start-up: it fails when the engine is made, before the daemon starts.
    assert main(["--config", str(path), command]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err
    assert "Traceback" not in err and "pw" not in err
    assert len([line for line in err.splitlines() if "database" in line]) == 1


def test_database_url_from_the_environment_names_the_variable(make_config: Callable[..., Path],
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = make_config()
    monkeypatch.setenv("MONITOR_DATABASE", "sqlit:///x.db")
    assert main(["--config", str(path), "check-config"]) == 2
    assert "MONITOR_DATABASE: unknown database kind 'sqlit'; did you mean 'sqlite'?" in capsys.readouterr().err


def test_rule_expects_against_is_a_documented_phrase_or_a_name(make_config: Callable[..., Path], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    # `against` is shown in the warning as written, except the words standing for the trigger's parties.
    rules = broken_copy(tmp_path, "rules.yaml", "against: perpetrators", "against: perpetrator", 1)
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert lines == [f"{rules}: rules[0].expects.against: 'perpetrator' is not an actor or place in watchlist.yaml; "
                     "did you mean 'perpetrators'?"]


def test_start_up_refuses_what_check_config_refuses(make_config: Callable[..., Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The daemon loads the same files: a misspelled name stops it with the same line, not a silent rule."""
    rules = broken_copy(tmp_path, "rules.yaml", "by: United States", "by: United Statez")
    config = make_config(rules=str(rules))
    assert main(["--config", str(config), "poll", "--once"]) == 2
    err = capsys.readouterr().err
    assert "configuration error:" in err and "rules[0].expects.by: 'United Statez'" in err
    assert "did you mean 'United States'?" in err and "Traceback" not in err
