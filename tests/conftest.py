"""Shared fixtures: the real source loaded once (``source``, ``lesson``), a scratch copy of it. Helpers the
tests import are in support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from l13_assets.loader import Source, load
from l13_assets.model import Lesson
from support import SOURCE


@pytest.fixture(scope="session")
def source() -> Source:
    """The real source, loaded and verified once (the model is frozen, so tests cannot change it)."""
    return load(SOURCE)


@pytest.fixture(scope="session")
def lesson(source: Source) -> Lesson:
    return source.lesson


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
