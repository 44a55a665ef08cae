"""The only code that writes to the output folder.

A build never edits the output folder in place. It fills a staging folder beside it (same filesystem),
carries over the files this build does not replace (other outputs under ``--only``, files the user put
there), writes the manifest last, and then swaps the two folders in one atomic step (Linux renameat2 with
RENAME_EXCHANGE). Whatever happens to the process, a reader of the output folder sees either the previous
complete set of outputs and manifest, or the new one. Where the exchange is unavailable (not Linux, or a
filesystem without it) it falls back to replacing file by file, each atomically and the manifest last; then
each file is atomic, but not the set.

An output folder that is a mount point (a CI volume, a tmpfs) cannot be swapped: the staging folder is then
made inside it (``IN_PLACE_STAGING``, on the same filesystem) and the files are moved into place one by one,
each atomically and the manifest last. Either way the staging folder is gone after the build, whether it
finished, failed or was interrupted.

A lock file, kept in the user's runtime folder (never beside the output folder) under a name derived from
the output folder's real path, makes a concurrent build of the same folder fail with a clear message.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import UserError

IN_PLACE_STAGING = ".l13-assets.staging"
_STAGING: set[Path] = set()  # staging folders of this process, removed also when Ctrl-C ends it at once
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _describe(error: OSError) -> str:
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        reason = "the disk is full"
    return reason


def fail(path: Path, error: OSError, doing: str) -> UserError:
    return UserError.plain(str(path), f"cannot {doing} ({_describe(error)}), "
                           "expected a writable folder with free space")


def check_out(out: Path) -> None:
    """Refuse an output path no build can use (the root, the current folder, a file, a read-only folder)."""
    try:
        absolute = out.resolve()  # through links: the current folder's path is a real path
    except (OSError, RuntimeError) as error:  # a loop of links
        raise UserError.plain(str(out), f"the output path cannot be followed ({error}), expected a folder") from None
    if absolute == Path(absolute.anchor):
        raise UserError.plain(str(out), "the output folder is the filesystem root, expected a folder for the outputs")
    here = Path.cwd()
    if absolute == here or absolute in here.parents:
        # the folder is swapped for a new one as a whole: the current folder would vanish under the build
        raise UserError.plain(str(out), "the output folder is the current folder or contains it, expected a "
                              "folder inside it such as build")
    # Root ignores permission bits, so honour them explicitly: a folder with no write bit is the user
    # saying "do not touch".
    for ancestor in out.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise UserError.plain(str(out), f"{ancestor} is a file, expected --out to name a folder")
            break
    if out.exists():
        if not out.is_dir():
            raise UserError.plain(str(out), "the output path is a file, expected a folder")
        if not stat.S_IMODE(out.stat().st_mode) & 0o222:
            raise UserError.plain(str(out), "the output folder is read-only, expected a writable folder "
                                  "(chmod u+w it or pass another --out)")


def lock_path(out: Path) -> Path:
    """Where the lock of this output folder lives: out of the user's sight, one per real path."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    key = hashlib.sha256(os.fsencode(out.resolve())).hexdigest()[:24]
    return Path(base) / f"l13-assets-{os.geteuid()}" / f"{key}.lock"


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder's lock for the whole build; fail at once if another build holds it.
    Call ``check_out`` first."""
    path = lock_path(out)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held open for the duration of the build
    except OSError as error:
        raise fail(path.parent, error, "create the build lock") from None
    with handle:
        try:
            # A POSIX record lock, not flock: it belongs to this process alone, so a forked worker never
            # inherits it and a killed build releases it at once.
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise UserError.plain(str(out), f"another build is writing this folder ({holder}), expected to be "
                                  "the only one: wait for it to finish or pass another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()


def write_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically: write a temporary file beside it, fsync, rename over."""
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise fail(path, error, f"write {path.name}") from None


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def publish(out: Path, files: dict[str, bytes], manifest_name: str, keep: set[str], in_place: bool = False) -> None:
    """Make ``out`` hold ``files`` (relative path -> bytes), plus the old files named in ``keep``.

    ``files`` must include the manifest under ``manifest_name``; it is written last. ``in_place``: ``out``
    cannot be swapped (a mount point), so stage inside it and move file by file.
    """
    staging = out / IN_PLACE_STAGING if in_place else out.parent / f".{out.name}.staging"
    _STAGING.add(staging)
    try:
        try:
            _stage(out, staging, files, manifest_name, set() if in_place else keep)
        except OSError as error:
            raise fail(out, error, "write the outputs") from None
        if in_place:
            _replace_file_by_file(staging, out, manifest_name, drop=entries(out) - keep - set(files))
        elif not out.exists():
            os.rename(staging, out)
        elif _exchange(staging, out):
            shutil.rmtree(staging)  # now the previous outputs
        else:
            _replace_file_by_file(staging, out, manifest_name, drop=set())
    except OSError as error:
        raise fail(out, error, "publish the outputs") from None
    finally:  # failed, refused or interrupted: the staging folder never outlives the build
        shutil.rmtree(staging, ignore_errors=True)
        _STAGING.discard(staging)
    _fsync_dir(out.parent)


def discard_staging() -> None:
    """Remove this process's staging folders: for an interrupt that ends the process without unwinding.
    The output folder is intact either way (a staging folder is never the published one)."""
    for staging in list(_STAGING):
        shutil.rmtree(staging, ignore_errors=True)


def _stage(out: Path, staging: Path, files: dict[str, bytes], manifest_name: str, keep: set[str]) -> None:
    if staging.exists():  # left by a build that was killed: it was never published
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if out.is_dir():  # the new folder keeps the old one's permissions (a private folder stays private)
        _same_access(out, staging)
    for name in sorted(files, key=lambda n: n == manifest_name):
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[name])
    for name in sorted(keep - set(files)):
        _carry_over(out / name, staging / name)
    _sync_tree(staging)


def entries(out: Path) -> set[str]:
    """What ``publish`` can carry over from ``out``: every file and symbolic link (not followed) and every
    empty folder, hidden ones included, as paths relative to ``out``."""
    found: set[str] = set()
    if not out.is_dir():
        return found

    def unreadable(error: OSError) -> None:  # a folder left out would be lost with the old folder
        raise fail(out, error, "read everything in the output folder")

    for folder, folders, files in os.walk(out, onerror=unreadable):  # links to folders are carried, not followed
        if folder == str(out) and IN_PLACE_STAGING in folders:
            folders.remove(IN_PLACE_STAGING)  # a killed in-place build's staging: never an output
        here = Path(folder)
        relative = here.relative_to(out)
        links = [d for d in folders if (here / d).is_symlink()]
        found.update((relative / name).as_posix() for name in files + links)
        if here != out and not files and not folders:
            found.add(relative.as_posix())  # an empty folder
    return found


def _carry_over(source: Path, target: Path) -> None:
    """Put ``source`` at ``target``: a hard link to a file (a copy across filesystems) or a special file, the
    same symbolic link, or an empty folder; folders keep their permissions."""
    _make_folders(source.parent, target.parent)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        _make_folders(source, target)
    else:  # a file, or a FIFO, socket or device: the same inode under the new folder
        try:
            os.link(source, target)
        except OSError:
            if not source.is_file():
                raise
            shutil.copy2(source, target)


def _make_folders(source: Path, target: Path) -> None:
    """``target`` and its missing parents, each with the permissions (and owner) of its counterpart under
    ``source``."""
    missing = []
    while not target.exists():
        missing.append((source, target))
        source, target = source.parent, target.parent
    for old, new in reversed(missing):
        new.mkdir()
        if old.is_dir():
            _same_access(old, new)


def _same_access(old: Path, new: Path) -> None:
    """Give the folder ``new`` the permissions of ``old``, and its owner too when this process may (root:
    a build run with sudo or in CI must not leave root-owned folders in a user's checkout)."""
    shutil.copymode(old, new)
    if os.geteuid() == 0:
        info = old.stat()
        os.chown(new, info.st_uid, info.st_gid)


def _replace_file_by_file(staging: Path, out: Path, manifest_name: str, drop: set[str]) -> None:
    """Each file atomically, the manifest last; then the old files the new set leaves out (``drop``)."""
    names = sorted((p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()),
                   key=lambda n: n == manifest_name)
    for name in names:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, out / name)
    for name in sorted(drop, reverse=True):  # files before the folders that held them
        path = out / name
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()
    shutil.rmtree(staging)


def _sync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for folder in sorted({p.parent for p in root.rglob("*")} | {root}):
        _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
