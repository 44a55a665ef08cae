"""Rule facts: each diagnostic finding's verdict and instruments follow from the instruments as written.

The run-health rules are machine-readable (quantity, comparison, threshold). A finding with measurements
gets its verdict derived from them; the stated verdict must match. This is where the brief's two claims
("KL 5-50 nats" as a criterion, and finding (e) with KL = 2 nats called a working run) are reconciled: the
rules treat KL as a cost (it must be above 0), not a pass band, so (e) is provably a working run, and a
source that reintroduced the band as a rule would fail here.
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


def quantities(measured: Measured, health: RunHealth, ops: rm.Ops) -> dict[str, Any]:
    """The rule quantities a finding's measurements determine, computed with the ``ops`` backend."""
    out: dict[str, Any] = {}
    if measured.kl_nats is not None:
        out["kl_nats"] = ops.number(measured.kl_nats)
    if measured.rm_accuracy is not None:
        out["rm_accuracy"] = ops.number(measured.rm_accuracy)
    if measured.win_rate is not None and measured.n is not None:
        low, _ = rm.win_rate_interval(ops.number(measured.win_rate), ops.number(measured.n),
                                      ops.number(health.confidence_z), ops)
        out["win_rate_low"] = low
    return out


def derive_verdict(measured: Measured, health: RunHealth) -> tuple[str, list[str], set[str]]:
    """('working' | 'fix' | 'undecided', reasons, instruments used) under the run-health rules."""
    values = quantities(measured, health, interval_ops())
    reasons: list[str] = []
    used: set[str] = set()
    verdict = "working"
    for rule in health.rules:
        if rule.quantity not in values:
            if rule.required:
                verdict = "undecided" if verdict == "working" else verdict
                reasons.append(f"{rule.id}: {rule.quantity} not measured")
            continue
        used.add(rule.instrument)
        value = values[rule.quantity]
        passed = _passes(rule, value, measured, health)
        low, high = ends(value)
        shown = f"{float((low + high) / 2):.4g}"
        reasons.append(f"{rule.id}: {rule.quantity} = {shown} {rule.op} {rule.value} is {passed}")
        if not passed:
            verdict = "fix"
    return verdict, reasons, used


def _passes(rule: Rule, value: Any, measured: Measured, health: RunHealth) -> bool:
    """The rule's comparison, decided on the value's interval; one the interval cannot decide (a
    measurement equal to the threshold, say) is recomputed and compared exactly with sympy."""
    low, high = ends(value)
    threshold = Fraction(str(rule.value))
    compare = _OPS[rule.op]
    if compare(low, threshold) == compare(high, threshold):
        return bool(compare(low, threshold))
    exact = rm.exact()
    difference = quantities(measured, health, exact)[rule.quantity] - exact.number(rule.value)
    return bool(compare(difference, 0))


def finding_facts(lesson: Lesson) -> Iterator[Fact]:
    catches: dict[str, set[str]] = {}
    for instrument in lesson.instruments:
        for symptom in instrument.catches:
            catches.setdefault(symptom, set()).add(instrument.id)
    for i, finding in enumerate(lesson.findings):
        path: Path = ("findings", i)
        yield _verdict_fact(finding, path, lesson.run_health)
        if finding.symptom != "none":
            expected = catches.get(finding.symptom, set())
            named = set(finding.instruments)
            ok = named == expected
            yield Fact("rule", (*path, "instruments"), ", ".join(sorted(named)), ", ".join(sorted(expected)), ok,
                       "" if ok else f"names {sorted(named)}, expected {sorted(expected)}: the instruments "
                       f"that catch {finding.symptom}")


def _verdict_fact(finding: Finding, path: Path, health: RunHealth) -> Fact:
    if finding.measured is None:
        ok = finding.verdict == "fix"
        return Fact("rule", (*path, "verdict"), finding.verdict, "fix (a symptom, nothing measured)", ok,
                    "" if ok else "a finding without measurements cannot be shown to be a working run; "
                    "expected measured values the run-health rules can judge")
    verdict, reasons, used = derive_verdict(finding.measured, health)
    ok = verdict == finding.verdict and (finding.symptom != "none" or set(finding.instruments) == used)
    detail = ""
    if verdict != finding.verdict:
        detail = (f"states {finding.verdict}, expected {verdict}: the run-health rules give it "
                  f"({'; '.join(reasons)})")
    elif not ok:
        detail = (f"names instruments {sorted(finding.instruments)}, expected {sorted(used)}: the verdict rests "
                  "on those")
    return Fact("rule", (*path, "verdict"), finding.verdict, f"{verdict} ({'; '.join(reasons)})", ok, detail)


def run(lesson: Lesson) -> Iterator[Fact]:
    yield from finding_facts(lesson)



