"""The import contract: each library is imported by its owner only, stages do not import each other, and no
new dependency between the modules of `monitor` appears unnoticed.

Read from the source with `ast`, so the test needs nothing installed. A package counts as one module. A new
import fails with what to do instead; an entry of KNOWN_EDGES that is no longer true fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "monitor"

# library -> the modules that may import it
OWNERS: dict[str, set[str]] = {
    "httpx": {"fetch"},
    "feedparser": {"parse"},
    "rapidfuzz": {"match", "events"},
    "sqlmodel": {"store"},
    "sqlalchemy": {"store"},
    "alembic": {"store"},
    "apprise": {"notify"},
    "jinja2": {"notify", "web"},
    "aiohttp": {"fetch", "web"},  # the feeds' HTTP client, and the daemon's status server
    "prometheus_client": {"web"},
    "apscheduler": {"daemon"},
    "pydantic": {"config"},
    "yaml": {"config"},
    "rich": {"cli"},  # progress bars on a terminal
    "sklearn": {"train"},  # fitting the type model; reading with it needs no library
}

# Libraries used outside their owner, with the reason. Empty: keep it so.
KNOWN_LEAKS: set[tuple[str, str]] = set()

# Modules every module may import: the error tree, the values stages hand each other, the configuration,
# how text is cut into words, and how a package imports its names when first used.
SHARED = ("errors", "model", "config", "text", "lazy")

# The stages sit side by side: none imports another; the flows below call them in order.
STAGES = {"fetch", "parse", "match", "classify", "events", "assess", "notify", "store"}

# Module -> the modules of `monitor` it may import besides the shared ones. The flows (pipeline, outbox,
# daemon) and the tools around them (cli, replay, evaluate) call stages; a stage here is a mistake.
KNOWN_EDGES: dict[str, set[str]] = {
    "__main__": {"cli"},
    "calibrate": {"assess", "evaluate", "pipeline", "store"},  # refits the rules on replayed cycles
    "cli": {"assess", "calibrate", "classify", "daemon", "evaluate", "events", "guard", "logs", "match", "notify",
            "pipeline", "replay", "store", "train"},
    "daemon": {"fetch", "guard", "outbox", "pipeline", "store", "web"},
    "guard": {"pipeline", "store"},  # the single writer: the SQLite lock, its alert history, the heartbeat
    "evaluate": {"pipeline", "replay", "store"},
    "outbox": {"notify", "store"},
    "pipeline": {"assess", "classify", "events", "fetch", "match", "notify", "outbox", "parse", "store"},
    "replay": {"parse", "pipeline"},
    "train": {"classify", "evaluate", "match"},  # reads labelled files as the rules read them, to learn from it
    "web": {"store"},  # the status page and the metrics read the store
}


def _imports() -> dict[str, tuple[set[str], set[str]]]:
    """module -> (libraries of OWNERS it imports, modules of monitor it imports); a package counts as one."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue
        module = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        libraries, modules = found.setdefault(module, (set(), set()))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] if node.module != "monitor" else [f"monitor.{a.name}" for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in OWNERS:
                    libraries.add(top)
                elif top == "monitor" and "." in name and name.split(".")[1] not in (module, *SHARED):
                    modules.add(name.split(".")[1])
    return found


def test_each_library_is_imported_by_its_owner_only() -> None:
    leaks = {(module, lib) for module, (libraries, _) in _imports().items() for lib in libraries
             if module not in OWNERS[lib]}
    new = sorted(leaks - KNOWN_LEAKS)
    assert not new, (f"{new}: these modules import a library another module owns ({OWNERS}); go through the "
                     "owner (e.g. store.Engine, fetch.Client) instead")
    gone = sorted(KNOWN_LEAKS - leaks)
    assert not gone, f"{gone} no longer happen: remove them from KNOWN_LEAKS"


def test_stages_do_not_import_each_other() -> None:
    edges = {module: modules & STAGES for module, (_, modules) in _imports().items() if module in STAGES}
    edges = {m: sorted(t) for m, t in edges.items() if t}
    assert not edges, (f"stages importing stages: {edges}. Stages sit side by side: hand values over through "
                       "monitor.model and let the pipeline call them in order")


def test_no_new_dependency_between_modules() -> None:
    edges = {module: modules for module, (_, modules) in _imports().items()}
    new = {m: sorted(targets - KNOWN_EDGES.get(m, set())) for m, targets in edges.items()}
    new = {m: t for m, t in new.items() if t}
    assert not new, (f"new imports between modules: {new}. Stages sit side by side: pass values through the "
                     "pipeline instead, or, if the dependency is right, add it to KNOWN_EDGES with the reason")
    gone = {m: sorted(KNOWN_EDGES[m] - edges.get(m, set())) for m in KNOWN_EDGES}
    gone = {m: t for m, t in gone.items() if t}
    assert not gone, f"these imports are gone: {gone}; remove them from KNOWN_EDGES so the list only shrinks"
