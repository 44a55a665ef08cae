"""Every numeric drill recomputed exactly from its Data JSON, one ``Fact`` per drill.

The generator computes in floats; this check reads only the drill's ``data`` (kind, inputs, decimals) and
recomputes every shown value with the lesson's one implementation of the formulas (``rlhf_math``), then
compares the rounded strings: the type-in answer, the answer recorded in Data, and each worked value.

The rounding is decided exactly and fast, on interval arithmetic with a sympy fallback (see ``rounding``);
if even sympy cannot decide, the fact fails and says so. The β limits are rationals by the theorem
(β → 0⁺: the top reward's responses share all mass in proportion to π_SFT; β → ∞: π_SFT) and are
computed with exact fractions, independently of the floating-point limit the generator takes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from .. import rlhf_math
from ..drills import GUARD, Drill, DrillSpecError, generate
from ..model import Lesson
from .facts import Fact
from .rounding import UNDECIDABLE, ends, interval_ops, round_fraction, settle, settle_exact

Term = Any  # an mpmath interval, a sympy expression, a Fraction or a bool


def check_drills(lesson: Lesson) -> list[Fact]:
    try:
        drills = generate(lesson)
    except DrillSpecError as error:
        return [Fact("drill", error.path, "drills can be generated", "no", False, str(error))]
    return [check_one(drill) for drill in drills]


def check_one(drill: Drill) -> Fact:
    path = ("drills", drill.kind)
    claim = f"{drill.id}: {drill.answer}"
    try:
        data = json.loads(drill.data)
        answer, expected = recompute(data["kind"], data["inputs"], data["decimals"])
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        return Fact("drill", path, claim, "", False, f"{drill.id}: cannot recompute from Data ({error!r})")
    problems = [f"{name} shows {data['values'].get(name)}, exact value rounds to {value}"
                for name, value in expected.items() if data["values"].get(name) != value]
    if drill.answer != answer or data["answer"] != answer:
        problems.insert(0, f"the card's answer is {drill.answer} (Data: {data['answer']}), the exact value "
                        f"rounds to {answer} at {data['decimals']} decimal places")
    if data["kind"] != drill.kind or data["id"] != drill.id:
        problems.append(f"Data names {data['kind']} {data['id']}, expected {drill.kind} {drill.id}")
    detail = f"{drill.id}: " + "; ".join(problems) if problems else ""
    return Fact("drill", path, claim, answer, not problems, detail)


def recompute(kind: str, inputs: dict[str, Any], decimals: int) -> tuple[str, dict[str, Any]]:
    """The type-in answer at ``decimals`` and every worked value at ``decimals + GUARD``, from the inputs."""
    name, index = answer_term(kind, inputs)
    terms, values = _terms_and_values(kind, inputs, decimals + GUARD)
    answer = _decide(terms[name] if index is None else terms[name][index], decimals)
    if answer is None:
        exact = _COMPUTE[kind](inputs, rlhf_math.exact())
        answer = _decide_exact(exact[name] if index is None else exact[name][index], decimals)
    return str(answer), values


def answer_term(kind: str, inputs: dict[str, Any]) -> tuple[str, int | None]:
    """Which computed value the question asks for: a name, and a 0-based index into a list value."""
    if kind in ("optimal_policy_two", "optimal_policy_three"):
        quantity = inputs["quantity"]
        if quantity == "z":
            return "z", None
        return {"pi_star": "pi_star", "weight": "weights"}[quantity], inputs["response"] - 1
    if kind == "beta_limits":
        return "limit_policy", inputs["response"] - 1
    return {"kl": "kl", "bradley_terry": "probability", "dpo_reward": "reward",
            "win_rate_interval": inputs.get("bound", "")}[kind], None


def expected_values(kind: str, inputs: dict[str, Any], decimals: int) -> dict[str, Any]:
    """Every value a drill of this kind shows, recomputed from its inputs and rounded exactly to ``decimals``."""
    return _terms_and_values(kind, inputs, decimals)[1]


def _terms_and_values(kind: str, inputs: dict[str, Any], decimals: int) -> tuple[dict[str, Term], dict[str, Any]]:
    compute = _COMPUTE[kind]
    fast = compute(inputs, interval_ops())
    exact: dict[str, Term] | None = None
    out: dict[str, Any] = {}
    for name, value in fast.items():
        decided = _decide(value, decimals)
        if decided is None:  # an interval on a tie: ask sympy (lazily, once per drill)
            exact = exact or compute(inputs, rlhf_math.exact())
            decided = _decide_exact(exact[name], decimals)
        out[name] = decided
    return fast, out


# ---- the computations, written once for both backends -------------------------------------------------


def _nums(values: list[str], ops: rlhf_math.Ops) -> list[Term]:
    return [ops.number(v) for v in values]


def _policy(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    solved = rlhf_math.optimal_policy(_nums(inputs["pi_sft"], ops), _nums(inputs["reward"], ops),
                                      ops.number(inputs["beta"]), ops)
    return {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi)}


def _kl(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    solved = rlhf_math.optimal_policy(_nums(inputs["pi_sft"], ops), _nums(inputs["reward"], ops),
                                      ops.number(inputs["beta"]), ops)
    return {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi), "kl": solved.kl}


def _limits(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    pi_sft = [Fraction(p) for p in inputs["pi_sft"]]
    reward = [Fraction(r) for r in inputs["reward"]]
    if inputs["limit"] == "large":  # every exp(R/β) → 1
        return {"limit_policy": pi_sft}
    if inputs["limit"] != "small":
        raise ValueError(f"limit {inputs['limit']!r}, expected 'small' or 'large'")
    # Divide π_SFT·exp(R/β) and Z by exp(R_max/β): terms below the top reward tend to 0, ties stay at 1.
    top = max(reward)
    mass = sum((p for p, r in zip(pi_sft, reward, strict=True) if r == top), Fraction(0))
    return {"limit_policy": [p / mass if r == top else Fraction(0) for p, r in zip(pi_sft, reward, strict=True)]}


def _bradley_terry(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    r1, r2 = inputs["reward"]
    return {"gap": ExactDecimal(Fraction(r1) - Fraction(r2)),
            "probability": rlhf_math.bradley_terry(ops.number(r1), ops.number(r2), ops)}


def _dpo(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    pi, pi_ref, beta = ops.number(inputs["pi"]), ops.number(inputs["pi_ref"]), ops.number(inputs["beta"])
    return {"log_ratio": rlhf_math.dpo_implicit_reward(pi, pi_ref, ops.number(1), ops),
            "reward": rlhf_math.dpo_implicit_reward(pi, pi_ref, beta, ops)}


def _interval(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    rate = ops.number(inputs["win_rate"])
    low, high = rlhf_math.win_rate_interval(rate, ops.number(inputs["n"]), ops.number(inputs["z"]), ops)
    return {"half_width": high - rate, "lower": low, "upper": high, "shows_gain": Above(low, ops.number("0.5"))}


_COMPUTE: dict[str, Callable[[dict[str, Any], rlhf_math.Ops], dict[str, Term]]] = {
    "optimal_policy_two": _policy,
    "optimal_policy_three": _policy,
    "beta_limits": _limits,
    "kl": _kl,
    "bradley_terry": _bradley_terry,
    "dpo_reward": _dpo,
    "win_rate_interval": _interval,
}


class ExactDecimal(Fraction):
    """A value shown exactly (a difference of source decimals), not rounded."""


class Above:
    """The claim ``left > right``, decided exactly."""

    def __init__(self, left: Term, right: Term) -> None:
        self.left, self.right = left, right


# ---- deciding a rounded string ------------------------------------------------------------------------


def _decide(value: Term, decimals: int) -> Any:
    """The rounded string (or bool) if ``value`` settles it, else None."""
    if isinstance(value, list):
        items = [_decide(v, decimals) for v in value]
        return None if any(i is None for i in items) else items
    if isinstance(value, ExactDecimal):
        return _exact_decimal(value)
    if isinstance(value, Fraction):
        return round_fraction(value, decimals)
    if isinstance(value, Above):
        (left_low, left_high), (right_low, right_high) = ends(value.left), ends(value.right)
        if left_low > right_high:
            return True
        return False if left_high <= right_low else None
    return settle(value, decimals)


def _decide_exact(value: Term, decimals: int) -> Any:
    if isinstance(value, list):
        return [_decide_exact(v, decimals) for v in value]
    if isinstance(value, Above):
        import sympy as sp

        return bool(sp.simplify(value.left - value.right) > 0)
    decided = settle_exact(value, decimals)
    return f"undecidable: {value} lies on a rounding tie at {decimals} decimals" if decided == UNDECIDABLE \
        else decided


def _exact_decimal(value: Fraction) -> str:
    """A terminating fraction as the shortest decimal string."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for places in range(30):
        scaled = value * 10**places
        if scaled.denominator == 1:
            digits = str(scaled.numerator).rjust(places + 1, "0")
            whole, frac = (digits[:-places], digits[-places:]) if places else (digits, "")
            return sign + whole + ("." + frac if frac else "")
    raise ValueError(f"{value} is not a short decimal")
