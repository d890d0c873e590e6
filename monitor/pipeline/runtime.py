"""What the pipeline is built from, once at start-up: settings, store, matcher, reader, targets, rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from monitor import assess, config, notify, store
from monitor.classify import Reader
from monitor.config import ConfigError, Settings, load_vocabulary, load_watchlist
from monitor.match import Matcher


@dataclass
class Runtime:
    """Everything built once at start-up and shared by every run of the pipeline."""

    settings: Settings
    engine: store.Engine
    matcher: Matcher
    reader: Reader
    targets: list[notify.Target]
    world: assess.World
    sites_named_after: dict[str, str] = field(default_factory=dict)
    common_actors: frozenset[str] = frozenset()  # named in nearly every report: no sign of one incident
    rules: config.RulesFile = field(default_factory=config.RulesFile)
    history: list[config.HistoryIncident] = field(default_factory=list)
    # Items are read and stored in a worker thread of their own, one feed at a time (the matcher keeps a
    # cache): feeds waiting to be processed queue there, not in the pool the delivery threads use.
    processor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-process"))


def build_runtime(settings: Settings, database: str | None = None) -> Runtime:
    """Load the watchlist and vocabulary, open the store, set up notification targets."""
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
    engine = store.open_engine(database or settings.database)

    def hosts_us(place: str, day: date) -> bool:
        entry = watchlist.place(place)
        return bool(entry and entry.hosts_us_forces(day))

    catch_all = next(iter(watchlist.with_role("catch_all")), "")  # the watchlist check makes sure there is one
    world = assess.World({a.name: a.side for a in watchlist.actors}, hosts_us, catch_all)
    return Runtime(settings, engine, Matcher(watchlist), Reader(vocabulary, watchlist), notify.build_targets(settings),
                   world, watchlist.sites_named_after(), watchlist.common_actors(), rules, history)
