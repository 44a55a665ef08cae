"""Note identities across releases: renames and removals declared in the source, checked against the history.

A deck note's GUID comes from its entry's id, so a changed id would give learners a second note without
their reviews. The source therefore declares every change of the set of notes:

- ``renamed_from: old-id`` on the entry (any ``NoteEntry``: flashcards, findings, ...): the note keeps the
  GUID of ``old-id`` and its history entry. The note history records the move (``renamed_to`` on the old
  entry, ``renamed_from`` and ``identity``, the id the GUID comes from, on the new one), so the declaration
  may stay in the source or be dropped after the release, and the old id can never return as another note.
- ``retired:`` (ids, reason, version) for notes removed on purpose, drills included (a lower count or a
  removed kind): learners keep their copy, since Anki never deletes a note on import; the deck description
  and the README tell them what went.

A note in the history that this build does not make, and that is neither renamed nor retired, fails the
build with a located problem that suggests the declaration. This module reads only plain data (the history
as a dict), so the loader can use it without importing the builders.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from .errors import Problem, UserError
from .lesson_text import entries_by_id
from .model import Lesson, NoteEntry, walk
from .yaml_reader import Located, Path

Notes = dict[str, dict[str, Any]]  # the history's notes: stable id -> {"sha256", "mod", ...}


def note_entries(lesson: Lesson) -> dict[str, Path]:
    """Every source entry that becomes a note, by id, with its path in the source."""
    return {entry.id: path for path, entry in walk(lesson) if isinstance(entry, NoteEntry)}


def renames(lesson: Lesson) -> dict[str, tuple[str, Path]]:
    """new id -> (old id, path of the entry that declares it)."""
    found = {}
    for path, entry in walk(lesson):
        if isinstance(entry, NoteEntry) and entry.renamed_from is not None:
            found[entry.id] = (entry.renamed_from, path)
    return found


def retired_ids(lesson: Lesson) -> dict[str, Path]:
    return {note_id: ("retired", i, "ids", j) for i, item in enumerate(lesson.retired)
            for j, note_id in enumerate(item.ids)}


def source_problems(lesson: Lesson, located: Located) -> list[Problem]:
    """What the source alone shows wrong: an old id still in use, declared twice, or both renamed and retired."""
    in_use = set(entries_by_id(lesson))
    problems = []
    claimed: dict[str, str] = {}
    retired = retired_ids(lesson)
    for new, (old, path) in renames(lesson).items():
        where = (*path, "renamed_from")
        if old in in_use:
            problems.append(located.problem(where, f"'{old}' is still the id of an entry, expected the id this "
                                            "entry had before (no entry may keep it: its note moves here)"))
        elif old in claimed:
            problems.append(located.problem(where, f"'{old}' is also the renamed_from of '{claimed[old]}', expected "
                                            "one note to continue it"))
        elif old in retired:
            problems.append(located.problem(where, f"'{old}' is also listed under retired, expected either a "
                                            "rename (the note continues) or a retirement (it goes)"))
        claimed.setdefault(old, new)
    seen: set[str] = set()
    for note_id, path in retired.items():
        if note_id in in_use:
            problems.append(located.problem(path, f"'{note_id}' is retired but is still the id of an entry, "
                                            "expected the id of a note this release removes"))
        seen.add(note_id)
    for i, item in enumerate(lesson.retired):
        for j, note_id in enumerate(item.ids):
            if note_id in item.ids[:j] or any(note_id in other.ids for other in lesson.retired[:i]):
                problems.append(located.problem(("retired", i, "ids", j), f"'{note_id}' is retired twice, "
                                                "expected each id once"))
    return problems


def reconcile(lesson: Lesson, located: Located, recorded: Notes, built: Iterable[str], history_file: str) -> Notes:
    """The history's notes with this build's declared renames applied; a UserError for every undeclared
    change: a declaration that does not fit the history, a note that vanished, an old id used again."""
    notes = {k: dict(v) for k, v in recorded.items()}
    built = list(built)
    made = set(built)
    problems: list[Problem] = []
    for new, (old, path) in renames(lesson).items():
        problem = _apply_rename(notes, new, old, made, history_file)
        if problem:
            problems.append(located.problem((*path, "renamed_from"), problem))
    entries = note_entries(lesson)
    for note_id in built:
        moved = notes.get(note_id, {}).get("renamed_to")
        if moved is not None:
            problems.append(located.problem((*entries.get(note_id, ("drills",)), "id"), (
                f"'{note_id}' was renamed to '{moved}' by an earlier build ({history_file}): its GUID belongs to "
                "that note now, expected a new id")))
    retired = retired_ids(lesson)
    for note_id, path in retired.items():
        entry = notes.get(note_id)
        if note_id in made:
            problems.append(located.problem(path, f"'{note_id}' is retired but this build still makes it, "
                                            "expected the id of a note the deck no longer has"))
        elif entry is None:
            problems.append(located.problem(path, f"'{note_id}' is not in the note history {history_file}, "
                                            f"expected the id of a note an earlier build made{_hint(note_id, notes)}"))
        elif "renamed_to" in entry:
            problems.append(located.problem(path, f"'{note_id}' was renamed to '{entry['renamed_to']}', not "
                                            "removed, expected the id of a removed note"))
    gone = [k for k, v in notes.items() if k not in made and k not in retired and "renamed_to" not in v]
    fresh = [k for k in built if k not in notes and k in entries]
    problems += [_vanished(lesson, located, note_id, fresh, entries, history_file) for note_id in gone]
    if problems:
        raise UserError(sorted(set(problems)))
    return notes


def _apply_rename(notes: Notes, new: str, old: str, made: set[str], history_file: str) -> str | None:
    """Move ``old``'s history entry to ``new`` (once); or what is wrong with the declaration."""
    entry = notes.get(old)
    if old in made:
        return f"'{old}' is still the id of a note this build makes, expected an id no note uses"
    if entry is None:
        return (f"'{old}' is not in the note history {history_file}, expected the id of a note an earlier "
                f"build made{_hint(old, notes)}")
    if entry.get("renamed_to") == new:
        return None  # an earlier build applied it
    if "renamed_to" in entry:
        return f"'{old}' was renamed to '{entry['renamed_to']}' by an earlier build, expected the id this note had"
    if new in notes:
        return (f"'{new}' already has its own note in {history_file}, so learners may have both; expected "
                "renamed_from on a new id only")
    notes[new] = {**entry, "renamed_from": old, "identity": entry.get("identity", old)}
    notes[old] = {"mod": entry["mod"], "sha256": entry["sha256"], "renamed_to": new}
    return None


def _vanished(lesson: Lesson, located: Located, note_id: str, fresh: list[str], entries: dict[str, Path],
              history_file: str) -> Problem:
    """A located problem for a note the history has and this build does not make, suggesting the declaration."""
    retire = ("if it was removed on purpose, list it under retired (ids, reason, version) so learners are told "
              "(their copy stays in Anki)")
    close = difflib.get_close_matches(note_id, fresh, n=1, cutoff=0.5)
    if close and not note_id.startswith("drill-"):
        return located.problem((*entries[close[0]], "id"), (
            f"'{close[0]}' is new and '{note_id}' vanished from the deck ({history_file} has it): if this is the "
            f"same note under a new id, add `renamed_from: {note_id}` to this entry, so learners keep the note and "
            f"its reviews; {retire}"))
    kind = _drill_kind(lesson, note_id)
    if kind is not None:
        return located.problem(("drills", kind, "count"), (
            f"drill '{note_id}' is in {history_file} but this build no longer makes it (a lower count): raise "
            f"the count again, or {retire}"))
    if note_id.startswith("drill-"):
        return located.problem(("drills",), f"drill '{note_id}' is in {history_file} but its kind is gone: {retire}")
    return located.problem(("retired",), f"'{note_id}' is in {history_file} but no entry makes it any more: if an "
                           f"entry is the same note under a new id, add `renamed_from: {note_id}` to it; {retire}")


def _drill_kind(lesson: Lesson, note_id: str) -> str | None:
    for kind in type(lesson.drills).model_fields:
        prefix = f"drill-{kind.replace('_', '-')}-"
        if note_id.startswith(prefix) and note_id[len(prefix):].isdigit():
            return kind
    return None


def _hint(note_id: str, notes: Notes) -> str:
    close = difflib.get_close_matches(note_id, sorted(notes), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
