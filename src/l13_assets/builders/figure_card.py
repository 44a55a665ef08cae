"""A figure as a concept card shows it: one image per panel, each drawn at phone width with larger text.

A per-example figure becomes one SVG per example (``figures.PHONE_PANEL``), the reward-hacking figure its one
panel. The images sit in a wrapping row: side by side on a desktop, stacked on a phone, each shown at its own
width or narrower (never wider), so its text is never smaller than drawn on a wide screen. Each ``<img>``
carries its panel's alt text and ``data-min-text-px``: the smallest font size in that SVG in CSS px at the
image's own width, read from the SVG itself (``figure_svg.min_text_px``); the render tests compare it with
the width the browser gives the image.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace

from ..lesson_text import entries_by_id, expand
from ..model import PER_EXAMPLE_FIGURES, Lesson
from . import figure_render as figures
from .figure_svg import min_text_px


@dataclass(frozen=True)
class Panel:
    file: str  # the media file's name in the deck
    alt: str
    min_text_px: float


def panels(lesson: Lesson, figure_id: str, media: dict[str, bytes], prefix: str,
           renders: figures.Renders | None = None) -> list[Panel]:
    """The card's images of ``figure_id``, each added to ``media`` under a name with its content hash (a
    redrawn figure changes the field, so the note's time moves and Anki imports the new file)."""
    item = next(f for f in lesson.figures.items if f.id == figure_id)
    entries = entries_by_id(lesson)
    if figure_id in PER_EXAMPLE_FIGURES:
        sizes = [replace(figures.PHONE_PANEL, panel=i) for i in range(len(lesson.examples))]
        alts = [expand(panel.alt, entries) for panel in item.panels]  # the loader checked one per example
    else:
        sizes, alts = [figures.PHONE_PANEL], [expand(item.alt, entries)]
    out = []
    for i, (size, alt) in enumerate(zip(sizes, alts, strict=True)):
        data = figures.render(lesson, figure_id, "svg", size, renders)
        suffix = f"-{i + 1}" if len(sizes) > 1 else ""
        name = f"{prefix}{figure_id}{suffix}-{hashlib.sha256(data).hexdigest()[:10]}.svg"
        media[name] = data
        # Rounded down at 2 decimals (after float noise), so the attribute never claims more than drawn.
        out.append(Panel(name, alt, math.floor(round(min_text_px(data), 6) * 100) / 100))
    return out
