"""What a batch writes outside the ORM's unit of work: alerts and their deliveries at once, the event history with
the batch's items, the item prints from each part's words. Real SQLite files."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from monitor import notify, pipeline, store
from monitor.config import load_settings
from monitor.events import content_prints
from monitor.model import AlertDraft, EventFacts

T0 = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)


def _runtime(make_config, tmp_path: Path, name: str = "monitor", targets: int = 2) -> pipeline.Runtime:
    receivers = [{"url": f"json://127.0.0.1:9/{i}", "name": f"target-{i}"} for i in range(targets)]
    config = make_config(notify=receivers, alerts={"file": None, "log": False},
                         database=f"sqlite:///{tmp_path / name}.db")
    return pipeline.build_runtime(load_settings(config))


def _draft(key: str) -> AlertDraft:
    return notify.draft(kind="new_event", dedupe_key=key, event_id="ev-1", created_at=T0, title=f"alert {key}",
                        text="text", payload={"killed": {"US": 1}, "injured": {}})


def test_an_alert_is_made_once_per_dedupe_key_with_one_delivery_per_target_in_the_same_transaction(make_config,
                                                                                                   tmp_path):
    runtime = _runtime(make_config, tmp_path)
    with store.transaction(runtime.engine) as session:
        first = store.add_alert(session, _draft("a"), ["target-0", "target-1"])
        # Seen again before anything is flushed or committed: the look-up reads what this transaction wrote.
        again = store.add_alert(session, _draft("a"), ["target-0", "target-1"])
        second = store.add_alert(session, _draft("b"), ["target-1"])
    assert first is not None and second is not None and again is None
    assert (first.id, second.id) == (1, 2) and first.payload["killed"] == {"US": 1}
    with store.transaction(runtime.engine) as session:
        assert store.add_alert(session, _draft("b"), ["target-0"]) is None  # committed before: still known
    with runtime.engine.connect() as connection:
        deliveries = list(connection.execute(text(
            "SELECT alert_id, target_id, state, attempts, next_attempt_at IS NOT NULL FROM delivery ORDER BY id")))
    assert [tuple(d) for d in deliveries] == [(1, "target-0", "pending", 0, 1), (1, "target-1", "pending", 0, 1),
                                              (2, "target-1", "pending", 0, 1)]
    claimed = store.claim_deliveries(runtime.engine, "me", ["target-0", "target-1"], T0 + timedelta(minutes=1),
                                     timedelta(minutes=5))
    assert [(d.alert_id, d.target_id, a.title) for d, a in claimed] == [
        (1, "target-0", "alert a"), (1, "target-1", "alert a"), (2, "target-1", "alert b")]


def _event(event_id: str, places: tuple[str, ...]) -> EventFacts:
    return EventFacts(id=event_id, event_type="attack", title="t", actors=("Kataib Hezbollah",), places=places,
                      first_seen=T0, last_seen=T0)


def _history_and_entities(runtime: pipeline.Runtime) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with runtime.engine.connect() as connection:
        history = [tuple(r) for r in connection.execute(text(
            "SELECT id, event_id, item_key, changes, why FROM event_history ORDER BY id"))]
        entities = [tuple(r) for r in connection.execute(text(
            "SELECT event_id, name, event_type FROM event_entity ORDER BY event_id, name"))]
    return history, entities


def test_history_kept_for_the_batch_is_stored_as_the_session_would_store_it(make_config, tmp_path):
    def save(runtime: pipeline.Runtime, batched: bool) -> None:
        with store.transaction(runtime.engine) as session:
            rows = store.ItemRows()
            for n, (event_id, places) in enumerate([("ev-1", ("K1 Air Base",)), ("ev-2", ("Erbil",)),
                                                    ("ev-1", ("K1 Air Base", "Kirkuk"))]):
                store.save_event(session, _event(event_id, places), f"item-{n}", T0, [f"change {n}"], f"why {n}",
                                 rows.history if batched else None)
                # A later look-up of the batch finds the entities written so far.
                found = store.candidate_events(session, ["attack"], ["Kirkuk"], T0 - timedelta(hours=1),
                                               T0 + timedelta(hours=1))
                assert [e.id for e in found] == (["ev-1"] if n == 2 else [])
            store.add_rows(session, rows)

    orm, batched = _runtime(make_config, tmp_path, "orm"), _runtime(make_config, tmp_path, "batched")
    save(orm, batched=False)
    save(batched, batched=True)
    assert _history_and_entities(batched) == _history_and_entities(orm)
    history, entities = _history_and_entities(batched)
    assert [h[:3] for h in history] == [(1, "ev-1", "item-0"), (2, "ev-2", "item-1"), (3, "ev-1", "item-2")]
    assert [e[:2] for e in entities] == [("ev-1", "K1 Air Base"), ("ev-1", "Kataib Hezbollah"), ("ev-1", "Kirkuk"),
                                         ("ev-2", "Erbil"), ("ev-2", "Kataib Hezbollah")]


def _words_print(text: str) -> str:
    """The text print by its definition: the casefolded words of the whole text, hashed."""
    return hashlib.sha256(" ".join(re.findall(r"\w+", text.casefold())).encode("utf-8", "surrogatepass")).hexdigest()


def test_content_prints_are_those_of_the_whole_text_though_the_title_is_cut_once():
    cases = [  # (title, summary, the bare headline)
        ("Rockets hit K1 — Reuters", "Rockets hit K1", "Rockets hit K1"), ("", "only a summary", ""),
        ("only a title", "", "only a title"), ("", "", ""), ("ΟΔΟΣ ΣΟΦΟΣ", "Straße ﬁre", "ΟΔΟΣ ΣΟΦΟΣ"),
        ("هجوم على قاعدة", "سقوط صواريخ", "هجوم على قاعدة"), ("a-b", "c\nd", "a-b"),
        ("Drone strike on Erbil - Al Jazeera", "", "Drone strike on Erbil"),
        ("Drone strike on Erbil - Al Jazeera", "Two drones were downed.", "Drone strike on Erbil - Al Jazeera"),
    ]
    for title, summary, headline in cases:
        assert content_prints(title, summary) == (_words_print(f"{title}\n{summary}"), _words_print(headline))
