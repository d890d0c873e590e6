"""Reading: what a report says happened, who did it, to whom, where, with what, the toll, and when.

The words come from the vocabulary files (`config/vocabulary.yaml`, one per language beside it); the
watchlist matches say who and where. The reader works on the title and summary as one token stream:

0. What is no part of the report is left unread: the outlet a Google News title ends with, a summary that
   only repeats the title, a dateline ("BAGHDAD (Agency) -"). A report in a language or script the
   vocabulary does not read is not read at all (a Spanish "base" or "drones" are false friends).
1. Sentences are found, and in each one the clauses that refer to something earlier ("after US
   raids on the militia", "in response to the attack that killed a contractor") or to something
   hypothetical ("if Tehran strikes Americans") are marked as background. Background is kept as
   such (it links a report to earlier incidents) but does not make the report's own event.
2. Event cues in the foreground are weighted by where they stand (title, lead sentence, body). Who
   acts on whom is read from the clause (agent before the verb or after "by", patient after it), not
   from the name nearest the verb: a militia's drone strike on a base is an attack, a drone hitting a
   PMF convoy a strike, a drone brought down near a base an attack that failed.
3. Roles follow the event type: an attack's perpetrator (claimed, attributed or suspected), a
   strike's striker and targets, a threat's parties; places are where it happened, not reference
   points ("north of Baghdad") nor who speaks ("the embassy condemns").
4. Relevance asks whether the event touches the watched confrontation: the right sides, a site or
   force in the watched countries (a listed site, or one the text says US forces are at), and no
   off-topic frame (handovers, anniversaries, court cases, sanctions).

Every field keeps the sentence that supports it.

    context     the vocabulary and watchlist compiled once; actors found by role, never by name
    lexicon     phrase scanners over the tokens
    layout      outlet suffixes, repeated summaries, datelines: what is left unread           (step 0)
    language    whether the report is in a language the vocabulary reads                      (step 0)
    segment     sentences, clauses, background and hypothetical marking, position weights   (step 1)
    clauses     clause bounds, and agent and patient of an event word                       (step 2)
    cues        event-type scores, attack or strike by who acts on whom, threats, off-topic  (step 2)
    roles       parties: who acted, who was hit, how the report puts it                    (step 3)
    places      where it happened, not reference points; the most specific site            (step 3)
    relevance   whether it touches the watched confrontation                               (step 4)
    toll, numbers, weapons, when    killed and injured by side, counts, weapon, the day
    days        the days day words and written dates name (segment and when share it)
    reader      `Reader.read`, the steps in order

The reader imports only `monitor.model`, `monitor.config`, `monitor.text` and `monitor.errors`.
"""

from monitor.classify.reader import Reader as Reader
