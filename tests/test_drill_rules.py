"""Drills that teach: every kind the lesson needs, and no degenerate drill from any spec.

The properties are written here from their definitions (not through ``drill_rules``), and checked on the
source's drills and, with hypothesis, on drills from other seeds, counts and grids.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from l13_assets import drills
from l13_assets.drills import Drill
from l13_assets.model import Lesson
from l13_assets.verify import drills as check
from l13_assets.verify.drills import check_drills, recompute

from deck_helpers import default_lesson

# The kinds issue 13 asks for beyond the release-1 arithmetic, each a key of the source's drills section.
NEW_KINDS = ("practice_problem", "max_value", "expected_reward", "kl_direction", "rm_loss", "win_rate_gain")
LABELS = {"response", "quantity", "limit", "example", "z"}  # inputs that are labels, not stated quantities


def stated_numbers(drill: Drill) -> set[Decimal]:
    found: set[Decimal] = set()
    for name, value in drill.inputs.items():
        if name in LABELS:
            continue
        for item in value if isinstance(value, list) else [value]:
            found.add(Decimal(str(item)))
    return found


def degenerate(drill: Drill) -> list[str]:
    """Why a learner could answer this drill without its method, from the definitions."""
    reasons = []
    if drill.answer not in ("yes", "no") and Decimal(drill.answer) in stated_numbers(drill):
        reasons.append("the answer is a number the question states")
    reward = drill.inputs.get("reward")
    if reward is not None and len({Decimal(r) for r in reward}) == 1:
        reasons.append("every reward is the same")
    if "beta" in drill.inputs:
        beta = Decimal(drill.inputs["beta"])
        for other in (beta * 2, beta / 2):
            answer, _ = recompute(drill.kind, {**drill.inputs, "beta": format(other.normalize(), "f")}, drill.decimals)
            if answer == drill.answer:
                reasons.append(f"the answer is the same at β = {other}")
    if "kl_other_direction" in drill.values:
        gap = abs(Decimal(drill.values["kl"]) - Decimal(drill.values["kl_other_direction"]))
        if gap < Decimal(10) ** -drill.decimals:
            reasons.append("both KL directions give the answer")
    if drill.kind == "beta_limits" and Decimal(drill.answer) in (0, 1):
        reasons.append("a β limit of 0 or 1 needs no method")
    return reasons


def with_counts(lesson: Lesson, seed: int, counts: dict[str, int]) -> Lesson:
    spec = lesson.drills
    update: dict[str, Any] = {kind: getattr(spec, kind).model_copy(update={"count": n}) for kind, n in counts.items()}
    return lesson.model_copy(update={"drills": spec.model_copy(update={**update, "seed": seed})})


def test_the_source_has_every_kind_and_the_new_ones() -> None:
    lesson = default_lesson()
    generated = drills.generate(lesson)
    assert set(NEW_KINDS) <= set(drills.KINDS)
    for kind in NEW_KINDS:
        assert any(d.kind == kind for d in generated), kind


def test_no_drill_of_the_source_is_degenerate() -> None:
    for drill in drills.generate(default_lesson()):
        assert degenerate(drill) == [], drill.id


def test_the_practice_problem_drills_are_the_lessons_own_numbers() -> None:
    lesson = default_lesson()
    example = next(e for e in lesson.examples if e.id == lesson.drills.practice_problem.example)
    stated = {"pi_star": example.pi_star[0], "z": example.z, "kl": example.kl, "max_value": example.max_value,
              "expected_reward": example.expected_reward}
    practice = [d for d in drills.generate(lesson) if d.kind == "practice_problem"]
    assert len(practice) == lesson.drills.practice_problem.count
    for drill in practice:
        assert [Decimal(p) for p in drill.inputs["pi_sft"]] == list(example.pi_sft)
        quantity = drill.inputs["quantity"]
        if quantity in stated and (quantity != "pi_star" or drill.inputs["response"] == 1):
            assert Decimal(drill.answer) == stated[quantity], drill.id


def test_interval_drills_ask_only_the_lower_end_and_gain_drills_yes_or_no() -> None:
    for drill in drills.generate(default_lesson()):
        if drill.kind == "win_rate_interval":
            assert "upper" not in drill.values and "bound" not in drill.inputs
            assert abs(Decimal(drill.answer) - Decimal(drill.values["lower"])) <= Decimal(10) ** -drill.decimals / 2
        if drill.kind == "win_rate_gain":
            assert drill.answer == ("yes" if drill.values["shows_gain"] else "no")
            assert Decimal(drill.inputs["win_rate"]) > Decimal("0.5")  # at or below 0.5 needs no computing


KIND_COUNTS = st.fixed_dictionaries({kind: st.integers(0, 3) for kind in drills.KINDS})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), counts=KIND_COUNTS)
def test_no_seed_and_count_gives_a_degenerate_drill(seed: int, counts: dict[str, int]) -> None:
    lesson = with_counts(default_lesson(), seed, counts)
    for drill in drills.generate(lesson):
        assert degenerate(drill) == [], (drill.id, drill.inputs, drill.answer)
    assert all(f.ok for f in check_drills(lesson))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), rewards=st.lists(st.sampled_from(["-1", "-0.5", "0", "0.5", "1", "2"]),
                                                     min_size=3, max_size=6, unique=True))
def test_a_reward_list_with_zero_gives_no_weight_that_equals_its_probability(seed: int, rewards: list[str]) -> None:
    # A reward of 0 gives the weight π_SFT(y)·e⁰ = π_SFT(y): the generator must draw again.
    lesson = default_lesson()
    spec = lesson.drills.optimal_policy_three.model_copy(
        update={"reward": tuple(Decimal(r) for r in ["0", *(r for r in rewards if r != "0")]), "count": 6})
    lesson = lesson.model_copy(update={"drills": lesson.drills.model_copy(
        update={"optimal_policy_three": spec, "seed": seed})})
    for drill in drills.generate(lesson):
        assert degenerate(drill) == [], (drill.id, drill.inputs, drill.answer)


DEGENERATE = [
    # A weight with reward 0 is π_SFT itself.
    ("answer-is-an-input", "optimal_policy_two",
     {"pi_sft": ["0.3", "0.7"], "reward": ["1", "0"], "beta": "1", "quantity": "weight", "response": 2}),
    # Equal rewards: π* is π_SFT at every β.
    ("constant-reward", "optimal_policy_two",
     {"pi_sft": ["0.3", "0.7"], "reward": ["0.5", "0.5"], "beta": "1", "quantity": "z"}),
    # π = π_ref: the implicit reward is 0 whatever β.
    ("answer-ignores-beta", "dpo_reward", {"pi": "0.4", "pi_ref": "0.4", "beta": "0.5"}),
    # Two directions of a KL that agree: a symmetric pair of distributions.
    ("kl-directions-agree", "kl_direction", {"pi": ["0.6", "0.4"], "pi_sft": ["0.4", "0.6"]}),
]


@pytest.mark.parametrize(("rule", "kind", "inputs"), DEGENERATE, ids=[d[0] for d in DEGENERATE])
def test_each_rule_fails_the_check_on_a_degenerate_drill(rule: str, kind: str, inputs: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    lesson = default_lesson()
    decimals = 4
    answer, values = recompute(kind, inputs, decimals)
    bad = Drill(drills.drill_id(kind, 1), kind, 1, inputs, decimals, answer, values)
    monkeypatch.setattr(check, "generate", lambda _lesson: [bad])
    failed = [f for f in check_drills(lesson) if not f.ok]
    index = list(lesson.drills.reject).index(rule)
    assert any(f.kind == "drill-rule" and f.path == ("drills", "reject", index) and bad.id in f.detail
               for f in failed), [f.detail for f in failed]


@pytest.mark.parametrize("kind", drills.KINDS)
def test_raising_any_kinds_count_only_adds_drills(kind: str) -> None:
    lesson = default_lesson()
    before = {d.id: d for d in drills.generate(lesson)}
    raised = with_counts(lesson, lesson.drills.seed, {kind: getattr(lesson.drills, kind).count + 2})
    after = {d.id: d for d in drills.generate(raised)}
    assert set(after) - set(before) == {drills.drill_id(kind, getattr(lesson.drills, kind).count + n) for n in (1, 2)}
    assert all(after[i] == d for i, d in before.items())
