"""Diagnostics that discriminate: enough findings, near misses whose verdicts differ, and rules that judge a
reward model against chance and the labelers' own agreement rather than a fixed number."""

from __future__ import annotations

from decimal import Decimal

from l13_assets import verify
from l13_assets.errors import UserError
from l13_assets.loader import parse
from l13_assets.model import Measured
from l13_assets.verify.rules import derive_verdict
from support import SOURCE

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
    on_findings = [f for f in rule_facts if f.path[0] == "findings"]
    assert len(on_findings) == 2 * len(LESSON.findings) and all(f.ok for f in rule_facts)


def test_a_win_rate_change_is_judged_on_its_interval() -> None:
    """A change between checkpoints inside the stated noise (±half_width at n per checkpoint) has shown nothing:
    a rise stays unsettled, and a flat length-controlled change fails the rule that asks for it to be shown."""
    health = LESSON.run_health
    change = next(c for c in LESSON.win_rate_changes)
    rising = next(f.measured for f in LESSON.findings if f.verdict == "working" and f.measured is not None
                  and f.measured.win_rate_change is not None and f.measured.lc_win_rate_change is None)
    assert rising is not None and rising.n == change.n and rising.win_rate_change is not None
    assert rising.win_rate_change > change.half_width  # the source's trend clears its noise
    inside = rising.model_copy(update={"win_rate_change": change.half_width - Decimal("0.001")})
    outside = rising.model_copy(update={"win_rate_change": change.half_width + Decimal("0.001")})
    falling = rising.model_copy(update={"win_rate_change": -change.half_width - Decimal("0.001")})
    assert [derive_verdict(m, health)[0] for m in (inside, outside, falling)] == ["unsettled", "working", "fix"]
    longer = next(f.measured for f in LESSON.findings if f.verdict == "working" and f.measured is not None
                  and f.measured.lc_win_rate_change is not None)
    assert longer is not None
    flat = longer.model_copy(update={"lc_win_rate_change": Decimal(0)})
    verdict, reasons, _ = derive_verdict(flat, health)
    assert verdict == "fix" and any("lc_win_rate_change" in r and r.endswith("is False (not shown)") for r in reasons)
