"""Schema migrations on real databases: a SQLite file always, PostgreSQL when MONITOR_TEST_POSTGRES holds a URL.

A fresh database gets the models' schema from the migrations; a database made by the release before migrations
(built here from that release's DDL, not its code) keeps its data through the upgrade; instances starting
together on one fresh database all come up; `monitor migrate` tells the revision.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, select

from monitor import store
from monitor.cli import main
from monitor.store import tables  # noqa: F401  (its models fill SQLModel.metadata; `store` imports it when first used)

POSTGRES = os.environ.get("MONITOR_TEST_POSTGRES")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _one_at_a_time(postgres_default_database_lock: None) -> None:
    """These tests empty the server's default database, as test_postgres does: they take turns."""
HEAD = "0004_event_us_targeted"

BACKENDS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(
        not POSTGRES, reason="MONITOR_TEST_POSTGRES is not set (no PostgreSQL server here)")),
]

# The schema the release before migrations (commit d4f6f7a) made with `SQLModel.metadata.create_all`, as that
# emitted it for PostgreSQL; for SQLite it wrote the same with the two type names swapped in `_legacy_ddl`.
LEGACY_DDL = """
CREATE TABLE alert (id SERIAL NOT NULL, dedupe_key VARCHAR NOT NULL, kind VARCHAR NOT NULL, event_id VARCHAR,
  created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, title VARCHAR NOT NULL, text VARCHAR NOT NULL,
  payload JSON NOT NULL, PRIMARY KEY (id), UNIQUE (dedupe_key));
CREATE INDEX ix_alert_event_id ON alert (event_id);
CREATE TABLE event (id VARCHAR NOT NULL, event_type VARCHAR NOT NULL, title VARCHAR NOT NULL, actors JSON NOT NULL,
  places JSON NOT NULL, killed JSON NOT NULL, injured JSON NOT NULL, sources JSON NOT NULL, claims JSON NOT NULL,
  day DATE, first_seen TIMESTAMP WITHOUT TIME ZONE NOT NULL, last_seen TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  report_count INTEGER NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_event_first_seen ON event (first_seen);
CREATE INDEX ix_event_type_last_seen ON event (event_type, last_seen);
CREATE TABLE event_entity (event_id VARCHAR NOT NULL, name VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
  first_seen TIMESTAMP WITHOUT TIME ZONE NOT NULL, PRIMARY KEY (event_id, name));
CREATE INDEX ix_event_entity_lookup ON event_entity (event_type, name, first_seen);
CREATE TABLE event_history (id SERIAL NOT NULL, event_id VARCHAR NOT NULL, item_key VARCHAR NOT NULL,
  at TIMESTAMP WITHOUT TIME ZONE NOT NULL, changes JSON NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_event_history_event_id ON event_history (event_id);
CREATE TABLE feed_state (feed_url VARCHAR NOT NULL, current_url VARCHAR NOT NULL, name VARCHAR, etag VARCHAR,
  last_modified VARCHAR, failures INTEGER NOT NULL, last_status INTEGER, last_error VARCHAR,
  last_error_at TIMESTAMP WITHOUT TIME ZONE, last_success_at TIMESTAMP WITHOUT TIME ZONE,
  last_polled_at TIMESTAMP WITHOUT TIME ZONE, next_poll_at TIMESTAMP WITHOUT TIME ZONE, items_total INTEGER NOT NULL,
  PRIMARY KEY (feed_url));
CREATE TABLE item ("key" VARCHAR NOT NULL, feed_url VARCHAR NOT NULL, source VARCHAR NOT NULL, title VARCHAR NOT NULL,
  summary VARCHAR NOT NULL, link VARCHAR, published TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  fetched_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, relevant BOOLEAN NOT NULL, event_type VARCHAR,
  actors JSON NOT NULL, places JSON NOT NULL, killed JSON NOT NULL, injured JSON NOT NULL, reading JSON NOT NULL,
  event_id VARCHAR, fingerprint VARCHAR, title_print VARCHAR, PRIMARY KEY ("key"));
CREATE INDEX ix_item_event_id ON item (event_id);
CREATE INDEX ix_item_fingerprint ON item (fingerprint);
CREATE INDEX ix_item_link ON item (link);
CREATE INDEX ix_item_published ON item (published);
CREATE INDEX ix_item_title_print ON item (title_print);
CREATE TABLE item_copy ("key" VARCHAR NOT NULL, item_key VARCHAR NOT NULL, feed_url VARCHAR NOT NULL,
  seen_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, PRIMARY KEY ("key"));
CREATE INDEX ix_item_copy_item_key ON item_copy (item_key);
CREATE TABLE miss (event_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, at TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  title VARCHAR NOT NULL, PRIMARY KEY (event_id));
CREATE TABLE prediction (id SERIAL NOT NULL, rule VARCHAR NOT NULL, kind VARCHAR NOT NULL,
  expected_type VARCHAR NOT NULL, expected_by JSON NOT NULL, trigger_event_id VARCHAR NOT NULL,
  created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, window_start TIMESTAMP WITHOUT TIME ZONE NOT NULL,
  window_end TIMESTAMP WITHOUT TIME ZONE NOT NULL, likelihood FLOAT NOT NULL, warned_likelihood FLOAT,
  warned_at TIMESTAMP WITHOUT TIME ZONE, threat_seen BOOLEAN NOT NULL, state VARCHAR NOT NULL,
  resolved_at TIMESTAMP WITHOUT TIME ZONE, resolving_event_id VARCHAR, lead_hours FLOAT, details JSON NOT NULL,
  PRIMARY KEY (id), UNIQUE (rule, trigger_event_id));
CREATE INDEX ix_prediction_open ON prediction (state, window_end);
CREATE INDEX ix_prediction_trigger_event_id ON prediction (trigger_event_id);
CREATE TABLE target_message (id SERIAL NOT NULL, target_id VARCHAR NOT NULL,
  sent_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, alerts INTEGER NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_target_message_sent ON target_message (target_id, sent_at);
CREATE TABLE delivery (id SERIAL NOT NULL, alert_id INTEGER NOT NULL, target_id VARCHAR NOT NULL,
  state VARCHAR NOT NULL, attempts INTEGER NOT NULL, last_error VARCHAR, next_attempt_at TIMESTAMP WITHOUT TIME ZONE,
  sent_at TIMESTAMP WITHOUT TIME ZONE, held VARCHAR, PRIMARY KEY (id), UNIQUE (alert_id, target_id),
  FOREIGN KEY(alert_id) REFERENCES alert (id));
CREATE INDEX ix_delivery_state_next ON delivery (state, next_attempt_at);
"""

# Two processes that import everything first, then, for each trial, wait for the same file (which names the
# database), so that their migrations start within a millisecond or so of each other. They stay up from one
# trial to the next: importing once, not once per trial, is most of what a trial cost. The CPU limit keeps a
# runaway child from spinning for long.
RACER = """
import resource, sys, time
from pathlib import Path
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
from monitor import store
folder, me, trials = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for trial in range(trials):
    go = folder / f"go-{trial}"
    (folder / f"ready-{me}-{trial}").touch()
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit(f"never told to go (trial {trial})")
        time.sleep(0.0005)
    store.open_engine(go.read_text(encoding="utf-8")).dispose()
"""
TRIALS = 7


def _drop_everything(url: str) -> None:
    """Every table in the database, alembic_version included, whatever made them."""
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = MetaData()
        tables.reflect(connection)
        tables.drop_all(connection)
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or the PostgreSQL database emptied before and after the test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'monitor.db'}"
        return
    assert POSTGRES is not None
    _drop_everything(POSTGRES)
    try:
        yield POSTGRES
    finally:
        _drop_everything(POSTGRES)


def _engine(url: str) -> Engine:
    """An engine that does not migrate, for building and inspecting databases as they were."""
    return store.open_engine(url, migrate_schema=False)


def _legacy_ddl(dialect: str) -> list[str]:
    ddl = LEGACY_DDL
    if dialect == "sqlite":
        ddl = ddl.replace("SERIAL", "INTEGER").replace("TIMESTAMP WITHOUT TIME ZONE", "DATETIME")
    return [statement.strip() for statement in ddl.split(";") if statement.strip()]


def _build_legacy(url: str) -> None:
    engine = _engine(url)
    with engine.begin() as connection:
        for statement in _legacy_ddl(engine.dialect.name):
            connection.exec_driver_sql(statement)
    engine.dispose()


def _shape(url: str) -> dict[str, Any]:
    """What the database says about its tables, in a form that compares across two ways of building them."""
    engine = _engine(url)
    schema = inspect(engine)
    shape: dict[str, Any] = {}
    for table in schema.get_table_names():
        if table == "alembic_version":
            continue
        shape[table] = {
            "columns": {c["name"]: (str(c["type"].compile(dialect=engine.dialect)), c["nullable"], c.get("default"))
                        for c in schema.get_columns(table)},
            "primary key": schema.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                              for i in schema.get_indexes(table)),
            "unique": sorted((u["name"], tuple(u["column_names"])) for u in schema.get_unique_constraints(table)),
            "foreign keys": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                                   for f in schema.get_foreign_keys(table)),
        }
    engine.dispose()
    return shape


def _differences_from_models(url: str) -> list[Any]:
    engine = _engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    engine.dispose()
    return differences


# --- a fresh database --------------------------------------------------------------------------


def _version_table(url: str) -> Any:
    engine = _engine(url)
    schema = inspect(engine)
    shape = ([(c["name"], str(c["type"]), c["nullable"]) for c in schema.get_columns("alembic_version")],
             schema.get_pk_constraint("alembic_version"))
    engine.dispose()
    return shape


def test_a_fresh_database_migrates_to_head_and_matches_the_models(database_url):
    # Every migration run by alembic, from the first: what a database made by an earlier release goes through.
    engine = store.open_engine(database_url, migrate_schema=False)
    store.migrate(engine, "0001_baseline")
    assert store.migrate(engine) == (("0001_baseline", HEAD))
    assert store.schema_revision(engine) == store.head_revision() == HEAD
    engine.dispose()

    assert _differences_from_models(database_url) == []
    migrated, migrated_version = _shape(database_url), _version_table(database_url)
    _drop_everything(database_url)
    # A new database is made from the models at the first start, and stamped at the head without alembic: it
    # must be the same as the migrations make.
    engine = store.open_engine(database_url)
    assert store.schema_revision(engine) == HEAD
    engine.dispose()
    assert migrated == _shape(database_url)  # column types, nullability, keys, indexes and constraints alike
    assert migrated_version == _version_table(database_url)


def test_the_revisions_read_from_the_migration_files_are_alembics():
    # The usual start reads them as text so as not to import alembic; alembic's own answer is the reference.
    from alembic.script import ScriptDirectory

    from monitor.store.schema import _alembic_config, _revisions

    scripts = ScriptDirectory.from_config(_alembic_config())
    assert store.head_revision() == scripts.get_current_head()
    assert _revisions() == {s.revision: tuple(s._all_down_revisions) for s in scripts.walk_revisions()}


def test_a_start_on_a_new_or_an_up_to_date_database_does_not_import_alembic(tmp_path):
    # Alembic stays in memory for the life of the daemon once imported: only a migration may bring it in.
    url = f"sqlite:///{tmp_path / 'state.db'}"
    probe = ("import sys\nfrom monitor import store\n"
             f"store.open_engine({url!r}).dispose()\nstore.open_engine({url!r}).dispose()\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_baseline_revision_builds_what_the_release_before_migrations_built(database_url):
    _build_legacy(database_url)
    released = _shape(database_url)
    _drop_everything(database_url)

    engine = _engine(database_url)
    assert store.migrate(engine, "0001_baseline") == (None, "0001_baseline")
    engine.dispose()
    assert _shape(database_url) == released


# --- a database from the release before migrations ---------------------------------------------


def test_a_database_from_the_release_before_migrations_is_upgraded_with_its_data(database_url):
    _build_legacy(database_url)
    made = datetime(2024, 1, 28, 12, 0)
    engine = _engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO item (\"key\", feed_url, source, title, summary, link, published, fetched_at, relevant, "
            "event_type, actors, places, killed, injured, reading) VALUES ('k1', 'https://feed.example/rss', "
            "'Example', 'Drone strike on Tower 22', 'Three US soldiers killed.', 'https://example.com/a', :at, :at, "
            ":relevant, 'attack', '[\"Kataib Hezbollah\"]', '[\"Tower 22\"]', '{\"us\": 3}', '{}', '{}')"),
            {"at": made, "relevant": True})
        connection.execute(text(
            "INSERT INTO alert (dedupe_key, kind, created_at, title, text, payload) "
            "VALUES ('attack:e1', 'attack', :at, 'Attack on Tower 22', 'Three US soldiers killed.', '{}')"),
            {"at": made})
        alert_id = connection.execute(text("SELECT id FROM alert")).scalar_one()
        connection.execute(text(
            "INSERT INTO delivery (alert_id, target_id, state, attempts, last_error, next_attempt_at, held) "
            "VALUES (:alert, 'ops-chat', 'dead', 8, 'HTTP 500', NULL, 'rate'), "
            "(:alert, 'ops-mail', 'sent', 1, NULL, NULL, NULL)"),
            {"alert": alert_id})
    assert not inspect(engine).has_table("alembic_version")
    engine.dispose()

    before = datetime.now(UTC)
    engine = store.open_engine(database_url)
    after = datetime.now(UTC)

    assert store.schema_revision(engine) == HEAD
    assert store.item_count(engine) == 1
    (alert,) = store.alerts(engine)
    assert (alert.id, alert.dedupe_key, alert.title) == (alert_id, "attack:e1", "Attack on Tower 22")
    assert alert.created_at == made.replace(tzinfo=UTC)
    with Session(engine) as session:
        deliveries = {d.target_id: d for d in session.exec(select(store.Delivery))}
    retried, sent = deliveries["ops-chat"], deliveries["ops-mail"]
    assert (retried.state, retried.held, retried.attempts, retried.last_error) == ("pending", None, 8, "HTTP 500")
    assert before - timedelta(seconds=1) <= retried.next_attempt_at <= after + timedelta(seconds=1)
    assert (sent.state, sent.attempts) == ("sent", 1)
    engine.dispose()
    assert _differences_from_models(database_url) == []


def test_a_database_with_only_some_of_the_tables_is_not_taken_for_a_release(database_url):
    engine = _engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE item (\"key\" VARCHAR NOT NULL PRIMARY KEY)")
    with pytest.raises(store.SchemaError, match="feed_state"):
        store.migrate(engine)
    engine.dispose()


# --- instances starting together ---------------------------------------------------------------


def _wait_for_files(paths: list[Path], racers: list[subprocess.Popen]) -> None:
    """Wait until every file exists or a racer ended (the outcomes tell what went wrong); a deadline only
    against a racer that hangs."""
    deadline = time.monotonic() + 60
    while not all(p.exists() for p in paths):
        if any(r.poll() is not None for r in racers) or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def _racing(folder: Path, urls: Iterator[str]) -> None:
    """Two instances, started once; for each URL `urls` yields (after making its database fresh), both open it
    at the same moment; once both came up, the generator goes on (and checks the schema). Fails unless every
    open succeeds."""
    folder.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(folder), str(n), str(TRIALS)], env=env,
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for n in range(2)]
    try:
        for trial, url in enumerate(urls):
            _wait_for_files([folder / f"ready-{n}-{trial}" for n in range(2)], racers)
            go = folder / f"go-{trial}"
            go.with_suffix(".tmp").write_text(url, encoding="utf-8")
            go.with_suffix(".tmp").rename(go)  # whole, at once: a racer never reads half a URL
            # Both came up when both are ready for the next trial, or ended after the last one.
            if trial + 1 < TRIALS:
                _wait_for_files([folder / f"ready-{n}-{trial + 1}" for n in range(2)], racers)
            else:
                for racer in racers:
                    racer.wait(timeout=120)
            if any(r.poll() not in (None, 0) for r in racers):
                break  # the assertion below shows what the racer said
        errors = [r.communicate(timeout=120)[1] for r in racers]
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
                racer.communicate()
    assert [r.returncode for r in racers] == [0, 0], "\n".join(errors)


@pytest.mark.parametrize("backend", BACKENDS)
def test_instances_starting_together_on_a_fresh_database_all_come_up(backend, tmp_path):
    def fresh_databases() -> Iterator[str]:
        for trial in range(TRIALS):
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path / f'trial-{trial}' / 'monitor.db'}"
            else:
                assert POSTGRES is not None
                url = POSTGRES
                _drop_everything(url)
            yield url
            engine = _engine(url)
            assert store.schema_revision(engine) == HEAD, f"trial {trial}"
            engine.dispose()

    _racing(tmp_path / "race", fresh_databases())
    if backend == "postgres":
        assert POSTGRES is not None
        _drop_everything(POSTGRES)


# --- the command -------------------------------------------------------------------------------


def test_monitor_migrate_prints_the_revision(database_url, make_config, capsys):
    url = database_url
    if make_url(url).get_backend_name() == "postgresql" and make_url(url).password is None:
        # The throwaway server trusts every connection, so a password can be given to see it hidden.
        url = make_url(url).set(password="not-to-be-shown").render_as_string(hide_password=False)
    config = make_config()

    assert main(["--config", str(config), "migrate", "--db", url]) == 0
    first = capsys.readouterr().out
    assert main(["--config", str(config), "migrate", "--db", url]) == 0
    second = capsys.readouterr().out

    assert "not-to-be-shown" not in first + second
    assert first.endswith(f"; schema created at revision {HEAD} (head)\n"), first
    assert second.endswith(f"; schema at revision {HEAD} (head)\n"), second
    assert first.startswith("database: ") and url.split("@")[-1] in first


def test_monitor_migrate_upgrades_a_database_from_the_release_before_migrations(make_config, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _build_legacy(url)
    assert main(["--config", str(make_config()), "migrate", "--db", url]) == 0
    assert capsys.readouterr().out == f"database: {url}; schema upgraded from revision 0001_baseline to revision " \
                                      f"{HEAD} (head)\n"


def test_monitor_migrate_refuses_a_schema_from_a_later_release(make_config, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    engine = store.open_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099_future'")
    engine.dispose()
    assert main(["--config", str(make_config()), "migrate", "--db", url]) == 2
    assert "revision '0099_future', which this release does not know" in capsys.readouterr().err


def test_monitor_migrate_uses_the_configured_database(make_config, tmp_path, capsys):
    assert main(["--config", str(make_config()), "migrate"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "state" / "monitor.db") in out and f"revision {HEAD} (head)" in out


def test_the_upgrade_to_0004_keeps_the_events_and_adds_the_hosting_flag(database_url: str) -> None:
    url = database_url
    engine = store.open_engine(url, migrate_schema=False)
    store.migrate(engine, "0003_history_why")
    made = datetime(2025, 6, 13, 1, 0)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO event (id, event_type, title, actors, places, killed, injured, sources, claims, day, "
            "first_seen, last_seen, report_count) VALUES ('ev-old', 'attack', 'Rockets at Ain al-Asad', "
            "'[\"Kataib Hezbollah\"]', '[\"Ain al-Asad Air Base\"]', '{}', '{\"US\": 1}', '[]', '[]', NULL, "
            ":at, :at, 2)"), {"at": made})
    engine.dispose()

    engine = store.open_engine(url)  # migrates to the head
    assert "us_targeted" in {c["name"] for c in inspect(engine).get_columns("event")}
    [old] = store.events(engine)
    assert (old.id, old.title, old.report_count, old.injured, old.us_targeted) == (
        "ev-old", "Rockets at Ain al-Asad", 2, {"US": 1}, False)
    assert old.first_seen == made.replace(tzinfo=UTC)
    with store.Session(engine) as session:
        store.save_event(session, replace(store.facts(old), us_targeted=True), "item-2", datetime.now(UTC), [])
        session.commit()
    assert [e.us_targeted for e in store.events(engine)] == [True]
    engine.dispose()
