"""The lesson's mathematics, written once.

Every formula here is used three ways: exactly, with sympy, for symbolic proofs and limits; on mpmath's
interval arithmetic, to decide how stated numbers and drill answers round (``verify.rounding``); and
numerically, vectorised with numpy over an array of β values, by the figures. The functions take plain
sequences of per-response terms and an ``Ops`` backend, so the same lines of code serve both: with
``exact()`` a term is a sympy expression, with ``vector()`` a numpy array (one entry per β), with
``verify.rounding.interval_ops()`` an interval that encloses the exact value.

Nothing here imports sympy or numpy at module load; each backend imports its library when first used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any

# A "term" is a sympy expression (exact backend) or a float / numpy array (vector backend).
Term = Any


@dataclass(frozen=True)
class Ops:
    """The few elementary functions the formulas need, from one library."""

    exp: Callable[[Term], Term]
    log: Callable[[Term], Term]
    sqrt: Callable[[Term], Term]
    xlogy: Callable[[Term, Term], Term]  # x·log(y), with 0·log(anything) = 0
    number: Callable[[object], Term]  # a source number (Decimal, int, str) as an exact or float value


@cache
def exact() -> Ops:
    """sympy backend: rationals and exp, no floating point anywhere."""
    import sympy as sp

    def number(value: object) -> Term:
        if isinstance(value, Fraction):
            return sp.Rational(value.numerator, value.denominator)
        return sp.Rational(str(value))

    def xlogy(x: Term, y: Term) -> Term:
        return sp.Integer(0) if x == 0 else x * sp.log(y)

    return Ops(exp=sp.exp, log=sp.log, sqrt=sp.sqrt, xlogy=xlogy, number=number)


@cache
def vector() -> Ops:
    """numpy backend: float64, broadcasting over an array of β."""
    import numpy as np

    def xlogy(x: Term, y: Term) -> Term:
        x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.zeros_like(x)
        np.multiply(x, np.log(y, where=x > 0, out=np.ones_like(y)), out=out, where=x > 0)
        return out

    def number(value: object) -> Term:
        return float(value) if isinstance(value, Fraction) else float(str(value))

    return Ops(exp=np.exp, log=np.log, sqrt=np.sqrt, xlogy=xlogy, number=number)


@dataclass(frozen=True)
class OptimalPolicy:
    """π*(y) = π_SFT(y)·exp(R(y)/β) / Z for one prompt, with everything a learner computes on the way."""

    weights: tuple[Term, ...]  # π_SFT(y)·exp(R(y)/β), unnormalised
    z: Term  # partition function Z = Σ weights
    pi: tuple[Term, ...]  # π*(y)
    kl: Term  # KL(π*‖π_SFT) in nats
    expected_reward: Term  # E_π*[R]
    max_value: Term  # β·log Z, the optimum of E_π[R] − β·KL(π‖π_SFT)


def optimal_policy(pi_sft: Sequence[Term], reward: Sequence[Term], beta: Term, ops: Ops) -> OptimalPolicy:
    """Solve the KL-regularised objective in closed form.

    π* is computed from weights shifted by max R so that small β does not overflow in floating point; the
    shift cancels between numerator and Z, and the exact backend is unaffected by it.
    """
    top = max(reward)
    shifted = [p * ops.exp((r - top) / beta) for p, r in zip(pi_sft, reward, strict=True)]
    shifted_z = sum(shifted[1:], shifted[0])
    pi = tuple(s / shifted_z for s in shifted)
    scale = ops.exp(top / beta)
    weights = tuple(s * scale for s in shifted)
    z = shifted_z * scale
    log_z = top / beta + ops.log(shifted_z)
    return OptimalPolicy(
        weights=weights,
        z=z,
        pi=pi,
        kl=kl_divergence(pi, pi_sft, ops),
        expected_reward=expectation(pi, reward),
        max_value=beta * log_z,
    )


def kl_divergence(p: Sequence[Term], q: Sequence[Term], ops: Ops) -> Term:
    """KL(p‖q) = Σ p·log(p/q) in nats, with 0·log 0 = 0."""
    terms = [ops.xlogy(pi, pi / qi) for pi, qi in zip(p, q, strict=True)]
    return sum(terms[1:], terms[0])


def expectation(p: Sequence[Term], values: Sequence[Term]) -> Term:
    terms = [pi * v for pi, v in zip(p, values, strict=True)]
    return sum(terms[1:], terms[0])


def objective(pi: Sequence[Term], pi_sft: Sequence[Term], reward: Sequence[Term], beta: Term, ops: Ops) -> Term:
    """J(π) = E_π[R] − β·KL(π‖π_SFT), the quantity π* maximises."""
    return expectation(pi, reward) - beta * kl_divergence(pi, pi_sft, ops)


def sigmoid(x: Term, ops: Ops) -> Term:
    return 1 / (1 + ops.exp(-x))


def bradley_terry(r_w: Term, r_l: Term, ops: Ops) -> Term:
    """P(y_w ≻ y_l) = exp(r_w) / (exp(r_w) + exp(r_l)) = σ(r_w − r_l)."""
    return sigmoid(r_w - r_l, ops)


def dpo_implicit_reward(pi: Term, pi_ref: Term, beta: Term, ops: Ops) -> Term:
    """β·log(π/π_ref): the reward DPO's policy implies, up to the prompt's β·log Z(x)."""
    return beta * ops.log(pi / pi_ref)


def win_rate_interval(rate: Term, n: Term, z_crit: Term, ops: Ops) -> tuple[Term, Term]:
    """Normal-approximation confidence interval of a win rate measured on n comparisons."""
    half = z_crit * ops.sqrt(rate * (1 - rate) / n)
    return rate - half, rate + half


def change_half_width(n: Term, z_crit: Term, ops: Ops) -> Term:
    """The widest half-width of the interval of a change between two win rates, each measured on n comparisons:
    z·√(p₁(1 − p₁)/n + p₂(1 − p₂)/n) is largest with both rates at 1/2, where it is z·√(1/(2n))."""
    return z_crit * ops.sqrt(1 / (2 * n))


def best_of_n_kl(n: Term, ops: Ops) -> Term:
    """log n − (n − 1)/n: an upper bound on best-of-n's KL from its base policy, reached only when no single
    response carries much probability (Beirami et al. 2024, Theorem 3.1)."""
    return ops.log(n) - (n - 1) / n


def ranked_pairs(reward: Sequence[Term]) -> list[tuple[Term, Term]]:
    """The C(K,2) (preferred, rejected) reward pairs of K responses listed best first, as InstructGPT's RM
    loss averages them."""
    return [(reward[i], reward[j]) for i in range(len(reward)) for j in range(i + 1, len(reward))]


@dataclass(frozen=True)
class ProxyAndGold:
    """The optimum of a proxy reward, judged by the gold one: Gao et al. 2023's setting in one prompt."""

    kl: Term  # KL(π*‖π_SFT) in nats, π* the optimum for the proxy at β
    proxy: Term  # E_π*[proxy], what the optimisation sees rise
    gold: Term  # E_π*[gold], what the learner wanted


def proxy_and_gold(pi_sft: Sequence[Term], proxy: Sequence[Term], gold: Sequence[Term], beta: Term,
                   ops: Ops) -> ProxyAndGold:
    solved = optimal_policy(pi_sft, proxy, beta, ops)
    return ProxyAndGold(kl=solved.kl, proxy=solved.expected_reward, gold=expectation(solved.pi, gold))
