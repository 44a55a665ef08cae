"""Rule facts: each diagnostic finding's verdict and instruments follow from the instruments as written.

The run-health rules are machine-readable (quantity, comparison, threshold). A finding with measurements
gets its verdict derived from them; the stated verdict must match. This is where the brief's two claims
("KL 5-50 nats" as a criterion, and finding (e) with KL = 2 nats called a working run) are reconciled: the
rules treat KL as a cost (it must be above 0), not a pass band, so (e) is provably a working run, and a
source that reintroduced the band as a rule would fail here.

A rate measured on n comparisons (the win rate, the RM's accuracy) is judged on its 95% interval: the rule
passes when the whole interval is on the right side of the threshold, fails when the whole is on the wrong
side, and is unsettled when the interval holds the threshold (55% over 200 comparisons: not a fault, not yet
a gain). Any failed rule makes the verdict "fix"; otherwise an unsettled or an unmeasured required rule
makes it "unsettled"; otherwise the run is "working".
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from .. import rlhf_math as rm
from ..model import Finding, Lesson, Measured, Rule, RunHealth
from ..yaml_reader import Path
from .facts import Fact
from .rounding import ends, interval_ops

_OPS: dict[str, Callable[[Any, Any], bool]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt,
                                                "<=": operator.le}


def quantities(measured: Measured, health: RunHealth, ops: rm.Ops) -> dict[str, tuple[Any, ...]]:
    """The rule quantities a finding's measurements determine, computed with the ``ops`` backend: one value,
    or the two ends of a rate's 95% interval."""
    out: dict[str, tuple[Any, ...]] = {}
    z = ops.number(health.confidence_z)
    for name in ("kl_nats", "win_rate_change", "lc_win_rate_change"):
        value = getattr(measured, name)
        if value is not None:
            out[name] = (ops.number(value),)
    if measured.win_rate is not None and measured.n is not None:
        out["win_rate"] = tuple(rm.win_rate_interval(ops.number(measured.win_rate), ops.number(measured.n), z, ops))
    if measured.rm_accuracy is not None and measured.rm_n is not None:
        out["rm_accuracy"] = tuple(rm.win_rate_interval(ops.number(measured.rm_accuracy), ops.number(measured.rm_n),
                                                        z, ops))
    if measured.rm_accuracy is not None and measured.labeler_agreement is not None:
        out["rm_gap_to_agreement"] = (ops.number(measured.labeler_agreement) - ops.number(measured.rm_accuracy),)
    return out


def derive_verdict(measured: Measured, health: RunHealth) -> tuple[str, list[str], set[str]]:
    """('working' | 'fix' | 'unsettled', reasons, instruments used) under the run-health rules."""
    values = quantities(measured, health, interval_ops())
    reasons: list[str] = []
    used: set[str] = set()
    failed = unsettled = False
    for rule in health.rules:
        if rule.quantity not in values:
            if rule.required:
                unsettled = True
                reasons.append(f"{rule.id}: {rule.quantity} not measured")
            continue
        used.add(rule.instrument)
        outcomes = [_passes(rule, end, value, measured, health) for end, value in enumerate(values[rule.quantity])]
        outcome = "True" if all(outcomes) else "False" if not any(outcomes) else "unsettled"
        failed |= outcome == "False"
        unsettled |= outcome == "unsettled"
        reasons.append(f"{rule.id}: {rule.quantity} = {_shown(values[rule.quantity])} {rule.op} {rule.value} "
                       f"is {outcome}")
    verdict = "fix" if failed else "unsettled" if unsettled else "working"
    return verdict, reasons, used


def _shown(value: tuple[Any, ...]) -> str:
    mids = []
    for v in value:
        low, high = ends(v)
        mids.append(f"{float((low + high) / 2):.4g}")
    return mids[0] if len(mids) == 1 else f"({', '.join(mids)})"


def _passes(rule: Rule, end: int, value: Any, measured: Measured, health: RunHealth) -> bool:
    """The rule's comparison on one value (or one end of an interval), decided on its enclosure; one the
    enclosure cannot decide (a measurement equal to the threshold, say) is recomputed exactly with sympy."""
    low, high = ends(value)
    threshold = Fraction(str(rule.value))
    compare = _OPS[rule.op]
    if compare(low, threshold) == compare(high, threshold):
        return bool(compare(low, threshold))
    exact = rm.exact()
    difference = quantities(measured, health, exact)[rule.quantity][end] - exact.number(rule.value)
    return bool(compare(difference, 0))


def finding_facts(lesson: Lesson) -> Iterator[Fact]:
    catches: dict[str, set[str]] = {}
    for instrument in lesson.instruments:
        for symptom in instrument.catches:
            catches.setdefault(symptom, set()).add(instrument.id)
    for i, finding in enumerate(lesson.findings):
        path: Path = ("findings", i)
        verdict_fact, used = _verdict_fact(finding, path, lesson.run_health)
        yield verdict_fact
        yield _instruments_fact(finding, path, catches.get(finding.symptom, set()), used)


def _instruments_fact(finding: Finding, path: Path, showing: set[str], used: set[str]) -> Fact:
    """A finding names the instruments that show its symptom and those its verdict rests on, no others."""
    expected = used | (showing if finding.symptom != "none" else set())
    named = set(finding.instruments)
    ok = named == expected
    why = []
    if finding.symptom != "none":
        why.append(f"the instruments that catch {finding.symptom}")
    if used:
        why.append("those its verdict rests on")
    detail = "" if ok else f"names {sorted(named)}, expected {sorted(expected)}: {' and '.join(why)}"
    return Fact("rule", (*path, "instruments"), ", ".join(sorted(named)), ", ".join(sorted(expected)), ok, detail)


def _verdict_fact(finding: Finding, path: Path, health: RunHealth) -> tuple[Fact, set[str]]:
    if finding.measured is None:
        ok = finding.verdict == "fix"
        return Fact("rule", (*path, "verdict"), finding.verdict, "fix (a symptom, nothing measured)", ok,
                    "" if ok else "a finding without measurements is a symptom to fix; expected verdict fix, or "
                    "measured values the run-health rules can judge"), set()
    verdict, reasons, used = derive_verdict(finding.measured, health)
    ok = verdict == finding.verdict
    detail = "" if ok else (f"states {finding.verdict}, expected {verdict}: the run-health rules give it "
                            f"({'; '.join(reasons)})")
    return Fact("rule", (*path, "verdict"), finding.verdict, f"{verdict} ({'; '.join(reasons)})", ok, detail), used


def run(lesson: Lesson) -> Iterator[Fact]:
    yield from finding_facts(lesson)
