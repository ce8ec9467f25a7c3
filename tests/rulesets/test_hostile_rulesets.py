"""Hostile rule sets never crash, hang or mis-score (issue 13, findings 4-8, 15 and 16).

Each finding has a regression test that failed before its fix: a traceback (ValueError, OverflowError,
RuntimeError, UnicodeEncodeError, TypeError), a hang, or a rule set that loaded and then scored differently on one
backend, or not at all. Each now ends in a typed ``PartyRulesError``; a rule-set problem carries its code and its
``file:line:column``. Property tests state the rules themselves: one numeric range (finite, at most 2^53 in
magnitude) everywhere, ``round``'s digits from -15 to 15, ``date("...")`` exactly as the facts read dates.

Every load runs under an alarm, so that a hang fails its test instead of stalling the run.
"""

from __future__ import annotations

import json
import math
import re
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import partyrules as pr
from partyrules.cli import main
from partyrules.errors import Diagnostic, ExpressionError, IncludeError, ParameterError, RuleSetSyntaxError
from partyrules.evaluate.population import score_population
from partyrules.facts.base import IsoDate
from partyrules.lang import limits as L
from partyrules.lang import parser as P
from partyrules.lang.abstract.domains import AV, _arith
from partyrules.lang.interp import Ctx, compile_ir
from partyrules.rulesets import spec as S
from partyrules.rulesets.lint import lint_ruleset
from partyrules.rulesets.problems import expr_location
from partyrules.rulesets.yamlsafe import DEFAULT_LIMITS, load_yaml
from partyrules.testing import facts_for

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "rule-language.md").read_text(encoding="utf-8")
BENCH = ROOT / "benchmarks" / "load_large_ruleset.py"

# Line numbers below refer to this text (line 1 is ``id: hostile``); FIELD is line 14, at column 5.
BASE = """\
id: hostile
version: "1"
title: {zh: 测试, en: Test}
subject: member
dimensions:
  - {id: D1, zh: 维度, en: Dimension, max: 10}
standards:
  - id: S1
    dimension: D1
    zh: 标准
    en: Standard
    source: test
    points: 10
    FIELD
grading:
  - {id: good, zh: 好, en: Good, at_least: 8}
  - {id: low, zh: 差, en: Low, at_least: 0}
"""
LINE = 14
FLAG_COL = 11  # "    flag: " is 10 characters
PARAM_LINE = 19  # "params:" is line 18 when appended to BASE
MAX = 2**53


def with_field(text: str) -> str:
    return BASE.replace("FIELD", text)


def with_flag(expr: str) -> str:
    return with_field(f"flag: {expr}")


def with_param(value: str) -> str:
    return with_flag("placard_displayed") + f"params:\n  x: {value}\n"


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: int = 20) -> Iterator[None]:
    """Fail instead of hanging: a SIGALRM raises inside whatever runs too long."""

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def load(text: str, **kw: Any) -> pr.RuleSet:
    with deadline():
        return pr.loads_ruleset(text, file="hostile.yaml", **kw)


def refused(cls: type[pr.RuleSetError], code: str, text: str, **kw: Any) -> Diagnostic:
    """The single diagnostic of loading ``text``, which must fail with exactly ``cls`` and ``code``."""
    with pytest.raises(pr.PartyRulesError) as info:
        load(text, **kw)
    err = info.value
    assert type(err) is cls, f"expected {cls.__name__}, got {type(err).__name__}: {err}"
    assert isinstance(err, pr.RuleSetError)
    assert [d.code for d in err.diagnostics] == [code], err
    return err.diagnostics[0]


def at(d: Diagnostic, line: int, column: int, file: str = "hostile.yaml") -> None:
    assert d.location is not None, d
    assert (d.location.file, d.location.line, d.location.column) == (file, line, column), d.format()


# ----------------------------------------------------------------------------------------------------------------
# finding 4: loader tracebacks


@pytest.mark.parametrize("value", [
    "9" * 5000,  # above Python's 4,300-digit int/str conversion limit
    "-" + "9" * 5000,
    "1_" * 2500 + "1",
    "0x" + "f" * 5000,
    "0b" + "1" * 5000,
    "0" + "7" * 5000,  # octal in YAML 1.1
    ":".join(["59"] * 3000),  # base 60
    "+" + "9" * 5000,
    "1" + ":59" * 20,
], ids=["decimal", "negative", "underscores", "hex", "binary", "octal", "sexagesimal", "plus", "base60"])
def test_huge_yaml_integers_are_refused_with_their_place(value: str):
    d = refused(RuleSetSyntaxError, "RS103", with_param(value))
    at(d, PARAM_LINE, 6)
    assert "±2^53" in d.message and len(d.message) < 400, d.message  # never thousands of digits in a message


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.one_of(st.integers(-(2**60), 2**60), st.sampled_from([MAX, -MAX, MAX + 1, -MAX - 1, 0])),
       form=st.sampled_from(["decimal", "hex", "octal", "base60"]))
def test_a_yaml_integer_loads_exactly_when_it_is_within_the_range(n: int, form: str):
    sign, m = ("-" if n < 0 else ""), abs(n)
    if form == "decimal":
        written = f"{sign}{m}"
    elif form == "hex":
        written = f"{sign}{m:#x}"
    elif form == "octal":
        written = f"{sign}0{m:o}"
    else:
        parts = []
        while True:
            m, r = divmod(m, 60)
            parts.append(str(r))
            if m == 0:
                break
        written = sign + ":".join(reversed(parts))
    text = with_param(written)
    if abs(n) <= MAX:
        assert load(text).params["x"] == n
    else:
        at(refused(RuleSetSyntaxError, "RS103", text), PARAM_LINE, 6)


# YAML 1.1 floats have a dot and a signed exponent; 9007199254740993.0 would round to 2^53, in the range
@pytest.mark.parametrize("value", ["1.0e+300", "-9.1e+15", "9007199254740994.0", "1" + ":00" * 10 + ".5"])
def test_yaml_floats_beyond_the_range_are_refused(value: str):
    at(refused(RuleSetSyntaxError, "RS103", with_param(value)), PARAM_LINE, 6)


def test_the_ends_of_the_range_load():
    assert load(with_param("9007199254740992.0")).params["x"] == MAX
    assert load(with_param("-9007199254740992")).params["x"] == -MAX


@pytest.mark.parametrize("name", ["a\\0b.yaml", "a\\tb.yaml", "frag\\n.yaml", "\\x7f.yaml"])
def test_include_names_with_control_characters_are_refused(name: str, tmp_path: Path):
    d = refused(IncludeError, "RS122", with_flag("placard_displayed") + f'include: ["{name}"]\n', root=tmp_path)
    at(d, 18, 11)


def test_an_include_through_a_link_loop_is_refused(tmp_path: Path):
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    d = refused(IncludeError, "RS120", with_flag("placard_displayed") + "include: [a.yaml]\n", root=tmp_path)
    at(d, 18, 11)
    assert "a.yaml" in d.message


def test_a_rule_set_path_with_a_nul_byte_or_a_loop_is_an_include_error(tmp_path: Path):
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    for path in (tmp_path / "a\0b.yaml", tmp_path / "loop.yaml"):
        with deadline(), pytest.raises(IncludeError) as info:
            pr.load_ruleset(path)
        assert [d.code for d in info.value.diagnostics] == ["RS120"]
        loc = info.value.diagnostics[0].location
        assert loc is not None and loc.file is not None and path.name[:1] in loc.file  # the file is named
    (tmp_path / "ok.yaml").write_text(with_flag("placard_displayed"), encoding="utf-8")
    with deadline(), pytest.raises(IncludeError):
        pr.load_ruleset(tmp_path / "ok.yaml", root=tmp_path / "loop.yaml")


@pytest.mark.parametrize("expr, column", [
    ("9" * 400 + " / 3 > 0", FLAG_COL),  # crashed folding: integer division result too large for a float
    (f"{MAX} * {MAX} / 3 > 0", FLAG_COL),  # the product is refused before anything divides it
    ("1 / 0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"
     " > 0", FLAG_COL),  # 1 / 1e-320 overflows to inf
    ("placard_displayed and 1e300 * 1e300 > 0", FLAG_COL + 22),
])
def test_constants_folded_out_of_the_range_are_refused(expr: str, column: int):
    at(refused(ExpressionError, "EX216", with_flag(expr)), LINE, column)


@pytest.mark.parametrize("where, line, column", [
    ("zh: 标准", 10, 9),
    ("flag: placard_displayed", LINE, 11),
])
@pytest.mark.parametrize("char", ["\ud800", "\udfff"])
def test_lone_surrogates_in_a_text_are_refused_with_their_place(where: str, line: int, column: int, char: str):
    text = with_flag("placard_displayed").replace(where, where[:column - 5] + char + where[column - 5:])
    at(refused(RuleSetSyntaxError, "RS100", text), line, column)


def test_lone_surrogates_in_a_parameter_override_are_refused():
    rs = load(with_flag("placard_displayed") + "params:\n  x: text\n")
    with pytest.raises(ParameterError):
        rs.with_params(x="\ud800")
    with pytest.raises(ParameterError):
        rs.with_params(x="a" * (DEFAULT_LIMITS.max_scalar_chars + 1))
    assert rs.with_params(x="b").params["x"] == "b"


# ----------------------------------------------------------------------------------------------------------------
# finding 5: validate on infinite and NaN constants; finding 15: literals beyond Int64


def validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    with deadline(60):
        code = main(["validate", "--format", "json", str(path)])
    report = json.loads(capsys.readouterr().out)
    return code, [d for f in report["files"] for d in f["diagnostics"]]


@pytest.mark.parametrize("expr, column", [
    ("count(records) > 1e300 * 1e300", 28),  # inf
    ("count(records) > 1e300 * 1e300 - 1e300 * 1e300", 28),  # nan
    ("count(records) > 9223372036854775808", 28),  # 2^63, beyond Int64
    ("count(records) > -9223372036854775809", 29),
    ("count(records) > 9007199254740993", 28),  # 2^53 + 1
])
def test_validate_reports_out_of_range_constants_instead_of_a_traceback(expr: str, column: int, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "hostile.yaml"
    path.write_text(with_flag(expr), encoding="utf-8")
    code, diags = validate(path, capsys)
    assert code != 0
    assert [(d["code"], d["line"], d["column"]) for d in diags] == [("EX216", LINE, column)]


def test_validate_reads_a_literal_at_the_end_of_the_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "edge.yaml"
    path.write_text(with_flag(f"count(records) > {MAX} or count(records) < -{MAX} or placard_displayed"),
                    encoding="utf-8")
    code, diags = validate(path, capsys)
    assert all(d["code"] != "EX216" and d["severity"] == "warning" for d in diags), diags
    assert code == 0


C = str(MAX)
OVERFLOWING = [  # finite constants whose products overflow floats in validate's intervals
    f"(count(records) + 1) * {' * '.join([C] * 20)} >= 3",
    f"(count(records) + 1) * {' * '.join([C] * 20)} - (count(records) + 1) * {' * '.join([C] * 20)} >= 3",
    f"{C} / (count(records) + 0.000001) / 0.000001 / 0.000001 / 0.000001 / 0.000001 > 3",
]


@pytest.mark.parametrize("expr", OVERFLOWING)
def test_validate_survives_intervals_that_overflow(expr: str):
    rs = load(with_flag(expr))
    with deadline():
        codes = [d.code for d in lint_ruleset(rs)]
    assert "RS510" not in codes  # each can be true: never called impossible


finite = st.floats(-1e300, 1e300, allow_nan=False) | st.sampled_from([1e300, -1e300, 1e308, -1e308, 0.0, 5e-324])


@st.composite
def intervals(draw: st.DrawFn) -> tuple[AV, float]:
    a, b = sorted((draw(finite), draw(finite)))
    lo = draw(st.sampled_from([a, -math.inf]))
    hi = draw(st.sampled_from([b, math.inf]))
    x = draw(st.sampled_from([a, b]))
    return AV("num", lo, hi), x


@settings(max_examples=300, deadline=None)
@given(left=intervals(), right=intervals(), op=st.sampled_from(["+", "-", "*", "/"]))
@example(left=(AV("num", 1e300, 1e300), 1e300), right=(AV("num", 1e300, 1e300), 1e300), op="*")
@example(left=(AV("num", 1e300, math.inf), 1e300), right=(AV("num", -math.inf, -1e300), -1e300), op="-")
def test_interval_arithmetic_contains_every_float_result_even_when_it_overflows(left, right, op):
    (a, x), (b, y) = left, right
    out = _arith(op, a, b)
    assert out.lo == out.lo and out.hi == out.hi, out  # never NaN
    if op == "/" and y == 0:
        return
    r = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y}[op]()
    if r != r:
        return  # inf - inf at run time: no number to contain
    if op == "/" and b.lo <= 0 <= b.hi:
        assert out.none or out.lo == -math.inf or out.lo <= r
        return
    assert out.lo <= r <= out.hi, (a, b, x, y, r, out)
    out.normal()  # integers or not, never a crash on huge or infinite ends
    AV("num", out.lo, out.hi, integer=True).normal()


# ----------------------------------------------------------------------------------------------------------------
# finding 6: rule sets that validated and then failed or differed at scoring


def test_round_with_fractional_digits_is_refused_at_load():
    d = refused(ExpressionError, "EX213", with_field(
        "bands: {value: 'round(sum(records.volunteer_hours), 1.5)', steps: [{at_least: 0, points: 10}]}"))
    at(d, LINE, 57)


def test_a_400_digit_literal_is_refused_at_load():
    d = refused(ExpressionError, "EX216", with_flag(f"count(records where volunteer_hours > {'9' * 400}) > 0"))
    at(d, LINE, FLAG_COL + 38)


def test_1e309_in_an_engine_condition_is_refused_at_load():
    d = refused(ExpressionError, "EX216", with_flag("count(records where volunteer_hours > 1e309) > 0"))
    at(d, LINE, FLAG_COL + 38)
    assert "1e309" in d.message


def test_an_override_out_of_the_range_is_a_parameter_error():
    rs = load(with_flag("count(records where volunteer_hours > params.x) > 0") + "params:\n  x: 5\n")
    for bad in (10**400, -(10**400), 1e300, MAX + 1, float("inf")):
        with pytest.raises(ParameterError) as info:
            rs.with_params(x=bad)
        assert len(str(info.value)) < 400
    assert rs.with_params(x=MAX).params["x"] == MAX


def test_an_override_that_folds_out_of_the_range_is_refused_with_the_place():
    rs = load(with_flag("count(records) > params.x * params.x") + "params:\n  x: 5\n")
    with pytest.raises(ExpressionError) as info:
        rs.with_params(x=10**9)
    assert [d.code for d in info.value.diagnostics] == ["EX216"]
    at(info.value.diagnostics[0], LINE, FLAG_COL + 17)


def _literal(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(abs(value)) if value >= 0 else "-" + repr(-value)


numbers_in_range = st.one_of(
    st.integers(-MAX, MAX),
    st.floats(-float(MAX), float(MAX), allow_nan=False, allow_infinity=False),
    st.sampled_from([MAX, -MAX, 0, 0.5, 1e-05, 5e-324, 1e15, 12.5, 9007199254740991]),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(n=numbers_in_range, data=st.data())
def test_every_number_in_the_range_scores_identically_on_every_backend(n: int | float, data: st.DataObject):
    written = _literal(n)
    text = with_flag(f"count(records where volunteer_hours > {written}) >= 1") + f"""\
deductions:
  - {{id: K1, dimension: D1, zh: 扣分, en: Deduction, source: test, points: 1, cap: 5,
     per: 'count(records where volunteer_hours >= {written} and dues_paid_on_time)'}}
"""
    rs = load(text)
    facts = [data.draw(facts_for(rs, period="2026", subject_id=f"M{i}", max_incidents=1)) for i in range(2)]
    with deadline(120):
        engine = score_population(rs, facts, "2026", backend="engine")
        reference = score_population(rs, facts, "2026", backend="reference")
        vector = score_population(rs, facts, "2026", backend="vector")
    assert engine.frame.equals(vector.frame) and reference.frame.equals(vector.frame)
    assert engine.failures == reference.failures == vector.failures == []


# ----------------------------------------------------------------------------------------------------------------
# finding 7: round's digits


@pytest.mark.parametrize("digits, code", [("-100000000", "EX213"), ("100000000", "EX213"), ("16", "EX213"),
                                          ("-16", "EX213"), ("1.5", "EX213"),
                                          ("99999999999999999999", "EX216")])  # out of every range: EX216 first
def test_round_digits_outside_the_range_are_refused_without_a_hang(digits: str, code: str):
    d = refused(ExpressionError, code, with_field(
        f"bands: {{value: 'round(count(records), {digits})', steps: [{{at_least: 0, points: 10}}]}}"))
    at(d, LINE, 43)  # the digits


@settings(max_examples=40, deadline=None)
@given(digits=st.integers(-40, 40), x=st.floats(-1e6, 1e6, allow_nan=False))
def test_round_digits_load_exactly_within_the_range_and_round_as_python_does(digits: int, x: float):
    text = with_field(f"bands: {{value: 'round({_literal(x)} + count(records), {digits})', "
                      "steps: [{at_least: -1000000000, points: 10}]}")
    if not L.ROUND_DIGITS_MIN <= digits <= L.ROUND_DIGITS_MAX:
        refused(ExpressionError, "EX213", text)
        return
    rs = load(text)
    fn = compile_ir(rs.standards[0].exprs["value"].ir, rs.schema)
    value = fn(Ctx(None, {"records": []}), None)
    assert value == round(x, digits)


# ----------------------------------------------------------------------------------------------------------------
# finding 8: loading is linear in the file's size


def test_locating_expressions_splits_the_source_once():
    doc = load_yaml(with_flag("placard_displayed and count(records) > 0"), "hostile.yaml")
    first = doc.lines()
    for _ in range(3):
        expr_location(doc, ("standards", 0, "flag"), "placard_displayed and count(records) > 0", 22)
    assert doc.lines() is first  # the same list: the text is not split again per expression


def test_a_value_not_found_in_the_source_is_searched_only_within_its_lines():
    # a double-quoted value whose escape cannot be found as written: the search stops at the value's last line
    text = with_flag('"placard_displayed and\n      count(records where kind_\\x41 == 1) > 0"')
    doc = load_yaml(text, "hostile.yaml")
    mark = doc.marks[("standards", 0, "flag")]
    assert mark.end_line == LINE + 1


def test_the_benchmark_generates_valid_rule_sets_of_the_size_asked():
    sys.path.insert(0, str(BENCH.parent))
    try:
        import load_large_ruleset as bench
    finally:
        sys.path.remove(str(BENCH.parent))
    for size in (20_000, 60_000):
        text = bench.ruleset_text(size)
        assert size - 1_000 < len(text.encode()) <= size
        rs = load(text)
        assert bench.expressions(text) == sum(len(s.exprs) for s in (*rs.standards, *rs.deductions))


# ----------------------------------------------------------------------------------------------------------------
# finding 16: date() reads dates as the facts do

_FACT_DATE = TypeAdapter(IsoDate)


def fact_date_ok(text: str) -> bool:
    try:
        _FACT_DATE.validate_python(text)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("text", ["2026W01", "20260105", "2026-W01-1", "2026-1-5", "2026-01-05T00:00",
                                  "2026-01-05 ", "٢٠٢٦-٠١-٠٥", "+2026-01-05", "2026-02-30"])
def test_date_literals_the_facts_refuse_are_refused(text: str):
    d = refused(ExpressionError, "EX213", with_flag(f'period.start > date("{text}")'))
    at(d, LINE, FLAG_COL + 15)
    assert not fact_date_ok(text)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet="0123456789-W T:+", min_size=0, max_size=14)
       | st.dates().map(lambda d: d.isoformat()) | st.dates().map(lambda d: d.strftime("%Y%m%d")))
def test_a_date_literal_loads_exactly_when_the_facts_accept_the_same_text(text: str):
    source = with_flag(f'period.start > date("{text}")')
    if fact_date_ok(text):
        load(source)
    else:
        refused(ExpressionError, "EX213", source)


# ----------------------------------------------------------------------------------------------------------------
# the documented limits are the code's


def _max_len(model: type, field: str) -> int:
    for meta in model.model_fields[field].metadata:
        if hasattr(meta, "max_length") and meta.max_length is not None:
            return int(meta.max_length)
    raise AssertionError(f"{model.__name__}.{field} has no max_length")


def _text_max() -> int:
    return next(int(m.max_length) for m in S.Text.__metadata__ if getattr(m, "max_length", None))


def _expr_max() -> int:
    return next(int(m.max_length) for m in S.Expr.__metadata__ if getattr(m, "max_length", None))


CODE_LIMITS: dict[str, Callable[[], int]] = {
    "Size of one file, in bytes": lambda: DEFAULT_LIMITS.max_bytes,
    "Length of one YAML value, in characters": lambda: DEFAULT_LIMITS.max_scalar_chars,
    "Values (scalars, lists, mappings) in one file": lambda: DEFAULT_LIMITS.max_nodes,
    "Nesting depth of the YAML": lambda: DEFAULT_LIMITS.max_depth,
    "Files in one rule set, with its includes": lambda: DEFAULT_LIMITS.max_files,
    "Includes listed in one file": lambda: _max_len(S.RuleSetSpec, "include"),
    "Length of a text (titles, names, sources), in characters": _text_max,
    "Length of an expression, in characters": lambda: min(P.MAX_LENGTH, _expr_max()),
    "Parts of an expression": lambda: P.MAX_NODES,
    "Nesting depth of an expression": lambda: P.MAX_DEPTH,
    "Dimensions in one file": lambda: _max_len(S.RuleSetSpec, "dimensions"),
    "Standards in one file": lambda: _max_len(S.RuleSetSpec, "standards"),
    "Deductions in one file": lambda: _max_len(S.RuleSetSpec, "deductions"),
    "Vetoes in one file": lambda: _max_len(S.RuleSetSpec, "vetoes"),
    "Checks in one file": lambda: _max_len(S.RuleSetSpec, "checks"),
    "Parameters in one file": lambda: _max_len(S.RuleSetSpec, "params"),
    "Grades": lambda: _max_len(S.RuleSetSpec, "grading"),
    "Largest magnitude of a number (2^53)": lambda: L.MAX_MAGNITUDE,
    "Smallest digits of `round(x, digits)`": lambda: L.ROUND_DIGITS_MIN,
    "Largest digits of `round(x, digits)`": lambda: L.ROUND_DIGITS_MAX,
    "Length of a text parameter override, in characters": lambda: DEFAULT_LIMITS.max_scalar_chars,
}


def documented_limits() -> dict[str, int]:
    body = DOC.split("<!-- limits -->", 1)[1].split("<!-- /limits -->", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (-?[\d,]+) \| .+ \|$", body, re.M)
    return {name: int(value.replace(",", "")) for name, value in rows}


def test_the_documented_limits_equal_the_constants_in_the_code():
    documented = documented_limits()
    assert set(documented) == set(CODE_LIMITS), sorted(set(documented) ^ set(CODE_LIMITS))
    for name, value in documented.items():
        assert value == CODE_LIMITS[name](), name
    assert L.MAX_MAGNITUDE == 2**53 and float(L.MAX_MAGNITUDE) == L.MAX_MAGNITUDE


def test_the_limits_are_in_the_safety_section():
    section = DOC.split("## 11. Safety guarantees", 1)[1].split("## 12.", 1)[0]
    assert "<!-- limits -->" in section
    assert "`EX216`" in DOC.split("## 10.", 1)[1].split("## 11.", 1)[0]
