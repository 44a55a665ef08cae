"""Verification: every fact of the lesson checked by machine before anything is written.

``run`` executes every check (it never stops at the first failure) and returns a ``Report``; the pipeline
refuses to build when the report has failures. Each check module yields ``Fact``s with the source path
of the claim, which the report turns into ``file:line:col`` problems.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: ``check`` forks before it imports anything it can leave to later
    from ..drills import Drill
    from ..errors import Problem
    from ..loader import Source
    from .facts import Fact
    from .symbolic import Symbolic


@dataclass(frozen=True)
class Report:
    facts: tuple[Fact, ...]
    source: Source
    drills: tuple[Drill, ...] = ()  # the drills these facts checked: the deck is built from these objects

    @property
    def failures(self) -> list[Fact]:
        return [f for f in self.facts if not f.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    def problems(self) -> list[Problem]:
        return [self._problem(each) for f in self.failures for each in (f, *f.also)]

    def _problem(self, fact: Fact) -> Problem:
        from ..errors import Problem
        from ..yaml_reader import dotted

        located = self.source.located
        message = f"[{fact.kind}] {fact.detail}{self._inputs(fact)}"
        if fact.at is None:
            return located.problem(fact.path, message)
        return Problem(located.file, *located.inside(fact.path, *fact.at), dotted(fact.path), message)

    def _inputs(self, fact: Fact) -> str:
        from ..yaml_reader import dotted

        if not fact.inputs:
            return ""
        located = self.source.located
        named = ", ".join(f"{dotted(p)} (line {located.position(p)[0]})" for p in fact.inputs)
        return f"; computed from {named}"


# The symbolic proofs do not depend on the source: a process that checks more than once (``watch``) proves
# them once and keeps the result here.
_proved: list[Symbolic] = []


def start_symbolic() -> Callable[[], Symbolic]:
    """Begin the source-independent sympy work (its import and the proofs: most of check's time) on the
    other core; call this before loading the source and pass the result to ``run``."""
    from ..background import in_background

    if _proved:
        return lambda: _proved[0]
    pending = in_background(_symbolic, worthwhile="sympy" not in sys.modules)

    def result() -> Symbolic:
        if not _proved:
            _proved.append(pending())
        return _proved[0]

    return result


def _symbolic() -> Symbolic:
    from .symbolic import symbolic  # in the child: its imports overlap the parent's loading

    return symbolic()


def _facts(source: Source, symbolic: Callable[[], Symbolic], generated: tuple[Drill, ...]) -> Iterator[Fact]:
    from . import beta_bands, cards, citations, drills, identities, numbers, rules, style, symbols

    lesson = source.lesson
    yield from numbers.number_facts(lesson)
    yield from beta_bands.run(lesson)
    yield from rules.run(lesson)
    yield from citations.run(lesson)
    yield from style.run(lesson)
    yield from symbols.run(lesson)
    yield from cards.run(lesson)
    yield from drills.check_drills(lesson, list(generated) or None)
    yield from identities.run(lesson, symbolic())


def run(source: Source, symbolic: Callable[[], Symbolic] | None = None) -> Report:
    """Every check on ``source``; a failing check is a failed Fact, never an exception."""
    from .drills import generated

    made = generated(source.lesson)
    return Report(tuple(_facts(source, symbolic or start_symbolic(), made)), source, made)
