"""Concept notes give atomic cards: the released notes keep their identity and split into one fact per card."""

from __future__ import annotations

import html
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders import deck
from l13_assets.errors import UserError
from l13_assets.lesson_text import entries_by_id, to_markup
from l13_assets.loader import load
from l13_assets.model import MAX_ANSWER_WORDS

from deck_helpers import build, collection, copy_source, default_lesson, edit_source, import_apkg, visible_text

RELEASED = Path(__file__).parent / "fixtures" / "l13-rlhf-1.0.1.apkg"
MIN_CARDS_FROM_RELEASED_NOTES = 15  # issue 13: at least 15 atomic cards from the brief's five notes


def released_concept_guids() -> set[str]:
    """The GUIDs of the concept notes learners have from release 1.0.1 (its concept note type's notes)."""
    with zipfile.ZipFile(RELEASED) as archive:
        data = archive.read("collection.anki2")
    path = Path(tempfile.mkdtemp()) / "released.anki2"
    path.write_bytes(data)
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT guid, tags FROM notes").fetchall()
    finally:
        connection.close()
    return {guid for guid, tags in rows if "l13-rlhf::concept" in tags.split()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Any:
    built = build(copy_source(tmp_path_factory.mktemp("deck")))
    with collection(tmp_path_factory.mktemp("anki")) as col:
        import_apkg(col, built.apkg)
        yield col


def concept_notes(col: Any) -> dict[str, Any]:
    by_guid = {deck.guid(note.id): note.id for note in default_lesson().flashcards}
    notes = [col.get_note(nid) for nid in col.find_notes("tag:l13-rlhf::concept")]
    return {by_guid[n.guid]: n for n in notes}


def test_the_released_concept_notes_keep_their_ids_and_give_at_least_15_cards(imported: Any) -> None:
    released = released_concept_guids()
    assert len(released) == 5  # the brief's five flashcards
    notes = concept_notes(imported)
    kept = {stable_id: note for stable_id, note in notes.items() if note.guid in released}
    assert len(kept) == len(released), "every released concept note is still built, under the same GUID"
    cards = [card for note in kept.values() for card in note.cards()]
    assert len(cards) >= MIN_CARDS_FROM_RELEASED_NOTES
    assert all(len(note.cards()) >= 2 for note in kept.values())


def answer_text(back_field: str) -> str:
    """The answer a learner reads on one card: the field's first block, without formulas and figure (a
    subscript is part of its word: π<sub>SFT</sub> reads as one)."""
    first = re.match(r"\s*<div>(.*?)</div>", back_field, flags=re.S)
    assert first, back_field[:100]
    return visible_text(re.sub(r"</?su[bp]>", "", first.group(1)))


def test_each_card_asks_one_question_and_answers_in_at_most_about_20_words(imported: Any) -> None:
    assert MAX_ANSWER_WORDS <= 20
    checked = 0
    for stable_id, note in concept_notes(imported).items():
        for card in note.cards():
            slot = card.ord + 1
            front = visible_text(html.unescape(note[f"Front {slot}"]))
            assert front.count("?") == 1 and front.rstrip().endswith("?"), (stable_id, slot, front)
            words = answer_text(note[f"Back {slot}"]).split()
            assert 1 <= len(words) <= MAX_ANSWER_WORDS, (stable_id, slot, len(words))
            assert visible_text(note[f"Source {slot}"]).startswith("Source"), (stable_id, slot)
            checked += 1
    assert checked == sum(len(n.cards) for n in default_lesson().flashcards)


def test_free_slots_make_no_card_and_each_slot_keeps_its_place(imported: Any) -> None:
    notes = concept_notes(imported)
    lesson = default_lesson()
    entries = entries_by_id(lesson)
    for note in lesson.flashcards:
        assert sorted(c.ord + 1 for c in notes[note.id].cards()) == sorted(c.slot for c in note.cards)
        for card in note.cards:
            assert notes[note.id][f"Front {card.slot}"] == to_markup(card.front, entries)


def test_the_concept_note_type_is_new_and_the_old_one_is_not_built() -> None:
    models, _ = deck.note_types()
    concept = deck.NOTE_TYPES["concept"]
    assert concept.id != 1606180261 and concept.id in models  # 1.0.1's one-card concept type
    assert len(models[concept.id].templates) == deck.MAX_CARDS_PER_NOTE


def long_answer_source(tmp_path: Path) -> Path:
    source = copy_source(tmp_path)
    first = default_lesson().flashcards[0].cards[0].back
    edit_source(source, f'back: "{first}"', f'back: "{first} {" ".join(["more"] * MAX_ANSWER_WORDS)}"')
    return source


def test_a_long_answer_fails_check_at_its_line(tmp_path: Path) -> None:
    source = long_answer_source(tmp_path)
    line = next(i for i, text in enumerate(source.read_text().splitlines(), 1) if "more more" in text)
    result = subprocess.run([sys.executable, "-m", "l13_assets", "check", "--source", str(source), "-q"],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    problems = [p for p in (result.stdout + result.stderr).splitlines() if "[card]" in p]
    assert len(problems) == 1
    assert problems[0].startswith(f"{source}:{line}:") and "flashcards[0].cards[0].back" in problems[0]
    assert f"expected at most {MAX_ANSWER_WORDS}" in problems[0]


def test_a_slot_used_twice_is_a_located_schema_error(tmp_path: Path) -> None:
    source = copy_source(tmp_path)
    text = source.read_text()
    second = text.index("      - slot: 2\n")
    source.write_text(text[:second] + "      - slot: 1\n" + text[second + len("      - slot: 2\n"):])
    with pytest.raises(UserError) as caught:
        load(source)
    [problem] = caught.value.problems
    edited = next(i for i, note in enumerate(default_lesson().flashcards) if any(c.slot == 2 for c in note.cards))
    assert f"flashcards[{edited}]" in str(problem) and "slot 1 is used twice" in str(problem)


def test_drills_that_need_a_calculator_say_so_and_what_for(imported: Any) -> None:
    # A β-limit share is a fraction of π_SFT; every other drill takes a power of e, a logarithm or a root.
    for nid in imported.find_notes("tag:l13-rlhf::drill"):
        note = imported.get_note(nid)
        question = visible_text(note["Question"])
        fraction = "tend to" in question and "in nats" not in question
        says = re.search(r"A calculator is needed \((.+?)\)\.", question)
        assert (says is None) == fraction, question[:120]
        if says:
            assert re.search(r"power|logarithm|square root", says.group(1))
