"""Text that every variant's page repeats, laid out and drawn once per PDF.

Exercise 2 and exercise 1's questions read the same on every student's sheet; typesetting them thirty
times was most of a thirty-variant build. A ``Stamps`` table makes each such group once per document: the
group is drawn into a PDF form (an XObject) the first time a page shows it and every later page places
that form. The text stays real text (pdfplumber and a reader's search see it on every page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class Stamps:
    """One document's stamps by key: ``get(key, make)`` calls ``make()`` for a key's first use only."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._made: dict[str, Any] = {}

    def get(self, key: str, make: Callable[[], Sequence[Any]], width: float) -> Any:
        if key not in self._made:
            self._made[key] = stamp(f"{self.prefix}-{len(self._made)}", list(make()), width)
        return self._made[key]


def stamp(name: str, flowables: list[Any], width: float) -> Any:
    """A flowable drawing ``flowables`` stacked as a frame would stack them, from a form made once."""
    from reportlab.platypus import Flowable

    def layout() -> tuple[float, list[tuple[Any, float]]]:
        y, placed = 0.0, []
        for i, flowable in enumerate(flowables):
            if i:
                y += flowable.getSpaceBefore()
            y += flowable.wrap(width, 10_000)[1]
            placed.append((flowable, y))
            y += flowable.getSpaceAfter()
        return y, placed

    height, placed = layout()

    class Stamp(Flowable):  # type: ignore[misc]
        defined = False

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return width, height

        def draw(self) -> None:
            canvas = self.canv
            if not Stamp.defined:  # one instance per document, so one form per document
                canvas.beginForm(name)
                for flowable, bottom in placed:
                    flowable.drawOn(canvas, 0, height - bottom)
                canvas.endForm()
                Stamp.defined = True
            canvas.doForm(name)

    return Stamp()
