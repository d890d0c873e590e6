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

    context     the vocabulary and watchlist compiled once; actors found by role, never by name
    lexicon     phrase scanners over the tokens
    segment     sentences, clauses, background and hypothetical marking, position weights   (step 1)
    cues        event-type scores, ambiguous strike/attack words, off-topic frames         (step 2)
    roles       parties: who acted, who was hit, how the report puts it                    (step 3)
    places      where it happened, not reference points; the most specific site            (step 3)
    relevance   whether it touches the watched confrontation                               (step 4)
    toll, numbers, weapons, when    killed and injured by side, counts, weapon, the day
    reader      `Reader.read`, the steps in order

The reader imports only `monitor.model`, `monitor.config`, `monitor.text` and `monitor.errors`.
"""

from monitor.classify.reader import Reader as Reader
