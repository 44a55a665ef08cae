"""Run one function in a forked child while this process goes on, to use the second core.

``check`` spends most of its time importing sympy and proving the symbolic facts, which do not depend on
the source; loading the source spends most of its time building pydantic's schemas. The two overlap: the
child does the sympy work while the parent loads and checks the numbers, and hands its result back
through a pipe. ``build`` uses the same runner for the cheatsheet beside the figures and the deck.

The child dies with its parent (Linux PR_SET_PDEATHSIG), so a killed build leaves no worker behind. An
exception in the child comes back and is raised here; if it cannot be sent (it does not pickle), or the
child dies, the function runs here instead, where an error keeps its traceback. Where fork is
unavailable, the function simply runs here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_PR_SET_PDEATHSIG = 1


def in_background(function: Callable[[], T], *, worthwhile: bool = True) -> Callable[[], T]:
    """Start ``function()`` in a child process; the returned callable waits for its result.

    ``worthwhile=False`` (e.g. sympy already imported in this process) runs it lazily in-process instead.
    """
    if not worthwhile or not hasattr(os, "fork"):
        return function
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        _child(function, read_end, write_end, parent)
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status == 0 and payload:
            ok, value = pickle.loads(payload)
            if ok:
                return value  # type: ignore[no-any-return]
            raise value
        return function()

    return result


def _child(function: Callable[[], object], read_end: int, write_end: int, parent: int) -> None:
    """Compute, send (ok, value) or (False, exception), and leave without running the parent's exit
    handlers."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; this child dies with it
        os.close(read_end)
        _die_with(parent)
        try:
            message: tuple[bool, object] = (True, function())
        except Exception as error:  # sent to the parent, which raises it
            message = (False, error)
        with contextlib.suppress(pickle.PicklingError, TypeError, AttributeError):
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
    finally:
        os._exit(status)


def _die_with(parent: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
