"""Does a learned same-incident scorer beat the hand-weighted one? Cross-validated by incident (issue 13, point 1).

    .venv/bin/python bench/bench_merge_model.py [--data ../shared/data] [--heldout tests/fixtures/heldout3]
                                               [--window-only] [--c 1.0]

Every labelled report is read as `monitor eval` reads it (the matcher and reader of config/monitor.yaml). The
GOLD events are built in publication order, each report merged (`events.merge`) into the event of its labelled
incident, so every decision below is weighed against the events a perfect merger would have made. For each report
the reader finds relevant, its candidates are the gold events the store would hand the merger (the same
look-up: attack and strike together, begun within the merge window or on the day a follow-up says, sharing a
name unless one side names no place); each (report, candidate) pair is one decision, right when "joins" says
"same incident". The English and Arabic files of one collection share incidents, so each collection is one
stream: dev + dev2 + dev_ar, and heldout3 en + ar. With --window-only, every gold event begun within the window
is a candidate (any type, any names).

Scorers; the learned ones judged out of fold (GroupKFold, 5 folds, a report's incident its group), the hand rule as
it stands (its weights were set on the dev files, so there it is judged on what it was tuned on):
  hand                 `weigh(...).joins` (merge.py as it stands)
  LR reasons           logistic regression over the verdict's reasons (each kind -> its points; vetoes 0/1)
  LR evidence          logistic regression over evidence computed here from the report and the event
  LR evidence+score    the same plus the hand score
each learned one at p >= 0.5 and at the threshold that maximises F1 on the training folds (found out of fold
there, by an inner 3-fold split by incident). Printed: pairwise precision / recall / F1 over all pairs, per file
and per language pair; the final assignment (each report to its best joinable candidate, or a new event); and
the same scorers fitted on the dev collection and judged on heldout3; the weights of the evidence model fitted on
every pair. "vs hand": pair decisions a scorer gets right that the hand rule gets wrong (+) and the reverse (-).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402
from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]  # noqa: E402
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # noqa: E402
from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # type: ignore[import-untyped]  # noqa: E402

from monitor import events  # noqa: E402
from monitor.classify import Reader  # noqa: E402
from monitor.config import load_settings, load_vocabulary, load_watchlist  # noqa: E402
from monitor.evaluate import Scores, read_labelled  # noqa: E402
from monitor.events.merge import ALLIED_SIDES, OVERNIGHT  # noqa: E402
from monitor.match import Matcher  # noqa: E402
from monitor.model import EventFacts, Gazetteer, Report, Verdict  # noqa: E402
from monitor.pipeline.runtime import gazetteer_of  # noqa: E402

Features = dict[str, float]
FOLDS = 5
INNER_FOLDS = 3


@dataclass
class Side:
    """What the bench keeps about a gold event beside its EventFacts: the languages and weapons of its reports."""

    facts: EventFacts
    key: str
    lang: str  # its first report's
    langs: set[str] = field(default_factory=set)
    weapons: set[str] = field(default_factory=set)


@dataclass
class Pair:
    """One decision: does this report join this candidate event?"""

    report: int  # index into Bench.reports
    event_id: str
    same: bool
    lang_pair: str  # the report's language + the event's (its first report's)
    verdict: Verdict
    reasons: Features
    evidence: Features


@dataclass
class Placed:
    """One report the reader found relevant, with what its incident's gold event was when it came."""

    key: str  # its incident (collection-prefixed)
    set_name: str
    lang: str
    own_event: str | None  # its incident's gold event among its candidates, if there
    hand_choice: str | None  # the event `place_report` joins it to (None: a new event)
    pairs: list[int] = field(default_factory=list)


@dataclass
class Bench:
    reports: list[Placed] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # relevant by label, not placed by the reader


# --- building the decisions ------------------------------------------------------------------------------


def _faced(report: Report, event: EventFacts, window: timedelta, gazetteer: Gazetteer, lookup: bool) -> bool:
    """Whether the store's candidate look-up (`store.item_context`) hands this event to the merger; without
    `lookup`, whether the event begun within the window alone (any type, any names)."""
    told = report.reading.event_type
    if lookup and event.event_type not in ({"attack", "strike"} if told in {"attack", "strike"} else {told}):
        return False
    begin = report.published - window
    said = report.reading.happened_on
    if said is not None:
        day_start = datetime.combine(said, datetime.min.time(), tzinfo=report.published.tzinfo)
        if report.published - events.FOLLOW_UP_WINDOW <= day_start <= report.published:
            begin = min(begin, day_start - window)
    if not begin <= event.first_seen <= report.published + window:
        return False
    if not lookup:
        return True
    names = set(events.lookup_names(report.reading, gazetteer))
    return not names or not event.places or bool(names & {*event.places, *event.actors})


def build(collections: dict[str, list[tuple[str, Path]]], lookup: bool) -> Bench:
    settings = load_settings(ROOT / "config" / "monitor.yaml")
    watchlist = load_watchlist(settings.watchlist)
    matcher, reader = Matcher(watchlist), Reader(load_vocabulary(settings.vocabulary), watchlist)
    gazetteer, window = gazetteer_of(watchlist), settings.events.merge_window
    bench = Bench()
    for collection, files in collections.items():
        labelled = sorted(((name, r) for name, path in files for r in read_labelled(path)),
                          key=lambda nr: nr[1].item.published)
        gold: dict[str, Side] = {}  # incident -> its gold event
        for set_name, record in labelled:
            if not record.labels.get("relevant") or not record.labels.get("event_key"):
                continue
            item = record.item
            reading = reader.read(item.title, item.summary, matcher.match(item.text), item.published)
            if not (reading.relevant and reading.event_type):
                bench.dropped[set_name] += 1
                continue
            report = Report(item.key, item.title, item.link, item.source, item.published, reading)
            key = f"{collection}:{record.labels['event_key']}"
            candidates = [s for s in gold.values() if _faced(report, s.facts, window, gazetteer, lookup)]
            mine = gold.get(key)
            change = events.place_report(report, [s.facts for s in candidates], window, gazetteer)
            placed = Placed(key, set_name, record.lang, mine.facts.id if mine in candidates and mine else None,
                            None if change.is_new else change.event.id)
            for side in candidates:
                verdict = events.weigh(report, side.facts, window, gazetteer)
                placed.pairs.append(len(bench.pairs))
                lang_pair = "+".join(sorted({record.lang, side.lang}))
                bench.pairs.append(Pair(len(bench.reports), side.facts.id, side.key == key, lang_pair, verdict,
                                        reason_features(verdict), evidence(report, record.lang, side, gazetteer)))
            bench.reports.append(placed)
            if mine is None:
                first = events.place_report(report, [], window, gazetteer).event
                mine = gold[key] = Side(first, key, record.lang)
            else:
                mine.facts = events.merge(mine.facts, report).event
            mine.langs.add(record.lang)
            if reading.weapon:
                mine.weapons.add(reading.weapon)
    return bench


# --- features ----------------------------------------------------------------------------------------------

_POINTS = re.compile(r":\s*([+-]?\d+)$")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_DAYS = re.compile(r"\d{4}-\d{2}-\d{2}")


def reason_kind(reason: str) -> tuple[str, float | None]:
    """A reason of `weigh` as a kind (names, days and figures taken out) and its points (None: a veto)."""
    points = _POINTS.search(reason)
    text = _POINTS.sub("", reason) if points else reason
    text = _DAYS.sub("D", _PARENTHESES.sub("", text)).strip()
    if text.startswith("in ") and ", the event in " in text:
        text = "in one country, the event in another"
    elif text.startswith("read as "):
        text = "read as another type"
    return text, float(points.group(1)) if points else None


def reason_features(verdict: Verdict) -> Features:
    out: Features = {}
    for reason in verdict.reasons:
        kind, points = reason_kind(reason)
        if points is None:
            out[f"veto: {kind}"] = 1.0
        else:
            out[kind] = out.get(kind, 0.0) + (points if points else 1.0)  # a 0-point reason still says it applied
    return out


def evidence(report: Report, lang: str, side: Side, gazetteer: Gazetteer) -> Features:
    """The evidence `weigh` looks at, computed from the report and the event, none of it a veto."""
    reading, event = report.reading, side.facts
    late = report.published - event.first_seen
    hours = abs(late.total_seconds()) / 3600
    gap = abs((events.report_day(report) - event.day).days) if event.day else 0
    soon = late <= OVERNIGHT
    said = reading.happened_on is not None
    places, known = events.expand_places(reading.places, gazetteer), set(event.places)
    same_place = bool(places & known)
    in_reach = not same_place and any(gazetteer.reach.get(p, frozenset()) & known for p in places)
    striker = next((p.name for p in reading.parties if p.role == "striker" and p.how == "named"), None)
    crossed = reading.event_type != event.event_type
    common = gazetteer.common
    shared = (set(reading.actors) - common) & (set(event.actors) - common)
    named, where = set(reading.countries), {gazetteer.country[p] for p in known if p in gazetteer.country}
    killed_sides = set(reading.killed) & set(event.killed)
    threat = event.event_type == "threat"
    speaker = reading.actors[0] if reading.actors else None
    same_lang = lang in side.langs
    similarity = fuzz.token_set_ratio(report.title, event.title) / 100
    return {
        "same day": float(gap == 0),
        "a day apart": float(gap == 1),
        "days apart (2+)": float(min(gap, 7) if gap >= 2 else 0),
        "a day apart, told within hours": float(gap == 1 and soon),
        "a day apart, own day said, told late": float(gap >= 1 and said and not soon),
        "says its day": float(said),
        "hours apart / 24": min(hours, 24 * 7) / 24,
        "told within 6 hours": float(hours <= 6),
        "crossed types": float(crossed),
        "crossed, strike by a named striker": float(crossed and reading.event_type == "strike" and striker is not None),
        "same place": float(same_place),
        "place in reach": float(in_reach),
        "other places": float(bool(places and known) and not same_place and not in_reach),
        "report names no place": float(not places),
        "event names no place": float(not known),
        "shared specific actors": float(len(shared)),
        "same striker": float(striker is not None and striker in event.actors and event.event_type == "strike"),
        "same dead": float(bool(reading.killed) and reading.killed == event.killed),
        "same allied dead": float(bool(reading.killed) and reading.killed == event.killed
                                  and bool(set(event.killed) & ALLIED_SIDES)),
        "other dead count": float(any(reading.killed[s] != event.killed[s] for s in killed_sides)),
        "threat, same speaker": float(threat and speaker is not None and bool(event.actors)
                                      and speaker == event.actors[0]),
        "threat, other speaker": float(threat and speaker is not None and bool(event.actors)
                                       and speaker != event.actors[0]),
        "country agrees": float(bool(named & where)),
        "country disagrees": float(bool(named) and bool(where) and not named & where),
        "same weapon": float(reading.weapon is not None and reading.weapon in side.weapons),
        "other weapon": float(reading.weapon is not None and bool(side.weapons) and reading.weapon not in side.weapons),
        "other language": float(not same_lang),
        "title similarity": similarity,
        "title similarity, same language": similarity if same_lang else 0.0,
        "event reports (log)": math.log1p(event.report_count),
    }


# --- scoring -----------------------------------------------------------------------------------------------


@dataclass
class Counts(Scores):
    """Pair decisions: precision and recall as `monitor eval` counts them, and the true negatives."""

    tn: int = 0

    def count(self, predicted: bool, truth: bool) -> None:
        self.add({True} if predicted else set(), {True} if truth else set())
        self.tn += not predicted and not truth


@dataclass
class Assigned:
    """The final assignment of each report: right (own event, or new when its own is not a candidate), a wrong
    join (another incident's event), a missed join (new although its own event was a candidate)."""

    right: int = 0
    wrong_join: int = 0
    missed_join: int = 0

    @property
    def accuracy(self) -> float:
        total = self.right + self.wrong_join + self.missed_join
        return self.right / total if total else 1.0

    def add(self, chosen: str | None, own: str | None) -> None:
        if chosen == own:
            self.right += 1
        elif chosen is None:
            self.missed_join += 1
        else:
            self.wrong_join += 1


Scorer = Callable[[Sequence[int]], tuple[NDArray[np.float64], float]]  # test pairs -> scores, join threshold


def _model(c: float) -> Pipeline:
    # Not standardised: the features are 0/1 or scaled to about 0..1 already, and standardising blows a feature
    # seen once (one pair with the same US dead) up to a weight that decides every later pair that has it.
    return make_pipeline(DictVectorizer(sparse=False), LogisticRegression(C=c, class_weight="balanced",
                                                                          max_iter=5000))


def _best_threshold(scores: NDArray[np.float64], truth: NDArray[np.bool_]) -> float:
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.05, 0.96, 0.01):
        predicted = scores >= threshold
        tp = int(np.sum(predicted & truth))
        f1 = 2 * tp / (tp + int(np.sum(predicted)) + int(np.sum(truth))) if tp else 0.0
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(threshold), f1
    return best


def _fitted(rows: list[Features], truth: NDArray[np.bool_], groups: NDArray[np.str_], c: float
            ) -> tuple[Pipeline, float]:
    """A model fitted on these pairs, and the threshold that maximises F1 on them out of fold (an inner split by
    incident), so that the threshold is never chosen on what it is judged on."""
    inner = np.zeros(len(rows))
    for fit, held in GroupKFold(n_splits=INNER_FOLDS).split(rows, truth, groups):
        model = _model(c).fit([rows[i] for i in fit], truth[fit])
        inner[held] = model.predict_proba([rows[i] for i in held])[:, 1]
    return _model(c).fit(rows, truth), _best_threshold(inner, truth)


def _arrays(bench: Bench, features: Callable[[Pair], Features]
            ) -> tuple[list[Features], NDArray[np.bool_], NDArray[np.str_]]:
    return ([features(p) for p in bench.pairs], np.array([p.same for p in bench.pairs]),
            np.array([bench.reports[p.report].key for p in bench.pairs]))


def cross_validated(bench: Bench, features: Callable[[Pair], Features], c: float
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Out-of-fold probabilities of each pair, and the threshold (chosen on the training folds) it was judged by."""
    rows, truth, groups = _arrays(bench, features)
    probabilities = np.zeros(len(rows))
    thresholds = np.zeros(len(rows))
    for train, test in GroupKFold(n_splits=FOLDS).split(rows, truth, groups):
        model, threshold = _fitted([rows[i] for i in train], truth[train], groups[train], c)
        probabilities[test] = model.predict_proba([rows[i] for i in test])[:, 1]
        thresholds[test] = threshold
    return probabilities, thresholds


def trained_on(train: Bench, test: Bench, features: Callable[[Pair], Features], c: float
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fitted on one collection, scored on another."""
    model, threshold = _fitted(*_arrays(train, features), c)
    probabilities: NDArray[np.float64] = model.predict_proba(_arrays(test, features)[0])[:, 1]
    return probabilities, np.full(len(probabilities), threshold)


def subset(bench: Bench, collection: str) -> Bench:
    """The reports of one collection and their pairs."""
    out = Bench(dropped=bench.dropped)
    for placed in bench.reports:
        if placed.key.startswith(collection + ":"):
            pairs = [bench.pairs[i] for i in placed.pairs]
            kept = Placed(placed.key, placed.set_name, placed.lang, placed.own_event, placed.hand_choice,
                          list(range(len(out.pairs), len(out.pairs) + len(pairs))))
            out.pairs += [replace(p, report=len(out.reports)) for p in pairs]
            out.reports.append(kept)
    return out


@dataclass
class Result:
    name: str
    overall: Counts = field(default_factory=Counts)
    by: dict[str, Counts] = field(default_factory=dict)
    assigned: Assigned = field(default_factory=Assigned)
    threshold: str = ""
    joins: list[bool] = field(default_factory=list)


def judged(bench: Bench, name: str, joins: Sequence[bool], scores: Sequence[float],
           hand_choice: bool = False) -> Result:
    result = Result(name, joins=list(joins))
    for pair, predicted in zip(bench.pairs, joins, strict=True):
        placed = bench.reports[pair.report]
        result.overall.count(predicted, pair.same)
        for group in (placed.set_name, f"lang {pair.lang_pair}"):
            result.by.setdefault(group, Counts()).count(predicted, pair.same)
    for placed in bench.reports:
        if not placed.pairs:
            continue  # no candidate: every scorer starts a new event
        if hand_choice:
            chosen = placed.hand_choice
        else:
            joinable = [(scores[i], bench.pairs[i].event_id) for i in placed.pairs if joins[i]]
            chosen = max(joinable)[1] if joinable else None
        result.assigned.add(chosen, placed.own_event)
    return result


Learner = Callable[[Bench, Callable[[Pair], Features]], tuple[NDArray[np.float64], NDArray[np.float64]]]
VARIANTS: list[tuple[str, Callable[[Pair], Features]]] = [
    ("LR reasons", lambda p: p.reasons),
    ("LR evidence", lambda p: p.evidence),
    ("LR evidence+score", lambda p: {**p.evidence, "hand score": float(p.verdict.score)}),
]


def compared(bench: Bench, learn: Learner) -> str:
    """The hand rule and each learned scorer (probabilities from `learn`) on the pairs of `bench`."""
    hand = judged(bench, "hand (weigh.joins)", [p.verdict.joins for p in bench.pairs],
                  [float(p.verdict.score) for p in bench.pairs], hand_choice=True)
    hand.threshold = "score>=2"
    results = [hand]
    for name, features in VARIANTS:
        probabilities, thresholds = learn(bench, features)
        at_half = judged(bench, f"{name} @0.5", list(probabilities >= 0.5), list(probabilities))
        at_half.threshold = "0.50"
        tuned = judged(bench, f"{name} @tuned", list(probabilities >= thresholds), list(probabilities))
        tuned.threshold = f"{thresholds.min():.2f}-{thresholds.max():.2f}"
        results += [at_half, tuned]
    return render(bench, results)


# --- printing ----------------------------------------------------------------------------------------------


def render(bench: Bench, results: list[Result]) -> str:
    sets = sorted({p.set_name for p in bench.reports})
    langs = sorted({g for r in results for g in r.by if g.startswith("lang ")})
    width = max(len(r.name) for r in results) + 2
    lines = [f"{'scorer':<{width}} {'P':>6} {'R':>6} {'F1':>6}   {'assign':>6}  threshold  vs hand  "
             f"(tp / fp / fn; assignment right / wrong join / missed join)"]
    truth, hand = [p.same for p in bench.pairs], results[0].joins
    for r in results:
        o, a = r.overall, r.assigned
        gained = sum(j == t != h for j, h, t in zip(r.joins, hand, truth, strict=True))
        lost = sum(h == t != j for j, h, t in zip(r.joins, hand, truth, strict=True))
        lines.append(f"{r.name:<{width}} {o.precision:6.3f} {o.recall:6.3f} {o.f1:6.3f}   {a.accuracy:6.3f}  "
                     f"{r.threshold:<9}  +{gained:<2} -{lost:<2}  ({o.tp} / {o.fp} / {o.fn}; {a.right} / {a.wrong_join}"
                     f" / {a.missed_join})")
    for title, groups in (("per file: P / R / F1", sets), ("per language pair (report+event): P / R / F1", langs)):
        lines += ["", title, f"{'scorer':<{width}} " + " ".join(f"{g:>20}" for g in groups)]
        for r in results:
            cells = []
            for g in groups:
                c = r.by.get(g, Counts())
                cells.append(f"{c.precision:.2f}/{c.recall:.2f}/{c.f1:.2f}".rjust(20))
            lines.append(f"{r.name:<{width}} " + " ".join(cells))
        counts = [r.by.get(g, Counts()) for g in groups for r in results[:1]]
        lines.append(f"{'(pairs, same)':<{width}} " + " ".join(
            f"{c.tp + c.fp + c.fn + c.tn}, {c.tp + c.fn}".rjust(20) for c in counts))
    return "\n".join(lines)


def coefficients(bench: Bench, features: Callable[[Pair], Features], c: float) -> str:
    """The learned weights, in log-odds per unit of each feature (the hand rule's points are on a like scale)."""
    model = _model(c).fit([features(p) for p in bench.pairs], [p.same for p in bench.pairs])
    vectorizer, logistic = model.steps[0][1], model.steps[1][1]
    names = list(vectorizer.get_feature_names_out())
    coef = logistic.coef_[0]
    lines = [f"{'feature':<44} {'weight':>7}  pairs with it (same / other)   (fitted on all {len(bench.pairs)} "
             f"pairs; intercept {logistic.intercept_[0]:+.2f})"]
    rows = [features(p) for p in bench.pairs]
    for i in sorted(range(len(names)), key=lambda i: -abs(coef[i])):
        having = [p.same for p, row in zip(bench.pairs, rows, strict=True) if row.get(names[i])]
        lines.append(f"{names[i]:<44} {coef[i]:+7.2f}  {sum(having):>5} / {len(having) - sum(having)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests" / "fixtures" / "heldout3")
    parser.add_argument("--window-only", action="store_true",
                        help="pair each report with every gold event begun within the merge window, not only those "
                             "the store's look-up (type, shared names) hands the merger")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength of the regression")
    args = parser.parse_args()
    started = time.process_time()
    collections = {
        "dev": [("dev", args.data / "dev_reports.jsonl"), ("dev2", args.data / "dev2_reports.jsonl"),
                ("dev_ar", args.data / "dev_ar_reports.jsonl")],
        "heldout3": [("heldout3 en", args.heldout / "en_reports.jsonl"),
                     ("heldout3 ar", args.heldout / "ar_reports.jsonl")],
    }
    bench = build(collections, not args.window_only)
    same = sum(p.same for p in bench.pairs)
    print(f"{len(bench.reports)} relevant reports placed ({sum(bench.dropped.values())} relevant by label not read "
          f"as relevant with a type: {dict(sorted(bench.dropped.items()))}); {len(bench.pairs)} pairs, {same} same "
          f"incident; {sum(1 for r in bench.reports if r.pairs)} reports with a candidate")
    print(compared(bench, lambda b, f: cross_validated(b, f, args.c)))
    print("\nTrained on the dev collection (dev, dev2, dev_ar), scored on heldout3 (en, ar):")
    dev, heldout = subset(bench, "dev"), subset(bench, "heldout3")
    print(compared(heldout, lambda b, f: trained_on(dev, b, f, args.c)))
    print("\nLR evidence weights:")
    print(coefficients(bench, lambda p: p.evidence, args.c))
    print(f"\nCPU time {time.process_time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
