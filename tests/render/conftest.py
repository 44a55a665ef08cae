"""Fixtures of the render suite: one Chromium for the session, one reviewer page for every card."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import harness
import pytest


@pytest.fixture(scope="session")
def browser() -> Iterator[harness.Browser]:
    chromium = harness.Browser()
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def anki_reviewer(browser: harness.Browser) -> harness.Reviewer:
    return harness.Reviewer(browser, harness.built_deck().media)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    stats = harness.STATS
    if stats["renders"]:
        terminalreporter.write_line(f"render suite: {stats['cards']} cards, {stats['renders']} renders, "
                                    f"{stats['math']} math items typeset and measured")
