"""Finding and reading config files, and saying what is wrong in them: every problem names the file, and the
key path or line, so that a `ConfigError` can be acted on without opening a traceback."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor.errors import ConfigError as ConfigError  # raised here, re-exported for the config readers

CONFIG_ENV = "MONITOR_CONFIG"
DEFAULT_CONFIG_DIR = "config"
CONFIG_FILE_NAME = "monitor.yaml"


def config_folders(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The folders searched for `monitor.yaml` when neither `--config` nor MONITOR_CONFIG names it, in order:
    `config/` in the current folder (a clone of the repository), the user's config folder (XDG_CONFIG_HOME,
    else ~/.config), then /etc (a service)."""
    env = os.environ if environ is None else environ
    user = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return [Path(DEFAULT_CONFIG_DIR), user / "monitor", Path("/etc/monitor")]


def locate_config(path: str | Path | None, environ: Mapping[str, str] | None = None) -> Path:
    """Find `monitor.yaml` from a file or folder argument, else MONITOR_CONFIG, else the first of
    `config_folders` that holds one; a ConfigError names every place looked at when none does."""
    env = os.environ if environ is None else environ
    if path:
        chosen = Path(path)
        return chosen / CONFIG_FILE_NAME if chosen.is_dir() else chosen
    if env.get(CONFIG_ENV):
        chosen = Path(env[CONFIG_ENV])
        found = chosen / CONFIG_FILE_NAME if chosen.is_dir() else chosen
        if not found.exists():
            raise ConfigError([f"{found}: file not found (named by {CONFIG_ENV})"])
        return found
    searched = [folder / CONFIG_FILE_NAME for folder in config_folders(env)]
    for candidate in searched:
        if candidate.is_file():
            return candidate
    shown = ", ".join(str(c.absolute()) for c in searched)
    raise ConfigError([f"no {CONFIG_FILE_NAME} found; looked for {shown}. Give its file or folder with --config "
                       f"PATH or the {CONFIG_ENV} environment variable"])


# libyaml's safe loader reads the shipped files ten times faster (0.03 vs 0.27 CPU-s) than the pure-Python one,
# a cost every command pays at start; the same documents, the same safety.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Load one YAML file; problems name the file and, for syntax errors, the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # a safe loader: libyaml's when it is there
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
