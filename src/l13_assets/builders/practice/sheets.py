"""The practice worksheets and their answer key, portrait A4 and Letter, typeset with reportlab.

Each variant takes two pages in the worksheet PDF (exercise 1, then exercise 2) and the same two in the
key, so key page k answers worksheet page k. A variant's page that would run onto a third page is a
``UserError``, never shrunk. The worksheet prints the question's numbers and ruled room; the answers
appear only in the key. Fonts are DejaVu (embedded), the two formulas are the source's LaTeX through the
cheatsheet's typesetter, and the canvas is invariant, so the same source gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import Problem, UserError
from ...lesson_text import MINUS, entries_by_id, to_markup
from ...model import Finding, Lesson
from ...yaml_reader import Located
from .. import Built, Context, Output
from ..pdf import fonts
from ..pdf.formulas import Typesetter, formula_flowable
from ..pdf.layout import MM, scripts
from ..pdf.streams import binary_streams
from .stamp import Stamps
from .variants import Solution, solutions

BODY = 10.0  # pt; a worksheet is read at a desk and written on
KEY_BODY = 9.0
TITLE = 13.0
FORMULA = 11.0
RULED = 22.0  # pt between ruled lines: room for handwriting
MARGIN = 18 * MM
PAGES_PER_VARIANT = 2
INK = "#1a1a1a"
RULE = "#b0b0b0"
# Answer lines per part of exercise 1 (A to E) and per finding of exercise 2.
PART_LINES = (3, 2, 3, 4, 4)
FINDING_LINES = 3


def file_names(paper: str) -> tuple[str, str]:
    return f"l13-practice-{paper}.pdf", f"l13-practice-key-{paper}.pdf"


def build(ctx: Context) -> Built:
    from ..pdf.dates import pdf_date

    lesson = ctx.source.lesson
    count = ctx.options.variants or lesson.drills.practice_problem.variants
    located = ctx.source.located
    solved = solutions(lesson, count, lambda path: (ctx.source.file, *located.position(path, key=True)))
    kit = Kit(lesson, entries_by_id(lesson), Typesetter(FORMULA), ctx.source.file, ctx.source_path.name,
              ctx.source.located)
    files = []
    with pdf_date(ctx.epoch), binary_streams():
        for paper in ctx.options.papers:
            sheet, key = file_names(paper)
            files.append(Output(sheet, render(kit, paper, solved, worksheet_pages)))
            files.append(Output(key, render(kit, paper, solved, key_pages)))
    return Built(files)


@dataclass(frozen=True)
class Kit:
    lesson: Lesson
    entries: dict[str, Any]
    math: Typesetter
    file: str  # the source, for problems
    source_name: str  # the footer's file name (never a folder: the bytes must not depend on it)
    located: Located  # where each key is written, for problems

    def at(self, key: str) -> tuple[str, int, int, str]:
        """A problem's file, line, column and path for a top-level section of the source."""
        return (self.file, *self.located.position((key,), key=True), key)

    def markup(self, text: str) -> str:
        return to_markup(text, self.entries)

    def findings(self) -> list[Finding]:
        """The brief's five findings: those with a worksheet label, in label order."""
        return sorted((f for f in self.lesson.findings if f.label), key=lambda f: f.label or "")


Pages = Callable[["Kit", "Styles", Solution, float, Stamps], list[list[Any]]]


def page_size(paper: str) -> tuple[float, float]:
    """A worksheet's page: the paper in portrait."""
    from ..pdf.layout import paper_size

    return paper_size(paper)


def render(kit: Kit, paper: str, solved: Sequence[Solution], pages: Pages) -> bytes:
    """One PDF: each variant's pages in order, each page started on a fresh sheet and checked to fit."""
    from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate

    fonts.register()
    width, height = page_size(paper)
    buffer = io.BytesIO()
    meta = kit.lesson.meta
    what = "answer key" if pages is key_pages else "worksheets"
    doc = BaseDocTemplate(buffer, pagesize=(width, height), leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN, bottomMargin=MARGIN, invariant=1, pageCompression=1,
                          initialFontName=fonts.SANS, initialFontSize=BODY,  # else Helvetica, not embedded
                          title=f"{meta.title}: practice {what}", author=meta.course, creator="l13-assets",
                          subject=f"{meta.course}, lesson {meta.lesson}, version {meta.version}")
    frame = Frame(MARGIN, MARGIN + 14, width - 2 * MARGIN, height - 2 * MARGIN - 14, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=lambda c, d: _footer(c, kit, width))])
    styles = make_styles(KEY_BODY if pages is key_pages else BODY)
    starts: list[tuple[str, int]] = []
    stamps = Stamps(f"practice-{paper}")
    story: list[Any] = []
    for solution in solved:
        for number, page in enumerate(pages(kit, styles, solution, frame._width, stamps), start=1):
            # exercise 1's texts come from the example and optimal_policy, exercise 2's from the findings
            _fits(kit, page, frame, f"the practice {what}' variant {solution.code}, page {number}, on {paper}",
                  "findings" if number == PAGES_PER_VARIANT else "optimal_policy")
            if story:
                story.append(PageBreak())
            story += [_Marker(f"variant {solution.code}, page {number}", starts), *page]
    doc.build(story)
    _check_pages(kit, paper, what, starts, doc.page)
    return buffer.getvalue()


def _fits(kit: Kit, page: list[Any], frame: Any, name: str, path: str) -> None:
    """The page's flowables, stacked as the frame stacks them, fit its height: a page is never shrunk and
    never runs onto the next sheet (that would put a student's exercise 2 behind another's exercise 1)."""
    need = sum(f.wrap(frame._width, 10_000)[1] + f.getSpaceAfter() + (f.getSpaceBefore() if i else 0)
               for i, f in enumerate(page))
    if need > frame._height:
        raise UserError([Problem(*kit.at(path), (
            f"{name} needs {need:.0f} pt of a {frame._height:.0f} pt page, expected shorter texts: the sheets are "
            "never shrunk to fit"))])


def _check_pages(kit: Kit, paper: str, what: str, starts: list[tuple[str, int]], total: int) -> None:
    """Every page of every variant starts on its own sheet: a page that ran over moves the next one."""
    for expected, (name, page) in enumerate(starts, start=1):
        if page != expected:
            raise UserError([Problem(*kit.at("findings"), (
                f"the practice {what}' page before {name} runs over one {paper} page, expected shorter "
                "texts: the sheets are never shrunk to fit"))])
    if total != len(starts):
        raise UserError([Problem(*kit.at("findings"), (
            f"the practice {what}' last page runs over one {paper} page, expected shorter texts"))])


def _marker_class() -> type:
    from reportlab.platypus import Flowable

    class Marker(Flowable):  # type: ignore[misc]
        """Zero height: records which page it landed on, so an overflow is found after the build."""

        def __init__(self, name: str, starts: list[tuple[str, int]]) -> None:
            super().__init__()
            self.name, self.starts = name, starts

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return 0, 0

        def draw(self) -> None:
            self.starts.append((self.name, self.canv.getPageNumber()))

    return Marker


def _Marker(name: str, starts: list[tuple[str, int]]) -> Any:
    return _marker_class()(name, starts)


def _footer(canvas: Any, kit: Kit, width: float) -> None:
    from reportlab.lib.colors import HexColor

    meta = kit.lesson.meta
    canvas.saveState()
    canvas.setFillColor(HexColor(INK))
    canvas.setFont(fonts.SANS, 7.5)
    canvas.drawString(MARGIN, MARGIN, f"{meta.course}, lesson {meta.lesson}: practice")
    canvas.drawRightString(width - MARGIN, MARGIN, f"{kit.source_name}, version {meta.version}, "
                                                   f"page {canvas.getPageNumber()}")
    canvas.restoreState()


@dataclass(frozen=True)
class Styles:
    body: Any
    bold: Any
    title: Any
    small: Any


def make_styles(size: float) -> Styles:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("practice-body", fontName=fonts.SANS, fontSize=size, leading=size * 1.3,
                          textColor=HexColor(INK), spaceAfter=size * 0.4, splitLongWords=0)
    return Styles(body=body, bold=ParagraphStyle("practice-bold", parent=body, fontName=fonts.SANS_BOLD,
                                                 spaceBefore=size * 0.6),
                  title=ParagraphStyle("practice-title", parent=body, fontName=fonts.SANS_BOLD, fontSize=TITLE,
                                       leading=TITLE * 1.3, spaceAfter=TITLE * 0.5),
                  small=ParagraphStyle("practice-small", parent=body, fontSize=size * 0.85,
                                       leading=size * 1.1))


def para(markup: str, style: Any) -> Any:
    from ..pdf.layout import paragraph

    return paragraph(scripts(markup, style.fontSize), style)


def number(value: str) -> str:
    return value.replace("-", MINUS)


def vector(values: Sequence[str]) -> str:
    return "(" + ", ".join(number(v) for v in values) + ")"


def ruled(lines: int, width: float) -> Any:
    """Ruled room for a handwritten answer."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Flowable

    class Ruled(Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return width, lines * RULED

        def draw(self) -> None:
            self.canv.setStrokeColor(HexColor(RULE))
            self.canv.setLineWidth(0.5)
            for i in range(lines):
                self.canv.line(0, i * RULED, width, i * RULED)

    return Ruled()


def header(kit: Kit, styles: Styles, solution: Solution, what: str, width: float) -> list[Any]:
    """The title line with the variant's code at the right: a loose page is matched to its key. Two plain
    strings, not paragraphs: a title that does not fit is a build error, never an overlap."""
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Flowable

    title = f"Lesson {kit.lesson.meta.lesson} practice: {what}"
    code = f"Variant {solution.code}"
    needed = stringWidth(title, fonts.SANS_BOLD, TITLE) + stringWidth(code, fonts.SANS_BOLD, TITLE) + 12
    if needed > width:
        raise UserError([Problem(*kit.at("meta"), (
            f"the practice title line '{title}' is {needed - width:.0f} pt too long, expected a shorter title"))])

    class Header(Flowable):  # type: ignore[misc]
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return width, TITLE * 1.3

        def draw(self) -> None:
            self.canv.setFillColor(HexColor(INK))
            self.canv.setFont(fonts.SANS_BOLD, TITLE)
            self.canv.drawString(0, TITLE * 0.3, title)
            self.canv.drawRightString(width, TITLE * 0.3, code)

        def getSpaceAfter(self) -> float:
            return TITLE * 0.5

    return [Header()]


def formulas(kit: Kit, width: float) -> list[Any]:
    from reportlab.platypus import Spacer

    facts = kit.lesson.optimal_policy
    out = []
    for path, latex in (("optimal_policy.formula", facts.formula), ("optimal_policy.partition", facts.partition)):
        lines = kit.math.lines(latex, width, path, kit.file)
        out += [Spacer(1, 3), formula_flowable(lines, font=fonts.SANS, text_size=BODY)]
    return [*out, Spacer(1, 5)]


def problem_text(solution: Solution) -> str:
    return (f"One prompt x has three responses y<sub>1</sub>, y<sub>2</sub>, y<sub>3</sub> with "
            f"π<sub>SFT</sub> = {vector(solution.pi_sft)}, rewards R = {vector(solution.reward)} and "
            f"β = {number(solution.beta)}. The KL-regularised objective is maximised by")


def worksheet_pages(kit: Kit, styles: Styles, solution: Solution, width: float,
                    stamps: Stamps) -> list[list[Any]]:
    from .questions import exercise_one_parts, exercise_two_intro

    def questions() -> list[Any]:
        out = formulas(kit, width)
        for (letter, question), lines in zip(exercise_one_parts(solution), PART_LINES, strict=True):
            out += [para(f"<b>{letter}.</b> {question}", styles.body), ruled(lines, width)]
        return out

    def findings() -> list[Any]:
        out = [para("Exercise 2: from findings to instruments", styles.bold), para(exercise_two_intro(), styles.body)]
        for finding in kit.findings():
            out += [para(f"<b>({finding.label})</b> {kit.markup(finding.finding)}", styles.body),
                    ruled(FINDING_LINES, width)]
        return out

    def intro() -> list[Any]:
        return [para("Name: ______________________________", styles.body),
                para("Exercise 1: a three-response optimal policy", styles.bold)]

    first = [*header(kit, styles, solution, "the optimal RLHF policy", width), stamps.get("intro", intro, width),
             para(problem_text(solution), styles.body),
             # the questions name the decimals, the one thing in them a variant could change
             stamps.get(f"questions-{solution.decimals}", questions, width)]
    second = [*header(kit, styles, solution, "diagnosing RLHF runs", width), stamps.get("findings", findings, width)]
    return [first, second]


def key_pages(kit: Kit, styles: Styles, solution: Solution, width: float, stamps: Stamps) -> list[list[Any]]:
    from .questions import exercise_one_answers, finding_answer, shared_answers

    def answers(parts: list[tuple[str, list[str]]]) -> list[Any]:
        out = []
        for letter, steps in parts:
            if letter:
                out.append(para(f"<b>{letter}.</b> {steps[0]}", styles.body))
                steps = steps[1:]
            out += [para(step, styles.small) for step in steps]
        return out

    first = [*header(kit, styles, solution, "answer key", width),
             stamps.get("intro", lambda: [para("Exercise 1: a three-response optimal policy", styles.bold)], width),
             para(problem_text(solution), styles.body), stamps.get("formulas", lambda: formulas(kit, width), width),
             *answers(exercise_one_answers(kit, solution)),
             stamps.get("reasons", lambda: answers(shared_answers(kit)), width)]

    def findings() -> list[Any]:
        out = [para("Exercise 2: from findings to instruments", styles.bold)]
        for finding in kit.findings():
            head, *rest = finding_answer(kit, finding)
            out.append(para(f"<b>({finding.label})</b> {head}", styles.body))
            out += [para(line, styles.small) for line in rest]
        return out

    return [first, [*header(kit, styles, solution, "answer key", width), stamps.get("answers", findings, width)]]
