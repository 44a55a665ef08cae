"""Every card of a built deck as Anki shows it: the deck imported into a scratch collection of the real Anki
backend, each card's question and answer HTML from it, the type-in field replaced as the reviewer does.

Anki's template language (conditionals, {{type:}}, the CSS it prepends, media names) is rendered by Anki itself,
so the preview shows what a learner's Anki shows, not our reading of Anki's rules.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import reviewer


@dataclass(frozen=True)
class Side:
    name: str  # "front", "back" (the right answer typed), "back-mistyped" (a wrong one typed)
    html: str


@dataclass(frozen=True)
class Card:
    key: str  # the note's stable id from the deck's note history (its GUID if the history lacks it), and for
    # a note type of several card templates the card's number: "card-variants/3" is Card 3 of card-variants
    deck: str  # e.g. "L13 RLHF::Drills"
    note_type: str
    ord: int
    sides: tuple[Side, ...]


@dataclass(frozen=True)
class Deck:
    cards: list[Card]
    media: dict[str, bytes]  # file name -> bytes, as the collection's media folder holds them


def read(apkg: bytes, stable_ids: Iterable[str], guid: Callable[[str], str], *, mistyped: bool = False) -> Deck:
    """Import ``apkg`` into a new collection and render every card; ``mistyped`` adds, for each card with a
    type-in field, the back after a wrong answer (Anki's comparison then shows both strings)."""
    from anki.collection import Collection

    from ...writer import fail

    names = {guid(stable_id): stable_id for stable_id in stable_ids}
    with tempfile.TemporaryDirectory(prefix="l13-preview-") as folder:
        package = Path(folder) / "deck.apkg"
        try:  # Anki imports from a file: the one write a builder makes, into a scratch folder
            package.write_bytes(apkg)
        except OSError as error:
            raise fail(package.parent, error, "write a scratch copy of the deck for the preview") from None
        col = Collection(str(Path(folder) / "collection.anki2"))
        try:
            _import(col, package)
            shown = sorted((col.get_card(card_id) for card_id in col.find_cards("")),
                           key=lambda card: (col.decks.name(card.did), card.due, card.ord))  # lesson order
            cards = [_card(col, card, names, mistyped) for card in shown]
            media_dir = Path(col.media.dir())
            media = {p.name: p.read_bytes() for p in sorted(media_dir.iterdir()) if p.is_file()}
        finally:
            col.close()
    return Deck(cards, media)


def _import(col: Any, package: Path) -> None:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package),
                                                     options=ImportAnkiPackageOptions()))


def _card(col: Any, card: Any, names: dict[str, str], mistyped: bool) -> Card:
    note = card.note()
    fields = {f["name"]: (note[f["name"]], f["font"], int(f["size"])) for f in card.note_type()["flds"]}
    question = col.media.escape_media_filenames(card.question())
    answer = col.media.escape_media_filenames(card.answer())
    field = reviewer.type_field(question, fields)
    sides = [Side("front", reviewer.question_with_input(question, field)),
             Side("back", _back(col, answer, field, field.expected if field else ""))]
    if mistyped and field is not None and field.expected:
        sides.append(Side("back-mistyped", _back(col, answer, field, wrong_answer(field.expected))))
    key = names.get(note.guid, note.guid)
    if len(card.note_type()["tmpls"]) > 1:
        key = f"{key}/{card.ord + 1}"
    return Card(key, col.decks.name(card.did), card.note_type()["name"], card.ord, tuple(sides))


def _back(col: Any, answer: str, field: reviewer.TypeField | None, typed: str) -> str:
    comparison = col.compare_answer(field.expected, typed, True) if field else ""
    return reviewer.answer_with_comparison(answer, field, comparison)


def wrong_answer(expected: str) -> str:
    """A plausible slip: the last digit one higher (9 becomes 0), or an extra character without a digit."""
    for index in range(len(expected) - 1, -1, -1):
        if expected[index].isdigit():
            return expected[:index] + str((int(expected[index]) + 1) % 10) + expected[index + 1:]
    return expected + "x"
