"""Write the PNG renders shown in the README: run `.venv/bin/python docs/make_figures.py` from the repository
root. The figures are the bytes `l13-assets build` writes to build/figures/; the cheatsheet's picture and the practice
pages are the A4 PDFs' first pages rasterised by poppler's pdftoppm."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from l13_assets.builders import Context, cheatsheet, practice
from l13_assets.builders.figures import figure_ids, render
from l13_assets.loader import load

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    lesson = load(ROOT / "source" / "l13.yaml", display="source/l13.yaml").lesson
    for figure_id in figure_ids(lesson):
        path = ROOT / "docs" / f"{figure_id}.png"
        path.write_bytes(render(lesson, figure_id, "png"))
        print(path.relative_to(ROOT))
    source = ROOT / "source" / "l13.yaml"
    context = Context.of(load(source), source, papers=("a4",))
    _page(next(o.data for o in cheatsheet.build(context).files), "cheatsheet-a4.png", 110)
    printed = {o.path: o.data for o in practice.build(context).files}
    _page(printed["l13-practice-a4.pdf"], "practice-worksheet-a4.png", 60)  # variant 1's first page
    _page(printed["l13-practice-key-a4.pdf"], "practice-key-a4.png", 60)


def _page(pdf: bytes, name: str, dpi: int) -> None:
    """The PDF's first page as a PNG under docs/, rasterised by pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(path), str(Path(folder) / "page")],
                       check=True)
        target = ROOT / "docs" / name
        target.write_bytes((Path(folder) / "page.png").read_bytes())
    print(target.relative_to(ROOT))


if __name__ == "__main__":
    main()
