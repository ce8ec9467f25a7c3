"""Structural checks of a YAML test-case file against its rule set, before any case runs.

A typo in a case file must not pass silently: ``absent: [IN.K99]`` names no rule, so it would hold for ever, and
``expect: {totl: 90}`` would assert nothing. Each problem is a :class:`~partyrules.errors.Diagnostic` at the
``file:line:col`` of the offending key or value, with the nearest valid name as a hint. Codes:

- TC001 the file is not a case file (no ``ruleset:`` or no list of ``cases:``)
- TC002 an unknown key (top level, ``base``, a case or its ``expect``)
- TC003 a value of the wrong type
- TC004 a case without a name, or a name used twice
- TC005 an id the rule set does not have (rule, dimension, grade, parameter, error class)
- TC006 a period that does not parse
- TC007 facts for another kind of subject than the rule set's
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, get_args

from .. import errors as _errors
from ..errors import Diagnostic, PartyRulesError
from ..lang.check import suggest
from ..periods import Period
from ..results import Status
from .model import RuleSet
from .yamlsafe import YamlDocument

TOP_KEYS = ("ruleset", "period", "base", "cases", "description")
BASE_KEYS = ("member", "branch", "community", "record", "annual", "grids")
CASE_KEYS = ("name", "description", "member", "branch", "community", "record", "months", "drop_months", "annual",
             "incidents", "commendations", "grids", "params", "period", "expect")
EXPECT_KEYS = ("total", "grade", "vetoed", "dimensions", "lines", "status", "vetoes", "absent", "raises", "warnings")
SUBJECTS = ("member", "branch", "community")
STATUSES: tuple[str, ...] = get_args(Status)


def _error_names() -> list[str]:
    names = []
    for obj in vars(_errors).values():
        if isinstance(obj, type) and issubclass(obj, PartyRulesError):
            names.append(obj.__name__)
    return sorted(names)


@dataclass
class CaseFileLint:
    """Problems of a case file: ``file`` concern the whole file, ``cases`` one case each (by index)."""

    file: list[Diagnostic] = field(default_factory=list)
    cases: dict[int, list[Diagnostic]] = field(default_factory=dict)

    @property
    def all(self) -> list[Diagnostic]:
        return [*self.file, *(d for i in sorted(self.cases) for d in self.cases[i])]


class _Linter:
    def __init__(self, doc: YamlDocument, ruleset: RuleSet | None) -> None:
        self.doc = doc
        self.rs = ruleset
        self.found: list[Diagnostic] = []

    def add(self, code: str, message: str, path: tuple[str | int, ...], hint: str | None = None, *,
            key: bool = False) -> None:
        self.found.append(Diagnostic(code, message, self.doc.location(path, key=key), hint))

    def keys(self, data: dict[str, Any], allowed: Iterable[str], path: tuple[str | int, ...], what: str) -> None:
        allowed = list(allowed)
        for k in data:
            if k not in allowed:
                self.add("TC002", f"unknown key {k!r} in {what}", (*path, k),
                         suggest(k, allowed) or f"allowed: {', '.join(allowed)}", key=True)

    def mapping(self, value: Any, path: tuple[str | int, ...], what: str, *, nullable: bool = False) -> bool:
        if isinstance(value, dict) or (nullable and value is None):
            return True
        self.add("TC003", f"{what} must be a mapping, not {type(value).__name__}", path)
        return False

    def listing(self, value: Any, path: tuple[str | int, ...], what: str) -> bool:
        if isinstance(value, list):
            return True
        self.add("TC003", f"{what} must be a list, not {type(value).__name__}", path)
        return False

    def known(self, name: Any, candidates: list[str], path: tuple[str | int, ...], what: str, *,
              key: bool = False) -> None:
        if not isinstance(name, str):
            self.add("TC003", f"{what} must be a string, not {name!r}", path, key=key)
        elif name not in candidates:
            self.add("TC005", f"{what} {name!r} is not in rule set {self.rs.id if self.rs else '?'}", path,
                     suggest(name, candidates) or f"one of: {', '.join(candidates[:12])}"
                     + (", ..." if len(candidates) > 12 else ""), key=key)

    def number(self, value: Any, path: tuple[str | int, ...], what: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add("TC003", f"{what} must be a number, not {value!r}", path)

    def period(self, value: Any, path: tuple[str | int, ...]) -> None:
        try:
            Period.parse(str(value))
        except PartyRulesError as exc:
            self.add("TC006", f"period {value!r} does not parse: {exc.message}", path, exc.hint)

    def subject_keys(self, data: dict[str, Any], path: tuple[str | int, ...]) -> None:
        if self.rs is None:
            return
        for other in SUBJECTS:
            if other != self.rs.subject_kind and other in data:
                self.add("TC007", f"{other!r} facts in a case file of a {self.rs.subject_kind} rule set",
                         (*path, other), f"write the subject's facts under {self.rs.subject_kind!r}", key=True)


def _position(d: Diagnostic) -> tuple[int, int]:
    loc = d.location
    return (loc.line or 0, loc.column or 0) if loc is not None else (0, 0)


def lint_case_file(doc: YamlDocument, ruleset: RuleSet | None) -> CaseFileLint:
    """Every structural problem of the case file ``doc`` (checked against ``ruleset`` when it could be loaded)."""
    out = CaseFileLint()
    lt = _Linter(doc, ruleset)
    data = doc.data
    if not isinstance(data, dict) or "ruleset" not in data or not isinstance(data.get("cases"), list):
        lt.add("TC001", "a case file needs 'ruleset:' (the rule set, relative to this file) and a list of 'cases:'",
               (), "see docs/testing-rulesets.md")
        out.file = lt.found
        return out
    lt.keys(data, TOP_KEYS, (), "the case file")
    if not isinstance(data["ruleset"], str):
        lt.add("TC003", f"'ruleset' must be a path, not {data['ruleset']!r}", ("ruleset",))
    if "period" in data:
        lt.period(data["period"], ("period",))
    base = data.get("base")
    if "base" in data and lt.mapping(base, ("base",), "'base'") and base:
        lt.keys(base, BASE_KEYS, ("base",), "'base'")
        lt.subject_keys(base, ("base",))
        for k in ("member", "branch", "community", "record", "annual"):
            if k in base:
                lt.mapping(base[k], ("base", k), f"'base.{k}'", nullable=k == "annual")
    seen: dict[str, int] = {}
    for i, case in enumerate(data["cases"]):
        if isinstance(case, dict) and isinstance(case.get("name"), str) and case["name"].strip():
            if case["name"] in seen:
                lt.add("TC004", f"case name {case['name']!r} is used more than once", ("cases", i, "name"),
                       f"the first is case {seen[case['name']] + 1}; give each case its own name")
            seen.setdefault(case["name"], i)
    out.file = sorted(lt.found, key=_position)
    for i, case in enumerate(data["cases"]):
        lt.found = []
        _lint_case(lt, case, i, "period" in data)
        if lt.found:
            out.cases[i] = sorted(lt.found, key=_position)
    return out


def _lint_case(lt: _Linter, case: Any, i: int, has_period: bool) -> None:
    path: tuple[str | int, ...] = ("cases", i)
    if not lt.mapping(case, path, f"case {i + 1}"):
        return
    lt.keys(case, CASE_KEYS, path, f"case {i + 1}")
    lt.subject_keys(case, path)
    if not isinstance(case.get("name"), str) or not case["name"].strip():
        lt.add("TC004", f"case {i + 1} has no name", path, "give each case a unique 'name:'")
    if "period" in case:
        lt.period(case["period"], (*path, "period"))
    elif not has_period:
        lt.add("TC006", f"case {i + 1} has no period and the file sets none", path,
               "add 'period: \"2026\"' at the top of the file or to the case")
    for k in ("member", "branch", "community", "record", "months", "params"):
        if k in case:
            lt.mapping(case[k], (*path, k), f"'{k}'")
    if "annual" in case:
        lt.mapping(case["annual"], (*path, "annual"), "'annual'", nullable=True)
    for k in ("drop_months", "incidents", "commendations", "grids"):
        if k in case:
            lt.listing(case[k], (*path, k), f"'{k}'")
    rs = lt.rs
    if rs is not None and isinstance(case.get("params"), dict):
        for name in case["params"]:
            lt.known(name, sorted(rs.params), (*path, "params", name), "parameter", key=True)
    expect = case.get("expect")
    if "expect" not in case or expect is None:
        lt.add("TC003", f"case {i + 1} has no 'expect:'", path, "state what the breakdown must show")
        return
    if not lt.mapping(expect, (*path, "expect"), "'expect'"):
        return
    _lint_expect(lt, expect, (*path, "expect"))


def _lint_expect(lt: _Linter, expect: dict[str, Any], path: tuple[str | int, ...]) -> None:
    lt.keys(expect, EXPECT_KEYS, path, "'expect'")
    if "total" in expect:
        lt.number(expect["total"], (*path, "total"), "'total'")
    if "vetoed" in expect and not isinstance(expect["vetoed"], bool):
        lt.add("TC003", f"'vetoed' must be true or false, not {expect['vetoed']!r}", (*path, "vetoed"))
    if "raises" in expect:
        lt.known(expect["raises"], _error_names(), (*path, "raises"), "error class")
    rs = lt.rs
    if rs is None:  # the ids below can only be checked against a rule set
        return
    rules = [r.id for r in rs.rules]
    if "grade" in expect:
        lt.known(expect["grade"], [g.id for g in rs.grades], (*path, "grade"), "grade")
    for key, ids, what in (("dimensions", [d.id for d in rs.dimensions], "dimension"), ("lines", rules, "rule"),
                           ("status", rules, "rule")):
        _lint_expect_mapping(lt, expect, key, ids, what, path)
    for key, ids, what in (("vetoes", [v.id for v in rs.vetoes], "veto"), ("warnings", [c.id for c in rs.checks],
                                                                             "check"), ("absent", rules, "rule")):
        _lint_expect_listing(lt, expect, key, ids, what, path)


def _lint_expect_mapping(lt: _Linter, expect: dict[str, Any], key: str, ids: list[str], what: str,
                         path: tuple[str | int, ...]) -> None:
    """``expect.<key>`` as a mapping of ids (of kind ``what``) to a number, or to a line status for ``status``."""
    if key not in expect:
        return
    if not lt.mapping(expect[key], (*path, key), f"'{key}'", nullable=True):
        return
    for name, value in (expect[key] or {}).items():
        lt.known(name, ids, (*path, key, name), what, key=True)
        if key != "status":
            lt.number(value, (*path, key, name), f"'{key}.{name}'")
        elif value not in STATUSES:
            lt.add("TC003", f"status {value!r} is not a line status", (*path, key, name),
                   suggest(str(value), list(STATUSES)) or f"one of: {', '.join(STATUSES)}")


def _lint_expect_listing(lt: _Linter, expect: dict[str, Any], key: str, ids: list[str], what: str,
                         path: tuple[str | int, ...]) -> None:
    """``expect.<key>`` as a list of ids of kind ``what`` (an empty value, ``key:`` alone, asserts nothing)."""
    if key not in expect or expect[key] is None:
        return
    if not lt.listing(expect[key], (*path, key), f"'{key}'"):
        return
    for j, name in enumerate(expect[key]):
        lt.known(name, ids, (*path, key, j), what)
