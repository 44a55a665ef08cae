"""The result of checking one fact."""

from __future__ import annotations

from dataclasses import dataclass

from ..yaml_reader import Path


@dataclass(frozen=True)
class Fact:
    """One checked claim. ``path`` locates it in the source (the nearest written key when the claim is
    derived, e.g. a generated drill points at its spec)."""

    kind: str  # "number", "limit", "identity", "rule", "style", "drill"
    path: Path
    claim: str  # what the source (or the asset) says
    computed: str  # what the check found
    ok: bool
    detail: str = ""  # for a failure: why, in words
    inputs: tuple[Path, ...] = ()  # the source values the claim was computed from, named in a failure
    at: tuple[str, int] | None = None  # for a failure: the offending text in the value, (text, which occurrence)
    also: tuple[Fact, ...] = ()  # further failures of the same claim (each wrong item of a list), reported too

    @property
    def label(self) -> str:
        from ..yaml_reader import dotted

        return dotted(self.path)
