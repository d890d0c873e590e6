"""Where: the places where the event happened, not those named as reference points ("north of Baghdad") or
as where an earlier incident happened, and of those the most specific (a base rather than its town)."""

from __future__ import annotations

from monitor.classify.context import Context
from monitor.classify.lexicon import phrase
from monitor.classify.segment import Text
from monitor.model import Match, Matches, Party


def places(ctx: Context, event_type: str | None, doc: Text, mentions: list[Match],
           parties: list[Party]) -> tuple[str, ...]:
    """Where it happened: the most specific places of the sentences that tell the event."""
    # A capital outside the watched countries is where a threat was spoken only when its own
    # side speaks ("Khamenei in Tehran"); otherwise "warned Tehran" names a government.
    speaker_abroad = event_type == "threat" and bool(parties) and parties[0].name in ctx.patrons
    candidates = []
    for m in mentions:
        if m.section != "place" or ctx.kind.get(m.name) == "country":
            continue
        if doc.token_at(m.start) in doc.reference and not _holds_one_named_before(ctx, doc, m, mentions):
            continue
        after = doc.token_at(m.end - 1) + 1
        if after in doc.speaking and doc.sentence_of[after] == doc.sentence_of[after - 1]:
            continue  # "The U.S. Embassy condemns ...": a mission that speaks is not where it happened
        if m.name not in ctx.theatre_places and not speaker_abroad:
            continue
        candidates.append((doc.sentence_of[doc.token_at(m.start)], _site_for(ctx, doc, m)))
    if event_type in {"attack", "strike"}:
        # The title and lead tell the incident; later sentences often recall other incidents.
        # A strike wave may list its sites further down, in sentences that speak of its strikes;
        # an attack told only further down ("convoys in Dhi Qar and Babil") is where its cues are.
        leading = [(s, n) for s, n in candidates if s <= 1]
        cue_sentences = {doc.sentence_of[b] for b, lb in doc.cues if lb == event_type}
        if event_type == "strike":
            cue_sentences |= {doc.sentence_of[i] for i, w in enumerate(doc.masked)
                              if w in ctx.strike_sites and doc.foreground[i]}
        extra = [(s, n) for s, n in candidates if s > 1 and event_type == "strike" and s in cue_sentences]
        later = [(s, n) for s, n in candidates if s in cue_sentences] if event_type == "attack" else []
        candidates = (leading + extra) or later or candidates[:1]
    elif event_type == "threat":
        candidates = [(s, n) for s, n in candidates if s <= 1] or candidates[:1]
    names = list(dict.fromkeys(n for _, n in candidates))
    return tuple(_most_specific(ctx, names))


def answered(doc: Text, mentions: list[Match], where: tuple[str, ...]) -> tuple[str, ...]:
    """In a strike report, the places whose every mention stands nearest an attack word of its sentence ("a drone
    struck a coalition base near Hasakah, killing a US contractor. ... I authorized precision airstrikes in eastern
    Syria"): where the attack it answers happened, not where it struck."""
    kinds: dict[int, set[str]] = {}  # where each resolved event word is -> its kinds (a word may have two)
    by_sentence: dict[int, list[int]] = {}
    for b, kind in doc.cues:
        kinds.setdefault(b, set()).add(kind)
        by_sentence.setdefault(doc.sentence_of[b], []).append(b)

    def beside_attack(m: Match) -> bool:
        at = doc.token_at(m.start)
        near = [(abs(b - at), b) for b in by_sentence.get(doc.sentence_of[at], ())]
        return bool(near) and "attack" in kinds[min(near)[1]]

    told: dict[str, list[bool]] = {}
    for m in mentions:
        if m.section == "place" and m.name in where:
            told.setdefault(m.name, []).append(beside_attack(m))
    return tuple(p for p in where if p in told and all(told[p]))


def _site_for(ctx: Context, doc: Text, mention: Match) -> str:
    """'Irbil bases' names Erbil Air Base: a town followed by a base word, when exactly one watched
    site is named after the town."""
    site = ctx.site_named_after.get(mention.name)
    if site is None:
        return mention.name
    after = doc.token_at(mention.end - 1) + 1
    if any(tuple(doc.folded[after : after + len(p)]) == p for p in ctx.base_words):
        return site
    # "a base in Irbil", "the airport at Erbil"
    before = doc.token_at(mention.start)
    window = doc.masked[max(0, before - 4):before]  # "Harir airport in Erbil province": that airport is Harir's
    while window and window[-1] in ctx.place_links:
        window = window[:-1]
    if any(tuple(window[len(window) - len(p):]) == p for p in ctx.base_words if len(window) >= len(p)):
        return site
    return mention.name


def _holds_one_named_before(ctx: Context, doc: Text, mention: Match, mentions: list[Match]) -> bool:
    """Whether a place after a direction word holds a place named before it in its sentence: "Jurf al-Sakhar, north
    of Babil", "al-Shaddadi, south of Hasakah", "جرف الصخر شمالي بابل" tell the part of the region or town's area
    where it happened, not a point to measure from. A capital (a place that stands for its government) is the point
    news measures from: "Camp Taji, north of Baghdad" is not in Baghdad."""
    if ctx.places[mention.name].voice_of is not None:
        return False
    at = doc.token_at(mention.start)
    return any(m.section == "place" and m.end <= mention.start and doc.sentence_of[doc.token_at(m.start)] ==
               doc.sentence_of[at] and (place := ctx.places.get(m.name)) is not None and mention.name in place.within
               for m in mentions)


def _most_specific(ctx: Context, names: list[str]) -> list[str]:
    """Drop a province when a base or mission is named or a place it holds ("Akashat and al-Qaim in western Anbar"),
    and a town that a named site is named after ("Baghdad" beside "US Embassy Baghdad", "Balad" beside "Balad Air
    Base")."""
    held = {w for n in names if (place := ctx.places.get(n)) is not None for w in place.within}
    names = [n for n in names if not (ctx.kind.get(n) == "district" and n in held)]
    sites = [n for n in names if n in ctx.sites]
    if not sites:
        return names
    site_words = {t for site in sites for t in phrase(site)}
    return [n for n in names if n in ctx.sites or (
        ctx.kind.get(n) != "district" and not set(phrase(n)) <= site_words)]


def mention_sentence(doc: Text, mentions: list[Match], name: str) -> str | None:
    """The sentence of the first mention of `name`, the evidence for it."""
    for m in mentions:
        if m.name == name:
            return doc.sentence(doc.sentence_of[doc.token_at(m.start)])
    return None


def reference_places(ctx: Context, doc: Text, mentions: list[Match]) -> tuple[str, ...]:
    """The watched places the title or lead names as reference points ("a base north-east of Erbil")."""
    return tuple(dict.fromkeys(
        m.name for m in mentions if m.section == "place" and m.name in ctx.theatre_places
        and doc.token_at(m.start) in doc.reference and doc.sentence_of[doc.token_at(m.start)] <= 1))


def background_places(ctx: Context, doc: Text, matches: Matches) -> tuple[str, ...]:
    """Where the earlier incidents the report refers to happened."""
    return tuple(dict.fromkeys(
        m.name for m in matches.mentions
        if m.section == "place" and m.name in ctx.theatre_places and not doc.foreground[doc.token_at(m.start)]))
