"""Rule facts: each diagnostic finding's verdict and instruments follow from the instruments as written.

The run-health rules are machine-readable (quantity, comparison, threshold). A finding with measurements
gets its verdict derived from them; the stated verdict must match. This is where the brief's two claims
("KL 5-50 nats" as a criterion, and finding (e) with KL = 2 nats called a working run) are reconciled: the
rules treat KL as a cost (it must be above 0), not a pass band, so (e) is provably a working run, and a
source that reintroduced the band as a rule would fail here.

A rate measured on n comparisons (the win rate, the RM's accuracy) is judged on its 95% interval: the rule
passes when the whole interval is on the right side of the threshold, fails when the whole is on the wrong
side, and is unsettled when the interval holds the threshold (55% over 200 comparisons: not a fault, not yet
a gain). A change of a win rate between two checkpoints, each judged on n comparisons, is judged the same
way, on its widest interval change ± z·√(1/(2n)) (±0.044 at n = 1000): a rise of 0.04 is noise. A rule that
asks for something to be shown (``inside_interval: fails``: the length-controlled gain) fails when its
interval holds the threshold. Any failed rule makes the verdict "fix"; otherwise an unsettled or an
unmeasured required rule makes it "unsettled"; otherwise the run is "working".

A finding names the instruments that show its symptom, those its verdict rests on, and those it is read with
(``rules_out``: capability evals rule out lost skill or ignorance), no others; an instrument has one of the two
roles for a symptom, never both, so a card cannot list it as showing what another card says it does not detect.

Best-of-n's log n − (n − 1)/n is an upper bound on its KL, close only when no single response is likely
(Beirami et al. 2024, Theorem 3.1): every text that prints it must say so.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from .. import rlhf_math as rm
from ..model import Finding, Lesson, Measured, PublishedAccuracy, Rule, RunHealth, WinRateChange, walk
from ..yaml_reader import Path
from .facts import Fact
from .numbers import claim
from .rounding import ends, interval_ops

_OPS: dict[str, Callable[[Any, Any], bool]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt,
                                                "<=": operator.le}


def quantities(measured: Measured, health: RunHealth, ops: rm.Ops) -> dict[str, tuple[Any, ...]]:
    """The rule quantities a finding's measurements determine, computed with the ``ops`` backend: one value,
    or the two ends of a rate's 95% interval."""
    out: dict[str, tuple[Any, ...]] = {}
    z = ops.number(health.confidence_z)
    if measured.kl_nats is not None:
        out["kl_nats"] = (ops.number(measured.kl_nats),)
    for name in ("win_rate_change", "lc_win_rate_change"):
        value = getattr(measured, name)
        if value is None:
            continue
        if measured.n is None:  # no n: the change alone, as stated
            out[name] = (ops.number(value),)
        else:
            half = rm.change_half_width(ops.number(measured.n), z, ops)
            out[name] = (ops.number(value) - half, ops.number(value) + half)
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
        if outcome == "unsettled" and rule.inside_interval == "fails":
            outcome = "False (not shown)"
        failed |= outcome.startswith("False")
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
    read_with: dict[str, set[str]] = {}
    for instrument in lesson.instruments:
        for symptom in instrument.catches:
            catches.setdefault(symptom, set()).add(instrument.id)
        for symptom in instrument.rules_out:
            read_with.setdefault(symptom, set()).add(instrument.id)
    for i, finding in enumerate(lesson.findings):
        path: Path = ("findings", i)
        verdict_fact, used = _verdict_fact(finding, path, lesson.run_health)
        yield verdict_fact
        yield _instruments_fact(finding, path, catches.get(finding.symptom, set()), used,
                                read_with.get(finding.symptom, set()))


def _instruments_fact(finding: Finding, path: Path, showing: set[str], used: set[str], reading: set[str]) -> Fact:
    """A finding names the instruments that show its symptom, those its verdict rests on and those it is read
    with, no others."""
    expected = used | (showing | reading if finding.symptom != "none" else set())
    named = set(finding.instruments)
    ok = named == expected
    why = []
    if finding.symptom != "none":
        why.append(f"the instruments that catch {finding.symptom}")
        if reading:
            why.append(f"those read with it (rules_out: {finding.symptom})")
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


def change_facts(lesson: Lesson) -> Iterator[Fact]:
    """The stated noise of a change between two win rates, and the published gaps to labeler agreement."""
    z = lesson.run_health.confidence_z
    for i, entry in enumerate(lesson.win_rate_changes):

        def half(ops: rm.Ops, e: WinRateChange = entry) -> Any:
            return rm.change_half_width(ops.number(e.n), ops.number(z), ops)

        path: Path = ("win_rate_changes", i)
        yield claim("number", (*path, "half_width"), entry.half_width, half,
                    ((*path, "n"), ("run_health", "confidence_z")))
    for i, result in enumerate(lesson.rm_results):

        def gap(ops: rm.Ops, r: PublishedAccuracy = result) -> Any:
            return ops.number(r.agreement) - ops.number(r.accuracy)

        path = ("rm_results", i)
        yield claim("number", (*path, "gap"), result.gap, gap, ((*path, "agreement"), (*path, "accuracy")))


def role_facts(lesson: Lesson) -> Iterator[Fact]:
    """An instrument shows a symptom (catches) or is read with it (rules_out), not both."""
    ok = True
    for i, instrument in enumerate(lesson.instruments):
        for j, symptom in enumerate(instrument.catches):
            if symptom in instrument.rules_out:
                ok = False
                yield Fact("rule", ("instruments", i, "catches", j), symptom, "also in rules_out", False,
                           f"{instrument.id} both shows {symptom} (catches) and is read with it (rules_out), "
                           "expected one role: an instrument that rules out another cause (lost skill, "
                           "ignorance) does not show the symptom, so remove it from catches")
    if ok:
        yield Fact("rule", ("instruments",), "catches and rules_out", "no instrument has both roles", True)


BOUND_WORDS = ("at most", "upper bound")


def _strings(lesson: Lesson) -> Iterator[tuple[Path, str]]:
    for path, model in walk(lesson):
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, str):
                yield (*path, name), value
            elif isinstance(value, tuple):
                yield from (((*path, name, k), item) for k, item in enumerate(value) if isinstance(item, str))


def bound_facts(lesson: Lesson) -> Iterator[Fact]:
    """Every text that prints best-of-n's log n − (n − 1)/n calls it what it is: an upper bound."""
    needle = f"[[{lesson.best_of_n.id}.kl]]"
    texts = [(path, text) for path, text in _strings(lesson) if needle in text]
    wrong = [(path, text) for path, text in texts if not any(w in text.lower() for w in BOUND_WORDS)]
    for path, text in wrong:
        yield Fact("rule", path, text[:60], "stated as exact", False,
                   f"prints best-of-n's KL {needle} as exact, expected it called a bound ('at most' or 'upper "
                   "bound'): log n − (n − 1)/n only bounds the KL, close only when no single response is likely "
                   "(Beirami et al. 2024)", at=(needle, 0))
    if not wrong:
        yield Fact("rule", ("best_of_n", "kl"), f"{len(texts)} texts print it", "each calls it a bound", True)


def run(lesson: Lesson) -> Iterator[Fact]:
    yield from change_facts(lesson)
    yield from role_facts(lesson)
    yield from bound_facts(lesson)
    yield from finding_facts(lesson)
