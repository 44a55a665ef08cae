"""The writer (``writer.py``), the only code that writes the output folder: publishing a new set of files
whole, carrying over what the user keeps there, the lock, and atomic single files. The pipeline's tests
(test_pipeline, test_output_folder) drive it through whole builds; these call it directly."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from l13_assets import writer
from l13_assets.errors import UserError

MANIFEST = "manifest.json"


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _old_build(out: Path) -> None:
    writer.publish(out, {"a.txt": b"old a", "sub/b.txt": b"old b", MANIFEST: b"{}"}, MANIFEST, keep=set())


@pytest.mark.parametrize("in_place", [False, True], ids=["swapped", "in-place (a mount point)"])
def test_publish_leaves_exactly_the_new_files_and_the_kept_ones(tmp_path: Path, in_place: bool) -> None:
    out = tmp_path / "out"
    _old_build(out)
    (out / "notes.md").write_bytes(b"the user's own file")
    writer.publish(out, {"a.txt": b"new a", "c.txt": b"new c", MANIFEST: b'{"v": 2}'}, MANIFEST,
                   keep={"notes.md"}, in_place=in_place)
    assert _tree(out) == {"a.txt": b"new a", "c.txt": b"new c", MANIFEST: b'{"v": 2}',
                          "notes.md": b"the user's own file"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no staging folder is left beside it"
    assert not (out / writer.IN_PLACE_STAGING).exists(), "no staging folder is left inside it"


def test_a_publish_that_fails_leaves_the_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _old_build(out)
    before = _tree(out)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_sync_tree", full_disk)  # the staging copy fails after every file is written
    with pytest.raises(UserError) as caught:
        writer.publish(out, {"a.txt": b"new a", MANIFEST: b"{}"}, MANIFEST, keep=set())
    assert str(caught.value) == (f"{out}: cannot write the outputs (the disk is full), expected a writable folder "
                                 "with free space")
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_new_folder_keeps_the_old_ones_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _old_build(out)
    out.chmod(0o700)
    writer.publish(out, {"a.txt": b"new", MANIFEST: b"{}"}, MANIFEST, keep=set())
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_entries_lists_hidden_files_links_and_empty_folders_without_following_links(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "empty").mkdir(parents=True)
    (out / ".hidden").write_bytes(b"x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "big.bin").write_bytes(b"y")
    (out / "link").symlink_to(tmp_path / "elsewhere")
    assert writer.entries(out) == {"empty", ".hidden", "link"}


def test_write_file_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    writer.write_file(target, b"first")
    writer.write_file(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_a_failed_write_file_is_one_clear_line_and_keeps_the_file(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "file.json"
    writer.write_file(target, b"kept")

    def refused(*args: object) -> None:  # as a read-only folder answers (root ignores the mode bits)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(UserError) as caught:
        writer.write_file(target, b"lost")
    assert str(caught.value) == (f"{target}: cannot write file.json (Permission denied), expected a writable "
                                 "folder with free space")
    assert target.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["file.json"], "the temporary file is removed"


def test_the_lock_lives_out_of_sight_and_is_one_per_real_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "alias").symlink_to(out)
    assert writer.lock_path(out) == writer.lock_path(tmp_path / "alias")
    assert writer.lock_path(out) != writer.lock_path(tmp_path / "other")
    assert tmp_path / "runtime" in writer.lock_path(out).parents


def test_a_second_build_of_the_same_folder_is_refused_while_the_first_holds_the_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    out = tmp_path / "out"
    out.mkdir()
    # The lock is a POSIX record lock, owned by a process: the holder must be another process.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from l13_assets import writer\n"
         "with writer.locked(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(UserError, match=rf"another build is writing this folder \(pid {holder.pid}\)"), \
                writer.locked(out):
            pass
    finally:
        holder.communicate("")
    with writer.locked(out):  # released with the holder
        pass
