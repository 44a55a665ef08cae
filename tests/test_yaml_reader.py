"""The YAML reader (``yaml_reader.py``): plain data with the line and column of every key and value, numbers
as written, and one located problem for what a source of facts must never hold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from l13_assets.yaml_reader import MAX_NODES, dotted, read_yaml


def _read(text: str) -> tuple[object, list[str]]:
    located, problems = read_yaml(text.encode("utf-8"), "f.yaml")
    return (located.data if located else None), [str(p) for p in problems]


def test_keys_and_values_are_located_one_based_and_numbers_keep_their_written_decimals() -> None:
    text = 'top:\n  list:\n    - x: 0.4000\n      y: "tail \u2014 here"\n'
    located, problems = read_yaml(text.encode(), "f.yaml")
    assert problems == [] and located is not None
    assert located.data == {"top": {"list": ({"x": Decimal("0.4000"), "y": "tail \u2014 here"},)}}
    assert str(located.data["top"]["list"][0]["x"]) == "0.4000"
    assert located.keys[("top", "list", 0, "x")] == (3, 7)
    assert located.values[("top", "list", 0, "x")] == (3, 10)
    assert located.inside(("top", "list", 0, "y"), "\u2014", 0) == (4, 16), "the dash itself, not the value's start"
    assert located.position(("top", "list", 0, "missing")) == (3, 7), "a missing key: where its mapping is"


# No deadline: a busy machine must not fail a test that is about positions, not speed.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True),
                       st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False), min_size=1))
def test_every_value_is_located_where_its_text_starts(numbers: dict[str, Decimal]) -> None:
    text = "\n".join(f"k{i}:\n  {key}: {value}" for i, (key, value) in enumerate(numbers.items())) + "\n"
    located, problems = read_yaml(text.encode(), "f.yaml")
    assert problems == [] and located is not None
    rows = text.split("\n")
    for i, (key, value) in enumerate(numbers.items()):
        line, column = located.values[(f"k{i}", key)]
        assert rows[line - 1][column - 1:] == str(value)
        assert located.data[f"k{i}"][key] == value


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 1\nb: 2\na: 3\n", "f.yaml:3:1: a: duplicate key (first at line 1), expected each key once"),
    ("a: !!python/object:os.system x\n",
     "f.yaml:1:4: a: tag !!python/object:os.system is not allowed, expected plain YAML without tags"),
    ("a: .nan\n", "f.yaml:1:4: a: .nan is not a finite number, expected a number such as 0.5"),
    ("a:\n\tb: 1\n", "f.yaml:2:1: YAML syntax error: a tab, expected spaces to indent (YAML does not allow tabs "
     "there)"),
    ('a: "open\nb: 2\nc: 3\n', 'f.yaml:1:4: YAML syntax error: the string opened by " here is never closed, '
     'expected a closing " at the end of the string'),
    ("", "f.yaml:1:1: the file is empty, expected a mapping of the lesson's sections"),
], ids=["duplicate key", "tag", "NaN", "tab", "unclosed quote", "empty"])
def test_what_a_source_must_not_hold_is_one_located_line(text: str, expected: str) -> None:
    assert _read(text)[1] == [expected]


def test_bytes_that_are_not_utf8_are_located_at_the_byte() -> None:
    located, problems = read_yaml(b"a: 1\nb: caf\xe9\n", "f.yaml")
    assert located is None
    assert [str(p) for p in problems] == ["f.yaml:2:7: byte 0xe9 is not UTF-8, expected a UTF-8 text file"]


def test_aliases_that_expand_without_end_stop_at_the_bound() -> None:
    rows = ["a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for name, previous in zip("bcde", "abcd", strict=True):
        rows.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")
    data, problems = _read("\n".join(rows) + "\n")
    assert data is None and len(problems) == 1
    assert problems[0].endswith(f"aliases expand to more than {MAX_NODES:,} values, expected a small file")


def test_a_path_reads_as_the_source_writes_it() -> None:
    assert dotted(("flashcards", 2, "cards", 0, "back")) == "flashcards[2].cards[0].back"
    assert dotted(()) == ""
