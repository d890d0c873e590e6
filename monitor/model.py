"""The values the stages hand each other, in the order the pipeline passes them on.

    Item          parse -> everything after: one feed entry, normalised, with its stable key
    SeenItem      store -> events: a stored item an incoming one may be a copy of
    Matches       match -> read: the watchlist names found in an item's text
    Reading       read -> events, assess, notify: what a report says happened
    Report        the parts of an item and its reading that merging needs
    EventFacts    events -> assess, notify, store: the best current facts about one incident
    EventChange   events -> notify: what a report did to the events
    Incident      assess: an event, or a history entry, as the rules see it
    Judgement     assess -> notify: a rule's likelihood for one trigger, with its reasons
    Forecast      store <-> assess: a rule's standing judgement on one trigger event (a stored prediction)
    Standing      store -> assess: the forecasts, threats and outcomes an event is judged against
    Outlook       assess -> store, notify: what an event changed in the forecasts, and the alerts it asks for
    ItemContext   store -> pipeline: everything deciding on one item needs, loaded in one place
    AlertDraft    notify -> store: an alert before it is stored
    StoredAlert   store -> notify: an alert as it is stored, to be sent

No stage imports another; they import these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Protocol

from monitor.config import Rule


@dataclass(frozen=True, slots=True)
class Item:
    """One feed entry, normalised."""

    key: str
    title: str
    summary: str
    link: str | None
    published: datetime
    source: str
    feed_url: str
    guid: str | None = None

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.summary}"


@dataclass(frozen=True, slots=True)
class SeenItem:
    """A stored item, as copy detection compares a new one with it."""

    key: str
    link: str | None
    fingerprint: str | None
    title: str
    summary: str
    event_id: str | None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One mention of a watchlist entry in a text."""

    section: str
    name: str
    alias: str
    found: str
    start: int
    end: int
    score: float
    how: str  # exact | fuzzy | acronym | context | voice (a capital speaking for its government)

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "name": self.name, "alias": self.alias, "found": self.found,
                "start": self.start, "end": self.end, "score": round(self.score, 1), "how": self.how}


@dataclass(frozen=True, slots=True)
class Matches:
    """Every mention found, and the distinct names by section in order of first mention."""

    mentions: tuple[Match, ...]
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    words: tuple[tuple[int, int, str], ...] = ()  # the text's tokens, so the reader need not cut them again

    @classmethod
    def of(cls, mentions: Iterable[Match], words: Iterable[tuple[int, int, str]] = ()) -> Matches:
        ordered = tuple(sorted(mentions, key=lambda m: m.start))

        def names(section: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(m.name for m in ordered if m.section == section))

        return cls(ordered, names("actor"), names("place"), names("person"), tuple(words))


@dataclass(frozen=True, slots=True)
class Party:
    """An actor in a role, with how the report puts it."""

    name: str
    role: str  # perpetrator | striker | target | party
    how: str  # claimed | attributed | suspected | named | assumed
    evidence: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "how": self.how, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader made of one report."""

    relevant: bool
    event_type: str | None
    actors: tuple[str, ...]
    places: tuple[str, ...]
    killed: dict[str, int] = field(default_factory=dict)
    injured: dict[str, int] = field(default_factory=dict)
    weapon: str | None = None
    weapon_count: str | None = None
    parties: tuple[Party, ...] = ()
    happened_on: date | None = None
    scores: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    evidence: dict[str, str] = field(default_factory=dict)
    background: tuple[str, ...] = ()
    background_places: tuple[str, ...] = ()  # where the earlier incidents it refers to happened
    denied: str | None = None  # the event type it says did not happen ("no attack took place"), telling none
    # An attack whose report says the place attacked hosts US/coalition forces (a US toll, "where US troops are
    # stationed"); why is in evidence["us_targeted"]. Not in `as_dict`: the evidence says it.
    us_targeted: bool = False
    # The watched countries the title or lead names ("a base in Jordan"): merging weighs them when no place is
    # named. Not in `as_dict`.
    countries: tuple[str, ...] = ()
    # Whether the title says who speaks (a threat's actors then start with the speaker): merging keeps statements
    # of different speakers apart, and does not guess one where the title names none. Not in `as_dict`.
    speaker_known: bool = False
    # The day the report says someone spoke of it ("an official said on Saturday"): it happened then or before.
    # Merging weighs it when the report names no day of the event. Not in `as_dict`.
    spoken_on: date | None = None
    # Every death the report states by side, its own event's and the earlier ones it recalls ("families of the
    # three soldiers killed at Tower 22 mark a year"): what the labelled sets' `us_killed` counts. `killed` is
    # the report's own event's toll. Not in `as_dict`.
    stated_killed: dict[str, int] = field(default_factory=dict)
    # The title tells of its event after the fact ("Kataib Hezbollah buries fighters killed in Anbar raid", "the drone
    # that hit Erbil last week failed to explode"): the day it names may be a later one's, and the event days old.
    # Merging looks for that event over the follow-up window. Not in `as_dict`.
    after_the_fact: bool = False
    # The title or lead revises a toll ("toll of US injured in Syria drone strike rises", "ارتفاع حصيلة"), with or
    # without a count read: the report updates an earlier attack, however many days on. Not in `as_dict`.
    toll_update: bool = False
    # The title or lead tells of its attack as another after an earlier one ("Ain al-Asad hit again", "a day after
    # the drone attack"): merging does not take it for a follow-up of an earlier day's event. Not in `as_dict`.
    repeat: bool = False
    # In a strike report, the places named only where it tells the attack it answers ("a drone struck a base near
    # Hasakah ... I authorized strikes in eastern Syria"): among `places` (the report names them), but merging does
    # not take them for where it struck. Not in `as_dict`.
    answered_places: tuple[str, ...] = ()
    # The watched places the title or lead names as reference points ("a base north-east of Erbil"): not where it
    # happened, but near it. Merging weighs them when the report names no place. Not in `as_dict`.
    reference_places: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "relevant": self.relevant, "event_type": self.event_type, "actors": list(self.actors),
            "places": list(self.places), "killed": self.killed, "injured": self.injured,
            "weapon": self.weapon, "weapon_count": self.weapon_count,
            "parties": [p.as_dict() for p in self.parties],
            "happened_on": self.happened_on.isoformat() if self.happened_on else None,
            "scores": self.scores, "reasons": list(self.reasons), "evidence": self.evidence,
            "background": list(self.background), "background_places": list(self.background_places),
            "denied": self.denied,
        }


@dataclass(frozen=True, slots=True)
class EventFacts:
    """The best current facts about one incident."""

    id: str
    event_type: str
    title: str
    actors: tuple[str, ...]
    places: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    killed: dict[str, int] = field(default_factory=dict)
    injured: dict[str, int] = field(default_factory=dict)
    sources: tuple[dict[str, Any], ...] = ()
    report_count: int = 1
    claims: tuple[str, ...] = ()  # "Kataib Hezbollah: claimed", "Kataib Hezbollah: attributed"
    day: date | None = None  # the day it happened, as the first report put it
    us_targeted: bool = False  # a report said the place attacked hosts US/coalition forces (Reading.us_targeted)


@dataclass(frozen=True, slots=True)
class Report:
    """The parts of an item and its reading that events need."""

    key: str
    title: str
    link: str | None
    source: str
    published: datetime
    reading: Reading


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """What merging needs to know about places and actors, from the watchlist."""

    named_after: dict[str, str] = field(default_factory=dict)  # town -> the one base named after it
    reach: dict[str, frozenset[str]] = field(default_factory=dict)  # place -> places at, in or beside it
    common: frozenset[str] = frozenset()  # actors named in nearly every report
    country: dict[str, str] = field(default_factory=dict)  # place -> the country it lies in
    strikers: frozenset[str] = frozenset()  # the US side's actors, whose strikes the watch follows
    inside: dict[str, frozenset[str]] = field(default_factory=dict)  # place -> the places it lies in (a base's town)
    local: tzinfo = UTC  # the theatre's clock: a report's day is its date there
    part_of: dict[str, frozenset[str]] = field(default_factory=dict)  # actor -> the umbrellas it belongs to
    unnamed: str | None = None  # the actor an unnamed militia's words are put on (the watchlist's catch-all)
    # Sites that host or hosted US/coalition forces: a US strike report names one only as the attack it answers.
    allied_sites: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a report tells of an event, with the score and the reasons."""

    joins: bool
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One material difference a report made: its kind (for routing) and what to tell people."""

    kind: str  # killed | injured | place | actor | claim | attribution | correction | hosting
    text: str


@dataclass(frozen=True, slots=True)
class EventChange:
    """What a report did to the events: started one, or joined one and changed these facts."""

    event: EventFacts
    is_new: bool
    changes: tuple[Change, ...] = ()
    why: str = ""  # why the report joined this event or started it, for the event's history

    def material(self, kinds: Sequence[str]) -> tuple[Change, ...]:
        """The changes of the kinds a user wants an update for."""
        return tuple(c for c in self.changes if c.kind in kinds)


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
    sources: tuple[dict[str, Any], ...] = ()  # the event's reports (source, title, link), for the warning's links


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
    evidence: dict[str, int] = field(default_factory=dict)  # what was weighed, as counts (assess.Evidence)

    @property
    def window_end(self) -> datetime:
        return self.trigger.at + self.rule.window


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert before it is stored: what the pipeline hands to the store."""

    kind: str
    dedupe_key: str
    event_id: str | None
    created_at: datetime
    title: str
    text: str
    payload: dict[str, Any]



@dataclass(slots=True)
class Forecast:
    """A rule's judgement on one trigger event, as stored: open until an event fulfils it (confirmed) or its
    window passes (expired); sent as a warning once its likelihood reaches the threshold. Mutable: assessing
    decides on copies, and the store writes back what changed (and gives a new one its id)."""

    rule: str
    kind: str  # strike_likely | attack_likely
    expected_type: str
    expected_by: tuple[str, ...]
    trigger_event_id: str
    created_at: datetime
    window_start: datetime
    window_end: datetime
    likelihood: float
    id: int | None = None
    warned_likelihood: float | None = None
    warned_at: datetime | None = None
    threat_seen: bool = False
    state: str = "open"  # open | confirmed | expired; silent: a watch that never warns (Outlook.watches)
    resolved_at: datetime | None = None
    resolving_event_id: str | None = None
    lead_hours: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A forecast's outcome, known before now: a precedent for later judgements of its rule."""

    rule: str
    confirmed: bool
    trigger_day: date
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class Standing:
    """What the store holds that the decision needs, loaded in one place."""

    open_at_event: tuple[Forecast, ...] = ()  # open when the event happened: what it may confirm
    open_now: tuple[Forecast, ...] = ()  # open now: what a threat may raise
    triggers: dict[str, EventFacts] = field(default_factory=dict)  # the trigger events of `open_now`
    of_event: tuple[Forecast, ...] = ()  # forecasts this event triggered before (any state)
    threats: tuple[EventFacts, ...] = ()  # threat events seen from a day before the event until now
    resolved: tuple[Resolved, ...] = ()  # every forecast resolved before now
    recent_attacks: tuple[EventFacts, ...] = ()  # attack events from the longest tempo window before the event


@dataclass(frozen=True, slots=True)
class Announcement:
    """An alert the decision asks for: a warning (or its update), or a confirmed warning."""

    kind: str  # warning | resolved
    forecast: Forecast
    judgement: Judgement | None = None
    trigger_title: str = ""
    update_from: float | None = None


# What a miss is, for `monitor track-record` (the store's misses) and `monitor eval --timeline` alike.
MISS = ("an event of the kind a rule expects (a US strike on the perpetrators; an Iran-aligned attack) within the "
        "rule's window (config/rules.yaml) after an event of the rule's trigger kind (an Iran-aligned attack on a "
        "site hosting US forces; a US strike), whatever that event's toll, with no warning of that kind sent "
        "before it")


def silence(details: dict[str, Any], likelihood: float) -> str:
    """Why a forecast sent no warning, in words, from what was kept with it when it was judged or watched."""
    return str(details.get("silent") or f"likelihood {likelihood:.0%}, no warning sent")


@dataclass(frozen=True, slots=True)
class MissedEvent:
    """An event of a kind some rule expects that arrived with no warning standing for it."""

    event_id: str
    kind: str
    at: datetime
    title: str


@dataclass(frozen=True, slots=True)
class Outlook:
    """What one event changed: the forecasts to store (new ones have no id yet), the alerts, a miss."""

    forecasts: tuple[Forecast, ...] = ()
    announcements: tuple[Announcement, ...] = ()
    miss: MissedEvent | None = None
    silent: tuple[str, ...] = ()  # why each rule this event concerns raised no warning
    # Silent forecasts (state "silent") of events of a rule's trigger kind that are no trigger, new or changed:
    # they never warn, only make the expected event after them a miss (MISS).
    watches: tuple[Forecast, ...] = ()



@dataclass(frozen=True, slots=True)
class ItemContext:
    """What the store holds that deciding on one item needs, loaded in one place."""

    copies: tuple[SeenItem, ...] = ()  # stored items it may repeat
    candidates: tuple[EventFacts, ...] = ()  # events it may join
    earlier: tuple[EventFacts, ...] = ()  # events its background clauses may refer to
    standing: Standing = field(default_factory=Standing)


_COALITION_MEMBERS = ("US", "UK")
# The casualty sides (vocabulary `sides`) that stand for the US and its coalition: their dead are what the
# strike rules, the alert severity, the hosting flag and merging weigh.
ALLIED_SIDES = (*_COALITION_MEMBERS, "coalition")


def late_casualty_count(reading: Reading) -> bool:
    """Whether a report counts US or coalition casualties of an attack it tells as earlier ("eight US troops
    treated for brain injuries after the drone attack on a Syria base"), or revises an attack's toll ("toll from
    the al-Omar drone attack rises to seven"): such counts come days later, and the attack they belong to is
    looked for over the follow-up window even when the report names no day."""
    return reading.event_type == "attack" and (
        (bool(reading.background) and allied_hurt(reading.killed, reading.injured)) or revised_toll(reading)
        or reading.toll_update)


def toll_note(reading: Reading, word: str) -> tuple[str, str]:
    """(side, wording) of the reader's note on a count ("killed" or "injured"): "US", "revised to 14"."""
    side, _, wording = reading.evidence.get(f"{word}_note", "").partition(": ")
    return side, wording


def revised_toll(reading: Reading) -> bool:
    """Whether the report gives a toll as revised ("rises to seven", "revised to 14"; the reader's count notes)."""
    return any(toll_note(reading, word)[1].startswith("revised to") for word in ("killed", "injured"))


def allied_hurt(killed: dict[str, int], injured: dict[str, int]) -> bool:
    """Whether counts name US or coalition people killed or hurt."""
    return bool((set(killed) | set(injured)) & set(ALLIED_SIDES))


def at_least(counts: dict[str, int], side: str) -> int:
    """The side's count, a side named with its number not given (0: "several US troops wounded") as one."""
    return max(counts[side], 1) if side in counts else 0


def toll_text(counts: dict[str, int]) -> str:
    """'3 US, 1 UK'; a side whose number was not given reads 'US (number not given)'."""
    return ", ".join(f"{n} {side}" if n else f"{side} (number not given)"
                     for side, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def total_count(counts: dict[str, int]) -> int:
    """People counted, not double-counting "three coalition" and "two US and one British"."""
    members = sum(counts.get(side, 0) for side in _COALITION_MEMBERS)
    others = sum(n for side, n in counts.items() if side not in (*_COALITION_MEMBERS, "coalition"))
    return others + max(members, counts.get("coalition", 0))


class StoredAlert(Protocol):
    """An alert as the store keeps it: what a notification target is given to send."""

    @property
    def id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def dedupe_key(self) -> str: ...
    @property
    def event_id(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def title(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
