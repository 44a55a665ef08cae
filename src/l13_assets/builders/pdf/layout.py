"""Page geometry, type styles and the fixed frames of the one-page cheatsheet.

The page is landscape: a title line, a full-width band (the pipeline, read left to right), three columns
below it, and a footer. Every block goes to a fixed frame; ``fill`` pours each frame's blocks in with
``Frame.addFromList`` and reports what did not fit instead of shrinking anything.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...errors import Problem, UserError
from . import fonts
from .fonts import SANS, SANS_BOLD

MM = 72 / 25.4
MARGIN = 6.5 * MM  # every glyph stays at least 5 mm inside the page edge, with room to spare
GUTTER = 5 * MM
TITLE_SIZE = 12.0
HEADER_HEIGHT = 16.5  # title line and its rule
FOOTER_HEIGHT = 10.5  # footer text and its rule
BAND_GAP = 4.0
BODY_SIZE = 7.0
TABLE_SIZE = 7.0
HEADING_SIZE = 8.5
MIN_GLYPH_PT = 5.5  # the sheet's promise: no glyph smaller than this (the tests measure every glyph)
SCRIPT_SIZE = MIN_GLYPH_PT + 0.1  # the smallest type set (prose and formula scripts): room for rounding
FORMULA_SIZE = 9.0
TEXT = "#1a1a1a"
RULE = "#9e9e9e"

# Section colours: dark enough that headings stay legible in greyscale, with light tints of the same hue
# for table headers (dark text on a near-white ground).
COLOURS: dict[str, tuple[str, str]] = {
    "pipeline": ("#1f4e79", "#e3edf7"),
    "objective": ("#7b2d26", "#f6e7e5"),
    "optimum": ("#5b2c83", "#efe6f6"),
    "bradley-terry": ("#00695c", "#e0f2ef"),
    "example": ("#8a4b00", "#f8ecdc"),
    "beta": ("#2e5e1a", "#e7f1e1"),
    "variants": ("#1f4e79", "#e3edf7"),
    "instruments": ("#7b2d26", "#f6e7e5"),
    "pitfalls": ("#5b2c83", "#efe6f6"),
}

PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class Geometry:
    paper: str
    width: float
    height: float
    column_fractions: tuple[float, ...] = (1 / 3, 1 / 3, 1 / 3)

    @property
    def inner_width(self) -> float:
        return self.width - 2 * MARGIN

    @property
    def body_top(self) -> float:
        return self.height - MARGIN - HEADER_HEIGHT

    @property
    def body_bottom(self) -> float:
        return MARGIN + FOOTER_HEIGHT

    def column_widths(self) -> list[float]:
        usable = self.inner_width - GUTTER * (len(self.column_fractions) - 1)
        return [usable * f for f in self.column_fractions]


def paper_size(paper: str) -> tuple[float, float]:
    """The paper's width and height in pt, portrait."""
    from reportlab.lib.pagesizes import A4, letter

    sizes = {"a4": A4, "letter": letter}
    if paper not in sizes:
        raise ValueError(f"paper '{paper}' is unknown, expected one of {', '.join(PAPERS)}")
    return float(sizes[paper][0]), float(sizes[paper][1])


def geometry(paper: str) -> Geometry:
    """The cheatsheet's page: the paper in landscape."""
    width, height = paper_size(paper)
    return Geometry(paper, height, width)


@dataclass(frozen=True)
class Styles:
    body: Any
    cell: Any
    cell_bold: Any
    head: Any
    bullet: Any
    note: Any


def styles() -> Styles:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    fonts.register()
    ink = HexColor(TEXT)
    body = ParagraphStyle("body", fontName=SANS, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.15,
                          textColor=ink, splitLongWords=0, spaceAfter=1.5)
    # splitLongWords in cells: a word wider than its column breaks rather than running into the next cell
    cell = ParagraphStyle("cell", parent=body, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.13, spaceAfter=0,
                          splitLongWords=1)
    return Styles(
        body=body,
        cell=cell,
        cell_bold=ParagraphStyle("cell-bold", parent=cell, fontName=SANS_BOLD),
        head=ParagraphStyle("head", parent=cell, fontName=SANS_BOLD),
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=7, bulletIndent=0, bulletFontName=SANS,
                              bulletFontSize=BODY_SIZE, spaceAfter=1.2),
        note=ParagraphStyle("note", parent=body, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.2),
    )


def paragraph(markup: str, style: Any, bullet: str | None = None) -> Any:
    """A reportlab Paragraph that breaks its lines once per width (see ``_paragraph_class``)."""
    return _paragraph_class()(markup, style, bulletText=bullet)


@functools.cache
def _paragraph_class() -> type:
    """reportlab breaks a paragraph's lines again on every ``wrap``, and a table wraps each cell when the
    sheet measures it, when the frame places it and again when it draws it: three times the same work,
    about a quarter of the sheet's build time. A wrap at the width of the last one returns that result;
    the line breaks depend on the width alone (``Paragraph.wrap`` never reads the height), so the pages
    are byte-identical (a test compares them with reportlab's own Paragraph)."""
    from reportlab.platypus import Paragraph

    class WrapOnce(Paragraph):  # type: ignore[misc]
        _last: tuple[float, tuple[float, float]] | None = None

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            if self._last is None or self._last[0] != avail_width:
                self._last = (avail_width, super().wrap(avail_width, avail_height))
            return self._last[1]

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            self._last = None  # splitting discards the lines (blPara): the next wrap must break them again
            return list(super().split(avail_width, avail_height))

    return WrapOnce


def scripts(markup: str, size: float) -> str:
    """Give <sub>/<sup> a legible size and a small rise (the default collides with the next line)."""
    script = max(SCRIPT_SIZE, round(size * 0.78, 2))
    return (markup.replace("<sub>", f'<sub rise="{size * 0.18:.2f}" size="{script}">')
            .replace("<sup>", f'<sup rise="{size * 0.33:.2f}" size="{script}">'))


def heading(text: str, colour: str, source: tuple[str, int, int, str] = ("cheatsheet", 0, 0, "")) -> Any:
    """A section heading: bold coloured words over a rule of the same colour, on one line. A heading wider
    than its column would run into the next one: that is a build error naming it (at ``source``: file, line,
    column and path of a heading written in the source), never a silent overlap."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Flowable

    fonts.register()  # measured before any page is drawn

    class Heading(Flowable):  # type: ignore[misc]
        keep_with_next = True

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            needed = stringWidth(text, SANS_BOLD, HEADING_SIZE)
            if needed > avail_width:
                raise UserError([Problem(*source, f"the heading '{text}' is {needed:.0f} pt wide in a "
                                         f"{avail_width:.0f} pt column, expected a shorter heading")])
            self.width = avail_width
            self.height = HEADING_SIZE + 3.5
            return self.width, self.height

        def draw(self) -> None:
            canvas = self.canv
            canvas.setFillColor(HexColor(colour))
            canvas.setStrokeColor(HexColor(colour))
            canvas.setFont(SANS_BOLD, HEADING_SIZE)
            canvas.drawString(0, 3, text)
            canvas.setLineWidth(0.8)
            canvas.line(0, 1, self.width, 1)

        def getSpaceBefore(self) -> float:
            return 3.5

        def getSpaceAfter(self) -> float:
            return 1.5

    return Heading()


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float], tint: str, *, header: bool = True) -> Any:
    """A table of paragraphs: fine rules, a tinted header row, every font DejaVu."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table, TableStyle

    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), SANS, TABLE_SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEBELOW", (0, 0), (-1, -2), 0.35, HexColor("#c8c8c8")),
        ("LINEBELOW", (0, -1), (-1, -1), 0.6, HexColor(RULE)),
    ]
    if header:
        commands += [
            ("FONT", (0, 0), (-1, 0), SANS_BOLD, TABLE_SIZE),
            ("BACKGROUND", (0, 0), (-1, 0), HexColor(tint)),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, HexColor(RULE)),
        ]
    return Table([list(r) for r in rows], colWidths=list(widths), style=TableStyle(commands),
                 hAlign="LEFT", repeatRows=1 if header else 0)


@dataclass
class Block:
    """One section of the sheet: a name (for error messages) and its flowables."""

    name: str
    flowables: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Region:
    name: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Fill:
    region: str
    slack: float  # pt of height left unused at the bottom of the frame


@dataclass(frozen=True)
class Flow:
    fills: tuple[Fill, ...]
    overflow: tuple[str, ...]  # names of the blocks that did not fit, the first one cut short
    stop: str = ""  # why the first of them did not fit, naming its region: "column 2 is full"
    heights: tuple[tuple[str, str, float], ...] = ()  # (block, region it went to or "", pt it needs), in order
    rooms: tuple[tuple[str, float], ...] = ()  # (region, pt of height it has)

    def layout(self) -> str:
        """Each region's room and the blocks it holds, then the blocks left over: an author who made a block
        grow reads which one is tall (``column 2 (506 pt): objective 120, examples 210``)."""
        parts = [f"{region} ({room:.0f} pt): " + (", ".join(f"{name} {height:.0f}" for name, where, height in
                                                           self.heights if where == region) or "nothing")
                 for region, room in self.rooms]
        left = [f"{name} {height:.0f}" for name, where, height in self.heights if not where]
        return "; ".join(parts + ([f"no room: {', '.join(left)}"] if left else []))


def flow(canvas: Any, regions: Sequence[Region], blocks: Sequence[Block]) -> Flow:
    """Pour the blocks, in order, through the regions' fixed frames; never scale or split a block.

    Each block is kept whole in one frame: one that does not fit the rest of a frame starts the next.
    A block taller than a whole frame, or one left when the last frame is full, is reported (with the
    blocks after it), not drawn elsewhere."""
    frames = [_frame(r) for r in regions]
    rooms = tuple((r.name, r.height) for r in regions)
    placed: list[tuple[str, str, float]] = []
    current = 0
    for b, block in enumerate(blocks):
        while current < len(frames) and not _room(frames[current], block):
            current += 1
        if current == len(frames):
            stop = f"{regions[-1].name} is full"
            if not any(_room(_frame(r), block) for r in regions):
                stop = f"it is taller than an empty {regions[-1].name.split()[0]}"
        elif not _pour(frames[current], list(block.flowables), canvas):
            stop = f"{regions[current].name} is full"
        else:
            placed.append((block.name, regions[current].name, _need(block, regions[current].width)))
            continue
        left = tuple((x.name, "", _need(x, regions[-1].width)) for x in blocks[b:])
        return Flow(_fills(regions, frames), tuple(x.name for x in blocks[b:]), stop, (*placed, *left), rooms)
    return Flow(_fills(regions, frames), (), "", tuple(placed), rooms)


def _need(block: Block, width: float) -> float:
    """The height the whole block takes at the top of an empty frame of ``width``."""
    return float(sum(f.wrap(width, 10_000)[1] + f.getSpaceAfter() + (f.getSpaceBefore() if i else 0)
                     for i, f in enumerate(block.flowables)))


def _frame(region: Region) -> Any:
    from reportlab.platypus import Frame

    return Frame(region.x, region.y, region.width, region.height, leftPadding=0, rightPadding=0, topPadding=0,
                 bottomPadding=0, showBoundary=0)


@dataclass(frozen=True)
class _Space:
    width: float  # the frame's width for flowables
    left: float  # the height still free below what was added
    at_top: bool  # nothing added yet (the first flowable's space before is then dropped, as reportlab does)


def _space(frame: Any) -> _Space:
    """What is left of ``frame``: the one place this module reads reportlab's private members (and
    ``_table_rows`` the one of Table's). reportlab has no public way to ask a Frame how much room is left;
    the public route (BaseDocTemplate, PageTemplate, KeepTogether) answers a block that does not fit by
    starting another page, while the sheet is one page and must name the block that did not fit, with each
    region's room. reportlab is pinned in constraints.txt, and the cheatsheet's flow tests fail if these
    members change meaning."""
    return _Space(float(frame._getAvailableWidth()), float(frame._y - frame._y1p), bool(frame._atTop))


def _table_rows(flowable: Any) -> list[float] | None:
    """A wrapped Table's row heights (private in reportlab, see ``_space``); None for any other flowable."""
    rows = getattr(flowable, "_rowHeights", None)
    return list(rows) if rows else None


def _room(frame: Any, block: Block) -> bool:
    """Whether the whole block fits what is left of the frame."""
    space = _space(frame)
    need = 0.0
    for i, flowable in enumerate(block.flowables):
        need += flowable.wrap(space.width, 10_000)[1] + flowable.getSpaceAfter()
        if i or not space.at_top:
            need += flowable.getSpaceBefore()
    return space.left >= need - 1e-6


def _pour(frame: Any, pending: list[Any], canvas: Any) -> bool:
    """Add flowables from the front of ``pending`` to ``frame``; False once the frame is full."""
    from reportlab.platypus.doctemplate import LayoutError

    while pending:
        head = pending[0]
        if getattr(head, "keep_with_next", False) and len(pending) > 1 and not _room_for(frame, head, pending[1]):
            return False
        try:
            added = frame.add(head, canvas, trySplit=0)
        except LayoutError:  # taller than an empty frame and cannot be split
            return False
        if added:
            pending.pop(0)
            continue
        parts = frame.split(head, canvas)
        if len(parts) < 2 or not frame.add(parts[0], canvas, trySplit=0):
            return False
        pending[0:1] = parts[1:]
    return True


def _room_for(frame: Any, head: Any, following: Any) -> bool:
    space = _space(frame)
    first = following.wrap(space.width, 10_000)[1]
    rows = _table_rows(following)
    if rows:  # a table: its header and first row must come along
        first = sum(rows[:2])
    need = head.wrap(space.width, 10_000)[1] + head.getSpaceAfter() + min(first, 36.0 if not rows else first)
    if not space.at_top:
        need += head.getSpaceBefore()
    return bool(space.left >= need)


def _fills(regions: Sequence[Region], frames: Sequence[Any]) -> tuple[Fill, ...]:
    return tuple(Fill(r.name, _space(f).left) for r, f in zip(regions, frames, strict=True))
