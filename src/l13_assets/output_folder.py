"""The output folder: every guard, run before any build work, then the lock and the atomic publish.

``OutputFolder.open`` refuses what no build can use (see ``writer.check_out``), follows a link to the
folder it names (the link stays), refuses a folder that holds files no build of ours wrote, and notices a
folder that cannot be swapped as a whole (a mount point, or a folder on another filesystem than its parent),
which is then published file by file from a staging folder inside it. After any build the folder's parent
holds nothing new but the folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import manifest, writer
from .errors import UserError


@dataclass(frozen=True)
class OutputFolder:
    path: Path  # the folder written (through a link, the folder it points at)
    in_place: bool  # it cannot be swapped as a whole: published file by file

    @classmethod
    def open(cls, out: Path, source: Path) -> OutputFolder:
        writer.check_out(out)  # these checks only read: a refused build leaves nothing behind
        path = out.resolve() if out.is_symlink() else out  # swap the folder the link points at, keep the link
        _refuse_foreign_folder(path, source)
        return cls(path, _cannot_be_swapped(path))

    @contextmanager
    def locked(self) -> Iterator[None]:
        with writer.locked(self.path):
            yield

    def manifest(self) -> manifest.Manifest | None:
        return manifest.read(self.path)

    def entries(self) -> set[str]:
        return writer.entries(self.path)

    def publish(self, files: dict[str, bytes], keep: set[str]) -> None:
        writer.publish(self.path, files, manifest.NAME, keep, in_place=self.in_place)


def _cannot_be_swapped(path: Path) -> bool:
    """A mount point (or a folder on another filesystem than its parent): renaming it fails with EBUSY or
    EXDEV, so it is found here, before the build, instead of after all the work."""
    if not path.is_dir():
        return False
    try:
        return os.path.ismount(path) or path.stat().st_dev != path.parent.stat().st_dev
    except OSError:
        return False


def _refuse_foreign_folder(out: Path, source: Path) -> None:
    """The build replaces the output folder as a whole (keeping what is in it): refuse a folder that holds
    files and was not written by l13-assets, such as a repository or a home folder named by mistake, and a
    source inside the output folder (its note history is written beside it while the folder is replaced)."""
    if source.resolve().is_relative_to(out.resolve()):
        raise UserError.plain(str(out), f"the output folder contains the source {source}, expected the source "
                              "outside it: the build replaces the output folder as a whole")
    if not out.is_dir() or all(entry.name.startswith(".") for entry in out.iterdir()):
        return  # new, empty, or only hidden files such as .gitkeep or .nojekyll (all kept)
    tool = (manifest.read_any(out) or {}).get("tool")
    if not (isinstance(tool, dict) and tool.get("name") == "l13-assets"):
        raise UserError.plain(str(out), f"the folder holds files and no {manifest.NAME} from an earlier "
                              "l13-assets build, expected a new or empty folder, or one an earlier build wrote "
                              "(the build replaces the folder as a whole)")
