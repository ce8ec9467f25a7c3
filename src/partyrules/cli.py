"""The ``partyrules`` command line.

Exit codes (distinct, so CI can tell failures apart): 0 success; 1 any other error; 2 usage error; 3 a rule set is
invalid; 4 a rule-set test case failed; 5 a property check failed; 6 a diff gate was exceeded (or, for ``fairness
--fail-on-structural``, a structural gap was found); 10 some subjects could not be scored (the others were).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .commands import register_commands
from .commands.common import EXIT_INVALID, EXIT_ROWS_FAILED, _is_fragment, _params, _ruleset_files
from .errors import Diagnostic, Location, ParameterError, PartyRulesError, RuleSetError


def cmd_validate(args: argparse.Namespace) -> int:
    """Load every rule set given (files or directories), lint those that load, and report every finding at once.

    Errors make the exit code 3; warnings are printed but only fail with ``--strict``.
    """
    from .rulesets.lint import lint_ruleset
    from .rulesets.loader import load_ruleset

    results: list[dict[str, Any]] = []
    problems: list[Diagnostic] = []
    refused: list[Diagnostic] = []  # FIFOs and links out of a directory: named, never opened
    files = _ruleset_files(args.paths, refused)
    if not files and not refused:
        print("partyrules validate: no rule-set files found", file=sys.stderr)
        return 2
    for d in refused:
        results.append({"file": d.location.file if d.location else None, "valid": False, "errors": 1,
                        "warnings": 0, "diagnostics": [d.to_dict()]})
        problems.append(d)
    for f in files:
        if _is_fragment(f) and Path(f).is_file() and f not in map(Path, args.paths):
            continue  # fragments are checked through the rule sets that include them
        info: dict[str, Any] = {"file": str(f)}
        try:
            rs = load_ruleset(f)
            found = lint_ruleset(rs)
            info.update({"id": rs.id, "version": rs.version, **rs.counts()})
        except RuleSetError as exc:
            found = list(exc.diagnostics)
        except PartyRulesError as exc:
            found = [Diagnostic("RS000", exc.message, exc.location or Location(str(f)), exc.hint)]
        errors = sum(d.severity == "error" for d in found)
        info.update({"valid": errors == 0, "errors": errors, "warnings": len(found) - errors,
                     "diagnostics": [d.to_dict() for d in found]})
        results.append(info)
        problems.extend(found)
    n_errors = sum(d.severity == "error" for d in problems)
    n_warnings = len(problems) - n_errors
    failed = n_errors > 0 or (args.strict and n_warnings > 0)
    if args.format == "json":
        print(json.dumps({"valid": n_errors == 0, "strict": args.strict, "errors": n_errors,
                          "warnings": n_warnings, "files": results}, ensure_ascii=False, indent=2))
    else:
        for d in problems:
            print(_finding(d))
        ok = sum(1 for r in results if r["valid"])
        print(f"{ok} of {len(results)} rule set{'s' if len(results) != 1 else ''} valid; {n_errors} "
              f"error{'s' if n_errors != 1 else ''}, {n_warnings} warning{'s' if n_warnings != 1 else ''}"
              + (" (--strict: warnings fail)" if args.strict and n_warnings else ""), file=sys.stderr)
    return EXIT_INVALID if failed else 0


def _finding(d: Diagnostic) -> str:
    """``file:line:col: CODE: message (hint: ...)``; a warning says so before its message."""
    if d.severity == "error":
        return d.format()
    return Diagnostic(d.code, f"{d.severity}: {d.message}", d.location, d.hint, d.severity).format()


def cmd_inspect(args: argparse.Namespace) -> int:
    from .rulesets.loader import load_ruleset

    try:
        rs = load_ruleset(args.ruleset, params=_params(args.param))
    except RuleSetError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return EXIT_INVALID
    info = rs.describe()
    if args.format == "json":
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"{rs.id} {rs.version}: {rs.title_zh} / {rs.title_en} ({rs.subject_kind})")
    print(f"  {info['dimensions']} dimensions, {info['standards']} standards, {info['deductions']} deductions, "
          f"{info['vetoes']} vetoes; max {info['max_points']:g} points")
    for d in info["dimension_list"]:
        print(f"  {d['id']:<10} {d['zh']} / {d['en']}: max {d['max']:g} ({d['standards']} standards, "
              f"{d['deductions']} deductions)")
    print("  grades: " + ", ".join(f"{g['zh']} >= {g['at_least']:g}" for g in info["grades"]))
    print(f"  content hash {rs.content_hash}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from .evaluate.evaluator import Evaluator
    from .population import read_facts
    from .rulesets.loader import load_ruleset

    try:
        rs = load_ruleset(args.ruleset)
        evaluator = Evaluator(rs, _params(args.param))
    except RuleSetError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return EXIT_INVALID
    failed = 0
    out: list[str] = []
    for row in read_facts(args.facts):
        if row.error is not None or row.facts is None:
            failed += 1
            print(f"row {row.number}: {row.error}", file=sys.stderr)
            continue
        try:
            b = evaluator.evaluate(row.facts, args.period)
        except PartyRulesError as exc:
            failed += 1
            print(f"row {row.number} ({row.facts.subject_id}): {exc}", file=sys.stderr)
            continue
        if args.format == "json":
            out.append(b.to_json())
        elif args.format == "markdown":
            out.append(b.to_markdown(args.lang) + "\n")
        else:
            out.append(b.to_text(args.lang) + "\n")
    if out:
        print("\n".join(out))
    if failed:
        print(f"{failed} row{'s' if failed != 1 else ''} could not be scored; the others were", file=sys.stderr)
        return EXIT_ROWS_FAILED
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from .facts import fact_json_schemas

    schemas = fact_json_schemas()
    if args.list:
        print("\n".join(sorted(schemas)))
        return 0
    if args.name:
        if args.name not in schemas:
            from .lang.check import suggest

            print(f"partyrules schema: unknown fact type {args.name!r}; "
                  f"{suggest(args.name, list(schemas)) or 'see --list'}", file=sys.stderr)
            return 2
        print(json.dumps(schemas[args.name], ensure_ascii=False, indent=2))
    else:
        print(json.dumps(schemas, ensure_ascii=False, indent=2))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from .rulesets.docs import write_ruleset_docs
    from .rulesets.loader import load_ruleset

    refused: list[Diagnostic] = []  # FIFOs and links out of a directory: named, never opened
    files = [f for f in _ruleset_files(args.paths, refused) if not _is_fragment(f)]
    for d in refused:
        print(d.format(), file=sys.stderr)
    try:
        rulesets = [load_ruleset(f) for f in files]
    except RuleSetError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return EXIT_INVALID
    for path in write_ruleset_docs(rulesets, args.out):
        print(path)
    return EXIT_INVALID if refused else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(lang=args.lang, seed=args.seed)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="partyrules", description="Assessment standards as explainable rule sets.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="score a generated sample sub-district end to end with the shipped rule sets")
    d.add_argument("--lang", choices=["zh", "en"], default="zh")
    d.add_argument("--seed", type=int, default=2026)
    d.set_defaults(func=cmd_demo)

    v = sub.add_parser("validate", help="check rule-set files (or directories of them)")
    v.add_argument("paths", nargs="+")
    v.add_argument("--format", choices=["text", "json"], default="text")
    v.add_argument("--strict", action="store_true", help="warnings fail too (exit 3)")
    v.set_defaults(func=cmd_validate)

    i = sub.add_parser("inspect", help="summarise a rule set")
    i.add_argument("ruleset")
    i.add_argument("--format", choices=["text", "json"], default="text")
    i.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    i.set_defaults(func=cmd_inspect)

    s = sub.add_parser("score", help="score subjects from a JSON or JSON-lines facts file")
    s.add_argument("--ruleset", required=True)
    s.add_argument("--facts", required=True)
    s.add_argument("--period", default=None, help="2026, 2026-Q1, 2026-03 or 2026-01..2026-06")
    s.add_argument("--format", choices=["json", "text", "markdown"], default="json")
    s.add_argument("--lang", choices=["zh", "en"], default="zh")
    s.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    s.set_defaults(func=cmd_score)

    g = sub.add_parser("docs", help="write each rule set as Markdown tables in Chinese and English")
    g.add_argument("paths", nargs="+", help="rule-set files or directories")
    g.add_argument("--out", default="docs/rulesets")
    g.set_defaults(func=cmd_docs)

    c = sub.add_parser("schema", help="print the JSON Schema of the fact types")
    c.add_argument("name", nargs="?", help="one fact type, e.g. Member or MemberFacts")
    c.add_argument("--list", action="store_true", help="list the fact types")
    c.set_defaults(func=cmd_schema)
    register_commands(sub)
    from .commands import audit as audit_command
    from .commands import fairness as fairness_command

    fairness_command.register(sub)
    audit_command.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ParameterError as exc:
        print(f"partyrules: {exc}", file=sys.stderr)
        return 2
    except PartyRulesError as exc:
        print(f"partyrules: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
