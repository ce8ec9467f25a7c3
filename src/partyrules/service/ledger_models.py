"""The bodies of the ledger endpoints, with a description and an example for every field (OpenAPI)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation

from ..cycle.ledger import DEFAULT_SCOPE
from ..facts import BranchMonthRecord, MemberMonthRecord, Objection
from .config import MAX_BATCH
from .models import AnyFacts

_SCOPE = Field(DEFAULT_SCOPE, description="Whose results: the ledger keeps each scope's periods apart / 范围",
               examples=[DEFAULT_SCOPE], min_length=1, max_length=200)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublishRequest(_Body):
    """A period's results to publish: each subject's facts, scored by the service as /score scores them."""

    period: str = Field(description="The period published: a quarter or a year / 考核期",
                        examples=["2026-Q2", "2026"], min_length=4, max_length=40)
    items: list[SkipValidation[AnyFacts]] = Field(description="The subjects' facts bundles / 各对象的事实数据",
                                                  examples=[[]], max_length=MAX_BATCH)
    scope: str = _SCOPE
    replace: bool = Field(False, description="Replace a different result already published for a score (late "
                                             "records before the period is final) / 替换已公布的结果",
                          examples=[False])


class PublicationOut(_Body):
    publication_id: int = Field(description="The publication's id in the ledger / 公布编号", examples=[1])
    subject_id: str = Field(description="The subject's id / 对象编号", examples=["M000001"])
    period: str = Field(description="The period / 考核期", examples=["2026-Q2"])
    scope: str = Field(description="Its scope / 范围", examples=[DEFAULT_SCOPE])
    ruleset_id: str = Field(description="The rule set that scored it / 规则集编号", examples=["member-in-service"])
    ruleset_version: str = Field(description="Its version / 版本", examples=["2026.1"])
    total: float = Field(description="The total published / 公布的总分", examples=[92.5])
    grade: str = Field(description="The grade published / 公布的等次", examples=["excellent"])
    vetoed: bool = Field(description="A veto applied / 是否一票否决", examples=[False])
    breakdown_hash: str = Field(description="SHA-256 of the breakdown published / 明细哈希",
                                examples=["5b7a" + "0" * 60])
    status: str = Field(description="published, under_objection, superseded or final / 状态",
                        examples=["published"])
    cause: str = Field(description="Why it was published: published, upheld, reversed... / 公布原因",
                       examples=["published"])
    supersedes: int | None = Field(description="The publication it replaced / 被替换的公布编号", examples=[None])
    objection_id: str | None = Field(description="The objection that caused it / 相关异议", examples=[None])
    published_at: str = Field(description="When (UTC, ISO 8601) / 公布时间",
                              examples=["2026-07-01T08:00:00+00:00"])
    actor: str = Field(description="Who published it: the key's name and id / 公布人",
                       examples=["clerk [a1b2c3d4e5f6]"])
    decision_id: int | None = Field(None, description="The decision logged for its breakdown / 决策日志编号",
                                    examples=[42])


class ObjectionRequest(_Body):
    publication_id: int = Field(description="The current publication objected to / 被提出异议的公布编号",
                                examples=[1], ge=1)
    # validated as partyrules.facts.Objection, so that a bad field is named with its path
    objection: SkipValidation[Objection] = Field(
        description="The objection as filed: pending, not yet investigated / 异议",
        examples=[{"objection_id": "OB-1", "raised_by": "M000011", "raised_on": "2027-01-05", "target": "incident",
                   "target_ref": "I-M000011-01", "reason": "the incident is another person's"}])


class ObjectionOut(_Body):
    objection_id: str = Field(description="The objection's id / 异议编号", examples=["OB-1"])
    publication_id: int = Field(description="The publication it was filed against / 公布编号", examples=[1])
    subject_id: str = Field(description="The subject / 对象编号", examples=["M000001"])
    period: str = Field(description="The period / 考核期", examples=["2026-Q2"])
    status: str = Field(description="pending, investigating, upheld or rejected / 状态", examples=["pending"])
    is_open: bool = Field(description="It still blocks finalisation / 是否未结", examples=[True])
    target: str = Field(description="score or incident / 异议对象", examples=["score"])
    target_ref: str = Field(description="The score's reference or the incident's id / 对象引用",
                            examples=["M000001/2026-Q2/member-in-service"])
    reason: str = Field(description="Why, as the member wrote it / 理由", examples=["the May record is wrong"])
    filed_at: str = Field(description="When it was filed (UTC, ISO 8601) / 提出时间",
                          examples=["2026-07-05T08:00:00+00:00"])
    filed_by: str = Field(description="Who recorded it: the key's name and id / 登记人",
                          examples=["secretary [a1b2c3d4e5f6]"])
    outcome_note: str = Field(description="The review's note, once decided / 复核意见", examples=[""])


class InvestigationRequest(_Body):
    findings: str = Field(description="What the visit and investigation found / 走访调查情况",
                          examples=["visited; the record is right"], min_length=1,
                          max_length=4000)
    recommendation: Literal["uphold", "reject"] | None = Field(
        None, description="The investigator's recommendation, if any (not a decision) / 调查建议",
        examples=["reject"])


class DecisionRequest(_Body):
    note: str = Field(description="The review's reasons / 复核意见", examples=["the record stands"], min_length=1,
                      max_length=4000)
    reference: str | None = Field(None, description="The decision on file, e.g. the minutes / 决定文号",
                                  examples=["minutes 2026-07-10"], max_length=400)
    reviewed_on: date | None = Field(None, description="The date of the review (default: today) / 复核日期",
                                     examples=["2026-07-10"])


class UpholdRequest(DecisionRequest):
    """The correction an upheld objection publishes: exactly one of an incident to withdraw, a monthly record
    to put in place, or the whole corrected facts; re-scored with the rule set the score was published with."""

    retract_incident: str | None = Field(None, description="The incident to withdraw from the published facts "
                                                           "/ 撤回的事件编号", examples=["I-M000001-01"],
                                         max_length=200)
    record: SkipValidation[MemberMonthRecord | BranchMonthRecord | None] = Field(
        None, description="A monthly record replacing the published one of its month (member or branch) "
                          "/ 更正的月度记录")
    facts: SkipValidation[AnyFacts | None] = Field(None, description="The whole corrected facts bundle / "
                                                                      "更正后的全部事实数据")


class FinalisationOut(_Body):
    period: str = Field(description="The period made final / 定稿的考核期", examples=["2026-Q2"])
    scope: str = Field(description="Its scope / 范围", examples=[DEFAULT_SCOPE])
    finalised_at: str = Field(description="When (UTC, ISO 8601) / 定稿时间", examples=["2026-07-20T08:00:00+00:00"])
    actor: str = Field(description="Who: the key's name and id / 定稿人", examples=["office [a1b2c3d4e5f6]"])
    manifest_hash: str = Field(description="SHA-256 of the publications made final / 定稿清单哈希",
                               examples=["9e0d" + "0" * 60])
    publications: list[int] = Field(description="The publications made final / 定稿的公布编号", examples=[[1, 2]])


class PeriodOut(_Body):
    period: str = Field(description="The period / 考核期", examples=["2026-Q2"])
    scope: str = Field(description="Its scope / 范围", examples=[DEFAULT_SCOPE])
    final: bool = Field(description="The period is final / 是否已定稿", examples=[False])
    publications: list[PublicationOut] = Field(description="Every publication of the period, superseded ones "
                                                           "included, in order / 全部公布记录", examples=[[]])
    objections: list[ObjectionOut] = Field(description="Every objection to them, in order of filing / 全部异议",
                                           examples=[[]])


class VerifyOut(_Body):
    ok: bool = Field(description="Every row matches the hash-chained events / 校验是否通过", examples=[True])
    ledger_id: str = Field(description="The ledger's id / 台账编号", examples=["3f1c9a0e" + "0" * 56])
    tree_size: int = Field(description="The number of events / 事件数", examples=[12])
    root_hash: str = Field(description="The Merkle root over the events / 默克尔根", examples=["ab" * 32])
    head_hash: str = Field(description="The hash of the last event / 链头哈希", examples=["cd" * 32])
    counts: dict[str, int] = Field(description="Rows per table / 各表行数", examples=[{"publications": 3}])
    first_bad_row: dict[str, Any] | None = Field(description="The first row that fails, if any / 第一处异常",
                                                 examples=[None])
    problems: list[dict[str, Any]] = Field(description="Every row that fails / 全部异常", examples=[[]])
