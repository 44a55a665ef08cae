"""The builder registry: a builder describes itself, and everything else is derived from the declarations."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from l13_assets.builders import registry
from support import REPO

TOY_MODULE = '''
from l13_assets.builders import Builder, Built, Context, Output


def build(ctx: Context) -> Built:
    return Built([Output("toy/title.txt", ctx.source.lesson.meta.title.encode())])


BUILDER = Builder(name="toy", description="the lesson's title in a text file", reads=("meta",), options=(),
                  cost=0.1, build=build)
'''


@pytest.fixture
def with_toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    (tmp_path / "toy_builder.py").write_text(TOY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "MODULES", (*registry.MODULES, "toy_builder"))  # the one registry line
    registry.builders.cache_clear()
    from l13_assets import cli

    yield
    registry.builders.cache_clear()
    monkeypatch.undo()
    importlib.reload(cli)


def test_a_toy_builder_is_one_module_and_one_registry_line(with_toy: None, source_copy: Path, tmp_path: Path) -> None:
    from l13_assets import cli

    importlib.reload(cli)  # the CLI's options are made from the registry
    runner = CliRunner()
    help_text = runner.invoke(cli.main, ["build", "--help"]).output
    assert "toy: the lesson's title in a text file" in re.sub(r"\s+", " ", help_text)
    out = tmp_path / "out"
    result = runner.invoke(cli.main, ["build", "--source", str(source_copy), "--out", str(out), "--only", "toy",
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["built"] == ["toy"]
    assert (out / "toy" / "title.txt").read_text() != ""
    recorded = json.loads((out / "manifest.json").read_text())
    assert recorded["builders"]["toy"]["outputs"] == ["toy/title.txt"]


def test_a_name_declared_twice_is_refused() -> None:
    module = registry.MODULES[0]
    with pytest.raises(registry.DuplicateBuilder, match="declared by"):
        registry.collect((module, module))


def test_no_builder_is_named_in_the_pipeline_or_the_cli() -> None:
    for path in ("pipeline.py", "cli.py"):
        text = (REPO / "src" / "l13_assets" / path).read_text(encoding="utf-8")
        for name in registry.builders():
            assert not re.search(rf"[\"']{name}[\"']", text), f"{path} names the builder {name}"


def test_the_registry_imports_no_generator_library() -> None:
    script = ("import sys; from l13_assets.builders.registry import builders; builders(); "
              "print(sorted(m for m in ('matplotlib', 'reportlab', 'genanki', 'sympy', 'numpy', 'jinja2', "
              "'pydantic', 'anki') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_costliest_stale_builder_is_the_one_on_the_other_core(source_copy: Path, tmp_path: Path) -> None:
    from support import run_cli

    result = run_cli("build", "--source", str(source_copy), "--out", str(tmp_path / "out"),
                     "--only", "figures,deck,cheatsheet")
    assert result.returncode == 0, result.stderr
    costliest = max((registry.builders()[n] for n in ("figures", "deck", "cheatsheet")), key=lambda b: b.cost)
    forked = [line for line in result.stderr.splitlines() if line.endswith("in parallel on the other core")]
    assert len(forked) == 1 and forked[0].startswith(f"built {costliest.name} "), result.stderr
