"""Symbolic facts placed in the source: each example's β limits, and the derivation's identities.

The sympy work (``symbolic.symbolic``) does not depend on the source; this module applies its results to
the source's examples with exact fractions, and points each proof at the entry it supports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from .. import rlhf_math as rm
from ..lesson_text import format_value
from ..model import Example, Lesson
from ..yaml_reader import Path
from .facts import Fact
from .numbers import claim
from .symbolic import Symbolic


def limit_facts(example: Example, path: Path, proved: Symbolic) -> Iterator[Fact]:
    pi_sft = [Fraction(str(p)) for p in example.pi_sft]
    reward = [Fraction(str(r)) for r in example.reward]
    top = max(reward)
    # β → 0⁺: with every weight divided by exp(max R/β), a top-reward response keeps π_SFT and the others
    # vanish; each term has a finite limit, so the limit of the ratio is the ratio of the limits.
    terms = [p if r == top else p * proved.below_top for p, r in zip(pi_sft, reward, strict=True)]
    small = [t / sum(terms) for t in terms]
    given = ((*path, "pi_sft"), (*path, "reward"))
    yield exact_claim((*path, "limit_small_beta"), example.limit_small_beta, small, given)
    yield claim("limit", (*path, "limit_small_beta_kl"), example.limit_small_beta_kl,
                lambda ops: rm.kl_divergence([ops.number(x) for x in small], [ops.number(p) for p in pi_sft], ops),
                given)
    # β → ∞: every factor exp(R/β) tends to the same limit, so π* tends to π_SFT renormalised.
    terms = [p * proved.large_beta for p in pi_sft]
    large = [t / sum(terms) for t in terms]
    yield exact_claim((*path, "limit_large_beta"), example.limit_large_beta, large, given)


def exact_claim(path: Path, stated: tuple[Decimal, ...], values: list[Fraction], inputs: tuple[Path, ...]) -> Fact:
    """A limit is an exact rational: 0.3 claims exactly 3/10, not 0.3 after rounding."""
    computed = "(" + ", ".join(str(v) for v in values) + ")"
    for i, (s, v) in enumerate(zip(stated, values, strict=True)):
        if Fraction(str(s)) != v:
            return Fact("limit", (*path, i), format_value(stated), computed, False,
                        f"states {format_value(s)}, the exact limit is {v}", inputs)
    return Fact("limit", path, format_value(stated), computed, True, "", inputs)


def identity_facts(lesson: Lesson, proved: Symbolic) -> Iterator[Fact]:
    """The proofs, placed: a DPO fact points at the source's DPO variant."""
    dpo: Path = next((("variants", i) for i, v in enumerate(lesson.variants) if v.id == "variant-dpo"), ("variants",))
    for fact in proved.proofs:
        yield replace(fact, path=dpo) if fact.path == ("variants",) else fact


def run(lesson: Lesson, proved: Symbolic) -> Iterator[Fact]:
    for i, example in enumerate(lesson.examples):
        yield from limit_facts(example, ("examples", i), proved)
    yield from identity_facts(lesson, proved)

