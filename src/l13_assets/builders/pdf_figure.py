"""The π* against β figure on the cheatsheet: the figures module's matplotlib drawing, kept as vectors.

The figure is drawn by ``figures.figure`` at the exact size it takes on the page (never scaled afterwards),
every text raised to at least ``MIN_TEXT_PT`` (the figure's own small labels are 4.6 pt at this width), saved
as SVG with the figures module's fixed rcParams, and read by svglib with 'DejaVu Sans' mapped to the
embedded font so tick labels stay real, extractable text.
"""

from __future__ import annotations

import io
from typing import Any

from ..model import Lesson
from . import pdf_fonts

MIN_TEXT_PT = 5.6
FIGURE_ID = "fig-policy-vs-beta"


def figure_svg(lesson: Lesson, width_pt: float, height_pt: float) -> bytes:
    import matplotlib
    from matplotlib.text import Text

    from . import figures

    # relative sizes ("medium", "small") resolve against font.size when the figure is saved: pin it
    with matplotlib.rc_context({**figures.RC, "font.size": MIN_TEXT_PT}):
        fig = figures.figure(lesson, FIGURE_ID, width_in=width_pt / 72, height_in=height_pt / 72)
        for ax in fig.axes:  # at a column's width the value labels crowd the curves; ticks and legend stay
            for label in list(ax.texts):
                label.remove()
            title = ax.get_title()  # the two panel titles run into each other on one line
            ax.set_title(title.replace(" (", "\n(", 1), fontsize=ax.title.get_fontsize())
        for text in fig.findobj(Text):
            if isinstance(text, Text):
                text.set_fontsize(max(float(text.get_fontsize()), MIN_TEXT_PT))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def figure_drawing(svg: bytes) -> Any:
    """The SVG as a reportlab Drawing in points (matplotlib writes 1 user unit = 1 pt)."""
    from svglib.svglib import svg2rlg

    pdf_fonts.map_svg_fonts()
    drawing = svg2rlg(io.BytesIO(svg))
    if drawing is None:  # pragma: no cover - matplotlib always writes valid SVG
        raise RuntimeError("svglib could not read the figure's SVG")
    _only_embedded_fonts(drawing)
    return drawing


def _only_embedded_fonts(node: Any) -> None:
    """Drop svglib's blank strings (it draws the spaces between anchored words as Helvetica 16 pt, which
    is not embedded) and give any other string the embedded font."""
    from reportlab.graphics.shapes import String

    contents = getattr(node, "contents", None)
    if not contents:
        return
    contents[:] = [c for c in contents if not (isinstance(c, String) and not c.text.strip())]
    for child in contents:
        if isinstance(child, String) and child.fontName not in pdf_fonts.NAMES:
            child.fontName = pdf_fonts.SANS
        _only_embedded_fonts(child)
