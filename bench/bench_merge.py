"""Per-report merge time with 1,000 and with 1,000,000 stored events.

    .venv/bin/python bench/bench_merge.py [--large 1000000] [--reports 300]

Both stores hold the same 1,000 events of the last 30 days; the large one adds older history
(spread over 20 years before that). A report's candidates are found by an indexed look-up on
(event type, place or actor, first seen), so the time per report should not grow with history.
The figure printed is the time to find candidates and decide (new event or merge) for one report.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from monitor import events, store
from monitor.config import load_watchlist
from monitor.model import EventFacts, Gazetteer, Reading, Report

CONFIG = Path(__file__).resolve().parents[1] / "config"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = timedelta(hours=48)
TYPES = ("attack", "strike", "threat")


def _event_rows(count: int, start: datetime, span: timedelta, rng: random.Random, places: list[str],
                actors: list[str], prefix: str) -> tuple[list[dict], list[dict]]:
    event_rows, entity_rows = [], []
    for i in range(count):
        first = start + timedelta(seconds=rng.uniform(0, span.total_seconds()))
        kind = rng.choice(TYPES)
        names = rng.sample(places, 2) + rng.sample(actors, 1)
        event_id = f"{prefix}{i}"
        event_rows.append({"id": event_id, "event_type": kind, "title": f"synthetic {kind} {i}",
                           "actors": names[2:], "places": names[:2], "killed": {}, "injured": {},
                           "sources": [], "claims": [], "day": first.date(), "first_seen": first,
                           "last_seen": first, "report_count": 1})
        entity_rows += [{"event_id": event_id, "name": n, "event_type": kind, "first_seen": first} for n in names]
    return event_rows, entity_rows


def _fill(engine, rows: tuple[list[dict], list[dict]]) -> None:
    event_rows, entity_rows = rows
    with Session(engine) as session:
        for start in range(0, len(event_rows), 20_000):
            session.execute(insert(store.StoredEvent), event_rows[start : start + 20_000])
        for start in range(0, len(entity_rows), 60_000):
            session.execute(insert(store.EventEntity), entity_rows[start : start + 60_000])
        session.commit()


def _reports(count: int, rng: random.Random, places: list[str], actors: list[str]) -> list[Report]:
    out = []
    for i in range(count):
        published = NOW - timedelta(seconds=rng.uniform(0, 30 * 86400))
        reading = Reading(relevant=True, event_type=rng.choice(TYPES), actors=(rng.choice(actors),),
                          places=tuple(rng.sample(places, 2)))
        out.append(Report(f"report-{i}", f"synthetic report {i}", None, "bench", published, reading))
    return out


def _time_merges(engine, reports: list[Report]) -> list[float]:
    timings = []
    with Session(engine) as session:
        for report in reports:
            started = time.perf_counter()
            names = events.lookup_names(report.reading, Gazetteer())
            rows = store.candidate_events(session, [report.reading.event_type], names,
                                          report.published - WINDOW, report.published + WINDOW)
            candidates = [EventFacts(id=r.id, event_type=r.event_type, title=r.title, actors=tuple(r.actors),
                                            places=tuple(r.places), first_seen=r.first_seen, last_seen=r.last_seen,
                                            day=r.day) for r in rows]
            events.place_report(report, candidates, WINDOW)
            timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=300)
    args = parser.parse_args()
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    places = [p.name for p in watchlist.places]
    actors = [a.name for a in watchlist.actors]
    rng = random.Random(11)
    recent = _event_rows(1_000, NOW - timedelta(days=30), timedelta(days=30), rng, places, actors, "recent-")
    reports = _reports(args.reports, rng, places, actors)
    results = {}
    with tempfile.TemporaryDirectory(prefix="monitor-bench-") as scratch:
        for label, older in (("1,000", 0), (f"{args.large:,}", args.large - 1_000)):
            engine = store.open_engine(f"sqlite:///{Path(scratch) / f'bench-{older}.db'}")
            started = time.perf_counter()
            _fill(engine, recent)
            if older:
                _fill(engine, _event_rows(older, NOW - timedelta(days=30 + 365 * 20), timedelta(days=365 * 20),
                                          rng, places, actors, "old-"))
            fill = time.perf_counter() - started
            _time_merges(engine, reports[:20])  # warm the cache
            timings = _time_merges(engine, reports)
            results[label] = statistics.mean(timings)
            print(f"{label:>10} stored events (filled in {fill:.0f} s): merge per report mean "
                  f"{statistics.mean(timings) * 1000:.2f} ms, median {statistics.median(timings) * 1000:.2f} ms, "
                  f"p95 {sorted(timings)[int(len(timings) * 0.95)] * 1000:.2f} ms")
            engine.dispose()
    small, large = results.values()
    print(f"ratio large/small: {large / small:.2f} (goal: within 2x)")


if __name__ == "__main__":
    main()
