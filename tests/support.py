"""Helpers the tests import: the real source, and the CLI run as a user runs it.

They live here, not in conftest.py, because tests/render has a conftest.py of its own and a plain
``from support import`` would then find whichever of the two pytest loaded first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "source" / "l13.yaml"


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
