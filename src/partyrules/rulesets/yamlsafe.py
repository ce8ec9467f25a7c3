"""A hardened YAML reader for rule sets written by people who may not be trusted.

It reads the event stream (never PyYAML's recursive composer, which crashes the process on deep nesting) and
builds plain Python data itself, so that it can:
- refuse every tag (``!!python/...`` and any other), anchors and aliases (no "billion laughs"), NaN and infinities,
  duplicate keys and non-string keys;
- bound the file size, the nesting depth, the number of nodes and the length of a scalar;
- remember where every value came from (line, column, scalar style), so that errors, including errors inside
  expressions, point at ``file:line:column``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from ..errors import Diagnostic, Location, RuleSetError, RuleSetLimitError, RuleSetSyntaxError
from ..lang.limits import NUMBER_HINT, number_problem, out_of_range

try:  # libyaml's event parser is iterative and much faster; fall back to the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on one rule-set file. The defaults are far above any real rule set."""

    max_bytes: int = 2_000_000
    max_depth: int = 32
    max_nodes: int = 200_000
    max_scalar_chars: int = 20_000
    max_files: int = 64


DEFAULT_LIMITS = Limits()

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based
    style: str | None  # None for plain scalars, '"' or "'" for quoted, '|' or '>' for block scalars
    end_line: int = 0  # 1-based line where the value ends (0: unknown), to bound searches inside it


@dataclass(slots=True)
class YamlDocument:
    """Plain data plus the source position of every node, keyed by its path of keys and indices."""

    data: Any
    marks: dict[Path, Mark]
    file: str | None
    key_marks: dict[Path, Mark]
    text: str = ""  # the source, to place errors inside multi-line values
    _lines: list[str] | None = field(default=None, repr=False, compare=False)

    def lines(self) -> list[str]:
        """The source's lines, split once: placing each of thousands of expressions must not split the whole file
        again (that made loading quadratic in the file's size)."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def location(self, path: Path, *, key: bool = False) -> Location:
        """The position of ``path`` (of its key when ``key``), or of its nearest ancestor that has one."""
        probe = tuple(path)
        if key and probe in self.key_marks:
            found = self.key_marks[probe]
            return Location(self.file, found.line, found.column, format_path(path))
        while probe not in self.marks and probe:
            probe = probe[:-1]
        mark = self.marks.get(probe)
        if mark is None:
            return Location(self.file, None, None, format_path(path))
        return Location(self.file, mark.line, mark.column, format_path(path))


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}

_resolver = Resolver()
# PyYAML's stubs leave Resolver.resolve unannotated: this is the signature it has
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = _resolver.resolve
_constructor = SafeConstructor()
_INT = "tag:yaml.org,2002:int"
# the significant digits of one part of a YAML integer (decimal, 0x hex, 0b binary, 0 octal, or a:b:c base 60)
_INT_PART = re.compile(r"[-+]?(?:0[xbo]?)?0*([0-9a-fA-F]*)")
_MAX_INT_DIGITS = 64  # more significant digits than 2^53 has in any base: out of range without converting
_SURROGATE = re.compile("[\ud800-\udfff]")


def _fail(
    cls: type[RuleSetError], code: str, message: str, file: str | None, mark: Any,
    hint: str | None = None,
) -> NoReturn:
    loc = Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file)
    raise cls([Diagnostic(code, message, loc, hint)])


def _scalar(event: yaml.ScalarEvent, file: str | None, limits: Limits) -> Any:
    if event.anchor:
        _fail(RuleSetSyntaxError, "RS102", "anchors are not allowed in rule sets", file, event.start_mark,
              "write the value out in full")
    if len(event.value) > limits.max_scalar_chars:
        _fail(RuleSetLimitError, "RS110", f"a value of {len(event.value)} characters exceeds the limit of "
              f"{limits.max_scalar_chars}", file, event.start_mark)
    explicit = event.tag not in (None, "!")
    if explicit:
        _fail(RuleSetSyntaxError, "RS101", f"the YAML tag {event.tag!r} is not allowed in rule sets",
              file, event.start_mark, "rule sets are plain data: remove the tag")
    tag = _resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag not in _ALLOWED_TAGS:  # pragma: no cover - the resolver only yields the standard tags
        _fail(RuleSetSyntaxError, "RS101", f"unsupported value type {tag}", file, event.start_mark)
    if tag == "tag:yaml.org,2002:str" or tag == "tag:yaml.org,2002:timestamp":
        # dates stay strings: the schema decides how to read them
        return event.value
    if tag == _INT and _too_long(event.value):
        # Python refuses to convert more than 4,300 decimal digits (and PyYAML would try); such a number is out of
        # range whatever its base, so it is refused before any conversion
        _fail(RuleSetSyntaxError, "RS103", out_of_range(_short(event.value)), file, event.start_mark, NUMBER_HINT)
    # libyaml's events carry yaml._yaml.Mark, a type the stubs' ScalarNode does not list; it only shows it in errors
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)  # type: ignore[arg-type]
    value = _constructor.construct_object(node)
    if isinstance(value, float) and not math.isfinite(value):
        _fail(RuleSetSyntaxError, "RS103", f"{event.value!r} is not a finite number", file, event.start_mark,
              "NaN and infinities are not allowed in rule sets")
    problem = number_problem(value, _short(event.value))
    if problem is not None:
        _fail(RuleSetSyntaxError, "RS103", problem, file, event.start_mark, NUMBER_HINT)
    return value


def _too_long(text: str) -> bool:
    for part in text.replace("_", "").split(":"):
        m = _INT_PART.match(part)
        if m is None or len(m.group(1)) > _MAX_INT_DIGITS:
            return True
    return False


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _surrogate_problem(text: str, file: str | None) -> None:
    """Text handed over as a Python string can hold lone surrogates (half of a UTF-16 pair, not a character):
    they cannot be written as UTF-8 and would break hashing and printing later, so the text is refused here, at
    the place of the first one."""
    m = _SURROGATE.search(text)
    if m is None:
        return
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    raise RuleSetSyntaxError([Diagnostic("RS100", f"the text holds a lone surrogate U+{ord(m.group()):04X}, which is "
                                         "not a character (不是有效字符)", Location(file, line, column),
                                         "save the rule set as UTF-8 text")])


def _checked_text(text: str | bytes, file: str | None, limits: Limits) -> str:
    """The text to parse, refused before parsing when it holds a lone surrogate, is too large or is not UTF-8."""
    if isinstance(text, str):
        _surrogate_problem(text, file)
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > limits.max_bytes:
        raise RuleSetLimitError([Diagnostic("RS110", f"the file is {size} bytes, above the limit of "
                                            f"{limits.max_bytes}", Location(file), "split it into included files")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleSetSyntaxError([Diagnostic("RS100", f"the file is not UTF-8: {exc}", Location(file))]) from None
    return text


class _Builder:
    """Plain data and the marks of its values, built one parser event at a time (no recursion, so no depth to
    overflow)."""

    def __init__(self, file: str | None, limits: Limits) -> None:
        self.file = file
        self.limits = limits
        self.marks: dict[Path, Mark] = {}
        self.key_marks: dict[Path, Mark] = {}
        # Each open container: [container, path, pending key (maps only)]
        self.stack: list[list[Any]] = []
        self.root: Any = None
        self.documents = 0
        self.nodes = 0

    def place(self, value: Any, mark: Any, style: str | None, end: Any = None) -> Path:
        if not self.stack:
            self.root = value
            path: Path = ()
        else:
            top = self.stack[-1]
            container = top[0]
            if isinstance(container, list):
                path = (*top[1], len(container))
                container.append(value)
            else:
                key = top[2]
                if key is _NO_KEY:
                    return self._key(top, value, mark, style)
                path = (*top[1], key)
                container[key] = value
                top[2] = _NO_KEY
        self.marks[path] = Mark(mark.line + 1, mark.column + 1, style, end.line + 1 if end is not None else 0)
        return path

    def _key(self, top: list[Any], value: Any, mark: Any, style: str | None) -> Path:
        """A scalar in a map waiting for a key is that key: it becomes the pending key, marked on its own."""
        if not isinstance(value, str):
            _fail(RuleSetSyntaxError, "RS104", f"keys must be strings, not {value!r}", self.file, mark)
        if value in top[0]:
            _fail(RuleSetSyntaxError, "RS105", f"duplicate key {value!r}", self.file, mark,
                  "each key may appear once in a mapping")
        top[2] = value
        self.key_marks[(*top[1], value)] = Mark(mark.line + 1, mark.column + 1, style)
        parent: Path = top[1]
        return parent

    def feed(self, event: yaml.Event) -> None:
        file = self.file
        if isinstance(event, yaml.AliasEvent):
            _fail(RuleSetSyntaxError, "RS102", "aliases are not allowed in rule sets", file, event.start_mark,
                  "write the value out in full")
        if isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self.nodes += 1
            if self.nodes > self.limits.max_nodes:
                _fail(RuleSetLimitError, "RS111", f"more than {self.limits.max_nodes} values in one file", file,
                      event.start_mark, "split it into included files")
        if isinstance(event, yaml.ScalarEvent):
            style = event.style if event.style else None
            self.place(_scalar(event, file, self.limits), event.start_mark, style, event.end_mark)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self._open(event)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            self.stack.pop()
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                _fail(RuleSetSyntaxError, "RS106", "a rule-set file holds exactly one YAML document", file,
                      event.start_mark, "remove the extra '---'")

    def _open(self, event: yaml.SequenceStartEvent | yaml.MappingStartEvent) -> None:
        file, stack = self.file, self.stack
        if event.anchor:
            _fail(RuleSetSyntaxError, "RS102", "anchors are not allowed in rule sets", file,
                  event.start_mark, "write the value out in full")
        if event.tag not in (None, "!") and not event.implicit:
            _fail(RuleSetSyntaxError, "RS101", f"the YAML tag {event.tag!r} is not allowed in rule sets",
                  file, event.start_mark, "rule sets are plain data: remove the tag")
        if len(stack) >= self.limits.max_depth:
            _fail(RuleSetLimitError, "RS112", f"nesting deeper than {self.limits.max_depth} levels", file,
                  event.start_mark, "rule sets never need deep nesting")
        container: Any = [] if isinstance(event, yaml.SequenceStartEvent) else {}
        if stack and isinstance(stack[-1][0], dict) and stack[-1][2] is _NO_KEY:
            _fail(RuleSetSyntaxError, "RS104", "keys must be strings, not collections", file,
                  event.start_mark)
        path = self.place(container, event.start_mark, None)
        stack.append([container, path, _NO_KEY])


def _parser_error(exc: yaml.MarkedYAMLError, file: str | None, limits: Limits) -> NoReturn:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or str(exc)
    if "maximum nesting depth" in problem:
        # PyYAML 6.0.3+ has a nesting limit of its own (far above ours) that its scanner can hit before the
        # events reach our check: it is the same limit breached, so it gets the same error
        _fail(RuleSetLimitError, "RS112", f"nesting deeper than {limits.max_depth} levels", file, mark,
              "rule sets never need deep nesting")
    if exc.context:
        problem = f"{problem} ({exc.context})"
    _fail(RuleSetSyntaxError, "RS100", f"not valid YAML: {problem}", file, mark)


def load_yaml(text: str | bytes, file: str | None = None, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """Parse one YAML document into plain data with source marks, enforcing ``limits``."""
    text = _checked_text(text, file, limits)
    built = _Builder(file, limits)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            built.feed(event)
    except yaml.MarkedYAMLError as exc:
        _parser_error(exc, file, limits)
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise RuleSetSyntaxError([Diagnostic("RS100", f"not valid YAML: {exc}", Location(file))]) from None
    return YamlDocument(built.root, built.marks, file, built.key_marks, text)


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY = _NoKey()
