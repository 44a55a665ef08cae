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
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from . import rlhf_math
from .model import DpoDrills, Grid, IntervalDrills, LimitDrills, PairDrills, PolicyDrills
from .model import Lesson as Lesson

# The kinds in lesson order (the order of the deck's drill cards), each a field of ``DrillSpec``.
KINDS = (
    "optimal_policy_two",
    "optimal_policy_three",
    "beta_limits",
    "kl",
    "bradley_terry",
    "dpo_reward",
    "win_rate_interval",
)
POLICY_QUANTITIES = ("pi_star", "z", "weight")  # asked in turn by the optimal-policy drills
LIMIT_MODES = ("small_tie", "large", "small_tie", "small")  # β-limit drills cycle through these
SMALL_BETA = 1e-9  # stands for β → 0⁺ in floats, with rewards shifted so the top one is 0 (no overflow)
LARGE_BETA = 1e12  # stands for β → ∞: exp(R/β) = 1 within 1e-11
TIE_MARGIN = 1e-6
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
    decimals: int
    answer: str  # exactly what the learner types, e.g. "0.9172" or "-0.0693"
    values: Values  # every number the worked solution shows, rounded to `decimals` + GUARD

    @property
    def answer_format(self) -> str:
        return f"{self.decimals} decimal places"

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


# A maker draws inputs and computes (inputs, values, answer) in floats; values are unrounded here.
Maker = Callable[[random.Random, Any, int, Lesson], tuple[Values, dict[str, Any], str]]


def _one(kind: str, number: int, spec: Any, lesson: Lesson, rng: random.Random, seen: _Seen) -> Drill:
    maker = _MAKERS[kind]
    for attempt in range(ATTEMPTS):
        inputs, raw, answer_key = maker(rng, spec, number, lesson)
        answer_raw = _pick(raw, answer_key)
        if _near_tie(answer_raw, spec.decimals) or any(_near_tie(v, spec.decimals + GUARD) for v in _numbers(raw)):
            continue
        key = json.dumps(inputs, sort_keys=True)
        if key in seen.keys and attempt < FRESH_ATTEMPTS and not seen.exhausted:
            continue
        if key in seen.keys:  # the spec has no fresh inputs left: stop looking for them (keeps generation linear)
            seen.exhausted = True
        seen.keys.add(key)
        values = {name: _rounded(v, spec.decimals + GUARD) for name, v in raw.items()}
        answer = _rounded(answer_raw, spec.decimals)
        return Drill(drill_id(kind, number), kind, number, inputs, spec.decimals, answer, values)
    raise DrillSpecError(kind, "decimals", f"no inputs from this spec give drill {number} an answer away from a "
                         f"rounding tie at {spec.decimals} decimals after {ATTEMPTS} draws, expected a wider grid")


def _pick(values: dict[str, Any], key: str) -> Any:
    """``"pi_star"`` or ``"pi_star.2"`` (the second entry of a list)."""
    name, _, index = key.partition(".")
    value = values[name]
    return value[int(index) - 1] if index else value


def _numbers(raw: dict[str, Any]) -> list[float]:
    out: list[float] = []
    for value in raw.values():
        if isinstance(value, list):
            out += value
        elif not isinstance(value, bool | str):
            out.append(value)
    return out


def _near_tie(value: float, decimals: int) -> bool:
    scaled = abs(value) * 10.0**decimals
    return abs(scaled - math.floor(scaled) - 0.5) < TIE_MARGIN


def round_half_up(value: Decimal, decimals: int) -> str:
    """``value`` at ``decimals`` places, halves away from zero, never "-0.00"."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return format(rounded, "f")


def _rounded(value: Any, decimals: int) -> Any:
    if isinstance(value, list):
        return [_rounded(v, decimals) for v in value]
    if isinstance(value, bool | str):  # booleans, and exact decimals already written out
        return value
    return round_half_up(Decimal(value), decimals)


def text(value: Decimal) -> str:
    """A source number as the shortest decimal string: Decimal('0.30') -> '0.3'."""
    return format(value.normalize(), "f")


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


def _distinct(rng: random.Random, choices: Sequence[Decimal], k: int, kind: str) -> list[Decimal]:
    if len(set(choices)) < 2 or len(choices) < k:
        raise DrillSpecError(kind, "reward", f"fewer than {k} rewards or all equal, expected {k} or more "
                             "with at least two different")
    while True:
        picked = rng.sample(list(choices), k)
        if len(set(picked)) > 1:
            return picked


def _policy(rng: random.Random, spec: PolicyDrills, number: int, responses: int,
            kind: str) -> tuple[Values, dict[str, Any], str]:
    pi_sft = _two(rng, spec.pi_sft) if responses == 2 else _three(rng, spec.pi_sft, kind)
    reward = _distinct(rng, spec.reward, responses, kind)
    beta = rng.choice(spec.beta)
    quantity = POLICY_QUANTITIES[(number - 1) % len(POLICY_QUANTITIES)]
    response = rng.randint(1, responses)
    ops = floats()
    solved = rlhf_math.optimal_policy([float(p) for p in pi_sft], [float(r) for r in reward], float(beta), ops)
    inputs: Values = {"pi_sft": [text(p) for p in pi_sft], "reward": [text(r) for r in reward],
                      "beta": text(beta), "quantity": quantity}
    if quantity != "z":
        inputs["response"] = response
    raw = {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi)}
    answer = {"pi_star": f"pi_star.{response}", "z": "z", "weight": f"weights.{response}"}[quantity]
    return inputs, raw, answer


def _policy_two(rng: random.Random, spec: PolicyDrills, number: int,
                lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    return _policy(rng, spec, number, 2, "optimal_policy_two")


def _policy_three(rng: random.Random, spec: PolicyDrills, number: int,
                  lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    return _policy(rng, spec, number, 3, "optimal_policy_three")


def _limits(rng: random.Random, spec: LimitDrills, number: int,
            lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    mode = LIMIT_MODES[(number - 1) % len(LIMIT_MODES)]
    pi_sft = _three(rng, spec.pi_sft, "beta_limits")
    rewards = sorted(set(spec.reward))
    if len(rewards) < 2:
        raise DrillSpecError("beta_limits", "reward", "fewer than two different rewards, expected at least two")
    if mode == "small_tie":  # two responses share the top reward, the third is lower
        top = rng.choice(rewards[1:])
        low = rng.choice([r for r in rewards if r < top])
        reward = [top, top, low]
        rng.shuffle(reward)
        response = rng.choice([i + 1 for i, r in enumerate(reward) if r == top])
    else:
        reward = _distinct(rng, rewards, 3, "beta_limits") if len(rewards) >= 3 else [*rewards, rewards[0]]
        if mode == "small":
            while reward.count(max(reward)) > 1:
                reward = rng.sample(rewards, 3)
        response = rng.randint(1, 3)
    limit = "large" if mode == "large" else "small"
    beta = LARGE_BETA if limit == "large" else SMALL_BETA
    top_reward = float(max(reward))  # π* is unchanged by a shift of every reward; this one avoids overflow
    solved = rlhf_math.optimal_policy([float(p) for p in pi_sft], [float(r) - top_reward for r in reward],
                                      beta, floats())
    inputs: Values = {"pi_sft": [text(p) for p in pi_sft], "reward": [text(r) for r in reward],
                      "limit": limit, "response": response}
    return inputs, {"limit_policy": list(solved.pi)}, f"limit_policy.{response}"


def _kl(rng: random.Random, spec: PolicyDrills, number: int,
        lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    pi_sft = _two(rng, spec.pi_sft)
    reward = _distinct(rng, spec.reward, 2, "kl")
    beta = rng.choice(spec.beta)
    solved = rlhf_math.optimal_policy([float(p) for p in pi_sft], [float(r) for r in reward], float(beta), floats())
    inputs: Values = {"pi_sft": [text(p) for p in pi_sft], "reward": [text(r) for r in reward], "beta": text(beta)}
    raw = {"weights": list(solved.weights), "z": solved.z, "pi_star": list(solved.pi), "kl": solved.kl}
    return inputs, raw, "kl"


def _bradley_terry(rng: random.Random, spec: PairDrills, number: int,
                   lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    r1, r2 = _distinct(rng, spec.reward, 2, "bradley_terry")
    probability = rlhf_math.bradley_terry(float(r1), float(r2), floats())
    inputs: Values = {"reward": [text(r1), text(r2)]}
    return inputs, {"gap": text(r1 - r2), "probability": probability}, "probability"


def _dpo(rng: random.Random, spec: DpoDrills, number: int,
         lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    points = grid(spec.probability)
    if len(points) < 2:
        raise DrillSpecError("dpo_reward", "probability", "the grid has one value, expected at least two")
    pi, pi_ref = rng.sample(points, 2)
    beta = rng.choice(spec.beta)
    ops = floats()
    inputs: Values = {"pi": text(pi), "pi_ref": text(pi_ref), "beta": text(beta)}
    # log(π/π_ref) is the implicit reward at β = 1: one formula, rlhf_math's.
    raw = {"log_ratio": rlhf_math.dpo_implicit_reward(float(pi), float(pi_ref), 1.0, ops),
           "reward": rlhf_math.dpo_implicit_reward(float(pi), float(pi_ref), float(beta), ops)}
    return inputs, raw, "reward"


def _interval(rng: random.Random, spec: IntervalDrills, number: int,
              lesson: Lesson) -> tuple[Values, dict[str, Any], str]:
    bound = ("lower", "upper")[(number - 1) % 2]
    z = lesson.run_health.confidence_z
    for _ in range(ATTEMPTS):  # keep "does the interval clear 0.5?" away from a float tie too
        rate = rng.choice(grid(spec.win_rate))
        n = rng.choice(spec.n)
        low, high = rlhf_math.win_rate_interval(float(rate), float(n), float(z), floats())
        if abs(low - 0.5) >= TIE_MARGIN:
            break
    inputs: Values = {"win_rate": text(rate), "n": n, "z": text(z), "bound": bound}
    raw = {"half_width": high - float(rate), "lower": low, "upper": high, "shows_gain": low > 0.5}
    return inputs, raw, bound


_MAKERS: dict[str, Maker] = {
    "optimal_policy_two": _policy_two,
    "optimal_policy_three": _policy_three,
    "beta_limits": _limits,
    "kl": _kl,
    "bradley_terry": _bradley_terry,
    "dpo_reward": _dpo,
    "win_rate_interval": _interval,
}
