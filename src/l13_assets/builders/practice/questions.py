"""The words of the exercises and of the key's worked steps. Every number is a variant's (drawn or the
source's) and every explanation that states a fact of the lesson is the source's own sentence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...model import Finding
from .variants import Solution

if TYPE_CHECKING:
    from .sheets import Kit

RESPONSES = ("y<sub>1</sub>", "y<sub>2</sub>", "y<sub>3</sub>")


def _number(value: str) -> str:
    from .sheets import number

    return number(value)


def _vector(values: Sequence[str]) -> str:
    from .sheets import vector

    return vector(values)


def exercise_one_parts(solution: Solution) -> list[tuple[str, str]]:
    places = solution.decimals
    return [
        ("A", "Compute the unnormalised weight w(y) = π<sub>SFT</sub>(y)·exp(R(y)/β) of each response, to "
              f"{places} decimals."),
        ("B", f"Compute the partition function Z, the sum of the weights, to {places} decimals."),
        ("C", f"Compute π*(y) for each response, to {places} decimals."),
        ("D", "What does π* become as β → 0⁺, and what as β → ∞? Say why in one sentence each."),
        ("E", "How does this closed form connect to the variational (soft Bellman) framework of lessons 11 "
              "and 12?"),
    ]


def exercise_two_intro() -> str:
    return ("Each finding comes from an RLHF run. Name the instruments that settle it, say why each one "
            "shows it, and say whether the run needs a fix.")


def exercise_one_answers(kit: Kit, solution: Solution) -> list[tuple[str, list[str]]]:
    """Each part's answer first, then its worked steps."""
    n = len(solution.pi_sft)
    weights = [f"w({RESPONSES[i]}) = {_number(solution.pi_sft[i])}·exp({_number(solution.reward[i])}/"
               f"{_number(solution.beta)}) = {_number(solution.weights[i])}" for i in range(n)]
    pis = [f"π*({RESPONSES[i]}) = {_number(solution.weights[i])} / {_number(solution.z)} = "
           f"{_number(solution.pi_star[i])}" for i in range(n)]
    top = solution.limit_small_beta.index("1")
    return [
        ("A", [f"weights {_vector(solution.weights)}", *weights]),
        ("B", [f"Z = {_number(solution.z)}", " + ".join(_number(w) for w in solution.weights) +
               f" = {_number(solution.z)}, summed before rounding (the last digit can differ from the sum of "
               "the rounded weights)."]),
        ("C", [f"π* = {_vector(solution.pi_star)}", *pis]),
        ("D", [f"β → 0⁺: π* → {_vector(solution.limit_small_beta)}, all mass on {RESPONSES[top]}, the highest "
               f"reward; β → ∞: π* → π<sub>SFT</sub> = {_vector(solution.limit_large_beta)}."]),
    ]


def shared_answers(kit: Kit) -> list[tuple[str, list[str]]]:
    """The parts of exercise 1's answer that no variant's numbers change: why the limits hold (the rest of
    part D) and part E, each the source's own sentences."""
    facts = kit.lesson.optimal_policy
    return [("", [kit.markup(facts.limit_small_beta), kit.markup(facts.limit_large_beta)]),
            ("E", [kit.markup(facts.derivation[-1])])]


def finding_answer(kit: Kit, finding: Finding) -> list[str]:
    """The instruments with why each settles the finding, then the verdict and the action."""
    names = {i.id: i.name for i in kit.lesson.instruments}
    reasons = [f"{kit.markup(names[i])}: {kit.markup(why)}" for i, why in zip(finding.instruments, finding.why,
                                                                              strict=True)]
    instruments = ", ".join(kit.markup(names[i]) for i in finding.instruments)
    return [f"{instruments}. Verdict: {finding.verdict}.", *reasons, f"Action: {kit.markup(finding.action)}"]
