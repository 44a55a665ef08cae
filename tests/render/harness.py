"""The render suite's parts: the built deck as Anki renders it, Debian's Chromium driven by playwright, and a
page that wraps a card as Anki desktop's reviewer does, with MathJax 3.2.2 loaded locally under Anki's
configuration (see l13_assets.builders.preview.reviewer for where each rule was read).

One browser serves the whole session and one reviewer page serves every card: a card is inserted and typeset
once per width (as the reviewer does on a phone of that width), and day and night are switched by classes.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from l13_assets.builders import deck
from l13_assets.builders.preview import anki_cards, mathjax, reviewer

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SOURCE = REPO / "source" / "l13.yaml"

CHROMIUM = "/usr/bin/chromium"  # Debian's package; playwright downloads no browser of its own here
# Chromium as root in a container with no network: no sandbox, no GPU, and none of its background traffic.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = (360, 412, 800)  # a small Android phone, a common one, Anki desktop's reviewer
HEIGHT = 740
FIGURE_TEXT_WIDTH = 360  # the figure-text rule is asserted at the narrowest width
MIN_FIGURE_TEXT_PX = 9
MIN_CONTRAST = 4.5  # WCAG AA for body text
LOCAL = ("file:", "data:", "about:", "blob:")

STATS = {"cards": 0, "renders": 0, "math": 0}  # printed at the end of the session (conftest)


@dataclass(frozen=True)
class BuiltDeck:
    cards: list[anki_cards.Card]
    media: Path  # the folder the cards' media lie in, as Anki's collection.media


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="l13-render-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@cache
def built_deck() -> BuiltDeck:
    """Build the deck from the real source (a copy, with its note history), as the pipeline does."""
    from deck_helpers import build, copy_source

    folder = _scratch()
    source = copy_source(folder / "source", with_history=True)
    built = build(source, folder / "build")
    stable_ids = json.loads(source.with_name("l13.notes.json").read_text(encoding="utf-8"))["notes"]
    read = anki_cards.read(built.data, stable_ids, deck.guid, mistyped=True)
    STATS["cards"] = len(read.cards)
    media = folder / "collection.media"
    media.mkdir()
    for name, data in read.media.items():
        (media / name).write_bytes(data)
    return BuiltDeck(read.cards, media)


def render_ids(card: anki_cards.Card, side: anki_cards.Side, width: int, mode: reviewer.Mode) -> str:
    return f"{card.key}:{side.name}:{width}px:{mode.name}"


@dataclass
class Watch:
    """Everything the page asked the network for, and every failed load or script error, since the last look."""

    seen: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("request", lambda r: None if r.url.startswith(LOCAL) else self.seen.append(f"network request: {r.url}"))
        page.on("requestfailed", lambda r: self.seen.append(f"failed to load {r.url}: {r.failure}"))
        page.on("pageerror", lambda e: self.seen.append(f"script error: {e}"))
        page.on("console", lambda m: self.seen.append(f"console error: {m.text}") if m.type == "error" else None)

    def drain(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


class Browser:
    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)

    def new_page(self, width: int = 800) -> Any:
        return self.browser.new_page(viewport={"width": width, "height": HEIGHT})

    def close(self) -> None:
        self.browser.close()
        self._playwright.stop()


def measure_script() -> str:
    return (HERE / "measure.js").read_text(encoding="utf-8")


def reviewer_page(media: Path) -> Path:
    """Anki desktop's reviewer page, reduced to what changes a card: its CSS, MathJax, <div id=qa>."""
    folder = mathjax.folder().as_uri()
    page = media / "_reviewer.html"
    page.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8">
<style>{reviewer.reviewer_css()}</style>
<script>{reviewer.mathjax_config(folder)}</script>
<script src="{folder}/{reviewer.MATHJAX_SCRIPT}"></script>
<script>{measure_script()}</script>
</head><body class="card card1"><div id="qa"></div></body></html>
""", encoding="utf-8")
    return page


@dataclass(frozen=True)
class Render:
    problems: list[str]
    math: int


SHOW = """async ([html]) => {
  const qa = document.getElementById("qa");
  MathJax.typesetClear([qa]);
  window.scrollTo(0, 0);
  qa.innerHTML = html;
  await l13Settle([qa]);
}"""

# A class switch needs no new frame: the measurements read styles and boxes, which makes the browser apply
# the new classes first. One call measures every mode at the current width.
MEASURE = """([modes, options]) => modes.map(([htmlClass, bodyClass]) => {
  document.documentElement.className = htmlClass;
  document.body.className = bodyClass;
  return l13Measure(document.getElementById("qa"), options);
})"""


class Reviewer:
    """One page of Anki's reviewer; renders of a card side are made together and remembered."""

    def __init__(self, browser: Browser, media: Path) -> None:
        self.watch = Watch()
        self.page = browser.new_page()
        self.watch.attach(self.page)
        self.page.goto(reviewer_page(media).as_uri())
        self.page.evaluate("MathJax.startup.promise")
        self._done: dict[tuple[str, str], dict[tuple[int, str], Render]] = {}
        self._failed: dict[tuple[str, str], Exception] = {}

    def render(self, card: anki_cards.Card, side: anki_cards.Side, width: int, mode: reviewer.Mode) -> Render:
        key = (card.key, side.name)
        if key in self._failed:  # a side whose render raised is not tried again for every width and mode
            raise AssertionError(f"rendering {card.key} {side.name} failed: {self._failed[key]}")
        if key not in self._done:
            try:
                self._done[key] = dict(self._render_all(card.ord, side.html))
            except Exception as error:
                self._failed[key] = error
                raise
        return self._done[key][(width, mode.name)]

    def _render_all(self, card_ord: int, html: str) -> Iterator[tuple[tuple[int, str], Render]]:
        # Typeset once, as the reviewer does when it shows the card; then only the screen width changes.
        # MathJax 3 breaks no lines and sizes math relative to the text around it, so its output does not
        # depend on the width it was typeset at: a resize is what a phone turned sideways does to the card.
        self.page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
        self.page.evaluate(SHOW, [html])
        for width in WIDTHS:
            for mode, render in zip(reviewer.MODES, self.measure(card_ord, width, reviewer.MODES), strict=True):
                yield (width, mode.name), render

    def measure(self, card_ord: int, width: int, modes: tuple[reviewer.Mode, ...]) -> list[Render]:
        self.page.set_viewport_size({"width": width, "height": HEIGHT})
        options = {"contrast": MIN_CONTRAST, "figureText": MIN_FIGURE_TEXT_PX if width == FIGURE_TEXT_WIDTH else 0}
        classes = [[mode.html_class, reviewer.body_class(card_ord, mode)] for mode in modes]
        results = self.page.evaluate(MEASURE, [classes, options])
        renders = []
        for result in results:
            STATS["renders"] += 1
            STATS["math"] += result["math"]
            renders.append(Render(self.watch.drain() + result["problems"], result["math"]))
        return renders

    def show_html(self, html: str, width: int, mode: reviewer.Mode) -> Render:
        """Render any card HTML once (the suite's own checks of its assertions use it)."""
        self.page.set_viewport_size({"width": width, "height": HEIGHT})
        self.page.evaluate(SHOW, [html])
        return self.measure(0, width, (mode,))[0]
