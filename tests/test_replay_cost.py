"""What replaying costs per item: CPU time (`time.process_time`, with a wide margin: a regression shows, a loaded
machine does not fail it), and the statements that go through SQLAlchemy's machinery, which cost more per
statement than SQLite itself (issue 15)."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import SHIPPED_CONFIG, SHIPPED_RULES
from sqlalchemy import event

from monitor import pipeline
from monitor.config import load_settings
from monitor.replay import replay

# Reports of the watch, one in twenty items (as in the bench's replay): a cycle of attacks, strikes and vows.
REPORTS = [
    ("Rocket attack on Ain al-Asad base wounds US troops",
     "Several rockets landed inside the Ain al-Asad air base in western Anbar on Tuesday night, wounding three US "
     "service members, a coalition spokesman said. No group has claimed the attack."),
    ("US aircraft hit Kataib Hezbollah depots near Al-Qaim",
     "American warplanes struck weapons depots and a command post of Kataib Hezbollah near Al-Qaim on the Syrian "
     "border early on Thursday, the Pentagon said, in response to the attacks on US forces."),
    ("Kataib Hezbollah vows to answer the American strikes",
     "Kataib Hezbollah said the US strikes on its positions near the border would not pass without a response."),
    ("Drone shot down near Erbil airport, no casualties",
     "Kurdish counter-terrorism forces shot down an explosive-laden drone near Erbil airport, which hosts "
     "coalition troops, officials said on Saturday."),
    ("Rockets strike Camp Taji, killing two Americans",
     "A barrage of Katyusha rockets hit Camp Taji north of Baghdad on Wednesday evening, killing two American "
     "soldiers and wounding a dozen coalition personnel."),
]
SUBJECTS = ("The city council", "A regional airline", "The health ministry", "Farmers in the north", "A shipping firm")
VERBS = ("approved", "postponed", "extended", "reviewed", "criticised")
OBJECTS = ("a new budget for schools", "the restoration of the old bridge", "a ban on plastic bags",
           "plans for a stadium", "the price of bread")
DETAILS = ("The figures were published on Tuesday.", "Critics called the move overdue.",
           "Analysts expect little effect on prices.", "A spokesperson declined to give further details.",
           "Several groups asked for a public hearing.", "The change takes effect next month.")
ITEMS = 400


def items_file(path: Path, count: int = ITEMS, start: datetime = datetime(2020, 3, 1, tzinfo=UTC)) -> Path:
    """`count` items 36 minutes apart from `start`, one in twenty a report of the watch, the rest news that names
    nobody watched (each with a word of its own, as real news has: the matcher meets new words all along)."""
    rng = random.Random(15)
    lines = []
    for n in range(count):
        if n % 20 == 10:
            title, summary = REPORTS[(n // 20) % len(REPORTS)]
        else:
            title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} ({n})"
            summary = f"{title[:-len(str(n)) - 3]}. " + " ".join(rng.sample(DETAILS, 3))
        lines.append(json.dumps({"id": f"{path.stem}-{n}", "published": (start + timedelta(minutes=36 * n)).isoformat(),
                                 "title": title, "summary": summary, "link": f"http://news.invalid/{path.stem}/{n}.html"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_replay_cpu_per_item_is_bounded(make_config, tmp_path):
    runtime = pipeline.build_runtime(load_settings(make_config(rules=SHIPPED_RULES))).prepare()
    inputs = [items_file(tmp_path / "items.jsonl")]
    # First-use costs (imports, the reader's patterns) are paid by other items, a year before.
    replay(runtime, [items_file(tmp_path / "warm.jsonl", 40, datetime(2019, 3, 1, tzinfo=UTC))], io.StringIO())
    began = time.process_time()
    count, _ = replay(runtime, inputs, io.StringIO())
    per_item = (time.process_time() - began) / count
    assert count == ITEMS
    # ~0.5 ms an item on a quiet 2-core machine, reading and storing included; a loaded machine takes up to twice
    # as long. Four times the quiet cost is a regression, not load.
    assert per_item < 0.002, f"{per_item * 1000:.2f} ms of CPU an item"


def test_a_relevant_item_makes_few_statements_through_sqlalchemy(make_config, tmp_path):
    runtime = pipeline.build_runtime(load_settings(make_config(rules=SHIPPED_RULES))).prepare()
    statements: Counter[str] = Counter()

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements[statement.split(None, 1)[0].upper()] += 1

    out = io.StringIO()
    count_items, _ = replay(runtime, [items_file(tmp_path / "items.jsonl")], out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    relevant = sum(1 for r in records if r["type"] == "item" and r["relevant"])
    assert count_items == ITEMS and relevant >= ITEMS // 20 * 3 // 4
    # The look-ups of a relevant item (candidate events, forecasts standing, threats, recent attacks) and of a batch
    # (known keys, copy candidates) run on the driver (`store.prepared`); what is left are the writes (an event,
    # its entities, forecasts, alerts) and a few reads of the ORM's own. The look-ups took ten statements more.
    assert statements["SELECT"] <= 3 * relevant, statements
    assert sum(statements.values()) <= 10 * relevant, statements


def test_a_replay_sets_its_reader_aside_from_full_collections(make_config, tmp_path):
    """What a replay keeps to its end (the imports, the config, the matcher and the reader) is out of the garbage
    collector's full passes (`gc.freeze`), which walked the reader's ~27,000 objects again each time: what is
    left to the collector once the most is set aside is a small part of it (seen at each collection)."""
    config = make_config(type_model=str(SHIPPED_CONFIG / "type_model.json"))
    inputs = items_file(tmp_path / "items.jsonl", 20)
    argv = ["--config", str(config), "replay", str(inputs), "--out", str(tmp_path / "out.jsonl")]
    script = ("import gc\nfrom monitor.cli import main\nseen = []\n"
              "gc.callbacks.append(lambda phase, info: phase == 'start' and seen.append(\n"
              "    (gc.get_freeze_count(), len(gc.get_objects()))))\n"
              f"main({argv!r})\nmost = max(f for f, _ in seen)\n"
              "print(most, max(w for f, w in seen if f > 0.9 * most))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    frozen, walked = map(int, done.stdout.split())
    assert walked * 4 < frozen, (frozen, walked)  # ~95,000 and ~6,500; ~54,000 and ~64,000 with the reader walked
