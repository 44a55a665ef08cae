"""The one-page cheatsheet: pages, text in reading order, type sizes, margins, fonts, rendering, bytes."""

from __future__ import annotations

import collections
import hashlib
import io
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pytest

from l13_assets.builders import Context, Output, cheatsheet
from l13_assets.builders.pdf.formulas import FORMULA_TAG
from l13_assets.builders.pdf.layout import MARGIN, MIN_GLYPH_PT, geometry
from l13_assets.errors import UserError
from l13_assets.latex_text import latex_to_text
from l13_assets.lesson_text import format_number
from l13_assets.loader import Source, load, parse
from l13_assets.model import Lesson
from l13_assets.verify.beta_bands import band_text

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source" / "l13.yaml"
MM = 72 / 25.4
MEDIA = {"a4": (841.89, 595.28), "letter": (792.0, 612.0)}


@pytest.fixture(scope="module")
def outputs(source: Source) -> dict[str, bytes]:
    built = cheatsheet.build(Context.of(source, SOURCE)).files
    return {o.path: o.data for o in built}


def _pdf(outputs: dict[str, bytes], paper: str) -> bytes:
    return outputs[cheatsheet.file_name(paper)]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: install poppler-utils (apt-get install poppler-utils)")
    return path


def test_builds_both_papers_by_default(outputs: dict[str, bytes]) -> None:
    assert sorted(outputs) == ["l13-cheatsheet-a4.pdf", "l13-cheatsheet-letter.pdf"]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_one_landscape_page_of_the_right_size(outputs: dict[str, bytes], paper: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(_pdf(outputs, paper)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(MEDIA[paper], abs=0.01)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _first_word(text: str) -> str:
    # a table cell's lines interleave with its neighbours' in extracted text: match its first word only
    return text.split()[0]


def _key_strings(lesson: Lesson) -> list[tuple[str, str]]:
    """(block, text) pairs in the order the sheet reads: down the band, then down each column."""
    ex = next(e for e in lesson.examples if e.id == lesson.beta_table.example)
    keys = [("pipeline", _first_word(s.name)) for s in lesson.pipeline]
    keys += [("bradley_terry", "Bradley-Terry"), ("bradley_terry", latex_to_text(lesson.bradley_terry.formula)[:10]),
             ("bradley_terry", format_number(lesson.bradley_terry.gap_one_nat))]
    keys += [("objective", latex_to_text(lesson.objective.formula)[:12])]
    keys += [("objective", t.name) for t in lesson.objective.terms]
    keys += [("optimal_policy", latex_to_text(lesson.optimal_policy.formula)[:10]),
             ("optimal_policy", latex_to_text(lesson.optimal_policy.partition)[:8])]
    keys += [("figures", "β (log scale)")]
    keys += [("examples", format_number(w)) for w in ex.weights]
    keys += [("examples", f"Z = {format_number(ex.z)}"), ("examples", format_number(ex.max_value))]
    keys += [("beta_table", _first_word(band_text(r))) for r in lesson.beta_table.rows]
    keys += [("variants", _first_word(v.name)) for v in lesson.variants]
    keys += [("instruments", lesson.run_health.question)]
    # the instruments a run-health rule names settle the run and come first; the detectors follow
    ruled = {r.instrument for r in lesson.run_health.rules}
    ordered = [i for i in lesson.instruments if i.id in ruled] + [i for i in lesson.instruments if i.id not in ruled]
    keys += [("instruments", _first_word(i.name)) for i in ordered]
    keys += [("pitfalls", p.mistake) for p in lesson.pitfalls]
    return keys


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_block_in_reading_order_within_its_column(
    outputs: dict[str, bytes], source: Source, paper: str
) -> None:
    g = geometry(paper)
    widths = g.column_widths()
    gutter = (g.inner_width - sum(widths)) / (len(widths) - 1)
    with pdfplumber.open(io.BytesIO(_pdf(outputs, paper))) as pdf:
        page = pdf.pages[0]
        band_bottom = min(c["bottom"] for c in page.chars if "Loss" in c["text"] or c["text"] == "L") + 20
        band = page.crop((0, 0, page.width, band_bottom)).extract_text()
        columns = []
        x = MARGIN
        for width in widths:
            columns.append(page.crop((x - 1, band_bottom, x + width + 1, page.height)).extract_text())
            x += width + gutter
    text = _squash(band + "".join(columns))
    position = 0
    for block, key in _key_strings(source.lesson):
        found = text.find(_squash(key), position)
        assert found >= 0, f"{paper}: '{key}' of block {block} is missing or out of reading order"
        position = found


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_text_extracts_cleanly(outputs: dict[str, bytes], paper: str) -> None:
    with pdfplumber.open(io.BytesIO(_pdf(outputs, paper))) as pdf:
        text = pdf.pages[0].extract_text()
    assert "(cid:" not in text
    assert "\u2014" not in text and "\u2013" not in text  # house style: no em or en dashes


def _glyph_size(char: dict[str, Any]) -> float:
    """The size a glyph is set at, rotated or not (pdfplumber's ``size`` is a rotated glyph's advance).

    The glyph's box is ``adv`` along the baseline by the font size across it, mapped by the char's matrix;
    its extent on the page axis closer to the across direction gives the font size, scaled by the matrix."""
    a, b, c, d = (float(v) for v in char["matrix"][:4])
    adv = float(char["adv"])
    if abs(c) > abs(d):
        across = (float(char["width"]) - adv * abs(a)) / abs(c)
    else:
        across = (float(char["height"]) - adv * abs(b)) / abs(d)
    return across * math.hypot(c, d)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_type_sizes(outputs: dict[str, bytes], paper: str) -> None:
    with pdfplumber.open(io.BytesIO(_pdf(outputs, paper))) as pdf:
        visible = [c for c in pdf.pages[0].chars if c.get("tag") != FORMULA_TAG and c["text"].strip()]
    sizes = [round(_glyph_size(c), 2) for c in visible]
    assert any(not c["upright"] for c in visible), "the figure's rotated axis label is measured too"
    assert min(sizes) >= MIN_GLYPH_PT == 5.5, sorted(collections.Counter(sizes).items())
    assert collections.Counter(sizes).most_common(1)[0][0] >= 7


def _text_runs(pdf: bytes) -> list[tuple[bool, int]]:
    """Each text-showing operator on the page: (inside a formula's marked span, its text render mode)."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    runs, tags, saved, mode = [], [], [], 0
    for operands, operator in pypdf.generic.ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"q":
            saved.append(mode)
        elif operator == b"Q":
            mode = saved.pop()
        elif operator == b"Tr":
            mode = int(operands[0])
        elif operator in (b"BMC", b"BDC"):
            tags.append(str(operands[0]))
        elif operator == b"EMC":
            tags.pop()
        elif operator in (b"Tj", b"TJ", b"'", b'"'):
            runs.append((f"/{FORMULA_TAG}" in tags, mode))
    assert "/Resources" in page and "/XObject" not in page["/Resources"], "no text hides in a form XObject"
    return runs


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_formulas_have_an_invisible_text_layer(outputs: dict[str, bytes], paper: str) -> None:
    with pdfplumber.open(io.BytesIO(_pdf(outputs, paper))) as pdf:
        formula = "".join(c["text"] for c in pdf.pages[0].chars if c.get("tag") == FORMULA_TAG)
    assert "Z(x) = Σ" in formula.replace("  ", " ")
    runs = _text_runs(_pdf(outputs, paper))
    assert {mode for tagged, mode in runs if tagged} == {3}, "the formulas' text layer is invisible (mode 3)"
    assert {mode for tagged, mode in runs if not tagged} == {0}, "all other text is filled, visible"


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_everything_at_least_5_mm_inside_the_page(outputs: dict[str, bytes], paper: str) -> None:
    """Every glyph and every drawn path (formulas are paths; rules, curves and table lines too, with half
    their stroke width) keeps 5 mm from each edge of the page."""
    inset = 5 * MM
    with pdfplumber.open(io.BytesIO(_pdf(outputs, paper))) as pdf:
        page = pdf.pages[0]
        shapes = page.rects + page.lines + page.curves
        assert page.chars and page.curves and page.lines and page.rects
        for item in [*page.chars, *shapes]:
            pen = float(item["linewidth"]) / 2 if item["object_type"] != "char" and item.get("stroke") else 0.0
            assert item["x0"] - pen >= inset and item["x1"] + pen <= page.width - inset, item
            assert item["top"] - pen >= inset and item["bottom"] + pen <= page.height - inset, item


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_font_is_embedded_dejavu(outputs: dict[str, bytes], paper: str, tmp_path: Path) -> None:
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(_pdf(outputs, paper))
    listing = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, listing
    for row in rows:
        name, emb = row.split()[0], row[row.index(" yes ") if " yes " in row else 0:]
        assert "DejaVuSans" in name, row
        assert emb.split()[0] == "yes", f"not embedded: {row}"


def test_renders_to_png(outputs: dict[str, bytes], tmp_path: Path) -> None:
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(_pdf(outputs, "a4"))
    subprocess.run([_tool("pdftoppm"), "-r", "60", "-png", "-singlefile", str(pdf), str(tmp_path / "sheet")],
                   check=True, capture_output=True)
    png = (tmp_path / "sheet.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_same_source_same_bytes(outputs: dict[str, bytes], source: Source) -> None:
    again = {o.path: o.data for o in cheatsheet.build(Context.of(source, SOURCE)).files}
    assert again == outputs


def test_same_bytes_under_another_hash_seed(outputs: dict[str, bytes]) -> None:
    script = (
        "import hashlib, sys; from pathlib import Path; from l13_assets.loader import load; "
        "from l13_assets.builders import Context, cheatsheet; p = Path(sys.argv[1]); "
        "print(hashlib.sha256(cheatsheet.build(Context.of(load(p), p, papers=('a4',))).files[0].data).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, "-c", script, str(SOURCE)], capture_output=True, text=True,
                         env=env, check=True)
    assert run.stdout.strip() == hashlib.sha256(_pdf(outputs, "a4")).hexdigest()


def test_one_paper_on_request(source: Source) -> None:
    built = cheatsheet.build(Context.of(source, SOURCE, papers=("letter",))).files
    assert [o.path for o in built] == ["l13-cheatsheet-letter.pdf"]


def _with_more_pitfalls(count: int) -> Source:
    text = SOURCE.read_text(encoding="utf-8")
    extra = "".join(
        f'  - id: pitfall-extra-{i}\n'
        f'    mistake: "An extra mistake number {i} that takes some room."\n'
        f'    instead: "A long enough explanation of what to do instead, so that the block grows by a line '
        f'or two every time one more of these is added to the source."\n'
        for i in range(count)
    )
    text = text.replace("\npitfalls:\n", "\npitfalls:\n" + extra, 1)
    return parse(text.encode("utf-8"), "source/l13.yaml")


def test_overflow_is_an_error_naming_the_block(source: Source) -> None:
    grown = _with_more_pitfalls(8)
    returned: list[Output] = []
    with pytest.raises(UserError) as caught:
        returned = cheatsheet.build(Context.of(grown, SOURCE)).files
    assert returned == []
    message = str(caught.value)
    assert "block 'pitfalls' does not fit" in message
    line = SOURCE.read_text(encoding="utf-8").splitlines().index("pitfalls:") + 1
    assert message.startswith(f"source/l13.yaml:{line}:1: pitfalls: ")
    assert "(column 3 is full)" in message
    assert "never shrunk" in message


def test_a_formula_too_wide_for_its_column_is_an_error_at_its_line() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    wide = r"\sigma\big(" + " ".join([r"r(x,y_w) \cdot r(x,y_l)"] * 8) + r"\big)"
    start = text.index("\nbradley_terry:\n")
    before = text.index("  formula: ", start)
    line = text.count("\n", 0, before) + 1
    end = text.index("\n", before)
    grown = parse((text[:before] + f"  formula: '{wide}'" + text[end:]).encode("utf-8"), "source/l13.yaml")
    with pytest.raises(UserError) as caught:
        cheatsheet.build(Context.of(grown, SOURCE))
    message = str(caught.value)
    assert message.startswith(f"source/l13.yaml:{line}:12: bradley_terry.formula: formula is "), message
    assert "cannot be broken to fit" in message and "\n" not in message


def test_a_formula_the_typesetter_fails_on_is_a_problem_at_its_line(source: Source,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from l13_assets.builders.pdf import formulas as pdf_math

    def fail(self: Any, latex: str) -> Any:
        raise AssertionError("ziamath gave up")

    monkeypatch.setattr(pdf_math.Typesetter, "_render", fail)
    with pytest.raises(UserError) as caught:
        cheatsheet.build(Context.of(source, SOURCE))
    text = SOURCE.read_text(encoding="utf-8")
    line = text[:text.index("  formula: ", text.index("\nbradley_terry:\n"))].count("\n") + 1
    assert str(caught.value) == (
        f"{source.file}:{line}:12: bradley_terry.formula: the cheatsheet's typesetter cannot set this formula "
        "(AssertionError: ziamath gave up), expected LaTeX that MathJax and ziamath both read")


@pytest.mark.parametrize(("key", "path"), [("  title: ", "meta.title"), ("  course: ", "meta.course")])
def test_a_title_or_footer_too_long_for_its_line_is_an_error_at_its_line(key: str, path: str) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    start = text.index(key)
    end = text.index('"\n', start)
    line = text[:start].count("\n") + 1
    longer = text[:end] + ", and then a great many more words than any line of the page can hold" * 3 + text[end:]
    with pytest.raises(UserError) as caught:
        cheatsheet.build(Context.of(parse(longer.encode("utf-8"), "source/l13.yaml"), SOURCE))
    assert str(caught.value).startswith(f"source/l13.yaml:{line}:{len(key) + 1}: {path}: is ")
    assert "too long for its line on the letter page" in str(caught.value)


def test_overflow_names_the_column_that_stopped_the_flow() -> None:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Spacer

    from l13_assets.builders.pdf.layout import Block, Region, flow

    def run(*heights: float) -> tuple[tuple[str, ...], str, str]:
        regions = [Region(f"column {i}", 100.0 * i, 0, 90, 100) for i in (1, 2)]
        result = flow(Canvas(io.BytesIO()), regions, [Block(f"b{i}", [Spacer(10, h)]) for i, h in enumerate(heights)])
        return result.overflow, result.stop, result.layout()

    assert run(60, 60) == ((), "", "column 1 (100 pt): b0 60; column 2 (100 pt): b1 60")
    assert run(60, 60, 60) == (("b2",), "column 2 is full",
                               "column 1 (100 pt): b0 60; column 2 (100 pt): b1 60; no room: b2 60")
    assert run(30, 30, 150, 10) == (("b2", "b3"), "it is taller than an empty column",
                                    "column 1 (100 pt): b0 30, b1 30; column 2 (100 pt): nothing; "
                                    "no room: b2 150, b3 10")


def test_footer_names_the_source_file_wherever_it_is(tmp_path: Path) -> None:
    built = []
    for folder in ("one", "two/deeper"):
        copy = tmp_path / folder / "course-l13.yaml"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(SOURCE.read_bytes())
        built.append(cheatsheet.build(Context.of(load(copy), copy, papers=("a4",))).files[0].data)
    assert built[0] == built[1], "the folder never reaches the bytes"
    with pdfplumber.open(io.BytesIO(built[0])) as pdf:
        text = pdf.pages[0].extract_text()
    assert "course-l13.yaml, version" in text and "source/" not in text


def test_breaking_lines_once_per_width_changes_no_byte(
    outputs: dict[str, bytes], source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportlab.platypus import Paragraph

    from l13_assets.builders.pdf import layout as pdf_layout

    assert pdf_layout._paragraph_class() is not Paragraph  # the shortcut is in use in `outputs`
    monkeypatch.setattr(pdf_layout, "_paragraph_class", lambda: Paragraph)
    plain = {o.path: o.data for o in cheatsheet.build(Context.of(source, SOURCE)).files}
    assert plain == outputs


def test_a_heading_from_the_source_too_wide_is_an_error_at_its_line() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    old = '  question: "Is this RLHF run working?"'
    line = text[:text.index(old)].count("\n") + 1
    long = '  question: "Is this RLHF run working, and how would anyone reading the dashboards know it?"'
    grown = parse(text.replace(old, long, 1).encode("utf-8"), "source/l13.yaml")
    with pytest.raises(UserError) as caught:
        cheatsheet.build(Context.of(grown, SOURCE))
    assert str(caught.value).startswith(f"source/l13.yaml:{line}:13: run_health.question: the heading 'Is this")
