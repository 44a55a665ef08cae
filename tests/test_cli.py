"""The command line as a user and a pipeline meet it: help, version, exit codes, check's report."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from l13_assets import __version__
from support import REPO, SOURCE, run_cli

HEAVY = ("sympy", "matplotlib", "reportlab", "genanki", "numpy", "pydantic", "anki")


def _imported(*args: str) -> set[str]:
    result = run_cli(*args, env={"PYTHONPROFILEIMPORTTIME": "1"})
    return {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
            if line.startswith("import time:")}


def test_help_imports_nothing_heavy() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "build" in result.stdout and "check" in result.stdout
    assert not set(HEAVY) & _imported("--help")


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"l13-assets, version {__version__}"


def test_check_reports_each_fact_and_a_summary() -> None:
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    fact_lines = [line for line in result.stdout.splitlines() if re.match(r"^ok  {2}", line)]
    summary = re.search(r"^(\d+) facts checked, 0 failed", result.stdout, re.M)
    assert summary and int(summary.group(1)) == len(fact_lines) >= 40
    assert re.search(r"^verified \d+ facts in \d+\.\d\d s$", result.stderr, re.M)


def test_check_json() -> None:
    result = run_cli("check", "--json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["failed"] == 0 and report["facts_checked"] >= 40
    assert report["problems"] == []


def test_check_failure_is_exit_1_with_located_lines(tmp_path: Path) -> None:
    bad = tmp_path / "l13.yaml"
    bad.write_text((REPO / "source" / "l13.yaml").read_text(encoding="utf-8").replace("    z: 4.8334\n",
                                                                                        "    z: 4.9334\n"))
    result = run_cli("check", "-q", "--source", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.search(rf"^{re.escape(str(bad))}:\d+:8: examples\[0\]\.z: \[number\] states 4\.9334", result.stderr, re.M)
    assert result.stdout == ""


def test_missing_source_is_exit_1() -> None:
    result = run_cli("check", "--source", "no/such/file.yaml")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("no/such/file.yaml: cannot read the source")
    assert "Traceback" not in result.stderr


def test_usage_errors_are_exit_2() -> None:
    assert run_cli("build", "--only", "deck,posters").returncode == 2
    assert run_cli("build", "--paper", "a3").returncode == 2
    assert run_cli("check", "--no-such-option").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_build_json_has_the_same_keys_when_it_fails() -> None:
    result = run_cli("build", "--json", "--source", "no/such/file.yaml", "--out", "/tmp/l13-never-written")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert set(report) == {"ok", "up_to_date", "built", "facts_checked", "failed", "history_changed", "outputs",
                           "timings", "problems"}
    assert report["ok"] is False and report["problems"][0]["file"] == "no/such/file.yaml"


@pytest.mark.parametrize(("value", "message"), [
    ("1764115200000", "SOURCE_DATE_EPOCH: '1764115200000' is after 2100, expected whole seconds since 1970 "
                      "(is it in milliseconds?)"),
    ("2026-11-26", "SOURCE_DATE_EPOCH: '2026-11-26' is not a time, expected whole seconds since 1970 (digits only, "
                   "as `git log -1 --format=%ct` prints)"),
])
def test_a_bad_source_date_epoch_is_refused_before_any_work(value: str, message: str, tmp_path: Path) -> None:
    result = run_cli("build", "--out", str(tmp_path / "out"), env={"SOURCE_DATE_EPOCH": value})
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert not (tmp_path / "out").exists()


def test_out_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a folder")
    result = run_cli("build", "--out", str(tmp_path / "afile" / "sub"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{tmp_path / 'afile' / 'sub'}: {tmp_path / 'afile'} is a file, expected --out " \
                                    "to name a folder"


def test_the_readme_example_problem_is_what_check_prints() -> None:
    from l13_assets import verify
    from l13_assets.loader import parse

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = next(line for line in readme.splitlines() if line.startswith("source/l13.yaml:"))
    edited = SOURCE.read_text(encoding="utf-8").replace("    z: 4.8334\n", "    z: 4.8335\n", 1)
    problems = [str(p) for p in verify.run(parse(edited.encode("utf-8"), "source/l13.yaml")).problems()]
    # Line numbers move with every edit above the example; the README need not follow each one.
    assert [_without_line_numbers(p) for p in problems] == [_without_line_numbers(shown)]


def _without_line_numbers(line: str) -> str:
    return re.sub(r"\(line \d+\)", "(line N)", re.sub(r"^([^:]+):\d+:\d+:", r"\1:N:N:", line))


def _interrupted_at(prefix: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the command and send SIGINT as soon as it prints a progress line starting with ``prefix``: an
    observed point, so the test means the same on a fast machine and under full load."""
    process = subprocess.Popen([sys.executable, "-m", "l13_assets", *args], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(prefix):
            process.send_signal(signal.SIGINT)
            break
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, "".join(seen) + err)


@pytest.mark.parametrize("prefix", ["loaded", "verified"])
def test_ctrl_c_during_a_build_says_interrupted_and_leaves_the_outputs(prefix: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cli("build", "--out", str(out), "--only", "figures")
    assert first.returncode == 0, first.stderr
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = _interrupted_at(prefix, "build", "--out", str(out), "--force")
    assert "Traceback" not in result.stderr
    assert result.returncode == 130 and result.stderr.splitlines()[-1] == "interrupted: the previous outputs "\
        "are unchanged", result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_ctrl_c_during_a_check_says_interrupted() -> None:
    result = _interrupted_at("loaded", "check")
    assert result.returncode == 130 and result.stderr.splitlines()[-1] == "interrupted", result.stderr
