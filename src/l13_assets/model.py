"""The lesson as typed, immutable data: the schema of ``source/l13.yaml``.

Models are frozen and strict and reject unknown keys, so a typo in the source is an error, never a silently
ignored field. Numbers written in the source are ``Decimal`` and keep the precision they were written at.
Checks that need only one value live here (ranges, sums); checks that relate entries to each other live in
``loader`` (ids) and ``verify`` (facts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def _nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError("text is empty, expected some words")
    return text


def _number_from_int(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[−–]\s*\d[\d.]*\s*", value):
        raise ValueError(f"'{value}' is text, expected a number: write its minus sign as '-' (YAML's)")
    return value


def _probability(value: Decimal) -> Decimal:
    if not 0 <= value <= 1:
        raise ValueError(f"{value} is outside [0, 1], expected a probability")
    return value


def _distribution(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    total = sum(values, Decimal(0))
    if total != 1:
        raise ValueError(f"probabilities sum to {total}, expected 1")
    return values


def _above_zero(name: str) -> Callable[[Decimal], Decimal]:
    def check(value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"{name} = {value}, expected a number greater than 0")
        return value

    return check


_positive = _above_zero("β")


def _inside_unit_interval(value: Decimal) -> Decimal:
    if not 0 < value < 1:
        raise ValueError(f"{value}, expected a confidence level strictly between 0 and 1")
    return value


def _every_response_possible(values: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    if any(v == 0 for v in values):
        raise ValueError("π_SFT gives a response probability 0, expected every probability above 0 "
                         "(a response π_SFT never produces cannot appear in π* either: leave it out)")
    return values


def _bounded(limit: int) -> Callable[[Decimal], Decimal]:
    def check(value: Decimal) -> Decimal:
        if abs(value) > limit:
            raise ValueError(f"{value} is outside [−{limit}, {limit}], expected a value in that range "
                             "(drills stay readable and their weights finite)")
        return value

    return check


def _at_least(bound: str) -> Callable[[Decimal], Decimal]:
    def check(value: Decimal) -> Decimal:
        if value < Decimal(bound):
            raise ValueError(f"β = {value}, expected at least {bound} in a drill")
        return value

    return check


class LatexMark:
    """Marks a field as LaTeX (typeset math), so prose rules such as the minus sign do not apply to it."""


LATEX = LatexMark()
Text = Annotated[str, AfterValidator(_nonempty)]
Latex = Annotated[str, AfterValidator(_nonempty), LATEX]
Id = Annotated[str, Field(pattern=ID_PATTERN)]
Number = Annotated[Decimal, BeforeValidator(_number_from_int)]
Probability = Annotated[Number, AfterValidator(_probability)]
Distribution = Annotated[tuple[Probability, ...], Field(min_length=2), AfterValidator(_distribution),
                         AfterValidator(_every_response_possible)]
Vector = Annotated[tuple[Number, ...], Field(min_length=2)]
Beta = Annotated[Number, AfterValidator(_positive)]
Refs = tuple[Id, ...]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Meta(Strict):
    lesson: int
    title: Text
    course: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    changes: tuple[Text, ...] = Field(min_length=1)


class Style(Strict):
    acronyms: tuple[Text, ...]


class Reference(Strict):
    id: Id
    authors: Text
    year: int
    title: Text
    venue: Text


class Stage(Strict):
    id: Id
    name: Text
    data: Text
    trains: Text
    loss: Text
    formula: Latex
    sources: Refs


class ObjectiveTerm(Strict):
    id: Id
    name: Text
    meaning: Text


class Objective(Strict):
    id: Id
    formula: Latex
    text: Text
    terms: tuple[ObjectiveTerm, ...]
    sources: Refs


class BradleyTerry(Strict):
    id: Id
    formula: Latex
    loss: Latex
    text: Text
    gap_one_nat: Probability
    sources: Refs


class OptimalPolicyFacts(Strict):
    id: Id
    formula: Latex
    partition: Latex
    max_value: Latex
    derivation: tuple[Text, ...] = Field(min_length=1)
    limit_small_beta: Text
    limit_large_beta: Text
    sources: Refs


class Example(Strict):
    """One prompt's optimal-policy problem, with every number the lesson states about it."""

    id: Id
    name: Text
    pi_sft: Distribution
    reward: Vector
    beta: Beta
    weights: Vector
    z: Number
    pi_star: Vector
    kl: Number
    expected_reward: Number
    sft_expected_reward: Number
    max_value: Number
    reverse_kl: Number
    limit_small_beta: Vector
    limit_small_beta_kl: Number
    limit_large_beta: Vector

    @model_validator(mode="after")
    def _same_length(self) -> Example:
        n = len(self.pi_sft)
        for name in ("reward", "weights", "pi_star", "limit_small_beta", "limit_large_beta"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} values, expected {n} like pi_sft")
        return self


class BetaRow(Strict):
    id: Id
    range: Text
    at: Beta
    behaviour: Text
    risk: Text
    use_when: Text
    pi_star: Vector
    kl: Number
    expected_reward: Number


class BetaTable(Strict):
    example: Id
    note: Text
    rows: tuple[BetaRow, ...] = Field(min_length=1)


class Variant(Strict):
    id: Id
    name: Text
    changes: Text
    data: Text
    loss: Text
    formula: Latex
    sources: Refs


Symptom = Literal["over-refusal", "length-hacking", "sycophancy", "reward-gaming", "over-optimisation", "none"]


class Instrument(Strict):
    id: Id
    name: Text
    measures: Text
    criterion: Text
    evidence: Text
    settles: Text
    informs: Text
    catches: tuple[Symptom, ...]
    sources: Refs


Quantity = Literal["win_rate_low", "kl_nats", "rm_accuracy"]


class Rule(Strict):
    id: Id
    instrument: Id
    quantity: Quantity
    op: Literal[">", ">=", "<", "<="]
    value: Number
    required: bool
    text: Text


class RunHealth(Strict):
    question: Text
    confidence_level: Annotated[Probability, AfterValidator(_inside_unit_interval)]
    confidence_z: Number
    rules: tuple[Rule, ...] = Field(min_length=1)
    open_question: Text


class WinRateInterval(Strict):
    id: Id
    win_rate: Probability
    n: Annotated[int, Field(gt=0)]
    interval: Vector


class BestOfN(Strict):
    id: Id
    n: Annotated[int, Field(gt=0)]
    kl: Number
    text: Text


class Measured(Strict):
    kl_nats: Number | None = None
    win_rate: Probability | None = None
    n: Annotated[int, Field(gt=0)] | None = None
    rm_accuracy: Probability | None = None


class Finding(Strict):
    id: Id
    label: Annotated[str, Field(pattern=r"^[a-z]$")]
    finding: Text
    symptom: Symptom
    instruments: Refs = Field(min_length=1)
    measured: Measured | None = None
    verdict: Literal["working", "fix"]
    action: Text


class Pitfall(Strict):
    id: Id
    mistake: Text
    instead: Text


FormulaRef = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z_]+$")]  # entry-id.field


class Flashcard(Strict):
    id: Id
    front: Text
    back: Text
    figure: Id | None = None
    formulas: tuple[FormulaRef, ...] = ()  # LaTeX fields shown in display math under the answer, in order
    sources: Refs = Field(min_length=1)


class Grid(Strict):
    """Evenly spaced values low, low + step, ..., high."""

    low: Number
    high: Number
    step: Annotated[Number, AfterValidator(_above_zero("step"))]

    @model_validator(mode="after")
    def _ordered(self) -> Grid:
        if self.high < self.low:
            raise ValueError(f"high {self.high} is below low {self.low}, expected low <= high")
        return self


DrillReward = Annotated[Number, AfterValidator(_bounded(10))]
DrillBeta = Annotated[Beta, AfterValidator(_at_least("0.05"))]
Choices = Annotated[tuple[DrillReward, ...], Field(min_length=1)]
DrillBetas = Annotated[tuple[DrillBeta, ...], Field(min_length=1)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Decimals = Annotated[int, Field(ge=0, le=10)]


class PolicyDrills(Strict):
    count: Count
    decimals: Decimals
    pi_sft: Grid
    reward: Choices
    beta: DrillBetas


class LimitDrills(Strict):
    count: Count
    decimals: Decimals
    pi_sft: Grid
    reward: Choices


class PairDrills(Strict):
    count: Count
    decimals: Decimals
    reward: Annotated[tuple[DrillReward, ...], Field(min_length=2)]


class DpoDrills(Strict):
    count: Count
    decimals: Decimals
    probability: Grid
    beta: DrillBetas


class IntervalDrills(Strict):
    count: Count
    decimals: Decimals
    win_rate: Grid
    n: Annotated[tuple[Annotated[int, Field(gt=0)], ...], Field(min_length=1)]


class DrillSpec(Strict):
    seed: int
    optimal_policy_two: PolicyDrills
    optimal_policy_three: PolicyDrills
    beta_limits: LimitDrills
    kl: PolicyDrills
    bradley_terry: PairDrills
    dpo_reward: DpoDrills
    win_rate_interval: IntervalDrills


# The drawings the figures builder knows; the source gives each one's title and alt text. The first two
# draw one panel per example (a card shows each panel as its own image, so ``panels`` gives each one's alt).
FigureId = Literal["fig-policy-vs-beta", "fig-tradeoff", "fig-reward-hacking"]
FIGURE_IDS: tuple[str, ...] = get_args(FigureId)
PER_EXAMPLE_FIGURES: tuple[str, ...] = ("fig-policy-vs-beta", "fig-tradeoff")


class FigurePanel(Strict):
    alt: Text  # what this one panel shows, for a card's image of it


class Figure(Strict):
    id: FigureId
    title: Text
    alt: Text
    panels: tuple[FigurePanel, ...] = ()  # one per example, in order, for a per-example figure


class RewardHacking(Strict):
    """A stated toy model for the reward-hacking figure: the KL-regularised optimum π* ∝ π_SFT·exp(proxy/β)
    of one prompt whose reward model (the proxy) overrates one response that the true (gold) reward rates
    low. Sweeping β traces proxy and gold reward against KL(π*‖π_SFT)."""

    pi_sft: Distribution
    proxy: Vector
    gold: Vector

    @model_validator(mode="after")
    def _a_hackable_model(self) -> RewardHacking:
        n = len(self.pi_sft)
        for name in ("proxy", "gold"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} values, expected {n} like pi_sft")
        # What the figure claims holds for every model that passes: as β falls, KL and E[proxy] rise (their
        # β-derivatives are −Var/β³ and −Var/β²); E[gold] rises at first when proxy and gold covary under
        # π_SFT, and ends, as β → 0⁺, at the gold reward of the proxy's top response: below its start, so
        # it peaks in between.
        top = max(self.proxy)
        if self.proxy.count(top) != 1:
            raise ValueError("two responses share the top proxy reward, expected one (the one the RM overrates)")
        mean_proxy = sum((p * r for p, r in zip(self.pi_sft, self.proxy, strict=True)), Decimal(0))
        mean_gold = sum((p * g for p, g in zip(self.pi_sft, self.gold, strict=True)), Decimal(0))
        covariance = sum((p * (r - mean_proxy) * (g - mean_gold)
                          for p, r, g in zip(self.pi_sft, self.proxy, self.gold, strict=True)), Decimal(0))
        if covariance <= 0:
            raise ValueError(f"proxy and gold covary by {covariance.normalize()} under π_SFT, expected a positive "
                             "covariance (a proxy that is right near π_SFT)")
        if self.gold[self.proxy.index(top)] >= mean_gold:
            raise ValueError(f"the proxy's top response has gold reward {self.gold[self.proxy.index(top)]}, expected "
                             f"less than E_SFT[gold] = {mean_gold.normalize()} (a response the proxy overrates)")
        return self


class Figures(Strict):
    beta_range: Annotated[tuple[Beta, Beta], AfterValidator(lambda r: r if r[0] < r[1] else _bad_range(r))]
    reward_hacking: RewardHacking
    items: tuple[Figure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_drawing_once(self) -> Figures:
        ids = [item.id for item in self.items]
        if sorted(ids) != sorted(FIGURE_IDS):
            raise ValueError(f"items are {', '.join(ids)}, expected each of {', '.join(FIGURE_IDS)} once")
        return self


def _bad_range(r: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    raise ValueError(f"range [{r[0]}, {r[1]}] is empty, expected low < high")


class Lesson(Strict):
    meta: Meta
    style: Style
    references: tuple[Reference, ...] = Field(min_length=1)
    pipeline: tuple[Stage, ...] = Field(min_length=3, max_length=3)
    objective: Objective
    bradley_terry: BradleyTerry
    optimal_policy: OptimalPolicyFacts
    examples: tuple[Example, ...] = Field(min_length=1)
    beta_table: BetaTable
    variants: tuple[Variant, ...] = Field(min_length=1)
    instruments: tuple[Instrument, ...] = Field(min_length=1)
    run_health: RunHealth
    win_rate_intervals: tuple[WinRateInterval, ...]
    best_of_n: BestOfN
    findings: tuple[Finding, ...] = Field(min_length=1)
    pitfalls: tuple[Pitfall, ...] = Field(min_length=1)
    flashcards: tuple[Flashcard, ...] = Field(min_length=1)
    drills: DrillSpec
    figures: Figures


def walk(node: BaseModel, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], BaseModel]]:
    """Every model inside ``node`` (itself included), with its path from the root, in source order."""
    yield path, node
    for name in type(node).model_fields:
        value = getattr(node, name)
        if isinstance(value, BaseModel):
            yield from walk(value, (*path, name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from walk(item, (*path, name, i))
