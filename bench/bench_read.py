"""Items per second for match + read with the shipped watchlist and vocabulary.

    .venv/bin/python bench/bench_read.py [--items 10000] [--seed 7]

Items are synthetic news-like texts built from the watchlist's own names (spelled several ways),
event wording and filler, so every code path runs: exact and fuzzy names, acronyms, Arabic, tolls.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from monitor.classify import Reader
from monitor.config import load_vocabulary, load_watchlist
from monitor.match import Matcher

CONFIG = Path(__file__).resolve().parents[1] / "config"

TEMPLATES = [
    "{n} rockets hit {place} on {day}, killing {k} {side} personnel and wounding {w}, officials said.",
    "US aircraft struck {actor} sites near {place} overnight, the Pentagon said, after an attack on {place2}.",
    "{actor} vowed revenge for the strike that killed its commanders near {place}.",
    "Workers at the {place} plant went on strike over pay, the union said on {day}.",
    "A drone attack targeted {place} where US-led coalition troops are based; no casualties were reported.",
    "مصادر أمنية: سقوط صواريخ على {place} و{actor} تتبنى الهجوم",
]
FILLER = [
    "the",
    "of",
    "and",
    "said",
    "officials",
    "in",
    "on",
    "a",
    "to",
    "that",
    "was",
    "with",
    "for",
    "by",
    "government",
    "security",
    "sources",
    "province",
    "statement",
    "added",
    "reported",
    "Thursday",
    "meeting",
    "talks",
    "oil",
    "prices",
    "market",
    "football",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SIDES = ["US", "American", "British", "Iraqi security", "militia", "civilian"]


def make_items(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    actor_names = [n for a in watchlist.actors for n in a.spellings()]
    place_names = [n for p in watchlist.places for n in p.spellings()]
    items = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(2, 5)):
            template = rng.choice(TEMPLATES)
            sentences.append(
                template.format(
                    n=rng.randint(2, 40),
                    place=rng.choice(place_names),
                    place2=rng.choice(place_names),
                    day=rng.choice(DAYS),
                    k=rng.choice(["one", "two", "three", "a", "25"]),
                    side=rng.choice(SIDES),
                    w=rng.randint(1, 20),
                    actor=rng.choice(actor_names),
                )
            )
            sentences.append(" ".join(rng.choice(FILLER) for _ in range(rng.randint(8, 30))).capitalize() + ".")
        items.append((sentences[0][:120], " ".join(sentences)))
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    started = time.perf_counter()
    matcher = Matcher(watchlist)
    reader = Reader(load_vocabulary([CONFIG / "vocabulary.yaml", CONFIG / "vocabulary.ar.yaml"]), watchlist)
    build = time.perf_counter() - started
    items = make_items(args.items, args.seed)
    chars = sum(len(t) + len(s) for t, s in items)
    when = datetime(2020, 1, 1, tzinfo=UTC)
    started, cpu_started = time.perf_counter(), time.process_time()
    relevant = 0
    for title, summary in items:
        reading = reader.read(title, summary, matcher.match(f"{title}\n{summary}"), when)
        relevant += reading.relevant
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"watchlist: {len(watchlist.actors)} actors, {len(watchlist.places)} places; build {build * 1000:.0f} ms")
    print(f"items: {len(items)} ({chars / len(items):.0f} chars on average), relevant: {relevant}")
    # CPU time is the figure to compare: on a shared, loaded machine the wall clock also counts the others' work.
    print(f"match + read: {cpu:.2f} CPU-s, {len(items) / cpu:,.0f} items per CPU-second on one core "
          f"({elapsed:.2f} s wall)")


if __name__ == "__main__":
    main()
