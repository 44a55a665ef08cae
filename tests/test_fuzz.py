"""Random and mutated YAML: the loader answers with a valid lesson or located problems, never anything else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from l13_assets.errors import UserError
from l13_assets.loader import Source, parse
from l13_assets.model import Lesson
from support import SOURCE

TEXT = SOURCE.read_text(encoding="utf-8")
LINES = TEXT.split("\n")
FRAGMENTS = ["", ":", "- ", "  ", "{", "}", "[", "]", "&a", "*a", "!!python/name:os.system", "!!binary", "? ",
             "<<: *a", ".nan", "-.inf", "1e400", "0x1F", "~", "null", "yes", "'", '"', "#", "|", ">", "\t", "\u2014",
             "\x00", "\ufeff", "---", "...", "%YAML 1.1", "z: 4.8334", "id: worked-example", "[[x.y]]"]


def assert_located_or_valid(raw: bytes) -> None:
    try:
        source = parse(raw, "fuzz.yaml")
    except UserError as error:
        assert error.problems, "a UserError always carries at least one problem"
        for problem in error.problems:
            text = str(problem)
            assert text.startswith("fuzz.yaml")
            assert problem.line >= 0 and problem.column >= 0
            assert "\n" not in text, "one problem is one line"
            assert problem.message.strip()
        return
    assert isinstance(source, Source) and isinstance(source.lesson, Lesson)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(raw: bytes) -> None:
    assert_located_or_valid(raw)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from([*list("ab:-[]{}&*!|>'\"#\n ?,.0123456789"), "−", "é"]), max_size=200))
def test_random_yaml_like_text(text: str) -> None:
    assert_located_or_valid(text.encode("utf-8"))


@st.composite
def mutated_source(draw: st.DrawFn) -> bytes:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate", "indent", "swap"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            column = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:column] + draw(st.sampled_from(FRAGMENTS)) + lines[index][column:]
        elif action == "truncate":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
        elif action == "indent":
            lines[index] = " " * draw(st.integers(1, 3)) + lines[index]
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines).encode("utf-8")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_source())
def test_mutated_real_source(raw: bytes) -> None:
    assert_located_or_valid(raw)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_source())
def test_verification_of_any_loadable_source_reports_rather_than_crashes(raw: bytes) -> None:
    from l13_assets import verify

    try:
        source = parse(raw, "fuzz.yaml")
    except UserError:
        return
    report = verify.run(source)
    assert all(str(p).startswith("fuzz.yaml:") for p in report.problems())
