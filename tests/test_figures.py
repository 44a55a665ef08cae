"""The figures: plotted numbers equal the verified ones, limits are reached, bytes are reproducible."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders.figures import (
    PHONE_PANEL,
    curve_gid,
    default_size,
    figure,
    figure_ids,
    plain_number,
)
from l13_assets.lesson_text import MINUS
from l13_assets.model import FIGURE_IDS, PER_EXAMPLE_FIGURES, Example, Lesson
from l13_assets.verify.style import text_problems

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "l13.yaml"


@pytest.fixture(scope="module")
def figures(lesson: Lesson) -> dict[str, Any]:
    """The figures drawn against β, at their default size."""
    return {figure_id: figure(lesson, figure_id) for figure_id in figure_ids(lesson)
            if figure_id in PER_EXAMPLE_FIGURES}


def every_drawing(lesson: Lesson) -> dict[str, Any]:
    """Every figure at the size the build writes it, and every panel as a card shows it (the cards' figures:
    the trade-off figure's phone panels crowd, and no card shows them)."""
    drawings = {}
    on_cards = {card.figure for card in lesson.flashcards}
    for figure_id in figure_ids(lesson):
        size = default_size(figure_id)
        drawings[figure_id] = figure(lesson, figure_id, width_in=size.width_in, height_in=size.height_in,
                                     font_pt=size.font_pt)
        if figure_id in PER_EXAMPLE_FIGURES and figure_id in on_cards:
            for i in range(len(lesson.examples)):
                drawings[f"{figure_id} phone panel {i + 1}"] = figure(
                    lesson, figure_id, width_in=PHONE_PANEL.width_in, height_in=PHONE_PANEL.height_in,
                    font_pt=PHONE_PANEL.font_pt, panel=i)
    return drawings


def line(fig: Any, gid: str) -> Any:
    found = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == gid]
    assert len(found) == 1, f"expected one line with gid {gid}, found {len(found)}"
    return found[0]


def value_at(ln: Any, beta: Decimal) -> float:
    xs, ys = ln.get_xdata(), ln.get_ydata()
    hits = [i for i, x in enumerate(xs) if x == float(beta)]
    assert hits, f"β = {beta} is not a sample of {ln.get_gid()}"
    return float(ys[hits[0]])


def decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def stated(value: float, like: Decimal) -> Decimal:
    """``value`` rounded to the decimals the source states ``like`` with."""
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals(like)))


def test_the_source_lists_the_figures_this_module_draws(lesson: Lesson) -> None:
    assert sorted(figure_ids(lesson)) == sorted(FIGURE_IDS)


@pytest.mark.parametrize("index", [0, 1])
def test_policy_curves_pass_through_the_verified_pi_star(figures: dict[str, Any], lesson: Lesson,
                                                          index: int) -> None:
    example = lesson.examples[index]
    fig = figures["fig-policy-vs-beta"]
    for i, expected in enumerate(example.pi_star):
        plotted = value_at(line(fig, curve_gid(example, "pi-star", i)), example.beta)
        assert stated(plotted, expected) == expected, f"{example.id} π*(y{i + 1})"


@pytest.mark.parametrize("index", [0, 1])
def test_tradeoff_curves_pass_through_the_verified_kl_reward_and_optimum(
    figures: dict[str, Any], lesson: Lesson, index: int
) -> None:
    example = lesson.examples[index]
    fig = figures["fig-tradeoff"]
    for key, expected in (("kl", example.kl), ("expected-reward", example.expected_reward),
                          ("max-value", example.max_value)):
        plotted = value_at(line(fig, curve_gid(example, key)), example.beta)
        assert stated(plotted, expected) == expected, f"{example.id} {key}"


def test_every_curve_spans_the_source_beta_range_on_a_log_axis(figures: dict[str, Any], lesson: Lesson) -> None:
    low, high = (float(b) for b in lesson.figures.beta_range)
    for fig in figures.values():
        for ax in fig.axes:
            assert ax.get_xscale() == "log"
            assert ax.get_xlim() == pytest.approx((low, high))
            for ln in ax.get_lines():
                if ln.get_gid():
                    xs = ln.get_xdata()
                    assert xs[0] == pytest.approx(low) and xs[-1] == pytest.approx(high)


def small_beta_bound(example: Example, beta: float) -> float:
    """How far π* can still be from its β → 0⁺ limit at ``beta``.

    Every response below the top reward has π*(y) ≤ π_SFT(y)/π_SFT(top) · exp(−gap/β), gap being the reward
    distance to the top; summed over those responses this bounds the distance of each coordinate."""
    top = max(example.reward)
    top_mass = sum(float(p) for p, r in zip(example.pi_sft, example.reward, strict=True) if r == top)
    return sum(float(p) / top_mass * math.exp(-float(top - r) / beta)
               for p, r in zip(example.pi_sft, example.reward, strict=True) if r != top)


def large_beta_bound(example: Example, beta: float) -> float:
    """π*(y)/π_SFT(y) = exp(R(y)/β) / E_SFT[exp(R/β)] lies in [exp(−ΔR/β), exp(ΔR/β)], ΔR = max R − min R."""
    spread = float(max(example.reward) - min(example.reward))
    return math.exp(spread / beta) - 1


@pytest.mark.parametrize("index", [0, 1])
def test_policy_curves_approach_both_limits_at_the_axis_ends(figures: dict[str, Any], lesson: Lesson,
                                                             index: int) -> None:
    example = lesson.examples[index]
    low, high = (float(b) for b in lesson.figures.beta_range)
    # The tolerances are the analytic distances at the axis ends (above); requiring them below 1e-3 and 0.05
    # says the source's β range is wide enough that the curves visibly reach their limits: 1e-3 of the unit
    # axis is under one pixel of the PNG, 0.05 is the last few percent of the slide.
    near_zero, near_infinity = small_beta_bound(example, low), large_beta_bound(example, high)
    assert near_zero < 1e-3 and near_infinity < 0.05
    for i, (small, large) in enumerate(zip(example.limit_small_beta, example.limit_large_beta, strict=True)):
        ys = line(figures["fig-policy-vs-beta"], curve_gid(example, "pi-star", i)).get_ydata()
        assert abs(ys[0] - float(small)) <= near_zero + 1e-12
        assert abs(ys[-1] - float(large)) <= near_infinity
        assert abs(ys[-1] - float(large)) < abs(ys[len(ys) // 2] - float(large)), "the curve moves toward π_SFT"


@pytest.mark.parametrize("index", [0, 1])
def test_tradeoff_curves_approach_their_limits_at_the_axis_ends(figures: dict[str, Any], lesson: Lesson,
                                                                index: int) -> None:
    example = lesson.examples[index]
    fig = figures["fig-tradeoff"]
    kl = line(fig, curve_gid(example, "kl")).get_ydata()
    reward = line(fig, curve_gid(example, "expected-reward")).get_ydata()
    optimum = line(fig, curve_gid(example, "max-value")).get_ydata()
    # At the source's 4 decimals, with the same analytic slack as the policy curves.
    assert kl[0] == pytest.approx(float(example.limit_small_beta_kl), abs=5e-5 + 1e-3)
    assert reward[0] == pytest.approx(float(max(example.reward)), abs=1e-3)
    assert kl[-1] == pytest.approx(0, abs=1e-3)
    assert reward[-1] == pytest.approx(float(example.sft_expected_reward), abs=0.05)
    # What β buys and costs: KL and reward fall together, and the optimum never exceeds the reward.
    assert all(a >= b for a, b in pairwise(kl))
    assert all(a >= b - 1e-12 for a, b in pairwise(reward))
    assert all(o <= r + 1e-12 for o, r in zip(optimum, reward, strict=True))


def test_the_value_labels_at_the_lesson_beta_read_the_plotted_curves(figures: dict[str, Any],
                                                                     lesson: Lesson) -> None:
    """Each number printed at the lesson's β is what its curve reaches there, rounded as the label shows it:
    the label is compared with the drawn line, not with the values the label was made from."""
    for figure_id, fig in figures.items():
        for ax, example in zip(fig.axes, lesson.examples, strict=True):
            marks = [t for t in ax.texts if t.get_text().startswith("β = ")]
            assert len(marks) == 1, f"{figure_id}: one β mark per panel"
            beta = float(marks[0].xy[0])
            assert marks[0].get_text() == f"β = {plain_number(beta)}"
            curves = {ln.get_gid(): _y_at(ln, beta) for ln in ax.get_lines()
                      if (ln.get_gid() or "").startswith(example.id)}
            labels = [t for t in ax.texts if _number(t.get_text()) and float(t.xy[0]) == beta]
            assert curves and len(labels) == len(curves), f"{figure_id}: one label per curve at β = {beta}"
            matched = set()
            for label in labels:
                shown = Decimal(label.get_text().replace(MINUS, "-"))
                gid = min(curves, key=lambda g: abs(curves[g] - float(label.xy[1])))  # the curve it points at
                matched.add(gid)
                assert Decimal(curves[gid]).quantize(shown, rounding=ROUND_HALF_UP) == shown, (
                    f"{figure_id}: label {label.get_text()} beside {gid}, which is at {curves[gid]!r}")
            assert len(matched) == len(curves), f"{figure_id}: two labels point at one curve"


def _y_at(ln: Any, beta: float) -> float:
    xs, ys = ln.get_xdata(), ln.get_ydata()
    hits = [i for i, x in enumerate(xs) if x == beta]
    assert hits, f"β = {beta} is not a sample of {ln.get_gid()}"
    return float(ys[hits[0]])


def _number(text: str) -> bool:
    try:
        float(text.replace(MINUS, "-"))
    except ValueError:
        return False
    return True


def drawn(fig: Any) -> Any:
    """The figure's Agg renderer after a full draw (a bare Figure's canvas cannot draw)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_tick_labels_are_plain_numbers_with_true_minus_signs(figures: dict[str, Any]) -> None:
    for fig in figures.values():
        drawn(fig)
        labels = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
        assert "0.01" in labels and "100" in labels
        assert not [t for t in labels if "$" in t or "^" in t or "-" in t]
    assert plain_number(-0.5) == "−0.5"
    assert plain_number(1e-5) == "0.00001"


@pytest.mark.parametrize("size", [None, (6.0, 2.6)], ids=["as-built-and-phone-panels", "6in-wide"])
def test_no_text_overlaps_another_or_leaves_the_figure(lesson: Lesson, size: tuple[float, float] | None) -> None:
    figures = every_drawing(lesson) if size is None else {
        f: figure(lesson, f, width_in=size[0], height_in=size[1]) for f in PER_EXAMPLE_FIGURES}
    for figure_id, fig in figures.items():
        renderer = drawn(fig)
        page = fig.bbox
        boxes = []
        for ax in fig.axes:
            texts = [*ax.texts, ax.title, ax.xaxis.label, ax.yaxis.label]
            texts += [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_visible()]
            boxes += [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
            if ax.get_legend():
                boxes.append(("legend", ax.get_legend().get_window_extent(renderer)))
        boxes += [("legend", legend.get_window_extent(renderer)) for legend in fig.legends]
        for name, box in boxes:
            assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, (
                f"{figure_id}: '{name}' leaves the figure")
        for i, (a, box_a) in enumerate(boxes):
            for b, box_b in boxes[i + 1:]:
                assert not box_a.overlaps(box_b), f"{figure_id}: '{a}' overlaps '{b}'"


def test_text_is_house_style(figures: dict[str, Any], lesson: Lesson) -> None:
    """Every Text drawn (titles, labels, legends, notes, tick labels), the cheatsheet's compact figure too."""
    from matplotlib.text import Text

    from l13_assets.builders.pdf import figure as pdf_figure

    compact = figure(lesson, pdf_figure.FIGURE_ID, width_in=3.4, height_in=1.1)
    pdf_figure.compact(compact, lesson)
    acronyms = frozenset(lesson.style.acronyms)
    for name, fig in [*every_drawing(lesson).items(), ("cheatsheet figure", compact)]:
        drawn(fig)  # tick labels get their text when drawn
        texts = [t.get_text() for t in fig.findobj(Text) if isinstance(t, Text) and t.get_text()]
        if not name.startswith("fig-reward-hacking"):
            assert "β (log scale)" in texts and any("π" in t for t in texts), name
        for text in texts:
            assert text_problems(text, latex=False, acronyms=acronyms) == [], f"{name}: {text!r}"
