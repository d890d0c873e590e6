"""The Jinja2 message templates of `alerts.templates`: a text body and an HTML email body."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from monitor.model import StoredAlert, toll_text
from monitor.notify.safety import inert, safe_link


class Templates:
    """The message templates of `alerts.templates` (Jinja2): a text body and an HTML email body."""

    def __init__(self, folder: Path):
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)), autoescape=jinja2.select_autoescape(["html", "j2"]),
            undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
        self._env.filters["inert"] = inert
        self._env.tests["link"] = lambda value: isinstance(value, str) and bool(value) and safe_link(value) == value
        self.text = self._env.get_template("message.txt.j2")
        self.html = self._env.get_template("email.html.j2")

    def render_text(self, alert: StoredAlert) -> str:
        return self.text.render(alert=alert).strip()

    def render_html(self, alert: StoredAlert) -> str:
        payload = alert.payload or {}
        return self.html.render(alert=alert, facts=_facts(alert), sources=_sources(payload),
                                evidence=payload.get("evidence") or [], reasons=payload.get("reasons") or [],
                                precedents=payload.get("precedents") or [], lines=alert.text.splitlines())


def _facts(alert: StoredAlert) -> list[tuple[str, str]]:
    p = alert.payload or {}
    rows = [("What", f"{p['event_type']}" + (f" ({p['weapon']})" if p.get("weapon") else "")) if p.get("event_type")
            else None,
            ("Where", ", ".join(p.get("places") or [])) if p.get("places") else None,
            ("Who", ", ".join(p.get("who") or p.get("actors") or [])) if p.get("who") or p.get("actors") else None,
            ("When", p["when"]) if p.get("when") else None,
            ("Killed", toll_text(p["killed"])) if p.get("killed") else None,
            ("Injured", toll_text(p["injured"])) if p.get("injured") else None,
            ("Expected", f"by {', '.join(p['expected_by'])} against {p.get('against', '')}")
            if p.get("expected_by") else None,
            ("Likelihood", f"{p['likelihood'] * 100:.0f}%") if p.get("likelihood") is not None else None,
            ("Window", f"{p['window_hours']} hours") if p.get("window_hours") else None,
            ("May hit", ", ".join(p["likely_targets"])) if p.get("likely_targets") else None,
            ("Changes", "; ".join(p["changes"])) if p.get("changes") else None]
    return [r for r in rows if r]


def _sources(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The reports an alert cites, each link checked again as it is sent (alerts stored by older releases
    hold the feed's link as it came)."""
    return [{"source": inert(s.get("source"), 80), "title": inert(s.get("title"), 200),
             "link": safe_link(s.get("link"))} for s in payload.get("sources") or [] if isinstance(s, dict)]
