"""The lesson's figures, drawn with matplotlib from the lesson's one implementation (``rlhf_math``).

``render(lesson, figure_id, fmt)`` is the pure entry point: the same lesson gives the same bytes (SVG or PNG),
so the deck and the cheatsheet embed exactly the drawing the build writes, without reading the output folder.
Each figure is laid out and drawn once, as SVG; its PNG is that SVG rasterised by resvg (``figure_svg``), so
both files show the same drawing. Results are remembered for the process, keyed by the lesson's value and
the arguments, so the deck reuses the figures builder's drawing; it assumes the caller has not changed
rcParams outside ``RC`` (none does: the cheatsheet draws through ``figure``, which is not remembered).
``figure(...)`` returns the matplotlib ``Figure`` itself (its lines carry ids, see ``curve_gid``), for tests
and for callers that want its artists; save it through ``render`` to get the reproducible settings.

A per-example figure (``model.PER_EXAMPLE_FIGURES``) draws one panel per example, side by side;
``panel=i`` draws example i alone, which is how a card shows it (``figure_card``): one image per panel, drawn
at phone width with larger text. The reward-hacking figure has one panel (``figure_hacking``).

matplotlib and numpy are imported inside the functions: importing this module costs nothing, and pyplot is
never used (no GUI backend, no global figure registry). Every rcParam is set inside ``rc_context``. The
layout is computed from the font size instead of matplotlib's layout engines, which would measure every
tick label again on each save and cost more than drawing the figure.

``docs/make_figures.py`` writes the PNG renders committed under docs/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model import PER_EXAMPLE_FIGURES, Example, Lesson
from . import Built, Context, Output
from .figure_beta import BASE_FONT_PT, beta_axis, beta_grid, policy_panel, tradeoff_panel
from .figure_beta import SERIES as SERIES  # re-exported: the cheatsheet and the tests name these here
from .figure_beta import Series as Series
from .figure_beta import curve_gid as curve_gid
from .figure_beta import curves as curves
from .figure_beta import plain_number as plain_number
from .figure_beta import response_name as response_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

FORMATS = ("svg", "png")
WIDTH_IN = 8.0  # default size: two panels side by side, readable at full page width and on a screen
HEIGHT_IN = 3.6
PNG_DPI = 240  # 8 in × 240 = 1,920 px: print resolution at full page width
MIN_FONT_PT = 6.0  # the cheatsheet's floor for legible print
# One panel as a card shows it: 3.4 in is 326 CSS px, about a phone's width, so the image is shown at or near
# its own size there; 9 pt small text is 12 CSS px, and stays at 9 px or more down to 245 px of width.
PANEL_WIDTH_IN = 3.4
PANEL_HEIGHT_IN = 2.9
PHONE_FONT_PT = 10.0

# Fixed so the SVG's ids and both formats' bytes do not depend on the run (see also the metadata in save).
RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "mathtext.default": "regular",
    "axes.unicode_minus": True,
    "svg.hashsalt": "l13-assets",
    "svg.fonttype": "none",  # text stays text: searchable, and the cheatsheet maps it to its embedded font
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.which": "major",
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.handlelength": 2.6,
    "xtick.minor.width": 0.5,
    "axes.titley": 1.0,
}


@dataclass(frozen=True)
class Size:
    """A render's size in inches, its base font in pt (None: scaled from the width) and its panel."""

    width_in: float = WIDTH_IN
    height_in: float = HEIGHT_IN
    font_pt: float | None = None
    panel: int | None = None  # one example's panel alone (per-example figures)


PHONE_PANEL = Size(PANEL_WIDTH_IN, PANEL_HEIGHT_IN, PHONE_FONT_PT)


def default_size(figure_id: str) -> Size:
    """The size ``build`` writes: two panels at page width, or a single-panel figure at phone width."""
    return Size() if figure_id in PER_EXAMPLE_FIGURES else PHONE_PANEL


# The bytes of every render in this process, keyed by everything they depend on: the lesson's value (frozen
# and hashable, so an edited lesson is another key), the figure and the size; each key maps format to bytes.
# Drawing is deterministic (fixed rcParams, no dates), so a remembered render is the render. Kept to the few
# most recent keys: a build uses one lesson, tests a handful.

# ----------------------------------------------------------------------------------------------------------
# Public API


def figure_ids(lesson: Lesson) -> tuple[str, ...]:
    return tuple(item.id for item in lesson.figures.items)


def figure(lesson: Lesson, figure_id: str, *, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN,
           font_pt: float | None = None, panel: int | None = None) -> Figure:
    """The matplotlib Figure for ``figure_id`` at the given size (inches); fonts scale with the width unless
    ``font_pt`` is given.

    Labels are tested to stay clear of each other at the default size, at 6 × 2.6 in (fonts 6.75 pt) and as
    the cards' phone panels; narrower renders keep 6 pt text but their labels may crowd."""
    size = Size(width_in, height_in, font_pt, panel)
    with _style(size):
        return _draw(lesson, figure_id, size)


class Renders:
    """The figure renders of one build, passed to its builders in their context: a figure drawn once (at
    one size, for one lesson) is not drawn again by another builder of the same build in this process. A
    build makes a new one, so nothing is remembered from one build (or one watch rebuild) to the next."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Lesson, str, Size], dict[str, bytes]] = {}

    def entry(self, lesson: Lesson, figure_id: str, size: Size) -> dict[str, bytes]:
        """The formats of one render so far, its SVG drawn if it was not."""
        entry = self._entries.setdefault((lesson, figure_id, size), {})
        if "svg" not in entry:
            with _style(size):
                entry["svg"] = save(_draw(lesson, figure_id, size, minor_ticks_as_marks=True))
        return entry


def render(lesson: Lesson, figure_id: str, fmt: str, size: Size | None = None,
           renders: Renders | None = None) -> bytes:
    """The figure as SVG or PNG bytes; identical for identical input, whatever the date or hash seed."""
    return render_formats(lesson, figure_id, (fmt,), size, renders)[fmt]


def render_formats(lesson: Lesson, figure_id: str, fmts: Sequence[str], size: Size | None = None,
                   renders: Renders | None = None) -> dict[str, bytes]:
    """Several formats of one figure from one drawing: the SVG, and the PNG rasterised from it. With
    ``renders``, a render that is already there is returned without drawing again."""
    for fmt in fmts:
        if fmt not in FORMATS:
            raise ValueError(f"figure format '{fmt}' is unknown, expected one of {', '.join(FORMATS)}")
    entry = (renders or Renders()).entry(lesson, figure_id, size or default_size(figure_id))
    if "png" in fmts:
        _png(entry, size or default_size(figure_id))
    return {fmt: entry[fmt] for fmt in fmts}


def _png(entry: dict[str, bytes], size: Size) -> bytes:
    """The entry's PNG, rasterised from its SVG if it has none yet (safe in a thread: one key, one write)."""
    if "png" not in entry:
        from .figure_svg import to_png

        entry["png"] = to_png(entry["svg"], round(size.width_in * PNG_DPI))
    return entry["png"]


def build(ctx: Context) -> Built:
    """Every figure as SVG and PNG. resvg rasterises without Python's lock, so each PNG is made in a thread
    while matplotlib draws the next figure's SVG here (the same bytes as ``render_formats``)."""
    from concurrent.futures import ThreadPoolExecutor

    lesson, renders = ctx.source.lesson, ctx.renders or Renders()
    entries = {}
    with ThreadPoolExecutor(max_workers=1) as pool:  # one raster beside the drawing: the machine has 2 cores
        pngs = []
        for figure_id in figure_ids(lesson):
            entries[figure_id] = renders.entry(lesson, figure_id, default_size(figure_id))
            pngs.append(pool.submit(_png, entries[figure_id], default_size(figure_id)))
        for png in pngs:
            png.result()
    return Built([Output(f"figures/{figure_id}.{fmt}", entry[fmt]) for figure_id, entry in entries.items()
                  for fmt in FORMATS])



# ----------------------------------------------------------------------------------------------------------
# Drawing


@dataclass(frozen=True)
class Fonts:
    base: float  # tick labels, axis labels, titles
    small: float  # legends and annotations


@contextmanager
def _style(size: Size) -> Iterator[Fonts]:
    import matplotlib

    base = size.font_pt or min(BASE_FONT_PT, max(MIN_FONT_PT, BASE_FONT_PT * size.width_in / WIDTH_IN))
    fonts = Fonts(base=base, small=max(MIN_FONT_PT, base - 1))
    rc: dict[RcKeyType, Any] = {**RC, "font.size": base, "legend.fontsize": fonts.small}
    with matplotlib.rc_context(rc):
        yield fonts


def save(fig: Figure) -> bytes:
    """``fig`` as reproducible SVG bytes: no date or creator, so the bytes depend on the drawing alone."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


@dataclass(frozen=True)
class Drawing:
    panel: Callable[[Axes, Example, Any, float], None]
    ylabel: str
    shared_legend: bool  # the same series in every panel: one legend above them all


def _draw(lesson: Lesson, figure_id: str, size: Size, *, minor_ticks_as_marks: bool = False) -> Figure:
    if figure_id not in figure_ids(lesson):
        raise ValueError(f"figure '{figure_id}' is not in the source's figures.items")
    if figure_id == "fig-reward-hacking":
        from .figure_hacking import draw

        return draw(lesson, size.width_in, size.height_in)
    drawings = {
        "fig-policy-vs-beta": Drawing(policy_panel, "π*(y)", shared_legend=False),
        "fig-tradeoff": Drawing(tradeoff_panel, "reward units; KL in nats", shared_legend=True),
    }
    if figure_id not in drawings:
        raise ValueError(f"figure '{figure_id}' has no drawing, expected one of {', '.join(drawings)}")
    import matplotlib

    examples = lesson.examples if size.panel is None else (lesson.examples[size.panel],)
    fig, axes = _panels(drawings[figure_id], len(examples), size)
    betas = beta_grid(lesson)
    drawing = drawings[figure_id]
    for ax, example in zip(axes, examples, strict=True):
        beta_axis(ax, lesson, minor_ticks_as_marks)
        drawing.panel(ax, example, betas, _small())
        ax.set_title(example.name, fontsize=None if size.panel is None else _small())  # a phone's width
        if not drawing.shared_legend:
            # On a phone panel, a compact legend stays left of the rule at the lesson's β.
            compact = {} if size.panel is None else {"handlelength": 1.2, "handletextpad": 0.4, "borderaxespad": 0.2}
            ax.legend(loc="center left", bbox_to_anchor=(0.0, 0.45), **({"handlelength": 1.8} | compact))
    axes[0].set_ylabel(drawing.ylabel)
    if drawing.shared_legend:
        handles, labels = axes[0].get_legend_handles_labels()
        wide = len(examples) > 1
        fig.legend(handles, labels, loc="upper center", ncol=len(labels) if wide else 1,
                   bbox_to_anchor=(0.5, 1.0), columnspacing=2.5,
                   fontsize=float(matplotlib.rcParams["font.size"]) if wide else _small())
    return fig


def _small() -> float:
    import matplotlib

    return float(matplotlib.rcParams["legend.fontsize"])


def _panels(drawing: Drawing, n: int, size: Size) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels in a row, sharing y; margins in points from the font size."""
    import matplotlib
    from matplotlib.figure import Figure

    font = float(matplotlib.rcParams["font.size"])
    width_in, height_in = size.width_in, size.height_in
    fig = Figure(figsize=(width_in, height_in))
    # Text scales with the font, tick marks and pads (about 7 pt) do not. A shared legend takes one row over
    # the panels, or one row per series over a single panel.
    legend_rows = 0 if not drawing.shared_legend else 1.4 if n > 1 else 3.6
    left, right, bottom, gap = (4.0 * font + 7) / 72, (1.3 * font) / 72, (3.2 * font + 7) / 72, 3.0 * font / 72
    top = ((2.0 + 1.5 * legend_rows) * font + 5) / 72 if legend_rows else (2.0 * font + 5) / 72
    panel = (width_in - left - right - (n - 1) * gap) / n
    fig.subplots_adjust(
        left=left / width_in, right=1 - right / width_in, bottom=bottom / height_in, top=1 - top / height_in,
        wspace=gap / panel,
    )
    return fig, list(fig.subplots(1, n, sharey=True, squeeze=False)[0])
