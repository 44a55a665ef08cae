"""Read YAML into plain data, remembering where every key and value stands.

PyYAML's composer gives the node tree with positions and without constructing anything; this module turns
it into dicts, tuples and scalars itself, so that it can refuse what a source of facts should never contain
(duplicate keys, tags that would construct objects, NaN, runaway alias expansion) and report each with its
line and column. Floats become ``Decimal`` from their written text, so 0.4000 keeps its four decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from .errors import Problem

Path = tuple[str | int, ...]

MAX_BYTES = 5_000_000
MAX_NODES = 100_000  # values produced after alias expansion: a billion-laughs file stops here
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Located:
    """Plain data read from one file, with the position of every value and every mapping key."""

    file: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)  # path -> (line, column), 1-based
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    text: str = ""  # the file as read, and where each scalar is written in it: [start, end) character offsets
    spans: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Where ``path`` is written; for a path that is not there (a missing key), where its parent is."""
        table = self.keys if key else self.values
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefix in table:
                return table[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (1, 1)

    def inside(self, path: Path, needle: str, occurrence: int) -> tuple[int, int]:
        """The line and column of the ``occurrence``-th (0-based) ``needle`` in the value at ``path`` as written,
        so a problem can point at the offending character rather than at a long value's start. A needle the
        file does not spell as the value does (written as an escape such as \\u2014) gives the value's start."""
        start, end = self.spans.get(path, (0, 0))
        at = start - 1
        for _ in range(occurrence + 1):
            at = self.text.find(needle, at + 1, end)
            if at < 0:
                return self.position(path)
        line_start = self.text.rfind("\n", 0, at) + 1
        return self.text.count("\n", 0, at) + 1, at - line_start + 1

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        line, column = self.position(path, key=key)
        return Problem(self.file, line, column, dotted(path), message)


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _tag_message(tag: str) -> str:
    shown = "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag
    return f"tag {shown} is not allowed, expected plain YAML without tags"


class _Reject(Exception):
    def __init__(self, node: yaml.Node, path: Path, message: str) -> None:
        self.node, self.path, self.message = node, path, message


def read_yaml(raw: bytes, file: str) -> tuple[Located | None, list[Problem]]:
    """Parse ``raw``; return the located data, or None with the problems that stopped it."""
    if len(raw) > MAX_BYTES:
        return None, [Problem(file, 0, 0, "", f"file is {len(raw):,} bytes, expected at most {MAX_BYTES:,}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"byte 0x{raw[error.start]:02x} is not UTF-8, expected a UTF-8 text file"
        return None, [Problem(file, line, column, "", message)]
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(part for part in (error.context, error.problem) if part)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        row = text.split("\n")[line - 1] if 0 < line <= text.count("\n") + 1 else ""
        if 0 < column <= len(row) and row[column - 1] == "\t":
            return None, [Problem(file, line, column, "", "YAML syntax error: a tab, expected spaces to indent "
                                  "(YAML does not allow tabs there)")]
        unclosed = _unclosed_quote(text, file, error)
        if unclosed:
            return None, [unclosed]
        return None, [Problem(file, line, column, "", f"YAML syntax error: {what}, expected valid YAML")]
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, such as a control character
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        message = f"character U+{error.character:04X} is not allowed ({error.reason}), expected printable text"
        return None, [Problem(file, line, column, "", message)]
    except yaml.YAMLError as error:
        reason = " ".join(str(error).split())
        return None, [Problem(file, 0, 0, "", f"YAML error: {reason}, expected valid YAML")]
    except RecursionError:
        return None, [Problem(file, 0, 0, "", f"nesting is too deep, expected at most {MAX_DEPTH} levels")]
    if root is None:
        return None, [Problem(file, 1, 1, "", "the file is empty, expected a mapping of the lesson's sections")]
    located = Located(file, None, text=text)
    builder = _Builder(located)
    try:
        located.data = builder.build(root, ())
    except _Reject as reject:
        mark = reject.node.start_mark
        return None, [Problem(file, mark.line + 1, mark.column + 1, dotted(reject.path), reject.message)]
    return located, builder.problems


def _unclosed_quote(text: str, file: str, error: yaml.MarkedYAMLError) -> Problem | None:
    """A string whose closing quote is missing, reported where the string began.

    YAML lets a quoted string run over lines, so a missing quote surfaces later: at the end of the file, or
    (more often) one line down, where the next quote ends the string and the rest of that line makes no
    sense ("did not find expected key"). Either way the place to fix is where the string began."""
    if error.context == "while scanning a quoted scalar" and error.context_mark is not None:
        start = error.context_mark
        quote = text[start.index]
        return Problem(file, start.line + 1, start.column + 1, "", f"YAML syntax error: the string opened by "
                       f"{quote} here is never closed, expected a closing {quote} at the end of the string")
    mark = error.problem_mark
    if mark is None:
        return None
    spanning = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= mark.index:
                break
            if (isinstance(token, yaml.ScalarToken) and token.style in ('"', "'")
                    and token.start_mark.line < token.end_mark.line):
                spanning = token
    except yaml.YAMLError:
        pass  # the scan stops at the same error; the tokens before it are all it needs
    if spanning is None or mark.line - spanning.end_mark.line > 1:  # an error far from the string: not it
        return None
    start, end = spanning.start_mark, spanning.end_mark
    quote = spanning.style
    return Problem(file, start.line + 1, start.column + 1, "", f"YAML syntax error: the string opened by {quote} "
                   f"here has no closing {quote} on line {start.line + 1} (YAML read on to the {quote} at line "
                   f"{end.line + 1}, column {end.column}), expected a closing {quote} at the end of the string")


class _Builder:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Reject(node, path, f"aliases expand to more than {MAX_NODES:,} values, expected a small file")
        if len(path) > MAX_DEPTH:
            raise _Reject(node, path[:4], f"nesting is too deep, expected at most {MAX_DEPTH} levels")
        self.located.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                raise _Reject(node, path, _tag_message(node.tag))
            return tuple(self.build(item, (*path, i)) for i, item in enumerate(node.value))
        self.located.spans[path] = (node.start_mark.index, node.end_mark.index)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            raise _Reject(node, path, _tag_message(node.tag))
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise _Reject(key_node, path, "merge keys (<<) are not supported, expected the keys written out")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                raise _Reject(key_node, path, "a key is not plain text, expected a name such as `id`")
            key = key_node.value
            child = (*path, key)
            mark = key_node.start_mark
            if key in out:
                first = self.located.keys[child][0]
                self.problems.append(Problem(self.located.file, mark.line + 1, mark.column + 1, dotted(child),
                                             f"duplicate key (first at line {first}), expected each key once"))
                continue
            self.located.keys[child] = (mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, child)
        return out

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise _Reject(node, path, _tag_message(tag))
        text = node.value
        if tag == _TAG + "float":
            try:
                value = Decimal(text.replace("_", ""))
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                raise _Reject(node, path, f"{text} is not a finite number, expected a number such as 0.5")
            return value
        if tag == _TAG + "int":
            return self.constructor.construct_yaml_int(node)  # type: ignore[arg-type]
        if tag == _TAG + "bool":
            return self.constructor.construct_yaml_bool(node)  # type: ignore[arg-type]
        if tag == _TAG + "null":
            return None
        return text  # str and timestamp: kept as the text written
