"""The import contract: each library is imported by its owner only, and no new dependency between the
modules of `monitor` appears unnoticed.

Read from the source with `ast`, so the test needs nothing installed. Two lists hold today's debt, to be
paid by the restructuring: libraries used outside their owner, and module-to-module imports. A new entry
fails with what to do instead; an entry that is no longer true fails too, so the lists only shrink.
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
    "sqlalchemy": {"store", "migrations"},
    "alembic": {"store", "migrations"},
    "apprise": {"notify"},
    "jinja2": {"notify"},
    "apscheduler": {"daemon"},
    "pydantic": {"config"},
    "yaml": {"config"},
}

# Libraries still used outside their owner: the file schemas of the watchlist, vocabulary and rules are
# pydantic models kept beside their readers.
KNOWN_LEAKS = {("assess", "pydantic"), ("classify", "pydantic"), ("watchlist", "pydantic")}

# Modules every module may import: the one error tree.
SHARED = ("errors",)

# Module -> the modules of `monitor` it imports today. The flow (pipeline), the daemon, the CLI and the
# tools around replay may import stages; stages importing each other is the debt.
KNOWN_EDGES: dict[str, set[str]] = {
    "__main__": {"cli"},
    "assess": {"classify", "config", "watchlist"},
    "classify": {"config", "match", "watchlist"},
    "cli": {"assess", "classify", "config", "daemon", "evaluate", "logs", "match", "notify", "pipeline", "replay",
            "store", "watchlist"},
    "config": set(),
    "errors": set(),
    "daemon": {"fetch", "outbox", "pipeline", "store"},
    "evaluate": {"match", "parse", "pipeline", "replay", "store", "watchlist"},
    "events": {"classify"},
    "fetch": {"config"},
    "logs": set(),
    "match": {"watchlist"},
    "migrations": set(),
    "notify": {"assess", "classify", "config", "events", "parse", "store"},
    "outbox": {"config", "notify", "store"},
    "parse": set(),
    "pipeline": {"assess", "classify", "config", "events", "fetch", "match", "notify", "outbox", "parse", "store",
                 "watchlist"},
    "replay": {"parse", "pipeline"},
    "store": {"config"},
    "watchlist": {"config"},
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


def test_no_new_dependency_between_modules() -> None:
    edges = {module: modules for module, (_, modules) in _imports().items()}
    new = {m: sorted(targets - KNOWN_EDGES.get(m, set())) for m, targets in edges.items()}
    new = {m: t for m, t in new.items() if t}
    assert not new, (f"new imports between modules: {new}. Stages sit side by side: pass values through the "
                     "pipeline instead, or, if the dependency is right, add it to KNOWN_EDGES with the reason")
    gone = {m: sorted(KNOWN_EDGES[m] - edges.get(m, set())) for m in KNOWN_EDGES}
    gone = {m: t for m, t in gone.items() if t}
    assert not gone, f"these imports are gone: {gone}; remove them from KNOWN_EDGES so the list only shrinks"
