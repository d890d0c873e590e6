"""Reading: what a report says happened (event type, relevance, weapon, casualties), with evidence.

The words come from the vocabulary file (`config/vocabulary.yaml`); the watchlist matches say who
and where. Every field the reader fills keeps the sentence it came from, so alerts and
`monitor match` can show why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.config import ConfigError, describe_errors, read_yaml
from monitor.match import Matches, tokens
from monitor.watchlist import Watchlist

EVENT_TYPES = ("attack", "strike", "threat")
_SENTENCE = re.compile(r"(?<=[.!?؟])\s+|\n+")


class EventWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title_weight: float = Field(default=2.0, ge=0)
    words: list[str]


class Vocabulary(BaseModel):
    """The reader's word lists, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    theatre: list[str] = ["Iraq", "Syria", "Jordan"]
    event_types: dict[str, EventWords]
    striker_words: dict[str, list[str]] = {}
    not_relevant: dict[str, list[str]] = {}
    weapons: dict[str, list[str]] = {}
    sides: dict[str, list[str]] = {}
    casualty_words: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: dict[str, EventWords]) -> dict[str, EventWords]:
        unknown = set(value) - set(EVENT_TYPES)
        if unknown:
            raise ValueError(f"unknown event type(s) {sorted(unknown)}; use {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("casualty_words")
    @classmethod
    def _casualty_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - {"killed", "injured"}
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; use killed and injured")
        return value


def load_vocabulary(path: Path) -> Vocabulary:
    raw = read_yaml(path) or {}
    try:
        return Vocabulary.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from None


Phrase = tuple[str, ...]


def _phrases(words: Iterable[str]) -> set[Phrase]:
    return {p for p in (tuple(t for _, _, t in tokens(w)) for w in words) if p}


class _PhraseIndex:
    """Find which of many labelled phrases occur in a token list, in one pass."""

    def __init__(self, labelled: dict[str, set[Phrase]]):
        self._by_first: dict[str, list[tuple[Phrase, str]]] = {}
        for label, phrases in labelled.items():
            for phrase in phrases:
                self._by_first.setdefault(phrase[0], []).append((phrase, label))
        for options in self._by_first.values():
            options.sort(key=lambda pl: -len(pl[0]))

    def find(self, words: list[str]) -> list[tuple[int, int, str]]:
        """(first token, past-last token, label) of every phrase, longest at each position."""
        out = []
        for i, word in enumerate(words):
            for phrase, label in self._by_first.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    out.append((i, i + len(phrase), label))
                    break
        return out


@dataclass(frozen=True, slots=True)
class Reading:
    """What the reader made of one report."""

    relevant: bool
    event_type: str | None
    actors: tuple[str, ...]
    places: tuple[str, ...]
    killed: dict[str, int] = field(default_factory=dict)
    injured: dict[str, int] = field(default_factory=dict)
    weapon: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    evidence: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "relevant": self.relevant, "event_type": self.event_type, "actors": list(self.actors),
            "places": list(self.places), "killed": self.killed, "injured": self.injured,
            "weapon": self.weapon, "scores": self.scores, "reasons": list(self.reasons),
            "evidence": self.evidence,
        }


class Reader:
    """Built once from the vocabulary and watchlist; `read` is the per-item call."""

    def __init__(self, vocabulary: Vocabulary, watchlist: Watchlist):
        self.vocabulary = vocabulary
        self.watchlist = watchlist
        self._weights = {k: v.title_weight for k, v in vocabulary.event_types.items()}
        self._cues = _PhraseIndex({k: _phrases(v.words) for k, v in vocabulary.event_types.items()})
        self._off_topic = _PhraseIndex({k: _phrases(v) for k, v in vocabulary.not_relevant.items()})
        self._strikers = _PhraseIndex({k: _phrases(v) for k, v in vocabulary.striker_words.items()})
        self._weapons = _PhraseIndex({k: _phrases(v) for k, v in vocabulary.weapons.items()})
        self._sides = _PhraseIndex({k: _phrases(v) for k, v in vocabulary.sides.items()})
        self._toll = _PhraseIndex({k: _phrases(v) for k, v in vocabulary.casualty_words.items()})
        self._numbers = {tokens(k)[0][2]: v for k, v in vocabulary.numbers.items() if tokens(k)}
        self._side_of_actor = {a.name: a.side for a in watchlist.actors}
        self._iran_in_theatre = {a.name for a in watchlist.actors if a.side == "iran_aligned" and a.theatre}
        theatre = set(vocabulary.theatre)
        self._theatre_sites = {p.name for p in watchlist.places if p.country in theatre and p.kind != "country"}

    def read(self, title: str, summary: str, matches: Matches, when: datetime) -> Reading:
        """Read one report: its type, relevance, weapon and toll."""
        title_words = [t for _, _, t in tokens(title)]
        body_words = [t for _, _, t in tokens(summary)]
        scores = self._type_scores(title_words, body_words)
        off_topic = self._labels(self._off_topic, title_words + body_words)
        iran_side = [a for a in matches.actors if a in self._iran_in_theatre]
        us_side = [a for a in matches.actors if self._side_of_actor.get(a) == "us_coalition"]
        us_sites = [p for p in matches.places if self._hosts_us(p, when)]
        striker_us = bool(us_side) or "us_coalition" in self._labels(self._strikers, title_words + body_words)
        other_strikers = [a for a in matches.actors if a in {"Israel", "Turkey"}]
        reasons: list[str] = []

        candidates = dict(scores)
        if candidates.get("strike") and not (striker_us and not self._other_state_strike(other_strikers, us_side)):
            reasons.append("strike words, but no US/coalition striker")
            candidates.pop("strike")
        if candidates.get("attack") and candidates.get("strike", 0) > candidates["attack"] and striker_us:
            candidates.pop("attack")
        event_type = max(candidates, key=lambda k: (candidates[k], k == "attack")) if candidates else None
        if event_type is None and scores:
            event_type = "other"

        relevant = event_type in EVENT_TYPES and self._watched(event_type, iran_side, us_side, us_sites,
                                                                matches, reasons)
        if relevant and off_topic and sum(off_topic.values()) >= max(scores.values(), default=0):
            reasons.append(f"off-topic words: {', '.join(sorted(off_topic))}")
            relevant = False
        if relevant:
            reasons.append(f"{event_type}: cues {scores}")
        sentences = _sentences(f"{title}. {summary}")
        killed, injured, toll_evidence = self._toll_counts(sentences)
        weapon = self._main_weapon(title_words + body_words)
        evidence = {"event_type": _first_sentence_with(sentences, self._cues, event_type)} if relevant else {}
        evidence.update(toll_evidence)
        return Reading(
            relevant=relevant,
            event_type=event_type if event_type in EVENT_TYPES or event_type == "other" else None,
            actors=matches.actors,
            places=matches.places,
            killed=killed,
            injured=injured,
            weapon=weapon,
            scores=scores,
            reasons=tuple(reasons),
            evidence={k: v for k, v in evidence.items() if v},
        )

    def _type_scores(self, title_words: list[str], body_words: list[str]) -> dict[str, float]:
        scores: dict[str, float] = {}
        for words, in_title in ((title_words, True), (body_words, False)):
            for _, _, label in self._cues.find(words):
                scores[label] = scores.get(label, 0.0) + (self._weights[label] if in_title else 1.0)
        return scores

    @staticmethod
    def _labels(index: _PhraseIndex, words: list[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, label in index.find(words):
            counts[label] = counts.get(label, 0) + 1
        return counts

    def _hosts_us(self, place_name: str, when: datetime) -> bool:
        place = self.watchlist.place(place_name)
        return bool(place and place.hosts_us_forces(when))

    @staticmethod
    def _other_state_strike(other_strikers: list[str], us_side: list[str]) -> bool:
        return bool(other_strikers) and not us_side

    def _watched(self, event_type: str, iran_side: list[str], us_side: list[str], us_sites: list[str],
                 matches: Matches, reasons: list[str]) -> bool:
        militia_sites = [p for p in matches.places if p in self._theatre_sites]
        if event_type == "attack" and (us_sites or (us_side and (iran_side or militia_sites))):
            return True
        if event_type == "strike" and (iran_side or militia_sites):
            return True
        if event_type == "threat" and iran_side and (us_side or us_sites):
            return True
        reasons.append(f"{event_type} words, but no watched actor or site on both sides")
        return False

    def _main_weapon(self, words: list[str]) -> str | None:
        counts = self._labels(self._weapons, words)
        return max(counts, key=lambda k: counts[k]) if counts else None

    def _toll_counts(self, sentences: list[str]) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
        killed: dict[str, int] = {}
        injured: dict[str, int] = {}
        evidence: dict[str, str] = {}
        for sentence in sentences:
            words = [t for _, _, t in tokens(sentence)]
            verbs = self._toll.find(words)
            if not verbs:
                continue
            for count, side, position in self._quantities(words):
                verb = _verb_for(position, verbs)
                if verb is None:
                    continue
                table = killed if verb == "killed" else injured
                if count > table.get(side, 0):
                    table[side] = count
                    evidence.setdefault(verb, sentence)
        return killed, injured, evidence

    def _quantities(self, words: list[str]) -> list[tuple[int, str, int]]:
        """(count, side, index) for number-then-side phrases such as 'two US' or '25 militia fighters'."""
        sides = {start: label for start, _, label in self._sides.find(words)}
        verb_starts = {start for start, _, _ in self._toll.find(words)}
        out = []
        last_side = None
        for i, word in enumerate(words):
            count = int(word) if word.isdigit() and len(word) < 6 else self._numbers.get(word)
            if count is None:
                continue
            side = next((sides[j] for j in range(i + 1, min(i + 5, len(words))) if j in sides), None)
            if side is None:
                # "... 25 militia fighters were killed and 55 wounded": a bare number right before a
                # casualty word takes the side named last; any other bare number ("two days") is not a toll.
                if word in {"a", "an"} or not ({i + 1, i + 2} & verb_starts) or last_side is None:
                    continue
                side = last_side
            last_side = side
            out.append((count, side, i))
        return out


def _verb_for(position: int, verbs: list[tuple[int, int, str]]) -> str | None:
    """Which casualty verb a quantity belongs to: right after it, else just before, else later on."""
    after = [(start - position, label) for start, _, label in verbs if 0 < start - position <= 6]
    if after and after[0][0] <= 4:
        return min(after)[1]
    before = [(position - end, label) for _, end, label in verbs if 0 <= position - end <= 4]
    if before:
        return min(before)[1]
    return min(after)[1] if after else None


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _first_sentence_with(sentences: list[str], index: _PhraseIndex, label: str | None) -> str | None:
    for sentence in sentences:
        if any(found == label for _, _, found in index.find([t for _, _, t in tokens(sentence)])):
            return sentence[:400]
    return None
