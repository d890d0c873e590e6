"""When: the day the report's own event happened, from a weekday, a relative day ("yesterday") or a date written out
("on Dec. 26")."""

from __future__ import annotations

from datetime import date, datetime

from monitor.classify.days import day_named, written_date
from monitor.classify.segment import Text
from monitor.text import is_definite_pair

ARMED = {"attack", "strike"}  # the event types dated by armed events only
ATTACHED = 3  # "Friday's drone attack", "the attack on Friday": a day this close to the event word is its day
SPEECH_REACH = 3  # "said on Monday", "told reporters on Monday": a day word this close after a speech word


def happened_on(doc: Text, when: datetime, statement: bool = False, event_type: str | None = None) -> date | None:
    """The day the first foreground day word names, counted back from the report's date; for an attack or a strike,
    first a day beside its own event words, then one in a sentence telling it, then any. Unless the report is a
    statement (whose day is the day it was said), a day that says when someone spoke is not the event's: "more
    troops checked after Saturday's attack, an official said on Monday" tells of Saturday's attack."""
    cues = _cues_by_sentence(doc)
    days = sorted([(begin, label) for begin, _, label in doc.hits["when"] if not _a_count(doc, begin)]
                  + _dates(doc, when, event_type, cues))
    if event_type in ARMED:
        # "On Thursday that fear came closer. Two drones flew at al-Tanf on Wednesday": a day beside the event's own
        # words comes first; one in a sentence telling no event is a fallback.
        told = [(b, label) for b, label in days
                if any(kind == event_type for _, kind in cues.get(doc.sentence_of[b], ()))]
        # "At her briefing on Monday she returned to Friday's attack": in the first sentence that tells the event and a
        # day, a day right beside the event word is its day.
        first = doc.sentence_of[told[0][0]] if told else None
        attached = [(b, label) for b, label in told if doc.sentence_of[b] == first and any(
            kind == event_type and abs(at - b) <= ATTACHED for at, kind in cues[doc.sentence_of[b]])]
        for chosen in (attached, told):
            found = _first_day(doc, when, chosen, statement, event_type, cues)
            if found is not None:
                return found
    return _first_day(doc, when, days, statement, event_type, cues)


def _a_count(doc: Text, begin: int) -> bool:
    """Whether a one-word day name is the count it also spells ("الاثنين", Monday and "the two"): beside a definite
    word of the dual or plural ("قصف الاثنين الباقيين", the bombing of the remaining two; "الجنديين الاثنين")."""
    def paired(i: int) -> bool:
        return 0 <= i < len(doc.folded) and doc.sentence_of[i] == doc.sentence_of[begin] and is_definite_pair(
            doc.folded[i])
    return not doc.folded[begin].isascii() and (paired(begin + 1) or paired(begin - 1))


def _first_day(doc: Text, when: datetime, days: list[tuple[int, str]], statement: bool, event_type: str | None,
               cues: dict[int, list[tuple[int, str]]]) -> date | None:
    """The day the first of these day words names that is in the foreground, not another kind of event's, and not
    (unless the report is a statement) the day someone spoke."""
    spoken_in = None  # the sentence of a day someone spoke on: only that sentence may still say the event's day
    for begin, label in days:
        if not doc.foreground[begin] or _another_kind(doc, begin, event_type, cues):
            continue
        sentence = doc.sentence_of[begin]
        if spoken_in is not None and sentence != spoken_in:
            # "... said on Friday that they fired at the base on 3 March. The base was also hit on Monday": a day
            # in a later sentence may be another incident's.
            return None
        if not statement and _spoken(doc, begin):
            spoken_in = sentence
            continue
        return day_named(label, when)
    return None


def spoken_on(doc: Text, when: datetime) -> date | None:
    """The first day the report says someone spoke on ("an official said on Saturday"): the event it tells of
    happened then or before."""
    return next((day_named(label, when) for begin, _, label in doc.hits["when"]
                 if doc.foreground[begin] and _spoken(doc, begin)), None)


def _spoken(doc: Text, begin: int) -> bool:
    # The few tokens before it, looked up in the set: a scan of every speech word for every day word was quadratic
    # in a long summary.
    return any(s in doc.speaking and doc.sentence_of[s] == doc.sentence_of[begin]
               for s in range(max(0, begin - SPEECH_REACH), begin))


def _dates(doc: Text, when: datetime, event_type: str | None,
           cues: dict[int, list[tuple[int, str]]]) -> list[tuple[int, str]]:
    """Dates a report writes out ("on Dec. 26", "9 August", "26 كانون الأول"): (where, "date:YYYY-MM-DD"), in the
    report's year, or the year before for a date after it ("Dec. 30" in a report of 2 January). A date whose nearest
    event word in its sentence is of another type dates another event: "strikes in response to the Dec. 27 attack on
    K1" tells the attack's day, not the strike's."""
    out = []
    for begin, end, label in doc.hits["months"]:
        if _another_kind(doc, begin, event_type, cues):
            continue
        day = written_date(doc.folded, begin, end, label, when)
        if day is not None and day != when.date():  # "BAGHDAD, Oct 31 —": a dateline's date is the report's
            out.append((begin, f"date:{day.isoformat()}"))
    return out


def _cues_by_sentence(doc: Text) -> dict[int, list[tuple[int, str]]]:
    """The resolved event words by sentence, found once: looked up per day word, a long summary stays linear."""
    out: dict[int, list[tuple[int, str]]] = {}
    for at, kind in doc.cues:
        out.setdefault(doc.sentence_of[at], []).append((at, kind))
    return out


def _another_kind(doc: Text, begin: int, event_type: str | None, cues: dict[int, list[tuple[int, str]]]) -> bool:
    """Whether the event word nearest the day word at `begin`, in its sentence, is of another type than the report's:
    "US jets struck three sites ... On Saturday missiles were launched at the base" dates the attack, not the
    strike. An attack or a strike is dated by the armed events beside the day ("rockets landed near the airport on
    Wednesday night, setting off warning sirens": no threat)."""
    if event_type is None:
        return False
    beside = [(abs(at - begin), kind) for at, kind in cues.get(doc.sentence_of[begin], ())
              if not _clause_break(doc, at, begin)]
    if event_type not in ARMED:
        return bool(beside) and min(beside)[1] != event_type
    near = [(gap, kind) for gap, kind in beside if kind in ARMED]
    if near:
        return min(near)[1] != event_type
    # Only a statement's words beside it ("...; they paused during the truce and resumed when it collapsed on
    # Friday"): the day of what was said or decided, not of the attack or strike.
    return bool(beside)



def _clause_break(doc: Text, a: int, b: int) -> bool:
    """Whether a semicolon stands between two words: "drones flew at the base on Wednesday; one was destroyed" dates
    the flight, not the destruction."""
    first, last = min(a, b), max(a, b)
    return any(mark in doc.text[doc.words[first][1]:doc.words[last][0]] for mark in ";؛")
