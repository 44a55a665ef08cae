"""The render suite's assertions catch what they claim to: each check, shown a card with that one fault, fails
on it, and a clean card passes them all (so a green suite means the deck is clean, not that nothing looked)."""

from __future__ import annotations

import harness
import pytest

from l13_assets.builders.preview import reviewer

DAY = reviewer.MODES[0]
WIDE_SVG = ("data:image/svg+xml," "%3Csvg xmlns='http://www.w3.org/2000/svg' width='1200' height='200'%3E"
            "%3Crect width='1200' height='200' fill='white'/%3E%3C/svg%3E")
CLEAN = '<div style="padding: 8px">A card: \\(x = 1\\), and \\[y = 2\\]</div>'
FAULTS = {
    "a formula too wide for the screen": ("<p>\\(" + " + ".join(f"x_{{{i}}}" for i in range(60)) + "\\)</p>",
                                          "past the right edge"),
    "a box that scrolls sideways": ('<div style="overflow-x: auto"><div style="width: 700px">wide</div></div>',
                                    "scrolls sideways"),
    "a box that clips": ('<div style="overflow: hidden"><div style="width: 700px">wide</div></div>', "clips"),
    "a TeX error": ("<p>\\(\\frac{1}\\)</p>", "MathJax error"),
    "TeX outside math": ("<p>The weight $\\alpha$ grows.</p>", "TeX left as text"),
    "template text": ("<p>{{Front}}</p>", "template text"),
    "an image that does not load": ('<img src="no-such-figure.svg" data-min-text-px="12">', "did not load"),
    "low contrast": ('<p style="color: #aaaaaa; background: #ffffff">faint</p>', "text contrast"),
    "figure text too small": (f'<img src="{WIDE_SVG}" data-min-text-px="12">', "figure text"),
    "a figure without its text size": (f'<img src="{WIDE_SVG}">', "no data-min-text-px"),
}


def test_a_clean_card_passes_every_check(anki_reviewer: harness.Reviewer) -> None:
    render = anki_reviewer.show_html(CLEAN, harness.FIGURE_TEXT_WIDTH, DAY)
    assert render.problems == [] and render.math == 2


@pytest.mark.parametrize("fault", FAULTS)
def test_each_check_fails_on_its_fault(anki_reviewer: harness.Reviewer, fault: str) -> None:
    card, expected = FAULTS[fault]
    problems = anki_reviewer.show_html(card, harness.FIGURE_TEXT_WIDTH, DAY).problems
    assert any(expected in p for p in problems), problems


def test_night_text_is_checked_against_its_night_background(anki_reviewer: harness.Reviewer) -> None:
    """Dark text left on a night background is caught (the colour is read against the effective background)."""
    card = '<div style="background: #1e1e20"><p style="color: #333333">dark on dark</p></div>'
    assert any("contrast" in p for p in anki_reviewer.show_html(card, 800, reviewer.MODES[1]).problems)
