"""Display formulas for the cheatsheet: LaTeX typeset by ziamath (STIX Two Math), drawn as vectors.

ziamath writes SVG 1.1 paths (``svg2 = False``; its SVG2 output renders garbled through svglib), svglib turns
them into a reportlab Drawing, and an invisible copy of the formula as plain Unicode (text render mode 3,
inside a ``/L13Formula`` marked-content span so tests can tell it apart) keeps the page searchable.

Sizes: ziamath works in px, svglib reads 1 px as 0.75 pt. No script is set below ``MIN_GLYPH_PT``: ziamath's
``minsizefraction`` floors every glyph size, and a formula is never scaled down to fit. A formula wider than
its column is broken before a top-level ``+``, ``-`` or ``=``; if a piece is still too wide, that is an error.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import Problem

MIN_GLYPH_PT = 5.6  # the sheet promises no glyph below 5.5 pt; keep a little room for rounding
PX_PER_PT = 1 / 0.75
FORMULA_TAG = "L13Formula"
CONTINUATION_INDENT = 14.0  # pt; a broken formula's later lines start here, as TeX aligns them


@dataclass(frozen=True)
class Line:
    drawing: Any  # reportlab Drawing
    width: float
    height: float
    text: str


class FormulaTooWide(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Typesetter:
    """Renders LaTeX pieces at one size, each at most once per build (both paper sizes share them)."""

    def __init__(self, size_pt: float) -> None:
        self.size_pt = size_pt
        self._cache: dict[str, Line] = {}

    def line(self, latex: str) -> Line:
        if latex not in self._cache:
            self._cache[latex] = self._render(latex)
        return self._cache[latex]

    def lines(self, latex: str, max_width: float, where: str, file: str) -> list[Line]:
        """The formula in as few lines as fit ``max_width``; FormulaTooWide naming ``where`` otherwise."""
        whole = self.line(latex)
        if whole.width <= max_width:
            return [whole]
        pieces = top_level_pieces(latex)
        lines: list[Line] = []
        current = ""
        for piece in pieces:
            candidate = current + piece
            indent = CONTINUATION_INDENT if lines else 0.0
            if current and self.line(_continued(candidate, bool(lines))).width + indent > max_width:
                lines.append(self.line(_continued(current, bool(lines))))
                current = piece
            else:
                current = candidate
        lines.append(self.line(_continued(current, bool(lines))))
        for i, line in enumerate(lines):
            limit = max_width - (CONTINUATION_INDENT if i else 0.0)
            if line.width > limit:
                raise FormulaTooWide(Problem(
                    file, 0, 0, where,
                    f"formula is {line.width:.0f} pt wide and cannot be broken to fit its {max_width:.0f} pt "
                    "column, expected a shorter formula or one with a top-level + or = to break at"))
        return lines

    def _render(self, latex: str) -> Line:
        from svglib.svglib import svg2rlg

        ziamath = _ziamath()

        with _glyph_floor(ziamath, MIN_GLYPH_PT * PX_PER_PT):
            svg = ziamath.Latex(latex, size=self.size_pt * PX_PER_PT).svg()
        drawing = svg2rlg(io.StringIO(svg))
        if drawing is None:  # pragma: no cover - ziamath always writes valid SVG
            raise RuntimeError(f"svglib could not read ziamath's SVG for {latex!r}")
        return Line(drawing, float(drawing.width), float(drawing.height), latex_to_text(latex))


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
    # ziamath floors script sizes at font.basesize * minsizefraction; basesize is the font's, not ours
    saved_svg2, saved_fraction = ziamath.config.svg2, ziamath.config.minsizefraction
    ziamath.config.svg2 = False
    ziamath.config.minsizefraction = floor_px / _font_basesize(ziamath)
    try:
        yield
    finally:
        ziamath.config.svg2, ziamath.config.minsizefraction = saved_svg2, saved_fraction


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
    pieces: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(latex):
        char = latex[i]
        if char == "\\":
            i += 2 if i + 1 < len(latex) and not latex[i + 1].isalpha() else 1
            while i < len(latex) and latex[i].isalpha():
                i += 1
            continue
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char in "+-=" and depth == 0 and i > start:
            pieces.append(latex[start:i])
            start = i
        i += 1
    pieces.append(latex[start:])
    return [p for p in pieces if p.strip()]


# --- the invisible text layer -------------------------------------------------------------------------

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "theta": "θ", "lambda": "λ",
    "mu": "μ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "psi": "ψ", "omega": "ω",
    "Sigma": "Σ", "Pi": "Π", "Delta": "Δ",
}
_SYMBOLS = {
    "sim": " ∼ ", "mid": " | ", "|": "‖", "succ": " ≻ ", "sum": "Σ", "cdot": "·", "dots": "…", "infty": "∞",
    "to": " → ", "propto": " ∝ ", "approx": " ≈ ", "le": " ≤ ", "ge": " ≥ ", "quad": "  ", "qquad": "  ",
    ",": " ", ";": " ", ":": " ", " ": " ", "!": "", "\\": "; ",
    "log": "log ", "exp": "exp", "max": "max ", "min": "min ",
}
_DROP = {"big", "Big", "bigg", "Bigg", "left", "right", "displaystyle", "textstyle", "limits", "hat"}
_KEEP_ARGUMENT = {"text", "mathrm", "operatorname", "mathbb", "mathcal", "mathbf", "mathit", "boldsymbol"}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}])|([^\\{}])", re.S)


def latex_to_text(latex: str) -> str:
    """A plain Unicode reading of a formula, close to how the prose writes it (π_SFT reads πSFT)."""
    tokens = [m.group(0) for m in _TOKEN.finditer(latex)]
    text, _ = _convert(tokens, 0, stop_at_brace=False)
    text = re.sub(r"\s+", " ", text.replace("&", " ")).strip()
    return re.sub(r"\s*([,)\]])", r"\1", re.sub(r"([(\[])\s*", r"\1", text))


def _convert(tokens: list[str], i: int, *, stop_at_brace: bool) -> tuple[str, int]:
    out: list[str] = []
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "}":
            if stop_at_brace:
                return "".join(out), i
            continue
        if token == "{":
            inner, i = _convert(tokens, i, stop_at_brace=True)
            out.append(inner)
        elif token.startswith("\\"):
            name = token[1:]
            if name in ("frac", "tfrac", "dfrac", "binom"):
                top, i = _argument(tokens, i)
                bottom, i = _argument(tokens, i)
                if name == "binom":
                    out.append(f"C({top},{bottom})")
                else:
                    out.append(f"{_group(top)}/{_group(bottom)}")
            elif name in ("begin", "end"):
                _, i = _argument(tokens, i)
            elif name in _KEEP_ARGUMENT:
                inner, i = _argument(tokens, i)
                out.append(inner)
            elif name in _GREEK:
                out.append(_GREEK[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            elif name not in _DROP:
                out.append(name)
        elif token in "_^":
            inner, i = _argument(tokens, i)
            out.append(inner.translate(_SUPERSCRIPTS) if token == "^" and inner.isdigit() else inner)
        elif token == "-":
            out.append(" − ")
        elif token in "=+":
            out.append(f" {token} ")
        else:
            out.append(token)
    return "".join(out), i


def _argument(tokens: list[str], i: int) -> tuple[str, int]:
    while i < len(tokens) and tokens[i] == " ":
        i += 1
    if i >= len(tokens):
        return "", i
    if tokens[i] == "{":
        return _convert(tokens, i + 1, stop_at_brace=True)
    return _convert([tokens[i]], 0, stop_at_brace=False)[0], i + 1


def _group(text: str) -> str:
    text = text.strip()
    return text if re.fullmatch(r"\d+|[^\W\d]\w*(\([^()]*\))?", text) else f"({text})"


def formula_flowable(lines: list[Line], *, font: str, text_size: float) -> Any:
    """A flowable drawing ``lines`` one under the other, each with its invisible text copy."""
    from reportlab.graphics import renderPDF
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
                renderPDF.draw(line.drawing, canvas, x, top)
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
