"""How the source's numbers and prose become text on an asset.

Prose may insert a checked number with ``[[entry-id.field]]``; numbers are printed as the source states
them (same decimals) with a true minus sign. Subscripts are written ``π_SFT`` or ``x_{t+1}`` (superscripts
``L^CLIP``) in the source
and become markup here, for HTML (cards) and for reportlab paragraphs (cheatsheet), which share the tags.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

from pydantic import BaseModel

from .model import Lesson, walk

PLACEHOLDER = re.compile(r"\[\[([^\[\]]*)\]\]")
_REFERENCE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\.([a-z_]+(?:\.[a-z_]+)*)$")
_SCRIPT = re.compile(r"([_^])(\{[^{}]*\}|\w+)")
MINUS = "\u2212"


def format_number(value: Decimal | int) -> str:
    text = str(value) if isinstance(value, int) else format(value, "f")  # format(1000, "f") is "1000.000000"
    return text.replace("-", MINUS)


def format_value(value: object) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return format_number(value)
    raise TypeError(f"not a number: {value!r}")


def entries_by_id(lesson: Lesson) -> dict[str, BaseModel]:
    found: dict[str, BaseModel] = {}
    for _, entry in walk(lesson):
        entry_id = getattr(entry, "id", None)
        if isinstance(entry_id, str):
            found[entry_id] = entry
    return found


def lookup(reference: str, entries: dict[str, BaseModel]) -> str:
    """The text a ``[[reference]]`` stands for; ValueError saying what is wrong if it does not resolve."""
    match = _REFERENCE.match(reference)
    if not match:
        raise ValueError(f"[[{reference}]] is not a reference, expected [[entry-id.field]]")
    entry_id, names = match.groups()
    if entry_id not in entries:
        raise ValueError(f"[[{reference}]] names no entry '{entry_id}', expected the id of an entry")
    value: object = entries[entry_id]
    for name in names.split("."):
        fields = list(type(value).model_fields) if isinstance(value, BaseModel) else []
        if name not in fields:
            raise ValueError(f"[[{reference}]]: '{name}' is not a field there, expected one of {', '.join(fields)}")
        value = getattr(value, name)
    try:
        return format_value(value)
    except TypeError:
        raise ValueError(f"[[{reference}]] is not a number, expected a numeric field") from None


def expand(text: str, entries: dict[str, BaseModel]) -> str:
    """Prose with every ``[[reference]]`` replaced by its checked number (plain text, not escaped)."""
    return PLACEHOLDER.sub(lambda m: lookup(m.group(1), entries), text)


def to_markup(text: str, entries: dict[str, BaseModel]) -> str:
    """Prose as escaped markup with <sub> subscripts: valid in HTML and in reportlab paragraphs."""
    escaped = html.escape(expand(text, entries), quote=False)
    return _SCRIPT.sub(_script_tag, escaped)


def _script_tag(match: re.Match[str]) -> str:
    tag = "sub" if match.group(1) == "_" else "sup"
    return f"<{tag}>{match.group(2).strip('{}')}</{tag}>"

