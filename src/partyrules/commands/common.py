"""Helpers shared by the command-line commands: exit codes, parameter overrides and finding rule-set files."""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, Location, ParameterError
from ..jsonlimits import loads_bounded

EXIT_UNREADABLE = 1  # a file that cannot be read at all (so nothing was scored)
EXIT_INVALID = 3
EXIT_TEST_FAILED = 4
EXIT_PROPERTY_FAILED = 5
EXIT_GATE_EXCEEDED = 6
EXIT_ROWS_FAILED = 10


MAX_PARAM_CHARS = 10_000
"""The longest ``--param`` value read: parameters are numbers, texts and short lists."""


def parse_params(pairs: Sequence[str] | None) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as overrides: a VALUE that is JSON is read as JSON (within :data:`MAX_PARAM_CHARS` and
    the nesting limit of :mod:`partyrules.jsonlimits`), any other VALUE is a text. A value beyond a limit is a
    :class:`ParameterError` naming the ``--param``, never a traceback."""
    out: dict[str, Any] = {}
    for pair in pairs or ():
        if "=" not in pair:
            raise ParameterError(f"--param needs NAME=VALUE, got {_short(pair)} / --param 应写作 名称=值",
                                 hint="e.g. --param organ_volunteer_hours=150")
        name, raw = pair.split("=", 1)
        name = name.strip()
        if len(raw) > MAX_PARAM_CHARS:
            raise ParameterError(f"--param {_short(name)}: the value is {len(raw):,} characters, more than the limit "
                                 f"of {MAX_PARAM_CHARS:,} / 参数值过长", hint="parameters are numbers, texts or "
                                 "short lists")
        try:
            out[name] = loads_bounded(raw)
        except json.JSONDecodeError:
            out[name] = raw  # not JSON: the value is the text itself
        except ValueError as exc:  # JSON beyond a limit: deep nesting, a number of thousands of digits
            raise ParameterError(f"--param {_short(name)}: the JSON value is {exc} / 参数值超出限制",
                                 hint="give a number, a text or a short list") from None
    return out


def _short(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def ruleset_files(paths: Sequence[str], refused: list[Diagnostic] | None = None) -> list[Path]:
    """The rule-set files among ``paths``: each file given, and every ``*.yaml``/``*.yml`` under each directory
    given (test cases and data files aside).

    Only regular files are read: under a directory, anything else named ``*.yaml`` (a FIFO, a socket, a device:
    opening a FIFO waits for a writer forever) and any link that resolves outside that directory (its content is
    someone else's) are refused without being opened, each as a :class:`Diagnostic` appended to ``refused``, or
    printed to stderr when no list is given. A file named on the command line that is not a regular file is refused
    the same way; one that does not exist is left to the loader, which says so."""
    files: list[Path] = []
    found: list[Diagnostic] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(_files_under(p, found))
        elif _exists(p) and not _regular(p):
            found.append(_not_regular(p))
        else:
            files.append(p)
    if refused is not None:
        refused.extend(found)
    else:
        for d in found:
            print(f"partyrules: {d.format()}", file=sys.stderr)
    return files


def _files_under(directory: Path, refused: list[Diagnostic]) -> list[Path]:
    try:
        root = directory.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        refused.append(Diagnostic("RS120", f"cannot read the directory {directory}: {exc} / 无法读取目录",
                                  Location(str(directory)), "check the path"))
        return []
    out: list[Path] = []
    # os.walk does not follow links to directories (a link loop, or a way out of the directory); a link to a
    # directory inside is walked where it really is
    for base, dirs, names in os.walk(directory, followlinks=False):
        for d in sorted(dirs):
            link = Path(base) / d
            if link.is_symlink() and _outside(link, root):
                refused.append(_escaping(link, root))
        for name in names:
            x = Path(base) / name
            if not name.endswith((".yaml", ".yml")) or name.endswith((".test.yaml", ".test.yml")):
                continue
            if _outside(x, root):
                refused.append(_escaping(x, root))
            elif not _regular(x):
                refused.append(_not_regular(x))
            elif not _is_data_file(x):
                out.append(x)
    return sorted(out)


def _exists(path: Path) -> bool:
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):
        return False


def _regular(path: Path) -> bool:
    """A regular file (after links): found without opening it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError, RuntimeError):
        return False


def _outside(path: Path, root: Path) -> bool:
    try:
        path.resolve(strict=False).relative_to(root)
    except ValueError:
        return True
    except (OSError, RuntimeError):  # a link loop: it leads nowhere inside
        return True
    return False


def _not_regular(path: Path) -> Diagnostic:
    return Diagnostic("RS120", f"{path} is not a regular file (a FIFO, socket, device or dangling link); not read / "
                      "不是普通文件，未读取", Location(str(path)), "rule sets are regular .yaml files: remove it or "
                      "give it another name")


def _escaping(path: Path, root: Path) -> Diagnostic:
    return Diagnostic("RS122", f"{path} is a link that resolves outside the directory {root}; not read / "
                      "链接指向目录之外，未读取", Location(str(path)),
                      "copy the rule set into the directory, or validate the other directory itself")


_HEAD_BYTES = 16_000


def _head(path: Path) -> str | None:
    """The start of a regular file as text (only its first bytes are read), or None when it cannot be read."""
    if not _regular(path):
        return None
    try:
        with path.open("rb") as fh:
            return fh.read(_HEAD_BYTES).decode("utf-8", errors="replace")[:4000]
    except OSError:
        return None


def _is_data_file(path: Path) -> bool:
    """A YAML data file beside the rule sets that is not one (``kind: star-targets``): rule sets have no kind."""
    head = _head(path)
    return head is not None and any(line.startswith("kind:") for line in head.splitlines())


def is_fragment(path: Path) -> bool:
    head = _head(path)
    return head is not None and any(line.strip() == "fragment: true" for line in head.splitlines())


# -- the command-line boundary: rule-set names, money, one-line errors in CLI terms ------------------------------
def ruleset_arg(text: str) -> str:
    """A rule-set path as given, or the file of a shipped rule set named by its short name (``in_service``,
    ``retired``, ``new_citizen``, ``branch``, ``community``) when no such path exists; used as argparse ``type=``
    wherever a rule-set path is accepted."""
    from ..shipped_rulesets import SHIPPED, shipped_ruleset_path

    if text in SHIPPED and not _exists(Path(text)):
        return str(shipped_ruleset_path(text))
    return text


def yuan_to_fen(text: str) -> int:
    """An amount of yuan (``1200``, ``1200.50``) as whole fen, exactly: read as a Decimal, never a float, so that
    ``0.29`` is 29 fen; more than two decimals, a negative or a non-number is a usage error."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text.strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount of yuan: {_short(text)} / 不是以元为单位的金额") from None
    if not value.is_finite():
        raise argparse.ArgumentTypeError(f"not a finite amount of yuan: {_short(text)} / 金额必须是有限数")
    fen = value * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise argparse.ArgumentTypeError(f"{_short(text)} is not a non-negative amount exact to the fen (0.01 "
                                         "yuan) / 金额须为非负且精确到分")
    return int(fen)


def fen_int(text: str) -> int:
    """The deprecated ``--funding-pool FEN`` spelling: a non-negative whole number of fen."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of fen: {_short(text)}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a pool is 0 or more, not {value}")
    return value


# Hints written for library callers name Python arguments; on the command line the same advice names flags.
_CLI_HINTS: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    (r"pass period=Period\.year\((\d+)\)(?: \(or a quarter, or a month range\))?",
     r"give --period \1 (or 2026-Q1, 2026-03, 2026-01..2026-06)"),
    (r"(?:partyrules\.)?Period\.year\((\d+)\)", r"--period \1"),
    (r"pass period= explicitly", "give --period (e.g. --period 2026)"),
    (r"pass format='parquet', 'csv' or 'jsonl'",
     "give a .jsonl file, or a directory of .parquet or .csv tables (subjects.parquet, ...)"),
    (r"read_population\('([^']*)'\)", r"--population \1"),
    (r"read_only=True opens an existing ledger file", "give the path of an existing ledger file"),
    (r"\bpass (\w+)=", lambda m: f"give --{m.group(1).replace('_', '-')} "),
)


def cli_hint(text: str) -> str:
    """A message or hint in command-line terms: Python argument advice becomes flag advice."""
    for pattern, repl in _CLI_HINTS:
        text = re.sub(pattern, repl, text)
    return text


SHIPPED_HINT = "or a shipped rule set: in_service, retired, new_citizen, branch, community"


def error_line(command: str, message: str, where: str | None = None, hint: str | None = None) -> str:
    """``partyrules <command>: <where>: <what> (hint: <hint>)`` on one line, in command-line terms."""
    text = " ".join(message.split())  # one problem, one line
    if where and not text.startswith(where):
        text = f"{where}: {text}"
    if hint:
        text += f" (hint: {' '.join(hint.split())})"
    return cli_hint(f"partyrules {command}: {text}")


def diagnostic_line(command: str, d: Diagnostic) -> str:
    hint = d.hint
    if d.code == "RS120" and hint == "check the path":
        hint = f"check the path, {SHIPPED_HINT}"
    where = str(d.location) if d.location else None
    return error_line(command, f"{d.code}: {d.message}", where, hint)


def report(command: str, exc: BaseException) -> None:
    """Print an expected failure as one line per problem on stderr (a rule set's every diagnostic, each alone)."""
    from ..errors import PartyRulesError, RuleSetError

    if isinstance(exc, RuleSetError):
        for d in exc.diagnostics:
            print(diagnostic_line(command, d), file=sys.stderr)
    elif isinstance(exc, PartyRulesError):
        where = str(exc.location) if exc.location else None
        print(error_line(command, exc.message, where, exc.hint), file=sys.stderr)
    elif isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else None
        print(error_line(command, exc.strerror or str(exc), None if where is None else str(where),
                         "check the path and its permissions"), file=sys.stderr)
    else:
        print(error_line(command, str(exc) or type(exc).__name__), file=sys.stderr)


def display_width(text: str) -> int:
    """Columns a text takes on a terminal: wide and full-width characters (Chinese) take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded to ``width`` display columns (``<`` left, ``>`` right), as f-string alignment does for
    one-column characters."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if align == ">" else text + gap
