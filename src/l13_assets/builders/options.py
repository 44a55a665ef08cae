"""The options builders read, each declared once with its command-line flag.

A builder names the fields it reads in its ``Builder.options``; only those enter its fingerprint, so
changing the paper size rebuilds the sheets and leaves the deck alone. ``OPTION_FLAGS`` is what the CLI
turns into ``build`` options: adding an option is a field here and an entry there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAPERS = ("a4", "letter")
MAX_VARIANTS = 200  # practice worksheets in one PDF: a large class, and a build that stays a few seconds


class OptionError(ValueError):
    """A build option's value is out of range: the CLI prints the message as one line and exits 1."""


@dataclass(frozen=True)
class Options:
    papers: tuple[str, ...] = PAPERS
    new_history: bool = False  # build --new-history: the deck may start a note history where there is none
    variants: int | None = None  # build --variants N: practice worksheets per PDF; None takes the source's


def variants_count(value: str | int | None) -> int | None:
    """--variants' text as a count from 1 to MAX_VARIANTS (None: the source's default)."""
    if value is None:
        return None
    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    if str(value).strip() != str(count) or not 1 <= count <= MAX_VARIANTS:
        raise OptionError(f"--variants: '{value}' is not a number of variants, expected a whole number from 1 to "
                          f"{MAX_VARIANTS}")
    return count


@dataclass(frozen=True)
class Flag:
    """One ``build`` option: its flag, click keyword arguments, and how its value becomes the field's."""

    field: str
    flag: str
    settings: dict[str, Any]
    convert: Any = None  # value from click -> field value; None keeps the value


OPTION_FLAGS: tuple[Flag, ...] = (
    Flag("papers", "--paper", {"choices": (*PAPERS, "both"), "default": "both",
                               "help": "Paper size of the printed outputs (cheatsheet and practice sheets)."},
         lambda value: PAPERS if value == "both" else (value,)),
    Flag("new_history", "--new-history", {"is_flag": True, "help": (
        "Start the deck's note history (only for a deck never released; refused if one exists).")}),
    Flag("variants", "--variants", {"default": None, "metavar": "N", "help": (
        f"Practice worksheets per PDF, one per student (1 to {MAX_VARIANTS}; default: the source's "
        "drills.practice_problem.variants).")}, variants_count),
)


def fingerprint_values(options: Options, names: tuple[str, ...], epoch: int | None) -> str:
    """The declared options' values as one stable string, for a builder's fingerprint."""
    values = {**{name: getattr(options, name) for name in names if name != "epoch"},
              **({"epoch": epoch} if "epoch" in names else {})}
    return repr(sorted(values.items()))
