"""Shared fixtures: a scratch copy of the real source. Helpers the tests import are in support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SOURCE


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    """A writable copy of the real source (and its deck note history) in a temporary folder."""
    folder = tmp_path / "source"
    folder.mkdir()
    target = folder / "l13.yaml"
    target.write_bytes(SOURCE.read_bytes())
    history = SOURCE.with_name("l13.notes.json")
    if history.exists():
        (folder / history.name).write_bytes(history.read_bytes())
    return target



def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden snapshots under tests/golden from the fixture lesson.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
