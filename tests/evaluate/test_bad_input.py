"""Bad input of every kind gets the right typed error, with a code, a file:line:column and a hint; nothing crashes
and nothing in a rule set is ever executed.

Rule-set texts are written out literally so that the asserted lines and columns can be checked by eye.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydantic import ValidationError

import partyrules as pr
from partyrules.errors import (
    Diagnostic,
    ExpressionError,
    IncludeError,
    ParameterError,
    RuleSetLimitError,
    RuleSetSchemaError,
    RuleSetSyntaxError,
)
from partyrules.rulesets import Limits

# Line numbers below refer to this text (line 1 is ``id: tiny``).
BASE = """\
id: tiny
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
    flag: placard_displayed
grading:
  - {id: good, zh: 好, en: Good, at_least: 8}
  - {id: low, zh: 差, en: Low, at_least: 0}
"""
FLAG_LINE = 14  # "    flag: placard_displayed"; the expression starts at column 11
EXPR_COL = 11


def load(text: str, **kw) -> pr.RuleSet:
    return pr.loads_ruleset(text, file="tiny.yaml", **kw)


def error_of(cls: type[pr.RuleSetError], text: str, **kw) -> pr.RuleSetError:
    with pytest.raises(cls) as info:
        load(text, **kw)
    err = info.value
    assert type(err) is cls, f"expected exactly {cls.__name__}, got {type(err).__name__}: {err}"
    return err


def only(err: pr.RuleSetError) -> Diagnostic:
    assert len(err.diagnostics) == 1, err.diagnostics
    return err.diagnostics[0]


def at(d: Diagnostic, line: int | None, column: int | None, file: str = "tiny.yaml") -> None:
    assert d.location is not None, d
    assert (d.location.file, d.location.line, d.location.column) == (file, line, column), d.format()


def with_flag(expr: str) -> str:
    return BASE.replace("flag: placard_displayed", f"flag: {expr}")


def test_the_base_text_loads():
    rs = load(BASE)
    assert rs.counts() == {"dimensions": 1, "standards": 1, "deductions": 0, "vetoes": 0}


# -- YAML ----------------------------------------------------------------------------------------------------------
def test_malformed_yaml_points_at_line_and_column():
    d = only(error_of(RuleSetSyntaxError, BASE.replace("    points: 10\n", "    points: [10\n")))
    assert d.code == "RS100"
    assert d.message.startswith("not valid YAML:")
    at(d, 14, 9)
    assert "tiny.yaml:14:9: RS100: not valid YAML" in str(RuleSetSyntaxError([d]))


def test_bad_indentation_is_a_syntax_error():
    d = only(error_of(RuleSetSyntaxError, BASE.replace("    zh: 标准\n", "   zh: 标准\n")))
    assert d.code == "RS100"
    assert d.location is not None and d.location.line in (10, 11)


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode("utf-8").replace("测试".encode(), b"caf\xe9"))
    with pytest.raises(RuleSetSyntaxError) as info:
        pr.load_ruleset(path)
    assert info.value.diagnostics[0].code == "RS100"
    assert "not UTF-8" in info.value.diagnostics[0].message


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/object/apply:subprocess.call",
])
def test_python_tags_are_refused_and_nothing_runs(tmp_path, tag):
    marker = tmp_path / "marker"
    text = BASE.replace("    source: test", f'    source: {tag} ["touch {marker}"]')
    d = only(error_of(RuleSetSyntaxError, text))
    assert d.code == "RS101"
    assert "python/object" in d.message and "not allowed" in d.message
    assert d.hint == "rule sets are plain data: remove the tag"
    at(d, 12, 13)
    # and the same from a file on disk
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetSyntaxError):
        pr.load_ruleset(path)
    assert not marker.exists(), "a YAML tag executed a command"


@pytest.mark.parametrize(("snippet", "line", "column"), [
    ("x: !!python/name:os.system ''", 18, 4),
    ("x: !!python/object:os.PathLike {a: 1}", 18, 4),
    ("x: !custom 1", 18, 4),
    ("x: !!binary aGVsbG8=", 18, 4),
    ("x: !!set {a, b}", 18, 4),
])
def test_every_tag_is_refused(snippet, line, column):
    d = only(error_of(RuleSetSyntaxError, BASE + snippet + "\n"))
    assert d.code == "RS101"
    at(d, line, column)


def test_billion_laughs_is_refused_at_the_first_anchor():
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        laughs.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    d = only(error_of(RuleSetSyntaxError, "\n".join(laughs) + "\n"))
    assert d.code == "RS102"
    assert d.message == "anchors are not allowed in rule sets"
    assert d.hint == "write the value out in full"
    at(d, 1, 4)


def test_an_alias_alone_is_refused():
    d = only(error_of(RuleSetSyntaxError, BASE + "x: *nowhere\n"))
    assert d.code == "RS102" and "aliases are not allowed" in d.message
    at(d, 18, 4)


def test_anchor_on_a_mapping_is_refused():
    text = BASE.replace("  - {id: D1,", "  - &dim {id: D1,")
    d = only(error_of(RuleSetSyntaxError, text))
    assert d.code == "RS102"
    at(d, 6, 5)


def test_duplicate_keys():
    d = only(error_of(RuleSetSyntaxError, BASE.replace("    points: 10\n", "    points: 10\n    points: 10\n")))
    assert d.code == "RS105"
    assert d.message == "duplicate key 'points'"
    assert d.hint == "each key may appear once in a mapping"
    at(d, 14, 5)


def test_a_second_yaml_document_is_refused():
    d = only(error_of(RuleSetSyntaxError, BASE + "---\nid: other\n"))
    assert d.code == "RS106"
    assert d.location is not None and d.location.line == 18


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", ".Inf"])
def test_nan_and_infinities_are_refused(value):
    d = only(error_of(RuleSetSyntaxError, BASE.replace("points: 10", f"points: {value}")))
    assert d.code == "RS103"
    assert d.message == f"{value!r} is not a finite number"
    assert d.hint == "NaN and infinities are not allowed in rule sets"
    at(d, 13, 13)


# -- limits --------------------------------------------------------------------------------------------------------
def test_a_5mb_string_is_refused_before_parsing():
    text = BASE + "description: {zh: x, en: '" + "x" * 5_000_000 + "'}\n"
    d = only(error_of(RuleSetLimitError, text))
    assert d.code == "RS110"
    assert "above the limit of 2000000" in d.message
    assert d.hint == "split it into included files"


def test_a_5mb_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(BASE + "# " + "x" * 5_000_000 + "\n", encoding="utf-8")
    with pytest.raises(RuleSetLimitError) as info:
        pr.load_ruleset(path)
    d = only(info.value)
    assert d.code == "RS110"
    assert str(path) in d.message and "above the limit" in d.message


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_100000_deep_nesting_is_refused_without_a_crash(opening):
    closing = "]" if opening == "[" else "}"
    text = "x: " + opening * 100_000 + "1" + closing * 100_000 + "\n"
    d = only(error_of(RuleSetLimitError, text))
    assert d.code == "RS112"
    assert d.message == "nesting deeper than 32 levels"
    assert d.location is not None and d.location.line == 1


def test_deep_block_nesting_is_refused():
    text = "a:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(60)) + " " * 62 + "1\n"
    d = only(error_of(RuleSetLimitError, text))
    assert d.code == "RS112"
    at(d, 33, 33)


def test_too_many_values_is_refused():
    text = BASE + "x: [" + ",".join(["0"] * 200_001) + "]\n"
    d = only(error_of(RuleSetLimitError, text))
    assert d.code == "RS111"
    assert "more than 200000 values" in d.message


def test_custom_limits_apply():
    with pytest.raises(RuleSetLimitError) as info:
        load(BASE, limits=Limits(max_bytes=100))
    assert info.value.diagnostics[0].code == "RS110"
    with pytest.raises(RuleSetLimitError) as info:
        load(BASE, limits=Limits(max_scalar_chars=5))
    assert info.value.diagnostics[0].code == "RS110"
    assert "characters exceeds the limit of 5" in info.value.diagnostics[0].message


def test_a_huge_expression_is_refused():
    expr = " and ".join(["placard_displayed"] * 300)  # 6000 characters
    d = only(error_of(RuleSetSchemaError, with_flag(expr)))
    assert d.code == "RS200"
    assert "at most 4000" in d.message and "6595" in d.message  # the expression's length
    assert d.location is not None and d.location.path == "standards[0].flag"
    at(d, FLAG_LINE, EXPR_COL)


def test_an_expression_with_too_many_parts_is_refused():
    expr = "1+" * 1900 + "1 > 0"  # under 4000 characters, but 3800 parts
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == "EX110"
    assert "more than 1500 parts" in d.message


@pytest.mark.parametrize("expr", ["(" * 1000 + "true" + ")" * 1000, "not " * 900 + "true", "-" * 1900 + "1 > 0"])
def test_deeply_nested_expressions_are_refused(expr):
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == "EX111"
    assert d.message == "expression nested deeper than 48 levels"
    assert d.location is not None and d.location.line == FLAG_LINE


# -- schema --------------------------------------------------------------------------------------------------------
def test_unknown_key_suggests_the_nearest():
    d = only(error_of(RuleSetSchemaError, BASE.replace("    points: 10\n", "    points: 10\n    piont: 3\n")))
    assert d.code == "RS200"
    assert d.message == "unknown key 'piont'"
    assert d.hint == "did you mean 'points'?"
    at(d, 14, 5)
    assert d.location.path == "standards[0].piont"


def test_misspelt_required_key_reports_both_problems():
    err = error_of(RuleSetSchemaError, BASE.replace("    points: 10\n", "    poinst: 10\n"))
    by_message = {d.message: d for d in err.diagnostics}
    assert set(by_message) == {"missing required key 'points'", "unknown key 'poinst'"}
    assert by_message["unknown key 'poinst'"].hint == "did you mean 'points'?"
    at(by_message["unknown key 'poinst'"], 13, 5)


def test_unknown_top_level_key():
    err = error_of(RuleSetSchemaError, BASE.replace("title:", "titel:"))
    assert {d.code for d in err.diagnostics} == {"RS200"}
    by_message = {d.message: d for d in err.diagnostics}
    assert set(by_message) == {"unknown key 'titel'", "missing required key 'title'"}
    assert by_message["unknown key 'titel'"].hint == "did you mean 'title'?"
    at(by_message["unknown key 'titel'"], 3, 1)


def test_a_key_valid_elsewhere_is_not_suggested_as_itself():
    # 'when' is a valid key of standards, but not of dimensions: "did you mean 'when'?" would not help
    text = BASE.replace("max: 10}", "max: 10, when: 'true'}")
    d = only(error_of(RuleSetSchemaError, text))
    assert d.message == "unknown key 'when'"
    assert d.hint != "did you mean 'when'?", d.format()


def test_wrong_type_points():
    d = only(error_of(RuleSetSchemaError, BASE.replace("points: 10", 'points: "ten"')))
    assert d.code == "RS200"
    assert d.message == "Input should be a valid number (got 'ten')"
    at(d, 13, 13)
    assert d.location.path == "standards[0].points"


def test_numeric_version_gets_a_hint():
    d = only(error_of(RuleSetSchemaError, BASE.replace('version: "1"', "version: 2026.1")))
    assert d.code == "RS200"
    assert d.hint == 'quote the version, e.g. version: "2026.1"'
    at(d, 2, 10)


@pytest.mark.parametrize("value", ["-10", "0"])
def test_points_must_be_positive(value):
    d = only(error_of(RuleSetSchemaError, BASE.replace("points: 10", f"points: {value}")))
    assert d.code == "RS200"
    assert d.message == f"Input should be greater than 0 (got {value})"
    at(d, 13, 13)


def test_duplicate_rule_ids():
    text = BASE.replace("standards:\n", "standards:\n  - {id: S1, dimension: D1, zh: 乙, en: B, source: t, "
                                        "points: 5, flag: 'true'}\n").replace("max: 10", "max: 15")
    d = only(error_of(RuleSetSchemaError, text))
    assert d.code == "RS301"
    assert d.message == "rule id 'S1' is used twice"
    assert d.hint == "first used at tiny.yaml:8:10"
    at(d, 9, 9)


def test_unknown_dimension_suggests_the_nearest():
    text = BASE.replace("    dimension: D1", "    dimension: D11")
    err = error_of(RuleSetSchemaError, text)
    d = next(x for x in err.diagnostics if x.code == "RS302")
    assert d.message == "unknown dimension 'D11'"
    assert d.hint == "did you mean 'D1'?"
    at(d, 9, 16)
    # and the dimension left without standards is reported in the same pass
    assert any(x.code == "RS306" and "'D1' has no standards" in x.message for x in err.diagnostics)


def test_standards_must_sum_to_the_dimension_max():
    d = only(error_of(RuleSetSchemaError, BASE.replace("max: 10", "max: 12")))
    assert d.code == "RS303"
    assert d.message == "the standards of dimension 'D1' add up to 10, not its max 12"
    at(d, 6, 42)
    assert d.location.path == "dimensions[0].max"


def test_expect_count_mismatch():
    d = only(error_of(RuleSetSchemaError, BASE + "expect: {standards: 2, vetoes: 0}\n"))
    assert d.code == "RS401"
    assert d.message == "expected 2 standards but the rule set (with its includes) has 1"
    at(d, 18, 21)


def test_grading_must_end_at_zero():
    d = only(error_of(RuleSetSchemaError, BASE.replace("at_least: 0}", "at_least: 1}")))
    assert d.code == "RS304"
    assert "down to a last grade at 0" in d.message
    at(d, 16, 3)  # the grading list


def test_deduction_cap_below_points():
    text = BASE.replace("grading:", """deductions:
  - {id: K1, dimension: D1, zh: 扣, en: K, source: t, per: 'count(incidents)', points: 3, cap: 2}
grading:""")
    d = only(error_of(RuleSetSchemaError, text))
    assert d.code == "RS305"
    assert d.message == "cap 2 is below the points per occurrence 3"
    at(d, 16, 95)


def test_every_problem_is_reported_at_once():
    text = BASE.replace("max: 10", "max: 12").replace("    points: 10\n", "    points: 10\n    piont: 1\n")
    text = text.replace("title:", "titel:")
    err = error_of(RuleSetSchemaError, text)
    assert len(err.diagnostics) >= 3
    assert all(d.location is not None and d.location.line for d in err.diagnostics)
    rendered = str(err)
    assert rendered.count("tiny.yaml:") == len(err.diagnostics)


def test_a_fragment_cannot_be_loaded_alone(example_dir):
    with pytest.raises(RuleSetSchemaError) as info:
        pr.load_ruleset(example_dir / "member-vetoes.yaml")
    assert info.value.diagnostics[0].code == "RS201"


# -- expressions ---------------------------------------------------------------------------------------------------
def test_unknown_field_points_at_the_name():
    d = only(error_of(ExpressionError, with_flag("is_organ_staff and placard_displayd")))
    assert d.code == "EX204"
    assert d.message == "unknown name 'placard_displayd': not a field of member"
    assert d.hint == "did you mean 'placard_displayed'?"
    at(d, FLAG_LINE, EXPR_COL + len("is_organ_staff and "))
    assert d.location.path == "standards[0].flag"


@pytest.mark.parametrize("quote", ['"', "'"])
def test_unknown_field_in_a_quoted_expression(quote):
    d = only(error_of(ExpressionError, with_flag(f"{quote}is_organ_staff and placard_displayd{quote}")))
    at(d, FLAG_LINE, EXPR_COL + 1 + len("is_organ_staff and "))


def test_unknown_field_in_a_flow_mapping():
    text = BASE.replace("    flag: placard_displayed\n", "    flag: 'true'\n").replace(
        "standards:\n", "standards:\n  - {id: S0, dimension: D1, zh: 乙, en: B, source: t, points: 5, "
                        "flag: placard_displayd}\n").replace("max: 10", "max: 15")
    d = only(error_of(ExpressionError, text))
    line = text.splitlines()[7]
    at(d, 8, line.index("placard_displayd") + 1)


def test_unknown_field_on_the_next_line():
    d = only(error_of(ExpressionError, with_flag("\n      placard_displayd")))
    at(d, FLAG_LINE + 1, 7)


def test_unknown_field_in_a_literal_block():
    # flag: |
    #   is_organ_staff and
    #   placard_displayd        <- line FLAG_LINE + 2, column 7 (after the block's indentation)
    d = only(error_of(ExpressionError, with_flag("|\n      is_organ_staff and\n      placard_displayd")))
    at(d, FLAG_LINE + 2, 7)


def test_unknown_field_in_a_folded_block():
    d = only(error_of(ExpressionError, with_flag(">\n      is_organ_staff and\n      placard_displayd")))
    at(d, FLAG_LINE + 2, 7)


def test_unknown_field_in_a_multi_line_plain_scalar():
    d = only(error_of(ExpressionError, with_flag("is_organ_staff and\n      placard_displayd")))
    at(d, FLAG_LINE + 1, 7)


def test_unknown_field_of_a_record():
    expr = "count(records where volunter_hours > 0) > 0"
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == "EX204"
    assert "volunter_hours" in d.message
    assert d.hint == "did you mean 'volunteer_hours'?"
    at(d, FLAG_LINE, EXPR_COL + expr.index("volunter_hours"))


def test_unknown_parameter():
    text = BASE.replace("dimensions:", "params: {min_hours: 10}\ndimensions:")
    d = only(error_of(ExpressionError, text.replace("flag: placard_displayed", "flag: params.min_hour > 1")))
    assert d.code == "EX206"
    assert d.message == "unknown parameter 'min_hour'"
    assert d.hint == "did you mean 'min_hours'?"
    at(d, FLAG_LINE + 1, EXPR_COL)


def test_unknown_incident_kind_string():
    expr = 'exists(incidents where kind == "gamblin")'
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == "EX203"
    assert "'gamblin'" in d.message
    assert d.hint == "did you mean 'gambling'?"
    at(d, FLAG_LINE, EXPR_COL + expr.index('"gamblin"'))


def test_unknown_category_string():
    d = only(error_of(ExpressionError, BASE + 'applies_to: category == "inservice"\n'))
    assert d.code == "EX203"
    assert d.hint == "did you mean 'in_service'?"
    at(d, 18, 25)


def test_single_equals_gets_a_hint():
    expr = "placard_displayed = true"
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == "EX101"
    assert d.hint == "compare with '=='"
    at(d, FLAG_LINE, EXPR_COL + expr.index("="))


def test_a_number_where_a_condition_is_needed():
    d = only(error_of(ExpressionError, with_flag("count(records)")))
    assert d.code == "EX210"
    assert "must be a condition" in d.message


@pytest.mark.parametrize(("expr", "code", "name"), [
    ("__import__('os')", "EX102", "__import__"),
    ("x.__class__", "EX102", "__class__"),
    ("placard_displayed.__class__", "EX102", "__class__"),
    ("_private", "EX102", "_private"),
])
def test_dunder_names_are_refused(expr, code, name):
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == code
    assert d.message == f"names starting with '_' are not allowed: {name!r}"
    at(d, FLAG_LINE, EXPR_COL + expr.index(name))


@pytest.mark.parametrize("expr", ["eval('1')", "exec('1')", "open('/etc/passwd')", "getattr(subject, 'x')",
                                  "compile('1', 'x', 'eval')"])
def test_python_builtins_are_unknown_functions(expr):
    d = only(error_of(ExpressionError, with_flag(expr)))
    assert d.code == "EX212"
    assert d.message == f"unknown function {expr.split('(')[0]!r}"
    at(d, FLAG_LINE, EXPR_COL)


def test_model_internals_are_not_fields():
    d = only(error_of(ExpressionError, with_flag("subject.model_config")))
    assert d.code == "EX204"
    assert d.message == "unknown field subject.model_config"


# -- includes ------------------------------------------------------------------------------------------------------
VETO_FRAGMENT = """\
fragment: true
vetoes:
  - {id: V1, zh: 否决, en: Veto, source: t, when: 'exists(incidents where kind == "crisis_retreat")'}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _include_error(path: Path, **kw) -> Diagnostic:
    with pytest.raises(IncludeError) as info:
        pr.load_ruleset(path, **kw)
    assert type(info.value) is IncludeError
    return only(info.value)


def test_a_good_include_loads(tmp_path):
    _write(tmp_path, "v.yaml", VETO_FRAGMENT)
    rs = pr.load_ruleset(_write(tmp_path, "main.yaml", BASE + "include: [v.yaml]\n"))
    assert [v.id for v in rs.vetoes] == ["V1"]


@pytest.mark.parametrize("name", ["../x.yaml", "sub/../../x.yaml", "../../../../etc/passwd.yaml"])
def test_include_escaping_the_directory(tmp_path, name):
    _write(tmp_path, "x.yaml", VETO_FRAGMENT)  # exists, just outside the rule-set directory
    main = _write(tmp_path, "rules/main.yaml", BASE + f"include: [{name}]\n")
    d = _include_error(main)
    assert d.code == "RS122"
    assert "points outside the rule-set directory" in d.message
    assert d.hint == "rule sets may only include files beside them"
    at(d, 18, 11, file=str(main))


def test_include_of_an_absolute_path(tmp_path):
    target = _write(tmp_path, "abs.yaml", VETO_FRAGMENT)
    main = _write(tmp_path, "main.yaml", BASE + f"include: [{target}]\n")
    d = _include_error(main)
    assert d.code == "RS122"
    assert "must be a relative path" in d.message
    at(d, 18, 11, file=str(main))


def test_include_through_a_symlink_out_of_the_directory(tmp_path):
    outside = _write(tmp_path, "outside/v.yaml", VETO_FRAGMENT)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "v.yaml").symlink_to(outside)
    d = _include_error(_write(tmp_path, "rules/main.yaml", BASE + "include: [v.yaml]\n"))
    assert d.code == "RS122"


def test_include_of_a_non_yaml_file(tmp_path):
    _write(tmp_path, "notes.txt", VETO_FRAGMENT)
    d = _include_error(_write(tmp_path, "main.yaml", BASE + "include: [notes.txt]\n"))
    assert d.code == "RS122" and "not a .yaml file" in d.message


def test_include_of_a_missing_file(tmp_path):
    d = _include_error(_write(tmp_path, "main.yaml", BASE + "include: [missing.yaml]\n"))
    assert d.code == "RS120"
    assert "missing.yaml" in d.message
    assert d.hint == "check the path"


def test_include_of_itself(tmp_path):
    main = _write(tmp_path, "main.yaml", BASE + "include: [main.yaml]\n")
    d = _include_error(main)
    assert d.code == "RS123"
    assert d.message == "'main.yaml' is included twice"
    at(d, 18, 11, file=str(main))


def test_include_twice(tmp_path):
    _write(tmp_path, "v.yaml", VETO_FRAGMENT)
    main = _write(tmp_path, "main.yaml", BASE + "include: [v.yaml, ./v.yaml]\n")
    d = _include_error(main)
    assert d.code == "RS123"
    assert d.hint == "include each file once"
    at(d, 18, 19, file=str(main))


def test_include_cycle_through_a_fragment(tmp_path):
    # a fragment cannot include anything, so a cycle main -> f1 -> main stops at the fragment's include key
    _write(tmp_path, "f1.yaml", "fragment: true\ninclude: [main.yaml]\n")
    main = _write(tmp_path, "main.yaml", BASE + "include: [f1.yaml]\n")
    with pytest.raises(pr.RuleSetError) as info:
        pr.load_ruleset(main)
    d = only(info.value)
    assert d.message == "unknown key 'include'"
    at(d, 2, 1, file=str(tmp_path / "f1.yaml"))
    assert d.hint != "did you mean 'include'?", d.format()


def test_include_from_a_string_needs_a_root(tmp_path):
    d = only(error_of(IncludeError, BASE + "include: [v.yaml]\n"))
    assert d.code == "RS121"
    assert d.hint == "load the rule set from a file, or pass root="
    _write(tmp_path, "v.yaml", VETO_FRAGMENT)
    assert [v.id for v in pr.loads_ruleset(BASE + "include: [v.yaml]\n", root=tmp_path).vetoes] == ["V1"]
    (tmp_path / "sub").mkdir()
    d = only(error_of(IncludeError, BASE + "include: [../v.yaml]\n", root=tmp_path / "sub"))
    assert d.code == "RS122"


def test_include_from_a_string_with_a_file_label_resolves_against_the_root(tmp_path):
    # file= only names the text in messages; includes are still resolved inside root, not the working directory
    _write(tmp_path, "v.yaml", VETO_FRAGMENT)
    rs = pr.loads_ruleset(BASE + "include: [v.yaml]\n", file="tiny.yaml", root=tmp_path)
    assert [v.id for v in rs.vetoes] == ["V1"]


# -- parameter overrides -------------------------------------------------------------------------------------------
def test_unknown_parameter_override_suggests_the_nearest(example_ruleset, example_dir):
    with pytest.raises(ParameterError) as info:
        example_ruleset.with_params(organ_volunter_hours=150)
    err = info.value
    assert err.message == "unknown parameter 'organ_volunter_hours' for rule set example-member"
    assert err.hint == "did you mean 'organ_volunteer_hours'?"
    assert str(err) == ("unknown parameter 'organ_volunter_hours' for rule set example-member "
                        "(hint: did you mean 'organ_volunteer_hours'?)")
    with pytest.raises(ParameterError) as info:
        pr.load_ruleset(example_dir / "member-example.yaml", params={"lapse_month": 3})
    assert info.value.hint == "did you mean 'lapse_months'?"
    assert isinstance(info.value, KeyError)  # callers catching KeyError keep working


@pytest.mark.parametrize(("value", "words"), [
    ("150", "must be like 100, not '150'"),
    (True, "must be like 100, not True"),
    ([150], "must be like 100, not [150]"),
    (None, "must be like 100, not None"),
    (float("inf"), "must be like 100, not inf"),
    (float("nan"), "cannot be NaN"),
    (-1, "= -1 is below its min 0"),
])
def test_parameter_override_of_the_wrong_type(example_ruleset, value, words):
    with pytest.raises(ParameterError) as info:
        example_ruleset.with_params(organ_volunteer_hours=value)
    assert "parameter 'organ_volunteer_hours'" in str(info.value)
    assert words in str(info.value)
    assert example_ruleset.params["organ_volunteer_hours"] == 100


def test_parameter_override_at_evaluation_time(example_ruleset):
    facts = pr.MemberFacts(_member())
    with pytest.raises(ParameterError):
        pr.evaluate(example_ruleset, facts, period="2026", params={"nope": 1})


# -- facts ---------------------------------------------------------------------------------------------------------
MEMBER = {"member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal",
          "joined_on": "2001-07-01", "birth_year": 1975}
RECORD = {"member_id": "M1", "month": "2026-03", "volunteer_hours": 3.0}


def _member(**kw) -> pr.Member:
    return pr.Member.model_validate({**MEMBER, **kw})


@pytest.mark.parametrize(("field", "value", "error_type"), [
    ("households_contacted", "3", "int_type"),
    ("households_contacted", True, "int_type"),
    ("households_contacted", 2.0, "int_type"),
    ("households_contacted", -1, "greater_than_equal"),
    ("volunteer_hours", float("nan"), "finite_number"),
    ("volunteer_hours", float("inf"), "finite_number"),
    ("volunteer_hours", 745.0, "less_than_equal"),
    ("volunteer_hours", "3", "float_type"),
    ("dues_paid_on_time", 1, "bool_type"),
    ("dues_paid_on_time", "yes", "bool_type"),
    ("month", "2026-13", "month_format"),
])
def test_bad_record_values_name_the_field(field, value, error_type):
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts.model_validate({"member": MEMBER, "records": [{**RECORD, field: value}]})
    errors = info.value.errors()
    assert len(errors) == 1, errors
    assert errors[0]["loc"] == ("records", 0, field)
    assert errors[0]["type"] == error_type
    assert f"records.0.{field}" in str(info.value)


def test_unknown_fact_field_is_named():
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts.model_validate({"member": MEMBER, "records": [{**RECORD, "househlds": 1}]})
    err = info.value.errors()[0]
    assert err["loc"] == ("records", 0, "househlds") and err["type"] == "extra_forbidden"


def test_nan_in_json_facts_is_refused():
    text = '{"member": {"member_id": "M1", "branch_id": "B1", "category": "in_service", "status": "formal", ' \
           '"joined_on": "2001-07-01", "birth_year": 1975}, ' \
           '"records": [{"member_id": "M1", "month": "2026-03", "volunteer_hours": NaN}]}'
    with pytest.raises(ValidationError) as info:
        pr.MemberFacts.model_validate_json(text)
    assert info.value.errors()[0]["loc"] == ("records", 0, "volunteer_hours")


def test_unknown_incident_kind_in_facts():
    with pytest.raises(ValidationError) as info:
        pr.Incident.model_validate({"incident_id": "I1", "subject_kind": "member", "subject_id": "M1",
                                    "kind": "gamblin", "occurred_on": "2026-03-01", "verified": False,
                                    "evidence_ref": "e"})
    err = info.value.errors()[0]
    assert err["loc"] == ("kind",)
    assert "did you mean 'gambling'?" in err["msg"]


def test_a_branch_cannot_be_scored_with_a_member_rule_set(example_ruleset):
    branch = pr.BranchFacts.model_validate({"branch": {
        "branch_id": "B1", "name": "第一支部", "parent_org_id": "G1", "branch_type": "community",
        "formal_member_count": 1, "member_count": 1, "has_committee": False, "committee_size": 0,
        "households_covered": 1, "grid_worker_count": 0}})
    with pytest.raises(pr.EvaluationError) as info:
        pr.evaluate(example_ruleset, branch, period="2026")
    assert info.value.message == "rule set example-member scores members, but B1 is a branch"
    assert info.value.hint == "use a branch rule set"


@pytest.mark.parametrize(("period", "outside"), [("2026-Q2", "2026-03"), ("2026-04..2026-12", "2026-03"),
                                                 ("2026-06", "2026-03, 2026-05")])
def test_records_outside_the_period(example_ruleset, period, outside):
    facts = pr.MemberFacts.model_validate({"member": MEMBER, "records": [RECORD, {**RECORD, "month": "2026-05"}]})
    with pytest.raises(pr.EvaluationError) as info:
        pr.evaluate(example_ruleset, facts, period=period)
    assert f"M1 has records outside the period {period}: {outside}" in info.value.message
    assert info.value.hint == "select the period's records first, or widen the period"


def test_a_period_before_the_rule_set_is_effective(example_ruleset):
    with pytest.raises(pr.EvaluationError) as info:
        pr.evaluate(example_ruleset, _good("M1"), period="2025")
    assert "is effective 2026-01-01" in info.value.message
    assert "does not cover the period 2025" in info.value.message


def test_annual_evaluation_outside_the_period(example_ruleset):
    annual = {"subject_kind": "member", "subject_id": "M1", "year": 2025, "evaluator_org_id": "B1",
              "evaluation_score": 80.0, "daily_observation_score": 80.0}
    facts = pr.MemberFacts.model_validate({"member": MEMBER, "annual": annual})
    with pytest.raises(pr.EvaluationError) as info:
        pr.evaluate(example_ruleset, facts, period="2026")
    assert "annual evaluation of M1 is for 2025" in info.value.message


def test_a_bad_period_string(example_ruleset):
    with pytest.raises(pr.PartyRulesError) as info:
        pr.evaluate(example_ruleset, pr.MemberFacts(_member()), period="2026-13")
    assert "not a period: '2026-13'" in str(info.value)
    assert info.value.hint == "use 2026, 2026-Q1, 2026-03 or 2026-01..2026-06"


def test_no_period_and_no_records(example_ruleset):
    with pytest.raises(pr.EvaluationError) as info:
        pr.evaluate(example_ruleset, pr.MemberFacts(_member()))
    assert "no period given" in info.value.message


def test_not_applicable_subject(example_ruleset):
    with pytest.raises(pr.NotApplicableError) as info:
        pr.evaluate(example_ruleset, pr.MemberFacts(_member(category="retired")), period="2026")
    assert 'category == "in_service" is not true' in info.value.message


def _good(member_id: str) -> pr.MemberFacts:
    return pr.MemberFacts.model_validate({"member": {**MEMBER, "member_id": member_id},
                                          "records": [{**RECORD, "member_id": member_id}]})


def test_evaluate_many_reports_the_bad_subjects_and_scores_the_rest(example_ruleset):
    retired = pr.MemberFacts(_member(member_id="M2", category="retired"))
    outside = pr.MemberFacts.model_validate({"member": {**MEMBER, "member_id": "M3"},
                                             "records": [{**RECORD, "member_id": "M3", "month": "2025-12"}]})
    result = pr.Evaluator(example_ruleset).evaluate_many([_good("M1"), retired, outside, _good("M4")],
                                                         period="2026")
    assert [b.subject_id for b in result.breakdowns] == ["M1", "M4"]
    assert [(f.index, f.subject_id, type(f.error)) for f in result.failures] == [
        (1, "M2", pr.NotApplicableError), (2, "M3", pr.EvaluationError)]
    assert str(result.failures[1]).startswith("M3 (row 3): M3 has records outside the period 2026: 2025-12")
    single = pr.evaluate(example_ruleset, _good("M4"), period="2026")
    assert result.breakdowns[1].to_json() == single.to_json()


def test_evaluate_many_survives_a_row_that_is_not_a_bundle(example_ruleset):
    # a population read from JSON may hold a row that was never validated: report it, score the others
    rows = [_good("M1"), {"member": {**MEMBER, "member_id": "M2"}}, None, _good("M4")]
    result = pr.Evaluator(example_ruleset).evaluate_many(rows, period="2026")
    assert [b.subject_id for b in result.breakdowns] == ["M1", "M4"]
    assert [f.index for f in result.failures] == [1, 2]
    assert all(isinstance(f.error, pr.PartyRulesError) for f in result.failures)


def test_infinite_and_nan_scores_never_appear(example_ruleset):
    b = pr.evaluate(example_ruleset, _good("M1"), period="2026")
    assert math.isfinite(b.total)
    assert "NaN" not in b.to_json() and "Infinity" not in b.to_json()
