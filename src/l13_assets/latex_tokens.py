"""One reading of a formula's LaTeX into tokens, for everything that looks inside a formula.

The syntax check (``verify.latex``), the cheatsheet's text layer (``latex_text``), the cheatsheet's line
cuts (``builders.pdf.formulas.top_level_pieces``) and the cards' break points (``math_lines``) all read formulas through
``tokens``, so they agree on what a command, a control symbol and a brace are. A token is a control word
(``\\frac``), a control symbol (``\\,``, ``\\{``, a lone ``\\`` at the end), or one character, spaces included
(a reader that does not care about spaces skips them). Each token keeps its place in the text.

The Greek letters both typesetters know live here once, with the character the text layer writes for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.?)|.", re.S)

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ",
    "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ",
    "Psi": "Ψ", "Omega": "Ω",
}


@dataclass(frozen=True)
class Token:
    text: str
    at: int  # where it starts in the formula
    end: int

    @property
    def word(self) -> str | None:
        """The name of a control word (``frac`` for ``\\frac``), else None."""
        return self.text[1:] if len(self.text) > 1 and self.text[0] == "\\" and self.text[1].isalpha() else None

    @property
    def symbol(self) -> str | None:
        """The character after the backslash of a control symbol (``,`` for ``\\,``; "" for a lone one)."""
        if self.text[:1] == "\\" and self.word is None:
            return self.text[1:]
        return None


def tokens(latex: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(latex)]


def texts(latex: str, *, spaces: bool = True) -> list[str]:
    """The tokens' texts; without the spaces when ``spaces`` is False."""
    return [t.text for t in tokens(latex) if spaces or not t.text.isspace()]
