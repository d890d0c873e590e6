"""What a round of `poll --once` answered by 304s costs: it reads and writes the feeds' state in SQLAlchemy Core and
loads neither SQLModel and the tables' models nor anything of the reader; the config files around monitor.yaml
are checked beside its first fetches, and a problem in them still stops the round (exit 2) before it stores
anything. The packages whose names are imported when first used (`store`, `config`, `pipeline`, `notify`) are
checked to name what their modules hold.
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import store
from monitor.cli import main

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SHIPPED = Path(__file__).resolve().parents[1] / "config"

# Nothing of this is needed to ask feeds whether they changed and to write down that they did not.
NOT_FOR_304S = {"sqlmodel", "sqlalchemy.orm", "alembic", "feedparser", "rapidfuzz", "apprise", "jinja2",
                "monitor.store.tables", "monitor.store.item", "monitor.store.context", "monitor.store.delivery",
                "monitor.store.prediction", "monitor.pipeline.item", "monitor.parse", "monitor.match",
                "monitor.classify", "monitor.events", "monitor.assess"}

# One `poll --once` in a fresh interpreter: its exit code and every module it loaded (the background reading of the
# config files included: it ends before the round stores anything).
_ROUND = """
import json, sys
from monitor.cli import main
code = main(["--config", sys.argv[1], "poll", "--once"])
print(json.dumps([code, sorted(sys.modules)]))
"""


def _round_alone(config: Path) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", _ROUND, str(config)], capture_output=True, text=True, check=True)
    code, modules = json.loads(done.stdout.splitlines()[-1])
    return code, set(modules)


def _three_feeds(feed_server, make_config: Callable[..., Path], **keys: object) -> Path:
    for name in ("attack_on_k1", "seed_cycle", "distractors"):
        feed_server.add_feed(f"/{name}.xml", (FEEDS / f"{name}.xml").read_bytes())
    names = ("attack_on_k1", "seed_cycle", "distractors")
    return make_config(feeds=[{"url": feed_server.url(f"/{n}.xml")} for n in names], **keys)


def test_a_round_of_304s_loads_neither_the_orm_nor_the_reader(feed_server, make_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _three_feeds(feed_server, make_config)
    assert main(["--config", str(config), "poll", "--once"]) == 0  # the first round: items read and stored
    code, loaded = _round_alone(config)
    assert code == 0
    assert [feed_server.statuses(f"/{n}.xml") for n in ("attack_on_k1", "seed_cycle", "distractors")] == [
        [200, 304]] * 3
    assert not loaded & NOT_FOR_304S, sorted(loaded & NOT_FOR_304S)
    # The config files were still read and checked (beside the fetches).
    assert {"monitor.config.watchlist", "monitor.config.vocabulary", "monitor.config.rules"} <= loaded


def test_a_config_error_found_beside_the_fetches_stops_the_round_before_it_stores_anything(
        feed_server, make_config, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = _three_feeds(feed_server, make_config)
    assert main(["--config", str(config), "poll", "--once"]) == 0
    engine = store.open_engine(f"sqlite:///{tmp_path / 'state' / 'monitor.db'}")
    before = store.feed_states(engine)
    capsys.readouterr()

    rules = tmp_path / "rules.yaml"
    text = (SHIPPED / "rules.yaml").read_text(encoding="utf-8")
    assert "by: United States" in text
    rules.write_text(text.replace("by: United States", "by: United Statez"), encoding="utf-8")
    _three_feeds(feed_server, make_config, rules=str(rules))
    assert main(["--config", str(config), "poll", "--once"]) == 2
    err = capsys.readouterr().err
    assert "configuration error:" in err and "rules[0].expects.by: 'United Statez'" in err and "Traceback" not in err
    after = store.feed_states(engine)
    assert after == before  # nothing stored: no state written, and the leases taken for the round given back
    assert all(state.leased_by is None for state in after.values())
    engine.dispose()


def test_feed_states_are_written_in_core_and_a_missing_row_is_inserted(tmp_path):
    engine = store.open_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    store.ensure_feeds(engine, [("https://a.example/feed", "a")])
    taken = store.claim_feeds(engine, "me", ["https://a.example/feed"], now, timedelta(minutes=5), lambda _: True)
    assert [(s.feed_url, s.leased_by, s.lease_until) for s in taken] == [
        ("https://a.example/feed", "me", now + timedelta(minutes=5))]
    # Leased: another instance takes nothing until the lease ends.
    assert store.claim_feeds(engine, "other", ["https://a.example/feed"], now, timedelta(minutes=5),
                             lambda _: True) == []
    state = taken[0]
    state.etag, state.failures, state.next_poll_at = '"v1"', 2, now + timedelta(hours=1)
    never_ensured = store.FeedState(feed_url="https://b.example/feed", current_url="https://b.example/feed",
                                    last_polled_at=now, leased_by="me")
    store.save_feed_states(engine, [state, never_ensured])
    states = store.feed_states(engine)
    assert states["https://a.example/feed"] == state
    assert states["https://b.example/feed"] == never_ensured
    assert store.release_feeds(engine, "other") == 0
    assert store.release_feeds(engine, "me") == 2
    assert all(s.leased_by is None and s.lease_until is None for s in store.feed_states(engine).values())
    engine.dispose()


LAZY_PACKAGES = ("monitor.store", "monitor.config", "monitor.pipeline", "monitor.notify")


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_a_lazy_package_names_what_its_modules_hold(name: str) -> None:
    """The names a package imports when first used are those its TYPE_CHECKING block imports (what mypy sees), each
    found in its module, and none is also the name of one of its modules: the import system sets a module's name on
    its package when the module is first imported, which would hide a name given by `__getattr__`."""
    package = importlib.import_module(name)
    assert package.__file__ is not None
    tree = ast.parse(Path(package.__file__).read_text(encoding="utf-8"))
    typed = {(node.module, alias.name) for guard in tree.body
             if isinstance(guard, ast.If) and isinstance(guard.test, ast.Name) and guard.test.id == "TYPE_CHECKING"
             for node in guard.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    lazy = {(module, each) for module, names in package._NAMES.items() for each in names}
    assert typed == lazy
    submodules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    assert not submodules & {each for _, each in lazy}
    for module, each in sorted(lazy):
        assert getattr(package, each) is getattr(importlib.import_module(module), each)
