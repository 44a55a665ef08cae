"""The ``l13-assets`` command: ``check``, ``build``, ``watch`` and ``schema``.

Exit codes: 0 success; 1 a problem with the source, a failed check or a failed build (one line per
problem, ``file:line:col: path: message``, no traceback); 2 a usage error; 130 interrupted (Ctrl-C).
Only click is imported at start-up: everything heavy is imported by the command that needs it.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import CheckFailed, Problem, UserError

if TYPE_CHECKING:
    from .pipeline import Result

from .builders.options import OPTION_FLAGS, Flag
from .builders.registry import builders as _builders


def _source_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--source", type=click.Path(path_type=Path, dir_okay=False), default=Path("source/l13.yaml"),
                        show_default=True, help="The lesson's YAML source.")(function)


def _verbosity(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("-v", "--verbose", is_flag=True,
                            help="Say more: computed values (check), every output's size and sha256 (build).")(function)
    function = click.option("-q", "--quiet", is_flag=True, help="Print only problems.")(function)
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout instead of text.")(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="l13-assets")
def main() -> None:
    """Verified learning assets for lesson 13 (RLHF): an Anki deck, a cheatsheet, figures.

    Every fact in the source is checked with sympy before anything is written.
    """


@main.command()
@_source_option
@_verbosity
def check(source: Path, quiet: bool, verbose: bool, as_json: bool) -> None:
    """Load and verify the source; print one line per checked fact."""
    _stop_on_interrupt("interrupted")
    from . import pipeline

    start = time.perf_counter()
    timings: dict[str, float] = {}
    with _user_errors(partial(_check_report, 0, 0, timings) if as_json else None):
        _, report = pipeline.check(source, pipeline.Timer(_progress(quiet or as_json), timings))
    if as_json:
        _emit_json(_check_report(len(report.facts), len(report.failures), timings, report.problems()))
    else:
        if not quiet:
            for fact in report.facts:
                line = f"{'ok  ' if fact.ok else 'FAIL'}  {fact.kind:<8}  {fact.label}  {fact.claim}"
                click.echo(line + (f"  [computed {fact.computed}]" if verbose and fact.computed else ""))
        for problem in report.problems():
            click.echo(str(problem), err=True)
        if not quiet:  # -q: problems only
            click.echo(f"{len(report.facts)} facts checked, {len(report.failures)} failed "
                       f"({time.perf_counter() - start:.2f} s)")
    sys.exit(0 if report.ok else 1)


def _builder_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--only and each builder option, from the registry and the options' own declarations."""
    listed = "; ".join(f"{b.name}: {b.description}" for b in _builders().values())
    function = click.option("--only", default=",".join(_builders()), show_default=True, metavar="LIST",
                            help=f"Comma-separated outputs to build ({listed}).")(function)
    for flag in reversed(OPTION_FLAGS):
        function = click.option(flag.flag, flag.field, **_click_settings(flag))(function)
    return function


def _click_settings(flag: Flag) -> dict[str, Any]:
    settings = dict(flag.settings)
    if "choices" in settings:
        settings["type"] = click.Choice(settings.pop("choices"))
        settings["show_default"] = True
    return settings


def _only(only: str) -> tuple[str, ...]:
    known = tuple(_builders())
    names = tuple(n.strip() for n in only.split(",") if n.strip())
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        given = ", ".join(unknown) if unknown else "an empty list"
        raise click.BadParameter(f"{given}: expected a comma-separated list of {', '.join(known)}",
                                 param_hint="--only")
    return tuple(n for n in known if n in names)


@main.command()
@_source_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("build"), show_default=True,
              help="Output folder.")
@_builder_options
@click.option("--force", is_flag=True, help="Rebuild even if the outputs match the manifest.")
@_verbosity
def build(source: Path, out: Path, only: str, force: bool, quiet: bool, verbose: bool, as_json: bool,
          **option_values: Any) -> None:
    """Check the source, then write the assets to --out."""
    _stop_on_interrupt("interrupted: the previous outputs are unchanged")
    from . import pipeline

    request = _request(source, out, only, force, option_values)
    with _user_errors(partial(_build_report, None) if as_json else None):
        result = pipeline.build(request, _progress(quiet or as_json))
    if as_json:
        _emit_json(_build_report(result))
    elif verbose:
        for entry in result.outputs:
            click.echo(f"{out / str(entry['path'])}  {entry['size']} bytes  sha256 {entry['sha256']}")


def _request(source: Path, out: Path, only: str, force: bool, option_values: dict[str, Any]) -> Any:
    from .builders.options import OptionError, Options
    from .pipeline import Request

    try:
        values = {f.field: f.convert(option_values[f.field]) if f.convert else option_values[f.field]
                  for f in OPTION_FLAGS}
    except OptionError as error:  # a usage error, as click reports a bad --paper: exit 2, with --help's hint
        raise click.UsageError(str(error)) from None
    return Request(source=source, out=out, only=_only(only), options=Options(**values), force=force)


@main.command()
@_source_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("build"), show_default=True,
              help="Output folder.")
@click.option("--port", type=click.IntRange(0, 65535), default=8013, show_default=True,
              help="Serve the output folder on 127.0.0.1 at this port (0: any free port).")
@click.option("--no-serve", is_flag=True, help="Only rebuild; serve nothing.")
@_builder_options
def watch(source: Path, out: Path, port: int, no_serve: bool, only: str, **option_values: Any) -> None:
    """Build, then rebuild on every save of the source, its note history or the templates; serve the
    preview with live reload. Problems are printed as check prints them; the last good outputs stay."""
    _stop_on_interrupt("stopped watching: the outputs are the last good build's")
    from . import watch as watching

    request = _request(source, out, only, False, option_values)
    server = None
    if not no_serve:
        from .watch_server import Server

        with _user_errors(None):
            server = Server(out.resolve(), port)
        click.echo(f"serving {server.url} (live reload)", err=True)
    watching.run(request, _progress(False), server)


@main.command()
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the schema to this file (replaced atomically) instead of printing it.")
def schema(out: Path | None) -> None:
    """Print the source's JSON Schema, for editors (committed as source/l13.schema.json)."""
    from .schema import schema_text

    text = schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    from .writer import write_file

    with _user_errors(None):
        write_file(out, text.encode("utf-8"))


def _build_report(result: Result | None, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """build --json: the same keys whether the build succeeded, had nothing to do, or failed (a failed check
    sets ``facts_checked`` and ``failed`` from the error, in ``_user_errors``)."""
    return {"ok": not problems, "up_to_date": bool(result and result.up_to_date),
            "built": result.built if result else [], "facts_checked": result.facts_checked if result else 0,
            "failed": 0, "history_changed": bool(result and result.history_changed),
            "outputs": result.outputs if result else [], "timings": result.timings if result else {},
            "problems": [p.as_json() for p in problems]}


def _check_report(facts: int, failed: int, timings: dict[str, float], problems: Sequence[Problem]) -> dict[str, Any]:
    """check --json: the same keys whether the source loaded or not."""
    return {"ok": not problems, "facts_checked": facts, "failed": failed, "timings": timings,
            "problems": [p.as_json() for p in problems]}


def _progress(silent: bool) -> Callable[[str], None]:
    if silent:
        return lambda _message: None
    return lambda message: click.echo(message, err=True)


def _emit_json(report: dict[str, Any]) -> None:
    click.echo(json.dumps(report, indent=2, sort_keys=True, default=str))


def _stop_on_interrupt(message: str) -> None:
    """Ctrl-C (SIGINT) ends the command at once: ``message`` on stderr, exit code 130.

    Raising KeyboardInterrupt instead lets it land anywhere, also inside library code that swallows it or
    turns it into another error (pydantic building a schema, a worker being waited for): a user then saw a
    traceback, false problems, or a build that went on. Stopping at any instant is safe, as for a killed
    build: outputs are only published by one atomic swap, and a forked worker dies with this process."""
    import os
    import signal

    def stop(signum: int, frame: object) -> None:
        os.write(2, f"{message}\n".encode())
        writer = sys.modules.get("l13_assets.writer")  # imported only if the build got as far as writing
        if writer is not None:
            writer.discard_staging()
        os._exit(130)

    signal.signal(signal.SIGINT, stop)


@contextlib.contextmanager
def _user_errors(json_report: Callable[[list[Problem]], dict[str, Any]] | None) -> Iterator[None]:
    """A UserError becomes one line per problem (or ``json_report`` of them) and exit 1. Anything else is a
    bug and keeps its traceback (Ctrl-C: see ``_stop_on_interrupt``)."""
    try:
        yield
    except UserError as error:
        if json_report is not None:
            report = json_report(error.problems)
            if isinstance(error, CheckFailed):
                report.update(facts_checked=error.facts_checked, failed=error.failed)
            _emit_json(report)
        else:
            for problem in error.problems:
                click.echo(str(problem), err=True)
        sys.exit(1)
