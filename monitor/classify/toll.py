"""The toll: killed and injured by side, and commanders named as killed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import compress

from monitor.classify.clauses import NAME
from monitor.classify.context import Context
from monitor.classify.lexicon import Hit
from monitor.classify.numbers import REVISION_REACH, count_wording, number, revised
from monitor.classify.segment import Text
from monitor.config import PERSON_COUNTS
from monitor.model import ALLIED_SIDES, Match
from monitor.text import is_definite

ARTICLE_REACH = 10  # "a US citizen was reported to be among the dead": how far the casualty word may follow
MILITIA_SIDE = "militia"  # the casualty side watched groups count under (a side the vocabulary must name)
CIVILIAN_SIDE = "civilians"  # the side of people named by what they do, not by their nation ("contractor")
PARTNER_SIDE = "partners"  # fighters of a group the militias fight, not one of theirs ("SDF fighters")
OWN_TOLL = {"attack", "strike"}  # event types whose toll is their own, not an earlier incident's
UNNUMBERED = "number not given"  # the note on a side counted with no number


def toll_counts(ctx: Context, doc: Text, whole: bool = False,
                every_clause: bool = False) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Killed and injured by side; evidence keeps the sentence, and "at least 25" or "raising the
    injured to 14" keep their wording in the evidence key `killed_note` / `injured_note`.

    Only the report's own event counts, not earlier incidents it recalls; with `whole`, for a report that
    tells no event of its own (a vow "after a drone killed three US soldiers", a funeral), the title's
    factual clauses count too: the toll a headline gives is the news it is about. With `every_clause`, every
    count the report states, earlier incidents' too ("a year after three soldiers were killed at Tower 22")."""
    killed: dict[str, int] = {}
    injured: dict[str, int] = {}
    evidence: dict[str, str] = {}
    counted = doc.foreground
    if every_clause:  # every death the report states, whichever incident it belongs to
        counted = [True] * len(doc.words)
    elif whole:
        title = [s == 0 and f for s, f in zip(doc.sentence_of, doc.factual, strict=True)]
        counted = [a or b for a, b in zip(doc.foreground, title, strict=True)]
    targets = {b for b, _, _ in doc.hits["targets"]}
    people = {b for b, _, _ in doc.hits["persons"]}
    # "A non-American contractor", "متعاقد مدني غير أميركي": a nationality negated names no side ("a foreign
    # contractor" is still a civilian).
    side_hits = [(b, e, label) for b, e, label in doc.hits["sides"]
                 if label == CIVILIAN_SIDE or not (b > 0 and doc.folded[b - 1] in ctx.foreign_words)]
    # "Six US-backed fighters", "American-allied forces": the partners a side backs are neither that side nor the
    # militias.
    backing = {e + 1 for _, e, _ in side_hits if e < len(doc.folded) and doc.folded[e] in ctx.backer_suffixes}
    side_hits = [(b, e, PARTNER_SIDE if b in backing else label) for b, e, label in side_hits
                 if not (e < len(doc.folded) and doc.folded[e] in ctx.backer_suffixes)]
    # "A base housing US troops was hit, killing a contractor": the forces a site hosts are no casualties.
    side_hits = [hit for hit in side_hits if not _hosted(ctx, doc, hit[0])]
    # "SDF fighters", "fighters of the Syrian Democratic Forces": fighters of a group named as not Iran-aligned are
    # not the militias' (nor is their loss a strike on them): they count as partners.
    side_hits = [(b, e, PARTNER_SIDE if label == MILITIA_SIDE and _of_a_group_outside(ctx, doc, b, e) else label)
                 for b, e, label in side_hits]
    events = _event_spans(doc)
    sides_all = {b: label for b, e, label in side_hits
                 if not _owns_a_place(ctx, doc, e, targets, people) and not _owns_an_event(doc, b, e, events)}
    # A watched group named in a toll is its side: "killing a Kataib Hezbollah commander", "two Nujaba fighters".
    group_spans = {first: end for m, first, end in doc.named
                   if m.section == "actor" and m.name in ctx.iran_side and first not in sides_all}
    sides_all.update(dict.fromkeys(group_spans, MILITIA_SIDE))
    verbs_by_sentence: dict[int, list[Hit]] = {}
    for verb in doc.hits["toll"]:
        if counted[verb[0]] and not _negated(ctx, doc, verb[0]):
            verbs_by_sentence.setdefault(doc.sentence_of[verb[0]], []).append(verb)
    # Only words that can be counts (digits, number words, ordinals) can give a quantity.
    tokens_by_sentence: dict[int, list[int]] = {}
    if verbs_by_sentence:
        positions = range(len(doc.folded))
        count_words = ctx.count_words.__contains__
        candidates = sorted({*compress(positions, map(str.isdigit, doc.folded)),
                             *compress(positions, map(count_words, doc.folded))})
        vague = {b for b, _, _ in doc.hits["unnumbered"]}  # "a number of", "a few": no count of one
        for i in candidates:
            if i in vague:
                continue
            sentence = doc.sentence_of[i]
            if sentence in verbs_by_sentence and counted[i]:
                tokens_by_sentence.setdefault(sentence, []).append(i)
    persons = {b: (e, label) for b, e, label in doc.hits["persons"] if counted[b]}
    persons_by_sentence: dict[int, list[int]] = {}
    for b in persons:
        if doc.sentence_of[b] in verbs_by_sentence:
            persons_by_sentence.setdefault(doc.sentence_of[b], []).append(b)
    side_spans = {b: e for b, e, _ in side_hits} | group_spans
    # What every sentence looks up, found once: built per sentence, it made a long summary quadratic.
    sides_in: dict[int, set[str]] = {}
    for j, label in sides_all.items():
        sides_in.setdefault(doc.sentence_of[j], set()).add(label)
    whole_doc = _WholeDoc(_thing_starts(doc), frozenset(b for b, _, _ in doc.hits["cues"]),
                          {e: b for b, e in side_spans.items()}, sides_in, set(sides_all.values()),
                          bool(doc.hits["us_side"]) or any(
                              (m.section == "actor" and m.name in ctx.us_side)
                              or (m.section == "person" and ctx.affiliation.get(m.name) in ctx.us_side)  # "Biden"
                              # "three reservists killed at Tower 22": a site that hosts US forces is theirs
                              or (m.section == "place" and m.name in ctx.places and ctx.places[m.name].us_presence)
                              for m, _, _ in doc.named),
                          {e: b for b, (e, _) in persons.items()})
    # "A contractor suffered a cardiac episode while sheltering and died": a death of its own cause is no toll of the
    # event (it raises no warning of a deadly attack), though the report states it (`every_clause`).
    natural = set() if every_clause else {doc.sentence_of[b] for b, _, _ in doc.hits["natural_death"]}
    for sentence, verbs in verbs_by_sentence.items():
        found = _quantities(ctx, doc, tokens_by_sentence.get(sentence, []), sides_all, verbs, persons, whole_doc)
        found += _people_without_count(ctx, doc, persons_by_sentence.get(sentence, []), sides_all, side_spans,
                                       verbs, persons, whole_doc)
        found = _coordinated(ctx, doc, found, verbs)
        counted_before: list[tuple[int, str]] = []  # (count, kind) found earlier in the sentence
        for count, side, position in found:
            if side == CIVILIAN_SIDE:
                side = _nation_named_elsewhere(ctx, doc, position, sides_all, persons) or side
            kind = _verb_for(ctx, doc, position, verbs)
            if kind is None or _nobody_between(ctx, doc, position, verbs) or (kind == "killed" and sentence in natural):
                continue
            if doc.folded[position] in ctx.ordinals and any(
                    n == count - 1 and k != kind for n, k in counted_before):
                count = 1  # "two soldiers killed and a third wounded": one more person, of the other kind
            counted_before.append((count, kind))
            table = killed if kind == "killed" else injured
            if count > table.get(side, 0) or side not in table:
                table[side] = count  # 0: the side's people were hurt (or killed), their number not given
                evidence.setdefault(kind, doc.sentence(sentence))
                wording = count_wording(ctx, doc, position, count) if count else UNNUMBERED
                if wording:
                    evidence[f"{kind}_note"] = f"{side}: {wording}"
                elif evidence.get(f"{kind}_note") == f"{side}: {UNNUMBERED}":
                    del evidence[f"{kind}_note"]  # a number given since
    return killed, injured, evidence




def updates_toll(ctx: Context, doc: Text) -> bool:
    """Whether the title or lead revises a toll: a revision word a few words from a casualty word ("toll of US
    injured rises as more troops are checked", "ارتفاع حصيلة القتلى"), whether or not a count was read beside it."""
    revisions = [i for i, word in enumerate(doc.folded) if doc.sentence_of[i] <= 1 and word in ctx.revision_words]
    return any(doc.sentence_of[b] == doc.sentence_of[i] and abs(b - i) <= REVISION_REACH
               for b, _, _ in doc.hits["toll"] for i in revisions)


KNOWN_NAME_REACH = 4  # "in the al-Tanf garrison drone attack": name tokens between the marker and the attack word


def counts_known_attack(ctx: Context, doc: Text) -> bool:
    """Whether the title or lead counts casualties of an attack it names only as one already known: "about 20 US
    troops suffered minor injuries in the al-Tanf attack", "إصابة ... في الهجوم على التنف", "في هجوم التنف" (days
    later, from an official). Every attack word there must follow a marker of a known event ("in the", "after
    the"; in Arabic "في" before a definite noun or one bound to a name): "drones hit al-Tanf; three hurt in the
    attack" tells the attack as happening."""
    lead = [(b, e) for b, e, label in doc.hits["cues"] if label == "attack" and doc.sentence_of[b] <= 1]
    if not lead or not any(doc.sentence_of[b] <= 1 for b, _, _ in doc.hits["toll"]):
        return False
    return all(_named_as_known(ctx, doc, b, e) for b, e in lead)


def _named_as_known(ctx: Context, doc: Text, begin: int, end: int) -> bool:
    k = begin
    while k > 0 and begin - k < KNOWN_NAME_REACH and doc.masked[k - 1] == NAME:
        k -= 1  # "in the al-Tanf attack"
    marked = any(k >= len(m) and tuple(doc.folded[k - len(m):k]) == m for m in ctx.known_event_markers)
    if not marked:
        return False
    word = doc.folded[begin]
    if word.isascii():
        return True  # the English markers end in their article
    # Arabic: "في الهجوم" (definite), "في هجوم التنف" (bound to the name after it), not "في هجوم بطائرة مسيرة".
    return is_definite(word) or (end < len(doc.masked) and doc.masked[end] == NAME)


def _owns_a_place(ctx: Context, doc: Text, after: int, targets: set[int], people: set[int]) -> bool:
    """Whether the side word ending before `after` says whose place it is ("an Iraqi base", "a US military
    installation"), not whose people: a nationality there counts no casualty ("Iraqi military personnel" does).
    `targets` and `people`: the tokens starting a target word and a person word."""
    k = after
    while k in targets and k + 1 in targets:
        k += 1  # "military installation": the last word of the run says what it is
    return k in targets and doc.folded[k] not in ctx.force_words and k not in people


def _event_spans(doc: Text) -> tuple[set[int], set[int]]:
    """Where event and weapon words begin, and where they end."""
    hits = [h for name in ("cues", "weapons") for h in doc.hits[name]]
    return {b for b, _, _ in hits}, {e for _, e, _ in hits}


def _owns_an_event(doc: Text, begin: int, end: int, events: tuple[set[int], set[int]]) -> bool:
    """Whether the side word at `begin`-`end` says whose strike or weapon it is ("US strikes", "American
    aircraft", "الغارات الأمريكية"): the dead of a US strike are not American. An adjective before its noun, or,
    in a script that puts it after (Arabic), right after it."""
    starts, ends = events
    return begin in ends if not doc.folded[begin].isascii() else end in starts


NEGATION_REACH = 3  # "has not been killed", "were not seriously hurt": how far before its casualty word a negator


def _negated(ctx: Context, doc: Text, verb: int) -> bool:
    """Whether a negator stands a few words before the casualty word, in its sentence, past auxiliaries and
    qualifiers only ("have not killed American troops", "were not seriously hurt", "لم يصب أحد")."""
    for i in range(verb - 1, max(-1, verb - 1 - NEGATION_REACH), -1):
        if doc.sentence_of[i] != doc.sentence_of[verb]:
            return False
        if doc.folded[i] in ctx.verb_negators:
            return True
        if doc.folded[i] not in ctx.passive_auxiliaries and doc.folded[i] not in ctx.hurt_links:
            return False
    return False


def _hosted(ctx: Context, doc: Text, begin: int) -> bool:
    """Whether a side word at `begin` follows a word saying a site hosts them, past force words and articles only
    ("housing US troops", "where American forces", "تضم قوات أمريكية")."""
    i = begin - 1
    while i >= max(0, begin - 3) and (doc.folded[i] in ctx.force_words or doc.folded[i] in ctx.determiners):
        i -= 1
    return i >= 0 and doc.folded[i] in ctx.hosted_markers and doc.sentence_of[i] == doc.sentence_of[begin]


def _of_a_group_outside(ctx: Context, doc: Text, begin: int, end: int) -> bool:
    """Whether a fighters' word at begin:end has an armed group or force that is not Iran-aligned named right before
    it ("SDF fighters", "Peshmerga fighters") or after it past a link ("fighters of the Syrian Democratic Forces")."""
    for m, first, last in doc.named:
        if m.section != "actor" or m.name in ctx.iran_side or m.name in ctx.patrons:
            continue
        if last == begin:
            return True
        between = range(end, first)
        if 0 < first - end <= 2 and all(doc.folded[i] in ctx.person_links or doc.folded[i] in ctx.determiners
                                        for i in between):
            return True
    return False


def allied_hurt_only(killed: dict[str, int], injured: dict[str, int]) -> bool:
    """Whether US, UK or coalition personnel are the only casualties counted."""
    sides = {s for s, n in killed.items() if n} | {s for s, n in injured.items() if n}
    return bool(sides) and sides.issubset(ALLIED_SIDES)


def only_militia_hurt(killed: dict[str, int], injured: dict[str, int]) -> bool:
    """Whether militia fighters are the only casualties counted."""
    return bool(killed.get(MILITIA_SIDE)) and set(killed) | set(injured) <= {MILITIA_SIDE}


def named_dead(ctx: Context, doc: Text, mentions: list[Match], killed: dict[str, int]) -> None:
    """Commanders named as killed ("a drone strike killed Soleimani and al-Muhandis") count as dead on
    their side; militia and Iranian commanders are counted as militia."""
    verbs = [(b, e) for b, e, label in doc.hits["toll"] if label == "killed" and doc.foreground[b]]
    dead = set()
    for m in mentions:
        if m.section != "person":
            continue
        side = ctx.side.get(ctx.affiliation.get(m.name, ""))
        at = doc.token_at(m.start)
        near = any(doc.sentence_of[b] == doc.sentence_of[at] and (0 < b - at <= 8 or 0 <= at - e <= 6)
                   for b, e in verbs)
        if side == "iran_aligned" and near:
            dead.add(m.name)
    if dead:
        killed["militia"] = max(killed.get("militia", 0), len(dead))


@dataclass(frozen=True, slots=True)
class _WholeDoc:
    things: set[int]  # tokens starting a weapon or event word
    cues: frozenset[int]  # tokens starting an event word
    side_end: dict[int, int]  # past-last token of a side word -> its first
    sides_in: dict[int, set[str]]  # sentence -> the sides named in it
    all_sides: set[str]  # the sides the report names
    us_named: bool  # the report names the US side: a US word, a US actor, a person speaking for it, or a US site
    noun_before: dict[int, int]  # where a person noun of the counted clauses ends -> where it begins


def _quantities(ctx: Context, doc: Text, indexes: list[int], sides: dict[int, str],
                verbs: list[Hit], persons: dict[int, tuple[int, str]], whole: _WholeDoc) -> list[tuple[int, str, int]]:
    """(count, side, index) for 'two US', '25 militia fighters', a bare count right before a casualty word
    ('... and 55 wounded') or right after one ('wounded more than 40'), and a toll revised upwards ('rises to
    three'): those take the side named last. 'A third soldier died' counts three. Soldiers counted with no
    side named ('killed three soldiers') are the unnamed forces' side when the sentence allows it."""
    verb_starts = {b for b, _, _ in verbs}
    verb_ends = {e for _, e, _ in verbs}
    out = []
    last_side = None
    things, cues = whole.things, whole.cues
    for i in indexes:
        word = doc.folded[i]
        count = ctx.ordinals.get(word) or number(ctx, word)
        if count is None:
            continue
        noun = _noun_before_count(doc, i, whole)
        # A count after its noun counts the noun, whatever follows ("الجنود الخمسة بانفجار عبوة").
        if not is_count(ctx, doc, i, things if noun is None else set()):
            continue
        if count < 10 and i + 1 < len(doc.folded) and doc.folded[i + 1] in ctx.ten_words:
            count += 10  # "ثلاثة عشر جندياً", thirteen soldiers: a unit and the word for ten after it
        side = None
        for j in range(i + 1, min(i + 5, len(doc.folded))):
            if j in verb_starts or j in cues or doc.sentence_of[j] != doc.sentence_of[i] or (
                    word in ctx.articles and _clause_mark(doc, j)):
                break  # "تسعة قتلى بغارات أميركية", nine dead in US raids: the adjective past them is the raids'
            if j in sides:
                side = sides[j]
                side = _citizen(side, sides.get(j + 1))  # "متعاقد مدني أمريكي", a US civilian contractor
                break
        if side is not None and word in ctx.articles and not (
                {i, i - 1} & verb_ends or _person_before_verb(doc, i, verb_starts, things)):
            continue  # "an American drone killed": "an" counts a person only, next to a casualty word
        if side is None and (i + 1 in persons or i + 2 in persons or _of_its(ctx, doc, i, persons)):
            side = _unnamed_forces(ctx, doc, i, whole)
        if side is None and noun is not None:
            # "الجنود الثلاثة الذين قتلوا", the three soldiers who were killed: Arabic puts a definite count after
            # its noun and the noun's nationality ("الجنود الأمريكيين الثلاثة").
            side = sides[whole.side_end[i]] if i in whole.side_end else _unnamed_forces(ctx, doc, i, whole)
            if side is not None and ({i + 1, i + 2} & verb_starts or noun in verb_ends):
                last_side = side
                out.append((count, side, i))
                continue
        if side is None:
            if word in ctx.articles:
                continue
            # "a US soldier killed, two others (were) wounded": more people of the side named before
            others = i + 1 < len(doc.folded) and doc.folded[i + 1] in ctx.others_words
            bare = ({i + 1, i + 2} & verb_starts or _right_after_verb(ctx, doc, i, verb_ends)
                    or (others and {i + 3, i + 4} & verb_starts))
            is_revised = revised(ctx, doc, i)
            side = last_side or (_side_of_casualties(doc, i, sides, verbs) or _side_before(doc, i, sides)
                                 if is_revised else None)
            if side is None and {i + 1, i + 2} & verb_starts:
                side = _side_after_casualty_word(ctx, doc, i, verbs, sides)  # "ثلاثة قتلى من الجيش الأمريكي"
            if side is None and is_revised and any(
                    i < p <= i + UNNAMED_REACH and doc.sentence_of[p] == doc.sentence_of[i] for p in persons):
                side = _unnamed_forces(ctx, doc, i, whole)  # "toll ... rises to 40 injured as more troops ..."
            if others and not is_revised:
                # The side of the people counted last in the sentence ("three US soldiers died and 25 others were
                # wounded"), none when they closed a list of several sides ("two Americans and a Briton were
                # killed; a dozen others were hurt"); with none counted, the one side named before.
                counted = [(at, c_side) for _, c_side, at in out if doc.sentence_of[at] == doc.sentence_of[i]]
                listed = len(counted) > 1 and counted[-2][1] != counted[-1][1] and (
                    counted[-1][0] - counted[-2][0] <= LIST_REACH)
                side = (None if listed else counted[-1][1]) if counted else _only_side_before(doc, i, sides)
            if side is None or not (bare or is_revised):
                continue
        last_side = side
        out.append((count, side, i))
    return out


_CLAUSE_MARK = re.compile(r"[;:—–؛]")


def _clause_mark(doc: Text, j: int) -> bool:
    """Whether a semicolon, colon or dash stands right before the token at `j`: an article before it counts nobody
    after it ("a false alarm; contractor died": the article is the alarm's, not the contractor's)."""
    return j > 0 and _CLAUSE_MARK.search(doc.text, doc.words[j - 1][1], doc.words[j][0]) is not None


NATION_REACH = 2  # "a US civilian contractor": how far before the person noun its nationality may stand


def _nation_named_elsewhere(ctx: Context, doc: Text, position: int, sides: dict[int, str],
                            persons: dict[int, tuple[int, str]]) -> str | None:
    """The US side's nation a person counted as a civilian ("contractor died while sheltering") is given where the
    report names the same noun with it ("a US civilian contractor suffered a cardiac episode"): one person, told
    twice."""
    # The noun the count stands for: past an article and a qualifier or two ("a foreign civilian contractor").
    # With no person noun that near, there is nothing to look for elsewhere: the count's own word (an article)
    # would find any "a" after "American" in the report.
    noun = next((j for j in range(position, min(position + NATION_REACH + 2, len(doc.folded))) if j in persons), None)
    if noun is None or _foreign(ctx, doc, noun, persons, position):
        return None
    word = doc.folded[noun]
    for j, other in enumerate(doc.folded):
        if other != word or j == noun:
            continue
        nation = next((sides[k] for k in range(max(0, j - NATION_REACH), j) if sides.get(k) in ALLIED_SIDES), None)
        if nation is not None:
            return nation
    return None


def _foreign(ctx: Context, doc: Text, noun: int, persons: dict[int, tuple[int, str]], start: int) -> bool:
    """Whether the person is qualified as of another nation than the US side's ("a foreign contractor", "متعاقد
    مدني أجنبي"): then no mention elsewhere makes them American."""
    end = persons[noun][0]
    before = doc.folded[max(0, min(start, noun - NATION_REACH)):noun]
    return any(w in ctx.foreign_words for w in (*before, *doc.folded[end:end + NATION_REACH]))


def _of_its(ctx: Context, doc: Text, i: int, persons: dict[int, tuple[int, str]]) -> bool:
    """"Killed three of its soldiers", "two of our troops": a count of people named past "of" and a determiner."""
    return i + 3 in persons and doc.folded[i + 1] in ctx.person_links and doc.folded[i + 2] in ctx.determiners


def _noun_before_count(doc: Text, i: int, whole: _WholeDoc) -> int | None:
    """Where the person noun a count follows begins, for an Arabic noun counted after it ("الجنود الثلاثة"), past
    its nationality ("الجنود الأمريكيين الثلاثة"); None when no such noun stands right before the count."""
    end = whole.side_end.get(i, i)  # past the nationality between them
    noun = whole.noun_before.get(end)
    return noun if noun is not None and not doc.folded[noun].isascii() else None


def _side_after_casualty_word(ctx: Context, doc: Text, i: int, verbs: list[Hit], sides: dict[int, str]) -> str | None:
    """The side of a bare count named after its casualty word past a linking word: "ثلاثة قتلى من الجيش الأمريكي"
    (three dead of the US army), "three dead among US troops"."""
    if _year(doc.folded[i]):
        return None  # "over 2022 killing of American aid worker": a year, not a count
    end = next((e for b, e, _ in verbs if b in (i + 1, i + 2)), None)
    if end is None or end >= len(doc.folded) or doc.folded[end] not in ctx.casualty_links:
        return None
    return next((sides[k] for k in range(end + 1, min(end + 4, len(doc.folded)))
                 if k in sides and doc.sentence_of[k] == doc.sentence_of[i]), None)


def _year(word: str) -> bool:
    """Whether a number is a year of the era the reports tell ("the 2022 killing")."""
    return len(word) == 4 and word.isdigit() and 1900 <= int(word) <= 2100


def _citizen(side: str, beside: str | None) -> str:
    """The side of a civilian named beside a nationality of the US side ("a US civilian contractor", "متعاقد مدني
    أمريكي"): that nation's, whose citizens the US side's tolls count."""
    return beside if side == CIVILIAN_SIDE and beside in ALLIED_SIDES else side


def _coordinated(ctx: Context, doc: Text, found: list[tuple[int, str, int]],
                 verbs: list[Hit]) -> list[tuple[int, str, int]]:
    """Counts of one side joined by "and" before one casualty word add up: "a US soldier and a US contractor were
    killed" is two. Not across a casualty or speech word ("killed two US soldiers, and officials said the two
    soldiers ..."), nor a count after a determiner (the same people again)."""
    if len(found) < 2:
        return found
    verb_tokens = {i for b, e, _ in verbs for i in range(b, e)}
    out: list[tuple[int, str, int]] = []
    for count, side, position in sorted(found, key=lambda f: f[2]):
        if out and out[-1][1] == side and out[-1][2] < position:
            between = range(out[-1][2] + 1, position)
            joined = any(doc.folded[i] in ctx.clause_joiners for i in between)
            apart = any(i in verb_tokens or i in doc.speaking for i in between)
            again = position > 0 and doc.folded[position - 1] in ctx.determiners
            if joined and not apart and not again:
                out[-1] = (out[-1][0] + count, side, out[-1][2])
                continue
        out.append((count, side, position))
    return out


def _unnamed_forces(ctx: Context, doc: Text, i: int, whole: _WholeDoc) -> str | None:
    """The side of soldiers counted at `i` with no nationality: `unnamed_forces_side` when the report names
    that side (as a side or as the US side), its sentence names no other side but civilians ("killed three
    soldiers and a civilian contractor"), and the report names no other forces beside it ("two Americans and
    a Briton were killed; a dozen other personnel were wounded" says nothing of whose the dozen are)."""
    side = ctx.unnamed_forces_side
    if side is None:
        return None
    others = whole.sides_in.get(doc.sentence_of[i], set()) - {side, CIVILIAN_SIDE}
    forces = whole.all_sides - {side, CIVILIAN_SIDE, MILITIA_SIDE}
    if others or forces:
        return None
    return side if side in whole.all_sides or whole.us_named else None


def _people_without_count(ctx: Context, doc: Text, nouns: list[int], sides: dict[int, str],
                          side_spans: dict[int, int], verbs: list[Hit],
                          persons: dict[int, tuple[int, str]], whole: _WholeDoc) -> list[tuple[int, str, int]]:
    """(count, side, index) for a noun of one person (or an Arabic dual) beside a side word, with no count
    before it, next to a casualty word: "US soldier killed", "kills American contractor", "مقتل جندي أمريكي"; and,
    with count 0 (number not given), US or coalition people of no number: "several US troops were wounded"."""
    out = []
    side_end = whole.side_end
    verb_starts = {b for b, _, _ in verbs}
    verb_ends = {e for _, e, _ in verbs}
    vague = {e: b for b, e, _ in doc.hits["unnumbered"]}  # "several", "a number of": where they end -> begin
    for begin in nouns:
        end, label = persons[begin]
        count = PERSON_COUNTS.get(label, 0)  # 0: people of no number ("US troops"), only with their side beside them
        if begin in side_end:  # the side before the noun: "US soldier"
            first, side = side_end[begin], sides[side_end[begin]]
            last = end
            if _citizen(side, sides[side_end[first]] if first in side_end else None) != side:
                first, side = side_end[first], sides[side_end[first]]  # "a US civilian contractor"
        elif end in sides:  # the side after it: "جندي أمريكي"
            first, side = begin, sides[end]
            last = side_spans[end]
            if _citizen(side, sides.get(last)) != side:
                side, last = sides[last], side_spans[last]  # "متعاقد مدني أمريكي", a US civilian contractor
        elif not count:
            continue
        elif end + 1 in sides and doc.folded[end] in ctx.person_links and sides[end + 1] == MILITIA_SIDE:
            first, side = begin, MILITIA_SIDE  # "مقتل قيادي في كتائب حزب الله", a commander of Kataib Hezbollah
            last = end
        elif begin >= 2 and doc.folded[begin - 1] in ctx.clause_joiners and begin - 1 in whole.noun_before:
            # "a US soldier and airman killed", "names soldier and airman killed": two people joined by "and" before
            # one casualty word, of the first one's side (or, with none named, the unnamed forces').
            first = whole.noun_before[begin - 1]
            joined = sides[side_end[first]] if first in side_end else _unnamed_forces(ctx, doc, first, whole)
            if joined is None:
                continue
            side, count = joined, count + PERSON_COUNTS.get(persons[first][1], 0)
            first, last = side_end.get(first, first), end
        elif (nation := _nation_named_elsewhere(ctx, doc, begin, sides, persons)) is not None:
            # "contractor died while sheltering" in the title, "a US civilian contractor" in the body: one person.
            first, side, last = begin, nation, end
        else:
            continue
        if not count:
            if side not in ALLIED_SIDES:
                continue  # a number not given is kept for US and coalition people only, whose toll starts warnings
            first = vague.get(first, first)  # "wounded several US personnel": the casualty word before "several"
            if _denied_before(ctx, doc, first):
                continue  # "no US troops were hurt"
        before = doc.folded[first - 1] if first > 0 else ""
        if before in ctx.count_words or before.isdigit() or before in ctx.articles:
            continue  # counted with its number: "two US soldiers", "a US soldier"
        # The casualty word right after the noun, past an auxiliary ("soldier was killed"), or right before it.
        after = any(last <= b <= last + 1 for b in verb_starts)
        ahead = any(first - 1 <= e <= first for e in verb_ends)
        if not count:
            # "US troops suffered minor injuries"; but "US troops killed two gunmen" tells whom they killed.
            after = after or _linked_after(ctx, doc, last, verb_starts)
            after = after and not _object_follows(ctx, doc, last, verbs, sides)
        if after or ahead:
            out.append((count, side, first))
    return out


LINK_REACH = 6  # words that may stand between people of no number and their casualty word


def _linked_after(ctx: Context, doc: Text, last: int, verb_starts: set[int]) -> bool:
    """Whether a casualty word follows `last` past link words only ("were lightly wounded", "suffered minor")."""
    for i in range(last, min(last + LINK_REACH + 1, len(doc.folded))):
        if i in verb_starts:
            return True
        if doc.folded[i] not in ctx.hurt_links:
            return False
    return False


def _object_follows(ctx: Context, doc: Text, last: int, verbs: list[Hit], sides: dict[int, str]) -> bool:
    """Whether the casualty word after `last` has people of its own after it: "US troops killed two gunmen"."""
    ends = [e for b, e, _ in verbs if last <= b <= last + LINK_REACH]
    if not ends:
        return False
    nxt = doc.folded[ends[0]] if ends[0] < len(doc.folded) else ""
    return nxt.isdigit() or nxt in ctx.count_words or nxt in ctx.articles or ends[0] in sides


DENIAL_REACH = 3  # how far before people a "no" or "nobody" reaches


def _denied_before(ctx: Context, doc: Text, first: int) -> bool:
    """Whether "no" or "without" stands just before people of no number: "no US personnel were hurt"."""
    return any(doc.folded[i] in ctx.nobody or doc.folded[i] in ctx.party_negators
               for i in range(max(0, first - DENIAL_REACH), first))


def is_count(ctx: Context, doc: Text, i: int, things: set[int]) -> bool:
    """Whether the number at `i` counts people: not part of a name ("Tower 22"), a time ("22:40"), a date
    ("7 April"), a measure ("100 km") or a count of things ("100 attacks", "two rockets")."""
    if doc.masked[i] == "\x00":
        return False
    start, end, _ = doc.words[i]
    if doc.text[end:end + 1] == ":" or doc.text[start - 1:start] == ":":
        return False
    if doc.text[end:end + 1] in {",", "."} and doc.text[end + 1:end + 2].isdigit():
        return False  # "5,000", "1.5": the first digits of a larger number
    after = doc.folded[i + 1] if i + 1 < len(doc.folded) else ""
    before = doc.folded[i - 1] if i > 0 else ""
    if after in ctx.measure_words or after in ctx.months or before in ctx.months:
        return False
    if after in ctx.calendar_months or before in ctx.calendar_months:
        return False  # "26 Rajab 1445": a date of the Hijri calendar
    return i + 1 not in things


def _person_before_verb(doc: Text, i: int, verb_starts: set[int], things: set[int]) -> bool:
    """'a Briton was killed', 'an American was among the dead': a casualty word follows the article's noun in
    the sentence, and no weapon or event word stands between ('an American drone killed ...' counts none)."""
    for j in range(i + 2, min(i + ARTICLE_REACH, len(doc.folded))):
        if doc.sentence_of[j] != doc.sentence_of[i] or j in things:
            return False
        if j in verb_starts:
            return True
    return False


def _thing_starts(doc: Text) -> set[int]:
    """Tokens that start a weapon or event word: a count before one counts things, not people."""
    return {b for b, _, _ in doc.hits["weapons"]} | {b for b, _, _ in doc.hits["cues"]}


def _right_after_verb(ctx: Context, doc: Text, i: int, verb_ends: set[int]) -> bool:
    """'wounded 40', 'wounding more than 40': the count is the casualty verb's object."""
    return any(e <= i and _only_qualifiers(ctx, doc, e, i) for e in verb_ends)


def _break_between(doc: Text, end: int, position: int) -> bool:
    """Whether a comma or semicolon stands between the casualty word ending at `end` and the count at `position`."""
    if end < 1 or position >= len(doc.words):
        return False
    between = doc.text[doc.words[end - 1][1]:doc.words[position][0]]
    return any(mark in between for mark in ",;؛،")


def _only_qualifiers(ctx: Context, doc: Text, start: int, end: int) -> bool:
    gap = doc.folded[start:end]
    return not gap or any(b == 0 and e == len(gap) for b, e, _ in ctx.qualifiers.find(gap))


def _side_of_casualties(doc: Text, i: int, sides: dict[int, str], verbs: list[Hit]) -> str | None:
    """The side right before the last casualty word ahead of a revised count in its sentence: "toll of militants killed
    in US counterstrike rises to four" counts militants, not the US side named nearer the count."""
    ahead = [b for b, _, _ in verbs if b < i and doc.sentence_of[b] == doc.sentence_of[i]]
    return sides.get(ahead[-1] - 1) if ahead else None


def _side_before(doc: Text, i: int, sides: dict[int, str]) -> str | None:
    """The side named last before the count in its sentence, not an owner's adjective right after an event or
    weapon word ("حصيلة قتلى الضربات الأمريكية ... الى ٢٣": the strikes are American, not the dead)."""
    owned = {e for name in ("cues", "weapons") for _, e, _ in doc.hits[name]}
    return next((sides[j] for j in range(i - 1, -1, -1)
                 if j in sides and doc.sentence_of[j] == doc.sentence_of[i] and not (
                     j in owned and not doc.folded[j].isascii())), None)


LIST_REACH = 6  # "two Americans and a Briton": how close two counts of different sides stand in one list


def _people_then(ctx: Context, doc: Text, begin: int, verb: int) -> bool:
    """Whether only the count's people and link words stand from `begin` to the casualty word at `verb`: "(six)
    more US troops diagnosed with brain injuries"."""
    if not 0 < verb - begin <= LINK_REACH + 3:
        return False
    people = {i for name in ("persons", "sides") for b, e, _ in doc.hits[name] for i in range(b, e)}
    return all(i in people or doc.folded[i] in ctx.hurt_links or doc.folded[i] in ctx.others_words
               for i in range(begin, verb))


def _only_side_before(doc: Text, i: int, sides: dict[int, str]) -> str | None:
    """The one side named before the count in its sentence ("a US contractor" is the US's), None when several are:
    "two Americans and a Briton were killed; a dozen others were hurt" does not say whose the dozen are."""
    named = {sides[j] for j in range(i) if j in sides and doc.sentence_of[j] == doc.sentence_of[i]}
    nations = named - {CIVILIAN_SIDE}
    return nations.pop() if len(nations) == 1 else (CIVILIAN_SIDE if named == {CIVILIAN_SIDE} else None)


UNNAMED_REACH = 5  # "rises to 40 injured as more troops ...": the people a revised count with no side counts
NOBODY_REACH = 12  # "a US official said on Monday, and nobody was hurt": as far as a count reaches its verb


def _nobody_between(ctx: Context, doc: Text, position: int, verbs: list[Hit]) -> bool:
    """Whether "nobody" or "no" stands between a person and the next casualty word: "a US official said, and nobody
    was hurt" (the official is who spoke, nobody was hurt)."""
    after = min((start for start, _, _ in verbs if start > position), default=None)
    if after is None or after - position > NOBODY_REACH:
        return False
    return any(doc.folded[i] in ctx.nobody for i in range(position + 1, after))


def _verb_for(ctx: Context, doc: Text, position: int, verbs: list[Hit]) -> str | None:
    """Which casualty verb a quantity belongs to: the one it is the object of ("killed three US soldiers
    and wounded 40"), else the one right after it, else just before, else later on; a revised toll ("rises
    to three") belongs to the casualty word before it. When every casualty word of the sentence is of one
    kind ("one of the dead ...; the two Americans were ..."), every count in it is of that kind."""
    kinds = {label for _, _, label in verbs}
    if len(kinds) == 1:
        return kinds.pop()
    # "Three US soldiers killed, 34 wounded", "one contractor was killed; five service members ... wounded": a
    # count after a clause break is no object of the casualty word before the break.
    objects = [(position - e, label) for _, e, label in verbs
               if e <= position and _only_qualifiers(ctx, doc, e, position) and not _break_between(doc, e, position)]
    if objects:
        return min(objects)[1]
    if revised(ctx, doc, position):
        # "toll rises to eight service members treated": the casualty word right after the count's people says
        # what it counts, over the toll word before it.
        right_after = [(start - position, label) for start, _, label in verbs
                       if (0 < start - position <= 3 and not _break_between(doc, position + 1, start))
                       or _people_then(ctx, doc, position + 1, start)]
        if right_after:
            return min(right_after)[1]
        earlier = [(position - e, label) for _, e, label in verbs if e <= position]
        if earlier:
            return min(earlier)[1]
    # "killing two US soldiers and one British medic and wounding 12": an -ing verb governs what
    # follows it, so it is never the verb of a count before it.
    after = [(start - position, label) for start, _, label in verbs
             if 0 < start - position <= 12 and not doc.folded[start].endswith(ctx.governing_suffixes)]
    if after and after[0][0] <= 4:
        return min(after)[1]
    before = [(position - end, label) for _, end, label in verbs
              if 0 <= position - end <= 4 and not _break_between(doc, end, position)]
    # "A contractor was killed and four service members were wounded": a count opening a new clause is its verb's.
    if before and after and any(doc.folded[j] in ctx.clause_joiners
                                for j in range(position - min(before)[0], position)):
        return min(after)[1]
    if before:
        return min(before)[1]
    return min(after)[1] if after else None
