"""What each kind of drill computes from its inputs, written once for every backend.

The generator (``drills``) runs these on floats to draw clean inputs; the check (``verify.drills``) runs
the same lines on interval arithmetic and sympy to decide every shown value exactly. A drill's inputs are
JSON (numbers as decimal strings), so the check needs nothing but the drill's Data field. The β limits are
the one exception: the check takes them from the theorem with exact fractions (``verify.drills``), apart
from the floating-point limit the generator takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import rlhf_math

Term = Any  # a float, an mpmath interval or a sympy expression, by the backend
Inputs = dict[str, Any]


def nums(values: list[str], ops: rlhf_math.Ops) -> list[Term]:
    return [ops.number(v) for v in values]


class Above:
    """The claim ``left > right``, decided by the backend's caller (exactly in the check)."""

    def __init__(self, left: Term, right: Term) -> None:
        self.left, self.right = left, right


def _solved(inputs: Inputs, ops: rlhf_math.Ops) -> rlhf_math.OptimalPolicy:
    return rlhf_math.optimal_policy(nums(inputs["pi_sft"], ops), nums(inputs["reward"], ops),
                                    ops.number(inputs["beta"]), ops)


def _policy(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    solved = _solved(inputs, ops)
    return {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi)}


def _policy_and_kl(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    """π* with both KL directions: the solution shows the one the objective does not use, a common slip."""
    solved = _solved(inputs, ops)
    return {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi), "kl": solved.kl,
            "kl_other_direction": rlhf_math.kl_divergence(nums(inputs["pi_sft"], ops), list(solved.pi), ops)}


def _practice(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    solved = _solved(inputs, ops)
    return {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi), "kl": solved.kl,
            "expected_reward": solved.expected_reward, "max_value": solved.max_value}


def _max_value(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    solved = _solved(inputs, ops)
    beta = ops.number(inputs["beta"])
    return {"weights": list(solved.weights), "z": solved.z, "log_z": solved.max_value / beta,
            "max_value": solved.max_value}


def _expected_reward(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    solved = _solved(inputs, ops)
    sft = rlhf_math.expectation(nums(inputs["pi_sft"], ops), nums(inputs["reward"], ops))
    return {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi),
            "expected_reward": solved.expected_reward, "sft_expected_reward": sft}


def _kl_direction(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    pi, pi_sft = nums(inputs["pi"], ops), nums(inputs["pi_sft"], ops)
    return {"kl": rlhf_math.kl_divergence(pi, pi_sft, ops),
            "kl_other_direction": rlhf_math.kl_divergence(pi_sft, pi, ops)}


def _bradley_terry(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    r1, r2 = inputs["reward"]
    return {"probability": rlhf_math.bradley_terry(ops.number(r1), ops.number(r2), ops)}


def _rm_loss(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    reward = nums(inputs["reward"], ops)
    pairs = rlhf_math.ranked_pairs(reward)
    losses = [-ops.log(rlhf_math.bradley_terry(won, lost, ops)) for won, lost in pairs]
    return {"pair_losses": losses, "loss": sum(losses[1:], losses[0]) / len(losses)}


def _dpo(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    pi, pi_ref, beta = ops.number(inputs["pi"]), ops.number(inputs["pi_ref"]), ops.number(inputs["beta"])
    # log(π/π_ref) is the implicit reward at β = 1: one formula, rlhf_math's.
    return {"log_ratio": rlhf_math.dpo_implicit_reward(pi, pi_ref, ops.number(1), ops),
            "reward": rlhf_math.dpo_implicit_reward(pi, pi_ref, beta, ops)}


def _interval(inputs: Inputs, ops: rlhf_math.Ops) -> dict[str, Term]:
    rate = ops.number(inputs["win_rate"])
    low, high = rlhf_math.win_rate_interval(rate, ops.number(inputs["n"]), ops.number(inputs["z"]), ops)
    return {"half_width": high - rate, "lower": low, "shows_gain": Above(low, ops.number("0.5"))}


COMPUTE: dict[str, Callable[[Inputs, rlhf_math.Ops], dict[str, Term]]] = {
    "optimal_policy_two": _policy,
    "optimal_policy_three": _policy,
    "practice_problem": _practice,
    "max_value": _max_value,
    "expected_reward": _expected_reward,
    "kl": _policy_and_kl,
    "kl_direction": _kl_direction,
    "bradley_terry": _bradley_terry,
    "rm_loss": _rm_loss,
    "dpo_reward": _dpo,
    "win_rate_interval": _interval,
    "win_rate_gain": _interval,
}

# The value each kind's question asks for, when it is one name (the others name it in their inputs).
_ANSWERS = {"max_value": "max_value", "expected_reward": "expected_reward", "kl": "kl", "kl_direction": "kl",
            "bradley_terry": "probability", "rm_loss": "loss", "dpo_reward": "reward", "win_rate_interval": "lower",
            "win_rate_gain": "shows_gain"}


def answer_term(kind: str, inputs: Inputs) -> tuple[str, int | None]:
    """Which computed value the question asks for: a name, and a 0-based index into a list value."""
    if kind in ("optimal_policy_two", "optimal_policy_three", "practice_problem"):
        quantity = inputs["quantity"]
        name = "weights" if quantity == "weight" else str(quantity)
        index: int | None = inputs["response"] - 1 if "response" in inputs else None
        return name, index
    if kind == "beta_limits":
        return ("limit_kl", None) if inputs["quantity"] == "kl" else ("limit_policy", inputs["response"] - 1)
    return _ANSWERS[kind], None
