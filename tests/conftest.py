"""Shared test fixtures: the real source, a scratch copy of it, and a way to run the CLI as a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "l13.yaml"


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


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``l13-assets`` in a fresh interpreter, as a user or a pipeline would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "l13_assets", *args], cwd=cwd or REPO, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def check_lines(text: str) -> list[str]:
    """The problem lines `check` would print for this source text (load problems or failed facts)."""
    from l13_assets import verify
    from l13_assets.errors import UserError
    from l13_assets.loader import parse

    try:
        source = parse(text.encode("utf-8"), "l13.yaml")
    except UserError as error:
        return [str(p) for p in error.problems]
    return [str(p) for p in verify.run(source).problems()]
