"""`monitor train`: fit the type model on labelled reports, and measure it against the rules by cross-validation
that keeps every report of one incident in the same fold (a model that saw Monday's report of an attack would
know Tuesday's). The figures it prints are the only fair ones: on the files it was fitted on the model is right
by construction.

The fit is a multinomial logistic regression (scikit-learn, lbfgs, fixed folds and no shuffling), so the same
files give the same weights, rounded to five decimals and written with sorted keys: the file is reproducible bit
for bit. The margin by which the model must be surer of another type than of the rules' one is chosen by the same
cross-validation (the largest of the best, so in doubt the rules keep the say).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from monitor.classify import Reader
from monitor.classify.learned import RULE_TYPES, is_wording, second_opinion
from monitor.config import TypeModel, Vocabulary, Watchlist
from monitor.evaluate import Labelled
from monitor.match import Matcher

C = 10.0  # inverse regularisation: chosen by the cross-validation below over 0.3 to 30 (flat from 3 up)
MARGINS = (0.0, 0.1, 0.2, 0.3, 0.4)
MIN_REPORTS = 5  # a feature seen in fewer reports is those reports', not wording (and 5 halves the file against 2)
DECIMALS = 5


@dataclass(frozen=True, slots=True)
class Example:
    features: dict[str, float]
    rule_type: str
    label: str
    incident: str  # the event key, or the report's id for a distractor: the fold unit
    groups: tuple[str, ...]  # what the figures are broken down by: file, language, shape


def examples(vocabulary: Vocabulary, watchlist: Watchlist,
             files: Sequence[tuple[str, list[Labelled]]]) -> list[Example]:
    """Each labelled report as the model sees it, with what the rules alone made of it."""
    reader, matcher = Reader(vocabulary, watchlist), Matcher(watchlist)
    out = []
    for name, records in files:
        for record in records:
            label = record.labels.get("event_type")
            if label not in RULE_TYPES:
                continue
            title, summary = record.item.title, record.item.summary
            matches = matcher.match(f"{title}\n{summary}" if summary else title)
            reading, seen = reader.read_with_features(title, summary, matches, record.item.published)
            if not seen:  # a language the vocabulary does not read: nobody reads it
                continue
            groups = (f"file {name}", f"lang {record.lang}", *((f"shape {record.shape}",) if record.shape else ()))
            out.append(Example(seen, reading.event_type or "other", label,
                               str(record.labels.get("event_key") or record.id), groups))
    return out


def fit(train: Sequence[Example], margin: float, name: str, **extra: Any) -> TypeModel:
    """The model fitted on these examples (`extra`: what the file says of its training)."""
    seen_in = Counter(feature for e in train for feature in e.features)
    kept = [{k: v for k, v in e.features.items() if seen_in[k] >= MIN_REPORTS or not is_wording(k)} for e in train]
    vectors = DictVectorizer(sort=True)
    x = vectors.fit_transform(kept)
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(x, [e.label for e in train])
    weights = {str(feature): tuple(round(float(w), DECIMALS) for w in model.coef_[:, j])
               for j, feature in enumerate(vectors.get_feature_names_out())}
    return TypeModel.build(name, tuple(str(c) for c in model.classes_),
                           tuple(round(float(b), DECIMALS) for b in model.intercept_), margin,
                           {k: v for k, v in weights.items() if any(v)}, **extra)


@dataclass
class CrossValidation:
    folds: int
    margin: float
    right_rules: Counter[str]
    right_model: dict[float, Counter[str]]
    counts: Counter[str]

    def figures(self) -> dict[str, Any]:
        return {group: {"reports": n, "rules": round(self.right_rules[group] / n, 3),
                        "model": round(self.right_model[self.margin][group] / n, 3)}
                for group, n in sorted(self.counts.items())}

    def render(self) -> str:
        lines = [f"event type accuracy, {self.folds}-fold cross-validation by incident (no report of an incident in "
                 f"the fold it is scored in was fitted on):",
                 "  margin  " + "  ".join(f"{m:.1f}: {self.right_model[m]['all'] / self.counts['all']:.3f}"
                                          for m in sorted(self.right_model)),
                 f"  chosen margin {self.margin:.1f}",
                 f"  {'':34}{'reports':>8}{'rules':>8}{'model':>8}"]
        for group, row in self.figures().items():
            lines.append(f"  {group:34}{row['reports']:>8}{row['rules']:>8.3f}{row['model']:>8.3f}")
        return "\n".join(lines)


def cross_validate(data: Sequence[Example], folds: int) -> CrossValidation:
    right_rules: Counter[str] = Counter()
    right_model: dict[float, Counter[str]] = defaultdict(Counter)
    counts: Counter[str] = Counter()
    splitter = GroupKFold(n_splits=folds)
    for train_at, test_at in splitter.split(data, groups=[e.incident for e in data]):
        model = fit([data[i] for i in train_at], 0.0, "fold")
        for i in test_at:
            e = data[i]
            for group in ("all", *e.groups):
                counts[group] += 1
                right_rules[group] += e.rule_type == e.label
            for margin in MARGINS:
                got, _ = second_opinion(model.with_margin(margin), e.features, e.rule_type)
                for group in ("all", *e.groups):
                    right_model[margin][group] += got == e.label
    best = max(right_model[m]["all"] for m in MARGINS)
    margin = max(m for m in MARGINS if right_model[m]["all"] == best)
    return CrossValidation(folds, margin, right_rules, dict(right_model), counts)


def digest(paths: Sequence[Path]) -> list[dict[str, Any]]:
    return [{"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in paths]


def fingerprint(trained_on: Sequence[dict[str, Any]]) -> str:
    """A short name for the training data: the same files give the same name."""
    return hashlib.sha256("".join(sorted(str(f["sha256"]) for f in trained_on)).encode()).hexdigest()[:12]


def write(model: TypeModel, path: Path) -> None:
    """Sorted keys, fixed separators, one feature a line: a diff of two trainings reads line by line."""
    raw = model.as_dict()
    weights = raw.pop("weights")
    head = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ": "))
    rows = ",\n".join(f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(weights[k])}" for k in sorted(weights))
    path.write_text(f"{head[:-1]}, \"weights\": {{\n{rows}\n}}}}\n", encoding="utf-8")
