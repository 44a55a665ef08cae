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

from l13_assets.builders import Context, builder
from l13_assets.builders.figures import (
    curve_gid,
    figure,
    figure_ids,
    forget_renders,
    plain_number,
    render,
    render_formats,
)
from l13_assets.lesson_text import MINUS
from l13_assets.loader import Source, load
from l13_assets.model import Example, Lesson
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
    return {figure_id: figure(lesson, figure_id) for figure_id in figure_ids(lesson)}


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
    assert figure_ids(lesson) == ("fig-policy-vs-beta", "fig-tradeoff")


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


@pytest.mark.parametrize("size", [None, (6.0, 2.6)], ids=["default", "6in-wide"])
def test_no_text_overlaps_another_or_leaves_the_figure(figures: dict[str, Any], lesson: Lesson,
                                                       size: tuple[float, float] | None) -> None:
    if size is not None:
        figures = {f: figure(lesson, f, width_in=size[0], height_in=size[1]) for f in figure_ids(lesson)}
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

    from l13_assets.builders import pdf_figure

    compact = figure(lesson, pdf_figure.FIGURE_ID, width_in=3.4, height_in=1.1)
    pdf_figure.compact(compact, lesson)
    acronyms = frozenset(lesson.style.acronyms)
    for name, fig in [*figures.items(), ("cheatsheet figure", compact)]:
        drawn(fig)  # tick labels get their text when drawn
        texts = [t.get_text() for t in fig.findobj(Text) if isinstance(t, Text) and t.get_text()]
        assert "β (log scale)" in texts and any("π" in t for t in texts), name
        for text in texts:
            assert text_problems(text, latex=False, acronyms=acronyms) == [], f"{name}: {text!r}"


def fresh(lesson: Lesson, figure_id: str, fmt: str, **size: float) -> bytes:
    """A render drawn now, not the process's remembered one."""
    forget_renders()
    return render(lesson, figure_id, fmt, **size)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_two_renders_are_byte_identical(lesson: Lesson, fmt: str) -> None:
    for figure_id in figure_ids(lesson):
        assert fresh(lesson, figure_id, fmt) == fresh(lesson, figure_id, fmt)


def test_one_drawing_saved_twice_gives_the_bytes_of_separate_renders(lesson: Lesson) -> None:
    forget_renders()
    both = render_formats(lesson, "fig-tradeoff", ("png", "svg"))
    assert both == {fmt: fresh(lesson, "fig-tradeoff", fmt) for fmt in ("png", "svg")}


@pytest.mark.parametrize("size", [None, (4.0, 2.2)], ids=["default", "small"])
def test_a_render_has_the_pixels_of_the_figure_it_returns(lesson: Lesson, size: tuple[float, float] | None) -> None:
    """``render`` draws the minor ticks as one line of marks, ``figure`` as matplotlib's ticks: same pixels."""
    import io

    import numpy as np
    from PIL import Image

    from l13_assets.builders import figures as module

    kwargs = {} if size is None else {"width_in": size[0], "height_in": size[1]}
    for figure_id in figure_ids(lesson):
        fig = figure(lesson, figure_id, **kwargs)
        with module._style(fig.get_figwidth()):
            native = module.save(fig, "png", module.PNG_DPI)
        rendered = fresh(lesson, figure_id, "png", **kwargs)
        native_px, rendered_px = (np.asarray(Image.open(io.BytesIO(d))) for d in (native, rendered))
        assert native_px.shape == rendered_px.shape
        assert np.array_equal(native_px, rendered_px), f"{figure_id}: the minor tick marks moved"


def test_the_png_has_the_pixels_matplotlib_saves(lesson: Lesson) -> None:
    """The RGB PNG we save against matplotlib's own RGBA PNG of the same drawing: same pixels, opaque."""
    import io

    import numpy as np
    from PIL import Image

    from l13_assets.builders import figures as module

    for figure_id in figure_ids(lesson):
        fig = figure(lesson, figure_id)
        with module._style(fig.get_figwidth()):
            ours = module.save(fig, "png", module.PNG_DPI)
            theirs = io.BytesIO()
            fig.savefig(theirs, format="png", dpi=module.PNG_DPI)
        decoded = Image.open(io.BytesIO(ours))
        decoded.load()  # checks every chunk's CRC and the zlib stream
        reference = np.asarray(Image.open(theirs))
        assert decoded.mode == "RGB" and decoded.info["dpi"] == pytest.approx((module.PNG_DPI,) * 2, abs=0.01)
        assert (reference[:, :, 3] == 255).all(), "the figure is opaque: dropping alpha loses nothing"
        assert np.array_equal(np.asarray(decoded), reference[:, :, :3])
        assert len(ours) < 250_000


def test_renders_are_remembered_per_lesson_value_and_arguments(lesson: Lesson,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from l13_assets.builders import figures as module

    drawn: list[str] = []
    real_draw = module._draw

    def counted(lesson: Lesson, figure_id: str, width_in: float, height_in: float, **options: Any) -> Any:
        drawn.append(figure_id)
        return real_draw(lesson, figure_id, width_in, height_in, **options)

    monkeypatch.setattr(module, "_draw", counted)
    forget_renders()
    first = render_formats(lesson, "fig-tradeoff", ("svg", "png"))
    assert render(lesson, "fig-tradeoff", "svg") is first["svg"] and len(drawn) == 1  # the deck's case
    render(lesson, "fig-tradeoff", "svg", width_in=6.0, height_in=2.6)
    assert len(drawn) == 2, "another size is another drawing"
    # An edited lesson is another key, even though it is equal in everything the test does not change.
    example = lesson.examples[0].model_copy(update={"name": "Edited example"})
    edited = lesson.model_copy(update={"examples": (example, *lesson.examples[1:])})
    svg = render(edited, "fig-tradeoff", "svg")
    assert len(drawn) == 3 and "Edited example" in svg.decode() and svg != first["svg"]
    assert render(lesson, "fig-tradeoff", "svg") is first["svg"]


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
        assert png_size(png)[0] >= 1600
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
    png = render(lesson, "fig-policy-vs-beta", "png", width_in=4.0, height_in=2.2)
    assert png_size(png) == (960, 528)


def test_unknown_figure_or_format_is_refused(lesson: Lesson) -> None:
    with pytest.raises(ValueError, match="fig-nope"):
        render(lesson, "fig-nope", "svg")
    with pytest.raises(ValueError, match="pdf"):
        render(lesson, "fig-tradeoff", "pdf")


def test_build_returns_every_figure_in_both_formats_without_writing(source: Source, tmp_path: Path) -> None:
    before = set(tmp_path.iterdir())
    outputs = builder("figures")(Context(source=source, source_path=tmp_path / "l13.yaml"))
    assert [o.path for o in outputs] == [
        "figures/fig-policy-vs-beta.svg", "figures/fig-policy-vs-beta.png",
        "figures/fig-tradeoff.svg", "figures/fig-tradeoff.png",
    ]
    assert outputs[1].data == render(source.lesson, "fig-policy-vs-beta", "png")
    assert set(tmp_path.iterdir()) == before


def test_importing_the_module_does_not_import_matplotlib() -> None:
    script = ("import sys; import l13_assets.builders.figures;"
              "print('matplotlib' in sys.modules, 'numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
