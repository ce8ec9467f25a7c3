"""JSON from outside (fact files, ``--param`` values) decoded within limits, so that hostile text ends in a
``ValueError`` with a reason instead of a ``RecursionError``, a crash or minutes of work.

The standard decoder recurses once per level of nesting (100,000 ``[`` exhaust the interpreter's stack) and
refuses integers of more than 4,300 digits with a ``ValueError`` that names no place. Here the nesting depth is
measured first without recursion, and every failure is a :class:`JsonLimitError` or ``json.JSONDecodeError``
(both ``ValueError``) whose message says what is wrong.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from .errors import JsonLimitError

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects read (a facts bundle needs 4 levels; a rule set's YAML is bounded at 32
too)."""

# a complete JSON string (escapes included), written unrolled so that long strings cost one pass
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# a byte that is not UTF-8, as the ``surrogateescape`` error handler decodes it
NOT_UTF8 = re.compile("[\udc80-\udcff]")


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings (0 for a scalar), counted without recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def loads_bounded(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(text)`` for text from outside: ``ValueError`` (with the reason) on anything it cannot read."""
    depth = nesting_depth(text)
    if depth > max_depth:
        raise JsonLimitError(f"nested more than {max_depth} levels deep (arrays and objects)")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:  # not reached within max_depth; kept so that no limit change can bring it back
        raise JsonLimitError(f"nested too deeply (more than {max_depth} levels)") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise JsonLimitError(_digits_reason(exc)) from None


def _digits_reason(exc: ValueError) -> str:
    text = str(exc)
    if "integer string conversion" in text:
        return "a number with more than 4,300 digits"
    return text
