"""The deck's preview: ``preview/index.html`` shows every card, front and back, with the deck's CSS, media and
math as Anki shows them, grouped by sub-deck, with switches for phone width and night mode.

The cards come from the built deck imported into the real Anki backend (``anki_cards``), so Anki itself
renders its template language; MathJax 3.2.2 ships inside the folder (``mathjax``), so the page works from
file:// with no network. An author opens it from the build folder; a watch loop can serve the same folder.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .. import Builder, Built, Context, Output, deck

FOLDER = "preview"
WIDTHS = ({"px": "360", "label": "360 px (phone)", "default": True},
          {"px": "412", "label": "412 px", "default": False},
          {"px": "800", "label": "800 px (desktop)", "default": False},
          {"px": "full", "label": "Full", "default": False})
STATIC = ("preview.css", "preview.js", "cards.css", "cards.js")


def build(ctx: Context) -> Built:
    from .. import deck
    from . import anki_cards, mathjax

    built = deck.build(ctx)
    apkg = next(o.data for o in built.files if o.path == deck.APKG)
    history = built.history if built.history is not None else ctx.history
    notes: dict[str, Any] = json.loads(history or b'{"notes": {}}')["notes"]
    cards = anki_cards.read(apkg, notes.keys(), deck.guid)
    files = {**_pages(ctx, cards.cards), **cards.media,
             **{f"mathjax/{name}": data for name, data in mathjax.files().items()}}
    # The deck's own builder returns the history; this one only shows the cards.
    return Built([Output(f"{FOLDER}/{name}", files[name]) for name in sorted(files)])


BUILDER = Builder(
    name="preview", description="an offline HTML preview of every card as Anki shows it, at phone width",
    reads=deck.BUILDER.reads, options=deck.BUILDER.options, cost=3.0, build=build)


def _pages(ctx: Context, cards: list[Any]) -> dict[str, bytes]:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from ...resources import templates_dir
    from . import reviewer

    folder = templates_dir() / "preview"
    env = Environment(loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    meta = ctx.source.lesson.meta
    decks = _by_deck(cards)
    values = {"title": meta.title, "version": meta.version, "cards": len(cards), "widths": WIDTHS, "decks": decks,
              "reviewer_css": reviewer.reviewer_css(body=".card"), "mathjax_script": reviewer.MATHJAX_SCRIPT,
              "mathjax_config": reviewer.mathjax_config("mathjax")}
    pages = {name.removesuffix(".j2"): env.get_template(name).render(**values).encode() for name in
             ("index.html.j2", "cards.html.j2")}
    return {**pages, **{name: (folder / name).read_bytes() for name in STATIC}}


def _by_deck(cards: list[Any]) -> list[dict[str, Any]]:
    decks: dict[str, list[Any]] = {}
    for card in cards:
        decks.setdefault(card.deck, []).append(card)
    return [{"name": name, "short": name.split("::")[-1], "anchor": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
             "cards": members} for name, members in decks.items()]
