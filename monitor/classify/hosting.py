"""Whether an attack report says the place attacked hosts US or coalition forces.

The watchlist knows which sites hosted US forces when; a report often says it itself, of a place the watchlist
does not know or no longer counts: "an outpost where American troops are stationed", "a coalition facility
outside the town", "drones heading for US troops", "قاعدة تضم قوات أمريكية", or a US toll. Any of these makes
the target one hosting US forces for the rules (`target: hosts_us`), as the gazetteer's dates do.

Signals, in the order they are tried (the first gives the reason kept as evidence):

    toll     US or coalition dead or hurt in the report's own incident, as many as all the others together (a US
             citizen among the dead of a strike on an opposition camp does not make the camp a US site)
    target   a party the report puts in the role of target is on the US side
    words    in a clause that tells the report's own incident, a US or coalition force beside a word that puts
             it at the place ("where ... stationed", "heading for"), or a US or coalition site ("a coalition
             facility"); a denial in the clause just before it, or right after it, cancels it ("which no
             longer hosts US troops", "US troops left the base")

Only an attack: a strike is the US side's own act, a threat names no place attacked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from monitor.classify.context import Context
from monitor.classify.lexicon import Hit, PhraseIndex, hits_between
from monitor.classify.segment import Text
from monitor.config import Vocabulary
from monitor.model import ALLIED_SIDES, Party

NEAR = 6  # tokens between a placing word and the force it places ("where American troops are stationed")
DENIED_BEFORE = 5  # how far back in the clause a denial reaches ("which no longer hosts US troops")
DENIED_AFTER = 2  # and forward ("US troops left", "hosted US forces until January")
_CLAUSE_BREAK = re.compile(r"[,;:—–،؛()]")


@dataclass(frozen=True, slots=True)
class Hosting:
    """The vocabulary's lists this step reads, compiled once (the reader builds it beside its context)."""

    nouns: PhraseIndex  # "force": troops, forces, قوات; "site": base, outpost, facility, قاعدة
    placing: PhraseIndex  # hosting_phrases
    denials: PhraseIndex  # hosting_denials

    @classmethod
    def build(cls, vocabulary: Vocabulary) -> Hosting:
        forces = [*vocabulary.force_words, *(w for words in vocabulary.person_words.values() for w in words)]
        known = set(forces)
        sites = [w for w in (*vocabulary.target_words, *vocabulary.base_words, *vocabulary.facility_words)
                 if w not in known]
        return cls(PhraseIndex({"force": forces, "site": sites}), PhraseIndex({"place": vocabulary.hosting_phrases}),
                   PhraseIndex({"denial": vocabulary.hosting_denials}))


def us_targeted(hosting: Hosting, ctx: Context, doc: Text, event_type: str | None, killed: dict[str, int],
                injured: dict[str, int], parties: Sequence[Party]) -> str | None:
    """Why the report says the place attacked hosts US or coalition forces, in words; None when it does not.
    `event_type` is the reading's, None when the report is not relevant."""
    if event_type != "attack":
        return None
    hurt = [side for side in ALLIED_SIDES if killed.get(side) or injured.get(side)]
    allied = sum(killed.get(side, 0) + injured.get(side, 0) for side in ALLIED_SIDES)
    others = sum(n for counts in (killed, injured) for side, n in counts.items() if side not in ALLIED_SIDES)
    if hurt and allied >= others:
        return f"{' and '.join(hurt)} killed or hurt"
    target = next((p.name for p in parties if p.role == "target" and p.name in ctx.us_side), None)
    if target is not None:
        return f"the target is {target}"
    sentence = _placing_sentence(hosting, doc)
    return f"says US or coalition forces were there: {sentence}" if sentence is not None else None


def _placing_sentence(hosting: Hosting, doc: Text) -> str | None:
    """The first sentence telling the report's own incident that puts US or coalition forces at the place."""
    allied = [(b, e) for b, e, label in doc.hits.get("sides", []) if label in ALLIED_SIDES]
    if not allied:
        return None
    placing = hosting.placing.find(doc.folded)
    denials = hosting.denials.find(doc.folded)
    for first, last, kind in _mentions(allied, hosting.nouns.find(doc.folded)):
        if not (doc.foreground[first] and doc.factual[first]) or _denied(doc, denials, first, last):
            continue
        placed = (_same_clause(doc, b, first) for b, _, _ in hits_between(placing, first - NEAR, last + NEAR))
        if kind == "site" or any(placed):
            return doc.sentence(doc.sentence_of[first])
    return None


def _mentions(allied: Iterable[tuple[int, int]], nouns: Sequence[Hit]) -> list[tuple[int, int, str]]:
    """US or coalition forces or sites: a side word right before its noun ("US-led coalition forces", "a
    coalition facility") or right after it ("قوات أمريكية", "قاعدة للتحالف"), or sharing its words ("قوات
    التحالف"). Sites first: one needs no placing word."""
    covering = {i: hit for hit in nouns for i in range(hit[0], hit[1])}  # the nouns' hits never overlap
    found = []
    for side_first, side_last in allied:
        beside = {covering[i] for i in range(side_first - 2, side_last + 2) if i in covering}
        for noun_first, noun_last, kind in beside:
            if noun_first <= side_last + 1 and side_first <= noun_last + 1:  # touching, one token apart at most
                found.append((min(side_first, noun_first), max(side_last, noun_last), kind))
    return sorted(found, key=lambda m: (m[2] != "site", m[0]))


def _same_clause(doc: Text, a: int, b: int) -> bool:
    """Whether two tokens are in one sentence with no clause break between them."""
    first, last = min(a, b), max(a, b)
    if doc.sentence_of[first] != doc.sentence_of[last]:
        return False
    return _CLAUSE_BREAK.search(doc.text, doc.words[first][1], doc.words[last][0]) is None


def _denied(doc: Text, denials: Sequence[Hit], first: int, last: int) -> bool:
    """A denial just before the mention in its clause ("which no longer hosts US troops"), or right after it ("US
    troops left")."""
    near = hits_between(denials, first - DENIED_BEFORE, last + DENIED_AFTER)
    return any(_same_clause(doc, begin, first) for begin, end, _ in near if end <= first or begin >= last)
