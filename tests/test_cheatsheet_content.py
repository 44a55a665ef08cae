"""What the cheatsheet says, read back from the PDF: the β caveat and the β published runs use, a numbered
reference list holding every paper a block cites, the bands in units of ΔR without shared ends, one symbol
for the reward model's parameters, and the Bradley-Terry model on one line."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import pdfplumber
import pytest

from l13_assets import citations
from l13_assets.builders import Context, cheatsheet
from l13_assets.builders.pdf import fonts as pdf_fonts
from l13_assets.builders.pdf.formulas import Typesetter
from l13_assets.builders.pdf.layout import FORMULA_SIZE, MARGIN, geometry
from l13_assets.lesson_text import entries_by_id, expand
from l13_assets.loader import Source
from l13_assets.verify.beta_bands import band_text

SOURCE = Path(__file__).resolve().parents[1] / "source" / "l13.yaml"


@pytest.fixture(scope="module")
def texts(source: Source) -> dict[str, str]:
    """Each paper's page text in reading order, whitespace removed (lines break anywhere in a column): each
    column down to the reference list, then the list across the foot."""
    out = {}
    for output in cheatsheet.build(Context.of(source, SOURCE)).files:
        paper = "a4" if output.path.endswith("a4.pdf") else "letter"
        g = geometry(paper)
        gutter = (g.inner_width - sum(g.column_widths())) / (len(g.column_widths()) - 1)
        with pdfplumber.open(io.BytesIO(output.data)) as pdf:
            page = pdf.pages[0]
            foot = min(w["top"] for w in page.extract_words() if w["text"] == "References") - 1
            parts, x = [], MARGIN
            for width in g.column_widths():
                parts.append(page.crop((x - 1, 0, x + width + 1, foot)).extract_text())
                x += width + gutter
            parts.append(page.crop((0, foot, page.width, page.height)).extract_text())
        out[paper] = re.sub(r"\s+", "", "".join(parts))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("_", ""))


def _printed(text: str, source: Source) -> str:
    """Prose as the sheet prints it: numbers inserted, a superscript e^{x} as e followed by x."""
    return _squash(re.sub(r"\^\{([^{}]*)\}", r"\1", expand(text, entries_by_id(source.lesson))))


def test_the_beta_caveat_and_the_published_betas_are_on_every_sheet(source: Source, texts: dict[str, str]) -> None:
    table = source.lesson.beta_table
    for text in texts.values():
        assert _printed(table.note, source) in text
        assert _squash(table.practice) in text
        assert all(_squash(band_text(row)) in text for row in table.rows)


def test_bands_share_no_end(source: Source) -> None:
    """Each band starts where the one before ends, and includes its start only: no β lies in two bands."""
    rows = source.lesson.beta_table.rows
    for before, after in itertools.pairwise(rows):
        assert before.below == after.at_least
    for row in rows:  # a band includes its start and excludes its end, so an end printed twice is one β
        assert re.fullmatch(r"(\S+ ≤ )?β/ΔR < \S+|β/ΔR ≥ \S+", band_text(row)), band_text(row)


def test_every_cited_reference_is_in_the_numbered_list(source: Source, texts: dict[str, str]) -> None:
    lesson = source.lesson
    names = citations.short_cites(lesson.references)
    numbers = citations.numbering(citations.sheet_sources(lesson))
    on_deck = {r for _, refs in citations.deck_sources(lesson) for r in refs}
    # every reference reaches the sheet, or the deck where only a card rests on it (best-of-n's bound, say)
    assert set(numbers) | on_deck == {r.id for r in lesson.references}
    assert set(numbers) == {r for _, refs in citations.sheet_sources(lesson) for r in refs}
    for text in texts.values():
        for ref, n in numbers.items():
            assert _squash(f"[{n}] {names[ref]}") in text, ref
        for stage in lesson.pipeline:  # a block's citation numbers print with it
            assert all(f"{numbers[r]}" in text for r in stage.sources)


def test_two_papers_with_one_short_name_are_told_apart(source: Source) -> None:
    names = list(citations.short_cites(source.lesson.references).values())
    assert len(names) == len(set(names))


def test_one_phi_on_the_sheet(texts: dict[str, str]) -> None:
    """The prose's φ and the formulas' text layer agree (the formulas once set ϕ beside a prose φ)."""
    for text in texts.values():
        assert not ("φ" in text and "ϕ" in text)
        assert "varphi" not in text


def test_the_bradley_terry_model_is_one_line_in_its_column(source: Source) -> None:
    """A formula broken over two lines set its second '=' out of line with the first."""
    pdf_fonts.register()
    math = Typesetter(FORMULA_SIZE)
    width = min(min(geometry(p).column_widths()) for p in ("a4", "letter"))
    assert len(math.lines(source.lesson.bradley_terry.formula, width, "bradley_terry.formula", "l13.yaml")) == 1


def test_the_open_question_says_instruments_inform_without_settling(source: Source, texts: dict[str, str]) -> None:
    rh = source.lesson.run_health
    for text in texts.values():
        assert _squash(expand(rh.question, entries_by_id(source.lesson))) in text
        assert _squash(rh.detectors) in text


def test_the_run_list_says_which_measurements_are_always_needed(source: Source, texts: dict[str, str]) -> None:
    """The sheet lists every instrument a run-health rule reads; one whose rules are all optional says where it
    applies ('Where ...'), so the sheet, the rules and the card that names the run measurements agree."""
    lesson = source.lesson
    rules = lesson.run_health.rules
    required = {r.instrument for r in rules if r.required}
    optional = {r.instrument for r in rules} - required
    assert required and optional
    for instrument in lesson.instruments:
        if instrument.id in optional:
            assert instrument.criterion.startswith("Where "), instrument.id
        if instrument.id in required | optional:
            for text in texts.values():
                assert _squash(expand(instrument.name, entries_by_id(lesson))) in text
    card = next(c for n in lesson.flashcards for c in n.cards if "run is working" in c.front)
    names = {i.id: i.name.lower() for i in lesson.instruments}
    back = card.back.lower()
    always, _, where = back.partition("where measured")
    for instrument in required:  # named before "where measured", the optional ones after it
        assert any(word in always for word in names[instrument].split()[:2]), instrument
    assert where and "three" not in card.front
