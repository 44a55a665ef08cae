"""The output folder's manifest: what each builder last wrote, and a fingerprint of what it was built from.

A builder is stale when its fingerprint changed or one of its recorded files is missing or altered. A
fingerprint covers the tool version, the templates, the builder's declared options, and only the parts of
the source the builder declares it reads (``Builder.reads``), plus the sections those parts refer to by
entry id (a card's ``[[worked-example.z]]``, a formula ``stage-rm.formula``, a ``sources`` list), so editing
a β row rebuilds the sheet and leaves the deck alone. The pseudo-section ``history`` is the deck's note
history beside the source.

This module reads the source as text only: a build with nothing to do never parses YAML or imports pydantic.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .builders import Builder
    from .builders.options import Options

NAME = "manifest.json"
FORMAT = 1

_SECTION = re.compile(rb"^([A-Za-z_][A-Za-z0-9_]*):", re.MULTILINE)
_ID = re.compile(rb"^[ \t-]*id:[ \t]*['\"]?([a-z0-9][a-z0-9-]*)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)
# A YAML anchor or alias lets one section's value appear in another: then every builder reads everything.
_ALIAS = re.compile(rb"(?:^|[\s\[{,:])[&*][A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Inputs:
    """What a build reads beside the source, read once: the source's bytes and the deck's note history."""

    raw: bytes
    history: bytes | None


@dataclass
class Manifest:
    builders: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"inputs": hash, "outputs": []}
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> {"path", "size", "sha256"}

    def recorded(self, name: str) -> list[str]:
        return list(self.builders.get(name, {}).get("outputs", []))

    def has(self, name: str) -> bool:
        return name in self.builders


def read(out: Path) -> Manifest | None:
    """The manifest of an earlier build of this format; None when there is none or it cannot be used."""
    record = read_any(out)
    if record is None or record.get("format") != FORMAT:
        return None
    builders = record.get("builders")
    outputs = record.get("outputs")
    if not isinstance(builders, dict) or not isinstance(outputs, list):
        return None
    return Manifest({k: v for k, v in builders.items() if isinstance(v, dict)},
                    {str(e["path"]): e for e in outputs if isinstance(e, dict) and "path" in e})


def read_any(out: Path) -> dict[str, Any] | None:
    """The manifest file's JSON object, of any format (an older build's folder is ours too)."""
    try:
        record = json.loads((out / NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def file_entry(path: str, data: bytes) -> dict[str, object]:
    return {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def stale(builders: list[Builder], prints: dict[str, str], manifest: Manifest | None, out: Path) -> list[str]:
    """The builders whose fingerprint changed or whose recorded files are not there as recorded."""
    if manifest is None:
        return [b.name for b in builders]
    found = []
    for builder in builders:
        entry = manifest.builders.get(builder.name, {})
        files = entry.get("outputs", [])
        if entry.get("inputs") != prints[builder.name] or not all(
                p in manifest.outputs and _matches(out, manifest.outputs[p]) for p in files):
            found.append(builder.name)
    return found


def _matches(out: Path, entry: dict[str, Any]) -> bool:
    path = out / str(entry["path"])
    try:
        return bool(path.stat().st_size == entry["size"]
                    and hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"])
    except OSError:
        return False


def record(source_name: str, inputs: Inputs, facts_checked: int, builders: dict[str, dict[str, Any]],
           entries: list[dict[str, object]]) -> bytes:
    """The manifest's bytes: stable key order, so the same build gives the same file."""
    data = {
        "format": FORMAT,
        "tool": {"name": "l13-assets", "version": __version__},
        "source": {"name": source_name, "sha256": hashlib.sha256(inputs.raw).hexdigest()},
        "facts_checked": facts_checked,
        "builders": dict(sorted(builders.items())),
        "outputs": sorted(entries, key=lambda e: str(e["path"])),
    }
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


# ---- fingerprints ----------------------------------------------------------------------------------------


def fingerprints(builders: list[Builder], inputs: Inputs, options: Options, epoch: int | None) -> dict[str, str]:
    """Per builder, a hash of everything its bytes depend on (see the module docstring).

    Library versions are left out on purpose: looking them up costs more than the whole no-op build, and
    outputs made by an older library are still valid assets. After upgrading libraries, build with --force.
    """
    from .builders.options import fingerprint_values

    common = hashlib.sha256(f"{__version__}\0".encode())
    common.update(_templates_digest())
    parts = sections(inputs.raw)
    prints = {}
    for builder in builders:
        digest = common.copy()
        digest.update(f"\0{builder.name}\0{fingerprint_values(options, builder.options, epoch)}\0".encode())
        for name in sorted(read_sections(builder.reads, parts)):
            digest.update(name.encode() + b"\0" + hashlib.sha256(parts[name]).digest())
        if "history" in builder.reads:
            digest.update(b"-" if inputs.history is None else hashlib.sha256(inputs.history).digest())
        prints[builder.name] = digest.hexdigest()
    return prints


def _templates_digest() -> bytes:
    from .resources import templates_dir

    digest = hashlib.sha256()
    root = templates_dir()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


def sections(raw: bytes) -> dict[str, bytes]:
    """The source's top-level sections as text, by key; the header before the first key is "" (comments)."""
    marks = [(m.group(1).decode(), m.start()) for m in _SECTION.finditer(raw)]
    found = {"": raw[:marks[0][1]] if marks else raw}
    for (name, start), (_, end) in zip(marks, [*marks[1:], ("", len(raw))], strict=True):
        found[name] = raw[start:end]
    return found


def read_sections(reads: tuple[str, ...], parts: dict[str, bytes]) -> set[str]:
    """The sections a builder reading ``reads`` depends on: those, and every section defining an entry id
    that they mention, repeated until nothing is added. Everything when the source uses anchors."""
    if any(_ALIAS.search(text) for name, text in parts.items() if name):
        return set(parts) - {""}
    defined = {entry_id: name for name, text in parts.items() if name for entry_id in _ID.findall(text)}
    pattern = re.compile(rb"(?<![a-z0-9-])(" + b"|".join(re.escape(i) for i in sorted(defined, key=len, reverse=True))
                         + rb")(?![a-z0-9-])") if defined else None
    wanted = {name for name in reads if name in parts}
    todo = list(wanted)
    while todo and pattern is not None:
        for match in pattern.finditer(parts[todo.pop()]):
            section = defined[match.group(1)]
            if section not in wanted:
                wanted.add(section)
                todo.append(section)
    return wanted
