"""Where files are: the card templates that ship with the tool, and the files beside the source."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import UserError


@cache
def templates_dir() -> Path:
    """``templates/``: inside the installed package (the wheel force-includes it), else the repository's."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def read_source(path: Path) -> bytes:
    """The source's bytes, or a UserError saying it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise UserError.plain(str(path), f"cannot read the source ({error.strerror}), expected a readable "
                              "YAML file (pass --source PATH)") from None


def notes_history_path(source: Path) -> Path:
    """The deck's note history, kept beside the source like a lock file: source/l13.notes.json."""
    return source.with_name(source.stem + ".notes.json")
