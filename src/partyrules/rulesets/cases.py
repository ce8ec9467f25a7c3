"""YAML test cases for rule sets, in the spirit of OpenFisca's YAML tests.

A case file ``<rule set>.test.yaml`` beside a rule set holds shared ``base`` facts and ``cases`` that override
parts of them and state what the breakdown must show. The format is described in ``docs/testing-rulesets.md``.

One case: :func:`run_case` (its failed assertions as :class:`Mismatch` es). A whole run, as ``partyrules test``
does it: :func:`discover` groups rule sets with their case files into suites, :func:`run_suite` checks the case
files (:mod:`.caselint`), runs every valid case and measures :func:`rule_coverage` (which rules the cases made
fire); :func:`run_tests` does both.

    partyrules test rulesets/ --min-coverage 100
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Diagnostic, Location, PartyRulesError, RuleSetError
from ..explain.breakdown import ScoreBreakdown
from ..facts import parse_subject_facts
from ..periods import Period
from .caselint import CASE_KEYS, EXPECT_KEYS, lint_case_file
from .loader import load_ruleset
from .model import RuleSet
from .yamlsafe import YamlDocument, load_yaml

_CASE_KEYS = set(CASE_KEYS)
_EXPECT_KEYS = set(EXPECT_KEYS)
TOLERANCE = 1e-6
CASE_SUFFIXES = (".test.yaml", ".test.yml")


@dataclass(frozen=True)
class Mismatch:
    """One assertion of a case that the result does not meet.

    ``what`` names the assertion (``total``, ``grade``, ``vetoed``, ``dimension D``, ``line R``, ``status R``,
    ``vetoes``, ``warnings``, ``absent R``, ``raises``, ``error``, ``facts``); ``expected`` is the value the case
    states and ``actual`` the value the evaluation gave; ``note`` says more about the actual value (a line's
    status, amount before its cap and evidence).
    """

    what: str
    expected: Any
    actual: Any
    note: str = ""
    message: str | None = None  # the one-line form when it is not "what: expected X, got Y (note)"

    def __str__(self) -> str:
        if self.message is not None:
            return self.message
        return f"{self.what}: expected {self.expected}, got {self.actual}" + (f" ({self.note})" if self.note else "")


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


@dataclass
class CaseFile:
    path: Path
    doc: YamlDocument
    ruleset: RuleSet
    cases: list[tuple[int, dict[str, Any]]]


def _merge(base: dict[str, Any] | None, over: dict[str, Any] | None) -> dict[str, Any]:
    """Shallow merge, one level deeper for mapping values (e.g. meetings_attended)."""
    out = dict(base or {})
    for k, v in (over or {}).items():
        out[k] = {**out[k], **v} if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_case_file(path: str | Path) -> CaseFile:
    path = Path(path)
    doc = load_yaml(path.read_bytes(), str(path))
    data = doc.data
    if not isinstance(data, dict) or "ruleset" not in data or not isinstance(data.get("cases"), list):
        raise PartyRulesError(f"{path}: a case file needs 'ruleset:' and a list of 'cases:'",
                              location=doc.location(()))
    ruleset = load_ruleset(path.parent / str(data["ruleset"]))
    return CaseFile(path, doc, ruleset, list(enumerate(data["cases"])))


def build_facts(cf: CaseFile, case: dict[str, Any], period: Period) -> Any:
    base = cf.doc.data.get("base") or {}
    kind = cf.ruleset.subject_kind
    subject = _merge(base.get(kind), case.get(kind))
    sid = subject.get(f"{kind}_id")
    bundle: dict[str, Any] = {kind: subject}
    if kind != "community":
        record = _merge(base.get("record"), case.get("record"))
        months = case.get("months") or {}
        dropped = set(case.get("drop_months") or ())
        unknown = (set(months) | dropped) - {str(period.start + i) for i in range(period.months)}
        if unknown:
            raise PartyRulesError(f"months outside the period {period}: {', '.join(sorted(unknown))}")
        records = []
        for i in range(period.months):
            month = str(period.start + i)
            if month in dropped:
                continue
            records.append({**_merge(record, months.get(month)), f"{kind}_id": sid, "month": month})
        bundle["records"] = records
        annual = base.get("annual")
        if "annual" in case:
            annual = None if case["annual"] is None else _merge(annual, case["annual"])
        if annual is not None:
            bundle["annual"] = {"subject_kind": kind, "subject_id": sid, **annual}
    else:
        bundle["grids"] = [{"community_id": sid, **g} for g in (case.get("grids") or base.get("grids") or ())]
    incidents = []
    for inc in case.get("incidents") or ():
        full = {"subject_kind": kind, "subject_id": sid, "evidence_ref": "case", **inc}
        if full.get("verified") and "verified_by" not in full:
            full["verified_by"] = "test"
        incidents.append(full)
    bundle["incidents"] = incidents
    bundle["commendations"] = [{"subject_kind": kind, "subject_id": sid, **c} for c in case.get("commendations") or ()]
    return parse_subject_facts(bundle)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=TOLERANCE)


def _num(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _evidence(ln: Any) -> str:
    """A line's status, amount before its cap and evidence, to show beside its points."""
    text = f"{ln.status}; before cap {_num(ln.before_cap)}"
    reads = ln.evidence.reads
    if reads:
        text += "; read " + ", ".join(f"{k} = {v}" for k, v in reads.items())
    counted = ln.evidence.counted
    if counted:
        text += "; counted " + ", ".join(counted[:6]) + (f" and {len(counted) - 6} more" if len(counted) > 6 else "")
    return text


def _set_note(want: list[str], got: list[str]) -> str:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    parts = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"unexpected {', '.join(extra)}"]
                                                                        if extra else [])
    return "; ".join(parts)


def compare(b: ScoreBreakdown, expect: dict[str, Any]) -> list[Mismatch]:
    """Every assertion of ``expect`` that the breakdown ``b`` does not meet, in the order of the format."""
    out: list[Mismatch] = []
    if "total" in expect and not _close(b.total, float(expect["total"])):
        out.append(Mismatch("total", expect["total"], b.total))
    if "grade" in expect and b.grade.id != expect["grade"]:
        out.append(Mismatch("grade", expect["grade"], b.grade.id))
    if "vetoed" in expect and b.vetoed != bool(expect["vetoed"]):
        out.append(Mismatch("vetoed", expect["vetoed"], b.vetoed))
    for dim, want in (expect.get("dimensions") or {}).items():
        try:
            got = b.dimension(dim).subtotal
        except KeyError:
            out.append(Mismatch(f"dimension {dim}", want, None, message=f"dimension {dim}: no such dimension"))
            continue
        if not _close(got, float(want)):
            out.append(Mismatch(f"dimension {dim}", want, got))
    lines = {ln.rule_id: ln for ln in (*b.vetoes, *b.lines)}
    for rid, want in (expect.get("lines") or {}).items():
        if rid not in lines:
            out.append(Mismatch(f"line {rid}", want, None, "no such line",
                                message=f"line {rid}: expected {want} points, but there is no such line"))
        elif not _close(lines[rid].points, float(want)):
            out.append(Mismatch(f"line {rid}", want, lines[rid].points, _evidence(lines[rid])))
    for rid, want in (expect.get("status") or {}).items():
        if rid not in lines:
            out.append(Mismatch(f"status {rid}", want, None, "no such line",
                                message=f"status {rid}: expected {want}, but there is no such line"))
        elif lines[rid].status != want:
            out.append(Mismatch(f"status {rid}", want, lines[rid].status, f"{lines[rid].points} points"))
    for key, got in (("vetoes", sorted(v.rule_id for v in b.vetoes)), ("warnings", sorted(w.id for w in b.warnings))):
        if key in expect:
            want = sorted(expect[key] or ())
            if got != want:
                out.append(Mismatch(key, want, got, message=f"{key}: expected {want}, got {got}",
                                    note=_set_note(want, got)))
    for rid in expect.get("absent") or ():
        if rid in lines:
            ln = lines[rid]
            out.append(Mismatch(f"absent {rid}", "no line", ln.points, ln.status))
    return out


def check_expectations(b: ScoreBreakdown, expect: dict[str, Any]) -> list[str]:
    """The failed assertions of ``expect`` as one line each (see :func:`compare` for the structured form)."""
    return [str(m) for m in compare(b, expect)]


def _invalid_facts(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors())


def run_case(cf: CaseFile, index: int, case: dict[str, Any]) -> CaseResult:
    """Build the case's facts, evaluate them and compare the breakdown with the case's ``expect``."""
    from ..evaluate.evaluator import evaluate

    started = time.perf_counter()
    name = str(case.get("name", f"case {index + 1}"))
    result = CaseResult(str(cf.path), name, cf.doc.location(("cases", index)), index=index)
    unknown = set(case) - _CASE_KEYS
    expect = case.get("expect") or {}
    unknown |= {f"expect.{k}" for k in set(expect) - _EXPECT_KEYS}
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


def iter_cases(path: str | Path) -> Iterator[tuple[CaseFile, int, dict[str, Any]]]:
    cf = load_case_file(path)
    for i, c in cf.cases:
        yield cf, i, c


def coverage(path: str | Path) -> dict[str, list[str]]:
    """Rules no case *asserts* anything about: standards and deductions named in no ``lines``/``status``,
    deductions never ``capped``, vetoes in no ``vetoes`` list. (:func:`rule_coverage` measures instead which
    rules the cases make fire.)"""
    cf = load_case_file(path)
    rs = cf.ruleset
    caps = {k.id: k.spec.cap for k in rs.deductions}
    named: set[str] = set()
    capped: set[str] = set()
    vetoes: set[str] = set()
    for _, c in cf.cases:
        e = c.get("expect") or {}
        named |= set(e.get("lines") or ()) | set(e.get("status") or ())
        capped |= {k for k, v in (e.get("status") or {}).items() if v == "capped"}
        # a line at its cap asserts the cap's boundary too (status applied there: the cap took nothing off), as
        # rule_coverage counts it; a deduction whose cap is one occurrence's points may never exceed it
        capped |= {k for k, v in (e.get("lines") or {}).items() if k in caps and _close(-float(v), caps[k])}
        vetoes |= set(e.get("vetoes") or ()) | set(e.get("warnings") or ())
    return {
        "standards": [s.id for s in rs.standards if s.id not in named],
        "deductions": [k.id for k in rs.deductions if k.id not in named],
        "deduction_caps": [k.id for k in rs.deductions if k.id not in capped],
        "vetoes": [v.id for v in rs.vetoes if v.id not in vetoes],
        "checks": [c.id for c in rs.checks if c.id not in vetoes],
    }


# -- rule coverage ---------------------------------------------------------------------------------------------
COVERAGE_KINDS = ("standards", "deductions", "deduction_caps", "vetoes", "checks")
COVERAGE_DEFINITION = (
    "A standard is covered when at least one case makes it earn points while it applies (status met, partial or "
    "capped, points > 0); a deduction when at least one case makes it take points (amount before its cap > 0, "
    "even if the dimension's floor gives them back); a deduction's cap when at least one case's amount before "
    "the cap reaches the cap (status applied at the cap, capped beyond it); a veto when at least one case makes "
    "it fire; a check when at least one case makes it warn. Coverage is the covered share of these items "
    "(standards + deductions + deduction caps + vetoes + checks) per rule set. Cases that raise, and invalid "
    "cases, cover nothing; failing cases still count."
)


@dataclass
class RuleCoverage:
    """Which rules of one rule set the cases exercised (see :data:`COVERAGE_DEFINITION`)."""

    items: dict[str, list[str]]
    covered: dict[str, set[str]]

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
        }


def rule_coverage(ruleset: RuleSet, breakdowns: Sequence[ScoreBreakdown]) -> RuleCoverage:
    """The rules of ``ruleset`` that fired in ``breakdowns`` (one per evaluated case)."""
    items = {
        "standards": [s.id for s in ruleset.standards],
        "deductions": [k.id for k in ruleset.deductions],
        "deduction_caps": [k.id for k in ruleset.deductions],
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
                if ln.before_cap + TOLERANCE >= ln.max_points:
                    covered["deduction_caps"].add(ln.rule_id)
        covered["vetoes"].update(v.rule_id for v in b.vetoes)
        covered["checks"].update(w.id for w in b.warnings)
    return RuleCoverage(items, covered)


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
    rulesets: dict[Path, Path] = {}
    explicit: list[Path] = []
    beside: list[Path] = []

    def add_ruleset(p: Path) -> None:
        rulesets.setdefault(Path(os.path.abspath(p)), Path(os.path.normpath(p)))

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for x in sorted(p.rglob("*")):
                if not x.is_file() or x.suffix not in (".yaml", ".yml"):
                    continue
                if is_case_file(x):
                    explicit.append(x)
                elif not _not_a_ruleset(x):
                    add_ruleset(x)
        elif is_case_file(p):
            explicit.append(p)
        else:
            add_ruleset(p)
            if p.parent.is_dir():
                beside.extend(sorted(x for x in p.parent.iterdir() if is_case_file(x)))
    suites: dict[Path, Suite] = {key: Suite(shown) for key, shown in rulesets.items()}
    orphans: list[Suite] = []
    seen: set[Path] = set()
    for path, wanted in [*((x, True) for x in explicit), *((x, False) for x in beside)]:
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
    ordered = sorted(suites.values(), key=lambda s: str(s.ruleset))
    return [*ordered, *sorted(orphans, key=lambda s: str(s.sources[0].path))]


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
