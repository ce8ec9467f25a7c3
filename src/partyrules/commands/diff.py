"""``partyrules diff OLD NEW --population P``: which subjects change grade or total between two versions of a
rule set, and which rules are responsible; ``--max-moved`` makes it a CI gate.

Exit codes: 0 compared; 1 the population file cannot be read; 2 usage (a bad flag value, rule sets for different
kinds of subject); 3 a rule set is invalid or cannot be read; 6 the share of subjects whose grade changed exceeds
``--max-moved``; 10 some rows could not be read or scored (the others were compared) and no gate failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..analyse.diff import EPSILON, NOT_APPLICABLE, RulesetDiff, SubjectChange, diff_rulesets
from ..errors import PartyRulesError, RuleSetError
from ..facts import SubjectFacts
from ..population import Row
from ..rulesets.loader import load_ruleset
from ..rulesets.model import RuleSet
from .common import (
    EXIT_GATE_EXCEEDED,
    EXIT_INVALID,
    EXIT_ROWS_FAILED,
    EXIT_UNREADABLE,
    error_line,
    pad,
    parse_params,
    report,
    ruleset_arg,
)
from .population_files import read_bundles
from .progress import add_progress_flag, progress_for
from .textout import grade_names, table

# The report's words: English and Chinese (--lang).
_TEXT: dict[str, tuple[str, str]] = {
    "period": (", period {p}", ", 期间 {p}"),
    "params": ("  parameters changed: ", "  参数变化: "),
    "compared": ("{n} subjects compared ({na} not applicable under either; {bad} could not be read or scored)",
                 "共比较 {n} 个对象(两边均不适用 {na} 个; 无法读取或计分 {bad} 个)"),
    "grade_changed": ("  grade changed: {n} ({pct}%)", "  等次变化: {n} ({pct}%)"),
    "total_changed": ("  total changed by more than {e}: {n}", "  总分变化超过 {e}: {n}"),
    "vetoes": ("  vetoes appeared or disappeared: {n}", "  否决项出现或消失: {n}"),
    "transitions": ("grade transitions (old down, new across):", "等次变化(纵为旧版, 横为新版):"),
    "rules": ("rules responsible (over every subject compared):", "引起变化的规则(全部比较对象):"),
    "rule_head": ("rule|subjects|net points|abs points", "规则|对象数|净分值|绝对分值"),
    "moved": ("moved subjects (grade changes first, then the largest change of total{more}):",
              "变动对象(先列等次变化, 再按总分变化从大到小{more}):"),
    "more": ("; {k} of {n}, --top to show more", "; 显示 {n} 个中的 {k} 个, 用 --top 显示更多"),
    "and_more": (" and {n} more", " 等另 {n} 条"),
    "bands": ("(grading bands)", "(等次分界)"),
    "veto": ("veto", "否决"),
}


def _t(key: str, lang: str, **values: object) -> str:
    en, zh = _TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a share from 0 to 1, not {value:g}")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value:g}")
    return value


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``diff`` subcommand."""
    d = sub.add_parser(
        "diff", help="compare two versions of a rule set over a population: who moves, and which rules are why",
        description="Evaluate every subject of the population once under OLD and once under NEW (rule sets for "
                    "the same kind of subject) and report how many change grade (with a transition table), how "
                    "many change total, and for each moved subject the rules responsible: each line's change of "
                    "points (a rule on one side only counts fully), plus a veto's zeroing of the total and a "
                    "dimension maximum's bound, so that the changes add up to the change of total. Exit 6 when "
                    "--max-moved is exceeded, 10 when rows could not be read or scored, 3 when a rule set is "
                    "invalid.")
    d.add_argument("old", metavar="OLD", type=ruleset_arg, help="the current rule set (a file or a shipped name)")
    d.add_argument("new", metavar="NEW", type=ruleset_arg, help="the changed rule set (a file or a shipped name)")
    d.add_argument("--population", required=True, metavar="P",
                   help="subjects' facts: a JSON file (an object or an array) or JSON lines")
    d.add_argument("--period", default=None, help="2026, 2026-Q1, 2026-03 or 2026-01..2026-06 (default: each "
                                                 "subject's year)")
    d.add_argument("--param-old", action="append", metavar="NAME=VALUE", help="override a parameter of OLD")
    d.add_argument("--param-new", action="append", metavar="NAME=VALUE", help="override a parameter of NEW")
    d.add_argument("--epsilon", type=_non_negative, default=EPSILON,
                   help=f"a total changes when it moves by more than this (default {EPSILON:g})")
    d.add_argument("--max-moved", type=_share, default=None, metavar="SHARE",
                   help="gate: exit 6 when the share (0..1) of subjects whose grade changed exceeds SHARE")
    d.add_argument("--top", type=int, default=20, help="moved subjects to list in text output (default 20)")
    d.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    d.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the text report (default en)")
    add_progress_flag(d)
    d.set_defaults(func=cmd_diff)


def _load(path: str, pairs: list[str] | None) -> RuleSet | None:
    try:
        return load_ruleset(path, params=parse_params(pairs))
    except RuleSetError as exc:
        report("diff", exc)
        return None


def _num(x: float) -> str:
    return f"{x:.2f}"


def _signed(x: float) -> str:
    text = f"{x:+.2f}"
    return "+0.00" if text == "-0.00" else text


def _grade_move(c: SubjectChange, names: dict[str, str] | None = None) -> str:
    names = names or {}
    old, new = c.old_grade or NOT_APPLICABLE, c.new_grade or NOT_APPLICABLE
    return f"{names.get(old, old)} -> {names.get(new, new)}"


def _moved_line(c: SubjectChange, width: int, lang: str = "en", names: dict[str, str] | None = None) -> str:
    old = "-" if c.old_total is None else _num(c.old_total)
    new = "-" if c.new_total is None else _num(c.new_total)
    rules = ", ".join(f"{d.rule_id} {_signed(d.delta)}" for d in c.rules[:6])
    if len(c.rules) > 6:
        rules += _t("and_more", lang, n=len(c.rules) - 6)
    if not rules and c.grade_changed:
        rules = _t("bands", lang)
    vetoes = [f"+{v}" for v in c.vetoes_added] + [f"-{v}" for v in c.vetoes_removed]
    text = (f"  {pad(c.subject_id, 10)} {old:>8} -> {new:>8} ({_signed(c.total_delta)})  "
            f"{pad(_grade_move(c, names), width)}  {rules}")
    return text + (f"  {_t('veto', lang)} {' '.join(vetoes)}" if vetoes else "")


def render_text(diff: RulesetDiff, top: int, bad_rows: int, lang: str = "en", old_rs: RuleSet | None = None) -> str:
    """A readable report in ``lang``: counts, the grade transition table, the rules responsible, the moved
    subjects; columns aligned by display width (grade names in Chinese are two columns a character)."""
    from .common import display_width

    names = grade_names(old_rs, lang) if old_rs is not None and lang == "zh" else {}
    o, n = diff.old, diff.new
    out = [f"{o['id']} {o['version']} ({o['content_hash'][:12]}) -> {n['id']} {n['version']} "
           f"({n['content_hash'][:12]})" + (_t("period", lang, p=diff.period) if diff.period else "")]
    changed = [f"{k} {o['params'].get(k)} -> {n['params'].get(k)}"
               for k in sorted(o["params"].keys() | n["params"].keys()) if o["params"].get(k) != n["params"].get(k)]
    if changed:
        out.append(_t("params", lang) + ", ".join(changed))
    out.append(_t("compared", lang, n=f"{diff.subjects:,}", na=f"{diff.not_applicable:,}",
                  bad=f"{len(diff.failures) + bad_rows:,}"))
    out.append(_t("grade_changed", lang, n=f"{diff.grade_changed:,}", pct=f"{100 * diff.moved_share:.2f}"))
    out.append(_t("total_changed", lang, e=f"{diff.epsilon:g}", n=f"{diff.total_changed:,}"))
    vetoes = sum(1 for c in diff.changes if c.vetoes_added or c.vetoes_removed)
    if vetoes:
        out.append(_t("vetoes", lang, n=f"{vetoes:,}"))
    matrix = diff.transition_matrix()
    grades = [g for g in diff.grades if g != NOT_APPLICABLE or any(matrix[g].values())
              or any(matrix[a][g] for a in diff.grades)]
    rows = [["", *(names.get(g, g) for g in grades)]]
    rows += [[names.get(a, a), *(f"{matrix[a][b]:,}" for b in grades)] for a in grades]
    out += ["", _t("transitions", lang), *table(rows, [False, *([True] * len(grades))])]
    summary = diff.rule_summary()
    if summary:
        rows = [_t("rule_head", lang).split("|")]
        rows += [[s.rule_id, f"{s.subjects:,}", f"{s.net_points:.2f}", f"{s.abs_points:.2f}"] for s in summary]
        out += ["", _t("rules", lang), *table(rows, [False, True, True, True])]
    if diff.changes:
        ranked = sorted(diff.changes, key=lambda c: (not c.grade_changed, -round(abs(c.total_delta), 6),
                                                     c.subject_id))
        shown = ranked[:max(0, top)]
        more = _t("more", lang, k=len(shown), n=f"{len(ranked):,}") if len(shown) < len(ranked) else ""
        out += ["", _t("moved", lang, more=more)]
        width = max(display_width(_grade_move(c, names)) for c in shown) if shown else 0
        out += [_moved_line(c, width, lang, names) for c in shown]
    return "\n".join(out)


def cmd_diff(args: argparse.Namespace) -> int:
    """Run ``partyrules diff``; see the module docstring for the exit codes."""
    old, new = _load(args.old, args.param_old), _load(args.new, args.param_new)
    if old is None or new is None:
        return EXIT_INVALID
    if not Path(args.population).is_file() and not Path(args.population).is_dir():
        print(error_line("diff", "cannot read the population: no such file / 无法读取对象文件", args.population,
                         "give a JSON or JSON-lines file of fact bundles, a directory of tables or an .xlsx "
                         "workbook"), file=sys.stderr)
        return EXIT_UNREADABLE
    bad: list[Row] = []
    numbers: list[int] = []  # the file's row number of each subject handed to the comparison

    def subjects() -> Iterator[SubjectFacts]:
        for row in read_bundles(args.population):
            if row.error is not None or row.facts is None:
                bad.append(row)
                continue
            numbers.append(row.number)
            yield row.facts

    try:
        with progress_for(args) as progress:
            diff = diff_rulesets(old, new, progress.track(subjects(), "comparing subjects under both"), args.period,
                                 epsilon=args.epsilon)
    except PartyRulesError as exc:
        report("diff", exc)
        return 2
    exceeded = args.max_moved is not None and diff.moved_share > args.max_moved
    code = EXIT_GATE_EXCEEDED if exceeded else EXIT_ROWS_FAILED if bad or diff.failures else 0
    if args.format == "json":
        doc: dict[str, Any] = diff.to_dict()
        doc["population"] = args.population
        doc["bad_rows"] = [{"row": r.number, "error": str(r.error)} for r in bad]
        for f, entry in zip(diff.failures, doc["failures"], strict=True):
            entry["row"] = numbers[f.index]
        doc["gate"] = {"max_moved": args.max_moved, "exceeded": exceeded}
        doc["exit_code"] = code
        print(json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2))
    else:
        print(render_text(diff, args.top, len(bad), args.lang, old))
    for r in bad:
        print(error_line("diff", f"row {r.number}: {r.error}", args.population), file=sys.stderr)
    for f in diff.failures:
        print(error_line("diff", f"row {numbers[f.index]} ({f.subject_id or '?'}): {f.error}", args.population),
              file=sys.stderr)
    if exceeded:
        print(f"gate failed: {100 * diff.moved_share:.2f}% of subjects changed grade, above --max-moved "
              f"{args.max_moved:g}", file=sys.stderr)
    elif bad or diff.failures:
        print(f"{len(bad) + len(diff.failures)} row{'s' if len(bad) + len(diff.failures) != 1 else ''} could not "
              "be read or scored; the others were compared", file=sys.stderr)
    return code
