"""The brief's house style on every text that reaches an asset.

Prose: no em or en dashes; a minus sign is U+2212, never a hyphen; no capitals for emphasis, so any word in
capitals must be one of ``style.acronyms``. LaTeX fields only get the dash rule: LaTeX typesets its own
minus signs. One fact per top-level section; each offending text is reported at its own line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from ..model import LATEX, Lesson, walk
from ..yaml_reader import Path
from .facts import Fact
from .latex import latex_problems

_DASHES = {"\u2014": "em dash", "\u2013": "en dash", "\u2012": "figure dash", "\u2015": "horizontal bar"}
# A hyphen where a minus sign belongs: after a space, bracket, '=' or start, before a number or a math symbol.
_HYPHEN_MINUS = re.compile(r"(?:^|(?<=[\s(\[=,]))-(?=\s?[\d.βπσθφλ(])")
_SPACED_HYPHEN = re.compile(r"\s-\s")
_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Offence:
    """One house-style problem in a text, and where in the text it is: the ``occurrence``-th (0-based)
    ``needle``, so the problem can name the exact line and column in the source."""

    message: str
    needle: str | None = None
    occurrence: int = 0


def text_problems(text: str, latex: bool, acronyms: frozenset[str]) -> list[str]:
    return [offence.message for offence in offences(text, latex, acronyms)]


def offences(text: str, latex: bool, acronyms: frozenset[str]) -> list[Offence]:
    found: list[tuple[int, Offence]] = []  # (index in the text, offence): reported in the order of the text
    controls = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc"})
    if controls:
        first = next(i for i, c in enumerate(text) if unicodedata.category(c) == "Cc")
        found.append((first, Offence(f"contains the control character {', '.join(controls)} (a tab?), expected "
                                     "plain spaces: the assets' fonts have no glyph for it", text[first])))
    for char, name in _DASHES.items():
        for i, at in enumerate(_positions(text, char)):
            found.append((at, Offence(f"contains an {name} (U+{ord(char):04X}) in {_around(text, at, 1)}, "
                                      "expected a comma, colon or parentheses", char, i)))
    if latex:
        return _in_order(found) + [Offence(message) for message in latex_problems(text)]
    minus = [m.start() for m in _HYPHEN_MINUS.finditer(text)]
    spaced = [m.start() + 1 for m in _SPACED_HYPHEN.finditer(text) if m.start() + 1 not in minus]
    hyphens = _positions(text, "-")
    for at in sorted(minus + spaced):  # one hyphen is one problem: a minus sign written " - 1" matches both
        words = (f"a hyphen is used as a minus sign in {_around(text, at, 1)}, expected − (U+2212)" if at in minus
                 else f"a spaced hyphen ' - ' in {_around(text, at, 1)}, expected − (U+2212) in math or a colon or "
                 "comma in prose")
        found.append((at, Offence(words, "-", hyphens.index(at))))
    shouted: set[str] = set()
    for match in _WORD.finditer(text):
        word = match.group()
        if (sum(c.isupper() for c in word) >= 2 and not any(c.islower() for c in word) and word not in acronyms
                and word not in shouted):
            shouted.add(word)
            found.append((match.start(), Offence(
                f"capitals {word} in {_around(text, match.start(), len(word))} are not in style.acronyms, expected "
                "lower case (no capitals for emphasis) or an acronym added to the list", word,
                _positions(text, word).index(match.start()))))
    return _in_order(found)


def _in_order(found: list[tuple[int, Offence]]) -> list[Offence]:
    return [offence for _, offence in sorted(found, key=lambda pair: pair[0])]


def _positions(text: str, needle: str) -> list[int]:
    """Every index where ``needle`` starts, overlaps included (as ``Located.inside`` counts them)."""
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _around(text: str, at: int, length: int, words: int = 3) -> str:
    """The offending text quoted with up to ``words`` words either side, so an author can search for it."""
    before = text[:at].split(" ")
    after = text[at + length:].split(" ")
    head = " ".join(before[-(words + 1):])
    tail = " ".join(after[:words + 1])
    shown = head + text[at:at + length] + tail
    return f"'{'...' if len(before) > words + 1 else ''}{shown}{'...' if len(after) > words + 1 else ''}'"


def _texts(model: BaseModel, path: Path) -> Iterator[tuple[Path, str, bool]]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        latex = LATEX in info.metadata
        if isinstance(value, str):
            yield (*path, name), value, latex
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield (*path, name, i), item, latex


def run(lesson: Lesson) -> Iterator[Fact]:
    acronyms = frozenset(lesson.style.acronyms)
    counts: dict[str, int] = {}
    failures: dict[str, list[Fact]] = {}
    for path, model in walk(lesson):
        if path[:1] == ("style",):
            continue
        for text_path, text, latex in _texts(model, path):
            section = str(text_path[0])
            counts[section] = counts.get(section, 0) + 1
            for offence in offences(text, latex, acronyms):
                at = (offence.needle, offence.occurrence) if offence.needle else None
                failures.setdefault(section, []).append(Fact("style", text_path, text[:60], offence.message, False,
                                                             offence.message, at=at))
    for section, count in counts.items():
        yield from failures.get(section) or [Fact("style", (section,), f"{count} texts", "house style holds", True)]
