"""Exactly once, never given up: claims, leases, retries without a give-up count, expiry that is reported,
targets known by name. Real HTTP receivers and a real SQLite file; time is simulated by passing `now`."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servers import HttpReceiver
from sqlmodel import Session, select

from monitor import notify, outbox, pipeline, store
from monitor.cli import main
from monitor.config import ConfigError, load_settings

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _runtime(make_config, targets: list[dict], **alerts) -> pipeline.Runtime:
    config = make_config(notify=targets, alerts={"file": None, "log": False, "retry_base": "1s",
                                                 "max_retry_delay": "10s", **alerts})
    return pipeline.build_runtime(load_settings(config))


def _enqueue(runtime: pipeline.Runtime, n: int, at: datetime = T0, killed: dict | None = None) -> list[str]:
    titles = []
    with store.transaction(runtime.engine) as session:
        for i in range(n):
            draft = notify.draft(kind="new_event", dedupe_key=f"new_event:{at.isoformat()}:{i}",
                                      event_id=f"ev-{i}", created_at=at, title=f"incident {i} at {at:%H:%M}",
                                      text="text", payload={"killed": killed or {}, "injured": {}})
            store.add_alert(session, draft, notify.route(draft, runtime.targets))
            titles.append(draft.title)
    return titles


def _rounds(runtime: pipeline.Runtime, start: datetime, minutes: float, step_seconds: float = 5) -> datetime:
    """Delivery rounds every `step_seconds` of simulated time; returns the time after the last one."""
    now = start
    while now < start + timedelta(minutes=minutes):
        outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, now)
        now += timedelta(seconds=step_seconds)
    return now


def _titles(receiver, path: str) -> list[str]:
    return [r.json["title"] for r in receiver.received if r.path == path and 200 <= r.status < 300]


def test_a_target_down_longer_than_the_old_retry_schedule_gets_every_alert_once(make_config, receiver):
    """14 alerts while a target answers 500 for five minutes: the old schedule (eight attempts from a 1 s
    base) had given up on all of them by then; now each arrives once after recovery, in order, and the
    working target hears once that the other one is failing."""
    with HttpReceiver() as down:
        runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{down.port}/down", "name": "down"},
                                         {"url": f"json://127.0.0.1:{receiver.port}/up", "name": "up"}])
        titles = _enqueue(runtime, 14)
        down.set_statuses([500] * 10_000)
        now = _rounds(runtime, T0, minutes=5)
        attempts_while_down = len(down.received)
        down.set_statuses([])
        _rounds(runtime, now, minutes=1)
        arrived = _titles(down, "/down")
    print(f"\n  target down 5 min: {attempts_while_down} requests while down, {len(arrived)} arrivals for "
          f"{len(titles)} alerts, {len(arrived) - len(set(arrived))} duplicates")
    assert arrived == titles, "every alert once, in order"
    # One request per retry while down (the others wait with the failed one), and retries kept going past
    # the point where eight attempts used to give up.
    assert 8 < attempts_while_down <= 5 * 60 / 5
    up = _titles(receiver, "/up")
    assert up[:14] == titles and up[14:] == ["Notification target failing: down"]
    assert store.delivery_counts(runtime.engine) == {("down", "sent"): 14, ("up", "sent"): 15}


def test_retry_delays_double_up_to_the_ceiling_and_never_give_up():
    base, ceiling = timedelta(seconds=30), timedelta(minutes=10)
    for attempts in (1, 2, 5, 50, 10_000):
        delay = outbox.retry_at(attempts, T0, base, ceiling) - T0
        expected = min(ceiling, base * 2 ** (attempts - 1)) if attempts < 30 else ceiling
        assert expected / 2 <= delay <= expected


def test_an_alert_failing_past_max_age_expires_and_is_reported(make_config, receiver, caplog, capsys, tmp_path):
    url = f"json://127.0.0.1:{receiver.port}"
    runtime = _runtime(make_config, [{"url": "json://127.0.0.1:9/never", "name": "dead end"},
                                     {"url": f"{url}/phone", "name": "phone"}], max_age="2m")
    (title,) = _enqueue(runtime, 1)
    with caplog.at_level(logging.ERROR, logger="monitor"):
        _rounds(runtime, T0, minutes=3)
    assert "1 alert(s) to dead end expired undelivered" in caplog.text and title in caplog.text
    assert store.delivery_counts(runtime.engine)[("dead end", "expired")] == 1
    phone = [r.json for r in receiver.received if r.path == "/phone"]
    assert [p["title"] for p in phone] == [title, "Notification target failing: dead end",
                                           "Alerts to dead end expired undelivered"]
    assert title in phone[-1]["message"]
    # Expired means expired: later rounds leave it alone.
    before = len(receiver.received)
    _rounds(runtime, T0 + timedelta(minutes=3), minutes=1)
    assert len(receiver.received) == before
    # `status` says so, and so does the health check, however fresh the heartbeat.
    config = runtime.settings.config_file
    assert main(["--config", str(config), "status"]) == 0
    out = capsys.readouterr().out
    assert "deliveries to dead end: 1 expired" in out
    (tmp_path / "state").mkdir(exist_ok=True)
    (tmp_path / "state" / "heartbeat").write_text(datetime.now(UTC).isoformat(), encoding="utf-8")
    with store.transaction(runtime.engine) as session:  # the expiry happened "now", not in the simulated past
        for d in session.exec(select(store.Delivery).where(store.Delivery.state == "expired")):
            d.expired_at = datetime.now(UTC)
            session.add(d)
    assert main(["--config", str(config), "status", "--health"]) == 1
    assert "alerts to dead end expired undelivered" in capsys.readouterr().err


def test_a_rotated_token_keeps_the_pending_alerts(make_config, receiver):
    old = _runtime(make_config, [{"url": "json://127.0.0.1:9/hook/OLD-TOKEN-0123456789", "name": "team chat"}])
    titles = _enqueue(old, 3)
    _rounds(old, T0, minutes=1)
    assert store.delivery_counts(old.engine) == {("team chat", "pending"): 3}
    rotated = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/hook/NEW-TOKEN-0123456789",
                                      "name": "team chat"}])
    _rounds(rotated, T0 + timedelta(minutes=1), minutes=1)
    assert _titles(receiver, "/hook/NEW-TOKEN-0123456789") == titles
    assert store.delivery_counts(rotated.engine) == {("team chat", "sent"): 3}


def test_deliveries_named_by_the_old_url_hash_are_adopted(make_config, receiver):
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}])
    titles = _enqueue(runtime, 2)
    legacy = notify.legacy_target_id(runtime.targets[0])
    assert legacy and legacy.startswith("apprise-")
    store.rename_target(runtime.engine, "hook", legacy)  # as an earlier release stored them
    pipeline.adopt_target_ids(runtime)
    _rounds(runtime, T0, minutes=0.1)
    assert _titles(receiver, "/hook") == titles


def test_two_senders_at_once_send_each_delivery_once(make_config, receiver):
    receiver.delay = 0.05
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}])
    titles = _enqueue(runtime, 20)
    senders = [outbox.Sender(f"sender-{i}", timedelta(minutes=2)) for i in range(2)]
    barrier = threading.Barrier(2)
    results: list[list[outbox.DeliveryOutcome]] = [[], []]

    def run(i: int) -> None:
        barrier.wait()
        results[i] = outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0, senders[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(_titles(receiver, "/hook")) == sorted(titles)
    assert sum(len(r) for r in results) == 20


def test_a_claim_whose_sender_died_is_taken_over_when_its_lease_ends(make_config, receiver):
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}])
    titles = _enqueue(runtime, 2)
    lease = outbox.lease_for(runtime.settings)
    claimed = store.claim_deliveries(runtime.engine, "died-mid-round", ["hook"], T0, lease)
    assert len(claimed) == 2  # ...and the process holding them is gone
    assert outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + lease / 2) == []
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + lease + timedelta(seconds=1))
    assert _titles(receiver, "/hook") == titles
    # A late renewal by the dead sender's claim no longer holds anything.
    assert store.renew_claims(runtime.engine, "died-mid-round", [d.id for d, _ in claimed], T0 + lease * 2,
                              lease) == set()


class _LocksTheDatabaseAfterSending:
    """A real Apprise target, after whose send the database is locked by another connection: the send
    succeeded, and recording it fails, as on a full disk."""

    def __init__(self, inner, db: Path):
        self.inner, self.db = inner, db
        self.id, self.label, self.config = inner.id, inner.label, inner.config
        self.blocker: sqlite3.Connection | None = None

    def send(self, alert):
        error = self.inner.send(alert)
        if self.blocker is None:
            self.blocker = sqlite3.connect(self.db, timeout=0.1)
            self.blocker.execute("BEGIN EXCLUSIVE")
        return error


def test_an_alert_sent_but_not_recorded_is_not_sent_again(make_config, receiver, tmp_path):
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/hook", "name": "hook"}])
    (title,) = _enqueue(runtime, 1)
    runtime.engine.dispose()
    from sqlalchemy import event

    event.listen(runtime.engine, "connect", lambda conn, _: conn.execute("PRAGMA busy_timeout=100"))
    target = _LocksTheDatabaseAfterSending(runtime.targets[0], tmp_path / "state" / "monitor.db")
    sender = outbox.Sender("one", timedelta(seconds=30))
    with pytest.raises(Exception, match="locked"):
        outbox.deliver_due(runtime.engine, [target], runtime.settings, T0, sender)
    assert sender.sent_unrecorded()
    for minute in range(1, 4):  # the lease runs out; the same sender must still not send it again
        with pytest.raises(Exception, match="locked"):
            outbox.deliver_due(runtime.engine, [target], runtime.settings, T0 + timedelta(minutes=minute), sender)
    assert _titles(receiver, "/hook") == [title]
    target.blocker.rollback()
    target.blocker.close()
    outbox.deliver_due(runtime.engine, [target], runtime.settings, T0 + timedelta(minutes=5), sender)
    assert _titles(receiver, "/hook") == [title]
    assert store.delivery_counts(runtime.engine) == {("hook", "sent"): 1} and not sender.sent_unrecorded()


def test_targets_of_one_service_need_names(make_config):
    with pytest.raises(ConfigError, match=r"notify\[1\]\.name: required, because notify\[0\] is also a json"):
        load_settings(make_config(notify=[{"url": "json://a.example/x"}, {"url": "json://b.example/y"}]))
    with pytest.raises(ConfigError, match=r"notify\[1\]\.name: 'chat' is already the name of notify\[0\]"):
        load_settings(make_config(notify=[{"url": "json://a.example/x", "name": "chat"},
                                          {"url": "tgram://123456789:abcdefghijklmnopqrstuvwxyz/1", "name": "chat"}]))
    with pytest.raises(ConfigError, match=r"notify\[0\]\.name: 'log' is the name of a built-in target"):
        load_settings(make_config(notify=[{"url": "json://a.example/x", "name": "log"}]))
    with pytest.raises(ConfigError, match=r"alerts: max_attempts is no longer used"):
        load_settings(make_config(alerts={"max_attempts": 8}))
    settings = load_settings(make_config(notify=[{"url": "json://a.example/x"}, {"url": "mailto://u:p@b.example"}]))
    assert [t.ident() for t in settings.notify] == ["json", "mailto"]


def test_a_slow_target_is_waited_for_rather_than_sent_twice(make_config, receiver):
    """Apprise gives up after 4 s by default; a target answering after 5 s then got each alert again on every
    retry. The send timeout (30 s unless the URL sets `rto`) lets it answer."""
    receiver.delay = 5.0
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/slow", "name": "slow"}])
    (title,) = _enqueue(runtime, 1)
    outcomes = outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0)
    assert [o.error for o in outcomes] == [None]
    _rounds(runtime, T0, minutes=1)
    assert _titles(receiver, "/slow") == [title]


def test_deliveries_for_a_target_no_longer_configured_are_kept_and_reported(make_config, receiver, caplog):
    gone = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/a", "name": "old phone"}])
    _enqueue(gone, 2)
    runtime = _runtime(make_config, [])
    with caplog.at_level(logging.WARNING, logger="monitor"):
        pipeline.report_unknown_targets(runtime)
        _rounds(runtime, T0, minutes=1)
    assert "2 alert(s) wait for notification target 'old phone', which is not configured" in caplog.text
    with Session(runtime.engine) as session:
        assert {d.state for d in session.exec(select(store.Delivery))} == {"pending"}
