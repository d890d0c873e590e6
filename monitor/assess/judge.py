"""Assessing: when an event is the first half of a familiar cycle, judge how likely the second half is.

Pure logic over plain values; the pipeline hands in the event, the open predictions and the clock,
and stores what comes back. The likelihood of a warning is built in log-odds, each step a reason
shown to the reader:

    base      the rule's prior blended with its precedents (history incidents and resolved warnings
              whose outcome was known before now): (prior * w + followed) / (w + cases)
    + deaths and injuries on the side the rule cares about (capped)
    + attribution by officials, a claim of responsibility
    + a vow or warning of response from the side expected to act, seen since the trigger

Only incidents earlier than the clock count, so a replay of the past never sees its future.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from monitor.config import Factors, HistoryIncident, Rule
from monitor.model import Incident, Judgement, Precedent

_ALLIED = ("US", "UK", "coalition")


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
    t = rule.trigger
    if incident.event_type != t.event_type:
        return f"not an {t.event_type}" if t.event_type[0] in "aeiou" else f"not a {t.event_type}"
    sides = world.sides(incident.actors)
    if t.event_type == "attack" and t.perpetrator_side != "any" and t.perpetrator_side not in sides:
        return f"no perpetrator on the {t.perpetrator_side} side"
    if t.event_type == "strike" and t.striker_side != "any" and t.striker_side not in sides:
        return f"no striker on the {t.striker_side} side"
    if t.target == "hosts_us" and not incident.targets_hosted_us:
        if not incident.places:
            return "no place named, so no site known to host US forces"
        notes = [world.presence.get(p) for p in incident.places]
        known = "; ".join(n for n in notes if n)
        return f"no place known to host US forces on {incident.at:%Y-%m-%d}" + (f" ({known})" if known else "")
    if not t.min_killed and not t.min_casualties:
        return None
    dead = any(incident.killed.get(side, 0) >= n for side, n in t.min_killed.items())
    hurt = any(incident.killed.get(side, 0) + incident.injured.get(side, 0) >= n
               for side, n in t.min_casualties.items())
    if dead or hurt:
        return None
    wanted = ", ".join(dict.fromkeys([*t.min_killed, *t.min_casualties]))
    return f"no {wanted} {'killed or hurt' if t.min_casualties else 'killed'}"


def _casualty_sides(rule: Rule) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*rule.trigger.min_killed, *rule.trigger.min_casualties])) or _ALLIED


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


def judge(rule: Rule, factors: Factors, incident: Incident, world: World, past: Sequence[Precedent],
          resolved: Sequence[bool], threat_seen: bool) -> Judgement:
    """The likelihood that the rule's expected event follows this trigger, with its reasons."""
    cases = [p.followed for p in past] + list(resolved)
    base = (rule.prior * factors.precedent_weight + sum(cases)) / (factors.precedent_weight + len(cases))
    reasons = [f"prior {rule.prior:.0%}, {sum(cases)} of {len(cases)} comparable incidents were followed: "
               f"base {base:.0%}"]
    score = _logit(base)
    sides = _casualty_sides(rule)
    deaths = sum(incident.killed.get(s, 0) for s in sides)
    if deaths:
        step = min(factors.death * deaths, factors.death_cap)
        score += step
        reasons.append(f"{deaths} killed ({', '.join(s for s in sides if incident.killed.get(s))}): +{step:.2f}")
    hurt = sum(incident.injured.get(s, 0) for s in sides)
    if hurt:
        step = min(factors.injured * hurt, factors.injured_cap)
        score += step
        reasons.append(f"{hurt} injured: +{step:.2f}")
    if any(c.endswith(": attributed") for c in incident.claims):
        score += factors.attribution
        reasons.append(f"officials named who did it: +{factors.attribution:.2f}")
    if any(c.endswith(": claimed") for c in incident.claims):
        score += factors.claim
        reasons.append(f"a group claimed it: +{factors.claim:.2f}")
    if threat_seen:
        score += factors.threat
        reasons.append(f"a vow or warning of response from the side expected to act: +{factors.threat:.2f}")
    likelihood = _logistic(score)
    expected_by = _expected(rule.expects.by, incident, world)
    targets = []
    for p in past:
        targets += [t for t in p.next_places if t not in targets]
    return Judgement(rule, incident, likelihood, base, tuple(reasons), tuple(past[-5:]), tuple(targets[:8]),
                     expected_by, _against(rule.expects.against, incident, world), threat_seen)


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
    # The catch-all is fulfilled by any Iran-aligned group, a named group by itself only.
    return world.catch_all in wanted and "iran_aligned" in world.sides(incident.actors)


def threat_supports(rule: Rule, threat_actors: Iterable[str], world: World) -> bool:
    """Whether a threat comes from the side the rule expects to act."""
    sides = world.sides(threat_actors)
    if rule.expects.kind == "strike_likely":
        return "us_coalition" in sides
    return "iran_aligned" in sides
