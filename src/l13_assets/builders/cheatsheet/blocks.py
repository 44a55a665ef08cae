"""The cheatsheet's blocks: each turns one part of the lesson into flowables, every number from the model.

Labels written here are words only; each number on the page is a field of the verified lesson printed with
``format_value`` (stated decimals, true minus sign).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ... import citations
from ...errors import Problem, UserError
from ...lesson_text import format_number, format_value, to_markup
from ...model import Example, Lesson
from ...verify.beta_bands import band_text
from ..pdf.fonts import SANS
from ..pdf.formulas import FormulaTooWide, Typesetter, formula_flowable
from ..pdf.layout import COLOURS, TABLE_SIZE, Block, Styles, heading, paragraph, scripts, table


def nowhere(path: str) -> tuple[int, int]:
    """The place of a source path when positions are unknown: line and column 0 (printed as the file alone)."""
    return (0, 0)


@dataclass
class Kit:
    """What every block needs: the lesson, its entries, styles, the typesetter and the source file name."""

    lesson: Lesson
    entries: dict[str, BaseModel]
    styles: Styles
    math: Typesetter
    file: str
    figure: Callable[[float], Any]  # the figure as a flowable at most this wide (pt)
    locate: Callable[[str], tuple[int, int]] = nowhere  # a dotted source path's line and column

    def para(self, text: str, style: Any = None) -> Any:
        style = style or self.styles.body
        return paragraph(scripts(to_markup(text, self.entries), style.fontSize), style)

    def markup(self, markup: str, style: Any = None) -> Any:
        style = style or self.styles.body
        return paragraph(scripts(markup, style.fontSize), style)

    def cell(self, text: str, bold: bool = False) -> Any:
        return self.para(text, self.styles.cell_bold if bold else self.styles.cell)

    def at(self, path: str) -> tuple[str, int, int, str]:
        """A dotted source path as a problem's place: file, line, column, path."""
        return (self.file, *self.locate(path), path)

    def formula(self, latex: str, width: float, where: str) -> Any:
        try:
            lines = self.math.lines(latex, width, where, self.file)
        except FormulaTooWide as error:
            line, column = self.locate(where)
            raise UserError([dataclasses.replace(error.problem, line=line, column=column)]) from None
        except Exception as error:  # ziamath failing on a formula the check let through: the user's to fix
            raise UserError([Problem(*self.at(where), (
                f"the cheatsheet's typesetter cannot set this formula ({type(error).__name__}: {error}), "
                "expected LaTeX that MathJax and ziamath both read"))]) from None
        return formula_flowable(lines, font=SANS, text_size=TABLE_SIZE)

    def label(self, name: str, text: str) -> Any:
        """'<b>name</b> text' as a hanging paragraph."""
        return self.markup(f"<b>{to_markup(name, self.entries)}</b>  {to_markup(text, self.entries)}")


def cite(kit: Kit, refs: tuple[str, ...]) -> str:
    """' [3, 7]': the numbers of ``refs`` in the sheet's reference list (empty for no refs)."""
    numbers = citations.numbering(citations.sheet_sources(kit.lesson))
    return f" [{', '.join(str(n) for n in sorted(numbers[r] for r in refs))}]" if refs else ""


def _spacer(height: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, height)


def pipeline(kit: Kit, width: float) -> Block:
    colour, tint = COLOURS["pipeline"]
    stages = kit.lesson.pipeline
    label_width = 62.0
    stage_width = (width - label_width) / len(stages)
    header = [kit.cell("Stage", bold=True)] + [kit.cell(s.name, bold=True) for s in stages]
    rows = [
        header,
        [kit.cell("Data", bold=True)] + [kit.cell(s.data) for s in stages],
        [kit.cell("Trains", bold=True)] + [kit.cell(s.trains) for s in stages],
        [kit.cell("Loss", bold=True)] + [kit.cell(s.loss) for s in stages],
    ]
    cited = tuple(dict.fromkeys(r for s in stages for r in s.sources))
    return Block("pipeline", [
        heading("The three stages of RLHF (InstructGPT)" + cite(kit, cited), colour),
        table(rows, [label_width] + [stage_width] * len(stages), tint),
    ])


def objective(kit: Kit, width: float) -> Block:
    colour, _ = COLOURS["objective"]
    o = kit.lesson.objective
    flowables: list[Any] = [heading("The objective" + cite(kit, o.sources), colour),
                            kit.formula(o.formula, width, "objective.formula"), _spacer(2)]
    flowables += [kit.label(t.name, t.meaning) for t in o.terms]
    return Block("objective", flowables)


def optimum(kit: Kit, width: float) -> Block:
    colour, _ = COLOURS["optimum"]
    p = kit.lesson.optimal_policy
    return Block("optimal_policy", [
        heading("The closed-form optimal policy" + cite(kit, p.sources), colour),
        kit.formula(p.formula, width, "optimal_policy.formula"),
        _spacer(2),
        kit.formula(p.partition, width, "optimal_policy.partition"),
        _spacer(2),
        kit.formula(p.max_value, width, "optimal_policy.max_value"),
    ])


def bradley_terry(kit: Kit, width: float) -> Block:
    colour, _ = COLOURS["bradley-terry"]
    b = kit.lesson.bradley_terry
    return Block("bradley_terry", [
        heading("The Bradley-Terry preference model" + cite(kit, b.sources), colour),
        kit.formula(b.formula, width, "bradley_terry.formula"),
        _spacer(2),
        kit.markup("Only r<sub>w</sub> − r<sub>l</sub> matters (r<sub>w</sub> = r(x, y<sub>w</sub>)); a one-nat gap "
                   f"gives P = {format_number(b.gap_one_nat)}."),
    ])


def _example(kit: Kit) -> Example:
    wanted = kit.lesson.beta_table.example
    return next(e for e in kit.lesson.examples if e.id == wanted)


def worked_example(kit: Kit, width: float) -> Block:
    colour, tint = COLOURS["example"]
    ex = _example(kit)
    beta = format_number(ex.beta)
    head = [kit.markup(t, kit.styles.head) for t in (
        "y", "π<sub>SFT</sub>(y)", "R(y)", "π<sub>SFT</sub>·exp(R/β)", "π*(y)")]
    rows = [head] + [
        [kit.markup(f"y<sub>{i}</sub>", kit.styles.cell)] + [
            kit.markup(format_value(v), kit.styles.cell) for v in values]
        for i, values in enumerate(zip(ex.pi_sft, ex.reward, ex.weights, ex.pi_star, strict=True), start=1)
    ]
    unit = (width - 24) / 5
    results = (
        f"Z = {format_number(ex.z)}; KL(π*‖π<sub>SFT</sub>) = {format_number(ex.kl)} nats; "
        f"E<sub>π*</sub>[R] = {format_number(ex.expected_reward)} against "
        f"{format_number(ex.sft_expected_reward)} under π<sub>SFT</sub>; "
        f"β log Z = E[R] − β·KL = {format_number(ex.max_value)}."
    )
    limits = (
        f"β → 0⁺: π* → {format_value(ex.limit_small_beta)}, KL → {format_number(ex.limit_small_beta_kl)}. "
        f"β → ∞: π* → π<sub>SFT</sub> = {format_value(ex.limit_large_beta)}. "
        f"The other direction, KL(π<sub>SFT</sub>‖π*) = {format_number(ex.kl_other_direction)}, is a common slip."
    )
    return Block("examples", [
        heading(f"Worked example: two responses, β = {beta}", colour),
        table(rows, [24, unit, unit, unit * 2, unit], tint),
        _spacer(2),
        kit.markup(results),
        kit.markup(limits),
    ])


def figure(kit: Kit, width: float) -> Block:
    colour, _ = COLOURS["example"]
    index = next(i for i, f in enumerate(kit.lesson.figures.items) if f.id == "fig-policy-vs-beta")
    title = kit.lesson.figures.items[index].title
    return Block("figures", [heading(title, colour, kit.at(f"figures.items[{index}].title")), _spacer(3),
                             kit.figure(width)])


def beta_table(kit: Kit, width: float) -> Block:
    colour, tint = COLOURS["beta"]
    bt = kit.lesson.beta_table
    head = [kit.markup(t, kit.styles.head) for t in ("band; the example", "behaviour and risk")]
    rows = [head]
    for r in bt.rows:
        solved = (f"<b>{band_text(r)}</b><br/>β = {format_number(r.at)}, KL = {format_number(r.kl)}<br/>"
                  f"π* = {format_value(r.pi_star)}")
        behaviour = f"{to_markup(r.behaviour, kit.entries)} <i>Risk:</i> {to_markup(r.risk, kit.entries)}"
        rows.append([kit.markup(solved, kit.styles.cell), kit.markup(behaviour, kit.styles.cell)])
    first = 0.42 * width
    return Block("beta_table", [
        heading("Choosing β" + cite(kit, bt.sources), colour),
        table(rows, [first, width - first], tint),
        _spacer(2),
        kit.para(bt.note, kit.styles.note),
        kit.para(bt.practice, kit.styles.note),
    ])


def variants(kit: Kit, width: float) -> Block:
    colour, tint = COLOURS["variants"]
    head = [kit.markup(t, kit.styles.head) for t in ("variant", "what changes")]
    rows = [head] + [[kit.cell(v.name + cite(kit, v.sources), bold=True), kit.cell(v.changes)]
                     for v in kit.lesson.variants]
    first = 64.0
    return Block("variants", [
        heading("Variants", colour),
        table(rows, [first, width - first], tint),
    ])


def instruments(kit: Kit, width: float) -> Block:
    """Two tables: the instruments a run-health rule names settle the run; the others each detect one failure."""
    colour, tint = COLOURS["instruments"]
    rh = kit.lesson.run_health
    ruled = {r.instrument for r in rh.rules}

    def rows(first: str, settle: bool) -> list[list[Any]]:
        return [[kit.markup(first, kit.styles.head)]] + [
            [kit.markup(f"<b>{to_markup(i.name, kit.entries)}</b>{cite(kit, i.sources)}: "
                        f"{to_markup(i.criterion, kit.entries)}", kit.styles.cell)]
            for i in kit.lesson.instruments if (i.id in ruled) == settle]

    return Block("instruments", [
        heading(rh.question, colour, kit.at("run_health.question")),
        table(rows("settled by: criterion", True) + rows(to_markup(rh.detectors, kit.entries), False), [width], tint),
        _spacer(2),
        kit.markup(to_markup(rh.open_question, kit.entries) + cite(kit, rh.sources), kit.styles.note),
    ])


def pitfalls(kit: Kit, width: float) -> Block:
    colour, _ = COLOURS["pitfalls"]
    items = [
        paragraph(scripts(f"<b>{to_markup(p.mistake, kit.entries)}</b> {to_markup(p.instead, kit.entries)}"
                          f"{cite(kit, p.sources)}",
                          kit.styles.bullet.fontSize), kit.styles.bullet, bullet="•")
        for p in kit.lesson.pitfalls
    ]
    return Block("pitfalls", [heading("Common pitfalls", colour), *items])


def references(kit: Kit, width: float) -> Block:
    """The numbered list the blocks' [n] point at: every reference the sheet cites, in order of first citation."""
    names = citations.short_cites(kit.lesson.references)
    numbers = citations.numbering(citations.sheet_sources(kit.lesson))
    items = "; ".join(f"[{n}] {names[ref]}" for ref, n in numbers.items())
    return Block("references", [kit.markup(f"<b>References</b>  {items}.", kit.styles.note)])
