"""Display formulas for the cheatsheet: LaTeX typeset by ziamath (STIX Two Math), drawn as vectors.

ziamath lays a formula out and writes SVG 2: each glyph's outline once as a ``symbol`` (absolute M, L, Q,
Z commands), placed by ``use`` elements, and ``rect`` fraction bars. ``pdf_paths`` turns each distinct
outline into PDF path operators once per build (quadratic segments raised to cubic) and each placement into
a ``cm`` transform around them (placements to 0.01 pt), once per formula per build; every page that shows
the formula writes the same operator string. An invisible copy of the formula as plain Unicode (text
render mode 3, inside a ``/L13Formula`` marked-content span so tests can tell it apart) keeps the page
searchable.

Speed: ziamath measures every row twice (once without its stretchy operators, to size them), and the
measuring recurses, so the cost doubles with each level of nesting. ``_row_heights_only_when_used`` skips
that measurement for rows with no operator that would read it; the output is identical (a test compares
the SVG of every formula in the source with and without it).

Sizes: ziamath works in px, 1 px is 0.75 pt. No script is set below ``layout.SCRIPT_SIZE``, the sheet's
smallest type (just above its ``MIN_GLYPH_PT`` promise): ziamath's ``minsizefraction`` floors every glyph
size, and a formula is never scaled down to fit. A formula wider than
its column is broken before a top-level ``+``, ``-`` or ``=``; if a piece is still too wide, that is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ...errors import Problem
from ...latex_text import latex_to_text
from .layout import SCRIPT_SIZE

PX_PER_PT = 1 / 0.75
PT_PER_PX = 0.75
FORMULA_TAG = "L13Formula"
CONTINUATION_INDENT = 14.0  # pt; a broken formula's later lines start here, as TeX aligns them


@dataclass(frozen=True)
class Line:
    paths: str  # PDF path operators drawing the formula, origin at the bottom left of its box, in pt
    width: float
    height: float
    text: str
    origin: tuple[float, float] = (0.0, 0.0)  # where the typesetting origin (on the baseline) sits in the box
    advance: float = 0.0  # where the next piece's origin goes, from this one's


class FormulaTooWide(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Typesetter:
    """Renders LaTeX pieces at one size, each at most once per build (both paper sizes share them)."""

    def __init__(self, size_pt: float) -> None:
        self.size_pt = size_pt
        # Per typesetter, so per size and per build: functools.cache on the method would key on self and keep
        # every typesetter (and its lines) alive for the process, across watch rebuilds.
        self._cache: dict[str, Line] = {}
        self._glyphs: dict[str, str] = {}  # a glyph outline as PDF operators (see pdf_paths)

    def line(self, latex: str) -> Line:
        if latex not in self._cache:
            self._cache[latex] = self._render(latex)
        return self._cache[latex]

    def lines(self, latex: str, max_width: float, where: str, file: str) -> list[Line]:
        """The formula in as few lines as fit ``max_width``; FormulaTooWide naming ``where`` otherwise.

        Each top-level piece is typeset once and the lines are set from the pieces, so a formula costs the
        same whether or not it breaks."""
        pieces = [self.line(_continued(p, i > 0)) for i, p in enumerate(top_level_pieces(latex))]
        groups: list[list[Line]] = [[]]
        for piece in pieces:
            indent = CONTINUATION_INDENT if len(groups) > 1 else 0.0
            if groups[-1] and _joined(groups[-1] + [piece]).width + indent > max_width:
                groups.append([])
            groups[-1].append(piece)
        lines = [_joined(group, latex if len(groups) == 1 else None) for group in groups]
        for i, line in enumerate(lines):
            limit = max_width - (CONTINUATION_INDENT if i else 0.0)
            if line.width > limit:
                raise FormulaTooWide(Problem(
                    file, 0, 0, where,
                    f"formula is {line.width:.0f} pt wide and cannot be broken to fit its {max_width:.0f} pt "
                    "column, expected a shorter formula or one with a top-level + or = to break at"))
        return lines

    def _render(self, latex: str) -> Line:
        ziamath = _ziamath()
        with _glyph_floor(ziamath, SCRIPT_SIZE * PX_PER_PT), _row_heights_only_when_used():
            math = ziamath.Latex(latex, size=self.size_pt * PX_PER_PT)
            svg = math.svgxml()
        paths, width, height, origin = pdf_paths(svg, self._glyphs)
        return Line(paths, width, height, latex_to_text(latex), origin, float(math.node.xadvance()) * PT_PER_PX)


def _joined(pieces: list[Line], latex: str | None = None) -> Line:
    """Pieces set side by side on one baseline, each origin at the previous one's advance."""
    if len(pieces) == 1:
        return pieces[0]
    x = 0.0
    placed = []
    for piece in pieces:
        placed.append((x, piece))
        x += piece.advance
    left = min(px - p.origin[0] for px, p in placed)
    right = max(px - p.origin[0] + p.width for px, p in placed)
    above = max(p.height - p.origin[1] for p in pieces)
    below = max(p.origin[1] for p in pieces)
    paths = "\n".join(f"q 1 0 0 1 {_n(px - p.origin[0] - left)} {_n(below - p.origin[1])} cm\n{p.paths}\nQ"
                       for px, p in placed)
    text = latex_to_text(latex) if latex is not None else " ".join(p.text for p in pieces)
    return Line(paths, right - left, above + below, text, (-left, below), x)


_NUMBER = re.compile(r"[MLQZ]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")


def pdf_paths(svg: Any, glyphs: dict[str, str] | None = None) -> tuple[str, float, float, tuple[float, float]]:
    """ziamath's SVG element as PDF fill operators in pt (y up, origin at the box's bottom left), with the
    box's width and height in pt and where the typesetting origin (0, 0) falls in the box.

    Each glyph's outline is converted once, in its symbol's own units, and every placement of it is a
    ``cm`` transform around those operators. ``glyphs`` (outline to operators) carries the conversions
    from one formula to the next: a sheet's formulas use about 90 distinct glyphs 585 times."""
    glyphs = {} if glyphs is None else glyphs
    min_x, min_y, _, view_height = (float(v) for v in svg.get("viewBox").split())
    width, height = float(svg.get("width")), float(svg.get("height"))
    if abs(height - view_height) > 1e-6:  # pragma: no cover - ziamath's view box is its size
        raise RuntimeError("ziamath wrote a scaled view box")

    def point(x: float, y: float) -> tuple[float, float]:
        return (x - min_x) * PT_PER_PX, (height - (y - min_y)) * PT_PER_PX

    symbols: dict[str, tuple[str, float, float, float]] = {}  # id: operators, view box x, y and height
    out: list[str] = ["0 g"]
    for element in svg:
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "symbol":
            box_x, box_y, _, box_height = (float(v) for v in element.get("viewBox").split())
            outline = "".join(_outline_parts(element))
            if outline and outline not in glyphs:
                glyphs[outline] = _path_ops(outline)
            symbols[element.get("id")] = (glyphs.get(outline, ""), box_x, box_y, box_height)
        elif tag == "use":
            ops, box_x, box_y, box_height = symbols[element.get("href").lstrip("#")]
            if not ops:  # a space: a symbol with no outline
                continue
            # the symbol's view box is scaled (evenly) to the use's size, then placed at its x and y
            scale = float(element.get("height")) / box_height
            x, y = point(float(element.get("x")) - box_x * scale, float(element.get("y")) - box_y * scale)
            a = _n(scale * PT_PER_PX, 5)
            out.append(f"q {a} 0 0 -{a} {_n(x)} {_n(y)} cm {ops} f Q")
        elif tag == "rect":  # a fraction bar or a root's overline (filled), or a box (\boxed: stroked)
            x, y = point(float(element.get("x")), float(element.get("y")) + float(element.get("height")))
            box = (f"{_n(x)} {_n(y)} {_n(float(element.get('width')) * PT_PER_PX)} "
                   f"{_n(float(element.get('height')) * PT_PER_PX)} re")
            if element.get("fill") == "none":
                pen = float(element.get("stroke-width", "1")) * PT_PER_PX
                out.append(f"q 0 G {_n(pen)} w {box} S Q")
            else:
                out.append(f"{box} f")
        else:  # pragma: no cover - ziamath's SVG 2 output has no other elements at the top
            raise RuntimeError(f"ziamath wrote an unexpected SVG element <{tag}>")
    return "\n".join(out), width * PT_PER_PX, height * PT_PER_PX, point(0.0, 0.0)


def _outline_parts(symbol: Any) -> Iterator[str]:
    """The path data of a glyph's symbol: its paths, also those grouped in a <g> (an assembled brace)."""
    for element in symbol.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "path":
            yield element.get("d")
        elif tag != "symbol" and not (tag == "g" and not element.attrib):  # pragma: no cover - never seen
            raise RuntimeError(f"ziamath wrote an unexpected <{tag}> in a glyph (a group with a transform?)")


def _path_ops(d: str) -> str:
    """An SVG outline (absolute M, L, Q, Z) as PDF path operators in the same units; a quadratic segment
    becomes a cubic (``cubic_controls``)."""
    tokens = _NUMBER.findall(d)
    ops: list[str] = []
    sx = sy = 0.0
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command == "Z":
            ops.append("h")
            i += 1
        elif command == "Q":
            qx, qy, ex, ey = (float(v) for v in tokens[i + 1:i + 5])
            i += 5
            c = cubic_controls(sx, sy, qx, qy, ex, ey)
            ops.append(f"{_n(c[0], 3)} {_n(c[1], 3)} {_n(c[2], 3)} {_n(c[3], 3)} {tokens[i - 2]} {tokens[i - 1]} c")
            sx, sy = ex, ey
        elif command in ("M", "L"):
            sx, sy = float(tokens[i + 1]), float(tokens[i + 2])
            ops.append(f"{tokens[i + 1]} {tokens[i + 2]} {'m' if command == 'M' else 'l'}")
            i += 3
        else:  # pragma: no cover - ziamath writes only M, L, Q and Z
            raise RuntimeError(f"ziamath wrote an unexpected path command {command!r}")
    return " ".join(ops)


def cubic_controls(sx: float, sy: float, qx: float, qy: float, ex: float, ey: float) -> tuple[float, ...]:
    """The two control points of the cubic that draws the quadratic from (sx, sy) through control (qx, qy)
    to (ex, ey): two thirds of the way from each end to the quadratic's control (PDF has no quadratics)."""
    return sx + 2 / 3 * (qx - sx), sy + 2 / 3 * (qy - sy), ex + 2 / 3 * (qx - ex), ey + 2 / 3 * (qy - ey)


def _n(value: float, decimals: int = 2) -> str:
    """A number to ``decimals`` places (a coordinate to 0.01 pt), as short as it goes: 12.5, 3, -0.25."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _ziamath() -> Any:
    # ziamath 0.13 locates its font with importlib.resources.path, deprecated since Python 3.11; the warning
    # is about ziamath's own import and is silenced for that import only.
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "path is deprecated", DeprecationWarning)
        import ziamath
    return ziamath


@contextmanager
def _glyph_floor(ziamath: Any, floor_px: float) -> Iterator[None]:
    # ziamath floors script sizes at font.basesize * minsizefraction; basesize is the font's, not ours.
    # SVG 2 output: each glyph's outline once, as a <symbol>, placed by <use> (see pdf_paths).
    saved_svg2, saved_fraction = ziamath.config.svg2, ziamath.config.minsizefraction
    ziamath.config.svg2 = True
    ziamath.config.minsizefraction = floor_px / _font_basesize(ziamath)
    try:
        yield
    finally:
        ziamath.config.svg2, ziamath.config.minsizefraction = saved_svg2, saved_fraction


@contextmanager
def _row_heights_only_when_used() -> Iterator[None]:
    """Skip ziamath's measuring pass for rows whose measured height nothing reads.

    A row measures its children without their stretchy operators and passes that height down; only an
    operator that is stretchy and has no explicit size (``minsize``/``maxsize``) reads it. A row with no
    such operator anywhere below it gets (0, 0), which nothing reads."""
    from ziamath import operators
    from ziamath.nodes.mrow import Mrow
    from ziamath.nodes.nodetools import elementtext

    measure = Mrow._get_height_nostretch

    def reads_row_height(mo: Any) -> bool:
        params = operators.get_params(elementtext(mo), mo.get("form", "infix"))
        params.update(mo.attrib)
        return params.get("stretchy", "false") != "false" and not (mo.get("minsize") or mo.get("maxsize"))

    def lazy(self: Any, line: list[Any], **kwargs: Any) -> tuple[float, float]:
        if any(reads_row_height(e) for child in line for e in child.iter() if e.tag.rsplit("}", 1)[-1] == "mo"):
            return measure(self, line, **kwargs)
        return 0.0, 0.0

    setattr(Mrow, "_get_height_nostretch", lazy)  # noqa: B010 - mypy forbids assigning to a method
    try:
        yield
    finally:
        setattr(Mrow, "_get_height_nostretch", measure)  # noqa: B010


_BASESIZE: list[float] = []


def _font_basesize(ziamath: Any) -> float:
    if not _BASESIZE:
        _BASESIZE.append(float(ziamath.Latex("x").font.basesize))
    return _BASESIZE[0]


def _continued(latex: str, continuation: bool) -> str:
    # "{}" before a leading operator keeps binary spacing on a continuation line
    return "{}" + latex if continuation else latex


def top_level_pieces(latex: str) -> list[str]:
    """``latex`` cut before each ``+``, ``-`` or ``=`` outside braces, brackets and parentheses."""
    from ...latex_tokens import tokens

    pieces: list[str] = []
    depth = start = 0
    for token in tokens(latex):
        if token.text in ("{", "[", "("):
            depth += 1
        elif token.text in ("}", "]", ")"):
            depth -= 1
        elif token.text in ("+", "-", "=") and depth == 0 and token.at > start:
            pieces.append(latex[start:token.at])
            start = token.at
    pieces.append(latex[start:])
    return [p for p in pieces if p.strip()]


def formula_flowable(lines: list[Line], *, font: str, text_size: float) -> Any:
    """A flowable drawing ``lines`` one under the other, each with its invisible text copy."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Flowable

    gap = 1.5

    class Formula(Flowable):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.width = max(line.width + (CONTINUATION_INDENT if i else 0.0) for i, line in enumerate(lines))
            self.height = sum(line.height for line in lines) + gap * (len(lines) - 1)

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            canvas = self.canv
            top = self.height
            for i, line in enumerate(lines):
                x = CONTINUATION_INDENT if i else 0.0
                top -= line.height
                canvas.addLiteral(f"q 1 0 0 1 {_n(x)} {_n(top)} cm\n{line.paths}\nQ")
                natural = stringWidth(line.text, font, text_size)
                canvas.addLiteral(f"/{FORMULA_TAG} BMC")
                text = canvas.beginText()
                text.setTextRenderMode(3)
                text.setFont(font, text_size)
                text.setHorizScale(100 * line.width / natural if natural else 100)
                text.setTextOrigin(x, top + line.height / 2 - text_size / 3)
                text.textOut(line.text)
                canvas.drawText(text)
                canvas.addLiteral("EMC")
                top -= gap

    return Formula()
