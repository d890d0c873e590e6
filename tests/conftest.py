"""Shared fixtures: real local servers (see servers.py) and paths to test data."""

import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import FeedServer, HttpReceiver, SmtpSink

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A FeedServer on an ephemeral port, closed after the test."""
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """An HttpReceiver recording webhook POSTs, closed after the test."""
    with HttpReceiver() as server:
        yield server


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A plain SMTP server keeping every message, stopped after the test."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def postgres_default_database_lock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests that empty the PostgreSQL server's default database take turns, on whichever worker they run
    (the suite runs on two workers; the lock file sits in the folder they share)."""
    path = tmp_path_factory.getbasetemp().parent / "postgres-default-database.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture
def fixtures_dir() -> Path:
    """tests/fixtures: feed files named after the edge case each one holds."""
    return TESTS_DIR / "fixtures"


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared directory beside the checkout; skips the test when it is absent."""
    path = Path(__file__).resolve().parents[1].parent / "shared"
    if not path.is_dir():
        pytest.skip("../shared is not present beside the checkout; this test needs its data")
    return path


REPO_DIR = TESTS_DIR.parent
SHIPPED_CONFIG = REPO_DIR / "config"
SHIPPED_RULES = str(SHIPPED_CONFIG / "rules.yaml")


@pytest.fixture
def make_config(tmp_path: Path):
    """Write a monitor.yaml in a temporary folder that uses the shipped watchlist and vocabulary.

    Returns a function taking `feeds`, `notify` and any other top-level keys; it returns the path.
    State (database, alerts file, heartbeat) goes to `tmp_path / "state"`. No escalation rules are loaded
    unless the test passes `rules=SHIPPED_RULES`, so tests about events and delivery see no warnings.
    """
    import yaml

    def write(feeds: list | None = None, notify: list | None = None, **keys) -> Path:
        config = {
            "database": "sqlite:///state/monitor.db",
            "watchlist": str(SHIPPED_CONFIG / "watchlist.yaml"),
            "vocabulary": [str(SHIPPED_CONFIG / "vocabulary.yaml"), str(SHIPPED_CONFIG / "vocabulary.ar.yaml")],
            "rules": str(TESTS_DIR / "fixtures" / "config" / "no_rules.yaml"),  # SHIPPED_RULES where warnings matter
            "history": str(SHIPPED_CONFIG / "history.yaml"),
            "state_dir": "state",
            "schedule": {"interval": "1m", "jitter": "1s", "max_backoff": "10m"},
            "fetch": {"timeout": "5s", "connect_timeout": "2s"},
            # max_item_age off: the fixture feeds tell of 2019-2021 and the tests expect their alerts
            # (tests/test_backlog.py turns it on).
            "alerts": {"file": "state/alerts.jsonl", "log": True, "retry_base": "1s",
                       "templates": str(SHIPPED_CONFIG / "templates"), "max_item_age": None},
            "feeds": feeds or [],
            "notify": notify or [],
        }
        for key, value in keys.items():  # sections given by a test are merged into the defaults
            both = isinstance(value, dict) and isinstance(config.get(key), dict)
            config[key] = {**config[key], **value} if both else value
        path = tmp_path / "monitor.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        return path

    return write
