"""How long the figures take to build, after imports: `.venv/bin/python bench/bench_figures.py [RUNS]`.

Times `build()` of the figures builder (every figure, SVG and PNG each) in this process: the first run (font
cache loading and text-layout caches cold) and the median of RUNS further runs. The module remembers its
renders for the process; every timed run starts by forgetting them, so each one draws and saves for real.
For scale it also times the floor on this machine: empty two-panel figures of the same size, one per figure,
saved the same way (``figures.save`` to SVG, then resvg to PNG, same style).
Target: under 0.4 s for all figures.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.4


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    import matplotlib.figure  # imported before timing: imports are not what is measured
    import numpy  # noqa: F401

    from l13_assets.builders import Context
    from l13_assets.builders.figure_svg import to_png
    from l13_assets.builders.figures import PNG_DPI, Size, _style, build, figure_ids, save
    from l13_assets.loader import load

    source = load(ROOT / "source" / "l13.yaml")
    context = Context.of(source, ROOT / "source" / "l13.yaml")

    def once() -> float:
        start = time.perf_counter()
        outputs = build(dataclasses.replace(context, renders=None)).files  # no shared renders: every figure drawn
        elapsed = time.perf_counter() - start
        assert len(outputs) == 2 * len(figure_ids(source.lesson))
        return elapsed

    def floor() -> float:
        start = time.perf_counter()
        size = Size()
        with _style(size):
            for _ in figure_ids(source.lesson):
                fig = matplotlib.figure.Figure(figsize=(size.width_in, size.height_in))
                fig.subplots(1, 2, sharey=True)
                to_png(save(fig), round(size.width_in * PNG_DPI))
        return time.perf_counter() - start

    first = once()
    median = statistics.median(once() for _ in range(runs))
    empty = statistics.median(floor() for _ in range(runs))
    verdict = "under" if median < TARGET_S else "over"
    print(f"figures build: {median:.3f} s median of {runs} runs ({verdict} the {TARGET_S} s target), "
          f"first run {first:.3f} s; the floor here (empty two-panel figures, as many, saved the "
          f"same way): {empty:.3f} s")


if __name__ == "__main__":
    main()
