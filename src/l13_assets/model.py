"""The lesson as typed, immutable data: the schema of ``source/l13.yaml``.

Models are frozen and strict and reject unknown keys, so a typo in the source is an error, never a silently
ignored field. Numbers written in the source are ``Decimal`` and keep the precision they were written at.
Checks that need only one value live here (ranges, sums); checks that relate entries to each other live in
``loader`` (ids) and ``verify`` (facts).

Every field has a ``description`` (it documents the YAML: ``l13-assets schema`` prints them as the editor's
JSON Schema, and a test fails on a field without one) and every count and size has an upper bound, so a
typo such as a drill count of 100000 is a located error at once, not a build that runs for minutes. The
bounds sit far above anything a lesson needs. This module is longer than 400 lines on purpose: the schema
reads as one document, each field beside its description and bound, in the order of the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from .builders.options import MAX_VARIANTS  # one bound for the source's default and for build --variants

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# Upper bounds on sizes (see the module docstring): far above a real lesson, low enough for a fast build.
MAX_TEXT = 2_000  # characters of prose; the longest card back is about 400
MAX_LATEX = 1_000  # characters of one formula
MAX_ID = 80  # characters of an id
MAX_DIGITS = 30  # significant digits of a stated number
MAX_MAGNITUDE = 1_000_000  # of a stated number: exp(R/β) of a larger reward has no use in a lesson
MAX_ENTRIES = 200  # entries of one section (references, cards, findings, ...)
MAX_ITEMS = 50  # items of a short list inside an entry (sources, derivation steps, β choices, ...)
MAX_RESPONSES = 10  # responses of one prompt (the length of π_SFT and of every vector beside it)
MAX_DRILLS = 250  # drills of one kind (7 kinds: about 6 s of generating and verifying at most)
MAX_GRID = 1_000  # values of one drill grid
MAX_COMPARISONS = 10_000_000  # n, the comparisons behind a win rate, or best-of-n's n


def _nonempty(text: str) -> str:
    if not text.strip():
        raise ValueError("text is empty, expected some words")
    return text


def _number_from_int(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[−–]\s*\d[\d.]*\s*", value):
        raise ValueError(f"'{value}' is text, expected a number: write its minus sign as '-' (YAML's)")
    if isinstance(value, Decimal):
        digits = len(value.as_tuple().digits)
        if digits > MAX_DIGITS:
            raise ValueError(f"the number has {digits} digits, expected at most {MAX_DIGITS}")
        if abs(value) > MAX_MAGNITUDE:
            raise ValueError(f"{value} is outside [−{MAX_MAGNITUDE:,}, {MAX_MAGNITUDE:,}], expected a number "
                             "in that range")
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


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"{value} is below 0, expected a band that starts at 0 or above")
    return value


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
Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_nonempty)]
Latex = Annotated[str, Field(max_length=MAX_LATEX), AfterValidator(_nonempty), LATEX]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID)]
# A YAML number; the JSON Schema says "number" (pydantic would also allow a string for a Decimal).
Number = Annotated[Decimal, BeforeValidator(_number_from_int),
                   WithJsonSchema({"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE})]
Probability = Annotated[Number, AfterValidator(_probability), WithJsonSchema({"type": "number", "minimum": 0,
                                                                              "maximum": 1})]
Distribution = Annotated[tuple[Probability, ...], Field(min_length=2, max_length=MAX_RESPONSES),
                         AfterValidator(_distribution), AfterValidator(_every_response_possible)]
Vector = Annotated[tuple[Number, ...], Field(min_length=2, max_length=MAX_RESPONSES)]
Beta = Annotated[Number, AfterValidator(_positive), WithJsonSchema({"type": "number", "exclusiveMinimum": 0,
                                                                    "maximum": MAX_MAGNITUDE})]
Refs = Annotated[tuple[Id, ...], Field(max_length=MAX_ITEMS)]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


# Descriptions shared by many fields.
_ID = ("Stable id: lowercase words joined by hyphens. Edit the text, never the id: the deck derives each "
       "note's identity from it.")
_SOURCES = "Ids of the `references` this entry rests on."
_FORMULA = "LaTeX, typeset by MathJax on the cards and by ziamath on the cheatsheet."


def _entries(what: str, *, at_least: int = 1) -> Any:
    """A section's list of entries: at least ``at_least``, at most MAX_ENTRIES."""
    return Field(min_length=at_least, max_length=MAX_ENTRIES, description=what)


class Meta(Strict):
    """The lesson's identity and its release history."""

    lesson: int = Field(ge=1, le=1_000, description="The lesson's number in its course.")
    title: Text = Field(description="The lesson's title, printed on the cheatsheet and the deck.")
    course: Text = Field(description="The course's name, printed beside the title.")
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$", max_length=40)] = Field(
        description="The lesson's release, major.minor.patch (for example 1.0.1).")
    changes: tuple[Text, ...] = Field(min_length=1, max_length=MAX_ENTRIES,
                                      description="One line per release, oldest first, saying what changed.")


class Style(Strict):
    """The house style's settings."""

    acronyms: tuple[Text, ...] = Field(max_length=MAX_ENTRIES, description=(
        "Words allowed in capitals. Any other word in capitals is reported: no capitals for emphasis."))


class Reference(Strict):
    """A cited work; entries name it in their `sources`."""

    id: Id = Field(description=_ID)
    authors: Text = Field(description="The authors as printed, for example 'R. A. Bradley, M. E. Terry'.")
    year: int = Field(ge=1000, le=9999, description="The year of publication.")
    title: Text = Field(description="The work's title.")
    venue: Text = Field(description="Where it appeared (a journal, a conference, or an arXiv number).")


class Stage(Strict):
    """One stage of the RLHF pipeline (SFT, reward model, RL)."""

    id: Id = Field(description=_ID)
    name: Text = Field(description="The stage's short name.")
    data: Text = Field(description="The data the stage trains on.")
    trains: Text = Field(description="What the stage trains and what it starts from.")
    loss: Text = Field(description="The stage's loss, in words.")
    formula: Latex = Field(description="The stage's loss. " + _FORMULA)
    sources: Refs = Field(description=_SOURCES)


class ObjectiveTerm(Strict):
    """One term of the RLHF objective."""

    id: Id = Field(description=_ID)
    name: Text = Field(description="The term as written in the formula.")
    meaning: Text = Field(description="What the term means, in words.")


class Objective(Strict):
    """The KL-regularised objective that RLHF maximises."""

    id: Id = Field(description=_ID)
    formula: Latex = Field(description="The objective. " + _FORMULA)
    text: Text = Field(description="The objective explained in prose.")
    terms: tuple[ObjectiveTerm, ...] = Field(max_length=MAX_ITEMS, description="The formula's terms, one by one.")
    sources: Refs = Field(description=_SOURCES)


class BradleyTerry(Strict):
    """The Bradley-Terry preference model the reward model is trained with."""

    id: Id = Field(description=_ID)
    formula: Latex = Field(description="The preference probability. " + _FORMULA)
    loss: Latex = Field(description="The reward model's loss. " + _FORMULA)
    text: Text = Field(description="The model explained in prose.")
    gap_one_nat: Probability = Field(description=(
        "The preference probability for a reward gap of 1, stated at the precision you claim (checked)."))
    sources: Refs = Field(description=_SOURCES)


class OptimalPolicyFacts(Strict):
    """The closed-form optimum of the objective and its limits in β."""

    id: Id = Field(description=_ID)
    formula: Latex = Field(description="π* in closed form. " + _FORMULA)
    partition: Latex = Field(description="The partition function Z. " + _FORMULA)
    max_value: Latex = Field(description="The objective's maximum value. " + _FORMULA)
    derivation: tuple[Text, ...] = Field(min_length=1, max_length=MAX_ITEMS, description=(
        "The derivation's steps in order, one sentence each."))
    limit_small_beta: Text = Field(description="What π* becomes as β goes to 0, in words (checked symbolically).")
    limit_large_beta: Text = Field(description="What π* becomes as β grows, in words (checked symbolically).")
    sources: Refs = Field(description=_SOURCES)


class Example(Strict):
    """One prompt's optimal-policy problem, with every number the lesson states about it."""

    id: Id = Field(description=_ID)
    name: Text = Field(description="The example's name, as the assets print it.")
    pi_sft: Distribution = Field(description="π_SFT over the responses: probabilities above 0 that sum to 1.")
    reward: Vector = Field(description="The reward of each response, in the order of pi_sft.")
    beta: Beta = Field(description="β, the KL penalty's weight (above 0, inside figures.beta_range).")
    weights: Vector = Field(description="π_SFT(y)·exp(R(y)/β) per response, stated at the precision you claim.")
    z: Number = Field(description="The partition function Z, the weights' sum (checked at its stated precision).")
    pi_star: Vector = Field(description="π* per response, the weights divided by Z (checked).")
    kl: Number = Field(description="KL(π*‖π_SFT) in nats (checked).")
    expected_reward: Number = Field(description="E[R] under π* (checked).")
    sft_expected_reward: Number = Field(description="E[R] under π_SFT (checked).")
    max_value: Number = Field(description="The objective's maximum, β·log Z (checked two ways).")
    kl_other_direction: Number = Field(description=(
        "KL(π_SFT‖π*) in nats, the direction the objective does not penalise: a common slip (checked)."))
    limit_small_beta: Vector = Field(description="π* as β goes to 0, per response (checked symbolically).")
    limit_small_beta_kl: Number = Field(description="KL(π*‖π_SFT) as β goes to 0 (checked symbolically).")
    limit_large_beta: Vector = Field(description="π* as β grows without bound, per response (checked).")

    @model_validator(mode="after")
    def _same_length(self) -> Example:
        n = len(self.pi_sft)
        for name in ("reward", "weights", "pi_star", "limit_small_beta", "limit_large_beta"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} values, expected {n} like pi_sft")
        return self


class BetaRow(Strict):
    """One band of β in units of the example's reward gap ΔR: at_least <= β/ΔR < below (no upper end when
    ``below`` is left out), with the worked example solved at one β inside it."""

    id: Id = Field(description=_ID)
    at_least: Annotated[Number, AfterValidator(_not_negative)] = Field(description=(
        "The band's lower end, in units of the example's reward gap ΔR (β/ΔR at least this)."))
    below: Number | None = Field(default=None, description=(
        "The band's upper end in units of ΔR (β/ΔR below this); left out for the last band."))
    at: Beta = Field(description="The β the row's example numbers are computed at (inside the band).")
    behaviour: Text = Field(description="How the policy behaves in this band.")
    risk: Text = Field(description="What can go wrong in this band.")
    pi_star: Vector = Field(description="π* of the table's example at β = at (checked).")
    kl: Number = Field(description="KL(π*‖π_SFT) at β = at, in nats (checked).")
    expected_reward: Number = Field(description="E[R] under π* at β = at (checked).")


class BetaTable(Strict):
    """The cheatsheet's table of β bands, relative to the reward scale."""

    id: Id = Field(description=_ID)
    example: Id = Field(description="The id of the example whose π_SFT and rewards the rows use.")
    odds_first: Number = Field(description=(
        "ΔR/β at the first band's upper end (1 / its below): π* multiplies the better response's odds by more "
        "than e to this power in that band (checked)."))
    odds_last: Number = Field(description=(
        "ΔR/β at the last band's lower end (1 / its at_least): π* multiplies the better response's odds by at "
        "most e to this power in that band (checked)."))
    note: Text = Field(description="The caveat printed with the table: β is in units of reward.")
    practice: Text = Field(description="What published runs use, with their sources below.")
    rows: tuple[BetaRow, ...] = Field(min_length=1, max_length=MAX_ITEMS, description="The bands, smallest β first.")
    sources: Refs = Field(default=(), description=_SOURCES)


class Variant(Strict):
    """A variant of RLHF (Constitutional AI, DPO, GRPO, IPO, KTO, ...)."""

    id: Id = Field(description=_ID)
    name: Text = Field(description="The variant's name.")
    changes: Text = Field(description="What it changes against InstructGPT's pipeline.")
    data: Text = Field(description="The data it trains on.")
    loss: Text = Field(description="Its loss, in words.")
    formula: Latex = Field(description="Its loss. " + _FORMULA)
    sources: Refs = Field(description=_SOURCES)


Symptom = Literal["over-refusal", "length-hacking", "sycophancy", "reward-gaming", "over-optimisation",
                  "weak-reward-model", "none"]


class Instrument(Strict):
    """An instrument: a run instrument settles whether a run works; a detector shows one failure."""

    id: Id = Field(description=_ID)
    name: Text = Field(description="The instrument's name.")
    measures: Text = Field(description="What it measures.")
    criterion: Text = Field(description="When its reading is good.")
    evidence: Text = Field(description="What kind of evidence it gives.")
    tells: Text = Field(description="What it settles (a run instrument) or detects (a detector), in those words.")
    informs: Text = Field(description="What it informs without settling.")
    catches: tuple[Symptom, ...] = Field(max_length=MAX_ITEMS, description="The symptoms it catches.")
    rules_out: tuple[Symptom, ...] = Field(default=(), max_length=MAX_ITEMS, description=(
        "The symptoms it is read with: it does not show them, it rules out another cause (lost skill, ignorance)."))
    sources: Refs = Field(description=_SOURCES)


# win_rate and rm_accuracy are judged on their 95% interval (with n and rm_n), and so are the two changes of a
# win rate between checkpoints (each checkpoint judged on n comparisons); kl_nats and rm_gap_to_agreement are
# single values.
Quantity = Literal["win_rate", "kl_nats", "win_rate_change", "lc_win_rate_change", "rm_accuracy",
                   "rm_gap_to_agreement"]


class Rule(Strict):
    """A criterion of a healthy run, applied to a finding's measured values to derive its verdict."""

    id: Id = Field(description=_ID)
    instrument: Id = Field(description="The id of the instrument the rule reads.")
    quantity: Quantity = Field(description=(
        "The measured quantity compared: the win-rate interval's low end, KL in nats, or RM accuracy."))
    op: Literal[">", ">=", "<", "<="] = Field(description="How the quantity is compared with value.")
    value: Number = Field(description="The threshold.")
    required: bool = Field(description="true: a run that fails the rule needs a fix; false: the rule informs.")
    inside_interval: Literal["unsettled", "fails"] = Field(default="unsettled", description=(
        "How an interval that holds the threshold is read: unsettled (measure more), or fails where the rule "
        "asks for something to be shown (a gain that survives equal length)."))
    text: Text = Field(description="The rule in words.")


class RunHealth(Strict):
    """How to decide whether a run is working: the rules and the confidence they use."""

    question: Text = Field(description="The question the rules answer.")
    confidence_level: Annotated[Probability, AfterValidator(_inside_unit_interval)] = Field(description=(
        "The two-sided confidence level of the intervals, strictly between 0 and 1 (0.95)."))
    confidence_z: Number = Field(description="The normal quantile for that level, 1.96 for 0.95 (checked).")
    rules: tuple[Rule, ...] = Field(min_length=1, max_length=MAX_ITEMS, description="The criteria.")
    detectors: Text = Field(description="The heading of the instruments no rule names: each detects one failure.")
    open_question: Text = Field(description="What the rules cannot settle.")
    sources: Refs = Field(default=(), description=_SOURCES)


Comparisons = Annotated[int, Field(gt=0, le=MAX_COMPARISONS)]


class WinRateInterval(Strict):
    """A win rate with its confidence interval (checked)."""

    id: Id = Field(description=_ID)
    win_rate: Probability = Field(description="The measured win rate.")
    n: Comparisons = Field(description="The number of comparisons behind it.")
    interval: Vector = Field(description="The interval's low and high ends at run_health's level (checked).")


class WinRateChange(Strict):
    """The widest 95% half-width of a change between two win rates, each over n comparisons (checked)."""

    id: Id = Field(description=_ID)
    n: Comparisons = Field(description="The comparisons behind each of the two win rates.")
    half_width: Number = Field(description=(
        "z·√(1/(2n)): the half-width when both rates are near 0.5, the widest it can be (checked)."))


class PublishedAccuracy(Strict):
    """A published reward model's held-out accuracy beside its labelers' agreement, in percent."""

    id: Id = Field(description=_ID)
    accuracy: Number = Field(description="The RM's accuracy, in percent.")
    agreement: Number = Field(description="The labelers' agreement with each other, in percent.")
    gap: Number = Field(description="agreement − accuracy, in points (checked).")


class BestOfN(Strict):
    """Best-of-n sampling's KL from the base, as a yardstick for a run's KL."""

    id: Id = Field(description=_ID)
    n: Comparisons = Field(description="n, the samples best-of-n chooses from.")
    kl: Number = Field(description=(
        "log n − (n − 1)/n nats: an upper bound on best-of-n's KL from the base, close only when no single "
        "response is likely (checked)."))
    text: Text = Field(description="What the number means, in words.")


class Measured(Strict):
    """What a finding reports. Changes are over the last stretch of training, later minus earlier."""

    kl_nats: Number | None = Field(default=None, description="KL from the base in nats.")
    win_rate: Probability | None = Field(default=None, description="The win rate against the base.")
    n: Comparisons | None = Field(default=None, description="The comparisons behind the win rate.")
    win_rate_change: Number | None = Field(default=None, description="The held-out win rate's recent change.")
    lc_win_rate_change: Number | None = Field(default=None, description=(
        "The length-controlled win rate's recent change."))
    rm_accuracy: Probability | None = Field(default=None, description="The reward model's held-out accuracy.")
    rm_n: Comparisons | None = Field(default=None, description="The held-out comparisons behind rm_accuracy.")
    labeler_agreement: Probability | None = Field(default=None, description=(
        "How often labelers agree with each other on the same comparisons."))


class NoteEntry(Strict):
    """An entry that becomes one deck note (its id gives the note's GUID). ``renamed_from`` declares the id
    it had before, so the learner's note keeps its GUID and reviews (checked against the note history)."""

    id: Id = Field(description=_ID)
    renamed_from: Id | None = Field(default=None, description=(
        "The id this entry had in an earlier release: the learner's note keeps its GUID and reviews."))


class Retired(Strict):
    """Deck notes removed on purpose (by id), so the README and the deck description can tell learners."""

    ids: tuple[Id, ...] = Field(min_length=1, max_length=MAX_ITEMS, description="The ids of the removed notes.")
    reason: Text = Field(description="Why they were removed, in words a learner reads.")
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$", max_length=20)] = Field(
        description="The lesson version that removed them.")


Verdict = Literal["working", "fix", "unsettled"]


class Finding(NoteEntry):
    """An observation from an RLHF run, with the verdict the rules derive (checked)."""

    id: Id = Field(description=_ID)
    label: Annotated[str, Field(pattern=r"^[a-z]$", max_length=1)] | None = Field(default=None, description=(
        "One letter (a to e) for the brief's five findings, used by the worksheet; no card prints it."))
    finding: Text = Field(description="What was observed.")
    symptom: Symptom = Field(description="The symptom it shows, or none.")
    instruments: Refs = Field(min_length=1, description="Ids of the instruments that show it.")
    why: tuple[Text, ...] = Field(max_length=MAX_ITEMS, description=(
        "For each instrument, in order: why it shows this finding, in a few words."))
    measured: Measured | None = Field(default=None, description="Measured values the rules judge.")
    verdict: Verdict = Field(description="working, fix or unsettled; derived from the rules (checked).")
    action: Text = Field(description="What to do about it.")

    @model_validator(mode="after")
    def _one_reason_per_instrument(self) -> Finding:
        if len(self.why) != len(self.instruments):
            raise ValueError(f"why has {len(self.why)} reasons, expected {len(self.instruments)}: one for each "
                             "instrument, in the same order")
        return self


class Pitfall(Strict):
    """A common mistake and what to do instead."""

    id: Id = Field(description=_ID)
    mistake: Text = Field(description="The mistake.")
    instead: Text = Field(description="What to do instead.")
    sources: Refs = Field(default=(), description=_SOURCES)


FormulaRef = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z_]+$", max_length=MAX_ID + 40)]


# A concept note gives up to this many atomic cards; each one is a card template of the note type, so raising
# it changes the note type (a new note type id). Ten leaves room to add cards to a note without that.
MAX_CARDS_PER_NOTE = 10
MAX_ANSWER_WORDS = 20  # one fact per card: an answer longer than this is two cards (checked in verify.cards)


class AtomicCard(Strict):
    """One question and its short answer: one card of a concept note."""

    # The card's place in its note (its card template). Anki keeps a card's reviews by note and place, so a
    # slot is never renumbered or reused for another question; a new question takes a free slot.
    slot: Annotated[int, Field(ge=1, le=MAX_CARDS_PER_NOTE)] = Field(description=(
        "The card's place in its note (1 to 10): its identity, never renumbered or reused."))
    front: Text = Field(description="The question: one fact.")
    back: Text = Field(description="The answer, at most about 20 words; [[entry-id.field]] inserts a checked number.")
    formulas: tuple[FormulaRef, ...] = Field(default=(), max_length=MAX_ITEMS, description=(
        "LaTeX fields shown in display math under the answer, in order, each as entry-id.field."))
    with_figure: bool = Field(default=False, description="Show the note's figure under this card's answer.")
    sources: Refs = Field(min_length=1, description=_SOURCES)


class Flashcard(NoteEntry):
    """A concept note: one topic, several atomic cards (the brief's five keep their ids)."""

    id: Id = Field(description=_ID)
    topic: Text = Field(description="The note's topic, shown above each of its cards.")
    figure: Id | None = Field(default=None, description="The id of a figure shown on the cards marked with_figure.")
    cards: tuple[AtomicCard, ...] = Field(min_length=1, max_length=MAX_CARDS_PER_NOTE, description=(
        "The note's atomic cards, one fact each."))

    @model_validator(mode="after")
    def _slots_and_figure(self) -> Flashcard:
        slots = [card.slot for card in self.cards]
        repeated = sorted({s for s in slots if slots.count(s) > 1})
        if repeated:
            raise ValueError(f"slot {', '.join(map(str, repeated))} is used twice, expected each card its own slot "
                             "(a slot is a card's identity: give a new question a free one)")
        showing = [card.slot for card in self.cards if card.with_figure]
        if self.figure is None and showing:
            raise ValueError(f"card slot {showing[0]} has with_figure but the note has no figure, expected a "
                             "figure: line on the note or no with_figure")
        if self.figure is not None and not showing:
            raise ValueError(f"the note has figure {self.figure} but no card shows it, expected with_figure: true "
                             "on at least one card")
        return self


class Grid(Strict):
    """Evenly spaced values low, low + step, ..., high."""

    low: Number = Field(description="The first value.")
    high: Number = Field(description="The last value, at least low.")
    step: Annotated[Number, AfterValidator(_above_zero("step"))] = Field(description="The spacing, above 0.")

    @model_validator(mode="after")
    def _ordered(self) -> Grid:
        if self.high < self.low:
            raise ValueError(f"high {self.high} is below low {self.low}, expected low <= high")
        values = int((self.high - self.low) / self.step) + 1
        if values > MAX_GRID:
            raise ValueError(f"the grid has {values:,} values, expected at most {MAX_GRID:,} (a larger step)")
        return self


DrillReward = Annotated[Number, AfterValidator(_bounded(10))]
DrillBeta = Annotated[Beta, AfterValidator(_at_least("0.05"))]
Choices = Annotated[tuple[DrillReward, ...], Field(min_length=1, max_length=MAX_ITEMS)]
DrillBetas = Annotated[tuple[DrillBeta, ...], Field(min_length=1, max_length=MAX_ITEMS)]
Count = Annotated[int, Field(ge=0, le=MAX_DRILLS, description="How many drills of this kind the deck holds.")]
Decimals = Annotated[int, Field(ge=0, le=8, description="The decimal places of the typed answer.")]
_DRILL_BETA = "The β values drawn from (each at least 0.05)."
_DRILL_REWARD = "The rewards drawn from (each within [−10, 10])."


class PolicyDrills(Strict):
    """Drills on π*, Z or a weight (two or three responses), or on KL."""

    count: Count
    decimals: Decimals
    pi_sft: Grid = Field(description="The grid π_SFT's probabilities are drawn from.")
    reward: Choices = Field(description=_DRILL_REWARD)
    beta: DrillBetas = Field(description=_DRILL_BETA)


class LimitDrills(Strict):
    """Drills on π* as β goes to 0 or grows without bound."""

    count: Count
    decimals: Decimals
    pi_sft: Grid = Field(description="The grid π_SFT's probabilities are drawn from.")
    reward: Choices = Field(description=_DRILL_REWARD)


class PairDrills(Strict):
    """Bradley-Terry drills: the preference probability of a pair of rewards."""

    count: Count
    decimals: Decimals
    reward: Annotated[tuple[DrillReward, ...], Field(min_length=2, max_length=MAX_ITEMS)] = Field(
        description="The rewards each pair is drawn from (at least two, each within [−10, 10]).")


class DpoDrills(Strict):
    """Drills on DPO's implicit reward."""

    count: Count
    decimals: Decimals
    probability: Grid = Field(description="The grid the policy's and the reference's probabilities come from.")
    beta: DrillBetas = Field(description=_DRILL_BETA)


class IntervalDrills(Strict):
    """Drills on a win rate's confidence interval."""

    count: Count
    decimals: Decimals
    win_rate: Grid = Field(description="The grid the win rate is drawn from.")
    n: Annotated[tuple[Comparisons, ...], Field(min_length=1, max_length=MAX_ITEMS)] = Field(
        description="The comparison counts drawn from.")


class ValueDrills(PolicyDrills):
    """Drills on one prompt's optimum (its value β·log Z, or E[R] under π*), for two or three responses."""

    responses: Annotated[int, Field(ge=2, le=3)] = Field(description="How many responses the prompt has (2 or 3).")


class PracticeDrills(Strict):
    """The lesson's own problem (an entry of ``examples``), one quantity per drill."""

    count: Count
    decimals: Decimals
    example: Id = Field(description="The id of the example the drills ask about.")
    variants: int = Field(default=1, ge=1, le=MAX_VARIANTS, description=(
        "Practice worksheets the build writes, one per student: the first is this example, the others are "
        "drawn from optimal_policy_three's grids with the seed (build --variants overrides it)."))


class DirectionDrills(Strict):
    """KL(π‖π_SFT) for a tuned policy π, against the other direction."""

    count: Count
    decimals: Decimals
    probability: Grid = Field(description="The grid the tuned policy's probabilities come from.")
    responses: Annotated[int, Field(ge=2, le=3)] = Field(description="How many responses the prompt has (2 or 3).")


class RmLossDrills(Strict):
    """The reward model's loss on one labeler ranking of K responses."""

    count: Count
    decimals: Decimals
    reward: Annotated[tuple[DrillReward, ...], Field(min_length=2, max_length=MAX_ITEMS)] = Field(
        description="The rewards drawn from (each within [−10, 10]).")
    responses: Annotated[tuple[Annotated[int, Field(ge=2, le=4)], ...], Field(min_length=1, max_length=MAX_ITEMS)] = (
        Field(description="The ranking sizes K drawn from (2 to 4)."))


# Draws the generator rejects and the check refuses (see drill_rules): an answer the question states, a
# reward vector that is constant (zero among them), an answer β does not change, two KL directions that agree.
DrillRule = Literal["answer-is-an-input", "constant-reward", "answer-ignores-beta", "kl-directions-agree"]


class DrillSpec(Strict):
    """The numeric drills: each kind's count, answer decimals and the values its inputs are drawn from."""

    seed: int = Field(ge=-(2**63), le=2**63 - 1, description="The seed of every kind's random stream: fixed, so the "
                      "same source gives the same drills.")
    reject: Annotated[tuple[DrillRule, ...], Field(min_length=1, max_length=MAX_ITEMS)] = Field(description=(
        "Degenerate draws the generator redraws and the check refuses."))
    optimal_policy_two: PolicyDrills = Field(description="π* of two responses.")
    optimal_policy_three: PolicyDrills = Field(description="π* of three responses.")
    practice_problem: PracticeDrills = Field(description="The lesson's own practice problem, one quantity each.")
    max_value: ValueDrills = Field(description="The optimum's value β·log Z.")
    expected_reward: ValueDrills = Field(description="E[R] under π*.")
    beta_limits: LimitDrills = Field(description="π* and KL in the limits of β.")
    kl: PolicyDrills = Field(description="KL(π*‖π_SFT) of two responses.")
    kl_direction: DirectionDrills = Field(description="KL(π‖π_SFT) against the other direction.")
    bradley_terry: PairDrills = Field(description="Bradley-Terry preference probabilities.")
    rm_loss: RmLossDrills = Field(description="The reward model's loss on one ranking.")
    dpo_reward: DpoDrills = Field(description="DPO's implicit reward.")
    win_rate_interval: IntervalDrills = Field(description="Win-rate confidence intervals (the lower end).")
    win_rate_gain: IntervalDrills = Field(description="Whether a win rate shows a gain.")


# The drawings the figures builder knows; the source gives each one's title and alt text. The first two
# draw one panel per example (a card shows each panel as its own image, so ``panels`` gives each one's alt).
FigureId = Literal["fig-policy-vs-beta", "fig-tradeoff", "fig-reward-hacking"]
FIGURE_IDS: tuple[str, ...] = get_args(FigureId)
PER_EXAMPLE_FIGURES: tuple[str, ...] = ("fig-policy-vs-beta", "fig-tradeoff")


class FigurePanel(Strict):
    """One panel of a per-example figure, shown as its own image on a card."""

    alt: Text = Field(description="What this one panel shows, for a card's image of it.")


class Figure(Strict):
    """One figure's words; the figures builder draws it."""

    id: FigureId = Field(description="Which drawing: one of the figures the builder knows.")
    title: Text = Field(description="The figure's title.")
    alt: Text = Field(description="Alt text describing the figure for a reader who cannot see it.")
    panels: tuple[FigurePanel, ...] = Field(default=(), max_length=MAX_ITEMS, description=(
        "One panel per example, in order, for a per-example figure (each card shows one image per panel)."))


class RewardHacking(Strict):
    """A stated toy model for the reward-hacking figure: the KL-regularised optimum π* ∝ π_SFT·exp(proxy/β)
    of one prompt whose reward model (the proxy) overrates one response that the true (gold) reward rates
    low. Sweeping β traces proxy and gold reward against KL(π*‖π_SFT)."""

    pi_sft: Distribution = Field(description="The toy prompt's SFT policy over its responses.")
    proxy: Vector = Field(description="The reward model's (proxy) reward of each response.")
    gold: Vector = Field(description="The true (gold) reward of each response.")

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
    """The figures: the β axis they share, the reward-hacking toy model and each figure's words."""

    beta_range: Annotated[tuple[Beta, Beta], AfterValidator(lambda r: r if r[0] < r[1] else _bad_range(r))] = Field(
        description="The β axis, [low, high] with low < high; every example's β lies inside.")
    reward_hacking: RewardHacking = Field(description="The stated toy model the reward-hacking figure draws.")
    items: tuple[Figure, ...] = Field(min_length=1, max_length=MAX_ITEMS, description="Each figure once.")

    @model_validator(mode="after")
    def _every_drawing_once(self) -> Figures:
        ids = [item.id for item in self.items]
        if sorted(ids) != sorted(FIGURE_IDS):
            raise ValueError(f"items are {', '.join(ids)}, expected each of {', '.join(FIGURE_IDS)} once")
        return self


def _bad_range(r: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    raise ValueError(f"range [{r[0]}, {r[1]}] is empty, expected low < high")


class Lesson(Strict):
    """One lesson: the single source of every asset l13-assets builds."""

    meta: Meta = Field(description="The lesson's identity and release history.")
    style: Style = Field(description="The house style: which words may stand in capitals.")
    references: tuple[Reference, ...] = _entries("The cited works.")
    pipeline: tuple[Stage, ...] = Field(min_length=3, max_length=3, description="The three stages: SFT, RM, RL.")
    objective: Objective = Field(description="The KL-regularised objective.")
    bradley_terry: BradleyTerry = Field(description="The Bradley-Terry preference model.")
    optimal_policy: OptimalPolicyFacts = Field(description="The closed-form optimal policy.")
    examples: tuple[Example, ...] = _entries("Worked problems of the optimal policy, every number checked.")
    beta_table: BetaTable = Field(description="The cheatsheet's β table.")
    variants: tuple[Variant, ...] = _entries("The variants of RLHF.")
    instruments: tuple[Instrument, ...] = _entries("The instruments that tell whether a run works.")
    run_health: RunHealth = Field(description="The rules that decide whether a run works.")
    win_rate_intervals: tuple[WinRateInterval, ...] = _entries("Win rates with their intervals.", at_least=0)
    win_rate_changes: tuple[WinRateChange, ...] = _entries("The noise of a change between two win rates.",
                                                           at_least=0)
    rm_results: tuple[PublishedAccuracy, ...] = _entries("Published RM accuracies beside labeler agreement.",
                                                         at_least=0)
    best_of_n: BestOfN = Field(description="Best-of-n's KL, a yardstick.")
    findings: tuple[Finding, ...] = _entries("Observations from runs, with their verdicts (the diagnostic cards).")
    pitfalls: tuple[Pitfall, ...] = _entries("Common mistakes.")
    flashcards: tuple[Flashcard, ...] = _entries("The deck's concept cards.")
    drills: DrillSpec = Field(description="The numeric drills.")
    figures: Figures = Field(description="The figures.")
    retired: tuple[Retired, ...] = Field(default=(), max_length=MAX_ENTRIES, description=(
        "Deck notes removed on purpose, with the reason."))


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
