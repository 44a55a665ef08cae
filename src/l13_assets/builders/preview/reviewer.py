"""What Anki's reviewer does around a card's HTML, written down once for the preview and the render tests.

Read off the aqt 26.9.3 wheel (`pip download --no-deps aqt==26.9.3`): ``_aqt/data/web/js/mathjax.js`` (the
MathJax configuration), ``_aqt/data/web/css/reviewer.css`` and ``webview.css`` (the page's own rules),
``aqt/reviewer.py`` (the type-in field and its comparison) and ``aqt/theme.py`` (the body classes). This is
our own equivalent of the parts that change what a learner sees, not a copy of Anki's files.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# Anki's mathjax.js: inline \( \) (MathJax's default), display \[ \] only, no $...$, no \begin outside math,
# no \ref, the noerrors and mathtools packages added, textmacros removed, and no typesetting at start-up
# (the reviewer calls MathJax.typesetPromise on the card after inserting it). Anki loads its own copy of
# tex-chtml-full.js (MathJax 3.2.2) after this; `MATHJAX_SCRIPT` is the same file from MathJax's release.
MATHJAX_SCRIPT = "tex-chtml-full.js"


def mathjax_config(mathjax_url: str) -> str:
    """The `window.MathJax` configuration script; ``mathjax_url`` is the folder holding tex-chtml-full.js."""
    return ('window.MathJax = {tex: {displayMath: [["\\\\[", "\\\\]"]], processEscapes: false, '
            'processEnvironments: false, processRefs: false, '
            'packages: {"[+]": ["noerrors", "mathtools"], "[-]": ["textmacros"]}}, '
            'loader: {load: ["[tex]/noerrors", "[tex]/mathtools"], paths: {mathjax: ' + _js_string(mathjax_url)
            + '}}, startup: {typeset: false}};')


def _js_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# The rules of reviewer.css and webview.css that change a card's layout or colours (the rest style the flag
# and mark icons, replay buttons, image occlusion and drawings, none of which these cards use). `BODY` is the
# selector of the element Anki's body classes go on: `body` in the reviewer, a card's box in the preview.
def reviewer_css(body: str = "body", root: str = ":root") -> str:
    return f"""{root} {{ --fg: #020202; --canvas: #f5f5f5; }}
{root}.night-mode {{ --fg: #fcfcfc; --canvas: #2c2c2c; }}
{body} {{ margin: 20px; overflow-wrap: break-word; }}
{body}.nightMode {{ background-color: var(--canvas); color: var(--fg); }}
hr {{ background-color: #737373; margin: 1em 0; border: none; height: 1px; }}
img {{ max-width: 100%; max-height: 95vh; }}
li {{ text-align: start; }}
pre {{ text-align: left; }}
#typeans {{ width: 100%; box-sizing: border-box; line-height: 1.75; }}
code#typeans {{ white-space: pre-wrap; font-variant-ligatures: none; }}
.typeGood {{ background: #afa; color: #000; }}
.typeBad {{ color: #000; background: #faa; }}
.typeMissed {{ color: #000; background: #ccc; }}
.nightMode .latex {{ filter: invert(100%); }}
"""


@dataclass(frozen=True)
class Mode:
    """How a client marks day or night: classes on <html> and on the card's <body>."""

    name: str
    html_class: str
    body_classes: str


# Desktop (aqt/theme.py body_class) puts both night classes on the body and `night-mode` on <html>;
# AnkiMobile sets .nightMode; older AnkiDroid only .night_mode. "isLin" is the desktop's platform class here.
MODES = (
    Mode("day", "", "isLin"),
    Mode("night-desktop", "night-mode", "isLin nightMode night_mode"),
    Mode("nightMode", "night-mode", "nightMode"),
    Mode("night_mode", "", "night_mode"),
)


def body_class(card_ord: int, mode: Mode) -> str:
    """theme.body_classes_for_card_ord: `card card<n>` and the client's classes."""
    return f"card card{card_ord + 1} {mode.body_classes}".strip()


TYPE_PATTERN = re.compile(r"\[\[type:(.+?)\]\]")


@dataclass(frozen=True)
class TypeField:
    """The field a card's [[type:Field]] asks for, with the font and size Anki gives its input."""

    expected: str
    font: str
    size: int


def type_field(card_html: str, fields: dict[str, tuple[str, str, int]]) -> TypeField | None:
    """The [[type:...]] field of a card, as reviewer.typeAnsQuestionFilter finds it (None without one)."""
    match = TYPE_PATTERN.search(card_html)
    if match is None:
        return None
    name = match.group(1).split(":")[-1]  # "cloze:" and "nc:" prefixes name the same field
    value, font, size = fields[name]
    return TypeField(value, font, size)


def question_with_input(card_html: str, field: TypeField | None) -> str:
    """reviewer.typeAnsQuestionFilter: the pattern becomes a text input (removed for an empty field)."""
    if field is None:
        return card_html
    if not field.expected:
        return TYPE_PATTERN.sub("", card_html)
    box = (f'\n<center>\n<input type=text id=typeans onkeypress="_typeAnsPress();"\n'
           f"   style=\"font-family: '{html.escape(field.font)}'; font-size: {field.size}px;\">\n</center>\n")
    return TYPE_PATTERN.sub(lambda _: box, card_html)


def answer_with_comparison(card_html: str, field: TypeField | None, comparison: str) -> str:
    """reviewer.typeAnsAnswerFilter: the pattern becomes the comparison Anki's backend returned for what the
    learner typed (``col.compare_answer(expected, typed)``), in the field's font and size."""
    if field is None or not field.expected:
        return TYPE_PATTERN.sub("", card_html)
    had_hr = "<hr id=answer>" in card_html  # Anki's exact test: our templates quote the id, so it is False
    body = card_html.replace("<hr id=answer>", "")
    box = f"\n<div style=\"font-family: '{html.escape(field.font)}'; font-size: {field.size}px\">{comparison}</div>"
    if had_hr:
        box = f"<hr id=answer>{box}"
        if not TYPE_PATTERN.search(body):
            return card_html
    return TYPE_PATTERN.sub(lambda _: box, body)
