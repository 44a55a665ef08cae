"""Drawings against β: the panels of the π* and trade-off figures, one example each, on a log β axis.

The curves come from ``rlhf_math.optimal_policy`` with the numpy backend, evaluated on one array of β that
contains each example's own β, so each plotted line passes exactly through the lesson's verified point.
matplotlib and numpy are imported inside the functions, as in ``figures``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..lesson_text import MINUS, format_number
from ..model import Example, Lesson
from ..rlhf_math import OptimalPolicy, optimal_policy, vector

if TYPE_CHECKING:
    from matplotlib.axes import Axes

GRID_POINTS = 241  # samples over four decades: at most 0.03 of π between samples, smooth when drawn
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



def beta_axis(ax: Axes, lesson: Lesson, minor_ticks_as_marks: bool) -> None:
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
    unclipped_grid(ax)
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


def scale() -> float:
    """Marker sizes and line widths follow the font, so a small render keeps its proportions."""
    import matplotlib

    return float(matplotlib.rcParams["font.size"]) / BASE_FONT_PT


def line(ax: Axes, x: Any, y: Any, series: Series, label: str, gid: str) -> None:
    """A curve; clipped to the axes only if it leaves them (its axes' limits are set before)."""
    k = scale()
    ax.plot(
        x, y, color=series.colour, linestyle=series.dashes, marker=series.marker, markevery=(0.07, 0.15),
        markersize=4 * k, linewidth=1.6 * k, label=label, gid=gid, zorder=3, clip_on=not inside(ax, x, y),
    )


def inside(ax: Axes, x: Any, y: Any) -> bool:
    """Whether every point lies within the axes' limits. Such a line needs no clip, and an unclipped line
    costs the rasteriser far less: resvg draws each clipped element through a mask the size of the image,
    which was half the PNG's time."""
    import numpy as np

    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return bool(np.isfinite(xs).all() and np.isfinite(ys).all() and x0 <= xs.min() and xs.max() <= x1
                and y0 <= ys.min() and ys.max() <= y1)


def unclipped_grid(ax: Axes) -> None:
    """Grid lines span the axes by construction: drawn without a clip (see ``inside``). Ticks the axis makes
    later copy these ticks' properties, the clip setting included."""
    for axis in (ax.xaxis, ax.yaxis):
        for tick in axis.get_major_ticks():
            tick.gridline.set_clip_on(False)


def limit_markers(ax: Axes, x: float, values: Sequence[Decimal], series: Sequence[Series]) -> None:
    """A limit as open markers sitting on the axis end."""
    for value, s in zip(values, series, strict=True):
        ax.plot([x], [float(value)], marker=s.marker, markersize=7 * scale(), markerfacecolor="white",
                markeredgecolor=s.colour, markeredgewidth=1.4 * scale(), linestyle="none", clip_on=False,
                zorder=5)


def note(ax: Axes, text: str, xy: tuple[float, float], offset: tuple[float, float], size: float,
          ha: str = "left", va: str = "bottom", colour: str = GREY) -> None:
    ax.annotate(text, xy, xytext=offset, textcoords="offset points", ha=ha, va=va, fontsize=size,
                color=colour, zorder=6)


def note_lines(ax: Axes, lines: Sequence[str], xy: tuple[float, float], offset: tuple[float, float], size: float,
               ha: str = "left", colour: str = GREY, bbox: dict[str, Any] | None = None) -> None:
    """A note of several lines, one Text each (a newline inside a Text is not house style), the last line's
    bottom at ``offset`` from ``xy`` and the others stacked above it."""
    for k, text in enumerate(reversed(lines)):
        ax.annotate(text, xy, xytext=(offset[0], offset[1] + 1.25 * size * k), textcoords="offset points", ha=ha,
                    va="bottom", fontsize=size, color=colour, zorder=8, bbox=bbox)


def lesson_beta(ax: Axes, beta: float, values: Sequence[Decimal], curves_y: Sequence[Any], betas: Any,
                 series: Sequence[Series], size: float) -> None:
    """Mark the lesson's β: a vertical rule, a filled marker per curve and its verified value beside it.

    A value goes on the side where its curve is not: up and right of a falling curve, up and left of a
    rising one."""
    import numpy as np

    ax.axvline(beta, color=GREY, linewidth=0.8, linestyle=(0, (1, 2)), zorder=1, clip_on=False)  # inside
    ax.annotate(f"β = {plain_number(beta)}", (beta, 0.5), xycoords=("data", "axes fraction"), xytext=(3, 0),
                textcoords="offset points", rotation=90, ha="left", va="center", fontsize=size, color=GREY)
    at = int(np.searchsorted(betas, beta))
    for value, y, s in zip(values, curves_y, series, strict=True):
        ax.plot([beta], [float(value)], marker=s.marker, color=s.colour, markersize=6.5 * scale(),
                markeredgecolor="black", markeredgewidth=0.7, linestyle="none", zorder=7,
                clip_on=False)  # a verified point, inside the axes
        rising = y[at + 1] > y[at - 1]
        ax.annotate(
            format_number(value), (beta, float(value)), xytext=(-5 if rising else 5, 3),
            textcoords="offset points", ha="right" if rising else "left", va="bottom", fontsize=size,
            zorder=8, bbox=LABEL_BOX,
        )


def policy_panel(ax: Axes, example: Example, betas: Any, size: float) -> None:
    solved = curves(example, betas)
    series = SERIES[: len(example.pi_sft)]
    for i, (pi, s) in enumerate(zip(solved.pi, series, strict=True)):
        label = f"{response_name(i)}: R = {format_number(example.reward[i])}"
        line(ax, betas, pi, s, label, curve_gid(example, "pi-star", i))
    low, high = ax.get_xlim()
    limit_markers(ax, low, example.limit_small_beta, series)
    limit_markers(ax, high, example.limit_large_beta, series)
    top = float(max(example.limit_small_beta))
    note(ax, "β → 0⁺: all on argmax R", (low, top), (4, 5), size)
    # Above the top curve's end, which flattens out there: two short lines stay right of the β rule.
    note_lines(ax, ("β → ∞:", "the SFT policy"), (high, float(max(example.limit_large_beta))), (-6, 7), size,
               ha="right")
    lesson_beta(ax, float(example.beta), example.pi_star, solved.pi, betas, series, size)


def tradeoff_panel(ax: Axes, example: Example, betas: Any, size: float) -> None:
    solved = curves(example, betas)
    rows = (
        (solved.expected_reward, "reward E[R] under π*", "expected-reward", example.expected_reward),
        (solved.max_value, "optimum β·log Z", "max-value", example.max_value),
        (solved.kl, f"KL(π*‖{PI_SFT}) in nats", "kl", example.kl),
    )
    series = SERIES[: len(rows)]
    for (y, label, key, _), s in zip(rows, series, strict=True):
        line(ax, betas, y, s, label, curve_gid(example, key))
    low, high = ax.get_xlim()
    top = max(example.reward)
    limit_markers(ax, low, (top, top, example.limit_small_beta_kl), series)
    limit_markers(ax, high, (example.sft_expected_reward, example.sft_expected_reward, Decimal(0)), series)
    note(ax, f"β → 0⁺: max R = {format_number(top)}", (low, float(top)), (4, 5), size)
    note(ax, f"KL → {format_number(example.limit_small_beta_kl)}", (low, float(example.limit_small_beta_kl)),
          (4, 4), size)
    note(ax, f"β → ∞: E[R] = {format_number(example.sft_expected_reward)}",
          (high, float(example.sft_expected_reward)), (-4, -7), size, ha="right", va="top")
    lesson_beta(ax, float(example.beta), [r[3] for r in rows], [r[0] for r in rows], betas, series, size)

