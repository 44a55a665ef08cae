"""Formulas cut into pieces that wrap on a phone: nothing lost, no cut inside a group, punctuation held."""

from __future__ import annotations

import re

import pytest

from l13_assets.lesson_text import entries_by_id
from l13_assets.math_lines import breakable, pieces

from deck_helpers import default_lesson


def _source_formulas() -> list[str]:
    """Every formula of the source (fields named formula, loss or partition), so an author's new one is covered."""
    found = []
    for entry in entries_by_id(default_lesson()).values():
        for name in ("formula", "loss", "partition"):
            value = getattr(entry, name, None)
            if isinstance(value, str):
                found.append(value)
    return found


@pytest.mark.parametrize("tex", _source_formulas())
def test_the_pieces_of_a_formula_joined_are_the_formula(tex: str) -> None:
    for inline in (False, True):
        assert re.sub(r"\s", "", "".join(p.tex for p in pieces(tex, inline=inline))) == re.sub(r"\s", "", tex)


def typeset(tex: str, *, inline: bool = False) -> list[str]:
    return [p.typeset for p in pieces(tex, inline=inline)]


def test_display_cuts_fall_before_outer_relations_and_operators_spaced_as_inside_the_formula() -> None:
    assert typeset(r"Z = \sum_y \pi(y)\,e^{R(y)/\beta} = 4.8") == ["Z", r"{}= \sum_y \pi(y)\,e^{R(y)/\beta}", "{}= 4.8"]
    assert typeset(r"P(y_1 = y_2) \le \frac{a = b}{2}") == ["P(y_1 = y_2)", r"{}\le \frac{a = b}{2}"]
    assert typeset(r"\left( a = b \right) = c") == [r"\left( a = b \right)", "{}= c"]
    cases = r"\begin{cases} a = b - 1 & x \\ c \end{cases}"
    assert typeset(rf"v = {cases}") == ["v", rf"{{}}= {cases}"]
    assert typeset(r"a + b(c - d) \cdot e") == ["a", "{}+ b(c - d)", r"{}\cdot e"]
    # A sign is no operator: after a relation, an opening bracket, another operator, or at the start.
    assert typeset(r"-a = -b + (-c) \cdot -d") == ["-a", "{}= -b", "{}+ (-c)", r"{}\cdot -d"]


def test_a_hand_sized_bracket_is_no_group_but_a_left_right_pair_is() -> None:
    assert typeset(r"J = \Big[r - \beta \log \frac{p}{q}\Big] + \gamma\,\big(x\big)") == [
        "J", r"{}= \Big[r", r"{}- \beta \log \frac{p}{q}\Big]", r"{}+ \gamma\,\big(x\big)"]
    assert typeset(r"\left[r - s\right] - t") == [r"\left[r - s\right]", "{}- t"]
    assert typeset(r"\Big(h - 1\Big)^2,\quad h = 2") == [r"\Big(h", r"{}- 1\Big)^2,\quad", "h", "{}= 2"]


def test_inline_cuts_keep_the_first_relation_and_fall_after_operators() -> None:
    assert typeset(r"E - \beta K = 0.8982 - 0.5 \cdot 0.1 = 0.4", inline=True) == [
        "E -{}", r"\beta K = 0.8982 -{}", r"0.5 \cdot{}", "0.1", "{}= 0.4"]


def test_a_period_stays_with_the_last_piece_and_pieces_join_without_a_space() -> None:
    html = breakable(r"So \(Z = w_1 + w_2 = 1.08\). Then \[a = b\]")
    assert html == (r'So \(Z = w_1 +{}\)<wbr>\(w_2\)<wbr><span class="math-end">\({}= 1.08\).</span> '
                    r"Then \[a\]<wbr>\[{}= b\]")


def test_brackets_and_marks_touching_a_formula_wrap_with_it() -> None:
    assert breakable(r"(normal approximation, \(z = 1.96\))?") == (
        r'(normal approximation, <span class="math-end">\(z = 1.96\))?</span>')
    assert breakable(r"(\(a = b + c\)).") == (
        r'<span class="math-start">(\(a = b +{}\)</span><wbr><span class="math-end">\(c\)).</span>')
