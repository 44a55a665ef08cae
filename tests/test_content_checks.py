"""The checks that keep issue 11's errors from coming back, each run on the 1.0.1 wording it was written
against (a copy in tests/data/wording-1.0.1/) and failing at the offending line with one located message.

The old file does not load as a whole under today's schema, so each test splices the old values of the
fields it is about into today's source, by path, and runs `check` on the result."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from l13_assets import verify
from l13_assets.loader import parse
from l13_assets.verify.beta_bands import reward_gap
from l13_assets.yaml_reader import read_yaml

from conftest import SOURCE, check_lines

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
