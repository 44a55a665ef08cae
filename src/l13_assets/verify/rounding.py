"""Deciding exactly how a computed value rounds, fast.

A stated number or a drill answer is correct when the exact value, rounded half away from zero at the
stated decimals, gives the stated digits. Building a sympy expression per value and evaluating it costs
about 10 ms, too slow for 1,000 drills. Instead the ``rlhf_math`` formulas run on mpmath's interval
arithmetic at 100 bits (``interval_ops``): every input is the exact rational it is written as, enclosed in
an interval, and every operation returns an interval guaranteed to contain the exact result. If both ends
of a value's interval round to the same digits, those are the exact value's digits: a proof, not an
estimate. Only an interval that straddles a rounding boundary (width about 1e-29, so only a value on or
next to a tie) is decided by sympy (``settle_exact``): a rational exactly, anything else with evalf at 60
and then 120 digits and a matching error margin.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from typing import Any

from .. import rlhf_math

IV_BITS = 100
UNDECIDABLE = "undecidable"


@cache
def interval_ops() -> rlhf_math.Ops:
    import mpmath

    iv = type(mpmath.iv)()  # a private context: setting its precision leaves mpmath.iv alone
    iv.prec = IV_BITS

    def number(value: object) -> Any:
        exact = value if isinstance(value, Fraction) else Fraction(str(value))
        return iv.mpf(exact.numerator) / exact.denominator  # an enclosure of the exact rational

    def xlogy(x: Any, y: Any) -> Any:
        return 0 if x == 0 else x * iv.log(y)

    return rlhf_math.Ops(exp=iv.exp, log=iv.log, sqrt=iv.sqrt, xlogy=xlogy, number=number)


def ends(value: Any) -> tuple[Fraction, Fraction]:
    """The exact rational ends of an interval (a plain number has both ends the same; a pair of Fractions
    is an enclosure already)."""
    if isinstance(value, int | Fraction):
        return Fraction(value), Fraction(value)
    if isinstance(value, tuple):
        return value[0], value[1]
    from mpmath.libmp import to_rational

    low, high = value._mpi_
    return Fraction(*to_rational(low)), Fraction(*to_rational(high))


def settle(value: Any, decimals: int) -> str | None:
    """The digits of ``value`` (an interval) at ``decimals``, or None if the interval cannot tell."""
    low, high = ends(value)
    first = round_fraction(low, decimals)
    return first if first == round_fraction(high, decimals) else None


def settle_exact(value: Any, decimals: int) -> str:
    """The digits of an exact sympy value (or Fraction) at ``decimals``; UNDECIDABLE on an irrational tie."""
    if isinstance(value, Fraction):
        return round_fraction(value, decimals)
    if value.is_Rational:
        return round_fraction(Fraction(int(value.p), int(value.q)), decimals)
    for digits in (60, 120):
        approx = Fraction(str(value.evalf(digits)))
        margin = (abs(approx) + 1) * Fraction(1, 10 ** (digits - 5))
        low, high = round_fraction(approx - margin, decimals), round_fraction(approx + margin, decimals)
        if low == high:
            return low
    return UNDECIDABLE


def exact_fraction(value: Any) -> Fraction | None:
    """``value`` as a Fraction when it is an exact rational (sympy Rational or Fraction), else None."""
    if isinstance(value, Fraction):
        return value
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    return None


def is_tie(value: Fraction, decimals: int) -> bool:
    """True when ``value`` lies exactly halfway between two numbers of ``decimals`` places."""
    scaled = value * 10**decimals
    return bool((scaled - Fraction(1, 2)).denominator == 1)


def round_fraction(value: Fraction, decimals: int) -> str:
    """Round half away from zero, never "-0.00" (as ``drill_numbers.round_half_up``, written independently)."""
    scaled = abs(value) * 10**decimals
    digits = str(math.floor(scaled + Fraction(1, 2)))
    sign = "-" if value < 0 and digits.strip("0") else ""
    if decimals == 0:
        return sign + digits
    digits = digits.rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"
