"""Rule texts as templates over parameters: ``至少{params.organ_volunteer_hours}小时``.

A text shown to members (a rule's or a dimension's ``zh``/``en``, the rule set's title and description) may name a
parameter as ``{params.NAME}``; it is rendered with the value in force (the file's, an override's or a reform's),
so a breakdown never states a number the rule no longer uses. ``{params.NAME:%}`` shows a share as a percentage
(0.8 -> 80%). ``{{`` and ``}}`` are literal braces.

Why a small hand-written substitution and not jinja2: a policy officer reads and writes these texts, and the only
thing a text may refer to is a declared parameter. Substituting declared names, by a grammar of two forms, cannot
run code, cannot reach into a Python object and has nothing to sandbox; every placeholder is checked at load time,
so a misspelt name is an error with its ``file:line:column`` instead of a literal ``{...}`` in a member's
breakdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# {{ and }} (literal braces), a placeholder {...}, or a lone brace
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_PLACEHOLDER = re.compile(r"^params\.([A-Za-z_][A-Za-z0-9_]*)(?::(%))?$")
FORMATS = ("", "%")


@dataclass(frozen=True)
class Placeholder:
    """One ``{params.NAME}`` of a text, with its character span in the text."""

    start: int
    end: int
    name: str
    format: str  # "" or "%"


@dataclass(frozen=True)
class TemplateProblem:
    """A text that is not a valid template; ``start``/``end`` are character offsets in the text."""

    message: str
    start: int
    end: int
    hint: str


def is_template(text: str | None) -> bool:
    return text is not None and ("{" in text or "}" in text)


def scan(text: str) -> Iterator[Placeholder | TemplateProblem]:
    """The placeholders of ``text`` and its problems, in order (names are not checked here)."""
    for m in _TOKEN.finditer(text):
        token = m.group(0)
        if token in ("{{", "}}"):
            continue
        if token in ("{", "}"):
            yield TemplateProblem(f"a lone {token!r} in a text", m.start(), m.end(),
                                  "write {params.NAME} to show a parameter, or double the brace ({{ or }}) to show it")
            continue
        inner = m.group(1).strip()
        p = _PLACEHOLDER.match(inner)
        if p is None:
            yield TemplateProblem(f"{token!r} is not a parameter placeholder: a text can only show a declared "
                                  "parameter", m.start(), m.end(),
                                  "write {params.NAME} (or {params.NAME:%} for a share as a percentage); "
                                  "{{ and }} for literal braces")
            continue
        yield Placeholder(m.start(), m.end(), p.group(1), p.group(2) or "")


def problems(text: str, params: Mapping[str, Any]) -> list[TemplateProblem]:
    """Everything wrong with ``text`` as a template over ``params``, with a suggestion for a misspelt name."""
    from ..lang.check import suggest

    out: list[TemplateProblem] = []
    for x in scan(text):
        if isinstance(x, TemplateProblem):
            out.append(x)
        elif x.name not in params:
            out.append(TemplateProblem(f"the text names the parameter {x.name!r}, which is not declared",
                                       x.start, x.end,
                                       suggest(x.name, sorted(params)) or "declare it under params:, or correct "
                                       "the name"))
        elif x.format == "%" and not _is_number(params[x.name]):
            out.append(TemplateProblem(f"{{params.{x.name}:%}} shows a number as a percentage, but parameter "
                                       f"{x.name!r} is {params[x.name]!r}", x.start, x.end,
                                       f"write {{params.{x.name}}}"))
    return out


def render(text: str, params: Mapping[str, Any], lang: str = "en") -> str:
    """``text`` with every placeholder replaced by its parameter's value (a checked template: see problems)."""
    if not is_template(text):
        return text
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            out.append(token[0])
            continue
        p = _PLACEHOLDER.match((m.group(1) or "").strip())
        if p is None or p.group(1) not in params:  # unchecked input: keep it visible rather than guess
            out.append(token)
            continue
        out.append(show_value(params[p.group(1)], lang, p.group(2) or ""))
    out.append(text[pos:])
    return "".join(out)


def show_value(value: Any, lang: str, fmt: str = "") -> str:
    """A parameter value as a policy text writes it: 100, 0.85, 85%, 是/yes, 甲、乙 / a, b."""
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return number(value * 100) + "%" if fmt == "%" else number(value)
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(show_value(v, lang) for v in value)
    return str(value)


def number(x: float) -> str:
    """100 for 100.0, 0.85 for 0.85, at most six decimals: how a number is written in a policy text."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# -- numbers a text states ---------------------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])([0-9]+(?:\.[0-9]+)?)(\s*%)?(?![0-9])")


def stated_numbers(text: str) -> Iterator[tuple[tuple[float, ...], int, int]]:
    """The numbers ``text`` states outside its placeholders, with their spans: each as the values it may mean
    (``80%`` is 80 or 0.8, as a parameter may hold a percentage or a share).

    A number glued to Latin letters or a dot (``IN.S13``, ``v2``) is part of a name and is not a statement."""
    masked = _TOKEN.sub(lambda m: " " * len(m.group(0)), text)
    for m in _NUMBER.finditer(masked):
        value = float(m.group(1))
        yield ((value, value / 100) if m.group(2) else (value,)), m.start(), m.end()
