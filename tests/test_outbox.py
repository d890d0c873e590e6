"""Routing, quiet hours, digests and rate limits, delivered to a real HTTP receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor import notify, outbox, pipeline, store
from monitor.config import QuietHours, load_settings

T0 = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)


def _runtime(make_config, receivers: list[dict]) -> pipeline.Runtime:
    config = make_config(notify=receivers, alerts={"file": None, "log": False, "retry_base": "1s"})
    return pipeline.build_runtime(load_settings(config))


def _enqueue(runtime: pipeline.Runtime, n: int, kind: str = "new_event", killed: dict | None = None,
             likelihood: float | None = None, at: datetime = T0, label: str | None = None) -> None:
    with store.transaction(runtime.engine) as session:
        for i in range(n):
            payload = {"killed": killed or {}, "injured": {}}
            if likelihood is not None:
                payload["likelihood"] = likelihood
            draft = notify.draft(kind=kind, dedupe_key=f"{kind}:{at.isoformat()}:{i}", event_id=f"ev-{i}",
                                      created_at=at, title=f"{label or kind} number {i}", text="text",
                                      payload=payload)
            store.add_alert(session, draft, notify.route(draft, runtime.targets))


def test_each_target_gets_the_kinds_and_severity_it_asked_for(make_config, receiver):
    url = f"json://127.0.0.1:{receiver.port}"
    runtime = _runtime(make_config, [
        {"url": f"{url}/all", "name": "all"},
        {"url": f"{url}/warnings", "name": "warnings", "kinds": ["strike_likely", "attack_likely"],
         "min_likelihood": 0.7},
        {"url": f"{url}/deaths", "name": "deaths", "min_severity": "high"},
    ])
    _enqueue(runtime, 1, "new_event")  # no casualties: low
    _enqueue(runtime, 1, "new_event", killed={"US": 1}, at=T0 + timedelta(seconds=1))  # high
    _enqueue(runtime, 1, "strike_likely", likelihood=0.6, at=T0 + timedelta(seconds=2))
    _enqueue(runtime, 1, "strike_likely", likelihood=0.8, at=T0 + timedelta(seconds=3))
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + timedelta(minutes=1))
    got = {path: sorted(r.json["title"] for r in receiver.received if r.path == path)
           for path in ("/all", "/warnings", "/deaths")}
    assert len(got["/all"]) == 4
    assert got["/warnings"] == ["strike_likely number 0"] and len(got["/warnings"]) == 1
    assert len(got["/deaths"]) == 2  # the US death, and the 80% warning


def test_a_burst_of_fifty_becomes_the_limit_and_one_summary(make_config, receiver):
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/chat", "name": "chat",
                                      "rate_limit": {"messages": 5, "per": "10m"}}])
    _enqueue(runtime, 50)
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0)
    assert len(receiver.received) == 5
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + timedelta(minutes=5))
    assert len(receiver.received) == 5  # still within the limit's window
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + timedelta(minutes=11))
    assert len(receiver.received) == 6
    summary = receiver.received[-1].json
    assert summary["title"] == "Held back by the rate limit: 45 alerts"
    assert summary["message"].count("new_event number") == 30 and "and 15 more" in summary["message"]
    assert store.delivery_counts(runtime.engine) == {(runtime.targets[0].id, "sent"): 50}


def test_quiet_hours_hold_low_alerts_and_let_high_ones_through(make_config, receiver):
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/phone", "name": "phone",
                                      "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "UTC"}}])
    night = datetime(2024, 1, 10, 23, 30, tzinfo=UTC)
    _enqueue(runtime, 1, "new_event", at=night, label="quiet")
    _enqueue(runtime, 1, "new_event", killed={"US": 2}, at=night + timedelta(seconds=1), label="deadly")
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, night + timedelta(minutes=1))
    assert [r.json["title"] for r in receiver.received] == ["deadly number 0"]
    assert store.delivery_counts(runtime.engine)[(runtime.targets[0].id, "pending")] == 1
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, datetime(2024, 1, 11, 7, 1, tzinfo=UTC))
    assert [r.json["title"] for r in receiver.received] == ["deadly number 0", "quiet number 0"]


def test_low_alerts_are_bundled_into_a_digest(make_config, receiver):
    runtime = _runtime(make_config, [{"url": f"json://127.0.0.1:{receiver.port}/mail", "name": "mail",
                                      "digest": "30m"}])
    _enqueue(runtime, 3)
    _enqueue(runtime, 1, "new_event", killed={"US": 1}, at=T0 + timedelta(seconds=5))
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + timedelta(minutes=1))
    assert len(receiver.received) == 1  # the high one at once
    outbox.deliver_due(runtime.engine, runtime.targets, runtime.settings, T0 + timedelta(minutes=32))
    assert len(receiver.received) == 2
    assert receiver.received[-1].json["title"] == "Digest: 3 alerts"


def test_quiet_until():
    quiet = QuietHours(start="22:00", end="07:00", timezone="Europe/Berlin")
    assert outbox.quiet_until(quiet, datetime(2024, 1, 10, 12, 0, tzinfo=UTC)) is None
    assert outbox.quiet_until(quiet, datetime(2024, 1, 10, 22, 30, tzinfo=UTC)) == datetime(2024, 1, 11, 6, 0,
                                                                                          tzinfo=UTC)
