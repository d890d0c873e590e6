"""The parser processes: real `python -m monitor.parse` workers, driven as the pipeline drives them."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.parse import ParsedFeed, ParsedRows, parse_feed
from monitor.pipeline.parsers import ParserDied, Parsers

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
FETCHED = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def _ask(parsers: Parsers, body: bytes):
    return asyncio.run(parsers.parse(body, headers={}, feed_url="http://test/feed", source="Test",
                                     fetched_at=FETCHED))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie is gone too: it only waits for its parent to read its exit status.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z"


@pytest.fixture
def parsers():
    pool = Parsers(1)
    yield pool
    pool.close()


def test_a_worker_gives_the_items_the_parser_gives_in_process(parsers):
    body = (FEEDS / "seed_cycle.xml").read_bytes()
    kind, value = _ask(parsers, body)
    assert kind == "ok"
    from_worker = ParsedFeed.of(ParsedRows(*value))
    here = parse_feed(body, feed_url="http://test/feed", source="Test", fetched_at=FETCHED)
    assert from_worker == here
    assert len(here.items) == 2


def test_not_a_feed_and_hostile_input_are_answers_not_crashes(parsers):
    kind, why = _ask(parsers, (FEEDS / "not_a_feed.html").read_bytes())
    assert kind == "not_a_feed" and why
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><rss><channel>' + b"<!ENTITY b 'x'>" * 3
    kind, why = _ask(parsers, bomb)
    assert kind == "not_a_feed" and "entities" in str(why)
    assert parsers.running == 1, "the same worker answered both"


def _unread(pid: int) -> int:
    """Bytes waiting in the pipe a worker reads its requests from."""
    fd = os.open(f"/proc/{pid}/fd/0", os.O_RDONLY | os.O_NONBLOCK)
    try:
        waiting = bytearray(4)
        fcntl.ioctl(fd, termios.FIONREAD, waiting)
        return int.from_bytes(waiting, sys.byteorder)
    finally:
        os.close(fd)


def _stopped(pid: int) -> bool:
    """Whether the process is stopped (state T in /proc): a SIGSTOP takes effect some time after it is sent."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rpartition(")")[2].split()[0] == "T"


POLLS = 2000  # how many times a test looks, 0.01 s apart, before it gives up on a state that should come at once


def test_a_worker_that_dies_while_parsing_fails_that_document_only_and_is_replaced(parsers):
    body = (FEEDS / "attack_on_k1.xml").read_bytes()
    assert _ask(parsers, body)[0] == "ok"
    (pid,) = parsers.pids()

    async def killed_while_parsing():
        os.kill(pid, signal.SIGSTOP)  # the request waits in the pipe...
        # ...once the worker is stopped: sent earlier, a worker still blocked in its read takes the request and
        # stops holding it, and the pipe never shows it.
        for _ in range(POLLS):
            if _stopped(pid):
                break
            await asyncio.sleep(0.01)
        assert _stopped(pid), "the worker never stopped"
        parsing = asyncio.create_task(parsers.parse(body, headers={}, feed_url="http://test/feed", source=None,
                                                    fetched_at=FETCHED))
        for _ in range(POLLS):
            if _unread(pid):
                break
            await asyncio.sleep(0.01)
        assert _unread(pid), "the request never reached the stopped worker's pipe"
        os.kill(pid, signal.SIGKILL)  # ...and the worker dies with it, as under the kernel's OOM killer
        with pytest.raises(ParserDied):
            await parsing

    asyncio.run(killed_while_parsing())
    assert _ask(parsers, body)[0] == "ok"
    assert parsers.running == 1 and parsers.pids() != [pid]


def test_a_worker_that_died_idle_is_replaced_without_failing_anything(parsers):
    body = (FEEDS / "attack_on_k1.xml").read_bytes()
    assert _ask(parsers, body)[0] == "ok"
    (pid,) = parsers.pids()
    os.kill(pid, signal.SIGKILL)
    for _ in range(POLLS):
        if _gone(pid):
            break
        time.sleep(0.01)
    assert _gone(pid), "the killed worker is still there"
    assert _ask(parsers, body)[0] == "ok"
    assert parsers.pids() != [pid]


def test_workers_ignore_ctrl_c_and_sigterm_and_end_when_closed():
    parsers = Parsers(2)

    async def two_at_once():
        body = (FEEDS / "seed_cycle.xml").read_bytes()
        return await asyncio.gather(*(parsers.parse(body, headers={}, feed_url=f"http://test/{n}", source=None,
                                                    fetched_at=FETCHED) for n in range(6)))

    try:
        assert all(kind == "ok" for kind, _ in asyncio.run(two_at_once()))
        pids = parsers.pids()
        assert 1 <= len(pids) <= 2
        for pid in pids:  # what a terminal's Ctrl-C or systemd's stop sends to the whole process group
            os.kill(pid, signal.SIGINT)
            os.kill(pid, signal.SIGTERM)
        assert all(kind == "ok" for kind, _ in asyncio.run(two_at_once()))
        assert parsers.pids() == pids, "the same workers, alive, answered again"
    finally:
        parsers.close()
    assert all(_gone(pid) for pid in pids)
    with pytest.raises(RuntimeError):
        _ask(parsers, b"<rss/>")


def test_no_worker_starts_until_a_document_is_parsed():
    parsers = Parsers(2)
    assert parsers.running == 0
    parsers.close()
