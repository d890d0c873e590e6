"""Merging: decide whether a relevant report starts a new incident or joins a known one.

Pure logic over plain values: the pipeline fetches candidate events from the store and saves the
outcome. A report joins an event of the same type when the incident times are close and the
reports share places (or, when neither names a place, actors); among several candidates the one
with the most similar wording (rapidfuzz) wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from monitor.model import Change, EventChange, EventFacts, Reading, Report, total_count


def event_id_for(report: Report) -> str:
    """Deterministic id: the same first report always gives the same event id."""
    return "ev-" + report.key[:16]


def _source(report: Report) -> dict[str, Any]:
    return {"title": report.title, "link": report.link, "source": report.source,
            "published": report.published.isoformat()}


MAX_DAY_GAP = 1  # reports may put an overnight attack on either side of midnight


def report_day(report: Report) -> date:
    return report.reading.happened_on or report.published.date()


def expand_places(places: Sequence[str], related: dict[str, str]) -> set[str]:
    """Places with the base named after a town and the town a base is named after (Erbil, Erbil Air Base)."""
    towns = {site: town for town, site in related.items()}
    return {*places, *(related[p] for p in places if p in related), *(towns[p] for p in places if p in towns)}


def _same_incident(report: Report, event: EventFacts, window: timedelta, related: dict[str, str],
                   common: frozenset[str]) -> bool:
    if abs(report.published - event.first_seen) > window:
        return False
    if event.day and abs((report_day(report) - event.day).days) > MAX_DAY_GAP:
        return False  # the same base hit again two days later is another incident
    places = expand_places(report.reading.places, related)
    if places and event.places:
        return bool(places & set(event.places))
    # Actors named in nearly every report (the watchlist's `common` ones): sharing only these says nothing.
    actors = set(report.reading.actors) - common
    return bool(actors & (set(event.actors) - common))


def lookup_names(reading: Reading, related: dict[str, str], common: frozenset[str] = frozenset()) -> list[str]:
    """The entities a report's candidate events are looked up by: its places and specific actors."""
    return [*expand_places(reading.places, related), *(a for a in reading.actors if a not in common)]


def _claims(reading: Reading) -> tuple[str, ...]:
    return tuple(f"{p.name}: {p.how}" for p in reading.parties if p.how in {"claimed", "attributed"})


def _similarity(report: Report, event: EventFacts) -> float:
    shared_places = len(set(report.reading.places) & set(event.places))
    return shared_places * 100 + fuzz.token_set_ratio(report.title, event.title)


def place_report(report: Report, candidates: Sequence[EventFacts], window: timedelta,
                 related: dict[str, str] | None = None, common: frozenset[str] = frozenset()) -> EventChange:
    """Start a new event for the report, or merge it into the best matching candidate."""
    reading = report.reading
    related = related or {}
    matching = [e for e in candidates
                if e.event_type == reading.event_type and _same_incident(report, e, window, related, common)]
    if not matching:
        event = EventFacts(
            id=event_id_for(report), event_type=reading.event_type or "other", title=report.title,
            actors=reading.actors, places=reading.places, first_seen=report.published,
            last_seen=report.published, killed=dict(reading.killed), injured=dict(reading.injured),
            sources=(_source(report),), claims=_claims(reading), day=report_day(report),
        )
        return EventChange(event=event, is_new=True)
    best = max(matching, key=lambda e: _similarity(report, e))
    return merge(best, report)


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
    )
    return EventChange(event=updated, is_new=False, changes=tuple(changes))


def _correct_counts(counts: dict[str, int], reading: Reading, word: str, changes: list[Change]) -> dict[str, int]:
    """A report that revises a figure down ("revised to 2") corrects it instead of being outvoted."""
    note = reading.evidence.get(f"{word}_note", "")
    side, _, wording = note.partition(": ")
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
