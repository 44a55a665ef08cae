"""Write the card screenshots shown in the README: run `.venv/bin/python docs/make_screenshots.py` from the
repository root (Debian's chromium and playwright, as for the render suite). Each is the back of a card (the
question above the answer) in the preview the build writes, at 360 px, a phone's width: a concept card, the
first drill of each kind, a diagnostic, and that diagnostic again in night mode."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "render")]

import harness  # noqa: E402  (the render suite's browser set-up: Debian's chromium, the flags it needs here)

from l13_assets.builders import Context, preview  # noqa: E402
from l13_assets.loader import load  # noqa: E402

OUT = ROOT / "docs" / "cards"
CONCEPTS = (("card-optimal-policy/1", "concept"),  # a display formula
            ("card-optimal-policy/5", "concept-figure"),  # the note's figure, one panel per image
            ("card-objective/1", "concept-long-formula"))  # the longest formula, in its pieces on two lines


def chosen(keys: list[str]) -> list[tuple[str, str, bool]]:
    """(card key, file name, night): the concept card, the first drill of each kind, the first diagnostic."""
    drills: dict[str, str] = {}
    for key in keys:
        if key.startswith("drill-"):
            drills.setdefault(re.sub(r"-\d+$", "", key), key)
    diagnostic = next(k for k in keys if k.startswith("finding-"))
    return [*((key, name, False) for key, name in CONCEPTS), *((k, kind, False) for kind, k in drills.items()),
            (diagnostic, "diagnostic", False), (diagnostic, "diagnostic-night", True)]


ALONE = """(key) => {
  for (const card of document.querySelectorAll(".preview-card")) card.hidden = card.dataset.card !== key;
  return Math.ceil(document.documentElement.scrollHeight);
}"""


def main() -> None:
    source = ROOT / "source" / "l13.yaml"
    with tempfile.TemporaryDirectory() as folder:
        for output in preview.build(Context.of(load(source, display="source/l13.yaml"), source)).files:
            target = Path(folder) / output.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(output.data)
        browser = harness.Browser()
        cards = Path(folder) / preview.FOLDER / "cards.html"
        OUT.mkdir(exist_ok=True)
        for night in (False, True):
            # A new page for each mode: the cards' page reads #night when it loads, and a change of the hash
            # alone would not load it again.
            page = browser.browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
            page.goto(cards.as_uri() + ("#night" if night else ""))
            page.evaluate("window.l13Typeset")
            keys = page.evaluate("[...document.querySelectorAll('.preview-card')].map((a) => a.dataset.card)")
            for key, name, at_night in chosen(keys):
                if at_night == night:
                    path = OUT / f"{name}.png"
                    # The page shows that card alone, on a screen tall enough for all of it (Chromium takes a
                    # box taller than the screen by scrolling, which does not settle on this long page).
                    height = page.evaluate(ALONE, key)
                    page.set_viewport_size({"width": 360, "height": max(740, height)})
                    page.locator(f"[data-card='{key}'] .side[data-side='back'] .card").screenshot(path=str(path))
                    print(path.relative_to(ROOT))
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
