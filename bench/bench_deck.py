"""Benchmark of the deck: the default build, and drills generated and verified at growing counts.

Run: .venv/bin/python bench/bench_deck.py

Targets (issue 4): building the default deck under 0.5 s after imports; 1,000 drills generated and verified
under 3 s, growing linearly. Imports (genanki, jinja2, sympy, mpmath, matplotlib) and first-use caches are
warmed before timing; each figure is the best of several runs. The deck build is reported twice: alone
(`l13-assets build --only deck`), where it draws the two figures' SVGs itself, and as in a full build, where
the figures builder has drawn them just before in the same process and ``figures.render`` returns the bytes
it remembers.
"""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from l13_assets import drills
from l13_assets.builders import Context, deck
from l13_assets.loader import load
from l13_assets.model import Lesson
from l13_assets.verify.drills import check_drills

SOURCE = Path(__file__).resolve().parents[1] / "source" / "l13.yaml"


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def note_count(apkg: bytes, folder: Path) -> int:
    """How many notes the built package holds (its collection is an SQLite file inside the zip)."""
    collection = folder / "collection.anki2"
    with zipfile.ZipFile(io.BytesIO(apkg)) as package:
        collection.write_bytes(package.read("collection.anki2"))
    with closing(sqlite3.connect(collection)) as db:
        (count,) = db.execute("SELECT count(*) FROM notes").fetchone()
    return int(count)


def scaled(lesson: Lesson, total: int) -> Lesson:
    """The source's drill spec with every kind's count scaled so the counts add up to ``total``."""
    spec = lesson.drills
    base = sum(getattr(spec, k).count for k in drills.KINDS)
    counts = {k: getattr(spec, k).count * total // base for k in drills.KINDS}
    counts[drills.KINDS[0]] += total - sum(counts.values())
    update = {k: getattr(spec, k).model_copy(update={"count": n}) for k, n in counts.items()}
    return lesson.model_copy(update={"drills": spec.model_copy(update=update)})


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "l13.yaml"
        source.write_bytes(SOURCE.read_bytes())
        history = SOURCE.with_name("l13.notes.json")
        if history.exists():
            source.with_name(history.name).write_bytes(history.read_bytes())
        context = Context.of(load(source), source)
        lesson = context.source.lesson
        built = deck.build(context)  # warm imports and caches; write the history as the writer would
        if built.history is not None:
            source.with_name("l13.notes.json").write_bytes(built.history)
            context = Context.of(load(source), source)
        notes = note_count(built.files[0].data, Path(folder))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            deck.build(context)
            times.append(time.perf_counter() - start)
        full = min(times)

    count = len(drills.generate(lesson))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    print(f"default deck ({count} drills, {notes} notes): {full:.3f} s, drawing its figures' phone panels "
          "(target < 0.5 s)")

    check_drills(scaled(lesson, 50))  # warm sympy, mpmath and the interval context
    rows = []
    for total in (250, 500, 1000):
        bigger = scaled(lesson, total)
        generate = best(lambda b=bigger: drills.generate(b), 5)
        both = best(lambda b=bigger: check_drills(b), 5)  # check_drills generates, then verifies
        facts = check_drills(bigger)
        assert len(facts) == total and all(f.ok for f in facts)
        rows.append((total, generate, both))
        print(f"{total:5d} drills: generate {generate:.3f} s, generate + verify {both:.3f} s "
              f"({both / total * 1000:.2f} ms per drill)")
    ratio = rows[-1][2] / rows[0][2]
    print(f"1000 vs 250 drills: {ratio:.2f} times the time for 4 times the drills (linear: 4)  (target < 3 s)")


if __name__ == "__main__":
    main()
