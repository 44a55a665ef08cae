"""The deck's note history: when each note and note type last changed, kept beside the source.

Anki updates a learner's note on import only if the incoming modification time is newer than theirs; a
build must therefore move a note's time forward exactly when its content changes, and otherwise repeat
it so the same source gives the same bytes. ``source/l13.notes.json`` (committed, like a lock file) records
for each note's stable id the sha256 of its content and its modification time, and for each note type its
name, the hash of its field names and template names (``fields``: what an import can never change in a
learner's collection), the hash of everything including template text and CSS (``content``: what an import
updates when the time is newer, tested with Anki itself) and its modification time.

Format 1 recorded, instead of ``fields``, one hash of field names and template text (``structure``). Such
a file is read, its hash still guards the fields (see ``_check``), and it is written back as format 2: the
note types this build makes get format 2 entries; an entry of a note type no longer built is kept as it was.

Entries of notes that are no longer built are kept: if such a note returns, its time still moves past the
one learners have. A renamed note's entries say so (``renamed_to``; ``renamed_from`` and ``identity``, the id
its GUID comes from: see ``note_ids``). The file is rewritten only when something in it changes.

Times never go backwards: a build without the file (deleted, or a source copied without it) would give every
note the current time, older than learners' copies when SOURCE_DATE_EPOCH is behind, and Anki would then
drop every later edit. So a missing history is refused unless the author asks for a fresh one
(``build --new-history``), and a history holding a time later than the one this build would give is refused
when the build has something to stamp (``check_clock``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError

_OPTIONAL_TEXT = ("renamed_to", "renamed_from", "identity")  # set on renamed notes' entries

FORMAT = 2
READABLE_FORMATS = (1, 2)


@dataclass(frozen=True)
class NoteTypeState:
    name: str
    fields: str  # sha256 of the field names and the template names
    layout: str  # sha256 of the field names and the templates' text (format 1's "structure")
    content: str  # sha256 of the layout and the CSS


@dataclass
class History:
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # stable id -> {"sha256", "mod"}
    note_types: dict[str, dict[str, Any]] = field(default_factory=dict)  # str(id) -> {name, fields, ...}

    def dumps(self) -> bytes:
        record = {"format": FORMAT,
                  "about": "Note history of the Anki deck: written by l13-assets build, commit it with the source.",
                  "note_types": self.note_types, "notes": self.notes}
        return (json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse(raw: bytes | None, path: Path) -> History:
    """The recorded history from the file's bytes (read once, by the pipeline); empty when there is no file.
    ``path`` names the file in messages."""
    if raw is None:
        return History()
    try:
        record = json.loads(raw)
        if record.get("format") not in READABLE_FORMATS:
            raise ValueError(f"format {record.get('format')!r}, expected {FORMAT} (or 1, which is upgraded)")
        notes, types = record["notes"], record["note_types"]
        for entry in [*notes.values(), *types.values()]:
            if not isinstance(entry["mod"], int):
                raise ValueError("a mod that is not a whole number of seconds")
        for entry in notes.values():
            if not isinstance(entry["sha256"], str):
                raise ValueError("a note without the hash of its content")
            if not all(isinstance(entry.get(key, ""), str) for key in _OPTIONAL_TEXT):
                raise ValueError("a rename that does not name an id")
        for entry in types.values():
            hashes = [entry.get("fields", entry.get("structure")), entry.get("content"), entry.get("name")]
            if not all(isinstance(h, str) for h in hashes):
                raise ValueError("a note type without its name and the hashes of its fields and content")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise UserError.plain(str(path), f"the note history is not valid ({error}); expected the file a build "
                              "writes. Restore it from version control: deleting it would stop learners' "
                              "Anki from taking edits to notes whose text changes later") from None
    return History(dict(notes), dict(types))


def require(recorded: bytes | None, new_history: bool, path: Path) -> None:
    """Refuse a build without a note history unless a fresh one is asked for, and a fresh one over a history."""
    if recorded is None and not new_history:
        raise UserError.plain(str(path), (
            "the deck's note history is missing, expected the file an earlier build wrote beside the source. "
            "If the source was copied or the file deleted, restore it (git checkout -- the file, or copy it with "
            "the source): without it every note would get a new time, older than learners' copies if the clock "
            "or SOURCE_DATE_EPOCH is behind, and Anki would drop later edits. Only for a deck never released: "
            "build --new-history"))
    if recorded is not None and new_history:
        raise UserError.plain(str(path), (
            "--new-history starts a note history where there is none, but this one exists; expected a build "
            "without --new-history (a fresh history would restart the times learners' notes carry)"))


def check_clock(history: History, now: int, stamps: bool, path: str) -> None:
    """Refuse to stamp notes with a time before the latest the history holds: a clock or SOURCE_DATE_EPOCH
    behind the last release (say an older commit's time) would give new notes times older than it."""
    recorded = [(entry["mod"], f"note '{key}'") for key, entry in history.notes.items()]
    recorded += [(entry["mod"], f"note type '{entry['name']}'") for entry in history.note_types.values()]
    if not stamps or not recorded or max(recorded)[0] <= now:
        return
    latest, what = max(recorded)
    raise UserError.plain(path, (
        f"the note history holds time {latest} ({_utc(latest)}, {what}), later than {now} ({_utc(now)}), the time "
        "this build would give changed notes (SOURCE_DATE_EPOCH or the clock); expected a time at or after the "
        "history's: set SOURCE_DATE_EPOCH to the time of the commit being built (git log -1 --format=%ct), or "
        f"to {latest} if that history time is right, or fix the clock"))


def _utc(seconds: int) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def stamp(history: History, notes: dict[str, str], note_types: dict[int, NoteTypeState], now: int,
          history_file: str) -> tuple[dict[str, int], dict[int, int], History]:
    """Modification times for the notes (stable id -> content hash) and note types of this build.

    Unchanged: the recorded time. New or changed: ``max(now, recorded + 1)``, so the time moves forward
    also when ``now`` equals it; a ``now`` behind the history is refused (``check_clock``).
    """
    updated = History({k: dict(v) for k, v in history.notes.items()},
                      {k: dict(v) for k, v in history.note_types.items()})
    note_mods: dict[str, int] = {}
    for stable_id, content in notes.items():
        old = history.notes.get(stable_id)
        if old is not None and old["sha256"] == content:
            note_mods[stable_id] = old["mod"]
            continue
        mod = max(now, old["mod"] + 1) if old else now
        updated.notes[stable_id] = {**(old or {}), "sha256": content, "mod": mod}
        note_mods[stable_id] = mod
    type_mods: dict[int, int] = {}
    for type_id, state in note_types.items():
        old = history.note_types.get(str(type_id))
        if old is None:
            mod = now
        else:
            _check(type_id, state, old, history_file)
            unchanged = old["content"] == state.content and old["name"] == state.name
            mod = old["mod"] if unchanged else max(now, old["mod"] + 1)
        updated.note_types[str(type_id)] = {"name": state.name, "fields": state.fields, "content": state.content,
                                            "mod": mod}
        type_mods[type_id] = mod
    stamps = [history.notes.get(k, {}).get("mod") != m for k, m in note_mods.items()]
    stamps += [history.note_types.get(str(k), {}).get("mod") != m for k, m in type_mods.items()]
    check_clock(history, now, any(stamps), history_file)
    return note_mods, type_mods, updated


def _check(type_id: int, state: NoteTypeState, old: dict[str, Any], history_file: str) -> None:
    """Fail when a note type's fields changed under its id; new template text or CSS is an update.

    Failing here, rather than bumping the id automatically: a note type id is part of the published deck,
    like a note's GUID. A hash-derived id would flip back on a revert (to an id learners already have with
    a newer time, so the revert would be dropped), and a silent bump gives learners a second note type
    without the changelog line that tells them to import with "merge note types". A person picks the new
    id and writes that line."""
    if "fields" in old:
        if old["fields"] == state.fields:
            return
        changed, legacy = "its fields or the names or number of its card templates", ""
    else:  # format 1: one hash of the fields and the templates' text, so a text edit cannot be told apart
        if old["structure"] == state.layout:
            return
        changed = "its fields or card templates"
        legacy = (" (the history is format 1, which cannot tell a new template text from new fields: if only the"
                  " text changed, build once with the previous templates to record format 2, then again)")
    raise UserError.plain(history_file, (
        f"note type '{state.name}' (id {type_id}) changed {changed} since the recorded history{legacy}; under "
        f"the same id Anki keeps learners' old fields, so new fields would never appear. Give it a new id in "
        f"l13_assets/builders/deck.py (NOTE_TYPES), add a line to meta.changes telling learners to import with "
        f"'merge note types', and build again"))
