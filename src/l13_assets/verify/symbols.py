"""One symbol per quantity: a Greek letter and its variant form (φ and ϕ, ε and ϵ, ...) are not mixed.

Prose writes the letter itself; LaTeX names it (``\\phi`` sets ϕ, ``\\varphi`` sets φ). A reader who sees
r_φ in a sentence and r_ϕ in the formula beside it cannot tell they are one reward model. For each pair, the
form the prose uses is the lesson's (the one most prose texts use, or most texts where prose has neither);
every text that writes the other form fails at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import LATEX, Lesson, walk
from ..yaml_reader import Path
from .facts import Fact

# Each quantity's two forms: (prose character, the LaTeX command that sets it).
PAIRS: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("φ", r"\varphi"), ("ϕ", r"\phi")),
    (("ε", r"\varepsilon"), ("ϵ", r"\epsilon")),
    (("θ", r"\theta"), ("ϑ", r"\vartheta")),
    (("ρ", r"\rho"), ("ϱ", r"\varrho")),
)


def _uses(text: str, latex: bool, form: tuple[str, str]) -> bool:
    char, command = form
    if latex:
        return re.search(re.escape(command) + r"(?![A-Za-z])", text) is not None or char in text
    return char in text


def _texts(lesson: Lesson) -> Iterator[tuple[Path, str, bool]]:
    for path, model in walk(lesson):
        if path[:1] == ("style",):
            continue
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            values = [(name, value)] if isinstance(value, str) else [
                ((name, i), v) for i, v in enumerate(value) if isinstance(v, str)] if isinstance(value, tuple) else []
            for key, text in values:
                where = (*path, *key) if isinstance(key, tuple) else (*path, key)
                yield where, text, LATEX in info.metadata


def run(lesson: Lesson) -> Iterator[Fact]:
    texts = list(_texts(lesson))
    ok = True
    for first, second in PAIRS:
        users = {form: [(p, latex) for p, t, latex in texts if _uses(t, latex, form)] for form in (first, second)}
        if not users[first] or not users[second]:
            continue
        # prose writes the symbol a reader meets first; LaTeX must set the same one (majority where prose mixes)
        prose = {form: sum(not latex for _, latex in users[form]) for form in (first, second)}
        votes = prose if any(prose.values()) else {form: len(users[form]) for form in (first, second)}
        kept, other = (first, second) if votes[first] >= votes[second] else (second, first)
        for path, latex in users[other]:
            ok = False
            written = f"{other[0]} ({other[1]})" if latex else other[0]
            wanted = kept[1] if latex else kept[0]
            yield Fact("symbol", path, other[0], kept[0], False,
                       f"writes {written} where {len(users[kept])} other texts write {kept[0]}, expected one symbol "
                       f"for one quantity: write {wanted}")
    if ok:
        yield Fact("symbol", (), f"{len(texts)} texts", "one form of each Greek letter", True)
