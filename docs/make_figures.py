"""Write the PNG renders shown in the README: run `.venv/bin/python docs/make_figures.py` from the repository
root. The figures are the bytes `l13-assets build` writes to build/figures/; the cheatsheet's picture is its
A4 PDF rasterised by poppler's pdftoppm (110 dpi, about the width of a README column at twice its size)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from l13_assets.builders import Context, cheatsheet
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
    sheet = next(o.data for o in cheatsheet.build(Context.of(load(source), source, papers=("a4",))).files)
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "sheet.pdf"
        pdf.write_bytes(sheet)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(Path(folder) / "sheet")],
                       check=True)
        target = ROOT / "docs" / "cheatsheet-a4.png"
        target.write_bytes((Path(folder) / "sheet.png").read_bytes())
    print(target.relative_to(ROOT))


if __name__ == "__main__":
    main()
