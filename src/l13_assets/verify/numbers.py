"""Every number the source states, recomputed exactly and compared at the precision it is stated at."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .. import rlhf_math as rm
from ..lesson_text import MINUS, format_value
from ..model import Example, Lesson, WinRateInterval
from ..yaml_reader import Path
from .facts import Fact
from .rounding import UNDECIDABLE, ends, exact_fraction, interval_ops, is_tie, settle, settle_exact


def _places(stated: Decimal) -> int:
    """How many decimals a stated number claims: 4 for 0.4000."""
    exponent = stated.as_tuple().exponent
    assert isinstance(exponent, int), "stated numbers are finite"
    return max(0, -exponent)


def claim(kind: str, path: Path, stated: Decimal | Sequence[Decimal],
          compute: Callable[[rm.Ops], Any], inputs: tuple[Path, ...] = ()) -> Fact:
    """Check a stated scalar or vector against ``compute``, the formula evaluated by an ``Ops`` backend.

    The formula runs on interval arithmetic; a value whose interval cannot tell its rounding runs again
    with sympy, exactly (see ``rounding``). A value exactly halfway at the stated decimals is ambiguous and
    fails, asking for one more decimal. A failing vector is one failed fact that points at its first wrong
    entry and carries the others in ``also``, so one run reports every wrong entry.
    """
    scalar = isinstance(stated, Decimal)
    scalars = (stated,) if isinstance(stated, Decimal) else tuple(stated)
    values = compute(interval_ops())
    got = [values] if scalar else list(values)
    if len(got) != len(scalars):
        return Fact(kind, path, format_value(stated), f"{len(got)} values", False,
                    f"states {len(scalars)} values, expected {len(got)}", inputs)
    digits = [settle(v, _places(s)) for v, s in zip(got, scalars, strict=True)]
    approximations = [_approximate(v) for v in got]
    wrong: dict[int, str] = {}  # index -> why that entry fails
    if None in digits:
        exact = compute(rm.exact())
        exact_values = [exact] if scalar else list(exact)
        for i, (value, s) in enumerate(zip(exact_values, scalars, strict=True)):
            fraction = exact_fraction(value)
            if digits[i] is None and fraction is not None and is_tie(fraction, _places(s)):
                wrong[i] = (f"the exact value {fraction} lies halfway at the stated {_places(s)} decimal places, "
                            "expected the number stated with one more decimal")
            elif digits[i] is None:
                digits[i] = settle_exact(value, _places(s))
    computed = ", ".join(approximations) if scalar else "(" + ", ".join(approximations) + ")"
    for i, (d, s) in enumerate(zip(digits, scalars, strict=True)):
        if i not in wrong and d != format(s, "f"):
            shown = format_value(Decimal(d)) if d and d != UNDECIDABLE else str(d)
            wrong[i] = (f"states {format_value(s)}, computed {approximations[i]}, which is {shown} "
                        "at the stated precision")
    failures = [Fact(kind, path if scalar else (*path, i), format_value(stated), computed, False, detail, inputs)
                for i, detail in sorted(wrong.items())]
    if failures:  # every wrong entry of a vector is reported, each at its own place
        return replace(failures[0], also=tuple(failures[1:]))
    return Fact(kind, path, format_value(stated), computed, True, "", inputs)


def _approximate(value: Any) -> str:
    """A short decimal for messages: 8 significant digits of the interval's midpoint."""
    low, high = ends(value)
    text = f"{float((low + high) / 2):.8g}"
    return MINUS + text[1:] if text.startswith("-") else text


def _inputs(ops: rm.Ops, *vectors: Sequence[Decimal]) -> list[list[Any]]:
    return [[ops.number(v) for v in vector] for vector in vectors]


def example_facts(example: Example, path: Path) -> Iterator[Fact]:
    given = ((*path, "pi_sft"), (*path, "reward"), (*path, "beta"))
    def solve(ops: rm.Ops) -> rm.OptimalPolicy:
        pi_sft, reward = _inputs(ops, example.pi_sft, example.reward)
        return rm.optimal_policy(pi_sft, reward, ops.number(example.beta), ops)

    def sft_reward(ops: rm.Ops) -> Any:
        return rm.expectation(*_inputs(ops, example.pi_sft, example.reward))

    def kl_other_direction(ops: rm.Ops) -> Any:
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
    yield claim("number", (*path, "kl_other_direction"), example.kl_other_direction, kl_other_direction, given)


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


def _two_sided_z(level: Decimal) -> Callable[[rm.Ops], Any]:
    """z = √2·erfinv(level), the normal quantile of a two-sided interval. erfinv is not among the Ops'
    functions: an enclosure comes from mpmath at 60 digits (error far below 10^-50), and sympy gives the
    exact value when that enclosure cannot decide."""

    def compute(ops: rm.Ops) -> Any:
        if ops is not interval_ops():  # the exact backend (asking for it would import sympy)
            import sympy as sp

            return sp.sqrt(2) * sp.erfinv(sp.Rational(str(level)))
        import mpmath

        context = mpmath.MPContext()
        context.dps = 60
        z = Fraction(str(context.sqrt(2) * context.erfinv(context.mpf(str(level)))))
        radius = Fraction(1, 10**50)
        return (z - radius, z + radius)

    return compute


def statistics_facts(lesson: Lesson) -> Iterator[Fact]:
    health = lesson.run_health
    yield claim("number", ("run_health", "confidence_z"), health.confidence_z, _two_sided_z(health.confidence_level),
                (("run_health", "confidence_level"),))
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
