"""Run one function in a forked child while this process goes on, to use the second core.

``check`` spends most of its time importing sympy and proving the symbolic facts, which do not depend on
the source; loading the source spends most of its time building pydantic's schemas. The two overlap: the
child does the sympy work while the parent loads and checks the numbers, and hands its result back
through a pipe. Where fork is unavailable, or the child fails in any way, the function simply runs here.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_background(function: Callable[[], T], *, worthwhile: bool = True) -> Callable[[], T]:
    """Start ``function()`` in a child process; the returned callable waits for its result.

    ``worthwhile=False`` (e.g. sympy already imported in this process) runs it lazily in-process instead.
    """
    if not worthwhile or not hasattr(os, "fork"):
        return function
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(function(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def result() -> T:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        if status == 0 and payload:
            value: T = pickle.loads(payload)
            return value
        return function()  # the child failed: do the work here, where an error keeps its traceback

    return result
