"""The cheatsheet builder. ``cheatsheet.page`` lays out and typesets the page; it is imported when the sheet
is built, so reading the registry never imports reportlab or the lesson's model.

The implementation's names (``cheatsheet.render`` and the rest) are reachable here too, imported on first use.
"""

from __future__ import annotations

from typing import Any

from .. import Builder, Built, Context


def build(ctx: Context) -> Built:
    from .page import build as build_cheatsheet

    return build_cheatsheet(ctx)


BUILDER = Builder(
    name="cheatsheet", description="the one-page printable cheatsheet (PDF, landscape, A4 and Letter)",
    reads=("meta", "references", "pipeline", "objective", "bradley_terry", "optimal_policy", "examples",
           "beta_table", "variants", "instruments", "run_health", "pitfalls", "figures"),
    options=("papers", "epoch"), cost=2.0, build=build)


def __getattr__(name: str) -> Any:
    # import_module, not ``from . import page``: that form looks the submodule up as an attribute first,
    # which would call this function again before the submodule is loaded.
    import importlib

    if name.startswith("__") or name in ("page", "blocks"):
        raise AttributeError(name)
    return getattr(importlib.import_module(f"{__name__}.page"), name)
