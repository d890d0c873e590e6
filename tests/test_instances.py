"""Several `monitor run` instances on one PostgreSQL database (runs when MONITOR_TEST_POSTGRES holds a server URL;
.ci/run installs PostgreSQL when it is missing and starts a throwaway server).

Two daemons are started at the same moment with the same configuration (state folder, heartbeat and all) and
left to run for a few poll intervals. What must hold: both start (one migrates the empty database, the other
waits for it), every feed is fetched once per interval (a feed's lease keeps the other instance off it), every
alert arrives once (a delivery's claim does the same), and each incident is one event.

Each test gets a database of its own on the server (CREATE DATABASE), so the tests never see each other's rows.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url
from test_daemon import Daemon, _bodies, _wait_for, incident_feed

from monitor import store
from monitor.pipeline import utcnow

URL = os.environ.get("MONITOR_TEST_POSTGRES")
pytestmark = pytest.mark.skipif(not URL, reason="MONITOR_TEST_POSTGRES is not set (no PostgreSQL server here)")

FEEDS = 12
INTERVAL = 5.0  # schedule.interval, seconds
RUN_SECONDS = 15.0  # how long both instances run once both are up: three intervals, each fetch checked
SCHEDULE = {"interval": "5s", "jitter": "1s", "delivery_interval": "1s"}
# "2024-05-01 12:00:00,123 INFO monitor.daemon: feed wire3: status 200, 1 items, 1 new, 1 alerts"
POLL_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \w+ monitor\.daemon: feed (wire\d+): status (\S+),",
                       re.MULTILINE)


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database (no tables at all) on the test server, dropped afterwards.

    It belongs to a login role of its own, with a password, as a production database would.
    """
    assert URL
    name = f"monitor_instances_{uuid.uuid4().hex[:12]}"
    password = uuid.uuid4().hex
    server = sqlalchemy.create_engine(URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{name}"')
        yield make_url(URL).set(username=name, password=password, database=name).render_as_string(hide_password=False)
        with server.connect() as connection:
            # A daemon killed by a failing test may have left a connection behind.
            connection.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                       f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        server.dispose()


def _config(make_config, feed_server, receiver, database: str) -> Path:
    for i in range(FEEDS):
        feed_server.add_feed(f"/wire{i}.xml", incident_feed(i))
    return make_config(database=database,
                       feeds=[{"url": feed_server.url(f"/wire{i}.xml"), "name": f"wire{i}"} for i in range(FEEDS)],
                       notify=[{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}],
                       schedule=SCHEDULE, alerts={"file": None, "log": False})


def _polls(output: str) -> list[tuple[datetime, str, str]]:
    """(when, feed, status) of each poll an instance logged."""
    return [(datetime.strptime(when, "%Y-%m-%d %H:%M:%S,%f"), feed, status)
            for when, feed, status in POLL_LINE.findall(output)]


def _count(database: str, sql: str) -> int:
    engine = sqlalchemy.create_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql(sql).scalar() or 0)
    finally:
        engine.dispose()


def _run_two(config: Path, tmp_path: Path, receiver, expected_alerts: int) -> tuple[list[Daemon], list[int], float]:
    """Start two instances back to back, let them run RUN_SECONDS once both are up (longer if the alerts are
    slow to come), stop both with SIGTERM; returns the daemons, their exit codes and the seconds they ran."""
    daemons = [Daemon(config, tmp_path / "a.log"), Daemon(config, tmp_path / "b.log")]
    codes: list[int] = []
    try:
        up = _wait_for(lambda: all("monitor running" in d.output or d.proc.poll() is not None for d in daemons), 60)
        assert up and all("monitor running" in d.output for d in daemons), \
            "both instances start:\n" + "\n".join(f"--- {d.log.name}\n{d.output}" for d in daemons)
        started = time.monotonic()
        assert _wait_for(lambda: len(set(_bodies(receiver))) >= expected_alerts, 120), \
            f"{len(set(_bodies(receiver)))} of {expected_alerts} alerts arrived:\n" + \
            "\n".join(f"--- {d.log.name}\n{d.output}" for d in daemons)
        time.sleep(max(0.0, RUN_SECONDS - (time.monotonic() - started)))
        ran = time.monotonic() - started
        for d in daemons:  # both at once, so neither is left alone with the other's feeds at the end
            d.proc.terminate()
        codes = [d.proc.wait(timeout=60) for d in daemons]
    finally:
        for d in daemons:
            d.stop()
    return daemons, codes, ran


def _check_two(daemons: list[Daemon], codes: list[int], ran: float, feed_server, receiver, database: str,
               expected: int, label: str) -> None:
    outputs = [d.output for d in daemons]
    for d, code, output in zip(daemons, codes, outputs, strict=True):
        assert code == 0, f"{d.log.name} exited {code}:\n{output}"
        assert "monitor running" in output and "monitor stopped" in output, output
        assert "Traceback" not in output, f"{d.log.name}:\n{output}"

    # Every alert once.
    arrived = _bodies(receiver)
    duplicates = len(arrived) - len(set(arrived))
    events = _count(database, "SELECT count(*) FROM event")
    alerts = _count(database, "SELECT count(*) FROM alert")
    unsent = _count(database, "SELECT count(*) FROM delivery WHERE state <> 'sent' OR claimed_by IS NOT NULL")

    # Every feed once per interval: the server's count, and each fetch as the instance that made it logged it.
    polls = [_polls(output) for output in outputs]
    by_feed: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for instance, lines in enumerate(polls):
        for when, feed, _ in lines:
            by_feed[feed].append((when, instance))
    fetches = {f"wire{i}": feed_server.count(f"/wire{i}.xml") for i in range(FEEDS)}
    moments = sorted(when for lines in polls for when, _, _ in lines)
    span = (moments[-1] - moments[0]).total_seconds() if moments else 0.0
    bound = int(span / INTERVAL) + 2
    gaps = {feed: min((b[0] - a[0]).total_seconds() for a, b in zip(sorted(p), sorted(p)[1:], strict=False))
            for feed, p in by_feed.items() if len(p) > 1}
    per_instance = [len(lines) for lines in polls]
    shared = sum(1 for p in by_feed.values() if len({i for _, i in p}) == 2)
    statuses = Counter(status for lines in polls for _, _, status in lines)
    noteworthy = [line for output in outputs for line in output.splitlines()
                  if re.search(r" (WARNING|ERROR|CRITICAL) ", line)]

    print(f"\n  {label}: 2 instances, {FEEDS} feeds, ran {ran:.0f}s; alerts {len(set(arrived))}/{expected}, "
          f"arrivals {len(arrived)}, duplicates {duplicates}; events {events}, alert rows {alerts}, unsent {unsent}; "
          f"fetches per feed min {min(fetches.values())} max {max(fetches.values())} (bound {bound} over {span:.1f}s), "
          f"smallest gap between two fetches of a feed {min(gaps.values(), default=0):.2f}s; "
          f"polls by instance a {per_instance[0]}, b {per_instance[1]} ({shared} feeds polled by both); "
          f"statuses {dict(statuses)}; warnings/errors logged {len(noteworthy)}")
    for line in noteworthy[:20]:
        print(f"    {line}")

    assert len(set(arrived)) == expected and duplicates == 0, arrived
    assert events == FEEDS, f"one event per incident, got {events}"
    assert unsent == 0, "every delivery sent and no claim left behind"
    for feed, count in fetches.items():
        logged = sorted(by_feed.get(feed, []))
        assert len(logged) == count, f"{feed}: {count} fetches served but {len(logged)} polls logged"
        assert 2 <= count <= bound, f"{feed}: fetched {count} times in {span:.1f}s (at most {bound}): {logged}"
    for feed, gap in gaps.items():
        # Two instances fetching one feed in the same interval would do it within about a tick (1 s) of each
        # other; one instance waits at least the interval between two polls.
        assert gap >= INTERVAL / 2, f"{feed} fetched twice within {gap:.2f}s: {sorted(by_feed[feed])}"


def test_two_instances_start_together_on_an_empty_database(fresh_database, feed_server, receiver, make_config,
                                                           tmp_path):
    """Two daemons, started at the same moment on a database without any table, 12 feeds: both start; each
    feed is fetched once per interval; each alert arrives once; one event per incident."""
    config = _config(make_config, feed_server, receiver, fresh_database)
    daemons, codes, ran = _run_two(config, tmp_path, receiver, FEEDS)
    _check_two(daemons, codes, ran, feed_server, receiver, fresh_database, FEEDS, "empty database")


def test_two_instances_take_over_the_claims_a_previous_run_left(fresh_database, feed_server, receiver, make_config,
                                                                tmp_path):
    """A previous instance died holding a delivery claim and a feed lease, both run out: the two instances
    starting together take them over; the left-over alert is sent once, the feed is polled as usual."""
    config = _config(make_config, feed_server, receiver, fresh_database)
    engine = store.open_engine(fresh_database)  # the previous run made the schema
    now = utcnow()
    before, expired = now - timedelta(minutes=10), now - timedelta(minutes=1)
    gone, wire0 = "gone-host:4242:deadbeef", feed_server.url("/wire0.xml")
    try:
        with store.transaction(engine) as session:
            alert = store.StoredAlert(dedupe_key="left-over:1", kind="new_event", created_at=before,
                                      title="Left over by an instance that died",
                                      text="This alert was claimed by an instance that died before sending it.",
                                      payload={"severity": "high"})
            session.add(alert)
            session.flush()
            session.add(store.Delivery(alert_id=alert.id, target_id="hook", next_attempt_at=before,
                                       claimed_by=gone, lease_until=expired))
        store.save_feed_states(engine, [store.FeedState(feed_url=wire0, current_url=wire0, name="wire0",
                                                        leased_by=gone, lease_until=expired)])
    finally:
        engine.dispose()

    daemons, codes, ran = _run_two(config, tmp_path, receiver, FEEDS + 1)
    _check_two(daemons, codes, ran, feed_server, receiver, fresh_database, FEEDS + 1, "left-over claims")
    titles = [title for title, _ in _bodies(receiver)]
    assert titles.count("Left over by an instance that died") == 1
    assert _count(fresh_database, "SELECT count(*) FROM delivery JOIN alert ON alert.id = delivery.alert_id "
                                  "WHERE alert.dedupe_key = 'left-over:1' AND delivery.state = 'sent' "
                                  "AND delivery.attempts = 1 AND delivery.claimed_by IS NULL") == 1
    assert _count(fresh_database, "SELECT count(*) FROM feed_state WHERE leased_by IS NOT NULL") == 0
