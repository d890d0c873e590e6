"""What happened: event cues in the foreground, weighted by where they stand, vote for attack, strike or
threat. Who acts on whom decides between attack and strike (`clauses`): words shared by both ("strike",
"hit", "raid") go by their agent and patient, an attack word whose patient is a militia tells a strike on it,
an interception word tells an attack when a projectile was brought down. What a threat is about (its clause)
is no event of its own; an attack stated as a condition ("if they strike") is a threat, and so is a
conditional vow by the militias or Iran about the US side whatever its words; a threat of sanctions or
tariffs is none. An off-topic frame (handovers, anniversaries, court cases) outweighs the cues."""

from __future__ import annotations

import bisect
import re

from monitor.classify import clauses
from monitor.classify.context import NON_CUE, Context
from monitor.classify.lexicon import covers
from monitor.classify.numbers import number
from monitor.classify.roles import actor_of
from monitor.classify.segment import Text, weight

ARMED = {"attack", "strike"}
ARMED_WORDS = ARMED | {"ambiguous"}  # the cue lists whose words tell armed action ("strikes": an attack or a strike)
TALLY_COUNT = 3  # "three attacks since Sunday" counts; "two drones" do not make a tally
TALLY_REACH = 8  # "60 attacks on US forces in Iraq and Syria since": how far the marker may follow
CONDEMNED_REACH = 4  # "condemns last night's missile attack": the words between a condemnation and what it condemns
NEGATOR_REACH = 2  # "no attack", "no rocket attack", "no drone strike": how far before the event word
DENIAL_REACH = 3  # "deny the second drone attack": words a denial verb may stand before its event word
THREAT_WORDS = {"threat", "verdict"}  # the cue lists that tell a threat
AGENT_REACH = 3  # "killed by a Kataib Hezbollah drone", "killed its commander": how far its agent or object follows
FUTURE_BEFORE = 2  # "upcoming strikes", "نعتزم تنفيذ ضربات": how far before a strike word a future word stands
FUTURE_AFTER = 6  # "further US strikes on Iran-backed groups are on the way": how far after it
SPEECH = "speech"  # speech verbs, as against the words that only name who speaks
# Roles that can change what an attack word tells.
ACTING = {clauses.MILITIA, clauses.STATE, clauses.CROWD, clauses.VEHICLE}


def type_scores(ctx: Context, doc: Text) -> tuple[dict[str, float], dict[str, int]]:
    """Score per event type, and the first cue of each; records the resolved cues in `doc.cues`."""
    roles = clauses.token_roles(ctx, doc)
    off_topic = {i for b, e, _ in doc.hits["off_topic"] for i in range(b, e)}
    for b, _, _ in doc.hits["off_topic"]:
        start = _circumstance_start(ctx, doc, b)
        for i in range(start if start is not None else b, b):
            roles.pop(i, None)  # "on Soleimani anniversary": who is named in a date takes no part in the event
    topics, economic = _threat_topics(ctx, doc)
    denied = _denied(ctx, doc)
    militias = sorted(i for i, role in roles.items() if role == clauses.MILITIA)

    def militia_before(at: int) -> list[int]:
        return militias[:bisect.bisect_left(militias, at)]

    acting = {doc.sentence_of[i] for i, role in roles.items() if role in ACTING}
    scores: dict[str, float] = {}
    first: dict[str, int] = {}
    counted: set[tuple[str, int]] = set()
    blasts: list[int] = []

    def vote(label: str, at: int) -> None:
        doc.cues.append((at, label))
        first.setdefault(label, at)
        # Each sentence votes once per type: five words for one idea are still one idea.
        if (label, doc.sentence_of[at]) not in counted:
            counted.add((label, doc.sentence_of[at]))
            scores[label] = scores.get(label, 0.0) + weight(ctx.weights, doc, at)

    owned_cues = {b: e for b, e, label in doc.hits["cues"] if label == "ambiguous"}
    # "in response to", "in retaliation for": words of a marker that opens background are no threat of their own.
    markers = {i for b, e, label in doc.hits["background"] if label == "background" for i in range(b, e)}
    for begin, end, label in doc.hits["cues"]:
        if label == NON_CUE:
            continue  # "the compound's warning system": no warning of anything
        if begin in off_topic:
            continue  # "went on strike": the cue word belongs to an off-topic phrase
        if label in THREAT_WORDS:
            if begin in markers and not (begin > 0 and doc.folded[begin - 1] in ctx.infinitive_markers):
                continue
            if begin in economic:
                continue  # "threatens sanctions": an economic threat, not one of attack
            if begin > 0 and doc.folded[begin - 1] in ctx.relative_pronouns:
                continue  # "rocket sites that threatened the base": what the strike hit, described
            label = "threat"
        elif begin in topics:
            continue  # "warns of attacks", "attacks are unacceptable": the attack is what the threat is about
        elif _spoken_of(ctx, doc, begin, label):
            continue  # "a direct message about the attacks on US forces": what is talked about
        elif begin in denied:
            # "Denies reports of a rocket attack": nothing happened. A watched group denying it resumed its
            # attacks still speaks of its attacks: a statement, like an announced halt.
            if not any(doc.sentence_of[i] == doc.sentence_of[begin] for i in militia_before(begin)):
                kind = label if label in ARMED else _who_did_what(ctx, doc, roles, begin, end, label)
                if kind in ARMED:
                    doc.denied.add(kind)
                    if doc.sentence_of[begin] == 0 and _title_denies(ctx, doc, begin):
                        doc.denied_in_title.add(kind)  # "officials deny drone attack on Harir"
                continue
            label = "threat"
        elif doc.factual[begin] and not doc.foreground[begin]:
            continue  # an earlier incident
        elif label == "ambiguous" and _owned_word_after(doc, end, owned_cues):
            continue  # "بقصف العدوان الأمريكي", by the bombing of the American aggression: the next word says whose
        elif label == "attack" and _names_a_facility(ctx, doc, begin, end):
            continue  # "drone facilities": what a strike hit, not an attack
        elif label in ARMED and _tally(ctx, doc, begin, end):
            continue  # "more than 60 attacks since October": a count of attacks, no attack of its own
        elif label == "blast" and (where := _blast_at(ctx, doc, roles, begin, end)) is None:
            blasts.append(begin)  # whose blast it was is told by the report's other armed words, below
            continue
        else:
            if label == "ambiguous":
                doc.cues.append((begin, "strike"))  # in a strike report, "one raid struck ..." tells a site
            if label == "blast":
                label = where or label  # at a militia's site a strike, at a base an attack
            # An attack word in a sentence naming no militia, state or crowd stays an attack.
            resolved = label if label == "attack" and doc.sentence_of[begin] not in acting else (
                _who_did_what(ctx, doc, roles, begin, end, label))
            if resolved in {"attack", None} and label in {"attack", "ambiguous"} and doc.sentence_of[begin] in acting \
                    and clauses.only_militia_dead(ctx, doc, roles, begin, end):
                # Nobody named acting, and only militia dead: a strike on them ("a militia commander killed as his car
                # is hit", "Pentagon confirms strike on a car that killed a militia commander").
                resolved = "strike"
            if resolved is None and doc.factual[begin]:
                continue
            if not doc.factual[begin] and _after_a_denial(doc, begin):
                continue  # "نفى تعرض السفارة لأي هجوم", denied the embassy suffered any attack: no attack, no threat
            # "if Tehran strikes Americans", "should they be hit", "we will keep striking": a conditional or
            # promised attack is a threat, whoever it names.
            promised = label in {"strike", "ambiguous"} and _promised(doc, begin, end)
            label = resolved if resolved is not None and doc.factual[begin] and not promised else "threat"
        vote(label, begin)
    for begin, kind in _killings(ctx, doc, roles):
        vote(kind, begin)
    armed = {k: v for k, v in scores.items() if k in ARMED}
    for begin in blasts:
        # "Huge blasts as jets hit a depot": a blast is the strike of its sentence, or the report's main armed event;
        # with none, something exploded where it should not ("explosions heard near the base"): an attack.
        here = [k for k in ARMED if (k, doc.sentence_of[begin]) in counted]
        label = here[0] if len(here) == 1 else max(armed, key=lambda k: armed[k]) if armed else "attack"
        if not doc.factual[begin] and _after_a_denial(doc, begin):
            continue  # "denied that rockets fell and blasts were heard": what is denied
        vote(label if doc.factual[begin] else "threat", begin)
    # "Our operations will continue" closes most claims of an attack: a vow only where the report tells none.
    going_on = _operations_go_on(ctx, doc) if "attack" not in scores else set()
    for sentence in _conditional_vows(ctx, doc, roles) | going_on:
        if ("threat", sentence) not in counted:
            counted.add(("threat", sentence))
            at = next(i for i, s in enumerate(doc.sentence_of) if s == sentence)
            first.setdefault("threat", at)
            scores["threat"] = scores.get("threat", 0.0) + weight(ctx.weights, doc, at)
    if "threat" in scores and _reported_speech(doc) and any(
            doc.sentence_of[b] == 0 and b not in economic for b, _, lb in doc.hits["cues"] if lb in THREAT_WORDS):
        scores["threat"] += ctx.weights.title
    return scores, first


def _blast_at(ctx: Context, doc: Text, roles: dict[int, str], begin: int, end: int) -> str | None:
    """What a blast tells by where it was: at a militia's site a strike ("an explosion at a PMF building"), at a
    base or the US side's forces an attack ("blasts heard at the US base"); elsewhere None."""
    lo, hi = clauses.clause(ctx, doc, begin, end)
    agent, patient, _ = clauses.parties(ctx, doc, roles, begin, end, lo, hi)
    if patient == clauses.MILITIA and agent != clauses.MILITIA:
        doc.militia_hit.add(begin)
        return "strike"
    if patient == clauses.STATE and any(lo <= b < hi and label == "strike" for b, _, label in doc.hits["cues"]):
        return None  # "انفجارات عنيفة في البوكمال جراء غارات أمريكية": the state named is the raids', not what blew up
    return "attack" if patient in {clauses.TARGET, clauses.STATE} else None


def _tally(ctx: Context, doc: Text, begin: int, end: int) -> bool:
    """Whether the event word counts many events up to now: a count of three or more before it and a tally marker
    after it in its clause ("more than 60 attacks on US forces since October", "أكثر من ١٦٠ هجوماً منذ أكتوبر")."""
    counted = any((number(ctx, doc.folded[i]) or 0) >= TALLY_COUNT for i in range(max(0, begin - 2), begin))
    if not counted:
        return False
    _, hi = clauses.clause(ctx, doc, begin, end)
    return any(doc.folded[i] in ctx.tally_markers for i in range(end, min(hi, end + TALLY_REACH)))


def _names_a_facility(ctx: Context, doc: Text, begin: int, end: int) -> bool:
    """'drone facilities', and the facility word before the weapon where a language puts the head noun first
    ('مستودعات صواريخ', rocket depots). Only a weapon word names a facility so: a verb before one has it as its
    object ("طائرات مجهولة استهدفت مواقع للميليشيات", unknown aircraft targeted militia positions)."""
    # "منصات إطلاق صواريخ", rocket launch pads: the event word "launching rockets" after the pads that were struck.
    launching = doc.masked[begin] in ctx.launch_words
    if not launching and not covers(doc.hits["weapons"], begin):
        return False
    after = doc.masked[end] if end < len(doc.masked) else ""
    if after in ctx.launch_words and end + 1 < len(doc.masked):
        after = doc.masked[end + 1]  # "rocket launch sites": the sites were struck
    before = doc.masked[begin - 1] if begin > 0 and doc.sentence_of[begin - 1] == doc.sentence_of[begin] else ""
    if before in ctx.launch_words and begin > 1 and doc.sentence_of[begin - 2] == doc.sentence_of[begin]:
        before = doc.masked[begin - 2]  # "منصات إطلاق صواريخ", rocket launch pads
    return after in ctx.facility_words or before in ctx.facility_words


def _who_did_what(ctx: Context, doc: Text, roles: dict[int, str], begin: int, end: int, label: str) -> str | None:
    """The event type of a cue once its agent and patient are known: a word shared by attacks and strikes
    goes by who acts on whom; an attack word whose patient is a militia, with no militia acting, tells a
    strike on that militia ("a drone attack on a PMF convoy"); strike words stay strikes."""
    if label in {"attack", "ambiguous"} and end < len(doc.folded) and doc.sentence_of[end] == doc.sentence_of[begin] \
            and roles.get(end) == clauses.STATE and not doc.folded[end].isascii() \
            and doc.folded[end].endswith(("ي", "يه")) \
            and any(b == end and lb == "state" for b, _, lb in doc.hits["strikers"]):
        # "بالقصف الأمريكي", the American bombardment: where the adjective follows its noun, a striking state's
        # adjective (a nisba, "-i") right after the event word says whose it was ("attack US forces", "استهداف
        # التحالف" name the target instead).
        doc.agents[begin] = end
        return "strike"
    if label == "ambiguous":
        return clauses.resolve(ctx, doc, roles, begin, end)
    if label == "interception":
        lo, hi = clauses.clause(ctx, doc, begin, end)
        return "attack" if any(roles.get(i) == clauses.PROJECTILE for i in range(lo, hi)) else None
    if label == "attack":
        lo, hi = clauses.clause(ctx, doc, begin, end)
        agent, patient, at = clauses.parties(ctx, doc, roles, begin, end, lo, hi)
        if agent == clauses.CROWD:
            return None  # "protesters stormed the palace": no armed attack
        if patient == clauses.VEHICLE and agent in {None, clauses.STATE, clauses.PROJECTILE}:
            doc.vehicle_hit.add(begin)
            return "strike"  # "a drone strike hit a car in eastern Baghdad": a targeted killing, no base attacked
        if patient == clauses.MILITIA and agent in {None, clauses.STATE, clauses.PROJECTILE}:
            if agent == clauses.STATE and at is not None:
                doc.agents[begin] = at
            doc.militia_hit.add(begin)
            return "strike"
        # Arabic puts a projectile's owner after it ("طائرة مسيرة أمريكية"): a state named before it owns the noun
        # before ("تعرض رتل للتحالف لعبوة ناسفة", a coalition convoy hit by a roadside bomb).
        owner = (clauses.owner_at(roles, begin if not doc.folded[begin].isascii() else lo, begin, end, hi)
                 if roles.get(begin) == clauses.PROJECTILE else None)
        if owner is not None and owner < begin and any(owner < b < begin for b, lb in doc.cues if lb == "attack"):
            owner = None  # "US forces intercept drone": who brought it down, not whose it was
        if owner is not None and roles[owner] == clauses.STATE:
            # "Turkish drones struck ...": a state's projectiles strike; "American drones took off": no event
            doc.agents[begin] = owner
            return "strike" if patient is not None else None
    return label


def _killings(ctx: Context, doc: Text, roles: dict[int, str]) -> list[tuple[int, str]]:
    """Killing words of the title told with who killed whom, and the event each tells: "US says it killed the Kataib
    Hezbollah commander behind the Tower 22 attack" (the US side kills a militia's man: a strike), "Pentagon: Kataib
    Hezbollah killed three US soldiers" (a militia kills: an attack), "US troops killed by a Kataib Hezbollah drone"
    (the agent after "by"). A killing told with no one before or after it ("three soldiers killed in Jordan") tells
    none: its sentence's other words do."""
    parties = [(i, role) for i, role in sorted(roles.items()) if doc.sentence_of[i] == 0
               and (role == clauses.MILITIA or (role == clauses.STATE and i not in doc.other_states))]
    persons = {b for b, _, _ in doc.hits["persons"]}  # "killed its commander": the one killed, with no side named
    out = []
    for b, e in ((b, e) for b, e, _ in doc.hits["killing"] if doc.sentence_of[b] == 0):
        if not (doc.foreground[b] and doc.factual[b]):
            continue
        if e < len(doc.folded) and doc.folded[e] in ctx.passive_openers:
            continue  # "fighters killed in US strikes", "killed when a gunship hit their car": told, not done
        by = next((k for k in range(e, min(e + AGENT_REACH, len(doc.folded)))
                   if doc.folded[k] in ctx.agent_markers), None)
        if by is not None:  # "killed by a Kataib Hezbollah drone": the agent follows
            agent = next((role for i, role in parties if i > by), None)
        else:  # "the US killed a commander": the agent before, the one killed after, on different sides
            before = [role for i, role in parties if i < b]
            after = [role for i, role in parties if i >= e]
            killed = after[0] != before[-1] if before and after else any(e <= p < e + AGENT_REACH for p in persons)
            agent = before[-1] if before and killed else None
        if agent is not None:
            out.append((b, "strike" if agent == clauses.STATE else "attack"))
    return out


def _promised(doc: Text, begin: int, end: int) -> bool:
    """Whether a future word stands just before the strike word or a few words after it in its sentence ("more US
    strikes coming", "further strikes are on the way", "planned strikes"): a strike promised, not one that
    happened."""
    sentence = doc.sentence_of[begin]
    return any(begin - FUTURE_BEFORE <= b < begin or end <= b < end + FUTURE_AFTER
               for b, _, _ in doc.hits["future"] if doc.sentence_of[b] == sentence)


def _conditional_vows(ctx: Context, doc: Text, roles: dict[int, str]) -> set[int]:
    """Sentences in which the militias or Iran say what happens to the US side if something happens ("US
    bases will be duck-hunting grounds if America enters the war, the group says"): a conditional vow is a
    threat whatever its words."""
    speech = {doc.sentence_of[b] for b, _, label in doc.hits["speech"] if label == SPEECH}
    conditions = {doc.sentence_of[b] for b, _, label in doc.hits["background"] if label == "hypothetical"}
    if not speech & conditions:
        return set()
    militia = {doc.sentence_of[i] for i, role in roles.items() if role == clauses.MILITIA}
    us = {doc.sentence_of[i] for i, role in roles.items() if role == clauses.STATE and i not in doc.other_states}
    us |= {doc.sentence_of[b] for b, _, _ in doc.hits["us_side"]}
    # "Any country buying Iranian oil would face sanctions, the President said": a condition with an economic price.
    economic = {doc.sentence_of[i] for i, w in enumerate(doc.folded) if w in ctx.economic_words}
    return (speech & conditions & militia & us) - economic


OPERATIONS_REACH = 25  # "our operations against the bases of the occupation in Iraq and the region will go on"


def _operations_go_on(ctx: Context, doc: Text) -> set[int]:
    """Sentences saying that someone's operations or attacks will go on, later in the sentence than they are named
    ("the operations of the Islamic Resistance against the occupation's bases will continue", "عمليات المقاومة ...
    ستتواصل"): a vow to keep attacking, however many words stand between."""
    nouns = [i for i, w in enumerate(doc.folded) if w in ctx.operations_words]
    if not nouns:
        return set()
    out: set[int] = set()
    for i in nouns:
        sentence = doc.sentence_of[i]
        for j in range(i + 1, min(i + OPERATIONS_REACH, len(doc.folded))):
            if doc.sentence_of[j] != sentence:
                break
            if any(tuple(doc.folded[j:j + len(p)]) == p for p in ctx.continuation_phrases):
                out.add(sentence)
                break
    return out


def _spoken_of(ctx: Context, doc: Text, begin: int, label: str) -> bool:
    """Whether the event word follows a topic marker ("about the attacks", "بشأن الهجمات"), past determiners, or
    is what an official statement is on ("Statement from the President on the attack on US forces"). A
    statement on the US side's own strikes ("CENTCOM statement on strikes in Iraq", "بيان ... بشأن الضربات
    الأمريكية") announces them: the strike is its news."""
    k = begin
    weapons = doc.hits["weapons"]
    while k > 0 and (doc.folded[k - 1] in ctx.determiners or covers(weapons, k - 1)) and (
            doc.folded[k - 1] not in ctx.topic_markers):
        k -= 1  # "on the missile attack", "about the drone strikes"
    if k == 0:
        return False
    marker = doc.folded[k - 1]
    if marker not in ctx.topic_markers and marker not in ctx.statement_markers:
        return False
    sentence = doc.sentence_of[begin]
    stated = any(doc.folded[j] in ctx.statement_words for j in range(max(0, k - 10), k - 1)
                 if doc.sentence_of[j] == sentence)
    if stated and label in {"strike", "ambiguous"} and (any(
            doc.sentence_of[b] == sentence for b, _, lb in doc.hits["strikers"] if lb == "state") or any(
            doc.sentence_of[first] == sentence and actor_of(ctx, m) in ctx.us_side for m, first, _ in doc.named)):
        return False  # the US side's statement on its strikes ("statement by Secretary Austin on the strikes")
    if label == "attack":
        # A group's statement on its attack ("بيان المقاومة الإسلامية بشأن استهداف قاعدة"): a claim. Not a group's
        # statement on attacks it suffered ("... بشأن الاعتداءات على مقرات الحشد"), nor one its patron or the US
        # side is told or speaks of ("a message to Khamenei about the attacks").
        before = {actor_of(ctx, m) for m, first, _ in doc.named if doc.sentence_of[first] == sentence and first < k}
        after = {actor_of(ctx, m) for m, first, _ in doc.named if doc.sentence_of[first] == sentence and first > begin}
        authors = before & (ctx.iran_side - ctx.patrons)
        if authors and not authors & after and not before & (ctx.us_side | ctx.patrons):
            return False
    return marker in ctx.topic_markers or stated


def answered_in_statement(ctx: Context, doc: Text, first: dict[str, int]) -> bool:
    """Whether the US side's own statement tells its forces' strike, alone or as the answer to an attack told first
    ("Statement by the Pentagon Press Secretary on actions in Syria: rockets were fired at Conoco ... US attack
    helicopters destroyed three vehicles"; "Statement from the Secretary of Defense: ... U.S. forces tonight struck
    three facilities"): its title names a US-side actor and a statement word, and no event. The strike is the
    statement's news, whatever vow closes it."""
    title = [i for i, s in enumerate(doc.sentence_of) if s == 0]
    if not title or "strike" not in first:
        return False
    if any(doc.sentence_of[b] == 0 and label in ARMED for b, label in doc.cues):
        return False  # the title tells its own event ("Statement on attack against US forces at Tower 22")
    stated = any(doc.folded[i] in ctx.statement_words for i in title)
    return stated and any(doc.sentence_of[f] == 0 and actor_of(ctx, m) in ctx.us_side for m, f, _ in doc.named)


def event_follows(doc: Text, end: int, reach: int = 8) -> bool:
    """Whether an armed event's word or a weapon stands within `reach` words after `end`, in its sentence ("a day
    after the drone attack", "بعد يوم من الغارات"), not a date or a day of the calendar ("the day after the
    anniversary")."""
    sentence = doc.sentence_of[end - 1] if end else 0
    words = [b for b, _, label in doc.hits["cues"] if label in ARMED_WORDS] + [b for b, _, _ in doc.hits["weapons"]]
    return any(end <= b < end + reach and doc.sentence_of[b] == sentence for b in words)


def statement_on_it(ctx: Context, doc: Text) -> bool:
    """Whether the title is an official statement ("Statement from ... on ...", "بيان ...") or someone's words
    about an armed event ("White House confirms a direct message to Khamenei about the attacks"), whose event
    words are all what it is on: no armed event told as news in the title."""
    title = [i for i, s in enumerate(doc.sentence_of) if s == 0]
    armed = [(b, label) for b, label in doc.cues if doc.sentence_of[b] == 0 and label in ARMED]
    if armed and armed[0][1] == "attack" and any(
            doc.folded[i] in ctx.condemnation_words for i in range(max(0, armed[0][0] - CONDEMNED_REACH), armed[0][0])):
        return True  # "Washington condemns the «outrageous attack» on Erbil": what the statement is on
    if armed and armed[0][1] == "strike" and _on_the_us_sides_strike(ctx, doc, title, armed[0][0]):
        return True
    if not title or armed:
        return False
    if any(doc.folded[i] in ctx.statement_words for i in title[:3]):
        return True
    spoken = any(doc.sentence_of[b] == 0 and _spoken_of(ctx, doc, b, label)
                 for b, _, label in doc.hits["cues"] if label not in THREAT_WORDS)
    return spoken and any(doc.sentence_of[b] == 0 for b in doc.speaking)


def _on_the_us_sides_strike(ctx: Context, doc: Text, title: list[int], strike: int) -> bool:
    """Whether the title is the struck side's statement on a strike the US side made ("Statement on the American
    aggression in Babil", "بيان حول العدوان الأمريكي على مواقع إخوتنا"): a statement word opens it, a marker of what it
    is on stands before the strike word, that word is one only the struck side uses ("aggression"), and the US side
    is named after the marker as the striker, not before it as who speaks. The US side's statement on its strikes
    ("Statement from the Secretary of Defense on U.S. strikes in Iraq") announces them."""
    if doc.folded[strike] not in ctx.accusing_words or not any(
            doc.folded[i] in ctx.statement_words for i in title[:3]):
        return False
    markers = ctx.statement_markers | ctx.topic_markers
    marker = next((i for i in title if i < strike and doc.folded[i] in markers), None)
    if marker is None:
        return False
    us_at = [b for b, _, _ in doc.hits["us_side"] if doc.sentence_of[b] == 0] + [
        first for m, first, _ in doc.named if doc.sentence_of[first] == 0 and actor_of(ctx, m) in ctx.us_side]
    return bool(us_at) and min(us_at) > marker


def _denied(ctx: Context, doc: Text) -> set[int]:
    """Tokens in the clause of a denial that the event happened ("denies reports of a rocket attack", "reports
    of a drone strike are false"); a denial of responsibility ("denies any role") is an attribution instead."""
    out: set[int] = set()
    for begin, end, _ in doc.hits["denials"]:
        lo, hi = clauses.clause(ctx, doc, begin, end)
        out.update(range(lo, hi))
    weapons = {i for b, e, _ in doc.hits["weapons"] for i in range(b, e)}
    for begin, end, label in doc.hits["cues"]:
        if label in THREAT_WORDS:
            continue
        # "No rocket attack took place": a negator right before the event word, or before its weapon; "officials
        # deny attack on the base": a denial verb right before it.
        if any(doc.folded[i] in ctx.negators for i in range(max(0, begin - NEGATOR_REACH), begin)) \
                or _denied_by_verb(ctx, doc, begin, weapons):
            out.update(range(begin, end))
    return out


def _title_denies(ctx: Context, doc: Text, begin: int) -> bool:
    """Whether the title denies the event word at `begin`: a denial stands before it ("deny attack", "no attack",
    "لا صحة لأنباء استهداف"), and no weapon is told landing before the denial ("two shells fell inside the field;
    the coalition denies an attack": something happened). A denial after the event word ("an attack on the base;
    officials deny casualties") may deny something else."""
    starts = {b for b, _, _ in doc.hits["denials"]}
    denial = next((i for i in range(begin) if doc.sentence_of[i] == 0 and (
        i in starts or doc.folded[i] in ctx.denial_verbs or doc.folded[i] in ctx.negators)), None)
    return denial is not None and not any(b < denial for b, _, _ in doc.hits["weapons"])


def _owned_word_after(doc: Text, end: int, ambiguous: dict[int, int]) -> bool:
    """Whether another ambiguous event word follows right after, with a US-side owner right after it ("قصف العدوان
    الأمريكي"): the two words tell one event, and the second says whose. `ambiguous` maps where each ambiguous event
    word begins to where it ends."""
    owner = ambiguous.get(end)  # where the next word ends: its owner adjective stands there
    return owner is not None and owner in doc.owners_after and any(b == owner for b, _, _ in doc.hits["us_side"])


def _after_a_denial(doc: Text, begin: int) -> bool:
    """Whether a denial stands before the event word in its sentence ("denied that the base came under any attack"):
    an event word made hypothetical there ("any") is what is denied, not a threat."""
    sentence = doc.sentence_of[begin]
    return any(b < begin and doc.sentence_of[b] == sentence for b, _, _ in doc.hits["denials"]) or any(
        b < begin and doc.sentence_of[b] == sentence and label == "denied" for b, _, label in doc.hits["attribution"])


def _denied_by_verb(ctx: Context, doc: Text, begin: int, weapons: set[int]) -> bool:
    """"Officials deny second drone attack on Harir": a denial verb right before the event word, past determiners,
    counts and its weapon only ("denies responsibility for the attack" is an attribution, and keeps it)."""
    i = begin - 1
    while i >= max(0, begin - 1 - DENIAL_REACH) and (doc.folded[i] in ctx.determiners or doc.folded[i] in ctx.ordinals
                                                      or doc.folded[i] in ctx.count_words or i in weapons):
        i -= 1
    return i >= 0 and doc.folded[i] in ctx.denial_verbs and doc.sentence_of[i] == doc.sentence_of[begin]


def _threat_topics(ctx: Context, doc: Text) -> tuple[set[int], set[int]]:
    """(tokens a threat is about, threat cues that threaten something economic). What follows a threat word
    in its clause is what it threatens ("warns of attacks", "threatens to hit US bases"); a verdict word
    also takes what precedes it ("militia attacks on US troops are unacceptable")."""
    topics: set[int] = set()
    economic: set[int] = set()
    for begin, end, label in doc.hits["cues"]:
        if label not in THREAT_WORDS:
            continue
        lo, hi = clauses.clause(ctx, doc, begin, end)
        if any(doc.folded[i] in ctx.economic_words for i in range(lo, hi)):
            economic.add(begin)
            continue
        topics.update(range(lo if label == "verdict" else end, hi))
    return topics, economic


def _reported_speech(doc: Text) -> bool:
    """A title that reports what someone said: "Esper: ..." or "Trump warns ..."."""
    title = doc.sentence(0)
    if re.match(r"^[^:]{2,40}:\s", title):
        return True
    title_words = [i for i, s in enumerate(doc.sentence_of) if s == 0]
    return any(b in title_words[:4] for b, _, label in doc.hits["speech"] if label == SPEECH)


def off_topic_frame(ctx: Context, doc: Text, scores: dict[str, float], reasons: list[str]) -> bool:
    """Whether an off-topic frame is in the title (unless a strong threat is) or outweighs the event words."""
    found = [(b, label) for b, _, label in doc.hits["off_topic"] if doc.foreground[b]]
    if scores.keys() & ARMED:
        # "Drones downed at the airport on the anniversary of ...": a frame word that only says when an armed
        # event happened frames nothing. It says so after the event's word or at the head of its sentence ("On
        # the anniversary, rockets ..."); "a jump in oil prices after the US strike" is about the prices.
        armed_at = [at for at, label in doc.cues if label in ARMED]
        found = [(b, label) for b, label in found if not _setting_of_armed_event(ctx, doc, b, armed_at)]
    in_title = [label for b, label in found if doc.sentence_of[b] == 0]
    total = sum(weight(ctx.weights, doc, b) for b, _ in found)
    if in_title and not (scores.get("threat", 0) >= ctx.weights.title and "threat" in scores):
        reasons.append(f"off-topic frame in the title: {', '.join(sorted(set(in_title)))}")
        return True
    if found and total >= max(scores.values(), default=0.0):
        reasons.append(f"off-topic words outweigh event words: {', '.join(sorted({lb for _, lb in found}))}")
        return True
    return False


def _setting_of_armed_event(ctx: Context, doc: Text, at: int, armed_at: list[int]) -> bool:
    """Whether the word at `at` ends a circumstance phrase ("on the anniversary", "amid a court case") that
    opens its sentence or follows an armed event's word in it."""
    start = _circumstance_start(ctx, doc, at)
    if start is None:
        return False
    sentence = doc.sentence_of[at]
    return ((start == 0 or doc.sentence_of[start - 1] != sentence)
            or any(a < start and doc.sentence_of[a] == sentence for a in armed_at))


def _circumstance_start(ctx: Context, doc: Text, at: int) -> int | None:
    """Where the circumstance phrase ending in the word at `at` begins ("on Soleimani anniversary"), or None."""
    markers = ctx.circumstance_markers
    k = at
    while k > 0 and (doc.masked[k - 1] == clauses.NAME or (
            doc.folded[k - 1] in ctx.determiners and (doc.folded[k - 1],) not in markers)):
        k -= 1  # "on the anniversary", "on Soleimani anniversary"
    found = [len(m) for m in markers if k >= len(m) and tuple(doc.folded[k - len(m):k]) == m]
    return k - max(found) if found else None


def event_type(scores: dict[str, float], first: dict[str, int], off_topic: bool) -> str:
    """The type with the highest score, the earliest on a tie; "other" for an off-topic frame or a report with
    no event words."""
    if off_topic or not scores:
        return "other"  # the report tells something else: no attack, strike or threat
    # On a tie an armed event outranks a threat: "In retaliation, US jets bombed ..." tells the strike.
    return max(scores, key=lambda k: (scores[k], k != "threat", -first.get(k, 10**9)))


def cue_sentence(doc: Text, kind: str) -> str | None:
    """The sentence of the first foreground cue of that event type, the evidence for it."""
    for begin, _, label in doc.hits["cues"]:
        if doc.foreground[begin] and (label == kind or label == "ambiguous"):
            return doc.sentence(doc.sentence_of[begin])
    return doc.sentence(0) or None
