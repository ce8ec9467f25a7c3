"""The bodies the service reads and writes, with a description and an example for every field (OpenAPI)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from ..facts import BranchFacts, BranchMonthRecord, CommunityFacts, MemberFacts, MemberMonthRecord
from ..results import ScoreBreakdown
from .config import MAX_BATCH, MAX_RULESET_CHARS

AnyFacts = MemberFacts | BranchFacts | CommunityFacts

_PERIOD = Field(description="The period assessed: a year, a quarter, a month or a range of months / 考核期",
                examples=["2026", "2026-Q2", "2026-03", "2026-01..2026-06"], min_length=4, max_length=40)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScoreRequest(_Body):
    """One subject to score: its facts bundle (a member, a branch or a community, with its records) and the period."""

    # read as the facts models describe them, validated by parse_subject_facts so that an error's field path is
    # the bundle's own (a plain union would name each alternative it tried)
    facts: SkipValidation[AnyFacts] = Field(
        description="The subject's facts bundle: exactly one of member, branch, community, with its records "
                    "/ 对象的事实数据")  # its example is a whole generated member (service.openapi)
    period: str = _PERIOD


class BatchRequest(_Body):
    items: list[ScoreRequest] = Field(description="The subjects to score, each with its period / 待评分对象",
                                      examples=[[]], max_length=MAX_BATCH)


Format = Literal["json", "text", "markdown", "html"]


class ExplainRequest(ScoreRequest):
    format: Format = Field("json", description="How the explanation is written / 输出格式",
                           examples=["markdown"])
    lang: Literal["zh", "en"] = Field("zh", description="The language of text and Markdown / 语言", examples=["en"])


class Decided(_Body):
    decision_id: int = Field(description="The decision's id in the decision log / 决策日志编号", examples=[42])
    breakdown: ScoreBreakdown = Field(description="The explained score / 得分明细")


class ItemError(_Body):
    code: str = Field(description="The error's code (docs/errors.md) / 错误代码", examples=["PR031"])
    message: str = Field(description="What went wrong / 错误说明",
                         examples=["the rule set's applies_to is false for M0001"])
    hint: str | None = Field(None, description="How to put it right / 修改提示", examples=["pass a member rule set"])


class BatchItem(_Body):
    index: int = Field(description="The item's place in the request, from 0 / 序号", examples=[0])
    decision_id: int | None = Field(None, description="The decision's id, when it was scored / 决策编号",
                                    examples=[42])
    breakdown: ScoreBreakdown | None = Field(None, description="The explained score, when it was scored / 得分明细")
    error: ItemError | None = Field(None, description="Why it was not scored / 未评分原因")


class BatchResponse(_Body):
    results: list[BatchItem] = Field(description="One result per item, in request order / 逐项结果", examples=[[]])


class RuleSetInfo(_Body):
    id: str = Field(description="The rule set's id / 规则集编号", examples=["member-in-service"])
    version: str = Field(description="Its version / 版本", examples=["2026.1"])
    content_hash: str = Field(description="SHA-256 of its full resolved content / 内容哈希",
                              examples=["3f1c9a0e" + "0" * 56])
    subject_kind: str = Field(description="The kind of subject it scores / 评价对象类型", examples=["member"])
    title_zh: str = Field(description="Its title in Chinese / 中文标题", examples=["在职党员积分考核"])
    title_en: str = Field(description="Its title in English / 英文标题", examples=["In-service member points"])
    effective_from: str | None = Field(description="First day in force (none: always) / 生效日期",
                                       examples=["2026-01-01"])
    effective_until: str | None = Field(description="Last day in force (none: open) / 失效日期", examples=[None])
    in_force: bool = Field(description="In force today, or for the whole of ?period= when given / 是否现行有效",
                           examples=[True])


class ValidateRequest(_Body):
    yaml: str = Field(description="The rule set's YAML text; includes resolve inside the service's rule-set "
                                  "directory only / 规则集 YAML 文本", examples=["id: my-index\nversion: '1'\n..."],
                      max_length=MAX_RULESET_CHARS)


class ValidateResponse(_Body):
    valid: bool = Field(description="No error was found / 是否有效", examples=[True])
    id: str | None = Field(None, description="The rule set's id, when it loads / 规则集编号", examples=["my-index"])
    version: str | None = Field(None, description="Its version, when it loads / 版本", examples=["1"])
    content_hash: str | None = Field(None, description="Its content hash, when it loads / 内容哈希",
                                     examples=["3f1c9a0e" + "0" * 56])
    diagnostics: list[dict[str, Any]] = Field(
        description="Every finding: code, severity, message, hint, line, column / 诊断信息",
        examples=[[{"code": "RS101", "severity": "error", "message": "unknown key", "line": 3, "column": 1}]])


class DecisionOut(_Body):
    id: int = Field(description="The decision's id / 决策编号", examples=[42])
    time: str = Field(description="When it was decided (UTC, ISO 8601) / 决策时间",
                      examples=["2026-12-07T21:47:32.123456+00:00"])
    caller: str = Field(description="The id of the key that asked / 调用方密钥编号", examples=["a1b2c3d4e5f6"])
    subject_kind: str = Field(description="member, branch or community / 对象类型", examples=["member"])
    subject_id: str = Field(description="The subject's id / 对象编号", examples=["M0001"])
    period: str = Field(description="The period asked for / 考核期", examples=["2026"])
    ruleset_id: str = Field(description="The rule set that decided / 规则集编号", examples=["member-in-service"])
    ruleset_version: str = Field(description="Its version / 版本", examples=["2026.1"])
    ruleset_hash: str = Field(description="Its content hash / 内容哈希", examples=["3f1c9a0e" + "0" * 56])
    input_hash: str = Field(description="SHA-256 of input_json / 输入哈希", examples=["9e0d" + "0" * 60])
    output_hash: str = Field(description="SHA-256 of breakdown_json / 输出哈希", examples=["5b7a" + "0" * 60])
    input_json: str = Field(description="The facts as validated, canonical JSON / 输入事实",
                            examples=['{"member":{"member_id":"M000001","category":"in_service"}}'])
    breakdown_json: str = Field(description="The breakdown, canonical JSON / 得分明细",
                                examples=['{"subject_id":"M0001","total":93.5}'])


class Problem(_Body):
    code: str = Field(description="The error's code (docs/errors.md) / 错误代码", examples=["PR031"])
    message: str = Field(description="What went wrong / 错误说明", examples=["no rule set scores members like M9"])
    location: str | None = Field(None, description="Where, when known / 位置", examples=["facts.member.joined"])
    hint: str | None = Field(None, description="How to put it right / 修改提示", examples=["pass a member rule set"])


class RecordRequest(_Body):
    # read as the record models describe them, validated against the session's subject kind (member or branch)
    record: SkipValidation[MemberMonthRecord | BranchMonthRecord] = Field(
        description="A monthly record of the session's subject; one of the same month is replaced (a correction) "
                    "/ 会话对象的月度记录")


class SessionOut(_Body):
    session_id: str = Field(description="The session's id, for the calls that follow / 会话编号",
                            examples=["q3Zf0m2d8kQ1xYb7LrT5aE4w"])
    subject_id: str = Field(description="The subject it evaluates / 对象编号", examples=["M000001"])
    period: str = Field(description="The period it evaluates / 考核期", examples=["2026"])
    idle_seconds: float = Field(description="Seconds without a call after which the session is closed / "
                                            "闲置多少秒后关闭会话", examples=[1800.0])
    decision_id: int = Field(description="The decision's id in the decision log / 决策日志编号", examples=[42])
    breakdown: ScoreBreakdown = Field(description="The explained score now / 当前得分明细")


class RuleSetTestRequest(_Body):
    ruleset: str = Field(description="The rule set's YAML text; includes resolve inside the service's rule-set "
                                     "directory only / 规则集 YAML 文本", examples=["id: my-index\nversion: '1'\n..."],
                         max_length=MAX_RULESET_CHARS)
    cases: str = Field(description="Its test cases, a case file's YAML text (docs/testing-rulesets.md); its "
                                   "`ruleset:` may be left out / 测试用例 YAML 文本",
                       examples=["period: '2026'\ncases:\n  - name: full marks\n    expect: {total: 100}\n"],
                       max_length=MAX_RULESET_CHARS)


Outcome = Literal["passed", "failed", "invalid"]


class CaseOut(_Body):
    index: int = Field(description="The case's place in the file, from 0 / 用例序号", examples=[0])
    name: str = Field(description="The case's name / 用例名称", examples=["full marks"])
    location: str = Field(description="Where the case is in the posted text / 用例位置",
                          examples=["<posted cases>:3:5"])
    outcome: Outcome = Field(
        description="passed, failed (an expectation not met) or invalid (it could not run) / 结果",
        examples=["passed"])
    problems: list[str] = Field(description="Each expectation not met, or why it could not run / 未满足的预期",
                                examples=[["total: expected 100, got 96.5"]])
    total: float | None = Field(None, description="The total the case's facts scored, when they did / 得分",
                                examples=[96.5])


class RuleSetTestResponse(_Body):
    valid: bool = Field(description="The rule set and the case file loaded and passed their checks (the cases "
                                    "then ran) / 规则集与用例文件是否有效", examples=[True])
    id: str | None = Field(None, description="The rule set's id, when it loads / 规则集编号", examples=["my-index"])
    version: str | None = Field(None, description="Its version, when it loads / 版本", examples=["1"])
    content_hash: str | None = Field(None, description="Its content hash, when it loads / 内容哈希",
                                     examples=["3f1c9a0e" + "0" * 56])
    diagnostics: list[dict[str, Any]] = Field(
        description="Problems of the rule set or the case file: code, severity, message, hint, line / 诊断信息",
        examples=[[{"code": "TC002", "severity": "error", "message": "unknown key", "line": 3, "column": 1}]])
    passed: int = Field(0, description="Cases that passed / 通过的用例数", examples=[12])
    failed: int = Field(0, description="Cases with an expectation not met / 未通过的用例数", examples=[0])
    invalid: int = Field(0, description="Cases that could not run / 无效用例数", examples=[0])
    cases: list[CaseOut] = Field([], description="Each case's result, in file order / 逐条结果", examples=[[]])
    coverage: dict[str, Any] | None = Field(
        None, description="Which rules the cases made fire: percent, covered, total, by kind, missing "
                          "(docs/testing-rulesets.md) / 规则覆盖率",
        examples=[{"percent": 100.0, "covered": 20, "total": 20, "by_kind": {}, "missing": {},
                   "cannot_be_exceeded": []}])
