"""Targets: where alerts are delivered. Configured Apprise URLs (known by name, their secrets never shown),
plus the built-in `log` (the daemon's log) and `file` (JSON Lines under `state/`)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import urllib.error
import urllib.request
from datetime import timedelta
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from monitor.config import NotifyTarget, Settings
from monitor.model import StoredAlert
from monitor.notify.compose import alert_record
from monitor.notify.redact import describe_url, mask, url_secrets
from monitor.notify.safety import MAX_BODY

if TYPE_CHECKING:
    # Apprise and Jinja2 take ~5 MB that stay for the life of the daemon; they are imported when an Apprise target
    # or a template is first built or a URL checked, so a daemon with only the log and file targets never
    # loads them (issue 15).
    import apprise

    from monitor.notify.templates import Templates

log = logging.getLogger("monitor.notify")

DEFAULT_SEND_TIMEOUT = timedelta(seconds=30)

# How an alert's severity shows in the service: the colour, icon or priority Apprise gives each type (these are
# the values of apprise.NotifyType), and the `type` field of a json:// body. A US death must not look like routine
# news.
NOTIFY_LEVELS = {"high": "failure", "medium": "warning", "low": "info"}


def notify_level(alert: StoredAlert) -> str:
    """The Apprise notification type's value of an alert, from its severity (info when it has none)."""
    return NOTIFY_LEVELS.get(str((alert.payload or {}).get("severity", "low")), "info")


def notify_type(alert: StoredAlert) -> apprise.NotifyType:
    """The Apprise notification type of an alert, from its severity (info when it has none)."""
    import apprise

    return apprise.NotifyType(notify_level(alert))


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
        import apprise

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
        import apprise

        if self.templates is None:
            return alert.text, apprise.NotifyFormat.TEXT
        if self.html:
            return self.templates.render_html(alert), apprise.NotifyFormat.HTML
        return self.templates.render_text(alert)[:MAX_BODY], apprise.NotifyFormat.TEXT

    def send(self, alert: StoredAlert) -> str | None:
        if not self.valid:
            return "not a notification URL Apprise understands"
        import apprise

        body, body_format = self._body(alert)
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:  # type: ignore[no-untyped-call]
            ok = self._apprise.notify(title=alert.title, body=body, body_format=body_format,
                                      notify_type=notify_type(alert))
            detail = captured.getvalue().strip().splitlines()
        if ok:
            return None
        return mask(detail[-1] if detail else "the target reported a failure", self.secrets)[:300]


WEBHOOK_SCHEMES = {"json": "http", "jsons": "https", "http": "http", "https": "https"}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured: the POST would be replayed elsewhere, so it counts as failed."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def webhook_request(url: str) -> tuple[str, dict[str, str]] | None:
    """Where a `format: json` target POSTs and with which headers, from a json(s):// or http(s):// URL written
    as for Apprise: `user:password@` becomes Basic authentication, a `+Name=value` query argument a header;
    other query arguments stay in the URL. None when the URL is none of these."""
    try:
        parts = urlsplit(url)
        scheme, host, port = WEBHOOK_SCHEMES.get(parts.scheme.lower()), parts.hostname, parts.port
    except ValueError:
        return None
    if scheme is None or not host:
        return None
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "monitor"}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    query = []
    for pair in filter(None, parts.query.split("&")):
        name, _, value = pair.partition("=")
        if name.startswith("+") and len(name) > 1:  # read raw: a form decoder would make the `+` a space
            headers[unquote(name[1:])] = unquote(value)
        else:
            query.append(pair)
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{port}" if port else ""
    return urlunsplit((scheme, netloc, parts.path or "/", "&".join(query), "")), headers


class WebhookTarget:
    """A `format: json` target: each alert POSTed as one JSON object, the fields of a `monitor replay` alert
    record and a few more (`alert_record`). Apprise's json:// plugin cannot carry them (its body is title,
    message and type, and the URL can add only fixed strings), so this target sends the request itself."""

    def __init__(self, config: NotifyTarget, send_timeout: timedelta = DEFAULT_SEND_TIMEOUT):
        url = config.secret_url()
        self.id = config.ident()
        self.label = self.id
        self.config = config
        self.secrets = url_secrets(url)
        self.hidden_url = describe_url(url)
        self.request = webhook_request(url)
        self.timeout = send_timeout.total_seconds()

    def send(self, alert: StoredAlert) -> str | None:
        if self.request is None:
            return "not a json://, jsons://, http:// or https:// URL"
        endpoint, headers = self.request
        record = alert_record(alert, level=notify_level(alert))
        body = json.dumps(record, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                response.read(64 * 1024)  # the answer does not matter, but reading it lets the server finish
        except urllib.error.HTTPError as exc:
            return mask(f"the webhook answered {exc.code} {exc.reason}", self.secrets)[:300]
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            return mask(f"cannot reach the webhook: {reason}", self.secrets)[:300]
        return None


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
    templates = None
    # Only Apprise targets render the templates: without one, Jinja2 is not loaded at all.
    if settings.alerts.templates and any(t.format != "json" for t in settings.notify):
        from monitor.notify.templates import Templates

        templates = Templates(settings.alerts.templates)
    targets: list[Target] = [WebhookTarget(t, settings.alerts.send_timeout) if t.format == "json"
                             else AppriseTarget(t, templates, settings.alerts.send_timeout) for t in settings.notify]
    if settings.alerts.log:
        targets.append(LogTarget())
    if settings.alerts.file:
        targets.append(FileTarget(settings.alerts.file))
    return targets


def check_targets(settings: Settings) -> list[str]:
    """Problems with notification URLs, named by file and key, secrets hidden."""
    import apprise

    problems = []
    for i, target in enumerate(settings.notify):
        if target.format == "json":
            if webhook_request(target.secret_url()) is None:
                shown = describe_url(target.secret_url())
                problems.append(f"{settings.config_file}: notify[{i}].url: {shown} is not a json://, jsons://, "
                                "http:// or https:// URL, which `format: json` needs")
        elif apprise.Apprise.instantiate(target.secret_url()) is None:
            shown = describe_url(target.secret_url())
            problems.append(f"{settings.config_file}: notify[{i}].url: {shown} is not a URL Apprise understands")
    return problems
