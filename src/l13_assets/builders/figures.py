"""Figures of the optimal policy against β, drawn with matplotlib from the lesson's one implementation.

``render(lesson, figure_id, fmt)`` is the pure entry point: the same lesson gives the same bytes (SVG or PNG),
so the deck and the cheatsheet embed exactly the drawing the build writes, without reading the output folder.
Its results are remembered for the process, keyed by the lesson's value and the arguments, so the deck
reuses the figures builder's drawing; it assumes the caller has not changed rcParams outside ``RC`` (none
does: the cheatsheet draws through ``figure``, which is not remembered).
``figure(...)`` returns the matplotlib ``Figure`` itself (its lines carry ids, see ``curve_gid``), for tests
and for callers that want its artists; save it through ``render`` to get the reproducible settings.

The curves come from ``rlhf_math.optimal_policy`` with the numpy backend, evaluated on one array of β that
contains each example's own β, so each plotted line passes exactly through the lesson's verified point.

matplotlib and numpy are imported inside the functions: importing this module costs nothing, and pyplot is
never used (no GUI backend, no global figure registry). Every rcParam is set inside ``rc_context``. The
layout is computed from the font size instead of matplotlib's layout engines, which would measure every
tick label again on each save and cost more than drawing the figure.

``docs/make_figures.py`` writes the PNG renders committed under docs/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..lesson_text import MINUS, format_number
from ..model import Example, Lesson
from ..rlhf_math import OptimalPolicy, optimal_policy, vector
from . import Context, Output

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

FORMATS = ("svg", "png")
WIDTH_IN = 8.0  # default size: two panels side by side, readable at full page width and on a screen
HEIGHT_IN = 3.6
PNG_DPI = 240  # 8 in × 240 = 1,920 px: print resolution at full page width
PNG_COMPRESS_LEVEL = 1  # zlib level: higher levels cost time for little size on a plot (see save)
GRID_POINTS = 241  # samples over four decades: at most 0.03 of π between samples, smooth when drawn
MIN_FONT_PT = 6.0  # the cheatsheet's floor for legible print
BASE_FONT_PT = 9.0

# Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies; each series also has its
# own line style and marker so the lines still separate when printed in grey.
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
GREY = "#4d4d4d"


@dataclass(frozen=True)
class Series:
    colour: str
    dashes: str
    marker: str


SERIES = (
    Series(BLUE, "-", "o"), Series(VERMILLION, "--", "s"), Series(GREEN, "-.", "^"), Series(PURPLE, ":", "D")
)
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
PI_SFT = r"$π_{SFT}$"  # the one mathtext string left (a legend label): each costs a parse on every save

# Fixed so the SVG's ids and both formats' bytes do not depend on the run (see also the metadata in save).
RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "mathtext.default": "regular",
    "axes.unicode_minus": True,
    "svg.hashsalt": "l13-assets",
    "svg.fonttype": "none",  # text stays text: searchable, and the cheatsheet maps it to its embedded font
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.handlelength": 2.6,
    "xtick.minor.width": 0.5,
    "axes.titley": 1.0,
}


# The bytes of every render in this process, keyed by everything they depend on: the lesson's value (frozen
# and hashable, so an edited lesson is another key), the figure, the size and the dpi; each key maps format
# to bytes. Drawing is deterministic (fixed rcParams, no dates), so a remembered render is the render. Kept
# to the few most recent keys: a build uses one lesson, tests a handful.
_RENDERED: dict[tuple[Lesson, str, float, float, float], dict[str, bytes]] = {}
RENDERED_MAX = 8

# ----------------------------------------------------------------------------------------------------------
# Public API


def figure_ids(lesson: Lesson) -> tuple[str, ...]:
    return tuple(item.id for item in lesson.figures.items)


def figure(
    lesson: Lesson, figure_id: str, *, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN
) -> Figure:
    """The matplotlib Figure for ``figure_id`` at the given size (inches); fonts scale with the width.

    Labels are tested to stay clear of each other at the default size and at 6 × 2.6 in (fonts 6.75 pt);
    narrower renders keep 6 pt text but their labels may crowd."""
    with _style(width_in):
        return _draw(lesson, figure_id, width_in, height_in)


def render(
    lesson: Lesson,
    figure_id: str,
    fmt: str,
    *,
    width_in: float = WIDTH_IN,
    height_in: float = HEIGHT_IN,
    dpi: float = PNG_DPI,
) -> bytes:
    """The figure as SVG or PNG bytes; identical for identical input, whatever the date or hash seed."""
    return render_formats(lesson, figure_id, (fmt,), width_in=width_in, height_in=height_in, dpi=dpi)[fmt]


def render_formats(
    lesson: Lesson,
    figure_id: str,
    fmts: Sequence[str],
    *,
    width_in: float = WIDTH_IN,
    height_in: float = HEIGHT_IN,
    dpi: float = PNG_DPI,
) -> dict[str, bytes]:
    """Several formats of one figure from one drawing (cheaper than one ``render`` each, same bytes).

    Renders are remembered for the process (see ``_RENDERED``): the deck asks for the SVG the figures
    builder has just drawn, and gets those bytes without drawing again."""
    for fmt in fmts:
        if fmt not in FORMATS:
            raise ValueError(f"figure format '{fmt}' is unknown, expected one of {', '.join(FORMATS)}")
    key = (lesson, figure_id, float(width_in), float(height_in), float(dpi))
    known = _RENDERED.get(key, {})
    missing = [fmt for fmt in dict.fromkeys(fmts) if fmt not in known]
    if missing:
        with _style(width_in):
            fig = _draw(lesson, figure_id, width_in, height_in, minor_ticks_as_marks=True)
            drawn = {fmt: save(fig, fmt, dpi) for fmt in missing}
        known = {**known, **drawn}
        _RENDERED.pop(key, None)
        _RENDERED[key] = known  # most recent last
        while len(_RENDERED) > RENDERED_MAX:
            del _RENDERED[next(iter(_RENDERED))]
    return {fmt: known[fmt] for fmt in fmts}


def forget_renders() -> None:
    """Empty the process's memo of renders (for benchmarks and tests that must time or compare fresh draws)."""
    _RENDERED.clear()


def build(ctx: Context) -> list[Output]:
    lesson = ctx.source.lesson
    outputs = []
    for figure_id in figure_ids(lesson):
        for fmt, data in render_formats(lesson, figure_id, FORMATS).items():
            outputs.append(Output(f"figures/{figure_id}.{fmt}", data))
    return outputs


def curve_gid(example: Example, quantity: str, response: int | None = None) -> str:
    """The id of a plotted line: ``worked-example-pi-star-1``, ``practice-problem-kl``, ..."""
    return f"{example.id}-{quantity}" + ("" if response is None else f"-{response + 1}")


def response_name(index: int) -> str:
    """y₁, y₂, ...: a response's name in the legends (1-based, as in the lesson)."""
    return "y" + str(index + 1).translate(SUBSCRIPT_DIGITS)


def plain_number(value: float) -> str:
    """A tick label as a person writes it: 0.01, 0.5, 100 (never 10^k), with a true minus sign."""
    text = format(Decimal(f"{value:.6g}").normalize(), "f")
    if text in ("-0", "0.0"):
        text = "0"
    return text.replace("-", MINUS)


def beta_grid(lesson: Lesson) -> Any:
    """The β values every curve is drawn at: log-spaced over the source's range, plus each example's β."""
    import numpy as np

    low, high = (float(b) for b in lesson.figures.beta_range)
    return np.union1d(np.geomspace(low, high, GRID_POINTS), [float(e.beta) for e in lesson.examples])


def curves(example: Example, betas: Any) -> OptimalPolicy:
    """π*, KL, E[R] and β·log Z of one example at every β of ``betas`` (numpy arrays)."""
    ops = vector()
    return optimal_policy(
        [ops.number(p) for p in example.pi_sft], [ops.number(r) for r in example.reward], betas, ops
    )


# ----------------------------------------------------------------------------------------------------------
# Drawing


@dataclass(frozen=True)
class Fonts:
    base: float  # tick labels, axis labels, titles
    small: float  # legends and annotations


@contextmanager
def _style(width_in: float) -> Iterator[Fonts]:
    import matplotlib

    base = min(BASE_FONT_PT, max(MIN_FONT_PT, BASE_FONT_PT * width_in / WIDTH_IN))
    fonts = Fonts(base=base, small=max(MIN_FONT_PT, base - 1))
    rc: dict[RcKeyType, Any] = {**RC, "font.size": base, "legend.fontsize": fonts.small}
    with matplotlib.rc_context(rc):
        yield fonts


def save(fig: Figure, fmt: str, dpi: float) -> bytes:
    """``fig`` as reproducible SVG or PNG bytes (what ``render`` returns for a figure it has drawn)."""
    import io

    buffer = io.BytesIO()
    if fmt == "svg":  # no date or creator: the bytes depend on the drawing alone
        fig.savefig(buffer, format="svg", dpi=dpi, metadata={"Date": None, "Creator": None})
        return buffer.getvalue()
    # PNG: matplotlib rasterises (its own Agg pixels), Pillow encodes. The figure is opaque, so the alpha
    # channel carries nothing: dropping it and compressing at level 1 halves the encoding time for a file of
    # the same size as RGBA at the default level 6. No text chunks (no software version), only the dpi.
    from PIL import Image

    fig.savefig(buffer, format="rgba", dpi=dpi)
    width, height = int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi)  # Agg's own rounding
    pixels = buffer.getvalue()
    if len(pixels) != width * height * 4:  # pragma: no cover - matplotlib's raster is always this size
        raise RuntimeError(f"unexpected raster size {len(pixels)} bytes for {width} × {height} px")
    image = Image.frombuffer("RGBA", (width, height), pixels, "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="png", compress_level=PNG_COMPRESS_LEVEL, dpi=(dpi, dpi))
    return out.getvalue()


@dataclass(frozen=True)
class Drawing:
    panel: Callable[[Axes, Example, Any, float], None]
    ylabel: str
    shared_legend: bool  # the same series in every panel: one legend above them all


def _draw(lesson: Lesson, figure_id: str, width_in: float, height_in: float, *,
          minor_ticks_as_marks: bool = False) -> Figure:
    drawings = {
        "fig-policy-vs-beta": Drawing(_policy_panel, "π*(y)", shared_legend=False),
        "fig-tradeoff": Drawing(_tradeoff_panel, "reward units; KL in nats", shared_legend=True),
    }
    if figure_id not in drawings:
        raise ValueError(f"figure '{figure_id}' has no drawing, expected one of {', '.join(drawings)}")
    if figure_id not in figure_ids(lesson):
        raise ValueError(f"figure '{figure_id}' is not in the source's figures.items")
    import matplotlib
    from matplotlib.figure import Figure

    drawing = drawings[figure_id]
    font = float(matplotlib.rcParams["font.size"])
    small = float(matplotlib.rcParams["legend.fontsize"])
    fig = Figure(figsize=(width_in, height_in))
    n = len(lesson.examples)
    # Margins in points: text scales with the font, tick marks and pads (about 7 pt) do not.
    left, right, bottom, gap = (4.0 * font + 7) / 72, (1.3 * font) / 72, (3.2 * font + 7) / 72, 3.0 * font / 72
    top = ((4.1 if drawing.shared_legend else 2.0) * font + 5) / 72
    panel = (width_in - left - right - (n - 1) * gap) / n
    fig.subplots_adjust(
        left=left / width_in, right=1 - right / width_in, bottom=bottom / height_in, top=1 - top / height_in,
        wspace=gap / panel,
    )
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    betas = beta_grid(lesson)
    for ax, example in zip(axes, lesson.examples, strict=True):
        _beta_axis(ax, lesson, minor_ticks_as_marks)
        drawing.panel(ax, example, betas, small)
        ax.set_title(example.name)
        if not drawing.shared_legend:
            ax.legend(loc="center left", bbox_to_anchor=(0.0, 0.45), handlelength=1.8)
    axes[0].set_ylabel(drawing.ylabel)
    if drawing.shared_legend:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", ncol=len(labels), bbox_to_anchor=(0.5, 1.0),
                   fontsize=float(matplotlib.rcParams["font.size"]), columnspacing=2.5)
    return fig


def _beta_axis(ax: Axes, lesson: Lesson, minor_ticks_as_marks: bool) -> None:
    """A log β axis with ticks at the decades, labelled, and minor ticks at 2 and 5 of each decade.

    ``minor_ticks_as_marks`` (``render``) draws the minor ticks as one line of tick-shaped markers on the axis
    instead of a matplotlib Tick each: the same pixels (tested), a third less time per save, as a Tick with
    its unused label, second mark and grid line costs about 5 ms. ``figure`` keeps matplotlib's minor ticks,
    so a caller can change or remove them through the axis (the cheatsheet does)."""
    import matplotlib
    from matplotlib.markers import TICKDOWN
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    low, high = (float(b) for b in lesson.figures.beta_range)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    decades = [10.0**k for k in range(-12, 13) if low <= 10.0**k <= high]
    minors = [d * m for d in decades for m in (2, 5) if low <= d * m <= high]
    ax.xaxis.set_major_locator(FixedLocator(decades))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: plain_number(v)))
    ax.yaxis.set_major_locator(FixedLocator([0, 0.2, 0.4, 0.6, 0.8, 1.0]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: plain_number(v)))
    ax.set_ylim(-0.04, 1.16)  # room above 1 for the limit labels and the legend
    ax.set_xlabel("β (log scale)")
    if not minor_ticks_as_marks:
        ax.xaxis.set_minor_locator(FixedLocator(minors))
        ax.xaxis.set_minor_formatter(NullFormatter())
        return
    ax.xaxis.set_minor_locator(NullLocator())
    rc = matplotlib.rcParams
    ax.plot(minors, [0.0] * len(minors), transform=ax.get_xaxis_transform(), linestyle="none", marker=TICKDOWN,
            markersize=rc["xtick.minor.size"], markeredgewidth=rc["xtick.minor.width"],
            color=rc["xtick.color"], clip_on=False, zorder=2.01, gid="beta-minor-ticks")


def _scale() -> float:
    """Marker sizes and line widths follow the font, so a small render keeps its proportions."""
    import matplotlib

    return float(matplotlib.rcParams["font.size"]) / BASE_FONT_PT


def _line(ax: Axes, x: Any, y: Any, series: Series, label: str, gid: str) -> None:
    k = _scale()
    ax.plot(
        x, y, color=series.colour, linestyle=series.dashes, marker=series.marker, markevery=(0.07, 0.15),
        markersize=4 * k, linewidth=1.6 * k, label=label, gid=gid, zorder=3,
    )


def _limit_markers(ax: Axes, x: float, values: Sequence[Decimal], series: Sequence[Series]) -> None:
    """A limit as open markers sitting on the axis end."""
    for value, s in zip(values, series, strict=True):
        ax.plot([x], [float(value)], marker=s.marker, markersize=7 * _scale(), markerfacecolor="white",
                markeredgecolor=s.colour, markeredgewidth=1.4 * _scale(), linestyle="none", clip_on=False,
                zorder=5)


def _note(ax: Axes, text: str, xy: tuple[float, float], offset: tuple[float, float], size: float,
          ha: str = "left", va: str = "bottom", colour: str = GREY) -> None:
    ax.annotate(text, xy, xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=size,
                color=colour, zorder=6)


def _lesson_beta(ax: Axes, beta: float, values: Sequence[Decimal], curves_y: Sequence[Any], betas: Any,
                 series: Sequence[Series], size: float) -> None:
    """Mark the lesson's β: a vertical rule, a filled marker per curve and its verified value beside it.

    A value goes on the side where its curve is not: up and right of a falling curve, up and left of a
    rising one."""
    import numpy as np

    ax.axvline(beta, color=GREY, linewidth=0.8, linestyle=(0, (1, 2)), zorder=1)
    ax.annotate(f"β = {plain_number(beta)}", (beta, 0.5), xycoords=("data", "axes fraction"), xytext=(3, 0),
                textcoords="offset points", rotation=90, ha="left", va="center", fontsize=size, color=GREY)
    at = int(np.searchsorted(betas, beta))
    for value, y, s in zip(values, curves_y, series, strict=True):
        ax.plot([beta], [float(value)], marker=s.marker, color=s.colour, markersize=6.5 * _scale(),
                markeredgecolor="black", markeredgewidth=0.7, linestyle="none", zorder=7)
        rising = y[at + 1] > y[at - 1]
        ax.annotate(
            format_number(value), (beta, float(value)), xytext=(-5 if rising else 5, 3),
            textcoords="offset points", ha="right" if rising else "left", va="bottom", fontsize=size,
            zorder=8, bbox=LABEL_BOX,
        )


def _policy_panel(ax: Axes, example: Example, betas: Any, size: float) -> None:
    solved = curves(example, betas)
    series = SERIES[: len(example.pi_sft)]
    for i, (pi, s) in enumerate(zip(solved.pi, series, strict=True)):
        label = f"{response_name(i)}: R = {format_number(example.reward[i])}"
        _line(ax, betas, pi, s, label, curve_gid(example, "pi-star", i))
    low, high = ax.get_xlim()
    _limit_markers(ax, low, example.limit_small_beta, series)
    _limit_markers(ax, high, example.limit_large_beta, series)
    top = float(max(example.limit_small_beta))
    _note(ax, "β → 0⁺: all on argmax R", (low, top), (4, 5), size)
    _note(ax, "β → ∞: the SFT policy", (high, float(max(example.limit_large_beta))), (-4, -7), size, ha="right",
          va="top")
    _lesson_beta(ax, float(example.beta), example.pi_star, solved.pi, betas, series, size)


def _tradeoff_panel(ax: Axes, example: Example, betas: Any, size: float) -> None:
    solved = curves(example, betas)
    rows = (
        (solved.expected_reward, "reward E[R] under π*", "expected-reward", example.expected_reward),
        (solved.max_value, "optimum β·log Z", "max-value", example.max_value),
        (solved.kl, f"KL(π*‖{PI_SFT}) in nats", "kl", example.kl),
    )
    series = SERIES[: len(rows)]
    for (y, label, key, _), s in zip(rows, series, strict=True):
        _line(ax, betas, y, s, label, curve_gid(example, key))
    low, high = ax.get_xlim()
    top = max(example.reward)
    _limit_markers(ax, low, (top, top, example.limit_small_beta_kl), series)
    _limit_markers(ax, high, (example.sft_expected_reward, example.sft_expected_reward, Decimal(0)), series)
    _note(ax, f"β → 0⁺: max R = {format_number(top)}", (low, float(top)), (4, 5), size)
    _note(ax, f"KL → {format_number(example.limit_small_beta_kl)}", (low, float(example.limit_small_beta_kl)),
          (4, 4), size)
    _note(ax, f"β → ∞: E[R] = {format_number(example.sft_expected_reward)}",
          (high, float(example.sft_expected_reward)), (-4, -7), size, ha="right", va="top")
    _lesson_beta(ax, float(example.beta), [r[3] for r in rows], [r[0] for r in rows], betas, series, size)

