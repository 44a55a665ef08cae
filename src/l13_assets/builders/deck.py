"""The Anki deck: concept cards, numeric drills and diagnostic drills, safe to import again on every release.

Identity: note types and decks have fixed ids below; a note's GUID is ``genanki.guid_for(GUID_NAMESPACE,
stable id)``, the id of the source entry (or generated drill), never its text, so an edit updates the
learner's note. Modification times come from the note history beside the source (``deck_history``): a
note's time moves forward exactly when its content changes, and the same source and history give the same
bytes. All field HTML is rendered by jinja2 templates in ``templates/fields`` with autoescape; the card
templates (Anki's own ``{{Field}}`` syntax) and the CSS are read verbatim from ``templates/``.
"""

from __future__ import annotations

import hashlib
import html
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from ..drills import Drill, generate
from ..errors import UserError
from ..lesson_text import MINUS, entries_by_id, expand, to_markup
from ..math_lines import breakable
from ..model import Finding, Flashcard, Lesson, Reference
from ..resources import notes_history_path, templates_dir
from . import Context, Output
from .deck_history import NoteTypeState, digest, read, stamp
from .deck_package import DeckSpec, NoteSpec, write_apkg

if TYPE_CHECKING:
    from jinja2 import Environment

APKG = "l13-rlhf.apkg"
GUID_NAMESPACE = "l13-rlhf"
MEDIA_PREFIX = "l13-rlhf-"  # Anki keeps all decks' media in one folder: our names must not collide
TAG = "l13-rlhf"

ROOT_DECK = DeckSpec(1939585241, "L13 RLHF", "")
CONCEPTS = 1215438891
DRILLS = 2034712893
DIAGNOSTICS = 1583017452
SUB_DECKS = {CONCEPTS: "L13 RLHF::Concepts", DRILLS: "L13 RLHF::Drills", DIAGNOSTICS: "L13 RLHF::Diagnostics"}


@dataclass(frozen=True)
class NoteType:
    id: int  # fixed forever; a change of fields or templates needs a new one (see deck_history)
    name: str
    fields: tuple[str, ...]
    template: str  # base name of templates/notetypes/<template>_front.html and _back.html


NOTE_TYPES = {
    "concept": NoteType(1606180261, "L13 RLHF concept", ("Front", "Back", "Figure", "Source"), "concept"),
    "drill": NoteType(1780427553, "L13 RLHF drill", ("Question", "Format", "Answer", "Solution", "Data"), "drill"),
    "diagnostic": NoteType(1431871029, "L13 RLHF diagnostic", ("Finding", "Instruments", "Verdict"), "diagnostic"),
}

NEGATIVE_KINDS = frozenset({"dpo_reward"})  # kinds whose answer can be negative


def build(ctx: Context) -> list[Output]:
    lesson = ctx.source.lesson
    env = environment()
    media: dict[str, bytes] = {}
    notes = [*_concept_notes(lesson, env, media), *_drill_notes(generate(lesson), env),
             *_diagnostic_notes(lesson, env)]
    notes = [replace(note, due=due) for due, note in enumerate(notes, start=1)]  # new cards in lesson order
    models, states = note_types()
    path = notes_history_path(ctx.source_path)
    history, recorded = read(path)
    contents = {n.stable_id: digest({"type": n.note_type, "fields": n.fields, "tags": n.tags}) for n in notes}
    note_mods, type_mods, updated = stamp(history, contents, states, now(), str(path))
    decks = [DeckSpec(ROOT_DECK.id, ROOT_DECK.name, _description(lesson, env, notes)),
             *(DeckSpec(i, name, "") for i, name in SUB_DECKS.items())]
    outputs = [Output(APKG, write_apkg(decks, models, notes, note_mods, type_mods, media))]
    data = updated.dumps()
    if data != recorded:
        outputs.append(Output(path.name, data, beside_source=True))
    return outputs


def now() -> int:
    """SOURCE_DATE_EPOCH if set (reproducible builds), else the clock: the time of a new or changed note."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    if not value.strip().isdigit():
        raise UserError.plain("SOURCE_DATE_EPOCH", f"'{value}' is not a time, expected whole seconds since 1970")
    return int(value)


# ---- templates -----------------------------------------------------------------------------------------


@cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(templates_dir() / "fields"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(n=math_number, vec=math_vector, brace=lambda s: "{" + str(s) + "}", percent=percent)
    return env


def render(env: Environment, name: str, **values: Any) -> str:
    # Formulas in breakable pieces (math_lines): MathJax breaks no line, and a card must fit a phone.
    return breakable(env.get_template(name).render(**values).strip())


def math_number(value: object) -> str:
    """A number for a card: true minus sign (house style)."""
    return str(value).replace("-", MINUS)


def math_vector(values: list[object]) -> str:
    return "(" + ", ".join(math_number(v) for v in values) + ")"


def percent(value: str) -> str:
    return format((Decimal(value) * 100).normalize(), "f") + "%"


@cache
def note_types() -> tuple[dict[int, Any], dict[int, NoteTypeState]]:
    """The genanki models and, for the history, the hashes of their fields, layout and content."""
    import genanki

    folder = templates_dir()
    css = (folder / "card.css").read_text(encoding="utf-8")
    models: dict[int, Any] = {}
    states: dict[int, NoteTypeState] = {}
    for note_type in NOTE_TYPES.values():
        front = (folder / "notetypes" / f"{note_type.template}_front.html").read_text(encoding="utf-8")
        back = (folder / "notetypes" / f"{note_type.template}_back.html").read_text(encoding="utf-8")
        template = {"name": "Card 1", "qfmt": front, "afmt": back}
        models[note_type.id] = genanki.Model(note_type.id, note_type.name,
                                             fields=[{"name": f} for f in note_type.fields],
                                             templates=[template], css=css)
        fields = digest({"fields": note_type.fields, "templates": [template["name"]]})
        layout = digest({"fields": note_type.fields, "templates": [[front, back]]})
        states[note_type.id] = NoteTypeState(note_type.name, fields, layout, digest([layout, css]))
    return models, states


# ---- notes ---------------------------------------------------------------------------------------------


def guid(stable_id: str) -> str:
    import genanki

    result: str = genanki.guid_for(GUID_NAMESPACE, stable_id)
    return result


def _note(stable_id: str, kind: str, deck: int, fields: list[str], tags: list[str]) -> NoteSpec:
    return NoteSpec(stable_id, guid(stable_id), NOTE_TYPES[kind].id, deck, tuple(fields), tuple(tags), 0)


def _concept_notes(lesson: Lesson, env: Environment, media: dict[str, bytes]) -> list[NoteSpec]:
    from markupsafe import Markup

    entries = entries_by_id(lesson)
    references = {r.id: r for r in lesson.references}
    notes = []
    for card in lesson.flashcards:
        # The card's display formulas, named in the source as entry-id.field (the loader checked each).
        formulas = [str(getattr(entries[entry_id], name))
                    for entry_id, name in (reference.split(".") for reference in card.formulas)]
        back = render(env, "concept_back.html.j2", back=Markup(to_markup(card.back, entries)), formulas=formulas)
        sources = render(env, "sources.html.j2", references=[_citation(references[r]) for r in card.sources])
        fields = [to_markup(card.front, entries), back, _figure(lesson, card, env, media), sources]
        notes.append(_note(card.id, "concept", CONCEPTS, fields,
                           [f"{TAG}::concept", f"{TAG}::concept::{card.id.removeprefix('card-')}"]))
    return notes


def _figure(lesson: Lesson, card: Flashcard, env: Environment, media: dict[str, bytes]) -> str:
    if card.figure is None:
        return ""
    from . import figures

    data = figures.render(lesson, card.figure, "svg")
    # The content hash in the name: a redrawn figure changes the field, so the note's time moves and Anki
    # imports the new file instead of keeping the learner's old one under the same name.
    name = f"{MEDIA_PREFIX}{card.figure}-{hashlib.sha256(data).hexdigest()[:10]}.svg"
    media[name] = data
    alt = next(f.alt for f in lesson.figures.items if f.id == card.figure)
    return render(env, "figure.html.j2", file=name, alt=expand(alt, entries_by_id(lesson)))


def _citation(reference: Reference) -> dict[str, object]:
    authors = [a.strip() for a in reference.authors.split(",")]
    named = [a for a in authors if a and not a.startswith("et al")]
    surname = named[0].split()[-1]
    if len(named) == len(authors) and len(named) == 2:
        cite = f"{surname} and {named[1].split()[-1]} {reference.year}"
    elif len(named) == 1 and len(authors) == 1:
        cite = f"{surname} {reference.year}"
    else:
        cite = f"{surname} et al. {reference.year}"
    return {"cite": cite, "title": reference.title, "venue": reference.venue}


def _drill_notes(drills: list[Drill], env: Environment) -> list[NoteSpec]:
    notes = []
    for drill in drills:
        extra = _drill_context(drill)
        answer_format = drill.answer_format
        if drill.kind in NEGATIVE_KINDS:
            answer_format += " (type a negative answer with the minus key of your keyboard)"
        fields = [render(env, "drill_question.html.j2", d=drill, **extra), html.escape(answer_format),
                  html.escape(drill.answer), render(env, "drill_solution.html.j2", d=drill, **extra),
                  html.escape(drill.data, quote=False)]
        kind = drill.kind.replace("_", "-")
        notes.append(_note(drill.id, "drill", DRILLS, fields, [f"{TAG}::drill", f"{TAG}::drill::{kind}"]))
    return notes


def _drill_context(drill: Drill) -> dict[str, object]:
    """What a solution says in words, decided from the exact inputs (no arithmetic in templates)."""
    inputs = drill.inputs
    extra: dict[str, object] = {"top": None, "raised": None, "complement": None}
    if drill.kind == "beta_limits":
        rewards = [Decimal(r) for r in inputs["reward"]]
        top = max(rewards)
        extra["top"] = {"reward": inputs["reward"][rewards.index(top)],
                        "responses": [k + 1 for k, r in enumerate(rewards) if r == top]}
    elif drill.kind == "dpo_reward":
        extra["raised"] = Decimal(inputs["pi"]) > Decimal(inputs["pi_ref"])
    elif drill.kind == "win_rate_interval":
        extra["complement"] = format((1 - Decimal(inputs["win_rate"])).normalize(), "f")
    return extra


def _diagnostic_notes(lesson: Lesson, env: Environment) -> list[NoteSpec]:
    entries = entries_by_id(lesson)
    instruments = {i.id: i for i in lesson.instruments}
    notes = []
    for finding in lesson.findings:
        fields = [render(env, "diagnostic_finding.html.j2", finding=finding, text=_markup(finding.finding, entries)),
                  render(env, "diagnostic_instruments.html.j2", verdict=finding.verdict,
                         instruments=[_instrument(instruments[i], entries) for i in finding.instruments]),
                  render(env, "diagnostic_verdict.html.j2", verdict=finding.verdict,
                         action=_markup(finding.action, entries))]
        notes.append(_note(finding.id, "diagnostic", DIAGNOSTICS, fields, _finding_tags(finding)))
    return notes


def _finding_tags(finding: Finding) -> list[str]:
    symptom = "working-run" if finding.symptom == "none" else finding.symptom
    return [f"{TAG}::diagnostic", f"{TAG}::diagnostic::{symptom}", f"{TAG}::verdict::{finding.verdict}"]


def _instrument(instrument: Any, entries: dict[str, Any]) -> dict[str, object]:
    return {"name": _markup(instrument.name, entries), "measures": _markup(instrument.measures, entries)}


def _markup(text: str, entries: dict[str, Any]) -> object:
    from markupsafe import Markup

    return Markup(to_markup(text, entries))


def _description(lesson: Lesson, env: Environment, notes: list[NoteSpec]) -> str:
    count: Callable[[int], int] = lambda deck: sum(n.deck == deck for n in notes)  # noqa: E731
    meta = lesson.meta
    return render(env, "deck_description.html.j2", title=meta.title, lesson=meta.lesson, course=meta.course,
                  version=meta.version, changes=meta.changes, concepts=count(CONCEPTS), drills=count(DRILLS),
                  diagnostics=count(DIAGNOSTICS))
