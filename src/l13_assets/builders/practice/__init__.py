"""The practice builder: the brief's two exercises as printable worksheets, one per student variant, and
one answer key covering every variant. ``practice.sheets`` typesets them and ``practice.variants`` draws
and solves the numbers; both are imported when the sheets are built, so reading the registry stays cheap.
"""

from __future__ import annotations

from .. import Builder, Built, Context


def build(ctx: Context) -> Built:
    from .sheets import build as build_practice

    return build_practice(ctx)


BUILDER = Builder(
    name="practice", description="practice worksheets with per-student variants and their answer key (PDF)",
    reads=("meta", "optimal_policy", "examples", "instruments", "findings", "drills"),
    options=("papers", "variants", "epoch"), cost=1.0, build=build)
