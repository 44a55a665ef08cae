"""Which ``sources`` lists reach which output: the one place the builders print citations from and the
check reads, so a reference the check counts as shown is one an asset prints.

The cheatsheet prints the sources of every block it shows (each as reference numbers, with a numbered list
at the foot); the deck prints each concept card's sources and, on a diagnostic card, the sources of the
instruments it names; the deck's description lists every reference the deck cites.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Lesson
from .yaml_reader import Path

Cited = tuple[Path, tuple[str, ...]]  # where a sources list is written, and the reference ids it holds


def sheet_sources(lesson: Lesson) -> list[Cited]:
    """The sources lists the cheatsheet prints, in the order it prints them."""
    out: list[Cited] = [(("pipeline", i, "sources"), s.sources) for i, s in enumerate(lesson.pipeline)]
    out += [(("bradley_terry", "sources"), lesson.bradley_terry.sources),
            (("objective", "sources"), lesson.objective.sources),
            (("optimal_policy", "sources"), lesson.optimal_policy.sources),
            (("beta_table", "sources"), lesson.beta_table.sources)]
    out += [(("variants", i, "sources"), v.sources) for i, v in enumerate(lesson.variants)]
    out += [(("instruments", i, "sources"), v.sources) for i, v in enumerate(lesson.instruments)]
    out.append((("run_health", "sources"), lesson.run_health.sources))
    out += [(("pitfalls", i, "sources"), p.sources) for i, p in enumerate(lesson.pitfalls)]
    return [(path, refs) for path, refs in out if refs]


def deck_sources(lesson: Lesson) -> list[Cited]:
    """The sources lists the deck prints: concept cards, then the instruments the diagnostic cards name."""
    out: list[Cited] = [(("flashcards", i, "sources"), c.sources) for i, c in enumerate(lesson.flashcards)]
    named = {i for finding in lesson.findings for i in finding.instruments}
    out += [(("instruments", i, "sources"), v.sources) for i, v in enumerate(lesson.instruments) if v.id in named]
    return [(path, refs) for path, refs in out if refs]


def numbering(cited: Iterable[Cited]) -> dict[str, int]:
    """Reference id to its number, 1, 2, ... in order of first citation."""
    numbers: dict[str, int] = {}
    for _, refs in cited:
        for ref in refs:
            numbers.setdefault(ref, len(numbers) + 1)
    return numbers
