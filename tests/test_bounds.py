"""Every count and size in the schema has an upper bound: a runaway value is one located line from check.

Each edit changes the first match of a pattern in the real source, so an author's ordinary edit (another
card, a higher drill count) does not break these tests; the expected line and column are derived from it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from l13_assets.errors import UserError
from l13_assets.loader import parse
from support import SOURCE, run_cli

# (pattern with one group: the value replaced, the new value, the path reported, the exact message)
CASES = [
    (r"\n    count: (\d+)\n", "100000", "drills.optimal_policy_two.count",
     "got the number 100000, expected a number at most 250"),
    (r"\n    decimals: (\d+)\n", "12", "drills.optimal_policy_two.decimals",
     "got the number 12, expected a number at most 8"),
    (r"\n  seed: (\d+)\n", "99999999999999999999", "drills.seed",
     "got the number 99999999999999999999, expected a number at most 9,223,372,036,854,775,807"),
    (r"\n    pi_sft: (\{[^}\n]*\})", "{low: 0.2, high: 0.8, step: 0.00001}", "drills.optimal_policy_two.pi_sft",
     "the grid has 60,001 values, expected at most 1,000 (a larger step)"),
    (r"\n    n: \[(\d+),", "100000000", "drills.win_rate_interval.n[0]",
     "got the number 100000000, expected a number at most 10,000,000"),
    (r"\n    venue: (\"[^\"\n]*\")", '"' + "x" * 2001 + '"', "references[0].venue",
     "is 2,001 characters long, expected at most 2,000"),
    (r"\n    z: ([\d.]+)\n", "4.833400000000000000000000000000001", "examples[0].z",
     "the number has 34 digits, expected at most 30"),
    (r"\n    reward: \[(-?[\d.]+),", "2000000", "examples[0].reward[0]",
     "2000000 is outside [−1,000,000, 1,000,000], expected a number in that range"),
    (r"\n  acronyms: (\[[^\]]*\])", "[" + ", ".join(["AI"] * 201) + "]", "style.acronyms",
     "has 201 items, expected at most 200"),
]


def _edit(pattern: str, value: str) -> tuple[str, int, int]:
    """The source with the first match's group replaced, and the 1-based line and column of that group."""
    text = SOURCE.read_text(encoding="utf-8")
    match = re.search(pattern, text)
    assert match, f"no {pattern!r} in the source"
    start = match.start(1)
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    return text[:start] + value + text[match.end(1):], line, column


@pytest.mark.parametrize(("pattern", "value", "path", "message"), CASES, ids=[c[2] for c in CASES])
def test_a_runaway_count_or_size_is_one_located_line(pattern: str, value: str, path: str, message: str) -> None:
    edited, line, column = _edit(pattern, value)
    with pytest.raises(UserError) as caught:
        parse(edited.encode("utf-8"), "l13.yaml")
    assert [str(p) for p in caught.value.problems] == [f"l13.yaml:{line}:{column}: {path}: {message}"]


def test_check_refuses_a_drill_count_of_100000_before_generating_anything(source_copy: Path) -> None:
    edited, line, column = _edit(CASES[0][0], "100000")
    source_copy.write_text(edited, encoding="utf-8")
    result = run_cli("check", "-q", "--source", str(source_copy))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{source_copy}:{line}:{column}: drills.optimal_policy_two.count: "
                                          "got the number 100000, expected a number at most 250"]
    assert "Traceback" not in result.stderr
