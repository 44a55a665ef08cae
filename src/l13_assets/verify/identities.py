"""Symbolic facts: the β limits of each example, and the identities the lesson's derivations rest on.

The identities are proved for a general three-response problem with symbolic π_SFT, R and β, using the same
``rlhf_math`` functions the assets use. They avoid ``sympy.simplify`` (slow): log Z is replaced by a symbol
after expanding logs, and what is left is a rational function that ``cancel`` decides.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from functools import cache
from typing import Any

from .. import rlhf_math as rm
from ..lesson_text import format_value
from ..model import Example, Lesson
from ..yaml_reader import Path
from .facts import Fact
from .numbers import claim


@cache
def _weight_limits() -> tuple[Any, Any]:
    """Two symbolic limits, taken once for every response of every example at the same time:

    lim_{β→0⁺} exp(−k/β) for a symbolic k > 0 (the weight of a response k below the top reward, after
    dividing by exp(max R/β)), and lim_{β→∞} exp(r/β) for a symbolic real r.
    """
    import sympy as sp

    beta = sp.Symbol("beta", positive=True)
    gap = sp.Symbol("k", positive=True)
    reward = sp.Symbol("r", real=True)
    return sp.limit(sp.exp(-gap / beta), beta, 0, "+"), sp.limit(sp.exp(reward / beta), beta, sp.oo)


def limit_facts(example: Example, path: Path) -> Iterator[Fact]:
    ops = rm.exact()
    pi_sft = [ops.number(p) for p in example.pi_sft]
    reward = [ops.number(r) for r in example.reward]
    top = max(reward)
    below_top, large_beta = _weight_limits()
    # β → 0⁺: with every weight divided by exp(max R/β), a top-reward response keeps π_SFT and the others
    # vanish; each term has a finite limit, so the limit of the ratio is the ratio of the limits.
    terms = [p if r == top else p * below_top for p, r in zip(pi_sft, reward, strict=True)]
    small = [t / sum(terms) for t in terms]
    given = ((*path, "pi_sft"), (*path, "reward"))
    yield exact_claim((*path, "limit_small_beta"), example.limit_small_beta, small, given)
    yield claim("limit", (*path, "limit_small_beta_kl"), example.limit_small_beta_kl,
                lambda _: rm.kl_divergence(small, pi_sft, ops), given)
    # β → ∞: every factor exp(R/β) tends to the same limit, so π* tends to π_SFT renormalised.
    terms = [p * large_beta for p in pi_sft]
    large = [t / sum(terms) for t in terms]
    yield exact_claim((*path, "limit_large_beta"), example.limit_large_beta, large, given)


def exact_claim(path: Path, stated: tuple[Decimal, ...], values: list[Any], inputs: tuple[Path, ...]) -> Fact:
    """A limit is an exact rational: 0.3 claims exactly 3/10, not 0.3 after rounding."""
    import sympy as sp

    computed = "(" + ", ".join(str(v) for v in values) + ")"
    for i, (s, v) in enumerate(zip(stated, values, strict=True)):
        if sp.Rational(str(s)) != v:
            return Fact("limit", (*path, i), format_value(stated), computed, False,
                        f"states {format_value(s)}, the exact limit is {v}", inputs)
    return Fact("limit", path, format_value(stated), computed, True, "", inputs)


def _identity(path: Path, claim: str, residual: Any) -> Fact:
    ok = residual == 0
    return Fact("identity", path, claim, "0" if ok else f"residual {residual}", ok,
                "" if ok else f"the identity does not hold: {claim} leaves {residual}")


def identity_facts(lesson: Lesson) -> Iterator[Fact]:
    dpo: Path = next((("variants", i) for i, v in enumerate(lesson.variants) if v.id == "variant-dpo"), ("variants",))
    for fact in _proofs():
        yield replace(fact, path=dpo) if fact.path == ("variants",) else fact


@cache
def _proofs() -> tuple[Fact, ...]:
    """The identities do not depend on the source, so a process proves them once (tests verify many
    sources); a DPO fact's path is filled in by the caller."""
    return tuple(_prove())


def _prove() -> Iterator[Fact]:
    import sympy as sp

    ops = rm.exact()
    beta = sp.Symbol("beta", positive=True)
    p = list(sp.symbols("p1:4", positive=True))
    r = list(sp.symbols("r1:4", real=True))
    log_z = sp.Symbol("logZ")
    weights = [pi * sp.exp(ri / beta) for pi, ri in zip(p, r, strict=True)]
    z = sum(weights)
    pi_star = [w / z for w in weights]

    def reduce(expr: Any) -> Any:
        return sp.cancel(sp.expand(sp.expand_log(expr, force=True).subs(sp.log(z), log_z)))

    where: Path = ("optimal_policy", "formula")
    # Stationary point: the gradient of E[R] − β·KL is the same in every coordinate at π*, so it is
    # orthogonal to the simplex (a Lagrange multiplier exists).
    gradient = [ri - beta * (sp.log(s / pi) + 1) for ri, s, pi in zip(r, pi_star, p, strict=True)]
    spread = sum(abs(reduce(gradient[0] - g)) for g in gradient[1:])
    yield _identity(where, "∂/∂π(y) [E_π[R] − β·KL(π‖π_SFT)] is equal for every y at π*", spread)
    yield _identity(("optimal_policy", "max_value"), "J(π*) = β·log Z",
                    reduce(rm.objective(pi_star, p, r, beta, ops) - beta * sp.log(z)))
    q = list(sp.symbols("q1:3", positive=True))
    q.append(1 - q[0] - q[1])
    yield _identity(("optimal_policy", "derivation"), "J(π) = β·log Z − β·KL(π‖π*) for every π",
                    reduce(rm.objective(q, p, r, beta, ops) - beta * sp.log(z)
                           + beta * rm.kl_divergence(q, pi_star, ops)))
    # Bradley-Terry: the share of strengths is σ of the reward difference, and a shift changes nothing.
    a, b, c = sp.symbols("a b c", real=True)
    u, v = sp.symbols("u v", positive=True)
    share = sp.exp(a) / (sp.exp(a) + sp.exp(b))
    yield _identity(("bradley_terry", "formula"), "exp r_w / (exp r_w + exp r_l) = σ(r_w − r_l)",
                    sp.cancel(sp.powsimp(rm.bradley_terry(a, b, ops) - share).subs({sp.exp(a): u, sp.exp(b): v})))
    yield _identity(("bradley_terry", "text"), "σ((r_w + c) − (r_l + c)) = σ(r_w − r_l)",
                    sp.expand(rm.bradley_terry(a + c, b + c, ops) - rm.bradley_terry(a, b, ops)))
    # DPO: invert π* for the reward; Z cancels in the Bradley-Terry difference.
    z_sym = sp.Symbol("Z", positive=True)
    ref = sp.symbols("ref_w ref_l", positive=True)
    policy = sp.symbols("pi_w pi_l", positive=True)
    implied = [rm.dpo_implicit_reward(pi, pr, beta, ops) + beta * sp.log(z_sym)
               for pi, pr in zip(policy, ref, strict=True)]
    difference = sp.expand(implied[0] - implied[1])
    dpo: Path = ("variants",)
    yield _identity(dpo, "r_w − r_l under r = β·log(π/π_ref) + β·log Z does not involve Z",
                    sp.diff(difference, z_sym))
    recovered = rm.dpo_implicit_reward(pi_star[0], p[0], beta, ops) + beta * sp.log(z)
    yield _identity(dpo, "β·log(π*/π_SFT) + β·log Z = R", reduce(recovered - r[0]))


def run(lesson: Lesson) -> Iterator[Fact]:
    for i, example in enumerate(lesson.examples):
        yield from limit_facts(example, ("examples", i))
    yield from identity_facts(lesson)

