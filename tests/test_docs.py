"""The README documents every CLI command and every config key, and gives exactly two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from monitor.cli import build_parser
from monitor.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if name == "config_file":
            continue
        keys.append(prefix + name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _keys(annotation, prefix + name + ".")
    return keys


def test_readme_names_every_command():
    missing = [c for c in _commands() if f"monitor {c}" not in README]
    assert not missing, f"README does not document: {missing}"


def test_readme_names_every_config_key():
    missing = [k for k in _keys(Settings) if f"`{k}`" not in README]
    assert not missing, f"README does not document config keys: {missing}"


def test_readme_names_feed_and_notify_keys():
    for key in ("feeds[].url", "feeds[].name", "feeds[].interval", "notify[].url", "notify[].name"):
        assert f"`{key}`" in README, key


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", setup, re.S)
    assert len(blocks) == 2, blocks
    test_command = blocks[1].strip()
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
