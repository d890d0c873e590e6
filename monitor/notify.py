"""Notifying: write alerts for event changes, and deliver them from the outbox with Apprise.

Alerts are composed here and stored by the pipeline in the same transaction as the event change
that caused them; `deliver_due` then sends each pending delivery and records the result. A target
that fails is retried with exponential backoff and jitter and, after `alerts.max_attempts`, parked
as dead. Built-in targets: `log` (the daemon's log) and `file` (JSON Lines under `state/`).

Feed text is hostile: every piece of it put in an alert goes through `inert`, which removes
control and bidi characters, defuses mass mentions, and caps its length; Apprise then escapes the
plain-text body for HTML targets such as email.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlsplit

import apprise
import jinja2

from monitor.assess import Judgement, window_hours
from monitor.classify import Reading
from monitor.config import NotifyTarget, Settings
from monitor.events import Change, EventChange, total_count
from monitor.parse import Item
from monitor.store import StoredAlert

log = logging.getLogger("monitor.notify")

MAX_TITLE = 200
MAX_BODY = 4000  # chat services cut long messages; the start is what a phone shows
MAX_FIELD = 600
DEFAULT_SEND_TIMEOUT = timedelta(seconds=30)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MENTION = re.compile(r"@(?=(everyone|here|channel|all|room)\b|[\w<])", re.IGNORECASE)
_MARKUP = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")", "`": "'", "*": "∗", "_": " ", "|": "¦"})


def inert(text: str | None, limit: int = MAX_FIELD) -> str:
    """Feed text made safe for any alert format: no controls, markup, links syntax or mentions."""
    if not text:
        return ""
    text = _CONTROL.sub("", text).translate(_MARKUP)
    text = _MENTION.sub("@\u2060", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert before it is stored: what the pipeline hands to the store."""

    kind: str
    dedupe_key: str
    event_id: str | None
    created_at: datetime
    title: str
    text: str
    payload: dict[str, Any]

    def __post_init__(self) -> None:
        if "severity" not in self.payload:
            self.payload["severity"] = severity(self.kind, self.payload)

    def to_row(self) -> StoredAlert:
        return StoredAlert(kind=self.kind, dedupe_key=self.dedupe_key, event_id=self.event_id,
                           created_at=self.created_at, title=self.title, text=self.text, payload=self.payload)


def _toll(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {side}" for side, n in sorted(counts.items(), key=lambda kv: -kv[1]))


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
        head += f": {deaths} killed ({_toll(event.killed)})"
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
        lines.append(f"Killed: {_toll(event.killed)}")
    if event.injured:
        lines.append(f"Injured: {_toll(event.injured)}")
    if evidence.get("event_type"):
        lines.append(f"Evidence: \u201c{inert(evidence['event_type'], 400)}\u201d")
    for source in event.sources:
        lines.append(f"Source: {inert(source['source'], 80)}: {inert(source['title'], 200)}")
        if source.get("link"):
            lines.append(f"  {inert(source['link'], 300)}")
    payload = {"event_type": event.event_type, "actors": list(event.actors), "places": list(event.places),
               "killed": event.killed, "injured": event.injured, "sources": list(event.sources),
               "weapon": weapon, "when": reading.happened_on.isoformat() if reading.happened_on else None,
               "who": who, "evidence": list(dict.fromkeys(inert(v, 400) for k, v in evidence.items()
                                                          if not k.endswith("_note")))}
    return AlertDraft(kind="new_event", dedupe_key=f"new_event:{event.id}", event_id=event.id,
                      created_at=now, title=_headline(change), text="\n".join(lines), payload=payload)


def event_update_alert(change: EventChange, material: Sequence[Change], item: Item, now: datetime) -> AlertDraft:
    """One update for a report that changed what matters about a known incident, saying what changed."""
    event = change.event
    what = "; ".join(c.text for c in material)
    lines = [f"Update ({event.report_count} reports): {inert(what, 400)}",
             f"Where: {', '.join(event.places) or 'not stated'}",
             f"Who: {', '.join(event.actors) or 'not stated'}"]
    if event.killed:
        lines.append(f"Killed: {_toll(event.killed)}")
    if event.injured:
        lines.append(f"Injured: {_toll(event.injured)}")
    lines.append(f"Source: {inert(item.source, 80)}: {inert(item.title, 200)}")
    if item.link:
        lines.append(f"  {inert(item.link, 300)}")
    payload = {"event_type": event.event_type, "changes": [c.text for c in material], "killed": event.killed,
               "injured": event.injured, "places": list(event.places), "actors": list(event.actors)}
    return AlertDraft(kind="event_update", dedupe_key=f"event_update:{event.id}:{item.key}", event_id=event.id,
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
        f"Window: until {until} ({window_hours(rule)} h from the trigger)",
        f"Likelihood: {_percent(judgement.likelihood)} (rule {rule.name})",
        f"Trigger: {inert(trigger_title, 200)}",
    ]
    if judgement.likely_targets:
        lines.append(f"Where it may hit (hit before in such cycles): {', '.join(judgement.likely_targets)}")
    lines.append("Why:")
    lines += [f"  - {r}" for r in judgement.reasons]
    if judgement.precedents:
        lines.append("Precedents:")
        lines += [f"  - {p.describe()}" for p in judgement.precedents]
    payload = {"likelihood": round(judgement.likelihood, 3), "window_hours": window_hours(rule), "rule": rule.name,
               "expected_by": list(judgement.expected_by), "against": judgement.expected_against,
               "reasons": list(judgement.reasons), "precedents": [p.describe() for p in judgement.precedents]}
    if update_from is None:
        return AlertDraft(kind=kind, dedupe_key=f"{kind}:{prediction_id}", event_id=judgement.trigger.event_id,
                          created_at=now, title=inert(head, MAX_TITLE), text="\n".join(lines), payload=payload)
    return AlertDraft(kind="event_update", dedupe_key=f"{kind}:{prediction_id}:{judgement.likelihood:.2f}",
                      event_id=judgement.trigger.event_id, created_at=now, title=inert(f"Update: {head}", MAX_TITLE),
                      text="\n".join(lines), payload=payload)


def resolved_alert(prediction_id: int, kind: str, rule: str, likelihood: float, lead_hours: float,
                   event_id: str, event_title: str, now: datetime) -> AlertDraft:
    """A warned event happened: say so, with how much warning there was."""
    what = "strike" if kind == "strike_likely" else "attack"
    title = f"Warning confirmed: the expected {what} happened, {lead_hours:.0f} h after the warning"
    text = "\n".join([f"Warned at {_percent(likelihood)} by rule {rule}.", f"Event: {inert(event_title, 200)}",
                      f"Lead time: {lead_hours:.1f} hours"])
    return AlertDraft(kind="prediction_resolved", dedupe_key=f"prediction_resolved:{prediction_id}",
                      event_id=event_id, created_at=now, title=inert(title, MAX_TITLE), text=text,
                      payload={"likelihood": round(likelihood, 3), "rule": rule, "lead_hours": round(lead_hours, 1)})


# --- severity and routing ------------------------------------------------------------------------

_ALLIED = ("US", "UK", "coalition")
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}
HIGH_LIKELIHOOD = 0.75


def severity(kind: str, payload: dict[str, Any]) -> str:
    """How urgent an alert is: high for US or coalition deaths and likely warnings, medium for other
    casualties, warnings and confirmations, low for the rest (threats, attacks that hurt no one)."""
    if kind in {"strike_likely", "attack_likely"}:
        return "high" if (payload.get("likelihood") or 0) >= HIGH_LIKELIHOOD else "medium"
    if kind == "prediction_resolved":
        return "medium"
    killed, injured = payload.get("killed") or {}, payload.get("injured") or {}
    if any(killed.get(side) for side in _ALLIED):
        return "high"
    if any(killed.values()) or any(injured.values()):
        return "medium"
    return "low"


def wants(target_config: NotifyTarget | None, draft: AlertDraft) -> bool:
    """Whether a target's routing asks for this alert (built-in targets take everything)."""
    if target_config is None:
        return True
    if draft.kind not in target_config.kinds:
        return False
    if SEVERITY_RANK[draft.payload.get("severity", "low")] < SEVERITY_RANK[target_config.min_severity]:
        return False
    likelihood = draft.payload.get("likelihood")
    return likelihood is None or likelihood >= target_config.min_likelihood


def route(draft: AlertDraft, targets: Sequence[Target]) -> list[str]:
    """The targets an alert goes to."""
    return [t.id for t in targets if wants(getattr(t, "config", None), draft)]


# --- targets -----------------------------------------------------------------------------------


class Target(Protocol):
    id: str
    label: str

    def send(self, alert: StoredAlert) -> str | None:
        """Deliver one alert; return None on success, or what went wrong."""


MASK = "****"
LONG_PART = 16  # path segments and query values longer than this are treated as tokens


def url_secrets(url: str) -> list[str]:
    """The parts of a notification URL that must never be shown: what Apprise marks private (passwords,
    bot tokens, keys), the userinfo password, and any path segment or query value long enough to be a token.
    Each is given raw and percent-encoded, longest first, so masking never leaves a piece behind."""
    found: set[str] = set()
    plugin = apprise.Apprise.instantiate(url)
    if plugin is not None:
        for name, spec in {**plugin.template_tokens, **plugin.template_args}.items():
            if isinstance(spec, dict) and spec.get("private"):
                value = getattr(plugin, spec.get("map_to") or name, None)
                values = value if isinstance(value, list | tuple | set) else [value]
                found.update(str(v) for v in values if isinstance(v, str | int) and len(str(v)) >= 4)
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not parseable as a URL: mask what looks like a token anywhere in it
        parts, password = None, None
    if password:
        found.add(password)
    if parts is not None:
        found.update(p for p in parts.path.split("/") if len(p) > LONG_PART)
        found.update(v for _, v in parse_qsl(parts.query, keep_blank_values=True) if len(v) > LONG_PART)
    else:
        found.update(re.findall(rf"[^/?&=:@\s]{{{LONG_PART + 1},}}", url))
    return sorted(found | {quote(f, safe="") for f in found}, key=len, reverse=True)


def mask(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret replaced by a mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def describe_url(url: str) -> str:
    """A notification URL as it may be shown: every secret masked."""
    return mask(url, url_secrets(url))


class Templates:
    """The message templates of `alerts.templates` (Jinja2): a text body and an HTML email body."""

    def __init__(self, folder: Path):
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)), autoescape=jinja2.select_autoescape(["html", "j2"]),
            undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
        self._env.filters["inert"] = inert
        self.text = self._env.get_template("message.txt.j2")
        self.html = self._env.get_template("email.html.j2")

    def render_text(self, alert: StoredAlert) -> str:
        return self.text.render(alert=alert).strip()

    def render_html(self, alert: StoredAlert) -> str:
        payload = alert.payload or {}
        return self.html.render(alert=alert, facts=_facts(alert), sources=_sources(payload),
                                evidence=payload.get("evidence") or [], reasons=payload.get("reasons") or [],
                                precedents=payload.get("precedents") or [])


def _facts(alert: StoredAlert) -> list[tuple[str, str]]:
    p = alert.payload or {}
    rows = [("What", f"{p['event_type']}" + (f" ({p['weapon']})" if p.get("weapon") else "")) if p.get("event_type")
            else None,
            ("Where", ", ".join(p.get("places") or [])) if p.get("places") else None,
            ("Who", ", ".join(p.get("who") or p.get("actors") or [])) if p.get("who") or p.get("actors") else None,
            ("When", p["when"]) if p.get("when") else None,
            ("Killed", _toll(p["killed"])) if p.get("killed") else None,
            ("Injured", _toll(p["injured"])) if p.get("injured") else None,
            ("Expected", f"by {', '.join(p['expected_by'])} against {p.get('against', '')}")
            if p.get("expected_by") else None,
            ("Likelihood", f"{p['likelihood'] * 100:.0f}%") if p.get("likelihood") is not None else None,
            ("Window", f"{p['window_hours']} hours") if p.get("window_hours") else None,
            ("Changes", "; ".join(p["changes"])) if p.get("changes") else None]
    return [r for r in rows if r]


def _sources(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"source": inert(s.get("source"), 80), "title": inert(s.get("title"), 200),
             "link": s.get("link") if str(s.get("link") or "").startswith(("http://", "https://")) else None}
            for s in payload.get("sources") or []]


class AppriseTarget:
    """A configured Apprise URL, known by its name (or service): the URL, which often holds a token,
    never reaches the database, the logs or other alerts."""

    def __init__(self, config: NotifyTarget, templates: Templates | None = None,
                 send_timeout: timedelta = DEFAULT_SEND_TIMEOUT):
        url = config.secret_url()
        self.id = config.ident()
        self.label = self.id
        self.config = config
        self.templates = templates
        self.secrets = url_secrets(url)
        self._apprise = apprise.Apprise()
        self.valid = self._apprise.add(url)
        plugin = self._apprise[0] if self.valid else None
        if plugin is not None and "rto=" not in url:
            # Apprise waits 4 s for an answer by default; a webhook that is merely slow would then get every
            # alert again on each retry. A longer wait (the URL's own `rto` wins) keeps it to one copy.
            plugin.socket_read_timeout = send_timeout.total_seconds()
        self.html = plugin is not None and plugin.notify_format == apprise.NotifyFormat.HTML
        self.hidden_url = describe_url(url)

    def _body(self, alert: StoredAlert) -> tuple[str, str]:
        if self.templates is None:
            return alert.text, apprise.NotifyFormat.TEXT
        if self.html:
            return self.templates.render_html(alert), apprise.NotifyFormat.HTML
        return self.templates.render_text(alert)[:MAX_BODY], apprise.NotifyFormat.TEXT

    def send(self, alert: StoredAlert) -> str | None:
        if not self.valid:
            return "not a notification URL Apprise understands"
        body, body_format = self._body(alert)
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:  # type: ignore[no-untyped-call]
            ok = self._apprise.notify(title=alert.title, body=body, body_format=body_format)
            detail = captured.getvalue().strip().splitlines()
        if ok:
            return None
        return mask(detail[-1] if detail else "the target reported a failure", self.secrets)[:300]


def legacy_target_id(target: Target) -> str | None:
    """The id releases before target names used for this target (a hash of its URL), to adopt its deliveries."""
    config: NotifyTarget | None = getattr(target, "config", None)
    if config is None:
        return None
    return "apprise-" + hashlib.sha256(config.secret_url().encode()).hexdigest()[:12]


class LogTarget:
    id = "log"
    label = "log"

    def send(self, alert: StoredAlert) -> str | None:
        log.warning("ALERT %s: %s\n%s", alert.kind, alert.title, alert.text)
        return None


class FileTarget:
    """Alerts appended as JSON Lines, flushed to disk before the delivery counts as sent."""

    def __init__(self, path: Path):
        self.path = path
        self.id = "file"
        self.label = f"file:{path}"

    def send(self, alert: StoredAlert) -> str | None:
        record = {"id": alert.id, "kind": alert.kind, "event_id": alert.event_id,
                  "at": alert.created_at.isoformat(), "title": alert.title, "text": alert.text,
                  "payload": alert.payload}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            return f"cannot write {self.path}: {exc.strerror or exc}"
        return None


def build_targets(settings: Settings) -> list[Target]:
    """Every target alerts go to: the configured URLs, plus the log and the alerts file."""
    templates = Templates(settings.alerts.templates) if settings.alerts.templates else None
    targets: list[Target] = [AppriseTarget(t, templates, settings.alerts.send_timeout) for t in settings.notify]
    if settings.alerts.log:
        targets.append(LogTarget())
    if settings.alerts.file:
        targets.append(FileTarget(settings.alerts.file))
    return targets


def check_targets(settings: Settings) -> list[str]:
    """Problems with notification URLs, named by file and key, secrets hidden."""
    problems = []
    for i, target in enumerate(settings.notify):
        if apprise.Apprise.instantiate(target.secret_url()) is None:
            shown = describe_url(target.secret_url())
            problems.append(f"{settings.config_file}: notify[{i}].url: {shown} is not a URL Apprise understands")
    return problems
