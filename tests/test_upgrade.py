"""Upgrading a learner's collection from the released 1.0.1 deck, in the real Anki backend.

The committed ``tests/fixtures/l13-rlhf-1.0.1.apkg`` is what learners have. Each test imports it, studies
cards of every note type (reviews and scheduling), imports a build of the current source, and checks what
a learner would notice: every note that continues is the same note (GUID and note id) with the new text,
all its cards keep their scheduling and the review log is untouched; nothing is duplicated; a retired note
stays as it was (Anki never deletes on import), as the README says. Expectations come from the source and
its note history (continuing ids, declared renames, retirements), never from today's counts.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders import Context, deck
from l13_assets.errors import UserError
from l13_assets.loader import load

from deck_helpers import REPO, build, collection, copy_source, import_apkg

FIXTURE = REPO / "tests" / "fixtures" / "l13-rlhf-1.0.1.apkg"
SUB_DECKS = ("L13 RLHF::Concepts", "L13 RLHF::Drills", "L13 RLHF::Diagnostics")
CARD_STATE = "SELECT id, nid, did, type, queue, due, ivl, factor, reps, lapses, left, odue, odid FROM cards"


@dataclass
class Learner:
    """A collection after 1.0.1 was imported and studied, with what it held before the upgrade."""

    col: Any
    notes: dict[str, tuple[int, int, tuple[str, ...]]]  # guid -> (note id, note type id, fields)
    cards: dict[int, tuple[Any, ...]]  # card id -> scheduling
    revlog: list[tuple[Any, ...]]


def study(col: Any) -> None:
    """Answer cards of every sub-deck with the real scheduler (learning steps), and move one card of each to
    review with an interval, so every kind of scheduling state is there to lose."""
    from anki.scheduler.v3 import CardAnswer

    for name in SUB_DECKS:
        col.decks.select(col.decks.id_for_name(name))
        for rating in (CardAnswer.GOOD, CardAnswer.AGAIN, CardAnswer.EASY):
            top = col.sched.get_queued_cards(fetch_limit=1).cards[0]
            card = col.get_card(top.card.id)
            card.start_timer()
            col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
        new = col.find_cards(f'"deck:{name}" is:new')
        col.sched.set_due_date([new[0]], "5!")


def snapshot(col: Any) -> tuple[dict[str, tuple[int, int, tuple[str, ...]]], dict[int, tuple[Any, ...]],
                                list[tuple[Any, ...]]]:
    notes = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notes[note.guid] = (note.id, note.mid, tuple(note.fields))
    cards = {row[0]: tuple(row) for row in col.db.all(CARD_STATE)}
    revlog = [tuple(row) for row in col.db.all("SELECT * FROM revlog ORDER BY id")]
    return notes, cards, revlog


@pytest.fixture
def learner(tmp_path: Path) -> Iterator[Learner]:
    with collection(tmp_path / "learner") as col:
        log = import_apkg(col, FIXTURE)
        assert log.new and not log.conflicting
        study(col)
        notes, cards, revlog = snapshot(col)
        assert len({row[1] for row in revlog}) >= 3 * len(SUB_DECKS), "reviews of every note type"
        yield Learner(col, notes, cards, revlog)


@dataclass(frozen=True)
class Release:
    """What the current build says about each GUID: from the source and its note history."""

    apkg: Path
    ids: dict[str, str]  # guid -> stable id it belongs to now (after declared renames)
    retired: dict[str, str]  # stable id -> reason

    @classmethod
    def of(cls, source: Path, apkg: Path) -> Release:
        lesson = load(source).lesson
        history = json.loads(source.with_name("l13.notes.json").read_text(encoding="utf-8"))["notes"]
        ids = {}
        for stable_id, entry in history.items():
            ids[deck.guid(entry.get("identity", stable_id))] = _final(history, stable_id)
        retired = {i: item.reason for item in lesson.retired for i in item.ids}
        return cls(apkg, ids, retired)


def _final(history: dict[str, Any], stable_id: str) -> str:
    while "renamed_to" in history[stable_id]:
        stable_id = history[stable_id]["renamed_to"]
    return str(stable_id)


def fresh_import(apkg: Path, folder: Path) -> dict[str, tuple[int, tuple[str, ...]]]:
    """guid -> (note type id, fields) of a deck imported into an empty collection: what the release ships."""
    with collection(folder) as col:
        import_apkg(col, apkg)
        return {n.guid: (n.mid, tuple(n.fields)) for n in map(col.get_note, col.find_notes(""))}


def cards_per_note(col: Any) -> dict[str, int]:
    return {str(guid): count for guid, count in
            col.db.all("SELECT n.guid, count(c.id) FROM notes n JOIN cards c ON c.nid = n.id GROUP BY n.guid")}


def upgrade(learner: Learner, release: Release, shipped: dict[str, tuple[int, tuple[str, ...]]]) -> Any:
    """Import the release as the README tells learners: with 'merge note types' when a continuing note's note
    type changed (else Anki keeps the old note as 'conflicting'), otherwise with Anki's defaults."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Condition

    merge = any(shipped[g][0] != learner.notes[g][1] for g in learner.notes if g in shipped)
    if merge:
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        assert "merge note types" in readme.lower(), "a note type changed: the README must say to merge them"
    newer = Condition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(merge_notetypes=merge, update_notes=newer, update_notetypes=newer)
    request = ImportAnkiPackageRequest(package_path=str(release.apkg), options=options)
    return learner.col.import_anki_package(request).log


def assert_upgrade_keeps_everything(learner: Learner, release: Release, folder: Path) -> None:
    shipped = fresh_import(release.apkg, folder / "fresh")
    with collection(folder / "fresh") as col:
        shipped_cards = cards_per_note(col)
    old_ids = {g: release.ids.get(g) for g in learner.notes}
    assert None not in old_ids.values(), "every 1.0.1 note has an entry in the note history"
    continuing = {g for g in learner.notes if g in shipped}
    gone = set(learner.notes) - continuing
    assert {old_ids[g] for g in gone} <= set(release.retired), "a note the release drops is declared retired"
    log = upgrade(learner, release, shipped)
    assert not log.conflicting and not log.missing_notetype and not log.first_field_match

    notes, cards, revlog = snapshot(learner.col)
    assert len(notes) == len(set(learner.notes) | set(shipped)), "one note per GUID: nothing duplicated"
    contents = [fields for _, _, fields in notes.values()]
    assert len(set(contents)) == len(contents), "no two notes with the same content"
    fronts = [html.unescape(re.sub(r"<[^>]+>", "", fields[0])).strip() for fields in contents]
    assert len(set(fronts)) == len(fronts), "no two notes with the same question"
    for g in continuing:
        nid, note_type, fields = notes[g]
        assert nid == learner.notes[g][0], f"{old_ids[g]}: the learner's own note continues"
        new_type, new_fields = shipped[g]
        # Merging note types appends the old type's fields that the new one lacks, emptied: never shown.
        assert (note_type, fields[: len(new_fields)]) == (new_type, new_fields), \
            f"{old_ids[g]}: the learner sees the release's text"
        assert not any(fields[len(new_fields):]), f"{old_ids[g]}: the old type's extra fields are emptied"
    learner_cards = cards_per_note(learner.col)
    assert all(learner_cards[g] >= shipped_cards[g] for g in continuing), "a note split into cards gets them all"
    for g in gone:
        assert notes[g] == learner.notes[g], f"{old_ids[g]} is retired: the learner's copy stays as it was"
    assert {cid: cards[cid] for cid in learner.cards} == learner.cards, "every card keeps its scheduling"
    assert revlog == learner.revlog, "the review log is untouched"
    description = learner.col.decks.by_name("L13 RLHF")["desc"]
    for reason in {release.retired[old_ids[g]] for g in gone}:
        assert html.escape(reason, quote=False) in description, "the deck description tells what was removed"


def test_upgrading_from_the_released_deck_keeps_every_review(learner: Learner, tmp_path: Path) -> None:
    source = copy_source(tmp_path / "source", with_history=True)
    built = build(source)
    assert not built.history_written, "the committed note history is current"
    assert_upgrade_keeps_everything(learner, Release.of(source, built.apkg), tmp_path)


# ---- a release that renames a note and lowers a drill count, built from a copy of the source ----------


def note_ids_of_1_0_1() -> set[str]:
    """The stable ids of the notes in the released deck (the committed history keeps every id ever built)."""
    import tempfile

    history = json.loads((REPO / "source" / "l13.notes.json").read_text(encoding="utf-8"))["notes"]
    with tempfile.TemporaryDirectory() as folder, collection(Path(folder)) as col:
        import_apkg(col, FIXTURE)
        guids = {col.get_note(n).guid for n in col.find_notes("")}
    return {i for i in history if deck.guid(i) in guids}


def insert_after(source: Path, line: int, text: str) -> None:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line, text)
    source.write_text("".join(lines), encoding="utf-8")


def replace_value(source: Path, line: int, column: int, old: str, new: str) -> None:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    text = lines[line - 1]
    assert text[column - 1:].startswith(old)
    lines[line - 1] = text[:column - 1] + new + text[column - 1 + len(old):]
    source.write_text("".join(lines), encoding="utf-8")


def edit_text(source: Path, path: tuple[str | int, ...]) -> None:
    """Put a word before the text at ``path`` (a text edit an author makes)."""
    loaded = load(source)
    value: object = loaded.lesson.model_dump()
    for key in path:
        value = value[key]  # type: ignore[index]
    value = str(value)[:15]
    line = loaded.located.position(path)[0]
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i in range(line - 1, len(lines)) if value in lines[i])
    lines[at] = lines[at].replace(value, "Edited. " + value, 1)
    source.write_text("".join(lines), encoding="utf-8")


@dataclass(frozen=True)
class Edit:
    old_id: str
    new_id: str
    id_line: int
    id_column: int
    indent: str


def a_renamable_card(source: Path) -> Edit:
    """The first flashcard that was in 1.0.1: its id line, to rename it."""
    loaded = load(source)
    released = note_ids_of_1_0_1()
    index, card = next((i, c) for i, c in enumerate(loaded.lesson.flashcards) if c.id in released)
    line, column = loaded.located.position(("flashcards", index, "id"))
    return Edit(card.id, f"{card.id}-renamed", line, column, " " * (column - 1 - len("id: ")))


def rename(source: Path, edit: Edit, *, declared: bool) -> None:
    replace_value(source, edit.id_line, edit.id_column, edit.old_id, edit.new_id)
    if declared:
        insert_after(source, edit.id_line, f"{edit.indent}renamed_from: {edit.old_id}\n")


def lower_a_drill_count(source: Path) -> list[str]:
    """Lower the count of the first drill kind with released drills by one; the drill ids that go."""
    from l13_assets import drills

    loaded = load(source)
    released = note_ids_of_1_0_1()
    before = {d.id: d.kind for d in drills.generate(loaded.lesson)}
    kind = next(k for k in drills.KINDS if any(i in released and before[i] == k for i in before))
    count = getattr(loaded.lesson.drills, kind).count
    line, column = loaded.located.position(("drills", kind, "count"))
    replace_value(source, line, column, str(count), str(count - 1))
    after = {d.id for d in drills.generate(load(source).lesson)}
    return sorted(set(before) - after)


def retire(source: Path, ids: list[str], reason: str) -> None:
    text = source.read_text(encoding="utf-8")
    block = f"  - ids: [{', '.join(ids)}]\n    reason: \"{reason}\"\n    version: \"9.9.9\"\n"
    text = text.replace("\nretired:\n", f"\nretired:\n{block}") if "\nretired:\n" in text else (
        text.rstrip("\n") + f"\n\nretired:\n{block}")
    source.write_text(text, encoding="utf-8")


def test_a_declared_rename_and_a_declared_retirement_keep_the_learners_notes(learner: Learner,
                                                                             tmp_path: Path) -> None:
    source = copy_source(tmp_path / "source", with_history=True)
    edit = a_renamable_card(source)
    rename(source, edit, declared=True)
    gone = lower_a_drill_count(source)
    retire(source, gone, "Fewer drills of this kind.")
    built = build(source)
    history = json.loads(source.with_name("l13.notes.json").read_text(encoding="utf-8"))["notes"]
    assert history[edit.old_id]["renamed_to"] == edit.new_id
    assert history[edit.new_id]["identity"] == edit.old_id
    release = Release.of(source, built.apkg)
    assert release.ids[deck.guid(edit.old_id)] == edit.new_id
    assert_upgrade_keeps_everything(learner, release, tmp_path)
    note = learner.col.get_note(learner.notes[deck.guid(edit.old_id)][0])
    assert f"::{edit.new_id.removeprefix('card-')}" in " ".join(note.tags), "the renamed note got the new text"
    again = build(source)
    assert again.data == built.data and not again.history_written, "a rename is applied once"


def test_an_undeclared_rename_is_refused_where_the_new_id_is_written(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "source", with_history=True)
    edit = a_renamable_card(source)
    rename(source, edit, declared=False)
    history = source.with_name("l13.notes.json").read_bytes()
    with pytest.raises(UserError) as caught:
        deck.build(Context.of(load(source), source))
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (edit.id_line, edit.id_column)
    assert f"add `renamed_from: {edit.old_id}`" in problem.message
    assert source.with_name("l13.notes.json").read_bytes() == history


def test_a_lowered_drill_count_is_refused_at_the_count_until_retired(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "source", with_history=True)
    gone = lower_a_drill_count(source)
    with pytest.raises(UserError) as caught:
        deck.build(Context.of(load(source), source))
    assert [p.path.endswith(".count") and "retired" in p.message for p in caught.value.problems] == [True] * len(gone)
    retire(source, gone, "Fewer drills.")
    assert build(source).history_written is False


@pytest.mark.parametrize("how", ["deleted", "copied without it"])
def test_a_lost_history_is_refused_and_nothing_is_written(tmp_path: Path, how: str) -> None:
    from support import run_cli

    source = copy_source(tmp_path / "source", with_history=True)
    out = tmp_path / "out"
    assert run_cli("build", "--only", "deck", "--source", str(source), "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    if how == "deleted":
        source.with_name("l13.notes.json").unlink()
    else:
        source = copy_source(tmp_path / "copy")
    result = run_cli("build", "--only", "deck", "--source", str(source), "--out", str(out),
                     env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if "note history" in x]
    assert line.startswith(f"{source.with_name('l13.notes.json')}: the deck's note history is missing")
    assert "--new-history" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not source.with_name("l13.notes.json").exists()


def test_a_history_ahead_of_the_clock_is_refused_when_a_note_changes(tmp_path: Path) -> None:
    from support import run_cli

    source = copy_source(tmp_path / "source", with_history=True)
    history = source.with_name("l13.notes.json").read_bytes()
    edit_text(source, ("flashcards", 0, "cards", 0, "front"))
    result = run_cli("build", "--only", "deck", "--source", str(source), "--out", str(tmp_path / "out"),
                     env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "later than 1700000000" in result.stderr and "SOURCE_DATE_EPOCH" in result.stderr
    assert source.with_name("l13.notes.json").read_bytes() == history
    assert not (tmp_path / "out").exists()


def test_new_history_starts_one_only_where_there_is_none(tmp_path: Path) -> None:
    from support import run_cli

    source = copy_source(tmp_path / "source")
    out = tmp_path / "out"
    assert run_cli("build", "--only", "deck", "--new-history", "--source", str(source), "--out", str(out),
                   env={"SOURCE_DATE_EPOCH": "1700000000"}).returncode == 0
    assert source.with_name("l13.notes.json").exists()
    again = run_cli("build", "--only", "deck", "--new-history", "--force", "--source", str(source), "--out",
                    str(tmp_path / "elsewhere"))
    assert again.returncode == 1 and "--new-history starts a note history where there is none" in again.stderr
    source.with_name("l13.notes.json").unlink()  # lost after a release: the old output folder still tells
    lost = run_cli("build", "--only", "deck", "--new-history", "--source", str(source), "--out", str(out))
    assert lost.returncode == 1 and "Traceback" not in lost.stderr
    assert f"{out / 'manifest.json'}: --new-history, but this folder holds a deck" in lost.stderr
    assert not source.with_name("l13.notes.json").exists()
