"""Parameter overrides: a value given for a declared parameter (by a caller, a command line or a reform) is
checked against the declaration (its type, choices, bounds, and what a rule-set file may hold) before any rule set
is built with it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ParameterError
from ..lang.check import suggest
from ..lang.limits import NUMBER_HINT, number_problem, shown
from .sources import Sources
from .yamlsafe import DEFAULT_LIMITS

__all__ = ["check_overrides"]


def check_overrides(sources: Sources, overrides: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in sources.params:
            raise ParameterError(f"unknown parameter {name!r} for rule set {sources.top.id}",
                                 hint=suggest(name, list(sources.params)) or "see the rule set's params:")
        declared = sources.params[name].spec
        old = declared.value
        if isinstance(value, float) and value != value:  # NaN
            raise ParameterError(f"parameter {name!r} cannot be NaN")
        ok = (
            (isinstance(old, bool) and isinstance(value, bool))
            or (isinstance(old, (int, float)) and not isinstance(old, bool)
                and isinstance(value, (int, float)) and not isinstance(value, bool)
                and value not in (float("inf"), float("-inf")))
            or (isinstance(old, str) and isinstance(value, str))
            or (isinstance(old, list) and isinstance(value, (list, tuple))
                and all(type(x) is type(old[0]) for x in value) if old else isinstance(value, (list, tuple)))
        )
        if not ok:
            raise ParameterError(f"parameter {name!r} must be like {old!r}, not {_short_repr(value)}",
                                 hint="give a value of the declared type")
        for part in (value if isinstance(value, (list, tuple)) else (value,)):
            problem = _override_problem(part)
            if problem is not None:
                raise ParameterError(f"parameter {name!r}: {problem}", hint=NUMBER_HINT if isinstance(
                    part, (int, float)) else "give plain text")
        if declared.choices is not None and value not in declared.choices:
            raise ParameterError(f"parameter {name!r} = {value!r} is not one of {declared.choices}",
                                 hint=suggest(str(value), [str(c) for c in declared.choices]))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if declared.min is not None and value < declared.min:
                raise ParameterError(f"parameter {name!r} = {value} is below its min {declared.min}")
            if declared.max is not None and value > declared.max:
                raise ParameterError(f"parameter {name!r} = {value} is above its max {declared.max}")
        out[name] = list(value) if isinstance(value, tuple) else value
    return out


def _override_problem(value: Any) -> str | None:
    """An override holds what a rule-set file may hold: numbers in the one range, text that is text (no lone
    surrogates, which would break the content hash) and no longer than a value of a file."""
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            return "the text holds a lone surrogate, which is not a character (不是有效字符)"
        if len(value) > DEFAULT_LIMITS.max_scalar_chars:
            return (f"a text of {len(value)} characters exceeds the limit of {DEFAULT_LIMITS.max_scalar_chars} "
                    f"(文本超长)")
        return None
    return number_problem(value)


def _short_repr(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return shown(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
