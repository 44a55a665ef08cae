"""The output folder: after any build (finished, failed, refused, interrupted) its parent holds nothing new
but the folder; a mount point is published in place; SOURCE_DATE_EPOCH set empty is unset everywhere."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, run_cli


def _layout(tmp_path: Path, source_copy: Path) -> tuple[Path, Path]:
    parent = tmp_path / "parent"
    parent.mkdir()
    return source_copy, parent / "out"


def test_finished_failed_and_refused_builds_leave_only_the_output_folder(source_copy: Path, tmp_path: Path) -> None:
    source, out = _layout(tmp_path, source_copy)
    ok = run_cli("build", "--source", str(source), "--out", str(out), "--only", "deck", "-q")
    assert ok.returncode == 0, ok.stderr
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    broken = source.with_name("broken.yaml")
    broken.write_text(source.read_text(encoding="utf-8").replace("meta:", "meta: [", 1), encoding="utf-8")
    shutil.copy(source.with_name("l13.notes.json"), broken.with_name("broken.notes.json"))
    failed = run_cli("build", "--source", str(broken), "--out", str(out), "--only", "deck", "--force")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    foreign = out.parent / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    refused = run_cli("build", "--source", str(source), "--out", str(foreign))
    assert refused.returncode == 1
    assert sorted(p.name for p in out.parent.iterdir()) == ["foreign", "out"]
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_an_interrupted_build_leaves_only_the_output_folder(source_copy: Path, tmp_path: Path) -> None:
    source, out = _layout(tmp_path, source_copy)
    first = run_cli("build", "--source", str(source), "--out", str(out), "--only", "deck,figures", "-q")
    assert first.returncode == 0, first.stderr
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    # Ctrl-C once the build is under way (a progress line is read, never a fixed delay).
    command = [sys.executable, "-m", "l13_assets", "build", "--source", str(source), "--out", str(out),
               "--only", "deck,figures", "--force"]
    with subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as process:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("loaded"), line
        process.send_signal(signal.SIGINT)
        rest = process.stderr.read()
        assert process.wait(timeout=120) == 130, rest
    assert "interrupted" in line + rest and "Traceback" not in rest
    assert [p.name for p in out.parent.iterdir()] == ["out"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


def test_an_empty_source_date_epoch_is_unset(source_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", "--source", str(source_copy), "--out", str(out), "--only", "deck,cheatsheet",
                     env={"SOURCE_DATE_EPOCH": ""})
    assert result.returncode == 0, result.stderr
    assert (out / "l13-rlhf.apkg").exists() and (out / "l13-cheatsheet-a4.pdf").exists()


def _can_mount() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs none /tmp && true"],
                           capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs user namespaces (unshare -rm) to mount a tmpfs")
def test_a_mount_point_is_published_in_place_and_keeps_nothing_beside(source_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "volume"
    out.mkdir()
    build = f"{sys.executable} -m l13_assets build --source {source_copy} --out {out} --only deck"
    script = (f"mount -t tmpfs none {out} && touch {out}/.keep && {build} -q && "
              f"{build} --force --json > {tmp_path}/second.json && ls -A {out} {tmp_path}")
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ}, check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    blocks = dict(block.split(":\n", 1) for block in result.stdout.strip().split("\n\n"))
    assert sorted(blocks[str(out)].split()) == [".keep", "l13-rlhf.apkg", "manifest.json"]
    assert sorted(blocks[str(tmp_path)].split()) == ["second.json", "source", "volume"]
    assert json.loads((tmp_path / "second.json").read_text())["built"] == ["deck"]
