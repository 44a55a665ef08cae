"""The deck's note history (``builders/deck_history``): what it records, how it moves note types, how it fails."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from l13_assets.builders import Context, deck, deck_history, deck_notes
from l13_assets.errors import UserError
from l13_assets.loader import load

from deck_helpers import (
    HISTORY,
    SOURCE,
    answer_new_cards,
    build,
    collection,
    copy_source,
    edit_source,
    first_answer_edit,
    import_apkg,
    schedule_state,
)


def test_an_edit_with_a_clock_behind_the_history_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = copy_source(tmp_path / "src")
    build(source)
    first = source.with_name("l13.notes.json").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000")  # a clock far behind the recorded times
    assert build(source).data, "nothing to stamp: an unchanged deck builds whatever the clock"
    _, old, new = first_answer_edit()
    edit_source(source, old, new)
    with pytest.raises(UserError, match=r"holds time \d+ .*later than 1000 .*set SOURCE_DATE_EPOCH"):
        deck.build(Context.of(load(source), source))
    assert source.with_name("l13.notes.json").read_bytes() == first


def test_a_changed_note_type_under_the_same_id_stops_the_build(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = copy_source(tmp_path / "src")
    build(source)
    drill_type = deck.NOTE_TYPES["drill"]
    changed = deck.NoteType(drill_type.id, drill_type.name, (*drill_type.fields, "Hint"), drill_type.template)
    monkeypatch.setitem(deck.NOTE_TYPES, "drill", changed)
    deck.note_types.cache_clear()
    try:
        with pytest.raises(UserError, match=r"note type 'L13 RLHF drill' \(id 1780427553\) changed its fields"):
            deck.build(Context.of(load(source), source))
    finally:
        monkeypatch.undo()
        deck.note_types.cache_clear()


def test_a_css_change_moves_the_note_type_time_and_not_the_notes() -> None:
    history = deck_history.History()
    state = deck_history.NoteTypeState("t", "f", "l", "c1")
    notes = {"a": "h1"}
    _, type_mods, history = deck_history.stamp(history, notes, {1: state}, 100, "h.json")
    note_mods, type_mods2, history = deck_history.stamp(
        history, notes, {1: deck_history.NoteTypeState("t", "f", "l", "c2")}, 150, "h.json")
    assert type_mods == {1: 100} and type_mods2 == {1: 150} and note_mods == {"a": 100}


REWORDED = "Reworded: which instruments, which verdict?"


@contextmanager
def reworded_diagnostics(folder: Path) -> Iterator[None]:
    """The deck built from a copy of its templates with the diagnostic cards' question reworded (same fields,
    same template names)."""
    from l13_assets.resources import templates_dir

    shutil.copytree(templates_dir(), folder)
    for side in ("front", "back"):
        page = folder / "notetypes" / f"diagnostic_{side}.html"
        text, count = re.subn(r'<div class="format">[^<]*</div>', f'<div class="format">{REWORDED}</div>',
                              page.read_text(encoding="utf-8"))
        assert count == 1
        page.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deck_notes, "templates_dir", lambda: folder)
        deck.note_types.cache_clear()
        try:
            yield
        finally:
            deck.note_types.cache_clear()


def test_new_template_text_reaches_learners_under_the_same_id_and_keeps_reviews(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src")
    v1 = build(source, tmp_path / "v1")
    with collection(tmp_path / "anki") as col:
        import_apkg(col, v1.apkg)
        answer_new_cards(col, "L13 RLHF::Diagnostics", 2)
        before = schedule_state(col)
        notes_before = json.loads(source.with_name("l13.notes.json").read_text())["notes"]

        with reworded_diagnostics(tmp_path / "templates"):
            v2 = build(source, tmp_path / "v2")
        history = json.loads(source.with_name("l13.notes.json").read_text())
        assert history["notes"] == notes_before, "a template edit moves no note's time"

        log = import_apkg(col, v2.apkg)
        assert not log.new and not log.updated and not log.conflicting
        (model,) = [m for m in col.models.all() if m["name"] == "L13 RLHF diagnostic"]
        assert model["id"] == deck.NOTE_TYPES["diagnostic"].id
        assert REWORDED in model["tmpls"][0]["qfmt"]
        card = col.get_card(col.find_cards('"deck:L13 RLHF::Diagnostics"')[0])
        assert REWORDED in card.question()
        assert schedule_state(col) == before


def test_a_format_1_history_is_read_and_rewritten_as_format_2_moving_no_time(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src", with_history=True)
    current = json.loads(HISTORY.read_text(encoding="utf-8"))
    _, states = deck.note_types()
    old = {**current, "format": 1,
           "note_types": {k: {"name": v["name"], "structure": states[int(k)].layout, "content": v["content"],
                              "mod": v["mod"]} if int(k) in states else v  # a type no longer built: kept
                          for k, v in current["note_types"].items()}}
    source.with_name("l13.notes.json").write_text(json.dumps(old), encoding="utf-8")
    upgraded = build(source)
    assert upgraded.history_written
    assert json.loads(source.with_name("l13.notes.json").read_text()) == current
    assert upgraded.data == build(copy_source(tmp_path / "fresh", with_history=True)).data


def test_a_format_1_history_recorded_for_other_templates_stops_the_build(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src", with_history=True)
    current = json.loads(HISTORY.read_text(encoding="utf-8"))
    old = {**current, "format": 1,
           "note_types": {k: {"name": v["name"], "structure": "0" * 64, "content": v["content"], "mod": v["mod"]}
                          for k, v in current["note_types"].items()}}
    source.with_name("l13.notes.json").write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(UserError, match=r"changed its fields or card templates .*\(the history is format 1"):
        deck.build(Context.of(load(source), source))


def _damaged(change: str) -> str:
    record = json.loads(HISTORY.read_text(encoding="utf-8"))
    first_type = next(iter(record["note_types"].values()))
    first_note = next(iter(record["notes"].values()))
    if change == "format":
        record["format"] = 3
    elif change == "type-content":
        del first_type["content"]
    elif change == "type-fields":
        del first_type["fields"]
    elif change == "note-mod":
        first_note["mod"] = "yesterday"
    elif change == "note-hash":
        first_note["sha256"] = None
    return json.dumps(record)


@pytest.mark.parametrize("change", ["not-json", "format", "type-content", "type-fields", "note-mod", "note-hash"])
def test_a_damaged_history_is_a_clear_error(tmp_path: Path, change: str) -> None:
    source = copy_source(tmp_path / "src")
    source.with_name("l13.notes.json").write_text("{not json" if change == "not-json" else _damaged(change))
    with pytest.raises(UserError, match="the note history is not valid") as caught:
        deck.build(Context.of(load(source), source))
    assert len(caught.value.problems) == 1 and "\n" not in str(caught.value)


def test_the_committed_note_history_matches_the_source(tmp_path: Path) -> None:
    built = build(copy_source(tmp_path / "src", with_history=True))
    assert not built.history_written, (
        f"{HISTORY.relative_to(SOURCE.parents[1])} is out of date for {SOURCE.name}: run `l13-assets build` "
        "and commit the rewritten note history with the source change")
