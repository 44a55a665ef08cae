"""The β table's bands, in units of the example's reward gap ΔR, agree with the example solved in each row.

β is in units of reward, so a band means something only against a reward scale: the table states each band
as at_least <= β/ΔR < below, where ΔR is the gap between the example's best reward and the next one. For
any two responses with that gap, π* multiplies the better one's odds by exp(ΔR/β), so a band fixes how
strongly π* tilts whatever the reward's units. Each row solves the worked example at one β (its numbers are
checked in ``numbers``); that β must lie inside the row's band once divided by the example's ΔR, and the
bands must follow each other without a gap or an overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from ..lesson_text import format_number
from ..model import BetaRow, Example, Lesson
from ..yaml_reader import Path
from .facts import Fact


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
