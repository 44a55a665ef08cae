"""Which ``sources`` lists reach which output: the one place the builders print citations from and the
check reads, so a reference the check counts as shown is one an asset prints.

The cheatsheet prints the sources of every block it shows (each as reference numbers, with a numbered list
at the foot); the deck prints each concept card's sources and, on a diagnostic card, the sources of the
instruments it names; the deck's description lists every reference the deck cites.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Lesson, Reference
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
    out: list[Cited] = [(("flashcards", i, "cards", j, "sources"), card.sources)
                        for i, note in enumerate(lesson.flashcards) for j, card in enumerate(note.cards)]
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


def short_cite(reference: Reference) -> str:
    """'Ouyang et al. 2022', 'Bradley and Terry 1952', 'Touvron et al. 2023': surnames from the authors line."""
    authors = [a.strip() for a in reference.authors.split(",")]
    named = [a for a in authors if a and not a.startswith("et al")]
    surname = named[0].split()[-1]
    if len(named) == len(authors) and len(named) == 2:
        return f"{surname} and {named[1].split()[-1]} {reference.year}"
    if len(named) == 1 and len(authors) == 1:
        return f"{surname} {reference.year}"
    return f"{surname} et al. {reference.year}"


def short_cites(references: Iterable[Reference]) -> dict[str, str]:
    """Each reference's short citation, with a, b, ... after the year where two would read the same
    ('Bai et al. 2022a'), in the order the references are listed."""
    refs = list(references)
    plain = {r.id: short_cite(r) for r in refs}
    out = {}
    for r in refs:
        twins = [t.id for t in refs if plain[t.id] == plain[r.id]]
        out[r.id] = plain[r.id] + ("abcdefghijklmnopqrstuvwxyz"[twins.index(r.id)] if len(twins) > 1 else "")
    return out
