"""Sentences, clauses and foreground: the report as one token stream, with per token the sentence it is in,
whether it tells the report's own event or something earlier (background) or hypothetical, and whether it
names a place only as a reference point ("north of Baghdad")."""

from __future__ import annotations

import bisect
import operator
import re
from dataclasses import dataclass, field
from datetime import datetime

from monitor.classify.context import Context
from monitor.classify.days import day_named, written_date
from monitor.classify.lexicon import Hit
from monitor.config import Weights
from monitor.model import Match, Matches
from monitor.text import opens_with_conjunction, tokens

MAX_CLAUSE_TOKENS = 40
_START, _TOKEN = operator.itemgetter(0), operator.itemgetter(2)
_SENTENCE_END = re.compile(r"(?<=[.!?؟])[\"”’']?\s+(?=[\"“‘'(\[]?[A-Z0-9\u0600-\u06ff])|\n+")
_CLAUSE_END = re.compile(r"[;:—–؛]|[,،]\s")  # Latin and Arabic comma and semicolon


@dataclass(slots=True)
class Text:
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
    speaking: set[int] = field(default_factory=set)  # token indexes of speech verbs ("says", "condemns")
    named: list[tuple[Match, int, int]] = field(default_factory=list)  # each mention, its first and past-last token
    at: dict[int, int] = field(default_factory=dict)  # character -> token, for the first and last of each mention
    starts: list[int] = field(default_factory=list)
    cues: list[tuple[int, str]] = field(default_factory=list)  # foreground event cues, resolved
    hits: dict[str, list[Hit]] = field(default_factory=dict)  # vocabulary found, by list
    roles: dict[int, str] = field(default_factory=dict)  # token -> the part it can take in an event
    other_states: set[int] = field(default_factory=set)  # tokens naming a state that strikes, not the US side
    agents: dict[int, int] = field(default_factory=dict)  # strike cue -> the token of its agent
    clauses: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # words -> their clause
    breaks: set[int] = field(default_factory=set)  # tokens no clause reaches across (found when first needed)
    owners_after: set[int] = field(default_factory=set)  # owner adjectives that follow their noun ("أمريكية")
    left_stops: list[int] = field(default_factory=list)  # sorted: where a clause's start stops going back
    right_stops: list[int] = field(default_factory=list)  # sorted: where a clause's end stops going on
    denied: set[str] = field(default_factory=set)  # event types a denial says did not happen
    denied_in_title: set[str] = field(default_factory=set)  # those the title denies ("officials deny attack on ...")
    militia_hit: set[int] = field(default_factory=set)  # strike cues whose patient is a militia, named or not
    vehicle_hit: set[int] = field(default_factory=set)  # strike cues whose patient is a car with no side named on it
    # Title tokens in a clause of background or supposition, kept when a title telling no event of its own is read
    # whole ("Pentagon, responding to Kataib Hezbollah: ..."): who speaks is not among them.
    title_set_aside: set[int] = field(default_factory=set)

    def sentence(self, index: int) -> str:
        start, end = self.sentence_spans[index]
        return self.text[start:end].strip()

    def token_at(self, char: int) -> int:
        known = self.at.get(char)  # where mentions start and end, found once when segmenting
        if known is not None:
            return known
        if not self.starts:
            self.starts = [w[0] for w in self.words]
        return max(0, bisect.bisect_right(self.starts, char) - 1)


def segment(ctx: Context, title: str, summary: str, matches: Matches, when: datetime) -> Text:
    """Cut the report into sentences, find the vocabulary in it, and mark background and hypothetical
    clauses and reference points."""
    text = f"{title}\n{summary}"
    words = list(matches.words) if matches.words else tokens(text)
    folded = list(map(_TOKEN, words))
    # Names are not cue words: "Union III" is no labour union, "Victory base" no victory.
    masked = list(folded)
    is_name = [False] * len(words)
    word_starts = list(map(_START, words))
    named: list[tuple[Match, int, int]] = []
    for m in matches.mentions:
        first, end = bisect.bisect_left(word_starts, m.start), bisect.bisect_left(word_starts, m.end)
        named.append((m, first, end))
        for i in range(first, end):
            masked[i] = "\x00"
            is_name[i] = True
    spans = [(0, len(title))]
    start = len(title) + 1
    for boundary in _SENTENCE_END.finditer(text, start):
        if boundary.group()[0] != "\n" and _abbreviation_before(ctx, text, boundary.start()):
            continue  # "U.S. Central Command forces", "at 9:30 p.m. Baghdad time": no sentence ends there
        if boundary.start() > start:
            spans.append((start, boundary.start()))
        start = boundary.end()
    if start < len(text):
        spans.append((start, len(text)))
    sentence_of = _sentences(word_starts, [s for s, _ in spans])
    hits = ctx.lexicon.scan(folded, is_name)
    for names in ("us_side", "sides", "strikers"):  # a lowercase "us" is a pronoun, not a country
        hits[names] = [h for h in hits[names] if not (
            folded[h[0]] in ctx.function_words and text[words[h[0]][0]:words[h[0]][1]].islower())]
    # "الطائرات المسيرة", the drones: a striker's word inside a longer weapon's name ("aircraft" in "drone aircraft")
    # is part of that weapon, not a state's aircraft; a weapon named by the striker's whole phrase ("طائرات حربية",
    # warplanes) keeps it.
    weapon_ends = {i: e for b, e, _ in hits["weapons"] if e - b > 1 for i in range(b, e)}
    if weapon_ends:
        hits["strikers"] = [h for h in hits["strikers"] if h[0] not in weapon_ends or h[1] >= weapon_ends[h[0]]]
    foreground = [True] * len(words)
    factual = [True] * len(words)
    first_cue: dict[int, tuple[int, str]] = {}  # sentence -> where its first event word is, and its kind
    for b, _, kind in hits["cues"]:
        first_cue.setdefault(sentence_of[b], (b, kind))
    for begin, marker_end, label in hits["background"]:
        if label == "time":
            continue  # "after midnight": the longer phrase is a time of day, and its marker opens nothing
        if label == "background" and _tells_its_own(ctx, folded, sentence_of, hits, first_cue, foreground, begin):
            continue  # "a drone struck the outpost in an attack that killed three soldiers": this event's toll
        if label == "background" and _toll_then_its_event(ctx, folded, sentence_of, hits, first_cue, begin,
                                                           marker_end):
            continue  # "eight troops were treated after a drone struck the base": the toll's own event
        end = _clause_end(text, words, sentence_of, begin, ctx.clause_joiners)
        target = foreground if label == "background" else factual
        for i in range(begin, end):
            target[i] = False
            if label == "hypothetical":
                foreground[i] = False
    for i, _, label in hits["months"]:
        month = int(label.split(":")[1])
        if month != when.month and i > 0 and folded[i - 1] in ctx.month_openers:
            for j in range(i - 1, _clause_end(text, words, sentence_of, i - 1, ctx.clause_joiners)):
                foreground[j] = False  # "In December a barrage killed ...": an earlier incident
    for sentence in _earlier_sentences(ctx, folded, sentence_of, hits, when):
        for j in range(bisect.bisect_left(sentence_of, sentence), bisect.bisect_right(sentence_of, sentence)):
            foreground[j] = False
    title_end = bisect.bisect_left(word_starts, len(title) + 1)
    title_set_aside = {i for i in range(title_end) if not foreground[i]}
    if title_end and not any(foreground[i] for i, _, _ in hits["cues"] if i < title_end):
        for i in range(title_end):  # "Death toll disputed after US raid": the clause after "after" is the news
            foreground[i] = factual[i]
    reference: set[int] = set()
    for _, end, _ in hits["direction"]:
        reference.update(range(end, min(end + 4, len(words))))
    return Text(text, words, folded, masked, sentence_of, spans, foreground, factual, reference,
                speaking={b for b, _, _ in hits["speech"]}, owners_after={b for b, _, _ in hits["owner_after"]},
                named=named,
                at={c: i for m, first, end in named for c, i in ((m.start, first), (m.end - 1, end - 1))},
                starts=word_starts, hits=hits, title_set_aside=title_set_aside)


RELATIVE_REACH = 5  # "in a rocket attack on the base that killed ...": how far before the pronoun its event word


def _tells_its_own(ctx: Context, folded: list[str], sentence_of: list[int], hits: dict[str, list[Hit]],
                   first_cue: dict[int, tuple[int, str]], foreground: list[bool], begin: int) -> bool:
    """Whether a relative marker ("that killed", "which killed") tells the sentence's own event: its event word, a
    few words before the pronoun and still in the foreground, names again the kind of event the sentence told
    first ("a drone struck the outpost in an attack that killed ..."). After another kind ("US strikes hit the group
    behind the attack that killed ..."), or as the sentence's first event word ("the fire followed the drone strike
    that killed ..."), it tells an earlier event, as the marker says, unless a claim of it comes first ("the group
    says it was behind the drone attack that killed three US troops": a claim tells its attack's toll)."""
    if folded[begin] not in ctx.relative_pronouns or sentence_of[begin] not in first_cue:
        return False
    cues = hits["cues"]
    at, kind = first_cue[sentence_of[begin]]
    # The event words just before the pronoun, found by bisection: cues are in text order, and a long summary has
    # many markers.
    lo = bisect.bisect_left(cues, (begin - RELATIVE_REACH,))
    hi = bisect.bisect_left(cues, (begin,))
    near = [(b, k) for b, _, k in cues[lo:hi] if sentence_of[b] == sentence_of[begin] and foreground[b]]
    if not near:
        return False
    # A claim tells the event as its claimant's own; a blame ("Ankara blames the PKK for the bombing that killed six")
    # may recall an old one.
    claimed = any(sentence_of[b] == sentence_of[begin] and b < near[-1][0] and label == "claimed"
                  for b, _, label in hits["attribution"])
    return (near[-1][0] != at or claimed) and near[-1][1] == kind


def _toll_then_its_event(ctx: Context, folded: list[str], sentence_of: list[int], hits: dict[str, list[Hit]],
                         first_cue: dict[int, tuple[int, str]], begin: int, end: int) -> bool:
    """Whether "after" (a `consequence_markers` phrase at begin:end) follows a clause telling only a toll, which its
    clause's event caused: "Eight US service members were treated for brain injuries after a one-way drone struck
    the landing zone", "a commander was killed following a drone strike on his car". The toll's own event is the
    report's, not an earlier one. A sentence that told an event before the marker ("US jets struck the group after
    the attack on the base") or one counting no casualty before it ("the embassy raised its alert after ...") keeps
    the clause as background."""
    if tuple(folded[begin:end]) not in ctx.consequence_markers:
        return False
    sentence = sentence_of[begin]
    told = first_cue.get(sentence)
    if told is None or told[0] < begin:
        return False  # nothing told after it, or an event told before it
    return any(sentence_of[b] == sentence and b < begin for b, _, _ in hits["toll"])


_LAST_WORD = re.compile(r"(\S+)\.$")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # "u.s", "u.k", a single initial "j"


def _abbreviation_before(ctx: Context, text: str, at: int) -> bool:
    """Whether the full stop just before `at` ends an abbreviation or initials rather than a sentence."""
    found = _LAST_WORD.search(text, max(0, at - 16), at)
    if found is None:
        return False
    word = found.group(1).lower().lstrip("(\"“‘'")
    return word in ctx.abbreviations or _INITIALS.fullmatch(word) is not None


def _sentences(word_starts: list[int], sentence_starts: list[int]) -> list[int]:
    """The sentence of each word: a run of indexes per sentence, found by bisection at its start."""
    out: list[int] = []
    firsts = [bisect.bisect_left(word_starts, start) for start in sentence_starts[1:]] + [len(word_starts)]
    for sentence, first in enumerate(firsts):
        out.extend([sentence] * (first - len(out)))
    return out


EARLIER_DAYS = 3  # a body sentence dated this many days or more before the report tells an earlier incident
DATE_OPENS = 4  # "On Aug. 15, ...", "On 15 August, ...": how near its sentence's start a date stands


def _earlier_sentences(ctx: Context, folded: list[str], sentence_of: list[int], hits: dict[str, list[Hit]],
                       when: datetime) -> set[int]:
    """Body sentences that tell earlier incidents as a whole: those telling a run of attacks ("militias have fired at
    US bases dozens of times this year", "for months, drones have harassed the outposts"), and, when another sentence
    tells an event of the last days ("on Tuesday night US jets struck ..."), those opening with a date days before
    the report ("On Aug. 15, a drone targeted al-Tanf"). A long report often opens its body so before telling its own
    event; a follow-up opening with the day of the attack it updates ("On the Aug. 9 drone strike: eight treated")
    tells no other event, and keeps it."""
    out = {sentence_of[b] for b, _, _ in hits["habitual"] if sentence_of[b] > 0}
    told = {sentence_of[b] for b, _, _ in hits["cues"]}
    recent = {sentence_of[b] for b, _, label in hits["when"]
              if sentence_of[b] in told and (when.date() - day_named(label, when)).days <= 2}
    for i, end, label in hits["months"]:
        sentence = sentence_of[i]
        if sentence == 0 or i - bisect.bisect_left(sentence_of, sentence) >= DATE_OPENS:
            continue
        day = written_date(folded, i, end, label, when)  # "On Aug. 15, ...", "On 15 August, ..."
        if day is not None and (when.date() - day).days >= EARLIER_DAYS and recent - {sentence}:
            out.add(sentence)
    return out


def _clause_end(text: str, words: list[tuple[int, int, str]], sentence_of: list[int], begin: int,
                joiners: set[str]) -> int:
    """Past-last token of the clause a marker opens: to the sentence end, or to the next clause break
    when the marker opens its sentence ("After the raids, the group vowed revenge")."""
    sentence = sentence_of[begin]
    # A marker opens its clause at the sentence start, after a joining word, or after a comma ("In support of
    # Gaza, and in response to the massacres, the mujahideen targeted ..."): its background ends at the next break.
    opens_sentence = begin == 0 or sentence_of[begin - 1] != sentence or (begin - 1 >= 0 and (
        words[begin - 1][2] in joiners)) or any(c in text[words[begin - 1][1]:words[begin][0]] for c in ",،") or (
        opens_with_conjunction(words[begin][2]))
    end = begin
    limit = begin + MAX_CLAUSE_TOKENS  # keeps a run-on text with many markers linear
    while end < len(words) and end < limit and sentence_of[end] == sentence:
        if end > begin and _CLAUSE_END.search(text, words[end - 1][1], words[end][0]) and (
                opens_sentence or text[words[end - 1][1]:words[end][0]].strip()[:1] in {";", ":", "—", "–", "؛"}):
            break
        end += 1
    return end


def weight(weights: Weights, doc: Text, index: int) -> float:
    """How much a word counts by where it stands: title, lead sentence or body."""
    sentence = doc.sentence_of[index]
    return weights.title if sentence == 0 else weights.lead if sentence == 1 else weights.body


def background(doc: Text) -> tuple[str, ...]:
    """The sentences that tell earlier incidents (not hypothetical ones): they link a report to them."""
    if all(doc.foreground):
        return ()
    found = dict.fromkeys(doc.sentence_of[i] for i, fg in enumerate(doc.foreground) if not fg and doc.factual[i])
    return tuple(dict.fromkeys(doc.sentence(s) for s in found))
