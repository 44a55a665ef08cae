"""Verification: the real source passes, and every kind of wrong fact fails with its exact located line."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from l13_assets import verify
from l13_assets.loader import parse
from l13_assets.verify.rules import derive_verdict
from support import SOURCE, check_lines

TEXT = SOURCE.read_text(encoding="utf-8")
REAL = parse(TEXT.encode(), "l13.yaml")


check = check_lines


def line_of(fragment: str, text: str = TEXT) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_real_source_passes_with_every_kind_of_fact() -> None:
    report = verify.run(REAL)
    assert report.ok, "\n".join(map(str, report.problems()))
    kinds = Counter(f.kind for f in report.facts)
    assert len(report.facts) >= 40
    assert {"number", "limit", "identity", "rule", "style"} <= set(kinds)
    assert kinds["number"] >= 25


# Every stated result (a claim the checker recomputes), and the inputs of the two examples. Other inputs can
# move by one unit without changing any result at its stated rounding (n = 1000 or 1001 comparisons give the
# same interval to 3 decimals), and scenario settings are not claims: KL = 3 nats in finding (e) would still
# be a working run.
_CLAIM = re.compile(r"^(examples\[\d+\]\.(?!id|name)|beta_table\.rows\[\d+\]\.(pi_star|kl|expected_reward)"
                    r"|bradley_terry\.gap_one_nat|win_rate_intervals\[\d+\]\.interval|best_of_n\.kl"
                    r"|run_health\.confidence_z)")


def _stated_numbers() -> list[tuple[str, int, int]]:
    from l13_assets.yaml_reader import dotted

    found = []
    for path, (line, column) in REAL.located.values.items():
        value = _value_at(REAL.located.data, path)
        if isinstance(value, (Decimal, int)) and not isinstance(value, bool) and _CLAIM.match(dotted(path)):
            found.append((dotted(path), line, column))
    return sorted(found, key=lambda x: (x[1], x[2]))


def _value_at(data: object, path: tuple[str | int, ...]) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


STATED = _stated_numbers()


def test_the_perturbation_test_covers_every_stated_number() -> None:
    assert len(STATED) >= 60
    assert "examples[1].pi_star[2]" in {p for p, _, _ in STATED}


@pytest.mark.parametrize(("path", "line", "column"), STATED, ids=[p for p, _, _ in STATED])
def test_one_unit_in_the_last_digit_fails_naming_the_line(path: str, line: int, column: int) -> None:
    lines = TEXT.split("\n")
    row = lines[line - 1]
    token = re.match(r"-?[\d.]+", row[column - 1:])
    assert token, f"no number at {line}:{column}: {row!r}"
    digits = token.group(0)
    last = int(digits[-1])
    bumped = digits[:-1] + str(last + 1 if last < 9 else last - 1)
    lines[line - 1] = row[: column - 1] + bumped + row[column - 1 + len(digits):]
    problems = check("\n".join(lines))
    assert problems, f"changing {path} from {digits} to {bumped} went unnoticed"
    assert any(p.startswith(f"l13.yaml:{line}:") or f"(line {line})" in p for p in problems), problems


def test_wrong_number_message() -> None:
    problems = check(TEXT.replace("    z: 4.8334\n", "    z: 4.8335\n"))
    line = line_of("    z: 4.8334\n")
    assert problems == [
        f"l13.yaml:{line}:8: examples[0].z: [number] states 4.8335, computed 4.8334337, which is 4.8334 at the "
        f"stated precision; computed from examples[0].pi_sft (line {line - 4}), examples[0].reward "
        f"(line {line - 3}), examples[0].beta (line {line - 2})"]


def test_wrong_limit_message() -> None:
    problems = check(TEXT.replace("    limit_large_beta: [0.6, 0.4]", "    limit_large_beta: [0.4, 0.6]"))
    line = line_of("    limit_large_beta: [0.6, 0.4]")
    assert problems[0].startswith(f"l13.yaml:{line}:24: examples[0].limit_large_beta[0]: [limit] states 0.4, "
                                  "the exact limit is 3/5")


def _edit(path: tuple[str | int, ...], value: str, text: str = TEXT) -> tuple[str, int, int]:
    """The source with the value at ``path`` replaced (to the end of its line), and where it was."""
    line, column = REAL.located.values[path]
    lines = text.split("\n")
    lines[line - 1] = lines[line - 1][: column - 1] + value
    return "\n".join(lines), line, column


def _labelled(label: str) -> int:
    return next(i for i, f in enumerate(REAL.lesson.findings) if f.label == label)


def test_wrong_verdict_message() -> None:
    e = _labelled("e")
    edited, line, column = _edit(("findings", e, "verdict"), "fix")
    problems = check(edited)
    assert len(problems) == 1
    assert problems[0].startswith(f"l13.yaml:{line}:{column}: findings[{e}].verdict: [rule] states fix, expected "
                                  "working: the run-health rules give it (rule-win-rate: win_rate = (0.5192, 0.5808) "
                                  "> 0.5 is True")


def test_the_brief_kl_band_as_a_pass_rule_contradicts_finding_e() -> None:
    """Reading the brief's "KL 5-50 nats" as a pass criterion makes (e) a failing run: check must say so."""
    band = ("    - id: rule-kl-band\n      instrument: kl-from-base\n      quantity: kl_nats\n      op: \">=\"\n"
            "      value: 5\n      required: true\n      text: \"KL between 5 and 50 nats.\"\n")
    text = TEXT.replace("  rules:\n", "  rules:\n" + band, 1)
    problems = check(text)
    e = _labelled("e")
    assert any(f"findings[{e}].verdict: [rule] states working, expected fix: the run-health rules give it" in p
               and "rule-kl-band: kl_nats = 2 >= 5 is False" in p for p in problems), problems
    # every finding below 5 nats not already a fix fails with it: the band contradicts more than (e)
    small = [i for i, f in enumerate(REAL.lesson.findings) if f.verdict != "fix" and f.measured
             and f.measured.kl_nats is not None and f.measured.kl_nats < 5]
    assert len(problems) == len(small)


def test_finding_without_measurements_cannot_be_working() -> None:
    a = _labelled("a")
    problems = check(_edit(("findings", a, "verdict"), "working")[0])
    assert len(problems) == 1 and f"findings[{a}].verdict: [rule] a finding without measurements" in problems[0]


def test_finding_naming_the_wrong_instruments() -> None:
    """A symptom finding names exactly the instruments that catch its symptom: swap one for a stranger."""
    b = _labelled("b")
    finding = REAL.lesson.findings[b]
    stranger = next(i.id for i in REAL.lesson.instruments if finding.symptom not in i.catches)
    named = [stranger, *finding.instruments[1:]]
    problems = check(_edit(("findings", b, "instruments"), f"[{', '.join(named)}]")[0])
    catching = sorted(i.id for i in REAL.lesson.instruments if finding.symptom in i.catches)
    assert len(problems) == 1
    assert problems[0].endswith(f"findings[{b}].instruments: [rule] names {sorted(named)}, expected {catching}: "
                                f"the instruments that catch {finding.symptom}")


# Each offence is written amid words of the test's own (WORDS), so the quote in the message does not depend
# on the lesson's text: (what is inserted, the offending text, the message with {quote} for the quoted words).
WORDS = ("one two three four ", " five six seven eight ")
STYLE_CASES = [
    ("\u2014", "\u2014", "contains an em dash (U+2014) in {quote}, expected a comma, colon or parentheses"),
    ("\u2013", "\u2013", "contains an en dash (U+2013) in {quote}, expected a comma, colon or parentheses"),
    ("NOT", "NOT", "capitals NOT in {quote} are not in style.acronyms, expected lower case (no capitals for "
     "emphasis) or an acronym added to the list"),
    ("-1", "-", "a hyphen is used as a minus sign in {quote}, expected − (U+2212)"),
    ("-", "-", "a spaced hyphen ' - ' in {quote}, expected − (U+2212) in math or a colon or comma in prose"),
]


@pytest.mark.parametrize(("inserted", "offending", "message"), STYLE_CASES, ids=["em", "en", "caps", "minus", "spaced"])
def test_house_style_points_at_the_offending_character(inserted: str, offending: str, message: str) -> None:
    anchor = "\n  limit_small_beta: \""  # optimal_policy's: the first field of that name
    at = TEXT.index(anchor) + len(anchor)
    text = TEXT[:at] + WORDS[0] + inserted + WORDS[1] + TEXT[at:]
    offset = at + len(WORDS[0]) + inserted.index(offending)
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    quote = f"'...two three four {inserted} five six seven...'"
    assert check(text) == [f"l13.yaml:{line}:{column}: optimal_policy.limit_small_beta: [style] "
                           + message.format(quote=quote)]


def test_every_style_offence_in_a_text_is_reported_in_order() -> None:
    old = "\n  limit_small_beta: \""
    problems = check(TEXT.replace(old, old + "A — B — C DONE ", 1))
    line = line_of(old) + 1
    assert [p.split(": [style] ")[0] for p in problems] == [
        f"l13.yaml:{line}:{column}: optimal_policy.limit_small_beta" for column in (24, 28, 32)]


def test_latex_may_use_hyphens_but_not_dashes() -> None:
    assert check(TEXT) == []
    problems = check(TEXT.replace(r"\mathcal{L}_{\text{SFT}} = -\,", "\\mathcal{L}_{\\text{SFT}} = \u2013\\,"))
    assert len(problems) == 1 and "pipeline[0].formula: [style] contains an en dash" in problems[0]


def test_finding_e_is_working_only_with_enough_comparisons() -> None:
    finding = next(f for f in REAL.lesson.findings if f.label == "e")
    assert finding.measured is not None
    health = REAL.lesson.run_health
    assert derive_verdict(finding.measured, health)[0] == "working"
    too_few = finding.measured.model_copy(update={"n": 200})
    verdict, reasons, _ = derive_verdict(too_few, health)
    assert verdict == "unsettled" and "win_rate = (0.4811, 0.6189) > 0.5 is unsettled" in reasons[0]
    losing = finding.measured.model_copy(update={"win_rate": Decimal("0.45")})
    assert derive_verdict(losing, health)[0] == "fix", "an interval wholly below 0.5 is a fault"


def test_a_value_exactly_halfway_must_be_stated_with_one_more_decimal() -> None:
    """0.45 is neither 0.4 nor 0.5 at one decimal: the source must say 0.45 (or 0.4500)."""
    anchor = "    sft_expected_reward: 0.4500\n"
    for shown in ("0.4", "0.5"):
        problems = check(TEXT.replace(anchor, f"    sft_expected_reward: {shown}\n"))
        assert len(problems) == 1
        assert problems[0].startswith(f"l13.yaml:{line_of(anchor)}:26: examples[1].sft_expected_reward: [number] "
                                      "the exact value 9/20 lies halfway at the stated 1 decimal places")


def test_huge_values_are_compared_not_crashed_on() -> None:
    from l13_assets.verify.numbers import claim

    fact = claim("number", ("examples", 0, "z"), Decimal("1.0000"), lambda ops: ops.exp(ops.number(100)))
    assert not fact.ok and "computed 2.6881171e+43" in fact.detail


def test_a_tab_inside_a_text_is_a_style_problem() -> None:
    problems = check(TEXT.replace('name: "Worked example (two responses)"', 'name: "Worked example\t(two responses)"'))
    assert len(problems) == 1
    assert "examples[0].name: [style] contains the control character U+0009 (a tab?)" in problems[0]


def test_numbers_in_prose_print_as_the_source_states_them() -> None:
    from l13_assets.lesson_text import entries_by_id, expand

    entries = entries_by_id(REAL.lesson)
    assert expand("[[finding-e.measured.n]] and [[finding-e.measured.win_rate]]", entries) == "1000 and 0.55"
    assert expand("[[practice-problem.reward]]", entries) == "(1.0, 0.5, \u22121.0)"


@pytest.mark.parametrize(("broken", "message"), [
    (r"\frac{\beta}", r"\frac takes 2 arguments and has 1, expected 2 {...} groups after it"),
    (r"\betaa", r"unknown command \betaa, expected a command MathJax and the cheatsheet both typeset"),
    (r"\left( x", r"\left is never closed, expected a matching \right"),
    (r"x^", "a '^' with nothing after it"),
    (r"{x", "1 '{' never closed, expected balanced braces"),
    (r"x}", "a '}' closes no group, expected balanced braces"),
    (r"\begin{matrx} a \end{matrx}", "unknown environment 'matrx', expected one of "),
    (r"x^2^3", "a double superscript (two '^' on one base)"),
    (r"a & b", "a '&' outside a cases, matrix or array environment"),
    (r"\arg x", r"unknown command \arg"),
    (r"x^^2", "a '^' with nothing after it"),
    (r"x \big", r"\big without a delimiter after it"),
])
def test_broken_latex_is_named_at_its_line_before_anything_typesets_it(broken: str, message: str) -> None:
    old = r"\max_\pi J(\pi) = \beta \log Z(x)"
    assert old in TEXT
    problems = check(TEXT.replace(old, old + " + " + broken))
    line = line_of(old)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"l13.yaml:{line}:14: optimal_policy.max_value: [style] {message}")


@pytest.mark.parametrize("sound", [
    r"\frac12 + \sqrt[3]{x} + \left\{ x \right. + \left( {a} \right)",
    r"\begin{cases} a &= b \\ c &= d \end{cases}",
    r"\operatorname{KL}\big(\pi \,\|\, \pi_{\text{SFT}}\big)", r"\tfrac{1}{2}\binom{n}{k}\hat{y}",
    r"\operatorname*{argmax}_{y} \mathbb{E}_{x \sim D}\left[ r(x, y) \right] \stackrel{\text{def}}{=} x_1^2",
    r"\begin{cases} a & b \\ c & d \end{cases} + \left( a \middle| b \right) + \textbf{x}\,\&\,\tanh y",
])
def test_sound_latex_passes(sound: str) -> None:
    from l13_assets.verify.latex import latex_problems

    assert latex_problems(sound) == []


def test_every_known_command_is_typeset_by_the_cheatsheet() -> None:
    """KNOWN is the gate's list: each command in it must come out of the cheatsheet's typesetter (ziamath,
    on latex2mathml) as typeset math, never as its literal name or an error."""
    import latex2mathml.converter

    from l13_assets.builders.pdf.formulas import Typesetter
    from l13_assets.verify.latex import ARGUMENTS, ENVIRONMENTS, KNOWN

    typesetter = Typesetter(9.0)
    samples = []
    for name in sorted(KNOWN - {"begin", "end", "left", "middle", "right"}):
        if name.startswith(("big", "Big")):
            samples.append((name, f"\\{name}( x"))
        elif name in ("limits", "nolimits"):
            samples.append((name, f"\\sum\\{name}_{{i}} x"))
        else:
            samples.append((name, f"\\{name}" + "{a}" * ARGUMENTS.get(name, 0)))
    two_by_two = r" a & b \\ c & d"
    rows = {"array": "{cc}" + two_by_two, "gathered": r" a \\ b"}  # gathered has no columns
    samples += [(env, f"\\begin{{{env}}}{rows.get(env, two_by_two)} \\end{{{env}}}") for env in sorted(ENVIRONMENTS)]
    samples.append(("left", r"\left( x \right)"))
    samples.append(("middle", r"\left( a \middle| b \right)"))
    for name, latex in samples:
        mathml = ElementTree.fromstring(latex2mathml.converter.convert(latex))
        texts = [text for element in mathml.iter() for text in (element.text, element.tail) if text]
        literal = [text for text in texts if f"\\{name}" in text]
        assert not literal, f"\\{name} comes out as its name: {literal}"
        assert typesetter.line(latex).width > 0, name
        if ARGUMENTS.get(name) and name not in ("begin", "end"):  # latex2mathml drops an unknown \name{a}
            bare = latex2mathml.converter.convert("{a}" * ARGUMENTS[name])
            assert latex2mathml.converter.convert(latex) != bare, f"\\{name} is ignored, not typeset"


def test_the_known_command_test_catches_an_unknown_command() -> None:
    import latex2mathml.converter

    mathml = ElementTree.fromstring(latex2mathml.converter.convert(r"\betaa"))
    assert any("\\betaa" in (element.text or "") for element in mathml.iter())
