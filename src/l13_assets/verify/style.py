"""The brief's house style on every text that reaches an asset.

Prose: no em or en dashes; a minus sign is U+2212, never a hyphen; no capitals for emphasis, so any word in
capitals must be one of ``style.acronyms``. LaTeX fields only get the dash rule: LaTeX typesets its own
minus signs. One fact per top-level section; each offending text is reported at its own line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

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


def text_problems(text: str, latex: bool, acronyms: frozenset[str]) -> list[str]:
    problems = []
    controls = sorted({f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc"})
    if controls:
        problems.append(f"contains the control character {', '.join(controls)} (a tab?), expected plain spaces: "
                        "the assets' fonts have no glyph for it")
    for char, name in _DASHES.items():
        if char in text:
            problems.append(f"contains an {name} (U+{ord(char):04X}), expected a comma, colon or parentheses")
    if latex:
        return problems + latex_problems(text)
    if _HYPHEN_MINUS.search(text):
        problems.append("a hyphen is used as a minus sign, expected − (U+2212)")
    elif _SPACED_HYPHEN.search(text):  # one hyphen is one problem: a minus sign written " - 1" matches both
        problems.append("a spaced hyphen ' - ', expected − (U+2212) in math or a colon or comma in prose")
    shouting = sorted({w for w in _WORD.findall(text)
                       if sum(c.isupper() for c in w) >= 2 and not any(c.islower() for c in w)
                       and w not in acronyms})
    if shouting:
        problems.append(f"capitals {', '.join(shouting)} are not in style.acronyms, expected lower case "
                        "(no capitals for emphasis) or an acronym added to the list")
    return problems


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
            for problem in text_problems(text, latex, acronyms):
                failures.setdefault(section, []).append(Fact("style", text_path, text[:60], problem, False, problem))
    for section, count in counts.items():
        yield from failures.get(section) or [Fact("style", (section,), f"{count} texts", "house style holds", True)]
