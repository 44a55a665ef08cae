"""The generators: each turns the verified lesson into bytes and never writes a file itself.

A builder module defines ``build(context) -> list[Output]``. The registry maps a builder's name to its module,
imported only when that builder runs, so ``l13-assets --help`` and ``check`` never pay for matplotlib,
reportlab or genanki. Adding an output is one module, one line here and its tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..loader import Source

# name -> module, in build order (the deck and the cheatsheet call the figures' render function directly,
# never read its files, so the order only fixes the order of progress lines).
REGISTRY: dict[str, str] = {
    "figures": "l13_assets.builders.figures",
    "deck": "l13_assets.builders.deck",
    "cheatsheet": "l13_assets.builders.cheatsheet",
    "preview": "l13_assets.builders.preview",
}


@dataclass(frozen=True)
class Output:
    """One file to write: ``path`` is relative to the output folder, with '/' separators.

    ``beside_source`` marks the one kind of file a build keeps next to the source instead (the deck's note
    history, which must outlive the output folder, like a lock file)."""

    path: str
    data: bytes
    beside_source: bool = False


@dataclass(frozen=True)
class Context:
    source: Source
    source_path: Path  # the source file; the deck keeps its note history beside it
    papers: tuple[str, ...] = ("a4", "letter")
    new_history: bool = False  # build --new-history: the deck may start a note history where there is none


BuildFunction = Callable[[Context], list[Output]]


def builder(name: str) -> BuildFunction:
    module = importlib.import_module(REGISTRY[name])
    function: BuildFunction = module.build
    return function
