"""Loading `monitor.yaml`: read it once, validate it, check what needs the files around it, and hand out a
frozen `Settings` whose paths are absolute.

MONITOR_DATABASE, when set, replaces the file's `database` key. Every problem is a `ConfigError` naming the file,
the key path and what is wrong; the CLI turns it into a message and a non-zero exit.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import ValidationError

from monitor.config.files import ConfigError, describe_errors, locate_config, read_yaml
from monitor.config.settings import BUILT_IN_TARGETS, MIN_TOKEN_LENGTH, Settings
from monitor.config.values import read_secret_file, service_of

DATABASE_ENV = "MONITOR_DATABASE"


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
    config_file = locate_config(path, env).resolve()
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
    http = settings.http
    if http is not None and http.token_file is not None:
        try:
            if len(read_secret_file(_resolve(base, http.token_file))) < MIN_TOKEN_LENGTH:
                problems.append(f"{config_file}: http.token_file: the token must be at least {MIN_TOKEN_LENGTH} "
                                "characters (e.g. openssl rand -hex 16)")
        except ValueError as exc:
            problems.append(f"{config_file}: http.token_file: {exc}")
    if problems:
        raise ConfigError(problems)
    database = env.get(DATABASE_ENV) or settings.database
    alerts_file = settings.alerts.file
    return settings.model_copy(
        update={
            "database": resolve_database_url(database, base),
            "watchlist": [_resolve(base, p) for p in settings.watchlist],
            "vocabulary": [_resolve(base, p) for p in settings.vocabulary],
            "rules": _resolve(base, settings.rules),
            "type_model": _resolve(base, settings.type_model) if settings.type_model else None,
            "notify": [t.model_copy(update={"url_file": _resolve(base, t.url_file)}) if t.url_file else t
                       for t in settings.notify],
            "history": [_resolve(base, p) for p in settings.history],
            "state_dir": _resolve(base, settings.state_dir),
            "http": http.model_copy(update={"token_file": _resolve(base, http.token_file)})
            if http is not None and http.token_file is not None else http,
            "alerts": settings.alerts.model_copy(
                update={"file": _resolve(base, alerts_file) if alerts_file else None,
                        "templates": _resolve(base, settings.alerts.templates) if settings.alerts.templates else None}
            ),
        }
    )


def redacted_database_url(url: str) -> str:
    """Hide a password in a database URL for display."""
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)
