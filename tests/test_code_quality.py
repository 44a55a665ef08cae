"""ruff and mypy run with the tests, so the README's one test command covers lint and types too."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from support import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, check=False,
                          timeout=600)


def test_ruff() -> None:
    result = _run("ruff", "check", "src", "tests", "bench", "noxfile.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_src() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


# Size limits a newcomer can read in one sitting. A module may be longer when its docstring says why
# ("longer than 400 lines on purpose"), a function when the comment on the line above it says why
# ("longer than 50 lines on purpose").
MODULE_LINES, FUNCTION_LINES = 400, 50
MODULE_REASON, FUNCTION_REASON = "longer than 400 lines on purpose", "longer than 50 lines on purpose"


def _python_files() -> list[Path]:
    return sorted(p for folder in ("src", "tests", "bench", "docs") for p in (REPO / folder).rglob("*.py"))


def _oversized(path: Path, root: Path = REPO) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    found = []
    if len(lines) > MODULE_LINES and MODULE_REASON not in " ".join((ast.get_docstring(tree) or "").split()):
        found.append(f"{path.relative_to(root)}: {len(lines)} lines, expected at most {MODULE_LINES} "
                     f"or a docstring that says why ('{MODULE_REASON}')")
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            size = (node.end_lineno or node.lineno) - first + 1
            above = lines[first - 2] if first >= 2 else ""
            if size > FUNCTION_LINES and FUNCTION_REASON not in above:
                found.append(f"{path.relative_to(root)}:{first}: {node.name} is {size} lines, expected at most "
                             f"{FUNCTION_LINES} or a comment above it that says why ('{FUNCTION_REASON}')")
    return found


def test_no_module_or_function_is_oversized_without_a_reason() -> None:
    found = [line for path in _python_files() for line in _oversized(path)]
    assert not found, "\n".join(found)


def test_the_size_check_finds_a_long_function_and_accepts_a_stated_reason(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(FUNCTION_LINES))
    long_function = tmp_path / "long.py"
    long_function.write_text(f'"""A module."""\n\n\ndef f() -> None:\n{body}')
    explained = tmp_path / "explained.py"
    explained.write_text(f'"""A module."""\n\n\n# {FUNCTION_REASON}: one table\ndef f() -> None:\n{body}')
    assert [line.split(": ", 1)[1] for line in _oversized(long_function, tmp_path)] == [
        f"f is {FUNCTION_LINES + 1} lines, expected at most {FUNCTION_LINES} or a comment above it that says "
        f"why ('{FUNCTION_REASON}')"]
    assert _oversized(explained, tmp_path) == []



def _layout_block() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it is built"):]
    return section[section.index("```"):section.index("```", section.index("```") + 3)]


def test_the_readme_layout_names_every_module_and_package() -> None:
    """The README's layout section is how a newcomer finds their way: every module and builder package of
    ``src/l13_assets`` (and of ``builders/``) is named there, and nothing it names is gone."""
    layout = _layout_block()
    package = REPO / "src" / "l13_assets"
    missing = []
    for folder in (package, package / "builders"):
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("__") or not (entry.suffix == ".py" or (entry / "__init__.py").exists()):
                continue
            stem = entry.stem if entry.suffix == ".py" else entry.name
            if not re.search(rf"\b{re.escape(stem)}\b", layout):
                missing.append(entry.relative_to(package).as_posix())
    assert not missing, f"README's layout section does not name: {', '.join(missing)}"
    for named in re.findall(r"^ {2,4}([a-z_]+)(?:\.py|/)", layout, re.MULTILINE):
        assert any((base / f"{named}.py").exists() or (base / named).is_dir()
                   for base in (package, package / "builders")), f"README's layout names {named}, which is gone"


def test_the_readme_links_every_screenshot_the_script_makes_and_each_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\(docs/cards/([a-z0-9-]+\.png)\)", readme))
    on_disk = {p.name for p in (REPO / "docs" / "cards").glob("*.png")}
    assert linked == on_disk, (f"linked but missing: {sorted(linked - on_disk)}; "
                               f"made but unlinked: {sorted(on_disk - linked)}")
