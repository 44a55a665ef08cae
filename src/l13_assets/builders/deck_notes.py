"""The Anki deck: concept cards, numeric drills and diagnostic drills, safe to import again on every release.

Identity: note types and decks have fixed ids below; a note's GUID is ``genanki.guid_for(GUID_NAMESPACE,
stable id)``, the id of the source entry (or generated drill), never its text, so an edit updates the
learner's note. Modification times come from the note history beside the source (``deck_history``): a
note's time moves forward exactly when its content changes, and the same source and history give the same
bytes. All field HTML is rendered by jinja2 templates in ``templates/fields`` with autoescape; the card
templates (Anki's own ``{{Field}}`` syntax) and the CSS are read verbatim from ``templates/``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from ..drills import Drill
from ..lesson_text import MINUS, entries_by_id, to_markup
from ..math_lines import breakable
from ..model import MAX_CARDS_PER_NOTE, AtomicCard, Finding, Flashcard, Lesson, Reference
from ..note_ids import reconcile
from ..resources import notes_history_path, templates_dir
from . import Built, Context, Output
from .deck_history import History, NoteTypeState, digest, parse, require, stamp
from .deck_package import DeckSpec, NoteSpec, write_apkg

if TYPE_CHECKING:
    from jinja2 import Environment

    from .figure_render import Renders

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


# A concept note holds up to MAX_CARDS_PER_NOTE atomic cards: card template k shows the fields "Front k",
# "Back k" and "Source k" and is generated only when "Front k" is filled. Release 1 had one card per note
# under "L13 RLHF concept" (id 1606180261, fields Front, Back, Figure, Source); the new fields need a new id.
CONCEPT_FIELDS = ("Topic", *(f"{side} {k}" for k in range(1, MAX_CARDS_PER_NOTE + 1)
                             for side in ("Front", "Back", "Source")))

NOTE_TYPES = {
    "concept": NoteType(1729053714, "L13 RLHF concept cards", CONCEPT_FIELDS, "concept_card"),
    "drill": NoteType(1780427553, "L13 RLHF drill", ("Question", "Format", "Answer", "Solution", "Data"), "drill"),
    "diagnostic": NoteType(1431871029, "L13 RLHF diagnostic", ("Finding", "Instruments", "Verdict"), "diagnostic"),
}

NEGATIVE_KINDS = frozenset({"dpo_reward", "expected_reward", "max_value"})  # kinds whose answer can be negative
# What a learner needs a calculator for, by kind (β-limit shares are fractions and need none).
CALCULATOR = {"optimal_policy_two": "powers of e", "optimal_policy_three": "powers of e",
              "practice_problem": "powers of e and logarithms", "max_value": "powers of e and a logarithm",
              "expected_reward": "powers of e", "kl": "powers of e and logarithms", "kl_direction": "logarithms",
              "bradley_terry": "a power of e", "rm_loss": "powers of e and logarithms", "dpo_reward": "a logarithm",
              "win_rate_interval": "a square root", "win_rate_gain": "a square root"}
POLICY_KINDS = ("optimal_policy_two", "optimal_policy_three", "practice_problem", "max_value", "expected_reward", "kl")


def build(ctx: Context) -> Built:
    lesson = ctx.source.lesson
    env = environment()
    media: dict[str, bytes] = {}
    notes = [*_concept_notes(lesson, env, media, ctx.renders), *_drill_notes(list(ctx.drills), env, lesson),
             *_diagnostic_notes(lesson, env)]
    notes = [replace(note, due=due) for due, note in enumerate(notes, start=1)]  # new cards in lesson order
    models, states = note_types()
    path = notes_history_path(ctx.source_path)  # named in messages; the pipeline read its bytes
    require(ctx.history, ctx.options.new_history, path)
    history = parse(ctx.history, path)
    # Declared renames move history entries (and GUIDs) to the new ids; undeclared changes are refused.
    history = History(reconcile(lesson, ctx.source.located, history.notes, [n.stable_id for n in notes], str(path)),
                      history.note_types)
    notes = [replace(n, guid=guid(history.notes.get(n.stable_id, {}).get("identity", n.stable_id))) for n in notes]
    contents = {n.stable_id: digest({"type": n.note_type, "fields": n.fields, "tags": n.tags}) for n in notes}
    now = int(time.time()) if ctx.epoch is None else ctx.epoch  # SOURCE_DATE_EPOCH: reproducible builds
    note_mods, type_mods, updated = stamp(history, contents, states, now, str(path))
    decks = [DeckSpec(ROOT_DECK.id, ROOT_DECK.name, _description(lesson, env, notes)),
             *(DeckSpec(i, name, "") for i, name in SUB_DECKS.items())]
    files = [Output(APKG, write_apkg(decks, models, notes, note_mods, type_mods, media))]
    data = updated.dumps()
    return Built(files, history=None if data == ctx.history else data)



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
        templates = _card_templates(folder, note_type)
        models[note_type.id] = genanki.Model(note_type.id, note_type.name,
                                             fields=[{"name": f} for f in note_type.fields],
                                             templates=templates, css=css)
        fields = digest({"fields": note_type.fields, "templates": [t["name"] for t in templates]})
        layout = digest({"fields": note_type.fields, "templates": [[t["qfmt"], t["afmt"]] for t in templates]})
        states[note_type.id] = NoteTypeState(note_type.name, fields, layout, digest([layout, css]))
    return models, states


def _card_templates(folder: Any, note_type: NoteType) -> list[dict[str, str]]:
    """The note type's card templates: one per slot for concept cards (``@`` in the files is the slot)."""
    front = (folder / "notetypes" / f"{note_type.template}_front.html").read_text(encoding="utf-8")
    back = (folder / "notetypes" / f"{note_type.template}_back.html").read_text(encoding="utf-8")
    if note_type.fields != CONCEPT_FIELDS:
        return [{"name": "Card 1", "qfmt": front, "afmt": back}]
    return [{"name": f"Card {k}", "qfmt": front.replace("@", str(k)), "afmt": back.replace("@", str(k))}
            for k in range(1, MAX_CARDS_PER_NOTE + 1)]


# ---- notes ---------------------------------------------------------------------------------------------


def guid(stable_id: str) -> str:
    import genanki

    result: str = genanki.guid_for(GUID_NAMESPACE, stable_id)
    return result


def _note(stable_id: str, kind: str, deck: int, fields: list[str], tags: list[str]) -> NoteSpec:
    return NoteSpec(stable_id, guid(stable_id), NOTE_TYPES[kind].id, deck, tuple(fields), tuple(tags), 0)


def _concept_notes(lesson: Lesson, env: Environment, media: dict[str, bytes], renders: Renders | None
                   ) -> list[NoteSpec]:
    entries = entries_by_id(lesson)
    references = {r.id: r for r in lesson.references}
    notes = []
    for note in lesson.flashcards:
        figure = _figure(lesson, note, env, media, renders)
        fields = dict.fromkeys(CONCEPT_FIELDS, "")
        fields["Topic"] = to_markup(note.topic, entries)
        for card in note.cards:
            fields[f"Front {card.slot}"] = to_markup(card.front, entries)
            fields[f"Back {card.slot}"] = _concept_back(card, entries, figure if card.with_figure else "", env)
            fields[f"Source {card.slot}"] = render(env, "sources.html.j2",
                                                   references=[_citation(references[r]) for r in card.sources])
        notes.append(_note(note.id, "concept", CONCEPTS, list(fields.values()),
                           [f"{TAG}::concept", f"{TAG}::concept::{note.id.removeprefix('card-')}"]))
    return notes


def _concept_back(card: AtomicCard, entries: dict[str, Any], figure: str, env: Environment) -> str:
    from markupsafe import Markup

    # The card's display formulas, named in the source as entry-id.field (the loader checked each).
    formulas = [str(getattr(entries[entry_id], name))
                for entry_id, name in (reference.split(".") for reference in card.formulas)]
    return render(env, "concept_card_back.html.j2", back=Markup(to_markup(card.back, entries)), formulas=formulas,
                  figure=Markup(figure))


def _figure(lesson: Lesson, card: Flashcard, env: Environment, media: dict[str, bytes], renders: Renders | None = None
            ) -> str:
    if card.figure is None:
        return ""
    from .figure_card import panels

    return render(env, "figure.html.j2", panels=panels(lesson, card.figure, media, MEDIA_PREFIX, renders))


def _citation(reference: Reference) -> dict[str, object]:
    from ..citations import short_cite

    return {"cite": short_cite(reference), "title": reference.title, "venue": reference.venue}


def _drill_notes(drills: list[Drill], env: Environment, lesson: Lesson) -> list[NoteSpec]:
    notes = []
    confidence = percent(str(lesson.run_health.confidence_level))
    for drill in drills:
        extra = {**_drill_context(drill), "confidence": confidence, "POLICY_KINDS": POLICY_KINDS}
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
    """What a question or solution says in words, decided from the exact inputs (no arithmetic in templates)."""
    inputs = drill.inputs
    extra: dict[str, object] = {"top": None, "raised": None, "complement": None, "above_even": None, "gap": None,
                                "pairs": None,
                                "quantity": inputs.get("quantity", drill.kind),
                                "calculator": CALCULATOR.get(drill.kind)}
    if drill.kind == "beta_limits":
        rewards = [Decimal(r) for r in inputs["reward"]]
        top = max(rewards)
        on_top = [k for k, r in enumerate(rewards) if r == top]
        mass = sum((Decimal(inputs["pi_sft"][k]) for k in on_top), Decimal(0))
        extra["top"] = {"reward": inputs["reward"][rewards.index(top)], "responses": [k + 1 for k in on_top],
                        "mass": format(mass.normalize(), "f")}
        extra["calculator"] = "a logarithm" if inputs["quantity"] == "kl" else None
    elif drill.kind == "dpo_reward":
        extra["raised"] = Decimal(inputs["pi"]) > Decimal(inputs["pi_ref"])
    elif drill.kind in ("win_rate_interval", "win_rate_gain"):
        extra["complement"] = format((1 - Decimal(inputs["win_rate"])).normalize(), "f")
        extra["above_even"] = Decimal(inputs["win_rate"]) > Decimal("0.5")  # more comparisons could show a gain
    elif drill.kind == "bradley_terry":
        first, second = (Decimal(r) for r in inputs["reward"])
        extra["gap"] = format((first - second).normalize(), "f")
    elif drill.kind == "rm_loss":
        reward = inputs["reward"]
        extra["pairs"] = [(f"y_{i + 1}", f"y_{j + 1}") for i in range(len(reward)) for j in range(i + 1, len(reward))]
    return extra


def _diagnostic_notes(lesson: Lesson, env: Environment) -> list[NoteSpec]:
    """One note per finding: the finding (no exercise label), the instruments that show it with why, the
    verdict the run-health rules give, what to do, and the papers behind the instruments."""
    from markupsafe import Markup

    entries = entries_by_id(lesson)
    instruments = {i.id: i for i in lesson.instruments}
    references = {r.id: r for r in lesson.references}
    ruled = {rule.instrument for rule in lesson.run_health.rules}
    notes = []
    for finding in lesson.findings:
        # An instrument that rules out another cause of the symptom is read with it, not shown by it.
        shown = [{"name": _markup(instruments[i].name, entries), "settles": i in ruled, "why": _markup(why, entries),
                  "read_with": finding.symptom in instruments[i].rules_out}
                 for i, why in zip(finding.instruments, finding.why, strict=True)]
        cited = dict.fromkeys(r for i in finding.instruments for r in instruments[i].sources)
        sources = render(env, "sources.html.j2", references=[_citation(references[r]) for r in cited])
        fields = [render(env, "diagnostic_finding.html.j2", text=_markup(finding.finding, entries)),
                  render(env, "diagnostic_instruments.html.j2", instruments=shown),
                  render(env, "diagnostic_verdict.html.j2", verdict=finding.verdict,
                         action=_markup(finding.action, entries), sources=Markup(sources))]
        notes.append(_note(finding.id, "diagnostic", DIAGNOSTICS, fields, _finding_tags(finding)))
    return notes


def _finding_tags(finding: Finding) -> list[str]:
    symptom = "working-run" if finding.symptom == "none" else finding.symptom
    return [f"{TAG}::diagnostic", f"{TAG}::diagnostic::{symptom}", f"{TAG}::verdict::{finding.verdict}"]


def _markup(text: str, entries: dict[str, Any]) -> object:
    from markupsafe import Markup

    return Markup(to_markup(text, entries))


def _description(lesson: Lesson, env: Environment, notes: list[NoteSpec]) -> str:
    count: Callable[[int], int] = lambda deck: sum(n.deck == deck for n in notes)  # noqa: E731
    meta = lesson.meta
    return render(env, "deck_description.html.j2", title=meta.title, lesson=meta.lesson, course=meta.course,
                  version=meta.version, changes=meta.changes, drills=count(DRILLS),
                  concepts=sum(len(note.cards) for note in lesson.flashcards),
                  diagnostics=count(DIAGNOSTICS), retired=lesson.retired,
                  references=_deck_references(lesson))


def _deck_references(lesson: Lesson) -> list[dict[str, object]]:
    """Every reference a card cites, in order of first citation, for the deck's description."""
    from ..citations import deck_sources, numbering, short_cites

    names = short_cites(lesson.references)
    by_id = {r.id: r for r in lesson.references}
    return [{"cite": names[ref], "title": by_id[ref].title, "venue": by_id[ref].venue}
            for ref in numbering(deck_sources(lesson))]
