"""The checks that keep issue 11's errors from coming back, each run on the 1.0.1 wording it was written
against (a copy in tests/data/wording-1.0.1/) and failing at the offending line with one located message.

The old file does not load as a whole under today's schema, so each test splices the old values of the
fields it is about into today's source, by path, and runs `check` on the result."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from l13_assets import verify
from l13_assets.loader import parse
from l13_assets.verify.beta_bands import band_text, reward_gap
from l13_assets.yaml_reader import read_yaml
from support import SOURCE, check_lines

TEXT = SOURCE.read_text(encoding="utf-8")
REAL = parse(TEXT.encode(), "l13.yaml")
OLD_FILE = Path(__file__).parent / "data" / "wording-1.0.1" / "l13.yaml"
OLD = read_yaml(OLD_FILE.read_bytes(), str(OLD_FILE))[0]
assert OLD is not None


check = check_lines


def _old(path: tuple[str | int, ...]) -> Any:
    data: Any = OLD.data  # type: ignore[union-attr]
    for part in path:
        data = data[part]
    return data


def _flow(value: Any) -> str:
    """A value as one line of YAML (flow style), as the source writes it: numbers bare, text quoted."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str):
        return value if re.fullmatch(r"[a-z0-9-]+", value) else "'" + value.replace("'", "''") + "'"
    return str(value)


def splice(edits: dict[tuple[str | int, ...], Any], text: str = TEXT) -> str:
    """Today's source with each path's value (one line) replaced by ``edits[path]``."""
    lines = text.split("\n")
    for path, value in edits.items():
        line, column = REAL.located.values[path]
        lines[line - 1] = lines[line - 1][: column - 1] + _flow(value)
    return "\n".join(lines)


def _lines_where(pattern: str, text: str) -> set[int]:
    return {i for i, row in enumerate(text.split("\n"), start=1) if re.search(pattern, row)}


def _sources_paths() -> list[tuple[str | int, ...]]:
    return [p for p in REAL.located.values if p[-1:] == ("sources",) or (len(p) > 1 and p[-2] == "sources")]


def test_the_old_sources_leave_references_cited_nowhere_each_failing_at_its_line() -> None:
    """1.0.1 cited christiano-2017, bai-2022a, casper-2023 and kaufmann-2024 nowhere a learner sees."""
    edits: dict[tuple[str | int, ...], Any] = {}
    for path in {p[: p.index("sources") + 1] for p in _sources_paths()}:
        try:
            edits[path] = _old(path)
        except (KeyError, IndexError, TypeError):
            if path[0] == "flashcards" and "cards" in path:  # 1.0.1's note-level sources, on each of its cards
                try:
                    edits[path] = _old((*path[:2], "sources"))
                except IndexError:  # a note 1.0.1 did not have: a reference 1.0.1 cited
                    edits[path] = ["ouyang-2022"]
            else:
                edits[path] = []  # a list 1.0.1 did not have
    text = splice(edits)
    cited = {ref for row in re.findall(r"sources: \[([^\]]*)\]", text) for ref in re.split(r",\s*", row) if ref}
    unused = [(i, r.id) for i, r in enumerate(REAL.lesson.references) if r.id not in cited]
    assert {"christiano-2017", "bai-2022a", "casper-2023", "kaufmann-2024"} <= {r for _, r in unused}
    expected = [f"l13.yaml:{REAL.located.values[('references', i, 'id')][0]}:9: references[{i}].id: [reference] "
                f"'{ref}' is cited by no entry that reaches an output, expected it in the sources of a card or a "
                "cheatsheet block that rests on it (or the reference removed)" for i, ref in unused]
    assert check(text) == expected


def test_a_sources_list_no_output_prints_fails_at_its_line(monkeypatch: Any) -> None:
    """1.0.1's pipeline sources reached no output; were the sheet to stop printing them, check says so."""
    from l13_assets import citations

    printed = citations.sheet_sources
    monkeypatch.setattr(citations, "sheet_sources",
                        lambda lesson: [(p, r) for p, r in printed(lesson) if p[0] != "pipeline"])
    monkeypatch.setattr(verify.citations, "sheet_sources", citations.sheet_sources)
    problems = [p for p in verify.run(REAL).problems() if "[reference]" in str(p)]
    stages = [i for i, s in enumerate(REAL.lesson.pipeline) if s.sources]
    assert [p.path for p in problems if p.path.startswith("pipeline")] == [f"pipeline[{i}].sources" for i in stages]
    assert all(p.line == REAL.located.values[("pipeline", i, "sources")][0]
               for p, i in zip(problems, stages, strict=False))
    message = ("these sources reach no output (no card or sheet block prints them), expected sources only on "
               "entries the deck or the cheatsheet shows")
    assert all(str(p).endswith(message) for p in problems[:len(stages)])


def test_the_old_formulas_mix_phi_forms_and_fail_at_each_line() -> None:
    """1.0.1 set r_ϕ (\\phi) in its formulas and wrote r_φ in its prose."""
    latex = [p for p in REAL.located.values if p[-1:] in (("formula",), ("loss",)) and "\\" in str(_value(p))]
    edits = {}
    for path in latex:
        try:
            old = _old(path)
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(old, str) and "\\phi" in old:
            edits[path] = old
    assert edits, "1.0.1 wrote \\phi somewhere"
    text = splice(edits)
    problems = check(text)
    lines = {int(p.split(":")[1]) for p in problems}
    assert lines == _lines_where(r"\\phi(?![a-z])", text)
    assert all("[symbol] writes ϕ (\\phi) where" in p and p.endswith("expected one symbol for one quantity: write "
                                                                      "\\varphi") for p in problems)


def _value(path: tuple[str | int, ...]) -> Any:
    data: Any = REAL.located.data
    for part in path:
        data = data[part]
    return data


def test_the_old_free_text_bands_are_refused_at_their_line() -> None:
    """1.0.1 wrote each band as free text in units of β ('β below 0.1'): a band now has numbers in units of ΔR."""
    row = 0
    lines = TEXT.split("\n")
    line, _ = REAL.located.keys[("beta_table", "rows", row, "at_least")]
    indent = re.match(r"\s*", lines[line - 1]).group(0)  # type: ignore[union-attr]
    lines.insert(line - 1, f"{indent}range: {_flow(_old(('beta_table', 'rows', row, 'range')))}")
    problems = check("\n".join(lines))
    assert len(problems) == 1
    assert problems[0].startswith(f"l13.yaml:{line}:") and f"beta_table.rows[{row}].range: unknown key" in problems[0]


def test_a_band_that_does_not_hold_its_examples_beta_fails_at_that_beta() -> None:
    """Double the example's rewards: ΔR doubles, each β/ΔR halves, and a row whose β leaves its band says so."""
    table = REAL.lesson.beta_table
    index, example = next((i, e) for i, e in enumerate(REAL.lesson.examples) if e.id == table.example)
    gap = 2 * reward_gap(example)
    leaving = [i for i, r in enumerate(table.rows) if not (r.at_least <= r.at / gap and (r.below is None or r.at / gap
                                                                                         < r.below))]
    assert leaving, "some row's β leaves its band when ΔR doubles"
    text = splice({("examples", index, "reward"): [2 * r for r in example.reward]})
    beta_problems = [p for p in check(text) if "[beta]" in p]
    assert [int(p.split(":")[1]) for p in beta_problems] == [
        REAL.located.values[("beta_table", "rows", i, "at")][0] for i in leaving]
    assert all("outside its band" in p and "expected the example solved at a β inside the band it illustrates" in p
               for p in beta_problems)


def test_overlapping_bands_fail_where_the_later_one_starts() -> None:
    table = REAL.lesson.beta_table
    i = next(k for k in range(1, len(table.rows)) if table.rows[k - 1].below is not None)
    before = table.rows[i - 1]
    assert before.below is not None
    text = splice({("beta_table", "rows", i, "at_least"): before.at_least + (before.below - before.at_least) / 2})
    problems = [p for p in check(text) if "[beta]" in p]
    line = REAL.located.values[("beta_table", "rows", i, "at_least")][0]
    assert len(problems) == 1 and problems[0].startswith(f"l13.yaml:{line}:") and "an overlap" in problems[0]


def _old_band(text: str) -> tuple[Decimal, Decimal | None]:
    """1.0.1's free-text band as numbers: 'β below 0.1', 'β from 0.1 to 0.5', 'β above 2'."""
    ends = [Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", text)]
    if "below" in text:
        return Decimal(0), ends[0]
    if "above" in text:
        return ends[0], None
    return ends[0], ends[1]


def test_the_old_bands_as_numbers_hold_each_shared_end_in_one_band() -> None:
    """1.0.1 wrote 'β from 0.1 to 0.5' and 'β from 0.5 to 2', both ends included, so 0.5 sat in two bands. Its
    numbers, divided by the example's ΔR and written as today's at_least and below, are read half-open:
    each shared end belongs to the later band only, the check finds neither a gap nor an overlap, and the
    printed bands say so. A band cannot state an included upper end, so 1.0.1's overlap has no numeric form to
    fail on; an upper end past the next band's start is refused
    (test_overlapping_bands_fail_where_the_later_one_starts)."""
    table = REAL.lesson.beta_table
    example = next(e for e in REAL.lesson.examples if e.id == table.example)
    gap = reward_gap(example)  # 1.0.1's bands were in units of β
    old_rows = _old(("beta_table", "rows"))
    assert len(old_rows) == len(table.rows)
    edits: dict[tuple[str | int, ...], Any] = {}
    bands: list[tuple[Decimal, Decimal | None]] = []
    for i, old_row in enumerate(old_rows):
        at_least, below = (None if end is None else end / gap for end in _old_band(old_row["range"]))
        assert at_least is not None
        bands.append((at_least, below))
        edits[("beta_table", "rows", i, "at_least")] = at_least
        if below is not None:
            edits[("beta_table", "rows", i, "below")] = below
        else:
            assert ("beta_table", "rows", i, "below") not in REAL.located.values
    shared = [before[1] for before, after in pairwise(bands) if before[1] == after[0]]
    assert shared, "1.0.1's bands share their ends"
    text = splice(edits)
    assert [p for p in check(text) if "[beta]" in p] == []
    rows = parse(text.encode(), "l13.yaml").lesson.beta_table.rows
    for end in shared:
        holding = [band_text(r) for r in rows if r.at_least <= end and (r.below is None or end < r.below)]
        assert len(holding) == 1 and holding == [band_text(r) for r in rows if r.at_least == end], (end, holding)


# ---- the expert review of 2.0.0 (tests/data/wording-2.0.0/): each new check fails on the old wording ------------

OLD2_FILE = Path(__file__).parent / "data" / "wording-2.0.0" / "l13.yaml"
OLD2 = read_yaml(OLD2_FILE.read_bytes(), str(OLD2_FILE))[0]
assert OLD2 is not None


def _old2(path: tuple[str | int, ...]) -> Any:
    data: Any = OLD2.data  # type: ignore[union-attr]
    for part in path:
        data = data[part]
    return data


def _old2_by_id(section: str, entry_id: str) -> Any:
    return next(e for e in _old2((section,)) if e["id"] == entry_id)


def test_the_old_win_rate_changes_are_noise_and_their_verdicts_fail_at_their_lines() -> None:
    """2.0.0 read a rise of 0.04 over 1000 comparisons per checkpoint as a trend; on its interval it is noise."""
    from decimal import Decimal

    from l13_assets.verify.rules import derive_verdict

    lesson = REAL.lesson
    edits: dict[tuple[str | int, ...], Any] = {}
    expected: dict[int, str] = {}  # finding index -> the verdict the old changes give
    for i, finding in enumerate(lesson.findings):
        if finding.measured is None:
            continue
        old = _old2_by_id("findings", finding.id).get("measured", {})
        update = {name: Decimal(str(old[name])) for name in ("win_rate_change", "lc_win_rate_change")
                  if getattr(finding.measured, name) is not None and name in old}
        edits.update({("findings", i, "measured", name): value for name, value in update.items()})
        verdict = derive_verdict(finding.measured.model_copy(update=update), lesson.run_health)[0]
        if verdict != finding.verdict:
            expected[i] = verdict
    ids = {lesson.findings[i].id for i in expected}
    assert {"finding-large-kl-rising", "finding-longer-and-better"} <= ids, ids
    problems = [p for p in check(splice(edits)) if "[rule]" in p]
    assert [int(p.split(":")[1]) for p in problems] == [
        REAL.located.values[("findings", i, "verdict")][0] for i in sorted(expected)]
    for problem, (i, verdict) in zip(problems, sorted(expected.items()), strict=True):
        assert f"findings[{i}].verdict: [rule] states {lesson.findings[i].verdict}, expected {verdict}" in problem


def test_an_instrument_listed_as_showing_what_it_only_rules_out_fails_at_that_symptom() -> None:
    """2.0.0 listed capability evals as catching sycophancy while a card said they do not detect it."""
    index, instrument = next((i, x) for i, x in enumerate(REAL.lesson.instruments) if x.rules_out)
    old = _old2_by_id("instruments", instrument.id)["catches"]
    both = [s for s in old if s in instrument.rules_out]
    assert both, "2.0.0 had the instrument catch what it now rules out"
    problems = [p for p in check(splice({("instruments", index, "catches"): old})) if "[rule]" in p]
    line = REAL.located.values[("instruments", index, "catches")][0]
    assert [p.split(": ")[1] for p in problems] == [f"instruments[{index}].catches[{old.index(s)}]" for s in both]
    assert all(p.startswith(f"l13.yaml:{line}:") and "expected one role" in p for p in problems)


def test_the_old_best_of_n_wording_states_a_bound_as_exact_at_each_text() -> None:
    """2.0.0 wrote log n − (n − 1)/n as best-of-n's KL; it is an upper bound (Beirami et al. 2024)."""
    needle = f"[[{REAL.lesson.best_of_n.id}.kl]]"
    paths = [p for p in REAL.located.values if isinstance(_value(p), str) and needle in _value(p)]
    edits = {}
    for path in paths:
        old = _old2(path) if path[0] != "flashcards" else next(
            c["back"] for c in _old2_by_id("flashcards", REAL.lesson.flashcards[int(path[1])].id)["cards"]
            if c["slot"] == REAL.lesson.flashcards[int(path[1])].cards[int(path[3])].slot)
        assert needle in old and "at most" not in old
        edits[path] = old
    assert len(edits) >= 2
    problems = [p for p in check(splice(edits)) if "[rule]" in p]
    assert sorted(p.split(": ")[1] for p in problems) == sorted(_dotted(p) for p in paths)
    text = splice(edits)
    for problem in problems:
        line, column = (int(x) for x in problem.split(":")[1:3])
        row = text.split("\n")[line - 1]
        assert row[column - 1:].startswith(needle) and "expected it called a bound" in problem


def _dotted(path: tuple[str | int, ...]) -> str:
    from l13_assets.yaml_reader import dotted

    return dotted(path)


def test_the_old_beta_note_gives_only_the_examples_reading_and_fails_at_the_note() -> None:
    """2.0.0 printed the bands without what they mean for any rewards (the odds factor e^{ΔR/β})."""
    text = splice({("beta_table", "note"): _old2(("beta_table", "note"))})
    problems = [p for p in check(text) if "[beta]" in p]
    line = REAL.located.values[("beta_table", "note")][0]
    assert len(problems) == 1 and problems[0].startswith(f"l13.yaml:{line}:")
    assert "beta_table.note: [beta] the note does not insert [[beta-table.odds_first]] and " in problems[0]


def test_an_odds_power_that_does_not_match_its_band_fails_at_its_line() -> None:
    table = REAL.lesson.beta_table
    first = table.rows[0].below
    assert first is not None and table.odds_first == 1 / first
    text = splice({("beta_table", "odds_first"): 2 * table.odds_first})
    problems = [p for p in check(text) if "[beta]" in p]
    line = REAL.located.values[("beta_table", "odds_first")][0]
    assert len(problems) == 1 and problems[0].startswith(f"l13.yaml:{line}:")
    assert f"states {2 * table.odds_first}" in problems[0] and "beta_table.rows[0].below" in problems[0]
