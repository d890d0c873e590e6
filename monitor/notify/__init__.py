"""Notifying: compose alerts for event changes and warnings, decide who gets them, send them with Apprise.

Alerts are composed here and stored by the pipeline in the same transaction as the event change that
caused them; the outbox (`monitor/outbox.py`) claims each pending delivery, sends it through a target
here and records the result. Built-in targets: `log` (the daemon's log) and `file` (JSON Lines under
`state/`).

Feed text is hostile: every piece of it put in an alert goes through `inert`, which removes
control and bidi characters, defuses mass mentions, and caps its length; Apprise then escapes the
plain-text body for HTML targets such as email.

Where things are:
- `compose`: the `AlertDraft` for a new event, an event update, a warning and a confirmed warning (`draft`);
  every alert cites its reports with checked links; `alert_record` is an alert as JSON for programs.
- `policy`: severity and routing, which targets want an alert (`severity`, `wants`, `route`).
- `safety`: feed text made inert, links checked (`safe_link`), and the length limits of titles, bodies and fields.
- `targets`: the `Target` protocol, Apprise (its notification type set by severity), `format: json` webhook,
  log and file targets, `build_targets`, `check_targets`.
- `redact`: the secrets of a notification URL and masking them (`url_secrets`, `mask`, `describe_url`).
- `templates`: the Jinja2 text and HTML email templates of `alerts.templates`.

Apprise and Jinja2 are imported in this package only. Each name is imported from its module when first asked for
(`__getattr__`): masking the secrets of a target's URL does not load the composing of alerts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor import lazy

if TYPE_CHECKING:
    from monitor.notify.compose import alert_record as alert_record
    from monitor.notify.compose import draft as draft
    from monitor.notify.compose import event_update_alert as event_update_alert
    from monitor.notify.compose import first_link as first_link
    from monitor.notify.compose import new_event_alert as new_event_alert
    from monitor.notify.compose import resolved_alert as resolved_alert
    from monitor.notify.compose import source_of as source_of
    from monitor.notify.compose import warning_alert as warning_alert
    from monitor.notify.policy import route as route
    from monitor.notify.redact import describe_url as describe_url
    from monitor.notify.redact import url_secrets as url_secrets
    from monitor.notify.safety import MAX_FIELD as MAX_FIELD
    from monitor.notify.safety import inert as inert
    from monitor.notify.targets import Target as Target
    from monitor.notify.targets import build_targets as build_targets
    from monitor.notify.targets import check_targets as check_targets
    from monitor.notify.targets import legacy_target_id as legacy_target_id

# Each module and the names above it gives, imported when first used (tests/test_poll_start.py checks the two).
_NAMES = {
    "monitor.notify.compose": (
        "alert_record", "draft", "event_update_alert", "first_link", "new_event_alert", "resolved_alert", "source_of",
        "warning_alert"
    ),
    "monitor.notify.policy": ("route",),
    "monitor.notify.redact": ("describe_url", "url_secrets"),
    "monitor.notify.safety": ("MAX_FIELD", "inert"),
    "monitor.notify.targets": ("Target", "build_targets", "check_targets", "legacy_target_id"),
}
__getattr__, __dir__ = lazy.exports(__name__, _NAMES)
