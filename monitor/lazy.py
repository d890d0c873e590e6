"""Packages whose names are imported when first used (PEP 562): `store`, `config`, `pipeline` and `notify` name what
their modules hold without importing them, so that a command loads only the modules it uses (a round of 304s
neither SQLModel nor the reader). Each such package lists its names twice: under TYPE_CHECKING, for the type
checker and the reader, and in `_NAMES`, for this; a test checks that the two agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, tuple[str, ...]]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, which gives each name of `names` (module -> names) from its module,
    imported when the name is first used and kept in the package for the next use."""
    where = {name: module for module, each in names.items() for name in each}

    def get(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def listing() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return get, listing
