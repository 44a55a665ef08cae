"""`l13-assets build` as a pipeline step: reproducible, incremental, atomic, locked, with a manifest."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from l13_assets.builders.cheatsheet.page import file_name as cheatsheet_file
from l13_assets.builders.options import PAPERS
from l13_assets.builders.practice.sheets import file_names as practice_files
from l13_assets.builders.registry import builders
from support import REPO, SOURCE, run_cli

# The fixed-name outputs, the printed ones named by their builders for every paper size
OUTPUTS = {"l13-rlhf.apkg", "manifest.json", "preview/index.html", *(cheatsheet_file(p) for p in PAPERS),
           *(name for p in PAPERS for name in practice_files(p))}


def build(source: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("build", "--source", str(source), "--out", str(out), *extra, env=env)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_matches_manifest(out: Path, users: frozenset[str] = frozenset()) -> dict[str, object]:
    """The manifest lists exactly the outputs on disk (besides ``users``: files the user put there)."""
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {e["path"]: e for e in manifest["outputs"]}
    on_disk = {k for k in snapshot(out) if k != "manifest.json"} - users
    assert set(listed) == on_disk
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    return manifest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One full build of a copy of the real source: (source, out)."""
    root = tmp_path_factory.mktemp("built")
    source = root / "source" / "l13.yaml"
    source.parent.mkdir()
    shutil.copy(SOURCE, source)
    history = SOURCE.with_name("l13.notes.json")
    if history.exists():
        shutil.copy(history, source.with_name(history.name))
    out = root / "build"
    result = build(source, out, env={"PYTHONHASHSEED": "1"})
    assert result.returncode == 0, result.stderr
    return source, out


def test_full_build_writes_every_output_and_a_true_manifest(built: tuple[Path, Path]) -> None:
    source, out = built
    files = set(snapshot(out))
    assert files >= OUTPUTS
    assert any(name.startswith("figures/") and name.endswith(".svg") for name in files)
    manifest = assert_matches_manifest(out)
    assert manifest["source"] == {"name": "l13.yaml", "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}
    assert manifest["tool"]["name"] == "l13-assets"  # type: ignore[index]
    assert manifest["facts_checked"] >= 40  # type: ignore[operator]
    assert set(manifest["builders"]) == set(builders())  # type: ignore[arg-type]
    assert all(entry["outputs"] for entry in manifest["builders"].values())  # type: ignore[attr-defined]


def test_same_source_same_bytes_in_another_folder_and_hash_seed(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, out = built
    other_source = tmp_path / "elsewhere" / "l13.yaml"
    other_source.parent.mkdir()
    for path in source.parent.iterdir():
        shutil.copy(path, other_source.parent / path.name)
    other_out = tmp_path / "out"
    result = build(other_source, other_out, env={"PYTHONHASHSEED": "2024"})
    assert result.returncode == 0, result.stderr
    assert snapshot(other_out) == snapshot(out)


def test_no_op_build_does_no_work_and_imports_nothing_heavy(built: tuple[Path, Path]) -> None:
    source, out = built
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = build(source, out, env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & {"sympy", "matplotlib", "reportlab", "genanki", "numpy", "pydantic"}
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_force_rebuilds(built: tuple[Path, Path]) -> None:
    source, out = built
    result = build(source, out, "--force", "-q")
    assert result.returncode == 0 and result.stderr == ""
    assert_matches_manifest(out)


def test_a_changed_output_file_is_rebuilt(built: tuple[Path, Path]) -> None:
    source, out = built
    good = (out / "l13-cheatsheet-a4.pdf").read_bytes()
    (out / "l13-cheatsheet-a4.pdf").write_bytes(b"tampered")
    result = build(source, out, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["built"] == ["cheatsheet"] and report["up_to_date"] is False
    assert (out / "l13-cheatsheet-a4.pdf").read_bytes() == good


def test_json_report(built: tuple[Path, Path]) -> None:
    source, out = built
    report = json.loads(build(source, out, "--json").stdout)
    assert report["ok"] is True and report["up_to_date"] is True and report["problems"] == []
    assert {e["path"] for e in report["outputs"]} == set(snapshot(out)) - {"manifest.json"}


def test_only_one_output_keeps_the_others(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    result = build(source, copy, "--only", "figures", "--force", "--json")
    assert json.loads(result.stdout)["built"] == ["figures"]
    assert snapshot(copy) == snapshot(out)
    assert_matches_manifest(copy)


def test_a_rebuild_keeps_what_the_user_put_in_the_folder_hidden_files_links_and_folders_too(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    source, out = built
    copy = tmp_path / "site"  # say, a gh-pages checkout the pipeline publishes into
    shutil.copytree(out, copy)
    (copy / ".git" / "objects").mkdir(parents=True)
    (copy / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (copy / ".nojekyll").write_text("")
    (copy / "notes").mkdir()
    (copy / "notes" / ".keep").write_text("k")
    (copy / "empty").mkdir()
    (copy / "latest.apkg").symlink_to("l13-rlhf.apkg")
    (copy / "elsewhere").symlink_to("../nowhere")
    mine = {p: p.read_bytes() for p in [copy / ".git" / "HEAD", copy / ".nojekyll", copy / "notes" / ".keep"]}
    result = build(source, copy, "--force")
    assert result.returncode == 0, result.stderr
    assert {p: p.read_bytes() for p in mine} == mine
    assert (copy / ".git" / "objects").is_dir() and (copy / "empty").is_dir()
    assert os.readlink(copy / "latest.apkg") == "l13-rlhf.apkg" and os.readlink(copy / "elsewhere") == "../nowhere"
    assert_matches_manifest(copy, frozenset({".git/HEAD", ".nojekyll", "notes/.keep", "latest.apkg"}))


def test_an_output_folder_given_as_a_link_stays_a_link_to_the_new_outputs(built: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    source, out = built
    real = tmp_path / "releases" / "current"
    shutil.copytree(out, real)
    link = tmp_path / "site"
    link.symlink_to(real)
    result = build(source, link, "--force")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert snapshot(real) == snapshot(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["releases", "site"], "no staging left beside the link"


def test_a_rebuild_keeps_folder_permissions_and_special_files(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    (copy / "private").mkdir()
    (copy / "private" / "key").write_text("secret")
    os.chmod(copy / "private", 0o700)
    os.chmod(copy, 0o750)
    os.mkfifo(copy / "queue")
    (copy / "dangling").symlink_to("gone")
    result = build(source, copy, "--only", "figures", "--force")
    assert result.returncode == 0, result.stderr
    assert oct(copy.stat().st_mode & 0o777) == oct(0o750)
    assert oct((copy / "private").stat().st_mode & 0o777) == oct(0o700)
    assert (copy / "private" / "key").read_text() == "secret"
    assert (copy / "queue").is_fifo() and os.readlink(copy / "dangling") == "gone"



@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another owner")
def test_a_build_run_as_root_keeps_the_owners_of_the_users_folders(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, out = built
    copy = tmp_path / "checkout"
    shutil.copytree(out, copy)
    (copy / ".git" / "refs").mkdir(parents=True)
    for folder in (copy, copy / ".git", copy / ".git" / "refs"):
        os.chown(folder, 65534, 65534)  # nobody
    result = build(source, copy, "--only", "figures", "--force")
    assert result.returncode == 0, result.stderr
    for folder in (copy, copy / ".git", copy / ".git" / "refs"):
        assert (folder.stat().st_uid, folder.stat().st_gid) == (65534, 65534), folder


@pytest.mark.parametrize("case", ["source-inside", "link-loop"])
def test_an_output_folder_that_cannot_work_is_refused_before_any_work(built: tuple[Path, Path], tmp_path: Path,
                                                                      case: str) -> None:
    source, out = built
    if case == "source-inside":
        target = tmp_path / "out"
        shutil.copytree(out, target)
        inside = target / "src" / "l13.yaml"
        inside.parent.mkdir()
        shutil.copy(source, inside)
        shutil.copy(source.with_name("l13.notes.json"), inside.with_name("l13.notes.json"))
        source, expected = inside, "the output folder contains the source"
    else:
        target = tmp_path / "loop"
        target.symlink_to(tmp_path / "loop")
        expected = "the output path cannot be followed"
    before = snapshot(tmp_path)
    result = build(source, target)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(tmp_path) == before


def test_a_folder_with_only_hidden_files_is_a_fine_place_for_a_first_build(built: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    source, _ = built
    site = tmp_path / "site"
    site.mkdir()
    (site / ".nojekyll").write_text("")
    result = build(source, site, "--only", "figures")
    assert result.returncode == 0, result.stderr
    assert (site / ".nojekyll").exists() and (site / "figures").is_dir()


@pytest.mark.parametrize("folder", ["a-repository", "."])
def test_a_folder_no_build_wrote_is_refused_before_any_work(built: tuple[Path, Path], tmp_path: Path,
                                                            folder: str) -> None:
    source, _ = built
    foreign = tmp_path / "a-repository"
    (foreign / ".git").mkdir(parents=True)
    (foreign / "README.md").write_text("mine")
    before = snapshot(foreign)
    out = foreign if folder != "." else Path(".")
    result = run_cli("build", "--source", str(source), "--out", str(out), "--json",
                     cwd=foreign if folder == "." else tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    expected = "no manifest.json from an earlier l13-assets build" if folder != "." else "is the current folder"
    assert expected in json.loads(result.stdout)["problems"][0]["message"]
    assert snapshot(foreign) == before and sorted(p.name for p in foreign.iterdir()) == [".git", "README.md"]


def test_bad_source_leaves_the_previous_outputs(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    broken = tmp_path / "l13.yaml"
    broken.write_text(source.read_text(encoding="utf-8").replace("    z: 4.8334\n", "    z: 5.8334\n"))
    result = build(broken, copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert snapshot(copy) == snapshot(out)


def test_concurrent_build_is_refused(built: tuple[Path, Path]) -> None:
    source, out = built
    from l13_assets.writer import lock_path

    with open(lock_path(out), "a+") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        result = build(source, out, "--force")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another build is writing this folder" in lines[0], result.stderr


def test_read_only_output_folder(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    copy.chmod(0o555)
    try:
        result = build(source, copy, "--force")
    finally:
        copy.chmod(0o755)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{copy}: the output folder is read-only, expected a writable folder " \
                                    "(chmod u+w it or pass another --out)"
    assert snapshot(copy) == snapshot(out)


def test_full_disk_is_one_clear_line(built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from l13_assets import cli

    source, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["build", "--source", str(source), "--out", str(copy), "--force", "-q"], standalone_mode=True)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    # The preview builder writes a scratch copy of the deck for Anki to import; it may be the first to fail.
    assert err == f"{copy}: cannot write the outputs (the disk is full), expected a writable folder with free space" \
        or re.fullmatch(r"\S+: cannot write a scratch copy of the deck for the preview \(the disk is full\), "
                        r"expected a writable folder with free space", err), err
    monkeypatch.undo()
    assert snapshot(copy) == snapshot(out)
    assert not list(tmp_path.glob(".out.staging*"))


def test_killed_builds_never_leave_a_broken_folder(built: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGKILL a build at 20 moments spread over its run: the folder always holds one complete, valid set
    (the previous outputs, or the new ones if the kill came after the atomic swap)."""
    source, out = built
    work = tmp_path / "work"
    shutil.copytree(source.parent, work / "source")
    shutil.copytree(out, work / "build")
    edited = work / "source" / "l13.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "What are the three stages of the InstructGPT RLHF pipeline",
        "Name the three stages of the InstructGPT RLHF pipeline"), encoding="utf-8")
    previous = snapshot(work / "build")
    command = [sys.executable, "-m", "l13_assets", "build", "--source", str(edited), "--out", str(work / "build")]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=REPO, env={**os.environ, "PYTHONHASHSEED": "0"})
    duration = time.perf_counter() - start
    new = snapshot(work / "build")
    assert new != previous
    seen = set()
    for i in range(20):
        shutil.rmtree(work / "build")
        shutil.copytree(out, work / "build")
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (i + 0.5) / 20)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = snapshot(work / "build")
        assert state in (previous, new), f"kill {i} at {duration * (i + 0.5) / 20:.2f} s left a mixed folder"
        assert_matches_manifest(work / "build")
        seen.add("previous" if state == previous else "new")
    assert "previous" in seen
    # A build after the kills finishes the job and cleans the staging folder up.
    result = build(edited, work / "build")
    assert result.returncode == 0, result.stderr
    assert snapshot(work / "build") == new
    assert not list(work.glob(".build.staging*"))


def test_source_date_epoch_dates_a_changed_note(built: tuple[Path, Path], tmp_path: Path) -> None:
    source, _out = built
    folder = tmp_path / "source"
    shutil.copytree(source.parent, folder)
    edited = folder / "l13.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "What are the three stages of the InstructGPT RLHF pipeline",
        "Name the three stages of the InstructGPT RLHF pipeline"), encoding="utf-8")
    epoch = "1893456000"  # 2030-01-01, later than any recorded time
    result = build(edited, tmp_path / "out", "--only", "deck", env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 0, result.stderr
    history = (folder / "l13.notes.json").read_text()
    assert epoch in history


def test_an_overflowing_cheatsheet_fails_the_build_and_keeps_the_previous_pdfs(built: tuple[Path, Path],
                                                                               tmp_path: Path) -> None:
    source, out = built
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    grown = tmp_path / "l13.yaml"
    extra = "".join(f'  - id: pitfall-extra-{i}\n    mistake: "An extra pitfall number {i} to fill the page."\n'
                    f'    instead: "A long enough remedy that takes up two lines of the narrow column on the page."\n'
                    for i in range(8))
    grown.write_text(source.read_text(encoding="utf-8").replace("\npitfalls:\n", "\npitfalls:\n" + extra, 1),
                     encoding="utf-8")
    history = source.with_name("l13.notes.json").read_bytes()
    grown.with_name("l13.notes.json").write_bytes(history)  # a copied source travels with its note history
    result = build(grown, copy, "--force")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = grown.read_text(encoding="utf-8").splitlines().index("pitfalls:") + 1
    assert f"{grown}:{line}:1: pitfalls: the cheatsheet's block 'pitfalls' does not fit" in result.stderr
    assert snapshot(copy) == snapshot(out)
    assert (tmp_path / "l13.notes.json").read_bytes() == history, "a failed build writes nothing beside the source"
