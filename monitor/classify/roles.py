"""Who: the parties of the event, by role. An attack has perpetrators (claimed, attributed or suspected; the
catch-all actor when no group is named), a strike a striker and targets, a threat its parties."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from itertools import pairwise

from monitor.classify import clauses
from monitor.classify.context import Context
from monitor.classify.lexicon import among, phrase
from monitor.classify.segment import Text
from monitor.model import Match, Matches, Party

_TITLE_SPEAKER = re.compile(r"^[^:]{2,40}:\s")  # "Austin: ...", "Kataib Hezbollah: ..."
DENIED = "denied"  # the attribution label of a denial (vocabulary `attribution` keys are fixed by the schema)


_POSSESSIVE = re.compile(r"['’]s?\s+")


def _owning(named: str, gap: str) -> bool:
    """Whether a name and the gap after it read as a possessive before the next name ("Iran's Quds Force")."""
    return bool(_POSSESSIVE.fullmatch(gap)) or (named.endswith(("'s", "’s")) and not gap.strip())


def actor_of(ctx: Context, mention: Match) -> str | None:
    """The actor a mention stands for: the actor named, or a person's affiliation."""
    if mention.section == "actor":
        return mention.name
    if mention.section == "person":
        return ctx.affiliation.get(mention.name)
    return None


def _how(doc: Text, mention: Match) -> tuple[str, str]:
    index = doc.token_at(mention.start)
    sentence = doc.sentence_of[index]
    for begin, _, label in doc.hits["attribution"]:
        if doc.sentence_of[begin] == sentence:
            return label, doc.sentence(sentence)
    return "named", doc.sentence(sentence)


def claims_its_own(ctx: Context, doc: Text, mentions: list[Match]) -> bool:
    """Whether the title names, as who speaks, an armed group and nobody of the US side ("Statement of the
    Islamic Resistance on targeting the occupation base"): a group's statement on an attack is its claim."""
    named = {a for m in mentions if doc.sentence_of[doc.token_at(m.start)] == 0 and (a := actor_of(ctx, m))}
    return bool(named & (ctx.iran_side | set(ctx.other_conflict))) and not named & ctx.us_side


def us_side_hit(ctx: Context, doc: Text) -> bool:
    """Whether an attack word of the title or lead has the US side as its patient ("drone attack on US base")."""
    for begin, label in doc.cues:
        if label != "attack" or doc.sentence_of[begin] > 1:
            continue
        lo, hi = clauses.clause(ctx, doc, begin, begin + 1)
        at = clauses.parties(ctx, doc, doc.roles, begin, begin + 1, lo, hi)
        if at[1] == clauses.STATE:
            return True
    return False


def party_mentions(ctx: Context, doc: Text, mentions: list[Match], event_type: str | None = None) -> list[Match]:
    """Mentions that name a party: not "Iran" in "Iran-backed", not "the PMF" in "part of the PMF". The sites a
    strike hits that are linked to the patron's own forces ("IRGC-linked facilities") are those forces'."""
    member_ends = {end for _, end, _ in doc.hits["membership"]}
    # A strike on "Iran's Islamic Revolutionary Guard Corps" hits the force, not the state owning it; an attack by
    # "Iran's Revolutionary Guards" is the state's act too.
    owners = set() if event_type != "strike" else {id(m) for m, after in pairwise(mentions)
              if (name := actor_of(ctx, m)) is not None and name in ctx.part_of.get(actor_of(ctx, after) or "", ())
              and _owning(doc.text[m.start:m.end], doc.text[m.end:after.start])}
    kept = []
    for m in mentions:
        if id(m) in owners:
            continue
        last = doc.token_at(m.end - 1)
        if last + 1 < len(doc.folded) and doc.folded[last + 1] in ctx.backer_suffixes and (
                doc.text[doc.words[last][1]:doc.words[last + 1][0]] in {"-", "‑", "–"}) and not (
                event_type == "strike" and actor_of(ctx, m) in ctx.patron_forces):
            continue
        first = doc.token_at(m.start)
        if first in member_ends or first - 1 in member_ends:
            continue
        if first > 0 and doc.folded[first - 1] in ctx.backer_prefixes and (
                doc.text[doc.words[first - 1][1]:doc.words[first][0]] in {"-", "‑", "–"}):
            continue  # "pro-Iran fighters": fighters who back Iran, not Iran
        kept.append(m)
    return kept


def parties(ctx: Context, event_type: str | None, doc: Text, mentions: list[Match]) -> list[Party]:
    """The parties of the event, each with its role, how the report puts it, and the supporting sentence."""
    actors: list[tuple[str, Match]] = []
    for m in mentions:
        name = actor_of(ctx, m)
        if name and name not in {a for a, _ in actors}:
            actors.append((name, m))
    iran = [(a, m) for a, m in actors if a in ctx.iran_side or a in ctx.patrons]
    us = [(a, m) for a, m in actors if a in ctx.us_side]
    militias = [(a, m) for a, m in iran if a not in ctx.patrons and a != ctx.catch_all]
    if militias:
        # A named group makes the catch-all redundant; a patron counts when the title names it.
        iran = [(a, m) for a, m in iran if a != ctx.catch_all and (
            a not in ctx.patrons or doc.sentence_of[doc.token_at(m.start)] == 0)]
    if event_type == "attack":
        found = []
        for a, m in iran:
            how, evidence = _how(doc, m)
            lead = doc.sentence_of[doc.token_at(m.start)] <= 1
            if how == "denied" or (a in ctx.patrons and not lead):
                continue  # a group that disowns the attack; a patron named only as background
            found.append(Party(a, "perpetrator", how, evidence))
        if not found:
            found = [Party(ctx.catch_all, "perpetrator", "assumed")]
        return found
    if event_type == "strike":
        # Every mention of a striking state counts, not only its first: the title's "U.S. forces" and the
        # body's "U.S. Central Command forces carried out a strike" are one striker found at either.
        # "The Pentagon says it played no part in the explosions": a state denying a role in its sentence strikes
        # no one.
        every = [(name, m) for m in mentions if (name := actor_of(ctx, m)) is not None and name in ctx.strikers
                 and _how(doc, m)[0] != DENIED]
        first_of: dict[str, tuple[str, Match]] = {}
        ordered = _strikers(ctx, doc, every)
        for name, m in ordered:
            first_of.setdefault(name, (name, m))
        strikers = list(first_of.values())
        found = [Party(a, "striker", "named", doc.sentence(doc.sentence_of[doc.token_at(m.start)]))
                 for a, m in strikers[:1]]
        us_actor = ctx.us_side_actor
        if strikers:
            # "accused the United States and Israel of the strikes", "American and Israeli aircraft", "العدوان
            # الأمريكي الصهيوني": a state named jointly with the striker, by its name or (the US side) its word,
            # strikes too.
            first = _span(doc, strikers[0][1])
            joint = [(a, _span(doc, m)) for a, m in ordered if a != strikers[0][0]]
            if strikers[0][0] not in ctx.us_side and us_actor is not None:
                joint += [(us_actor, (b, e)) for b, e, _ in doc.hits["us_side"]]
            partner = next(((a, b) for a, (b, e) in joint if _coordinated(ctx, doc, first, (b, e))), None)
            if partner is not None:
                found.append(Party(partner[0], "striker", "named", doc.sentence(doc.sentence_of[partner[1]])))
        worded = _worded_striker(ctx, doc) if not strikers and us_actor is not None else None
        if worded is not None and us_actor is not None:
            found.append(Party(us_actor, "striker", "named", doc.sentence(worded)))
        found += [Party(a, "target", "named") for a, m in iran]
        # "strikes on the Revolutionary Guards and the groups it backs", "raids on faction positions": unnamed armed
        # groups the report speaks of, which the catch-all stands for. A strike told only by its place, its count of
        # targets or a government's protest ("US hits 85 targets", "Baghdad condemns the raids on al-Qaim") names
        # no side it hit, and a patron's own depot alone is the patron's.
        if ((strikers and strikers[0][0] in ctx.us_side) or worded is not None) and (
                (not iran or all(a in ctx.patrons for a, _ in iran)) and _clients_named(ctx, doc)):
            found.append(Party(ctx.catch_all, "target", "assumed"))
        # "Baghdad condemns the US raids", "Iraq says 16 killed in US strikes": the host government the title or
        # lead names is a party to a strike on its soil, as the one that answers for it (its forces, named as
        # those who report or guard, are not).
        found += [Party(a, "party", "named") for a, m in actors
                  if a in ctx.host_government and doc.sentence_of[doc.token_at(m.start)] <= 1
                  and a not in {p.name for p in found}]
        return found
    if event_type == "threat":
        speaker = next(((a, m) for a, m in actors if a in ctx.iran_side | ctx.us_side | ctx.patrons), None)
        unnamed = _unnamed_militia_in_title(doc, speaker[1] if speaker else None)
        # Both sides of a threat are its parties: who threatens, and whom, when the title or lead names them.
        leading_us = [(a, m) for a, m in us[:1] if doc.sentence_of[doc.token_at(m.start)] <= 1]
        # "Kataib Hezbollah warns the American occupier", "the truce with the occupation forces is over": the
        # US side threatened in the title or lead by its words, not its names, is a party too.
        worded_us = [] if us or ctx.us_side_actor is None or not any(
            doc.sentence_of[b] <= 1 for b, _, _ in doc.hits["us_side"]) else [Party(ctx.us_side_actor, "party",
                                                                                   "named")]
        if unnamed:
            # "Iraqi militia threatens US bases ...; Kataib Hezbollah's security chief said ...": the group the lead
            # (or the sentence after it) names is the one the title leaves unnamed.
            named = next((a for a, m in iran if a not in ctx.patrons and doc.sentence_of[doc.token_at(m.start)] <= 2),
                         None)
            opening = [Party(named, "party", "named")] if named else [Party(ctx.catch_all, "party", "assumed")]
            return (opening + [Party(a, "party", "named") for a, _ in iran if a != named]
                    + [Party(a, "party", "named") for a, _ in leading_us] + worded_us)
        if speaker and speaker[0] in ctx.us_side:
            found = [Party(a, "party", "named") for a, _ in us[:1] + iran]
            if not any(a not in ctx.patrons for a, _ in iran) and _militia_words_lead(doc):
                found.append(Party(ctx.catch_all, "party", "assumed"))  # "warns militias", "Iran and its proxies"
            return found
        return [Party(a, "party", "named") for a, _ in iran + leading_us] + (worded_us if iran else [])
    return [Party(a, "party", "named") for a, _ in actors]


def speaker(ctx: Context, doc: Text, mentions: list[Match]) -> str | None:
    """Who speaks in the title: the actor named before its colon ("Austin: ..."), else the last one named
    before its first speech or threat word ("Iraqi militia KSS threatens ...", "... Biden warns"); None when
    the title says neither. A statement is its speaker's: merging keeps threats apart by it."""
    title_end = len(doc.sentence(0))
    colon = _TITLE_SPEAKER.match(doc.text[:title_end])
    words = sorted({b for b in doc.speaking if doc.sentence_of[b] == 0}
                   | {b for b, label in doc.cues if label == "threat" and doc.sentence_of[b] == 0})
    # "أوستن يحذّر وكلاء إيران: ..." (Austin warns Iran's proxies: ...): a speech word before the colon comes first.
    ends = [*([colon.end()] if colon is not None else []), *([doc.words[words[0]][0]] if words else [])]
    if not ends:
        return None
    before = min(ends)
    # Names in a clause of what the speaker answers or supposes ("Pentagon, responding to Kataib Hezbollah: ...",
    # "Should Washington join the war on Iran, ... faction warns") do not speak, when another name does.
    named = [(m, a) for m in mentions if m.end <= before and (a := actor_of(ctx, m)) is not None
             and doc.token_at(m.start) not in doc.title_set_aside]
    if named and colon is not None and before == colon.end():
        # "Biden to Iran: ...": the one addressed after the speaker does not speak.
        speaking = [a for m, a in named if not _addressed(ctx, doc, m)] if len(named) > 1 else []
        return speaking[-1] if speaking else named[-1][1]
    # "US will hold Iran responsible for the attacks, Pentagon says": the actor right before a speech verb of the
    # title speaks, whoever the title names before it.
    chosen = {id(m) for m in mentions}
    adjacent = [a for m, _, end in doc.named if id(m) in chosen and end in doc.speaking and doc.sentence_of[end] == 0
                and (a := actor_of(ctx, m)) is not None]
    if adjacent:
        return adjacent[0]
    # "US will pay a heavy price, Iraqi militias warn": armed groups, unnamed, speak ("Kataib Hezbollah militia warns"
    # is the named one's, found next).
    name_ends = {end for _, _, end in doc.named}
    if any(doc.sentence_of[b] == 0 and e in doc.speaking and not {b, b - 1} & name_ends
           for b, e, _ in doc.hits["militia"]):
        return ctx.catch_all
    if named:
        return named[-1][1]
    # "Kaabi vows ...": a surname standing alone in the title, of someone the report names in full.
    surnames = {doc.folded[end - 1]: actor_of(ctx, m) for m, first, end in doc.named
                if m.section == "person" and end - first > 1}
    first_word = doc.token_at(before) if before < len(doc.text) else len(doc.folded)
    by_surname = [surnames[doc.folded[i]] for i in range(first_word) if surnames.get(doc.folded[i])]
    if by_surname:
        return by_surname[-1]
    # "Militias threaten US forces ...": armed groups, unnamed, speak.
    unnamed = any(doc.sentence_of[b] == 0 and e <= first_word for b, e, _ in doc.hits["militia"])
    return ctx.catch_all if unnamed else None


def capitals_speaking(ctx: Context, doc: Text, matches: Matches) -> Matches | None:
    """The matches with a capital of the title or lead that speaks or is spoken to made a mention of the government
    it stands for (its `voice_of`); None when none does. A capital opening the title or lead speaks when a speech
    word or a colon follows it ("Tehran vows a swift response", "Baghdad condemns the strikes", "Tehran: ..."); one
    after a word marking who is addressed is spoken to ("Biden's message to Tehran: ...", "بايدن لطهران"). One
    reacting in a clause of its own ("..., and Baghdad condemns the raids") is left out. Elsewhere a capital is a
    place ("farmers north of Baghdad said ...")."""
    def spoken(sentence: int) -> bool:  # asked only for a capital's sentence: most reports name none
        return any(doc.sentence_of[b] == sentence for b in doc.speaking) or any(
            doc.sentence_of[b] == sentence for b, label in doc.cues if label == "threat")

    def voiced(m: Match, first: int, end: int) -> bool:
        opens = first == 0 or doc.sentence_of[first - 1] != doc.sentence_of[first]
        if opens and (end in doc.speaking or doc.text[m.end:m.end + 1] == ":"):
            return True
        # Spoken to only where someone speaks or threatens, and, after a marker word, right after the word for what
        # is said ("Biden's message to Tehran"): "reinforcements sent to Baghdad", "says he will fly to Baghdad" name a
        # city. An Arabic proclitic marks the one addressed by itself ("بايدن لطهران").
        if not spoken(doc.sentence_of[first]) or not _addressed(ctx, doc, m):
            return False
        return doc.folded[first - 1] not in ctx.addressee_markers or first - 2 in doc.speaking

    speaking = {id(m): actor for m, first, end in doc.named if m.section == "place" and doc.sentence_of[first] <= 1
                and (actor := ctx.places[m.name].voice_of) is not None and voiced(m, first, end)}
    # A capital opening a clause joined to the one before, a speech word after it ("US jets hit PMF sites in Anbar,
    # and Baghdad condemns the raids", "... وبغداد تندد"), is the government reacting: no place of the event, and
    # no party to it either. "Farms north of Baghdad, residents said" is no clause of its own.
    reacting = {id(m) for m, first, end in doc.named if m.section == "place" and id(m) not in speaking
                and ctx.places[m.name].voice_of is not None and end in doc.speaking
                and _opens_joined_clause(ctx, doc, m, first)}
    if not speaking and not reacting:
        return None
    return Matches.of([replace(m, section="actor", name=speaking[id(m)], how="voice") if id(m) in speaking else m
                       for m in matches.mentions if id(m) not in reacting], matches.words)


def _opens_joined_clause(ctx: Context, doc: Text, mention: Match, first: int) -> bool:
    """Whether a name opens a clause joined to the one before: after "and"/"but" or a comma, or written with a
    proclitic "and" its alias does not have ("وبغداد")."""
    if first > 0 and (doc.folded[first - 1] in ctx.clause_joiners
                      or doc.text[:mention.start].rstrip().endswith((",", ";", "..", "…"))):
        return True
    found, alias = phrase(mention.found), phrase(mention.alias)
    return bool(found and alias) and any(
        found[0].startswith(p) and not alias[0].startswith(p) for p in ctx.joining_prefixes)


def _addressed(ctx: Context, doc: Text, mention: Match) -> bool:
    """Whether a name is marked as the one spoken to: "to Iran", "لإيران" (a proclitic its alias does not have)."""
    at = doc.token_at(mention.start)
    if at > 0 and doc.folded[at - 1] in ctx.addressee_markers:
        return True
    found, alias = phrase(mention.found), phrase(mention.alias)
    return bool(found and alias) and any(
        found[0].startswith(p) and not alias[0].startswith(p) for p in ctx.addressee_prefixes)


def as_claimant(ctx: Context, doc: Text, event_type: str | None, found: list[Party], mentions: list[Match],
                day: date) -> list[Party]:
    """An unnamed group that claims an attack or makes a vow in the title or lead ("Iraqi factions claim rocket
    fire at US base", "..., Iraqi group says") speaks, in the time an umbrella claimed for the groups under it,
    as that umbrella: the catch-all it was put on becomes the umbrella. Officials speaking of militias, or a
    report of an attack nobody claims, keep the catch-all."""
    umbrella = ctx.claimant_on(day)
    if umbrella is None or event_type not in {"attack", "threat"}:
        return found
    at = next((i for i, p in enumerate(found) if p.name == ctx.catch_all and p.how == "assumed"), None)
    if at is None or not _unnamed_group_speaks(ctx, doc, party_mentions(ctx, doc, mentions)):
        return found
    how = "claimed" if event_type == "attack" else "named"
    # The umbrella takes the catch-all's place (a report that also names it later keeps one party for it).
    rest = [p for p in found[at + 1:] if p.name != umbrella]
    return [*(p for p in found[:at] if p.name != umbrella), replace(found[at], name=umbrella, how=how), *rest]


def _unnamed_group_speaks(ctx: Context, doc: Text, mentions: list[Match]) -> bool:
    """A group word in the title or lead right before a claim or speech verb, with no name before it ("Islamic
    State group says" is that group's, "Kataib Hezbollah militia claims" the named one's), and no word denying it
    right before ("no group claims responsibility")."""
    speaking = {b for b, _, _ in doc.hits["speech"]} | {
        b for b, _, label in doc.hits["attribution"] if label == "claimed"} | {
        b for b, label in doc.cues if label == "threat"}  # "Iraqi factions vow ..."
    named_ends = {doc.token_at(m.end - 1) for m in mentions if m.section == "actor"}
    return any(doc.sentence_of[b] <= 1 and {e, e + 1} & speaking and not {b - 1, b - 2} & named_ends
               and not (b > 0 and doc.folded[b - 1] in ctx.nobody) for b, e, _ in doc.hits["claimants"])


def at_militia_held(ctx: Context, doc: Text, mentions: list[Match], killed: dict[str, int],
                    injured: dict[str, int]) -> bool:
    """An attack told in the title or lead only at places the militias hold ("explosions shake the outskirts of
    al-Bukamal", "a car hit by a drone in Jurf al-Sakhar"): nobody of theirs named, no base or mission hit, and
    nobody but militia hurt. They do not bomb their own positions: it is a strike on them."""
    if set(killed) | set(injured) - {"militia"}:
        return False
    leading = [m for m in mentions if doc.sentence_of[doc.token_at(m.start)] <= 1]
    places = [m.name for m in leading if m.section == "place" and ctx.kind.get(m.name) != "country"]
    if not places or any(p in ctx.sites for p in places) or not any(p in ctx.militia_held for p in places):
        return False
    if any(actor_of(ctx, m) in ctx.iran_side for m in leading):
        return False
    # A coalition facility or US troops by the town ("drone hits coalition facility outside Mayadin") were hit;
    # "reports of American raids" name who struck.
    us_words = {e for b, e, _ in doc.hits["us_side"] if doc.sentence_of[b] <= 1} | {
        doc.token_at(m.end - 1) + 1 for m in leading if actor_of(ctx, m) in ctx.us_side}
    return not any({b, b - 1} & us_words for b, _, _ in doc.hits["targets"])


def _clients_named(ctx: Context, doc: Text) -> bool:
    """Whether the report speaks of unnamed armed groups: a militia word, or a group noun with a word tying it to
    a backer in the same sentence, two words apart at most ("affiliated groups", "groups it backs")."""
    if doc.hits["militia"]:
        return True
    for at, token in enumerate(doc.folded):
        if not among(token, ctx.group_nouns):
            continue
        near = range(max(0, at - 2), min(len(doc.folded), at + 3))
        if any(doc.sentence_of[i] == doc.sentence_of[at] and among(doc.folded[i], ctx.tie_words) for i in near):
            return True
    return False


def _militia_words_lead(doc: Text) -> bool:
    return any(doc.sentence_of[b] <= 1 for b, _, _ in doc.hits["militia"])


def _strikers(ctx: Context, doc: Text, named: list[tuple[str, Match]]) -> list[tuple[str, Match]]:
    """The striking actors, the strike's own agent first: "Turkish drones struck ..." is Turkey's strike even
    when US personnel are named nearby, and, when Turkey itself is not named, nobody's that the text names."""
    agent = strike_agent(doc)
    if agent is not None:
        for a, m in named:
            if doc.token_at(m.start) <= agent <= doc.token_at(m.end - 1):
                return [(a, m)] + [(b, n) for b, n in named if b != a]
        if by_other_state(doc):
            return [(a, m) for a, m in named if a not in ctx.us_side]
    # No agent named in the strike's own clause: a striker named where strikes are told, or blamed for them
    # ("the factions blamed the United States"); one named only elsewhere is not the striker.
    told = {doc.sentence_of[b] for b, label in doc.cues if label == "strike"} | _blaming(doc)
    found = [(a, m) for a, m in named if doc.sentence_of[doc.token_at(m.start)] in told]
    if found or by_other_state(doc):
        return found
    # "CENTCOM: unilateral strikes on three facilities", "US forces responded ...": with nobody else named
    # striking, the US side named in the title or lead is the striker of the strike the report tells.
    return [(a, m) for a, m in named if a in ctx.us_side and doc.sentence_of[doc.token_at(m.start)] <= 1]


def _span(doc: Text, m: Match) -> tuple[int, int]:
    """The tokens a mention covers (begin, past-last)."""
    return doc.token_at(m.start), doc.token_at(m.end - 1) + 1


def _coordinated(ctx: Context, doc: Text, one: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether two spans of tokens stand side by side, or joined by "and" ("the United States and Israel",
    "الولايات المتحدة وإسرائيل", "American and Israeli")."""
    (_, end), (begin, _) = sorted((one, other))
    return begin == end or (begin == end + 1 and doc.folded[end] in ctx.clause_joiners)


def _worded_striker(ctx: Context, doc: Text) -> int | None:
    """The sentence of the title or lead where a US-side word owns the strike it stands before ("martyred in American
    aggression", "American raids on Qaim", "American drones that struck"), when no striking state is named: the US
    side is the striker. None when another state's striker word is there too."""
    if by_other_state(doc):
        return None
    owned = {b for b, label in doc.cues if label == "strike"} | {b for b, _, _ in doc.hits["weapons"]}
    for b, e, _ in doc.hits["us_side"]:
        if doc.sentence_of[b] <= 1 and e in owned and doc.sentence_of[e] == doc.sentence_of[b]:
            return doc.sentence_of[b]
    return None


def _blaming(doc: Text) -> set[int]:
    """Sentences that claim or lay blame for an event (not those denying it)."""
    return {doc.sentence_of[b] for b, _, label in doc.hits["attribution"] if label != DENIED}


def blamed_state(ctx: Context, doc: Text, mentions: list[Match]) -> str | None:
    """A striking state other than the US side blamed for what reads as an attack by nobody named ("a drone
    hit near the airport; Kurdish officials blamed Turkey"): the event is that state's strike. None when a
    militia is named."""
    blaming = _blaming(doc)
    state = None
    for m in mentions:
        actor = actor_of(ctx, m)
        if actor in ctx.iran_side or actor in ctx.patrons:
            return None
        if state is None and actor in ctx.strikers - ctx.us_side and doc.sentence_of[doc.token_at(m.start)] in blaming:
            state = actor
    return state


def strike_agent(doc: Text) -> int | None:
    """The token of the first foreground strike's agent, when the clause names one."""
    return next((agent for cue, agent in sorted(doc.agents.items()) if doc.foreground[cue]), None)


JOINT_REACH = 4  # "American and Israeli aircraft": how far before the agent a US-side word makes the strike joint


def by_other_state(doc: Text) -> bool:
    """Whether the strike's agent is a state other than the US side ("Israeli jets", "Turkish drones"), and not
    jointly the US side's ("American and Israeli aircraft")."""
    agent = strike_agent(doc)
    if agent is None or not any(i in doc.other_states for i in range(max(0, agent - 2), agent + 1)):
        return False
    return not any(max(0, agent - JOINT_REACH) <= b <= agent for b, _, _ in doc.hits["us_side"])


def _unnamed_militia_in_title(doc: Text, first_named: Match | None) -> bool:
    """'Iraqi militia umbrella warns ...', '..., Iraqi faction says': armed groups speak in the title, before
    anyone is named or as the subject of its speech verb."""
    limit = doc.token_at(first_named.start) if first_named else len(doc.masked)
    named_end = doc.token_at(first_named.end - 1) + 1 if first_named else -1
    speech = {b for b, _, _ in doc.hits["speech"] if doc.sentence_of[b] == 0}
    # "Iraqi militia KSS threatens", "Kataib Hezbollah militia says": a militia word beside the name says what
    # the named group is, not that another one speaks; one word apart, unless that word is its speech ("Iraqi
    # militia threatens US bases").
    return any(doc.sentence_of[b] == 0 and (b < limit or {e, e + 1} & speech) and e != limit
               and (e != limit - 1 or e in speech) and b != named_end for b, e, _ in doc.hits["militia"])
