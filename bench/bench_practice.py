"""Practice benchmark: the worksheets and key (both paper sizes) with one variant and with thirty.

Run: .venv/bin/python bench/bench_practice.py [--repeat N]
Target (issue 16): thirty variants cost under a second more than one. The context (the drills the check
decided) is made once, as a build makes it; each timed run draws, solves and typesets every variant again.
The first run is left out: it pays for fonts, the math font and sympy's first solve.
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

    from dataclasses import replace

    from l13_assets.builders import Context, practice
    from l13_assets.builders.options import Options
    from l13_assets.loader import load

    source_path = ROOT / "source" / "l13.yaml"
    context = Context.of(load(source_path), source_path)
    practice.build(context)  # warm: fonts, STIX Two Math, sympy
    medians, cpu = {}, {}
    for count in (1, 30):
        ctx = replace(context, options=Options(variants=count))
        times, cpu_times = [], []
        for _ in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            files = practice.build(ctx).files
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - start_cpu)
        medians[count], cpu[count] = statistics.median(times), statistics.median(cpu_times)
        sizes = ", ".join(f"{f.path} {len(f.data) / 1000:.0f} KB" for f in files)
        print(f"--variants {count:2d}: median of {args.repeat} {medians[count]:.3f} s wall, {cpu[count]:.3f} s CPU "
              f"(min {min(times):.3f} s); {sizes}")
    # CPU time too: on a shared machine the wall clock also counts the time another process held the core
    print(f"30 variants cost {medians[30] - medians[1]:.3f} s wall, {cpu[30] - cpu[1]:.3f} s CPU more than 1 "
          "(target < 1 s)")


if __name__ == "__main__":
    main()
