"""Does a learned relevance model beat the rule reader? Cross-validated by incident, never on what it was fitted on.

    .venv/bin/pip install scikit-learn   # this measurement only; monitor itself does not need it
    .venv/bin/python bench/bench_model.py [--data ../shared/data] [--heldout tests/fixtures/heldout]

For each labelled report: the rule reader's decision, and a calibrated linear model (logistic regression over
word 1-2-grams and character 3-5-grams of the text, with every watchlist name replaced by its kind and side, so it
cannot learn names, plus the rule reader's outputs as features). Folds are by incident: every report of one
`event_key` sits in the same fold, and a distractor is its own incident. Printed: relevance F1 of the rules, of
the model, and of "rules or model", overall and by language; then the same trained on all the dev files and
scored on the held-out set. The project ships the rules unless the model wins on both.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.classify import Reader  # noqa: E402
from monitor.config import load_settings, load_vocabulary, load_watchlist  # noqa: E402
from monitor.match import Matcher  # noqa: E402
from monitor.text import tokens  # noqa: E402


def _rows(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if record["labels"].get("relevant") is not None:
                    rows.append(record)
    return rows


def _features(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[float]], list[bool], list[bool], list[str],
                                                     list[str]]:
    settings = load_settings(ROOT / "config" / "monitor.yaml")
    watchlist = load_watchlist(settings.watchlist)
    matcher, reader = Matcher(watchlist), Reader(load_vocabulary(settings.vocabulary), watchlist)
    side = {a.name: a.side for a in watchlist.actors}
    kind = {p.name: p.kind for p in watchlist.places}
    texts, rule_features, truth, rules, groups, langs = [], [], [], [], [], []
    for record in rows:
        title, summary = record["title"], record.get("summary") or ""
        text = f"{title}\n{summary}"
        matches = matcher.match(text)
        reading = reader.read(title, summary, matches, datetime.fromisoformat(record["published"]))
        masked, last = [], 0
        for m in matches.mentions:
            if m.start < last:
                continue
            label = (f"actor_{side.get(m.name, 'other')}" if m.section == "actor"
                     else f"place_{kind.get(m.name, 'other')}" if m.section == "place" else "person")
            masked += [text[last:m.start], f" {label.replace('_', '')} "]
            last = m.end
        masked.append(text[last:])
        texts.append(" ".join(t for _, _, t in tokens("".join(masked))))
        kinds = reading.event_type or "none"
        rule_features.append([float(reading.relevant), float(kinds == "attack"), float(kinds == "strike"),
                              float(kinds == "threat")])
        truth.append(bool(record["labels"]["relevant"]))
        rules.append(reading.relevant)
        groups.append(record["labels"].get("event_key") or record["id"])
        langs.append(record.get("lang", "en"))
    return texts, rule_features, truth, rules, groups, langs


def _f1(predicted: list[bool], truth: list[bool]) -> float:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _print_scores(with_rules: bool, truth: list[bool], rules: list[bool], learned: list[bool],
                  langs: list[str]) -> None:
    either = [a or b for a, b in zip(rules, learned, strict=True)]
    print(f" model over text{' and the rules' if with_rules else ' only'}:")
    for lang in ("all", "en", "ar"):
        pick = [i for i in range(len(truth)) if lang == "all" or langs[i] == lang]
        sub = [truth[i] for i in pick]
        print(f"  {lang:>3}  rules {_f1([rules[i] for i in pick], sub):.3f}  "
              f"model {_f1([learned[i] for i in pick], sub):.3f}  "
              f"rules or model {_f1([either[i] for i in pick], sub):.3f}")


def main() -> None:
    try:
        import numpy as np
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import GroupKFold
    except ImportError:
        sys.exit("this measurement needs scikit-learn: .venv/bin/pip install scikit-learn")
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--heldout", default=str(ROOT / "tests" / "fixtures" / "heldout"))
    args = parser.parse_args()
    data, heldout = Path(args.data), Path(args.heldout)
    dev = _rows([data / "dev_reports.jsonl", data / "dev2_reports.jsonl", data / "dev_ar_reports.jsonl"])
    texts, extra, truth, rules, groups, langs = _features(dev)

    def fit(train: list[int], with_rules: bool = True) -> Any:
        words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                max_features=30000)
        weight = 2.0 if with_rules else 0.0
        x = hstack([words.fit_transform([texts[i] for i in train]), chars.fit_transform([texts[i] for i in train]),
                    csr_matrix(np.array([extra[i] for i in train]) * weight)])
        model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", solver="liblinear")
        model.fit(x, [truth[i] for i in train])
        return words, chars, model, weight

    def predict(fitted: Any, some_texts: list[str], some_extra: list[list[float]]) -> list[bool]:
        words, chars, model, weight = fitted
        x = hstack([words.transform(some_texts), chars.transform(some_texts),
                    csr_matrix(np.array(some_extra) * weight)])
        return [bool(v) for v in model.predict(x)]

    print(f"dev + dev2 + dev_ar, {len(dev)} reports, 5 folds by incident: relevance F1")
    for with_rules in (False, True):
        learned = [False] * len(dev)
        for train, test in GroupKFold(n_splits=5).split(texts, truth, groups):
            fitted = fit(list(train), with_rules)
            for i, value in zip(test, predict(fitted, [texts[i] for i in test], [extra[i] for i in test]),
                                strict=True):
                learned[i] = value
        _print_scores(with_rules, truth, rules, learned, langs)
    files = sorted(heldout.glob("*_reports.jsonl"))
    if files:
        held = _rows(files)
        h_texts, h_extra, h_truth, h_rules, _, h_langs = _features(held)
        print(f"trained on all of dev, scored on the held-out set ({len(held)} reports): relevance F1")
        for with_rules in (False, True):
            h_learned = predict(fit(list(range(len(dev))), with_rules), h_texts, h_extra)
            _print_scores(with_rules, h_truth, h_rules, h_learned, h_langs)


if __name__ == "__main__":
    main()
