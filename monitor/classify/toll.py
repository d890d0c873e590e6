"""The toll: killed and injured by side, and commanders named as killed."""

from __future__ import annotations

from itertools import compress

from monitor.classify.context import Context
from monitor.classify.lexicon import Hit
from monitor.classify.numbers import count_wording, number
from monitor.classify.segment import Text
from monitor.model import Match

ARTICLE_REACH = 10  # "a US citizen was reported to be among the dead": how far the casualty word may follow
REVISION_REACH = 5  # "raising the death toll to two": the revision word a few words before the count


def toll_counts(ctx: Context, doc: Text) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Killed and injured by side; evidence keeps the sentence, and "at least 25" or "raising the
    injured to 14" keep their wording in the evidence key `killed_note` / `injured_note`."""
    killed: dict[str, int] = {}
    injured: dict[str, int] = {}
    evidence: dict[str, str] = {}
    sides_all = {b: label for b, _, label in doc.hits["sides"]}
    verbs_by_sentence: dict[int, list[Hit]] = {}
    for verb in doc.hits["toll"]:
        if doc.foreground[verb[0]]:
            verbs_by_sentence.setdefault(doc.sentence_of[verb[0]], []).append(verb)
    # Only words that can be counts (digits, number words, ordinals) can give a quantity.
    tokens_by_sentence: dict[int, list[int]] = {}
    if verbs_by_sentence:
        positions = range(len(doc.folded))
        count_words = ctx.count_words.__contains__
        candidates = sorted({*compress(positions, map(str.isdigit, doc.folded)),
                             *compress(positions, map(count_words, doc.folded))})
        for i in candidates:
            sentence = doc.sentence_of[i]
            if sentence in verbs_by_sentence and doc.foreground[i]:
                tokens_by_sentence.setdefault(sentence, []).append(i)
    for sentence, verbs in verbs_by_sentence.items():
        for count, side, position in _quantities(ctx, doc, tokens_by_sentence.get(sentence, []), sides_all, verbs):
            kind = _verb_for(ctx, doc, position, verbs)
            if kind is None:
                continue
            table = killed if kind == "killed" else injured
            if count > table.get(side, 0):
                table[side] = count
                evidence.setdefault(kind, doc.sentence(sentence))
                wording = count_wording(ctx, doc, position, count)
                if wording:
                    evidence[f"{kind}_note"] = f"{side}: {wording}"
    return killed, injured, evidence


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


def _quantities(ctx: Context, doc: Text, indexes: list[int], sides: dict[int, str],
                verbs: list[Hit]) -> list[tuple[int, str, int]]:
    """(count, side, index) for 'two US', '25 militia fighters', a bare count right before a casualty word
    ('... and 55 wounded') or right after one ('wounded more than 40'), and a toll revised upwards ('rises to
    three'): those take the side named last. 'A third soldier died' counts three."""
    verb_starts = {b for b, _, _ in verbs}
    verb_ends = {e for _, e, _ in verbs}
    out = []
    last_side = None
    things = _thing_starts(doc)
    for i in indexes:
        word = doc.folded[i]
        count = ctx.ordinals.get(word) or number(ctx, word)
        if count is None or not is_count(ctx, doc, i, things):
            continue
        side = next((sides[j] for j in range(i + 1, min(i + 5, len(doc.folded)))
                     if j in sides and doc.sentence_of[j] == doc.sentence_of[i]), None)
        if side is not None and word in ctx.articles and not (
                {i, i - 1} & verb_ends or _person_before_verb(doc, i, verb_starts, things)):
            continue  # "an American drone killed": "an" counts a person only, next to a casualty word
        if side is None:
            if word in ctx.articles:
                continue
            bare = {i + 1, i + 2} & verb_starts or _right_after_verb(ctx, doc, i, verb_ends)
            revised = any(doc.folded[j] in ctx.revision_words for j in range(max(0, i - REVISION_REACH), i))
            side = last_side or (_side_before(doc, i, sides) if revised else None)
            if side is None or not (bare or revised):
                continue
        last_side = side
        out.append((count, side, i))
    return out


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


def _only_qualifiers(ctx: Context, doc: Text, start: int, end: int) -> bool:
    gap = doc.folded[start:end]
    return not gap or any(b == 0 and e == len(gap) for b, e, _ in ctx.qualifiers.find(gap))


def _side_before(doc: Text, i: int, sides: dict[int, str]) -> str | None:
    return next((sides[j] for j in range(i - 1, -1, -1) if j in sides and doc.sentence_of[j] == doc.sentence_of[i]),
                None)


def _verb_for(ctx: Context, doc: Text, position: int, verbs: list[Hit]) -> str | None:
    """Which casualty verb a quantity belongs to: the one it is the object of ("killed three US soldiers
    and wounded 40"), else the one right after it, else just before, else later on; a revised toll ("rises
    to three") belongs to the casualty word before it. When every casualty word of the sentence is of one
    kind ("one of the dead ...; the two Americans were ..."), every count in it is of that kind."""
    kinds = {label for _, _, label in verbs}
    if len(kinds) == 1:
        return kinds.pop()
    objects = [(position - e, label) for _, e, label in verbs
               if e <= position and _only_qualifiers(ctx, doc, e, position)]
    if objects:
        return min(objects)[1]
    if any(doc.folded[j] in ctx.revision_words for j in range(max(0, position - REVISION_REACH), position)):
        earlier = [(position - e, label) for _, e, label in verbs if e <= position]
        if earlier:
            return min(earlier)[1]
    # "killing two US soldiers and one British medic and wounding 12": an -ing verb governs what
    # follows it, so it is never the verb of a count before it.
    after = [(start - position, label) for start, _, label in verbs
             if 0 < start - position <= 12 and not doc.folded[start].endswith(ctx.governing_suffixes)]
    if after and after[0][0] <= 4:
        return min(after)[1]
    before = [(position - end, label) for _, end, label in verbs if 0 <= position - end <= 4]
    if before:
        return min(before)[1]
    return min(after)[1] if after else None
