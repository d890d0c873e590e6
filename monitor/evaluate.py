"""Evaluation: replay a labelled file and score what the pipeline made of it.

Label names are resolved through the watchlist's spellings, so a watchlist whose canonical names
differ from the labels' still scores correctly. The figures: relevance precision/recall/F1, event
type accuracy with a confusion table, actor and place F1, exact killed counts for US deaths,
pairwise precision/recall of "same event" decisions, and alerts per real event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from monitor import store
from monitor.config import Watchlist
from monitor.model import MISS, Item
from monitor.pipeline import Runtime, process_item
from monitor.replay import ReplayInputError, jsonl_records
from monitor.text import tokens


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    item: Item
    labels: dict[str, Any]
    lang: str = "en"
    shape: str | None = None  # from a provenance file, when given


@dataclass
class Scores:
    """Counts for precision and recall."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: set[Any], expected: set[Any]) -> None:
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
class Breakdown:
    """The reading figures of one group of items (one shape, one language)."""

    items: int = 0
    relevance: Scores = field(default_factory=Scores)
    actors: Scores = field(default_factory=Scores)
    places: Scores = field(default_factory=Scores)
    types: Counter[tuple[str, str]] = field(default_factory=Counter)

    def line(self, name: str) -> str:
        typed = sum(self.types.values())
        accuracy = sum(n for (e, p), n in self.types.items() if e == p) / typed if typed else 1.0
        r = self.relevance
        return (f"  {name:<22} {self.items:>5}  {r.precision:.3f}  {r.recall:.3f}  {r.f1:.3f}  {accuracy:.3f}  "
                f"{self.actors.f1:.3f}  {self.places.f1:.3f}")


@dataclass
class Report:
    relevance: Scores = field(default_factory=Scores)
    actors: Scores = field(default_factory=Scores)
    places: Scores = field(default_factory=Scores)
    pairs: Scores = field(default_factory=Scores)
    types: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, predicted) -> n
    us_killed_exact: int = 0
    us_killed_total: int = 0
    items: int = 0
    real_events: int = 0
    new_event_alerts_per_event: Counter[int] = field(default_factory=Counter)
    new_event_alerts: int = 0  # every new_event alert sent
    unreal_alerts: list[str] = field(default_factory=list)  # titles of those whose event no relevant report is in
    update_alerts_per_event: Counter[int] = field(default_factory=Counter)
    misses: list[tuple[int, str]] = field(default_factory=list)
    warnings: WarningReport | None = None
    groups: dict[str, Breakdown] = field(default_factory=dict)
    bcubed: tuple[float, float] = (1.0, 1.0)  # same-incident clustering, per item (precision, recall)
    pairs_by: dict[str, Scores] = field(default_factory=dict)  # "same event" pairs by language and shape

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
        lines.append(f"same event   B-cubed precision {self.bcubed[0]:.3f}  recall {self.bcubed[1]:.3f}  "
                     f"F1 {_harmonic(*self.bcubed):.3f}")
        alert_counts = self.new_event_alerts_per_event
        exactly_one = alert_counts.get(1, 0)
        lines.append(f"alerts       {exactly_one}/{self.real_events} real events got exactly one new_event alert; "
                     f"distribution {dict(sorted(alert_counts.items()))}")
        share = len(self.unreal_alerts) / self.new_event_alerts if self.new_event_alerts else 0.0
        lines.append(f"alerts       {len(self.unreal_alerts)} of {self.new_event_alerts} new_event alerts "
                     f"({share:.1%}) are about no real incident (every report of their event labelled not relevant)"
                     + "".join(f"\n  no incident: {title}" for title in self.unreal_alerts))
        updates = self.update_alerts_per_event
        lines.append(f"updates      event_update alerts per real event: {dict(sorted(updates.items()))} "
                     f"({sum(n * k for k, n in updates.items())} in all)")
        if len(self.pairs_by) > 1:
            lines.append("same event pairs by language (a pair of two languages counts as en+ar) and by shape "
                         "(a pair counts for each shape in it):")
            lines += [score.line(f"  {name}") for name, score in sorted(self.pairs_by.items())]
        if len(self.groups) > 1:
            lines.append("by shape and language     items  rel P  rel R  rel F1  type   actors places")
            lines += [group.line(name) for name, group in sorted(self.groups.items())]
        if self.warnings is not None:
            lines.append(self.warnings.render())
        if self.misses:
            lines.append(f"worst misses ({min(worst, len(self.misses))} of {len(self.misses)}):")
            for _, text in sorted(self.misses, key=lambda m: -m[0])[:worst]:
                lines.append(f"  {text}")
        return "\n".join(lines)


def read_labelled(path: Path, shapes: dict[str, str] | None = None) -> list[Labelled]:
    """Labelled items in published order; every line needs a `labels` object. `shapes` gives each id's shape
    (from a provenance file)."""
    out = []
    for record, item, record_id in jsonl_records(path):
        if not isinstance(record.get("labels"), dict):
            raise ReplayInputError(f"{path}: item {record_id}: a labelled item needs a `labels` object")
        lang = str(record.get("lang") or "en")
        out.append(Labelled(str(record_id), item, record["labels"], lang, (shapes or {}).get(str(record_id))))
    return sorted(out, key=lambda r: r.item.published)


def read_provenance(path: Path) -> dict[str, str]:
    """Each report's shape from a provenance file (format of the shared dev2_provenance.json)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReplayInputError(f"{path}: cannot read the provenance file: {exc}") from None
    if not isinstance(raw, dict):
        raise ReplayInputError(f"{path}: a provenance file maps report ids to objects with a `shape`")
    return {str(k): str(v.get("shape")) for k, v in raw.items() if isinstance(v, dict) and v.get("shape")}


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


def evaluate(runtime: Runtime, labelled: list[Labelled], watchlist: Watchlist,
             timeline: dict[str, TimelineIncident] | None = None,
             progress: Callable[[int, int], None] | None = None) -> Report:
    """Replay labelled items through a fresh store and score the results. `progress` is told (items done,
    items in all) before each item, for a progress bar."""
    resolver = NameResolver(watchlist)
    report = Report()
    predicted_event: dict[str, str | None] = {}
    alerts_by_event: Counter[str | None] = Counter()
    first_titles: dict[str | None, str] = {}  # event -> the title of the report that raised its new_event alert
    updates_by_event: Counter[str | None] = Counter()
    for done, record in enumerate(labelled):
        if progress is not None:
            progress(done, len(labelled))
        outcome = process_item(runtime, record.item, now=record.item.published)
        if outcome is None:
            continue
        report.items += 1
        labels, reading = record.labels, outcome.reading
        predicted_event[record.id] = outcome.event_id
        for draft in outcome.alerts:
            if draft.kind == "new_event":
                alerts_by_event[draft.event_id] += 1
                first_titles.setdefault(draft.event_id, record.item.title[:90])
            elif draft.kind == "event_update":
                updates_by_event[draft.event_id] += 1
        title = record.item.title[:90]
        groups = [report.groups.setdefault(f"lang {record.lang}", Breakdown())]
        if record.shape:
            groups.append(report.groups.setdefault(f"shape {record.shape}", Breakdown()))
        _score_groups(groups, resolver, record, reading.relevant, reading.event_type, reading.actors, reading.places)
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
            # The label counts every US death the report states, its own event's or an earlier one's.
            got_us = max(reading.killed.get("US", 0), reading.stated_killed.get("US", 0))
            if got_us == labels["us_killed"]:
                report.us_killed_exact += 1
            else:
                report.misses.append((3, f"{record.id} US killed: expected {labels['us_killed']}, got {got_us}: "
                                         f"{title}"))
    _score_pairs(report, labelled, predicted_event)
    if timeline is not None:
        report.warnings = score_warnings(store.predictions(runtime.engine), labelled, predicted_event, timeline,
                                         rule_windows(runtime.rules.rules), store.explained_misses(runtime.engine))
    real = {predicted_event.get(r.id) for r in labelled if r.labels.get("relevant") is not False}
    report.new_event_alerts = sum(alerts_by_event.values())
    report.unreal_alerts = [first_titles[e] for e, n in alerts_by_event.items() for _ in range(n) if e not in real]
    keys = {r.labels.get("event_key") for r in labelled if r.labels.get("event_key") and r.labels.get("relevant")}
    report.real_events = len(keys)
    for key in keys:
        events_for_key = {predicted_event.get(r.id) for r in labelled if r.labels.get("event_key") == key}
        count = sum(alerts_by_event.get(e, 0) for e in events_for_key if e)
        report.new_event_alerts_per_event[count] += 1
        report.update_alerts_per_event[sum(updates_by_event.get(e, 0) for e in events_for_key if e)] += 1
    return report


def _score_groups(groups: list[Breakdown], resolver: NameResolver, record: Labelled, relevant: bool,
                  event_type: str | None, actors: Iterable[str], places: Iterable[str]) -> None:
    labels = record.labels
    for group in groups:
        group.items += 1
        if labels.get("relevant") is not None:
            group.relevance.add({record.id} if relevant else set(), {record.id} if labels["relevant"] else set())
        if labels.get("event_type"):
            group.types[(labels["event_type"], event_type or "none")] += 1
        if labels.get("relevant"):
            group.actors.add(set(actors), resolver.resolve(labels.get("actors", [])))
            group.places.add(set(places), resolver.resolve(labels.get("places", [])))


def _score_names(scores: Scores, resolver: NameResolver, predicted: Iterable[str], expected: Iterable[str],
                 record: Labelled, what: str, misses: list[tuple[int, str]]) -> None:
    got, want = set(predicted), resolver.resolve(expected)
    scores.add(got, want)
    if got != want:
        extra, missing = sorted(got - want), sorted(want - got)
        misses.append((1, f"{record.id} {what}: missing {missing}, extra {extra}: {record.item.title[:70]}"))


def _harmonic(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _score_pairs(report: Report, labelled: list[Labelled], predicted: dict[str, str | None]) -> None:
    """Pairwise "same event" decisions over relevant items, and B-cubed: per item, how much of the event it was
    put in is its incident (precision) and how much of its incident is in that event (recall)."""
    scored = [r for r in labelled if r.labels.get("relevant") and r.labels.get("event_key")]
    cluster = {r.id: predicted.get(r.id) or f"alone:{r.id}" for r in scored}
    if scored:
        precisions, recalls = [], []
        for r in scored:
            mine = {o.id for o in scored if cluster[o.id] == cluster[r.id]}
            truth = {o.id for o in scored if o.labels["event_key"] == r.labels["event_key"]}
            precisions.append(len(mine & truth) / len(mine))
            recalls.append(len(mine & truth) / len(truth))
        report.bcubed = (sum(precisions) / len(scored), sum(recalls) / len(scored))
    for a, b in combinations(scored, 2):
        same_truth = a.labels["event_key"] == b.labels["event_key"]
        ea, eb = predicted.get(a.id), predicted.get(b.id)
        same_predicted = ea is not None and ea == eb
        pair = {(a.id, b.id)}
        report.pairs.add(pair if same_predicted else set(), pair if same_truth else set())
        names = {f"lang {'+'.join(sorted({a.lang, b.lang}))}", *(f"shape {s}" for s in (a.shape, b.shape) if s)}
        for name in names:
            report.pairs_by.setdefault(name, Scores()).add(pair if same_predicted else set(),
                                                           pair if same_truth else set())


# --- warnings against a timeline -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineIncident:
    key: str
    day: date
    type: str
    us_killed: int
    followed_by: str | None
    lag_days: int | None
    link_type: str | None


def read_timeline(path: Path) -> dict[str, TimelineIncident]:
    """The incidents of a timeline file (format of the shared dev_timeline.json)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReplayInputError(f"{path}: cannot read the timeline: {exc}") from None
    out = {}
    for entry in raw:
        casualties = entry.get("casualties") or {}
        out[entry["event_key"]] = TimelineIncident(
            key=entry["event_key"], day=date.fromisoformat(entry["date"]), type=entry["type"],
            us_killed=int(casualties.get("us_killed") or 0), followed_by=entry.get("followed_by_strike_event_key"),
            lag_days=entry.get("lag_days"), link_type=entry.get("link_type"))
    return out


@dataclass
class WarningReport:
    warnings: int = 0
    right: int = 0
    expected: int = 0
    warned_before: int = 0
    answered: int = 0  # strikes that answered an attack with US deaths (the measure of strike warnings)
    answered_warned: int = 0
    lines: list[str] = field(default_factory=list)
    store_lines: list[str] = field(default_factory=list)  # the store's own misses, as `monitor track-record` lists

    def render(self) -> str:
        precision = self.right / self.warnings if self.warnings else 1.0
        recall = self.warned_before / self.expected if self.expected else 1.0
        head = [f"warnings     precision {precision:.3f} ({self.right} of {self.warnings} right)  "
                f"recall {recall:.3f} ({self.warned_before} of {self.expected} expected events warned of)",
                f"  strikes that answered an attack with US deaths: {self.answered_warned} of {self.answered} "
                "warned of",
                f"  an expected event not warned of is MISSED; a miss is {MISS}"]
        return "\n".join(head + self.lines + self.store_lines)


StoreMiss = tuple[store.Miss, list[tuple[datetime, str, str]]]  # as `store.explained_misses` gives them


def rule_windows(rules: Iterable[Any]) -> dict[str, int]:
    """Each warning kind's window in whole days (the longest of its rules), as the timeline counts days."""
    out: dict[str, int] = {}
    for rule in rules:
        days = -(-int(rule.window.total_seconds()) // 86400)
        out[rule.expects.kind] = max(out.get(rule.expects.kind, 0), days)
    return out


def score_warnings(predictions: list[store.Prediction], labelled: list[Labelled],
                   predicted_event: dict[str, str | None], timeline: dict[str, TimelineIncident],
                   windows: dict[str, int], misses: list[StoreMiss] | None = None) -> WarningReport:
    """Warnings sent during the replay, judged against the timeline: right when the expected kind of event
    followed the trigger within the window. Recall over the expected events, as `model.MISS` defines them on
    the timeline's days: a strike within the strike rule's window (`windows`, by warning kind) after an attack,
    an attack within the reprisal rule's window after a strike. One was warned of when a warning of its kind was
    sent before its first report and still stood then. `misses` are the store's own (`monitor track-record`),
    listed beside them with the timeline incident each was."""
    key_of_event: dict[str, Counter[str]] = {}
    first_report: dict[str, datetime] = {}
    for record in labelled:
        key = record.labels.get("event_key")
        event = predicted_event.get(record.id)
        if key and event:
            key_of_event.setdefault(event, Counter())[key] += 1
        if key and key not in first_report:
            first_report[key] = record.item.published
    report = WarningReport()
    warned_keys: dict[str, list[store.Prediction]] = {}
    sent = [p for p in predictions if p.warned_at is not None]
    for p in sent:
        keys = key_of_event.get(p.trigger_event_id)
        trigger = timeline.get(keys.most_common(1)[0][0]) if keys else None
        report.warnings += 1
        window_days = (p.window_end - p.window_start).days
        right = trigger is not None and _followed(trigger, p.expected_type, window_days, timeline)
        report.right += right
        label = trigger.key if trigger else "an item outside the timeline"
        report.lines.append(f"  {'right' if right else 'FALSE ALARM'}: {p.kind} at {p.warned_at:%Y-%m-%d %H:%M} "
                            f"({p.warned_likelihood or p.likelihood:.0%}) on {label}")
        if trigger is not None:
            warned_keys.setdefault(trigger.key, []).append(p)
    stored = misses or []
    missed_keys = {key_of_event[m.event_id].most_common(1)[0][0] for m, _ in stored if m.event_id in key_of_event}
    listed: set[str] = set()
    for incident in timeline.values():
        kind, cause_type = {"strike": ("strike_likely", "attack"), "attack": ("attack_likely", "strike")}.get(
            incident.type, ("", ""))
        if kind not in windows:
            continue
        # A cause reported after the incident it would foretell cannot have been its warning's trigger (an attack
        # first reported hours before the strike of the same day): track-record's notion of a miss, the same here.
        arrived = first_report.get(incident.key)
        causes = [c for c in timeline.values() if c.type == cause_type and c.key != incident.key
                  and 0 <= (incident.day - c.day).days <= windows[kind]
                  and not (arrived is not None and c.key in first_report and first_report[c.key] >= arrived)]
        if not causes:
            continue
        report.expected += 1
        warned = _recall_line(report, incident, causes, sent, warned_keys, first_report, kind, missed_keys)
        listed.add(incident.key)
        answered = [a for a in timeline.values() if a.followed_by == incident.key and a.us_killed >= 1
                    and a.link_type == "direct"]
        if incident.type == "strike" and answered:
            report.answered += 1
            report.answered_warned += warned
    report.store_lines.append(f"  track-record's misses (the store's own, the same notion): {len(stored)}")
    for miss, after in stored:
        keys = key_of_event.get(miss.event_id)
        key = keys.most_common(1)[0][0] if keys else None
        where = (f"{key}{'' if key in listed else ', not an expected event of the timeline'}" if key
                 else "outside the timeline")
        report.store_lines.append(f"    {miss.at:%Y-%m-%d %H:%M} {miss.kind}: {where}: {miss.title[:70]}")
        for started, title, why in after:
            report.store_lines.append(f"      after {started:%Y-%m-%d %H:%M} {title[:60]}: {why}")
    return report


def _followed(trigger: TimelineIncident, expected_type: str, window_days: int,
              timeline: dict[str, TimelineIncident]) -> bool:
    if expected_type == "strike":
        return bool(trigger.followed_by and trigger.lag_days is not None and trigger.lag_days <= window_days)
    return any(i.type == "attack" and 0 <= (i.day - trigger.day).days <= window_days and i.key != trigger.key
               for i in timeline.values())


def _recall_line(report: WarningReport, incident: TimelineIncident, causes: list[TimelineIncident],
                 sent: list[store.Prediction], warned_keys: dict[str, list[store.Prediction]],
                 first_report: dict[str, datetime], kind: str, missed_keys: set[str]) -> bool:
    """Whether a warning of the kind stood at the first report of an expected incident, with its line: warned
    (with the lead time) or MISSED, and whether the store counts it a miss too (and why not, when it cannot)."""
    arrived = first_report.get(incident.key)
    if arrived is None:  # no report of it was read: a warning on one of its causes counts
        standing = [p.warned_at for c in causes for p in warned_keys.get(c.key, []) if p.kind == kind]
    else:
        standing = [p.warned_at for p in sent if p.kind == kind and p.warned_at is not None
                    and p.warned_at <= arrived <= p.window_end]
    after = f"after {', '.join(c.key for c in causes)}"
    store_says = "track-record: a miss" if incident.key in missed_keys else "track-record: no miss"
    if standing:
        report.warned_before += 1
        lead = (arrived - min(at for at in standing if at is not None)).total_seconds() / 3600 if arrived else None
        lead_text = f", lead time {lead:.0f} h to the first report" if lead is not None else ""
        note = f" [{store_says}]" if incident.key in missed_keys else ""
        report.lines.append(f"  warned: {incident.key} ({after}){lead_text}{note}")
        return True
    why = ""
    if incident.key not in missed_keys:
        read = {c.key: first_report[c.key] for c in causes if c.key in first_report}
        if arrived is None:
            why = ": no report of it was read"
        elif not read:
            why = ": no report of what came before it was read"
    report.lines.append(f"  MISSED: {incident.key} ({after}) [{store_says}{why}]")
    return False
