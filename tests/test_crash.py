"""Crash safety of ingestion: kill -9 at random points during a replay; after the last restart every
item is processed exactly once and every expected alert exists exactly once.

CI runs a short loop (5 kills). For the long one: MONITOR_CRASH_LOOPS=50 python -m pytest tests/test_crash.py
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

from conftest import SHIPPED_RULES
from sqlmodel import Session, select

from monitor import store

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
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "replay", str(items), "--db", db, "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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


def test_kill_nine_during_replay_loses_and_repeats_nothing(make_config, tmp_path):
    items_path = tmp_path / "items.jsonl"
    items_path.write_text("\n".join(json.dumps(i) for i in _items(3000)) + "\n", encoding="utf-8")
    config = make_config(rules=SHIPPED_RULES, alerts={"file": None, "log": True})

    clean_db = f"sqlite:///{tmp_path / 'clean.db'}"
    assert _replay(config, items_path, clean_db, tmp_path / "clean.out").wait(timeout=300) == 0
    expected_keys, expected_alerts, _ = _state(clean_db)
    assert sum(expected_alerts.values()) > 10

    crash_db = f"sqlite:///{tmp_path / 'crash.db'}"
    rng = random.Random(11)
    kills = 0
    for _ in range(int(os.environ.get("MONITOR_CRASH_LOOPS", "5"))):
        proc = _replay(config, items_path, crash_db, tmp_path / "crash.out")
        time.sleep(rng.uniform(0.8, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
    assert _replay(config, items_path, crash_db, tmp_path / "crash.out").wait(timeout=300) == 0
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
