"""Problems a user can fix, kept apart from bugs.

A ``Problem`` is one located complaint about the source. Everything that goes wrong because of the user's
input (a bad source file, a failed fact check, an unwritable output folder) becomes a ``UserError`` carrying
one or more problems; the CLI prints them one per line and exits 1. Any other exception is a bug and keeps
its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

# Control characters shown escaped, so that one problem is always one line.
_ONE_LINE = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]} | {0x0A: "\\n", 0x09: "\\t"}


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int  # 1-based; 0 when the problem has no place in a file
    column: int  # 1-based; 0 when unknown
    path: str  # dotted path inside the source, "" for the whole file
    message: str  # what is wrong, then what was expected

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return text.translate(_ONE_LINE)  # a quoted key or value may hold a newline: keep one line each

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.column, "path": self.path,
                "message": self.message}


class UserError(Exception):
    """Input the user can fix. Printed as one line per problem, exit code 1."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems

    def __reduce__(self) -> tuple[type[UserError], tuple[list[Problem]]]:
        return (UserError, (self.problems,))  # so a worker process can hand it back intact

    @classmethod
    def plain(cls, file: str, message: str) -> UserError:
        return cls([Problem(file, 0, 0, "", message)])


class CheckFailed(UserError):
    """Facts of a loaded source that failed their check: the problems, and the counts ``build --json`` reports
    (as ``check --json`` does)."""

    def __init__(self, problems: list[Problem], facts_checked: int, failed: int) -> None:
        super().__init__(problems)
        self.facts_checked, self.failed = facts_checked, failed

    def __reduce__(self) -> tuple[type[CheckFailed], tuple[list[Problem], int, int]]:  # type: ignore[override]
        return (CheckFailed, (self.problems, self.facts_checked, self.failed))
