"""The reader: one report in, one `Reading` out, step by step."""

from __future__ import annotations

from datetime import datetime

from monitor.classify import cues, hosting, layout, learned, places, roles, segment, toll
from monitor.classify.context import Context
from monitor.classify.language import unread_language
from monitor.classify.relevance import relevant, unanchored
from monitor.classify.weapons import weapon
from monitor.classify.when import happened_on, spoken_on
from monitor.config import EVENT_TYPES, TypeModel, Vocabulary, Watchlist
from monitor.model import Matches, Party, Reading, allied_hurt


class Reader:
    """Built once from the vocabulary and watchlist; `read` is the per-item call."""

    def __init__(self, vocabulary: Vocabulary, watchlist: Watchlist, type_model: TypeModel | None = None):
        self.vocabulary = vocabulary
        self.watchlist = watchlist
        self.type_model = type_model
        self.context = Context.build(vocabulary, watchlist)
        self.hosting = hosting.Hosting.build(vocabulary)

    def read(self, title: str, summary: str, matches: Matches, when: datetime) -> Reading:
        """Read one report. `matches` must come from matching `f"{title}\\n{summary}"`."""
        return self.read_with_features(title, summary, matches, when, always=False)[0]

    def read_with_features(self, title: str, summary: str, matches: Matches, when: datetime,
                           always: bool = True) -> tuple[Reading, dict[str, float]]:
        """The reading, and what the type model saw of the report (`monitor train` learns from these). Unless
        `always`, the model is asked only about reports naming something watched: the others are no event of the
        watch whatever their type, and its features cost as much as the rest of the reading."""
        ctx = self.context
        if not always and not matches.mentions and unanchored(ctx, matches.words or ()):
            return Reading(relevant=False, event_type="other", actors=(), places=(),
                           reasons=("names nobody watched and no word of the watched countries or sides",)), {}
        unread = layout.unread_spans(title, summary)
        if unread:  # an outlet's name, a repeated summary, a dateline: no part of the report
            matches = layout.without(matches, f"{title}\n{summary}", unread)
        doc = segment.segment(ctx, title, summary, matches, when)
        if doc.hits["not_names"]:  # "the chargé d'affaires" ("القائم بالأعمال") names no town
            spans = [(doc.words[b][0], doc.words[e - 1][1]) for b, e, _ in doc.hits["not_names"]]
            matches = layout.without(matches, f"{title}\n{summary}", spans)
            doc = segment.segment(ctx, title, summary, matches, when)
        voiced = roles.capitals_speaking(ctx, doc, matches)
        if voiced is not None:  # "Tehran vows a swift response": the government speaks, no place is named
            matches = voiced
            doc = segment.segment(ctx, title, summary, matches, when)
        foreign = unread_language(ctx, doc.text, doc.folded, doc.masked)
        if foreign is not None:
            return Reading(relevant=False, event_type=None, actors=(), places=(), reasons=(foreign,)), {}
        reasons: list[str] = []
        scores, first_cue = cues.type_scores(ctx, doc)
        off_topic = cues.off_topic_frame(ctx, doc, scores, reasons)
        event_type = cue_type = cues.event_type(scores, first_cue, off_topic)
        announced = event_type in {"attack", "strike"} and cues.answered_in_statement(ctx, doc, first_cue) \
            and not roles.by_other_state(doc)  # "U.S. forces observed Turkish drones conducting strikes": not its own
        if announced and event_type == "attack":
            event_type = cue_type = "strike"
            reasons.append("the US side's statement of its forces' strike (its answer to an attack): the strike is its "
                           "news")
        if event_type in doc.denied_in_title and not any(
                doc.sentence_of[b] == 0 and label == event_type for b, label in doc.cues):
            # "Officials deny drone attack on Harir; social media had reported a drone hitting the base": the title
            # denies it, and the body's words for it tell the rumour denied.
            event_type = "other"
            reasons.append(f"the title denies the {cue_type}: a denial, not one")
        stated = event_type in {"attack", "strike"} and bool(scores.get("threat")) and not announced \
            and cues.statement_on_it(ctx, doc) \
            and not (event_type == "attack" and roles.claims_its_own(ctx, doc, list(matches.mentions)))
        reacting = stated and event_type == "attack"  # the attack it reacts to had its perpetrators
        answering = stated and event_type == "strike"  # a statement of the side the strike hit
        if stated:
            # "Statement from the President on the attack on US forces ... we will respond": the statement, with its
            # vow, is the news; the attack it is on is already known.
            event_type = "threat"
            reasons.append("an official statement on the event, with a vow: a threat")
        mentions = [m for m in matches.mentions if doc.foreground[doc.token_at(m.start)]]
        if event_type == "attack" and roles.blamed_state(ctx, doc, mentions):
            event_type = "strike"  # "a drone hit near the airport; officials blamed Turkey": Turkey's strike
        # A vow or a funeral tells no toll of its own: the one it reports is the incident's it is about.
        killed, injured, evidence = toll.toll_counts(ctx, doc, whole=event_type not in toll.OWN_TOLL)
        toll.named_dead(ctx, doc, mentions, killed)
        militia_hurt = toll.only_militia_hurt(killed, injured)
        if event_type == "attack" and militia_hurt and not any(
                m.name in ctx.sites and ctx.places[m.name].hosts_us_forces(when)
                and doc.sentence_of[doc.token_at(m.start)] <= 1 for m in mentions) and not roles.us_side_hit(
                ctx, doc):  # not a base it hit, named or told ("a drone attack on a US base kills six fighters")
            # The militias do not attack their own: an armed event whose only victims are their fighters is a
            # strike on them ("five PMF members killed by a drone", "قتلى من الحشد بقصف").
            event_type = "strike"
            reasons.append("its only victims are militia: a strike on them")
        elif event_type == "strike" and roles.strike_agent(doc) is None and toll.allied_hurt_only(killed, injured):
            # "Drone of Iranian origin kills US contractor", "US injured in Syria drone strike rises": with nobody
            # named striking, a "strike" whose only victims are Americans or their allies is an attack on them.
            event_type = "attack"
            reasons.append("a strike word whose only victims are US or coalition personnel: an attack on them")
        elif event_type == "attack" and roles.at_militia_held(ctx, doc, mentions, killed, injured):
            event_type = "strike"
            reasons.append("blasts where the militias hold positions, nobody named attacking: a strike on them")
        consult = self.type_model is not None and bool(matches.mentions)
        seen = learned.features(ctx, doc, event_type, cue_type, scores, off_topic) if always or consult else {}
        if self.type_model is not None and consult and not doc.denied:
            # The rules' answer is one of the model's features: it overrules them only where wording the rules
            # do not know says otherwise, and says so. Not on a denial: words alone cannot tell "a US strike" from
            # "reports of a US strike are false", and denials are too rare in the labelled sets to learn from.
            event_type, overruled = learned.second_opinion(self.type_model, seen, event_type)
            if overruled is not None:
                reasons.append(overruled)
                killed, injured, evidence = toll.toll_counts(ctx, doc, whole=event_type not in toll.OWN_TOLL)
                toll.named_dead(ctx, doc, mentions, killed)
                militia_hurt = toll.only_militia_hurt(killed, injured)
                evidence["type_model"] = overruled
        # A threat is about what it answers: the militias behind "the attack" it follows are parties.
        party_source = list(matches.mentions) if event_type == "threat" else mentions
        parties = roles.parties(ctx, event_type, doc, roles.party_mentions(ctx, doc, party_source, event_type))
        parties = roles.as_claimant(ctx, doc, event_type, parties, list(matches.mentions), when.date())
        if reacting and not any(p.name in ctx.iran_side for p in parties):
            parties.append(Party(ctx.catch_all, "party", "assumed"))  # those behind the attack it reacts to
        if answering:
            # "Statement on the American aggression in Babil ... our operations will go on": the statement is the
            # struck side's, so its parties come first (the first party of a statement naming no speaker is its side).
            parties = sorted(parties, key=lambda p: p.name not in ctx.iran_side)
        where = places.places(ctx, event_type, doc, party_source, parties)
        is_relevant = not off_topic and relevant(ctx, event_type, doc, party_source, parties, where, when, reasons,
                                                 allied_hurt=toll.allied_hurt_only(killed, injured),
                                                 militia_hurt=militia_hurt, every_mention=list(matches.mentions))
        if is_relevant and event_type == "strike" and (militia_hurt or doc.militia_hit) \
                and not any(p.name in ctx.iran_side for p in parties):
            parties.append(Party(ctx.catch_all, "target", "assumed"))  # the militias it hit, named by no name
        weapon_name, weapon_count = weapon(ctx, doc)
        cue = cues.cue_sentence(doc, event_type) if event_type in EVENT_TYPES else None
        if cue is not None:
            evidence["event_type"] = cue
        place_sentence = places.mention_sentence(doc, mentions, where[0]) if where else None
        if place_sentence is not None:
            evidence["places"] = place_sentence
        hosted = hosting.us_targeted(self.hosting, ctx, doc, event_type if is_relevant else None, killed, injured,
                                     parties)  # the report says the place attacked hosts US forces
        if hosted is not None:
            evidence["us_targeted"] = hosted
        if is_relevant:
            reasons.append(f"{event_type}: cues {scores}")
        denied = min(doc.denied) if event_type not in EVENT_TYPES and doc.denied and where else None
        if denied is not None:
            reasons.append(f"says no {denied} happened (a denial: it corrects a known {denied} there, if any)")
        actors = tuple(dict.fromkeys(p.name for p in parties))
        said_by = roles.speaker(ctx, doc, party_source) if event_type == "threat" else None
        if said_by == ctx.catch_all and said_by not in actors:
            said_by = ctx.claimant_on(when.date())  # unnamed groups that spoke as their umbrella
        if said_by is not None and said_by in actors:
            actors = (said_by, *(a for a in actors if a != said_by))  # the speaker first: merging keys on it
        else:
            said_by = None
        return Reading(
            relevant=is_relevant, event_type=event_type, actors=actors,
            places=where, killed=killed, injured=injured, weapon=weapon_name, weapon_count=weapon_count,
            parties=tuple(parties), scores=scores,
            happened_on=happened_on(doc, when.astimezone(ctx.local), statement=event_type == "threat",
                                    event_type=event_type),
            spoken_on=spoken_on(doc, when.astimezone(ctx.local)),
            stated_killed=toll.toll_counts(ctx, doc, every_clause=True)[0] if doc.hits["toll"] else {},
            reasons=tuple(reasons),
            evidence={k: v[:400] for k, v in evidence.items() if v}, background=segment.background(doc),
            background_places=places.background_places(ctx, doc, matches),
            denied=denied, us_targeted=hosted is not None, speaker_known=said_by is not None,
            after_the_fact=any(doc.sentence_of[b] == 0 for b, _, _ in doc.hits["after_the_fact"]),
            # A toll revised, or US casualties counted for an attack named as known ("hurt in the al-Tanf attack").
            toll_update=toll.updates_toll(ctx, doc) or (
                allied_hurt(killed, injured) and toll.counts_known_attack(ctx, doc)),
            repeat=any(doc.sentence_of[b] <= 1 and (label == "repeat" or cues.event_follows(doc, e))
                       for b, e, label in doc.hits["repeat"]),
            reference_places=places.reference_places(ctx, doc, mentions) if is_relevant and not where else (),
            answered_places=places.answered(doc, list(matches.mentions), where) if event_type == "strike" else (),
            countries=tuple(dict.fromkeys(c for b, _, c in doc.hits["countries"] if doc.sentence_of[b] <= 1)),
        ), seen
