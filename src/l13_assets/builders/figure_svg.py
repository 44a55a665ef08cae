"""What the figures' SVG files give beyond themselves: their PNG, rasterised from the SVG by resvg, and the
size of their smallest text as a browser shows it.

The PNG is drawn from the very SVG the build writes, so both files show one drawing and matplotlib lays
the figure out once. resvg (through its PyPI binding ``resvg_py``) renders in Rust without Python's lock;
its only fonts are the DejaVu Sans files matplotlib ships, the font the SVG names, so the pixels do not
depend on the fonts installed on the machine. The binding refuses an SVG whose size is in pt (matplotlib's
unit), so the root's width and height are given in pixels of the wanted raster; the viewBox stays, and with
it every coordinate of the drawing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

CSS_PX_PER_PT = 4 / 3  # CSS: 1 pt = 1/72 in, 1 px = 1/96 in
_ROOT_SIZE = re.compile(rb'<svg ([^>]*?)width="([0-9.]+)pt" height="([0-9.]+)pt"')
_VIEWBOX = re.compile(rb'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
_FONT_SIZE = re.compile(rb"font-size:\s*([0-9.]+)px")
_TEXT_SCALE = re.compile(rb"<text[^>]*transform=\"[^\"]*(scale|matrix)\(")
# The faces the figures use: regular, bold, oblique (mathtext may ask for any of them).
_FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf")


def size_pt(svg: bytes) -> tuple[float, float]:
    """The SVG's width and height in pt, as matplotlib writes them."""
    found = _ROOT_SIZE.search(svg)
    if found is None:
        raise ValueError("the SVG's root gives no width and height in pt, expected matplotlib's SVG")
    return float(found[2]), float(found[3])


def to_png(svg: bytes, width_px: int) -> bytes:
    """The SVG rasterised at ``width_px`` pixels wide (height in proportion), opaque white background."""
    import resvg_py

    width_pt, height_pt = size_pt(svg)
    height_px = round(height_pt * width_px / width_pt)
    sized = _ROOT_SIZE.sub(rb'<svg \1width="%d" height="%d"' % (width_px, height_px), svg, count=1)
    png = resvg_py.svg_to_bytes(svg_string=sized.decode(), skip_system_fonts=True, font_files=list(_fonts()),
                                background="#ffffff")
    return bytes(png)


def min_text_px(svg: bytes) -> float:
    """The smallest font size of any text in the SVG, in CSS px when the image is shown at its own width.

    matplotlib writes text as ``<text>`` with its size in user units (pt, its viewBox unit) and moves it by
    translate and rotate only; a scaled text would make the sizes lie, so it is refused."""
    sizes = [float(s) for s in _FONT_SIZE.findall(svg)]
    if not sizes:
        raise ValueError("the SVG has no text with a font size, expected matplotlib's text-as-text SVG")
    if _TEXT_SCALE.search(svg):
        raise ValueError("the SVG scales a text, expected translate and rotate only")
    viewbox = _VIEWBOX.search(svg)
    if viewbox is None:
        raise ValueError("the SVG has no viewBox from 0 0, expected matplotlib's SVG")
    css_width = size_pt(svg)[0] * CSS_PX_PER_PT
    return min(sizes) * css_width / float(viewbox[1])


@cache
def _fonts() -> tuple[str, ...]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return tuple(str(folder / face) for face in _FACES)
