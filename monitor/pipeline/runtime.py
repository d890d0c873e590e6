"""What the pipeline is built from: settings and store at start-up, the config files around them (watchlist,
vocabulary, rules, history, targets) read and checked at start-up or beside the first fetches of `poll --once`; the
matcher, reader and what deciding needs the first time an item is new."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING

from monitor import config, store
from monitor.config import ConfigError, Settings
from monitor.pipeline.parsers import Parsers

if TYPE_CHECKING:  # imported when first built: a round of 304s reads no item and never loads them
    from monitor import assess, notify
    from monitor.classify import Reader
    from monitor.config import TypeModel, Vocabulary, Watchlist
    from monitor.match import Matcher
    from monitor.model import Gazetteer


# How often the GIL changes hands while the start-up work runs beside the event loop (see `Startup._beside`).
SWITCH_SECONDS = 0.0005


@dataclass(frozen=True)
class ConfigFiles:
    """The config files around monitor.yaml, read and checked together: what reading items and notifying need."""

    watchlist: Watchlist
    vocabulary: Vocabulary
    rules: config.RulesFile
    history: list[config.HistoryIncident]
    targets: list[notify.Target]


class Startup:
    """The config files read and checked once (`read_config_files`), with what a writing command then checks in the
    store: now (`done`), or in a thread of its own (`start`) while `poll --once` waits for its first answers. Until
    then nothing that needs them runs: `result` waits for them, and raises what stopped them (a ConfigError)."""

    def __init__(self, work: Callable[[], ConfigFiles]) -> None:
        self._work: Callable[[], ConfigFiles] | None = work
        self._lock = threading.Lock()
        self.future: Future[ConfigFiles] = Future()

    @classmethod
    def done(cls, files: ConfigFiles) -> Startup:
        startup = cls(lambda: files)
        startup.result()
        return startup

    def start(self) -> None:
        """Do the work in a thread of its own, unless it has begun."""
        work = self._take()
        if work is not None:
            threading.Thread(target=self._beside, args=(work,), name="monitor-startup", daemon=True).start()

    def _beside(self, work: Callable[[], ConfigFiles]) -> None:
        # The work is Python (imports, YAML, validation) and holds the GIL; the event loop beside it wants the GIL back
        # after each socket call, and waited up to the switch interval (5 ms) for it each time: 0.07 s of a 200-feed
        # round of 304s (0.60 -> 0.53 s, median of 6). The interval is shortened while the work runs.
        interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)
        try:
            self._run(work)
        finally:
            sys.setswitchinterval(interval)

    def result(self) -> ConfigFiles:
        """The files, once read and checked (in this thread if no one began); raises what stopped them."""
        work = self._take()
        if work is not None:
            self._run(work)
        return self.future.result()

    def _take(self) -> Callable[[], ConfigFiles] | None:
        with self._lock:
            work, self._work = self._work, None
            return work

    def _run(self, work: Callable[[], ConfigFiles]) -> None:
        try:
            self.future.set_result(work())
        except BaseException as exc:  # handed to whoever waits, in the thread that waits
            self.future.set_exception(exc)


@dataclass
class Runtime:
    """Everything shared by every run of the pipeline. The settings are read and the store opened when it is built,
    and the other config files read and checked then too (`build_runtime`), or beside the first fetches of a round
    (`open_runtime`, see `Startup`): a round of 304s needs none of them. What only a new item needs (the matcher, the
    reader and its type model, the world and gazetteer deciding uses) is built the first time an item asks for it: a
    round answered by 304s, most rounds of a polling daemon, costs none of it (0.2 CPU-s and their modules' imports,
    ~0.1 s more). `prepare` builds them at once."""

    settings: Settings
    engine: store.Engine
    startup: Startup
    # Items are read and stored in a worker thread of their own, one feed at a time (the matcher keeps a
    # cache): feeds waiting to be processed queue there, not in the pool the delivery threads use.
    processor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-process"))
    # Fetched documents are parsed in processes of their own (one per core but one), started when first needed.
    parsers: Parsers = field(default_factory=Parsers)

    @property
    def files(self) -> ConfigFiles:
        """The checked config files (waits for them while they are read beside the first fetches)."""
        return self.startup.result()

    @property
    def watchlist(self) -> Watchlist:
        return self.files.watchlist

    @property
    def vocabulary(self) -> Vocabulary:
        return self.files.vocabulary

    @property
    def rules(self) -> config.RulesFile:
        return self.files.rules

    @property
    def history(self) -> list[config.HistoryIncident]:
        return self.files.history

    @property
    def targets(self) -> list[notify.Target]:
        return self.files.targets

    # Each built once, on first use. Items are read in the processing thread only, so two threads building one
    # at the same time (which would only waste the work) does not happen in the pipeline.

    @cached_property
    def type_model(self) -> TypeModel | None:
        """The learned type model, when the settings name one (its file was found at start-up)."""
        path = self.settings.type_model
        return config.load_type_model(path) if path else None

    @cached_property
    def matcher(self) -> Matcher:
        from monitor.match import Matcher

        return Matcher(self.watchlist)

    @cached_property
    def reader(self) -> Reader:
        from monitor.classify import Reader

        return Reader(self.vocabulary, self.watchlist, self.type_model)

    @cached_property
    def world(self) -> assess.World:
        return world_of(self.watchlist)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return gazetteer_of(self.watchlist, self.vocabulary.theatre_utc_offset)

    def prepare(self) -> Runtime:
        """Build now what a new item needs (the daemon: its first new item should not wait, and a reload whose
        type model cannot be read is refused, not met by the first item)."""
        _ = self.matcher, self.reader, self.world, self.gazetteer
        return self

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


def read_config_files(settings: Settings) -> ConfigFiles:
    """Every config file around `settings` read and checked; a ConfigError names each problem's file and key."""
    from monitor import notify

    watchlist = config.load_watchlist(settings.watchlist)
    # Read once, for the merge and for the names the check below looks up in each file (read twice, the
    # vocabulary was a fifth of a 304 round's start-up after its imports).
    vocabulary_read = config.vocabulary_files(settings.vocabulary)
    vocabulary = config.load_vocabulary(settings.vocabulary, vocabulary_read)
    rules = config.load_rules(settings.rules)
    history_files = config.read_history_files(settings.history)
    # A name one file takes from another that no file defines breaks nothing loudly at run time, it only
    # matches nothing (a misspelled `by` never sees its warning confirmed): refuse to start instead.
    problems = list(config.reference_problems(settings, watchlist, vocabulary, rules, history_files,
                                              vocabulary_read))
    if settings.type_model and not settings.type_model.is_file():  # its content is read with the reader
        problems.append(f"{settings.type_model}: file not found (type_model in monitor.yaml; `monitor train` "
                        "writes it)")
    if problems:
        raise ConfigError(problems)
    return ConfigFiles(watchlist, vocabulary, rules, config.incidents_of(history_files),
                       notify.build_targets(settings))


def _built(settings: Settings, open_store: Callable[[], store.Engine],
           processor: ThreadPoolExecutor | None = None, parsers: Parsers | None = None) -> Runtime:
    """Every config file around `settings` read and checked; the store is opened once they passed."""
    files = read_config_files(settings)
    runtime = Runtime(settings, open_store(), Startup.done(files))
    if processor is not None:  # the worker thread the running pipeline already queues on (its own is unused)
        runtime.processor = processor
    if parsers is not None:  # the same parser processes (its own, never started, cost nothing)
        runtime.parsers = parsers
    return runtime


def build_runtime(settings: Settings, database: str | None = None) -> Runtime:
    """Load the watchlist and vocabulary, open the store, set up notification targets."""
    return _built(settings, lambda: store.open_engine(database or settings.database))


def open_runtime(settings: Settings, database: str | None = None,
                 then: Callable[[Runtime], None] | None = None) -> Runtime:
    """Open the store now, and leave the other config files to `runtime.startup`: read and checked (then `then`
    called with the runtime) when it is started, or when something first needs them. `poll --once` starts it once
    its fetches are in flight, so that a round of 304s does not wait for them (~0.2 CPU-s)."""
    def work() -> ConfigFiles:
        files = read_config_files(settings)
        if then is not None:  # on a runtime of its own whose files are done: this one's wait for `then` to end
            then(Runtime(settings, runtime.engine, Startup.done(files), runtime.processor, runtime.parsers))
        return files

    runtime = Runtime(settings, store.open_engine(database or settings.database), Startup(work))
    return runtime


def rebuilt(runtime: Runtime, settings: Settings) -> Runtime:
    """A runtime for a reloaded configuration, on the same store, worker thread and parser processes (the daemon's
    reload). The database is not reopened: a changed `database` takes effect at the next start."""
    return _built(settings.model_copy(update={"database": runtime.settings.database}), lambda: runtime.engine,
                  runtime.processor, runtime.parsers).prepare()


def world_of(watchlist: Watchlist) -> assess.World:
    """The watchlist as the rules see it: sides, where US forces were when, the catch-all actor."""
    from monitor import assess

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
    # Two sites inside one site share its ground (a camp and a diplomatic compound on one airport): each is beside
    # the other. Sites inside one town or province are not.
    site_radius = REACH_KM["oil_field"]
    kinds = {p.name: p.kind for p in watchlist.places}
    sharing: dict[str, set[str]] = {}
    for inner, containers in within.items():
        for container in containers:
            if REACH_KM.get(kinds.get(container, ""), math.inf) <= site_radius:
                sharing.setdefault(container, set()).add(inner)
    for group in sharing.values():
        for inner in group:
            reach.setdefault(inner, set()).update(group - {inner})
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
    from monitor.model import Gazetteer  # see the import at the top

    return Gazetteer(watchlist.sites_named_after(), {k: frozenset(v) for k, v in reach.items()},
                     watchlist.common_actors(),
                     country={p.name: p.country for p in watchlist.places if p.country},
                     strikers=frozenset(a.name for a in watchlist.actors if a.side == "us_coalition"),
                     inside={k: frozenset(v) for k, v in within.items() if v},
                     local=timezone(timedelta(hours=utc_offset)),
                     part_of={a.name: frozenset(a.part_of) for a in watchlist.actors if a.part_of},
                     unnamed=next((a.name for a in watchlist.actors if a.role == "catch_all"), None),
                     allied_sites=frozenset(p.name for p in watchlist.places if p.us_presence))
