"""A figure as a card shows it: one image per panel, its alt text, and data-min-text-px from the drawing."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from l13_assets.builders import deck
from l13_assets.builders.figure_svg import CSS_PX_PER_PT, min_text_px, size_pt
from l13_assets.builders.figures import PHONE_PANEL, figure
from l13_assets.errors import UserError
from l13_assets.lesson_text import entries_by_id, expand
from l13_assets.loader import load, parse
from l13_assets.model import PER_EXAMPLE_FIGURES, Lesson

SOURCE = Path(__file__).resolve().parent.parent / "source" / "l13.yaml"
# A 360 px phone, less Anki's page margins: the width a card's image gets at most (the render suite measures
# the real one in a browser; this is the same rule on the drawing alone).
PHONE_CONTENT_PX = 320


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    return load(SOURCE).lesson


class Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def card_images(lesson: Lesson, figure_id: str) -> tuple[list[dict[str, str | None]], dict[str, bytes]]:
    card = next(c for c in lesson.flashcards if c.figure == figure_id)
    media: dict[str, bytes] = {}
    parser = Images()
    parser.feed(deck._figure(lesson, card, deck.environment(), media))
    return parser.images, media


def cards_figures(lesson: Lesson) -> list[str]:
    return sorted({c.figure for c in lesson.flashcards if c.figure is not None})


def test_every_card_figure_is_one_image_per_panel_with_its_own_alt_text(lesson: Lesson) -> None:
    entries = entries_by_id(lesson)
    assert cards_figures(lesson)
    for figure_id in cards_figures(lesson):
        images, media = card_images(lesson, figure_id)
        item = next(f for f in lesson.figures.items if f.id == figure_id)
        if figure_id in PER_EXAMPLE_FIGURES:
            assert [i["alt"] for i in images] == [expand(p.alt, entries) for p in item.panels]
        else:
            assert [i["alt"] for i in images] == [expand(item.alt, entries)]
        assert sorted(str(i["src"]) for i in images) == sorted(media)
        for image in images:
            svg = media[str(image["src"])]
            assert svg.lstrip().startswith(b"<?xml") and b"[[" not in svg
            assert "[[" not in str(image["alt"]) and len(str(image["alt"]).split()) >= 12


def test_min_text_px_is_the_smallest_text_of_the_drawing_and_legible_on_a_phone(lesson: Lesson) -> None:
    """data-min-text-px against the matplotlib figure's own smallest Text (pt to CSS px at the image's width),
    and the render suite's rule at a phone's width: N × shown width / own width >= 9."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    for figure_id in cards_figures(lesson):
        images, media = card_images(lesson, figure_id)
        for k, image in enumerate(images):
            panel = k if figure_id in PER_EXAMPLE_FIGURES else None
            fig = figure(lesson, figure_id, width_in=PHONE_PANEL.width_in, height_in=PHONE_PANEL.height_in,
                         font_pt=PHONE_PANEL.font_pt, panel=panel)
            FigureCanvasAgg(fig).draw()
            smallest = min(t.get_fontsize() for t in fig.findobj(Text)
                           if isinstance(t, Text) and t.get_text() and t.get_visible())
            stated = float(str(image["data-min-text-px"]))
            assert stated == pytest.approx(smallest * CSS_PX_PER_PT, abs=0.01)
            assert stated <= min_text_px(media[str(image["src"])]) + 1e-9  # rounded down, never up
            natural_px = size_pt(media[str(image["src"])])[0] * CSS_PX_PER_PT
            assert stated * min(1.0, PHONE_CONTENT_PX / natural_px) >= 9, f"{figure_id} panel {k + 1}"


def test_images_wrap_and_never_grow_past_their_own_width(lesson: Lesson) -> None:
    for figure_id in cards_figures(lesson):
        images, _ = card_images(lesson, figure_id)
        for image in images:
            style = str(image["style"]).replace(" ", "")
            assert "max-width:100%" in style and "height:auto" in style and "width:" not in style.replace(
                "max-width", "")


def test_a_per_example_figure_needs_one_panel_alt_per_example() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    start = text.index("    - id: fig-policy-vs-beta\n")
    second = text.index("        - alt: ", text.index("        - alt: ", start) + 1)
    end = text.index("\n", second) + 1
    with pytest.raises(UserError) as caught:
        parse((text[:second] + text[end:]).encode("utf-8"), "l13.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "figures.items[0].panels"
    assert "has 1 panel alt texts, expected 2, one per example" in problem.message
