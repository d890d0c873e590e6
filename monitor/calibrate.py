"""Calibration: refit each escalation rule's numbers (prior and evidence weights) on past cycles, and say
whether the fitted numbers forecast better than the hand-set ones.

The cases are the rule's trigger events: those a replay of labelled reports produced (as `monitor eval` does;
each forecast keeps the counts its likelihood was built from, `assess.Evidence`), each labelled by its
timeline (did the expected event follow within the window, as `monitor eval --timeline` judges a warning
right), and the history file's incidents. Cases whose trigger days lie less than `CYCLE_GAP` apart form one
cycle, so an attack, the strike that answered it and the attacks around them stay together; the same real
incident found twice (a labelled report and a history entry, or two labelled sets) is counted once.

The fit is a logistic regression in the judge's own terms: log-odds = logit(base) + shift + sum of weight x
capped count, solved by Newton's method with an L2 pull toward the hand-set numbers (a trigger set is a few
dozen cases at most, so an unpulled fit would run off to infinity on the first factor that separates them).
Fitted and hand-set numbers are scored with `assess.likelihood`, the formula warnings use, by the Brier
score, in sample and leave-one-cycle-out (each cycle predicted by numbers fitted without it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from monitor import assess, store
from monitor.config import Factors, HistoryIncident, Rule, RulesFile
from monitor.config.rules import FactorWeights, Tempo
from monitor.evaluate import Labelled, TimelineIncident
from monitor.pipeline import Runtime, process_item

CYCLE_GAP = 14  # days: triggers closer than this belong to one cycle
PULL = 1.0  # L2 strength pulling each fitted number toward the hand-set one (log-odds units)
BINS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01))
# The weights fitted, in the order of the fit's parameters after the shift of the prior.
WEIGHTS = ("death", "injured", "attribution", "claim", "threat", "tempo")
# How many deaths, injured and attacks count at most when a hand-set weight is 0 (no cap to read it from).
DEFAULT_CAP_COUNTS = {"death": 3.0, "injured": 4.0, "tempo": 4.0}


@dataclass(frozen=True, slots=True)
class Case:
    """One trigger of a rule: what was weighed, and whether the expected event followed."""

    day: date
    evidence: assess.Evidence
    followed: bool
    source: str  # the timeline key or "history"
    cycle: str = ""


@dataclass(frozen=True, slots=True)
class Numbers:
    """A rule's calibrated numbers: the prior, the evidence weights (with their caps), the tempo weight."""

    prior: float
    weights: dict[str, float]  # WEIGHTS -> weight per unit
    caps: dict[str, float]  # death, injured, tempo -> the most units that count

    def rule(self, rule: Rule) -> Rule:
        """The rule with these numbers, to be judged with `assess.likelihood`."""
        w = self.weights
        factors = FactorWeights(death=w["death"], death_cap=round(w["death"] * self.caps["death"], 2),
                                injured=w["injured"], injured_cap=round(w["injured"] * self.caps["injured"], 2),
                                attribution=w["attribution"], claim=w["claim"], threat=w["threat"])
        tempo = Tempo(days=rule.tempo.days, per_attack=w["tempo"], cap=round(w["tempo"] * self.caps["tempo"], 2))
        return rule.model_copy(update={"prior": self.prior, "factors": factors, "tempo": tempo})

    def yaml(self, rule: Rule) -> list[str]:
        """The lines to put under the rule in rules.yaml."""
        fitted = self.rule(rule)
        factors = ", ".join(f"{k}: {v:g}" for k, v in fitted.factors.model_dump(exclude_none=True).items())
        return [f"prior: {fitted.prior:g}",
                f"tempo: {{days: {fitted.tempo.days}, per_attack: {fitted.tempo.per_attack:g}, "
                f"cap: {fitted.tempo.cap:g}}}",
                f"factors: {{{factors}}}"]


def hand_set(rule: Rule, shared: Factors) -> Numbers:
    """The numbers a rule judges with now, in the fit's terms."""
    f = rule.weights(shared)
    weights = {"death": f.death, "injured": f.injured, "attribution": f.attribution, "claim": f.claim,
               "threat": f.threat, "tempo": rule.tempo.per_attack}
    caps = {"death": f.death_cap / f.death if f.death else DEFAULT_CAP_COUNTS["death"],
            "injured": f.injured_cap / f.injured if f.injured else DEFAULT_CAP_COUNTS["injured"],
            "tempo": rule.tempo.cap / rule.tempo.per_attack if rule.tempo.per_attack else DEFAULT_CAP_COUNTS["tempo"]}
    return Numbers(rule.prior, weights, caps)


# --- the cases ---------------------------------------------------------------------------------------------


def replayed_cases(runtime: Runtime, labelled: Sequence[Labelled],
                   timeline: dict[str, TimelineIncident]) -> tuple[dict[str, list[Case]], int]:
    """Replay labelled reports through the runtime's (fresh) store, in published order, and label each trigger
    event's forecast by the timeline. Returns the cases by rule and how many triggers the timeline lacks."""
    from monitor.evaluate import _followed  # the same notion of "the expected event followed" as eval's

    predicted_event: dict[str, str | None] = {}
    for record in sorted(labelled, key=lambda r: r.item.published):
        outcome = process_item(runtime, record.item, now=record.item.published)
        if outcome is not None:
            predicted_event[record.id] = outcome.event_id
    key_of_event: dict[str, Counter[str]] = {}
    for record in labelled:
        key, event = record.labels.get("event_key"), predicted_event.get(record.id)
        if key and event:
            key_of_event.setdefault(event, Counter())[key] += 1
    cases: dict[str, dict[str, tuple[float, Case]]] = {}
    outside = 0
    for p in store.predictions(runtime.engine):
        keys = key_of_event.get(p.trigger_event_id)
        trigger = timeline.get(keys.most_common(1)[0][0]) if keys else None
        if trigger is None:
            outside += 1
            continue
        followed = _followed(trigger, p.expected_type, (p.window_end - p.window_start).days, timeline)
        evidence = assess.Evidence.from_dict(dict((p.details or {}).get("evidence") or {}))
        case = Case(trigger.day, evidence, followed, trigger.key)
        # Reports of one incident kept apart as two events: one case, the one the warning would rest on.
        mine = cases.setdefault(p.rule, {})
        if trigger.key not in mine or p.likelihood > mine[trigger.key][0]:
            mine[trigger.key] = (p.likelihood, case)
    return {rule: [c for _, c in by_key.values()] for rule, by_key in cases.items()}, outside


def history_cases(rules: RulesFile, history: Sequence[HistoryIncident], world: assess.World) -> dict[str, list[Case]]:
    return {rule.name: [Case(day, evidence, followed, "history")
                        for day, evidence, followed in assess.history_cases(rule, history, world)]
            for rule in rules.rules}


def combine(*sets: dict[str, list[Case]]) -> dict[str, list[Case]]:
    """The cases of several sources, each real incident once (the same timeline key, or a history entry within
    a day of a replayed trigger: the replayed one is kept, it knows more), grouped into cycles."""
    out: dict[str, list[Case]] = {}
    for cases_by_rule in sets:
        for rule, cases in cases_by_rule.items():
            mine = out.setdefault(rule, [])
            for case in cases:
                if case.source != "history" and any(c.source == case.source for c in mine):
                    continue
                if case.source == "history" and any(abs((c.day - case.day).days) <= 1 for c in mine):
                    continue
                mine.append(case)
    return {rule: cycles(cases) for rule, cases in out.items()}


def cycles(cases: Iterable[Case]) -> list[Case]:
    """The cases in day order, each with its cycle: a new cycle starts after a gap of CYCLE_GAP days."""
    out: list[Case] = []
    name, last = "", None
    for case in sorted(cases, key=lambda c: (c.day, c.source)):
        if last is None or (case.day - last).days >= CYCLE_GAP:
            name = f"{case.day:%Y-%m-%d}"
        last = case.day
        out.append(replace(case, cycle=name))
    return out


# --- the fit -----------------------------------------------------------------------------------------------


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _row(evidence: assess.Evidence, caps: dict[str, float]) -> list[float]:
    return [1.0, min(evidence.deaths, caps["death"]), min(evidence.injured, caps["injured"]),
            float(evidence.attributed), float(evidence.claimed), float(evidence.threat),
            min(evidence.tempo, caps["tempo"])]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """a x = b by Gaussian elimination with partial pivoting (a is small, symmetric, positive definite)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit(rule: Rule, shared: Factors, cases: Sequence[Case], pull: float = PULL) -> Numbers:
    """The numbers that maximise the likelihood of the cases' outcomes, pulled toward the hand-set numbers."""
    start = hand_set(rule, shared)
    weight = rule.weights(shared).precedent_weight
    centre = [0.0, *(start.weights[w] for w in WEIGHTS)]
    theta = centre[:]
    rows = [_row(c.evidence, start.caps) for c in cases]
    offsets = [_logit(assess.base_likelihood(rule.prior, weight, c.evidence.cases, c.evidence.followed))
               for c in cases]
    n = len(theta)
    for _ in range(100):
        grad = [pull * (t - c) for t, c in zip(theta, centre, strict=True)]
        hess = [[pull if i == j else 0.0 for j in range(n)] for i in range(n)]
        for x, offset, case in zip(rows, offsets, cases, strict=True):
            p = 1 / (1 + math.exp(-(offset + sum(t * v for t, v in zip(theta, x, strict=True)))))
            for i in range(n):
                grad[i] += (p - case.followed) * x[i]
                for j in range(n):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        step = _solve(hess, grad)
        theta = [t - s for t, s in zip(theta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    prior = 1 / (1 + math.exp(-(_logit(rule.prior) + theta[0])))
    # Rounded as they would be written into rules.yaml, so what is scored is what would be kept.
    weights = {w: round(t, 2) for w, t in zip(WEIGHTS, theta[1:], strict=True)}
    return Numbers(round(min(max(prior, 0.01), 0.99), 2), weights, start.caps)


def predict(rule: Rule, shared: Factors, numbers: Numbers, case: Case) -> float:
    return assess.likelihood(numbers.rule(rule), shared, case.evidence)


def brier(pairs: Sequence[tuple[float, bool]]) -> float:
    return sum((p - y) ** 2 for p, y in pairs) / len(pairs) if pairs else float("nan")


@dataclass(frozen=True, slots=True)
class Fold:
    held_out: str  # the cycle predicted
    trained_on: frozenset[str]  # the cycles of the cases the numbers were fitted on


def leave_one_cycle_out(cases: Sequence[Case], fitter: Callable[[Sequence[Case]], Numbers],
                        predictor: Callable[[Numbers, Case], float]) -> tuple[list[tuple[float, bool]], list[Fold]]:
    """Each cycle's cases predicted by numbers fitted on the other cycles' cases only."""
    pairs: list[tuple[float, bool]] = []
    folds: list[Fold] = []
    for cycle in dict.fromkeys(c.cycle for c in cases):
        training = [c for c in cases if c.cycle != cycle]
        numbers = fitter(training)
        folds.append(Fold(cycle, frozenset(c.cycle for c in training)))
        pairs += [(predictor(numbers, c), c.followed) for c in cases if c.cycle == cycle]
    return pairs, folds


# --- the report --------------------------------------------------------------------------------------------


@dataclass
class RuleCalibration:
    rule: Rule
    cases: list[Case]
    current: Numbers
    fitted: Numbers
    current_pairs: list[tuple[float, bool]]
    fitted_pairs: list[tuple[float, bool]]  # in sample
    loco_pairs: list[tuple[float, bool]]  # fitted numbers, leave-one-cycle-out
    folds: list[Fold] = field(default_factory=list)

    @property
    def better(self) -> bool:
        """Whether the fitted numbers beat the hand-set ones where it counts: on cycles they were not fitted on."""
        return len(self.folds) > 1 and brier(self.loco_pairs) < brier(self.current_pairs)


def calibrate_rule(rule: Rule, shared: Factors, cases: Sequence[Case], pull: float = PULL) -> RuleCalibration:
    def fitter(training: Sequence[Case]) -> Numbers:
        return fit(rule, shared, training, pull)

    def predictor(numbers: Numbers, case: Case) -> float:
        return predict(rule, shared, numbers, case)

    current = hand_set(rule, shared)
    fitted = fitter(cases)
    loco, folds = leave_one_cycle_out(cases, fitter, predictor)
    # The cases in the order leave_one_cycle_out predicts them (cycle by cycle), so the tables line up.
    ordered = [c for cycle in dict.fromkeys(c.cycle for c in cases) for c in cases if c.cycle == cycle]
    return RuleCalibration(rule, list(ordered), current, fitted,
                           [(predictor(current, c), c.followed) for c in ordered],
                           [(predictor(fitted, c), c.followed) for c in ordered], loco, folds)


def _table(columns: Sequence[tuple[str, Sequence[tuple[float, bool]]]]) -> list[str]:
    head = "    likelihood " + "".join(f" | {name:^24}" for name, _ in columns)
    sub = "               " + "".join(" |  cases  mean  followed " for _ in columns)
    lines = [head, sub]
    for low, high in BINS:
        cells = []
        for _, pairs in columns:
            in_bin = [(p, y) for p, y in pairs if low <= p < high]
            if in_bin:
                mean = sum(p for p, _ in in_bin) / len(in_bin)
                rate = sum(y for _, y in in_bin) / len(in_bin)
                cells.append(f" | {len(in_bin):>6} {mean:>5.0%} {rate:>9.0%} ")
            else:
                cells.append(f" | {0:>6} {'-':>5} {'-':>9} ")
        lines.append(f"    {low:>4.0%}-{min(high, 1):<5.0%} " + "".join(cells))
    return lines


def render(results: Sequence[RuleCalibration], sources: Sequence[str], outside: int, pull: float = PULL) -> str:
    lines = [f"calibrate: cases from {', '.join(sources)}; {outside} trigger event(s) outside the timelines left out",
             f"  cycles: triggers less than {CYCLE_GAP} days apart; fit: logistic regression (Newton), L2 pull "
             f"{pull:g} toward the hand-set numbers"]
    for r in results:
        followed = sum(c.followed for c in r.cases)
        history = sum(c.source == "history" for c in r.cases)
        lines.append("")
        lines.append(f"rule {r.rule.name}: {len(r.cases)} triggers ({len(r.cases) - history} replayed, {history} "
                     f"from the history), {followed} followed, {len(r.folds)} cycles")
        if not r.cases:
            lines.append("  no triggers: nothing to fit; rules.yaml stays as it is")
            continue
        lines.append("  cycle       trigger     source                                    followed  hand-set  fitted"
                     "  left-out  evidence")
        for case, (now, _), (fitted, _), (left, _) in zip(r.cases, r.current_pairs, r.fitted_pairs, r.loco_pairs,
                                                           strict=True):
            ev = case.evidence
            said = (f"deaths {ev.deaths} injured {ev.injured} attr {int(ev.attributed)} claim {int(ev.claimed)} "
                    f"vow {int(ev.threat)} tempo {ev.tempo} prec {ev.followed}/{ev.cases}")
            outcome = "yes" if case.followed else "no"
            lines.append(f"  {case.cycle}  {case.day:%Y-%m-%d}  {case.source[:40]:<40}  {outcome:>8}"
                         f"  {now:>8.0%}  {fitted:>6.0%}  {left:>8.0%}  {said}")
        lines.append("  numbers        hand-set   fitted")
        lines.append(f"    prior        {r.current.prior:>8.3g} {r.fitted.prior:>8.3g}")
        for w in WEIGHTS:
            cap = f" (up to {r.current.caps[w]:g})" if w in r.current.caps else ""
            lines.append(f"    {w:<12} {r.current.weights[w]:>8.3g} {r.fitted.weights[w]:>8.3g}   per unit{cap}")
        lines.append(f"  Brier score in sample:           hand-set {brier(r.current_pairs):.3f}  "
                     f"fitted {brier(r.fitted_pairs):.3f}")
        lines.append(f"  Brier score leave-one-cycle-out: hand-set {brier(r.current_pairs):.3f}  "
                     f"fitted {brier(r.loco_pairs):.3f}  (0 is perfect, 0.25 a coin; the hand-set numbers were "
                     "fitted on nothing, so theirs is the same)")
        lines.append("  calibration (predicted likelihood vs how often the expected event followed):")
        lines += _table([("hand-set", r.current_pairs), ("fitted, in sample", r.fitted_pairs),
                         ("fitted, left-out cycle", r.loco_pairs)])
        if len(r.folds) < 2:
            lines.append("  verdict: one cycle only, nothing to cross-validate: keep the hand-set numbers")
        elif r.better:
            lines.append("  verdict: the fitted numbers beat the hand-set ones leave-one-cycle-out; to keep them, "
                         "put under the rule in rules.yaml:")
            lines += [f"    {line}" for line in r.fitted.yaml(r.rule)]
        else:
            lines.append("  verdict: the fitted numbers do not beat the hand-set ones leave-one-cycle-out: keep the "
                         "hand-set numbers")
    return "\n".join(lines)
