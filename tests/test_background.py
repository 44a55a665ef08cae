"""The second-core runner: a result from the child, or the same work done here when the child fails."""

from __future__ import annotations

import os

import pytest

from l13_assets.background import in_background


def test_result_comes_from_a_child_process() -> None:
    parent = os.getpid()
    assert in_background(os.getpid)() != parent


def test_not_worthwhile_runs_here() -> None:
    assert in_background(os.getpid, worthwhile=False)() == os.getpid()


def test_a_failing_child_is_redone_here_so_the_error_is_seen() -> None:
    calls = []

    def fails() -> int:
        calls.append(os.getpid())
        raise ValueError("boom")

    result = in_background(fails)
    with pytest.raises(ValueError, match="boom"):
        result()
    assert calls == [os.getpid()], "the child's call is not visible here; the parent's is"
