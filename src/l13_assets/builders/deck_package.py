"""Write an .apkg with genanki, each note at its own modification time, as byte-identical zip bytes.

genanki's ``Package.write_to_file`` stamps every note, card and note type with one timestamp and zips a
temporary database with the current date and media in set order. Here genanki fills the database
(``write_to_db``), the modification times are then set per note and per note type, and the zip is written
with a fixed entry date, fixed attributes and the media in sorted name order.
"""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


@dataclass(frozen=True)
class DeckSpec:
    id: int
    name: str
    description: str


@dataclass(frozen=True)
class NoteSpec:
    stable_id: str
    guid: str
    note_type: int
    deck: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    due: int  # position among the new cards: lesson order


def write_apkg(decks: list[DeckSpec], models: dict[int, Any], notes: list[NoteSpec], note_mods: dict[str, int],
               type_mods: dict[int, int], media: dict[str, bytes]) -> bytes:
    import genanki

    by_id = {d.id: genanki.Deck(d.id, d.name, d.description) for d in decks}
    for note in notes:
        by_id[note.deck].add_note(genanki.Note(model=models[note.note_type], fields=list(note.fields),
                                               tags=list(note.tags), guid=note.guid, due=note.due))
    # Note and card ids are creation times in ms; counting up from the newest modification time keeps them
    # stable for a given history. Anki matches notes by GUID and cards by note and ordinal, not by these ids.
    base = max([*note_mods.values(), *type_mods.values()])
    with tempfile.TemporaryDirectory(prefix="l13-deck-") as folder:
        path = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(path)
        try:
            cursor = connection.cursor()
            genanki.Package(list(by_id.values())).write_to_db(cursor, base, itertools.count(base * 1000))
            cursor.executemany("UPDATE notes SET mod = ? WHERE guid = ?",
                               [(note_mods[n.stable_id], n.guid) for n in notes])
            cursor.execute("UPDATE cards SET mod = (SELECT notes.mod FROM notes WHERE notes.id = cards.nid)")
            (raw_models,) = cursor.execute("SELECT models FROM col").fetchone()
            stored = json.loads(raw_models)
            for type_id, mod in type_mods.items():
                stored[str(type_id)]["mod"] = mod
            cursor.execute("UPDATE col SET models = ?", (json.dumps(stored, sort_keys=True),))
            connection.commit()
        finally:
            connection.close()
        database = path.read_bytes()
    return zip_package(database, media)


def zip_package(database: bytes, media: dict[str, bytes]) -> bytes:
    names = sorted(media)
    entries = [("collection.anki2", database),
               ("media", json.dumps({str(i): name for i, name in enumerate(names)}).encode())]
    entries += [(str(i), media[name]) for i, name in enumerate(names)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, on every platform
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()
