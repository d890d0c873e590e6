"""The configuration as a whole: every name one config file takes from another (actors, places, casualty sides)
and every actor the code looks up by name must exist, and a database URL SQLAlchemy cannot use is a one-line
error. Each test writes one broken copy of the shipped files and runs `monitor check-config` on it."""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from monitor.cli import main
from monitor.watchlist import CODE_ACTORS

SHIPPED = Path(__file__).resolve().parents[1] / "config"
MONITOR_DIR = Path(__file__).resolve().parents[1] / "monitor"


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
    rules = broken_copy(tmp_path, "rules.yaml", "by: United States", "by: United Statez")
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert lines == [f"{rules}: rules[0].expects.by: 'United Statez' is not an actor in watchlist.yaml; "
                     "did you mean 'United States'?"]


def test_rule_expects_by_keyword_misspelled(make_config: Callable[..., Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # `perpetrators` and `targets` are the other words `by` takes; the shipped second rule uses `targets`.
    rules = broken_copy(tmp_path, "rules.yaml", "by: targets", "by: target")
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert lines == [f"{rules}: rules[1].expects.by: 'target' is not an actor in watchlist.yaml; "
                     "did you mean 'targets'?"]


def test_min_killed_side_must_be_a_casualty_side(make_config: Callable[..., Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rules = broken_copy(tmp_path, "rules.yaml", "min_killed: {US: 1, UK: 1, coalition: 1}", "min_killed: {USA: 1}")
    lines = check_config(make_config(rules=str(rules)), capsys)
    assert len(lines) == 1
    assert lines[0].startswith(f"{rules}: rules[0].trigger.min_killed: 'USA' is not a side the casualty reader "
                               "counts (vocabulary.yaml sides: US, UK, coalition, ")
    assert lines[0].endswith("; did you mean 'US'?")


def test_renamed_catch_all_actor(make_config: Callable[..., Path], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "- name: Iran-backed militias",
                            "- name: Iran-aligned militia groups")
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: actors: no actor named 'Iran-backed militias', which the reader uses as the "
                     "catch-all for unnamed militias; did you mean 'Iran-aligned militia groups'?"]


def test_catch_all_on_the_wrong_side(make_config: Callable[..., Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "- name: Iran-backed militias\n    kind: person_group\n"
                            "    side: iran_aligned", "- name: Iran-backed militias\n    kind: person_group\n"
                            "    side: other")
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: actors: 'Iran-backed militias' has side 'other'; it must be 'iran_aligned', "
                     "as the actor which the reader uses as the catch-all for unnamed militias"]


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


def test_watchlist_references_between_entries(make_config: Callable[..., Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # A person's affiliation gives the side the reader counts them on when they are killed.
    watchlist = broken_copy(tmp_path, "watchlist.yaml", "    affiliation: IRGC\n", "    affiliation: IRCG\n", 1)
    lines = check_config(make_config(watchlist=str(watchlist)), capsys)
    assert lines == [f"{watchlist}: people['Qasem Soleimani'].affiliation: 'IRCG' is not an actor in the watchlist; "
                     "did you mean 'IRGC'?"]


def test_code_actors_list_every_actor_the_code_names() -> None:
    """CODE_ACTORS must name every watchlist actor that the reader and the assessor look up by name, or a
    rename of that actor would pass check-config and silently switch a feature off."""
    actors = {a["name"] for a in yaml.safe_load((SHIPPED / "watchlist.yaml").read_text(encoding="utf-8"))["actors"]}
    named = set()
    for module in ("classify.py", "assess.py"):
        tree = ast.parse((MONITOR_DIR / module).read_text(encoding="utf-8"))
        named |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in actors}
    assert named, "no actor names found in the code; the scan is broken"
    assert named <= set(CODE_ACTORS), sorted(named - set(CODE_ACTORS))


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
    rules = broken_copy(tmp_path, "rules.yaml", "against: perpetrators", "against: perpetrator")
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
