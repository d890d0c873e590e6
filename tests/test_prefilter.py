"""The matcher's prefilter (`Matcher.nothing_watched`): a text it clears is one the full search finds nothing in.

It is only worth having if it never changes a result, so each test compares `match(text)` (prefilter on) with
`match(text, prefilter=False)` (the full search) on texts that name every spelling of the watchlist, and on every
report of the shared data, and checks that the prefilter clears no text in which the full search finds a name.
The reader's early stop (a text naming nobody watched and no word of the watched countries or sides) is held to
the same standard: its relevance is the full reading's.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.classify import Reader, relevance
from monitor.config import Watchlist, load_vocabulary, load_watchlist
from monitor.match import Matcher
from monitor.model import Reading
from monitor.text import tokens

REPO = Path(__file__).resolve().parents[1]
WATCHLIST = REPO / "config" / "watchlist.yaml"

# Sentences a name is set into: alone, in a plain report, and beside words that open no name.
FRAMES = (
    "{name}",
    "Rockets hit {name} on Friday, officials said.",
    "The council approved a new budget for schools; {name} was not mentioned.",
    "مصادر أمنية: سقوط صواريخ على {name} ليلة الجمعة",
)


@pytest.fixture(scope="module")
def watchlist() -> Watchlist:
    return load_watchlist([WATCHLIST])


@pytest.fixture(scope="module")
def matcher(watchlist: Watchlist) -> Matcher:
    return Matcher(watchlist)


def every_spelling(watchlist: Watchlist) -> list[str]:
    """Every name, alias, Arabic form, weak alias, context word and acronym the watchlist lists."""
    out: list[str] = []
    for _, entry in watchlist.entries():
        out += [*entry.spellings(), *entry.weak_aliases, *entry.context, *entry.acronyms]
    return sorted(set(out))


def same_both_ways(matcher: Matcher, text: str) -> None:
    fast, full = matcher.match(text), matcher.match(text, prefilter=False)
    assert fast == full, text
    if matcher.nothing_watched(text, [t for _, _, t in tokens(text)]):
        assert not full.mentions, f"the prefilter cleared a text that names {full.mentions[0].name}: {text!r}"


def test_every_listed_spelling_is_seen_by_the_prefilter(watchlist: Watchlist, matcher: Matcher) -> None:
    spellings = every_spelling(watchlist)
    assert len(spellings) > 200  # the shipped watchlist, not an empty one
    for spelling in spellings:
        for frame in FRAMES:
            same_both_ways(matcher, frame.format(name=spelling))
        # Variants the full search tolerates: case, a typo, a possessive, hyphens for spaces.
        for variant in (spelling.upper(), spelling.lower(), spelling[:-1], f"{spelling}'s", spelling.replace(" ", "-")):
            same_both_ways(matcher, FRAMES[1].format(name=variant))


def test_every_name_is_found_with_the_prefilter_on(watchlist: Watchlist, matcher: Matcher) -> None:
    """A name written as listed is never cleared (its own matcher finds it, so the prefilter must let it by)."""
    for _, entry in watchlist.entries():
        for spelling in [*entry.spellings(), *entry.acronyms]:
            text = FRAMES[1].format(name=spelling)
            found = {m.name for m in matcher.match(text).mentions}
            if found:  # a few listed spellings are found under a longer name, or need context: same both ways
                assert not matcher.nothing_watched(text, [t for _, _, t in tokens(text)]), text


def test_shared_reports_match_the_same_both_ways(shared_dir: Path, matcher: Matcher) -> None:
    files = sorted((shared_dir / "data").glob("*.jsonl"))
    assert files
    seen = cleared = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            text = f"{record.get('title') or ''}\n{record.get('summary') or ''}"
            same_both_ways(matcher, text)
            seen += 1
            cleared += matcher.nothing_watched(text, [t for _, _, t in tokens(text)])
    assert seen > 300
    assert cleared < seen  # the labelled reports mostly name someone: few are cleared


def test_ordinary_news_takes_the_fast_path(matcher: Matcher) -> None:
    """News that mentions nothing watched is cleared, and its result is the full search's."""
    rng = random.Random(3)
    # Words that open no name ("league" would: it begins "League of the Righteous").
    text = ("the council approved a new budget for schools on Monday officials said prices rose "
            "football results weather forecast harvest festival museum opening bridge")
    words = text.split(" ")
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 40))).capitalize() + "." for _ in range(300)]
    for text in texts:
        same_both_ways(matcher, text)
    assert sum(matcher.nothing_watched(t, [w for _, _, w in tokens(t)]) for t in texts) == len(texts)


def test_real_feeds_in_other_scripts_match_the_same_both_ways(shared_dir: Path, matcher: Matcher) -> None:
    """Curly quotes, Cyrillic and accents are cleared like plain ASCII; Urdu, in Arabic script, whose words the
    full search also reads without proclitics, is left to it. Either way the result is the full search's."""
    from monitor.parse import parse_feed

    feeds = shared_dir / "corpora" / "real-feeds"
    files = [feeds / "miniflux-v2/internal/reader/parser/testdata/urdu_UTF8.xml",
             feeds / "miniflux-v2/internal/reader/parser/testdata/encoding_WINDOWS-1251.xml",
             feeds / "rbren-rss-parser/test/input/guardian.rss"]
    if not all(path.is_file() for path in files):
        pytest.skip("the real-feeds corpus is not in ../shared")
    cleared: dict[str, int] = {}
    for path in files:
        parsed = parse_feed(path.read_bytes(), feed_url=f"file://{path}", source=None,
                            fetched_at=datetime(2026, 1, 1, tzinfo=UTC))
        for item in parsed.items:
            same_both_ways(matcher, item.text)
            if not item.text.isascii():
                cleared[path.name] = cleared.get(path.name, 0) + matcher.nothing_watched(
                    item.text, [t for _, _, t in tokens(item.text)])
    assert cleared.get("urdu_UTF8.xml", 0) == 0
    assert cleared.get("encoding_WINDOWS-1251.xml", 0) > 0 and cleared.get("guardian.rss", 0) > 0


def test_acronyms_only_as_the_full_search_finds_them(matcher: Matcher) -> None:
    """The prefilter's acronym check is looser than the full pattern: letters inside a word are let by, and the
    full search then finds no acronym there."""
    for text in ("KHz and KH-101 missiles", "USB sticks", "the US said", "U.S. forces", "a PMF convoy", "PMFs",
                 "CENTCOM", "the ISIS-K cell", "usually"):
        same_both_ways(matcher, text)
    assert not matcher.match("USB sticks and KHz radios").mentions
    assert matcher.match("the US said").mentions


def test_tokens_are_the_words_the_pattern_finds(shared_dir: Path) -> None:
    """`tokens` cuts by splitting, for speed: the same words, at the same places, as the word pattern finds."""
    from monitor.text import _WORD, fold

    texts = ["", "a", "'", "  ", "it's U.S.-backed", "don't ’s Hezbollah’s", "KH-101 and KHz", "x\ny",
             "وبالحشد الشعبي؛ ٣ صواريخ على قاعدة عين الأسد", "Ain al-Asad — 30+ rockets"]
    for path in sorted((shared_dir / "data").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts.append(f"{record.get('title') or ''}\n{record.get('summary') or ''}")
    for text in texts:
        assert tokens(text) == [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)], text


# --- the reader's early stop: nobody watched named, and no word of the watched countries or sides ------------------


@pytest.fixture(scope="module")
def reader(watchlist: Watchlist) -> Reader:
    return Reader(load_vocabulary(sorted((REPO / "config").glob("vocabulary*.yaml"))), watchlist)


def read_both_ways(reader: Reader, matcher: Matcher, title: str, summary: str, when: datetime) -> Reading:
    """The reading as the pipeline gets it, checked against the full reading for relevance."""
    matches = matcher.match(f"{title}\n{summary}")
    quick = reader.read(title, summary, matches, when)
    full, _ = reader.read_with_features(title, summary, matches, when)  # always read to the end
    assert quick.relevant == full.relevant, (title, quick.reasons, full.reasons)
    return quick


def test_the_reader_stops_early_on_news_naming_nothing_watched(reader: Reader, matcher: Matcher) -> None:
    when = datetime(2024, 3, 1, tzinfo=UTC)
    quick = read_both_ways(reader, matcher, "Council approves budget for schools",
                           "The council approved a new budget on Monday; critics called the move overdue.", when)
    assert not quick.relevant and quick.reasons and "no word of the watched countries" in quick.reasons[0]
    # Named by no watched name, but the watched countries and sides are there: read to the end, and relevant.
    for title in ("Drone hits coalition outpost in north-east Syria, two soldiers hurt",
                  "هجوم بطائرة مسيرة على قاعدة للتحالف شرقي سوريا"):
        reading = read_both_ways(reader, matcher, title, "", when)
        assert reading.relevant and reading.event_type == "attack", reading.reasons
    # Words of the sides with proclitics ("بالعراق", in Iraq) are read as the bare word.
    assert not relevance.unanchored(reader.context, tokens("انفجار قرب معسكر بالعراق"))


def test_shared_reports_are_as_relevant_read_to_the_end(shared_dir: Path, reader: Reader, matcher: Matcher) -> None:
    stopped = 0
    for path in sorted((shared_dir / "data").glob("*_reports.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            when = datetime.fromisoformat(record["published"])
            title, summary = record.get("title") or "", record.get("summary") or ""
            stopped += "no word of the watched countries" in " ".join(
                read_both_ways(reader, matcher, title, summary, when).reasons)
    assert stopped > 0  # some distractors stop early
