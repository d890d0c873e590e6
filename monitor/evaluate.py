"""Evaluation: replay a labelled file and score what the pipeline made of it.

Label names are resolved through the watchlist's spellings, so a watchlist whose canonical names
differ from the labels' still scores correctly. The figures: relevance precision/recall/F1, event
type accuracy with a confusion table, actor and place F1, exact killed counts for US deaths,
pairwise precision/recall of "same event" decisions, and alerts per real event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from monitor import parse
from monitor.match import tokens
from monitor.pipeline import Runtime, process_item
from monitor.replay import ReplayInputError, jsonl_records
from monitor.watchlist import Watchlist


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    item: parse.Item
    labels: dict[str, Any]


@dataclass
class Scores:
    """Counts for precision and recall."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set, expected: set) -> None:
        self.tp += len(predicted & expected)
        self.fp += len(predicted - expected)
        self.fn += len(expected - predicted)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        return (f"{name:<12} precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn})")


@dataclass
class Report:
    relevance: Scores = field(default_factory=Scores)
    actors: Scores = field(default_factory=Scores)
    places: Scores = field(default_factory=Scores)
    pairs: Scores = field(default_factory=Scores)
    types: Counter = field(default_factory=Counter)  # (expected, predicted) -> n
    us_killed_exact: int = 0
    us_killed_total: int = 0
    items: int = 0
    real_events: int = 0
    new_event_alerts_per_event: Counter = field(default_factory=Counter)
    update_alerts_per_event: Counter = field(default_factory=Counter)
    misses: list[tuple[int, str]] = field(default_factory=list)

    @property
    def type_accuracy(self) -> float:
        total = sum(self.types.values())
        return sum(n for (e, p), n in self.types.items() if e == p) / total if total else 1.0

    def render(self, worst: int = 15) -> str:
        lines = [f"items: {self.items}", self.relevance.line("relevance"),
                 f"event type   accuracy {self.type_accuracy:.3f} over {sum(self.types.values())} items"]
        kinds = ["attack", "strike", "threat", "other", "none"]
        lines.append("  expected \\ predicted " + " ".join(f"{k:>7}" for k in kinds))
        for expected in kinds:
            row = [self.types.get((expected, predicted), 0) for predicted in kinds]
            if any(row):
                lines.append(f"  {expected:<21}" + " ".join(f"{n:>7}" for n in row))
        lines += [self.actors.line("actors"), self.places.line("places")]
        rate = self.us_killed_exact / self.us_killed_total if self.us_killed_total else 1.0
        lines.append(f"US killed    exact on {self.us_killed_exact}/{self.us_killed_total} items reporting US deaths "
                     f"({rate:.3f})")
        lines.append(self.pairs.line("same event"))
        alert_counts = self.new_event_alerts_per_event
        exactly_one = alert_counts.get(1, 0)
        lines.append(f"alerts       {exactly_one}/{self.real_events} real events got exactly one new_event alert; "
                     f"distribution {dict(sorted(alert_counts.items()))}")
        updates = self.update_alerts_per_event
        lines.append(f"updates      event_update alerts per real event: {dict(sorted(updates.items()))} "
                     f"({sum(n * k for k, n in updates.items())} in all)")
        if self.misses:
            lines.append(f"worst misses ({min(worst, len(self.misses))} of {len(self.misses)}):")
            for _, text in sorted(self.misses, key=lambda m: -m[0])[:worst]:
                lines.append(f"  {text}")
        return "\n".join(lines)


def read_labelled(path: Path) -> list[Labelled]:
    """Labelled items in published order; every line needs a `labels` object."""
    out = []
    for record, item, record_id in jsonl_records(path):
        if not isinstance(record.get("labels"), dict):
            raise ReplayInputError(f"{path}: item {record_id}: a labelled item needs a `labels` object")
        out.append(Labelled(str(record_id), item, record["labels"]))
    return sorted(out, key=lambda r: r.item.published)


class NameResolver:
    """Map label names to this watchlist's canonical names through every spelling it knows."""

    def __init__(self, watchlist: Watchlist):
        self._by_spelling: dict[tuple[str, ...], str] = {}
        for _, entry in watchlist.entries():
            for spelling in [*entry.spellings(), *entry.weak_aliases, *entry.acronyms]:
                self._by_spelling.setdefault(_key(spelling), entry.name)

    def resolve(self, names: Iterable[str]) -> set[str]:
        return {self._by_spelling.get(_key(n), n) for n in names}


def _key(name: str) -> tuple[str, ...]:
    return tuple(t for _, _, t in tokens(name))


def evaluate(runtime: Runtime, labelled: list[Labelled], watchlist: Watchlist) -> Report:
    """Replay labelled items through a fresh store and score the results."""
    resolver = NameResolver(watchlist)
    report = Report()
    predicted_event: dict[str, str | None] = {}
    alerts_by_event: Counter = Counter()
    updates_by_event: Counter = Counter()
    for record in labelled:
        outcome = process_item(runtime, record.item, now=record.item.published)
        if outcome is None:
            continue
        report.items += 1
        labels, reading = record.labels, outcome.reading
        predicted_event[record.id] = outcome.event_id
        for draft in outcome.alerts:
            if draft.kind == "new_event":
                alerts_by_event[draft.event_id] += 1
            elif draft.kind == "event_update":
                updates_by_event[draft.event_id] += 1
        title = record.item.title[:90]
        if labels.get("relevant") is not None:
            expected = bool(labels["relevant"])
            report.relevance.add({record.id} if reading.relevant else set(), {record.id} if expected else set())
            if expected != reading.relevant:
                report.misses.append((3, f"{record.id} relevance: expected {expected}, got {reading.relevant}: "
                                         f"{title}"))
        if labels.get("event_type"):
            got = reading.event_type or "none"
            report.types[(labels["event_type"], got)] += 1
            if got != labels["event_type"] and labels.get("relevant"):
                report.misses.append((2, f"{record.id} type: expected {labels['event_type']}, got {got}: {title}"))
        if labels.get("relevant"):
            _score_names(report.actors, resolver, reading.actors, labels.get("actors", []), record, "actors",
                         report.misses)
            _score_names(report.places, resolver, reading.places, labels.get("places", []), record, "places",
                         report.misses)
        if labels.get("us_killed"):
            report.us_killed_total += 1
            got_us = reading.killed.get("US", 0)
            if got_us == labels["us_killed"]:
                report.us_killed_exact += 1
            else:
                report.misses.append((3, f"{record.id} US killed: expected {labels['us_killed']}, got {got_us}: "
                                         f"{title}"))
    _score_pairs(report, labelled, predicted_event)
    keys = {r.labels.get("event_key") for r in labelled if r.labels.get("event_key") and r.labels.get("relevant")}
    report.real_events = len(keys)
    for key in keys:
        events_for_key = {predicted_event.get(r.id) for r in labelled if r.labels.get("event_key") == key}
        count = sum(alerts_by_event.get(e, 0) for e in events_for_key if e)
        report.new_event_alerts_per_event[count] += 1
        report.update_alerts_per_event[sum(updates_by_event.get(e, 0) for e in events_for_key if e)] += 1
    return report


def _score_names(scores: Scores, resolver: NameResolver, predicted: Iterable[str], expected: Iterable[str],
                 record: Labelled, what: str, misses: list[tuple[int, str]]) -> None:
    got, want = set(predicted), resolver.resolve(expected)
    scores.add(got, want)
    if got != want:
        extra, missing = sorted(got - want), sorted(want - got)
        misses.append((1, f"{record.id} {what}: missing {missing}, extra {extra}: {record.item.title[:70]}"))


def _score_pairs(report: Report, labelled: list[Labelled], predicted: dict[str, str | None]) -> None:
    """Pairwise "same event" decisions over relevant items."""
    scored = [r for r in labelled if r.labels.get("relevant") and r.labels.get("event_key")]
    for a, b in combinations(scored, 2):
        same_truth = a.labels["event_key"] == b.labels["event_key"]
        ea, eb = predicted.get(a.id), predicted.get(b.id)
        same_predicted = ea is not None and ea == eb
        pair = {(a.id, b.id)}
        report.pairs.add(pair if same_predicted else set(), pair if same_truth else set())
