"""Where files are: the card templates that ship with the tool, and the files beside the source."""

from __future__ import annotations

import os
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


# SOURCE_DATE_EPOCH after 2100-01-01 is almost surely milliseconds, and a note time once recorded in the
# history only moves forward: refuse it before it is written anywhere.
_LATEST_EPOCH = 4_102_444_800


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as whole seconds, None when unset; a UserError when it is not a sensible time."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise UserError.plain("SOURCE_DATE_EPOCH", f"'{value}' is not a time, expected whole seconds since 1970 "
                              "(digits only, as `git log -1 --format=%ct` prints)")
    if int(value) > _LATEST_EPOCH:
        raise UserError.plain("SOURCE_DATE_EPOCH", f"'{value}' is after 2100, expected whole seconds since 1970 "
                              "(is it in milliseconds?)")
    return int(value)


def notes_history_path(source: Path) -> Path:
    """The deck's note history, kept beside the source like a lock file: source/l13.notes.json."""
    return source.with_name(source.stem + ".notes.json")
