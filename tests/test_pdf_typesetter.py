"""The shared PDF typesetter (``builders/pdf``): formulas placed exactly where ziamath puts them, boxes drawn
as frames, paragraphs broken once per width, headings that refuse to overlap."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
import pytest

from l13_assets.loader import Source


def test_skipping_unused_row_measurement_changes_no_formula(source: Source) -> None:
    from l13_assets.builders.pdf import formulas as pdf_math

    lesson = source.lesson
    formulas = [lesson.objective.formula, lesson.optimal_policy.formula, lesson.optimal_policy.partition,
                lesson.optimal_policy.max_value, lesson.bradley_terry.formula, lesson.bradley_terry.loss]
    formulas += [v.formula for v in lesson.variants] + [s.formula for s in lesson.pipeline]
    formulas += [r"\left(\frac{a}{b}\right) \Big[x\Big] \| y \|"]
    ziamath = pdf_math._ziamath()
    with pdf_math._glyph_floor(ziamath, 7.5):
        plain = [ziamath.Latex(f, size=12).svg() for f in formulas]
        with pdf_math._row_heights_only_when_used():
            lazy = [ziamath.Latex(f, size=12).svg() for f in formulas]
    assert lazy == plain


def test_a_paragraph_breaks_its_lines_once_per_width(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab.platypus import Paragraph

    from l13_assets.builders.pdf.layout import paragraph, styles

    breaks: list[list[float]] = []
    original = Paragraph.breakLines

    def counted(self: Any, widths: list[float]) -> Any:
        breaks.append(widths)
        return original(self, widths)

    monkeypatch.setattr(Paragraph, "breakLines", counted)
    para = paragraph("several words that need two lines in a narrow column " * 3, styles().body)
    _, wide = para.wrap(400, 100)
    assert para.wrap(400, 50)[1] == wide and len(breaks) == 1, "the same width: the lines are not broken again"
    _, narrow = para.wrap(100, 100)
    assert narrow > wide and len(breaks) == 2, "a new width breaks the lines again"
    assert para.wrap(400, 100)[1] == wide and para.width == 400 and len(breaks) == 3


def test_a_paragraph_split_and_wrapped_again_can_still_be_drawn() -> None:
    from reportlab.pdfgen.canvas import Canvas

    from l13_assets.builders.pdf.layout import paragraph, styles

    para = paragraph("word " * 80, styles().body)
    para.wrap(100, 500)
    assert para.split(100, 5) == []  # not even one line fits: reportlab drops the lines it had broken
    assert para.wrap(100, 500)[1] > 5
    para.drawOn(Canvas(io.BytesIO()), 0, 0)


def _formula_page(line: Any) -> bytes:
    """A PDF page exactly the size of one typeset formula line, holding its drawing alone."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(line.width, line.height))
    canvas.addLiteral(line.paths)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_formula_glyphs_land_where_ziamaths_own_absolute_paths_put_them(source: Source) -> None:
    """The sheet draws each glyph outline once and places it with a transform; every point of every outline
    must end where ziamath's SVG 1.1 output (every glyph written out in place) puts it, to 0.02 pt."""
    import numpy as np

    from l13_assets.builders.pdf import formulas as pdf_math
    from l13_assets.builders.pdf.layout import FORMULA_SIZE, SCRIPT_SIZE

    lesson = source.lesson
    ziamath = pdf_math._ziamath()
    typesetter = pdf_math.Typesetter(FORMULA_SIZE)
    assembled = [r"\left\{\begin{matrix}a\\b\\c\\d\\e\end{matrix}\right.", r"\overbrace{a+b+c+d+e+f+g}"]
    for latex in (lesson.optimal_policy.formula, lesson.bradley_terry.loss, r"\left(\frac{a}{b}\right)^{2}",
                  *assembled):
        with pdf_math._glyph_floor(ziamath, SCRIPT_SIZE * pdf_math.PX_PER_PT):
            ziamath.config.svg2 = False
            svg = ziamath.Latex(latex, size=FORMULA_SIZE * pdf_math.PX_PER_PT).svgxml()
        min_x, min_y = (float(v) for v in svg.get("viewBox").split()[:2])
        expected = []
        for path in (e for e in svg.iter() if e.tag.rsplit("}", 1)[-1] == "path"):
            numbers = [float(v) for v in re.findall(r"-?[\d.]+", path.get("d"))]
            pairs = zip(numbers[::2], numbers[1::2], strict=True)
            expected += [((x - min_x) * 0.75, (y - min_y) * 0.75) for x, y in pairs]

        drawn = []
        with pdfplumber.open(io.BytesIO(_formula_page(typesetter.line(latex)))) as pdf:
            for curve in pdf.pages[0].curves:
                for segment in curve["path"]:
                    if segment[0] in ("m", "l"):
                        drawn.append(segment[1])
                    elif segment[0] == "c":  # a raised quadratic: its end point, and its control point
                        (c1x, c1y), _, (ex, ey) = segment[1:]
                        start = drawn[-1]
                        drawn += [(start[0] + 1.5 * (c1x - start[0]), start[1] + 1.5 * (c1y - start[1])), (ex, ey)]
        a, b = np.array(expected), np.array(drawn)
        assert len(a) == len(b), latex
        distance = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
        assert distance.min(axis=1).max() < 0.02 and distance.min(axis=0).max() < 0.02, latex


def test_a_boxed_formula_is_a_stroked_frame_not_a_filled_block() -> None:

    from l13_assets.builders.pdf import formulas as pdf_math

    with pdfplumber.open(io.BytesIO(_formula_page(pdf_math.Typesetter(9.0).line(r"\boxed{x}")))) as pdf:
        (frame,) = pdf.pages[0].rects
        (glyph,) = pdf.pages[0].curves
    assert frame["stroke"] and not frame["fill"]
    assert frame["x0"] < glyph["x0"] and glyph["x1"] < frame["x1"], "the frame surrounds the x"


def test_a_heading_wider_than_its_column_is_an_error_not_an_overlap() -> None:
    from l13_assets.builders.pdf.layout import heading
    from l13_assets.errors import UserError

    assert heading("The objective", "#000000").wrap(200, 50)[0] == 200
    with pytest.raises(UserError, match="the heading 'Choosing β and much more besides, at length' is"):
        heading("Choosing β and much more besides, at length", "#000000").wrap(100, 50)
