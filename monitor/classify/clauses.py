"""Who acts on whom, from the clause around an event word rather than from the name nearest to it.

Each token that can take part in an event gets a role: a `state` that strikes (the US side, a striking state,
their aircraft), a `militia` (a watched Iran-aligned actor or a word for armed groups), a `projectile`
(rockets, drones: they carry an event but say nothing of whose it is), a `target` (a base, troops, a listed
site) or a `vehicle` (a car: hit with no side named on it, the mark of a targeted strike). In the clause of an
event word the agent is the head of the noun phrase before it (the last party named: "a militia's drone strike",
"US aircraft hit"), or, in the passive ("the embassy was hit", "struck by drones"), the party after the agent
marker; the patient is the first party after it.

    an attack    a militia acts, or a state, a target or a projectile is hit
    a strike     a state acts, or a militia or a vehicle is hit
    nothing      a crowd acts ("protesters stormed the palace"), unless it is a militia's
"""

from __future__ import annotations

import bisect
import operator
import re
from itertools import compress

from monitor.classify.context import Context
from monitor.classify.lexicon import among, hits_between
from monitor.classify.numbers import number
from monitor.classify.segment import Text
from monitor.text import arabic_stems

STATE, MILITIA, PROJECTILE, TARGET, CROWD, VEHICLE = "state", "militia", "projectile", "target", "crowd", "vehicle"
NAME = "\x00"  # a masked token: part of a watchlist name
MAX_REACH = 16  # tokens a clause reaches either way from its event word
MODIFIER_REACH = 2  # "US drone", "militia rockets": whose projectile, just before it
AGENT_MARKER_REACH = 4  # "attacks and threats by militias": "by" a few words on still names the agent
OWNER_REACH = 3  # "PMF convoy", "a convoy of the PMF": whose site or force, around it
VICTIM_REACH = 3  # "a KH commander killed", "kills two PMF members": the dead stand this near the casualty word
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–،؛]|\s-\s")  # Arabic comma and semicolon too


def token_roles(ctx: Context, doc: Text) -> dict[int, str]:
    """Role of each token that names a party to an event; also records in `doc.other_states` the tokens
    that name a striking state other than the US side."""
    roles: dict[int, str] = {}
    doc.roles = roles
    for begin, end, _ in doc.hits["targets"]:
        roles.update(dict.fromkeys(range(begin, end), TARGET))
    for begin, end, _ in doc.hits["militia"]:
        roles.update(dict.fromkeys(range(begin, end), MILITIA))
    projectiles = {i for b, e, _ in doc.hits["weapons"] for i in range(b, e)}
    for begin, end, label in doc.hits["vehicles"]:
        # "a car bomb" is a weapon, an ambulance nobody's target, "a car used to launch the rockets" the attackers'.
        if label == "vehicle" and not projectiles.intersection(range(begin, end)) and not _launching(ctx, doc, end):
            roles.update(dict.fromkeys(range(begin, end), VEHICLE))
    for begin, _, _ in doc.hits["attackers"]:
        roles[begin] = PROJECTILE if begin in projectiles else MILITIA
    for begin, _, _ in doc.hits["crowd"]:
        roles[begin] = CROWD
    for begin, end, label in doc.hits["strikers"]:  # without a lowercase "us" (segment drops it)
        roles.update(dict.fromkeys(range(begin, end), STATE))
        if label == "other":
            doc.other_states.update(range(begin, end))
    for m, first, end in doc.named:
        role = _mention_role(ctx, m.section, m.name)
        if role is None:
            continue
        roles.update(dict.fromkeys(range(first, end), role))
        if role == STATE and _actor(ctx, m.section, m.name) not in ctx.us_side:
            doc.other_states.update(range(first, end))
    _keep_targeted_vehicles(ctx, doc, roles)
    # "fighters backed by Iran", "مسلحين مدعومين من إيران": the patron named after a membership word backs them and
    # takes no part in the event (a group named there, "مواقع تابعة لكتائب حزب الله", still owns what was hit).
    member_ends = {end for _, end, _ in doc.hits["membership"]}
    for m, first, end in doc.named:
        if m.section == "actor" and m.name in ctx.patrons and (
                first in member_ends or (first - 1 in member_ends and doc.folded[first - 1] in ctx.function_words)):
            for i in range(first, end):
                roles.pop(i, None)
    return roles


def _keep_targeted_vehicles(ctx: Context, doc: Text, roles: dict[int, str]) -> None:
    """A car hit tells a targeted strike only where its sentence names no site or US-side party and no weapon but a
    strike's: "a drone hit a car in eastern Baghdad", not "a drone hit vehicles inside the base" (the base was hit),
    "US vehicles damaged" or "a roadside bomb hit a car" (an attack, or a crime)."""
    vehicles = [i for i, role in roles.items() if role == VEHICLE]
    if not vehicles:
        return
    told = {doc.sentence_of[i] for i, role in roles.items() if role == TARGET or (
        role == STATE and i not in doc.other_states)}
    told |= {doc.sentence_of[b] for b, _, kind in doc.hits["weapons"] if kind not in ctx.vehicle_strike_weapons}
    for i in vehicles:
        if doc.sentence_of[i] in told:
            del roles[i]


def _launching(ctx: Context, doc: Text, end: int) -> bool:
    """Whether a launch word follows a vehicle closely in its sentence ("a truck used to launch rockets", "عجلة
    استخدمت في إطلاق صواريخ"): the vehicle carried the attack."""
    for i in range(end, min(len(doc.folded), end + OWNER_REACH + 1)):
        if doc.sentence_of[i] != doc.sentence_of[end - 1]:
            break
        if among(doc.folded[i], ctx.launch_words):
            return True
    return False


def _actor(ctx: Context, section: str, name: str) -> str | None:
    return name if section == "actor" else ctx.affiliation.get(name) if section == "person" else None


def _mention_role(ctx: Context, section: str, name: str) -> str | None:
    actor = _actor(ctx, section, name)
    if actor is not None:
        if actor in ctx.strikers:
            return STATE
        if actor in ctx.iran_side or actor in ctx.patrons:
            return MILITIA
        return None
    return TARGET if section == "place" and name in ctx.sites else None


def clause(ctx: Context, doc: Text, begin: int, end: int) -> tuple[int, int]:
    """First and past-last token of the clause holding tokens begin..end: bounded by the sentence, by
    clause punctuation, by clause openers ("when", "which") and by speech verbs (who speaks, "the embassy
    says", "a statement", is not a party)."""
    known = doc.clauses.get((begin, end))
    if known is not None:
        return known
    if not doc.breaks:
        _find_breaks(ctx, doc)
    sentence_of = doc.sentence_of
    # The nearest stop on either side (a break, a speech verb, the sentence's edge), found by bisection.
    left, right = doc.left_stops, doc.right_stops
    lo = max(0, begin - MAX_REACH, left[bisect.bisect_right(left, begin) - 1])
    if end < len(sentence_of) and sentence_of[end] != sentence_of[begin]:
        hi = end
    else:
        hi = min(len(sentence_of), end + MAX_REACH, right[bisect.bisect_left(right, end)])
    doc.clauses[begin, end] = lo, hi
    return lo, hi


def _find_breaks(ctx: Context, doc: Text) -> None:
    """The tokens a clause cannot reach across: those after clause punctuation, and clause openers; and the
    stops a clause's start and end cannot pass, which add speech verbs (who speaks is not a party) and
    the sentences' first tokens."""
    doc.breaks.add(-1)  # found, even when there are none
    for found in _CLAUSE_BREAK.finditer(doc.text):
        doc.breaks.add(bisect.bisect_left(doc.starts, found.end()))
    doc.breaks.update(compress(range(len(doc.folded)), map(ctx.clause_openers.__contains__, doc.folded)))
    sentence_of = doc.sentence_of
    firsts = set(compress(range(1, len(sentence_of)), map(operator.ne, sentence_of[1:], sentence_of)))
    doc.left_stops = sorted(doc.breaks | firsts | {i + 1 for i in doc.speaking} | {-1})
    doc.right_stops = sorted(doc.breaks | firsts | doc.speaking | {len(sentence_of)})


def resolve(ctx: Context, doc: Text, roles: dict[int, str], begin: int, end: int) -> str | None:
    """'attack' or 'strike' for the event word at begin..end, from its agent and patient; None when the
    clause names neither ("bakers strike over pay")."""
    lo, hi = clause(ctx, doc, begin, end)
    agent, patient, at = parties(ctx, doc, roles, begin, end, lo, hi)
    if agent == CROWD:
        return None  # an unarmed crowd makes no armed event
    if agent in {STATE, MILITIA}:
        if agent == STATE and at is not None:
            doc.agents[begin] = at
        if agent == STATE and patient == MILITIA:
            doc.militia_hit.add(begin)
        return "strike" if agent == STATE else "attack"
    if patient == MILITIA:
        doc.militia_hit.add(begin)
        return "strike"
    if patient == VEHICLE:
        doc.vehicle_hit.add(begin)
        return "strike"  # "a drone hit a car": nobody's base, a targeted strike
    if patient in {STATE, TARGET, PROJECTILE}:
        return "attack"  # a projectile hit is one brought down: an interception
    if agent == PROJECTILE or any(roles.get(i) == PROJECTILE for i in range(begin, end)):
        return "attack"  # "rockets hit", "after a drone strike": a projectile, nobody's named
    return None


def only_militia_dead(ctx: Context, doc: Text, roles: dict[int, str], begin: int, end: int) -> bool:
    """Whether an event word that nobody is named acting in tells a strike by its dead: the only victims its
    sentence names beside a casualty word are militia ("a KH commander was killed as a drone hit his car",
    "مقتل قيادي في الحشد بقصف مسيرة"). A listed site hit, or a state's side among the dead, keeps it an attack."""
    sentence = doc.sentence_of[begin]
    victims: set[str] = set()
    tolls = doc.hits["toll"]
    # The casualty words of this sentence only (the hits are in text order): a long report stays linear.
    first = bisect.bisect_left(tolls, (bisect.bisect_left(doc.sentence_of, sentence), -1, ""))
    for b, e, _ in tolls[first:]:
        if doc.sentence_of[b] != sentence:
            break
        near = [*range(max(0, b - VICTIM_REACH), b), *range(e, min(len(doc.folded), e + VICTIM_REACH))]
        victims |= {roles[i] for i in near if roles.get(i) in {STATE, MILITIA, TARGET}
                    and doc.sentence_of[i] == sentence}
    if victims != {MILITIA}:
        return False
    lo, hi = clause(ctx, doc, begin, end)
    agent, patient, _ = parties(ctx, doc, roles, begin, end, lo, hi)
    if agent in {STATE, MILITIA, CROWD} or patient == STATE:
        return False
    return not (patient == TARGET and any(roles.get(i) == TARGET and doc.masked[i] == NAME for i in range(end, hi)))


def parties(ctx: Context, doc: Text, roles: dict[int, str], begin: int, end: int, lo: int,
            hi: int) -> tuple[str | None, str | None, int | None]:
    """(agent role, patient role, agent token) of the event word at begin..end in its clause lo..hi."""
    # "ضربة ... استهدفت مسلحين": a verb whose subject came first reads left to right.
    if _subject_follows(ctx, doc.folded[begin]) and not any(roles.get(i) for i in range(lo, begin)) and not (
            hits_between(doc.hits["cues"], lo, begin)):
        # Verb first: "استهدف مجاهدو المقاومة قاعدة الشدادي" (the resistance's fighters targeted al-Shaddadi base),
        # "قصفت الولايات المتحدة مواقع للكتائب": the first party after the verb acts, the next is hit.
        at = next((i for i in range(end, hi) if roles.get(i) is not None), None)
        subject = roles[at] if at is not None else None  # as named: the object's owner may follow it
        if subject in {STATE, MILITIA} and at is not None:
            j = at
            while j < hi and (roles.get(j) == subject or (doc.masked[j] == NAME and j not in roles)):
                j += 1
            hit = _head_after(roles, j, hi)[0]
            # With no object left in the clause ("استهدف مجاهدو المقاومة الإسلامية في العراق، فجر اليوم، قاعدة ...":
            # a time between commas cuts it), a subject right after the verb still acts: it is not what was hit. One
            # further on may own the object ("ضربنا منشآت لكتائب حزب الله", we struck the Brigades' facilities).
            if hit is not None or at == end:
                return subject, hit, at
    # "the embassy was hit", "struck by drones", "attacks and threats by militias": who did it comes after.
    by = next((i for i in range(end, min(hi, end + AGENT_MARKER_REACH)) if doc.folded[i] in ctx.agent_markers
               and not any(roles.get(j) for j in range(end, i))), None)
    auxiliary = begin > lo and doc.folded[begin - 1] in ctx.passive_auxiliaries
    if by is not None and by > end and not auxiliary and _head_before(
            roles, _noun_phrase_start(ctx, doc, roles, lo, begin), begin)[0] in {STATE, MILITIA}:
        # "US forces strike facilities used by Kataib Hezbollah": with its subject before it, the verb is active
        # and a "by" some words on belongs to its object.
        by = None
    if auxiliary or by is not None:
        agent = _head_after(roles, by + 1, hi) if by is not None else (None, None)
        return agent[0], _head_before(roles, lo, begin)[0], agent[1]
    start = _noun_phrase_start(ctx, doc, roles, lo, begin)
    before, at = _head_before(roles, start, begin)
    if before is None and lo == begin - 1 and begin >= 2 and doc.folded[lo] in ctx.relative_pronouns:
        # "American drones that struck north Babil took off from Kuwait": a relative clause's subject is the noun
        # phrase right before its pronoun.
        before, at = _head_before(roles, clause(ctx, doc, lo - 1, lo)[0], lo)
    if before is None and begin >= 2 and doc.folded[begin - 1] in ctx.subject_pronouns and begin - 2 in doc.speaking:
        # "The US-led coalition says it struck rocket sites": the pronoun after the speech verb is who speaks.
        first = bisect.bisect_left(doc.sentence_of, doc.sentence_of[begin])
        before, at = _head_before(roles, first, begin - 2)
    if before in {STATE, MILITIA, TARGET} and at is not None and _victim(ctx, doc, roles, lo, at, begin):
        return None, before, None  # "four militants killed and seven launchers destroyed": the dead were hit
    if before == MILITIA and at is not None and at + 1 < begin and doc.folded[at + 1] in ctx.facility_words and all(
            roles.get(j) in {None, TARGET} for j in range(at + 1, begin)):
        return None, MILITIA, None  # "nine militia bunkers destroyed": a headline passive, their sites were hit
    if before == TARGET and at is not None and at > lo and doc.folded[at] in ctx.force_words and (
            roles.get(at - 1) in {STATE, MILITIA}):
        before, at = roles[at - 1], at - 1  # "U.S. Central Command forces carried out a strike": the owner acts
    if before in {TARGET, VEHICLE}:
        # "Harir air base hit in drone attack", "car hit in drone strike": a headline passive; what stands before
        # was hit.
        return None, before, None
    if before is None and roles.get(begin) == PROJECTILE and end < hi and roles.get(end) in {STATE, MILITIA} and (
            not doc.folded[begin].isascii()):
        # "صواريخ الفصائل تضرب قاعدة عين الأسد" (the factions' rockets hit Ain al-Asad): Arabic names a projectile's
        # owner right after it; the owner acts, and what follows its name was hit.
        j = end
        while j < hi and (roles.get(j) == roles[end] or (doc.masked[j] == NAME and j not in roles)):
            j += 1
        return roles[end], _head_after(roles, j, hi)[0], end
    if before is None:
        owner = _owner_after(doc, roles, end, hi)
        if owner is not None:
            return roles[owner], _head_after(roles, owner + 1, hi)[0], owner
    patient = _head_after(roles, end, hi)[0]
    if patient is None and before is None and start > lo:
        # "Three US soldiers died in the drone strike", "it killed a KH commander in a strike": those killed
        # or wounded before the noun are its victims.
        toll = [b for b, e, _ in doc.hits["toll"] if lo <= b < start]
        if toll:
            verb = toll[-1]
            victim = _head_after(roles, verb + 1, start)[0]
            if victim is not None and not (verb > lo and doc.folded[verb - 1] in ctx.passive_auxiliaries):
                # "American forces kill a Nujaba commander in a strike": an active casualty verb with its
                # victim after it has its killer before it.
                before, at = _head_before(roles, lo, verb)
                patient = victim
            else:
                patient = _head_before(roles, lo, verb)[0] or victim
    return before, patient, at


def _victim(ctx: Context, doc: Text, roles: dict[int, str], lo: int, at: int, begin: int) -> bool:
    """Whether the party at `at`, before the event word at `begin` in the clause from `lo`, is one a casualty
    word tells killed or hurt: right after it, past a count ("killing four militants", "مقتل أربعة مسلحين"), or
    right before it with nobody else after it ("militants killed and launchers destroyed")."""
    tolls = doc.hits["toll"]
    for b, e, _ in tolls[bisect.bisect_left(tolls, lo, key=operator.itemgetter(0)):]:
        if b >= begin:
            break
        if e <= at < e + VICTIM_REACH and all(
                roles.get(i) == roles[at] or number(ctx, doc.folded[i]) is not None for i in range(e, at)):
            return True
        if at < b <= at + 2 and not any(roles.get(i) for i in range(e, min(begin, e + VICTIM_REACH))):
            return True
    return False


def _subject_follows(ctx: Context, word: str) -> bool:
    """Whether the word is a verb whose subject comes after it, as written or without its proclitics."""
    verbs = ctx.subject_after_verbs
    return bool(verbs) and (word in verbs or (
        not word.isascii() and any(f in verbs for f in arabic_stems(word, verbs=True))))


def _owner_after(doc: Text, roles: dict[int, str], end: int, hi: int) -> int | None:
    """Where a language puts the adjective after the noun, the state or militia whose event it is when nobody
    acts before the event word: the adjective right after the event word ("ضربات أمريكية", US strikes), or
    right after the projectile that follows it, the verb's subject ("استهدفت طائرة مسيرة أمريكية", a US
    drone targeted)."""
    at = end
    first = next((i for i in range(end, hi) if roles.get(i) is not None), None)
    # The subject after the verb may be a projectile or an aircraft ("قصفت طائرات أمريكية", US aircraft struck):
    # the adjective after it names whose.
    if first is not None and roles[first] in {PROJECTILE, STATE} and first not in doc.owners_after:
        kind = roles[first]
        at = first
        while at < hi and roles.get(at) == kind and at not in doc.owners_after:
            at += 1
    if at < hi and at in doc.owners_after and roles.get(at) in {STATE, MILITIA}:
        return at
    return None


def _noun_phrase_start(ctx: Context, doc: Text, roles: dict[int, str], lo: int, begin: int) -> int:
    """Where the agent may stand. After a determiner ("in the drone strike", "a US raid", "in Baghdad drone
    strike") the event word is a noun and only the words between name whose it is; otherwise it is a verb
    and its subject may stand anywhere before it in the clause."""
    k = begin - 1
    while k >= lo and (roles.get(k) is not None or doc.masked[k] == NAME):
        k -= 1
    return k + 1 if k >= lo and doc.folded[k] in ctx.determiners else lo


def _head_before(roles: dict[int, str], lo: int, at: int) -> tuple[str | None, int | None]:
    """The head of the noun phrase before `at` and where it stands: the nearest party; for a projectile, the
    state or militia whose projectile it is when one is named right before it."""
    for i in range(at - 1, lo - 1, -1):
        role = roles.get(i)
        if role is None:
            continue
        if role in {PROJECTILE, CROWD}:  # whose rockets, whose supporters: the owner acts
            j = i
            while j > lo and roles.get(j - 1) == role:
                j -= 1  # "drone strike" tokens of one phrase
            found = owner(roles, lo, j)
            return (found, owner_at(roles, lo, j)) if found else (role, i)
        return role, i
    return None, None


def owner(roles: dict[int, str], lo: int, at: int) -> str | None:
    """The state or militia named right before the projectile at `at` ("US drones", "militia rockets")."""
    found = owner_at(roles, lo, at)
    return roles[found] if found is not None else None


def owner_at(roles: dict[int, str], lo: int, at: int, end: int = 0, hi: int = 0) -> int | None:
    """Where the owner of the projectile at..end stands: right before it ("US drones"), or, given the clause
    end `hi`, right after it where a language puts the adjective after the noun ("طائرة مسيرة أمريكية")."""
    found = next((k for k in range(at - 1, max(lo, at - MODIFIER_REACH) - 1, -1) if roles.get(k) in {STATE, MILITIA}),
                 None)
    if found is None and end < hi and roles.get(end) == STATE:
        return end
    return found


def _head_after(roles: dict[int, str], start: int, hi: int) -> tuple[str | None, int | None]:
    """The party after the event word, and where it stands; a site or force counts as its owner's when the
    owner is named with it ("a PMF convoy", "positions of the PMF", "a base hosting US troops")."""
    for i in range(start, hi):
        role = roles.get(i)
        if role is None:
            continue
        phrase = {roles.get(j) for j in range(i, min(hi, i + OWNER_REACH + 1))}
        return (MILITIA if MILITIA in phrase else STATE if STATE in phrase else role), i
    return None, None
