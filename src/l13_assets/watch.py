"""``l13-assets watch``: build, then rebuild on every save of the source, its note history or the templates.

Each round is an ordinary ``pipeline.build`` (the same checks, the same atomic publish, the same manifest),
run in this one process, so imports stay loaded and what does not depend on the edit is not redone: the
symbolic proofs are proved once per process, a drill whose inputs did not change is not decided again, a
formula's line breaks are cut once (see the caches in ``verify`` and ``math_lines``), and the manifest
rebuilds only the builders whose declared parts of the source changed.

A round that fails prints its problems exactly as ``check`` does and publishes nothing, so the folder (and
the page being served) keeps the last good outputs. The loop only ever reads the source when its bytes
changed: the deck writes the note history beside the source, and that write must not start another round.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UserError
from .resources import notes_history_path, templates_dir

if TYPE_CHECKING:
    from .pipeline import Request, Result
    from .watch_server import Server

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Round:
    """What one round did: the builders it ran (empty when up to date) or the problems that stopped it."""

    built: tuple[str, ...]
    problems: tuple[str, ...]
    seconds: float


class Watched:
    """The files a round depends on, and their bytes as the last round saw them."""

    def __init__(self, source: Path) -> None:
        self.source, self.history, self.templates = source, notes_history_path(source), templates_dir()
        self.seen: dict[Path, bytes | None] = {}
        self.remember()

    def folders(self) -> list[Path]:
        # Editors save by writing a new file and renaming it over the old one, so the folders are watched.
        return sorted({self.source.resolve().parent, self.templates.resolve()})

    def accepts(self, path: Path) -> bool:
        path = path.resolve()
        return path in (self.source.resolve(), self.history.resolve()) or self.templates.resolve() in path.parents

    def changed(self, paths: Iterable[Path]) -> list[Path]:
        """The paths whose bytes differ from the last round's (a save of unchanged text, or the history the
        deck itself wrote, is no change)."""
        return [p for p in sorted(set(paths)) if self.accepts(p) and _read(p) != self.seen.get(p.resolve())]

    def remember(self) -> None:
        files = [self.source, self.history, *(p for p in self.templates.rglob("*") if p.is_file())]
        self.seen = {p.resolve(): _read(p) for p in files}


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def one_round(request: Request, echo: Echo) -> Round:
    """One build; its problems are returned (one line each, as ``check`` prints them), never raised."""
    from . import pipeline

    start = time.perf_counter()
    try:
        result: Result = pipeline.build(request, echo)
    except UserError as error:
        return Round((), tuple(str(p) for p in error.problems), time.perf_counter() - start)
    return Round(tuple(result.built), (), time.perf_counter() - start)


def run(request: Request, echo: Echo, server: Server | None = None) -> None:
    """Build, then rebuild after every change until interrupted (the CLI's SIGINT handler ends the process)."""
    from watchfiles import watch

    watched = Watched(request.source)
    _report(one_round(request, echo), request, echo, server)
    watched.remember()
    echo(f"watching {', '.join(str(f) for f in watched.folders())} (Ctrl-C stops)")
    for changes in watch(*watched.folders(), watch_filter=lambda _change, path: watched.accepts(Path(path)),
                         debounce=400, step=30, raise_interrupt=False):
        edited = watched.changed(Path(path) for _change, path in changes)
        if not edited:
            continue
        echo("changed: " + ", ".join(_short(p) for p in edited))
        if any(watched.templates.resolve() in p.resolve().parents for p in edited):
            _forget_templates()
        _report(one_round(replace(request, force=False), echo), request, echo, server)
        watched.remember()


def _report(done: Round, request: Request, echo: Echo, server: Server | None) -> None:
    for line in done.problems:
        echo(line)
    if done.problems:
        count = len(done.problems)
        echo(f"{count} problem{'s' if count != 1 else ''}: nothing published, {request.out} keeps the last good "
             "outputs")
        return
    if done.built and server is not None:
        server.reload()
    what = ", ".join(done.built) if done.built else "nothing to rebuild"
    echo(f"round done in {done.seconds:.2f} s ({what})")


def _forget_templates() -> None:
    """Templates read once per process (the note types) are read again after a template changed."""
    import sys

    notes = sys.modules.get("l13_assets.builders.deck_notes")
    if notes is not None:
        notes.note_types.cache_clear()
        notes.environment.cache_clear()


def _short(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
