"""The source's rules that reject degenerate drills, as one function both the generator and the check use.

A drill is degenerate when a learner can answer it without the method it practises: the answer is one of
the numbers the question states (π_SFT(y) itself for a reward of 0), the rewards are all equal (π* is then
π_SFT whatever β), the answer does not change when β is halved or doubled (so the question never exercised
β), or the two directions of a KL round to the same number (so the drill cannot show they differ). The
generator draws again when a rule fires; the check applies the same rules to every finished drill with
exactly decided values, so a degenerate drill cannot reach the deck.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

RULES = ("answer-is-an-input", "constant-reward", "answer-ignores-beta", "kl-directions-agree")
NOT_STATED = frozenset({"response", "quantity", "limit", "z"})  # labels, or a constant the card names
BETA_FACTORS = (Decimal(2), Decimal("0.5"))


def _stated_numbers(inputs: dict[str, Any]) -> list[Decimal]:
    numbers: list[Decimal] = []
    for name, value in inputs.items():
        if name in NOT_STATED:
            continue
        for item in value if isinstance(value, list) else [value]:
            try:
                numbers.append(Decimal(str(item)))
            except InvalidOperation:
                continue
    return numbers


def other_betas(inputs: dict[str, Any]) -> list[str]:
    """β halved and doubled, as the decimal strings a drill's inputs hold."""
    beta = Decimal(inputs["beta"])
    return [format((beta * f).normalize(), "f") for f in BETA_FACTORS]


def broken_rules(rules: tuple[str, ...], inputs: dict[str, Any], answer: str, values: dict[str, Any],
                 decimals: int, answer_at_beta: Callable[[str], str]) -> list[str]:
    """The rules this drill breaks, each with the reason. ``answer_at_beta(b)`` is the drill's answer with
    β = b, rounded like the answer; ``values`` are its worked values as the card shows them (rounded)."""
    broken = []
    if "answer-is-an-input" in rules and answer not in ("yes", "no") and Decimal(answer) in _stated_numbers(inputs):
        broken.append(f"answer-is-an-input: the answer {answer} is a number the question states")
    reward = inputs.get("reward")
    if "constant-reward" in rules and reward is not None and len({Decimal(r) for r in reward}) == 1:
        broken.append(f"constant-reward: every reward is {reward[0]}, so π* is π_SFT at every β")
    if "answer-ignores-beta" in rules and "beta" in inputs:
        same = [b for b in other_betas(inputs) if answer_at_beta(b) == answer]
        if same:
            broken.append(f"answer-ignores-beta: with β = {same[0]} the answer is {answer} too")
    if "kl-directions-agree" in rules and "kl_other_direction" in values and \
            abs(Decimal(values["kl_other_direction"]) - Decimal(values["kl"])) < Decimal(1).scaleb(-decimals):
        broken.append(f"kl-directions-agree: the two directions of the KL, {values['kl']} and "
                      f"{values['kl_other_direction']}, agree at {decimals} decimals, so the drill cannot show they "
                      "differ")
    return broken
