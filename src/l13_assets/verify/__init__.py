"""Verification: every fact of the lesson checked by machine before anything is written.

``run`` executes every check (it never stops at the first failure) and returns a ``Report``; the pipeline
refuses to build when the report has failures. Each check module yields ``Fact``s with the source path
of the claim, which the report turns into ``file:line:col`` problems.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import Problem
from ..loader import Source
from ..yaml_reader import dotted
from .facts import Fact


@dataclass(frozen=True)
class Report:
    facts: tuple[Fact, ...]
    source: Source

    @property
    def failures(self) -> list[Fact]:
        return [f for f in self.facts if not f.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    def problems(self) -> list[Problem]:
        return [self.source.located.problem(f.path, f"[{f.kind}] {f.detail}{self._inputs(f)}") for f in self.failures]

    def _inputs(self, fact: Fact) -> str:
        if not fact.inputs:
            return ""
        located = self.source.located
        named = ", ".join(f"{dotted(p)} (line {located.position(p)[0]})" for p in fact.inputs)
        return f"; computed from {named}"


def _facts(source: Source) -> Iterator[Fact]:
    from . import identities, numbers, rules, style

    lesson = source.lesson
    yield from numbers.number_facts(lesson)
    yield from identities.run(lesson)
    yield from rules.run(lesson)
    yield from style.run(lesson)
    # The drill checks arrive with the deck; until then there is nothing to check there.
    if importlib.util.find_spec("l13_assets.verify.drills") is not None:
        drills = importlib.import_module("l13_assets.verify.drills")
        yield from drills.check_drills(lesson)


def run(source: Source) -> Report:
    return Report(tuple(_facts(source)), source)
