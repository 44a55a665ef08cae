"""How a drill's numbers are written: rounded half away from zero, a value near a rounding tie spotted (so
the generator draws again), and a source number as its shortest decimal."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TIE_MARGIN = 1e-6  # a shown value this close to a tie (…5 at the first dropped decimal) is drawn again


def answer_text(value: Any, decimals: int) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(rounded(value, decimals))


def near_tie(value: Any, decimals: int) -> bool:
    if isinstance(value, bool):
        return False
    scaled: float = abs(value) * 10.0**decimals
    return abs(scaled - math.floor(scaled) - 0.5) < TIE_MARGIN


def round_half_up(value: Decimal, decimals: int) -> str:
    """``value`` at ``decimals`` places, halves away from zero, never "-0.00"."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return format(rounded, "f")


def rounded(value: Any, decimals: int) -> Any:
    if isinstance(value, list):
        return [rounded(v, decimals) for v in value]
    if isinstance(value, bool | str):  # booleans, and exact decimals already written out
        return value
    return round_half_up(Decimal(value), decimals)


def text(value: Decimal) -> str:
    """A source number as the shortest decimal string: Decimal('0.30') -> '0.3'."""
    return format(value.normalize(), "f")
