"""Every reference is cited where a learner sees it, and every ``sources`` list is printed somewhere.

A reference no shown entry cites is a paper the lesson claims to rest on but never points to; a sources list
no output prints is evidence a learner never sees. Both fail at their line. What each output prints is
declared once, in ``citations``, which the builders print from.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..citations import deck_sources, sheet_sources
from ..model import Lesson, walk
from ..yaml_reader import Path
from .facts import Fact


def _written_sources(lesson: Lesson) -> Iterator[Path]:
    """Every non-empty ``sources`` field in the source, wherever the schema allows one."""
    for path, model in walk(lesson):
        if "sources" in type(model).model_fields and model.sources:  # type: ignore[attr-defined]
            yield (*path, "sources")


def run(lesson: Lesson) -> Iterator[Fact]:
    shown = sheet_sources(lesson) + deck_sources(lesson)
    printed = {path for path, _ in shown}
    cited = {ref for _, refs in shown for ref in refs}
    ok = True
    for path in _written_sources(lesson):
        if path not in printed:
            ok = False
            yield Fact("reference", path, "sources", "printed by no output", False,
                       "these sources reach no output (no card or sheet block prints them), expected sources only "
                       "on entries the deck or the cheatsheet shows")
    for i, reference in enumerate(lesson.references):
        if reference.id not in cited:
            ok = False
            yield Fact("reference", ("references", i, "id"), reference.id, "cited nowhere shown", False,
                       f"'{reference.id}' is cited by no entry that reaches an output, expected it in the sources "
                       "of a card or a cheatsheet block that rests on it (or the reference removed)")
    if ok:
        yield Fact("reference", ("references",), f"{len(lesson.references)} references",
                   f"each cited by a shown entry; {len(printed)} sources lists printed", True)
