"""The builders, in build order: adding an output is one module with its ``BUILDER`` and one line here.

Importing a builder module is cheap (they import their libraries inside functions), so ``--help`` reads
the names and descriptions from here.
"""

from __future__ import annotations

import importlib
from functools import cache

from . import Builder

MODULES: tuple[str, ...] = (
    "l13_assets.builders.figures",
    "l13_assets.builders.deck",
    "l13_assets.builders.cheatsheet",
    "l13_assets.builders.practice",
    "l13_assets.builders.preview",
)


class DuplicateBuilder(ValueError):
    pass


def collect(modules: tuple[str, ...]) -> dict[str, Builder]:
    """name -> Builder for these modules, in their order; a name declared twice is refused."""
    found: dict[str, Builder] = {}
    for module in modules:
        declared: Builder = importlib.import_module(module).BUILDER
        if declared.name in found:
            raise DuplicateBuilder(f"builder name '{declared.name}' is declared by {module} and by an earlier "
                                   "module, expected each name once")
        found[declared.name] = declared
    return found


@cache
def builders() -> dict[str, Builder]:
    return collect(MODULES)


def names() -> tuple[str, ...]:
    return tuple(builders())
