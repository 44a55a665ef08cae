"""Diagnostics that discriminate: enough findings, near misses whose verdicts differ, and rules that judge a
reward model against chance and the labelers' own agreement rather than a fixed number."""

from __future__ import annotations

from decimal import Decimal

from l13_assets import verify
from l13_assets.errors import UserError
from l13_assets.loader import parse
from l13_assets.model import Measured
from l13_assets.verify.rules import derive_verdict

from conftest import SOURCE

TEXT = SOURCE.read_text(encoding="utf-8")
REAL = parse(TEXT.encode(), "l13.yaml")
LESSON = REAL.lesson


def _measured() -> list[tuple[str, Measured, str]]:
    return [(f.id, f.measured, f.verdict) for f in LESSON.findings if f.measured is not None]


def test_at_least_twelve_findings_and_labels_only_on_the_briefs_five() -> None:
    assert len(LESSON.findings) >= 12
    labels = [f.label for f in LESSON.findings if f.label is not None]
    assert labels == list("abcde")


def test_near_misses_look_alike_and_get_different_verdicts() -> None:
    """Pairs measured on the same quantities, differing in one value, with different verdicts."""
    pairs = []
    measured = _measured()
    for i, (a, ma, va) in enumerate(measured):
        for b, mb, vb in measured[i + 1:]:
            da, db = ma.model_dump(exclude_none=True), mb.model_dump(exclude_none=True)
            if da.keys() == db.keys() and sum(da[k] != db[k] for k in da) == 1 and va != vb:
                pairs.append((a, b))
    assert len(pairs) >= 4, pairs


def test_every_verdict_kind_is_taught() -> None:
    assert {f.verdict for f in LESSON.findings} == {"working", "fix", "unsettled"}


def test_an_rm_near_labeler_agreement_is_judged_by_agreement_not_by_a_fixed_number() -> None:
    """0.63 is low against a fixed 0.65 but healthy near the labelers' own agreement; the same accuracy far
    below their agreement is a weak RM."""
    health = LESSON.run_health
    gap_rule = next(r for r in health.rules if r.quantity == "rm_gap_to_agreement")
    near = next(m for _, m, v in _measured() if v == "working" and m.rm_accuracy is not None
                and m.labeler_agreement is not None)
    assert near.rm_accuracy is not None and near.labeler_agreement is not None
    assert near.rm_accuracy < Decimal("0.65") and derive_verdict(near, health)[0] == "working"
    far = near.model_copy(update={"labeler_agreement": near.rm_accuracy + gap_rule.value + Decimal("0.01")})
    verdict, reasons, _ = derive_verdict(far, health)
    assert verdict == "fix" and any(r.startswith(f"{gap_rule.id}:") and r.endswith("is False") for r in reasons)
    chance = near.model_copy(update={"rm_accuracy": Decimal("0.51"), "labeler_agreement": Decimal("0.52")})
    assert derive_verdict(chance, health)[0] == "unsettled", "near agreement but not shown above chance"


def test_a_reason_missing_for_an_instrument_is_one_located_problem() -> None:
    finding = LESSON.findings[0]
    line, _ = REAL.located.values[("findings", 0, "why", len(finding.why) - 1)]
    lines = TEXT.split("\n")
    del lines[line - 1]
    try:
        parse("\n".join(lines).encode(), "l13.yaml")
    except UserError as error:
        problems = [str(p) for p in error.problems]
    else:
        raise AssertionError("a missing reason went unnoticed")
    assert len(problems) == 1 and "findings[0]" in problems[0]
    assert f"why has {len(finding.why) - 1} reasons, expected {len(finding.instruments)}" in problems[0]


def test_the_real_diagnostics_pass_every_rule() -> None:
    rule_facts = [f for f in verify.run(REAL).facts if f.kind == "rule"]
    assert len(rule_facts) == 2 * len(LESSON.findings) and all(f.ok for f in rule_facts)
