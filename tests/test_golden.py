"""Golden files: what `monitor replay` writes for each fixture feed, frozen so that a change shows as a diff.

Pairing: every `tests/fixtures/feeds/<name>.xml` has a `<name>.expected.jsonl` beside it, holding the
records `monitor replay <name>.xml` writes for that feed alone (shipped watchlist, vocabulary, history and
escalation rules, so warnings are part of what is frozen). One multi-feed scenario, TOGETHER below, is
replayed in one run (merging and warnings across feeds) and frozen as `cycle_together.expected.jsonl`.
A bug report about a feed is then two files: the feed and what replay says about it.

Golden format: JSON Lines, one record per line, `json.dumps(record, ensure_ascii=False, sort_keys=True)`,
a newline after the last record. Records are those of monitor/replay.py (`item` and `alert`).

Determinism, and the one thing pinned:
- Event ids (`ev-` + the first report's item key) and item ids (guid, else a SHA-256 of the canonical link
  or text) come from the feed's content alone, so they are kept as they are (no renaming to E1, E2...).
- An item without a date is given the feed file's modification time (replay's stand-in for the fetch
  time), which would put the checkout time into `at` and into the order of items. The test therefore
  replays copies of the fixtures whose modification time is set to FETCHED_AT; the output itself is
  not rewritten. The copies live under a per-test temporary folder, so any dependence on the file's
  path (the feed URL is `file://<path>`) would show as a mismatch too.

not_a_feed.html has no golden file: replay refuses it (exit status 2, "replay input error"), and a test
below freezes that refusal instead.

Regenerate after a deliberate change of behaviour, then review the diff of the golden files:

    MONITOR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import SHIPPED_RULES, TESTS_DIR

from monitor.cli import main

FEEDS_DIR = TESTS_DIR / "fixtures" / "feeds"

# The multi-feed scenario: replayed together, frozen as cycle_together.expected.jsonl.
TOGETHER_NAME = "cycle_together"
TOGETHER = ("seed_cycle.xml", "taji_attack_atom.xml", "us_strikes_kh.xml", "attack_on_k1.xml")

# Modification time given to the replayed copies: the time replay assigns to items without a date.
FETCHED_AT = datetime(2020, 6, 1, 12, 0, tzinfo=UTC)

UPDATE = os.environ.get("MONITOR_UPDATE_GOLDEN") == "1"
REGENERATE = "MONITOR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_golden.py"

SCENARIOS: dict[str, tuple[str, ...]] = {
    **{path.stem: (path.name,) for path in sorted(FEEDS_DIR.glob("*.xml"))},
    TOGETHER_NAME: TOGETHER,
}


def golden_path(name: str) -> Path:
    return FEEDS_DIR / f"{name}.expected.jsonl"


def replay_lines(make_config, tmp_path: Path, inputs: tuple[str, ...]) -> list[str]:
    """Replay copies of the inputs (mtime pinned to FETCHED_AT); the records as golden-format lines."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    stamp = FETCHED_AT.timestamp()
    copies = []
    for name in inputs:
        copy = feeds / name
        shutil.copyfile(FEEDS_DIR / name, copy)
        os.utime(copy, (stamp, stamp))
        copies.append(str(copy))
    out = tmp_path / "out.jsonl"
    config = make_config(rules=SHIPPED_RULES)
    argv = ["--config", str(config), "replay", *copies, "--out", str(out), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return [json.dumps(record, ensure_ascii=False, sort_keys=True) for record in records]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_replay_matches_golden_file(name, make_config, tmp_path):
    got = replay_lines(make_config, tmp_path, SCENARIOS[name])
    path = golden_path(name)
    if UPDATE:
        path.write_text("".join(line + "\n" for line in got), encoding="utf-8")
        return
    shown = path.relative_to(TESTS_DIR.parent)
    assert path.exists(), f"{shown} is missing; write it with:\n    {REGENERATE}"
    expected = path.read_text(encoding="utf-8").splitlines()
    if got != expected:
        diff = "\n".join(difflib.unified_diff(expected, got, fromfile=f"{shown} (expected)",
                                              tofile=f"replay of {', '.join(SCENARIOS[name])} (got)", lineterm=""))
        pytest.fail(f"replay output differs from {shown}:\n{diff}\n\n"
                    f"If the change is intended, regenerate and review the diff of the golden files:\n"
                    f"    {REGENERATE}", pytrace=False)


def test_every_golden_file_has_its_scenario():
    """A golden file whose feed was renamed or removed would otherwise be checked by nothing."""
    orphans = sorted(p.name for p in FEEDS_DIR.glob("*.expected.jsonl")
                     if p.name.removesuffix(".expected.jsonl") not in SCENARIOS)
    assert not orphans, f"golden files without a fixture feed or scenario: {orphans}"


def test_not_a_feed_is_refused_so_it_has_no_golden_file(make_config, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    argv = ["--config", str(make_config(rules=SHIPPED_RULES)), "replay", str(FEEDS_DIR / "not_a_feed.html"),
            "--out", str(out), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    assert main(argv) == 2
    assert "replay input error" in capsys.readouterr().err
    assert not golden_path("not_a_feed").exists()
