"""The ``partyrules`` command line.

Exit codes (distinct, so CI can tell failures apart): 0 success; 1 an input file cannot be read (missing,
unreadable, not a regular file, not a population) or another expected failure; 2 usage error (a bad flag value, an
unknown name, a missing argument); 3 a rule set is invalid or cannot be read; 4 a rule-set test case failed; 5 a
property check failed; 6 a diff gate was exceeded (or, for ``fairness --fail-on-structural``, a structural gap was
found); 7 ``calibrate``: no value meets the targets; 8 ``audit``: the ledger or a proof does not verify; 10 some
subjects could not be scored (the others were); 130 interrupted. Every expected failure is one line per problem on
stderr, ``partyrules <command>: <where>: <what> (hint: ...)``, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from .codes import zh_line
from .commands import register_commands
from .commands.common import (
    EXIT_INVALID,
    EXIT_ROWS_FAILED,
    EXIT_UNREADABLE,
    error_line,
    is_fragment,
    parse_params,
    report,
    ruleset_arg,
    ruleset_files,
)
from .commands.lang import add_lang_flag
from .commands.progress import add_progress_flag, progress_for
from .errors import Diagnostic, Location, ParameterError, PartyRulesError, RuleSetError


def cmd_validate(args: argparse.Namespace) -> int:
    """Load every rule set given (files or directories), lint those that load, and report every finding at once.

    Errors make the exit code 3; warnings are printed but only fail with ``--strict``.
    """
    from .rulesets.lint import lint_ruleset
    from .rulesets.loader import load_ruleset
    from .rulesets.versions import version_problems

    results: list[dict[str, Any]] = []
    problems: list[Diagnostic] = []
    loaded: list[tuple[Any, dict[str, Any]]] = []  # each rule set that loaded, with its file's result
    refused: list[Diagnostic] = []  # FIFOs and links out of a directory: named, never opened
    files = ruleset_files(args.paths, refused)
    if not files and not refused:
        print(error_line("validate", "no rule-set files found / 未找到规则集文件",
                         hint="give .yaml rule-set files or directories holding them"), file=sys.stderr)
        return 2
    for d in refused:
        results.append({"file": d.location.file if d.location else None, "valid": False, "errors": 1,
                        "warnings": 0, "diagnostics": [d.to_dict()]})
        problems.append(d)
    for f in files:
        if is_fragment(f) and Path(f).is_file() and f not in map(Path, args.paths):
            continue  # fragments are checked through the rule sets that include them
        info: dict[str, Any] = {"file": str(f)}
        try:
            rs = load_ruleset(f)
            found = lint_ruleset(rs)
            info.update({"id": rs.id, "version": rs.version, **rs.counts()})
            loaded.append((rs, info))
        except RuleSetError as exc:
            found = list(exc.diagnostics)
        except PartyRulesError as exc:
            found = [Diagnostic("RS000", exc.message, exc.location or Location(str(f)), exc.hint)]
        errors = sum(d.severity == "error" for d in found)
        info.update({"valid": errors == 0, "errors": errors, "warnings": len(found) - errors,
                     "diagnostics": [d.to_dict() for d in found]})
        results.append(info)
        problems.extend(found)
    # versions of one id are checked together: their dates must neither overlap nor leave a gap
    # (a file named twice is one version, not two that overlap)
    by_file = {rs.files[0]: (rs, info) for rs, info in loaded if rs.files}
    for d in version_problems([rs for rs, _ in by_file.values()]):
        problems.append(d)
        if d.location is not None and d.location.file in by_file:
            info = by_file[d.location.file][1]
            info["diagnostics"].append(d.to_dict())
            info["errors"] += 1
            info["valid"] = False
    n_errors = sum(d.severity == "error" for d in problems)
    n_warnings = len(problems) - n_errors
    failed = n_errors > 0 or (args.strict and n_warnings > 0)
    if args.format == "json":
        print(json.dumps({"valid": n_errors == 0, "strict": args.strict, "errors": n_errors,
                          "warnings": n_warnings, "files": results}, ensure_ascii=False, indent=2))
    else:
        zh = args.lang == "zh"
        for d in problems:
            print(zh_line(d) if zh else _finding(d))
        ok = sum(1 for r in results if r["valid"])
        if zh:
            print(f"partyrules validate: {len(results)} 个规则集中 {ok} 个有效; {n_errors} 个错误, {n_warnings} 个警告"
                  + (" (--strict: 警告也视为失败)" if args.strict and n_warnings else ""), file=sys.stderr)
        else:
            print(f"partyrules validate: {ok} of {len(results)} rule set{'s' if len(results) != 1 else ''} valid; "
                  f"{n_errors} error{'s' if n_errors != 1 else ''}, "
                  f"{n_warnings} warning{'s' if n_warnings != 1 else ''}"
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
        rs = load_ruleset(args.ruleset, params=parse_params(args.param))
    except RuleSetError as exc:
        report("inspect", exc)
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
    from .commands.population_files import read_bundles
    from .evaluate.evaluator import Evaluator
    from .rulesets.loader import load_ruleset

    try:
        rs = load_ruleset(args.ruleset)
        evaluator = Evaluator(rs, parse_params(args.param))
    except RuleSetError as exc:
        report("score", exc)
        return EXIT_INVALID
    failed = 0
    out: list[str] = []
    with progress_for(args) as progress:
        for row in progress.track(read_bundles(args.facts), "scoring the subjects"):
            if row.error is not None or row.facts is None:
                failed += 1
                print(error_line("score", f"row {row.number}: {row.error}", args.facts), file=sys.stderr)
                continue
            try:
                b = evaluator.evaluate(row.facts, args.period)
            except PartyRulesError as exc:
                failed += 1
                print(error_line("score", f"row {row.number} ({row.facts.subject_id}): {exc}", args.facts),
                      file=sys.stderr)
                continue
            _score_out(args, b, out)
    if out:
        print("\n".join(out))
    if failed:
        print(f"{failed} row{'s' if failed != 1 else ''} could not be scored; the others were", file=sys.stderr)
        return EXIT_ROWS_FAILED
    return 0


def _score_out(args: argparse.Namespace, b: Any, out: list[str]) -> None:
    if args.format == "json":
        out.append(b.to_json())
    elif args.format == "markdown":
        out.append(b.to_markdown(args.lang) + "\n")
    else:
        out.append(b.to_text(args.lang) + "\n")


def cmd_schema(args: argparse.Namespace) -> int:
    from .facts import fact_json_schemas

    schemas = fact_json_schemas()
    if args.list:
        print("\n".join(sorted(schemas)))
        return 0
    if args.name:
        if args.name not in schemas:
            from .lang.check import suggest

            print(error_line("schema", f"unknown fact type {args.name!r} / 未知的事实类型",
                             hint=suggest(args.name, list(schemas)) or "see partyrules schema --list"),
                  file=sys.stderr)
            return 2
        print(json.dumps(schemas[args.name], ensure_ascii=False, indent=2))
    else:
        print(json.dumps(schemas, ensure_ascii=False, indent=2))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from .rulesets.docs import write_ruleset_docs
    from .rulesets.loader import load_ruleset

    refused: list[Diagnostic] = []  # FIFOs and links out of a directory: named, never opened
    files = [f for f in ruleset_files(args.paths, refused) if not is_fragment(f)]
    for d in refused:
        report("docs", RuleSetError(d))
    try:
        rulesets = [load_ruleset(f) for f in files]
    except RuleSetError as exc:
        report("docs", exc)
        return EXIT_INVALID
    for path in write_ruleset_docs(rulesets, args.out):
        print(path)
    return EXIT_INVALID if refused else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(lang=args.lang, seed=args.seed)


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line in the CLI's error format (exit 2), not usage plus a second line."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("partyrules").strip() or "partyrules"
        line = error_line(command, message, hint=f"see {self.prog} --help")
        self.exit(2, (line if command != "partyrules" else line.replace("partyrules partyrules:", "partyrules:"))
                  + "\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("partyrules")
    except PackageNotFoundError:  # pragma: no cover - a source tree run without installing
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="partyrules", description="Assessment standards as explainable rule sets.",
                epilog="Exit codes: 0 ok; 1 an input cannot be read; 2 usage; 3 a rule set is invalid; 4 a test "
                       "case failed; 5 a property failed; 6 a gate failed; 8 an audit does not verify; 10 some "
                       "subjects could not be scored (the others were).")
    p.add_argument("--version", action="version", version=f"partyrules {_version()}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="score a generated sample sub-district end to end with the shipped rule sets")
    d.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the output (default zh)")
    d.add_argument("--seed", type=int, default=2026, help="seed of the generated sub-district (default 2026)")
    d.set_defaults(func=cmd_demo)

    v = sub.add_parser("validate", help="check rule-set files (or directories of them)")
    v.add_argument("paths", nargs="+", type=ruleset_arg, metavar="PATH",
                   help="rule-set files, directories of them, or shipped names (in_service, branch, ...)")
    v.add_argument("--format", choices=["text", "json"], default="text", help="report format (default text)")
    v.add_argument("--strict", action="store_true", help="warnings fail too (exit 3)")
    add_lang_flag(v)
    v.set_defaults(func=cmd_validate)

    i = sub.add_parser("inspect", help="summarise a rule set")
    i.add_argument("ruleset", type=ruleset_arg, metavar="RULESET",
                   help="a rule-set file or a shipped name (in_service, retired, new_citizen, branch, community)")
    i.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    i.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    i.set_defaults(func=cmd_inspect)

    s = sub.add_parser("score", help="score subjects from a JSON or JSON-lines facts file")
    s.add_argument("--ruleset", required=True, type=ruleset_arg, metavar="RULESET",
                   help="a rule-set file or a shipped name (in_service, retired, new_citizen, branch, community)")
    s.add_argument("--facts", required=True, metavar="FILE",
                   help="a JSON file (one bundle or an array) or JSON lines of fact bundles")
    s.add_argument("--period", default=None, help="2026, 2026-Q1, 2026-03 or 2026-01..2026-06")
    s.add_argument("--format", choices=["json", "text", "markdown"], default="json",
                   help="output format (default json)")
    s.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of text and markdown (default zh)")
    s.add_argument("--param", action="append", metavar="NAME=VALUE", help="override a parameter (repeatable)")
    add_progress_flag(s)
    s.set_defaults(func=cmd_score)

    g = sub.add_parser("docs", help="write each rule set as Markdown tables in Chinese and English")
    g.add_argument("paths", nargs="+", type=ruleset_arg, metavar="PATH",
                   help="rule-set files or directories, or shipped names")
    g.add_argument("--out", default="docs/rulesets", help="directory to write to (default docs/rulesets)")
    g.set_defaults(func=cmd_docs)

    c = sub.add_parser("schema", help="print the JSON Schema of the fact types")
    c.add_argument("name", nargs="?", help="one fact type, e.g. Member or MemberFacts")
    c.add_argument("--list", action="store_true", help="list the fact types")
    c.set_defaults(func=cmd_schema)
    register_commands(sub)
    from .commands import audit as audit_command
    from .commands import calibrate as calibrate_command
    from .commands import fairness as fairness_command
    from .commands import outlook as outlook_command

    fairness_command.register(sub)
    outlook_command.register(sub)
    calibrate_command.register(sub)
    audit_command.register(sub)
    return p


def _command(args: argparse.Namespace) -> str:
    sub = getattr(args, "audit_command", None)
    return f"{args.command} {sub}" if args.command == "audit" and sub else str(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = _command(args)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
    except RuleSetError as exc:
        report(command, exc)
        return EXIT_INVALID
    except ParameterError as exc:
        report(command, exc)
        return 2
    except (PartyRulesError, OSError) as exc:  # a file that cannot be read, or another expected failure
        report(command, exc)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        print(error_line(command, "interrupted / 已中断"), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
