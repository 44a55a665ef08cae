"""A plain Unicode reading of a formula: the cheatsheet's invisible text layer under each typeset formula,
so a reader who searches or copies the PDF finds the formula as the prose writes it (π_SFT reads πSFT).
"""

from __future__ import annotations

import re

from .latex_tokens import GREEK, texts

_SYMBOLS = {
    "sim": " ∼ ", "mid": " | ", "|": "‖", "succ": " ≻ ", "sum": "Σ", "cdot": "·", "dots": "…", "infty": "∞",
    "to": " → ", "propto": " ∝ ", "approx": " ≈ ", "le": " ≤ ", "ge": " ≥ ", "quad": "  ", "qquad": "  ",
    ",": " ", ";": " ", ":": " ", " ": " ", "!": "", "\\": "; ",
    "log": "log ", "exp": "exp", "max": "max ", "min": "min ",
}
_DROP = {"big", "Big", "bigg", "Bigg", "left", "right", "displaystyle", "textstyle", "limits", "hat"}
_KEEP_ARGUMENT = {"text", "mathrm", "operatorname", "mathbb", "mathcal", "mathbf", "mathit", "boldsymbol"}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def latex_to_text(latex: str) -> str:
    """A plain Unicode reading of a formula, close to how the prose writes it (π_SFT reads πSFT)."""
    text, _ = _convert(texts(latex), 0, stop_at_brace=False)
    text = re.sub(r"\s+", " ", text.replace("&", " ")).strip()
    return re.sub(r"\s*([,)\]])", r"\1", re.sub(r"([(\[])\s*", r"\1", text))


def _convert(tokens: list[str], i: int, *, stop_at_brace: bool) -> tuple[str, int]:
    out: list[str] = []
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "}":
            if stop_at_brace:
                return "".join(out), i
            continue
        if token == "{":
            inner, i = _convert(tokens, i, stop_at_brace=True)
            out.append(inner)
        elif token.startswith("\\"):
            name = token[1:]
            if name in ("frac", "tfrac", "dfrac", "binom"):
                top, i = _argument(tokens, i)
                bottom, i = _argument(tokens, i)
                if name == "binom":
                    out.append(f"C({top},{bottom})")
                else:
                    out.append(f"{_group(top)}/{_group(bottom)}")
            elif name in ("begin", "end"):
                _, i = _argument(tokens, i)
            elif name in _KEEP_ARGUMENT:
                inner, i = _argument(tokens, i)
                out.append(inner)
            elif name in GREEK:
                out.append(GREEK[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            elif name not in _DROP:
                out.append(name)
        elif token in "_^":
            inner, i = _argument(tokens, i)
            out.append(inner.translate(_SUPERSCRIPTS) if token == "^" and inner.isdigit() else inner)
        elif token == "-":
            out.append(" − ")
        elif token in "=+":
            out.append(f" {token} ")
        else:
            out.append(token)
    return "".join(out), i


def _argument(tokens: list[str], i: int) -> tuple[str, int]:
    while i < len(tokens) and tokens[i] == " ":
        i += 1
    if i >= len(tokens):
        return "", i
    if tokens[i] == "{":
        return _convert(tokens, i + 1, stop_at_brace=True)
    return _convert([tokens[i]], 0, stop_at_brace=False)[0], i + 1


def _group(text: str) -> str:
    text = text.strip()
    return text if re.fullmatch(r"\d+|[^\W\d]\w*(\([^()]*\))?", text) else f"({text})"
