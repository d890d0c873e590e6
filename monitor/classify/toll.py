"""The toll: killed and injured by side, and commanders named as killed."""

from __future__ import annotations

from monitor.classify.context import Context
from monitor.classify.lexicon import Hit
from monitor.classify.numbers import count_wording, number
from monitor.classify.segment import Text
from monitor.model import Match


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
    tokens_by_sentence: dict[int, list[int]] = {}
    for i, sentence in enumerate(doc.sentence_of):
        if sentence in verbs_by_sentence and doc.foreground[i]:
            tokens_by_sentence.setdefault(sentence, []).append(i)
    for sentence, verbs in verbs_by_sentence.items():
        for count, side, position in _quantities(ctx, doc, tokens_by_sentence.get(sentence, []), sides_all, verbs):
            kind = _verb_for(position, verbs, doc.folded, ctx.governing_suffixes)
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
    """(count, side, index) for 'two US', '25 militia fighters', and a bare count right before a
    casualty word ('... and 55 wounded'), which takes the side named last."""
    verb_starts = {b for b, _, _ in verbs}
    verb_ends = {e for _, e, _ in verbs}
    out = []
    last_side = None
    for i in indexes:
        count = number(ctx, doc.folded[i])
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


def _verb_for(position: int, verbs: list[Hit], words: list[str] | None = None,
              governing: tuple[str, ...] = ()) -> str | None:
    """Which casualty verb a quantity belongs to: right after it, else just before, else later on.
    When every casualty word of the sentence is of one kind ("one of the dead ...; the two Americans
    were ..."), every count in it is of that kind."""
    verbs_with_form = [(b, e, label, words is not None and bool(words) and words[b].endswith(governing))
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
