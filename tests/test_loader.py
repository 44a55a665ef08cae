"""Loading the source: every bad input is one located line per problem, never a crash or a silent pass."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from l13_assets.errors import UserError
from l13_assets.loader import load, parse
from support import REPO, SOURCE, run_cli

DATA = REPO / "tests" / "data"

# Whole small files that are not valid lesson YAML, and the exact line each must produce.
BAD_FILES = {
    "yaml_syntax.yaml": '3:10: YAML syntax error: the string opened by " here is never closed, expected a closing " '
                        "at the end of the string",
    "duplicate_key.yaml": "3:3: meta.lesson: duplicate key (first at line 2), expected each key once",
    "python_tag.yaml": "1:7: meta: tag !!python/object/apply:os.system is not allowed, "
                       "expected plain YAML without tags",
    "nan.yaml": "2:8: examples[0].z: .nan is not a finite number, expected a number such as 0.5",
    "infinity.yaml": "2:8: examples[0].z: .inf is not a finite number, expected a number such as 0.5",
    "non_utf8.yaml": "2:14: byte 0xe9 is not UTF-8, expected a UTF-8 text file",
    "alias_bomb.yaml": "aliases expand to more than 100,000 values, expected a small file",
    "empty.yaml": "1:1: the file is empty, expected a mapping of the lesson's sections",
    "not_mapping.yaml": "1:1: the file is not a mapping, expected keys such as meta and examples",
    "merge_key.yaml": "2:3: meta: merge keys (<<) are not supported, expected the keys written out",
    "deep_nesting.yaml": "nesting is too deep, expected at most 64 levels",
    "tab_indentation.yaml": "2:1: YAML syntax error: a tab, expected spaces to indent (YAML does not allow tabs "
                            "there)",
    "control_character.yaml": "2:12: character U+0001 is not allowed (control characters are not allowed), "
                              "expected printable text",
}


def test_real_source_loads() -> None:
    source = load(SOURCE)
    lesson = source.lesson
    assert [e.id for e in lesson.examples] == ["worked-example", "practice-problem"]
    assert len(lesson.flashcards) >= 5  # the brief's five concept notes, and more
    labels = [f.label for f in lesson.findings if f.label is not None]
    assert labels == sorted(labels) and len(labels) == len(set(labels)), "the brief's findings keep their labels"
    assert str(lesson.examples[0].weights[1]) == "0.4000", "stated precision is kept"


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gives_one_located_line(name: str) -> None:
    with pytest.raises(UserError) as caught:
        load(DATA / name, display=name)
    lines = [str(p) for p in caught.value.problems]
    assert len(lines) == 1
    assert lines[0].startswith(name + ":")
    assert lines[0].endswith(BAD_FILES[name])


def test_every_bad_file_has_an_expectation() -> None:
    assert {p.name for p in DATA.glob("*.yaml")} == set(BAD_FILES)


def _edits() -> list[Path]:
    return sorted(DATA.glob("edit_*.json"))


@pytest.mark.parametrize("path", _edits(), ids=lambda p: p.stem)
def test_bad_edit_of_the_real_source(path: Path) -> None:
    """One edit of the real source per kind of bad input; the messages are compared exactly."""
    case = json.loads(path.read_text(encoding="utf-8"))
    text = SOURCE.read_text(encoding="utf-8")
    assert case["find"] in text, f"{path.name}: its `find` text is no longer in the source"
    line = text[: text.index(case["find"])].count("\n") + 1
    edited = text.replace(case["find"], case["replace"], 1)

    def line_of(match: re.Match[str]) -> str:
        return str(text[: text.index(match.group(1) + "\n")].count("\n") + 1)

    def where(offset: int | str) -> int:  # lines after the edit, or the line of a text (no pinned distances)
        return line + offset if isinstance(offset, int) else text[: text.index(offset)].count("\n") + 1

    def at_the_edit(message: str) -> str:  # {flashcard} and {card}: the indices of the edited card (not pinned)
        before = text[text.find("\nflashcards:\n"):text.index(case["find"])]
        entry = before[before.rfind("\n  - id: "):]
        return message.replace("{flashcard}", str(before.count("\n  - id: ") - 1)).replace(
            "{card}", str(entry.count("\n      - slot: ") - 1))

    expected = [f"l13.yaml:{where(offset)}:{column}: "
                + at_the_edit(re.sub(r"\{line_of:([^}]*)\}", line_of, message))
                for offset, column, message in case["expect"]]
    with pytest.raises(UserError) as caught:
        parse(edited.encode("utf-8"), "l13.yaml")
    assert [str(p) for p in caught.value.problems] == expected


def test_all_problems_are_reported_at_once() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    text = text.replace("    z: 4.8334\n", "    zz: 4.8334\n").replace("    beta: 0.5\n", "    beta: -1\n", 1)
    with pytest.raises(UserError) as caught:
        parse(text.encode(), "l13.yaml")
    paths = [p.path for p in caught.value.problems]
    assert {"examples[0].zz", "examples[0].z", "examples[0].beta"} <= set(paths)


@pytest.mark.parametrize("name", ["python_tag.yaml", "duplicate_key.yaml", "non_utf8.yaml", "alias_bomb.yaml"])
def test_cli_bad_input_exit_1_no_traceback_output_untouched(name: str, tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    (out / "manifest.json").write_text('{"tool": {"name": "l13-assets"}, "previous": true}\n')
    (out / "l13-rlhf.apkg").write_bytes(b"previous deck")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run_cli("build", "--source", str(DATA / name), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    problem_lines = [line for line in result.stderr.splitlines() if line.startswith(str(DATA / name) + ":")]
    assert len(problem_lines) == 1, result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".build.staging*"))


@pytest.mark.parametrize(("old", "new", "path"), [
    ("sources: [ouyang-2022]", "sources: [ouyang-2O22]", "pipeline[0].sources[0]"),
    ("max_value: 0.7878", "max_value: '0.78 78'", "examples[0].max_value"),
])
def test_a_bad_item_deep_in_a_list_is_one_problem_not_also_a_short_list(old: str, new: str, path: str) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(UserError) as caught:
        parse(text.replace(old, new, 1).encode("utf-8"), "l13.yaml")
    assert [p.path for p in caught.value.problems] == [path]


def test_a_number_yaml_reads_as_text_gets_a_hint() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    with pytest.raises(UserError) as caught:
        parse(text.replace("    z: 4.8334\n", "    z: 4.8334e0\n", 1).encode("utf-8"), "l13.yaml")
    (problem,) = caught.value.problems
    assert problem.message == ("got the text '4.8334e0', expected a number (YAML reads an exponent without a dot "
                               "and a sign as text: write 1.0e+308, or plain digits)")
