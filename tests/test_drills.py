"""Numeric drills: generated reproducibly from the spec, and every answer checked exactly."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from l13_assets import drills, rlhf_math
from l13_assets.model import Lesson
from l13_assets.verify import drills as check
from l13_assets.verify.drills import check_drills, expected_values, recompute

from deck_helpers import SOURCE, default_lesson


def with_counts(lesson: Lesson, **counts: int) -> Lesson:
    spec = lesson.drills
    update = {kind: getattr(spec, kind).model_copy(update={"count": n}) for kind, n in counts.items()}
    return lesson.model_copy(update={"drills": spec.model_copy(update=update)})


def test_default_spec_gives_every_kind_with_stable_ids() -> None:
    lesson = default_lesson()
    generated = drills.generate(lesson)
    assert len(generated) >= 30
    for kind in drills.KINDS:
        mine = [d for d in generated if d.kind == kind]
        assert len(mine) == getattr(lesson.drills, kind).count
        assert [d.id for d in mine] == [f"drill-{kind.replace('_', '-')}-{n:02d}" for n in range(1, len(mine) + 1)]
    assert "drill-kl-03" in {d.id for d in generated}


def test_answers_are_plain_text_in_the_stated_format() -> None:
    for drill in drills.generate(default_lesson()):
        if drill.kind in drills.VERDICT_KINDS:
            assert drill.answer in ("yes", "no") and drill.answer_format == "one word, yes or no"
        else:
            assert re.fullmatch(rf"-?\d+\.\d{{{drill.decimals}}}", drill.answer), drill.id
            assert drill.answer_format == f"{drill.decimals} decimal places"
        data = json.loads(drill.data)
        assert data["kind"] == drill.kind and data["answer"] == drill.answer and data["inputs"] == drill.inputs


def test_parameters_vary_so_no_single_number_can_be_memorised() -> None:
    generated = drills.generate(default_lesson())
    for kind in set(drills.KINDS) - drills.VERDICT_KINDS:
        answers = [d.answer for d in generated if d.kind == kind]
        assert len(set(answers)) == len(answers), kind
    for kind in drills.VERDICT_KINDS:  # a yes-or-no kind asks both ways
        assert {d.answer for d in generated if d.kind == kind} == {"yes", "no"}, kind


def test_the_same_spec_gives_the_same_drills_in_any_process() -> None:
    here = [d.data for d in drills.generate(default_lesson())]
    code = ("import sys; from pathlib import Path; from l13_assets.loader import load; from l13_assets import drills;"
            f"print('\\n'.join(d.data for d in drills.generate(load(Path({str(SOURCE)!r})).lesson)))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345"}).stdout.splitlines()
    assert other == here


def test_raising_one_count_appends_and_leaves_every_other_drill_alone() -> None:
    lesson = default_lesson()
    before = {d.id: d for d in drills.generate(lesson)}
    after = {d.id: d for d in drills.generate(with_counts(lesson, kl=lesson.drills.kl.count + 3))}
    assert set(after) - set(before) == {"drill-kl-06", "drill-kl-07", "drill-kl-08"}
    assert all(after[i] == d for i, d in before.items())


def test_every_drill_of_the_source_checks_out_one_fact_each() -> None:
    lesson = default_lesson()
    facts = check_drills(lesson)
    answers = [f for f in facts if f.kind == "drill"]
    assert len(answers) == len(drills.generate(lesson))
    assert all(f.ok for f in facts), [f.detail for f in facts if not f.ok]
    assert {f.path for f in answers} == {("drills", kind) for kind in drills.KINDS}
    rules = [f for f in facts if f.kind == "drill-rule"]  # and one fact per rule of the source
    assert [f.path for f in rules] == [("drills", "reject", i) for i in range(len(lesson.drills.reject))]


WORKED = {"pi_sft": ["0.6", "0.4"], "reward": ["1", "0"], "beta": "0.5"}
PRACTICE = {"pi_sft": ["0.5", "0.3", "0.2"], "reward": ["1.0", "0.5", "-1.0"], "beta": "0.5"}


@pytest.mark.parametrize(("kind", "inputs", "decimals", "expected"), [
    # The lesson's worked example and practice problem (facts.md).
    ("optimal_policy_two", {**WORKED, "quantity": "z"}, 4,
     {"weights": ["4.4334", "0.4000"], "z": "4.8334", "pi_star": ["0.9172", "0.0828"]}),
    ("optimal_policy_three", {**PRACTICE, "quantity": "z"}, 4,
     {"weights": ["3.6945", "0.8155", "0.0271"], "z": "4.5371", "pi_star": ["0.8143", "0.1797", "0.0060"]}),
    ("practice_problem", {**PRACTICE, "quantity": "max_value", "example": "practice-problem"}, 4,
     {"weights": ["3.6945", "0.8155", "0.0271"], "z": "4.5371", "pi_star": ["0.8143", "0.1797", "0.0060"],
      "kl": "0.2841", "expected_reward": "0.8982", "max_value": "0.7561"}),
    ("kl", WORKED, 4, {"weights": ["4.4334", "0.4000"], "z": "4.8334", "pi_star": ["0.9172", "0.0828"],
                       "kl": "0.2589", "kl_other_direction": "0.3756"}),
    ("max_value", WORKED, 4, {"weights": ["4.4334", "0.4000"], "z": "4.8334", "log_z": "1.5756",
                              "max_value": "0.7878"}),
    ("expected_reward", WORKED, 4, {"weights": ["4.4334", "0.4000"], "z": "4.8334",
                                    "pi_star": ["0.9172", "0.0828"], "expected_reward": "0.9172",
                                    "sft_expected_reward": "0.6000"}),
    # KL(π*‖π_SFT) against KL(π_SFT‖π*), the learner's common slip: 0.2841 and 0.6123 (facts.md).
    ("kl_direction", {"pi": ["0.814279", "0.179745", "0.005976"], "pi_sft": ["0.5", "0.3", "0.2"]}, 2,
     {"kl": "0.28", "kl_other_direction": "0.61"}),
    ("bradley_terry", {"reward": ["1", "0"]}, 4, {"probability": "0.7311"}),
    # One comparison the RM orders right by a gap of 1 costs −log σ(1) = 0.3133; reversed, 1.3133.
    ("rm_loss", {"reward": ["1", "0"]}, 4, {"pair_losses": ["0.3133"], "loss": "0.3133"}),
    ("rm_loss", {"reward": ["0", "1", "0"]}, 4, {"pair_losses": ["1.3133", "0.6931", "0.3133"], "loss": "0.7732"}),
    ("win_rate_interval", {"win_rate": "0.55", "n": 200, "z": "1.96"}, 3,
     {"half_width": "0.069", "lower": "0.481", "shows_gain": False}),
    ("win_rate_gain", {"win_rate": "0.55", "n": 1000, "z": "1.96"}, 3,
     {"half_width": "0.031", "lower": "0.519", "shows_gain": True}),
    ("beta_limits", {**WORKED, "limit": "small", "quantity": "pi_star", "response": 1}, 4,
     {"limit_policy": ["1.0000", "0.0000"], "limit_kl": "0.5108"}),
    ("beta_limits", {**PRACTICE, "limit": "small", "quantity": "kl"}, 4,
     {"limit_policy": ["1.0000", "0.0000", "0.0000"], "limit_kl": "0.6931"}),
    # Ties at the top share the mass in proportion to π_SFT: 0.3/0.8 = 0.375 and 0.5/0.8 = 0.625 exactly,
    # which round half away from zero.
    ("beta_limits", {"pi_sft": ["0.3", "0.5", "0.2"], "reward": ["1", "1", "0"], "limit": "small",
                     "quantity": "pi_star", "response": 1}, 2, {"limit_policy": ["0.38", "0.63", "0.00"],
                                                                  "limit_kl": "0.22"}),
    ("dpo_reward", {"pi": "0.3", "pi_ref": "0.6", "beta": "0.1"}, 4, {"log_ratio": "-0.6931", "reward": "-0.0693"}),
])
def test_exact_recomputation_reproduces_the_lessons_numbers(kind: str, inputs: dict[str, Any], decimals: int,
                                                             expected: dict[str, Any]) -> None:
    assert expected_values(kind, inputs, decimals) == expected


def test_worked_values_carry_two_more_decimals_than_the_answer() -> None:
    # β·log(0.5/0.75) = −0.04055…: with the log-ratio shown at 4 decimals (−0.4055) a learner would get
    # −0.0406; shown at 6 (−0.405465) the solution leads to the answer.
    answer, values = recompute("dpo_reward", {"pi": "0.5", "pi_ref": "0.75", "beta": "0.1"}, 4)
    assert answer == "-0.0405" and values == {"log_ratio": "-0.405465", "reward": "-0.040547"}


def test_a_value_exactly_on_a_rounding_tie_is_decided_by_exact_arithmetic() -> None:
    # 0.5 − 1.96·sqrt(0.25/64) = 0.3775 exactly: the interval enclosure straddles the tie, sympy settles it.
    values = expected_values("win_rate_interval", {"win_rate": "0.5", "n": 64, "z": "1.96"}, 3)
    assert values["lower"] == "0.378"


def test_a_wrong_answer_on_a_card_fails_its_fact(monkeypatch: pytest.MonkeyPatch) -> None:
    lesson = default_lesson()
    good = drills.generate(lesson)
    target = next(d for d in good if d.kind == "kl")
    wrong = f"{float(target.answer) + 0.0001:.4f}"
    bad = [replace(d, answer=wrong) if d.id == target.id else d for d in good]
    monkeypatch.setattr(check, "generate", lambda _lesson: bad)
    failed = [f for f in check_drills(lesson) if not f.ok]
    assert [f.claim for f in failed] == [f"{target.id}: {wrong}"]
    assert failed[0].path == ("drills", "kl")
    assert f"the card's answer is {wrong}" in failed[0].detail and target.answer in failed[0].detail


def test_a_generator_bug_is_caught_by_the_independent_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # A generator whose exp is off by 0.1%: every drill that uses exp must fail, the others must pass.
    real = drills.floats()
    off = rlhf_math.Ops(exp=lambda x: 1.001 * math.exp(x), log=real.log, sqrt=real.sqrt, xlogy=real.xlogy,
                        number=real.number)
    monkeypatch.setattr(drills, "floats", lambda: off)
    facts = check_drills(default_lesson())
    failed_kinds = {f.path[1] for f in facts if not f.ok}
    uses_exp = {"optimal_policy_two", "optimal_policy_three", "practice_problem", "max_value", "expected_reward",
                "kl", "bradley_terry", "rm_loss"}
    assert failed_kinds == uses_exp
    assert all(f.ok for f in facts if f.path[1] not in uses_exp)


def test_an_impossible_spec_is_a_failed_fact_not_a_crash() -> None:
    lesson = default_lesson()
    spec = lesson.drills.optimal_policy_three
    grid = spec.pi_sft.model_copy(update={"low": spec.pi_sft.high})
    broken = lesson.model_copy(update={"drills": lesson.drills.model_copy(
        update={"optimal_policy_three": spec.model_copy(update={"pi_sft": grid})})})
    [fact] = check_drills(broken)
    assert not fact.ok and fact.path == ("drills", "optimal_policy_three", "pi_sft")
    assert "sum to 1" in fact.detail


def test_a_thousand_drills_all_check_out() -> None:
    lesson = default_lesson()
    total = sum(getattr(lesson.drills, k).count for k in drills.KINDS)
    scaled = with_counts(lesson, **{k: getattr(lesson.drills, k).count * 1000 // total + 1 for k in drills.KINDS})
    facts = check_drills(scaled)
    assert len(facts) >= 1000
    assert all(f.ok for f in facts), [f.detail for f in facts if not f.ok][:3]
