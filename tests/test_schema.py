"""The source's JSON Schema: what an editor validates the YAML against while the author types.

It is generated from the pydantic models (``l13-assets schema``) and committed as source/l13.schema.json;
these tests keep the committed file current, and check that it accepts the real source, refuses what the
loader refuses by its form, documents every field and bounds every count and size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from l13_assets.schema import REFRESH, SCHEMA_FILE, schema_text
from support import SOURCE, run_cli

COMMITTED = SOURCE.with_name(SCHEMA_FILE)


@pytest.fixture(scope="module")
def printed() -> dict[str, Any]:
    """The schema as `l13-assets schema` prints it, run as a user runs it."""
    result = run_cli("schema")
    assert result.returncode == 0, result.stderr
    schema: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _source_data() -> Any:
    """The source as an editor's YAML support reads it (plain YAML, no l13-assets code)."""
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def _errors(schema: dict[str, Any], data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data))


def test_the_printed_schema_accepts_the_real_source(printed: dict[str, Any]) -> None:
    assert _errors(printed, _source_data()) == []


def test_the_printed_schema_rejects_a_typo_in_a_key(printed: dict[str, Any]) -> None:
    data = _source_data()
    example = data["examples"][0]
    example["zz"] = example.pop("z")
    assert _errors(printed, data) == [
        "examples/0: 'z' is a required property",
        "examples/0: Additional properties are not allowed ('zz' was unexpected)",
    ]


def test_the_printed_schema_rejects_a_drill_count_the_loader_refuses(printed: dict[str, Any]) -> None:
    data = _source_data()
    data["drills"]["kl"]["count"] = 100000
    assert _errors(printed, data) == ["drills/kl/count: 100000 is greater than the maximum of 250"]


def test_the_committed_schema_is_current() -> None:
    assert COMMITTED.exists(), f"source/{SCHEMA_FILE} is missing: run `{REFRESH}` and commit it"
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        f"source/{SCHEMA_FILE} is stale (the models in model.py changed): run `{REFRESH}` and commit it")


def test_the_refresh_command_writes_what_schema_prints(tmp_path: Any, printed: dict[str, Any]) -> None:
    target = tmp_path / SCHEMA_FILE
    result = run_cli(*REFRESH.split()[1:-1], str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and json.loads(target.read_text(encoding="utf-8")) == printed


def test_the_source_names_its_schema_on_its_first_line() -> None:
    first = SOURCE.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_FILE}"


def _properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for model, definition in sorted(schema["$defs"].items()):
        for name, prop in definition.get("properties", {}).items():
            yield f"{model}.{name}", prop
    for name, prop in schema["properties"].items():
        yield f"Lesson.{name}", prop


def test_every_field_has_a_description(printed: dict[str, Any]) -> None:
    undocumented = [name for name, prop in _properties(printed) if not prop.get("description", "").strip()]
    assert undocumented == [], "fields without Field(description=...) in model.py"


def _unbounded(node: Any, where: str) -> Iterator[str]:
    """Each array without maxItems, string without maxLength (or a fixed set of values), integer without
    maximum, inside ``node``."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _unbounded(item, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if (kind == "array" and "maxItems" not in node) or (kind == "integer" and "maximum" not in node) or (
            kind == "string" and "maxLength" not in node and "enum" not in node and "const" not in node):
        yield f"{where}: {kind}"
    for key, value in node.items():
        yield from _unbounded(value, f"{where}.{key}")


def test_every_count_and_size_has_an_upper_bound(printed: dict[str, Any]) -> None:
    assert [found for name, prop in _properties(printed) for found in _unbounded(prop, name)] == []
