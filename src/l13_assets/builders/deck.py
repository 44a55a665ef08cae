"""The Anki deck builder. ``deck_notes`` makes the notes and the package; it is imported when the deck is
built, so reading the registry (for ``--help``, or a build with nothing to do) never imports pydantic or
genanki's helpers.

The implementation's names (``deck.APKG`` and the rest) are reachable here too, imported on first use.
"""

from __future__ import annotations

from typing import Any

from . import Builder, Built, Context


def build(ctx: Context) -> Built:
    from .deck_notes import build as build_deck

    return build_deck(ctx)


BUILDER = Builder(
    name="deck", description="the Anki deck (.apkg): concept cards, numeric drills, diagnostic drills",
    reads=("meta", "references", "examples", "run_health", "findings", "instruments", "flashcards",
           "drills", "figures", "retired", "history"),
    options=("epoch",), cost=1.5, build=build)


def __getattr__(name: str) -> Any:
    from . import deck_notes

    return getattr(deck_notes, name)
