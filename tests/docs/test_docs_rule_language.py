"""Every example of docs/rule-language.md is loaded and evaluated, and its stated results are checked.

The reference cannot drift from the code: besides running each example, these tests require that the examples
together use every top-level key and every nested key of the format, every scoring method, every aggregation,
every function, every line status, and that the document names every diagnostic code and every fact field.

Evaluations run in a forked child process, so that an engine crash fails one example instead of aborting the
whole test session (see ``test_rule_set_where_nothing_fires``).
"""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

import partyrules as pr
from docsexamples import FIXTURES, Example, appendix_tables, facts, read_document
from partyrules.lang import ir as I
from partyrules.lang.ast import AGGREGATES
from partyrules.lang.check import FUNCTIONS
from partyrules.rulesets import spec as S
from partyrules.rulesets.schema import schema_for

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "docs" / "rule-language.md"
TEXT = DOC_PATH.read_text(encoding="utf-8")
DOC = read_document(TEXT)
EXAMPLES = [e for e in DOC.examples if e.kind == "example"]
ERRORS = [e for e in DOC.examples if e.kind == "error"]
FILE = "rule-set.yaml"  # examples are loaded as this file of the rule-set directory ``root``

MIN_EXAMPLES = 45  # evaluations: example blocks and their reruns
MIN_EXAMPLE_BLOCKS = 25
MIN_ERRORS = 55


# ----------------------------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rule-set directory holding every ``yaml fragment`` of the document."""
    d = tmp_path_factory.mktemp("rulesets")
    for name, body in DOC.fragments.items():
        (d / name).write_text(body, encoding="utf-8")
    return d


def isolated(fn: Callable[[], Any]) -> dict[str, Any]:
    """Run ``fn`` in a forked child: {"ok": result} | {"raised": [class names], "message": str} | {"crashed": sig}."""

    def call() -> dict[str, Any]:
        try:
            return {"ok": fn()}
        except Exception as exc:
            return {"raised": [c.__name__ for c in type(exc).__mro__], "message": str(exc)}

    if not hasattr(os, "fork"):  # pragma: no cover - Windows: no isolation
        return call()
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(rfd)
            data = json.dumps(call()).encode()
            with os.fdopen(wfd, "wb") as w:
                w.write(data)
        finally:
            os._exit(0)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as r:
        data = r.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {"crashed": signal.Signals(os.WTERMSIG(status)).name}
    return json.loads(data)


def summarise(b: pr.ScoreBreakdown) -> dict[str, Any]:
    return {
        "total": b.total,
        "grade": b.grade.id,
        "vetoed": b.vetoed,
        "vetoes": [v.rule_id for v in b.vetoes],
        "lines": {ln.rule_id: {"points": ln.points, "status": ln.status, "occurrences": ln.occurrences,
                               "counted": ln.evidence.counted} for ln in (*b.vetoes, *b.lines)},
        "dimensions": {d.id: d.subtotal for d in b.dimensions},
        "reasons": [r.code for r in b.reason_codes],
        "warnings": [w.id for w in b.warnings],
        "not_assessed": [n.rule_id for n in b.not_assessed],
    }


def evaluate_example(ex: Example, root: Path) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        rs = _loaded(ex, root)
        assert ex.facts is not None
        period = ex.period or FIXTURES[ex.facts][1]
        return summarise(pr.evaluate(rs, facts(ex.facts), period=period))

    return isolated(run)


def _num(text: str) -> float:
    return float(text)


def _example_id(ex: Example) -> str:
    return ex.id


def _loaded(ex: Example, root: Path) -> pr.RuleSet:
    # named as a file of the directory so that includes resolve there, as with pr.load_ruleset(path)
    return pr.loads_ruleset(ex.yaml, file=str(root / FILE), root=root, params=ex.params)


# ----------------------------------------------------------------------------------------------------------------
# the document itself


def test_document_annotations_are_well_formed():
    assert DOC.problems == []


def test_document_has_enough_examples():
    assert len(EXAMPLES) >= MIN_EXAMPLES, f"only {len(EXAMPLES)} evaluations of yaml examples"
    blocks = sum(ex.rerun == 0 for ex in EXAMPLES)
    assert blocks >= MIN_EXAMPLE_BLOCKS, f"only {blocks} yaml example blocks"
    assert len(ERRORS) >= MIN_ERRORS, f"only {len(ERRORS)} yaml error examples"
    assert DOC.fragments, "no yaml fragment block: includes are not illustrated"


def test_internal_links_resolve():
    prose = re.sub(r"^```.*?^```", "", TEXT, flags=re.M | re.S)
    slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
             for h in re.findall(r"^#+ (.*)$", prose, re.M)}
    links = set(re.findall(r"\]\(#([^)]+)\)", prose))
    assert links, "no internal links"
    assert links <= slugs, sorted(links - slugs)


def test_example_ids_are_unique():
    ids = [ex.id for ex in DOC.examples]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# ----------------------------------------------------------------------------------------------------------------
# examples


@pytest.mark.parametrize("ex", EXAMPLES, ids=_example_id)
def test_example(ex: Example, root: Path):
    result = evaluate_example(ex, root)
    assert "crashed" not in result, f"evaluating the example killed the process with {result.get('crashed')}"
    expected_raise = [v for what, _, v in ex.expect if what == "raises"]
    if expected_raise:
        assert "raised" in result, f"expected {expected_raise[0]}, got a result: {result.get('ok')}"
        assert expected_raise[0] in result["raised"], result
        return
    assert "ok" in result, f"the example failed: {result.get('raised', [''])[0]}: {result.get('message')}"
    got = result["ok"]
    for what, rule, value in ex.expect:
        if what == "total":
            assert got["total"] == pytest.approx(_num(value), abs=1e-6), ("total", got)
        elif what == "grade":
            assert got["grade"] == value, ("grade", got)
        elif what == "veto":
            if value == "none":
                assert not got["vetoed"] and got["vetoes"] == [], ("veto", got)
            else:
                assert got["vetoed"] and value in got["vetoes"], ("veto", got)
        elif what == "warning":
            if value == "none":
                assert got["warnings"] == [], ("warnings", got["warnings"])
            else:
                assert value in got["warnings"], ("warnings", got["warnings"])
        elif what == "absent":
            assert value not in got["lines"], (f"{value} should have no line", got["lines"].get(value))
        elif what == "reason":
            assert value in got["reasons"], ("reason codes", got["reasons"])
        elif what == "not_assessed":
            assert value in got["not_assessed"], ("not assessed", got["not_assessed"])
        elif what == "dimension":
            assert rule in got["dimensions"], ("no dimension", rule, got["dimensions"])
            assert got["dimensions"][rule] == pytest.approx(_num(value), abs=1e-6), ("dimension", rule, got)
        else:
            _check_line(got, what, rule, value)


def _check_line(got: dict, what: str, rule: str, value: str) -> None:
    """An expectation about one rule's line: its points, status, occurrences or the items it counted."""
    assert rule in got["lines"], (f"no line for {rule}", sorted(got["lines"]))
    line = got["lines"][rule]
    if what == "line":
        assert line["points"] == pytest.approx(_num(value), abs=1e-6), (rule, line)
    elif what == "status":
        assert line["status"] == value, (rule, line)
    elif what == "occurrences":
        assert line["occurrences"] == pytest.approx(_num(value), abs=1e-6), (rule, line)
    elif what == "counted":
        assert line["counted"] == sorted(value.split()), (rule, line)
    else:  # pragma: no cover - the reader only yields the kinds above
        pytest.fail(f"unknown expectation {what}")


def _error_message_block(ex: Example) -> str | None:
    """The ```text message block that directly follows an error example's comment, if any."""
    lines = TEXT.splitlines()
    close = next(i for i in range(ex.line, len(lines)) if lines[i].startswith("```"))
    rest = "\n".join(lines[close + 1:])
    m = re.match(r"\s*<!--\s*error:(?:(?!-->).)*-->[ \t]*\n```text message\n(.*?)^```", rest, re.S | re.M)
    return m.group(1).rstrip("\n") if m else None


@pytest.mark.parametrize("ex", ERRORS, ids=_example_id)
def test_error_example(ex: Example, root: Path):
    with pytest.raises(pr.RuleSetError) as info:
        _loaded(ex, root)
    diags = [d for d in info.value.diagnostics if d.code == ex.error_code]
    assert diags, f"expected {ex.error_code}, got: {info.value}"
    d = diags[0]
    if ex.error_at is not None:
        assert d.location is not None
        assert (d.location.line, d.location.column) == ex.error_at, str(info.value)
    if ex.error_hint is not None:
        assert d.hint is not None and ex.error_hint in d.hint, d.hint
    message = _error_message_block(ex)
    if message is not None:
        assert str(info.value).replace(f"{root}{os.sep}", "") == message


def test_some_error_messages_are_shown_verbatim():
    assert sum(_error_message_block(ex) is not None for ex in ERRORS) >= 2


def test_error_examples_are_complete_apart_from_their_error():
    """An error example must fail for its own reason only (a shown message, compared in full, may list more)."""
    for ex in ERRORS:
        if _error_message_block(ex) is not None:
            continue
        try:
            pr.loads_ruleset(ex.yaml, file=FILE, root=None)
        except pr.RuleSetError as exc:
            codes = {d.code for d in exc.diagnostics}
            assert codes <= {ex.error_code, "RS121"}, (ex.id, str(exc))


NOTHING_FIRES = """\
id: doc-nothing-fires
version: "1"
title: {zh: 无, en: Nothing fires}
subject: member
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10}
standards:
  - {id: S1, dimension: D1, zh: 标准, en: Standard, source: test, points: 10, flag: health_limited}
grading:
  - {id: good, zh: 好, en: Good, at_least: 5}
  - {id: poor, zh: 差, en: Poor, at_least: 0}
"""


def test_rule_set_where_nothing_fires():
    """A flag that is not met, alone in a rule set, earns 0.

    Regression: durable-rules frees an invalid pointer in ``delete_state`` for a session in which no fact was
    stored, which aborted the whole process on this rule set; the compiler now adds a sentinel rule per chunk.
    """

    def run() -> float:
        return pr.evaluate(pr.loads_ruleset(NOTHING_FIRES), facts("member_year"), period="2026").total

    assert isolated(run) == {"ok": 0.0}


SUM_OF_OPTIONAL = """\
id: doc-sum-evidence
version: "1"
title: {zh: 证据, en: Evidence}
subject: member
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10}
standards:
  - id: S1
    dimension: D1
    zh: 调解
    en: Mediation
    source: test
    points: 10
    per_occurrence: {count: sum(records.mediation_cases), points: 1}
grading:
  - {id: good, zh: 好, en: Good, at_least: 5}
  - {id: poor, zh: 差, en: Poor, at_least: 0}
"""


# Regression tests for bugs found while writing the document (evidence of sums, columns in block scalars,
# includes of rule sets loaded from text).


def test_sum_evidence_lists_only_contributing_items():
    """Section 4.6: the line of a count over a list lists the items it counted. For ``sum(...)`` those are the
    items that add something: months where ``mediation_cases`` is none add nothing and should not be listed."""

    def run() -> dict[str, Any]:
        b = pr.evaluate(pr.loads_ruleset(SUM_OF_OPTIONAL), facts("member_year"), period="2026")
        return {"points": b.line("S1").points, "counted": b.line("S1").evidence.counted}

    result = isolated(run)
    assert result == {"ok": {"points": 4.0, "counted": ["record:2026-07", "record:2026-09", "record:2026-11"]}}


def test_engine_rules_shown_are_the_compiled_ones(root: Path):
    """A ```json engine block shows the durable-rules definition of the yaml example before it."""
    from partyrules.compile.durable import compile_ruleset

    blocks = [(TEXT.count("\n", 0, m.start()) + 1, m.group(1))
              for m in re.finditer(r"^```json engine\n(.*?)^```", TEXT, re.M | re.S)]
    assert blocks, "no json engine block"
    for line, body in blocks:
        ex = max((e for e in EXAMPLES if e.rerun == 0 and e.line < line), key=lambda e: e.line)
        plan = compile_ruleset(_loaded(ex, root))
        assert len(plan.chunks) == 1
        assert json.loads(body) == json.loads(plan.chunks[0].definition_json), ex.id


def test_block_scalar_errors_point_at_the_file_column(root: Path):
    """Section 10: errors in a block scalar point at their line and column in the file."""
    ex = next(e for e in ERRORS if e.id.endswith("-doc-block-scalar"))
    with pytest.raises(pr.RuleSetError) as info:
        _loaded(ex, root)
    loc = info.value.diagnostics[0].location
    assert loc is not None
    line = ex.yaml.splitlines()[15]
    within_block = line.index("dues_paid_ontime") + 1 - (len(line) - len(line.lstrip()))
    assert (loc.line, loc.column) != (16, within_block)  # the block's indentation counts
    assert (loc.line, loc.column) == (16, line.index("dues_paid_ontime") + 1)


def test_loads_ruleset_with_a_file_name_includes_from_root(root: Path):
    """Section 3.3: ``loads_ruleset(text, root=DIR)`` reads includes from DIR, whatever display name ``file`` is."""
    ex = next(e for e in EXAMPLES if e.id.endswith("-doc-include"))
    rs = pr.loads_ruleset(ex.yaml, file="rule-set.yaml", root=root)
    assert len(rs.vetoes) == 2


# ----------------------------------------------------------------------------------------------------------------
# coverage of the language by the examples


def _all_rulesets(root: Path) -> list[pr.RuleSet]:
    return [_loaded(ex, root) for ex in EXAMPLES if not any(w == "raises" for w, _, _ in ex.expect)]


def _exprs(rs: pr.RuleSet) -> list[I.IR]:
    out = [e.ir for r in rs.rules for e in r.exprs.values()]
    if rs.applies_to is not None:
        out.append(rs.applies_to.ir)
    return out


def test_every_scoring_method_has_an_example(root: Path):
    used = {s.method for rs in _all_rulesets(root) for s in rs.standards}
    assert set(S.METHODS) <= used, set(S.METHODS) - used


def test_every_aggregation_has_an_example(root: Path):
    used = {n.func for rs in _all_rulesets(root) for e in _exprs(rs) for n in e.walk() if isinstance(n, I.Agg)}
    assert set(AGGREGATES) <= used, set(AGGREGATES) - used


def test_every_function_has_an_example(root: Path):
    used = {n.name for rs in _all_rulesets(root) for e in _exprs(rs) for n in e.walk() if isinstance(n, I.Func)}
    # date("...") is folded into a constant when the rule set is loaded: look for it in the text
    if any(re.search(r"\bdate\(\"", ex.yaml) for ex in EXAMPLES):
        used.add("date")
    assert set(FUNCTIONS) <= used, set(FUNCTIONS) - used


def test_every_operator_has_an_example(root: Path):
    ops: set[str] = set()
    for rs in _all_rulesets(root):
        for e in _exprs(rs):
            for n in e.walk():
                if isinstance(n, (I.Arith, I.Compare, I.BoolOp)):
                    ops.add(n.op)
                elif isinstance(n, I.In):
                    ops.add("not in" if n.negate else "in")
                elif isinstance(n, (I.Not, I.Neg, I.IfElse)):
                    ops.add(type(n).__name__)
    want = {"+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "not in", "Not", "IfElse"}
    assert want <= ops, want - ops


def test_every_scope_has_an_example(root: Path):
    scopes = {n.scope for rs in _all_rulesets(root) for e in _exprs(rs) for n in e.walk()
              if isinstance(n, I.Field)}
    assert {"subject", "item", "annual", "period"} <= scopes
    params = {p for rs in _all_rulesets(root) for e in _exprs(rs) for p in I.params_used(e)}
    assert params, "no example reads params."
    assert any(re.search(r"\bsubject\.\w+", ex.yaml) for ex in EXAMPLES), "no example writes subject.<field>"


def test_every_subject_kind_has_an_example(root: Path):
    kinds = {rs.subject_kind for rs in _all_rulesets(root)}
    assert kinds == {"member", "branch", "community"}


def test_every_line_status_appears_in_an_expectation():
    statuses = {v for ex in EXAMPLES for what, _, v in ex.expect if what == "status"}
    want = {"met", "partial", "not_met", "not_applicable", "applied", "capped", "floored", "vetoed"}
    assert want <= statuses, want - statuses


def _keys(node: Any, top: bool, out: set[str], top_out: set[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            out.add(k)
            if top:
                top_out.add(k)
            _keys(v, False, out, top_out)
    elif isinstance(node, list):
        for v in node:
            _keys(v, False, out, top_out)


def _example_keys() -> tuple[set[str], set[str]]:
    every: set[str] = set()
    top: set[str] = set()
    for ex in EXAMPLES:
        _keys(yaml.safe_load(ex.yaml), True, every, top)
    for body in DOC.fragments.values():
        _keys(yaml.safe_load(body), True, every, top)
    return every, top


def _format_keys() -> set[str]:
    out: set[str] = set()
    for obj in vars(S).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == S.__name__:
            out |= {info.alias or name for name, info in obj.model_fields.items()}
    return out


def test_every_top_level_key_has_an_example():
    _, top = _example_keys()
    want = set(S.RuleSetSpec.model_fields) | {"fragment"}
    assert want <= top, want - top


def test_every_key_of_the_format_has_an_example():
    every, _ = _example_keys()
    want = _format_keys()
    assert want <= every, want - every


# ----------------------------------------------------------------------------------------------------------------
# the reference names everything the code defines


def test_every_diagnostic_code_is_documented():
    src = ROOT / "src" / "partyrules"
    codes = set()
    for path in src.rglob("*.py"):
        codes |= set(re.findall(r"\b((?:RS|EX)\d{3})\b", path.read_text(encoding="utf-8")))
    assert codes, "no diagnostic codes found in the sources"
    missing = sorted(c for c in codes if f"`{c}`" not in TEXT)
    assert missing == [], f"codes missing from the table of docs/rule-language.md: {missing}"


def test_every_error_example_code_exists():
    documented = set(re.findall(r"^\| `((?:RS|EX)\d{3})` \|", TEXT, re.M))
    for ex in ERRORS:
        assert ex.error_code in documented, ex.error_code


@pytest.mark.parametrize("kind", ["member", "branch", "community"])
def test_every_fact_field_is_documented(kind: str):
    schema = schema_for(kind)
    names = [*schema.subject_fields, *schema.collections, *(f"annual.{n}" for n in schema.annual_fields)]
    for coll in schema.collections.values():
        names += [f"{coll.name}.{n}" for n in coll.fields]
    section = TEXT.split("<!-- fields -->", 1)
    assert len(section) == 2, "no <!-- fields --> section"
    body = section[1].split("<!-- /fields -->", 1)[0]
    missing = [n for n in names if f"`{n.rsplit('.', 1)[-1]}`" not in body
               and f"`{n}`" not in body]
    assert missing == [], f"{kind} fields missing from the fields section: {missing}"


def test_the_example_facts_are_shown_in_the_appendix():
    for table in appendix_tables():
        assert table in TEXT, "regenerate the appendix table:\n" + table
