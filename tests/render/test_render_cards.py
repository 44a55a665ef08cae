"""Every card of the built deck, front and back, as a learner's Anki shows it: at 360, 412 and 800 px, in day
mode and in each client's night mode. A failure names the card, the side, the width and the mode."""

from __future__ import annotations

import harness
import pytest

from l13_assets.builders.preview import reviewer

DECK = harness.built_deck()
RENDERS = [pytest.param(card, side, width, mode, id=harness.render_ids(card, side, width, mode))
           for card in DECK.cards for side in card.sides for width in harness.WIDTHS for mode in reviewer.MODES]


@pytest.mark.parametrize(("card", "side", "width", "mode"), RENDERS)
def test_a_learner_sees_the_whole_card(anki_reviewer: harness.Reviewer, card, side, width, mode) -> None:  # type: ignore[no-untyped-def]
    render = anki_reviewer.render(card, side, width, mode)
    assert not render.problems, "\n".join(render.problems)


def test_every_sub_deck_and_side_is_rendered() -> None:
    """The suite reaches every card: each sub-deck has cards, each card a front and a back."""
    assert {card.deck for card in DECK.cards} == {"L13 RLHF::Concepts", "L13 RLHF::Drills", "L13 RLHF::Diagnostics"}
    assert all({"front", "back"} <= {side.name for side in card.sides} for card in DECK.cards)
