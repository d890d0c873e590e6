"""The watchlist: tracked actors, places and people, loaded and validated from YAML files."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from monitor.config import ConfigError, describe_errors, read_yaml

ActorKind = Literal["militia", "umbrella", "front_group", "state", "state_force", "armed_group", "person_group"]
Side = Literal["iran_aligned", "us_coalition", "iraq_state", "other"]
PlaceKind = Literal[
    "base", "diplomatic", "city", "town", "district", "militia_site", "border_crossing", "oil_field", "area",
    "country", "sea",
]


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


class Actor(_Entry):
    kind: ActorKind
    side: Side
    theatre: bool = True  # false for actors whose fight is elsewhere (Lebanon, Yemen)
    backers: list[str] = []
    part_of: list[str] = []


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    since: date | None = None
    until: date | None = None

    def covers(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)


class Place(_Entry):
    kind: PlaceKind
    country: str | None = None
    coordinates: tuple[float, float] | None = None
    us_presence: list[Period] = []

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
    watchlist = Watchlist(actors=actors, places=places, people=people)
    problems += _duplicate_names(watchlist, paths)
    if not problems:  # names are looked up only in a watchlist whose entries all loaded
        problems += _missing_names(watchlist, paths)
    if problems:
        raise ConfigError(problems)
    return watchlist


# Actors the code looks up by name (classify.py, assess.py): a watchlist without one of them, renamed or left
# in a file that is not loaded, raises no error anywhere and silently switches a feature off; without the
# catch-all, an unclaimed attack has no Iran-aligned perpetrator and no strike warning ever follows.
# Each reason completes "no actor named X, which ...". tests/test_config_whole.py checks this list against
# the names written in monitor/*.py.
CODE_ACTORS: dict[str, str] = {
    "Iran-backed militias": "the reader uses as the catch-all for unnamed militias",
    "Iran": "the reader counts as a party on the Iran-aligned side",
    "IRGC": "the reader counts as a party on the Iran-aligned side",
    "Islamic State": "the reader uses to set Islamic State incidents aside",
}
# The side an actor of CODE_ACTORS must have for its feature to work: the escalation rules and the warning
# check read the catch-all's side, so a catch-all on another side stops the warnings just the same.
CODE_ACTOR_SIDES: dict[str, Side] = {"Iran-backed militias": "iran_aligned"}


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
    """Names the code needs that the watchlist lacks, and names the watchlist gives one entry that are not
    actors of it (backers, part_of, a person's affiliation: the reader takes a person's side from it)."""
    where = ", ".join(str(p) for p in paths)
    actors = [a.name for a in watchlist.actors]
    problems = []
    for name, why in CODE_ACTORS.items():
        actor = watchlist.actor(name)
        if actor is None:
            problems.append(f"{where}: actors: no actor named {name!r}, which {why}{did_you_mean(name, actors)}")
        elif name in CODE_ACTOR_SIDES and actor.side != CODE_ACTOR_SIDES[name]:
            problems.append(f"{where}: actors: {name!r} has side {actor.side!r}; it must be "
                            f"{CODE_ACTOR_SIDES[name]!r}, as the actor which {why}")
    for section, entries, fields in (("actors", watchlist.actors, ("backers", "part_of")),
                                     ("people", watchlist.people, ("affiliation",))):
        for entry in entries:
            for key in fields:
                value = getattr(entry, key)
                for name in [value] if isinstance(value, str) else value or []:
                    if watchlist.actor(name) is None:
                        problems.append(f"{where}: {section}[{entry.name!r}].{key}: {name!r} is not an actor in "
                                        f"the watchlist{did_you_mean(name, actors)}")
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
