"""Merging: decide whether a relevant report starts a new incident or joins a known one.

Pure logic over plain values: the pipeline fetches candidate events from the store and saves the
outcome. Each candidate of the same type is weighed (`weigh`): the day the reports say, the places
(the same, or one inside or beside the other), the specific actors, the speaker of a statement; each
step is a reason kept in the event's history. Among the candidates that reach the score, the best
wins, then the most similar wording (rapidfuzz).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from rapidfuzz import fuzz

from monitor.model import (
    ALLIED_SIDES,
    Change,
    EventChange,
    EventFacts,
    Gazetteer,
    Reading,
    Report,
    Verdict,
    allied_hurt,
    late_casualty_count,
    toll_note,
    total_count,
)


def event_id_for(report: Report) -> str:
    """Deterministic id: the same first report always gives the same event id."""
    return "ev-" + report.key[:16]


def _source(report: Report) -> dict[str, Any]:
    source: dict[str, Any] = {"title": report.title, "link": report.link, "source": report.source,
                              "published": report.published.isoformat()}
    if report.reading.weapon:  # the event's weapons are its reports' (merging weighs them)
        source["weapon"] = report.reading.weapon
    if report.reading.repeat:  # the event is told as the next attack of a series (merging weighs it)
        source["again"] = True
    return source


MAX_DAY_GAP = 1  # reports may put an overnight attack on either side of midnight
OVERNIGHT = timedelta(hours=20)  # a report this soon after the first may date a night attack a day apart
DAWN_HOUR = 6  # a first report before this hour (theatre time) may tell of the evening before
CLOSE_IN_TIME = timedelta(hours=3)  # reports this close in time, naming no day, tell of the same day across midnight
CLAIM_NIGHT = timedelta(hours=12)  # a claim this soon after an evening attack's first report may date it the next day
FULL_DAY = timedelta(hours=24)  # later than this, a report naming no day of its own may tell the next attack
JOIN_SCORE = 2  # the evidence a report needs to join an event (see `weigh`)
# A statement needs less: its speaker is checked already (another speaker, or the other side, keeps it apart), and
# what is left to tell is whether it is that speaker's statement of the day or, past midnight, of the same night.
STATEMENT_JOIN_SCORE = 1
# How late a follow-up (its day said, a late count, told after the fact) may still join its event: "the drone that hit
# the base last week failed to explode" comes in the week after.
FOLLOW_UP_WINDOW = timedelta(days=14)


def report_day(report: Report, local: tzinfo = UTC) -> date:
    """The day a report tells of: the one it says, else its publication's date on the theatre's clock."""
    return report.reading.happened_on or report.published.astimezone(local).date()


def expand_places(places: Sequence[str], gazetteer: Gazetteer) -> set[str]:
    """Places with the base named after a town and the town a base is named after (Erbil, Erbil Air Base). A town
    named as the region of another place the report names ("Harir, north-east of Erbil") stands for no base of its
    own: that report is about Harir, not Erbil's airport."""
    related = gazetteer.named_after
    towns = {site: town for town, site in related.items()}
    regions = {region for p in places for region in gazetteer.inside.get(p, ())}
    return {*places, *(related[p] for p in places if p in related and p not in regions),
            *(towns[p] for p in places if p in towns)}


def _within_reach(places: set[str], others: set[str], gazetteer: Gazetteer) -> set[str]:
    """The places of one side that lie at, inside or beside a place of the other (a base inside a town inside a
    province, two bases sharing an airport)."""
    return {p for p in places if gazetteer.reach.get(p, frozenset()) & others}


def _answered(places: set[str], gazetteer: Gazetteer, told: Sequence[str] = ()) -> set[str]:
    """The sites among `places` that host US forces, the towns named after them, and those the report names only
    where it tells an attack (`Reading.answered_places`): in a US strike report, the attack it answers."""
    sites = places & gazetteer.allied_sites
    return sites | ({town for town, site in gazetteer.named_after.items() if site in sites} | set(told)) & places


def _most_specific(places: set[str], gazetteer: Gazetteer) -> set[str]:
    """The places with none of the others inside them (a base, not the province it lies in)."""
    return {p for p in places if not any(p in gazetteer.inside.get(q, ()) for q in places)}


def _speaker(report: Report) -> str | None:
    """Who speaks in a threat or statement, when its title says: its first actor, as for the event it would
    start; None when the title names nobody speaking (no speaker is guessed, for or against)."""
    known = report.reading.actors and report.reading.speaker_known
    return report.reading.actors[0] if known else None


RECOUNT_MIN = 2  # US or coalition casualties counted alike this many or more tie a report naming no day to its attack


def _same_allied_count(report: Report, event: EventFacts) -> bool:
    """Whether an attack report counts as many US or coalition dead or hurt as the attack does, at least
    `RECOUNT_MIN` ("Eight US troops treated after drone attack on base in Syria", three days after the attack whose
    toll rose to eight): a count that rare, told again, is the same incident's, however late."""
    if report.reading.event_type != "attack":
        return False
    return any(theirs.get(side, 0) == n
               for mine, theirs in ((report.reading.killed, event.killed), (report.reading.injured, event.injured))
               for side, n in mine.items() if side in ALLIED_SIDES and n >= RECOUNT_MIN)


def weigh(report: Report, event: EventFacts, window: timedelta, gazetteer: Gazetteer) -> Verdict:
    """The evidence that a report tells of this event, each step a reason; it joins at JOIN_SCORE or more.

    The day the reports say it happened weighs most: the same base hit on consecutive days is two incidents,
    while a follow-up published the next day without a day of its own may tell of yesterday's. Then the
    places (the same site, or one inside or beside the other), the actors that are not in every report, and,
    for threats and statements, who speaks. A statement is its speaker's, on its day. A short item that names no
    place joins an attack or strike of its day when nothing it says disagrees; a report that reads an attack as
    a strike (or the reverse) joins only at the same site on the same day."""
    crossed = report.reading.event_type != event.event_type
    if crossed and {report.reading.event_type, event.event_type} != {"attack", "strike"}:
        return Verdict(False, 0, ("another type of event",))
    said = report.reading.happened_on
    late = report.published - event.first_seen
    # A follow-up days later that says which day it tells of ("the wounded from Sunday's attack now exceed 40")
    # is weighed by that day; without one, the window decides.
    follow_up = said is not None and event.day is not None and abs((said - event.day).days) <= MAX_DAY_GAP and (
        timedelta(0) <= late <= FOLLOW_UP_WINDOW)
    # "Eight US troops treated for brain injuries after the drone attack on a Syria base", days later and naming no
    # day: a count of the casualties of an earlier attack is weighed by what else it says (the place, the country).
    counted_late = said is None and (late_casualty_count(report.reading) or _same_allied_count(report, event)) and (
        event.event_type == "attack" and timedelta(0) <= late <= FOLLOW_UP_WINDOW)
    # "Kataib Hezbollah buries fighters killed in Anbar raid", "the drone that hit Erbil last week failed to explode":
    # told after the fact, days later, with the day of the funeral if any; what else it says decides.
    after_fact = report.reading.after_the_fact and not crossed and timedelta(0) <= late <= FOLLOW_UP_WINDOW
    if abs(late) > window and not follow_up and not counted_late and not after_fact:
        return Verdict(False, 0, ("too far apart in time",))
    score, reasons = 0, []
    striker = _striker(report.reading)
    if crossed and report.reading.event_type == "strike" and striker is not None:
        # "CENTCOM destroys rocket launchers near the base": a strike whose striker is named is no misread
        # attack, even at the base attacked that day (the answer to it).
        return Verdict(False, 0, ("a strike by a named striker, the event an attack",))
    if crossed and report.reading.event_type == "attack" and set(event.actors) & gazetteer.strikers:
        # "Three US troops hurt as rockets hit two outposts": an attack is no misread of a strike its striker
        # was named in, even at the places that strike answered.
        return Verdict(False, 0, ("an attack, the event a strike by a named striker",))
    if crossed:
        # One report may read an attack as a strike ("missiles struck the base"): only the same site on the
        # same day, and nothing else disagreeing, makes it the same incident.
        score -= 2
        reasons.append(f"read as {report.reading.event_type}, the event as {event.event_type}: -2")
    day = report_day(report, gazetteer.local)
    gap = abs((day - event.day).days) if event.day else 0
    first_day = event.first_seen.astimezone(gazetteer.local).date()
    named_alike = (set(report.reading.actors) - gazetteer.common) & (set(event.actors) - gazetteer.common)
    claimed_late = event.event_type == "attack" and event.day is not None and first_day > event.day
    if said is None and event.day is not None and not (claimed_late and not named_alike):
        # "Militia says it hit the base with rockets", naming no day, the day after a claim published three days
        # after the attack: it is dated by its publication, which follows the event's first report, not its day.
        # Not an attack report naming nobody the late claim names ("air defences down a drone near the airport"):
        # that is the attack of its own day.
        gap = min(gap, abs((day - first_day).days))
    soon = report.published - event.first_seen <= OVERNIGHT
    # A first report published before dawn may date the night before it: a report saying that day is the same.
    night_before = said is not None and event.day is not None and (event.day - said).days == 1 and (
        event.first_seen.astimezone(gazetteer.local).hour < DAWN_HOUR)
    # "Harir hit again", "Katyusha rockets target Ain al-Asad a day after the drone attack": a report that tells its
    # attack as another one after an earlier is no follow-up of an earlier day's event, unless that event was told
    # as the later attack already ("second attack on Harir in a day", the next morning).
    again = report.reading.repeat and report.reading.event_type == "attack" and not crossed and not (
        counted_late or after_fact or any(s.get("again") for s in event.sources))
    if gap and again and event.day is not None and day > event.day:
        return Verdict(False, 0, (f"told as another attack, on {day}, after the event's on {event.day}",))
    if counted_late and gap:
        reasons.append("casualties of an earlier attack, counted later: 0")
    elif after_fact and gap:
        reasons.append("told after the fact (a funeral, 'last week'): 0")
    elif night_before and not again:
        reasons.append("the day before the event's first report, which came before dawn: 0")
    elif gap > MAX_DAY_GAP or (gap and said is not None and not soon):
        return Verdict(False, 0, (f"it happened on {day}, the event on {event.day}",))
    elif gap and said is None and not again and abs(report.published - event.first_seen) <= CLOSE_IN_TIME:
        # "Rockets launched toward a US outpost in Syria" at 23:50 and "rockets fired from Zummar at a coalition base"
        # at 00:10, the second naming no day: minutes apart, they are one night's news, whatever the calendar says.
        score += 1
        reasons.append("published within hours of the event's first report, naming no day of its own: +1")
    elif gap and soon and not again:
        reasons.append("a day apart, told within hours (a night attack dated either side of midnight): 0")
    elif gap and not again and said is None and report.reading.spoken_on is not None and event.day is not None and (
            0 <= (report.reading.spoken_on - event.day).days <= MAX_DAY_GAP):
        # "Several US troops treated for injuries after a drone hit an outpost, an official said on Saturday": told
        # the day after the event by someone speaking of it, not the next attack.
        reasons.append("told by someone speaking the day after the event, with no day of its own: 0")
    elif gap:
        # In a busy week the same base is hit on consecutive days: a report over a day after the first that names
        # no day needs more than the place to join that event (its toll, its actors, its striker).
        step = 2 if late > FULL_DAY else 1
        score -= step
        reasons.append(f"published the day after{' the first report' if step == 2 else ''}, with no day of its own: "
                       f"-{step}")
    else:
        score += 1
        reasons.append("the same day: +1")
    places, known = expand_places(report.reading.places, gazetteer), set(event.places)
    # A strike told with no striker named beside one told by its striker, or two such: nothing says two strikers.
    unclaimed = event.event_type == "strike" and not crossed and (
        striker is None or not set(event.actors) & gazetteer.strikers)
    places_country = {gazetteer.country.get(p) for p in report.reading.places} - {None}
    known_country = {gazetteer.country.get(p) for p in event.places} - {None}
    same_striker = (striker is not None and event.event_type == "strike" and not crossed
                    and striker in event.actors)
    claim = event.event_type == "attack" and not crossed and _claimant_fits(report, event, gazetteer)
    if event.event_type == "strike" and not crossed:
        # "A self-defense strike on militiamen involved in the attack on Al-Asad Air Base": a US strike report names
        # a base hosting US forces as the attack it answers, not as where it struck.
        answered = _answered(places | known, gazetteer, report.reading.answered_places)
        if answered:
            places, known = places - answered, known - answered
            reasons.append(f"where the attack it answers was, not where it struck ({', '.join(sorted(answered))}): "
                           "not weighed")
    if places and known:
        # The most specific places are compared: Rumalyn and al-Shaddadi both lie in Hasakah province, and a report
        # naming "Rumalyn, Hasakah" does not tell of an attack on al-Shaddadi by naming the province too.
        places, known = _most_specific(places, gazetteer), _most_specific(known, gazetteer)
        if places & known:
            score += 3
            reasons.append(f"the same place ({', '.join(sorted(places & known))}): +3")
        elif near := _within_reach(places, known, gazetteer):
            score += 2
            reasons.append(f"a place inside or beside the event's ({', '.join(sorted(near))}): +2")
        elif (same_striker or (unclaimed and places_country & known_country)) and (not gap or soon):
            # One night's strikes hit several places, and each report names those it heard of ("al-Qaim and
            # Akashat", "Mayadin and al-Bukamal"): other places of the same striker's strikes that day weigh
            # nothing either way; nor, in the same country, do a flash's ("unidentified aircraft pound Hashd
            # positions in Jurf al-Nasr") beside the striker's own report.
            reasons.append("other places, struck by the same striker that day: 0" if same_striker else
                           "other places in the same country, one report naming no striker: 0")
        elif claim and (not gap or late <= CLAIM_NIGHT) and (area := _same_area(places, known, gazetteer)):
            # "Saraya Awliya al-Dam: we hit the occupation at Harir with 24 rockets", the night rockets fell on Erbil
            # airport: a group's claim names the site it meant, not always where its rockets fell. Another site in
            # the same town or province, that day or that night (a claim before dawn of the evening's attack), is the
            # attack it claims when no report tells of one there.
            score += 1
            reasons.append(f"a group's claim naming another site in {', '.join(sorted(area))} that "
                           f"{'night' if gap else 'day'}: +1")
        elif event.event_type == "threat":
            # "Kataib Hezbollah warns of strikes on US bases ...; embassy on alert": the places a statement names are
            # what it speaks of, not where it happened: its speaker and day decide.
            reasons.append("other places, named by a statement: 0")
        else:
            return Verdict(False, score, (*reasons, "other places"))
    elif crossed:
        return Verdict(False, score, (*reasons, "no place to tell the two readings are of one incident"))
    elif event.event_type != "threat":  # a statement is told apart by its speaker, below
        score += 1
        reasons.append(f"{'the report' if not places else 'the event'} names no place; nothing disagrees: +1")
        landmarks = expand_places(report.reading.reference_places, gazetteer)
        if not places and known and (landmarks & known or _within_reach(landmarks, known, gazetteer)):
            # "Drones set fire to a base hosting foreign forces north-east of Erbil": the town it is told by lies at or
            # beside the event's place.
            score += 1
            reasons.append(f"told by a place at or beside the event's ({', '.join(sorted(landmarks))}): +1")
        named, where = set(report.reading.countries), {gazetteer.country.get(p) for p in known} - {None}
        if named and where and not places:
            # "US troops hurt in missile barrage on Iraq base": the country it names is the evidence it has.
            # A place on a border lies beside places of the next country: "a base in Jordan near the Syrian border"
            # may be the incident a militia claims as at Rukban, across the berm from Tower 22.
            across = {gazetteer.country.get(q) for p in known for q in gazetteer.reach.get(p, ())} - where
            if not named & (where | across):
                return Verdict(False, score, (*reasons, f"in {', '.join(sorted(named))}, the event in "
                                                        f"{', '.join(sorted(c for c in where if c))}"))
            if named & where:
                score += 1
                reasons.append(f"in the country of the event's places ({', '.join(sorted(named & where))}): +1")
            else:
                reasons.append(f"in {', '.join(sorted(named & across))}, beside the event's places: 0")
    weapons = {s["weapon"] for s in event.sources if s.get("weapon")}
    if gap and not soon and report.reading.event_type == "attack" and report.reading.weapon and weapons and (
            report.reading.weapon not in weapons):
        # The same base is hit on consecutive days, drones one night and rockets the next: a report a day apart told
        # with another weapon than every report of the event is likelier the next attack.
        score -= 1
        reasons.append(f"another weapon ({report.reading.weapon}, the event {', '.join(sorted(weapons))}): -1")
    if report.reading.killed and report.reading.killed == event.killed:
        # US or coalition dead are rare: the same count of them is strong evidence of the same incident.
        step = 2 if set(event.killed).intersection(ALLIED_SIDES) else 1
        score += step
        reasons.append(f"the same dead ({_toll(event.killed)}): +{step}")
    hurt = {side: n for side, n in report.reading.injured.items() if side in ALLIED_SIDES and n >= RECOUNT_MIN}
    if hurt and all(event.injured.get(side) == n for side, n in hurt.items()):
        # "Eight US troops treated for brain injuries" told again in another language the next morning: as rare as
        # the same dead, though a count of the hurt is revised more often.
        score += 1
        reasons.append(f"the same hurt ({_toll(hurt)}): +1")
    elif gap and not soon and allied_hurt(report.reading.killed, report.reading.injured) and allied_hurt(
            event.killed, event.injured):
        # "The wounded of the Tower 22 attack rise to more than 40", a day later: a toll update counts the same
        # side's people (a second attack on the base rarely hurts them again the next day).
        score += 1
        reasons.append("US or coalition casualties in both: +1")
    if same_striker:
        score += 1
        reasons.append(f"the same striker ({striker}): +1")
    elif (striker is not None and event.event_type == "strike" and not crossed and not places and known
          and not set(event.actors) & gazetteer.strikers):
        # "Explosions shake the outskirts of al-Bukamal" first, then "the Secretary on US strikes in eastern
        # Syria": a flash that named nobody striking, told again by the striker.
        score += 1
        reasons.append(f"a strike by nobody named, told by its striker ({striker}): +1")
    common = gazetteer.common
    shared = (set(report.reading.actors) - common) & (set(event.actors) - common)
    if shared:
        step = 1 if places and known else 2
        score += step
        reasons.append(f"the same actors ({', '.join(sorted(shared))}): +{step}")
    if event.event_type == "threat":
        speaker = _speaker(report)
        if speaker is not None and event.actors and speaker == event.actors[0]:
            score += 2
            reasons.append(f"the same speaker ({speaker}): +2")
        elif speaker is not None and event.actors and (
                speaker in gazetteer.part_of.get(event.actors[0], ()) or event.actors[0] in gazetteer.part_of.get(
                    speaker, ())):
            # "Iraqi militia vows ..." read as the umbrella's words, the event Kataib Hezbollah's (one of its groups):
            # the umbrella speaks for its groups, so it is nearly the same speaker.
            score += 1
            reasons.append(f"a group and its umbrella ({speaker}, {event.actors[0]}): +1")
        elif speaker is not None and event.actors and _unnamed_beside_named(speaker, event.actors[0], gazetteer):
            # "The Islamic Resistance: the aggression will not pass" read as an unnamed militia's words, the event a
            # named group's: nothing says they are two speakers.
            reasons.append(f"an unnamed group and a named one ({speaker}, {event.actors[0]}): 0")
        elif speaker is not None and event.actors:
            return Verdict(False, score, (*reasons, f"another speaker ({speaker}, not {event.actors[0]})"))
        elif event.actors and report.reading.actors[:1] == event.actors[:1]:
            score += 1  # no speaker in the title, but the same first party ("Austin: US will take further measures")
            reasons.append(f"the same first party ({event.actors[0]}): +1")
        elif event.actors and report.reading.actors and (
                (report.reading.actors[0] in gazetteer.strikers) != (event.actors[0] in gazetteer.strikers)):
            # No speaker in the title: a statement whose first party is of the other side is not this one's.
            return Verdict(False, score, (*reasons, f"of the other side ({report.reading.actors[0]}, the event "
                                                    f"{event.actors[0]}'s)"))
    needed = STATEMENT_JOIN_SCORE if event.event_type == "threat" else JOIN_SCORE
    return Verdict(score >= needed, score, tuple(reasons))


def _claimant_fits(report: Report, event: EventFacts, gazetteer: Gazetteer) -> bool:
    """Whether an attack report puts it on a group by name ("Saraya Awliya al-Dam: we targeted ...", "... claims")
    that is not another than the groups the event names."""
    groups = {p.name for p in report.reading.parties if p.role == "perpetrator" and p.how in {"claimed", "named"}
              and p.name != gazetteer.unnamed and p.name not in gazetteer.strikers}
    if not groups:
        return False
    others = set(event.actors) - gazetteer.common - gazetteer.strikers - {gazetteer.unnamed} - groups
    umbrellas = {u for g in groups for u in gazetteer.part_of.get(g, ())}
    # A group and its umbrella, either way round, are one claimant ("Kataib Hezbollah", "Islamic Resistance").
    return all(o in umbrellas or gazetteer.part_of.get(o, frozenset()) & groups for o in others)


def _same_area(places: set[str], others: set[str], gazetteer: Gazetteer) -> set[str]:
    """The towns or provinces a place of each side lies in (Harir and Erbil airport, both in Erbil)."""
    def around(names: set[str]) -> set[str]:
        return {outer for p in names for outer in gazetteer.inside.get(p, frozenset())}
    return around(places) & around(others)


def _unnamed_beside_named(speaker: str, other: str, gazetteer: Gazetteer) -> bool:
    """One of the two is the catch-all for unnamed militias and the other a group of theirs (not the US side,
    not a patron or anyone named in every report)."""
    named = other if speaker == gazetteer.unnamed else speaker if other == gazetteer.unnamed else None
    return named is not None and named not in gazetteer.strikers and named not in gazetteer.common


def _striker(reading: Reading) -> str | None:
    """The striker a strike report names, if it names one."""
    return next((p.name for p in reading.parties if p.role == "striker" and p.how == "named"), None)


def _toll(killed: dict[str, int]) -> str:
    return ", ".join(f"{n} {side}" for side, n in sorted(killed.items()))


def lookup_names(reading: Reading, gazetteer: Gazetteer) -> list[str]:
    """The entities a report's candidate events are looked up by: its places, the places around them, and the
    actors that are not in every report. A report that names no place is weighed against every event of its
    window (none: the store's look-up then returns them all), as an event may name a place the report does not."""
    if reading.event_type == "threat":
        # A statement is its speaker's on its day, wherever it was spoken or whatever capital it names ("TEHRAN -",
        # "bases in Iraq"): it is weighed against every statement of its window, which are few.
        return []
    places = expand_places(reading.places, gazetteer)
    if reading.event_type == "strike":
        places -= _answered(places, gazetteer, reading.answered_places)  # weighed as no place (see `weigh`)
    if not places:
        return []
    around = {q for p in places for q in gazetteer.reach.get(p, frozenset())}
    # One night's strikes hit several places, and a report may name only the attack they answer or places the
    # others do not: a strike by a named striker is also weighed against that striker's strikes of the window
    # (`weigh` then lets other places of the same striker that day weigh nothing), which are few.
    striker = _striker(reading) if reading.event_type == "strike" else None
    return sorted({*places, *around, *([striker] if striker else []),
                   *(a for a in reading.actors if a not in gazetteer.common)})


def _claims(reading: Reading) -> tuple[str, ...]:
    return tuple(f"{p.name}: {p.how}" for p in reading.parties if p.how in {"claimed", "attributed"})


def _similarity(report: Report, event: EventFacts) -> float:
    shared_places = len(set(report.reading.places) & set(event.places))
    return shared_places * 100 + fuzz.token_set_ratio(report.title, event.title)


def place_report(report: Report, candidates: Sequence[EventFacts], window: timedelta,
                 gazetteer: Gazetteer | None = None) -> EventChange:
    """Start a new event for the report, or merge it into the candidate the evidence favours most."""
    gazetteer = gazetteer or Gazetteer()
    answered = _answered(set(report.reading.places), gazetteer, report.reading.answered_places) if (
        report.reading.event_type == "strike") else set()
    if answered:
        # The base whose attack a US strike answers is not where it struck: the event does not take it as its place
        # (its alert would say the strike was there, and reports naming where it struck would not find it).
        report = replace(report, reading=replace(
            report.reading, places=tuple(p for p in report.reading.places if p not in answered)))
    reading = report.reading
    weighed = [(weigh(report, e, window, gazetteer), e) for e in candidates]
    if answered:  # a strike's only
        weighed = _answering_later(weighed, answered, candidates, gazetteer)
    matching = [(v, e) for v, e in weighed if v.joins]
    if not matching:
        event = EventFacts(
            id=event_id_for(report), event_type=reading.event_type or "other", title=report.title,
            actors=reading.actors, places=reading.places, first_seen=report.published,
            last_seen=report.published, killed=dict(reading.killed), injured=dict(reading.injured),
            sources=(_source(report),), claims=_claims(reading), day=report_day(report, gazetteer.local),
            us_targeted=reading.us_targeted,
        )
        closest = max(weighed, key=lambda ve: ve[0].score, default=None)
        why = (f"new: closest was {closest[1].id} ({'; '.join(closest[0].reasons)})" if closest
               else "new: no event of this type nearby")
        return EventChange(event=event, is_new=True, why=why)
    verdict, best = max(matching, key=lambda ve: (ve[0].score, _similarity(report, ve[1])))
    return replace(merge(best, report), why=f"joined (score {verdict.score}): {'; '.join(verdict.reasons)}")


def _answering_later(weighed: list[tuple[Verdict, EventFacts]], answered: set[str], candidates: Sequence[EventFacts],
                     gazetteer: Gazetteer) -> list[tuple[Verdict, EventFacts]]:
    """A strike report answering an attack at `answered` does not join a strike first told before that attack: the
    same province struck twice in a day, the second time for rockets fired in between ("US gunships kill four
    militants after rocket fire on Syria bases", the night after the morning's strikes on depots)."""
    attacks = [e.first_seen for e in candidates if e.event_type == "attack" and (
        answered & set(e.places) or _within_reach(answered, set(e.places), gazetteer))]
    if not attacks:
        return weighed
    latest = max(attacks)
    return [(Verdict(False, v.score, (*v.reasons, f"it answers an attack told at {latest:%Y-%m-%d %H:%M}, after "
                                                   "the strike was")), e)
            if v.joins and e.event_type == "strike" and e.first_seen < latest else (v, e) for v, e in weighed]


def denial(report: Report, candidates: Sequence[EventFacts], window: timedelta,
           gazetteer: Gazetteer | None = None) -> EventChange | None:
    """A report that an event did not happen ("no attack took place at Erbil airport"), matched to the known
    event it denies: the event keeps its facts and gains the report and a correction, so those alerted to it
    hear it was denied. Only a denial naming the event's place (or one inside or beside it) counts: "officials
    deny reports of an attack" names nothing to take back."""
    denied = report.reading.denied
    gazetteer = gazetteer or Gazetteer()
    places = expand_places(report.reading.places, gazetteer)
    if denied is None or not places:
        return None
    told = replace(report, reading=replace(report.reading, relevant=True, event_type=denied))
    weighed = [(weigh(told, e, window, gazetteer), e) for e in candidates if e.event_type == denied]
    matching = [(v, e) for v, e in weighed
                if v.joins and (places & set(e.places) or _within_reach(places, set(e.places), gazetteer))]
    if not matching:
        return None
    verdict, event = max(matching, key=lambda ve: (ve[0].score, _similarity(report, ve[1])))
    updated = replace(event, first_seen=min(event.first_seen, report.published),
                      last_seen=max(event.last_seen, report.published), sources=(*event.sources, _source(report)),
                      report_count=event.report_count + 1)
    change = Change("correction", f"reported not to have happened ({report.source}: {report.title})")
    return EventChange(event=updated, is_new=False, changes=(change,),
                       why=f"denies it (score {verdict.score}): {'; '.join(verdict.reasons)}")


def merge(event: EventFacts, report: Report) -> EventChange:
    """Fold a report into an event, keeping the highest figures and every place and actor."""
    reading = report.reading
    changes: list[Change] = []
    killed = _correct_counts(_raise_counts(event.killed, reading.killed, "killed", changes), reading, "killed",
                             changes)
    injured = _correct_counts(_raise_counts(event.injured, reading.injured, "injured", changes), reading,
                              "injured", changes)
    new_places = [p for p in reading.places if p not in event.places]
    if new_places:
        changes.append(Change("place", "new place: " + ", ".join(new_places)))
    new_actors = [a for a in reading.actors if a not in event.actors]
    if new_actors:
        changes.append(Change("actor", "new actor: " + ", ".join(new_actors)))
    new_claims = [c for c in _claims(reading) if c not in event.claims]
    if reading.us_targeted and not event.us_targeted:  # for the event's history; no kind of update alert
        changes.append(Change("hosting", "said to have hit US/coalition forces: "
                              + reading.evidence.get("us_targeted", "")))
    for claim in new_claims:
        name, how = claim.rsplit(": ", 1)
        kind = "claim" if how == "claimed" else "attribution"
        changes.append(Change(kind, f"{name} {'claimed it' if kind == 'claim' else 'blamed by officials'}"))
    updated = replace(
        event,
        actors=event.actors + tuple(new_actors),
        places=event.places + tuple(new_places),
        killed=killed,
        injured=injured,
        first_seen=min(event.first_seen, report.published),
        last_seen=max(event.last_seen, report.published),
        sources=(*event.sources, _source(report)),
        report_count=event.report_count + 1,
        claims=event.claims + tuple(new_claims),
        us_targeted=event.us_targeted or reading.us_targeted,
    )
    return EventChange(event=updated, is_new=False, changes=tuple(changes))


def _correct_counts(counts: dict[str, int], reading: Reading, word: str, changes: list[Change]) -> dict[str, int]:
    """A report that revises a figure down ("revised to 2") corrects it instead of being outvoted."""
    side, wording = toll_note(reading, word)
    if not wording.startswith("revised to") or side not in reading.killed | reading.injured:
        return counts
    figure = (reading.killed if word == "killed" else reading.injured).get(side)
    if figure is None or figure >= counts.get(side, 0):
        return counts
    changes.append(Change("correction", f"{word} {side} corrected from {counts[side]} to {figure}"))
    return {**counts, side: figure}


def _raise_counts(old: dict[str, int], new: dict[str, int], word: str, changes: list[Change]) -> dict[str, int]:
    """Keep the highest count per side; a change is material when a side's count or the total rises
    (a report saying "three coalition" after "two US and one British" changes nothing)."""
    merged = dict(old)
    for side, count in new.items():
        merged[side] = max(count, merged.get(side, 0))
    if total_count(merged) > total_count(old):
        risen = [f"{side} {old.get(side, 0)} → {n}" for side, n in merged.items() if n > old.get(side, 0)]
        changes.append(Change(word, f"{word} up to {total_count(merged)} ({', '.join(risen)})"))
    elif unnumbered := [side for side, n in merged.items() if side not in old and not n]:  # "several US troops hurt"
        changes.append(Change(word, f"{word}: {', '.join(unnumbered)} (number not given)"))
    return merged


REFERENCE_WINDOW = timedelta(days=30)


def referenced_events(reading: Reading, published: datetime, candidates: Sequence[EventFacts],
                      own_event: str | None) -> list[str]:
    """Known events that the report's background clauses point to ("in response to the attack on
    K1"): earlier incidents at the places the background names, within the last 30 days."""
    places = set(reading.background_places)
    if not places:
        return []
    linked = [e for e in candidates
              if e.id != own_event and set(e.places) & places and
              published - REFERENCE_WINDOW <= e.first_seen <= published]
    return [e.id for e in sorted(linked, key=lambda e: e.first_seen, reverse=True)]
