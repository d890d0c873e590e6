"""When: the day the report's own event happened, from a weekday or a relative day ("yesterday")."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from monitor.classify.segment import Text

SPEECH_REACH = 3  # "said on Monday", "told reporters on Monday": a day word this close after a speech word


def happened_on(doc: Text, when: datetime, statement: bool = False) -> date | None:
    """The day the first foreground day word names, counted back from the report's date. Unless the report is a
    statement (whose day is the day it was said), a day that says when someone spoke is not the event's: "more
    troops checked after Saturday's attack, an official said on Monday" tells of Saturday's attack."""
    spoken_in = None  # the sentence of a day someone spoke on: only that sentence may still say the event's day
    for begin, _, label in doc.hits["when"]:
        if not doc.foreground[begin]:
            continue
        sentence = doc.sentence_of[begin]
        if spoken_in is not None and sentence != spoken_in:
            # "... said on Friday that they fired at the base on 3 March. The base was also hit on Monday": a day
            # in a later sentence may be another incident's.
            return None
        if not statement and _spoken(doc, begin):
            spoken_in = sentence
            continue
        return _day(label, when)
    return None


def spoken_on(doc: Text, when: datetime) -> date | None:
    """The first day the report says someone spoke on ("an official said on Saturday"): the event it tells of
    happened then or before."""
    return next((_day(label, when) for begin, _, label in doc.hits["when"]
                 if doc.foreground[begin] and _spoken(doc, begin)), None)


def _spoken(doc: Text, begin: int) -> bool:
    # The few tokens before it, looked up in the set: a scan of every speech word for every day word was quadratic
    # in a long summary.
    return any(s in doc.speaking and doc.sentence_of[s] == doc.sentence_of[begin]
               for s in range(max(0, begin - SPEECH_REACH), begin))


def _day(label: str, when: datetime) -> date:
    kind, value = label.split(":")
    if kind == "rel":
        return when.date() + timedelta(days=int(value))
    back = (when.weekday() - int(value)) % 7
    return when.date() - timedelta(days=back)
