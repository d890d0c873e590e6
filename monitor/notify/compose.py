"""Composing: the alert (an `AlertDraft`) for a new event, an event update, a warning, or a warning
that came true. Every piece of feed text goes through `inert`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from monitor.model import (
    AlertDraft,
    Change,
    EventChange,
    Item,
    Judgement,
    Reading,
    StoredAlert,
    toll_text,
    total_count,
)
from monitor.notify.policy import severity
from monitor.notify.safety import MAX_TITLE, inert, safe_link


def draft(kind: str, dedupe_key: str, event_id: str | None, created_at: datetime, title: str, text: str,
          payload: dict[str, Any]) -> AlertDraft:
    """An alert with its severity set from what it says (unless the payload sets one)."""
    payload.setdefault("severity", severity(kind, payload))
    return AlertDraft(kind=kind, dedupe_key=dedupe_key, event_id=event_id, created_at=created_at, title=title,
                      text=text, payload=payload)


def source_of(source: str | None, title: str | None, link: str | None) -> dict[str, Any]:
    """A report as an alert cites it: its source, title and link (None unless a safe http(s) URL)."""
    return {"source": inert(source, 80), "title": inert(title, 200), "link": safe_link(link)}


def _source_lines(source: dict[str, Any], label: str = "Source") -> list[str]:
    """A cited report in the text: who and what on one line, the link alone on the next (phones make it
    tappable, and a URL on its own line is never cut in the middle of a sentence)."""
    lines = [f"{label}: {inert(source.get('source'), 80)}: {inert(source.get('title'), 200)}"]
    link = safe_link(source.get("link"))
    return [*lines, f"  {link}"] if link else lines


def _headline(change: EventChange) -> str:
    event = change.event
    where = ", ".join(event.places[:3]) or "unknown place"
    if event.event_type == "attack":
        head = f"Attack on {where}"
    elif event.event_type == "strike":
        head = f"Strike on {where}"
    else:
        head = f"Threat: {inert(event.title, 120)}"
    deaths = total_count(event.killed)
    if deaths:
        head += f": {deaths} killed ({toll_text(event.killed)})"
    elif event.killed:  # killed, their number not given
        head += f": {toll_text(event.killed)} killed"
    return inert(head, MAX_TITLE)


def new_event_alert(change: EventChange, reading: Reading, now: datetime) -> AlertDraft:
    """The alert for a new incident: what happened, where, who (and how the report puts it), with
    what, when, the toll, the evidence and the source."""
    event = change.event
    evidence = reading.evidence
    weapon = reading.weapon and reading.weapon + (f", {reading.weapon_count}" if reading.weapon_count else "")
    who = [f"{p.name} ({p.role}, {p.how})" for p in reading.parties] or list(event.actors)
    lines = [
        f"What: {event.event_type}" + (f" ({weapon})" if weapon else ""),
        f"Where: {', '.join(event.places) or 'not stated'}",
        f"Who: {', '.join(who) or 'not stated'}",
    ]
    if reading.happened_on:
        lines.append(f"When: {reading.happened_on.isoformat()}")
    if event.killed:
        lines.append(f"Killed: {toll_text(event.killed)}")
    if event.injured:
        lines.append(f"Injured: {toll_text(event.injured)}")
    if evidence.get("event_type"):
        lines.append(f"Evidence: \u201c{inert(evidence['event_type'], 400)}\u201d")
    for source in event.sources:
        lines += _source_lines(source)
    payload = {"event_type": event.event_type, "actors": list(event.actors), "places": list(event.places),
               "killed": event.killed, "injured": event.injured, "sources": list(event.sources),
               "weapon": weapon, "when": reading.happened_on.isoformat() if reading.happened_on else None,
               "who": who, "evidence": list(dict.fromkeys(inert(v, 400) for k, v in evidence.items()
                                                          if not k.endswith("_note")))}
    return draft(kind="new_event", dedupe_key=f"new_event:{event.id}", event_id=event.id,
                 created_at=now, title=_headline(change), text="\n".join(lines), payload=payload)


def event_update_alert(change: EventChange, material: Sequence[Change], item: Item, now: datetime) -> AlertDraft:
    """One update for a report that changed what matters about a known incident, saying what changed."""
    event = change.event
    what = "; ".join(c.text for c in material)
    lines = [f"Update ({event.report_count} reports): {inert(what, 400)}",
             f"Where: {', '.join(event.places) or 'not stated'}",
             f"Who: {', '.join(event.actors) or 'not stated'}"]
    if event.killed:
        lines.append(f"Killed: {toll_text(event.killed)}")
    if event.injured:
        lines.append(f"Injured: {toll_text(event.injured)}")
    source = source_of(item.source, item.title, item.link)
    lines += _source_lines(source)
    payload = {"event_type": event.event_type, "changes": [c.text for c in material], "killed": event.killed,
               "injured": event.injured, "places": list(event.places), "actors": list(event.actors),
               "sources": [source]}
    return draft(kind="event_update", dedupe_key=f"event_update:{event.id}:{item.key}", event_id=event.id,
                 created_at=now, title=inert(f"Update: {_headline(change)}", MAX_TITLE),
                 text="\n".join(lines), payload=payload)


def _percent(p: float) -> str:
    return f"{p * 100:.0f}%"


def warning_alert(kind: str, prediction_id: int, judgement: Judgement, trigger_title: str, now: datetime,
                  update_from: float | None = None) -> AlertDraft:
    """A strike_likely / attack_likely warning (or its update when the likelihood moved)."""
    rule = judgement.rule
    what = "US strike" if rule.expects.event_type == "strike" else "attack"
    by = ", ".join(judgement.expected_by)
    until = judgement.window_end.strftime("%Y-%m-%d %H:%M UTC")
    head = (f"{'Strike' if kind == 'strike_likely' else 'Attack'} likely ({_percent(judgement.likelihood)}): "
            f"{by} against {judgement.expected_against} by {judgement.window_end:%d %b}")
    lines = []
    if update_from is not None:
        lines.append(f"Likelihood moved from {_percent(update_from)} to {_percent(judgement.likelihood)}.")
    lines += [
        f"Expected: {what} by {by} against {judgement.expected_against}",
        f"Window: until {until} ({int(rule.window / timedelta(hours=1))} h from the trigger)",
        f"Likelihood: {_percent(judgement.likelihood)} (rule {rule.name})",
    ]
    trigger = _trigger_source(judgement, trigger_title)
    lines += _source_lines(trigger, "Trigger") if trigger else [f"Trigger: {inert(trigger_title, 200)}"]
    if judgement.likely_targets:
        lines.append(f"Where it may hit (hit before in such cycles): {', '.join(judgement.likely_targets)}")
    lines.append("Why:")
    lines += [f"  - {r}" for r in judgement.reasons]
    if judgement.precedents:
        lines.append("Precedents:")
        lines += [f"  - {p.describe()}" for p in judgement.precedents]
    payload = {"likelihood": round(judgement.likelihood, 3), "window_hours": int(rule.window / timedelta(hours=1)),
               "rule": rule.name,
               "expected_by": list(judgement.expected_by), "against": judgement.expected_against,
               "reasons": list(judgement.reasons), "precedents": [p.describe() for p in judgement.precedents],
               "likely_targets": list(judgement.likely_targets), "sources": [trigger] if trigger else []}
    if update_from is None:
        return draft(kind=kind, dedupe_key=f"{kind}:{prediction_id}", event_id=judgement.trigger.event_id,
                     created_at=now, title=inert(head, MAX_TITLE), text="\n".join(lines), payload=payload)
    return draft(kind="event_update", dedupe_key=f"{kind}:{prediction_id}:{judgement.likelihood:.2f}",
                 event_id=judgement.trigger.event_id, created_at=now, title=inert(f"Update: {head}", MAX_TITLE),
                 text="\n".join(lines), payload=payload)


def _trigger_source(judgement: Judgement, trigger_title: str) -> dict[str, Any] | None:
    """The report that triggered a warning, as the trigger event holds it: the one of that title, else the
    first report with a link."""
    sources = judgement.trigger.sources
    found = next((s for s in sources if s.get("title") == trigger_title), None)
    found = found or next((s for s in sources if safe_link(s.get("link"))), None)
    return source_of(found.get("source"), found.get("title"), found.get("link")) if found else None


def resolved_alert(prediction_id: int, kind: str, rule: str, likelihood: float, lead_hours: float,
                   event_id: str, event_title: str, now: datetime,
                   source: dict[str, Any] | None = None) -> AlertDraft:
    """A warned event happened: say so, with how much warning there was, citing the report that told it."""
    what = "strike" if kind == "strike_likely" else "attack"
    title = f"Warning confirmed: the expected {what} happened, {lead_hours:.0f} h after the warning"
    lines = [f"Warned at {_percent(likelihood)} by rule {rule}.", f"Event: {inert(event_title, 200)}",
             f"Lead time: {lead_hours:.1f} hours"]
    if source is not None:
        lines += _source_lines(source)
    return draft(kind="prediction_resolved", dedupe_key=f"prediction_resolved:{prediction_id}",
                 event_id=event_id, created_at=now, title=inert(title, MAX_TITLE), text="\n".join(lines),
                 payload={"likelihood": round(likelihood, 3), "rule": rule, "lead_hours": round(lead_hours, 1),
                          "sources": [source] if source is not None else []})


def alert_record(alert: AlertDraft | StoredAlert, level: str | None = None) -> dict[str, Any]:
    """An alert as one JSON object for programs: the fields of a `monitor replay` alert record (type, kind,
    event_id, at, likelihood, window_hours, title, text), then its `key` (the same if it is ever sent again,
    so a receiver can drop the duplicate), its severity, the notification `level` it goes out with, the
    reports it cites (links checked) and, for a warning, where it may hit."""
    payload = alert.payload or {}
    record: dict[str, Any] = {
        "type": "alert", "kind": alert.kind, "event_id": alert.event_id, "at": alert.created_at.isoformat(),
        "likelihood": payload.get("likelihood"), "window_hours": payload.get("window_hours"),
        "title": alert.title, "text": alert.text,
        "key": alert.dedupe_key, "severity": payload.get("severity", "low"), "level": level,
        "sources": [source_of(s.get("source"), s.get("title"), s.get("link"))
                    for s in payload.get("sources") or [] if isinstance(s, dict)],
    }
    if payload.get("likely_targets"):
        record["likely_targets"] = list(payload["likely_targets"])
    return record


def first_link(payload: dict[str, Any] | None) -> str | None:
    """The first checked link among the reports an alert cites (what a digest line points to)."""
    sources = (payload or {}).get("sources") or []
    return next((link for s in sources if isinstance(s, dict) and (link := safe_link(s.get("link")))), None)
