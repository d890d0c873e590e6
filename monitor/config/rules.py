"""The rules file (`config/rules.yaml`) and the history files: escalation rules and past incidents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.config.files import ConfigError, describe_errors, read_yaml
from monitor.config.values import Duration

SideFilter = Literal["iran_aligned", "us_coalition", "any"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trigger(_Model):
    event_type: Literal["attack", "strike", "threat"]
    perpetrator_side: SideFilter = "any"
    striker_side: SideFilter = "any"
    target: Literal["hosts_us", "any"] = "any"
    min_killed: dict[str, int] = {}  # any listed side with this many dead triggers
    min_casualties: dict[str, int] = {}  # any listed side with this many dead or hurt triggers
    # Only when none of the listed sides was killed: a rule for attacks that wounded, beside one for deadly ones
    # (its precedents are then those of its own kind, not the deadly attacks that were answered).
    only_hurt: bool = False
    # Whose dead and hurt weigh as the rule's evidence (the `death` and `injured` factors): by default the sides
    # named in the thresholds above, else US, UK and coalition. A rule with no threshold names them here ("any
    # US strike; the more militia killed, the likelier a reprisal").
    casualties: list[str] = []


class Expects(_Model):
    kind: Literal["strike_likely", "attack_likely"]
    event_type: Literal["attack", "strike"]
    by: str
    against: str


class Tempo(_Model):
    """The recent tempo of attacks on US/coalition sites as evidence: each attack in the last `days` days
    before the trigger adds `per_attack` (in log-odds), up to `cap`. Off while `per_attack` is 0."""

    days: int = Field(default=7, gt=0, le=60)
    per_attack: float = 0.0
    cap: float = 0.0


class Factors(_Model):
    death: float = 0.45
    death_cap: float = 1.35
    injured: float = 0.1
    injured_cap: float = 0.4
    attribution: float = 0.3
    claim: float = 0.2
    threat: float = 0.7
    precedent_weight: float = Field(default=4.0, gt=0)


class FactorWeights(_Model):
    """A rule's own evidence weights (as fitted by `monitor calibrate`), over the shared `factors`: a weight
    left out is the shared one."""

    death: float | None = None
    death_cap: float | None = None
    injured: float | None = None
    injured_cap: float | None = None
    attribution: float | None = None
    claim: float | None = None
    threat: float | None = None


class Rule(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    trigger: Trigger
    expects: Expects
    window: Duration
    prior: float = Field(gt=0, lt=1)
    tempo: Tempo = Tempo()
    factors: FactorWeights = FactorWeights()

    def weights(self, shared: Factors) -> Factors:
        """The evidence weights this rule judges with: its own where it has them, else the shared ones."""
        return shared.model_copy(update=self.factors.model_dump(exclude_none=True))


class RulesFile(_Model):
    threshold: float = Field(default=0.5, gt=0, lt=1)
    update_delta: float = Field(default=0.15, gt=0, lt=1)
    send_resolved: bool = True
    factors: Factors = Factors()
    rules: list[Rule] = []


class FollowedBy(_Model):
    type: Literal["attack", "strike"]
    date: date
    by: str | None = None
    places: list[str] = []


class HistoryIncident(_Model):
    date: date
    type: Literal["attack", "strike"]
    actors: list[str] = []
    places: list[str] = []
    killed: dict[str, int] = {}
    followed_by: FollowedBy | None = None
    note: str = ""


class HistoryFile(_Model):
    incidents: list[HistoryIncident] = []


def load_rules(path: Path) -> RulesFile:
    try:
        rules = RulesFile.model_validate(read_yaml(path) or {})
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from None
    names = [r.name for r in rules.rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError([f"{path}: rules: rule name(s) {duplicates} used twice"])
    return rules


def read_history_files(paths: Sequence[Path]) -> list[tuple[Path, HistoryFile]]:
    """Each history file with its incidents in file order, so that a problem can name the file and the index."""
    files: list[tuple[Path, HistoryFile]] = []
    for path in paths:
        try:
            files.append((path, HistoryFile.model_validate(read_yaml(path) or {})))
        except ValidationError as exc:
            raise ConfigError(describe_errors(path, exc)) from None
    return files


def load_history(paths: Sequence[Path]) -> list[HistoryIncident]:
    return incidents_of(read_history_files(paths))


def incidents_of(files: Sequence[tuple[Path, HistoryFile]]) -> list[HistoryIncident]:
    """The incidents of history files read by `read_history_files`, oldest first."""
    return sorted((incident for _, file in files for incident in file.incidents), key=lambda i: i.date)
