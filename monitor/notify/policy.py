"""Routing policy: how urgent an alert is, and which targets want it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from monitor.config import NotifyTarget
from monitor.model import ALLIED_SIDES, AlertDraft

if TYPE_CHECKING:  # only the type: the targets (and Apprise, Jinja2) are not needed to decide routing
    from monitor.notify.targets import Target

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
    if any(killed.get(side) for side in ALLIED_SIDES):
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
