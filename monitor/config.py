"""Configuration: read `monitor.yaml` once, validate it, hand out a frozen `Settings`.

This is the only module that reads configuration files or the environment. Every problem is
reported as a `ConfigError` that names the file, the key path and what is wrong; the CLI turns it
into a message and a non-zero exit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.errors import ConfigError as ConfigError  # raised here, re-exported for the config readers

CONFIG_ENV = "MONITOR_CONFIG"
DATABASE_ENV = "MONITOR_DATABASE"
DEFAULT_CONFIG_DIR = "config"
CONFIG_FILE_NAME = "monitor.yaml"


_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


def parse_duration(value: Any) -> timedelta:
    """Turn `90s`, `5m`, `2h`, `1d` or a number of seconds into a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 5m, 2h or 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION_RE.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a duration; use a number with s, m, h or d, e.g. 5m")
        seconds = float(match.group(1)) * _DURATION_UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return timedelta(seconds=seconds)


def parse_size(value: Any) -> int:
    """Turn `5MB`, `512KiB` or a number of bytes into bytes."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 5MB")
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE_RE.match(str(value))
        if not match:
            raise ValueError(f"{value!r} is not a size; use e.g. 500KB, 5MB or 1GB")
        size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])
    if size <= 0:
        raise ValueError("a size must be greater than zero")
    return size


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ByteSize = Annotated[int, BeforeValidator(parse_size)]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, environ: dict[str, str] | None = None) -> str:
    """Replace `${NAME}` with the environment variable; a missing one is an error."""
    env = os.environ if environ is None else environ

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ValueError(f"environment variable {name} is not set")
        return env[name]

    return _ENV_REF.sub(substitute, text)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedConfig(_Section):
    url: str
    name: str | None = None
    interval: Duration | None = None

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


def without_userinfo(url: str) -> str:
    """A URL with any `user:password@` removed."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#@]*@", r"\1", url)


def with_userinfo_of(url: str, source: str) -> str:
    """`url` with the credentials of `source` when both are on the same host (a feed that moved keeps its
    login), else `url` as it is."""
    creds = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#@]*@)([^/?#]*)", source)
    target = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#@]*)(.*)$", without_userinfo(url))
    if not creds or not target or creds.group(2).lower() != target.group(2).lower():
        return url
    return target.group(1) + creds.group(1) + target.group(2) + target.group(3)


ALERT_KINDS = ("new_event", "event_update", "strike_likely", "attack_likely", "prediction_resolved",
               "target_failing", "test")
SEVERITIES = ("low", "medium", "high")


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


BUILT_IN_TARGETS = ("log", "file")


def service_of(url: str) -> str:
    """The Apprise service of a notification URL: its scheme (json, mailto, tgram, ...)."""
    scheme, sep, _ = url.partition("://")
    return scheme.lower() if sep and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", scheme) else "unknown"


def read_secret_file(path: Path) -> str:
    """A secret kept in a file that only the daemon's user may read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise ValueError(f"{path} can be read by other users; make it private (chmod 600)")
    if not text:
        raise ValueError(f"{path} is empty")
    return expand_env(text)


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
    concurrency: int = Field(default=8, ge=1, le=100)
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


class Settings(_Section):
    """Everything the daemon needs, validated; paths are absolute."""

    config_file: Path
    database: str = "sqlite:///../state/monitor.db"
    watchlist: list[Path] = [Path("watchlist.yaml")]
    vocabulary: Path = Path("vocabulary.yaml")
    rules: Path = Path("rules.yaml")
    history: list[Path] = [Path("history.yaml")]
    state_dir: Path = Path("../state")
    log_level: str = "INFO"
    feeds: list[FeedConfig] = []
    notify: list[NotifyTarget] = []
    schedule: ScheduleConfig = ScheduleConfig()
    fetch: FetchConfig = FetchConfig()
    events: EventsConfig = EventsConfig()
    alerts: AlertsConfig = AlertsConfig()

    @field_validator("watchlist", "history", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str | Path) else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    def interval_for(self, feed: FeedConfig) -> timedelta:
        return feed.interval or self.schedule.interval


def locate_config(path: str | Path | None) -> Path:
    """Find `monitor.yaml` from a file or folder argument, MONITOR_CONFIG, or `config/`."""
    chosen = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_DIR)
    return chosen / CONFIG_FILE_NAME if chosen.is_dir() else chosen


def read_yaml(path: Path) -> Any:
    """Load one YAML file; problems name the file and, for syntax errors, the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{path}:{where}: invalid YAML: {problem}"]) from None


def key_path(loc: Iterable[Any]) -> str:
    """Render a pydantic error location as `feeds[2].interval`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith("function-") or part in {"list", "dict"}:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def describe_errors(path: Path, error: ValidationError) -> list[str]:
    """One line per problem: file, key path, what is wrong."""
    problems = []
    for item in error.errors():
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required key is missing"
        message = message.removeprefix("Value error, ")
        problems.append(f"{path}: {key_path(item['loc'])}: {message}")
    return problems


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else (base / path).resolve()


def resolve_database_url(url: str, base: Path) -> str:
    """Make a relative SQLite path absolute against the config folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix):]
        if rest and not rest.startswith(":memory:"):
            return prefix + str(_resolve(base, Path(rest)))
    return url


def load_settings(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read, validate and freeze the configuration."""
    env = os.environ if environ is None else environ
    config_file = locate_config(path).resolve()
    raw = read_yaml(config_file)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError([f"{config_file}: (top level): expected a mapping of keys, got {type(raw).__name__}"])
    if "config_file" in raw:
        raise ConfigError([f"{config_file}: config_file: unknown key"])
    try:
        settings = Settings(config_file=config_file, **raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(config_file, exc)) from None
    base = config_file.parent
    problems = []
    idents: dict[str, int] = {}
    for i, target in enumerate(settings.notify):
        try:
            url = read_secret_file(_resolve(base, target.url_file)) if target.url_file else target.secret_url()
        except ValueError as exc:
            problems.append(f"{config_file}: notify[{i}].url_file: {exc}")
            continue
        ident = target.name or service_of(url)
        if ident in BUILT_IN_TARGETS:
            problems.append(f"{config_file}: notify[{i}].name: {ident!r} is the name of a built-in target; "
                            "choose another")
        elif ident in idents and target.name:
            problems.append(f"{config_file}: notify[{i}].name: {ident!r} is already the name of "
                            f"notify[{idents[ident]}]; each target needs its own name")
        elif ident in idents:
            problems.append(f"{config_file}: notify[{i}].name: required, because notify[{idents[ident]}] is also "
                            f"a {ident}:// target; a name keeps a target's pending alerts when its URL changes")
        idents.setdefault(ident, i)
    templates = settings.alerts.templates
    if templates is not None and not all((_resolve(base, templates) / name).is_file()
                                         for name in ("message.txt.j2", "email.html.j2")):
        problems.append(f"{config_file}: alerts.templates: {_resolve(base, templates)} must hold message.txt.j2 and "
                        "email.html.j2 (or set it to null for plain messages)")
    if problems:
        raise ConfigError(problems)
    database = env.get(DATABASE_ENV) or settings.database
    alerts_file = settings.alerts.file
    return settings.model_copy(
        update={
            "database": resolve_database_url(database, base),
            "watchlist": [_resolve(base, p) for p in settings.watchlist],
            "vocabulary": _resolve(base, settings.vocabulary),
            "rules": _resolve(base, settings.rules),
            "notify": [t.model_copy(update={"url_file": _resolve(base, t.url_file)}) if t.url_file else t
                       for t in settings.notify],
            "history": [_resolve(base, p) for p in settings.history],
            "state_dir": _resolve(base, settings.state_dir),
            "alerts": settings.alerts.model_copy(
                update={"file": _resolve(base, alerts_file) if alerts_file else None,
                        "templates": _resolve(base, settings.alerts.templates) if settings.alerts.templates else None}
            ),
        }
    )


def redacted_database_url(url: str) -> str:
    """Hide a password in a database URL for display."""
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)
