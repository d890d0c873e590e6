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
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.classify import Vocabulary, load_vocabulary
from monitor.config import ConfigError, Duration, Settings, describe_errors, read_yaml
from monitor.watchlist import Watchlist, did_you_mean, load_watchlist

SideFilter = Literal["iran_aligned", "us_coalition", "any"]
_ALLIED = ("US", "UK", "coalition")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Model):
    event_type: Literal["attack", "strike", "threat"]
    perpetrator_side: SideFilter = "any"
    striker_side: SideFilter = "any"
    target: Literal["hosts_us", "any"] = "any"
    min_killed: dict[str, int] = {}


class Expects(_Model):
    kind: Literal["strike_likely", "attack_likely"]
    event_type: Literal["attack", "strike"]
    by: str
    against: str


class Rule(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    trigger: Trigger
    expects: Expects
    window: Duration
    prior: float = Field(gt=0, lt=1)


class Factors(_Model):
    death: float = 0.45
    death_cap: float = 1.35
    injured: float = 0.1
    injured_cap: float = 0.4
    attribution: float = 0.3
    claim: float = 0.2
    threat: float = 0.7
    precedent_weight: float = Field(default=4.0, gt=0)


class RulesFile(_Model):
    threshold: float = Field(default=0.5, gt=0, lt=1)
    update_delta: float = Field(default=0.15, gt=0, lt=1)
    send_resolved: bool = True
    factors: Factors = Factors()
    rules: list[Rule] = []


class FollowedBy(_Model):
    type: Literal["attack", "strike"]
    date: date
    by: str | None = None
    places: list[str] = []


class HistoryIncident(_Model):
    date: date
    type: Literal["attack", "strike"]
    actors: list[str] = []
    places: list[str] = []
    killed: dict[str, int] = {}
    followed_by: FollowedBy | None = None
    note: str = ""


class HistoryFile(_Model):
    incidents: list[HistoryIncident] = []


def load_rules(path: Path) -> RulesFile:
    try:
        rules = RulesFile.model_validate(read_yaml(path) or {})
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from None
    names = [r.name for r in rules.rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError([f"{path}: rules: rule name(s) {duplicates} used twice"])
    return rules


def read_history_files(paths: Sequence[Path]) -> list[tuple[Path, HistoryFile]]:
    """Each history file with its incidents in file order, so that a problem can name the file and the index."""
    files: list[tuple[Path, HistoryFile]] = []
    for path in paths:
        try:
            files.append((path, HistoryFile.model_validate(read_yaml(path) or {})))
        except ValidationError as exc:
            raise ConfigError(describe_errors(path, exc)) from None
    return files


def load_history(paths: Sequence[Path]) -> list[HistoryIncident]:
    return incidents_of(read_history_files(paths))


def incidents_of(files: Sequence[tuple[Path, HistoryFile]]) -> list[HistoryIncident]:
    """The incidents of history files read by `read_history_files`, oldest first."""
    return sorted((incident for _, file in files for incident in file.incidents), key=lambda i: i.date)


# --- the configuration as a whole ------------------------------------------------------------------

# Words `expects.by` and `expects.against` may use instead of a name (see `_expected` and `_against`);
# `against` may also be the free phrase rules.yaml documents.
_PARTY_WORDS = ("perpetrators", "targets")
_AGAINST_PHRASES = (*_PARTY_WORDS, "sites hosting US forces")
_Loaded = TypeVar("_Loaded")


def check_config_files(settings: Settings) -> list[str]:
    """Every problem in the watchlist, vocabulary, rules and history files: each file alone, then each name one
    file takes from another. A name no file defines raises nothing at run time, it only matches nothing (a rule
    whose `by` is misspelled never sees its warning confirmed), so only a check over all the files finds it."""
    problems: list[str] = []

    def attempt(load: Callable[[], _Loaded]) -> _Loaded | None:
        try:
            return load()
        except ConfigError as exc:
            problems.extend(exc.problems)
            return None

    watchlist = attempt(lambda: load_watchlist(settings.watchlist))
    vocabulary = attempt(lambda: load_vocabulary(settings.vocabulary))
    rules = attempt(lambda: load_rules(settings.rules))
    history = attempt(lambda: read_history_files(settings.history))
    return problems + reference_problems(settings, watchlist, vocabulary, rules, history or [])


def reference_problems(settings: Settings, watchlist: Watchlist | None, vocabulary: Vocabulary | None,
                       rules: RulesFile | None, history: Sequence[tuple[Path, HistoryFile]]) -> list[str]:
    """Actors, places and casualty sides named by the rules, history and vocabulary that the watchlist or the
    vocabulary does not define, one line each: file, key path, the name, and the closest known one. A file that
    did not load (None) is left out: its own problems are reported already."""
    in_watchlist = ", ".join(p.name for p in settings.watchlist)
    problems: list[str] = []

    def check(where: str, value: str, known: Sequence[str] | None, what: str, words: Sequence[str] = ()) -> None:
        if known is not None and value not in known and value not in words:
            problems.append(f"{where}: {value!r} is not {what}{did_you_mean(value, [*known, *words])}")

    actors = [a.name for a in watchlist.actors] if watchlist else None
    places = [p.name for p in watchlist.places] if watchlist else None
    countries = sorted({p.country for p in watchlist.places if p.country}) if watchlist else None
    sides = list(vocabulary.sides) if vocabulary else None
    an_actor, a_place = f"an actor in {in_watchlist}", f"a place in {in_watchlist}"
    a_side = f"a side the casualty reader counts ({settings.vocabulary.name} sides: {', '.join(sides or [])})"
    if vocabulary:
        where = str(settings.vocabulary)
        for i, state in enumerate(vocabulary.striking_states):
            check(f"{where}: striking_states[{i}]", state, actors, an_actor)
        for i, country in enumerate(vocabulary.theatre):
            check(f"{where}: theatre[{i}]", country, countries, f"the country of any place in {in_watchlist}")
    for i, rule in enumerate(rules.rules if rules else []):
        where = f"{settings.rules}: rules[{i}]"
        check(f"{where}.expects.by", rule.expects.by, actors, an_actor, _PARTY_WORDS)
        check(f"{where}.expects.against", rule.expects.against, None if actors is None or places is None
              else actors + places, f"an actor or place in {in_watchlist}", _AGAINST_PHRASES)
        for side in rule.trigger.min_killed:
            check(f"{where}.trigger.min_killed", side, sides, a_side)
    for path, file in history:
        for i, incident in enumerate(file.incidents):
            where = f"{path}: incidents[{i}]"
            for j, name in enumerate(incident.actors):
                check(f"{where}.actors[{j}]", name, actors, an_actor)
            for j, name in enumerate(incident.places):
                check(f"{where}.places[{j}]", name, places, a_place)
            for side in incident.killed:
                check(f"{where}.killed", side, sides, a_side)
            follow = incident.followed_by
            if follow and follow.by is not None:
                check(f"{where}.followed_by.by", follow.by, actors, an_actor)
            for j, name in enumerate(follow.places if follow else []):
                check(f"{where}.followed_by.places[{j}]", name, places, a_place)
    return problems


@dataclass(frozen=True, slots=True)
class Incident:
    """What assessing needs to know about an event (observed, or from the history file)."""

    event_id: str | None
    event_type: str
    at: datetime
    actors: tuple[str, ...]
    places: tuple[str, ...]
    killed: dict[str, int] = field(default_factory=dict)
    injured: dict[str, int] = field(default_factory=dict)
    claims: tuple[str, ...] = ()
    targets_hosted_us: bool = False


@dataclass(frozen=True, slots=True)
class World:
    """Facts from the watchlist: which side each actor is on, which places hosted US forces when."""

    side_of: dict[str, str]
    hosts_us: Callable[[str, date], bool]

    def sides(self, names: Iterable[str]) -> set[str]:
        return {self.side_of.get(n, "other") for n in names}


@dataclass(frozen=True, slots=True)
class Precedent:
    day: date
    places: tuple[str, ...]
    followed: bool
    lag_days: int | None
    next_places: tuple[str, ...]
    note: str

    def describe(self) -> str:
        where = ", ".join(self.places) or "unknown place"
        if self.followed:
            then = f"followed after {self.lag_days} day(s)" + (
                f" (hit: {', '.join(self.next_places)})" if self.next_places else "")
        else:
            then = "not followed within the window"
        return f"{self.day.isoformat()} {where}: {then}"


@dataclass(frozen=True, slots=True)
class Judgement:
    """A rule's view of one trigger: the likelihood and everything it rests on."""

    rule: Rule
    trigger: Incident
    likelihood: float
    base: float
    reasons: tuple[str, ...]
    precedents: tuple[Precedent, ...]
    likely_targets: tuple[str, ...]
    expected_by: tuple[str, ...]
    expected_against: str
    threat_seen: bool = False

    @property
    def window_end(self) -> datetime:
        return self.trigger.at + self.rule.window


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _perpetrators(incident: Incident, world: World) -> list[str]:
    return [a for a in incident.actors if world.side_of.get(a) == "iran_aligned"]


def matches(rule: Rule, incident: Incident, world: World) -> bool:
    """Whether an incident is this rule's trigger."""
    t = rule.trigger
    if incident.event_type != t.event_type:
        return False
    if t.event_type == "attack" and t.perpetrator_side != "any" and t.perpetrator_side not in world.sides(
            incident.actors):
        return False
    if t.event_type == "strike" and t.striker_side != "any" and t.striker_side not in world.sides(incident.actors):
        return False
    if t.target == "hosts_us" and not incident.targets_hosted_us:
        return False
    return not t.min_killed or any(incident.killed.get(side, 0) >= n for side, n in t.min_killed.items())


def _casualty_sides(rule: Rule) -> tuple[str, ...]:
    return tuple(rule.trigger.min_killed) or _ALLIED


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
        return tuple(_perpetrators(incident, world)) or ("Iran-backed militias",)
    if who == "targets":
        return tuple(_perpetrators(incident, world)) or ("Iran-backed militias",)
    return (who,)


def _against(what: str, incident: Incident, world: World) -> str:
    if what in {"perpetrators", "targets"}:
        return ", ".join(_perpetrators(incident, world)) or "Iran-backed militias"
    return what


def with_threat(judgement: Judgement, factors: Factors) -> Judgement:
    """The same judgement once a vow of response has been seen."""
    if judgement.threat_seen:
        return judgement
    score = _logit(judgement.likelihood) + factors.threat
    reasons = (*judgement.reasons,
               f"a vow or warning of response from the side expected to act: +{factors.threat:.2f}")
    return replace(judgement, likelihood=_logistic(score), reasons=reasons, threat_seen=True)


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
    # "Iran-backed militias" is fulfilled by any Iran-aligned group, a named group by itself only.
    return "Iran-backed militias" in wanted and "iran_aligned" in world.sides(incident.actors)


def threat_supports(rule: Rule, threat_actors: Iterable[str], world: World) -> bool:
    """Whether a threat comes from the side the rule expects to act."""
    sides = world.sides(threat_actors)
    if rule.expects.kind == "strike_likely":
        return "us_coalition" in sides
    return "iran_aligned" in sides


def window_hours(rule: Rule) -> int:
    return int(rule.window / timedelta(hours=1))


# --- track record --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """A sent warning and what became of it."""

    rule: str
    likelihood: float
    state: str  # open | confirmed | expired
    lead_hours: float | None


CALIBRATION_BINS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def track_record(outcomes: Sequence[Outcome], misses: Sequence[tuple[str, str, datetime]]) -> str:
    """Per rule: warnings, confirmed, expired, open, Brier score, calibration and median lead time; then
    the expected events that came with no warning."""
    lines = []
    rules = sorted({o.rule for o in outcomes})
    if not rules:
        lines.append("no warnings yet")
    for rule in rules:
        mine = [o for o in outcomes if o.rule == rule]
        done = [o for o in mine if o.state != "open"]
        confirmed = [o for o in done if o.state == "confirmed"]
        lines.append(f"rule {rule}: {len(mine)} warnings, {len(confirmed)} confirmed, "
                     f"{sum(o.state == 'expired' for o in mine)} expired, {sum(o.state == 'open' for o in mine)} open")
        if done:
            brier = sum((o.likelihood - (o.state == "confirmed")) ** 2 for o in done) / len(done)
            lines.append(f"  Brier score {brier:.3f} over {len(done)} resolved warnings (0 is perfect, 0.25 is a coin)")
            lines.append("  calibration: likelihood  warnings  confirmed")
            for low, high in CALIBRATION_BINS:
                in_bin = [o for o in done if low <= o.likelihood < high]
                if in_bin:
                    rate = sum(o.state == "confirmed" for o in in_bin) / len(in_bin)
                    lines.append(f"    {low:.0%}-{min(high, 1):.0%}  {len(in_bin):>8}  {rate:>9.0%}")
        leads = sorted(o.lead_hours for o in confirmed if o.lead_hours is not None)
        if leads:
            lines.append(f"  median lead time {statistics.median(leads):.1f} h "
                         f"(from {leads[0]:.1f} to {leads[-1]:.1f} h)")
    lines.append(f"misses (expected events with no warning standing): {len(misses)}")
    for kind, title, at in misses:
        lines.append(f"  {at:%Y-%m-%d} {kind}: {title[:100]}")
    return "\n".join(lines)
