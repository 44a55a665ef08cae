"""Every numeric drill recomputed exactly from its Data JSON, one ``Fact`` per drill.

The generator computes in floats; this check reads only the drill's ``data`` (kind, inputs, decimals) and
recomputes every shown value with the lesson's one implementation of the formulas (``rlhf_math``), then
compares the rounded strings: the type-in answer, the answer recorded in Data, and each worked value.

The rounding is decided exactly and fast, on interval arithmetic with a sympy fallback (see ``rounding``);
if even sympy cannot decide, the fact fails and says so. The β limits are rationals by the theorem
(β → 0⁺: the top reward's responses share all mass in proportion to π_SFT; β → ∞: π_SFT) and are
computed with exact fractions, independently of the floating-point limit the generator takes.

Every drill is also held to the source's rules against degenerate drills (``drills.reject``): the same rule
function the generator uses, on the exactly decided answer and values, one Fact per rule.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from .. import drill_math, rlhf_math
from ..drill_math import Above, answer_term
from ..drill_rules import broken_rules
from ..drills import GUARD, Drill, DrillSpecError, generate
from ..model import Lesson
from .facts import Fact
from .rounding import UNDECIDABLE, ends, interval_ops, round_fraction, settle, settle_exact

Term = Any  # an mpmath interval, a sympy expression, a Fraction or a bool


def check_drills(lesson: Lesson, drills: list[Drill] | None = None) -> list[Fact]:
    """Every drill recomputed and held to the rules: ``drills`` are the objects the deck is then built from
    (generated here when not given)."""
    try:
        drills = generate(lesson) if drills is None else drills
    except DrillSpecError as error:
        return [Fact("drill", error.path, "drills can be generated", "no", False, str(error))]
    return [check_one(drill) for drill in drills] + list(rule_facts(lesson, drills))


def generated(lesson: Lesson) -> tuple[Drill, ...]:
    """The lesson's drills, or none when the spec cannot give them (``check_drills`` then reports why)."""
    try:
        return tuple(generate(lesson))
    except DrillSpecError:
        return ()


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


def rule_facts(lesson: Lesson, drills: list[Drill]) -> Iterator[Fact]:
    """One Fact per rule of ``drills.reject``: no drill breaks it, judged on exactly decided values."""
    rules = lesson.drills.reject
    broken: dict[str, list[str]] = {rule: [] for rule in rules}
    for drill in drills:
        answer, values = recompute(drill.kind, drill.inputs, drill.decimals)

        def answer_at(beta: str, drill: Drill = drill) -> str:
            return recompute(drill.kind, {**drill.inputs, "beta": beta}, drill.decimals)[0]

        for reason in broken_rules(rules, drill.inputs, answer, values, drill.decimals, answer_at):
            broken[reason.split(":")[0]].append(f"{drill.id} ({reason})")
    for i, rule in enumerate(rules):
        found = broken[rule]
        detail = "; ".join(found[:3]) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        yield Fact("drill-rule", ("drills", "reject", i), f"no drill breaks {rule}", f"{len(found)} break it",
                   not found, detail)


def recompute(kind: str, inputs: dict[str, Any], decimals: int) -> tuple[str, dict[str, Any]]:
    """The type-in answer at ``decimals`` and every worked value at ``decimals + GUARD``, from the inputs."""
    answer, values = _recompute(kind, json.dumps(inputs, sort_keys=True), decimals)
    return answer, dict(values)


# A drill's check depends only on its kind, inputs and decimals, so a process that checks again (``watch``,
# after an edit elsewhere in the source) reuses the answers it decided; a new or changed drill is a new key.
@functools.lru_cache(maxsize=65536)
def _recompute(kind: str, inputs_json: str, decimals: int) -> tuple[str, dict[str, Any]]:
    inputs = json.loads(inputs_json)
    name, index = answer_term(kind, inputs)
    terms, values = _terms_and_values(kind, inputs, decimals + GUARD)
    answer = _decide(terms[name] if index is None else terms[name][index], decimals)
    if answer is None:
        exact = _compute(kind, inputs, rlhf_math.exact())
        answer = _decide_exact(exact[name] if index is None else exact[name][index], decimals)
    if isinstance(answer, bool):
        return ("yes" if answer else "no"), values
    return str(answer), values


def expected_values(kind: str, inputs: dict[str, Any], decimals: int) -> dict[str, Any]:
    """Every value a drill of this kind shows, recomputed from its inputs and rounded exactly to ``decimals``."""
    return _terms_and_values(kind, inputs, decimals)[1]


def _terms_and_values(kind: str, inputs: dict[str, Any], decimals: int) -> tuple[dict[str, Term], dict[str, Any]]:
    fast = _compute(kind, inputs, interval_ops())
    exact: dict[str, Term] | None = None
    out: dict[str, Any] = {}
    for name, value in fast.items():
        decided = _decide(value, decimals)
        if decided is None:  # an interval on a tie: ask sympy (lazily, once per drill)
            exact = exact or _compute(kind, inputs, rlhf_math.exact())
            decided = _decide_exact(exact[name], decimals)
        out[name] = decided
    return fast, out


def _compute(kind: str, inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    if kind == "beta_limits":
        return _limits(inputs, ops)
    return drill_math.COMPUTE[kind](inputs, ops)


def _limits(inputs: dict[str, Any], ops: rlhf_math.Ops) -> dict[str, Term]:
    """β → 0⁺ by the theorem, in exact fractions: the top reward's responses share all mass by π_SFT."""
    pi_sft = [Fraction(p) for p in inputs["pi_sft"]]
    reward = [Fraction(r) for r in inputs["reward"]]
    if inputs["limit"] != "small":
        raise ValueError(f"limit {inputs['limit']!r}, expected 'small'")
    top = max(reward)
    mass = sum((p for p, r in zip(pi_sft, reward, strict=True) if r == top), Fraction(0))
    policy = [p / mass if r == top else Fraction(0) for p, r in zip(pi_sft, reward, strict=True)]
    # KL(π*‖π_SFT) = Σ over the top responses of (p/mass)·log(1/mass) = −log(mass).
    return {"limit_policy": policy, "limit_kl": -ops.log(ops.number(mass))}





# ---- deciding a rounded string ------------------------------------------------------------------------


def _decide(value: Term, decimals: int) -> Any:
    """The rounded string (or bool) if ``value`` settles it, else None."""
    if isinstance(value, list):
        items = [_decide(v, decimals) for v in value]
        return None if any(i is None for i in items) else items
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
