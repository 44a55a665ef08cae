"""The options builders read, each declared once with its command-line flag.

A builder names the fields it reads in its ``Builder.options``; only those enter its fingerprint, so
changing the paper size rebuilds the sheets and leaves the deck alone. ``OPTION_FLAGS`` is what the CLI
turns into ``build`` options: adding an option is a field here and an entry there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class Options:
    papers: tuple[str, ...] = PAPERS
    new_history: bool = False  # build --new-history: the deck may start a note history where there is none


@dataclass(frozen=True)
class Flag:
    """One ``build`` option: its flag, click keyword arguments, and how its value becomes the field's."""

    field: str
    flag: str
    settings: dict[str, Any]
    convert: Any = None  # value from click -> field value; None keeps the value


OPTION_FLAGS: tuple[Flag, ...] = (
    Flag("papers", "--paper", {"choices": (*PAPERS, "both"), "default": "both",
                               "help": "Paper size of the printed outputs."},
         lambda value: PAPERS if value == "both" else (value,)),
    Flag("new_history", "--new-history", {"is_flag": True, "help": (
        "Start the deck's note history (only for a deck never released; refused if one exists).")}),
)


def fingerprint_values(options: Options, names: tuple[str, ...], epoch: int | None) -> str:
    """The declared options' values as one stable string, for a builder's fingerprint."""
    values = {**{name: getattr(options, name) for name in names if name != "epoch"},
              **({"epoch": epoch} if "epoch" in names else {})}
    return repr(sorted(values.items()))
