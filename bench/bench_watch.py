"""The author's loop: `.venv/bin/python bench/bench_watch.py [--edits N]`.

Runs, in one run on a copy of the source: a cold ``l13-assets build --force`` (fresh interpreters, median
of 3), then ``l13-assets watch --no-serve`` and N edits of a concept card's text, each timed from the save
until the new manifest (published last, after the ``.apkg`` and the preview) is on disk; then one edit of a
β-table row, checking that the ``.apkg`` keeps its bytes. Prints both medians and edit / cold; the target is
at most 0.25.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 0.25
_CARD_BACK = re.compile(r'^(\s+back: ")', re.MULTILINE)
_BETA_BEHAVIOUR = re.compile(r'^(\s+behaviour: ")', re.MULTILINE)


class Watch:
    """A running ``watch``: its stderr lines, collected on a thread."""

    def __init__(self, source: Path, out: Path) -> None:
        command = [sys.executable, "-m", "l13_assets", "watch", "--no-serve", "--source", str(source),
                   "--out", str(out)]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, after: int = 0, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines[after:]):
            if time.monotonic() > deadline or self.process.poll() is not None:
                sys.exit("watch did not say '" + text + "':\n" + "\n".join(self.lines))
            time.sleep(0.005)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()


def edit(path: Path, pattern: re.Pattern[str], word: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(pattern.sub(rf"\g<1>{word} ", text, count=1), encoding="utf-8")


def until_changed(path: Path, before: bytes, timeout: float = 60) -> float:
    start, deadline = time.perf_counter(), time.monotonic() + timeout
    while path.read_bytes() == before:
        if time.monotonic() > deadline:
            sys.exit(f"{path} did not change within {timeout} s")
        time.sleep(0.002)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "source"
        shutil.copytree(REPO / "source", folder)
        source, out = folder / "l13.yaml", Path(scratch) / "out"
        cold = []
        for i in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "l13_assets", "build", "--force", "-q", "--source", str(source),
                            "--out", str(Path(scratch) / f"cold-{i}")], check=True, env={**os.environ})
            cold.append(time.perf_counter() - start)
        watch = Watch(source, out)
        try:
            watch.wait_for("watching")
            manifest, apkg = out / "manifest.json", out / "l13-rlhf.apkg"
            edits = []
            for i in range(args.edits):
                before, seen = manifest.read_bytes(), len(watch.lines)
                edit(source, _CARD_BACK, f"Edit{i}")
                edits.append(until_changed(manifest, before))
                watch.wait_for("round done", after=seen)
            deck, before, seen = apkg.read_bytes(), manifest.read_bytes(), len(watch.lines)
            edit(source, _BETA_BEHAVIOUR, "Edited")
            until_changed(manifest, before)
            watch.wait_for("round done", after=seen)
            deck_kept = apkg.read_bytes() == deck
            rebuilt = next(line for line in reversed(watch.lines) if "round done" in line)
        finally:
            watch.stop()
    cold_median, edit_median = statistics.median(cold), statistics.median(edits)
    ratio = edit_median / cold_median
    print(f"watch: a card-text edit until the new manifest, median of {args.edits}, {os.cpu_count()} cores")
    print(f"  cold build --force    {cold_median:6.3f} s   (runs: {min(cold):.3f} to {max(cold):.3f} s)")
    print(f"  card edit in watch    {edit_median:6.3f} s   (runs: {min(edits):.3f} to {max(edits):.3f} s)")
    print(f"  edit / cold           {ratio:6.3f}     (target <= {TARGET})")
    kept = "unchanged" if deck_kept else "CHANGED"
    print(f"  β-row edit: {rebuilt.split('(', 1)[1].rstrip(')')} rebuilt; .apkg {kept}")
    sys.exit(0 if ratio <= TARGET and deck_kept else 1)


if __name__ == "__main__":
    main()
