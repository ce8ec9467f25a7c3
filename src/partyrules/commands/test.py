"""``partyrules test``: run the YAML test cases of rule sets, report every failing case side by side, measure
rule coverage and gate on it.

Exit codes: 0 every case passed (and the gates held); 3 a rule set, a case file or a case is invalid (the other
rule sets still run; 3 wins over 4); 4 a case failed, a rule set's coverage is below ``--min-coverage``, or
(with ``--fail-on-empty``) a rule set or case file has no cases.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..rulesets.cases import Mismatch
from ..testing.cases import COVERAGE_DEFINITION, CaseResult, SuiteResult, run_tests
from .common import EXIT_INVALID, EXIT_TEST_FAILED, error_line, ruleset_arg

_HELP = f"""Run the YAML test cases (docs/testing-rulesets.md) of rule sets. PATH is a rule-set file (its case
files beside it are found by their 'ruleset:'), a *.test.yaml file, or a directory (every rule set and case file
under it; fragments are skipped). Every failing case is reported with the case's file:line and only the
assertions that differ, expected beside actual.

{textwrap.fill("Coverage: " + COVERAGE_DEFINITION, 112)}

Exit codes: 0 all passed; 3 a rule set, case file or case is invalid (reported as file:line:col: code: message);
4 a case failed, or a gate (--min-coverage, --fail-on-empty) failed."""


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a percentage from 0 to 100, not {value:g}")
    return value


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``test`` subcommand."""
    t = sub.add_parser("test", help="run the YAML test cases of rule sets, with rule coverage",
                       description=_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("paths", nargs="+", metavar="PATH", type=ruleset_arg,
                   help="rule-set files, *.test.yaml files or directories, or shipped names (in_service, ...)")
    t.add_argument("--min-coverage", type=_percent, default=None, metavar="PCT",
                   help="exit 4 when a rule set's rule coverage is below PCT percent")
    t.add_argument("--fail-on-empty", action="store_true",
                   help="exit 4 when a rule set has no test cases, or a case file has none")
    t.add_argument("--format", choices=["text", "json", "junit"], default="text",
                   help="report format (default text; junit for CI test reports)")
    t.set_defaults(func=cmd_test)


@dataclass(frozen=True)
class Gate:
    """A gate that failed: which, for which rule set, and why."""

    gate: str
    suite: str
    message: str


def _empty_files(s: SuiteResult) -> list[str]:
    bad_files = {d.location.file for d in s.diagnostics if d.location is not None}
    used = {r.file for r in s.results}
    return [f for f in s.case_files if f not in used and f not in bad_files]


def _gates(suites: Sequence[SuiteResult], min_coverage: float | None, fail_on_empty: bool) -> list[Gate]:
    out: list[Gate] = []
    for s in suites:
        if s.ruleset is None:
            continue
        if fail_on_empty:
            if not s.case_files:
                out.append(Gate("fail_on_empty", s.name, f"{s.ruleset_path}: no case file names this rule set"))
            out.extend(Gate("fail_on_empty", s.name, f"{f}: the case file has no cases") for f in _empty_files(s))
        if min_coverage is not None and s.coverage is not None and s.coverage.percent + 1e-9 < min_coverage:
            out.append(Gate("min_coverage", s.name, f"{s.name}: rule coverage {s.coverage.percent:.2f}% is below "
                            f"--min-coverage {min_coverage:g}% ({s.coverage.hit} of {s.coverage.total} covered)"))
    return out


def exit_code(suites: Sequence[SuiteResult], gates: Sequence[Gate]) -> int:
    if any(s.invalid for s in suites):
        return EXIT_INVALID
    if gates or any(s.failed for s in suites):
        return EXIT_TEST_FAILED
    return 0


# -- rendering ---------------------------------------------------------------------------------------------------
def fmt_value(v: Any) -> str:
    """A value as a case file would write it: 6 decimals at most, YAML booleans, ``-`` for nothing."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        text = f"{v:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    return str(v)


def side_by_side(mismatches: Sequence[Mismatch], indent: str = "    ") -> list[str]:
    """The failed assertions as a table: assertion, expected, actual, and a note on the actual value."""
    rows = [("assertion", "expected", "actual", "")]
    rows += [(m.what, fmt_value(m.expected), fmt_value(m.actual), m.note) for m in mismatches]
    w0 = max(len(r[0]) for r in rows)
    w1 = min(30, max(len(r[1]) for r in rows))
    w2 = min(30, max(len(r[2]) for r in rows))
    return [f"{indent}{a:<{w0}}  {b:<{w1}}  {c:<{w2}}  {d}".rstrip() for a, b, c, d in rows]


def _case_lines(r: CaseResult) -> list[str]:
    if r.outcome == "invalid":
        return [f"INVALID {r.location}: case {r.name!r}", *(f"    {d.format()}" for d in r.diagnostics)]
    return [f"FAIL {r.location}: case {r.name!r}", *side_by_side(r.mismatches)]


def _coverage_line(s: SuiteResult) -> list[str]:
    if s.coverage is None:
        return []
    c = s.coverage
    out = [f"  rule coverage {c.percent:.2f}% ({c.hit} of {c.total})"]
    for kind, ids in c.missing().items():
        if ids:
            out.append(f"    not exercised: {kind.replace('_', ' ')}: {', '.join(ids)}")
    if c.cannot_be_exceeded:
        out.append(f"    caps not counted, cannot be exceeded: {', '.join(c.cannot_be_exceeded)}")
    return out


def render_text(suites: Sequence[SuiteResult], gates: Sequence[Gate]) -> str:
    out: list[str] = []
    for s in suites:
        out.extend(d.format() for d in s.diagnostics)
        for r in s.results:
            if r.outcome != "passed":
                out.extend(_case_lines(r))
    if out:
        out.append("")
    for s in suites:
        passed = sum(1 for r in s.results if r.outcome == "passed")
        head = f"{s.name} ({s.ruleset_path or ', '.join(s.case_files)}): "
        if s.ruleset is None:
            out.append(head + "invalid, no case ran")
            continue
        parts = [f"{len(s.results)} case{'s' if len(s.results) != 1 else ''}", f"{passed} passed"]
        if s.failed:
            parts.append(f"{len(s.failed)} failed")
        invalid = sum(1 for r in s.results if r.outcome == "invalid")
        if invalid:
            parts.append(f"{invalid} invalid")
        if not s.case_files:
            parts.append("no case file")
        out.append(head + ", ".join(parts))
        out.extend(_coverage_line(s))
        out.extend(f"  empty case file: {f}" for f in _empty_files(s))
    out.extend(f"gate failed: {g.message}" for g in gates)
    return "\n".join(out)


def _mismatch_json(m: Mismatch) -> dict[str, Any]:
    return {"what": m.what, "expected": m.expected, "actual": m.actual, "note": m.note, "text": str(m)}


def _case_json(r: CaseResult) -> dict[str, Any]:
    return {"name": r.name, "file": r.file, "line": r.location.line, "column": r.location.column,
            "index": r.index, "outcome": r.outcome, "problems": r.problems,
            "mismatches": [_mismatch_json(m) for m in r.mismatches],
            "diagnostics": [d.to_dict() for d in r.diagnostics]}


def render_json(suites: Sequence[SuiteResult], gates: Sequence[Gate], args: argparse.Namespace, code: int) -> str:
    results = [r for s in suites for r in s.results]
    doc = {
        "passed": code == 0,
        "exit_code": code,
        "min_coverage": args.min_coverage,
        "fail_on_empty": args.fail_on_empty,
        "coverage_definition": COVERAGE_DEFINITION,
        "summary": {"rulesets": len(suites), "cases": len(results),
                    **{k: sum(1 for r in results if r.outcome == k) for k in ("passed", "failed", "invalid")}},
        "gates": [{"gate": g.gate, "ruleset": g.suite, "message": g.message} for g in gates],
        "rulesets": [{
            "ruleset": s.ruleset_path,
            "id": s.ruleset.id if s.ruleset else None,
            "version": s.ruleset.version if s.ruleset else None,
            "valid": not s.invalid,
            "case_files": s.case_files,
            "empty_case_files": _empty_files(s),
            "diagnostics": [d.to_dict() for d in s.diagnostics],
            "cases": [_case_json(r) for r in s.results],
            "coverage": s.coverage.to_dict() if s.coverage else None,
        } for s in suites],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def render_junit(suites: Sequence[SuiteResult], gates: Sequence[Gate]) -> str:
    """JUnit XML: one ``testsuite`` per rule set, one ``testcase`` per case (plus one per failed load or gate)."""
    root = ET.Element("testsuites", name="partyrules test")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for s in suites:
        suite = ET.SubElement(root, "testsuite", name=s.name)
        if s.ruleset_path:
            suite.set("file", s.ruleset_path)
        if s.coverage is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="rule_coverage_percent", value=f"{s.coverage.percent:.2f}")
        counts = {"tests": 0, "failures": 0, "errors": 0}
        seconds = 0.0
        if s.diagnostics:
            tc = ET.SubElement(suite, "testcase", name="rule set and case files are valid", classname=s.name)
            text = "\n".join(d.format() for d in s.diagnostics)
            ET.SubElement(tc, "error", message=s.diagnostics[0].format(), type="InvalidRuleSet").text = text
            counts["tests"] += 1
            counts["errors"] += 1
        for r in s.results:
            tc = ET.SubElement(suite, "testcase", name=r.name, classname=s.name, file=r.file,
                               line=str(r.location.line or 0), time=f"{r.seconds:.3f}")
            seconds += r.seconds
            counts["tests"] += 1
            if r.outcome == "invalid":
                ET.SubElement(tc, "error", message="; ".join(d.format() for d in r.diagnostics),
                              type="InvalidCase").text = "\n".join(d.format() for d in r.diagnostics)
                counts["errors"] += 1
            elif r.outcome == "failed":
                ET.SubElement(tc, "failure", message="; ".join(r.problems),
                              type="CaseFailed").text = "\n".join(side_by_side(r.mismatches, indent=""))
                counts["failures"] += 1
        for g in (g for g in gates if g.suite == s.name):
            tc = ET.SubElement(suite, "testcase", name=f"gate {g.gate}", classname=s.name)
            ET.SubElement(tc, "failure", message=g.message, type="GateFailed").text = g.message
            counts["tests"] += 1
            counts["failures"] += 1
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("skipped", "0")
        suite.set("time", f"{seconds:.3f}")
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def cmd_test(args: argparse.Namespace) -> int:
    """Run ``partyrules test``; see the module docstring for the exit codes."""
    suites = run_tests(args.paths)
    if not suites:
        print(error_line("test", "no rule sets or case files found / 未找到规则集或测试用例文件",
                         hint="give rule-set files, *.test.yaml files or directories"), file=sys.stderr)
        return 2
    gates = _gates(suites, args.min_coverage, args.fail_on_empty)
    code = exit_code(suites, gates)
    if args.format == "json":
        print(render_json(suites, gates, args, code))
    elif args.format == "junit":
        print(render_junit(suites, gates))
    else:
        print(render_text(suites, gates))
    results = [r for s in suites for r in s.results]
    passed = sum(1 for r in results if r.outcome == "passed")
    print(f"partyrules test: {passed} of {len(results)} case{'s' if len(results) != 1 else ''} passed in "
          f"{len(suites)} rule set{'s' if len(suites) != 1 else ''}", file=sys.stderr)
    return code
