"""The Anki deck, imported into a real collection with Anki's own backend (the `anki` package)."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from l13_assets import drills
from l13_assets.builders import deck
from l13_assets.lesson_text import entries_by_id, expand
from l13_assets.loader import load
from l13_assets.verify.drills import recompute
from l13_assets.verify.style import text_problems

from deck_helpers import (
    Built,
    answer_new_cards,
    build,
    collection,
    copy_source,
    default_lesson,
    edit_source,
    first_answer_edit,
    import_apkg,
    math_spans,
    notes_by_stable_id,
    schedule_state,
    visible_text,
)

SUB_DECKS = ["L13 RLHF::Concepts", "L13 RLHF::Drills", "L13 RLHF::Diagnostics"]


def lesson_order() -> list[str]:
    lesson = default_lesson()
    return ([c.id for c in lesson.flashcards] + [d.id for d in drills.generate(lesson)]
            + [f.id for f in lesson.findings])


def card_order() -> list[str]:
    """The stable id of each card's note, in the order the cards come: a concept note's cards by slot."""
    lesson = default_lesson()
    concepts = [note.id for note in lesson.flashcards for _ in note.cards]
    return concepts + [d.id for d in drills.generate(lesson)] + [f.id for f in lesson.findings]


@pytest.fixture(scope="module")
def v1(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(copy_source(tmp_path_factory.mktemp("v1")))


@pytest.fixture(scope="module")
def imported(v1: Built, tmp_path_factory: pytest.TempPathFactory) -> Any:
    with collection(tmp_path_factory.mktemp("anki")) as col:
        log = import_apkg(col, v1.apkg)
        yield col, log


def cards_in_order(col: Any) -> list[Any]:
    return [col.get_card(cid) for cid in col.find_cards("", order="c.due asc, c.id asc")]


def test_every_note_is_new_one_card_each_in_its_sub_deck(imported: Any) -> None:
    col, log = imported
    lesson = default_lesson()
    assert len(log.new) == len(lesson.flashcards) + len(drills.generate(lesson)) + len(lesson.findings)
    assert not log.updated and not log.duplicate and not log.conflicting
    assert col.note_count() == len(log.new) and col.card_count() == len(card_order())
    names = sorted(d.name for d in col.decks.all_names_and_ids())
    assert names == sorted(["Default", "L13 RLHF", *SUB_DECKS])
    notes = notes_by_stable_id(col, lesson_order())
    for stable_id, note in notes.items():
        expected = ("L13 RLHF::Concepts" if stable_id.startswith("card-")
                    else "L13 RLHF::Drills" if stable_id.startswith("drill-") else "L13 RLHF::Diagnostics")
        assert {col.decks.name(c.did) for c in note.cards()} == {expected}, stable_id


def test_tags_are_hierarchical_and_name_the_kind(imported: Any) -> None:
    col, _ = imported
    notes = notes_by_stable_id(col, lesson_order())
    assert notes["card-pipeline"].tags == ["l13-rlhf::concept", "l13-rlhf::concept::pipeline"]
    assert notes["drill-kl-03"].tags == ["l13-rlhf::drill", "l13-rlhf::drill::kl"]
    assert notes["finding-e"].tags == ["l13-rlhf::diagnostic", "l13-rlhf::diagnostic::working-run",
                                       "l13-rlhf::verdict::working"]
    assert len(col.find_notes("tag:l13-rlhf::drill")) == len(drills.generate(default_lesson()))


def test_new_cards_come_in_lesson_order(imported: Any) -> None:
    col, _ = imported
    guid_to_id = {deck.guid(i): i for i in lesson_order()}
    assert [guid_to_id[c.note().guid] for c in cards_in_order(col)] == card_order()


def test_concept_cards_show_the_question_then_answer_source_and_figure(imported: Any) -> None:
    col, _ = imported
    notes = notes_by_stable_id(col, lesson_order())
    for note in default_lesson().flashcards:
        cards = {c.ord + 1: c for c in notes[note.id].cards()}
        assert sorted(cards) == sorted(c.slot for c in note.cards)  # one card per slot, no card for a free slot
        for atomic in note.cards:
            question, answer = cards[atomic.slot].question(), cards[atomic.slot].answer()
            assert html.unescape(notes[note.id][f"Front {atomic.slot}"]) in html.unescape(question)
            assert "<img" not in question and "Source" not in visible_text(question)
            assert ("<img" in answer) == atomic.with_figure, (note.id, atomic.slot)
            assert "Source" in visible_text(answer)
    optimal = {c.ord + 1: c for c in notes["card-optimal-policy"].cards()}
    assert "π* = (0.9172, 0.0828), with Z = 4.8334." in visible_text(optimal[9].answer())  # placeholders expanded
    assert "Rafailov et al. 2023, Direct preference optimization" in visible_text(optimal[1].answer())
    for panel in (1, 2):  # one image per example's panel (figure_card; its own tests check the alt texts)
        assert re.search(rf'<img src="l13-rlhf-fig-policy-vs-beta-{panel}-[0-9a-f]{{10}}\.svg" alt="[^"]+" '
                         r'data-min-text-px="[0-9.]+"', optimal[5].answer())
    assert r"\[\pi^*(y\mid x)\]<wbr>\[{}= \frac{1}{Z(x)}" in optimal[1].answer()  # in pieces that wrap (math_lines)


def test_concept_cards_show_the_formulas_their_source_names_in_display_math(imported: Any) -> None:
    col, _ = imported
    lesson = default_lesson()
    from l13_assets.lesson_text import entries_by_id

    entries = entries_by_id(lesson)
    notes = notes_by_stable_id(col, lesson_order())
    assert any(card.formulas for note in lesson.flashcards for card in note.cards)
    for note in lesson.flashcards:
        cards = {c.ord + 1: c for c in notes[note.id].cards()}
        for card in note.cards:
            expected = [getattr(entries[entry_id], name) for entry_id, name in (f.split(".") for f in card.formulas)]
            shown = [span[2:-2] for span in math_spans(cards[card.slot].answer()) if span.startswith("\\[")]
            # Each formula comes in pieces that wrap on a phone (math_lines); joined, the {} that spaces a cut
            # relation or operator removed, they are the formula.
            joined = "".join(re.sub(r"^\{\}|\{\}$", "", piece) for piece in shown).replace(" ", "")
            assert joined == "".join(str(escape(f)) for f in expected).replace(" ", ""), (note.id, card.slot)


def test_drill_cards_ask_for_a_typed_answer_in_a_stated_format(imported: Any) -> None:
    col, _ = imported
    notes = notes_by_stable_id(col, lesson_order())
    note = notes["drill-kl-03"]
    question, answer = note.cards()[0].question(), note.cards()[0].answer()
    assert "[[type:Answer]]" in question
    assert "Type the answer with 4 decimal places." in visible_text(question)
    assert r"\(\mathrm{KL}(\pi^*\,\|\,\pi_{\text{SFT}})\)" in question
    assert f"Answer: {note['Answer']}" in visible_text(answer)
    assert "Weights" in visible_text(answer) and "nats" in visible_text(answer)
    data = note["Data"]
    assert data not in question and data not in answer  # the Data field is for pipelines, not the learner
    dpo = notes["drill-dpo-reward-01"].cards()[0].question()
    assert "minus key" in visible_text(dpo)


def test_diagnostic_cards_name_the_instruments_and_the_verdict(imported: Any) -> None:
    col, _ = imported
    lesson = default_lesson()
    names = {i.id: i.name for i in lesson.instruments}
    instruments = {i.id: i for i in lesson.instruments}
    notes = notes_by_stable_id(col, lesson_order())
    verdicts = {"working": "a working run, no fix needed", "fix": "fix it", "unsettled": "not settled yet"}
    ruled = {r.instrument for r in lesson.run_health.rules}
    for finding in lesson.findings:
        card = notes[finding.id].cards()[0]
        question, answer = visible_text(card.question()), visible_text(card.answer())
        squashed = re.sub(r"\s+", "", answer)
        assert re.sub(r"\s+", "", question).startswith("L13RLHF·diagnosticFinding:"), question  # no exercise label
        assert "what is the verdict, and which instruments show it?" in question.lower()
        for i, why in zip(finding.instruments, finding.why, strict=True):
            role = "run instrument" if i in ruled else "detector"
            shown = f"{html.unescape(names[i])} ({role}): {expand(why, entries_by_id(lesson))}"
            assert re.sub(r"[\s_]+", "", shown) in squashed, shown
        # The prompt describes what was seen; naming the instrument that settles it, in any case, gives it away.
        assert not any(html.unescape(names[i]).lower() in question.lower() for i in finding.instruments), question
        # Instruments that rule out another cause are read with the finding, under their own heading.
        read_with = [i for i in finding.instruments if finding.symptom in instruments[i].rules_out]
        showing = [i for i in finding.instruments if i not in read_with]
        assert "Shown by:" in answer and ("Read with:" in answer) == bool(read_with)
        split = answer.index("Read with:") if read_with else len(answer)
        assert all(answer.index(html.unescape(names[i])) < split for i in showing)
        assert all(answer.index(html.unescape(names[i])) > split for i in read_with)
        assert f"Verdict: {verdicts[finding.verdict]}" in answer
        cited = {r for i in finding.instruments for r in next(x for x in lesson.instruments if x.id == i).sources}
        assert ("Sources:" if len(cited) > 1 else "Source:") in answer


def test_math_uses_mathjax_delimiters_and_true_minus_signs(imported: Any) -> None:
    col, _ = imported
    for card in cards_in_order(col):
        for side in (card.question(), card.answer()):
            text = re.sub(r"<style>.*?</style>", "", side, flags=re.S)
            assert "$" not in text
            for span in math_spans(text):
                assert not re.search(r"(?<![\\a-zA-Z])-\d", span), span  # numbers carry U+2212


def test_card_text_keeps_house_style(imported: Any) -> None:
    col, _ = imported
    acronyms = frozenset(default_lesson().style.acronyms)
    for card in cards_in_order(col):
        for side in (card.question(), card.answer()):
            # The typed answer of a drill is what the keyboard gives (ASCII '-'), shown by Anki's own widget.
            text = visible_text(side).replace("[[type:Answer]]", "")
            text = re.sub(r"Answer: -", "Answer: −", text)
            # Line breaks come from the card's layout, not its text; a tab or other control character is checked.
            for line in text.split("\n"):
                assert text_problems(line, latex=False, acronyms=acronyms) == [], line[:200]


def test_no_missing_and_no_unused_media(imported: Any) -> None:
    col, _ = imported
    check = col.media.check()
    assert list(check.missing) == [] and list(check.unused) == []
    present = sorted(os.listdir(col.media.dir()))
    from l13_assets.model import PER_EXAMPLE_FIGURES

    lesson = default_lesson()  # a card shows a per-example figure as one image per example
    expected = sum(len(lesson.examples) if c.figure in PER_EXAMPLE_FIGURES else 1
                   for c in lesson.flashcards if c.figure is not None)
    assert len(present) == expected and all(name.startswith("l13-rlhf-fig-") for name in present)


def test_deck_description_states_version_and_changes(imported: Any) -> None:
    col, _ = imported
    meta = default_lesson().meta
    description = col.decks.by_name("L13 RLHF")["desc"]
    assert f"version {meta.version}" in description
    shown = html.unescape(description)  # jinja escapes an apostrophe as &#39;, which Anki shows as one
    assert all(change in shown for change in meta.changes)


def test_the_descriptions_references_are_exactly_those_the_cards_show(imported: Any) -> None:
    """The deck's reference list holds every work a card (concept or diagnostic) cites, and no other."""
    col, _ = imported
    lesson = default_lesson()
    notes = notes_by_stable_id(col, lesson_order())
    shown = html.unescape(" ".join(field for note in notes.values() for field in note.fields))
    on_cards = {r.id for r in lesson.references if f"{r.title} ({r.venue})" in shown}
    description = html.unescape(col.decks.by_name("L13 RLHF")["desc"])
    listed = description[description.index("References cited on the cards:"):]
    in_list = {r.id for r in lesson.references if f"{r.title} ({r.venue}).</li>" in listed}
    assert on_cards and in_list == on_cards
    capability = next(i for i in lesson.instruments if i.rules_out)  # cited on diagnostic cards only
    assert set(capability.sources) <= in_list


def test_a_win_rate_at_or_below_even_says_more_comparisons_will_not_show_a_gain(tmp_path: Path) -> None:
    """Each win-rate drill's last step follows its numbers: shown, not yet shown (above 0.5), or never (at or
    below 0.5). The source's interval drills are redrawn at or below 0.5 so that branch is shown too."""
    from decimal import Decimal

    from l13_assets.loader import parse

    source = copy_source(tmp_path / "src")
    text = source.read_text(encoding="utf-8")
    located = parse(text.encode(), "l13.yaml").located
    line, column = located.values[("drills", "win_rate_interval", "win_rate", "high")]
    lines = text.split("\n")
    row = lines[line - 1]
    end = re.match(r"[0-9.]+", row[column - 1:])
    assert end is not None
    lines[line - 1] = row[:column - 1] + "0.5" + row[column - 1 + end.end():]
    source.write_text("\n".join(lines), encoding="utf-8")
    built = build(source)
    with collection(tmp_path / "anki") as col:
        import_apkg(col, built.apkg)
        lesson = load(source).lesson
        ids = [d.id for d in drills.generate(lesson) if d.kind in ("win_rate_interval", "win_rate_gain")]
        branches = set()
        for stable_id, note in notes_by_stable_id(col, ids).items():
            data = json.loads(html.unescape(note["Data"]))
            solution = visible_text(note.cards()[0].answer())
            rate, shown = Decimal(data["inputs"]["win_rate"]), data["values"]["shows_gain"] in (True, "yes")
            branch = "shown" if shown else "not yet" if rate > Decimal("0.5") else "never"
            branches.add(branch)
            assert ("the gain over the base is shown" in solution) == (branch == "shown"), stable_id
            assert ("does not yet show a gain" in solution) == (branch == "not yet"), stable_id
            assert ("more comparisons will not show a gain" in solution) == (branch == "never"), stable_id
        assert {"shown", "never"} <= branches, branches


def test_every_drill_answer_recomputed_from_its_data_matches_the_card(imported: Any) -> None:
    col, _ = imported
    notes = notes_by_stable_id(col, lesson_order())
    drill_notes = {i: n for i, n in notes.items() if i.startswith("drill-")}
    assert len(drill_notes) >= 30
    for stable_id, note in drill_notes.items():
        data = json.loads(html.unescape(note["Data"]))
        assert data["id"] == stable_id
        answer, values = recompute(data["kind"], data["inputs"], data["decimals"])
        assert note["Answer"] == answer == data["answer"] and values == data["values"], stable_id
        assert f"Answer: {answer.replace('-', '−')}" in visible_text(note.cards()[0].answer())
        assert note["Format"].startswith(html.escape(drills.Drill(**{**data, "number": 0}).answer_format))


def test_text_from_the_source_is_escaped(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src")
    edit_source(source, 'front: "What is reward hacking', 'front: "Is <b>R</b> & β < 1 reward hacking')
    built = build(source)
    with collection(tmp_path / "anki") as col:
        import_apkg(col, built.apkg)
        note = notes_by_stable_id(col, ["card-reward-hacking"])["card-reward-hacking"]
        question = note.cards()[0].question()
        assert "Is &lt;b&gt;R&lt;/b&gt; &amp; β &lt; 1 reward hacking" in question


def test_two_builds_are_byte_identical_and_write_the_history_once(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src")
    first = build(source, tmp_path / "out1")
    second = build(source, tmp_path / "out2")
    assert first.history_written and not second.history_written
    assert first.data == second.data
    with zipfile.ZipFile(first.apkg) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        media = json.loads(archive.read("media"))
        assert list(media.values()) == sorted(media.values())


def test_the_same_source_gives_the_same_bytes_under_another_hash_seed(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src")
    here = build(source, tmp_path / "out1")
    code = ("import sys; from pathlib import Path; from l13_assets.builders import Context, deck;"
            "from l13_assets.loader import load; s = Path(sys.argv[1]);"
            "[sys.stdout.buffer.write(o.data) for o in deck.build(Context.of(load(s), s)).files"
            " if o.path.endswith('.apkg')]")
    other = subprocess.run([sys.executable, "-c", code, str(source)], capture_output=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "4242"}).stdout
    assert other == here.data


def test_source_date_epoch_makes_a_first_build_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build(copy_source(tmp_path / "a"))
    second = build(copy_source(tmp_path / "b"))
    assert first.data == second.data
    history = json.loads((tmp_path / "a" / "l13.notes.json").read_text())
    assert {n["mod"] for n in history["notes"].values()} == {1700000000}


def test_a_rebuild_without_change_imports_as_no_change(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src")
    first = build(source, tmp_path / "out1")
    second = build(source, tmp_path / "out2")
    with collection(tmp_path / "anki") as col:
        import_apkg(col, first.apkg)
        before = schedule_state(col)
        log = import_apkg(col, second.apkg)
        assert not log.new and not log.updated and not log.conflicting
        assert len(log.duplicate) == col.note_count()
        assert schedule_state(col) == before


def test_upgrade_keeps_review_history_and_updates_only_the_edited_note(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "release")
    v1 = build(source, tmp_path / "v1")
    with collection(tmp_path / "anki") as col:
        import_apkg(col, v1.apkg)
        answered = answer_new_cards(col, "L13 RLHF::Concepts", 4)
        answered += answer_new_cards(col, "L13 RLHF::Drills", 3)
        note, old, new = first_answer_edit()
        edited = notes_by_stable_id(col, [note])[note]
        assert edited.cards()[0].id in answered and edited.cards()[0].reps == 1
        before = schedule_state(col)
        assert len(before["revlog"]) == 7
        old_mod = edited.mod

        edit_source(source, old, new)
        v2 = build(source, tmp_path / "v2")
        assert v2.history_written and v2.data != v1.data

        log = import_apkg(col, v2.apkg)
        assert not log.new and not log.conflicting
        assert [deck.guid(note)] == [col.get_note(n.id.nid).guid for n in log.updated]
        edited = col.get_note(edited.id)
        assert new.removeprefix('back: "') in html.unescape(edited["Back 1"])
        assert edited.mod > old_mod
        assert schedule_state(col) == before
        assert col.note_count() == len(lesson_order())
