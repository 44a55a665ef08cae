"""`l13-assets watch` as an author runs it: a real process, real saves, the served page over HTTP.

Nothing here depends on how fast the machine is: every wait is for a line the process prints or a file
it writes, with a generous deadline that only a hang reaches.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import SOURCE, check_lines

DEADLINE = 180  # seconds; a hang, not a slow machine, reaches it


class Watching:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "l13_assets", "watch", *args],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, after: int = 0) -> str:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            found = [line for line in self.lines[after:] if text in line]
            if found:
                return found[0]
            if self.process.poll() is not None:
                self._reader.join(5)
                break
            time.sleep(0.02)
        raise AssertionError(f"watch never printed {text!r}:\n" + "\n".join(self.lines))

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(DEADLINE)
        self._reader.join(5)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        if self.process.stderr is not None:
            self.process.stderr.close()


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    folder = tmp_path / "source"
    shutil.copytree(SOURCE.parent, folder)
    return folder / "l13.yaml"


@pytest.fixture
def watching() -> Iterator[list[Watching]]:
    started: list[Watching] = []
    yield started
    for each in started:
        each.close()


def _start(started: list[Watching], *args: str) -> Watching:
    started.append(Watching(*args))
    return started[-1]


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _first_card_back(path: Path) -> str:
    found = re.search(r'^\s+back: "', path.read_text(encoding="utf-8"), re.MULTILINE)
    assert found
    return found.group(0)


def test_a_card_edit_rebuilds_the_deck_and_preview_only(lesson: Path, tmp_path: Path,
                                                        watching: list[Watching]) -> None:
    out = tmp_path / "out"
    watch = _start(watching, "--no-serve", "--source", str(lesson), "--out", str(out))
    watch.wait_for("watching")
    before = _files(out)
    seen = len(watch.lines)
    back = _first_card_back(lesson)
    _edit(lesson, back, back + "Edited in watch. ")
    assert watch.wait_for("round done", after=seen).endswith("(deck, preview)")
    after = _files(out)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    assert "l13-rlhf.apkg" in changed and "manifest.json" in changed
    assert any(name.startswith("preview/") for name in changed)
    assert not any(name.startswith("figures/") or name.endswith(".pdf") for name in changed), changed
    # The deck rewrote the note history beside the source: that write is no edit and starts no round.
    time.sleep(1.5)
    assert not any(line.startswith("changed:") for line in watch.lines[seen + 1:]), watch.lines
    assert watch.interrupt() == 130
    assert watch.lines[-1] == "stopped watching: the outputs are the last good build's"


def test_a_bad_edit_prints_what_check_prints_and_keeps_the_last_good_outputs(lesson: Path, tmp_path: Path,
                                                                           watching: list[Watching]) -> None:
    out = tmp_path / "out"
    watch = _start(watching, "--no-serve", "--source", str(lesson), "--out", str(out), "--only", "deck")
    watch.wait_for("watching")
    good = _files(out)
    back = _first_card_back(lesson)
    seen = len(watch.lines)
    _edit(lesson, back, back + "A dash \u2014 in prose. ")
    expected = check_lines(lesson.read_text(encoding="utf-8"))
    assert expected
    summary = watch.wait_for("nothing published", after=seen)
    printed = watch.lines[seen:watch.lines.index(summary)]
    problems = [line for line in printed if line.startswith(str(lesson))]
    # check's lines name the file as given; watch's name the same file, at the same place, with the same text
    assert [p.split(":", 1)[1] for p in problems] == [e.split(":", 1)[1] for e in expected]
    assert _files(out) == good
    seen = len(watch.lines)
    _edit(lesson, "A dash \u2014 in prose. ", "A comma, in prose. ")
    assert watch.wait_for("round done", after=seen).endswith("(deck)")
    assert watch.interrupt() == 130


def test_the_served_preview_reloads_after_a_round(lesson: Path, tmp_path: Path, watching: list[Watching]) -> None:
    out = tmp_path / "out"
    watch = _start(watching, "--port", "0", "--source", str(lesson), "--out", str(out), "--only", "deck,preview")
    url = watch.wait_for("serving ").split()[1]
    watch.wait_for("watching")
    root = url.rsplit("/preview/", 1)[0]
    with urllib.request.urlopen(root + "/", timeout=30) as page:  # / leads to the preview
        html = page.read().decode()
        assert page.geturl() == url
    served = re.search(r"var served = (\d+);", html)
    assert served and "EventSource" in html
    assert html.replace(served.group(0), "") != ""
    with urllib.request.urlopen(root + "/__l13/events", timeout=DEADLINE) as events:
        assert events.readline().decode().strip() == f"data: {served.group(1)}"
        events.readline()
        seen = len(watch.lines)
        back = _first_card_back(lesson)
        _edit(lesson, back, back + "Seen live. ")
        line = events.readline().decode().strip()
        while line.startswith(":") or not line:
            line = events.readline().decode().strip()
        assert line == f"data: {int(served.group(1)) + 1}"
    watch.wait_for("round done", after=seen)
    on_disk = (out / "preview" / "index.html").read_bytes()
    assert b"EventSource" not in on_disk  # the script is added as it is served, never written
    assert watch.interrupt() == 130


def test_a_busy_port_is_one_line_and_exit_1(lesson: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "l13_assets", "watch", "--port", str(port), "--source",
                                 str(lesson), "--out", str(tmp_path / "out")], capture_output=True, text=True,
                                timeout=DEADLINE)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"--port {port}: cannot serve on 127.0.0.1:{port} (Address already in use), expected a free port "
        "(pass another --port, or 0 for any free one)"]
    assert not (tmp_path / "out").exists()
