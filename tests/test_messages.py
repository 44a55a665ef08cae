"""Messages that point at the text: where an author must look to fix a problem, in one run.

Edits are made to the real source by pattern, and expectations derived from it, so an author's ordinary edit
does not break these tests.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from support import SOURCE, check_lines, run_cli

TEXT = SOURCE.read_text(encoding="utf-8")


_problems = check_lines


def _line_column(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def test_a_missing_closing_quote_is_named_where_the_string_began() -> None:
    """YAML reads on to the next line's quote and then fails there; the message names the quote's line."""
    match = re.search(r'\n    mistake: ("[^"\n]*)"\n    instead: "', TEXT)
    assert match, "no pitfall written as one-line quoted strings"
    edited = TEXT[:match.end(1)] + TEXT[match.end(1) + 1:]  # drop the closing quote
    line, column = _line_column(edited, match.start(1))
    next_quote = edited.index('"', match.end(1))
    _, quote_column = _line_column(edited, next_quote)
    assert _problems(edited) == [
        f'l13.yaml:{line}:{column}: YAML syntax error: the string opened by " here has no closing " on line {line} '
        f'(YAML read on to the " at line {line + 1}, column {quote_column}), expected a closing " at the end of '
        "the string"]


def test_a_quote_never_closed_is_named_where_the_string_began() -> None:
    at = TEXT.rindex('"')  # the file's last quote: without it, the last string runs to the end of the file
    opening = TEXT.rindex('"', 0, at)
    line, column = _line_column(TEXT, opening)
    assert _problems(TEXT[:at] + TEXT[at + 1:]) == [
        f'l13.yaml:{line}:{column}: YAML syntax error: the string opened by " here is never closed, expected a '
        'closing " at the end of the string']


def _wrong_pi_star() -> tuple[str, list[tuple[str, Decimal]]]:
    """The source with the first example's rewards all 0, so that π* = π_SFT exactly, and every entry of its
    pi_star stated wrong by 0.25; with each stated entry and its right value."""
    pi_sft = re.search(r"\n    pi_sft: \[([^\]]*)\]", TEXT)
    reward = re.search(r"\n    reward: \[([^\]]*)\]", TEXT)
    pi_star = re.search(r"\n    pi_star: \[([^\]]*)\]", TEXT)
    assert pi_sft and reward and pi_star
    right = [Decimal(v) for v in pi_sft.group(1).split(",")]
    stated = [f"{v + Decimal('0.25') if v < Decimal('0.5') else v - Decimal('0.25'):.3f}" for v in right]
    edits = sorted([(reward.span(1), ", ".join("0" for _ in right)), (pi_star.span(1), ", ".join(stated))])
    text = TEXT
    for (start, end), new in reversed(edits):
        text = text[:start] + new + text[end:]
    return text, list(zip(stated, right, strict=True))


def test_every_wrong_entry_of_a_list_is_reported_in_one_run() -> None:
    text, entries = _wrong_pi_star()
    start = text.index("\n    pi_star: [") + len("\n    pi_star: [")
    inputs = ", ".join(f"examples[0].{name} (line {text[:text.index(f'{chr(10)}    {name}: ')].count(chr(10)) + 2})"
                       for name in ("pi_sft", "reward", "beta"))
    expected, offset = [], start
    for i, (stated, right) in enumerate(entries):
        line, column = _line_column(text, text.index(stated, offset))
        offset = text.index(stated, offset) + len(stated)
        expected.append(f"l13.yaml:{line}:{column}: examples[0].pi_star[{i}]: [number] states {stated}, computed "
                        f"{float(right):.8g}, which is {right:.3f} at the stated precision; computed from {inputs}")
    assert len(expected) >= 2
    assert [p for p in _problems(text) if "examples[0].pi_star[" in p] == expected


def _bad_fact_source(folder: Path) -> Path:
    source = folder / "l13.yaml"
    source.write_text(_wrong_pi_star()[0], encoding="utf-8")
    history = SOURCE.with_name("l13.notes.json")
    (folder / history.name).write_bytes(history.read_bytes())
    return source


def test_build_json_counts_the_facts_and_failures_of_a_failed_check_as_check_does(tmp_path: Path) -> None:
    source = _bad_fact_source(tmp_path)
    checked = json.loads(run_cli("check", "--json", "--source", str(source)).stdout)
    result = run_cli("build", "--json", "--source", str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    built = json.loads(result.stdout)
    assert built["ok"] is False and built["history_changed"] is False
    assert (built["facts_checked"], built["failed"]) == (checked["facts_checked"], checked["failed"])
    assert built["facts_checked"] > built["failed"] > 0
    assert built["problems"] == checked["problems"]


def test_build_json_says_when_the_note_history_changed_and_must_be_committed(source_copy: Path) -> None:
    text = source_copy.read_text(encoding="utf-8")
    match = re.search(r'\n *front: "', text)  # any card's question
    assert match
    source_copy.write_text(text[:match.end()] + "Edited: " + text[match.end():], encoding="utf-8")
    history = source_copy.with_name("l13.notes.json")
    before = history.read_bytes()
    out = source_copy.parent.parent / "out"
    changed = run_cli("build", "--json", "--only", "deck", "--source", str(source_copy), "--out", str(out))
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["history_changed"] is True and history.read_bytes() != before
    again = run_cli("build", "--json", "--only", "deck", "--force", "--source", str(source_copy), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["history_changed"] is False


@pytest.mark.parametrize("command", ["check", "build"])
def test_quiet_prints_the_problems_only(command: str, tmp_path: Path) -> None:
    source = _bad_fact_source(tmp_path)
    extra = ["--out", str(tmp_path / "out")] if command == "build" else []
    result = run_cli(command, "-q", "--source", str(source), *extra)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) >= 2 and all(line.startswith(f"{source}:") for line in lines), result.stderr


def test_quiet_check_of_a_good_source_prints_nothing() -> None:
    result = run_cli("check", "-q")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_a_style_offence_written_as_an_escape_is_named_at_its_value() -> None:
    """The source may spell a character as a YAML escape (\\u2014): the value's start is then the place."""
    anchor = '\n  limit_small_beta: "'
    at = TEXT.index(anchor) + len(anchor)
    text = TEXT[:at] + "one two three four \\u2014 five six seven eight " + TEXT[at:]
    line, column = _line_column(text, at - 1)
    assert _problems(text) == [
        f"l13.yaml:{line}:{column}: optimal_policy.limit_small_beta: [style] contains an em dash (U+2014) in "
        "'...two three four \u2014 five six seven...', expected a comma, colon or parentheses"]


def test_a_cheatsheet_overflow_lists_each_blocks_height_against_its_room() -> None:
    """A β row that grew pushes a later block off the page: the message names the block that fell off and
    lists every region's room and every block's height, so the tall block (here the β table) is found."""
    from l13_assets.builders.cheatsheet.page import draft
    from l13_assets.loader import parse

    risk = re.search(r'^(\s+risk: ")', TEXT, re.MULTILINE)
    assert risk
    longer = TEXT.replace(risk.group(0), risk.group(0) + "A much longer risk, told at length. " * 14, 1)
    lesson = parse(longer.encode("utf-8"), "source/l13.yaml").lesson
    good, grown = draft(parse(TEXT.encode("utf-8"), "l13.yaml").lesson, ["a4"])[0], draft(lesson, ["a4"])[0]
    assert grown.overflow and not good.overflow

    def height(layout: str, block: str) -> float:
        found = re.search(rf"\b{block} (\d+)", layout)
        assert found, layout
        return float(found.group(1))

    assert height(grown.layout, "beta_table") > height(good.layout, "beta_table")
    problems = check_lines_of_build(longer)
    first = grown.overflow[0]
    line = TEXT.splitlines().index(f"{first}:") + 1
    later = (f"; after it, {', '.join(repr(b) for b in grown.overflow[1:])} had no room either"
             if len(grown.overflow) > 1 else "")
    assert problems[0] == (
        f"source/l13.yaml:{line}:1: {first}: the cheatsheet's block '{first}' does not fit on the one a4 page "
        f"({grown.stop}){later}; expected shorter text in the source, in it or in a block before it (blocks flow "
        "in order, so an earlier one that grew pushes it off): the sheet is never shrunk to fit; heights in pt "
        f"by region: {grown.layout}")


def check_lines_of_build(text: str) -> list[str]:
    from l13_assets.builders import Context, cheatsheet
    from l13_assets.errors import UserError
    from l13_assets.loader import parse

    try:
        cheatsheet.build(Context.of(parse(text.encode("utf-8"), "source/l13.yaml"), SOURCE, papers=("a4",)))
    except UserError as error:
        return [str(p) for p in error.problems]
    return []
