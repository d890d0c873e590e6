"""The learned second opinion on the event type: a linear model over the report's words, read after the rules.

The rules say who acts on whom; what they miss is wording nobody wrote a rule for ("Statement on the American
aggression in Babil ... will not pass without an answer" is a vow, not the strike). The model sees the words and
word pairs of the report, the letters inside each word (so an Arabic word with a clitic still shares most of its
features with the bare word), the title's words apart, and the rules' own answer and cue scores. Watched names
are replaced by their kind ("ACTOR:iran_aligned", "PLACE:base"): the model cannot learn that a name means an
attack, only how reports about such names are worded.

Features are computed here, for training (`monitor train`) and reading alike, so both see the same thing. The
weights come from `config/type_model.json` (`monitor.config.TypeModel`); scoring is a dot product, no library.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Iterable

from monitor.classify.context import Context
from monitor.classify.segment import Text
from monitor.config import EVENT_TYPES, TypeModel

RULE_TYPES = ("attack", "strike", "threat", "other")
_CHAR_SIZES = (3, 4, 5)
_GRAMS: dict[str, tuple[str, ...]] = {}
_GRAMS_LIMIT = 50_000  # words whose letter grams are kept (the matcher's and lexicon's caches have the same bound)
_WORDING = frozenset({"w:", "b:", "t:", "c:", "x:"})  # the blocks of words, pairs, title words, letters, aside
_SCORE_CAP = 6.0  # cue scores above this say nothing more: a long report repeats its words
RULE_WEIGHT = 3.0  # the rules' answers count three times a block of words: less regularised, more trusted


def _kinds(ctx: Context, doc: Text) -> dict[int, str]:
    """Token -> the kind of the watched name it starts ("ACTOR:iran_aligned"); the rest of a name is skipped."""
    out: dict[int, str] = {}
    for mention, first, end in doc.named:
        name = mention.name
        if name in ctx.side:
            kind = f"ACTOR:{ctx.side[name]}"
        elif name in ctx.kind:
            kind = f"PLACE:{ctx.kind[name]}"
        elif name in ctx.affiliation:
            kind = f"PERSON:{ctx.side.get(ctx.affiliation[name], 'other')}"
        else:
            kind = "NAME"
        for i in range(first, end):
            out[i] = kind if i == first else ""
    return out


class Features(dict[str, float]):
    """The model's view of a report, feature -> value (what `monitor train` learns from), and the same grouped by
    value (`groups`): every feature of a block of words has the block's value, so scoring sums a block's weights
    and multiplies once."""

    __slots__ = ("groups",)

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[tuple[list[str], float]] = []

    def block(self, block: Iterable[str], prefix: str) -> None:
        """Each distinct feature of a block once, the block scaled to length 1: a long report weighs no more. (The
        prefix is put on in C, by `map`: a report has a thousand features, most of them letter grams.)"""
        distinct = set(block)
        if distinct:
            names = list(map(prefix.__add__, distinct)) if prefix else list(distinct)
            value = 1.0 / math.sqrt(len(distinct))
            self.update(dict.fromkeys(names, value))
            self.groups.append((names, value))

    def single(self, name: str, value: float) -> None:
        self[name] = value
        self.groups.append(([name], value))


def features(ctx: Context, doc: Text, rule_type: str, cue_type: str, scores: dict[str, float],
             off_topic: bool) -> Features:
    """The model's view of a report: its words with names as kinds, and what the rules made of it: the type its
    cue words give (`cue_type`) and the type after reading who acted on whom and who was hurt (`rule_type`), so
    it learns where the rules' reading of the structure is to be trusted over the words."""
    kinds = _kinds(ctx, doc)
    every = [kinds.get(i, word) for i, word in enumerate(doc.folded)]
    # Words of background and hypothetical clauses ("after the attack on the base", "if they strike") are
    # another block: they tell what the report refers to, not what it reports.
    words = [w for w, fore in zip(every, doc.foreground, strict=True) if w and fore]
    aside = [w for w, fore in zip(every, doc.foreground, strict=True) if w and not fore]
    title_line = len(doc.text.split("\n", 1)[0])
    title_end = next((i for i, (start, _, _) in enumerate(doc.words) if start > title_line), len(doc.words))
    out = Features()
    out.block(aside, "x:")
    out.block(words, "w:")
    out.block((f"{a} {b}" for a, b in itertools.pairwise(words)), "b:")
    out.block((w for w in every[:title_end] if w), "t:")
    grams: set[str] = set()
    for i, token in enumerate(doc.folded):
        if i not in kinds and token.isalpha():
            grams.update(_letter_grams(token))
    out.block(grams, "")  # the grams carry their prefix
    out.single(f"rule:{rule_type}", RULE_WEIGHT)
    out.single(f"cue:{cue_type}", RULE_WEIGHT)
    for kind in doc.denied:  # "no attack took place", "reports of a US strike are false"
        out.single(f"denied:{kind}", 1.0)
    for kind in EVENT_TYPES:
        out.single(f"score:{kind}", min(scores.get(kind, 0.0), _SCORE_CAP) / 3)
    if off_topic:
        out.single("off_topic", 1.0)
    if title_end == len(doc.words):
        out.single("title_only", 1.0)
    return out


def _letter_grams(token: str) -> tuple[str, ...]:
    """The letter grams of a word with its edges marked, as features ("c: bom", "c:bomb", "c:mb "), found once per
    distinct word."""
    found = _GRAMS.get(token)
    if found is None:
        if len(_GRAMS) >= _GRAMS_LIMIT:
            _GRAMS.clear()  # a bound on memory; the words of the day come back at once
        padded = f" {token} "
        found = _GRAMS[token] = tuple({f"c:{padded[j:j + n]}" for n in _CHAR_SIZES
                                       for j in range(len(padded) - n + 1)})
    return found


def is_wording(feature: str) -> bool:
    """Whether a feature is the report's wording (rare ones are dropped in training), not the rules' reading."""
    return feature[:2] in _WORDING


def _groups(feats: dict[str, float]) -> list[tuple[list[str], float]]:
    """The features of a plain dict grouped by value (`Features` comes grouped)."""
    if isinstance(feats, Features):
        return feats.groups
    by: dict[float, list[str]] = {}
    for name, value in feats.items():
        by.setdefault(value, []).append(name)
    return [(names, value) for value, names in by.items()]


def probabilities(model: TypeModel, feats: dict[str, float]) -> dict[str, float]:
    """The model's probability of each type (a softmax over the classes' scores)."""
    # Per group of features of one value: those the model knows (most letter grams and word pairs of a report it
    # does not) and their rows, then per class the weights of those rows summed and times the value, each step in C
    # (a look-up and a product per feature in Python were a third of reading a report). Summed by group, not
    # feature by feature: the totals differ in their last bits only, far below what is printed or compared (the
    # order of a block's features was already that of a set, which changes from one process to the next).
    index = model.index
    known_names = index.keys()
    totals = list(model.bias)
    for names, value in _groups(feats):
        rows = list(map(index.__getitem__, known_names & names))
        if len(rows) > 1:
            weights = operator.itemgetter(*rows)  # the rows' weights of a class, as a tuple
            for c, column in enumerate(model.columns):
                totals[c] += value * sum(weights(column))
        elif rows:
            for c, column in enumerate(model.columns):
                totals[c] += value * column[rows[0]]
    top = max(totals)
    exps = [math.exp(t - top) for t in totals]
    whole = sum(exps)
    return {kind: e / whole for kind, e in zip(model.classes, exps, strict=True)}


def second_opinion(model: TypeModel, feats: dict[str, float], rule_type: str) -> tuple[str, str | None]:
    """The type to keep, and why when the model overrules the rules: only when it is surer of another type than
    of the rules' one by the model's margin (fitted with it, by cross-validation)."""
    probs = probabilities(model, feats)
    best = max(probs, key=lambda k: probs[k])
    if best == rule_type or probs[best] - probs.get(rule_type, 0.0) <= model.margin:
        return rule_type, None
    return best, (f"type model ({model.name}): {best} {probs[best]:.0%} against {rule_type} "
                  f"{probs.get(rule_type, 0.0):.0%} from the rules")
