"""The practice worksheets and their answer key: pages, every key answer against an independent exact
solution, no answer on a worksheet, reproducible bytes, variants, and --variants through the CLI.

Expectations come from the loaded source (its practice example, its labelled findings and instruments)
and from sympy here, never from the builder's own numbers.
"""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders import Context
from l13_assets.builders import practice as practice_builder
from l13_assets.builders.practice import sheets
from l13_assets.lesson_text import entries_by_id, expand
from l13_assets.loader import Source, load
from support import SOURCE, run_cli

VARIANTS = 3
MINUS = "\u2212"


@pytest.fixture(scope="module")
def source() -> Source:
    return load(SOURCE)


def _build(source: Source, **options: Any) -> dict[str, bytes]:
    return {o.path: o.data for o in practice_builder.build(Context.of(source, SOURCE, **options)).files}


@pytest.fixture(scope="module")
def outputs(source: Source) -> dict[str, bytes]:
    return _build(source, variants=VARIANTS)


def _pages(pdf: bytes, body: float) -> list[str]:
    """Each page's text without subscripts (set at 0.78 of their text's size), one space between words."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [" ".join(page.filter(lambda o: o.get("size", body) >= 0.8 * body).extract_text().split())
                for page in document.pages]


def _example(source: Source) -> Any:
    wanted = source.lesson.drills.practice_problem.example
    return next(e for e in source.lesson.examples if e.id == wanted)


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(n.replace(MINUS, "-")) for n in text.split(", ")]


def _solve(pi_sft: list[Decimal], reward: list[Decimal], beta: Decimal, places: int) -> dict[str, list[str]]:
    """π* written out here with sympy (not through the package's rlhf_math), rounded half up."""
    import sympy as sp

    def rounded(value: Any) -> str:
        return str(Decimal(str(sp.N(value, 40))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

    weights = [sp.Rational(str(p)) * sp.exp(sp.Rational(str(r)) / sp.Rational(str(beta)))
               for p, r in zip(pi_sft, reward, strict=True)]
    z = sum(weights)
    top = max(range(len(reward)), key=lambda i: reward[i])
    return {"weights": [rounded(w) for w in weights], "z": [rounded(z)], "pi": [rounded(w / z) for w in weights],
            "small": ["1" if i == top else "0" for i in range(len(reward))], "large": [str(p) for p in pi_sft]}


PROBLEM = re.compile(r"π = \(([^)]*)\), rewards R = \(([^)]*)\) and β = ([0-9.]+)\.")
KEY = {"weights": r"A\. weights \(([^)]*)\)", "z": r"B\. Z = ([0-9.]+)", "pi": r"C\. π\* = \(([^)]*)\)",
       "small": r"D\. β → 0⁺: π\* → \(([^)]*)\)", "large": r"β → ∞: π\* → π = \(([^)]*)\)"}


def _problem(text: str) -> tuple[list[Decimal], list[Decimal], Decimal]:
    match = PROBLEM.search(text)
    assert match, text[:300]
    return _numbers(match.group(1)), _numbers(match.group(2)), Decimal(match.group(3))


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_two_pages_per_variant_of_the_paper_size(outputs: dict[str, bytes], paper: str) -> None:
    import pypdf

    sizes = {"a4": (595, 842), "letter": (612, 792)}
    for name in sheets.file_names(paper):
        pages = pypdf.PdfReader(io.BytesIO(outputs[name])).pages
        assert len(pages) == sheets.PAGES_PER_VARIANT * VARIANTS
        assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages} == {sizes[paper]}


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_key_answer_is_the_exact_value(outputs: dict[str, bytes], source: Source, paper: str) -> None:
    places = source.lesson.drills.practice_problem.decimals
    key = _pages(outputs[sheets.file_names(paper)[1]], sheets.KEY_BODY)
    for page in key[::sheets.PAGES_PER_VARIANT]:
        expected = _solve(*_problem(page), places)
        for name, pattern in KEY.items():
            found = re.search(pattern, page)
            assert found, (name, page[:400])
            assert [str(n) for n in _numbers(found.group(1))] == expected[name], name


def test_the_key_answers_exercise_two_from_the_source(outputs: dict[str, bytes], source: Source) -> None:
    key = _pages(outputs[sheets.file_names("a4")[1]], sheets.KEY_BODY)
    names = {i.id: i.name for i in source.lesson.instruments}
    labelled = [f for f in source.lesson.findings if f.label]
    for page in key[1::sheets.PAGES_PER_VARIANT]:
        for finding in labelled:
            listed = ", ".join(names[i] for i in finding.instruments)
            assert f"({finding.label}) {listed}. Verdict: {finding.verdict}." in page


def test_no_answer_on_a_worksheet(outputs: dict[str, bytes], source: Source) -> None:
    key = _pages(outputs[sheets.file_names("a4")[1]], sheets.KEY_BODY)
    sheet = _pages(outputs[sheets.file_names("a4")[0]], sheets.BODY)
    for i in range(0, len(key), sheets.PAGES_PER_VARIANT):
        answers = {n for name in ("weights", "z", "pi") for n in re.findall(r"[0-9]+\.[0-9]+",
                                                                             re.search(KEY[name], key[i]).group(0))}
        written = set(re.findall(r"[0-9]+\.[0-9]+", " ".join(sheet[i:i + sheets.PAGES_PER_VARIANT])))
        assert answers and not answers & written
        assert "Verdict" not in " ".join(sheet[i:i + sheets.PAGES_PER_VARIANT])
        for finding in (f for f in source.lesson.findings if f.label):
            assert expand(finding.finding, entries_by_id(source.lesson)) in sheet[i + 1]


def test_two_builds_are_byte_identical(outputs: dict[str, bytes], source: Source) -> None:
    assert _build(source, variants=VARIANTS) == outputs


def test_thirty_distinct_variants_the_first_the_source_s(source: Source) -> None:
    built = _build(source, variants=30, papers=("a4",))
    sheet = _pages(built[sheets.file_names("a4")[0]], sheets.BODY)
    firsts = sheet[::sheets.PAGES_PER_VARIANT]
    problems = [_problem(page) for page in firsts]
    codes = [re.search(r"Variant (\S+)", page).group(1) for page in firsts]
    example = _example(source)
    assert len(problems) == 30 and len({repr(p) for p in problems}) == 30 and len(set(codes)) == 30
    assert problems[0] == (list(example.pi_sft), list(example.reward), example.beta)
    for pi_sft, reward, _beta in problems:
        assert sum(pi_sft) == 1 and len(set(reward)) > 1


def test_the_source_default_is_one_variant(source: Source) -> None:
    built = _build(source, papers=("letter",))
    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(built["l13-practice-letter.pdf"])).pages)
    assert pages == sheets.PAGES_PER_VARIANT * source.lesson.drills.practice_problem.variants


@pytest.mark.parametrize("value", ["0", "201", "many", "2.5"])
def test_a_bad_variants_value_is_a_usage_error_like_a_bad_paper(value: str, tmp_path: Path) -> None:
    result = run_cli("build", "--only", "practice", "--variants", value, "--out", str(tmp_path / "out"))
    assert result.returncode == 2, "the README's exit code for a usage error"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: --variants:") and f"'{value}'" in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_page_that_does_not_fit_is_an_error_naming_it(source: Source) -> None:
    from dataclasses import replace

    from l13_assets.errors import UserError

    grown = source.lesson.model_copy(update={"findings": tuple(
        f.model_copy(update={"finding": " ".join([f.finding] * 12)}) if f.label else f
        for f in source.lesson.findings)})
    with pytest.raises(UserError) as raised:
        _build(replace(source, lesson=grown), papers=("a4",))
    (problem,) = raised.value.problems
    assert problem.path == "findings" and "page 2" in problem.message and "never shrunk" in problem.message
    assert problem.line == source.located.position(("findings",), key=True)[0] > 0


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_font_is_embedded_dejavu(outputs: dict[str, bytes], paper: str, tmp_path: Path) -> None:
    import shutil
    import subprocess

    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    for name in sheets.file_names(paper):
        (tmp_path / name).write_bytes(outputs[name])
        rows = subprocess.run(["pdffonts", str(tmp_path / name)], capture_output=True, text=True,
                              check=True).stdout.splitlines()[2:]
        assert rows and all("DejaVu" in row.split()[0] and row.split()[-5] == "yes" for row in rows), rows
