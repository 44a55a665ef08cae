"""The reward-hacking figure: proxy and gold reward of the proxy's optimum against KL, from a stated toy model.

The model is the source's ``figures.reward_hacking``: one prompt, π_SFT over a few responses, a proxy reward
(the reward model) that overrates one response and a gold reward (the truth). For every β of the figures'
grid, π* ∝ π_SFT·exp(proxy/β) (``rlhf_math.proxy_and_gold``); the figure plots E_π*[proxy] and E_π*[gold]
against KL(π*‖π_SFT), the shape Gao et al. 2023 measured: the proxy keeps rising, the gold reward peaks and
falls. The figure says in its title that it is simulated. The model's validator guarantees the shape; the
tests recompute every printed number with sympy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..lesson_text import MINUS, format_number
from ..model import Lesson, RewardHacking
from ..rlhf_math import ProxyAndGold, proxy_and_gold, vector
from .figure_beta import (
    GREY,
    LABEL_BOX,
    SERIES,
    VERMILLION,
    beta_grid,
    line,
    note,
    note_lines,
    plain_number,
    scale,
    unclipped_grid,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TITLE = "Simulated, not measured"
REFINE_POINTS = 2001  # samples between the grid's neighbours of the gold peak: β to about 1e-6 of itself


@dataclass(frozen=True)
class Peak:
    beta: float
    kl: float
    proxy: float
    gold: float


def sweep(model: RewardHacking, betas: Any) -> ProxyAndGold:
    """KL, E[proxy] and E[gold] of the proxy's optimum at every β of ``betas`` (numpy arrays)."""
    ops = vector()
    return proxy_and_gold([ops.number(p) for p in model.pi_sft], [ops.number(r) for r in model.proxy],
                          [ops.number(g) for g in model.gold], betas, ops)


def gold_peak(model: RewardHacking, betas: Any) -> Peak:
    """Where E[gold] is highest: the grid's best β, refined on a fine grid between its two neighbours."""
    import numpy as np

    at = int(np.argmax(sweep(model, betas).gold))
    low, high = betas[max(at - 1, 0)], betas[min(at + 1, len(betas) - 1)]
    fine = np.geomspace(low, high, REFINE_POINTS)
    solved = sweep(model, fine)
    best = int(np.argmax(solved.gold))
    return Peak(float(fine[best]), float(solved.kl[best]), float(solved.proxy[best]), float(solved.gold[best]))


def limit_kl(model: RewardHacking) -> float:
    """KL as β → 0⁺: π* puts all its mass on the proxy's top response y, so KL = −log π_SFT(y)."""
    return -math.log(float(model.pi_sft[model.proxy.index(max(model.proxy))]))


def two_decimals(value: float) -> str:
    return f"{value:.2f}".replace("-", MINUS)


def draw(lesson: Lesson, width_in: float, height_in: float) -> Figure:
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter

    model = lesson.figures.reward_hacking
    font = float(matplotlib.rcParams["font.size"])
    small = float(matplotlib.rcParams["legend.fontsize"])
    fig = Figure(figsize=(width_in, height_in))
    left, right, bottom, top = (4.4 * font + 7) / 72, (1.5 * font) / 72, (3.2 * font + 7) / 72, (2.0 * font + 5) / 72
    fig.subplots_adjust(left=left / width_in, right=1 - right / width_in, bottom=bottom / height_in,
                        top=1 - top / height_in)
    ax = fig.subplots()
    betas = beta_grid(lesson)[::-1]  # β falling: KL rising, left to right
    solved = sweep(model, betas)
    end = limit_kl(model)
    top_response = model.proxy.index(max(model.proxy))
    ends = (max(model.proxy), model.gold[top_response])
    low_y = float(min(min(model.gold), ends[1])) - 0.25
    ax.set_xlim(0, end * 1.04)
    ax.set_ylim(low_y, float(max(model.proxy)) + 0.55)
    line(ax, solved.kl, solved.proxy, SERIES[0], "proxy: RM score", "reward-hacking-proxy")
    line(ax, solved.kl, solved.gold, SERIES[1], "gold: true reward", "reward-hacking-gold")
    for value, s in zip(ends, SERIES, strict=False):
        ax.plot([end], [float(value)], marker=s.marker, markersize=7 * scale(), markerfacecolor="white",
                markeredgecolor=s.colour, markeredgewidth=1.4 * scale(), linestyle="none", clip_on=False, zorder=5)
    note(ax, f"β → 0⁺: {format_number(ends[1])}", (end, float(ends[1])), (0, -9), small, ha="right", va="top",
         colour=VERMILLION)
    peak = gold_peak(model, betas[::-1])
    ax.axvline(peak.kl, color=GREY, linewidth=0.8, linestyle=(0, (1, 2)), zorder=1, clip_on=False)
    ax.plot([peak.kl], [peak.gold], marker="s", color=VERMILLION, markersize=6.5 * scale(), markeredgecolor="black",
            markeredgewidth=0.7, linestyle="none", zorder=7, gid="reward-hacking-gold-peak",
            clip_on=False)  # on the curve, inside the axes
    # Below the falling gold curve, which stays above the gold limit until the axis end.
    note_lines(ax, (f"gold peaks: {two_decimals(peak.gold)}", f"at KL {two_decimals(peak.kl)}"),
               (peak.kl, float(ends[1])), (4, -1.25 * small), small, bbox=LABEL_BOX)
    # Ticks inside the limits only (whole nats; rewards every 0.5), so no label sits past the axis end.
    ax.xaxis.set_major_locator(FixedLocator(range(math.floor(end * 1.04) + 1)))
    y_low, y_high = ax.get_ylim()
    ax.yaxis.set_major_locator(FixedLocator([k / 2 for k in range(math.ceil(2 * y_low), math.floor(2 * y_high) + 1)]))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(FuncFormatter(lambda v, _: plain_number(v)))
    unclipped_grid(ax)
    ax.set_xlabel("KL from the SFT policy, nats (β falls →)")
    ax.set_ylabel("expected reward")
    ax.set_title(TITLE)
    ax.legend(loc="upper left", handlelength=2.2)
    return fig
