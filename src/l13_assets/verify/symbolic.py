"""What sympy proves independently of the source: the derivation's identities and two limit lemmas.

The identities are proved for a general three-response problem with symbolic π_SFT, R and β, using the same
``rlhf_math`` functions the assets use. They avoid ``sympy.simplify`` (slow): log Z is replaced by a symbol
after expanding logs, and what is left is a rational function that ``cancel`` decides.

This module imports neither the schema nor pydantic, so ``check`` can fork it onto the second core before
the source is loaded (see ``background``); its result is plain data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from .. import rlhf_math as rm
from ..yaml_reader import Path
from .facts import Fact


@dataclass(frozen=True)
class Symbolic:
    """What sympy establishes independently of the source: the identities, and two limits.

    ``below_top`` is lim_{β→0⁺} exp(−k/β) for a symbolic k > 0: the weight of a response k below the top
    reward, once every weight is divided by exp(max R/β). ``large_beta`` is lim_{β→∞} exp(r/β) for a
    symbolic real r. Both are taken once, for every response of every example at the same time.
    """

    proofs: tuple[Fact, ...]
    below_top: int
    large_beta: int


@cache
def symbolic() -> Symbolic:
    import sympy as sp

    beta = sp.Symbol("beta", positive=True)
    gap = sp.Symbol("k", positive=True)
    reward = sp.Symbol("r", real=True)
    below_top = sp.limit(sp.exp(-gap / beta), beta, 0, "+")
    large_beta = sp.limit(sp.exp(reward / beta), beta, sp.oo)
    if not (below_top.is_Integer and large_beta.is_Integer):  # the facts below rely on exact values
        raise ArithmeticError(f"unexpected limits {below_top}, {large_beta}")
    return Symbolic(tuple(_prove()), int(below_top), int(large_beta))


def _identity(path: Path, claim: str, residual: Any) -> Fact:
    ok = residual == 0
    return Fact("identity", path, claim, "0" if ok else f"residual {residual}", ok,
                "" if ok else f"the identity does not hold: {claim} leaves {residual}")


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
    # For every π on the simplex, J(π) = β·log Z − β·KL(π‖π*). KL ≥ 0 with equality only at π*, so this
    # one identity proves that π* is the unique maximiser and that the maximum is β·log Z.
    q = list(sp.symbols("q1:3", positive=True))
    q.append(1 - q[0] - q[1])
    yield _identity(("optimal_policy", "max_value"),
                    "J(π) = β·log Z − β·KL(π‖π*) for every π, so max J = J(π*) = β·log Z",
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
