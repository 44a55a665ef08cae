"""MathJax 3.2.2, the release Anki 26.9 ships, from PyPI's `django-static-mathjax` (MathJax's own es5 build
packed as a wheel; it needs nothing of Django): the build copies it into the preview, so no npm and no network
are needed at build time or when the preview is opened.

Only what the preview's page loads is copied: the combined TeX-to-CHTML component (every TeX package, so the
loader asks for no other file), its web fonts and MathJax's licence.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ...errors import UserError
from .reviewer import MATHJAX_SCRIPT

VERSION = "3.2.2"
FONTS = "output/chtml/fonts/woff-v2"


@cache
def folder() -> Path:
    """MathJax's es5 folder inside the installed package."""
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        es5 = Path(location) / "static" / "mathjax" / "es5"
        if (es5 / MATHJAX_SCRIPT).is_file():
            return es5
    raise UserError.plain("preview", "MathJax is not installed, expected the Python package django-static-mathjax "
                          f"{VERSION} (pip install -c constraints.txt .)")


def files() -> dict[str, bytes]:
    """Path (relative to the MathJax folder, '/' separators) -> bytes, in sorted order."""
    es5 = folder()
    chosen = [es5 / MATHJAX_SCRIPT, *sorted((es5 / FONTS).iterdir()), es5.parent / "LICENSE"]
    return {("LICENSE" if p.name == "LICENSE" else p.relative_to(es5).as_posix()): p.read_bytes() for p in chosen}
