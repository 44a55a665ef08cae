"""Every number the source states, recomputed exactly and compared at the precision it is stated at."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from .. import rlhf_math as rm
from ..lesson_text import format_value
from ..model import Example, Lesson, WinRateInterval
from ..yaml_reader import Path
from .facts import Fact


def _unit(like: Decimal) -> Decimal:
    """One unit in the last stated digit: 0.0001 for 0.9172."""
    exponent = like.as_tuple().exponent
    assert isinstance(exponent, int), "stated numbers are finite"
    return Decimal(1).scaleb(exponent)


def _round(value: Decimal, like: Decimal) -> Decimal:
    return value.quantize(_unit(like), rounding=ROUND_HALF_EVEN)


def _decimal(value: Any) -> Decimal:
    import sympy as sp

    if isinstance(value, sp.Basic):
        return Decimal(str(sp.N(value, 60)))
    return Decimal(str(value))


def _near_boundary(value: Decimal, like: Decimal) -> bool:
    """True when ``value`` (known to ~10^-45) might round either way at the stated precision."""
    half = _unit(like) / 2
    boundary = _round(value, like) + (half if value > _round(value, like) else -half)
    return abs(value - boundary) < Decimal("1e-40")


def claim(kind: str, path: Path, stated: Decimal | Sequence[Decimal],
          compute: Callable[[rm.Ops], Any], inputs: tuple[Path, ...] = ()) -> Fact:
    """Check a stated scalar or vector against ``compute``, the formula evaluated by an ``Ops`` backend.

    The formula runs at 50 digits (mpmath); if a value is too close to a rounding boundary to decide, it
    runs again with sympy, exactly. A failing vector points at its first wrong entry.
    """
    values = compute(rm.precise())
    scalars = (stated,) if isinstance(stated, Decimal) else tuple(stated)
    got = [values] if isinstance(stated, Decimal) else list(values)
    if len(got) != len(scalars):
        return Fact(kind, path, format_value(stated), f"{len(got)} values", False,
                    f"states {len(scalars)} values, expected {len(got)}", inputs)
    decimals = [_decimal(v) for v in got]
    if any(_near_boundary(d, s) for d, s in zip(decimals, scalars, strict=True)):
        exact = compute(rm.exact())
        decimals = [_decimal(v) for v in ([exact] if isinstance(stated, Decimal) else exact)]
    computed = ", ".join(_short(d) for d in decimals)
    computed = computed if isinstance(stated, Decimal) else f"({computed})"
    for i, (d, s) in enumerate(zip(decimals, scalars, strict=True)):
        if _round(d, s) != s:
            where = path if isinstance(stated, Decimal) else (*path, i)
            return Fact(kind, where, format_value(stated), computed, False,
                        f"states {format_value(s)}, computed {_short(d)}, which is {format_value(_round(d, s))} "
                        "at the stated precision", inputs)
    return Fact(kind, path, format_value(stated), computed, True, "", inputs)


def _short(value: Decimal) -> str:
    return format_value(Decimal(f"{value:.8g}"))


def _inputs(ops: rm.Ops, *vectors: Sequence[Decimal]) -> list[list[Any]]:
    return [[ops.number(v) for v in vector] for vector in vectors]


def example_facts(example: Example, path: Path) -> Iterator[Fact]:
    given = ((*path, "pi_sft"), (*path, "reward"), (*path, "beta"))
    def solve(ops: rm.Ops) -> rm.OptimalPolicy:
        pi_sft, reward = _inputs(ops, example.pi_sft, example.reward)
        return rm.optimal_policy(pi_sft, reward, ops.number(example.beta), ops)

    def sft_reward(ops: rm.Ops) -> Any:
        return rm.expectation(*_inputs(ops, example.pi_sft, example.reward))

    def reverse_kl(ops: rm.Ops) -> Any:
        pi_sft = _inputs(ops, example.pi_sft)[0]
        return rm.kl_divergence(pi_sft, solve(ops).pi, ops)

    def reward_minus_kl(ops: rm.Ops) -> Any:
        solved = solve(ops)
        return solved.expected_reward - ops.number(example.beta) * solved.kl

    yield claim("number", (*path, "weights"), example.weights, _field(solve, "weights"), given)
    yield claim("number", (*path, "z"), example.z, _field(solve, "z"), given)
    yield claim("number", (*path, "pi_star"), example.pi_star, _field(solve, "pi"), given)
    yield claim("number", (*path, "kl"), example.kl, _field(solve, "kl"), given)
    yield claim("number", (*path, "expected_reward"), example.expected_reward, _field(solve, "expected_reward"), given)
    yield claim("number", (*path, "sft_expected_reward"), example.sft_expected_reward, sft_reward, given[:2])
    yield claim("number", (*path, "max_value"), example.max_value, _field(solve, "max_value"), given)
    # The optimum's value is also E[R] − β·KL at π*: two routes to one stated number.
    yield claim("identity", (*path, "max_value"), example.max_value, reward_minus_kl, given)
    yield claim("number", (*path, "reverse_kl"), example.reverse_kl, reverse_kl, given)


def beta_row_facts(lesson: Lesson) -> Iterator[Fact]:
    index, example = next((i, e) for i, e in enumerate(lesson.examples) if e.id == lesson.beta_table.example)
    example_path: Path = ("examples", index)
    for i, row in enumerate(lesson.beta_table.rows):
        path: Path = ("beta_table", "rows", i)
        given = ((*path, "at"), (*example_path, "pi_sft"), (*example_path, "reward"))

        def solve(ops: rm.Ops, beta: Decimal = row.at) -> rm.OptimalPolicy:
            pi_sft, reward = _inputs(ops, example.pi_sft, example.reward)
            return rm.optimal_policy(pi_sft, reward, ops.number(beta), ops)

        yield claim("number", (*path, "pi_star"), row.pi_star, _field(solve, "pi"), given)
        yield claim("number", (*path, "kl"), row.kl, _field(solve, "kl"), given)
        yield claim("number", (*path, "expected_reward"), row.expected_reward, _field(solve, "expected_reward"), given)


def _field(solve: Callable[[rm.Ops], rm.OptimalPolicy], name: str) -> Callable[[rm.Ops], Any]:
    return lambda ops: getattr(solve(ops), name)


def statistics_facts(lesson: Lesson) -> Iterator[Fact]:
    yield claim("number", ("bradley_terry", "gap_one_nat"), lesson.bradley_terry.gap_one_nat,
                lambda ops: rm.bradley_terry(ops.number(1), ops.number(0), ops))
    z = lesson.run_health.confidence_z
    for i, entry in enumerate(lesson.win_rate_intervals):

        def interval(ops: rm.Ops, e: WinRateInterval = entry) -> Any:
            return rm.win_rate_interval(ops.number(e.win_rate), ops.number(e.n), ops.number(z), ops)

        path = ("win_rate_intervals", i)
        yield claim("number", (*path, "interval"), entry.interval, interval,
                    ((*path, "win_rate"), (*path, "n"), ("run_health", "confidence_z")))
    yield claim("number", ("best_of_n", "kl"), lesson.best_of_n.kl,
                lambda ops: rm.best_of_n_kl(ops.number(lesson.best_of_n.n), ops), (("best_of_n", "n"),))


def number_facts(lesson: Lesson) -> Iterator[Fact]:
    for i, example in enumerate(lesson.examples):
        yield from example_facts(example, ("examples", i))
    yield from beta_row_facts(lesson)
    yield from statistics_facts(lesson)
