"""The reward-hacking figure: its curves and every number printed on it, recomputed exactly with sympy."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from l13_assets.builders.figure_hacking import TITLE, limit_kl, two_decimals
from l13_assets.builders.figures import default_size, figure
from l13_assets.errors import UserError
from l13_assets.lesson_text import format_number
from l13_assets.loader import load, parse
from l13_assets.model import Lesson, RewardHacking
from l13_assets.rlhf_math import exact, proxy_and_gold

SOURCE = Path(__file__).resolve().parent.parent / "source" / "l13.yaml"
FIGURE = "fig-reward-hacking"


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    return load(SOURCE).lesson


@pytest.fixture(scope="module")
def fig(lesson: Lesson) -> Any:
    size = default_size(FIGURE)
    return figure(lesson, FIGURE, width_in=size.width_in, height_in=size.height_in, font_pt=size.font_pt)


def curve(fig: Any, gid: str) -> tuple[Any, Any]:
    (ln,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == gid]
    return ln.get_xdata(), ln.get_ydata()


def exact_model(model: RewardHacking) -> tuple[Any, Any]:
    """β as a sympy symbol and KL, E[proxy], E[gold] as exact expressions in it."""
    import sympy as sp

    beta = sp.Symbol("beta", positive=True)
    ops = exact()
    return beta, proxy_and_gold([ops.number(p) for p in model.pi_sft], [ops.number(r) for r in model.proxy],
                                [ops.number(g) for g in model.gold], beta, ops)


def texts(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_it_says_it_is_simulated(fig: Any) -> None:
    assert fig.axes[0].get_title() == TITLE and "Simulated" in TITLE


def test_every_plotted_point_is_the_exact_model_at_its_beta(lesson: Lesson, fig: Any) -> None:
    """Spot checks along the curves: the plotted (KL, reward) pairs against the sympy expressions."""
    import numpy as np

    from l13_assets.builders.figure_beta import beta_grid

    beta, solved = exact_model(lesson.figures.reward_hacking)
    betas = beta_grid(lesson)[::-1]
    kl, proxy = curve(fig, "reward-hacking-proxy")
    kl_gold, gold = curve(fig, "reward-hacking-gold")
    assert np.array_equal(kl, kl_gold) and len(kl) == len(betas)
    for i in range(0, len(betas), 37):
        at = {beta: betas[i]}
        assert kl[i] == pytest.approx(float(solved.kl.subs(at).evalf(30)), abs=1e-9)
        assert proxy[i] == pytest.approx(float(solved.proxy.subs(at).evalf(30)), abs=1e-9)
        assert gold[i] == pytest.approx(float(solved.gold.subs(at).evalf(30)), abs=1e-9)


def test_the_shape_the_alt_text_describes(fig: Any) -> None:
    """As β falls: KL and the proxy rise all the way; the gold reward rises, peaks, then falls."""
    kl, proxy = curve(fig, "reward-hacking-proxy")
    _, gold = curve(fig, "reward-hacking-gold")
    assert all(a <= b + 1e-12 for a, b in pairwise(kl))
    assert all(a <= b + 1e-12 for a, b in pairwise(proxy))
    top = int(gold.argmax())
    assert 0 < top < len(gold) - 1
    assert all(a <= b + 1e-12 for a, b in pairwise(gold[: top + 1]))
    assert all(a >= b - 1e-12 for a, b in pairwise(gold[top:]))
    assert gold[-1] < gold[0], "the gold reward ends below where it started"


def test_the_printed_peak_is_the_exact_maximum(lesson: Lesson, fig: Any) -> None:
    """The peak's label, rounded as printed, against sympy's root of d E[gold] / dβ = 0."""
    import sympy as sp

    beta, solved = exact_model(lesson.figures.reward_hacking)
    (peak,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "reward-hacking-gold-peak"]
    gold = sp.lambdify(beta, solved.gold, "mpmath")
    start = max((0.1 * 1.1**k for k in range(60)), key=lambda b: float(gold(b)))  # β from 0.1 to 28
    root = sp.nsolve(sp.diff(solved.gold, beta), beta, start, prec=40)
    exact_kl, exact_gold = (float(e.subs({beta: root}).evalf(30)) for e in (solved.kl, solved.gold))
    assert f"gold peaks: {two_decimals(exact_gold)}" in texts(fig)
    assert f"at KL {two_decimals(exact_kl)}" in texts(fig)
    assert float(peak.get_xdata()[0]) == pytest.approx(exact_kl, abs=1e-4)
    assert float(peak.get_ydata()[0]) == pytest.approx(exact_gold, abs=1e-9)


def test_the_curves_reach_the_small_beta_limit(lesson: Lesson, fig: Any) -> None:
    """As β → 0⁺ all mass goes to the proxy's top response: KL → −log π_SFT(top), rewards → its rewards."""
    import sympy as sp

    model = lesson.figures.reward_hacking
    top = model.proxy.index(max(model.proxy))
    assert limit_kl(model) == pytest.approx(float(-sp.log(sp.Rational(str(model.pi_sft[top])))), abs=1e-12)
    kl, proxy = curve(fig, "reward-hacking-proxy")
    _, gold = curve(fig, "reward-hacking-gold")
    assert kl[-1] == pytest.approx(limit_kl(model), abs=1e-6)
    assert proxy[-1] == pytest.approx(float(model.proxy[top]), abs=1e-6)
    assert gold[-1] == pytest.approx(float(model.gold[top]), abs=1e-6)
    assert f"β → 0⁺: {format_number(model.gold[top])}" in texts(fig)
    assert fig.axes[0].get_xlim()[1] >= limit_kl(model)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("gold: [1.0, 0.3, -1.0, -0.5]", "gold: [1.0, 0.3, -1.0, 2.0]", "expected less than E_SFT[gold]"),
    ("gold: [1.0, 0.3, -1.0, -0.5]", "gold: [-1.0, -0.3, 1.0, -0.5]", "expected a positive covariance"),
    ("proxy: [1.0, 0.2, -1.0, 1.5]", "proxy: [1.5, 0.2, -1.0, 1.5]", "two responses share the top proxy reward"),
    ("proxy: [1.0, 0.2, -1.0, 1.5]", "proxy: [1.0, 0.2, 1.5]", "proxy has 3 values, expected 4"),
])
def test_a_model_that_cannot_show_hacking_is_refused_with_a_located_line(old: str, new: str, message: str) -> None:
    text = SOURCE.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(UserError) as caught:
        parse(text.replace(old, new, 1).encode("utf-8"), "l13.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "figures.reward_hacking" and message in str(problem)
    value_line = text[: text.index("  reward_hacking:\n")].count("\n") + 2  # the mapping's value starts below
    assert str(problem).startswith(f"l13.yaml:{value_line}:")
