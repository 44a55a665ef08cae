"""The preview as an author opens it: build/preview/index.html from file://, offline, every card of the deck,
and its own render passes the same checks as the cards in Anki's reviewer, at each width and in night mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness
import pytest

from l13_assets.builders import Context
from l13_assets.builders import preview as preview_builder
from l13_assets.loader import load

# Everything on a page but the cards' own boxes (measured one by one, with their math).
CHROME = """(options) => {
  const cards = [...document.querySelectorAll('.qa')];
  cards.forEach((c) => { c.dataset.display = c.style.display; c.style.display = 'none'; });
  try { return l13Measure(document.body, options).problems; }
  finally { cards.forEach((c) => { c.style.display = c.dataset.display; }); }
}"""


@pytest.fixture(scope="module")
def preview_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from deck_helpers import copy_source

    folder = tmp_path_factory.mktemp("preview")
    source = copy_source(folder / "source", with_history=True)
    out = folder / "build"
    built = preview_builder.build(Context.of(load(source), source))
    assert built.history is None  # the deck's builder returns the history; the preview only shows the cards
    for output in built.files:
        target = out / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.data)
    return out / "preview"


@pytest.fixture(scope="module")
def opened(browser: harness.Browser, preview_folder: Path) -> Iterator[tuple[Any, Any, harness.Watch]]:
    """index.html opened from file:// as an author does, its cards typeset."""
    watch = harness.Watch()
    page = browser.new_page(width=1000)
    watch.attach(page)
    page.goto((preview_folder / "index.html").as_uri())
    frame = page.query_selector("#cards").content_frame()
    frame.wait_for_function("window.l13Typeset !== undefined")
    frame.evaluate("window.l13Typeset")
    frame.add_script_tag(content=harness.measure_script())
    page.add_script_tag(content=harness.measure_script())
    yield page, frame, watch
    page.close()


def test_the_preview_opens_offline_and_shows_every_card_grouped_by_sub_deck(
        opened: tuple[Any, Any, harness.Watch]) -> None:
    _, frame, watch = opened
    shown = frame.evaluate("""() => [...document.querySelectorAll('.preview-card')].map((a) => [
        a.closest('section').querySelector('h2').textContent, a.dataset.card,
        [...a.querySelectorAll('.side')].map((s) => s.dataset.side)])""")
    cards = harness.built_deck().cards
    assert [(deck, key) for deck, key, _ in shown] == [(c.deck, c.key) for c in cards]
    assert all(sides == ["front", "back"] for _, _, sides in shown)
    assert frame.evaluate("document.querySelectorAll('mjx-container').length") > 0
    assert watch.drain() == []  # no network request, no failed load, no script error


@pytest.mark.parametrize("night", [False, True], ids=["day", "night"])
@pytest.mark.parametrize("width", harness.WIDTHS)
def test_every_card_of_the_preview_passes_the_render_checks(opened: tuple[Any, Any, harness.Watch], width: int,
                                                           night: bool) -> None:
    page, frame, watch = opened
    page.click(f"button[data-width='{width}']")
    page.set_checked("#night", night)
    # The switches take effect in the frame (night mode arrives there as a message, so it is awaited).
    assert frame.evaluate("document.documentElement.clientWidth") == width
    frame.wait_for_function("(night) => [...document.querySelectorAll('.card')].every((c) => "
                            "c.classList.contains('nightMode') === night)", arg=night, timeout=5000)
    options = {"contrast": harness.MIN_CONTRAST,
               "figureText": harness.MIN_FIGURE_TEXT_PX if width == harness.FIGURE_TEXT_WIDTH else 0}
    problems = frame.evaluate("""(options) => [...document.querySelectorAll('.side')].flatMap((side) =>
        l13Measure(side.querySelector('.qa'), options).problems.map((p) =>
            `${side.closest('.preview-card').dataset.card} ${side.dataset.side}: ${p}`))""", options)
    # The preview's own parts pass the same checks: the list of decks and the cards' labels in the frame, the
    # toolbar with its switches around it (figures are the cards', checked above).
    page_options = {**options, "figureText": 0}
    problems += [f"the cards' page: {p}" for p in frame.evaluate(CHROME, page_options)]
    problems += [f"the toolbar: {p}" for p in page.evaluate(CHROME, page_options)]
    problems += watch.drain()
    assert not problems, "\n".join(problems)
