"""The ``l13-assets`` command: ``check`` and ``build``.

Exit codes: 0 success; 1 a problem with the source, a failed check or a failed build (one line per
problem, ``file:line:col: path: message``, no traceback); 2 a usage error; 130 interrupted (Ctrl-C).
Only click is imported at start-up: everything heavy is imported by the command that needs it.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import UserError

BUILDERS = ("figures", "deck", "cheatsheet")  # mirrors builders.REGISTRY, which is not imported at start-up


def _source_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--source", type=click.Path(path_type=Path, dir_okay=False), default=Path("source/l13.yaml"),
                        show_default=True, help="The lesson's YAML source.")(function)


def _verbosity(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option("-v", "--verbose", is_flag=True, help="Say more (computed values, timings).")(function)
    function = click.option("-q", "--quiet", is_flag=True, help="Print only problems.")(function)
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout instead of text.")(function)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="l13-assets")
def main() -> None:
    """Verified learning assets for lesson 13 (RLHF): an Anki deck, a one-page cheatsheet and figures.

    Every fact in the source is checked with sympy before anything is written.
    """


@main.command()
@_source_option
@_verbosity
def check(source: Path, quiet: bool, verbose: bool, as_json: bool) -> None:
    """Load and verify the source; print one line per checked fact."""
    from . import pipeline

    start = time.perf_counter()
    timings: dict[str, float] = {}
    with _user_errors(as_json):
        _, report = pipeline.check(source, pipeline.Timer(_progress(quiet or as_json), timings))
    if as_json:
        _emit_json(ok=report.ok, facts_checked=len(report.facts), failed=len(report.failures),
                   timings=timings, problems=[p.as_json() for p in report.problems()])
    else:
        if not quiet:
            for fact in report.facts:
                line = f"{'ok  ' if fact.ok else 'FAIL'}  {fact.kind:<8}  {fact.label}  {fact.claim}"
                click.echo(line + (f"  [computed {fact.computed}]" if verbose and fact.computed else ""))
        for problem in report.problems():
            click.echo(str(problem), err=True)
        click.echo(f"{len(report.facts)} facts checked, {len(report.failures)} failed "
                   f"({time.perf_counter() - start:.2f} s)", err=quiet)
    sys.exit(0 if report.ok else 1)


@main.command()
@_source_option
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("build"), show_default=True,
              help="Output folder.")
@click.option("--only", default=",".join(BUILDERS), show_default=True, metavar="LIST",
              help="Comma-separated outputs to build: figures, deck, cheatsheet.")
@click.option("--paper", type=click.Choice(["a4", "letter", "both"]), default="both", show_default=True,
              help="Cheatsheet paper size.")
@click.option("--force", is_flag=True, help="Rebuild even if the outputs match the manifest.")
@_verbosity
def build(source: Path, out: Path, only: str, paper: str, force: bool, quiet: bool, verbose: bool,
          as_json: bool) -> None:
    """Check the source, then write the deck, the cheatsheet and the figures to --out."""
    from . import pipeline

    names = tuple(n.strip() for n in only.split(",") if n.strip())
    unknown = [n for n in names if n not in BUILDERS]
    if unknown or not names:
        raise click.BadParameter(f"{', '.join(unknown) or 'nothing'}: expected a comma-separated list of "
                                 f"{', '.join(BUILDERS)}", param_hint="--only")
    ordered = tuple(n for n in BUILDERS if n in names)
    papers = ("a4", "letter") if paper == "both" else (paper,)
    request = pipeline.Request(source=source, out=out, only=ordered, papers=papers, force=force)
    with _user_errors(as_json):
        result = pipeline.build(request, _progress(quiet or as_json))
    if as_json:
        _emit_json(ok=True, up_to_date=result.up_to_date, built=result.built, facts_checked=result.facts_checked,
                   outputs=result.outputs, timings=result.timings, problems=[])
    elif verbose:
        for entry in result.outputs:
            click.echo(f"{out / str(entry['path'])}  {entry['size']} bytes  sha256 {entry['sha256']}")


def _progress(silent: bool) -> Callable[[str], None]:
    if silent:
        return lambda _message: None
    return lambda message: click.echo(message, err=True)


def _emit_json(**fields: Any) -> None:
    click.echo(json.dumps(fields, indent=2, sort_keys=True, default=str))


@contextlib.contextmanager
def _user_errors(as_json: bool) -> Iterator[None]:
    """A UserError becomes one line per problem and exit 1; Ctrl-C becomes exit 130. Anything else is a
    bug and keeps its traceback."""
    try:
        yield
    except UserError as error:
        if as_json:
            _emit_json(ok=False, problems=[p.as_json() for p in error.problems])
        else:
            for problem in error.problems:
                click.echo(str(problem), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: the previous outputs are unchanged", err=True)
        sys.exit(130)
