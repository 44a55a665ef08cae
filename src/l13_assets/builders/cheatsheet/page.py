"""The one-page printable cheatsheet, A4 and Letter landscape, built with reportlab.

Every block has a fixed place: the pipeline runs across the top, the rest sits in three columns. A block
that does not fit its column is a ``UserError`` naming the block and the column, and no PDF is returned;
nothing is ever shrunk to fit. Fonts are DejaVu Sans (embedded), formulas are vector math from ziamath with
an invisible text copy, the figure is the figures module's drawing as vectors. The canvas is invariant, so
the same source gives the same bytes.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from ...errors import Problem, UserError
from ...lesson_text import entries_by_id
from ...model import Lesson
from ...yaml_reader import Located
from .. import Built, Context, Output
from ..pdf import fonts
from ..pdf.formulas import Typesetter
from ..pdf.layout import (
    BAND_GAP,
    BODY_SIZE,
    FORMULA_SIZE,
    MARGIN,
    PAPERS,
    RULE,
    TEXT,
    TITLE_SIZE,
    Block,
    Fill,
    Geometry,
    Region,
    flow,
    geometry,
    styles,
)
from ..pdf.streams import binary_streams
from . import blocks as sheet_blocks

FIGURE_HEIGHT = 77.0  # pt; the figure is drawn at the width of a column
LINE_GAP = 12.0  # pt; at least this between the left and right texts of the title line and the footer

# The blocks in reading order; they flow down the three columns below the pipeline band.
BLOCKS: tuple[Callable[[sheet_blocks.Kit, float], Block], ...] = (
    sheet_blocks.bradley_terry,
    sheet_blocks.objective,
    sheet_blocks.optimum,
    sheet_blocks.figure,
    sheet_blocks.worked_example,
    sheet_blocks.beta_table,
    sheet_blocks.variants,
    sheet_blocks.instruments,
    sheet_blocks.pitfalls,
)


def file_name(paper: str) -> str:
    return f"l13-cheatsheet-{paper}.pdf"


def build(ctx: Context) -> Built:
    from ..pdf.dates import pdf_date

    with pdf_date(ctx.epoch):
        sheets = render(ctx.source.lesson, ctx.options.papers, file=ctx.source.file,
                        source_name=ctx.source_path.name, located=ctx.source.located)
    return Built([Output(file_name(s.paper), s.pdf) for s in sheets])



@dataclass(frozen=True)
class Sheet:
    paper: str
    pdf: bytes
    fills: tuple[Fill, ...]  # the slack left at the foot of each frame
    overflow: tuple[str, ...]  # blocks that did not fit; a sheet with any is never returned by render
    stop: str = ""  # why the first of them did not fit: "column 3 is full"
    layout: str = ""  # each region's room and its blocks' heights (``Flow.layout``), for the overflow message


def render(lesson: Lesson, papers: Sequence[str], *, file: str = "source/l13.yaml",
           source_name: str | None = None, located: Located | None = None) -> list[Sheet]:
    """One PDF per paper size, or a UserError naming every block that did not fit.

    ``file`` names the source in problems, and ``located`` (the loaded source's positions) gives them the
    line where the block's or formula's text is written; ``source_name`` (default: the last part of
    ``file``) is the file name the footer shows: a name, never a folder, so the bytes do not depend on
    where the source is."""
    locate = _locator(located)
    sheets = draft(lesson, papers, file=file, source_name=source_name, locate=locate)
    problems = [p for sheet in sheets for p in _overflow(sheet, file, locate)]
    if problems:
        raise UserError(problems)
    return sheets


def draft(lesson: Lesson, papers: Sequence[str], *, file: str = "source/l13.yaml",
          source_name: str | None = None,
          locate: Callable[[str], tuple[int, int]] = sheet_blocks.nowhere) -> list[Sheet]:
    """The pages as laid out, overflow or not (for looking at a layout that does not fit yet)."""
    footer = PurePath(file).name if source_name is None else source_name
    fonts.register()  # once, before any page uses the fonts
    math = Typesetter(FORMULA_SIZE)
    geometries = [geometry(p) for p in papers]
    # one figure for every paper, so a page's bytes do not depend on which other papers were asked for
    figure_width = min(geometry(p).column_widths()[0] for p in PAPERS)
    figure = _figure_factory(lesson, figure_width)
    kit = sheet_blocks.Kit(lesson, entries_by_id(lesson), styles(), math, file, figure, locate)
    if geometries:  # the narrowest page decides (and names itself in the problem)
        _check_title_and_footer(kit, min(geometries, key=lambda g: g.inner_width), footer)
    with binary_streams():
        return [_page(kit, g, footer) for g in geometries]


def _figure_factory(lesson: Lesson, width: float) -> Callable[[float], Any]:
    from reportlab.platypus import Flowable

    from ..pdf.figure import figure_ops

    recorded: list[Any] = []  # drawn once, placed on every paper's page

    class Figure(Flowable):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.width, self.height = recorded[0].width, recorded[0].height

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return self.width, self.height

        def draw(self) -> None:
            recorded[0].draw(self.canv, 0, 0)

    def make(avail_width: float) -> Any:
        if not recorded:
            recorded.append(figure_ops(lesson, width, FIGURE_HEIGHT))
        return Figure()

    return make


def _page(kit: sheet_blocks.Kit, g: Geometry, source_name: str) -> Sheet:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(g.width, g.height), invariant=1, pageCompression=1,
                    initialFontName=fonts.SANS, initialFontSize=BODY_SIZE)
    meta = kit.lesson.meta
    canvas.setTitle(meta.title)
    canvas.setSubject(f"{meta.course}, lesson {meta.lesson}, version {meta.version}")
    canvas.setCreator("l13-assets")
    canvas.setAuthor(meta.course)  # reportlab's default author is "anonymous"
    _decorate(canvas, kit.lesson, g, source_name)
    band = sheet_blocks.pipeline(kit, g.inner_width)
    band_height = _height(band, g.inner_width)
    band_region = Region("band", MARGIN, g.body_top - band_height, g.inner_width, band_height)
    # the reference list runs across the foot of the page, under the columns
    references = sheet_blocks.references(kit, g.inner_width)
    foot_height = _height(references, g.inner_width)
    foot_region = Region("foot", MARGIN, g.body_bottom, g.inner_width, foot_height)
    columns = _columns(g, g.body_top - band_height - BAND_GAP, g.body_bottom + foot_height + BAND_GAP)
    width = min(c.width for c in columns)
    top = flow(canvas, [band_region, foot_region], [band, references])
    body = flow(canvas, columns, [make(kit, width) for make in BLOCKS])
    _column_rules(canvas, columns)
    canvas.showPage()
    canvas.save()
    return Sheet(g.paper, buffer.getvalue(), top.fills + body.fills, top.overflow + body.overflow,
                 top.stop if top.overflow else body.stop, (top if top.overflow else body).layout())


def _columns(g: Geometry, top: float, bottom: float) -> list[Region]:
    widths = g.column_widths()
    gutter = (g.inner_width - sum(widths)) / (len(widths) - 1)
    regions = []
    x = MARGIN
    for i, width in enumerate(widths, start=1):
        regions.append(Region(f"column {i}", x, bottom, width, top - bottom))
        x += width + gutter
    return regions


def _height(block: Block, width: float) -> float:
    total = 0.0
    for i, flowable in enumerate(block.flowables):
        total += flowable.wrap(width, 10_000)[1] + flowable.getSpaceAfter()
        if i:
            total += flowable.getSpaceBefore()
    return total


def _check_title_and_footer(kit: sheet_blocks.Kit, g: Geometry, source_name: str) -> None:
    """The title line and the footer each hold a left and a right text: they must not run into each other."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    problems = []
    for line in _edge_lines(kit.lesson, source_name):
        needed = stringWidth(line.left, line.font, line.size) + LINE_GAP + stringWidth(line.right, fonts.SANS,
                                                                                        BODY_SIZE)
        if needed > g.inner_width:
            problems.append(Problem(kit.file, *kit.locate(line.path), line.path, (
                f"is {needed - g.inner_width:.0f} pt too long for its line on the {g.paper} page (it would run "
                f"into '{line.right}'), expected a shorter text: the sheet is never shrunk to fit")))
    if problems:
        raise UserError(problems)


@dataclass(frozen=True)
class EdgeLine:
    """The title line or the footer: a text at the left, from the source field ``path``, and one at the right
    in body type."""

    path: str
    left: str
    font: str
    size: float
    right: str


def _edge_lines(lesson: Lesson, source_name: str) -> tuple[EdgeLine, EdgeLine]:
    meta = lesson.meta
    return (EdgeLine("meta.title", meta.title, fonts.SANS_BOLD, TITLE_SIZE, f"Lesson {meta.lesson} cheatsheet"),
            EdgeLine("meta.course", f"{meta.course}, lesson {meta.lesson}: RLHF", fonts.SANS, BODY_SIZE,
                     f"{source_name}, version {meta.version}"))


def _decorate(canvas: Any, lesson: Lesson, g: Geometry, source_name: str) -> None:
    from reportlab.lib.colors import HexColor

    title, footer = _edge_lines(lesson, source_name)
    top = g.height - MARGIN
    canvas.setFillColor(HexColor(TEXT))
    canvas.setFont(title.font, title.size)
    canvas.drawString(MARGIN, top - TITLE_SIZE, title.left)
    canvas.setFont(fonts.SANS, BODY_SIZE)
    canvas.drawRightString(g.width - MARGIN, top - TITLE_SIZE, title.right)
    canvas.setStrokeColor(HexColor(TEXT))
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, top - TITLE_SIZE - 4, g.width - MARGIN, top - TITLE_SIZE - 4)
    canvas.setStrokeColor(HexColor(RULE))
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, MARGIN + 8.5, g.width - MARGIN, MARGIN + 8.5)
    canvas.setFont(footer.font, footer.size)
    canvas.drawString(MARGIN, MARGIN + 1, footer.left)
    canvas.drawRightString(g.width - MARGIN, MARGIN + 1, footer.right)


def _column_rules(canvas: Any, columns: Sequence[Region]) -> None:
    from reportlab.lib.colors import HexColor

    canvas.setStrokeColor(HexColor("#d0d0d0"))
    canvas.setLineWidth(0.4)
    for left, right in itertools.pairwise(columns):
        x = (left.x + left.width + right.x) / 2
        canvas.line(x, left.y + 2, x, left.y + left.height)


def _locator(located: Located | None) -> Callable[[str], tuple[int, int]]:
    """A dotted source path (``figures.items[0].title``; a block is named by its source key) to where it is
    written: a block's key, a field's value; (0, 0) without positions."""
    if located is None:
        return sheet_blocks.nowhere

    def locate(path: str) -> tuple[int, int]:
        parts = re.findall(r"[^.\[\]]+", path)
        # a block (a top-level key) at its key; a field at its value, where check points too
        return located.position(tuple(int(p) if p.isdigit() else p for p in parts), key=len(parts) == 1)

    return locate


def _overflow(sheet: Sheet, file: str, locate: Callable[[str], tuple[int, int]]) -> list[Problem]:
    if not sheet.overflow:
        return []
    first, *rest = sheet.overflow
    later = f"; after it, {', '.join(repr(b) for b in rest)} had no room either" if rest else ""
    return [Problem(file, *locate(first), first,
                    f"the cheatsheet's block '{first}' does not fit on the one {sheet.paper} page "
                    f"({sheet.stop}){later}; expected shorter text in the source, in it or in a block before "
                    "it (blocks flow in order, so an earlier one that grew pushes it off): the sheet is never "
                    f"shrunk to fit; heights in pt by region: {sheet.layout}")]
