"""Whether the event touches the watched confrontation: the right sides, a site or force in the watched
countries, and not an incident of another conflict. What the text itself says counts as much as the
gazetteer: "an outpost in north-east Syria where American troops are stationed" is a US site in the watch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from monitor.classify import clauses
from monitor.classify.context import Context
from monitor.classify.roles import actor_of, by_other_state, speaker
from monitor.classify.segment import Text
from monitor.config import EVENT_TYPES
from monitor.model import Match, Party
from monitor.text import arabic_stems

ATTACK_WORDS = {"attack", "strike", "ambiguous", "blast"}  # cue lists that speak of armed action
MISSION_REACH = 3  # tokens between the coalition's name and "against" in "the coalition against ISIS"
NEGATED_REACH = 2  # "no American personnel": a negator this near before a party says it was not hit


def _us_worded_in_title(doc: Text) -> bool:
    """Whether the title names the US side by its words ("the American occupier")."""
    return any(doc.sentence_of[b] == 0 for b, _, _ in doc.hits["us_side"])


def relevant(ctx: Context, event_type: str | None, doc: Text, mentions: list[Match], parties: list[Party],
             places: tuple[str, ...], when: datetime, reasons: list[str], *, allied_hurt: bool = False,
             militia_hurt: bool = False, every_mention: list[Match] | None = None) -> bool:
    """Whether to report the event; when not, `reasons` says why. `every_mention`: the report's mentions in
    background clauses too (`mentions` are those that tell the event)."""
    if event_type not in EVENT_TYPES:
        return False
    named = {actor for m in mentions if (actor := actor_of(ctx, m)) is not None}
    theatre_places = [p for p in places if p in ctx.theatre_places]
    in_theatre = bool(theatre_places) or _theatre_named(doc, event_type) or bool(named & ctx.host_state) or (
        _theatre_reference(ctx, doc, mentions, event_type))
    if in_theatre and not theatre_places and _told_abroad(ctx, doc, mentions, event_type):
        # "US and UK strike 36 Houthi targets in Yemen, a day after US strikes in Iraq and Syria": the event's own
        # place is a country outside the watch, and the watched ones are named only in what it follows.
        in_theatre = False
    # A group whose fight is elsewhere (the Houthis) makes the report another conflict's, unless a group of
    # the watch is named with it, or the watched countries are where it happens: naming their patron
    # ("US strikes Houthis, warns Iran") does not bring it into the watch.
    if named & ctx.out_of_watch and not named & (ctx.iran_side - ctx.patrons) and not in_theatre:
        reasons.append(f"actors outside the watch: {sorted(named & ctx.out_of_watch)}")
        return False
    leading = {actor_of(ctx, m) for m in mentions
               if doc.sentence_of[doc.token_at(m.start)] <= 1 and not _names_a_mission(ctx, doc, m, mentions)}
    everyone = {actor for m in every_mention or mentions if (actor := actor_of(ctx, m)) is not None}
    if event_type == "strike" and not everyone & (ctx.iran_side | ctx.patrons):
        # "US and Iraqi forces conducted a raid in western Iraq that killed 15 ISIS operatives": with no militia or
        # patron named anywhere, the other conflict's name in the lead tells whose fight it is, in any clause.
        leading |= {actor_of(ctx, m) for m in every_mention or ()
                    if doc.sentence_of[doc.token_at(m.start)] <= 1 and not _names_a_mission(ctx, doc, m, mentions)}
    # The other conflict's name in a lead that tells no event ("troops in the east remain focused on Islamic State")
    # is the report's setting, not whose incident it tells.
    told = {0} | {doc.sentence_of[b] for b, _ in doc.cues} | {
        doc.sentence_of[b] for name in ("toll", "weapons") for b, _, _ in doc.hits[name]}
    leading_told = {actor_of(ctx, m) for m in every_mention or mentions
                    if doc.sentence_of[doc.token_at(m.start)] in told}
    elsewhere = [a for a in ctx.other_conflict if a in leading and a in leading_told]
    # "Islamic State attack kills five soldiers; army and PMF units cordon off the area": a watched group named only
    # further down does not make the other conflict's attack one of the watch.
    if elsewhere and not (leading if event_type == "attack" else named) & (ctx.iran_side | ctx.patrons):
        reasons.append(f"an {elsewhere[0]} incident")
        return False
    # "An Islamic State attack kills three PMF fighters": the watched militias only suffer it, and no US
    # side is named, so it is that other conflict's incident too.
    acting = {p.name for p in parties if p.role != "target"} & (ctx.iran_side | ctx.patrons)
    us_named = bool((named | {p.name for p in parties}) & ctx.us_side) or bool(doc.hits["us_side"])
    if elsewhere and not acting and not us_named:
        reasons.append(f"an {elsewhere[0]} incident with the watched groups only as its targets")
        return False
    if event_type == "attack":
        if not in_theatre and _told_in(doc, event_type, "abroad"):
            reasons.append("attack outside the watched countries (the country it names)")
            return False
        if not in_theatre and not (named & ctx.us_side and named & ctx.iran_side):
            reasons.append("attack outside the watched countries, or no place named")
            return False
        # "Iran launches drones and missiles at Israel ... intercepted with help from the United States and Jordan":
        # with no watched place, a title naming a state of neither side and not the US side tells that state's war.
        titled = {a for m in mentions if doc.sentence_of[doc.token_at(m.start)] == 0 and (a := actor_of(ctx, m))}
        others = titled & ctx.outside_states  # not an armed group of the theatre (the SDF): attacks on them count
        if not theatre_places and others and not titled & ctx.us_side and not _us_worded_in_title(doc):
            reasons.append(f"attack on {sorted(others)[0]}, outside the watched countries")
            return False
        us_site = any(_hosts_us(ctx, p, when) for p in theatre_places) or (
            _town_of_a_us_site(ctx, doc, mentions, when) and not _homes_hit(doc))
        site = any(p in ctx.sites for p in theatre_places)
        # US or coalition personnel killed or hurt in the watched countries were what it hit.
        if us_site or site or _us_presence(ctx, doc) or _military_target(ctx, doc) or (allied_hurt and in_theatre):
            return True
        reasons.append("attack on no military, diplomatic or US/coalition target")
        return False
    if event_type == "strike":
        strikers = [p.name for p in parties if p.role == "striker"]
        if strikers and not set(strikers) & ctx.us_side:
            reasons.append(f"strike by {strikers[0]}, not the US or coalition")
            return False
        if not strikers and by_other_state(doc):
            reasons.append("strike by a state other than the US or coalition")
            return False
        militias = {p.name for p in parties if p.role == "target"} & ctx.iran_side - ctx.patrons
        # "four militants backed by Iran killed": their dead make them the target, named or not.
        backed_hurt = militia_hurt and bool(named & (ctx.iran_side | ctx.patrons))
        hit = any(doc.sentence_of[b] <= 1 for b in doc.militia_hit)  # "jets hit an Iranian militia depot"
        # "a drone hit a car in eastern Baghdad": a targeted killing in the watched countries, whoever flew it
        # (a state other than the US side named as striking is set aside above).
        hit = hit or any(doc.sentence_of[b] <= 1 for b in doc.vehicle_hit)
        if not strikers and not militias and not set(places) & ctx.militia_held and not backed_hurt and not hit:
            reasons.append("strike by an unnamed state on no watched target")
            return False
        if in_theatre or named & (ctx.iran_side - ctx.patrons):
            return True
        if not places and _answers_here(ctx, doc, every_mention or mentions):
            return True
        if _theatre_militia(ctx, doc):
            return True
        reasons.append("strike outside the watched countries")
        return False
    abroad = any(p not in ctx.theatre_places for p in places) or bool(doc.hits["abroad"])
    # "Any attack on our forces in the region", and a vow the US side speaks naming nobody else ("Austin: we will not
    # hesitate to take further action to protect our forces"): with no place abroad, about the forces here.
    us_alone = bool(named) and named <= ctx.us_side and speaker(ctx, doc, mentions) in ctx.us_side
    here = not abroad and _forces_named(doc) and (_warns_of_attacks(doc) or us_alone)
    return _threat(ctx, doc, named, {p.name for p in parties}, in_theatre or here, reasons)


def _threat(ctx: Context, doc: Text, named: set[str], party_names: set[str], in_theatre: bool,
            reasons: list[str]) -> bool:
    """A threat by the militias or Iran against the US side, or by the US side against them or about
    attacks on its forces in the watched countries."""
    iran = bool((named | party_names) & (ctx.iran_side | ctx.patrons))
    us = bool(named & ctx.us_side) or bool(doc.hits["us_side"])
    if iran and (us or in_theatre):
        return True
    foes = {actor_of(ctx, m) for m, _, _ in doc.named} & (ctx.strikers - ctx.us_side)
    if named & (ctx.iran_side - ctx.patrons) and not foes and not doc.hits["abroad"]:
        # "Kataib Hezbollah vows revenge for its commander's killing": a watched group's vow naming no other foe (a
        # vow against Israel names it) is one of this confrontation.
        return True
    if iran and not foes and not doc.hits["abroad"] and _theatre_militia(ctx, doc):
        # "Iraqi militia says enemies will taste death if Iran is attacked": a group of the watched countries, unnamed.
        return True
    if us and any(w in ctx.militia_nouns for w in doc.folded):
        return True
    if us and in_theatre and (_warns_of_attacks(doc) or _forces_named(doc)):
        # "the US reserves the right to respond if its forces in Iraq are hit", "we will take all necessary
        # measures to protect our forces in Iraq and Syria"
        return True
    reasons.append("threat without both sides of the watched confrontation")
    return False


def _forces_named(doc: Text) -> bool:
    """Whether a threat sentence names forces ("attacks on our forces and partners in the region"): with no place
    outside the watched countries, a US vow to protect its forces is about those here."""
    threats = {doc.sentence_of[b] for b, label in doc.cues if label == "threat"}
    return any(doc.sentence_of[b] in threats for b, _, _ in doc.hits["targets"])


def _warns_of_attacks(doc: Text) -> bool:
    """A threat sentence that speaks of armed action: what it warns of or answers."""
    threats = {doc.sentence_of[b] for b, label in doc.cues if label == "threat"}
    armed = {doc.sentence_of[b] for b, _, label in doc.hits["cues"] if label in ATTACK_WORDS}
    # "US prepared to act forcefully after contractor killed in Syria": the deaths it answers are armed action too.
    armed |= {doc.sentence_of[b] for b, _, _ in doc.hits["toll"]}
    return bool(threats & armed)


def unanchored(ctx: Context, words: Iterable[tuple[int, int, str]]) -> bool:
    """Whether a report that names nobody watched also has no word of the watched countries or sides (`anchors`,
    an Arabic word also without its proclitics): none of the relevance rules below can then hold (an attack needs
    the watched countries, a strike and a threat the US side or the militias), so the reader stops there. Most
    news is such, and this look-up costs a small part of reading it."""
    anchors = ctx.anchors
    toks = [t for _, _, t in words]
    if not anchors.isdisjoint(toks):
        return False
    # A set look-up of every word at once, then the Arabic words alone: most news is in Latin script.
    return all(map(str.isascii, toks)) or not any(
        not t.isascii() and not anchors.isdisjoint(arabic_stems(t)) for t in toks)


def _theatre_named(doc: Text, event_type: str) -> bool:
    """A watched country named where the event is told: in the title, or in a sentence with the event's
    own cues (a threat names it anywhere: "US forces in Iraq"). "Jordan called off a summit" in a report on
    Gaza puts nothing in the watch."""
    in_names = _in_actor_names(doc)
    return (event_type == "threat" and any(b not in in_names for b, _, _ in doc.hits["theatre"])) or _told_in(
        doc, event_type, "theatre")


def _told_sentences(doc: Text, event_type: str) -> set[int]:
    """Where the event is told: the title, and the sentences with its own cues."""
    return {0} | {doc.sentence_of[b] for b, label in doc.cues if label == event_type}


def _told_in(doc: Text, event_type: str, hits: str) -> bool:
    """Whether a word of `hits` stands where the event is told: the title, or a sentence with its own cues; not
    inside an actor's name ("the Islamic Resistance in Iraq" says nothing of where it struck)."""
    told = _told_sentences(doc, event_type)
    in_names = _in_actor_names(doc)
    return any(doc.sentence_of[b] in told and b not in in_names for b, _, _ in doc.hits[hits])


def _answers_here(ctx: Context, doc: Text, mentions: list[Match]) -> bool:
    """Whether a US strike that names no place of its own answers an attack in the watched countries ("AC-130 gunship
    strikes militants after ballistic missile attack on Al-Asad"): a watched site or town in its background, and no
    place outside the watch named anywhere."""
    inside = outside = False
    for m in mentions:
        place = ctx.places.get(m.name) if m.section == "place" else None
        if place is None:
            continue
        if m.name in ctx.theatre_places and not doc.foreground[doc.token_at(m.start)]:
            inside = True
        elif place.country not in ctx.theatre_countries:
            outside = True
    return inside and not outside and not doc.hits["abroad"]


def _town_of_a_us_site(ctx: Context, doc: Text, mentions: list[Match], when: datetime) -> bool:
    """"Erbil rocket attack toll rises": a town named after the one base there that hosts US forces stands for that
    base, where the event is told; not as the area around it ("drones fall in an oil field, Erbil province", "near
    Erbil") or a reference point ("south-west of Erbil")."""
    for m in mentions:
        site = ctx.site_named_after.get(m.name) if m.section == "place" else None
        if site is None or not _hosts_us(ctx, site, when):
            continue
        first, last = doc.token_at(m.start), doc.token_at(m.end - 1)
        if first in doc.reference:
            continue
        beside = {doc.folded[i] for i in (first - 1, last + 1) if 0 <= i < len(doc.folded)}
        if not beside & ctx.around_words:
            return True
    return False


def _homes_hit(doc: Text) -> bool:
    """Whether a sentence telling an armed event names homes or another civilian place ("the missiles struck homes
    in a residential area of Erbil"): what was hit is told, and it is not the base the town is named after."""
    armed = {doc.sentence_of[b] for b, label in doc.cues if label in {"attack", "strike"}}
    return any(doc.sentence_of[b] in armed for b, _, _ in doc.hits["civilian_sites"])


def _theatre_militia(ctx: Context, doc: Text) -> bool:
    """Whether militias are told as of a watched country, a strike's target or a vow's speaker ("Iraqi militia deputy
    chief blames US for drone strikes on weapons depots"): a country word right before a militia word, in the title
    or lead, with no place outside the watch named there."""
    militia = {b for b, _, _ in doc.hits["militia"]}
    lead = [(b, e, country) for b, e, country in doc.hits["countries"] if doc.sentence_of[b] <= 1]
    return any(e in militia and country in ctx.theatre_countries for b, e, country in lead) and not any(
        doc.sentence_of[b] <= 1 for b, _, _ in doc.hits["abroad"])


def _told_abroad(ctx: Context, doc: Text, mentions: list[Match], event_type: str) -> bool:
    """Whether the event is told in a country outside the watch (a place the gazetteer puts there, in the title or
    a sentence with the event's cues), and the watched countries or places stand only in background clauses."""
    told = _told_sentences(doc, event_type)
    in_names = _in_actor_names(doc)

    def here(at: int) -> bool:
        return doc.sentence_of[at] in told and at not in in_names and doc.foreground[at]

    abroad = here_theatre = False
    for m in mentions:
        place = ctx.places.get(m.name) if m.section == "place" else None
        if place is None or not here(doc.token_at(m.start)):
            continue
        if m.name in ctx.theatre_places or place.country in ctx.theatre_countries:
            here_theatre = True
        else:
            abroad = True
    return abroad and not here_theatre and not any(here(b) for b, _, _ in doc.hits["theatre"])


def _in_actor_names(doc: Text) -> set[int]:
    """The tokens of actors' names ("the Islamic Resistance in Iraq" names no place)."""
    return {i for m, first, end in doc.named if m.section == "actor" for i in range(first, end)}


def _theatre_reference(ctx: Context, doc: Text, mentions: list[Match], event_type: str) -> bool:
    """A place of the watched countries named as a reference point where the event is told ("a base north of
    Baghdad"): not where it happened, but it says in which country."""
    told = _told_sentences(doc, event_type)
    return any(m.section == "place" and m.name in ctx.theatre_places and doc.token_at(m.start) in doc.reference
               and doc.sentence_of[doc.token_at(m.start)] in told for m in mentions)


def _military_target(ctx: Context, doc: Text) -> bool:
    """A target word (base, troops, convoy) in a sentence that tells an attack of the report's own, or the US
    side as what an attack hit ("drones heading for American troops", "a coalition facility")."""
    attacked = [b for b, label in doc.cues if label == "attack"]
    sentences = {doc.sentence_of[b] for b in attacked}
    # In the attack's own sentence even a clause marked as background names its victims ("the drone attack
    # that killed three US troops"); "the embassy urges ..." is who speaks, not what was hit.
    if any(doc.sentence_of[b] in sentences and e not in doc.speaking and not _denied_hit(ctx, doc, b)
           for b, e, _ in doc.hits["targets"]):
        return True
    for b in attacked:
        if doc.sentence_of[b] > 1:
            continue  # the title and lead tell what was hit; later sentences recall other incidents
        lo, hi = clauses.clause(ctx, doc, b, b + 1)
        patient = clauses.parties(ctx, doc, doc.roles, b, b + 1, lo, hi)[1]
        if patient == clauses.TARGET or (patient == clauses.STATE and any(
                doc.roles.get(i) == clauses.STATE and i not in doc.other_states for i in range(b + 1, hi))):
            return True  # not a state outside the watch ("militia fires rockets at Israel from Syria")
    return False


def _denied_hit(ctx: Context, doc: Text, at: int) -> bool:
    """Whether a negator stands just before the party at `at` in its sentence: "no American personnel or facilities
    were hit" names who was not hit."""
    return any(doc.folded[i] in ctx.party_negators and doc.sentence_of[i] == doc.sentence_of[at]
               for i in range(max(0, at - NEGATED_REACH), at))


def _us_presence(ctx: Context, doc: Text) -> bool:
    """The US side named in a sentence that tells an attack of the report's own: "drones heading for American
    troops", "a coalition facility", "a base that hosts US advisers"."""
    sentences = {doc.sentence_of[b] for b, label in doc.cues if label == "attack"}
    return any(doc.sentence_of[i] in sentences and role == clauses.STATE and i not in doc.other_states
               and i + 1 not in doc.speaking and not _denied_hit(ctx, doc, i) for i, role in doc.roles.items())


def _names_a_mission(ctx: Context, doc: Text, mention: Match, mentions: list[Match]) -> bool:
    """'the coalition against ISIS': a group named as what the coalition exists to fight, not as a party."""
    if mention.name not in ctx.other_conflict:
        return False
    at = doc.token_at(mention.start)
    for marker in ctx.opposed_markers:
        begin = at - len(marker)
        if begin < 0 or tuple(doc.folded[begin:at]) != marker:
            continue
        coalition = {i for m in mentions if actor_of(ctx, m) in ctx.us_side
                     for i in range(doc.token_at(m.start), doc.token_at(m.end - 1) + 1)}
        coalition |= {i for b, e, _ in doc.hits["us_side"] for i in range(b, e)}
        return any(begin - MISSION_REACH <= i < begin for i in coalition)
    return False


def _hosts_us(ctx: Context, place_name: str, when: datetime) -> bool:
    place = ctx.places.get(place_name)
    return bool(place and place.hosts_us_forces(when))
