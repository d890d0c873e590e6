"""What the reader knows before it reads: the vocabulary and the watchlist compiled once into phrase scanners,
word sets and sets of names. Actors the code treats specially are found by their `role` in the watchlist,
never by name, so renaming one in the file changes nothing here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta, timezone, tzinfo

from monitor.classify.lexicon import Lexicon, Phrase, PhraseIndex, phrase
from monitor.config import Period, Place, Vocabulary, Watchlist, Weights
from monitor.errors import ConfigError

NON_CUE = "none"  # the cue label of phrases that only look like event words ("warning system")
# Lists looked for with watchlist names blanked out: "Union III" is no labour union, "Victory base" no victory.
MASKED = ("cues", "off_topic", "targets", "militia", "claimants")


@dataclass(frozen=True, slots=True)
class Context:
    """The compiled vocabulary and watchlist every step of the reader reads from."""

    weights: Weights
    lexicon: Lexicon  # every word list, found in one pass over the tokens
    qualifiers: PhraseIndex
    facility_words: set[str]
    launch_words: frozenset[str]  # "إطلاق" between a facility word and its weapon ("منصات إطلاق صواريخ")
    backer_suffixes: set[str]
    topic_markers: set[str]  # "a message about the attacks": what is spoken of, not what happened
    backer_prefixes: set[str]  # "pro-Iran fighters": the state they back is no party
    base_words: set[Phrase]
    place_links: set[str]
    clause_joiners: set[str]
    governing_suffixes: tuple[str, ...]
    militia_nouns: set[str]
    vehicle_strike_weapons: frozenset[str]  # "drones": weapon kinds a targeted strike on a car is told with
    group_nouns: frozenset[str]  # "groups", "الجماعات": armed groups when a tie word stands beside them
    tie_words: frozenset[str]  # "backs", "affiliated", "التابعة": the tie of such groups to a backer
    strike_sites: set[str]
    revision_words: set[str]
    passive_openers: frozenset[str]  # "fighters killed in US strikes": words after a killing word said of the killed
    ten_words: frozenset[str]  # "ثلاثة عشر": the word for ten after a unit, which makes a number from 11 to 19
    revision_targets: frozenset[str]  # "rises ... to 11": the word before the count a revision reaches
    person_links: frozenset[str]  # "a commander of Kataib Hezbollah": words between a person and the group
    hurt_links: frozenset[str]  # "US troops suffered minor injuries": words between people and their casualty word
    others_words: frozenset[str]  # "two others wounded": a count of more people of the side just named
    casualty_links: frozenset[str]  # "three dead among US troops": words between a casualty word and its side
    months: dict[str, int]
    month_openers: set[str]
    numbers: dict[str, int]
    ordinals: dict[str, int]
    count_words: frozenset[str]  # first tokens of number words and ordinals: what may be a count
    articles: set[str]
    clause_openers: set[str]
    passive_auxiliaries: set[str]
    determiners: set[str]
    agent_markers: set[str]
    economic_words: set[str]
    opposed_markers: set[Phrase]
    measure_words: set[str]
    calendar_months: frozenset[str]  # "26 Rajab 1445": a number beside them is a date, not a count
    unnamed_forces_side: str | None  # the side of soldiers named without a nationality, when only it is named
    function_words: set[str]
    abbreviations: frozenset[str]  # "U.S.", "Feb.", "p.m.": a full stop after one ends no sentence
    subject_after_verbs: set[str]  # verbs whose subject follows them ("استهدف مجاهدو المقاومة قاعدة ...")
    us_side_actor: str | None  # the watchlist actor the US side's words stand for ("the American occupier")
    force_words: set[str]  # "US forces carried out a strike": a force named with its owner acts as the owner
    negators: set[str]  # "no rocket attack took place": a word that says the event right after it did not happen
    party_negators: frozenset[str]  # "no American personnel were hit": the party after it was not hit
    nobody: frozenset[str]  # "nobody", "no": "an official said, and nobody was hurt" hurts no official
    denial_verbs: frozenset[str]  # "deny": "officials deny attack on the base"
    circumstance_markers: set[Phrase]  # "on the anniversary": an off-topic word as a time, not the frame
    other_language_words: set[str]
    scripts: frozenset[int]  # the Unicode blocks the vocabulary's words are written in: what it can read
    side: dict[str, str]  # actor -> side
    outside_states: frozenset[str]  # states of neither side (Israel, Turkey): their wars are not the watch's
    iran_side: set[str]  # Iran-aligned actors fighting in the watched countries
    us_side: set[str]
    host_state: set[str]  # the Iraqi state's actors: naming one places a report in the watched countries
    host_government: frozenset[str]  # those of them that are the state itself, not its forces
    strikers: set[str]  # actors whose "strike" is a strike, not an attack
    out_of_watch: set[str]  # Iran-aligned actors whose fight is elsewhere
    affiliation: dict[str, str]  # person -> actor
    theatre_places: set[str]  # places in the watched countries, countries themselves aside
    theatre_countries: frozenset[str]  # the watched countries (a place's `country`)
    # First words of the watched countries and sides ("iraq", "coalition", "militia"): a report naming nobody watched
    # and none of these cannot be relevant, whatever else it says (see `relevance.unanchored`).
    anchors: frozenset[str]
    local: tzinfo  # the theatre's clock, in which day words are read
    sites: set[str]  # bases and diplomatic missions
    kind: dict[str, str]  # place -> kind
    site_named_after: dict[str, str]  # town -> the one base named after it
    places: dict[str, Place]
    catch_all: str  # the actor an unnamed militia attack is put on
    patrons: frozenset[str]  # the state backing the militias, and its forces
    # The patron's own forces (the IRGC): "IRGC-linked sites" struck are theirs, unlike "Iran-backed" groups' Iran.
    patron_forces: frozenset[str]
    part_of: dict[str, frozenset[str]]  # an actor -> the actors it belongs to (the IRGC -> Iran)
    other_conflict: tuple[str, ...]  # groups whose incidents belong to another conflict
    claimants: tuple[tuple[str, Period], ...] = ()  # umbrellas unnamed groups claim as, and when
    militia_held: frozenset[str] = frozenset()  # places where the militias hold positions
    statement_words: frozenset[str] = frozenset()  # nouns for an official statement
    statement_markers: frozenset[str] = frozenset()  # "on" after a statement: what it is about follows
    addressee_markers: frozenset[str] = frozenset()  # "Biden to Iran: ...": who is spoken to follows
    addressee_prefixes: tuple[str, ...] = ()  # "بايدن لإيران": the prefix of the addressee's word
    joining_prefixes: tuple[str, ...] = ()  # "وبغداد تندد": a proclitic "and" opening a clause
    condemnation_words: frozenset[str] = frozenset()  # "condemns": the attack after it is what a statement is on
    tally_markers: frozenset[str] = frozenset()  # "since": "60 attacks since October" counts, tells no attack
    infinitive_markers: frozenset[str] = frozenset()  # "to": "decided how to respond to": a response still to come
    around_words: frozenset[str] = frozenset()  # "province", "near": the area around a town, not the town
    foreign_words: frozenset[str] = frozenset()  # "a foreign contractor": of another nation than the US side's
    accusing_words: frozenset[str] = frozenset()  # "aggression": a strike named by the side it hit
    known_event_markers: tuple[tuple[str, ...], ...] = ()  # "in the", "في": before an event named as known
    operations_words: frozenset[str] = frozenset()  # "operations", "عمليات": what a vow says will go on
    continuation_phrases: tuple[Phrase, ...] = ()  # "will go on", "ستتواصل"
    relative_pronouns: frozenset[str] = frozenset()  # "sites that threatened the base": what follows describes
    consequence_markers: frozenset[tuple[str, ...]] = frozenset()  # "after", "عقب": after a toll, its own event
    hosted_markers: frozenset[str] = frozenset()  # "a base housing US troops": the forces it hosts, no casualties
    verb_negators: frozenset[str] = frozenset()  # "have not killed", "لم يقتل": a casualty word denied
    subject_pronouns: frozenset[str] = frozenset()  # "the coalition says it struck": the speaker acts

    def claimant_on(self, day: date) -> str | None:
        """The umbrella an unnamed group claiming an attack that day speaks as, if any."""
        return next((name for name, period in self.claimants if period.covers(day)), None)

    @classmethod
    def build(cls, vocabulary: Vocabulary, watchlist: Watchlist) -> Context:
        v = vocabulary
        cues = {k: e.words for k, e in v.event_types.items()} | {"ambiguous": v.state_action_words,
                                                                 "verdict": v.verdict_words,
                                                                 "interception": v.interception_words,
                                                                 "blast": v.blast_words,
                                                                 NON_CUE: v.non_cue_phrases}
        qualifiers: dict[str, list[str]] = {}
        for word, label in v.qualifiers.items():
            qualifiers.setdefault(label, []).append(word)
        # load_watchlist refuses a watchlist without exactly one; this guards one built some other way.
        catch_alls = watchlist.with_role("catch_all")
        if len(catch_alls) != 1:
            raise ConfigError([f"watchlist: actors: the reader needs exactly one actor with role 'catch_all', "
                               f"found {len(catch_alls)}"])
        us_side = {a.name for a in watchlist.actors if a.side == "us_coalition"}
        if v.us_side_actor is not None and v.us_side_actor not in us_side:
            raise ConfigError([f"vocabulary: us_side_actor: {v.us_side_actor!r} is no actor of the US side in the "
                               f"watchlist (one of {sorted(us_side)})"])
        theatre = set(v.theatre)
        drops = _first_tokens(v.headline_drops)
        return cls(
            weights=v.weights,
            lexicon=Lexicon({name: _with_headline_forms(lists, drops) for name, lists in {
                "background": {"background": v.background_markers, "hypothetical": v.hypothetical_markers,
                               "time": v.time_phrases},
                "denials": {"denial": v.event_denials},
                "direction": {"direction": v.direction_words},
                "attribution": v.attribution,
                "membership": {"member": v.membership_words},
                "weapons": v.weapons,
                "sides": v.sides,
                "toll": v.casualty_words,
                "persons": v.person_words,
                "unnumbered": {"unnumbered": v.unnumbered_words},
                "natural_death": {"natural": v.natural_death_words},
                "when": _by_value("day", v.days) | _by_value("rel", v.relative_days),
                "months": _by_value("month", v.months),
                "speech": {"speech": v.speech_verbs, "speaker": v.speaker_words},
                "theatre": {"theatre": v.theatre_words},
                "abroad": {"abroad": v.abroad_words},
                "after_the_fact": {"after": v.after_the_fact_words},
                "repeat": {"repeat": v.repeat_words, "after": v.repeat_after_words},
                "habitual": {"habitual": v.habitual_markers},
                "killing": {"killing": v.killing_verbs},
                "future": {"future": v.future_words},
                "countries": v.country_words,
                "not_names": {"not_name": v.not_names},
                "us_side": {"us_side": v.us_side_words},
                # Who can act: a striking state ("other" when not the US side), an attacker.
                "strikers": {"state": v.striker_words, "other": v.other_striker_words},
                "attackers": {"attacker": v.attacker_words},
                "owner_after": {"owner": v.owner_adjectives},
                "crowd": {"crowd": v.crowd_words},
                "cues": cues,
                "off_topic": v.not_relevant,
                "targets": {"target": v.target_words},
                "militia": {"militia": v.militia_words},
                "vehicles": {"vehicle": v.vehicle_words, "service": v.service_vehicle_words},
                "civilian_sites": {"civilian": v.civilian_site_words},
                "claimants": {"claimant": v.claimant_words},
            }.items()}, unmasked_only=MASKED),
            qualifiers=PhraseIndex(qualifiers),
            facility_words={phrase(w)[0] for w in v.facility_words if phrase(w)},
            launch_words=frozenset(_first_tokens(v.launch_words)),
            backer_suffixes={phrase(w)[0] for w in v.backer_suffixes if phrase(w)},
            backer_prefixes=_first_tokens(v.backer_prefixes),
            topic_markers=_first_tokens(v.topic_markers),
            base_words={phrase(w) for w in v.base_words if phrase(w)},
            place_links={phrase(w)[0] for w in v.place_links if phrase(w)},
            clause_joiners={phrase(w)[0] for w in v.clause_joiners if phrase(w)},
            governing_suffixes=tuple(v.governing_suffixes),
            militia_nouns={phrase(w)[0] for w in v.militia_nouns if phrase(w)},
            group_nouns=frozenset(_first_tokens(v.group_nouns)),
            vehicle_strike_weapons=frozenset(v.vehicle_strike_weapons),
            tie_words=frozenset(_first_tokens(v.tie_words)),
            strike_sites={phrase(w)[0] for w in v.strike_site_words if phrase(w)},
            revision_words={phrase(w)[0] for w in v.revision_words if phrase(w)},
            person_links=frozenset(_first_tokens(v.person_links)),
            casualty_links=frozenset(_first_tokens(v.casualty_links)),
            hurt_links=frozenset(_first_tokens(v.hurt_links)),
            others_words=frozenset(_first_tokens(v.others_words)),
            revision_targets=frozenset(_first_tokens(v.revision_targets)),
            ten_words=frozenset(_first_tokens(v.ten_words)),
            passive_openers=frozenset(_first_tokens(v.passive_openers)),
            months={phrase(m)[0]: n for m, n in v.months.items() if phrase(m)},
            month_openers={phrase(w)[0] for w in v.month_openers if phrase(w)},
            numbers={phrase(k)[0]: n for k, n in v.numbers.items() if phrase(k)},
            ordinals={phrase(k)[0]: n for k, n in v.ordinals.items() if phrase(k)},
            count_words=frozenset(phrase(k)[0] for k in (*v.numbers, *v.ordinals) if phrase(k)),
            articles=_first_tokens(v.articles),
            clause_openers=_first_tokens(v.clause_openers),
            passive_auxiliaries=_first_tokens(v.passive_auxiliaries),
            determiners=_first_tokens(v.determiners),
            agent_markers=_first_tokens(v.agent_markers),
            economic_words=_first_tokens(v.economic_words),
            opposed_markers={p for p in map(phrase, v.opposed_markers) if p},
            measure_words=_first_tokens(v.measure_words),
            calendar_months=frozenset(_first_tokens(v.calendar_months)),
            unnamed_forces_side=v.unnamed_forces_side,
            function_words=_first_tokens(v.function_words),
            circumstance_markers={p for p in map(phrase, v.circumstance_markers) if p},
            negators=_first_tokens(v.negators),
            party_negators=frozenset(_first_tokens(v.party_negators)),
            nobody=frozenset(_first_tokens([*v.nobody_words, *v.negators])),
            denial_verbs=frozenset(_first_tokens(v.denial_verbs)),
            force_words=_first_tokens(v.force_words),
            hosted_markers=frozenset(_first_tokens(v.hosted_markers)),
            verb_negators=frozenset(_first_tokens(v.verb_negators)),
            us_side_actor=v.us_side_actor,
            subject_after_verbs=_first_tokens(v.subject_after_verbs),
            abbreviations=frozenset(a.lower().rstrip(".") for a in v.abbreviations),
            other_language_words=_first_tokens(v.other_language_words),
            scripts=frozenset(ord(ch) >> 7 for words in cues.values() for word in words for ch in word
                              if ch.isalpha()),
            side={a.name: a.side for a in watchlist.actors},
            outside_states=frozenset(a.name for a in watchlist.actors if a.side == "other" and a.kind == "state"),
            iran_side={a.name for a in watchlist.actors if a.side == "iran_aligned" and a.theatre},
            us_side=us_side,
            host_state={a.name for a in watchlist.actors if a.side == "iraq_state"},
            host_government=frozenset(a.name for a in watchlist.actors if a.side == "iraq_state" and a.kind == "state"),
            strikers=us_side | set(v.striking_states),
            out_of_watch={a.name for a in watchlist.actors if a.side == "iran_aligned" and not a.theatre},
            affiliation={p.name: p.affiliation for p in watchlist.people if p.affiliation},
            theatre_places={p.name for p in watchlist.places if p.country in theatre and p.kind != "country"},
            theatre_countries=frozenset(theatre),
            anchors=frozenset(_first_tokens([*v.theatre_words, *(w for ws in v.country_words.values() for w in ws),
                                             *v.us_side_words, *v.striker_words, *v.attacker_words, *v.militia_words])),
            local=timezone(timedelta(hours=v.theatre_utc_offset)),
            sites={p.name for p in watchlist.places if p.kind in {"base", "diplomatic"}},
            kind={p.name: p.kind for p in watchlist.places},
            site_named_after=watchlist.sites_named_after(),
            places={p.name: p for p in watchlist.places},
            catch_all=catch_alls[0],
            patrons=frozenset(watchlist.with_role("patron")),
            patron_forces=frozenset(a.name for a in watchlist.actors if a.role == "patron" and a.kind == "state_force"),
            part_of={a.name: frozenset(a.part_of) for a in watchlist.actors if a.part_of},
            other_conflict=watchlist.with_role("other_conflict"),
            claimants=tuple((a.name, a.claims_for_unnamed) for a in watchlist.actors if a.claims_for_unnamed),
            militia_held=frozenset(p.name for p in watchlist.places if p.militia_held or p.kind == "militia_site"),
            statement_words=frozenset(_first_tokens(v.statement_words)),
            statement_markers=frozenset(_first_tokens(v.statement_markers)),
            addressee_markers=frozenset(_first_tokens(v.addressee_markers)),
            addressee_prefixes=tuple(phrase(w)[0] for w in v.addressee_prefixes if phrase(w)),
            joining_prefixes=tuple(phrase(w)[0] for w in v.joining_prefixes if phrase(w)),
            condemnation_words=frozenset(_first_tokens(v.condemnation_words)),
            tally_markers=frozenset(_first_tokens(v.tally_markers)),
            infinitive_markers=frozenset(_first_tokens(v.infinitive_markers)),
            around_words=frozenset(_first_tokens(v.around_words)),
            foreign_words=frozenset(_first_tokens(v.foreign_words)),
            accusing_words=frozenset(_first_tokens(v.accusing_words)),
            known_event_markers=tuple(p for p in (phrase(w) for w in v.known_event_markers) if p),
            operations_words=frozenset(_first_tokens(v.operations_words)),
            continuation_phrases=tuple(p for p in map(phrase, v.continuation_words) if p),
            relative_pronouns=frozenset(_first_tokens(v.relative_pronouns)),
            consequence_markers=frozenset(p for p in map(phrase, v.consequence_markers) if p),
            subject_pronouns=frozenset(_first_tokens(v.subject_pronouns)),
        )


def _first_tokens(words: list[str]) -> set[str]:
    return {found[0] for found in map(phrase, words) if found}


def _with_headline_forms(lists: Mapping[str, list[str]], drops: set[str]) -> dict[str, list[str]]:
    """Each phrase, and the same without the words headlines drop inside it ("reserves the right" also as
    "reserves right"); the first and last words stay, and a phrase keeps two words at least."""
    out: dict[str, list[str]] = {}
    for label, words in lists.items():
        forms = list(words)
        for word in words:
            tokens = phrase(word)
            inner = [t for t in tokens[1:-1] if t not in drops]
            if len(tokens) > 2 and len(inner) < len(tokens) - 2:
                forms.append(" ".join((tokens[0], *inner, tokens[-1])))
        out[label] = forms
    return out


def _by_value(kind: str, words: dict[str, int]) -> dict[str, list[str]]:
    """{"day:2": ["wednesday", "الاربعاء"]}: every word for one value, in every language."""
    labelled: dict[str, list[str]] = {}
    for word, value in words.items():
        labelled.setdefault(f"{kind}:{value}", []).append(word)
    return labelled
