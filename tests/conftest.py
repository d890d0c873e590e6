"""Shared fixtures: real local servers (see servers.py) and paths to test data."""

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
