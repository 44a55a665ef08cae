"""Renames and retirements declared in the source: what the source alone shows wrong, found by check."""

from __future__ import annotations

import pytest

from l13_assets.errors import UserError
from l13_assets.loader import load, parse

from deck_helpers import SOURCE


def problems_of(text: str) -> list[str]:
    with pytest.raises(UserError) as caught:
        parse(text.encode(), "l13.yaml")
    return [str(p) for p in caught.value.problems]


def with_declarations(rename_to: str, retired: list[str]) -> tuple[str, int]:
    """The source with a renamed_from on its first flashcard and a retired list; the renamed_from line."""
    loaded = load(SOURCE)
    line, column = loaded.located.position(("flashcards", 0, "id"))
    lines = SOURCE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line, " " * (column - 5) + f"renamed_from: {rename_to}\n")
    text = "".join(lines)
    if retired:
        text = text.rstrip("\n") + f"\n\nretired:\n  - ids: [{', '.join(retired)}]\n    reason: \"Gone.\"\n" \
                                   "    version: \"2.0.0\"\n"
    return text, line + 1


def test_a_renamed_from_that_is_still_in_use_is_located_at_the_declaration() -> None:
    lesson = load(SOURCE).lesson
    other = lesson.flashcards[-1].id
    text, line = with_declarations(other, [])
    (problem,) = problems_of(text)
    assert problem.startswith(f"l13.yaml:{line}:")
    assert f"flashcards[0].renamed_from: '{other}' is still the id of an entry" in problem


def test_a_retired_id_in_use_or_listed_twice_or_also_renamed_is_located() -> None:
    lesson = load(SOURCE).lesson
    in_use = lesson.findings[0].id
    text, _ = with_declarations("card-old-name", [in_use, "card-gone", "card-gone", "card-old-name"])
    found = problems_of(text)
    assert any(f"retired[0].ids[0]: '{in_use}' is retired but is still the id of an entry" in p for p in found)
    assert any("retired[0].ids[2]: 'card-gone' is retired twice" in p for p in found)
    assert any("flashcards[0].renamed_from: 'card-old-name' is also listed under retired" in p for p in found)
    assert all(p.startswith("l13.yaml:") and p.split(":")[1] != "0" for p in found), "every problem located"
