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
CONCEPT = "card-optimal-policy"  # the one with display formulas and a figure


def chosen(keys: list[str]) -> list[tuple[str, str, bool]]:
    """(card key, file name, night): the concept card, the first drill of each kind, the first diagnostic."""
    drills: dict[str, str] = {}
    for key in keys:
        if key.startswith("drill-"):
            drills.setdefault(re.sub(r"-\d+$", "", key), key)
    diagnostic = next(k for k in keys if k.startswith("finding-"))
    return [(CONCEPT, "concept", False), *((k, kind, False) for kind, k in drills.items()),
            (diagnostic, "diagnostic", False), (diagnostic, "diagnostic-night", True)]


def main() -> None:
    source = ROOT / "source" / "l13.yaml"
    with tempfile.TemporaryDirectory() as folder:
        for output in preview.build(Context(source=load(source, display="source/l13.yaml"), source_path=source)):
            if not output.beside_source:
                target = Path(folder) / output.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(output.data)
        browser = harness.Browser()
        page = browser.browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
        cards = Path(folder) / preview.FOLDER / "cards.html"
        OUT.mkdir(exist_ok=True)
        for night in (False, True):
            page.goto(cards.as_uri() + ("#night" if night else ""))
            page.evaluate("window.l13Typeset")
            keys = page.evaluate("[...document.querySelectorAll('.preview-card')].map((a) => a.dataset.card)")
            for key, name, at_night in chosen(keys):
                if at_night == night:
                    path = OUT / f"{name}.png"
                    page.locator(f"[data-card='{key}'] .side[data-side='back'] .card").screenshot(path=str(path))
                    print(path.relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main()
