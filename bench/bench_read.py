"""Items per CPU-second for match + read with the shipped watchlist and vocabulary, by path, and for replay.

    .venv/bin/python bench/bench_read.py [--items 10000] [--seed 7] [--replay-items 4000]

Three sets of items, each measured on its own:
- the full path: synthetic news-like texts built from the watchlist's own names (spelled several ways), event
  wording and filler, so every code path runs: exact and fuzzy names, acronyms, Arabic, tolls (a harder load than
  real reports: 850 characters packed with names and event words);
- English wire items: the shared labelled English reports (dev and dev2, 264 reports of 400-700 characters, about
  two thirds of them about the watch), each read at its own published time, the set read over and over up to
  `--items` (issue 12's "match + read >= 2,000 items/s for English wire items");
- the fast path: ordinary news that mentions nothing watched (the bench feed server's filler), which the
  matcher's prefilter clears without searching for names. The reader still reads it (its type and toll are
  stored and replayed like any other item's).
Then `monitor replay` (in process, start-up left out) of news-like RSS files, about one item in twenty a
labelled report from the shared data (as `bench_peers.py` serves them), against bare `feedparser.parse` of the
same files: items per CPU-second each; then replay's cost apart: parsing the files (the fast path for plain RSS 2.0,
see monitor.parse; feedparser for anything else) and the rest (read, decide, store, write the records).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from feedsite import feed_items, filler, labelled_reports, rss

from monitor import pipeline
from monitor.classify import Reader
from monitor.config import load_settings, load_type_model, load_vocabulary, load_watchlist
from monitor.match import Matcher
from monitor.replay import read_inputs, replay
from monitor.text import tokens

CONFIG = Path(__file__).resolve().parents[1] / "config"
SHARED = Path(__file__).resolve().parents[2] / "shared"

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


def plain_news(count: int, seed: int) -> list[tuple[str, str]]:
    """Ordinary news items that mention nothing watched."""
    rng = random.Random(seed)
    return [filler(rng, n) for n in range(count)]


def wire_items(count: int) -> list[tuple[str, str, datetime]]:
    """The shared labelled English reports (title, summary, published), repeated up to `count` items; [] without
    the shared data."""
    reports = []
    for name in ("dev_reports.jsonl", "dev2_reports.jsonl"):
        path = SHARED / "data" / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    reports.append((record["title"], record.get("summary") or "",
                                    datetime.fromisoformat(record["published"])))
    return [reports[n % len(reports)] for n in range(count)] if reports else []


def read_rate(matcher: Matcher, reader: Reader,
              items: list[tuple[str, str]] | list[tuple[str, str, datetime]]) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, relevant items) to match and read the items (at their own time, if given)."""
    default = datetime(2020, 1, 1, tzinfo=UTC)
    started, cpu_started = time.perf_counter(), time.process_time()
    relevant = 0
    for title, summary, *at in items:
        when = at[0] if at else default
        reading = reader.read(title, summary, matcher.match(f"{title}\n{summary}"), when)
        relevant += reading.relevant
    return time.process_time() - cpu_started, time.perf_counter() - started, relevant


def bench_replay(count: int) -> None:
    """`monitor replay` of news-like RSS files against bare feedparser on the same files."""
    reports = labelled_reports(SHARED)
    settings = load_settings(CONFIG)
    with tempfile.TemporaryDirectory(prefix="bench-read-") as scratch:
        folder = Path(scratch) / "items"
        folder.mkdir()
        written, feed = 0, 100_000
        while written < count:
            items = feed_items(feed, reports)[: count - written]
            (folder / f"feed-{feed}.xml").write_bytes(rss(f"replay {feed}", items))
            written, feed = written + len(items), feed + 1
        files = sorted(folder.iterdir())
        cpu_started = time.process_time()
        parsed = sum(len(feedparser.parse(path.read_bytes()).entries) for path in files)
        bare = time.process_time() - cpu_started
        # Replay's parsing alone (plain RSS 2.0 by expat with feedparser's rules, see monitor.parse), so the rest of
        # its cost shows apart.
        cpu_started = time.process_time()
        read_inputs([folder])
        parsing = time.process_time() - cpu_started
        runtime = pipeline.build_runtime(settings, f"sqlite:///{Path(scratch) / 'replay.db'}")
        out = io.StringIO()
        started, cpu_started = time.perf_counter(), time.process_time()
        replayed, alerts = replay(runtime, [folder], out)
        cpu, wall = time.process_time() - cpu_started, time.perf_counter() - started
        runtime.engine.dispose()
    relevant = sum('"relevant": true' in line for line in out.getvalue().splitlines())
    print(f"replay: {replayed} items ({relevant} relevant, {alerts} alerts{'' if reports else ', no shared reports'})"
          f" from {len(files)} RSS files: {cpu:.2f} CPU-s, {replayed / cpu:,.0f} items per CPU-second "
          f"({wall:.2f} s wall); bare feedparser {parsed / bare:,.0f} items per CPU-second "
          f"(monitor replay {replayed / cpu / (parsed / bare):.2f}x feedparser)")
    rest = max(cpu - parsing, 1e-9)
    print(f"replay apart: parsing the files {parsing:.2f} CPU-s ({replayed / parsing:,.0f} items per CPU-second), "
          f"reading, deciding, storing and writing the records {rest:.2f} CPU-s ({replayed / rest:,.0f} items per "
          f"CPU-second)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--replay-items", type=int, default=4000, help="items replayed (0: no replay measure)")
    args = parser.parse_args()
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    started = time.perf_counter()
    matcher = Matcher(watchlist)
    # As shipped: the rules with the type model's second opinion (config/type_model.json).
    reader = Reader(load_vocabulary([CONFIG / "vocabulary.yaml", CONFIG / "vocabulary.ar.yaml"]), watchlist,
                    load_type_model(CONFIG / "type_model.json"))
    build = time.perf_counter() - started
    print(f"watchlist: {len(watchlist.actors)} actors, {len(watchlist.places)} places; build {build * 1000:.0f} ms")
    # CPU time is the figure to compare: on a shared, loaded machine the wall clock also counts the others' work.
    sets: list[tuple[str, list[tuple[str, str]] | list[tuple[str, str, datetime]]]] = [
        ("full path (names found)", make_items(args.items, args.seed)),
        ("English wire items (labelled reports)", wire_items(args.items)),
        ("fast path (nothing watched)", plain_news(args.items, args.seed))]
    for name, items in sets:
        if not items:
            print(f"{name}: no shared data at {SHARED}")
            continue
        chars = sum(len(t) + len(s) for t, s, *_ in items)
        cleared = sum(matcher.nothing_watched(text, [w for _, _, w in tokens(text)])
                      for text in (f"{t}\n{s}" for t, s, *_ in items))
        cpu, elapsed, relevant = read_rate(matcher, reader, items)
        print(f"{name}: {len(items)} items ({chars / len(items):.0f} chars on average, {cleared} cleared by the "
              f"prefilter, {relevant} relevant): match + read {cpu:.2f} CPU-s, {len(items) / cpu:,.0f} items per "
              f"CPU-second on one core ({elapsed:.2f} s wall)")
    if args.replay_items:
        bench_replay(args.replay_items)


if __name__ == "__main__":
    main()
