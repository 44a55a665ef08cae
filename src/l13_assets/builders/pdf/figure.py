"""The π* against β figure on the cheatsheet: the figures module's matplotlib drawing, compacted, as vectors.

``figures.figure`` draws the figure at the exact size it takes on the page (never scaled afterwards).
``compact`` then rewrites it for a column's width: each curve is named at its right end in its own colour
(no legend over the curves), the rewards go into the panel titles, the value labels and limit notes go
(the worked example table beside it prints those numbers), three y ticks and no minor ticks; no text is
smaller than ``MIN_TEXT_PT``, the figures' own floor for print (``figures.MIN_FONT_PT``, above the sheet's
``layout.MIN_GLYPH_PT``).

``record`` draws the figure once with a small matplotlib renderer that writes PDF path operators directly
and keeps the text as text (DejaVu Sans, the embedded font), instead of an SVG round trip through svglib;
``FigureOps.draw`` puts the recording on any reportlab canvas, so both paper sizes share one drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...lesson_text import format_number
from ...model import Lesson
from ..figure_render import MIN_FONT_PT as MIN_TEXT_PT

FIGURE_ID = "fig-policy-vs-beta"
LABEL_GAP_PT = 6.6  # direct labels at least this far apart (6 pt type)
LABEL_ROOM_PT = 14.0  # room right of the last panel for its curves' names
PANEL_GAP_PT = 26.0  # between panels: the left one's names, and its last tick label clear of the next's first
LABEL_OFFSET_PT = 6.5  # a name starts this far right of its curve's end, clear of the limit marker


@dataclass(frozen=True)
class Text:
    font: str
    size: float
    x: float
    y: float
    angle: float
    text: str
    rgb: tuple[float, float, float]


@dataclass(frozen=True)
class FigureOps:
    """A recorded figure: PDF path operators and texts, in pt with the origin at the bottom left."""

    width: float
    height: float
    items: tuple[str | Text, ...]

    def draw(self, canvas: Any, x: float, y: float) -> None:
        canvas.saveState()
        canvas.translate(x, y)
        for item in self.items:
            if isinstance(item, str):
                canvas.addLiteral(item)
                continue
            canvas.saveState()
            canvas.setFillColorRGB(*item.rgb)
            canvas.setFont(item.font, item.size)
            canvas.translate(item.x, item.y)
            if item.angle:
                canvas.rotate(item.angle)
            canvas.drawString(0, 0, item.text)
            canvas.restoreState()
        canvas.restoreState()


def figure_ops(lesson: Lesson, width_pt: float, height_pt: float) -> FigureOps:
    import matplotlib

    from .. import figure_render as figures

    with matplotlib.rc_context({**figures.RC, "font.size": MIN_TEXT_PT}):
        fig = figures.figure(lesson, FIGURE_ID, width_in=width_pt / 72, height_in=height_pt / 72)
        compact(fig, lesson)
        return record(fig)


def compact(fig: Any, lesson: Lesson) -> None:
    """Rewrite the figure for a column: direct labels, rewards in the titles, fewer ticks and texts."""
    from matplotlib.text import Text as MplText
    from matplotlib.ticker import FixedLocator, NullLocator

    from .. import figure_render as figures

    width, height = (float(v) * 72 for v in fig.get_size_inches())
    axes = list(fig.axes)
    left = axes[0].get_position().x0 * width
    right = width - LABEL_ROOM_PT
    panel = (right - left - PANEL_GAP_PT * (len(axes) - 1)) / len(axes)
    for i, (ax, example) in enumerate(zip(axes, lesson.examples, strict=True)):
        box = ax.get_position()
        ax.set_position((
            (left + i * (panel + PANEL_GAP_PT)) / width, box.y0, panel / width, box.height))
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        for text in list(ax.texts):
            text.remove()
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_locator(FixedLocator([0, 0.5, 1]))
        rewards = ", ".join(format_number(r) for r in example.reward)
        ax.set_title(f"{example.name.split(' (')[0]}: R = ({rewards})", fontsize=MIN_TEXT_PT)
        _direct_labels(ax, [figures.response_name(i) for i in range(len(example.reward))],
                       [float(v) for v in example.limit_large_beta],
                       [s.colour for s in figures.SERIES], height * box.height)
    for text in fig.findobj(MplText):
        if isinstance(text, MplText):
            text.set_fontsize(max(float(text.get_fontsize()), MIN_TEXT_PT))


def _direct_labels(ax: Any, names: Sequence[str], ends: Sequence[float], colours: Sequence[str],
                   plot_height_pt: float) -> None:
    """Name each curve just right of its end, moved apart vertically where the ends are close."""
    low, high = ax.get_ylim()
    per_pt = (high - low) / plot_height_pt
    order = sorted(range(len(ends)), key=lambda i: ends[i])
    placed = [ends[i] for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + LABEL_GAP_PT * per_pt)
    shift = max(0.0, placed[-1] - high)  # keep the top label inside the panel's height
    placed = [p - shift for p in placed]
    for k, i in enumerate(order):
        ax.annotate(names[i], (1.0, ends[i]), xycoords=("axes fraction", "data"),
                    xytext=(LABEL_OFFSET_PT, (placed[k] - ends[i]) / per_pt), textcoords="offset points",
                    ha="left", va="center", fontsize=MIN_TEXT_PT, color=colours[i], annotation_clip=False)


def record(fig: Any) -> FigureOps:
    """Draw ``fig`` once (72 dpi, so display units are points) into PDF operators and texts."""
    fig.set_dpi(72)
    width, height = (float(v) * 72 for v in fig.get_size_inches())
    from .figure_recorder import Recorder

    renderer = Recorder(width, height)
    fig.draw(renderer)
    return FigureOps(width, height, tuple(renderer.items))
