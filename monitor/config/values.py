"""The values a config file spells as text: durations, sizes, `${NAME}` references, URLs with credentials, and
secrets kept in files. Each parser raises ValueError, which pydantic reports against the key that held it."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator

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
