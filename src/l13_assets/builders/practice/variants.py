"""The numbers of each student's exercise 1, drawn and solved exactly.

Variant 1 is the source's own practice problem (the example ``drills.practice_problem`` names); its solved
numbers are compared with the ones the source states before anything is written. Every other variant draws
π_SFT, R and β from the three-response drill grids (``drills.optimal_policy_three``) with a
``random.Random`` seeded by the drill seed and "practice", so the same source gives the same variants. A
draw is redone when it is degenerate in the drill rules' sense or in one of the worksheet's own: constant
rewards, a tied top reward (the β → 0⁺ limit would then depend on π_SFT, which part D does not ask), an
answer that is one of the numbers the question states, a value within 1e-12 of a rounding tie, or the
same inputs as an earlier variant. Every value is rounded as the check proves a stated number (the same
formulas on enclosing intervals, ``verify.rounding``); variant 1 is solved with sympy too.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ... import rlhf_math
from ...drill_numbers import round_half_up, text
from ...drill_rules import broken_rules
from ...drills import draw_problem
from ...errors import Problem, UserError
from ...model import Example, Lesson

DIGITS = 40  # significant digits of variant 1's sympy values, compared with the source
TIE_MARGIN = Decimal("1e-12")  # in units of the last kept digit: a value this close to a tie is redrawn
ATTEMPTS = 500  # draws per variant before the grids are declared too narrow
REJECT = ("answer-is-an-input", "constant-reward")  # the drill rules a worksheet variant must obey


Where = Callable[[tuple[str | int, ...]], tuple[str, int, int]]  # a source path -> file, line, column
Key = tuple[tuple[str, ...], tuple[str, ...], str]  # a variant's π_SFT, R and β, to tell repeats


@dataclass(frozen=True)
class Solution:
    """One variant's inputs and answers, every answer a decimal string at ``decimals`` places."""

    number: int  # 1-based; 1 is the source's own problem
    code: str  # printed on the sheet and its key, so a key page is matched to a student's sheet
    pi_sft: tuple[str, ...]
    reward: tuple[str, ...]
    beta: str
    decimals: int
    weights: tuple[str, ...]
    z: str
    pi_star: tuple[str, ...]
    limit_small_beta: tuple[str, ...]  # β → 0⁺: all mass on the top reward
    limit_large_beta: tuple[str, ...]  # β → ∞: π_SFT

    @property
    def answers(self) -> tuple[str, ...]:
        """The numbers only the key prints (the limits restate the question's π_SFT, so they are left out)."""
        return (*self.weights, self.z, *self.pi_star)


def variant_code(seed: int, number: int) -> str:
    """A short code from the seed and the variant's number: two students' sheets are told apart at a
    glance, and a sheet from another seed's printing does not carry the same code."""
    digest = hashlib.sha256(f"l13-practice:{seed}:{number}".encode()).hexdigest()
    return f"{number:02d}-{digest[:4].upper()}"


def practice_example(lesson: Lesson) -> Example:
    wanted = lesson.drills.practice_problem.example
    return next(e for e in lesson.examples if e.id == wanted)


def solutions(lesson: Lesson, count: int, where: Where = lambda path: ("source", 0, 0)) -> list[Solution]:
    """``count`` variants, the first the source's own problem, each solved and checked. ``where`` gives a
    source path's file, line and column for problems."""
    example = practice_example(lesson)
    decimals = lesson.drills.practice_problem.decimals
    seed = lesson.drills.seed
    # as the source writes them (R = 1.0, not 1), like the brief
    first = solve(1, variant_code(seed, 1), [format(p, "f") for p in example.pi_sft],
                  [format(r, "f") for r in example.reward], format(example.beta, "f"), decimals)
    _agrees_with_source(first, example, where(("examples", lesson.examples.index(example))))
    found = [first]
    rng = random.Random(f"l13-practice:{seed}:practice")
    seen: set[Key] = {(first.pi_sft, first.reward, first.beta)}
    while len(found) < count:
        found.append(_draw(lesson, len(found) + 1, rng, seen, decimals, where))
    return found


def _draw(lesson: Lesson, number: int, rng: random.Random, seen: set[Key], decimals: int,
          where: Where) -> Solution:
    spec = lesson.drills.optimal_policy_three
    for _ in range(ATTEMPTS):
        inputs = draw_problem(rng, spec, 3, "optimal_policy_three")
        key = (tuple(inputs["pi_sft"]), tuple(inputs["reward"]), inputs["beta"])
        if key in seen or _top_tied(inputs["reward"]):
            continue
        solution = solve(number, variant_code(lesson.drills.seed, number), inputs["pi_sft"], inputs["reward"],
                         inputs["beta"], decimals)
        if solution.z == "tie":
            continue
        rules = [r for r in REJECT if r in lesson.drills.reject]
        if any(broken_rules(tuple(rules), inputs, answer, {}, decimals, lambda b: "") for answer in solution.answers):
            continue
        seen.add(key)
        return solution
    raise UserError([Problem(*where(("drills", "optimal_policy_three")), "drills.optimal_policy_three", (
        f"practice variant {number}: no clean draw in {ATTEMPTS} tries from these grids, expected wider grids "
        "or fewer variants"))])


def _top_tied(reward: list[str]) -> bool:
    values = sorted((Decimal(r) for r in reward), reverse=True)
    return values[0] == values[1]


def solve(number: int, code: str, pi_sft: list[str], reward: list[str], beta: str, decimals: int) -> Solution:
    """Solve one variant with the check's own proof of a rounding (``verify.rounding``: the formulas on
    intervals that enclose the exact values), so each printed digit is proved, not just computed. A value
    the intervals cannot round, or one within TIE_MARGIN of a rounding tie, gives ``z == "tie"`` (redrawn)."""
    from ...verify.rounding import ends, interval_ops, round_fraction

    ops = interval_ops()
    solved = rlhf_math.optimal_policy([ops.number(p) for p in pi_sft], [ops.number(r) for r in reward],
                                      ops.number(beta), ops)
    margin = Fraction(TIE_MARGIN) / 10**decimals  # on the value, as TIE_MARGIN is on its last kept digit
    rounded = []
    for value in (*solved.weights, solved.z, *solved.pi):
        low, high = ends(value)
        digits = round_fraction(low - margin, decimals)
        if digits != round_fraction(high + margin, decimals):
            return Solution(number, code, (), (), "", decimals, (), "tie", (), (), ())
        rounded.append(digits)
    n = len(pi_sft)
    top = max(range(n), key=lambda i: Decimal(reward[i]))
    return Solution(number, code, tuple(pi_sft), tuple(reward), beta, decimals, tuple(rounded[:n]), rounded[n],
                    tuple(rounded[n + 1:]), tuple("1" if i == top else "0" for i in range(n)), tuple(pi_sft))


def _agrees_with_source(solution: Solution, example: Example, at: tuple[str, int, int]) -> None:
    """Variant 1's answers, solved again with sympy, are the source's at each stated number's own precision
    and agree with the Decimal solver's (the check compared the source with exact values already; this
    compares what the worksheet prints)."""
    ops = rlhf_math.exact()
    solved = rlhf_math.optimal_policy([ops.number(p) for p in example.pi_sft],
                                      [ops.number(r) for r in example.reward], ops.number(example.beta), ops)
    stated = [*example.weights, example.z, *example.pi_star]
    exact = [*solved.weights, solved.z, *solved.pi]
    wrong = [f"{s} (computed {Decimal(str(v.evalf(DIGITS)))})" for s, v in zip(stated, exact, strict=True)
             if round_half_up(Decimal(str(v.evalf(DIGITS))), max(0, -int(s.as_tuple().exponent))) != format(s, "f")]
    limits = (tuple(text(v) for v in example.limit_small_beta), tuple(text(v) for v in example.limit_large_beta))
    exact_text = [round_half_up(Decimal(str(v.evalf(DIGITS))), solution.decimals) for v in exact]
    if exact_text != list(solution.answers):
        wrong.append(f"the Decimal solver's {solution.answers} (sympy: {exact_text})")
    if wrong or limits != (solution.limit_small_beta, tuple(text(Decimal(p)) for p in solution.limit_large_beta)):
        raise UserError([Problem(*at, f"examples.{example.id}", (
            f"the practice sheet's solution differs from the stated numbers: {', '.join(wrong) or 'the limits'}"))])
