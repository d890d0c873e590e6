"""The watchlist: tracked actors, places and people, loaded and validated from YAML files."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from monitor.config.files import ConfigError, describe_errors, read_yaml

ActorKind = Literal["militia", "umbrella", "front_group", "state", "state_force", "armed_group", "person_group"]
Side = Literal["iran_aligned", "us_coalition", "iraq_state", "other"]
PlaceKind = Literal[
    "base", "diplomatic", "city", "town", "district", "militia_site", "border_crossing", "oil_field", "area",
    "country", "sea",
]


# What the code does with the actor of a role that is checked, completing "the actor ..." in a problem line.
_ROLE_USES: dict[str, str] = {
    "catch_all": "the reader puts an unclaimed militia attack on",
    "patron": "the reader counts as the state behind the militias, or as its forces",
}
# The side an actor of a role must have for its feature to work: the escalation rules and the warning check
# read the catch-all's side, so a catch-all on another side stops the warnings as surely as a missing one.
_ROLE_SIDES: dict[str, Side] = {"catch_all": "iran_aligned", "patron": "iran_aligned"}
# Reports name these whoever the group behind an incident is.
_ALWAYS_COMMON = frozenset({"catch_all", "patron"})


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    aliases: list[str] = []
    acronyms: list[str] = []
    arabic: list[str] = []
    weak_aliases: list[str] = []
    context: list[str] = []
    note: str | None = None

    @model_validator(mode="after")
    def _weak_needs_context(self) -> _Entry:
        if self.weak_aliases and not self.context:
            raise ValueError("weak_aliases need at least one `context` word to confirm them")
        return self

    def spellings(self) -> list[str]:
        """Every spelling matched tolerantly: the name, aliases and non-Latin forms."""
        return [self.name, *self.aliases, *self.arabic]


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    since: date | None = None
    until: date | None = None

    def covers(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)


class Actor(_Entry):
    kind: ActorKind
    side: Side
    theatre: bool = True  # false for actors whose fight is elsewhere (Lebanon, Yemen)
    backers: list[str] = []
    part_of: list[str] = []
    # The code asks for actors by role, never by name, so renaming an actor in the file breaks nothing.
    role: Literal["catch_all", "patron", "other_conflict"] | None = None
    common: bool = False  # named in nearly every report: sharing it does not tie two reports to one incident
    # The time an umbrella claimed attacks and spoke for the groups under it: an unnamed group that claims an
    # attack or makes a vow then ("Iraqi factions claim rocket fire at US base") speaks as this actor.
    claims_for_unnamed: Period | None = None


class Place(_Entry):
    kind: PlaceKind
    country: str | None = None
    coordinates: tuple[float, float] | None = None
    us_presence: list[Period] = []
    within: list[str] = []  # the places it lies in or beside (a base in a town, a town in a province)
    # Where the watched militias hold positions (border towns, their closed zones): blasts there with no
    # attacker named and no US site hit are strikes on them.
    militia_held: bool = False
    # The actor a capital stands for when it speaks ("Tehran vows a swift response", "Baghdad condemns the strikes"):
    # there it names the government, not the place.
    voice_of: str | None = None

    def hosts_us_forces(self, when: datetime | date) -> bool:
        """Whether US/coalition forces were there on that day."""
        day = when.date() if isinstance(when, datetime) else when
        return any(period.covers(day) for period in self.us_presence)


class Person(_Entry):
    affiliation: str | None = None


class WatchlistFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    actors: list[Actor] = []
    places: list[Place] = []
    people: list[Person] = []


class Watchlist(BaseModel):
    """All watchlist files merged, with look-ups by canonical name."""

    model_config = ConfigDict(frozen=True)
    actors: list[Actor] = []
    places: list[Place] = []
    people: list[Person] = []

    def actor(self, name: str) -> Actor | None:
        return next((a for a in self.actors if a.name == name), None)

    def place(self, name: str) -> Place | None:
        return next((p for p in self.places if p.name == name), None)

    def with_role(self, role: str) -> tuple[str, ...]:
        """Names of the actors with that `role`, in watchlist order."""
        return tuple(a.name for a in self.actors if a.role == role)

    def common_actors(self) -> frozenset[str]:
        """Actors that say nothing about which incident a report is about: those marked `common`, and the
        catch-all and the patrons, which reports name whoever the group behind an incident is."""
        return frozenset(a.name for a in self.actors if a.common or a.role in _ALWAYS_COMMON)

    def sites_named_after(self) -> dict[str, str]:
        """Town -> the one site named after it (Erbil -> Erbil Air Base), where there is exactly one and
        it is a base (Baghdad names an airport and an embassy, so it has none)."""
        found: dict[str, list[str]] = {}
        sites = [p for p in self.places if p.kind in {"base", "diplomatic"}]
        for town in self.places:
            if town.kind not in {"city", "town"}:
                continue
            words = _words(town.name)
            for site in sites:
                site_words = _words(site.name)
                if any(site_words[i : i + len(words)] == words for i in range(len(site_words))):
                    found.setdefault(town.name, []).append(site.name)
        kinds = {p.name: p.kind for p in sites}
        return {town: names[0] for town, names in found.items() if len(names) == 1 and kinds[names[0]] == "base"}

    def entries(self) -> list[tuple[str, _Entry]]:
        """(section, entry) for every entry, in file order."""
        return ([("actor", a) for a in self.actors] + [("place", p) for p in self.places]
                + [("person", p) for p in self.people])


def _words(name: str) -> list[str]:
    return re.findall(r"\w+", name.casefold())


def load_watchlist(paths: Sequence[Path]) -> Watchlist:
    """Read and merge watchlist files; problems name the file and the key path."""
    problems: list[str] = []
    actors: list[Actor] = []
    places: list[Place] = []
    people: list[Person] = []
    files: dict[str, Path] = {}  # actor name -> the file that defines it, for the role problems
    for path in paths:
        raw = read_yaml(path) or {}
        try:
            part = WatchlistFile.model_validate(raw)
        except ValidationError as exc:
            problems.extend(describe_errors(path, exc))
            continue
        actors += part.actors
        places += part.places
        people += part.people
        files.update(dict.fromkeys((a.name for a in part.actors), path))
    watchlist = Watchlist(actors=actors, places=places, people=people)
    problems += _duplicate_names(watchlist, paths)
    if not problems:  # names and roles are looked up only in a watchlist whose entries all loaded
        problems += _missing_names(watchlist, paths) + _role_problems(watchlist, files, paths)
    if problems:
        raise ConfigError(problems)
    return watchlist


def close_match(value: str, choices: Iterable[str]) -> str | None:
    """The choice most like `value`, ignoring case, when one is close enough to be the intended one."""
    by_folded = {choice.casefold(): choice for choice in choices}
    found = difflib.get_close_matches(value.casefold(), list(by_folded), n=1)
    return by_folded[found[0]] if found else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """`; did you mean 'X'?` for the end of a config error, or nothing when no choice is close."""
    match = close_match(value, choices)
    return f"; did you mean {match!r}?" if match else ""


def _missing_names(watchlist: Watchlist, paths: Sequence[Path]) -> list[str]:
    """Names the watchlist gives one entry that are not actors of it (backers, part_of, a person's
    affiliation: the reader takes a person's side from it)."""
    where = ", ".join(str(p) for p in paths)
    actors = [a.name for a in watchlist.actors]
    problems = []
    for section, entries, fields in (("actors", watchlist.actors, ("backers", "part_of")),
                                     ("people", watchlist.people, ("affiliation",))):
        for entry in entries:
            for key in fields:
                value = getattr(entry, key)
                for name in [value] if isinstance(value, str) else value or []:
                    if watchlist.actor(name) is None:
                        problems.append(f"{where}: {section}[{entry.name!r}].{key}: {name!r} is not an actor in "
                                        f"the watchlist{did_you_mean(name, actors)}")
    places = [p.name for p in watchlist.places]
    for place in watchlist.places:
        if place.voice_of is not None and watchlist.actor(place.voice_of) is None:
            problems.append(f"{where}: places[{place.name!r}].voice_of: {place.voice_of!r} is not an actor in the "
                            f"watchlist{did_you_mean(place.voice_of, actors)}")
        for name in place.within:
            if watchlist.place(name) is None:
                problems.append(f"{where}: places[{place.name!r}].within: {name!r} is not a place in the watchlist"
                                f"{did_you_mean(name, places)}")
    return problems


def _role_problems(watchlist: Watchlist, files: dict[str, Path], paths: Sequence[Path]) -> list[str]:
    """Exactly one catch-all, and the catch-all and the patrons on the side their features read. Without the
    catch-all an unclaimed attack has no Iran-aligned perpetrator and no strike warning ever follows; no error
    would be raised anywhere else, the feature would just switch off."""
    problems = []
    catch_alls = watchlist.with_role("catch_all")
    if not catch_alls:
        where = ", ".join(str(p) for p in paths)
        problems.append(f"{where}: actors: no actor has role 'catch_all'; set `role: catch_all` on the actor "
                        f"{_ROLE_USES['catch_all']} (one actor, on side 'iran_aligned')")
    for name in catch_alls[1:]:
        problems.append(f"{files[name]}: actors[{name!r}].role: 'catch_all' is already the role of "
                        f"{catch_alls[0]!r}; only one actor can be the one {_ROLE_USES['catch_all']}")
    for actor in watchlist.actors:
        side = _ROLE_SIDES.get(actor.role or "")
        if side is not None and actor.side != side:
            problems.append(f"{files[actor.name]}: actors[{actor.name!r}].role: {actor.role!r} needs side "
                            f"{side!r}, but the actor has side {actor.side!r}; it is the actor "
                            f"{_ROLE_USES[actor.role or '']}")
    return problems


def _duplicate_names(watchlist: Watchlist, paths: Sequence[Path]) -> list[str]:
    seen: set[tuple[str, str]] = set()
    problems = []
    where = ", ".join(str(p) for p in paths)
    for section, entry in watchlist.entries():
        key = (section, entry.name.casefold())
        if key in seen:
            problems.append(f"{where}: {section}s: {entry.name!r} is defined twice")
        seen.add(key)
    return problems
