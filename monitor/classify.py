"""Reading: what a report says happened, who did it, to whom, where, with what, the toll, and when.

The words come from the vocabulary file (`config/vocabulary.yaml`); the watchlist matches say who
and where. The reader works on the title and summary as one token stream:

1. Sentences are found, and in each one the clauses that refer to something earlier ("after US
   raids on the militia", "in response to the attack that killed a contractor") or to something
   hypothetical ("if Tehran strikes Americans") are marked as background. Background is kept as
   such (it links a report to earlier incidents) but does not make the report's own event.
2. Event cues in the foreground are weighted by where they stand (title, lead sentence, body).
   Words shared by attacks and strikes ("strike", "hit", "raid") count as a strike only when a
   state that strikes is named before them in the clause.
3. Roles follow the event type: an attack's perpetrator (claimed, attributed or suspected), a
   strike's striker and targets, a threat's parties; places are where it happened, not reference
   points ("north of Baghdad").
4. Relevance asks whether the event touches the watched confrontation: the right sides, a site or
   force in the watched countries, and no off-topic frame (handovers, anniversaries, court cases).

Every field keeps the sentence that supports it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from monitor.config import ConfigError, describe_errors, read_yaml
from monitor.match import Match, Matches, tokens
from monitor.watchlist import Watchlist, did_you_mean

EVENT_TYPES = ("attack", "strike", "threat")
GENERIC_MILITIAS = "Iran-backed militias"
MAX_CLAUSE_TOKENS = 40
_SENTENCE_END = re.compile(r"(?<=[.!?؟])[\"”’']?\s+(?=[\"“‘'(\[]?[A-Z0-9\u0600-\u06ff])|\n+")
_CLAUSE_END = re.compile(r"[;:—–]|,\s")


class EventWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    words: list[str]


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: float = Field(default=3.0, ge=0)
    lead: float = Field(default=2.0, ge=0)
    body: float = Field(default=1.0, ge=0)


class Vocabulary(BaseModel):
    """The reader's word lists, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    theatre: list[str] = ["Iraq", "Syria", "Jordan"]
    event_types: dict[str, EventWords]
    state_action_words: list[str] = []
    speech_verbs: list[str] = []
    striker_words: list[str] = []
    attacker_words: list[str] = []
    facility_words: list[str] = []
    backer_suffixes: list[str] = []
    membership_words: list[str] = []
    militia_words: list[str] = []
    base_words: list[str] = []
    strike_site_words: list[str] = []
    striking_states: list[str] = []
    weights: Weights = Weights()
    background_markers: list[str] = []
    hypothetical_markers: list[str] = []
    direction_words: list[str] = []
    attribution: dict[str, list[str]] = {}
    not_relevant: dict[str, list[str]] = {}
    weapons: dict[str, list[str]] = {}
    sides: dict[str, list[str]] = {}
    casualty_words: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    qualifiers: dict[str, str] = {}
    revision_words: list[str] = []
    target_words: list[str] = []
    days: dict[str, int] = {}
    relative_days: dict[str, int] = {}
    months: dict[str, int] = {}
    month_openers: list[str] = []

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

    @field_validator("attribution")
    @classmethod
    def _attribution_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - {"claimed", "attributed", "suspected", "denied"}
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; use claimed, attributed, suspected and denied")
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: dict[str, int]) -> dict[str, int]:
        if any(not 0 <= v <= 6 for v in value.values()):
            raise ValueError("weekday numbers run from 0 (Monday) to 6 (Sunday)")
        return value


# Casualty sides the code reads or writes by name (assess.py, notify.py, events.py, evaluate.py, and the
# reader's count of named commanders killed): a vocabulary that renames one ("USA") raises no error anywhere
# and silently stops the warnings and severities built on it. Each reason completes "no side named X, which".
CODE_SIDES: dict[str, str] = {
    "US": "warnings, alert severity and death totals read as US deaths",
    "UK": "warnings, alert severity and death totals read as British deaths",
    "coalition": "warnings, alert severity and death totals read as coalition deaths",
    "militia": "the reader also counts named militia commanders killed under",
}


def load_vocabulary(path: Path) -> Vocabulary:
    raw = read_yaml(path) or {}
    try:
        vocabulary = Vocabulary.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from None
    missing = [side for side in CODE_SIDES if side not in vocabulary.sides]
    if missing:
        raise ConfigError([f"{path}: sides: no side named {side!r}, which {CODE_SIDES[side]}"
                           f"{did_you_mean(side, vocabulary.sides)}" for side in missing])
    return vocabulary


Phrase = tuple[str, ...]


def _phrase(word: str) -> Phrase:
    return tuple(t for _, _, t in tokens(word))


class _PhraseIndex:
    """Find which of many labelled phrases occur in a token list, in one pass."""

    def __init__(self, labelled: Mapping[str, Iterable[str]]):
        self._by_first: dict[str, list[tuple[Phrase, str]]] = {}
        for label, words in labelled.items():
            for phrase in {p for p in map(_phrase, words) if p}:
                self._by_first.setdefault(phrase[0], []).append((phrase, label))
        for options in self._by_first.values():
            options.sort(key=lambda pl: -len(pl[0]))

    def find(self, words: list[str]) -> list[tuple[int, int, str]]:
        """(first token, past-last token, label) of every phrase, longest at each position, no overlaps."""
        out = []
        i = 0
        while i < len(words):
            for phrase, label in self._by_first.get(words[i], ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    out.append((i, i + len(phrase), label))
                    i += len(phrase) - 1
                    break
            i += 1
        return out


class _Lexicon:
    """Several phrase indexes scanned in one pass; each keeps its own longest-match, no-overlap result."""

    def __init__(self, indexes: Mapping[str, Mapping[str, Iterable[str]]]):
        self.names = list(indexes)
        self._by_first: dict[str, list[tuple[Phrase, str, str]]] = {}
        for name, labelled in indexes.items():
            for label, words in labelled.items():
                for phrase in {p for p in map(_phrase, words) if p}:
                    self._by_first.setdefault(phrase[0], []).append((phrase, name, label))
        for options in self._by_first.values():
            options.sort(key=lambda option: -len(option[0]))

    def scan(self, words: list[str]) -> dict[str, list[tuple[int, int, str]]]:
        hits: dict[str, list[tuple[int, int, str]]] = {name: [] for name in self.names}
        free_from = dict.fromkeys(self.names, 0)
        for i, word in enumerate(words):
            options = self._by_first.get(word)
            if not options:
                continue
            for phrase, name, label in options:
                if i < free_from[name]:
                    continue
                if len(phrase) == 1 or tuple(words[i : i + len(phrase)]) == phrase:
                    hits[name].append((i, i + len(phrase), label))
                    free_from[name] = i + len(phrase)
        return hits


@dataclass(frozen=True, slots=True)
class Party:
    """An actor in a role, with how the report puts it."""

    name: str
    role: str  # perpetrator | striker | target | party
    how: str  # claimed | attributed | suspected | named | assumed
    evidence: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "how": self.how, "evidence": self.evidence}


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
    weapon_count: str | None = None
    parties: tuple[Party, ...] = ()
    happened_on: date | None = None
    scores: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    evidence: dict[str, str] = field(default_factory=dict)
    background: tuple[str, ...] = ()
    background_places: tuple[str, ...] = ()  # where the earlier incidents it refers to happened

    def as_dict(self) -> dict[str, Any]:
        return {
            "relevant": self.relevant, "event_type": self.event_type, "actors": list(self.actors),
            "places": list(self.places), "killed": self.killed, "injured": self.injured,
            "weapon": self.weapon, "weapon_count": self.weapon_count,
            "parties": [p.as_dict() for p in self.parties],
            "happened_on": self.happened_on.isoformat() if self.happened_on else None,
            "scores": self.scores, "reasons": list(self.reasons), "evidence": self.evidence,
            "background": list(self.background), "background_places": list(self.background_places),
        }


@dataclass(slots=True)
class _Text:
    """The report as one token stream with sentence and foreground information per token."""

    text: str
    words: list[tuple[int, int, str]]
    folded: list[str]
    masked: list[str]  # folded, with watchlist names blanked out (names are not cue words)
    sentence_of: list[int]  # per token
    sentence_spans: list[tuple[int, int]]  # character spans
    foreground: list[bool]  # per token
    factual: list[bool]  # per token: not in a hypothetical clause
    reference: set[int]  # token indexes of places named as reference points ("north of X")
    starts: list[int] = field(default_factory=list)
    cues: list[tuple[int, str]] = field(default_factory=list)  # foreground event cues, resolved
    hits: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # vocabulary found, by list

    def sentence(self, index: int) -> str:
        start, end = self.sentence_spans[index]
        return self.text[start:end].strip()

    def token_at(self, char: int) -> int:
        if not self.starts:
            self.starts = [w[0] for w in self.words]
        return max(0, bisect.bisect_right(self.starts, char) - 1)


class Reader:
    """Built once from the vocabulary and watchlist; `read` is the per-item call."""

    def __init__(self, vocabulary: Vocabulary, watchlist: Watchlist):
        v = self.vocabulary = vocabulary
        self.watchlist = watchlist
        cues = {k: e.words for k, e in v.event_types.items()} | {"ambiguous": v.state_action_words}
        self._on_words = _Lexicon({
            "background": {"background": v.background_markers, "hypothetical": v.hypothetical_markers},
            "direction": {"direction": v.direction_words},
            "attribution": v.attribution,
            "membership": {"member": v.membership_words},
            "weapons": v.weapons,
            "sides": v.sides,
            "toll": v.casualty_words,
            "when": {f"day:{n}": [d] for d, n in v.days.items()}
            | {f"rel:{n}": [d] for d, n in v.relative_days.items()},
            "speech": {"speech": v.speech_verbs},
        })
        # Cue words are looked for with watchlist names blanked out ("Union III" is no labour union).
        self._on_masked = _Lexicon({
            "cues": cues,
            "off_topic": v.not_relevant,
            "targets": {"target": v.target_words},
            "militia": {"militia": v.militia_words},
        })
        qualifiers: dict[str, list[str]] = {}
        for word, label in v.qualifiers.items():
            qualifiers.setdefault(label, []).append(word)
        self._qualifiers = _PhraseIndex(qualifiers)
        self._striker_words = {p for p in map(_phrase, v.striker_words) if p}
        self._attacker_words = {_phrase(w)[0] for w in v.attacker_words if _phrase(w)}
        self._facility_words = {_phrase(w)[0] for w in v.facility_words if _phrase(w)}
        self._backer_suffixes = {_phrase(w)[0] for w in v.backer_suffixes if _phrase(w)}
        self._base_words = {_phrase(w) for w in v.base_words if _phrase(w)}
        self._strike_sites = {_phrase(w)[0] for w in v.strike_site_words if _phrase(w)}
        self._revision_words = {_phrase(w)[0] for w in v.revision_words if _phrase(w)}
        self._months = {_phrase(m)[0]: n for m, n in v.months.items() if _phrase(m)}
        self._month_openers = {_phrase(w)[0] for w in v.month_openers if _phrase(w)}
        self._numbers = {_phrase(k)[0]: n for k, n in v.numbers.items() if _phrase(k)}
        self._side = {a.name: a.side for a in watchlist.actors}
        self._iran_side = {a.name for a in watchlist.actors if a.side == "iran_aligned" and a.theatre}
        self._us_side = {a.name for a in watchlist.actors if a.side == "us_coalition"}
        self._strikers = self._us_side | set(v.striking_states)
        self._out_of_watch = {a.name for a in watchlist.actors if a.side == "iran_aligned" and not a.theatre}
        self._affiliation = {p.name: p.affiliation for p in watchlist.people if p.affiliation}
        theatre = set(v.theatre)
        self._theatre_places = {p.name for p in watchlist.places if p.country in theatre and p.kind != "country"}
        self._sites = {p.name for p in watchlist.places if p.kind in {"base", "diplomatic"}}
        self._kind = {p.name: p.kind for p in watchlist.places}
        self._site_named_after = watchlist.sites_named_after()

    # --- the per-item call ---------------------------------------------------------------------

    def read(self, title: str, summary: str, matches: Matches, when: datetime) -> Reading:
        """Read one report. `matches` must come from matching `f"{title}\\n{summary}"`."""
        doc = self._segment(title, summary, matches, when)
        reasons: list[str] = []
        scores, first_cue = self._type_scores(doc, matches)
        off_topic = self._off_topic_frame(doc, scores, reasons)
        event_type = self._event_type(scores, first_cue, off_topic)
        mentions = [m for m in matches.mentions if doc.foreground[doc.token_at(m.start)]]
        # A threat is about what it answers: the militias behind "the attack" it follows are parties.
        party_source = list(matches.mentions) if event_type == "threat" else mentions
        parties = self._parties(event_type, doc, self._party_mentions(doc, party_source))
        places = self._places(event_type, doc, party_source, parties)
        relevant = not off_topic and self._relevant(event_type, doc, mentions, parties, places, when, reasons)
        actors = tuple(dict.fromkeys(p.name for p in parties))
        killed, injured, toll_evidence = self._toll_counts(doc)
        self._named_dead(doc, mentions, killed)
        weapon, weapon_count = self._weapon(doc)
        evidence = dict(toll_evidence)
        cue = self._cue_sentence(doc, event_type) if event_type in EVENT_TYPES else None
        if cue is not None:
            evidence["event_type"] = cue
        where = self._mention_sentence(doc, mentions, places[0]) if places else None
        if where is not None:
            evidence["places"] = where
        background = tuple(dict.fromkeys(doc.sentence(doc.sentence_of[i]) for i, fg in enumerate(doc.foreground)
                                         if not fg and doc.factual[i]))
        background_places = tuple(dict.fromkeys(
            m.name for m in matches.mentions
            if m.section == "place" and m.name in self._theatre_places and not doc.foreground[doc.token_at(m.start)]))
        if relevant:
            reasons.append(f"{event_type}: cues {scores}")
        return Reading(
            relevant=relevant, event_type=event_type, actors=actors, places=places, killed=killed,
            injured=injured, weapon=weapon, weapon_count=weapon_count, parties=tuple(parties),
            happened_on=self._happened_on(doc, when), scores=scores, reasons=tuple(reasons),
            evidence={k: v[:400] for k, v in evidence.items() if v}, background=background,
            background_places=background_places,
        )

    # --- segmentation --------------------------------------------------------------------------

    def _segment(self, title: str, summary: str, matches: Matches, when: datetime) -> _Text:
        text = f"{title}\n{summary}"
        words = list(matches.words) if matches.words else tokens(text)
        folded = [t for _, _, t in words]
        # Names are not cue words: "Union III" is no labour union, "Victory base" no victory.
        masked = list(folded)
        word_starts = [w[0] for w in words]
        for m in matches.mentions:
            for i in range(bisect.bisect_left(word_starts, m.start), bisect.bisect_left(word_starts, m.end)):
                masked[i] = "\x00"
        spans = [(0, len(title))]
        start = len(title) + 1
        for boundary in _SENTENCE_END.finditer(text, start):
            if boundary.start() > start:
                spans.append((start, boundary.start()))
            start = boundary.end()
        if start < len(text):
            spans.append((start, len(text)))
        starts = [s for s, _ in spans]
        sentence_of = [max(0, bisect.bisect_right(starts, w[0]) - 1) for w in words]
        hits = self._on_words.scan(folded) | self._on_masked.scan(masked)
        foreground = [True] * len(words)
        factual = [True] * len(words)
        for begin, _, label in hits["background"]:
            end = self._clause_end(text, words, sentence_of, begin)
            target = foreground if label == "background" else factual
            for i in range(begin, end):
                target[i] = False
                if label == "hypothetical":
                    foreground[i] = False
        for i, word in enumerate(folded):
            month = self._months.get(word)
            if month and month != when.month and i > 0 and folded[i - 1] in self._month_openers:
                for j in range(i - 1, self._clause_end(text, words, sentence_of, i - 1)):
                    foreground[j] = False  # "In December a barrage killed ...": an earlier incident
        title_tokens = [i for i, sentence in enumerate(sentence_of) if sentence == 0]
        if title_tokens and not any(foreground[i] for i, _, _ in hits["cues"] if i in title_tokens):
            for i in title_tokens:  # "Death toll disputed after US raid": the clause after "after" is the news
                foreground[i] = factual[i]
        reference: set[int] = set()
        for _, end, _ in hits["direction"]:
            reference.update(range(end, min(end + 4, len(words))))
        return _Text(text, words, folded, masked, sentence_of, spans, foreground, factual, reference,
                     starts=word_starts, hits=hits)

    @staticmethod
    def _clause_end(text: str, words: list[tuple[int, int, str]], sentence_of: list[int], begin: int) -> int:
        """Past-last token of the clause a marker opens: to the sentence end, or to the next clause break
        when the marker opens its sentence ("After the raids, the group vowed revenge")."""
        sentence = sentence_of[begin]
        opens_sentence = begin == 0 or sentence_of[begin - 1] != sentence or (begin - 1 >= 0 and (
            words[begin - 1][2] in {"and", "but"}))
        end = begin
        limit = begin + MAX_CLAUSE_TOKENS  # keeps a run-on text with many markers linear
        while end < len(words) and end < limit and sentence_of[end] == sentence:
            if end > begin and _CLAUSE_END.search(text, words[end - 1][1], words[end][0]) and (
                    opens_sentence or text[words[end - 1][1]:words[end][0]].strip()[:1] in {";", ":", "—", "–"}):
                break
            end += 1
        return end

    def _weight(self, doc: _Text, index: int) -> float:
        sentence = doc.sentence_of[index]
        w = self.vocabulary.weights
        return w.title if sentence == 0 else w.lead if sentence == 1 else w.body

    # --- event type ----------------------------------------------------------------------------

    def _type_scores(self, doc: _Text, matches: Matches) -> tuple[dict[str, float], dict[str, int]]:
        striker_tokens = {doc.token_at(m.start) for m in matches.mentions
                          if m.name in self._strikers or self._affiliation.get(m.name) in self._strikers}
        off_topic = {i for b, e, _ in doc.hits["off_topic"] for i in range(b, e)}
        scores: dict[str, float] = {}
        first: dict[str, int] = {}
        counted: set[tuple[str, int]] = set()
        last_threat = -100
        for begin, _, label in doc.hits["cues"]:
            if label == "threat":
                last_threat = begin
            elif not doc.foreground[begin] or not doc.factual[begin]:
                continue
            elif begin - last_threat <= 3 and doc.sentence_of[last_threat] == doc.sentence_of[begin]:
                continue  # "halt to attacks", "warns of attacks": the attack is what the threat is about
            elif label == "attack" and begin + 1 < len(doc.masked) and (
                    doc.masked[begin + 1] in self._facility_words):
                continue  # "drone facilities": what a strike hit, not an attack
            if begin in off_topic:
                continue  # "went on strike": the cue word belongs to an off-topic phrase
            if label == "ambiguous":
                doc.cues.append((begin, "strike"))  # in a strike report, "one raid struck ..." tells a site
                resolved = self._resolve_ambiguous(doc, begin, striker_tokens)
                if resolved is None:
                    continue
                label = resolved
            doc.cues.append((begin, label))
            first.setdefault(label, begin)
            # Each sentence votes once per type: five words for one idea are still one idea.
            if (label, doc.sentence_of[begin]) not in counted:
                counted.add((label, doc.sentence_of[begin]))
                scores[label] = scores.get(label, 0.0) + self._weight(doc, begin)
        if "threat" in scores and self._reported_speech(doc) and any(
                doc.sentence_of[b] == 0 for b, _, lb in doc.hits["cues"] if lb == "threat"):
            scores["threat"] += self.vocabulary.weights.title
        return scores, first

    def _reported_speech(self, doc: _Text) -> bool:
        """A title that reports what someone said: "Esper: ..." or "Trump warns ..."."""
        title = doc.sentence(0)
        if re.match(r"^[^:]{2,40}:\s", title):
            return True
        title_words = [i for i, s in enumerate(doc.sentence_of) if s == 0]
        return any(b in title_words[:4] for b, _, _ in doc.hits["speech"])

    def _resolve_ambiguous(self, doc: _Text, at: int, strikers: set[int]) -> str | None:
        """'strike', 'hit', 'raid': a strike when the nearest agent before it, in the same sentence, is a
        striking state or its aircraft ("US jets hit", "Israeli raids"); an attack when it is an attacker
        or a projectile ("Iranian strike", "rockets hit"); nothing when no agent is named."""
        sentence = doc.sentence_of[at]
        for i in range(at - 1, max(-1, at - 9), -1):
            if doc.sentence_of[i] != sentence:
                break
            if i in strikers or any(tuple(doc.folded[i : i + len(p)]) == p for p in self._striker_words):
                return "strike"
            if doc.folded[i] in self._attacker_words:
                return "attack"
        return None  # "bakers strike over pay": no agent, no event

    def _off_topic_frame(self, doc: _Text, scores: dict[str, float], reasons: list[str]) -> bool:
        found = [(b, label) for b, _, label in doc.hits["off_topic"] if doc.foreground[b]]
        in_title = [label for b, label in found if doc.sentence_of[b] == 0]
        weight = sum(self._weight(doc, b) for b, _ in found)
        if in_title and not (scores.get("threat", 0) >= self.vocabulary.weights.title and "threat" in scores):
            reasons.append(f"off-topic frame in the title: {', '.join(sorted(set(in_title)))}")
            return True
        if found and weight >= max(scores.values(), default=0.0):
            reasons.append(f"off-topic words outweigh event words: {', '.join(sorted({lb for _, lb in found}))}")
            return True
        return False

    @staticmethod
    def _event_type(scores: dict[str, float], first: dict[str, int], off_topic: bool) -> str | None:
        if off_topic:
            return "other" if scores or off_topic else None
        if not scores:
            return None
        return max(scores, key=lambda k: (scores[k], -first.get(k, 10**9)))

    # --- roles and places ----------------------------------------------------------------------

    def _actor_of(self, mention: Match) -> str | None:
        if mention.section == "actor":
            return mention.name
        if mention.section == "person":
            return self._affiliation.get(mention.name)
        return None

    def _how(self, doc: _Text, mention: Match) -> tuple[str, str]:
        index = doc.token_at(mention.start)
        sentence = doc.sentence_of[index]
        for begin, _, label in doc.hits["attribution"]:
            if doc.sentence_of[begin] == sentence:
                return label, doc.sentence(sentence)
        return "named", doc.sentence(sentence)

    def _party_mentions(self, doc: _Text, mentions: list[Match]) -> list[Match]:
        """Mentions that name a party: not "Iran" in "Iran-backed", not "the PMF" in "part of the PMF"."""
        member_ends = {end for _, end, _ in doc.hits["membership"]}
        kept = []
        for m in mentions:
            last = doc.token_at(m.end - 1)
            if last + 1 < len(doc.folded) and doc.folded[last + 1] in self._backer_suffixes and (
                    doc.text[doc.words[last][1]:doc.words[last + 1][0]] in {"-", "‑", "–"}):
                continue
            first = doc.token_at(m.start)
            if first in member_ends or first - 1 in member_ends:
                continue
            kept.append(m)
        return kept

    def _parties(self, event_type: str | None, doc: _Text, mentions: list[Match]) -> list[Party]:
        actors: list[tuple[str, Match]] = []
        for m in mentions:
            name = self._actor_of(m)
            if name and name not in {a for a, _ in actors}:
                actors.append((name, m))
        iran = [(a, m) for a, m in actors if a in self._iran_side or a in {"Iran", "IRGC"}]
        us = [(a, m) for a, m in actors if a in self._us_side]
        militias = [(a, m) for a, m in iran if a not in {"Iran", "IRGC", GENERIC_MILITIAS}]
        if militias:
            # A named group makes "Iran-backed militias" redundant; Iran counts when the title names it.
            iran = [(a, m) for a, m in iran if a != GENERIC_MILITIAS and (
                a not in {"Iran", "IRGC"} or doc.sentence_of[doc.token_at(m.start)] == 0)]
        if event_type == "attack":
            parties = []
            for a, m in iran:
                how, evidence = self._how(doc, m)
                lead = doc.sentence_of[doc.token_at(m.start)] <= 1
                if how == "denied" or (a in {"Iran", "IRGC"} and not lead):
                    continue  # a group that disowns the attack; Iran named only as background
                parties.append(Party(a, "perpetrator", how, evidence))
            if not parties:
                parties = [Party(GENERIC_MILITIAS, "perpetrator", "assumed")]
            return parties
        if event_type == "strike":
            strikers = [(a, m) for a, m in actors if a in self._strikers]
            parties = [Party(a, "striker", "named", doc.sentence(doc.sentence_of[doc.token_at(m.start)]))
                       for a, m in strikers[:1]]
            parties += [Party(a, "target", "named") for a, m in iran]
            if strikers and not iran and strikers[0][0] in self._us_side and event_type == "strike":
                parties.append(Party(GENERIC_MILITIAS, "target", "assumed"))
            return parties
        if event_type == "threat":
            speaker = next(((a, m) for a, m in actors if a in self._iran_side | self._us_side | {"Iran", "IRGC"}),
                           None)
            unnamed = self._unnamed_militia_in_title(doc, speaker[1] if speaker else None)
            if unnamed:
                return [Party(GENERIC_MILITIAS, "party", "assumed")] + [Party(a, "party", "named") for a, _ in iran]
            if speaker and speaker[0] in self._us_side:
                return [Party(a, "party", "named") for a, _ in us[:1] + iran]
            return [Party(a, "party", "named") for a, _ in iran]
        return [Party(a, "party", "named") for a, _ in actors]

    def _unnamed_militia_in_title(self, doc: _Text, first_named: Match | None) -> bool:
        """'Iraqi militia umbrella warns ...': armed groups speak in the title before anyone is named."""
        limit = doc.token_at(first_named.start) if first_named else len(doc.masked)
        return any(doc.sentence_of[b] == 0 and b < limit for b, _, _ in doc.hits["militia"])

    def _places(self, event_type: str | None, doc: _Text, mentions: list[Match],
                parties: list[Party]) -> tuple[str, ...]:
        """Where it happened: the most specific places of the sentences that tell the event."""
        # A capital outside the watched countries is where a threat was spoken only when its own
        # side speaks ("Khamenei in Tehran"); otherwise "warned Tehran" names a government.
        speaker_abroad = event_type == "threat" and bool(parties) and parties[0].name in {"Iran", "IRGC"}
        candidates = []
        for m in mentions:
            if m.section != "place" or self._kind.get(m.name) == "country":
                continue
            if doc.token_at(m.start) in doc.reference:
                continue
            if m.name not in self._theatre_places and not speaker_abroad:
                continue
            candidates.append((doc.sentence_of[doc.token_at(m.start)], self._site_for(doc, m)))
        if event_type in {"attack", "strike"}:
            # The title and lead tell the incident; later sentences often recall other incidents.
            # A strike wave may list its sites further down, in sentences that speak of its strikes;
            # an attack told only further down ("convoys in Dhi Qar and Babil") is where its cues are.
            leading = [(s, n) for s, n in candidates if s <= 1]
            cue_sentences = {doc.sentence_of[b] for b, lb in doc.cues if lb == event_type}
            if event_type == "strike":
                cue_sentences |= {doc.sentence_of[i] for i, w in enumerate(doc.masked)
                                  if w in self._strike_sites and doc.foreground[i]}
            extra = [(s, n) for s, n in candidates if s > 1 and event_type == "strike" and s in cue_sentences]
            later = [(s, n) for s, n in candidates if s in cue_sentences] if event_type == "attack" else []
            candidates = (leading + extra) or later or candidates[:1]
        elif event_type == "threat":
            candidates = [(s, n) for s, n in candidates if s <= 1] or candidates[:1]
        names = list(dict.fromkeys(n for _, n in candidates))
        return tuple(self._most_specific(names))

    def _site_for(self, doc: _Text, mention: Match) -> str:
        """'Irbil bases' names Erbil Air Base: a town followed by a base word, when exactly one watched
        site is named after the town."""
        site = self._site_named_after.get(mention.name)
        if site is None:
            return mention.name
        after = doc.token_at(mention.end - 1) + 1
        if any(tuple(doc.folded[after : after + len(p)]) == p for p in self._base_words):
            return site
        # "a base in Irbil", "the airport at Erbil"
        before = doc.token_at(mention.start)
        window = doc.folded[max(0, before - 4):before]
        while window and window[-1] in {"in", "at", "near", "outside", "the", "of"}:
            window = window[:-1]
        if any(tuple(window[len(window) - len(p):]) == p for p in self._base_words if len(window) >= len(p)):
            return site
        return mention.name

    def _most_specific(self, names: list[str]) -> list[str]:
        """Drop a province when a base or mission is named, and a town that a named site is named after
        ("Baghdad" beside "US Embassy Baghdad", "Balad" beside "Balad Air Base")."""
        sites = [n for n in names if n in self._sites]
        if not sites:
            return names
        site_words = {t for site in sites for t in _phrase(site)}
        return [n for n in names if n in self._sites or (
            self._kind.get(n) != "district" and not set(_phrase(n)) <= site_words)]

    # --- relevance -----------------------------------------------------------------------------

    def _relevant(self, event_type: str | None, doc: _Text, mentions: list[Match], parties: list[Party],
                  places: tuple[str, ...], when: datetime, reasons: list[str]) -> bool:
        if event_type not in EVENT_TYPES:
            return False
        named = {actor for m in mentions if (actor := self._actor_of(m)) is not None}
        theatre_places = [p for p in places if p in self._theatre_places]
        if named & self._out_of_watch and not named & self._iran_side:
            reasons.append(f"actors outside the watch: {sorted(named & self._out_of_watch)}")
            return False
        leading = {self._actor_of(m) for m in mentions if doc.sentence_of[doc.token_at(m.start)] <= 1}
        if "Islamic State" in leading and not named & (self._iran_side | {"Iran", "IRGC"}):
            reasons.append("an Islamic State incident")
            return False
        if event_type == "attack":
            if not theatre_places and not (named & self._us_side and named & self._iran_side):
                reasons.append("attack outside the watched countries, or no place named")
                return False
            us_site = any(self._hosts_us(p, when) for p in theatre_places)
            military = any(doc.foreground[b] for b, _, _ in doc.hits["targets"])
            if us_site or named & self._us_side or military:
                return True
            reasons.append("attack on no military, diplomatic or US/coalition target")
            return False
        if event_type == "strike":
            strikers = [p.name for p in parties if p.role == "striker"]
            if not strikers or strikers[0] not in self._us_side:
                reasons.append(f"strike by {strikers[0] if strikers else 'an unnamed state'}, not the US or coalition")
                return False
            if theatre_places or named & (self._iran_side | {"Iran", "IRGC"}):
                return True
            reasons.append("US strike outside the watched countries")
            return False
        sides = {self._side.get(n) for n in named}
        if (named & (self._iran_side | {"Iran", "IRGC"})) and ("us_coalition" in sides or theatre_places):
            return True
        if "us_coalition" in sides and any(w == "militia" or w == "militias" for w in doc.folded):
            return True
        reasons.append("threat without both sides of the watched confrontation")
        return False

    def _hosts_us(self, place_name: str, when: datetime) -> bool:
        place = self.watchlist.place(place_name)
        return bool(place and place.hosts_us_forces(when))

    # --- details -------------------------------------------------------------------------------

    def _weapon(self, doc: _Text) -> tuple[str | None, str | None]:
        counts: dict[str, float] = {}
        count_text = None
        for begin, _, label in doc.hits["weapons"]:
            if not doc.foreground[begin]:
                continue
            counts[label] = counts.get(label, 0.0) + self._weight(doc, begin)
            if count_text is None:
                count_text = self._count_before(doc, begin)
        if not counts:
            return None, None
        return max(counts, key=lambda k: counts[k]), count_text

    def _count_before(self, doc: _Text, at: int) -> str | None:
        """'more than 30 rockets' -> 'more than 30'; '18 Katyusha rockets' -> '18'."""
        for back in range(1, 4):
            i = at - back
            if i < 0 or doc.sentence_of[i] != doc.sentence_of[at]:
                return None
            number = self._number(doc.folded[i])
            model_name = i > 0 and len(doc.folded[i - 1]) == 1  # "F-15 jets" names a model, not a count
            if number is not None and doc.folded[i] not in {"a", "an"} and not model_name:
                qualifier = self._qualifier_before(doc, i)
                return f"{qualifier} {number}" if qualifier else str(number)
        return None

    def _qualifier_before(self, doc: _Text, at: int) -> str | None:
        window = doc.folded[max(0, at - 2):at]
        for _begin, end, label in self._qualifiers.find(window):
            if end == len(window):
                return label
        return None

    def _number(self, word: str) -> int | None:
        if word.isdigit() and len(word) < 6:
            return int(word)
        return self._numbers.get(word)

    def _toll_counts(self, doc: _Text) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
        """Killed and injured by side; evidence keeps the sentence, and "at least 25" or "raising the
        injured to 14" keep their wording in the evidence key `killed_note` / `injured_note`."""
        killed: dict[str, int] = {}
        injured: dict[str, int] = {}
        evidence: dict[str, str] = {}
        sides_all = {b: label for b, _, label in doc.hits["sides"]}
        verbs_by_sentence: dict[int, list[tuple[int, int, str]]] = {}
        for verb in doc.hits["toll"]:
            if doc.foreground[verb[0]]:
                verbs_by_sentence.setdefault(doc.sentence_of[verb[0]], []).append(verb)
        tokens_by_sentence: dict[int, list[int]] = {}
        for i, sentence in enumerate(doc.sentence_of):
            if sentence in verbs_by_sentence and doc.foreground[i]:
                tokens_by_sentence.setdefault(sentence, []).append(i)
        for sentence, verbs in verbs_by_sentence.items():
            for count, side, position in self._quantities(doc, tokens_by_sentence.get(sentence, []), sides_all,
                                                          verbs):
                kind = _verb_for(position, verbs, doc.folded)
                if kind is None:
                    continue
                table = killed if kind == "killed" else injured
                if count > table.get(side, 0):
                    table[side] = count
                    evidence.setdefault(kind, doc.sentence(sentence))
                    wording = self._count_wording(doc, position, count)
                    if wording:
                        evidence[f"{kind}_note"] = f"{side}: {wording}"
        return killed, injured, evidence

    def _named_dead(self, doc: _Text, mentions: list[Match], killed: dict[str, int]) -> None:
        """Commanders named as killed ("a drone strike killed Soleimani and al-Muhandis") count as dead on
        their side; militia and Iranian commanders are counted as militia."""
        verbs = [(b, e) for b, e, label in doc.hits["toll"] if label == "killed" and doc.foreground[b]]
        dead = set()
        for m in mentions:
            if m.section != "person":
                continue
            side = self._side.get(self._affiliation.get(m.name, ""))
            at = doc.token_at(m.start)
            near = any(doc.sentence_of[b] == doc.sentence_of[at] and (0 < b - at <= 8 or 0 <= at - e <= 6)
                       for b, e in verbs)
            if side == "iran_aligned" and near:
                dead.add(m.name)
        if dead:
            killed["militia"] = max(killed.get("militia", 0), len(dead))

    def _count_wording(self, doc: _Text, at: int, count: int) -> str | None:
        qualifier = self._qualifier_before(doc, at)
        revised = any(doc.folded[i] in self._revision_words for i in range(max(0, at - 4), at))
        parts = [p for p in (("revised to" if revised else None), qualifier) if p]
        return " ".join([*parts, str(count)]) if parts else None

    def _quantities(self, doc: _Text, indexes: list[int], sides: dict[int, str],
                    verbs: list[tuple[int, int, str]]) -> list[tuple[int, str, int]]:
        """(count, side, index) for 'two US', '25 militia fighters', and a bare count right before a
        casualty word ('... and 55 wounded'), which takes the side named last."""
        verb_starts = {b for b, _, _ in verbs}
        verb_ends = {e for _, e, _ in verbs}
        out = []
        last_side = None
        for i in indexes:
            count = self._number(doc.folded[i])
            if count is None:
                continue
            side = next((sides[j] for j in range(i + 1, min(i + 5, len(doc.folded)))
                         if j in sides and doc.sentence_of[j] == doc.sentence_of[i]), None)
            if side is not None and doc.folded[i] in {"a", "an"} and not (
                    {i, i - 1} & verb_ends or set(range(i + 2, i + 6)) & verb_starts):
                continue  # "an American drone fired": "an" counts a person only next to a casualty word
            if side is None:
                if doc.folded[i] in {"a", "an"} or not ({i + 1, i + 2} & verb_starts) or last_side is None:
                    continue
                side = last_side
            last_side = side
            out.append((count, side, i))
        return out

    def _happened_on(self, doc: _Text, when: datetime) -> date | None:
        for begin, _, label in doc.hits["when"]:
            if not doc.foreground[begin]:
                continue
            kind, value = label.split(":")
            if kind == "rel":
                return when.date() + timedelta(days=int(value))
            back = (when.weekday() - int(value)) % 7
            return when.date() - timedelta(days=back)
        return None

    def _cue_sentence(self, doc: _Text, event_type: str) -> str | None:
        for begin, _, label in doc.hits["cues"]:
            if doc.foreground[begin] and (label == event_type or label == "ambiguous"):
                return doc.sentence(doc.sentence_of[begin])
        return doc.sentence(0) or None

    @staticmethod
    def _mention_sentence(doc: _Text, mentions: list[Match], name: str) -> str | None:
        for m in mentions:
            if m.name == name:
                return doc.sentence(doc.sentence_of[doc.token_at(m.start)])
        return None


def _verb_for(position: int, verbs: list[tuple[int, int, str]], words: list[str] | None = None) -> str | None:
    """Which casualty verb a quantity belongs to: right after it, else just before, else later on.
    When every casualty word of the sentence is of one kind ("one of the dead ...; the two Americans
    were ..."), every count in it is of that kind."""
    verbs_with_form = [(b, e, label, words is not None and bool(words) and words[b].endswith("ing"))
                       for b, e, label in verbs]
    kinds = {label for _, _, label in verbs}
    if len(kinds) == 1:
        return kinds.pop()
    # "killing two US soldiers and one British medic and wounding 12": an -ing verb governs what
    # follows it, so it is never the verb of a count before it.
    after = [(start - position, label) for start, _, label, gerund in verbs_with_form
             if 0 < start - position <= 12 and not gerund]
    if after and after[0][0] <= 4:
        return min(after)[1]
    before = [(position - end, label) for _, end, label in verbs if 0 <= position - end <= 4]
    if before:
        return min(before)[1]
    return min(after)[1] if after else None
