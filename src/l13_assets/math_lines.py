"""Formulas that fit a phone: MathJax 3 never breaks a formula across lines, so the card HTML gives it places to.

Each ``\\( \\)`` or ``\\[ \\]`` formula of a card field is cut before every relation (=, <, ≈, ∝, →, ...) that
stands outside all braces, brackets, parentheses, ``\\left...\\right`` pairs and environments, and after a
top-level ``\\quad``. Each piece is typeset as a formula of its own, with a space between them, so the browser
breaks the line between pieces only where the screen is too narrow (where TeX itself breaks inline math), and
a continued line starts with its relation, as in aligned steps. In running text (inline math) the first
relation is not cut, so a line never ends on a bare left-hand side ("w_1" with its "= ..." on the next line).
A punctuation mark after a formula is kept with its last piece, so a period never wraps onto a line of its
own. The pieces joined are the formula.
"""

from __future__ import annotations

import re
from itertools import pairwise

RELATIONS = frozenset({"approx", "propto", "le", "leq", "ge", "geq", "ne", "neq", "equiv", "to", "mapsto",
                       "sim", "simeq", "ll", "gg"})
SPACES_AFTER = frozenset({"quad", "qquad"})
_OPEN = {"{": "}", "(": ")", "[": "]"}
_ENTITY = re.compile(r"&(lt|gt);")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
_FORMULA = re.compile(r"\\\((?P<inline>.+?)\\\)(?P<end>[.,;:]?)|\\\[(?P<display>.+?)\\\]", re.S)


def pieces(tex: str) -> list[str]:
    """``tex`` cut at its top-level relations (before them) and spaces (after them), each piece stripped."""
    cuts = [0]
    depth = 0
    i = 0
    while i < len(tex):
        char = tex[i]
        word = _CONTROL_WORD.match(tex, i)
        entity = _ENTITY.match(tex, i)
        if word:
            name = word.group(1)
            depth += 1 if name in ("left", "begin") else -1 if name in ("right", "end") else 0
            if depth == 0 and name in RELATIONS:
                cuts.append(i)
            i = word.end()
            if depth == 0 and name in SPACES_AFTER:
                cuts.append(i)
            continue
        if char == "\\":  # a control symbol (\, \{ \| \\): never a group
            i += 2
            continue
        if entity:
            if depth == 0:
                cuts.append(i)
            i = entity.end()
            continue
        if char in _OPEN:
            depth += 1
        elif char in _OPEN.values():
            depth = max(depth - 1, 0)
        elif char in "=<>" and depth == 0 and not (i > 0 and tex[i - 1] in "=<>!"):
            cuts.append(i)
        i += 1
    cuts.append(len(tex))
    parts = [tex[a:b].strip() for a, b in pairwise(cuts)]
    return [p for p in parts if p]


def breakable(html: str) -> str:
    """Every formula of a field's HTML in breakable pieces, with its trailing punctuation held to it."""
    return _FORMULA.sub(_pieces_html, html)


def _pieces_html(match: re.Match[str]) -> str:
    if match.group("display") is not None:
        return " ".join(rf"\[{p}\]" for p in pieces(match.group("display")))
    cut = pieces(match.group("inline"))
    cut[:2] = [" ".join(cut[:2])]  # the left-hand side stays with its first relation
    parts = [rf"\({p}\)" for p in cut]
    end = match.group("end")
    if end:
        parts[-1] = f'<span class="math-end">{parts[-1]}{end}</span>'
    return " ".join(parts)
