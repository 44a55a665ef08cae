"""Cheatsheet benchmark: build time for both paper sizes after imports, and the PDFs' sizes.

Run: .venv/bin/python bench/bench_cheatsheet.py [--repeat N]
Targets (issue 5): under 0.6 s for both sizes after imports; under 200 KB per PDF. Each run is a fresh
build (a new typesetter and figure, as ``l13-assets build`` does); the first run is reported separately
because it also pays for loading fonts (DejaVu, STIX Two Math) and matplotlib's first figure.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    import matplotlib.figure  # noqa: F401 - imports are excluded from the build time
    import reportlab.pdfgen.canvas  # noqa: F401

    from l13_assets.builders import Context, cheatsheet
    from l13_assets.builders.pdf import formulas as pdf_math
    from l13_assets.loader import load

    pdf_math._ziamath()
    source_path = ROOT / "source" / "l13.yaml"
    source = load(source_path)
    imports = time.perf_counter() - started

    times = []
    outputs = []
    for _ in range(args.repeat + 1):
        start = time.perf_counter()
        outputs = cheatsheet.build(Context.of(source, source_path)).files
        times.append(time.perf_counter() - start)
    first, rest = times[0], times[1:]
    print(f"imports and source load: {imports:.3f} s")
    print(f"build, both sizes, first in process: {first:.3f} s")
    print(f"build, both sizes, median of {len(rest)}: {statistics.median(rest):.3f} s "
          f"(min {min(rest):.3f} s, target < 0.6 s)")
    for output in outputs:
        print(f"{output.path}: {len(output.data) / 1000:.1f} KB (target < 200 KB)")


if __name__ == "__main__":
    main()
