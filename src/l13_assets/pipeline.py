"""load -> verify -> build -> write: the one place the stages meet.

``check`` is the pipeline without build and write. ``build`` first asks the manifest whether anything is
stale; when nothing is, it returns before importing sympy or any generator library. No builder is named
here: which builders exist, what they read and what they cost comes from ``builders.registry``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from . import manifest
from .builders.options import Options
from .errors import CheckFailed, UserError
from .manifest import Inputs, Manifest
from .resources import notes_history_path, read_source, source_date_epoch

if TYPE_CHECKING:
    from .builders import Builder, Built, Context
    from .loader import Source
    from .output_folder import OutputFolder
    from .verify import Report

T = TypeVar("T")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    source: Path
    out: Path
    only: tuple[str, ...]  # builder names (registry order is the build order)
    options: Options = field(default_factory=Options)
    force: bool = False


@dataclass
class Result:
    facts_checked: int = 0
    up_to_date: bool = False
    outputs: list[dict[str, object]] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    history_changed: bool = False  # the deck's note history beside the source was rewritten: commit it


class Timer:
    """Times each step and reports it as one progress line."""

    def __init__(self, progress: Progress, timings: dict[str, float]) -> None:
        self.progress, self.timings = progress, timings

    def step(self, name: str, action: Callable[[], T], describe: Callable[[T], str]) -> T:
        start = time.perf_counter()
        value = action()
        elapsed = time.perf_counter() - start
        self.timings[name] = round(elapsed, 4)
        self.progress(f"{describe(value)} in {elapsed:.2f} s")
        return value


@dataclass(frozen=True)
class Plan:
    """What a build settled before any work: where it writes, what it read, what it may rebuild."""

    request: Request
    folder: OutputFolder
    inputs: Inputs
    epoch: int | None
    chosen: list[Builder]
    old: Manifest | None


def read_inputs(source: Path) -> Inputs:
    """The source and its note history, read once: loading, fingerprints and the manifest all use these
    bytes, so a file saved halfway through a build cannot make the manifest describe other inputs."""
    history = notes_history_path(source)
    try:
        return Inputs(read_source(source), history.read_bytes() if history.exists() else None)
    except OSError as error:
        raise UserError.plain(str(history), f"cannot read the note history ({error.strerror}), "
                              "expected a readable file") from None


def check(source_path: Path, timer: Timer, raw: bytes | None = None) -> tuple[Source, Report]:
    """Load and verify. Returns (source, report); raises UserError on a source that does not load."""
    from . import verify

    symbolic = verify.start_symbolic()
    from . import loader

    raw = read_source(source_path) if raw is None else raw
    source = timer.step("load", lambda: loader.parse(raw, str(source_path)), lambda _: f"loaded {source_path}")
    report = timer.step("verify", lambda: verify.run(source, symbolic), lambda r: f"verified {len(r.facts)} facts")
    return source, report


def build(request: Request, progress: Progress) -> Result:
    from .builders.registry import builders
    from .output_folder import OutputFolder

    result = Result()
    timer = Timer(progress, result.timings)
    epoch = source_date_epoch()  # parsed once, here; a bad value is refused before any work
    folder = OutputFolder.open(request.out, request.source)  # every guard, before the lock is taken
    chosen = [builders()[name] for name in request.only]
    with folder.locked():
        inputs = read_inputs(request.source)
        old = folder.manifest()
        if request.options.new_history:
            _refuse_a_fresh_history_over_a_release(folder, old)
        prints = manifest.fingerprints(chosen, inputs, request.options, epoch)
        stale_names = set(manifest.stale(chosen, prints, None if request.force else old, folder.path))
        stale = [b for b in chosen if b.name in stale_names]
        if not stale:
            progress(f"up to date: {request.out} matches its manifest, nothing to do (--force rebuilds)")
            result.up_to_date = True
            result.outputs = sorted(old.outputs.values(), key=lambda e: str(e["path"])) if old else []
            return result
        source, report = check(request.source, timer, inputs.raw)
        if not report.ok:
            raise CheckFailed(report.problems(), len(report.facts), len(report.failures))
        result.facts_checked = len(report.facts)
        context = _context(request, source, report, inputs, epoch)
        built = _run_builders(stale, context, timer)
        result.built = [b.name for b in stale]
        _write(Plan(request, folder, inputs, epoch, chosen, old), built, report, result, timer)
    return result


def _context(request: Request, source: Source, report: Report, inputs: Inputs, epoch: int | None) -> Context:
    from .builders import Context
    from .builders.figure_render import Renders

    return Context(source=source, source_path=request.source, drills=report.drills, options=request.options,
                   history=inputs.history, epoch=epoch, renders=Renders())


def _refuse_a_fresh_history_over_a_release(folder: OutputFolder, old: Manifest | None) -> None:
    """--new-history beside an output folder that already holds a note history's deck: that deck was built
    from a history (now lost), and a fresh one would restart the times its learners' notes carry."""
    from .builders.registry import builders

    if old is not None and any(old.has(b.name) for b in builders().values() if "history" in b.reads):
        raise UserError.plain(str(folder.path / manifest.NAME), (
            "--new-history, but this folder holds a deck an earlier build made, expected no earlier deck: restore "
            "that build's note history (from version control) instead of starting a fresh one"))


def _run_builders(stale: list[Builder], context: Context, timer: Timer) -> dict[str, Built]:
    """Run the stale builders. With more than one, the costliest runs in a forked child on the other core
    while the others run here; builders only return values, so this is safe."""
    from .background import in_background

    elsewhere = max(stale, key=lambda b: b.cost) if len(stale) > 1 else None
    pending = in_background(partial(_timed, elsewhere.build, context)) if elsewhere else None
    produced: dict[str, Built] = {}
    for builder in stale:
        if builder is elsewhere and pending is not None:
            continue
        produced[builder.name] = timer.step(f"build_{builder.name}", partial(builder.build, context),
                                            partial(_built, builder.name))
    if elsewhere is not None and pending is not None:
        built, seconds = pending()
        timer.timings[f"build_{elsewhere.name}"] = round(seconds, 4)
        timer.progress(f"built {elsewhere.name} ({_files(built)}) in {seconds:.2f} s, in parallel on the other core")
        produced[elsewhere.name] = built
    return {b.name: produced[b.name] for b in stale}


def _timed(run: Callable[[Context], Built], context: Context) -> tuple[Built, float]:
    start = time.perf_counter()
    built = run(context)
    return built, time.perf_counter() - start


def _built(name: str, built: Built) -> str:
    return f"built {name} ({_files(built)})"


def _files(built: Built) -> str:
    return "1 file" if len(built.files) == 1 else f"{len(built.files)} files"


def _write(plan: Plan, produced: dict[str, Built], report: Report, result: Result, timer: Timer) -> None:
    """Publish the new files with the files of builders not rebuilt (and files the user put there), the note
    history first (see writer's docstring on crash order), the manifest last."""
    from . import writer

    request, folder, inputs, old = plan.request, plan.folder, plan.inputs, plan.old
    files = {o.path: o.data for built in produced.values() for o in built.files}
    records = dict(old.builders) if old else {}
    dropped = {p for name in produced for p in (old.recorded(name) if old else [])} | {manifest.NAME}
    keep = {p for p in folder.entries() if p not in dropped}
    entries = [manifest.file_entry(n, d) for n, d in files.items()]
    entries += [old.outputs[p] for p in sorted(keep - set(files)) if old and p in old.outputs]
    history = next((b.history for b in produced.values() if b.history is not None), None)

    def write() -> int:
        if history is not None:
            target = notes_history_path(request.source)
            writer.write_file(target, history)
            result.history_changed = True
            timer.progress(f"updated {target}: the deck's note history, commit it with the source")
        now = Inputs(inputs.raw, inputs.history if history is None else history)
        prints = manifest.fingerprints([b for b in plan.chosen if b.name in produced], now, request.options,
                                       plan.epoch)
        for name, built in produced.items():
            records[name] = {"inputs": prints[name], "outputs": sorted(o.path for o in built.files)}
        files[manifest.NAME] = manifest.record(request.source.name, inputs, len(report.facts), records, entries)
        folder.publish(files, keep)
        result.outputs = sorted(entries, key=lambda e: str(e["path"]))
        return len(files)

    timer.step("write", write, lambda n: f"wrote {n} files to {request.out}")
