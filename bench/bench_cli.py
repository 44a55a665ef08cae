"""Time the command as users and pipelines run it: --help, check, a cold full build, a no-op build.

Run from the repository root: ``.venv/bin/python bench/bench_cli.py [--runs N]``. Each command runs in a
fresh interpreter (as a user or a CI step would); the figures are medians over N runs on this machine.

The package's bytecode is compiled first, as ``pip install`` does: with an editable install and
PYTHONDONTWRITEBYTECODE set (as on some machines), every run would otherwise compile the tool's modules
again, which no installed copy does.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "l13_assets", *args], cwd=REPO, check=True, capture_output=True,
                   env={**os.environ, "PYTHONHASHSEED": "0"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    import l13_assets

    compileall.compile_dir(Path(l13_assets.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as scratch:
        source_dir = Path(scratch) / "source"
        shutil.copytree(REPO / "source", source_dir)
        source = str(source_dir / "l13.yaml")
        results: dict[str, list[float]] = {"--help": [], "check": [], "cold build": [], "no-op build": []}
        for i in range(runs):
            out = str(Path(scratch) / f"build-{i}")
            results["--help"].append(timed("--help"))
            results["check"].append(timed("check", "-q", "--source", source))
            results["cold build"].append(timed("build", "-q", "--source", source, "--out", out))
            results["no-op build"].append(timed("build", "-q", "--source", source, "--out", out))
    medians = {name: statistics.median(times) for name, times in results.items()}
    print(f"l13-assets, median of {runs} runs each, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for name, median in medians.items():
        spread = f"{min(results[name]):.3f} to {max(results[name]):.3f}"
        print(f"  {name:<12} {median:7.3f} s   (runs: {spread} s)")
    print(f"  no-op / cold  {medians['no-op build'] / medians['cold build']:7.1%}")


if __name__ == "__main__":
    main()
