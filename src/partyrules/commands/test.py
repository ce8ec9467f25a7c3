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
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..codes import zh_line
from ..errors import Diagnostic
from ..rulesets.cases import Mismatch
from ..testing.cases import COVERAGE_DEFINITION, CaseResult, SuiteResult, run_tests
from .common import EXIT_INVALID, EXIT_TEST_FAILED, error_line, ruleset_arg
from .lang import add_lang_flag

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
    add_lang_flag(t)
    t.set_defaults(func=cmd_test)


@dataclass(frozen=True)
class Gate:
    """A gate that failed: which, for which rule set, and why."""

    gate: str
    suite: str
    message: str
    message_zh: str = ""


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
                out.append(Gate("fail_on_empty", s.name, f"{s.ruleset_path}: no case file names this rule set",
                                f"{s.ruleset_path}: 没有测试用例文件指向该规则集"))
            out.extend(Gate("fail_on_empty", s.name, f"{f}: the case file has no cases", f"{f}: 该用例文件没有用例")
                       for f in _empty_files(s))
        if min_coverage is not None and s.coverage is not None and s.coverage.percent + 1e-9 < min_coverage:
            c = s.coverage
            out.append(Gate("min_coverage", s.name, f"{s.name}: rule coverage {c.percent:.2f}% is below "
                            f"--min-coverage {min_coverage:g}% ({c.hit} of {c.total} covered)",
                            f"{s.name}: 规则覆盖率 {c.percent:.2f}% 低于 --min-coverage {min_coverage:g}% "
                            f"({c.total} 项中覆盖 {c.hit} 项)"))
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


# the assertions of the case format (docs/testing-rulesets.md) and the fixed values a mismatch can show, in Chinese
_WHAT_ZH = {"total": "总分", "grade": "等次", "vetoed": "是否否决", "dimension": "维度", "line": "行", "status": "状态",
            "vetoes": "否决项", "warnings": "警示", "absent": "不应出现", "raises": "应抛出", "error": "错误",
            "facts": "事实数据"}
_VALUE_ZH = {"no line": "无此行", "no error": "无错误", "valid facts": "有效的事实数据"}
_KIND_ZH = {"standards": "标准", "deductions": "扣分项", "deduction_caps": "扣分上限", "vetoes": "否决项",
            "checks": "检查项"}


def _what(what: str, lang: str) -> str:
    if lang != "zh":
        return what
    head, _, rest = what.partition(" ")
    return f"{_WHAT_ZH.get(head, head)} {rest}".strip()


def _value(v: Any, lang: str) -> str:
    text = fmt_value(v)
    return _VALUE_ZH.get(text, text) if lang == "zh" else text


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, measure: Callable[[str], int]) -> str:
    return text + " " * max(0, width - measure(text))


def side_by_side(mismatches: Sequence[Mismatch], indent: str = "    ", lang: str = "en") -> list[str]:
    """The failed assertions as a table: assertion, expected, actual, and a note on the actual value."""
    rows = [("assertion", "expected", "actual", "") if lang != "zh" else ("断言", "期望", "实际", "")]
    rows += [(_what(m.what, lang), _value(m.expected, lang), _value(m.actual, lang),
              m.note_zh if lang == "zh" else m.note) for m in mismatches]
    # Chinese is aligned by display width; English as it always was (by characters), so CI logs do not change
    width = _width if lang == "zh" else len
    w0 = max(width(r[0]) for r in rows)
    w1 = min(30, max(width(r[1]) for r in rows))
    w2 = min(30, max(width(r[2]) for r in rows))
    return [f"{indent}{_pad(a, w0, width)}  {_pad(b, w1, width)}  {_pad(c, w2, width)}  {d}".rstrip()
            for a, b, c, d in rows]


def _finding(d: Diagnostic, lang: str) -> str:
    return zh_line(d) if lang == "zh" else d.format()


def _case_lines(r: CaseResult, lang: str = "en") -> list[str]:
    if lang == "zh":
        if r.outcome == "invalid":
            return [f"无效 {r.location}: 用例 {r.name!r}", *(f"    {zh_line(d)}" for d in r.diagnostics)]
        return [f"失败 {r.location}: 用例 {r.name!r}", *side_by_side(r.mismatches, lang="zh")]
    if r.outcome == "invalid":
        return [f"INVALID {r.location}: case {r.name!r}", *(f"    {d.format()}" for d in r.diagnostics)]
    return [f"FAIL {r.location}: case {r.name!r}", *side_by_side(r.mismatches)]


def _coverage_line(s: SuiteResult, lang: str = "en") -> list[str]:
    if s.coverage is None:
        return []
    c = s.coverage
    zh = lang == "zh"
    out = [f"  规则覆盖率 {c.percent:.2f}% ({c.total} 项中覆盖 {c.hit} 项)" if zh
           else f"  rule coverage {c.percent:.2f}% ({c.hit} of {c.total})"]
    for kind, ids in c.missing().items():
        if ids:
            out.append(f"    未覆盖的{_KIND_ZH[kind]}: {', '.join(ids)}" if zh
                       else f"    not exercised: {kind.replace('_', ' ')}: {', '.join(ids)}")
    if c.cannot_be_exceeded:
        out.append(f"    不计入的扣分上限(不可能被超过): {', '.join(c.cannot_be_exceeded)}" if zh
                   else f"    caps not counted, cannot be exceeded: {', '.join(c.cannot_be_exceeded)}")
    return out


def _suite_line(s: SuiteResult, lang: str) -> str:
    passed = sum(1 for r in s.results if r.outcome == "passed")
    invalid = sum(1 for r in s.results if r.outcome == "invalid")
    head = f"{s.name} ({s.ruleset_path or ', '.join(s.case_files)}): "
    if lang == "zh":
        if s.ruleset is None:
            return head + "无效, 未运行任何用例"
        parts = [f"{len(s.results)} 个用例", f"{passed} 个通过"]
        parts += [f"{len(s.failed)} 个失败"] if s.failed else []
        parts += [f"{invalid} 个无效"] if invalid else []
        parts += ["没有用例文件"] if not s.case_files else []
        return head + ", ".join(parts)
    if s.ruleset is None:
        return head + "invalid, no case ran"
    parts = [f"{len(s.results)} case{'s' if len(s.results) != 1 else ''}", f"{passed} passed"]
    parts += [f"{len(s.failed)} failed"] if s.failed else []
    parts += [f"{invalid} invalid"] if invalid else []
    parts += ["no case file"] if not s.case_files else []
    return head + ", ".join(parts)


def render_text(suites: Sequence[SuiteResult], gates: Sequence[Gate], lang: str = "en") -> str:
    out: list[str] = []
    for s in suites:
        out.extend(_finding(d, lang) for d in s.diagnostics)
        for r in s.results:
            if r.outcome != "passed":
                out.extend(_case_lines(r, lang))
    if out:
        out.append("")
    for s in suites:
        out.append(_suite_line(s, lang))
        if s.ruleset is None:
            continue
        out.extend(_coverage_line(s, lang))
        out.extend((f"  空的用例文件: {f}" if lang == "zh" else f"  empty case file: {f}") for f in _empty_files(s))
    out.extend((f"门槛未通过: {g.message_zh}" if lang == "zh" else f"gate failed: {g.message}") for g in gates)
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
        print(render_text(suites, gates, args.lang))
    results = [r for s in suites for r in s.results]
    passed = sum(1 for r in results if r.outcome == "passed")
    if args.lang == "zh":
        print(f"partyrules test: {len(suites)} 个规则集, {len(results)} 个用例中 {passed} 个通过", file=sys.stderr)
    else:
        print(f"partyrules test: {passed} of {len(results)} case{'s' if len(results) != 1 else ''} passed in "
              f"{len(suites)} rule set{'s' if len(suites) != 1 else ''}", file=sys.stderr)
    return code
