"""The LaTeX fields' syntax, checked before anything typesets them.

A formula is typeset twice: by MathJax on the cards and by ziamath on the cheatsheet. Both are lenient: an
unknown command such as ``\\betaa`` comes out as its literal name, a ``\\frac`` with one argument renders
half a fraction or stops the build deep inside the typesetter. So the check reads every LaTeX field first:
braces balance, ``\\left`` pairs with ``\\right`` and ``\\begin`` with ``\\end`` inside the same group and
nested, never crossed, ``&`` stays inside an environment, no base has two superscripts or subscripts,
every command is one both typesetters know (``KNOWN``; a test typesets each with the cheatsheet's
typesetter) and every command gets the arguments it takes.

This is a gate, not a parser: the typesetters stay the authority on layout. It costs well under a
millisecond per formula, where importing a LaTeX parser would cost more than the whole check.
"""

from __future__ import annotations

from ..latex_tokens import GREEK, texts

# Commands that take arguments: how many ({...} or a single token each; \sqrt also takes an optional [n]).
ARGUMENTS = {
    "frac": 2, "dfrac": 2, "tfrac": 2, "binom": 2, "sqrt": 1,
    "text": 1, "mathrm": 1, "operatorname": 1, "mathbb": 1, "mathcal": 1, "mathbf": 1, "mathit": 1,
    "mathsf": 1, "boldsymbol": 1, "hat": 1, "widehat": 1, "bar": 1, "overline": 1, "underline": 1,
    "tilde": 1, "widetilde": 1, "vec": 1, "dot": 1, "ddot": 1, "boxed": 1, "overbrace": 1, "underbrace": 1,
    "textbf": 1, "textrm": 1, "textit": 1, "mathtt": 1, "mathfrak": 1, "phantom": 1, "hphantom": 1,
    "vphantom": 1, "xrightarrow": 1, "overset": 2, "underset": 2, "stackrel": 2,
    "begin": 1, "end": 1,
}
_SYMBOLS = (
    "sim simeq approx propto equiv neq ne le leq ge geq ll gg prec succ preceq succeq in notin subset "
    "subseteq supset cup cap setminus mid parallel perp to gets leftarrow rightarrow Leftarrow Rightarrow "
    "leftrightarrow Leftrightarrow mapsto implies iff uparrow downarrow "
    "pm mp times div cdot cdots ldots dots vdots ddots ast star circ bullet oplus otimes "
    "odot dagger colon not dotsc dotsb "
    "sum prod int oint lim limsup liminf max min sup inf exp log ln det dim ker Pr "
    "sin cos tan sinh cosh tanh infty partial nabla forall exists neg land lor emptyset varnothing ell hbar "
    "prime langle rangle lbrace rbrace lvert rvert lVert rVert lfloor rfloor lceil rceil vert Vert backslash "
    "left middle right "
    "quad qquad displaystyle textstyle scriptstyle limits nolimits top"
)
_SIZES = frozenset({"big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
                    "Biggr"})  # sizes need a delimiter after them
KNOWN = frozenset(ARGUMENTS) | frozenset(GREEK) | frozenset(_SYMBOLS.split()) | _SIZES
ESCAPED = frozenset(" ,;:!{}|\\#$%&_")  # \, \; \! \{ \} \| \\ and escaped specials
ENVIRONMENTS = frozenset({"cases", "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix",
                          "smallmatrix", "array", "gathered"})

def latex_problems(latex: str) -> list[str]:
    """What is wrong with ``latex``, one sentence each with what was expected; [] when it is sound."""
    tokens = texts(latex, spaces=False)
    problems: list[str] = []
    # one frame per open brace group: the \left and \begin{...} opened in it, still to close
    frames: list[list[str]] = [[]]
    unknown: list[str] = []
    scripts: set[str] = set()  # the scripts already on the current base: x_a^b is fine, x^a^b is not
    scripts_end = -1  # where the last script's argument ended
    for i, token in enumerate(tokens):
        if token == "&" and not any(opened.startswith("\\begin") for frame in frames for opened in frame):
            problems.append("a '&' outside a cases, matrix or array environment, expected '\\&' for "
                            "an ampersand or the environment around it")
        if token == "{":
            frames.append([])
        elif token == "}":
            if len(frames) == 1:
                problems.append("a '}' closes no group, expected balanced braces")
                continue
            problems += _unclosed(frames.pop(), "before the '}' that ends its group")
        elif token in ("^", "_"):
            if i != scripts_end:
                scripts = set()
            if token in scripts:
                kind = "superscript" if token == "^" else "subscript"
                problems.append(f"a double {kind} (two '{token}' on one base), expected braces such as "
                                f"x{token}{{a{token}b}}")
            scripts.add(token)
            end = _atom_end(tokens, i + 1)
            if end is None:
                problems.append(f"a '{token}' with nothing after it, expected a {{...}} group or a character")
            scripts_end = end if end is not None else -1
        elif token.startswith("\\"):
            name = token[1:]
            if name == "":
                problems.append("a lone backslash at the end, expected a command after it")
            elif _unknown(name):
                unknown.append(token)
            elif len(name) > 1 or name.isalpha():  # a command, not an escaped character such as \{
                problems += _arguments(tokens, i, name, frames[-1])
    if len(frames) > 1:
        problems.append(f"{len(frames) - 1} '{{' never closed, expected balanced braces")
    for frame in frames[1:]:
        problems += _unclosed(frame, "")
    problems += _unclosed(frames[0], "")
    if unknown:
        problems.append(_unknown_commands(unknown))
    return list(dict.fromkeys(problems))


def _unknown(name: str) -> bool:
    """Whether ``\name`` is neither a command both typesetters know nor an escaped character."""
    if len(name) == 1 and not name.isalpha():
        return name not in ESCAPED
    return name not in KNOWN


def _unknown_commands(unknown: list[str]) -> str:
    names = ", ".join(sorted(set(unknown)))
    return (f"unknown command {names}, expected a command MathJax and the cheatsheet both typeset "
            "(a misspelling? the list is KNOWN in l13_assets/verify/latex.py)")


def _arguments(tokens: list[str], i: int, name: str, frame: list[str]) -> list[str]:
    """Check the arguments after command ``tokens[i]``; record \\left and \\begin in the open ``frame``."""
    if (name in ("left", "middle", "right") or name in _SIZES) and _atom_end(tokens, i + 1) is None:
        return [f"\\{name} without a delimiter after it, expected one such as ( or . (none)"]
    if name == "left":
        frame.append("\\left")
    elif name in ("middle", "right") and (not frame or frame[-1] != "\\left"):
        inside = f" inside {frame[-1]}" if frame else ""
        return [f"\\{name} without a \\left before it in its group{inside}, expected \\left, \\right and "
                "\\begin, \\end in nested pairs"]
    elif name == "right":
        frame.pop()
    needed = ARGUMENTS.get(name, 0)
    j = i + 1
    if name == "operatorname" and j < len(tokens) and tokens[j] == "*":  # \operatorname*{argmax}: limits below
        j += 1
    if name == "sqrt" and j < len(tokens) and tokens[j] == "[":
        while j < len(tokens) and tokens[j] != "]":
            j += 1
        j += 1
    found = 0
    while found < needed:
        end = _atom_end(tokens, j)
        if end is None:
            break
        if found == 0 and name in ("begin", "end"):
            environment = "".join(tokens[j + 1:end - 1])
            if environment not in ENVIRONMENTS:
                return [f"unknown environment '{environment}', expected one of {', '.join(sorted(ENVIRONMENTS))}"]
            if name == "begin":
                frame.append(f"\\begin{{{environment}}}")
            elif frame and frame[-1] == f"\\begin{{{environment}}}":
                frame.pop()
            else:
                return [f"\\end{{{environment}}} without its \\begin before it in the same group, expected "
                        "\\left, \\right and \\begin, \\end in nested pairs"]
        j = end
        found += 1
    if found < needed:
        return [f"\\{name} takes {needed} argument{'s' if needed > 1 else ''} and has {found}, expected "
                f"{needed} {{...}} group{'s' if needed > 1 else ''} after it"]
    return []


def _atom_end(tokens: list[str], j: int) -> int | None:
    """Where the argument starting at ``tokens[j]`` ends: after its group or its single token; None if there
    is none (the end of the formula or of the enclosing group)."""
    if j >= len(tokens) or tokens[j] in ("}", "^", "_", "&"):  # none of these can be an argument
        return None
    if tokens[j] != "{":
        return j + 1
    depth = 0
    for k in range(j, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[k], 0)
        if depth == 0:
            return k + 1
    return None


def _unclosed(frame: list[str], where: str) -> list[str]:
    problems = []
    for opened in frame:
        closer = "\\right" if opened == "\\left" else opened.replace("\\begin", "\\end")
        problems.append(f"{opened} is never closed{' ' + where if where else ''}, expected a matching {closer}")
    return problems
