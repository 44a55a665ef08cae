"""load -> verify -> build -> write: the one place the stages meet.

``check`` is the pipeline without build and write. ``build`` first asks the manifest whether anything is
stale; when nothing is, it returns before importing sympy or any generator library.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__
from .errors import CheckFailed, UserError
from .resources import notes_history_path, read_source, source_date_epoch

if TYPE_CHECKING:
    from .builders import Context, Output
    from .loader import Source
    from .verify import Report

T = TypeVar("T")

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    source: Path
    out: Path
    only: tuple[str, ...]
    papers: tuple[str, ...] = ("a4", "letter")
    force: bool = False
    new_history: bool = False


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
class Inputs:
    """What a build reads from beside the source, read once: the source and the deck's note history.
    Everything downstream (loading, fingerprints, the manifest) uses these bytes, so a file saved halfway
    through a build cannot make the manifest describe a source the outputs were not built from."""

    raw: bytes
    history: bytes | None

    @classmethod
    def read(cls, source: Path) -> Inputs:
        history = notes_history_path(source)
        try:
            return cls(read_source(source), history.read_bytes() if history.exists() else None)
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


def _fingerprints(request: Request, inputs: Inputs) -> dict[str, str]:
    """Per requested builder, a hash of everything its bytes depend on: the tool version, the source, the
    deck's note history, the templates, and the options that change that builder's output.

    Library versions are left out on purpose: looking them up costs more than the whole no-op build, and
    outputs made by an older library are still valid assets. After upgrading libraries, build with --force.
    """
    from .resources import templates_dir

    common = hashlib.sha256()
    common.update(f"{__version__}\0".encode())
    common.update(hashlib.sha256(inputs.raw).digest())
    common.update(b"-" if inputs.history is None else hashlib.sha256(inputs.history).digest())
    for path in sorted(templates_dir().rglob("*")):
        if path.is_file():
            common.update(path.relative_to(templates_dir()).as_posix().encode() + b"\0" + path.read_bytes())
    prints = {}
    for name in request.only:
        digest = common.copy()
        digest.update(f"\0{name}\0".encode())
        if name == "cheatsheet":  # reportlab dates the PDFs by SOURCE_DATE_EPOCH when it is set
            digest.update(",".join(request.papers).encode())
            digest.update(str(source_date_epoch()).encode())
        prints[name] = digest.hexdigest()
    return prints


def _refuse_foreign_folder(out: Path, source: Path) -> None:
    """The build replaces the output folder as a whole (keeping what is in it): refuse a folder that holds
    files and was not written by l13-assets, such as a repository or a home folder named by mistake, and a
    source inside the output folder (its note history is written beside it while the folder is replaced)."""
    if source.resolve().is_relative_to(out.resolve()):
        raise UserError.plain(str(out), f"the output folder contains the source {source}, expected the source "
                              "outside it: the build replaces the output folder as a whole")
    if not out.is_dir() or all(entry.name.startswith(".") for entry in out.iterdir()):
        return  # new, empty, or only hidden files such as .gitkeep or .nojekyll (all kept)
    tool = (_manifest_json(out) or {}).get("tool")  # of any format: an older build's folder is ours too
    if not (isinstance(tool, dict) and tool.get("name") == "l13-assets"):
        raise UserError.plain(str(out), f"the folder holds files and no {MANIFEST} from an earlier l13-assets "
                              "build, expected a new or empty folder, or one an earlier build wrote (the build "
                              "replaces the folder as a whole)")


def _manifest_json(out: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def read_manifest(out: Path) -> dict[str, Any] | None:
    manifest = _manifest_json(out)
    return manifest if manifest is not None and manifest.get("format") == MANIFEST_FORMAT else None


def _file_entry(name: str, data: bytes) -> dict[str, object]:
    return {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _matches(out: Path, entry: dict[str, object]) -> bool:
    path = out / str(entry["path"])
    try:
        if path.stat().st_size != entry["size"]:
            return False
        return hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    except OSError:
        return False


def _stale(request: Request, inputs: Inputs, manifest: dict[str, Any] | None) -> list[str]:
    """The requested builders whose recorded inputs or outputs no longer match."""
    if request.force or manifest is None:
        return list(request.only)
    recorded = manifest.get("builders", {})
    files = {str(e["path"]): e for e in manifest.get("outputs", []) if isinstance(e, dict)}
    prints = _fingerprints(request, inputs)
    stale = []
    for name in request.only:
        entry = recorded.get(name) if isinstance(recorded, dict) else None
        if (not isinstance(entry, dict) or entry.get("inputs") != prints[name]
                or not all(p in files and _matches(request.out, files[p]) for p in entry.get("outputs", []))):
            stale.append(name)
    return stale


def build(request: Request, progress: Progress) -> Result:
    from . import writer

    result = Result()
    timer = Timer(progress, result.timings)
    source_date_epoch()  # a bad value is refused before any work
    writer.check_out(request.out)  # these checks read only: before the lock file is made (a loop of links too)
    if request.out.is_symlink():  # swap the folder the link points at, and keep the link
        request = replace(request, out=request.out.resolve())
    _refuse_foreign_folder(request.out, request.source)
    with writer.locked(request.out):
        inputs = Inputs.read(request.source)
        manifest = read_manifest(request.out)
        if request.new_history:
            _refuse_a_fresh_history_over_a_release(request.out, manifest)
        stale = _stale(request, inputs, manifest)
        if not stale:
            progress(f"up to date: {request.out} matches its manifest, nothing to do (--force rebuilds)")
            result.up_to_date = True
            result.outputs = list(manifest.get("outputs", [])) if manifest else []
            return result
        source, report = check(request.source, timer, inputs.raw)
        if not report.ok:
            raise CheckFailed(report.problems(), len(report.facts), len(report.failures))
        result.facts_checked = len(report.facts)
        outputs = _run_builders(request, source, stale, timer)
        result.built = stale
        _write(request, inputs, outputs, stale, manifest, report, result, timer)
    return result


def _refuse_a_fresh_history_over_a_release(out: Path, manifest: dict[str, Any] | None) -> None:
    """--new-history beside an output folder that already holds a deck: that deck was built from a history
    (now lost), and a fresh one would restart the times its learners' notes carry."""
    builders = (manifest or {}).get("builders")
    if isinstance(builders, dict) and "deck" in builders:
        raise UserError.plain(str(out / MANIFEST), (
            "--new-history, but this folder holds a deck an earlier build made, expected no earlier deck: restore "
            "that build's note history (from version control) instead of starting a fresh one"))


def _run_builders(request: Request, source: Source, stale: list[str], timer: Timer) -> dict[str, list[Output]]:
    """Run the stale builders. With more than one, the last (the cheatsheet, the slowest) runs in a forked
    child on the other core while the others run here; builders only return bytes, so this is safe."""
    from .background import in_background
    from .builders import Context, builder

    context = Context(source=source, source_path=request.source, papers=request.papers,
                      new_history=request.new_history)
    elsewhere = stale[-1] if len(stale) > 1 else None
    pending = in_background(partial(_timed, builder(elsewhere), context)) if elsewhere else None
    produced: dict[str, list[Output]] = {}
    for name in stale:
        if name == elsewhere and pending is not None:
            files, seconds = pending()
            timer.timings[f"build_{name}"] = round(seconds, 4)
            timer.progress(f"built {name} ({_files(files)}) in {seconds:.2f} s, in parallel on the other core")
            produced[name] = files
        else:
            produced[name] = timer.step(f"build_{name}", partial(builder(name), context), partial(_built, name))
    return produced


def _timed(run: Callable[[Context], list[Output]], context: Context) -> tuple[list[Output], float]:
    start = time.perf_counter()
    files = run(context)
    return files, time.perf_counter() - start


def _built(name: str, files: list[Output]) -> str:
    return f"built {name} ({_files(files)})"


def _files(files: list[Output]) -> str:
    return "1 file" if len(files) == 1 else f"{len(files)} files"


def _write(request: Request, inputs: Inputs, produced: dict[str, list[Output]], stale: list[str],
           manifest: dict[str, Any] | None, report: Report, result: Result, timer: Timer) -> None:
    from . import writer

    files: dict[str, bytes] = {}
    beside: list[Output] = []
    builders: dict[str, Any] = dict(manifest.get("builders", {})) if manifest else {}
    for name in stale:
        outputs = produced[name]
        beside += [o for o in outputs if o.beside_source]
        mine = [o for o in outputs if not o.beside_source]
        files.update({o.path: o.data for o in mine})
        builders[name] = {"inputs": None, "outputs": sorted(o.path for o in mine)}
    # Files of builders not rebuilt, and files the user put there, stay; stale builders' old files go.
    old_entries = {str(e["path"]): e for e in (manifest or {}).get("outputs", [])}
    dropped = {p for name in stale for p in _recorded_outputs(manifest, name)} | {MANIFEST}
    present = writer.entries(request.out)
    keep = {p for p in present if p not in dropped}
    entries = [_file_entry(n, d) for n, d in files.items()]
    entries += [old_entries[p] for p in sorted(keep - set(files)) if p in old_entries]

    history = inputs.history
    for output in beside:
        if request.source.with_name(output.path) == notes_history_path(request.source):
            history = output.data  # the outputs were built with this history: fingerprint that one

    def write() -> int:
        for output in beside:  # the note history first: see writer's docstring on crash order
            target = request.source.with_name(output.path)
            writer.write_file(target, output.data)
            result.history_changed = True
            timer.progress(f"updated {target}: the deck's note history, commit it with the source")
        prints = _fingerprints(request, Inputs(inputs.raw, history))
        for name in stale:
            builders[name]["inputs"] = prints[name]
        record = {
            "format": MANIFEST_FORMAT,
            "tool": {"name": "l13-assets", "version": __version__},
            "source": {"name": request.source.name, "sha256": hashlib.sha256(inputs.raw).hexdigest()},
            "facts_checked": len(report.facts),
            "builders": dict(sorted(builders.items())),
            "outputs": sorted(entries, key=lambda e: str(e["path"])),
        }
        files[MANIFEST] = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
        writer.publish(request.out, files, MANIFEST, keep)
        result.outputs = sorted(entries, key=lambda e: str(e["path"]))
        return len(files)

    timer.step("write", write, lambda n: f"wrote {n} files to {request.out}")


def _recorded_outputs(manifest: dict[str, Any] | None, name: str) -> list[str]:
    builders = (manifest or {}).get("builders", {})
    entry = builders.get(name, {}) if isinstance(builders, dict) else {}
    return list(entry.get("outputs", [])) if isinstance(entry, dict) else []

