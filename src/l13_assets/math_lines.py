"""Formulas that fit a phone: MathJax 3 never breaks a formula across lines, so the card HTML gives it places to.

Each ``\\( \\)`` or ``\\[ \\]`` formula of a card field is cut into pieces at the places TeX's own line breaking
would use, and only at the outer level: never inside braces, parentheses, plain brackets, ``\\left...\\right``
pairs or environments. The delimiters sized by hand (``\\big(``, ``\\Big[`` ...) are no group to TeX, so a long
bracket such as the RLHF objective's ``\\Big[ r - \\beta \\log \\frac{..}{..} \\Big]`` may break inside.

- before a relation (=, <, ≈, ∝, →, ...), so a continued line starts with its relation, as in aligned steps;
  in running text (inline math) not before the first one, so a line never ends on a bare left-hand side;
- at a binary operator (+, −, ·, ×, ±) between two operands: in display math before it (the continued line
  starts with the operator, as in a multi-line display), in inline math after it (as TeX breaks a paragraph);
- after a top-level ``\\quad``, between two formulas of one display.

The pieces are typeset one by one and joined by ``<wbr>``, a break opportunity of no width, so where the screen
is wide enough they sit on one line exactly as the whole formula would. A relation or operator at a cut gets an
empty group ``{}`` on its cut side, so TeX spaces it as it would inside the formula (an operator at the start
of a formula is otherwise read as a sign). The punctuation touching a formula is kept with its piece (a
closing bracket, period or question mark with the last, an opening bracket with the first), so a period or
a ")?" never wraps onto a line of its own. The pieces joined, the glue removed, are the formula.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from itertools import pairwise

from .latex_tokens import Token, tokens

RELATIONS = frozenset({"approx", "propto", "le", "leq", "ge", "geq", "ne", "neq", "equiv", "to", "mapsto",
                       "sim", "simeq", "ll", "gg"})
OPERATORS = frozenset({"cdot", "times", "pm", "mp"})
SPACES_AFTER = frozenset({"quad", "qquad"})
SIZED = frozenset({f"{size}{side}" for size in ("big", "Big", "bigg", "Bigg") for side in ("", "l", "r", "m")})
GLUE = "{}"
BREAK = "<wbr>"
_OPEN = {"{": "}", "(": ")", "[": "]"}
_ENTITY = re.compile(r"&(lt|gt);")
_DELIMITERS = frozenset("()[]|./<>")  # what may follow a size command (\Big( ...), besides \{ \} \| and words
# An inline formula with the punctuation that touches it: an opening bracket before, closing marks after.
_FORMULA = re.compile(r"(?P<start>[(\[]?)\\\((?P<inline>.+?)\\\)(?P<end>[.,;:?!)\]]*)|\\\[(?P<display>.+?)\\\]",
                      re.S)


@dataclass(frozen=True)
class _Cut:
    at: int  # index into the TeX
    kind: str  # "relation" (before it), "operator" (the operator is tex[at:end]), "space" (after a \quad)
    end: int = 0


def _cuts(tex: str) -> list[_Cut]:
    """Every place the formula may break, in order."""
    scan = _Scan(tex, tokens(tex))
    while scan.i < len(scan.tokens):
        token = scan.tokens[scan.i]
        scan.i += 1
        if token.word is not None:
            scan.word(token, token.word)
        elif token.symbol is not None:  # a control symbol (\, \{ \| \\): never a group
            symbol = token.symbol
            scan.operand = scan.operand if symbol in (",", ";", ":", "!", " ") else symbol not in "{"
        elif not token.text.isspace():
            scan.character(token)
    return scan.cuts


@dataclass
class _Scan:
    """The state of one pass over a formula's tokens: where it is, how deep, and whether the last atom at
    the outer level can stand left of a binary operator (``operand``)."""

    tex: str
    tokens: list[Token]
    i: int = 0
    depth: int = 0
    operand: bool = False
    cuts: list[_Cut] = field(default_factory=list)

    def word(self, token: Token, name: str) -> None:
        if name in SIZED:  # \Big( is a glyph, no group: its delimiter neither opens nor closes one
            delimiter = self._delimiter()
            self.operand = name.endswith("r") or delimiter in (")", "]", r"\}")
            return
        self.depth += 1 if name in ("left", "begin") else -1 if name in ("right", "end") else 0
        if self.depth == 0 and name in RELATIONS:
            self.cuts.append(_Cut(token.at, "relation"))
        elif self.depth == 0 and name in OPERATORS and self.operand:
            self.cuts.append(_Cut(token.at, "operator", token.end))
        if self.depth == 0 and name in SPACES_AFTER:
            self.cuts.append(_Cut(token.end, "space"))
        self.operand = name not in RELATIONS | OPERATORS | SPACES_AFTER | {"left", "begin"}

    def _delimiter(self) -> str | None:
        """Take the delimiter after a size command (spaces may come between), if there is one."""
        j = self.i
        while j < len(self.tokens) and self.tokens[j].text.isspace():
            j += 1
        if j < len(self.tokens):
            text = self.tokens[j].text
            if text in _DELIMITERS or (text[:1] == "\\" and (self.tokens[j].word or text[1:] in ("{", "}", "|"))):
                self.i = j + 1
                return text
        return None

    def character(self, token: Token) -> None:
        char, at = token.text, token.at
        entity = _ENTITY.match(self.tex, at) if char == "&" else None
        if entity:  # &lt; or &gt; in the field's HTML: a relation
            if self.depth == 0:
                self.cuts.append(_Cut(at, "relation"))
            self.operand = False
            while self.i < len(self.tokens) and self.tokens[self.i].at < entity.end():
                self.i += 1
        elif char in _OPEN:
            self.depth += 1
            self.operand = False
        elif char in _OPEN.values():
            self.depth = max(self.depth - 1, 0)
            self.operand = True
        elif char in "=<>" and self.depth == 0:
            if not (at > 0 and self.tex[at - 1] in "=<>!"):
                self.cuts.append(_Cut(at, "relation"))
            self.operand = False
        elif char in "+-−" and self.depth == 0 and self.operand:
            self.cuts.append(_Cut(at, "operator", at + 1))
            self.operand = False
        elif self.depth == 0:
            self.operand = char not in "+-−,;:!"


@dataclass(frozen=True)
class Piece:
    tex: str  # the formula's own text: the pieces' texts joined are the formula
    glue_before: bool = False  # it starts with a relation or operator cut from what came before
    glue_after: bool = False  # it ends with an operator cut from what comes after

    @property
    def typeset(self) -> str:
        """The piece as a formula of its own, spaced as inside the whole formula."""
        return (GLUE if self.glue_before else "") + self.tex + (GLUE if self.glue_after else "")


def pieces(tex: str, *, inline: bool = False) -> list[Piece]:
    """``tex`` cut where it may break (see the module's text), each piece stripped."""
    cuts = _cuts(tex)
    if inline:  # the left-hand side stays with its first relation
        first = next((c for c in cuts if c.kind == "relation"), None)
        cuts = [c for c in cuts if c is not first]
    # Where each piece starts, whether it starts at a relation or operator, whether the one before ends at one.
    bounds: list[tuple[int, bool, bool]] = [(0, False, False)]
    for cut in cuts:
        if cut.kind == "relation" or (cut.kind == "operator" and not inline):
            bounds.append((cut.at, True, False))
        elif cut.kind == "operator":
            bounds.append((cut.end, False, True))
        else:
            bounds.append((cut.at, False, False))
    bounds.append((len(tex), False, False))
    parts = [Piece(tex[start:stop].strip(), before, after)
             for (start, before, _), (stop, _, after) in pairwise(bounds)]
    return [p for p in parts if p.tex]


# Pure on its text, and most of a deck build's time: a process that builds again (``watch``) cuts only the
# fields that changed.
@functools.lru_cache(maxsize=8192)
def breakable(html: str) -> str:
    """Every formula of a field's HTML in breakable pieces, with the punctuation touching it held to it."""
    return _FORMULA.sub(_pieces_html, html)


def _pieces_html(match: re.Match[str]) -> str:
    if match.group("display") is not None:
        return BREAK.join(rf"\[{p.typeset}\]" for p in pieces(match.group("display")))
    parts = [rf"\({p.typeset}\)" for p in pieces(match.group("inline"), inline=True)]
    start, end = match.group("start"), match.group("end")
    if start and len(parts) > 1:
        parts[0] = f'<span class="math-start">{start}{parts[0]}</span>'
    elif start:
        end = ""
        parts[0] = f'<span class="math-end">{start}{parts[0]}{match.group("end")}</span>'
    if end:
        parts[-1] = f'<span class="math-end">{parts[-1]}{end}</span>'
    return BREAK.join(parts)
