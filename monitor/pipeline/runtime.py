"""What the pipeline is built from, once at start-up: settings, store, matcher, reader, targets, rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from functools import cached_property

from monitor import assess, config, notify, store
from monitor.classify import Reader
from monitor.config import ConfigError, Settings, Watchlist, load_type_model, load_vocabulary, load_watchlist
from monitor.match import Matcher
from monitor.model import Gazetteer
from monitor.pipeline.parsers import Parsers


@dataclass
class Runtime:
    """Everything built once at start-up and shared by every run of the pipeline."""

    settings: Settings
    engine: store.Engine
    matcher: Matcher
    reader: Reader
    targets: list[notify.Target]
    world: assess.World
    gazetteer: Gazetteer = field(default_factory=Gazetteer)
    rules: config.RulesFile = field(default_factory=config.RulesFile)
    history: list[config.HistoryIncident] = field(default_factory=list)
    # Items are read and stored in a worker thread of their own, one feed at a time (the matcher keeps a
    # cache): feeds waiting to be processed queue there, not in the pool the delivery threads use.
    processor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-process"))
    # Fetched documents are parsed in processes of their own (one per core but one), started when first needed.
    parsers: Parsers = field(default_factory=Parsers)

    @cached_property
    def feeds_by_url(self) -> dict[str, config.FeedConfig]:
        """The configured feeds by their URL without credentials (a reload builds a new runtime)."""
        return {f.public_url: f for f in reversed(self.settings.feeds)}  # reversed: the first of a URL wins

    def age_limit(self, feed_url: str) -> tuple[timedelta | None, str]:
        """How old a new item of this feed may be and still alert, and the key that says so. Asked for every
        item: a look-up, not a walk through every feed."""
        feed = self.feeds_by_url.get(feed_url)
        if feed is not None and feed.max_item_age is not None:
            return feed.max_item_age, f"feeds[{feed.label}].max_item_age"
        return self.settings.max_item_age_for(None), "alerts.max_item_age"


def _built(settings: Settings, open_store: Callable[[], store.Engine],
           processor: ThreadPoolExecutor | None = None, parsers: Parsers | None = None) -> Runtime:
    """Everything read from the config files around `settings`; the store is opened once they passed."""
    watchlist = load_watchlist(settings.watchlist)
    vocabulary = load_vocabulary(settings.vocabulary)
    rules = config.load_rules(settings.rules)
    history_files = config.read_history_files(settings.history)
    # A name one file takes from another that no file defines breaks nothing loudly at run time, it only
    # matches nothing (a misspelled `by` never sees its warning confirmed): refuse to start instead.
    problems = config.reference_problems(settings, watchlist, vocabulary, rules, history_files)
    if problems:
        raise ConfigError(problems)
    history = config.incidents_of(history_files)
    type_model = load_type_model(settings.type_model) if settings.type_model else None
    targets = notify.build_targets(settings)
    runtime = Runtime(settings, open_store(), Matcher(watchlist), Reader(vocabulary, watchlist, type_model), targets,
                      world_of(watchlist), gazetteer_of(watchlist, vocabulary.theatre_utc_offset), rules, history)
    if processor is not None:  # the worker thread the running pipeline already queues on (its own is unused)
        runtime.processor = processor
    if parsers is not None:  # the same parser processes (its own, never started, cost nothing)
        runtime.parsers = parsers
    return runtime


def build_runtime(settings: Settings, database: str | None = None) -> Runtime:
    """Load the watchlist and vocabulary, open the store, set up notification targets."""
    return _built(settings, lambda: store.open_engine(database or settings.database))


def rebuilt(runtime: Runtime, settings: Settings) -> Runtime:
    """A runtime for a reloaded configuration, on the same store, worker thread and parser processes (the daemon's
    reload). The database is not reopened: a changed `database` takes effect at the next start."""
    return _built(settings.model_copy(update={"database": runtime.settings.database}), lambda: runtime.engine,
                  runtime.processor, runtime.parsers)


def world_of(watchlist: Watchlist) -> assess.World:
    """The watchlist as the rules see it: sides, where US forces were when, the catch-all actor."""

    def hosts_us(place: str, day: date) -> bool:
        entry = watchlist.place(place)
        return bool(entry and entry.hosts_us_forces(day))

    catch_all = next(iter(watchlist.with_role("catch_all")), "")  # the watchlist check makes sure there is one
    return assess.World({a.name: a.side for a in watchlist.actors}, hosts_us, catch_all, presence_of(watchlist))


def presence_of(watchlist: Watchlist) -> dict[str, str]:
    """When each place hosted US forces, in words, to say why a site does not count ("until 2026-01-17")."""
    out = {}
    for place in watchlist.places:
        spans = [f"{p.since or 'always'} to {p.until or 'now'}" for p in place.us_presence]
        out[place.name] = (f"{place.name} hosted US forces {', '.join(spans)}" if spans
                           else f"{place.name} is not known to host US forces")
    return out


# How far a place reaches, for "one inside or beside the other": a site is a point, a town or city covers its
# outskirts, a province a wide area. Countries and seas reach too far to tell incidents apart.
REACH_KM = {"base": 3.0, "diplomatic": 3.0, "militia_site": 3.0, "border_crossing": 5.0, "oil_field": 8.0,
            "town": 12.0, "district": 20.0, "city": 25.0, "area": 150.0}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def gazetteer_of(watchlist: Watchlist, utc_offset: float = 0.0) -> Gazetteer:
    """The watchlist's places as merging sees them: which lie at, inside or beside which (by coordinates)."""
    located = [(p.name, p.coordinates, REACH_KM[p.kind]) for p in watchlist.places
               if p.coordinates is not None and p.kind in REACH_KM]
    reach: dict[str, set[str]] = {}
    for name, at, radius in located:
        for other, there, other_radius in located:
            if other != name and _km(at, there) <= max(radius, other_radius):
                reach.setdefault(name, set()).add(other)
    # What the watchlist says lies in what, followed up (a base in a town in a province), both ways.
    within = {p.name: set(p.within) for p in watchlist.places}
    for name in within:
        seen: set[str] = set()
        todo = list(within[name])
        while todo:
            outer = todo.pop()
            if outer not in seen and outer != name:
                seen.add(outer)
                todo += within.get(outer, set())
        for outer in seen:
            reach.setdefault(name, set()).add(outer)
            reach.setdefault(outer, set()).add(name)
        within[name] = seen
    return Gazetteer(watchlist.sites_named_after(), {k: frozenset(v) for k, v in reach.items()},
                     watchlist.common_actors(),
                     country={p.name: p.country for p in watchlist.places if p.country},
                     strikers=frozenset(a.name for a in watchlist.actors if a.side == "us_coalition"),
                     inside={k: frozenset(v) for k, v in within.items() if v},
                     local=timezone(timedelta(hours=utc_offset)),
                     part_of={a.name: frozenset(a.part_of) for a in watchlist.actors if a.part_of},
                     unnamed=next((a.name for a in watchlist.actors if a.role == "catch_all"), None),
                     allied_sites=frozenset(p.name for p in watchlist.places if p.us_presence))
