"""Load ``source/l13.yaml`` into a ``Lesson``, or report every problem with its place in the file.

Stages, each reporting all it finds: YAML (syntax, tags, duplicates, NaN), schema (pydantic), then ids
(duplicates, dangling references, ``[[...]]`` placeholders). A later stage runs only if the earlier ones
passed, because its findings would be noise on a broken tree.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from . import note_ids
from .errors import Problem, UserError
from .lesson_text import PLACEHOLDER, entries_by_id, lookup
from .model import (
    LATEX,
    PER_EXAMPLE_FIGURES,
    AtomicCard,
    Example,
    Figure,
    Instrument,
    Lesson,
    Reference,
    walk,
)
from .resources import read_source
from .yaml_reader import Located, Path, dotted, read_yaml


@dataclass(frozen=True)
class Source:
    """A loaded lesson and where each of its parts was written."""

    lesson: Lesson
    located: Located
    sha256: str

    @property
    def file(self) -> str:
        return self.located.file


def load(path: FsPath, *, display: str | None = None) -> Source:
    """Read and validate the source file; raise ``UserError`` with every problem found."""
    return parse(read_source(path), display or str(path))


def parse(raw: bytes, name: str) -> Source:
    located, problems = read_yaml(raw, name)
    if located is None or problems:
        raise UserError(problems)
    if not isinstance(located.data, dict):
        raise UserError([located.problem((), "the file is not a mapping, expected keys such as meta and examples")])
    try:
        lesson = Lesson.model_validate(located.data)
    except ValidationError as error:
        errors = error.errors(include_url=False)
        # A list whose items failed also fails its length check (pydantic counts only valid items): noise.
        # That holds at any depth: a bad reference inside pipeline[0] fails pipeline[0], so "pipeline" is short.
        deeper = {tuple(e["loc"][:k]) for e in errors for k, part in enumerate(e["loc"]) if isinstance(part, int)}
        problems += [_schema_problem(located, e) for e in errors
                     if not (e["type"] == "too_short" and tuple(e["loc"]) in deeper)]
        raise UserError(sorted(set(problems))) from None
    problems += _id_problems(lesson, located) + _range_problems(lesson, located) + _panel_problems(lesson, located)
    problems += note_ids.source_problems(lesson, located)  # renamed_from and retired, as far as the source shows
    if problems:
        raise UserError(sorted(set(problems)))
    return Source(lesson, located, hashlib.sha256(raw).hexdigest())


# Which entries each kind of reference field must point at.
_REFERENCE_FIELDS: dict[str, type[BaseModel]] = {
    "sources": Reference,
    "instruments": Instrument,
    "instrument": Instrument,
    "example": Example,
    "figure": Figure,
}


def _id_problems(lesson: Lesson, located: Located) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path, entry in walk(lesson):
        entry_id = getattr(entry, "id", None)
        if not isinstance(entry_id, str):
            continue
        if entry_id in seen:
            first = located.position((*seen[entry_id], "id"))[0]
            problems.append(located.problem((*path, "id"),
                                            f"duplicate id '{entry_id}' (first at line {first}), expected unique ids"))
        else:
            seen[entry_id] = path
    entries = entries_by_id(lesson)
    for path, entry in walk(lesson):
        for name, kind in _REFERENCE_FIELDS.items():
            if name not in type(entry).model_fields:
                continue
            value = getattr(entry, name)
            targets = value if isinstance(value, tuple) else (value,)
            for i, target in enumerate(targets):
                if not isinstance(target, str):  # e.g. Lesson.instruments holds the entries themselves
                    continue
                where = (*path, name, i) if isinstance(value, tuple) else (*path, name)
                found = entries.get(target)
                if not isinstance(found, kind):
                    problems.append(located.problem(where, _dangling(target, kind, entries)))
        if isinstance(entry, AtomicCard):
            for i, reference in enumerate(entry.formulas):
                problem = _formula_problem(reference, entries)
                if problem:
                    problems.append(located.problem((*path, "formulas", i), problem))
        for name, value in entry:
            if isinstance(value, str):
                for match in PLACEHOLDER.finditer(value):
                    try:
                        lookup(match.group(1), entries)
                    except ValueError as error:
                        problems.append(located.problem((*path, name), str(error)))
    return problems


def _latex_fields(entry: BaseModel) -> list[str]:
    return [name for name, info in type(entry).model_fields.items() if LATEX in info.metadata]


def _formula_problem(reference: str, entries: dict[str, BaseModel]) -> str | None:
    """What is wrong with a card's ``entry-id.field`` formula reference (the schema checked its shape)."""
    entry_id, name = reference.split(".")
    entry = entries.get(entry_id)
    if entry is None:
        candidates = sorted(i for i, e in entries.items() if _latex_fields(e))
        close = difflib.get_close_matches(entry_id, candidates, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"'{reference}' names no entry '{entry_id}', expected the id of an entry with a formula{hint}"
    fields = _latex_fields(entry)
    if not fields:
        return f"'{reference}': entry '{entry_id}' has no LaTeX field, expected an entry with a formula"
    if name not in fields:
        return f"'{reference}': '{name}' is not a LaTeX field of '{entry_id}', expected one of: {', '.join(fields)}"
    return None


def _range_problems(lesson: Lesson, located: Located) -> list[Problem]:
    """The figures draw every example on one β axis, with the lesson's β marked: it must lie inside."""
    low, high = lesson.figures.beta_range
    return [located.problem(("examples", i, "beta"), f"β = {example.beta} lies outside figures.beta_range "
                            f"[{low}, {high}], expected a β the figures can mark (or a wider range)")
            for i, example in enumerate(lesson.examples) if not low < example.beta < high]


def _panel_problems(lesson: Lesson, located: Located) -> list[Problem]:
    """A card shows a per-example figure as one image per example, each with its own alt text."""
    n = len(lesson.examples)
    return [located.problem(("figures", "items", i, "panels") if item.panels else ("figures", "items", i),
                            f"{item.id} has {len(item.panels)} panel alt texts, expected {n}, one per example "
                            "(each panel is its own image on a card)")
            for i, item in enumerate(lesson.figures.items)
            if item.id in PER_EXAMPLE_FIGURES and len(item.panels) != n]


def _dangling(target: str, kind: type[BaseModel], entries: dict[str, BaseModel]) -> str:
    candidates = sorted(i for i, e in entries.items() if isinstance(e, kind))
    close = difflib.get_close_matches(target, candidates, n=1)
    what = kind.__name__.lower()
    if close:
        return f"'{target}' is not the id of any {what}, expected an existing id (did you mean '{close[0]}'?)"
    shown = ", ".join(candidates[:8]) + (", ..." if len(candidates) > 8 else "")
    return f"'{target}' is not the id of any {what}, expected one of: {shown}"


def _schema_problem(located: Located, error: Any) -> Problem:
    loc: Path = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return located.problem(loc, f"unknown key{hint}, expected one of: {', '.join(allowed)}", key=True)
    if kind == "missing":
        return Problem(located.file, *located.position(loc), dotted(loc), "required key is missing, expected it here")
    return located.problem(loc, _message(kind, error))


# A number in scientific notation that YAML 1.1 (PyYAML) does not read as one: 1e5, 1.0e308, 2E-3 (it wants
# a dot in the mantissa and a sign in the exponent, as in 1.0e+308).
_YAML_1_1_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _message(kind: str, error: Any) -> str:
    value = error.get("input")
    ctx = error.get("ctx") or {}
    got = _describe(value)
    expected = {
        "string_type": "text", "int_type": "a whole number", "bool_type": "true or false",
        "decimal_type": "a number", "is_instance_of": "a number", "decimal_parsing": "a number",
        "tuple_type": "a list", "list_type": "a list", "model_type": "a mapping", "dict_type": "a mapping",
        "model_attributes_type": "a mapping", "int_from_float": "a whole number",
        "none_required": "nothing",
    }.get(kind)
    if expected:
        hint = ""
        if expected == "a number" and isinstance(value, str) and _YAML_1_1_EXPONENT.fullmatch(value.strip()):
            hint = " (YAML reads an exponent without a dot and a sign as text: write 1.0e+308, or plain digits)"
        return f"got {got}, expected {expected}{hint}"
    if kind in {"value_error", "assertion_error"}:
        return str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        return f"got {got}, expected one of {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return f"got {got}, expected lowercase words joined by hyphens (pattern {ctx.get('pattern')})"
    if kind in {"too_short", "too_long"}:
        bound = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        return f"has {ctx.get('actual_length')} items, expected {bound} {limit}"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        words = {"greater_than": "greater than", "greater_than_equal": "at least",
                 "less_than": "less than", "less_than_equal": "at most"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"got {got}, expected a number {words} {f'{bound:,}' if isinstance(bound, int) else bound}"
    if kind == "string_too_long":
        return f"is {len(value):,} characters long, expected at most {ctx.get('max_length'):,}"
    return f"{error['msg']}, got {got}"


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"the text '{short}'" if value.strip() else "empty text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, tuple):
        return "a list"
    return type(value).__name__


def _fields_at(loc: Path) -> list[str]:
    """The keys the schema allows at ``loc`` (for 'did you mean')."""
    annotation: Any = Lesson
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            annotation = annotation.model_fields[part].annotation
        elif typing.get_origin(annotation) is tuple and isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if len(args) == 2 and args[1] is Ellipsis else args[min(part, len(args) - 1)]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation
