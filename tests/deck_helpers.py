"""Helpers for the deck tests: build a deck as the pipeline does, and import it into a real Anki collection."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from l13_assets.builders import Context, deck
from l13_assets.loader import load
from l13_assets.model import Lesson

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "l13.yaml"
HISTORY = SOURCE.with_name("l13.notes.json")

# The figures module remembers its renders per lesson value, so the deck tests draw each lesson's figures once.


def copy_source(folder: Path, *, with_history: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "l13.yaml"
    shutil.copyfile(SOURCE, target)
    if with_history:
        shutil.copyfile(HISTORY, folder / HISTORY.name)
    return target


@dataclass
class Built:
    apkg: Path
    data: bytes
    history_written: bool


def build(source: Path, out: Path | None = None) -> Built:
    """Run the deck builder and write its outputs as the pipeline's writer does (history beside the source).
    A source without a history is a first build here (as with ``build --new-history``)."""
    fresh = not source.with_name(HISTORY.name).exists()
    built = deck.build(Context.of(load(source), source, new_history=fresh))
    out = out or source.parent / "build"
    out.mkdir(parents=True, exist_ok=True)
    written = False
    apkg = out / deck.APKG
    if built.history is not None:
        source.with_name(HISTORY.name).write_bytes(built.history)
        written = True
    for output in built.files:
        (out / output.path).write_bytes(output.data)
    return Built(apkg, apkg.read_bytes(), written)


def edit_source(source: Path, old: str, new: str) -> None:
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"expected exactly one {old!r} in the source"
    source.write_text(text.replace(old, new), encoding="utf-8")


@contextmanager
def collection(folder: Path) -> Iterator[Any]:
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    try:
        yield col
    finally:
        col.close()


def import_apkg(col: Any, apkg: Path) -> Any:
    """Import as a learner does with Anki's defaults: notes and note types updated only if newer, note types
    not merged (merging would hide a note type whose fields changed under its id)."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Condition

    newer = Condition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(merge_notetypes=False, update_notes=newer, update_notetypes=newer)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options)).log


def notes_by_stable_id(col: Any, stable_ids: list[str]) -> dict[str, Any]:
    by_guid = {deck.guid(i): i for i in stable_ids}
    notes = [col.get_note(nid) for nid in col.find_notes("")]
    return {by_guid[n.guid]: n for n in notes if n.guid in by_guid}


def schedule_state(col: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Everything that records a learner's progress: card scheduling and the review log."""
    cards = col.db.all("SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left, odue, "
                       "odid, flags, data FROM cards ORDER BY id")
    revlog = col.db.all("SELECT * FROM revlog ORDER BY id")
    return {"cards": [tuple(c) for c in cards], "revlog": [tuple(r) for r in revlog]}


def answer_new_cards(col: Any, deck_name: str, count: int) -> list[int]:
    """Study ``count`` cards of a deck with the real scheduler, answering 'good'."""
    from anki.scheduler.v3 import CardAnswer

    col.decks.select(col.decks.id_for_name(deck_name))
    answered = []
    for _ in range(count):
        queued = col.sched.get_queued_cards(fetch_limit=1)
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=CardAnswer.GOOD))
        answered.append(card.id)
    return answered


_TAG = re.compile(r"<[^>]+>")
_STYLE = re.compile(r"<style>.*?</style>", re.S)
_MATH = re.compile(r"\\\(.*?\\\)|\\\[.*?\\\]", re.S)


def visible_text(card_html: str) -> str:
    """What a learner reads, without CSS, tags and math."""
    text = _MATH.sub(" ", _STYLE.sub("", card_html))
    return html.unescape(_TAG.sub(" ", text))


def math_spans(card_html: str) -> list[str]:
    return _MATH.findall(_STYLE.sub("", card_html))


def default_lesson() -> Lesson:
    return load(SOURCE).lesson


def first_answer_edit() -> tuple[str, str, str]:
    """An author's edit of the first concept card's answer: its note's id, the source text before and after."""
    note = default_lesson().flashcards[0]
    old = f'back: "{note.cards[0].back}'
    return note.id, old, old + " (edited)"
