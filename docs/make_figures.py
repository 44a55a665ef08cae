"""Write the figures' PNG renders shown in the README: run `.venv/bin/python docs/make_figures.py` from the
repository root. The files are the bytes `l13-assets build` writes to build/figures/."""

from __future__ import annotations

from pathlib import Path

from l13_assets.builders.figures import figure_ids, render
from l13_assets.loader import load

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    lesson = load(ROOT / "source" / "l13.yaml", display="source/l13.yaml").lesson
    for figure_id in figure_ids(lesson):
        path = ROOT / "docs" / f"{figure_id}.png"
        path.write_bytes(render(lesson, figure_id, "png"))
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
