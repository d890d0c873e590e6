"""The schema of `monitor.yaml`: its sections, their defaults and checks, and the frozen `Settings` they make.

Only the shape of each key is checked here; `load` reads the file, checks what needs the files around it
(secret files, templates, target names) and makes paths absolute.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from monitor.config.values import ByteSize, Duration, expand_env, read_secret_file, service_of, without_userinfo

ALERT_KINDS = ("new_event", "event_update", "strike_likely", "attack_likely", "prediction_resolved",
               "target_failing", "test")
SEVERITIES = ("low", "medium", "high")
NOTIFY_FORMATS = ("message", "json")
# The targets every configuration has (the log and the alerts file); a `notify` entry may not take their names.
BUILT_IN_TARGETS = ("log", "file")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Section):
    url: str
    name: str | None = None
    interval: Duration | None = None
    max_item_age: Duration | None = None  # overrides alerts.max_item_age for this feed

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @property
    def public_url(self) -> str:
        """The URL without credentials: how the feed is stored, logged and shown."""
        return without_userinfo(self.url)

    @property
    def label(self) -> str:
        return self.name or self.public_url


class QuietHours(_Section):
    """Hours when only high-severity alerts go through; the rest wait until the end."""

    start: str
    end: str
    timezone: str = "UTC"

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
            raise ValueError("use a 24-hour time such as 22:00")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from None
        return value


class RateLimit(_Section):
    messages: int = Field(ge=1)
    per: Duration


class NotifyTarget(_Section):
    """An Apprise URL and what it wants; the URL is kept secret because it often holds a token."""

    url: SecretStr | None = None
    url_file: Path | None = None
    name: str | None = None
    kinds: list[str] = list(ALERT_KINDS)
    min_severity: str = "low"
    min_likelihood: float = Field(default=0.0, ge=0, le=1)
    quiet_hours: QuietHours | None = None
    digest: Duration | None = None
    rate_limit: RateLimit | None = None
    # message: what Apprise makes of the alert for this service (text or HTML email); json: the alert as one
    # JSON object (the fields of a `monitor replay` alert record) POSTed to a json(s):// or http(s):// URL.
    format: str = "message"

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value not in NOTIFY_FORMATS:
            raise ValueError(f"{value!r} is not a format; use {' or '.join(NOTIFY_FORMATS)}")
        return value

    @field_validator("url", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        if isinstance(value, str):
            return expand_env(value)
        return value

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in ALERT_KINDS]
        if unknown:
            raise ValueError(f"unknown alert kind(s) {unknown}; use {', '.join(ALERT_KINDS)}")
        return value

    @field_validator("min_severity")
    @classmethod
    def _severity(cls, value: str) -> str:
        if value not in SEVERITIES:
            raise ValueError(f"use one of {', '.join(SEVERITIES)}")
        return value

    @model_validator(mode="after")
    def _one_url(self) -> NotifyTarget:
        if (self.url is None) == (self.url_file is None):
            raise ValueError("give exactly one of `url` and `url_file`")
        return self

    def secret_url(self) -> str:
        """The URL itself, from the config or from its file."""
        if self.url is not None:
            return self.url.get_secret_value()
        assert self.url_file is not None  # one of the two, checked above
        return read_secret_file(self.url_file)

    def ident(self) -> str:
        """The target's stable identity: its name, else its service. Deliveries are keyed by it, so a
        rotated token (a new URL under the same name) keeps the alerts still waiting for the target."""
        return self.name or service_of(self.secret_url())


class ScheduleConfig(_Section):
    interval: Duration = timedelta(minutes=10)
    jitter: Duration = timedelta(seconds=30)
    max_backoff: Duration = timedelta(hours=6)
    delivery_interval: Duration = timedelta(seconds=30)
    shutdown_grace: Duration = timedelta(seconds=30)


class FetchConfig(_Section):
    timeout: Duration = timedelta(seconds=30)
    connect_timeout: Duration = timedelta(seconds=10)
    max_bytes: ByteSize = 5_000_000
    max_redirects: int = Field(default=5, ge=0, le=20)
    concurrency: int = Field(default=100, ge=1, le=500)
    # Fetches in flight to one host, so a publisher is not hammered: as many connections as a browser opens to one
    # host over HTTP/1.1. Each is kept alive and reused by the host's next feed, so a publisher of 20 feeds sees
    # 6 connections and 4 waves of requests (4 per host: 5 waves, 0.8 -> 0.64 s for a round at 100 ms a request).
    per_host: int = Field(default=6, ge=1, le=100)
    # The same to a host on this machine (127.0.0.0/8, ::1, localhost): a local RSS-Bridge or RSSHub turning many
    # channels into feeds, or a mirror, is the operator's own server, not a publisher to spare; `concurrency` caps it.
    per_local_host: int = Field(default=100, ge=1, le=500)
    user_agent: str = "monitor/0.1 (+https://github.com/monitor-osint/monitor; feed poller)"


class EventsConfig(_Section):
    merge_window: Duration = timedelta(hours=48)
    update_on: list[str] = ["killed", "claim", "attribution", "place", "correction"]

    @field_validator("update_on")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        known = ("killed", "injured", "place", "actor", "claim", "attribution", "correction")
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"unknown change kind(s) {unknown}; use {', '.join(known)}")
        return value


class AlertsConfig(_Section):
    file: Path | None = Path("../state/alerts.jsonl")
    templates: Path | None = Path("templates")
    log: bool = True
    retry_base: Duration = timedelta(seconds=30)
    max_retry_delay: Duration = timedelta(minutes=10)
    max_age: Duration = timedelta(days=7)
    send_timeout: Duration = timedelta(seconds=30)
    # Items published longer ago than this are stored but raise no alert (a new feed's backlog); null: no limit.
    max_item_age: Duration | None = timedelta(days=2)

    @model_validator(mode="before")
    @classmethod
    def _retired_keys(cls, data: Any) -> Any:
        # Earlier releases gave up after a number of attempts; a config still naming it should learn why
        # the key went rather than meet a bare "unknown key".
        if isinstance(data, dict) and "max_attempts" in data:
            raise ValueError("max_attempts is no longer used: deliveries are retried until they succeed or "
                             "reach alerts.max_age (remove the key)")
        return data

    @model_validator(mode="after")
    def _delays(self) -> AlertsConfig:
        if self.max_retry_delay < self.retry_base:
            raise ValueError("max_retry_delay must be at least retry_base")
        if self.max_age < self.max_retry_delay:
            raise ValueError("max_age must be at least max_retry_delay")
        return self


class RetentionConfig(_Section):
    """How long stored things keep their text; their keys and prints stay, so nothing comes back as new."""

    items: Duration | None = timedelta(days=90)  # 0 or null: keep the text forever

    @field_validator("items", mode="before")
    @classmethod
    def _forever(cls, value: Any) -> Any:
        # A duration must be positive; here 0 has a meaning of its own.
        if (isinstance(value, int | float) and not isinstance(value, bool) and value == 0) or \
                (isinstance(value, str) and value.strip() in {"0", "0s", "0d"}):
            return None
        return value


class HttpConfig(_Section):
    """The daemon's HTTP server (status page, /healthz, /metrics); off when the section is absent.

    It binds to localhost unless told otherwise; bound anywhere else, every request must carry the token, which
    is a secret like a notification URL (never logged, never shown)."""

    listen: str = "127.0.0.1:8080"
    token: SecretStr | None = None
    token_file: Path | None = None

    @field_validator("listen")
    @classmethod
    def _address(cls, value: str) -> str:
        listen_address(value)
        return value

    @field_validator("token", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        return expand_env(value) if isinstance(value, str) else value

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < MIN_TOKEN_LENGTH:
            raise ValueError(f"a token must be at least {MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 16)")
        return value

    @model_validator(mode="after")
    def _protected(self) -> HttpConfig:
        if self.token is not None and self.token_file is not None:
            raise ValueError("give at most one of `token` and `token_file`")
        host, _ = listen_address(self.listen)
        if self.token is None and self.token_file is None and not is_loopback(host):
            raise ValueError(f"`token` or `token_file` is required: listen {self.listen!r} is not a loopback "
                             "address, so other machines can reach the status page and metrics")
        return self

    def secret_token(self) -> str | None:
        """The token requests must carry, from the config or its file; None when bound to loopback without one."""
        if self.token is not None:
            return self.token.get_secret_value().strip()
        return read_secret_file(self.token_file) if self.token_file is not None else None


MIN_TOKEN_LENGTH = 16


def listen_address(value: str) -> tuple[str, int]:
    """`host:port` (`[::1]:8080` for IPv6) as (host, port); ValueError says what is wrong."""
    match = re.match(r"^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:\[\]]*)):(\d{1,5})$", value.strip())
    if not match:
        raise ValueError(f"{value!r} is not host:port; use e.g. 127.0.0.1:8080 (or [::1]:8080)")
    port = int(match.group(3))
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} is out of range (1-65535)")
    return match.group(1) or match.group(2), port


def is_loopback(host: str) -> bool:
    """Only this machine can reach `host`: localhost or a loopback address. An empty host means every address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any address


class Settings(_Section):
    """Everything the daemon needs, validated; paths are absolute."""

    config_file: Path
    database: str = "sqlite:///../state/monitor.db"
    watchlist: list[Path] = [Path("watchlist.yaml")]
    vocabulary: list[Path] = [Path("vocabulary.yaml")]
    rules: Path = Path("rules.yaml")
    type_model: Path | None = None  # the learned second opinion on event types (`monitor train` writes it)
    history: list[Path] = [Path("history.yaml")]
    state_dir: Path = Path("../state")
    log_level: str = "INFO"
    log_format: str = "text"  # json: one JSON object per line, for a log collector
    feeds: list[FeedConfig] = []
    notify: list[NotifyTarget] = []
    schedule: ScheduleConfig = ScheduleConfig()
    fetch: FetchConfig = FetchConfig()
    events: EventsConfig = EventsConfig()
    alerts: AlertsConfig = AlertsConfig()
    http: HttpConfig | None = None  # the status page, /healthz and /metrics
    retention: RetentionConfig = RetentionConfig()

    @field_validator("watchlist", "vocabulary", "history", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | Path) else value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError(f"{value!r} is not a log format; use text or json")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    def interval_for(self, feed: FeedConfig) -> timedelta:
        return feed.interval or self.schedule.interval

    def max_item_age_for(self, feed: FeedConfig | None) -> timedelta | None:
        """The age past which a new item of this feed raises no alert (None: no limit)."""
        if feed is not None and feed.max_item_age is not None:
            return feed.max_item_age
        return self.alerts.max_item_age
