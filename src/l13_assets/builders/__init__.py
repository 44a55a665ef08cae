"""The generators: each turns the verified lesson into bytes and never writes a file itself.

A builder is one module that declares one ``BUILDER = Builder(...)``: its name, a one-line description,
the parts of the lesson and the options it reads, its typical cost, and ``build(context) -> Built``. The
registry (``registry.py``) lists the modules; the CLI's choices and help, the fingerprints that decide what
is stale and the choice of which builder runs on the second core all come from these declarations. A
builder module imports no generator library at its top level (matplotlib, reportlab, genanki, sympy are
imported inside functions), so ``--help`` and ``check`` can read the registry for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .options import Options

if TYPE_CHECKING:
    from ..drills import Drill
    from ..loader import Source
    from .figure_render import Renders


@dataclass(frozen=True)
class Output:
    """One file to write: ``path`` is relative to the output folder, with '/' separators."""

    path: str
    data: bytes


@dataclass(frozen=True)
class Built:
    """What a builder returns: its files, and (the deck only) the note history it computed, as a value the
    pipeline writes beside the source. ``None`` means the history is unchanged."""

    files: list[Output]
    history: bytes | None = None


@dataclass(frozen=True)
class Context:
    """What a build read once, for every builder: nothing here is read again from disk or the environment."""

    source: Source  # the verified lesson
    source_path: Path  # for messages and for naming the note history beside it
    drills: tuple[Drill, ...]  # the exact drill objects the check verified
    options: Options = field(default_factory=Options)
    history: bytes | None = None  # the note history's bytes beside the source, None when there is none
    epoch: int | None = None  # SOURCE_DATE_EPOCH, parsed once; None when unset (or set empty)
    renders: Renders | None = None  # figure renders shared by the builders of this build

    @classmethod
    def of(cls, source: Source, source_path: Path, **options: object) -> Context:
        """A context read the way a build reads it (for tests, benchmarks and scripts): the note history
        beside ``source_path``, SOURCE_DATE_EPOCH, the drills, and ``options`` over the defaults."""
        from ..drills import generate
        from ..resources import notes_history_path, source_date_epoch
        from .figure_render import Renders

        history_path = notes_history_path(source_path)
        return cls(source=source, source_path=source_path, drills=tuple(generate(source.lesson)),
                   options=Options(**options),  # type: ignore[arg-type]
                   history=history_path.read_bytes() if history_path.exists() else None,
                   epoch=source_date_epoch(), renders=Renders())


@dataclass(frozen=True)
class Builder:
    name: str
    description: str  # one line, shown in `build --help`
    reads: tuple[str, ...]  # top-level sections of the source its bytes depend on (the fingerprint covers them)
    options: tuple[str, ...]  # the Options fields (and "epoch") its bytes depend on
    cost: float  # typical seconds on a 2-core machine: the costliest stale builder runs on the other core
    build: Callable[[Context], Built]
