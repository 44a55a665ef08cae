"""Golden snapshots of what a build shows, on a frozen fixture lesson (tests/fixtures/lesson), never the
real source: an author's edit of source/l13.yaml leaves them alone, and a change to the code that alters
what a learner gets shows up here as a readable diff. After a change meant to alter them:
``.venv/bin/python -m pytest tests/test_golden.py --update-golden``, read the diff, commit it."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

import pdfplumber
import pytest

from support import REPO, run_cli

FIXTURE = REPO / "tests" / "fixtures" / "lesson"
GOLDEN = REPO / "tests" / "golden"
EPOCH = "1893456000"  # 2030-01-01: after every time the fixture's note history holds


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden")
    shutil.copytree(FIXTURE, folder / "lesson")
    out = folder / "out"
    result = run_cli("build", "--source", str(folder / "lesson" / "l13.yaml"), "--out", str(out),
                     "--only", "deck,cheatsheet", "--paper", "a4", "-q", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.returncode == 0, result.stderr
    return out


def _notes(apkg: bytes) -> str:
    """The deck's notes as guid and fields, one note a block: what Anki stores and shows."""
    with zipfile.ZipFile(io.BytesIO(apkg)) as package, tempfile.TemporaryDirectory() as folder:
        name = "collection.anki21" if "collection.anki21" in package.namelist() else "collection.anki2"
        path = Path(folder) / name
        path.write_bytes(package.read(name))
        # closing(): a connection's own ``with`` ends a transaction but leaves it open (Python 3.13 warns)
        with closing(sqlite3.connect(path)) as db:
            rows = db.execute("select guid, flds from notes order by sfld, guid").fetchall()
    return "\n\n".join(f"{guid}\n" + "\n".join(f"  {field}" for field in fields.split("\x1f") if field)
                       for guid, fields in rows) + "\n"


def _sheet_text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return "\n".join(page.extract_text() for page in document.pages) + "\n"


def _manifest(out: Path) -> str:
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    record["outputs"] = [{k: v for k, v in e.items() if k != "sha256"} | {"sha256": "…"} for e in record["outputs"]]
    for entry in record["builders"].values():
        entry["inputs"] = "…"  # a hash of the templates too: every template edit would rewrite it
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("name", ["deck-notes.txt", "cheatsheet-a4.txt", "manifest.json"])
def test_golden(built: Path, name: str, update_golden: bool) -> None:
    shown = {"deck-notes.txt": lambda: _notes((built / "l13-rlhf.apkg").read_bytes()),
             "cheatsheet-a4.txt": lambda: _sheet_text((built / "l13-cheatsheet-a4.pdf").read_bytes()),
             "manifest.json": lambda: _manifest(built)}[name]()
    golden = GOLDEN / name
    if update_golden:
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(shown, encoding="utf-8")
    assert golden.exists(), f"no {golden}: run pytest tests/test_golden.py --update-golden"
    assert shown == golden.read_text(encoding="utf-8"), (
        f"{name} differs from {golden}: if the change is meant, run pytest tests/test_golden.py --update-golden")
