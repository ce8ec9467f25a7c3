"""YAML test cases for rule sets, in the spirit of OpenFisca's YAML tests.

A case file ``<rule set>.test.yaml`` beside a rule set holds shared ``base`` facts and ``cases`` that override
parts of them and state what the breakdown must show. The format is described in ``docs/testing-rulesets.md``.

    python -m partyrules.rulesets.cases rulesets/*.test.yaml
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Location, PartyRulesError
from ..explain.breakdown import ScoreBreakdown
from ..facts import parse_subject_facts
from ..periods import Period
from .loader import load_ruleset
from .model import RuleSet
from .yamlsafe import YamlDocument, load_yaml

_SUBJECTS = ("member", "branch", "community")
_CASE_KEYS = {"name", "description", "member", "branch", "community", "record", "months", "drop_months", "annual",
              "incidents", "commendations", "grids", "params", "period", "expect"}
_EXPECT_KEYS = {"total", "grade", "vetoed", "dimensions", "lines", "status", "vetoes", "absent", "raises", "warnings"}
TOLERANCE = 1e-6


@dataclass
class CaseResult:
    """The outcome of one case: ``problems`` is empty when it passed."""

    file: str
    name: str
    location: Location
    problems: list[str] = field(default_factory=list)
    breakdown: ScoreBreakdown | None = None

    @property
    def passed(self) -> bool:
        return not self.problems

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


def check_expectations(b: ScoreBreakdown, expect: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if "total" in expect and not _close(b.total, float(expect["total"])):
        problems.append(f"total: expected {expect['total']}, got {b.total}")
    if "grade" in expect and b.grade.id != expect["grade"]:
        problems.append(f"grade: expected {expect['grade']}, got {b.grade.id}")
    if "vetoed" in expect and b.vetoed != bool(expect["vetoed"]):
        problems.append(f"vetoed: expected {expect['vetoed']}, got {b.vetoed}")
    for dim, want in (expect.get("dimensions") or {}).items():
        try:
            got = b.dimension(dim).subtotal
        except KeyError:
            problems.append(f"dimension {dim}: no such dimension")
            continue
        if not _close(got, float(want)):
            problems.append(f"dimension {dim}: expected {want}, got {got}")
    lines = {ln.rule_id: ln for ln in (*b.vetoes, *b.lines)}
    for rid, want in (expect.get("lines") or {}).items():
        if rid not in lines:
            problems.append(f"line {rid}: expected {want} points, but there is no such line")
        elif not _close(lines[rid].points, float(want)):
            ln = lines[rid]
            problems.append(f"line {rid}: expected {want}, got {ln.points} ({ln.status}; before cap {ln.before_cap};"
                            f" evidence {dict(ln.evidence.reads)} {ln.evidence.counted[:6]})")
    for rid, want in (expect.get("status") or {}).items():
        if rid not in lines:
            problems.append(f"status {rid}: expected {want}, but there is no such line")
        elif lines[rid].status != want:
            problems.append(f"status {rid}: expected {want}, got {lines[rid].status}")
    if "vetoes" in expect:
        got = sorted(v.rule_id for v in b.vetoes)
        if got != sorted(expect["vetoes"] or ()):
            problems.append(f"vetoes: expected {sorted(expect['vetoes'] or ())}, got {got}")
    if "warnings" in expect:
        got = sorted(w.id for w in b.warnings)
        if got != sorted(expect["warnings"] or ()):
            problems.append(f"warnings: expected {sorted(expect['warnings'] or ())}, got {got}")
    for rid in expect.get("absent") or ():
        if rid in lines:
            problems.append(f"absent {rid}: expected no line, got {lines[rid].points} ({lines[rid].status})")
    return problems


def run_case(cf: CaseFile, index: int, case: dict[str, Any]) -> CaseResult:
    from ..evaluate.evaluator import evaluate

    name = str(case.get("name", f"case {index + 1}"))
    result = CaseResult(str(cf.path), name, cf.doc.location(("cases", index)))
    unknown = set(case) - _CASE_KEYS
    expect = case.get("expect") or {}
    unknown |= {f"expect.{k}" for k in set(expect) - _EXPECT_KEYS}
    if unknown:
        result.problems.append(f"unknown keys: {', '.join(sorted(unknown))}")
        return result
    try:
        period = Period.parse(str(case.get("period") or cf.doc.data.get("period") or ""))
        facts = build_facts(cf, case, period)
        rs = cf.ruleset.with_params(**case["params"]) if case.get("params") else cf.ruleset
        breakdown = evaluate(rs, facts, period=period)
    except ValidationError as exc:
        result.problems.append("invalid facts: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})" for e in exc.errors()))
        return result
    except PartyRulesError as exc:
        if expect.get("raises") and type(exc).__name__ == expect["raises"]:
            return result
        result.problems.append(f"{type(exc).__name__}: {exc}")
        return result
    if expect.get("raises"):
        result.problems.append(f"expected {expect['raises']}, but the case evaluated to {breakdown.total}")
    result.breakdown = breakdown
    result.problems.extend(check_expectations(breakdown, expect))
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
    """Rules no case exercises: standards and deductions named in no ``lines``/``status``, deductions never
    ``capped``, vetoes in no ``vetoes`` list."""
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
        # a deduction whose cap is one occurrence's points can only reach its cap, not exceed it
        capped |= {k for k, v in (e.get("lines") or {}).items() if k in caps and _close(-float(v), caps[k])}
        vetoes |= set(e.get("vetoes") or ()) | set(e.get("warnings") or ())
    return {
        "standards": [s.id for s in rs.standards if s.id not in named],
        "deductions": [k.id for k in rs.deductions if k.id not in named],
        "deduction_caps": [k.id for k in rs.deductions if k.id not in capped],
        "vetoes": [v.id for v in rs.vetoes if v.id not in vetoes],
        "checks": [c.id for c in rs.checks if c.id not in vetoes],
    }


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
