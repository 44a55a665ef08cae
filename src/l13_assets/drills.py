"""Numeric drills generated from the source's drill specification with its fixed seed.

``generate(lesson)`` turns ``lesson.drills`` into a list of ``Drill``: inputs drawn from the spec's grids and
lists, one type-in answer rounded to the kind's stated decimals, and the worked values a solution shows. The
numbers are computed in floating point through ``rlhf_math`` (fast); ``verify.drills`` recomputes every one
of them exactly from the drill's ``data`` JSON alone, and the build stops if any differs.

Determinism and identity: each kind draws from its own ``random.Random`` seeded by the spec's seed and the
kind's name, so the same source always gives the same drills, and raising one kind's count appends drills
without changing the others (a drill's parameters depend only on draws before it, in its own stream). A
drill's id is ``drill-<kind>-<nn>``; the deck derives the note's identity from it.

Inputs are drawn again when any shown value lies within 1e-6 of a rounding tie (…5 at the first dropped
decimal): a learner with a calculator could land on either side, and float and exact arithmetic could too.
They are also drawn again when the drill breaks one of the source's rules against degenerate drills
(``drills.reject``, see ``drill_rules``); the check applies the same rules to every drill again.
"""

from __future__ import annotations

import functools
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from . import drill_math, rlhf_math
from .drill_numbers import TIE_MARGIN, answer_text, near_tie, rounded, text
from .drill_rules import broken_rules
from .model import (
    DirectionDrills,
    Example,
    Grid,
    IntervalDrills,
    LimitDrills,
    PairDrills,
    PolicyDrills,
    PracticeDrills,
    RmLossDrills,
    ValueDrills,
)
from .model import Lesson as Lesson

# The kinds in lesson order (the order of the deck's drill cards), each a field of ``DrillSpec``.
KINDS = (
    "optimal_policy_two",
    "optimal_policy_three",
    "practice_problem",
    "max_value",
    "expected_reward",
    "beta_limits",
    "kl",
    "kl_direction",
    "bradley_terry",
    "rm_loss",
    "dpo_reward",
    "win_rate_interval",
    "win_rate_gain",
)
POLICY_QUANTITIES = ("pi_star", "z", "weight")  # asked in turn by the optimal-policy drills
# The practice problem's questions in turn: (quantity, response or None).
PRACTICE_QUANTITIES = (("pi_star", 1), ("z", None), ("kl", None), ("max_value", None), ("expected_reward", None),
                       ("pi_star", 3))
LIMIT_QUANTITIES = ("pi_star", "kl")  # β → 0⁺ drills ask in turn for a tied response's share and the KL
VERDICT_KINDS = frozenset({"win_rate_gain"})  # answered yes or no
SMALL_BETA = 1e-9  # stands for β → 0⁺ in floats, with rewards shifted so the top one is 0 (no overflow)
# Worked values carry this many more decimals than the answer, so a learner who follows the solution with
# its rounded numbers lands on the answer (a value at the answer's decimals could be off in its last digit).
GUARD = 2
ATTEMPTS = 200  # draws per drill before the spec is declared unable to give a clean drill
FRESH_ATTEMPTS = 20  # draws spent looking for inputs not used by an earlier drill of the same kind

Values = dict[str, Any]  # JSON-ready: numbers as decimal strings, lists of them, or booleans


class DrillSpecError(ValueError):
    """The spec of one kind cannot give a drill (e.g. no three grid probabilities sum to 1)."""

    def __init__(self, kind: str, field: str, message: str) -> None:
        super().__init__(message)
        self.path: tuple[str, ...] = ("drills", kind, field)


@dataclass(frozen=True)
class Drill:
    id: str  # drill-<kind with hyphens>-<nn>, stable across releases
    kind: str  # the spec key, e.g. "kl"
    number: int  # 1-based within its kind
    inputs: Values  # what the question states (and which quantity it asks for)
    decimals: int  # of a numeric answer; of the worked values (+ GUARD) for a yes-or-no answer too
    answer: str  # exactly what the learner types, e.g. "0.9172", "-0.0693" or "yes"
    values: Values  # every number the worked solution shows, rounded to `decimals` + GUARD

    @property
    def answer_format(self) -> str:
        return "one word, yes or no" if self.kind in VERDICT_KINDS else f"{self.decimals} decimal places"

    @property
    def data(self) -> str:
        """The note's Data field: everything needed to recompute the answer, as compact sorted JSON."""
        return json.dumps({"id": self.id, "kind": self.kind, "inputs": self.inputs, "decimals": self.decimals,
                           "answer": self.answer, "values": self.values},
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass
class _Seen:
    """The inputs a kind's drills used so far, and whether a fresh draw was once not found."""

    keys: set[str] = field(default_factory=set)
    answers: set[str] = field(default_factory=set)  # a repeated answer could be memorised, not computed
    exhausted: bool = False  # once set, repeated inputs are accepted at once (keeps generation linear)


@cache
def floats() -> rlhf_math.Ops:
    """A scalar float backend for rlhf_math (the math module: faster than numpy on single numbers)."""

    def xlogy(x: float, y: float) -> float:
        return 0.0 if x == 0 else x * math.log(y)

    def number(value: object) -> float:
        return float(str(value))

    return rlhf_math.Ops(exp=math.exp, log=math.log, sqrt=math.sqrt, xlogy=xlogy, number=number)


def generate(lesson: Lesson) -> list[Drill]:
    spec = lesson.drills
    drills: list[Drill] = []
    for kind in KINDS:
        kind_spec = getattr(spec, kind)
        rng = random.Random(f"l13-drills:{spec.seed}:{kind}")
        seen = _Seen()
        for number in range(1, kind_spec.count + 1):
            drills.append(_one(kind, number, kind_spec, lesson, rng, seen))
    return drills


def drill_id(kind: str, number: int) -> str:
    return f"drill-{kind.replace('_', '-')}-{number:02d}"


# A maker draws a drill's inputs (JSON-ready) from its kind's spec.
Maker = Callable[[random.Random, Any, int, Lesson], Values]


def _one(kind: str, number: int, spec: Any, lesson: Lesson, rng: random.Random, seen: _Seen) -> Drill:
    maker = _MAKERS[kind]
    rules = lesson.drills.reject
    for attempt in range(ATTEMPTS):
        inputs = maker(rng, spec, number, lesson)
        raw = compute(kind, inputs)
        answer_raw = _pick(raw, drill_math.answer_term(kind, inputs))
        if near_tie(answer_raw, spec.decimals) or any(near_tie(v, spec.decimals + GUARD) for v in _numbers(raw)):
            continue
        values = {name: rounded(v, spec.decimals + GUARD) for name, v in raw.items()}
        answer = answer_text(answer_raw, spec.decimals)
        at_beta = functools.partial(_answer_at, kind, inputs, decimals=spec.decimals, answer=answer)
        if broken_rules(rules, inputs, answer, values, spec.decimals, at_beta):
            continue
        key = json.dumps(inputs, sort_keys=True)
        repeated = key in seen.keys or (answer in seen.answers and kind not in VERDICT_KINDS)
        if repeated and attempt < FRESH_ATTEMPTS and not seen.exhausted:
            continue
        if repeated:  # the spec has no fresh inputs left: stop looking for them (keeps generation linear)
            seen.exhausted = True
        seen.keys.add(key)
        seen.answers.add(answer)
        return Drill(drill_id(kind, number), kind, number, inputs, spec.decimals, answer, values)
    raise DrillSpecError(kind, "decimals", f"no inputs from this spec give drill {number} an answer away from a "
                         f"rounding tie at {spec.decimals} decimals that breaks none of drills.reject after "
                         f"{ATTEMPTS} draws, expected a wider grid")


def compute(kind: str, inputs: Values) -> dict[str, Any]:
    """Every value the drill shows, in floats (yes-or-no claims as booleans)."""
    if kind == "beta_limits":
        return _limit_values(inputs)
    out = drill_math.COMPUTE[kind](inputs, floats())
    return {name: bool(v.left > v.right) if isinstance(v, drill_math.Above) else v for name, v in out.items()}


def _answer_at(kind: str, inputs: Values, beta: str, *, decimals: int, answer: str) -> str:
    """The answer with another β; one near a rounding tie counts as unchanged, so the draw is redone."""
    value = _pick(compute(kind, {**inputs, "beta": beta}), drill_math.answer_term(kind, inputs))
    return answer if near_tie(value, decimals) else answer_text(value, decimals)




def _pick(values: dict[str, Any], term: tuple[str, int | None]) -> Any:
    name, index = term
    return values[name] if index is None else values[name][index]


def _numbers(raw: dict[str, Any]) -> list[float]:
    out: list[float] = []
    for value in raw.values():
        if isinstance(value, list):
            out += value
        elif not isinstance(value, bool | str):
            out.append(value)
    return out










def grid(values: Grid) -> list[Decimal]:
    steps = int((values.high - values.low) / values.step)
    return [values.low + i * values.step for i in range(steps + 1)]


def _two(rng: random.Random, spec_grid: Grid) -> list[Decimal]:
    p = rng.choice(grid(spec_grid))
    return [p, 1 - p]


def _three(rng: random.Random, spec_grid: Grid, kind: str) -> list[Decimal]:
    points = grid(spec_grid)
    pairs = [(a, b) for a in points for b in points if spec_grid.low <= 1 - a - b <= spec_grid.high]
    if not pairs:
        raise DrillSpecError(kind, "pi_sft", "no three probabilities of this grid sum to 1, expected a grid "
                             "that allows it (low at most 1/3, high at least 1/3)")
    a, b = rng.choice(pairs)
    return [a, b, 1 - a - b]


def _distribution(rng: random.Random, spec_grid: Grid, responses: int, kind: str) -> list[str]:
    drawn = _two(rng, spec_grid) if responses == 2 else _three(rng, spec_grid, kind)
    return [text(p) for p in drawn]


def _distinct(rng: random.Random, choices: Sequence[Decimal], k: int, kind: str) -> list[Decimal]:
    if len(set(choices)) < 2 or len(choices) < k:
        raise DrillSpecError(kind, "reward", f"fewer than {k} rewards or all equal, expected {k} or more "
                             "with at least two different")
    while True:
        picked = rng.sample(list(choices), k)
        if len(set(picked)) > 1:
            return picked


def draw_problem(rng: random.Random, spec: PolicyDrills, responses: int, kind: str) -> Values:
    """π_SFT, rewards and β of one prompt, drawn from a policy spec as the drills draw them (the practice
    sheets' variants use it, so a variant's numbers obey the same grids as a drill's)."""
    return _problem(rng, spec, responses, kind)


def _problem(rng: random.Random, spec: PolicyDrills, responses: int, kind: str) -> Values:
    """π_SFT, rewards and β of one prompt, drawn from a policy spec."""
    pi_sft = _distribution(rng, spec.pi_sft, responses, kind)
    reward = _distinct(rng, spec.reward, responses, kind)
    return {"pi_sft": pi_sft, "reward": [text(r) for r in reward], "beta": text(rng.choice(spec.beta))}


def _policy(rng: random.Random, spec: PolicyDrills, number: int, responses: int, kind: str) -> Values:
    inputs = _problem(rng, spec, responses, kind)
    quantity = POLICY_QUANTITIES[(number - 1) % len(POLICY_QUANTITIES)]
    response = rng.randint(1, responses)
    inputs["quantity"] = quantity
    if quantity != "z":
        inputs["response"] = response
    return inputs


def _policy_two(rng: random.Random, spec: PolicyDrills, number: int, lesson: Lesson) -> Values:
    return _policy(rng, spec, number, 2, "optimal_policy_two")


def _policy_three(rng: random.Random, spec: PolicyDrills, number: int, lesson: Lesson) -> Values:
    return _policy(rng, spec, number, 3, "optimal_policy_three")


def _practice(rng: random.Random, spec: PracticeDrills, number: int, lesson: Lesson) -> Values:
    example = next(e for e in lesson.examples if e.id == spec.example)
    quantity, response = PRACTICE_QUANTITIES[(number - 1) % len(PRACTICE_QUANTITIES)]
    inputs: Values = {"example": example.id, **_example_problem(example), "quantity": quantity}
    if response is not None:
        inputs["response"] = response
    return inputs


def _example_problem(example: Example) -> Values:
    return {"pi_sft": [text(p) for p in example.pi_sft], "reward": [text(r) for r in example.reward],
            "beta": text(example.beta)}


def _value_problem(kind: str) -> Maker:
    def make(rng: random.Random, spec: ValueDrills, number: int, lesson: Lesson) -> Values:
        return _problem(rng, spec, spec.responses, kind)

    return make


def _limits(rng: random.Random, spec: LimitDrills, number: int, lesson: Lesson) -> Values:
    quantity = LIMIT_QUANTITIES[(number - 1) % len(LIMIT_QUANTITIES)]
    pi_sft = _distribution(rng, spec.pi_sft, 3, "beta_limits")
    rewards = sorted(set(spec.reward))
    if len(rewards) < 2:
        raise DrillSpecError("beta_limits", "reward", "fewer than two different rewards, expected at least two")
    top = rng.choice(rewards[1:])
    low = rng.choice([r for r in rewards if r < top])
    # A tied response's share needs a tie at the top; the KL limit is asked with or without one.
    reward = [top, top, low] if quantity == "pi_star" else [top, rng.choice([top, low]), rng.choice(rewards)]
    rng.shuffle(reward)
    inputs: Values = {"pi_sft": pi_sft, "reward": [text(r) for r in reward], "limit": "small", "quantity": quantity}
    if quantity == "pi_star":
        inputs["response"] = rng.choice([i + 1 for i, r in enumerate(reward) if r == top])
    return inputs


def _limit_values(inputs: Values) -> dict[str, Any]:
    ops = floats()
    pi_sft = [float(p) for p in inputs["pi_sft"]]
    reward = [float(r) for r in inputs["reward"]]
    top = max(reward)  # π* is unchanged by a shift of every reward; this one avoids overflow
    solved = rlhf_math.optimal_policy(pi_sft, [r - top for r in reward], SMALL_BETA, ops)
    return {"limit_policy": list(solved.pi), "limit_kl": rlhf_math.kl_divergence(list(solved.pi), pi_sft, ops)}


def _kl(rng: random.Random, spec: PolicyDrills, number: int, lesson: Lesson) -> Values:
    return _problem(rng, spec, 2, "kl")


def _kl_direction(rng: random.Random, spec: DirectionDrills, number: int, lesson: Lesson) -> Values:
    pi_sft = _distribution(rng, spec.probability, spec.responses, "kl_direction")
    pi = pi_sft
    while pi == pi_sft:
        pi = _distribution(rng, spec.probability, spec.responses, "kl_direction")
    return {"pi": pi, "pi_sft": pi_sft}


def _bradley_terry(rng: random.Random, spec: PairDrills, number: int, lesson: Lesson) -> Values:
    return {"reward": [text(r) for r in _distinct(rng, spec.reward, 2, "bradley_terry")]}


def _rm_loss(rng: random.Random, spec: RmLossDrills, number: int, lesson: Lesson) -> Values:
    responses = rng.choice(spec.responses)
    return {"reward": [text(r) for r in _distinct(rng, spec.reward, responses, "rm_loss")]}


def _dpo(rng: random.Random, spec: Any, number: int, lesson: Lesson) -> Values:
    points = grid(spec.probability)
    if len(points) < 2:
        raise DrillSpecError("dpo_reward", "probability", "the grid has one value, expected at least two")
    pi, pi_ref = rng.sample(points, 2)
    return {"pi": text(pi), "pi_ref": text(pi_ref), "beta": text(rng.choice(spec.beta))}


def _interval_maker(kind: str, lowest: Decimal) -> Maker:
    """Win rates above ``lowest`` from the grid; the lower end kept away from 0.5 by a float margin."""

    def make(rng: random.Random, spec: IntervalDrills, number: int, lesson: Lesson) -> Values:
        rates = [r for r in grid(spec.win_rate) if r > lowest]
        if not rates:
            raise DrillSpecError(kind, "win_rate", f"no win rate of the grid is above {lowest}, expected some "
                                 "(a win rate at or below 0.5 shows no gain without any computing)")
        z = lesson.run_health.confidence_z
        for _ in range(ATTEMPTS):
            rate, n = rng.choice(rates), rng.choice(spec.n)
            low, _high = rlhf_math.win_rate_interval(float(rate), float(n), float(z), floats())
            if abs(low - 0.5) >= TIE_MARGIN:
                break
        return {"win_rate": text(rate), "n": n, "z": text(z)}

    return make


_MAKERS: dict[str, Maker] = {
    "optimal_policy_two": _policy_two,
    "optimal_policy_three": _policy_three,
    "practice_problem": _practice,
    "max_value": _value_problem("max_value"),
    "expected_reward": _value_problem("expected_reward"),
    "beta_limits": _limits,
    "kl": _kl,
    "kl_direction": _kl_direction,
    "bradley_terry": _bradley_terry,
    "rm_loss": _rm_loss,
    "dpo_reward": _dpo,
    "win_rate_interval": _interval_maker("win_rate_interval", Decimal(0)),
    "win_rate_gain": _interval_maker("win_rate_gain", Decimal("0.5")),
}
