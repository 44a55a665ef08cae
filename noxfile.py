"""The other supported Pythons: on each, install the project, build, compare every output's bytes with the
default Python's build, and run the deck, byte-identity and golden tests. ``.ci/run`` runs these sessions for
whichever of the versions the machine has (the whole suite runs on the default Python).

    .venv/bin/python -m nox                 # every version found
    .venv/bin/python -m nox -p 3.13         # one version
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = False  # a version the machine lacks is skipped, and said so
nox.options.reuse_existing_virtualenvs = False

OTHER_PYTHONS = ("3.10", "3.12", "3.13")
# numpy 2.4 and matplotlib 3.11 (the tested releases, pinned in constraints.txt) need Python 3.11 or later, so
# 3.10 installs the newest releases that support it. Their figures differ in bytes (matplotlib writes other
# path data), and so does every output that carries a figure; the README says so. Any other difference fails.
UNPINNED = ("3.10",)
CARRY_FIGURES = ("figures/", "preview/", "l13-cheatsheet-", "l13-rlhf.apkg", "manifest.json")
TESTS = ("tests/test_deck.py", "tests/test_figure_files.py", "tests/test_cheatsheet.py")
# These compare with files committed from the default Python's build (the note history, which records each
# note's content, figures included, and the golden snapshots), so they hold only where the figure bytes agree.
SAME_BYTES_TESTS = ("tests/test_deck_history.py", "tests/test_upgrade.py", "tests/test_golden.py")
ROOT = Path(__file__).resolve().parent


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy_source(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "source", folder)
    return folder / "l13.yaml"


@nox.session(python=list(OTHER_PYTHONS))
def other_python(session: nox.Session) -> None:
    pins = () if session.python in UNPINNED else ("-c", "constraints.txt")
    session.install("-q", *pins, ".[test]")
    tmp = Path(session.create_tmp())
    here, reference = tmp / "this-python", tmp / "default-python"
    # Each build reads its own copy of the source, so neither writes the repository's note history.
    session.run("l13-assets", "build", "--source", str(_copy_source(tmp / "a")), "--out", str(here), silent=True)
    # The default Python is the one running nox (the project's own .venv in .ci/run).
    subprocess.run([sys.executable, "-m", "l13_assets", "build", "--source", str(_copy_source(tmp / "b")),
                    "--out", str(reference)], cwd=ROOT, check=True, capture_output=True)
    mine, theirs = _hashes(here), _hashes(reference)
    differ = sorted(name for name in mine.keys() | theirs.keys() if mine.get(name) != theirs.get(name))
    expected = [name for name in differ if session.python in UNPINNED and name.startswith(CARRY_FIGURES)]
    if expected:
        session.log(f"other bytes, as the README says for Python {session.python}: {', '.join(expected)}")
        differ = [name for name in differ if name not in expected]
    if differ:
        session.error(f"Python {session.python} gives other bytes than Python {sys.version.split()[0]} for: "
                      + ", ".join(differ))
    same = sum(digest == theirs.get(name) for name, digest in mine.items())
    session.log(f"{same} of {len(mine)} output files are byte-identical to Python {sys.version.split()[0]}'s")
    history_tests = () if session.python in UNPINNED else SAME_BYTES_TESTS
    session.run("pytest", "-q", "-p", "no:cacheprovider", *TESTS, *history_tests)
