"""Figures of the optimal policy against β, drawn with matplotlib from the lesson's one implementation.

``render(lesson, figure_id, fmt)`` is the pure entry point: the same lesson gives the same bytes (SVG or PNG),
so the deck and the cheatsheet embed exactly the drawing the build writes, without reading the output folder.
``figure(...)`` returns the matplotlib ``Figure`` itself, for tests and for callers that want its artists.

The curves come from ``rlhf_math.optimal_policy`` with the numpy backend, evaluated on one array of β that
contains each example's own β, so the plotted line passes exactly through the lesson's verified point.

matplotlib and numpy are imported inside the functions: importing this module costs nothing, and pyplot is
never used (no GUI backend, no global figure registry). Every rcParam is set inside ``rc_context``.
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
WIDTH_IN = 8.0  # default size: two panels side by side, readable on a page and a screen
HEIGHT_IN = 3.6
PNG_DPI = 240  # 8 in × 240 = 1,920 px, print resolution for a full-width figure
GRID_POINTS = 481  # samples on the log axis: smooth at any print size, cheap to draw

# Okabe & Ito (2008), safe for the common colour-vision deficiencies; each series also has its own line style
# and marker so the lines still separate when printed in grey.
OKABE_ITO_BLUE = "#0072B2"
OKABE_ITO_VERMILLION = "#D55E00"
OKABE_ITO_GREEN = "#009E73"
OKABE_ITO_ORANGE = "#E69F00"
GREY = "#555555"


@dataclass(frozen=True)
class Series:
    colour: str
    dashes: str
    marker: str


SERIES = (
    Series(OKABE_ITO_BLUE, "-", "o"),
    Series(OKABE_ITO_VERMILLION, "--", "s"),
    Series(OKABE_ITO_GREEN, "-.", "^"),
    Series(OKABE_ITO_ORANGE, ":", "D"),
)
SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")

# Fixed so the SVG's ids and the files' bytes do not depend on the run (see also the metadata in render).
RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "axes.unicode_minus": True,
    "svg.hashsalt": "l13-assets",
    "svg.fonttype": "none",  # text stays text: searchable, and the cheatsheet maps it to its embedded font
    "path.simplify": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
}


def response_name(index: int) -> str:
    """y₁, y₂, ...: the name of a response in the figures' legends (1-based, as in the lesson)."""
    return "y" + str(index + 1).translate(SUBSCRIPT_DIGITS)


def plain_number(value: float) -> str:
    """A tick label as a person writes it: 0.01, 0.5, 100 (never 10^k), with a true minus sign."""
    text = f"{value:.6g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    if text in ("-0", "−0"):
        text = "0"
    return text.replace("-", MINUS)


def beta_grid(lesson: Lesson) -> Any:
    """The β values every curve is drawn at: log-spaced over the source's range, plus each example's β."""
    import numpy as np

    low, high = (float(b) for b in lesson.figures.beta_range)
    grid = np.geomspace(low, high, GRID_POINTS)
    return np.union1d(grid, [float(e.beta) for e in lesson.examples])


def curves(example: Example, betas: Any) -> OptimalPolicy:
    """π*, KL, E[R] and β·log Z of one example at every β of ``betas`` (numpy arrays)."""
    ops = vector()
    return optimal_policy(
        [ops.number(p) for p in example.pi_sft], [ops.number(r) for r in example.reward], betas, ops
    )


# ----------------------------------------------------------------------------------------------------------
# Public API


def figure_ids(lesson: Lesson) -> tuple[str, ...]:
    return tuple(item.id for item in lesson.figures.items)


def figure(
    lesson: Lesson, figure_id: str, *, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN
) -> Figure:
    """The matplotlib Figure for ``figure_id`` at the given size (inches); fonts scale with the width."""
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
    if fmt not in FORMATS:
        raise ValueError(f"figure format '{fmt}' is unknown, expected one of {', '.join(FORMATS)}")
    import io

    # Dates, creator and software versions are left out so the bytes depend on the drawing alone.
    metadata: dict[str, str | None] = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    with _style(width_in):
        fig = _draw(lesson, figure_id, width_in, height_in)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def build(ctx: Context) -> list[Output]:
    lesson = ctx.source.lesson
    return [
        Output(f"figures/{figure_id}.{fmt}", render(lesson, figure_id, fmt))
        for figure_id in figure_ids(lesson)
        for fmt in FORMATS
    ]


# ----------------------------------------------------------------------------------------------------------
# Drawing


@contextmanager
def _style(width_in: float) -> Iterator[None]:
    import matplotlib

    size = min(9.0, max(5.5, 9.0 * width_in / WIDTH_IN))
    rc: dict[RcKeyType, Any] = {**RC, "font.size": size}
    with matplotlib.rc_context(rc):
        yield


def _draw(lesson: Lesson, figure_id: str, width_in: float, height_in: float) -> Figure:
    drawers: dict[str, Callable[[Axes, Example, Any], None]] = {
        "fig-policy-vs-beta": _policy_panel,
        "fig-tradeoff": _tradeoff_panel,
    }
    if figure_id not in drawers:
        raise ValueError(f"figure '{figure_id}' is unknown, expected one of {', '.join(drawers)}")
    if figure_id not in figure_ids(lesson):
        raise ValueError(f"figure '{figure_id}' is not in the source's figures.items")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    axes = fig.subplots(1, len(lesson.examples), sharey=True, squeeze=False)[0]
    betas = beta_grid(lesson)
    for ax, example in zip(axes, lesson.examples, strict=True):
        _beta_axis(ax, lesson)
        drawers[figure_id](ax, example, betas)
        ax.set_title(example.name, fontsize="medium")
    return fig


def _beta_axis(ax: Axes, lesson: Lesson) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

    low, high = (float(b) for b in lesson.figures.beta_range)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    decades = [10.0**k for k in range(-12, 13) if low <= 10.0**k <= high]
    ax.xaxis.set_major_locator(FixedLocator(decades))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: plain_number(v)))
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=tuple(range(2, 10))))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: plain_number(round(v, 6))))
    ax.set_xlabel("β (log scale)")


def _line(ax: Axes, x: Any, y: Any, series: Series, label: str, gid: str) -> None:
    ax.plot(
        x, y, color=series.colour, linestyle=series.dashes, marker=series.marker, markevery=(0.04, 0.12),
        markersize=4, linewidth=1.6, label=label, gid=gid,
    )


def _point(ax: Axes, beta: float, values: Sequence[Decimal], series: Sequence[Series], above: bool) -> None:
    """Mark the lesson's β with its verified values written beside the curves."""
    ax.axvline(beta, color=GREY, linewidth=0.8, linestyle=(0, (1, 2)), zorder=1)
    for value, s in zip(values, series, strict=True):
        ax.plot([beta], [float(value)], marker=s.marker, color=s.colour, markersize=6,
                markeredgecolor="black", markeredgewidth=0.6, linestyle="none", zorder=4)
        ax.annotate(format_number(value), (beta, float(value)), xytext=(5, 3 if above else -3),
                    textcoords="offset points", va="bottom" if above else "top", ha="left", fontsize="small")
    ax.annotate(f"β = {format_number(Decimal(str(beta)))}", (beta, 1.0), xycoords=("data", "axes fraction"),
                xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize="small",
                color=GREY)


def _policy_panel(ax: Axes, example: Example, betas: Any) -> None:
    solved = curves(example, betas)
    series = SERIES[: len(example.pi_sft)]
    for i, (pi, s) in enumerate(zip(solved.pi, series, strict=True)):
        label = f"{response_name(i)}: R = {format_number(example.reward[i])}"
        _line(ax, betas, pi, s, label, f"{example.id}-pi-star-{i + 1}")
    _limits(ax, example.limit_small_beta, example.limit_large_beta, series)
    _point(ax, float(example.beta), example.pi_star, series, above=True)
    ax.set_ylim(-0.04, 1.08)
    ax.set_ylabel("π*(y)")
    ax.legend(loc="center right", fontsize="small")


def _limits(ax: Axes, small: Sequence[Decimal], large: Sequence[Decimal], series: Sequence[Series]) -> None:
    """Both limits as open markers on the axis ends, labelled once per panel."""
    low, high = ax.get_xlim()
    for value, s in zip(small, series, strict=True):
        ax.plot([low], [float(value)], marker=s.marker, markersize=7, markerfacecolor="white",
                markeredgecolor=s.colour, linestyle="none", clip_on=False, zorder=5)
    for value, s in zip(large, series, strict=True):
        ax.plot([high], [float(value)], marker=s.marker, markersize=7, markerfacecolor="white",
                markeredgecolor=s.colour, linestyle="none", clip_on=False, zorder=5)
    ax.annotate("β → 0⁺: argmax R", (0.01, 0.5), xycoords="axes fraction", fontsize="small", color=GREY)
    ax.annotate("β → ∞: π_SFT".replace("_SFT", "ₛ"), (0.99, 0.5), xycoords="axes fraction", fontsize="small",
                color=GREY, ha="right")


def _tradeoff_panel(ax: Axes, example: Example, betas: Any) -> None:
    solved = curves(example, betas)
    rows = (
        (solved.expected_reward, "E_π*[R]", "expected-reward", example.expected_reward),
        (solved.max_value, "β·log Z", "max-value", example.max_value),
        (solved.kl, "KL(π*‖π_SFT), nats", "kl", example.kl),
    )
    for (y, label, key, _), s in zip(rows, SERIES, strict=False):
        _line(ax, betas, y, s, label, f"{example.id}-{key}")
    _point(ax, float(example.beta), [r[3] for r in rows], SERIES[:3], above=True)
    ax.set_ylim(-0.04, 1.08)
    ax.set_ylabel("reward (KL in nats)")
    ax.legend(loc="center right", fontsize="small")
