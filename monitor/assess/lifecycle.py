"""The life of a warning, decided in pure code: what one event does to the forecasts standing.

The pipeline loads what the decision needs (`Standing`), `decide` returns what changes (`Outlook`), and the
pipeline stores it and composes the alerts, in one transaction. In order, an event

1. confirms the open forecasts it fulfils (a new event only), and is recorded as a miss when it is of a kind
   a rule expects and no warning stood for it (`model.MISS`);
2. as a threat, raises the forecasts whose rule expects the threatening side to act;
3. as the trigger of each rule it matches, gets a forecast (new, or updated with what the event now says);
   as an event of a rule's trigger kind that is no trigger (a strike that killed no militia, an attack that
   killed no Americans), gets a silent forecast, a watch: it never warns, but the expected event within its
   window is a miss, explained by why the watch stayed silent.

A forecast is announced when its likelihood first reaches the threshold, and again only when it moves by
`update_delta`; a confirmed one is announced as resolved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from monitor.assess.judge import (
    World,
    expected_by,
    fulfils,
    judge,
    of_trigger_kind,
    precedents,
    tempo,
    threat_supports,
    why_not,
)
from monitor.config import HistoryIncident, Rule, RulesFile
from monitor.model import (
    Announcement,
    EventFacts,
    Forecast,
    Incident,
    Judgement,
    MissedEvent,
    Outlook,
    Standing,
    silence,
)

THREAT_LOOKBACK = timedelta(days=1)  # a vow made just before the trigger still counts
SAME_CYCLE = timedelta(days=1)  # triggers this close share one warning


def incident_of(facts: EventFacts, world: World) -> Incident:
    """An event as the rules see it. Its target hosted US forces when the watchlist says a place of it did that
    day, or a report said US or coalition forces were there (a US toll, "where American troops are stationed")."""
    hosted = facts.us_targeted or any(world.hosts_us(p, facts.first_seen.date()) for p in facts.places)
    return Incident(facts.id, facts.event_type, facts.first_seen, facts.actors, facts.places,
                    dict(facts.killed), dict(facts.injured), facts.claims, hosted, facts.sources)


@dataclass
class _Decision:
    """The working state of one decision: copies of the forecasts, changed in place, in the order decided."""

    rules: RulesFile
    history: Sequence[HistoryIncident]
    world: World
    event: EventFacts
    standing: Standing
    now: datetime
    pool: dict[int, Forecast] = field(default_factory=dict)
    new: dict[tuple[str, str], Forecast] = field(default_factory=dict)
    changed: list[Forecast] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)  # why a rule this event concerns raised no warning
    watches: list[Forecast] = field(default_factory=list)  # silent forecasts new or changed (see `watch`)
    quiet: str | None = None  # the report is too old to alert: forecasts are kept, nothing is announced

    def own(self, forecast: Forecast) -> Forecast:
        """The decision's copy of a loaded forecast (one per id, whichever list it came in)."""
        assert forecast.id is not None  # loaded from the store
        return self.pool.setdefault(forecast.id, replace(forecast))

    def touch(self, forecast: Forecast) -> None:
        if not any(f is forecast for f in self.changed):
            self.changed.append(forecast)

    def resolve(self, incident: Incident, title: str) -> MissedEvent | None:
        """Confirm the open forecasts this new event fulfils. It is a miss (`model.MISS`) when it fulfils a
        forecast that was never warned of (a trigger whose likelihood stayed below the threshold, or a watch: an
        event of a trigger's kind that was no trigger) and no warning of its kind stood when it came. A warning
        stands for every event of its kind in its window, as `monitor eval` counts them: one confirmed already by
        an earlier event, or one that expected another group to act, still warned of this one."""
        assert incident.event_id is not None  # an observed event, not a history entry
        standing = [self.own(f) for f in self.standing.open_at_event]
        warned_hit = any(f.warned_at is not None and f.expected_type == incident.event_type
                         and f.window_start <= incident.at <= f.window_end for f in standing)
        unwarned = []
        for forecast in standing:
            if not fulfils(forecast.expected_type, forecast.expected_by, forecast.window_start, forecast.window_end,
                           incident, self.world):
                continue
            if forecast.state != "open":  # confirmed by an earlier event, or a watch: nothing to change
                if forecast.warned_at is None:
                    unwarned.append(forecast)
                continue
            forecast.state, forecast.resolved_at = "confirmed", incident.at
            forecast.resolving_event_id = incident.event_id
            self.touch(forecast)
            if forecast.warned_at is None:
                unwarned.append(forecast)
            else:
                forecast.lead_hours = max(0.0, (incident.at - forecast.warned_at).total_seconds() / 3600)
                if self.quiet is not None:
                    self.silent.append(f"{forecast.rule}: confirmed, not announced: {self.quiet}")
                elif self.rules.send_resolved:
                    self.announcements.append(Announcement("resolved", forecast, trigger_title=title))
        if warned_hit or not unwarned:
            return None
        for forecast in unwarned:
            self.silent.append(f"{forecast.rule}: a miss: no {forecast.kind} warning stood after the event of "
                               f"{forecast.window_start:%Y-%m-%d %H:%M} ({forecast.trigger_event_id}): "
                               f"{silence(forecast.details, forecast.likelihood)}")
        return MissedEvent(incident.event_id, unwarned[0].kind, incident.at, title)

    def support(self, threat: Incident) -> None:
        """A vow of response from the side a standing forecast expects to act raises its likelihood."""
        for forecast in map(self.own, self.standing.open_now):
            rule = next((r for r in self.rules.rules if r.name == forecast.rule), None)
            if (forecast.state != "open" or rule is None or forecast.threat_seen
                    or not threat_supports(rule, threat.actors, self.world)):
                continue
            trigger = self.standing.triggers.get(forecast.trigger_event_id)
            if trigger is not None:
                self.judge(rule, incident_of(trigger, self.world), trigger.title, threat_seen=True)

    def _outcomes(self, rule: Rule) -> list[bool]:
        """This rule's forecasts resolved before now, known then; those near a history incident count once."""
        history_days = {h.date for h in self.history}
        known = [(r.confirmed, r.trigger_day) for r in self.standing.resolved
                 if r.rule == rule.name and r.resolved_at < self.now]
        known += [(f.state == "confirmed", f.window_start.date()) for f in self.changed
                  if f.rule == rule.name and f.state != "open" and f.resolved_at and f.resolved_at < self.now]
        return [ok for ok, day in known if not any(abs((day - d).days) <= 1 for d in history_days)]

    def _threat_seen(self, rule: Rule, incident: Incident) -> bool:
        start = incident.at - THREAT_LOOKBACK
        threats = [t for t in self.standing.threats if t.id != self.event.id]
        if self.event.event_type == "threat":
            threats.append(self.event)  # as this report left it
        return any(threat_supports(rule, t.actors, self.world) for t in threats
                   if t.last_seen >= start and t.first_seen <= self.now)

    def _forecast_for(self, rule: Rule, event_id: str) -> Forecast | None:
        if (rule.name, event_id) in self.new:
            return self.new[(rule.name, event_id)]
        loaded = (*self.standing.of_event, *self.standing.open_now)
        found = next((f for f in loaded if f.rule == rule.name and f.trigger_event_id == event_id), None)
        return self.own(found) if found else None

    def judge(self, rule: Rule, incident: Incident, trigger_title: str, threat_seen: bool | None = None) -> None:
        past = precedents(rule, self.history, self.world, before=self.now.date())
        if threat_seen is None:
            threat_seen = self._threat_seen(rule, incident)
        attacks = [incident_of(a, self.world) for a in self.standing.recent_attacks]
        judgement = judge(rule, self.rules.factors, incident, self.world, past, self._outcomes(rule), threat_seen,
                          tempo(rule, incident, attacks, self.world))
        if judgement.window_end < self.now:
            return  # an old report read late: its window has passed, there is nothing left to warn about
        assert incident.event_id is not None  # an observed event, not a history entry
        forecast = self._forecast_for(rule, incident.event_id)
        if forecast is None:
            forecast = Forecast(rule=rule.name, kind=rule.expects.kind, expected_type=rule.expects.event_type,
                                expected_by=judgement.expected_by, trigger_event_id=incident.event_id,
                                created_at=self.now, window_start=incident.at, window_end=judgement.window_end,
                                likelihood=judgement.likelihood)
            self.new[(rule.name, incident.event_id)] = forecast
        elif forecast.state == "silent":
            # A watch whose event became a trigger (a later report raised the toll): from now on the forecast a
            # new trigger would get, in the same row.
            forecast.state, forecast.created_at, forecast.expected_by = "open", self.now, judgement.expected_by
            forecast.window_start, forecast.window_end = incident.at, judgement.window_end
        elif forecast.state != "open":
            return
        forecast.likelihood, forecast.threat_seen = judgement.likelihood, judgement.threat_seen
        forecast.details = {"reasons": list(judgement.reasons),
                            "precedents": [p.describe() for p in judgement.precedents],
                            "against": judgement.expected_against, "likely_targets": list(judgement.likely_targets),
                            "evidence": dict(judgement.evidence)}  # for `monitor calibrate`
        self.touch(forecast)
        self.announce(forecast, judgement, trigger_title)

    def watch(self, rule: Rule, incident: Incident, reason: str) -> None:
        """A silent forecast for an event of the rule's trigger kind that is no trigger: it never warns; the
        expected event within its window is a miss, explained by `reason`."""
        assert incident.event_id is not None  # an observed event, not a history entry
        window_end = incident.at + rule.window
        if window_end < self.now:
            return  # read late: what it could expect has come and gone
        forecast = self._forecast_for(rule, incident.event_id)
        if forecast is not None and forecast.state != "silent":
            return  # judged as a trigger once: it stays that forecast
        by = expected_by(rule, incident, self.world)
        if forecast is None:
            forecast = Forecast(rule=rule.name, kind=rule.expects.kind, expected_type=rule.expects.event_type,
                                expected_by=by, trigger_event_id=incident.event_id, created_at=self.now,
                                window_start=incident.at, window_end=window_end, likelihood=0.0, state="silent")
            self.new[(rule.name, incident.event_id)] = forecast
        elif (forecast.details.get("silent"), forecast.window_start, forecast.expected_by) == (reason, incident.at, by):
            return
        forecast.window_start, forecast.window_end, forecast.expected_by = incident.at, window_end, by
        forecast.details = {"silent": reason}
        if not any(f is forecast for f in self.watches):
            self.watches.append(forecast)

    def _warned_alike(self, forecast: Forecast) -> Forecast | None:
        """A warning of the same kind standing for a trigger within a day of this one (of any rule: an attack that
        killed and wounded triggers the rules for both, and one strike is expected)."""
        made_now = [f for f in self.new.values() if f.warned_at is not None]
        for other in [*map(self.own, self.standing.open_now), *made_now]:
            if (other is not forecast and other.kind == forecast.kind and other.state == "open"
                    and other.warned_at is not None and abs(other.window_start - forecast.window_start) <= SAME_CYCLE):
                return other
        return None

    def announce(self, forecast: Forecast, judgement: Judgement, trigger_title: str) -> None:
        """One warning when the likelihood first reaches the threshold; an update only when it moves enough."""
        if forecast.warned_at is None:
            # Why it stays silent is kept with it: a miss after it says so (`monitor track-record`).
            if judgement.likelihood < self.rules.threshold:
                forecast.details["silent"] = (f"likelihood {judgement.likelihood:.0%} below the threshold "
                                              f"{self.rules.threshold:.0%}")
                self.silent.append(f"{forecast.rule}: likelihood {judgement.likelihood:.0%} is below the threshold "
                                   f"{self.rules.threshold:.0%} ({'; '.join(judgement.reasons)})")
                return
            standing = self._warned_alike(forecast)
            if standing is not None:
                # Reports of one incident kept apart, or a second attack the same day: the cycle is warned of
                # already, and a second warning for it would be noise.
                forecast.details["silent"] = (f"already warned of by the warning of "
                                              f"{standing.window_start:%Y-%m-%d %H:%M}")
                self.silent.append(f"{forecast.rule}: already warned of by the warning of "
                                   f"{standing.window_start:%Y-%m-%d %H:%M} ({standing.trigger_event_id})")
                return
            if self.quiet is not None:
                # Left unwarned, so that a recent report of the event can still warn.
                forecast.details["silent"] = (f"likelihood {judgement.likelihood:.0%} reaches the threshold, not "
                                              f"announced: {self.quiet}")
                self.silent.append(f"{forecast.rule}: likelihood {judgement.likelihood:.0%} reaches the threshold, "
                                   f"not announced: {self.quiet}")
                return
            forecast.warned_at, forecast.warned_likelihood = self.now, judgement.likelihood
            self.announcements.append(Announcement("warning", forecast, judgement, trigger_title))
            return
        if abs(judgement.likelihood - (forecast.warned_likelihood or 0)) < self.rules.update_delta:
            return
        if self.quiet is not None:
            self.silent.append(f"{forecast.rule}: likelihood moved to {judgement.likelihood:.0%}, not announced: "
                               f"{self.quiet}")
            return
        previous, forecast.warned_likelihood = forecast.warned_likelihood, judgement.likelihood
        self.announcements.append(Announcement("warning", forecast, judgement, trigger_title, update_from=previous))


def tempo_window(rules: RulesFile) -> timedelta:
    """How far back the store must load attacks for the tempo factor of every rule. Counted for a rule that
    gives it no weight too: the count is kept with the forecast, for `monitor calibrate` to fit a weight on."""
    return max((timedelta(days=r.tempo.days) for r in rules.rules), default=timedelta(0))


def decide(rules: RulesFile, history: Sequence[HistoryIncident], world: World, event: EventFacts, is_new: bool,
           title: str, standing: Standing, now: datetime, quiet: str | None = None) -> Outlook:
    """What an event, new or just changed, does to the forecasts: confirm, raise, create; and which alerts.
    `quiet` says why the report may announce nothing (published too long ago): the forecasts change all the
    same, and each announcement it would have made becomes a silent reason."""
    decision = _Decision(rules, history, world, event, standing, now, quiet=quiet)
    incident = incident_of(event, world)
    # A changed event is checked again: a later report may name the striker or the toll that makes it the event a
    # forecast expected (a miss is kept once per event).
    miss = decision.resolve(incident, title)
    if incident.event_type == "threat":
        decision.support(incident)
    for rule in rules.rules:
        failed = why_not(rule, incident, world)
        if failed is None:
            decision.judge(rule, incident, title)
        elif rule.trigger.event_type == incident.event_type:
            decision.silent.append(f"{rule.name}: not a trigger: {failed}")
            if of_trigger_kind(rule, incident, world):
                decision.watch(rule, incident, f"not a trigger: {failed}")
    return Outlook(tuple(decision.changed), tuple(decision.announcements), miss, tuple(decision.silent),
                   watches=tuple(decision.watches))
