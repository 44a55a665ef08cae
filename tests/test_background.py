"""The second-core runner: a result from the child, or the same work done here when the child fails."""

from __future__ import annotations

import os

import pytest

from l13_assets.background import in_background
from l13_assets.errors import UserError


def test_result_comes_from_a_child_process() -> None:
    parent = os.getpid()
    assert in_background(os.getpid)() != parent


def test_not_worthwhile_runs_here() -> None:
    assert in_background(os.getpid, worthwhile=False)() == os.getpid()


def test_an_error_in_the_child_is_raised_here_without_redoing_the_work() -> None:
    calls = []

    def fails() -> int:
        calls.append(os.getpid())
        raise UserError.plain("l13.yaml", "the block 'pitfalls' does not fit")

    result = in_background(fails)
    with pytest.raises(UserError) as caught:
        result()
    assert [str(p) for p in caught.value.problems] == ["l13.yaml: the block 'pitfalls' does not fit"]
    assert calls == [], "the work ran once, in the child"


def test_a_child_that_dies_is_redone_here() -> None:
    def dies_in_child() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return 42

    parent = os.getpid()
    assert in_background(dies_in_child)() == 42
