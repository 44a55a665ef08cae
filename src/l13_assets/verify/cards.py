"""Concept cards are atomic: each answer states one fact in at most ``MAX_ANSWER_WORDS`` words.

The count is taken on the answer as a learner reads it (every ``[[entry.field]]`` replaced by its number),
one word per run of non-space characters; display formulas shown under the answer are not counted. One
fact per card: a longer answer fails at its own line, so it is split into two cards, not cut.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..lesson_text import entries_by_id, expand
from ..model import MAX_ANSWER_WORDS, Lesson
from .facts import Fact


def answer_words(text: str) -> int:
    return len(text.split())


def run(lesson: Lesson) -> Iterator[Fact]:
    entries = entries_by_id(lesson)
    for i, note in enumerate(lesson.flashcards):
        for j, card in enumerate(note.cards):
            words = answer_words(expand(card.back, entries))
            path = ("flashcards", i, "cards", j, "back")
            claim = f"{note.id} slot {card.slot}: {words} words"
            detail = "" if words <= MAX_ANSWER_WORDS else (
                f"the answer has {words} words, expected at most {MAX_ANSWER_WORDS} (one fact per card: split it "
                "into two cards with their own slots)")
            yield Fact("card", path, claim, f"at most {MAX_ANSWER_WORDS} words", not detail, detail)
