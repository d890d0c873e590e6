"""Crash safety of ingestion: kill -9 at random points during a replay; after the last restart every
item is processed exactly once and every expected alert exists exactly once.

Each kill lands at a random point of the replay's progress (once a random number of its item records is
written), not at a random wall time, so it falls mid-replay however fast or loaded the machine is. The default
run kills 3 times during a replay of 600 items; the soak run (`pytest -m soak`) 20 times during 3,000 items,
and MONITOR_CRASH_LOOPS=50 makes that loop longer.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import SHIPPED_RULES
from sqlmodel import Session, select

from monitor import store
from monitor.cli import main

PLACES = [
    "Camp Taji",
    "Ain al-Asad air base",
    "Erbil air base",
    "the K1 base near Kirkuk",
    "Balad air base",
    "the US embassy in Baghdad",
    "Baghdad airport",
]


def _items(count: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        day = 1 + (i // 60) % 28
        place = rng.choice(PLACES)
        kind = rng.random()
        if kind < 0.5:
            title = f"Rockets hit {place}" + (", killing a US contractor" if rng.random() < 0.1 else "")
            summary = f"Katyusha rockets struck {place} on report {i}, officials said."
        elif kind < 0.6:
            title, summary = (
                "US jets strike Kataib Hezbollah sites",
                (
                    f"American warplanes struck Kataib Hezbollah depots near Al-Qaim, killing {rng.randint(1, 9)} "
                    f"militia fighters (report {i})."
                ),
            )
        else:
            title, summary = f"Farmers report harvest {i}", f"Wheat farmers near Baghdad said yields rose {i}%."
        out.append(
            {
                "id": f"c{i}",
                "published": f"2020-{5 + i // 1680:02d}-{day:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00",
                "source": "Wire",
                "title": title,
                "summary": summary,
            }
        )
    return out


def _replay(config: Path, items: Path, db: str, out: Path) -> subprocess.Popen:
    # Its log goes to a file beside the output: a pipe no one reads would stop a long replay once full.
    with out.with_suffix(".log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "replay", str(items), "--db", db, "--out",
             str(out)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def _state(db: str) -> tuple[Counter, Counter, int]:
    engine = store.open_engine(db)
    with Session(engine) as session:
        keys = Counter(session.exec(select(store.StoredItem.key)).all())
        keys.update(session.exec(select(store.ItemCopy.key)).all())
        alerts = Counter((a.kind, a.event_id) for a in session.exec(select(store.StoredAlert)))
        deliveries = len(session.exec(select(store.Delivery)).all())
    engine.dispose()
    return keys, alerts, deliveries


def _item_records(out: Path) -> int:
    return out.read_bytes().count(b'"type": "item"') if out.exists() else 0


def _wait_for_items(proc: subprocess.Popen, out: Path, items: float) -> None:
    """Wait until the replay wrote `items` item records (written once their batch is stored) or ended; a
    deadline only against a replay that hangs."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and _item_records(out) < items:
        time.sleep(0.01)


@pytest.mark.parametrize(("count", "loops"), [
    (600, 3),
    pytest.param(3000, int(os.environ.get("MONITOR_CRASH_LOOPS", "20")), marks=pytest.mark.soak),
])
def test_kill_nine_during_replay_loses_and_repeats_nothing(make_config, tmp_path, count, loops):
    items_path = tmp_path / "items.jsonl"
    items_path.write_text("\n".join(json.dumps(i) for i in _items(count)) + "\n", encoding="utf-8")
    config = make_config(rules=SHIPPED_RULES, alerts={"file": None, "log": True})

    # The reference replay runs in this process: it is not killed, and starting Python again would add nothing.
    clean_db = f"sqlite:///{tmp_path / 'clean.db'}"
    clean_out = tmp_path / "clean.out"
    started = time.monotonic()
    assert main(["--config", str(config), "replay", str(items_path), "--db", clean_db, "--out", str(clean_out)]) == 0
    whole = time.monotonic() - started  # to spread the kills, not a bound
    expected_keys, expected_alerts, _ = _state(clean_db)
    assert sum(expected_alerts.values()) > 10

    crash_db = f"sqlite:///{tmp_path / 'crash.db'}"
    crash_out = tmp_path / "crash.out"
    rng = random.Random(11)
    kills = 0
    for _ in range(loops):
        crash_out.unlink(missing_ok=True)
        proc = _replay(config, items_path, crash_db, crash_out)
        _wait_for_items(proc, crash_out, rng.uniform(0.05, 0.95) * count)
        # The records of a batch appear together, once it is stored: then somewhere in what follows.
        time.sleep(rng.uniform(0, 0.1) * whole)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert _replay(config, items_path, crash_db, crash_out).wait(timeout=300) == 0
    keys, alerts, deliveries = _state(crash_db)
    print(
        f"\n{kills} kills; items {sum(keys.values())}/{sum(expected_keys.values())}; "
        f"alerts {sum(alerts.values())}/{sum(expected_alerts.values())}"
    )
    assert kills >= 1
    assert keys == expected_keys, "every item exactly once"
    assert all(n == 1 for n in keys.values())
    assert alerts == expected_alerts, "every expected alert exactly once"
    assert deliveries == sum(alerts.values()), "one delivery per alert per target (the log)"
