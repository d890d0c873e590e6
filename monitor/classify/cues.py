"""What happened: event cues in the foreground, weighted by where they stand, vote for attack, strike or
threat. Words shared by attacks and strikes ("strike", "hit", "raid") count as a strike only when a state
that strikes is named before them in the clause; an off-topic frame (handovers, anniversaries, court
cases) outweighs them."""

from __future__ import annotations

import re

from monitor.classify.context import Context
from monitor.classify.segment import Text, weight
from monitor.model import Matches


def type_scores(ctx: Context, doc: Text, matches: Matches) -> tuple[dict[str, float], dict[str, int]]:
    """Score per event type, and the first cue of each; records the resolved cues in `doc.cues`."""
    striker_tokens = {doc.token_at(m.start) for m in matches.mentions
                      if m.name in ctx.strikers or ctx.affiliation.get(m.name) in ctx.strikers}
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
                doc.masked[begin + 1] in ctx.facility_words):
            continue  # "drone facilities": what a strike hit, not an attack
        if begin in off_topic:
            continue  # "went on strike": the cue word belongs to an off-topic phrase
        if label == "ambiguous":
            doc.cues.append((begin, "strike"))  # in a strike report, "one raid struck ..." tells a site
            resolved = _resolve_ambiguous(ctx, doc, begin, striker_tokens)
            if resolved is None:
                continue
            label = resolved
        doc.cues.append((begin, label))
        first.setdefault(label, begin)
        # Each sentence votes once per type: five words for one idea are still one idea.
        if (label, doc.sentence_of[begin]) not in counted:
            counted.add((label, doc.sentence_of[begin]))
            scores[label] = scores.get(label, 0.0) + weight(ctx.weights, doc, begin)
    if "threat" in scores and _reported_speech(doc) and any(
            doc.sentence_of[b] == 0 for b, _, lb in doc.hits["cues"] if lb == "threat"):
        scores["threat"] += ctx.weights.title
    return scores, first


def _reported_speech(doc: Text) -> bool:
    """A title that reports what someone said: "Esper: ..." or "Trump warns ..."."""
    title = doc.sentence(0)
    if re.match(r"^[^:]{2,40}:\s", title):
        return True
    title_words = [i for i, s in enumerate(doc.sentence_of) if s == 0]
    return any(b in title_words[:4] for b, _, _ in doc.hits["speech"])


def _resolve_ambiguous(ctx: Context, doc: Text, at: int, strikers: set[int]) -> str | None:
    """'strike', 'hit', 'raid': a strike when the nearest agent before it, in the same sentence, is a
    striking state or its aircraft ("US jets hit", "Israeli raids"); an attack when it is an attacker
    or a projectile ("Iranian strike", "rockets hit"); nothing when no agent is named."""
    sentence = doc.sentence_of[at]
    for i in range(at - 1, max(-1, at - 9), -1):
        if doc.sentence_of[i] != sentence:
            break
        if i in strikers or any(tuple(doc.folded[i : i + len(p)]) == p for p in ctx.striker_words):
            return "strike"
        if doc.folded[i] in ctx.attacker_words:
            return "attack"
    return None  # "bakers strike over pay": no agent, no event


def off_topic_frame(ctx: Context, doc: Text, scores: dict[str, float], reasons: list[str]) -> bool:
    """Whether an off-topic frame is in the title (unless a strong threat is) or outweighs the event words."""
    found = [(b, label) for b, _, label in doc.hits["off_topic"] if doc.foreground[b]]
    in_title = [label for b, label in found if doc.sentence_of[b] == 0]
    total = sum(weight(ctx.weights, doc, b) for b, _ in found)
    if in_title and not (scores.get("threat", 0) >= ctx.weights.title and "threat" in scores):
        reasons.append(f"off-topic frame in the title: {', '.join(sorted(set(in_title)))}")
        return True
    if found and total >= max(scores.values(), default=0.0):
        reasons.append(f"off-topic words outweigh event words: {', '.join(sorted({lb for _, lb in found}))}")
        return True
    return False


def event_type(scores: dict[str, float], first: dict[str, int], off_topic: bool) -> str | None:
    """The type with the highest score, the earliest on a tie; "other" for an off-topic frame."""
    if off_topic:
        return "other" if scores or off_topic else None
    if not scores:
        return None
    return max(scores, key=lambda k: (scores[k], -first.get(k, 10**9)))


def cue_sentence(doc: Text, kind: str) -> str | None:
    """The sentence of the first foreground cue of that event type, the evidence for it."""
    for begin, _, label in doc.hits["cues"]:
        if doc.foreground[begin] and (label == kind or label == "ambiguous"):
            return doc.sentence(doc.sentence_of[begin])
    return doc.sentence(0) or None
