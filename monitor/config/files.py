"""Finding and reading config files, and saying what is wrong in them: every problem names the file, and the
key path or line, so that a `ConfigError` can be acted on without opening a traceback."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor.errors import ConfigError as ConfigError  # raised here, re-exported for the config readers

CONFIG_ENV = "MONITOR_CONFIG"
DEFAULT_CONFIG_DIR = "config"
CONFIG_FILE_NAME = "monitor.yaml"


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
