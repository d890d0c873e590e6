"""Assessing: when an event is the first half of a familiar cycle, judge how likely the second half is.

Pure logic over plain values; the pipeline hands in the event, the open predictions and the clock,
and stores what comes back. The likelihood of a warning is built in log-odds, each step a reason
shown to the reader:

    base      the rule's prior blended with its precedents (history incidents and resolved warnings
              whose outcome was known before now): (prior * w + followed) / (w + cases)
    + deaths and injuries on the side the rule cares about (capped)
    + attribution by officials, a claim of responsibility
    + a vow or warning of response from the side expected to act, seen since the trigger
    + the tempo: attacks on US/coalition sites in the rule's last `tempo.days` days before the trigger

What is weighed is kept as numbers (`Evidence`) beside the forecast, so `monitor calibrate` can refit the
weights on past cycles with the very formula used here (`likelihood`).

Only incidents earlier than the clock count, so a replay of the past never sees its future.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from monitor.config import Factors, HistoryIncident, Rule
from monitor.model import ALLIED_SIDES, Incident, Judgement, Precedent, at_least

EVIDENCE_FIELDS = ("deaths", "injured", "attributed", "claimed", "threat", "tempo", "cases", "followed")



@dataclass(frozen=True, slots=True)
class World:
    """Facts from the watchlist: which side each actor is on, which places hosted US forces when."""

    side_of: dict[str, str]
    hosts_us: Callable[[str, date], bool]
    catch_all: str = ""  # the actor an unclaimed attack is put on (the watchlist's `role: catch_all`)
    presence: dict[str, str] = field(default_factory=dict)  # place -> when it hosted US forces, in words

    def sides(self, names: Iterable[str]) -> set[str]:
        return {self.side_of.get(n, "other") for n in names}


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _perpetrators(incident: Incident, world: World) -> list[str]:
    return [a for a in incident.actors if world.side_of.get(a) == "iran_aligned"]


def matches(rule: Rule, incident: Incident, world: World) -> bool:
    """Whether an incident is this rule's trigger."""
    return why_not(rule, incident, world) is None


def why_not(rule: Rule, incident: Incident, world: World) -> str | None:
    """The first condition of the rule's trigger the incident fails, in words; None when it is a trigger."""
    return not_of_kind(rule, incident, world) or _short_of_toll(rule, incident)


def of_trigger_kind(rule: Rule, incident: Incident, world: World) -> bool:
    """Whether an incident is of the rule's trigger kind whatever its toll (a US strike for a reprisal rule, an
    attack on a site hosting US forces for a strike rule): one that is no trigger still opens a silent forecast,
    so that the expected event after it counts as a miss (`model.MISS`)."""
    return not_of_kind(rule, incident, world) is None


def not_of_kind(rule: Rule, incident: Incident, world: World) -> str | None:
    """The first condition of the trigger's kind (type, side, target) the incident fails, in words."""
    t = rule.trigger
    if incident.event_type != t.event_type:
        return f"not an {t.event_type}" if t.event_type[0] in "aeiou" else f"not a {t.event_type}"
    sides = world.sides(incident.actors)
    if t.event_type == "attack" and t.perpetrator_side != "any" and t.perpetrator_side not in sides:
        return f"no perpetrator on the {t.perpetrator_side} side"
    if t.event_type == "strike" and t.striker_side != "any" and t.striker_side not in sides:
        return f"no striker on the {t.striker_side} side"
    if t.target == "hosts_us" and not incident.targets_hosted_us:
        # Both ways a target counts failed: the watchlist's hosting dates, and the reports' own words.
        unsaid = "and no report says US or coalition forces were at the place attacked"
        if not incident.places:
            return f"no place named, {unsaid}"
        notes = [world.presence.get(p) for p in incident.places]
        known = "; ".join(n for n in notes if n)
        return (f"no place known to host US forces on {incident.at:%Y-%m-%d}" + (f" ({known})" if known else "")
                + f", {unsaid}")
    return None


def _short_of_toll(rule: Rule, incident: Incident) -> str | None:
    """The trigger's casualty condition the incident fails, in words."""
    t = rule.trigger
    if not t.min_killed and not t.min_casualties:
        return None
    if t.only_hurt:
        killed = [side for side in _casualty_sides(rule) if side in incident.killed]
        if killed:
            return f"{', '.join(killed)} killed: a deadly attack's rule, not this one"
    # A side hurt with its number not given ("several US troops wounded") counts as one.
    dead = any(at_least(incident.killed, side) >= n for side, n in t.min_killed.items())
    hurt = any(at_least(incident.killed, side) + at_least(incident.injured, side) >= n
               for side, n in t.min_casualties.items())
    if dead or hurt:
        return None
    wanted = ", ".join(dict.fromkeys([*t.min_killed, *t.min_casualties]))
    return f"no {wanted} {'killed or hurt' if t.min_casualties else 'killed'}"


def _unsure(counts: dict[str, int], sides: Sequence[str]) -> str:
    """'at least ' when a side's number was not given."""
    return "at least " if any(counts.get(s) == 0 for s in sides if s in counts) else ""


def _casualty_sides(rule: Rule) -> tuple[str, ...]:
    t = rule.trigger
    return tuple(t.casualties) or tuple(dict.fromkeys([*t.min_killed, *t.min_casualties])) or ALLIED_SIDES


def _history_incident(h: HistoryIncident, world: World) -> Incident:
    at = datetime(h.date.year, h.date.month, h.date.day, 12, tzinfo=UTC)
    return Incident(None, h.type, at, tuple(h.actors), tuple(h.places), dict(h.killed),
                    targets_hosted_us=any(world.hosts_us(p, h.date) for p in h.places))


def precedents(rule: Rule, history: Sequence[HistoryIncident], world: World, before: date) -> list[Precedent]:
    """History incidents that match the rule and whose outcome was known before `before`."""
    out = []
    for h in history:
        if h.date >= before:
            continue
        incident = _history_incident(h, world)
        if not matches(rule, incident, world):
            continue
        follow = h.followed_by
        lag = (follow.date - h.date).days if follow else None
        followed = bool(follow and follow.type == rule.expects.event_type and follow.date < before
                        and lag is not None and lag <= math.ceil(rule.window.total_seconds() / 86400))
        if follow and follow.date >= before:
            continue  # what came next was still in the future at the time
        out.append(Precedent(h.date, tuple(h.places), followed, lag if followed else None,
                             tuple(follow.places) if followed and follow else (), h.note))
    return out


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one judgement weighs, as counts: independent of the weights, so the weights can be refitted."""

    deaths: int = 0  # on the side the rule cares about
    injured: int = 0
    attributed: bool = False  # officials named who did it
    claimed: bool = False  # a group claimed it
    threat: bool = False  # a vow of response from the side expected to act
    tempo: int = 0  # attacks on US/coalition sites in the rule's tempo window before the trigger
    cases: int = 0  # comparable incidents known then (precedents and resolved warnings)
    followed: int = 0  # of those, how many the expected event followed

    def as_dict(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in EVIDENCE_FIELDS}

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> Evidence:
        """From `as_dict`, tolerant of a forecast stored before a field existed (it counts as 0)."""
        raw = {name: values.get(name, 0) for name in EVIDENCE_FIELDS}
        counts = {name: int(v) if isinstance(v, (int, float)) else 0 for name, v in raw.items()}
        return cls(counts["deaths"], counts["injured"], bool(counts["attributed"]), bool(counts["claimed"]),
                   bool(counts["threat"]), counts["tempo"], counts["cases"], counts["followed"])


def base_likelihood(prior: float, precedent_weight: float, cases: int, followed: int) -> float:
    """The prior blended with the precedents: (prior * w + followed) / (w + cases)."""
    return (prior * precedent_weight + followed) / (precedent_weight + cases)


def _capped(weight: float, count: int, cap: float) -> float:
    # A negative weight (a factor fitted to lower the likelihood) is capped in size the same way.
    return math.copysign(min(abs(weight) * count, abs(cap)), weight)


def steps(rule: Rule, factors: Factors, evidence: Evidence) -> dict[str, float]:
    """Each factor's move in log-odds, for the factors present; `factors` are the rule's own weights."""
    out: dict[str, float] = {}
    if evidence.deaths:
        out["deaths"] = _capped(factors.death, evidence.deaths, factors.death_cap)
    if evidence.injured:
        out["injured"] = _capped(factors.injured, evidence.injured, factors.injured_cap)
    if evidence.attributed:
        out["attributed"] = factors.attribution
    if evidence.claimed:
        out["claimed"] = factors.claim
    if evidence.threat:
        out["threat"] = factors.threat
    if evidence.tempo and rule.tempo.per_attack:
        out["tempo"] = _capped(rule.tempo.per_attack, evidence.tempo, rule.tempo.cap)
    return out


def likelihood(rule: Rule, shared: Factors, evidence: Evidence) -> float:
    """The likelihood a rule gives this evidence: the formula `judge` uses, for `monitor calibrate`."""
    factors = rule.weights(shared)
    base = base_likelihood(rule.prior, factors.precedent_weight, evidence.cases, evidence.followed)
    return _logistic(_logit(base) + sum(steps(rule, factors, evidence).values()))


def is_attack_on_us_site(incident: Incident, world: World) -> bool:
    """An attack that counts toward the tempo: at a place hosting US forces that day, or with US or coalition
    casualties (a report may name only the town beside the base)."""
    if incident.event_type != "attack":
        return False
    if any(s in incident.killed or s in incident.injured for s in ALLIED_SIDES):
        return True
    return incident.targets_hosted_us or any(world.hosts_us(p, incident.at.date()) for p in incident.places)


def tempo(rule: Rule, incident: Incident, attacks: Iterable[Incident], world: World) -> int:
    """How many attacks on US/coalition sites came in the rule's tempo window before this incident."""
    start = incident.at - timedelta(days=rule.tempo.days)
    return sum(1 for a in attacks if a.event_id != incident.event_id and start <= a.at < incident.at
               and is_attack_on_us_site(a, world))


def evidence_of(rule: Rule, incident: Incident, past: Sequence[Precedent], resolved: Sequence[bool],
                threat_seen: bool, recent_attacks: int = 0) -> Evidence:
    """The counts a judgement weighs."""
    cases = [p.followed for p in past] + list(resolved)
    sides = _casualty_sides(rule)
    return Evidence(
        deaths=sum(at_least(incident.killed, s) for s in sides),
        injured=sum(at_least(incident.injured, s) for s in sides),
        attributed=any(c.endswith(": attributed") for c in incident.claims),
        claimed=any(c.endswith(": claimed") for c in incident.claims),
        threat=threat_seen, tempo=recent_attacks, cases=len(cases), followed=sum(cases))


def history_cases(rule: Rule, history: Sequence[HistoryIncident], world: World) -> list[tuple[date, Evidence, bool]]:
    """The history incidents that are this rule's triggers, each with its evidence as it stood that day (the
    precedents before it, the tempo of the history's own attacks; no claims, vows or injured, which the
    history does not record) and whether the expected event followed within the window."""
    incidents = [(h, _history_incident(h, world)) for h in history]
    days = math.ceil(rule.window.total_seconds() / 86400)
    out = []
    for h, incident in incidents:
        if not matches(rule, incident, world):
            continue
        past = precedents(rule, history, world, before=h.date)
        evidence = evidence_of(rule, incident, past, [], False, tempo(rule, incident, [i for _, i in incidents], world))
        follow = h.followed_by
        followed = bool(follow and follow.type == rule.expects.event_type and 0 <= (follow.date - h.date).days <= days)
        out.append((h.date, evidence, followed))
    return out


def judge(rule: Rule, shared: Factors, incident: Incident, world: World, past: Sequence[Precedent],
          resolved: Sequence[bool], threat_seen: bool, recent_attacks: int = 0) -> Judgement:
    """The likelihood that the rule's expected event follows this trigger, with its reasons. `shared` are the
    rules file's factors (the rule's own weights override them); `recent_attacks` is the tempo count."""
    factors = rule.weights(shared)
    evidence = evidence_of(rule, incident, past, resolved, threat_seen, recent_attacks)
    base = base_likelihood(rule.prior, factors.precedent_weight, evidence.cases, evidence.followed)
    reasons = [f"prior {rule.prior:.0%}, {evidence.followed} of {evidence.cases} comparable incidents were "
               f"followed: base {base:.0%}"]
    moves = steps(rule, factors, evidence)
    sides = _casualty_sides(rule)
    texts = {
        "deaths": (f"{_unsure(incident.killed, sides)}{evidence.deaths} killed "
                   f"({', '.join(s for s in sides if s in incident.killed)})"),
        "injured": f"{_unsure(incident.injured, sides)}{evidence.injured} injured",
        "attributed": "officials named who did it",
        "claimed": "a group claimed it",
        "threat": "a vow or warning of response from the side expected to act",
        "tempo": (f"{evidence.tempo} attack{'s' if evidence.tempo != 1 else ''} on US sites in the last "
                  f"{rule.tempo.days} days"),
    }
    for name, step in moves.items():
        reasons.append(f"{texts[name]}: {step:+.2f}")
    chance = _logistic(_logit(base) + sum(moves.values()))
    expected_by = _expected(rule.expects.by, incident, world)
    targets = []
    for p in past:
        targets += [t for t in p.next_places if t not in targets]
    return Judgement(rule, incident, chance, base, tuple(reasons), tuple(past[-5:]), tuple(targets[:8]),
                     expected_by, _against(rule.expects.against, incident, world), threat_seen,
                     evidence.as_dict())


def expected_by(rule: Rule, incident: Incident, world: World) -> tuple[str, ...]:
    """Whom the rule expects to act after this incident."""
    return _expected(rule.expects.by, incident, world)


def _expected(who: str, incident: Incident, world: World) -> tuple[str, ...]:
    if who == "perpetrators":
        return tuple(_perpetrators(incident, world)) or (world.catch_all,)
    if who == "targets":
        return tuple(_perpetrators(incident, world)) or (world.catch_all,)
    return (who,)


def _against(what: str, incident: Incident, world: World) -> str:
    if what in {"perpetrators", "targets"}:
        return ", ".join(_perpetrators(incident, world)) or world.catch_all
    return what


def fulfils(expected_type: str, expected_by: Sequence[str], window_start: datetime, window_end: datetime,
            incident: Incident, world: World) -> bool:
    """Whether an incident is the event a warning expected: the type, the side, inside the window."""
    if incident.event_type != expected_type or not window_start <= incident.at <= window_end:
        return False
    if expected_type == "attack":
        return "iran_aligned" in world.sides(incident.actors)  # reprisals are often unclaimed or under new names
    wanted = set(expected_by)
    if wanted & set(incident.actors):
        return True
    if "us_coalition" in world.sides(tuple(wanted)) & world.sides(incident.actors):
        return True  # "Coalition conducts self-defense strike": the side the rule expects strikes, under its coalition
    # The catch-all is fulfilled by any Iran-aligned group, a named group by itself only.
    return world.catch_all in wanted and "iran_aligned" in world.sides(incident.actors)


def threat_supports(rule: Rule, threat_actors: Sequence[str], world: World) -> bool:
    """Whether a threat comes from the side the rule expects to act: its first actor's, who speaks (a threat event
    keeps its speaker first). "Nujaba's leader: nothing but arms between us and America" names the US side as
    whom it threatens, and is no US vow of response."""
    sides = world.sides(threat_actors[:1])
    if rule.expects.kind == "strike_likely":
        return "us_coalition" in sides
    return "iran_aligned" in sides
