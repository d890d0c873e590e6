"""The same pipeline on PostgreSQL (runs when MONITOR_TEST_POSTGRES holds a database URL; .ci/run installs
PostgreSQL when it is missing and starts a throwaway server)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from monitor import store
from monitor.cli import main
from monitor.store import tables  # noqa: F401  (its models fill SQLModel.metadata; `store` imports it when first used)

URL = os.environ.get("MONITOR_TEST_POSTGRES")
pytestmark = pytest.mark.skipif(not URL, reason="MONITOR_TEST_POSTGRES is not set (no PostgreSQL server here)")


@pytest.fixture(autouse=True)
def _one_at_a_time(postgres_default_database_lock: None) -> None:
    """These tests empty the server's default database, as test_migrations does: they take turns."""
FEEDS = Path(__file__).parent / "fixtures" / "feeds"


@pytest.fixture
def postgres_url() -> str:
    engine = store.open_engine(URL)
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:  # else the next open_engine would take the empty database as migrated
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()
    return URL


def test_replay_gives_the_same_records_on_postgres_and_sqlite(postgres_url, make_config, tmp_path):
    from conftest import SHIPPED_RULES

    config = make_config(rules=SHIPPED_RULES)
    inputs = [str(FEEDS / n) for n in ("seed_cycle.xml", "taji_attack_atom.xml", "distractors.xml")]
    outputs = {}
    for name, db in (("postgres", postgres_url), ("sqlite", f"sqlite:///{tmp_path / 'r.db'}")):
        out = tmp_path / f"{name}.jsonl"
        assert main(["--config", str(config), "replay", *inputs, "--db", db, "--out", str(out)]) == 0
        outputs[name] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert outputs["postgres"] == outputs["sqlite"]
    assert any(r["type"] == "alert" and r["kind"] == "strike_likely" for r in outputs["postgres"])


def test_poll_and_deliver_on_postgres(postgres_url, feed_server, receiver, make_config, monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE", postgres_url)
    feed_server.add_feed("/seed.xml", (FEEDS / "seed_cycle.xml").read_bytes())
    config = make_config(feeds=[{"url": feed_server.url("/seed.xml")}],
                         notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook"}])
    assert main(["--config", str(config), "poll", "--once"]) == 0
    assert main(["--config", str(config), "poll", "--once"]) == 0
    assert len(receiver.wait_for(2)) == 2
    engine = store.open_engine(postgres_url)
    assert store.item_count(engine) == 2 and len(store.alerts(engine)) == 2
