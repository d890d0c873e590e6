"""What reading costs: the type model's scoring of a report (issue 12's "match + read" rate, issue 15's replay).

Counted, not timed, where a count says it: the Python-level calls a step makes (`sys.setprofile` sees each call of
a built-in), which do not depend on the machine's load."""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.classify import Reader
from monitor.classify.learned import probabilities
from monitor.config import TypeModel, load_type_model, load_vocabulary, load_watchlist
from monitor.match import Matcher

CONFIG = Path(__file__).resolve().parents[1] / "config"
WHEN = datetime(2021, 2, 16, 9, 0, tzinfo=UTC)
REPORT = ("Rockets hit Erbil airport hosting US-led coalition troops, one contractor killed",
          "At least three rockets struck the international airport in Erbil, the capital of Iraq's Kurdistan region, "
          "late on Monday, killing a foreign civilian contractor and wounding several others including a US service "
          "member, the coalition said. A little-known group calling itself Saraya Awliya al-Dam claimed the attack, "
          "which the Kurdistan interior ministry said was launched from a pickup truck parked south of the city. The "
          "attack was the deadliest on coalition forces in Iraq in nearly a year.")


@pytest.fixture(scope="module")
def shipped() -> tuple[TypeModel, dict[str, float]]:
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    model = load_type_model(CONFIG / "type_model.json")
    reader = Reader(load_vocabulary(sorted(CONFIG.glob("vocabulary*.yaml"))), watchlist, model)
    title, summary = REPORT
    _, seen = reader.read_with_features(title, summary, Matcher(watchlist).match(f"{title}\n{summary}"), WHEN)
    return model, seen


def _calls(step) -> int:  # type: ignore[no-untyped-def]
    count = 0

    def seen(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(seen)
    try:
        step()
    finally:
        sys.setprofile(None)
    return count


def test_scoring_a_report_makes_no_call_per_feature(shipped):
    """The weights of a report's features are looked up and summed in C, a few calls per block of features: a
    lookup and a product per feature in Python were a third of reading a wire report."""
    model, seen = shipped
    probabilities(model, seen)  # the model's packed weights are built at its first scoring
    assert len(seen) > 500
    calls = _calls(lambda: probabilities(model, seen))
    assert calls < 150, f"{calls} calls to score {len(seen)} features"  # ~1,700 looking each feature up in Python


def test_scoring_sums_what_a_feature_by_feature_sum_gives(shipped):
    """Summed by block, in C: the same probabilities as the plain sum over each feature (to far below what any
    output prints), from the report's `Features` or from a plain dict of them (training's)."""
    model, seen = shipped
    totals = [bias + sum(value * column[model.index[name]] for name, value in sorted(seen.items())
                         if name in model.index)
              for bias, column in zip(model.bias, model.columns, strict=True)]
    exps = [math.exp(t - max(totals)) for t in totals]
    expected = {kind: e / sum(exps) for kind, e in zip(model.classes, exps, strict=True)}
    for got in (probabilities(model, seen), probabilities(model, dict(seen))):
        assert got.keys() == expected.keys()
        assert all(abs(got[kind] - expected[kind]) < 1e-12 for kind in expected), (got, expected)
