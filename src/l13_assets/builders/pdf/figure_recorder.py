"""The small matplotlib renderer behind ``figure.record``: it writes PDF path operators and keeps text as
text in the embedded DejaVu fonts, so the cheatsheet's figure is vectors and real text without an SVG round
trip. Imported only when a figure is recorded (it imports matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib import font_manager
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.path import Path

from . import fonts
from .figure import Text
from .formulas import _n, cubic_controls

_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}


class Recorder(RendererBase):
    """A renderer whose output is ``items``: PDF operator strings for paths and ``Text`` for text."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.items: list[str | Text] = []

    def flipy(self) -> bool:
        return False

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

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
        ops = ["q", *clip_ops(gc)]
        if fill:
            ops.append(f"{_rgb(rgbFace)} rg")
        if stroke:
            ops.append(f"{_rgb(gc.get_rgb())} RG {_n(gc.get_linewidth())} w "
                       f"{_CAPS[gc.get_capstyle()]} J {_JOINS[gc.get_joinstyle()]} j")
            offset, dashes = gc.get_dashes()
            if dashes is not None and len(dashes):
                ops.append(f"[{' '.join(_n(d) for d in dashes)}] {_n(offset or 0)} d")
        simplify = path.should_simplify and rgbFace is None
        ops.append(segments(path, transform, simplify))
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


def clip_ops(gc: Any) -> list[str]:
    ops = []
    rect = gc.get_clip_rectangle()
    if rect is not None:
        x0, y0, w, h = rect.bounds
        ops.append(f"{_n(x0)} {_n(y0)} {_n(w)} {_n(h)} re W n")
    clip_path, affine = gc.get_clip_path()
    if clip_path is not None:
        ops.append(segments(clip_path, affine, False) + " W n")
    return ops

def segments(path: Any, transform: Any, simplify: bool) -> str:
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


def _rgb(colour: Sequence[float]) -> str:
    return " ".join(_n(float(c)) for c in colour[:3])


def _font(weight: Any, style: str) -> str:
    bold = weight in ("bold", "heavy", "black", "semibold", "demibold") or (
        isinstance(weight, int | float) and weight >= 600)
    italic = style in ("italic", "oblique")
    return {(False, False): fonts.SANS, (True, False): fonts.SANS_BOLD,
            (False, True): fonts.SANS_ITALIC, (True, True): fonts.SANS_BOLD_ITALIC}[(bold, italic)]
