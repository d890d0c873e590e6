"""The learned type model's file (`config/type_model.json`, written by `monitor train`): its weights, checked.

The file holds tens of thousands of weights: they are checked by hand, not by pydantic (which would take a second
and tens of megabytes to build objects for them), and kept as one array of floats per class with an index by feature,
a few megabytes for the daemon's whole life.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.config.files import ConfigError, describe_errors

MODEL_FORMAT = 1


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    format: int
    name: str
    classes: list[str] = Field(min_length=2)
    bias: list[float]
    margin: float = Field(ge=0, le=1)
    trained_on: list[dict[str, Any]] = []
    cross_validated: dict[str, Any] = {}
    weights: dict[str, Any]


@dataclass(frozen=True, eq=False)
class TypeModel:
    """A linear model: per feature one weight per class, plus a bias per class."""

    name: str  # the file's name and the training data's fingerprint: what `monitor match` shows
    classes: tuple[str, ...]
    bias: tuple[float, ...]
    margin: float  # how much surer of another type than of the rules' one the model must be to overrule them
    index: dict[str, int]  # feature -> its row in each of `columns`
    columns: tuple[array[float], ...]  # per class, the weight of each feature by its row
    trained_on: list[dict[str, Any]] = field(default_factory=list)  # the labelled files and their digests
    cross_validated: dict[str, Any] = field(default_factory=dict)  # leave-incident-out figures of the training

    @classmethod
    def build(cls, name: str, classes: tuple[str, ...], bias: tuple[float, ...], margin: float,
              weights: dict[str, tuple[float, ...]], **extra: Any) -> TypeModel:
        index: dict[str, int] = {}
        columns = tuple(array("d") for _ in classes)
        for row, feature in enumerate(sorted(weights)):
            index[feature] = row
            for column, weight in zip(columns, weights[feature], strict=True):
                column.append(weight)
        return cls(name, classes, bias, margin, index, columns, **extra)

    def weights(self, feature: str) -> tuple[float, ...] | None:
        row = self.index.get(feature)
        return None if row is None else tuple(column[row] for column in self.columns)

    def with_margin(self, margin: float) -> TypeModel:
        return TypeModel(self.name, self.classes, self.bias, margin, self.index, self.columns, self.trained_on,
                         self.cross_validated)

    def as_dict(self) -> dict[str, Any]:
        """The file's content (weights by feature, sorted)."""
        return {"format": MODEL_FORMAT, "name": self.name, "classes": list(self.classes), "bias": list(self.bias),
                "margin": self.margin, "trained_on": self.trained_on, "cross_validated": self.cross_validated,
                "weights": {f: list(self.weights(f) or ()) for f in sorted(self.index)}}


def load_type_model(path: Path) -> TypeModel:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found (type_model in monitor.yaml; `monitor train` writes it)"]) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read the type model: {exc}"]) from None
    try:
        header = _Header.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from None
    width = len(header.classes)
    problems = []
    if header.format != MODEL_FORMAT:
        problems.append(f"{path}: format: {header.format} is not {MODEL_FORMAT}; retrain it with `monitor train`")
    if len(header.bias) != width:
        problems.append(f"{path}: bias: {len(header.bias)} values for {width} classes")
    rows = header.weights
    # Checked and copied with C loops (map, array), not feature by feature: the shipped file has ~90,000 numbers
    # and this runs at every start, a round of 304s included.
    flat = list(chain.from_iterable(v for v in rows.values() if isinstance(v, list)))
    if not (set(map(type, rows.values())) <= {list} and set(map(len, rows.values())) <= {width}
            and set(map(type, flat)) <= {float, int} and all(map(math.isfinite, flat))):
        bad = next(f for f, v in rows.items() if not _finite_row(v, width))
        problems.append(f"{path}: weights.{bad}: must be {width} finite numbers, one per class")
    if problems:
        raise ConfigError(problems)
    weights = array("d", flat)
    columns = tuple(weights[c::width] for c in range(width))
    model = TypeModel(header.name, tuple(header.classes), tuple(header.bias), header.margin, {}, columns,
                      header.trained_on, header.cross_validated)
    # The feature names are made anew once the document is freed. Those `json.loads` made lie among the lists and
    # floats of its rows (10 MB for the shipped file, ~30,000 features), and kept the memory those had used from
    # going back to the system or to anything but small objects: a 15 MB step in the RSS for 5 MB kept; 8.6 MB now.
    names = "\0".join(rows)
    del raw, header, rows, flat, weights
    model.index.update((feature, row) for row, feature in enumerate(names.split("\0")))
    return model


def _finite_row(values: Any, width: int) -> bool:
    return isinstance(values, list) and len(values) == width and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values)
