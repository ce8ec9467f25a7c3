"""``--lang zh|en`` on validate, check and test (issue 14): in zh every line a user reads is Chinese (headings,
counts, verdicts, each finding as ``CODE 位置: 说明``); en, the default, prints exactly what it always did, so CI
configurations keep working.

Measured before: the three commands had no --lang and printed English only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partyrules.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
FINDINGS = str(ROOT / "tests" / "rulesets" / "broken" / "several-findings.yaml")
STRUCTURE = str(ROOT / "tests" / "rulesets" / "broken" / "structure-and-expression.yaml")
CASES = str(ROOT / "tests" / "rulesets" / "cases")
FALSE_MONOTONE = str(ROOT / "tests" / "rulesets" / "check" / "false-monotone.yaml")
CJK = re.compile(r"[\u3400-\u9fff]")
# words of the English headings, counts and verdicts, none of which may be left in a Chinese report
ENGLISH = re.compile(r"\b(rule sets?|valid|errors?|warnings?|hint|FAIL|INVALID|assertion|expected|actual|"
                     r"rule coverage|not exercised|cases?|passed|failed|gate failed|empty case file|ok|skipped|"
                     r"FAILED|examples|held every property|period)\b")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _outside_details(line: str) -> str:
    """The line without what it quotes: the (详情: ...) tail, file paths, quoted names and YAML of a case."""
    line = re.sub(r"\(详情: .*\)", "", line)
    line = re.sub(r"'[^']*'|\S+\.ya?ml(:\d+)*", "", line)
    return line


@pytest.mark.parametrize("command", ["validate", "check", "test"])
def test_the_same_flag_on_each_command(command: str):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    parser = sub.choices[command]  # type: ignore[attr-defined]
    lang = next(a for a in parser._actions if a.dest == "lang")
    assert lang.choices == ["zh", "en"] and lang.default == "en" and "CI" in lang.help


def test_validate_in_chinese(capsys):
    code, out, err = _run(capsys, "validate", "--lang", "zh", "--strict", FINDINGS, STRUCTURE)
    assert code == 3
    lines = out.splitlines()
    assert (f"RS530 {FINDINGS}:11:3: 警告: 参数 'hours' 已声明但没有规则读取 "
            "(提示: 删除它, 或在原本需要处写 params.hours)") in lines
    assert any(ln.startswith("RS510 ") and "达标条件(flag)永远不成立: 该标准永远不达标" in ln for ln in lines)
    assert any(ln.startswith("RS520 ") and "扣分项 K2 与 K1 统计相同的 incidents" in ln for ln in lines)
    # a code raised by the loader or the expression checker: the registry's title, the values in a 详情 tail
    assert any(ln.startswith("EX204 ") and "未知字段 (详情: " in ln and "placard_displyed" in ln for ln in lines)
    for ln in lines:
        assert CJK.search(ln), ln
        if re.match(r"RS5\d\d ", ln):  # the linter's own findings are Chinese through and through
            assert "详情" not in ln and not re.search(r"\b(the|can|never|hint)\b", ln), ln
        assert not ENGLISH.search(_outside_details(ln)), ln
    summary = r"partyrules validate: 2 个规则集中 0 个有效; \d+ 个错误, \d+ 个警告 \(--strict: 警告也视为失败\)"
    assert re.fullmatch(summary, err.strip()), err


def test_validate_in_english_is_unchanged(capsys):
    default = _run(capsys, "validate", "--strict", FINDINGS)
    english = _run(capsys, "validate", "--strict", "--lang", "en", FINDINGS)
    assert default == english
    code, out, err = default
    assert code == 3
    assert (f"{FINDINGS}:11:3: RS530: warning: parameter 'hours' is declared but no rule reads it (hint: remove it, "
            "or use it as params.hours where it was meant)") in out.splitlines()
    assert err.startswith("partyrules validate: 0 of 1 rule set valid; ")
    assert "警告:" not in out and "提示:" not in out and "个规则集" not in err


def test_test_in_chinese(capsys):
    code, out, err = _run(capsys, "test", "--lang", "zh", CASES, "--min-coverage", "90", "--fail-on-empty")
    assert code == 3
    assert "失败 " in out and "用例 'three complaints are capped at 10'" in out
    assert re.search(r"断言\s+期望\s+实际", out)
    assert re.search(r"行 TY.K1\s+-15\s+-10\s+capped; 封顶前 15; 计入 incident:I1", out)
    assert re.search(r"否决项\s+\[\]\s+\[TY.V1\]\s+多出 TY.V1", out)
    assert "无效 " in out and "TC002 " in out and "测试用例文件中有未知键 (详情: " in out
    assert "6 个用例, 2 个通过, 2 个失败, 2 个无效" in out
    assert "规则覆盖率 55.56% (9 项中覆盖 5 项)" in out and "未覆盖的扣分上限: TY.K2" in out
    assert "空的用例文件: " in out and "门槛未通过: tiny-member: 规则覆盖率 55.56% 低于 --min-coverage 90%" in out
    for ln in filter(None, out.splitlines()):
        if re.match(r"\s+(total|grade|vetoed|-)", ln):
            continue
        assert not ENGLISH.search(_outside_details(ln)), ln
    assert err.strip() == "partyrules test: 1 个规则集, 6 个用例中 2 个通过"


def test_test_in_english_is_unchanged(capsys):
    default = _run(capsys, "test", CASES, "--min-coverage", "90")
    english = _run(capsys, "test", "--lang", "en", CASES, "--min-coverage", "90")
    assert default == english
    _, out, err = default
    assert "FAIL " in out and re.search(r"assertion\s+expected\s+actual", out)
    assert "6 cases, 2 passed, 2 failed, 2 invalid" in out and "rule coverage 55.56% (5 of 9)" in out
    assert "gate failed: tiny-member: rule coverage 55.56% is below --min-coverage 90%" in out
    assert not CJK.search(out) and err.startswith("partyrules test: 2 of 6 cases passed")


def test_check_in_chinese(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(FINDINGS).read_text(encoding="utf-8").replace("dimensions:", "dimensions:\n  - oops", 1),
                   encoding="utf-8")
    code, out, err = _run(capsys, "check", "--lang", "zh", FALSE_MONOTONE, str(bad), "--max-examples", "15")
    assert code == 3
    assert "评估期 2026" in out and "  通过    bounds (" in out and "个样例" in out
    assert ("  失败    monotone: 单调性: 提高声明为单调的字段不会降低(递增)或提高(递减)总分 不成立 "
            "(详情: raising ") in out
    assert "缩减后的反例, 可作为测试用例粘贴到 false-monotone.test.yaml 的 'cases:' 下:" in out
    assert re.search(r"^RS\d{3} .*bad\.yaml:\d+:\d+: ", out, re.M)
    for ln in out.splitlines():
        if ln.startswith("      ") or ln.startswith("    - ") or not ln.strip():
            continue  # the YAML of the printed cases: data for a case file
        assert not ENGLISH.search(_outside_details(ln)), ln
    assert "partyrules check: 1 个规则集中 0 个满足全部性质; 1 个无效" in err


def test_check_in_english_is_unchanged(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "check", "--lang", "en", FALSE_MONOTONE, "--max-examples", "15",
                          "--property", "bounds", "--property", "monotone")
    assert code == 5
    assert "  ok      bounds (15 examples" in out and "FAILED  monotone: raising" in out
    assert "0 of 1 rule set held every property" in err and not CJK.search(out)
