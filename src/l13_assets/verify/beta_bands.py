"""The β table's bands, in units of the example's reward gap ΔR, agree with the example solved in each row.

β is in units of reward, so a band means something only against a reward scale: the table states each band
as at_least <= β/ΔR < below, where ΔR is the gap between the example's best reward and the next one. For
any two responses with that gap, π* multiplies the better one's odds by exp(ΔR/β), so a band fixes how
strongly π* tilts whatever the reward's units. Each row solves the worked example at one β (its numbers are
checked in ``numbers``); that β must lie inside the row's band once divided by the example's ΔR, and the
bands must follow each other without a gap or an overlap.

The note states that general reading for the learner: π* multiplies the better response's odds by more than
e^odds_first in the first band and by at most e^odds_last in the last. Those two powers are ΔR/β at the
bands' outer ends, 1/below of the first and 1/at_least of the last, and are checked against them here; the
note must insert both (``[[beta-table.odds_first]]``), so the general reading, not only the example's, is
printed with the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .. import rlhf_math as rm
from ..lesson_text import format_number
from ..model import BetaRow, Example, Lesson
from ..yaml_reader import Path
from .facts import Fact
from .numbers import claim


def reward_gap(example: Example) -> Decimal:
    """ΔR: the best reward minus the next lower one (0 when every reward is equal)."""
    distinct = sorted(set(example.reward), reverse=True)
    return distinct[0] - distinct[1] if len(distinct) > 1 else Decimal(0)


def band_text(row: BetaRow) -> str:
    """The band as printed: '0.1 ≤ β/ΔR < 0.5', 'β/ΔR < 0.1', 'β/ΔR ≥ 2'."""
    if row.below is None:
        return f"β/ΔR ≥ {format_number(row.at_least)}"
    if row.at_least == 0:
        return f"β/ΔR < {format_number(row.below)}"
    return f"{format_number(row.at_least)} ≤ β/ΔR < {format_number(row.below)}"


def run(lesson: Lesson) -> Iterator[Fact]:
    table = lesson.beta_table
    index, example = next((i, e) for i, e in enumerate(lesson.examples) if e.id == table.example)
    gap = reward_gap(example)
    if gap == 0:
        yield Fact("beta", ("examples", index, "reward"), format_number(gap), "no reward gap", False,
                   "every reward of the β table's example is equal, expected two different rewards: the bands are "
                   "stated in units of their gap ΔR")
        return
    previous: BetaRow | None = None
    for i, row in enumerate(table.rows):
        path: Path = ("beta_table", "rows", i)
        yield _order_fact(row, previous, path, i == len(table.rows) - 1)
        yield _inside_fact(row, gap, example, path)
        previous = row
    yield from _odds_facts(lesson)
    yield _note_fact(lesson)


def _note_fact(lesson: Lesson) -> Fact:
    table = lesson.beta_table
    wanted = [f"[[{table.id}.{name}]]" for name in ("odds_first", "odds_last")]
    missing = [w for w in wanted if w not in table.note]
    if missing:
        return Fact("beta", ("beta_table", "note"), table.note[:60], "no general reading", False,
                    f"the note does not insert {' and '.join(missing)}, expected the bands' reading for any "
                    "rewards in it (π* multiplies the better response's odds by e^{ΔR/β}), since the table's "
                    "numbers, behaviour and risks are the worked example's")
    return Fact("beta", ("beta_table", "note"), "the note", "states the bands' reading for any rewards", True)


def _odds_facts(lesson: Lesson) -> Iterator[Fact]:
    """odds_first = 1/below of the first band, odds_last = 1/at_least of the last: ΔR/β at the outer ends."""
    table = lesson.beta_table
    first, last = table.rows[0], table.rows[-1]
    ends: list[tuple[str, Decimal | None, Decimal, Path, str]] = [
        ("odds_first", first.below, table.odds_first, ("beta_table", "rows", 0, "below"), "the first band's below"),
        ("odds_last", last.at_least, table.odds_last, ("beta_table", "rows", len(table.rows) - 1, "at_least"),
         "the last band's at_least")]
    for name, end, stated, given, what in ends:
        path: Path = ("beta_table", name)
        if end is None or end == 0:
            yield Fact("beta", path, format_number(stated), "no finite end", False,
                       f"{what} is {'missing' if end is None else '0'}, expected a band end above 0: {name} is "
                       "ΔR/β there, 1 divided by it")
            continue

        def power(ops: rm.Ops, e: Decimal = end) -> Any:
            return ops.number(Fraction(1)) / ops.number(e)

        yield claim("beta", path, stated, power, (given,))


def _order_fact(row: BetaRow, previous: BetaRow | None, path: Path, last: bool) -> Fact:
    band = band_text(row)
    if row.below is not None and row.below <= row.at_least:
        return Fact("beta", (*path, "below"), band, "empty band", False,
                    f"the band {band} is empty, expected below greater than at_least")
    if previous is not None and previous.below != row.at_least:
        ends = "a gap" if previous.below is None or previous.below < row.at_least else "an overlap"
        shown = "no end" if previous.below is None else format_number(previous.below)
        return Fact("beta", (*path, "at_least"), band, ends, False,
                    f"the band starts at {format_number(row.at_least)} but the one before ends at {shown}, {ends}: "
                    "expected each band to start where the one before ends")
    if row.below is None and not last:
        return Fact("beta", (*path, "at_least"), band, "no upper end before the last row", False,
                    f"the band {band} has no upper end but is not the last row, expected below on every row but "
                    "the last")
    return Fact("beta", (*path, "at_least"), band, "follows the band before", True)


def _inside_fact(row: BetaRow, gap: Decimal, example: Example, path: Path) -> Fact:
    ratio = row.at / gap
    inside = row.at_least <= ratio and (row.below is None or ratio < row.below)
    shown = format_number(ratio.normalize()) if ratio == ratio.quantize(Decimal("1e-6")) else f"{float(ratio):.4g}"
    claim = f"β = {format_number(row.at)}, β/ΔR = {shown} (ΔR = {format_number(gap)})"
    detail = "" if inside else (
        f"β = {format_number(row.at)} is β/ΔR = {shown} for {example.id} (ΔR = {format_number(gap)}), outside "
        f"its band {band_text(row)}: expected the example solved at a β inside the band it illustrates")
    return Fact("beta", (*path, "at"), claim, band_text(row), inside, detail)
