"""Whether the event touches the watched confrontation: the right sides, a site or force in the watched
countries, and not an incident of another conflict."""

from __future__ import annotations

from datetime import datetime

from monitor.classify.context import Context
from monitor.classify.roles import actor_of
from monitor.classify.segment import Text
from monitor.config import EVENT_TYPES
from monitor.model import Match, Party


def relevant(ctx: Context, event_type: str | None, doc: Text, mentions: list[Match], parties: list[Party],
             places: tuple[str, ...], when: datetime, reasons: list[str]) -> bool:
    """Whether to report the event; when not, `reasons` says why."""
    if event_type not in EVENT_TYPES:
        return False
    named = {actor for m in mentions if (actor := actor_of(ctx, m)) is not None}
    theatre_places = [p for p in places if p in ctx.theatre_places]
    if named & ctx.out_of_watch and not named & ctx.iran_side:
        reasons.append(f"actors outside the watch: {sorted(named & ctx.out_of_watch)}")
        return False
    leading = {actor_of(ctx, m) for m in mentions if doc.sentence_of[doc.token_at(m.start)] <= 1}
    elsewhere = [a for a in ctx.other_conflict if a in leading]
    if elsewhere and not named & (ctx.iran_side | ctx.patrons):
        reasons.append(f"an {elsewhere[0]} incident")
        return False
    if event_type == "attack":
        if not theatre_places and not (named & ctx.us_side and named & ctx.iran_side):
            reasons.append("attack outside the watched countries, or no place named")
            return False
        us_site = any(_hosts_us(ctx, p, when) for p in theatre_places)
        military = any(doc.foreground[b] for b, _, _ in doc.hits["targets"])
        if us_site or named & ctx.us_side or military:
            return True
        reasons.append("attack on no military, diplomatic or US/coalition target")
        return False
    if event_type == "strike":
        strikers = [p.name for p in parties if p.role == "striker"]
        if not strikers or strikers[0] not in ctx.us_side:
            reasons.append(f"strike by {strikers[0] if strikers else 'an unnamed state'}, not the US or coalition")
            return False
        if theatre_places or named & (ctx.iran_side | ctx.patrons):
            return True
        reasons.append("US strike outside the watched countries")
        return False
    sides = {ctx.side.get(n) for n in named}
    if (named & (ctx.iran_side | ctx.patrons)) and ("us_coalition" in sides or theatre_places):
        return True
    if "us_coalition" in sides and any(w in ctx.militia_nouns for w in doc.folded):
        return True
    reasons.append("threat without both sides of the watched confrontation")
    return False


def _hosts_us(ctx: Context, place_name: str, when: datetime) -> bool:
    place = ctx.places.get(place_name)
    return bool(place and place.hosts_us_forces(when))
