"""Targets: where alerts are delivered. Configured Apprise URLs (known by name, their secrets never shown),
plus the built-in `log` (the daemon's log) and `file` (JSON Lines under `state/`)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import apprise

from monitor.config import NotifyTarget, Settings
from monitor.model import StoredAlert
from monitor.notify.redact import describe_url, mask, url_secrets
from monitor.notify.safety import MAX_BODY
from monitor.notify.templates import Templates

log = logging.getLogger("monitor.notify")

DEFAULT_SEND_TIMEOUT = timedelta(seconds=30)


class Target(Protocol):
    id: str
    label: str

    def send(self, alert: StoredAlert) -> str | None:
        """Deliver one alert; return None on success, or what went wrong."""


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
