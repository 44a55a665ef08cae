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
    assert re.sub(r"\s", "", "".join(pieces(tex))) == re.sub(r"\s", "", tex)


def test_cuts_fall_before_top_level_relations_only() -> None:
    assert pieces(r"Z = \sum_y \pi(y)\,e^{R(y)/\beta} = 4.8") == [r"Z", r"= \sum_y \pi(y)\,e^{R(y)/\beta}", "= 4.8"]
    assert pieces(r"P(y_1 = y_2) \le \frac{a = b}{2}") == [r"P(y_1 = y_2)", r"\le \frac{a = b}{2}"]
    assert pieces(r"\left( a = b \right) = c") == [r"\left( a = b \right)", "= c"]
    cases = r"\begin{cases} a = b & x \\ c \end{cases}"
    assert pieces(rf"v = {cases}") == ["v", rf"= {cases}"]


def test_a_period_stays_with_the_last_piece_and_inline_keeps_its_first_equation() -> None:
    html = breakable(r"So \(Z = w_1 + w_2 = 1.08\). Then \[a = b\]")
    assert html == (r'So \(Z = w_1 + w_2\) <span class="math-end">\(= 1.08\).</span> Then \[a\] \[= b\]')
