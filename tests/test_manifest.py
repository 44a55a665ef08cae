"""The manifest and the fingerprints: a builder is rebuilt when, and only when, what it reads changed."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from l13_assets import manifest
from l13_assets.builders import Context
from l13_assets.builders.options import Options
from l13_assets.builders.registry import builders
from l13_assets.loader import Source
from support import SOURCE, run_cli

TOY = b"""# header comment
meta:
  title: t
notes:
  text: "see [[rule-a.value]] and the figure fig-b"
rules:
  - id: rule-a
    value: 1
figures:
  - id: fig-b
other:
  - id: other-c
"""


def test_a_section_that_names_an_entry_of_another_brings_that_section_in() -> None:
    parts = manifest.sections(TOY)
    assert set(parts) == {"", "meta", "notes", "rules", "figures", "other"}
    assert manifest.read_sections(("notes",), parts) == {"notes", "rules", "figures"}
    assert manifest.read_sections(("meta",), parts) == {"meta"}
    assert manifest.read_sections(("missing",), parts) == set()


def test_an_anchor_makes_every_builder_read_everything() -> None:
    parts = manifest.sections(TOY.replace(b"value: 1", b"value: &one 1") + b"more:\n  v: *one\n")
    assert manifest.read_sections(("meta",), parts) == set(parts) - {""}


def test_fingerprints_follow_only_what_each_builder_reads() -> None:
    raw = SOURCE.read_bytes()
    chosen = list(builders().values())
    base = manifest.fingerprints(chosen, manifest.Inputs(raw, b"h"), Options(), None)
    parts = manifest.sections(raw)
    for name in parts:
        if not name:
            continue
        edited = raw.replace(parts[name], parts[name] + b"# an edit\n", 1)
        changed = manifest.fingerprints(chosen, manifest.Inputs(edited, b"h"), Options(), None)
        for builder in chosen:
            reads = manifest.read_sections(builder.reads, parts)
            assert (changed[builder.name] != base[builder.name]) == (name in reads), (builder.name, name)
    other_history = manifest.fingerprints(chosen, manifest.Inputs(raw, b"other"), Options(), None)
    other_paper = manifest.fingerprints(chosen, manifest.Inputs(raw, b"h"), Options(papers=("a4",)), None)
    dated = manifest.fingerprints(chosen, manifest.Inputs(raw, b"h"), Options(), 1_700_000_000)
    for builder in chosen:
        assert (other_history[builder.name] != base[builder.name]) == ("history" in builder.reads)
        assert (other_paper[builder.name] != base[builder.name]) == ("papers" in builder.options)
        assert (dated[builder.name] != base[builder.name]) == ("epoch" in builder.options)


def _edited(node: BaseModel) -> BaseModel | None:
    """``node`` with its first prose string changed (ids and references left alone), or None."""
    for name, value in node:
        if isinstance(value, str) and name not in {"id", "example", "figure", "kind"} and " " in value:
            return node.model_copy(update={name: value + " Edited."})
        children = value if isinstance(value, tuple) else (value,)
        for index, child in enumerate(children):
            if isinstance(child, BaseModel) and (new := _edited(child)) is not None:
                update: Any = new if not isinstance(value, tuple) else (*value[:index], new, *value[index + 1:])
                return node.model_copy(update={name: update})
    return None


@pytest.mark.parametrize("name", ["figures", "deck", "cheatsheet"])
def test_a_section_a_builder_does_not_read_does_not_change_its_bytes(source: Source, name: str) -> None:
    """The declared reads are complete: an edit anywhere outside them leaves the builder's output as it was."""
    builder = builders()[name]
    reads = manifest.read_sections(builder.reads, manifest.sections(SOURCE.read_bytes()))
    context = Context.of(source, SOURCE)
    before = builder.build(context).files
    tried = 0
    for section in type(source.lesson).model_fields:
        value = getattr(source.lesson, section)
        if section in reads or not isinstance(value, BaseModel | tuple):
            continue
        node = value if isinstance(value, BaseModel) else (value[0] if value else None)
        edited_node = _edited(node) if isinstance(node, BaseModel) else None
        if edited_node is None:
            continue
        new_value = edited_node if isinstance(value, BaseModel) else (edited_node, *value[1:])
        lesson = source.lesson.model_copy(update={section: new_value})
        edited = dataclasses.replace(context, source=dataclasses.replace(source, lesson=lesson))
        assert builder.build(edited).files == before, f"{name} changed when {section} was edited"
        tried += 1
    assert tried > 0


def test_a_beta_row_edit_rebuilds_the_sheet_and_leaves_the_deck(source_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cli("build", "--source", str(source_copy), "--out", str(out), "--only", "deck,cheatsheet", "-q")
    assert first.returncode == 0, first.stderr
    apkg = (out / "l13-rlhf.apkg").stat()
    text = source_copy.read_text(encoding="utf-8")
    start = text.index("\nbeta_table:")
    behaviour = text.index("behaviour: \"", start) + len("behaviour: \"")
    source_copy.write_text(text[:behaviour] + "Edited. " + text[behaviour:], encoding="utf-8")
    again = run_cli("build", "--source", str(source_copy), "--out", str(out), "--only", "deck,cheatsheet", "--json")
    assert again.returncode == 0, again.stderr
    import json

    assert json.loads(again.stdout)["built"] == ["cheatsheet"]
    assert (out / "l13-rlhf.apkg").stat().st_mtime_ns == apkg.st_mtime_ns


def test_a_card_edit_rebuilds_the_deck_and_leaves_the_sheet(source_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cli("build", "--source", str(source_copy), "--out", str(out), "--only", "deck,cheatsheet", "-q")
    assert first.returncode == 0, first.stderr
    text = source_copy.read_text(encoding="utf-8")
    front = text.index("front: \"", text.index("\nflashcards:")) + len("front: \"")
    source_copy.write_text(text[:front] + "Briefly: " + text[front:], encoding="utf-8")
    again = run_cli("build", "--source", str(source_copy), "--out", str(out), "--only", "deck,cheatsheet", "--json")
    assert again.returncode == 0, again.stderr
    import json

    assert json.loads(again.stdout)["built"] == ["deck"]


def test_a_manifest_of_another_format_is_not_used(tmp_path: Path) -> None:
    (tmp_path / manifest.NAME).write_text('{"format": 99, "tool": {"name": "l13-assets"}}')
    assert manifest.read(tmp_path) is None
    assert manifest.read_any(tmp_path) == {"format": 99, "tool": {"name": "l13-assets"}}
    shutil.rmtree(tmp_path)
    assert manifest.read(tmp_path) is None
