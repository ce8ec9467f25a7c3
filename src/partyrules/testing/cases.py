"""Test cases of rule sets: run them, and write new ones.

Running, as ``partyrules test`` does: :func:`run_case` builds one case's facts, evaluates them and compares the
breakdown with its ``expect`` (its failed assertions as :class:`~partyrules.rulesets.cases.Mismatch` es);
:func:`discover` groups rule sets with their case files into suites, :func:`run_suite` checks the case files
(:mod:`partyrules.rulesets.caselint`), runs every valid case and measures :func:`rule_coverage` (which rules the
cases made fire); :func:`run_tests` does both. The case-file format and the comparison with expectations are in
:mod:`partyrules.rulesets.cases`; this module holds what needs the evaluator.

Writing: :func:`case_for` writes facts and expectations as a YAML test case in the format of
``docs/testing-rulesets.md``. The case carries every value of the facts (``null`` included), so pasted into any
case file of the rule set it overrides whatever that file's ``base`` holds, and missing months are dropped
explicitly.

    partyrules test rulesets/ --min-coverage 100
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import Diagnostic, Location, PartyRulesError, RuleSetError
from ..evaluate.evaluator import evaluate
from ..periods import Period
from ..results import ScoreBreakdown
from ..rulesets.caselint import CASE_KEYS, EXPECT_KEYS, lint_case_file
from ..rulesets.cases import (
    CASE_SUFFIXES,
    TOLERANCE,
    CaseFile,
    Mismatch,
    build_facts,
    compare,
    coverage,
    load_case_file,
)
from ..rulesets.lint import deduction_most
from ..rulesets.loader import load_ruleset
from ..rulesets.model import RuleSet
from ..rulesets.yamlsafe import YamlDocument, load_yaml

_OWNER = {"member": "member_id", "branch": "branch_id", "community": "community_id"}


def _strip(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


def case_for(facts: Any, period: Period, *, name: str, expect: dict[str, Any],
             description: str | None = None) -> dict[str, Any]:
    """A test case (as data) that rebuilds ``facts`` for ``period`` and states ``expect``."""
    kind = str(type(facts).subject_kind)
    data = facts.model_dump(mode="json")
    case: dict[str, Any] = {"name": name}
    if description:
        case["description"] = description
    case["period"] = str(period)
    case[kind] = data[kind]
    if kind == "community":
        case["grids"] = [_strip(g, "community_id") for g in data["grids"]]
    else:
        by_month = {r["month"]: _strip(r, _OWNER[kind], "month") for r in data["records"]}
        all_months = [str(period.start + i) for i in range(period.months)]
        # values shared by every record go once under record:, the rest per month; together they set every
        # field of every record, so a base: in the case file cannot change them
        rows = list(by_month.values())
        common = {k: v for k, v in rows[0].items() if all(r[k] == v for r in rows[1:])} if rows else {}
        if common:
            case["record"] = common
        diffs = {m: {k: v for k, v in by_month[m].items() if k not in common} for m in all_months if m in by_month}
        case["months"] = {m: d for m, d in diffs.items() if d}
        case["drop_months"] = [m for m in all_months if m not in by_month]
        annual = data.get("annual")
        case["annual"] = None if annual is None else _strip(annual, "subject_kind", "subject_id")
    case["incidents"] = [_strip(i, "subject_kind", "subject_id") for i in data["incidents"]]
    case["commendations"] = [_strip(c, "subject_kind", "subject_id") for c in data["commendations"]]
    case["expect"] = expect
    return case


def expect_from(b: ScoreBreakdown) -> dict[str, Any]:
    """Everything a case can state about a breakdown."""
    return {
        "total": b.total,
        "grade": b.grade.id,
        "vetoed": b.vetoed,
        "vetoes": [v.rule_id for v in b.vetoes],
        "dimensions": {d.id: d.subtotal for d in b.dimensions},
        "lines": {ln.rule_id: ln.points for ln in b.lines},
    }


def case_yaml(cases: list[dict[str, Any]]) -> str:
    """Cases as YAML list items, ready to paste under ``cases:``."""
    return yaml.safe_dump(cases, allow_unicode=True, sort_keys=False, width=120)


# -- running cases ------------------------------------------------------------------------------------------
@dataclass
class CaseResult:
    """The outcome of one case: ``problems`` is empty when it passed.

    ``mismatches`` holds the failed assertions one by one (their ``str`` are in ``problems`` too);
    ``diagnostics`` the structural problems that kept an invalid case from running.
    """

    file: str
    name: str
    location: Location
    problems: list[str] = field(default_factory=list)
    breakdown: ScoreBreakdown | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    index: int | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def outcome(self) -> str:
        """``passed``, ``failed`` or ``invalid`` (the case could not run: see ``diagnostics``)."""
        return "invalid" if self.diagnostics else "passed" if self.passed else "failed"

    def __str__(self) -> str:
        head = f"{self.location}: case {self.name!r}"
        return head + (": ok" if self.passed else ":\n  " + "\n  ".join(self.problems))



def _invalid_facts(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors())


def run_case(cf: CaseFile, index: int, case: dict[str, Any]) -> CaseResult:
    """Build the case's facts, evaluate them and compare the breakdown with the case's ``expect``."""
    started = time.perf_counter()
    name = str(case.get("name", f"case {index + 1}"))
    result = CaseResult(str(cf.path), name, cf.doc.location(("cases", index)), index=index)
    unknown = set(case) - set(CASE_KEYS)
    expect = case.get("expect") or {}
    unknown |= {f"expect.{k}" for k in set(expect) - set(EXPECT_KEYS)}
    if unknown:
        result.problems.append(f"unknown keys: {', '.join(sorted(unknown))}")
        return result
    mismatches: list[Mismatch] = []
    breakdown: ScoreBreakdown | None = None
    try:
        period = Period.parse(str(case.get("period") or cf.doc.data.get("period") or ""))
        facts = build_facts(cf, case, period)
        rs = cf.ruleset.with_params(**case["params"]) if case.get("params") else cf.ruleset
        breakdown = evaluate(rs, facts, period=period)
    except ValidationError as exc:
        text = _invalid_facts(exc)
        mismatches.append(Mismatch("facts", "valid facts", text, message="invalid facts: " + text))
    except PartyRulesError as exc:
        if not (expect.get("raises") and type(exc).__name__ == expect["raises"]):
            what = "raises" if expect.get("raises") else "error"
            mismatches.append(Mismatch(what, expect.get("raises") or "no error", f"{type(exc).__name__}: {exc}",
                                       message=f"{type(exc).__name__}: {exc}"))
    if breakdown is not None:
        if expect.get("raises"):
            mismatches.append(Mismatch("raises", expect["raises"], f"no error (total {breakdown.total})",
                                       message=f"expected {expect['raises']}, but the case evaluated to "
                                               f"{breakdown.total}"))
        result.breakdown = breakdown
        mismatches.extend(compare(breakdown, expect))
    result.mismatches = mismatches
    result.problems.extend(str(m) for m in mismatches)
    result.seconds = time.perf_counter() - started
    return result


def run_case_file(path: str | Path) -> list[CaseResult]:
    cf = load_case_file(path)
    names = [str(c.get("name")) for _, c in cf.cases]
    results = [run_case(cf, i, c) for i, c in cf.cases]
    dupes = {n for n in names if names.count(n) > 1}
    for r in results:
        if r.name in dupes:
            r.problems.append("case name used more than once in the file")
    return results



# -- rule coverage ---------------------------------------------------------------------------------------------
COVERAGE_KINDS = ("standards", "deductions", "deduction_caps", "vetoes", "checks")
COVERAGE_DEFINITION = (
    "A standard is covered when at least one case makes it earn points while it applies (status met, partial or "
    "capped, points > 0); a deduction when at least one case makes it take points (amount before its cap > 0, "
    "even if the dimension's floor gives them back); a deduction's cap when at least one case's amount before "
    "the cap exceeds it (status capped: the cap took points off; a line at exactly its cap is applied and does "
    "not exercise it); a veto when at least one case makes it fire; a check when at least one case makes it warn. "
    "Coverage is the covered share of these items (standards + deductions + deduction caps + vetoes + checks) per "
    "rule set. A cap that cannot be exceeded (the rule set proves the largest amount the deduction can take is at "
    "most its cap) is left out of the count and listed as such. Cases that raise, and invalid cases, cover "
    "nothing; failing cases still count."
)


@dataclass
class RuleCoverage:
    """Which rules of one rule set the cases exercised (see :data:`COVERAGE_DEFINITION`)."""

    items: dict[str, list[str]]
    covered: dict[str, set[str]]
    cannot_be_exceeded: list[str] = field(default_factory=list)  # caps left out of ``items``: no case can

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.items.values())

    @property
    def hit(self) -> int:
        return sum(1 for k, ids in self.items.items() for i in ids if i in self.covered[k])

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.hit / self.total

    def missing(self) -> dict[str, list[str]]:
        """The items no case exercises, by kind, in declaration order."""
        return {k: [i for i in ids if i not in self.covered[k]] for k, ids in self.items.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": round(self.percent, 2),
            "covered": self.hit,
            "total": self.total,
            "by_kind": {k: {"covered": sum(1 for i in ids if i in self.covered[k]), "total": len(ids)}
                        for k, ids in self.items.items()},
            "missing": self.missing(),
            "cannot_be_exceeded": list(self.cannot_be_exceeded),
        }


def rule_coverage(ruleset: RuleSet, breakdowns: Sequence[ScoreBreakdown]) -> RuleCoverage:
    """The rules of ``ruleset`` that fired in ``breakdowns`` (one per evaluated case)."""
    # a cap no facts can exceed cannot be exercised by any case: counting it would make 100% unreachable
    most = deduction_most(ruleset)
    unreachable = [k.id for k in ruleset.deductions if most[k.id] <= k.spec.cap + TOLERANCE]
    items = {
        "standards": [s.id for s in ruleset.standards],
        "deductions": [k.id for k in ruleset.deductions],
        "deduction_caps": [k.id for k in ruleset.deductions if k.id not in unreachable],
        "vetoes": [v.id for v in ruleset.vetoes],
        "checks": [c.id for c in ruleset.checks],
    }
    covered: dict[str, set[str]] = {k: set() for k in COVERAGE_KINDS}
    for b in breakdowns:
        for ln in b.lines:
            if ln.kind == "standard" and ln.status != "not_applicable" and ln.points > 0:
                covered["standards"].add(ln.rule_id)
            elif ln.kind == "deduction" and ln.before_cap > 0:
                covered["deductions"].add(ln.rule_id)
                if ln.before_cap > ln.max_points + TOLERANCE:  # the line is capped: the cap took points off
                    covered["deduction_caps"].add(ln.rule_id)
        covered["vetoes"].update(v.rule_id for v in b.vetoes)
        covered["checks"].update(w.id for w in b.warnings)
    return RuleCoverage(items, covered, unreachable)


# -- suites: a rule set and the case files that test it -------------------------------------------------------
@dataclass
class CaseSource:
    """A case file found on disk: its parsed document, or the problem that kept it from being read."""

    path: Path
    doc: YamlDocument | None
    problem: list[Diagnostic] = field(default_factory=list)


@dataclass
class Suite:
    """One rule set (``None`` when a case file names none that can be found) and its case files."""

    ruleset: Path | None
    sources: list[CaseSource] = field(default_factory=list)


@dataclass
class SuiteResult:
    """The outcome of one suite: the loaded rule set, file-level problems, every case's result, coverage."""

    ruleset_path: str | None
    ruleset: RuleSet | None
    case_files: list[str]
    diagnostics: list[Diagnostic]
    results: list[CaseResult]
    coverage: RuleCoverage | None

    @property
    def name(self) -> str:
        if self.ruleset is not None:
            return self.ruleset.id
        return self.ruleset_path or (self.case_files[0] if self.case_files else "?")

    @property
    def invalid(self) -> bool:
        """True when the rule set, a case file or a case is invalid (exit 3)."""
        return bool(self.diagnostics) or any(r.diagnostics for r in self.results)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if r.outcome == "failed"]


def is_case_file(path: Path) -> bool:
    return path.name.endswith(CASE_SUFFIXES)


def _read_source(path: Path) -> CaseSource:
    try:
        return CaseSource(path, load_yaml(path.read_bytes(), str(path)))
    except RuleSetError as exc:
        return CaseSource(path, None, exc.diagnostics)
    except OSError as exc:
        return CaseSource(path, None, [Diagnostic("TC001", f"cannot read the case file: {exc.strerror}",
                                                  Location(str(path)), "check the path")])


def _target(src: CaseSource) -> Path | None:
    data = src.doc.data if src.doc is not None else None
    if isinstance(data, dict) and isinstance(data.get("ruleset"), str):
        return Path(os.path.normpath(src.path.parent / data["ruleset"]))
    return None


def _not_a_ruleset(path: Path) -> bool:
    """A fragment (only included by rule sets) or a data file of another kind (top-level ``kind:``), which a walk
    of a directory skips."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    return any(line.rstrip() == "fragment: true" or line.startswith("kind:") for line in head.splitlines())


def discover(paths: Sequence[str | Path]) -> list[Suite]:
    """Group rule sets and case files into suites.

    A directory contributes every rule set under it (fragments, which only other rule sets include, and data
    files with a top-level ``kind:`` are skipped) and every ``*.test.yaml``; a rule-set file contributes itself
    and the case files beside it that name it; a case file contributes itself. Each case file joins the suite
    of the rule set its ``ruleset:`` names, so a rule set with no case file gets an empty suite.
    """
    found = _Found()
    for raw in paths:
        found.add(Path(raw))
    suites: dict[Path, Suite] = {key: Suite(shown) for key, shown in found.rulesets.items()}
    orphans = _join_case_files(suites, found)
    ordered = sorted(suites.values(), key=lambda s: str(s.ruleset))
    return [*ordered, *sorted(orphans, key=lambda s: str(s.sources[0].path))]


@dataclass
class _Found:
    """What the paths given to :func:`discover` hold: the rule sets (the path as shown, by absolute path), the case
    files named or under a directory (``explicit``) and those beside a named rule-set file (``beside``)."""

    rulesets: dict[Path, Path] = field(default_factory=dict)
    explicit: list[Path] = field(default_factory=list)
    beside: list[Path] = field(default_factory=list)

    def add(self, p: Path) -> None:
        if p.is_dir():
            self._add_directory(p)
        elif is_case_file(p):
            self.explicit.append(p)
        else:
            self._add_ruleset(p)
            if p.parent.is_dir():
                self.beside.extend(sorted(x for x in p.parent.iterdir() if is_case_file(x)))

    def _add_directory(self, d: Path) -> None:
        for x in sorted(d.rglob("*")):
            if not x.is_file() or x.suffix not in (".yaml", ".yml"):
                continue
            if is_case_file(x):
                self.explicit.append(x)
            elif not _not_a_ruleset(x):
                self._add_ruleset(x)

    def _add_ruleset(self, p: Path) -> None:
        self.rulesets.setdefault(Path(os.path.abspath(p)), Path(os.path.normpath(p)))


def _join_case_files(suites: dict[Path, Suite], found: _Found) -> list[Suite]:
    """Add each case file, once, to the suite of the rule set its ``ruleset:`` names, and return the suites of the
    case files that name none. A named case file whose rule set no path gave gets a new suite; a case file found
    only beside a named rule set joins a suite only when it names a rule set the paths gave."""
    orphans: list[Suite] = []
    seen: set[Path] = set()
    for path, wanted in [*((x, True) for x in found.explicit), *((x, False) for x in found.beside)]:
        key = Path(os.path.abspath(path))
        if key in seen:
            continue
        src = _read_source(path)
        target = _target(src)
        if target is None:
            if wanted:
                seen.add(key)
                orphans.append(Suite(None, [src]))
            continue
        tkey = Path(os.path.abspath(target))
        if tkey not in suites:
            if not wanted:
                continue  # a case file beside a named rule set, for another rule set
            suites[tkey] = Suite(target)
        seen.add(key)
        suites[tkey].sources.append(src)
    return orphans


def _load(path: Path) -> tuple[RuleSet | None, list[Diagnostic]]:
    try:
        return load_ruleset(path), []
    except RuleSetError as exc:
        return None, exc.diagnostics
    except PartyRulesError as exc:
        return None, [Diagnostic("RS000", exc.message, exc.location or Location(str(path)), exc.hint)]


def run_suite(suite: Suite) -> SuiteResult:
    """Load the suite's rule set, check its case files, run every valid case and measure rule coverage.

    An invalid rule set or case file is reported in ``diagnostics``; an invalid case is reported in its own
    result (``outcome == "invalid"``) and the other cases still run.
    """
    ruleset, diagnostics = _load(suite.ruleset) if suite.ruleset is not None else (None, [])
    results: list[CaseResult] = []
    for src in suite.sources:
        diagnostics.extend(src.problem)
        if src.doc is None:
            continue
        lint = lint_case_file(src.doc, ruleset)
        diagnostics.extend(lint.file)
        if ruleset is None or any(d.code == "TC001" for d in lint.file):
            diagnostics.extend(d for i in sorted(lint.cases) for d in lint.cases[i])
            continue
        cf = CaseFile(src.path, src.doc, ruleset, list(enumerate(src.doc.data["cases"])))
        for i, case in cf.cases:
            if i in lint.cases:
                name = case.get("name") if isinstance(case, dict) else None
                bad = CaseResult(str(src.path), str(name or f"case {i + 1}"), src.doc.location(("cases", i)),
                                 [d.format() for d in lint.cases[i]], diagnostics=lint.cases[i], index=i)
                results.append(bad)
            else:
                results.append(run_case(cf, i, case))
    cov = None
    if ruleset is not None:
        cov = rule_coverage(ruleset, [r.breakdown for r in results if r.breakdown is not None])
    return SuiteResult(str(suite.ruleset) if suite.ruleset is not None else None, ruleset,
                       [str(s.path) for s in suite.sources], diagnostics, results, cov)


def run_tests(paths: Sequence[str | Path]) -> list[SuiteResult]:
    """Discover the suites under ``paths`` and run each one (see :func:`discover` and :func:`run_suite`)."""
    return [run_suite(s) for s in discover(paths)]


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(argv if argv is not None else sys.argv[1:])
    failed = total = 0
    for p in paths:
        for r in run_case_file(p):
            total += 1
            if not r.passed:
                failed += 1
                print(r)
        gaps = {k: v for k, v in coverage(p).items() if v}
        if gaps:
            print(f"{p}: not exercised: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in gaps.items()))
    print(f"{total - failed} of {total} cases passed", file=sys.stderr)
    return 0 if failed == 0 else 4


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
