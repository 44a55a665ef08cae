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
from . import fonts
from .formulas import _n, cubic_controls

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
    renderer = _recorder(width, height)
    fig.draw(renderer)
    return FigureOps(width, height, tuple(renderer.items))


def _recorder(width: float, height: float) -> Any:
    from matplotlib import font_manager
    from matplotlib.backend_bases import GraphicsContextBase, RendererBase
    from matplotlib.path import Path

    class Recorder(RendererBase):
        def __init__(self) -> None:
            super().__init__()
            self.items: list[str | Text] = []

        def flipy(self) -> bool:
            return False

        def get_canvas_width_height(self) -> tuple[float, float]:
            return width, height

        def points_to_pixels(self, points: Any) -> Any:
            return points

        def new_gc(self) -> Any:
            return GraphicsContextBase()

        def draw_path(self, gc: Any, path: Any, transform: Any, rgbFace: Any = None) -> None:
            fill = rgbFace is not None and (len(rgbFace) < 4 or rgbFace[3] > 0)
            stroke = gc.get_linewidth() > 0 and gc.get_rgb()[3] > 0
            if not (fill or stroke):
                return
            if (gc.get_alpha() or 1.0) < 1 or (fill and len(rgbFace) == 4 and rgbFace[3] < 1):
                raise ValueError("the cheatsheet figure has a translucent artist; expected opaque colours")
            ops = ["q", *_clip(gc)]
            if fill:
                ops.append(f"{_rgb(rgbFace)} rg")
            if stroke:
                ops.append(f"{_rgb(gc.get_rgb())} RG {_n(gc.get_linewidth())} w "
                           f"{_CAPS[gc.get_capstyle()]} J {_JOINS[gc.get_joinstyle()]} j")
                offset, dashes = gc.get_dashes()
                if dashes is not None and len(dashes):
                    ops.append(f"[{' '.join(_n(d) for d in dashes)}] {_n(offset or 0)} d")
            simplify = path.should_simplify and rgbFace is None
            ops.append(_segments(path, transform, simplify))
            ops.append("B" if fill and stroke else "f" if fill else "S")
            ops.append("Q")
            self.items.append(" ".join(ops))

        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                      ismath: Any = False, mtext: Any = None) -> None:
            rgb = tuple(float(c) for c in gc.get_rgb()[:3])
            if not ismath:
                self.items.append(Text(_font(prop.get_weight(), prop.get_style()), prop.get_size_in_points(),
                                       x, y, angle, s, rgb))  # type: ignore[arg-type]
                return
            if angle:
                raise ValueError(f"rotated mathtext {s!r} on the cheatsheet figure is not supported")
            parsed = self._text2path.mathtext_parser.parse(s, 72, prop)
            for font, size, code, _, gx, gy in parsed.glyphs:
                entry = font_manager.ttfFontProperty(font)
                self.items.append(Text(_font(entry.weight, entry.style), size, x + gx, y + gy, 0.0, chr(code),
                                       rgb))  # type: ignore[arg-type]
            for rx, ry, rw, rh in parsed.rects:
                self.items.append(f"q {_rgb(rgb)} rg {_n(x + rx)} {_n(y + ry)} {_n(rw)} {_n(rh)} re f Q")

        def draw_image(self, gc: Any, x: float, y: float, im: Any, transform: Any = None) -> None:
            raise ValueError("the cheatsheet figure has an image; expected vector artists only")

    def _clip(gc: Any) -> list[str]:
        ops = []
        rect = gc.get_clip_rectangle()
        if rect is not None:
            x0, y0, w, h = rect.bounds
            ops.append(f"{_n(x0)} {_n(y0)} {_n(w)} {_n(h)} re W n")
        clip_path, affine = gc.get_clip_path()
        if clip_path is not None:
            ops.append(_segments(clip_path, affine, False) + " W n")
        return ops

    def _segments(path: Any, transform: Any, simplify: bool) -> str:
        ops: list[str] = []
        last = (0.0, 0.0)
        for vertices, code in path.iter_segments(transform, remove_nans=True, simplify=simplify, curves=True):
            if code == Path.MOVETO:
                last = (vertices[0], vertices[1])
                ops.append(f"{_n(last[0])} {_n(last[1])} m")
            elif code == Path.LINETO:
                last = (vertices[0], vertices[1])
                ops.append(f"{_n(last[0])} {_n(last[1])} l")
            elif code == Path.CURVE3:
                (qx, qy), (ex, ey) = (vertices[0], vertices[1]), (vertices[2], vertices[3])
                controls = cubic_controls(last[0], last[1], qx, qy, ex, ey)
                ops.append(" ".join(_n(v) for v in (*controls, ex, ey)) + " c")
                last = (ex, ey)
            elif code == Path.CURVE4:
                ops.append(" ".join(_n(v) for v in vertices[:6]) + " c")
                last = (vertices[4], vertices[5])
            elif code == Path.CLOSEPOLY:
                ops.append("h")
        return " ".join(ops)

    return Recorder()


_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}


def _rgb(colour: Sequence[float]) -> str:
    return " ".join(_n(float(c)) for c in colour[:3])


def _font(weight: Any, style: str) -> str:
    bold = weight in ("bold", "heavy", "black", "semibold", "demibold") or (
        isinstance(weight, int | float) and weight >= 600)
    italic = style in ("italic", "oblique")
    return {(False, False): fonts.SANS, (True, False): fonts.SANS_BOLD,
            (False, True): fonts.SANS_ITALIC, (True, True): fonts.SANS_BOLD_ITALIC}[(bold, italic)]
