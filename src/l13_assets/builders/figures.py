"""The figures builder: every figure as SVG and PNG. ``figure_render`` draws them; it is imported when a
figure is built, so reading the registry never imports matplotlib or the lesson's model.

The implementation's names (``figures.render`` and the rest) are reachable here too, imported on first use.
"""

from __future__ import annotations

from typing import Any

from . import Builder, Built, Context


def build(ctx: Context) -> Built:
    from .figure_render import build as build_figures

    return build_figures(ctx)


BUILDER = Builder(
    name="figures", description="π* against β and the reward-hacking figure, as SVG and PNG",
    reads=("examples", "figures"), options=(), cost=1.5, build=build)


def __getattr__(name: str) -> Any:
    from . import figure_render

    return getattr(figure_render, name)
