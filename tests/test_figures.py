"""The figures: plotted numbers equal the verified ones, limits are reached, bytes are reproducible."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders import Context
from l13_assets.builders.figures import (
    PHONE_PANEL,
    PNG_DPI,
    Renders,
    Size,
    curve_gid,
    default_size,
    figure,
    figure_ids,
    plain_number,
    render,
    render_formats,
)
from l13_assets.builders.registry import builders
from l13_assets.lesson_text import MINUS
from l13_assets.loader import Source, load
from l13_assets.model import FIGURE_IDS, PER_EXAMPLE_FIGURES, Example, Lesson
from l13_assets.verify.style import text_problems

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "l13.yaml"


@pytest.fixture(scope="module")
def source() -> Source:
    return load(SOURCE)


@pytest.fixture(scope="module")
def lesson(source: Source) -> Lesson:
    return source.lesson


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


def fresh(lesson: Lesson, figure_id: str, fmt: str, size: Size | None = None) -> bytes:
    """A render drawn now (no renders shared with another call)."""
    return render(lesson, figure_id, fmt, size)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_two_renders_are_byte_identical(lesson: Lesson, fmt: str) -> None:
    for figure_id in figure_ids(lesson):
        assert fresh(lesson, figure_id, fmt) == fresh(lesson, figure_id, fmt)


def test_one_drawing_saved_twice_gives_the_bytes_of_separate_renders(lesson: Lesson) -> None:
    both = render_formats(lesson, "fig-tradeoff", ("png", "svg"))
    assert both == {fmt: fresh(lesson, "fig-tradeoff", fmt) for fmt in ("png", "svg")}


def _grey_cells(png: bytes, height: int, cell: int = 8) -> Any:
    """The image in grey, averaged over cells of ``cell`` px: anti-aliasing and hinting average out, a
    missing label or line does not."""
    import io

    import numpy as np
    from PIL import Image

    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)[:height]
    h, w = grey.shape[0] // cell * cell, grey.shape[1] // cell * cell
    return grey[:h, :w].reshape(h // cell, cell, w // cell, cell).mean(axis=(1, 3))


@pytest.mark.parametrize("figure_id", FIGURE_IDS)
def test_the_png_is_the_svg_drawing_rasterised_with_its_text(lesson: Lesson, figure_id: str) -> None:
    """resvg's PNG of the SVG against matplotlib's own raster of the same figure: the same drawing, text
    included (the SVG without its text, rasterised the same way, is at least twice as far off)."""
    import io
    import re

    import numpy as np

    from l13_assets.builders import figure_render as module
    from l13_assets.builders.figure_svg import to_png

    size = default_size(figure_id)
    svg = fresh(lesson, figure_id, "svg")
    png = render(lesson, figure_id, "png")
    fig = figure(lesson, figure_id, width_in=size.width_in, height_in=size.height_in, font_pt=size.font_pt)
    agg = io.BytesIO()
    with module._style(size):
        fig.savefig(agg, format="png", dpi=PNG_DPI)
    height = png_size(agg.getvalue())[1]
    assert abs(png_size(png)[1] - height) <= 1 and png_size(png)[0] == round(size.width_in * PNG_DPI)
    reference = _grey_cells(agg.getvalue(), height)
    ours = np.abs(_grey_cells(png, height) - reference).mean()
    textless = to_png(re.sub(rb"<text[^>]*>[^<]*</text>", b"", svg), png_size(png)[0])
    assert ours < 0.5 * np.abs(_grey_cells(textless, height) - reference).mean()


def test_the_png_is_opaque_and_has_no_text_chunks(lesson: Lesson) -> None:
    import io

    import numpy as np
    from PIL import Image

    for figure_id in figure_ids(lesson):
        png = render(lesson, figure_id, "png")
        decoded = Image.open(io.BytesIO(png))
        decoded.load()  # checks every chunk's CRC and the zlib stream
        pixels = np.asarray(decoded.convert("RGBA"))
        assert (pixels[:, :, 3] == 255).all(), "a white background under the whole figure"
        assert len(png) < 250_000
        assert not any(chunk in png for chunk in (b"tEXt", b"iTXt", b"zTXt", b"tIME"))


def test_renders_are_remembered_per_lesson_value_and_arguments(lesson: Lesson,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from l13_assets.builders import figure_render as module

    drawn: list[str] = []
    real_draw = module._draw

    def counted(lesson: Lesson, figure_id: str, size: Size, **options: Any) -> Any:
        drawn.append(figure_id)
        return real_draw(lesson, figure_id, size, **options)

    monkeypatch.setattr(module, "_draw", counted)
    renders = Renders()  # one build's
    first = render_formats(lesson, "fig-tradeoff", ("svg", "png"), renders=renders)
    assert render(lesson, "fig-tradeoff", "svg", renders=renders) is first["svg"] and len(drawn) == 1
    render(lesson, "fig-tradeoff", "svg", Size(6.0, 2.6), renders)
    assert len(drawn) == 2, "another size is another drawing"
    # An edited lesson is another key, even though it is equal in everything the test does not change.
    example = lesson.examples[0].model_copy(update={"name": "Edited example"})
    edited = lesson.model_copy(update={"examples": (example, *lesson.examples[1:])})
    svg = render(edited, "fig-tradeoff", "svg", renders=renders)
    assert len(drawn) == 3 and "Edited example" in svg.decode() and svg != first["svg"]
    assert render(lesson, "fig-tradeoff", "svg", renders=renders) is first["svg"]
    render(lesson, "fig-tradeoff", "svg")
    assert len(drawn) == 4, "another build (no renders passed) draws again"


def test_another_hash_seed_in_another_process_gives_the_same_bytes(lesson: Lesson) -> None:
    script = (
        "import sys, hashlib; from pathlib import Path; from l13_assets.loader import load;"
        "from l13_assets.builders.figures import render, figure_ids;"
        "lesson = load(Path(sys.argv[1])).lesson;"
        "print(' '.join(hashlib.sha256(render(lesson, f, x)).hexdigest()"
        " for f in figure_ids(lesson) for x in ('svg', 'png')))"
    )
    import hashlib

    expected = " ".join(hashlib.sha256(render(lesson, f, x)).hexdigest()
                        for f in figure_ids(lesson) for x in ("svg", "png"))
    for seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script, str(SOURCE)], env=env, capture_output=True,
                              text=True, check=True)
        assert done.stdout.strip() == expected, f"PYTHONHASHSEED={seed}"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png_is_print_resolution_and_svg_has_no_date(lesson: Lesson) -> None:
    for figure_id in figure_ids(lesson):
        png = render(lesson, figure_id, "png")
        assert png_size(png)[0] == round(default_size(figure_id).width_in * PNG_DPI) and PNG_DPI >= 200
        assert b"tIME" not in png and b"Software" not in png
        svg = render(lesson, figure_id, "svg").decode()
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
        assert "<dc:date>" not in svg and "dc:date" not in svg
        assert "Matplotlib v" not in svg
        assert "font-family: 'DejaVu Sans'" in svg or "font-family:'DejaVu Sans'" in svg
        assert "β" in svg and "R = -" not in svg
        if figure_id == "fig-policy-vs-beta":
            assert "R = −1.0" in svg  # the practice problem's third reward, with a true minus sign


def test_a_small_render_keeps_fonts_legible(lesson: Lesson) -> None:
    small = figure(lesson, "fig-policy-vs-beta", width_in=4.0, height_in=2.2)
    sizes = {t.get_fontsize() for t in small.findobj(lambda a: hasattr(a, "get_fontsize"))}
    assert min(sizes) >= 6
    png = render(lesson, "fig-policy-vs-beta", "png", Size(4.0, 2.2))
    assert png_size(png) == (960, 528)  # 240 dpi


def test_unknown_figure_or_format_is_refused(lesson: Lesson) -> None:
    with pytest.raises(ValueError, match="fig-nope"):
        render(lesson, "fig-nope", "svg")
    with pytest.raises(ValueError, match="pdf"):
        render(lesson, "fig-tradeoff", "pdf")


def test_build_returns_every_figure_in_both_formats_without_writing(source: Source, tmp_path: Path) -> None:
    before = set(tmp_path.iterdir())
    outputs = builders()["figures"].build(Context.of(source, tmp_path / "l13.yaml")).files
    assert [o.path for o in outputs] == [f"figures/{f}.{x}" for f in figure_ids(source.lesson) for x in ("svg", "png")]
    assert outputs[1].data == render(source.lesson, "fig-policy-vs-beta", "png")
    assert set(tmp_path.iterdir()) == before


def test_importing_the_module_does_not_import_matplotlib() -> None:
    script = ("import sys; import l13_assets.builders.figures;"
              "print('matplotlib' in sys.modules, 'numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
