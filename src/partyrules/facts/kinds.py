"""The registry of incident kinds (事件类型): a closed list that deployments may extend.

An :class:`~partyrules.facts.records.Incident` is only valid if its ``kind`` is registered for its subject
kind, so that a rule set and the facts cannot silently disagree on a spelling. The built-in kinds are
exactly the ``incident_kinds`` of the rule-set outline; communities start with the branch list. A
deployment adds its own kinds with :func:`register_incident_kind` before it validates facts that use them.

Each subject kind has its own list: registering a kind for ``branch`` does not add it for ``community``.
"""

from __future__ import annotations

import difflib
import re
import threading
from types import MappingProxyType
from typing import NamedTuple

from .enums import SubjectKind

__all__ = [
    "IncidentKindInfo",
    "describe_incident_kind",
    "incident_kinds",
    "is_incident_kind",
    "register_incident_kind",
    "suggest_incident_kind",
]


class IncidentKindInfo(NamedTuple):
    """An incident kind with its Chinese and English labels (事件类型及名称)."""

    kind: str
    zh: str
    en: str


_BRANCH_KINDS: tuple[tuple[str, str, str], ...] = (
    ("political_deviation", "看齐意识差,政治方向出现偏差", "Weak alignment; political direction deviates"),
    ("central_task_inaction", "推动中心工作中不作为、慢作为", "Inaction or foot-dragging on a central task"),
    ("central_task_overdue", "中心工作任务逾期未完成", "Central task overdue"),
    ("checklist_commitment_broken", "对照检查清单承诺事项未兑现", "Checklist commitment broken"),
    ("mass_incident_minor", "辖区发生群体性事件(未达否决)", "Minor mass incident"),
    ("mass_incident_major", "因工作不力引发重大群体性事件", "Major mass incident"),
    ("supervision_criticism", "被上级督查通报批评", "Criticised in a superior's inspection notice"),
    ("safety_accident_minor", "发生一般安全责任事故", "Minor safety accident"),
    ("safety_accident_major", "发生重大安全责任事故", "Major safety accident"),
    ("record_falsification", "“三会一课”记录补记、虚记", "Meeting records falsified or back-filled"),
    ("assessment_fraud", "考评中弄虚作假、虚报瞒报", "Fraud in the assessment itself"),
    ("funds_misuse", "党建经费使用不规范", "Party-building funds used irregularly"),
    ("funds_embezzlement", "挪用、侵占党费或党建工作经费", "Dues or Party-building funds embezzled"),
    (
        "committee_member_disciplined_light",
        "支部委员受到警告、严重警告处分",
        "Committee member lightly disciplined",
    ),
    (
        "committee_member_disciplined_heavy",
        "支部委员受到留党察看以上处分",
        "Committee member heavily disciplined",
    ),
    ("committee_member_criminal", "支部委员被依法追究刑事责任", "Committee member criminally convicted"),
    (
        "member_speech_unaddressed",
        "党员发表错误言论,支部未及时教育制止",
        "Member's improper speech left unaddressed",
    ),
    ("lost_contact_member_unhandled", "失联党员未查找联系", "Lost-contact member not traced"),
    ("disclosure_missing", "党务未按规定公开", "Party affairs not disclosed"),
    ("complaint_substantiated", "群众投诉经查属实", "Substantiated public complaint"),
    ("service_delay", "服务群众推诿拖延", "Service delay or buck-passing"),
    ("commitment_to_public_broken", "对群众的服务承诺未兑现", "Service commitment to the public broken"),
    ("ledger_incomplete", "党建台账资料不健全", "Party-building ledger incomplete"),
    ("joint_meeting_missed", "党建联席会议未按期召开", "Joint meeting missed"),
)

_MEMBER_KINDS: tuple[tuple[str, str, str], ...] = (
    ("crisis_retreat", "遇事临阵退缩,关键时刻不敢站出来", "Retreats in a crisis at the key moment"),
    ("anti_party_speech", "公开发表反对党的理论和路线方针政策的言论", "Openly opposes the Party line"),
    ("illegal_org_participation", "参加邪教、非法组织", "Joins a cult or an illegal organisation"),
    ("discipline_heavy", "受到留党察看以上党纪处分", "Probation within the Party or a heavier sanction"),
    ("criminal_conviction", "被依法追究刑事责任", "Criminally convicted"),
    ("abuse_of_power_for_gain", "假公济私、以权谋私", "Abuses public office for private gain"),
    ("discipline_light", "受到警告、严重警告处分", "Light disciplinary sanction"),
    ("admonishment", "受到诫勉谈话、通报批评", "Admonished or publicly criticised"),
    ("improper_speech", "发表不当言论、传播小道消息", "Improper speech"),
    ("refused_commitment", "不亮身份、拒不作出公开承诺", "Refuses to show identity or make a pledge"),
    ("task_refused", "不服从组织安排、推诿扯皮", "Refuses or shirks assigned tasks"),
    ("work_error", "工作失误造成不良影响", "Work error with negative effect"),
    ("employer_sanction", "受到所在单位纪律或行政处分", "Employer's disciplinary or administrative sanction"),
    ("post_neglect", "认领岗位或所任职责不履行", "Neglects a claimed post or accepted role"),
    ("complaint_substantiated", "群众投诉经查属实", "Substantiated complaint"),
    ("public_morality_breach", "违反社会公德", "Breach of public morality"),
    ("extravagant_ceremony", "大操大办", "Extravagant ceremony"),
    ("gambling", "参与赌博", "Gambling"),
    ("superstition", "参加封建迷信活动", "Superstitious practices"),
    ("illegal_building", "本人乱搭违建", "Own illegal building"),
    ("public_space_encroachment", "毁绿占绿、侵占公共空间", "Encroaches on common space"),
    ("compensation_fraud", "以不正当手段谋取拆迁补偿", "Fraud to obtain resettlement compensation"),
    (
        "violent_obstruction_verified",
        "以暴力或扰乱秩序方式阻挠施工(经查实)",
        "Verified violent obstruction of works",
    ),
    (
        "disinformation_incitement",
        "散布不实信息、煽动他人抵制政策",
        "Spreads false information or incites others",
    ),
    ("resettlement_contract_breach", "违反安置协议", "Breaches the resettlement contract"),
    ("property_fee_arrears", "拖欠物业费", "Property-fee arrears"),
    ("courtyard_rule_breach", "违反院落公约", "Breaks the courtyard covenant"),
    ("littering", "乱扔垃圾、破坏环境", "Littering"),
    (
        "domestic_violence_or_neglect",
        "家庭暴力、不赡养老人或不抚养子女",
        "Domestic violence or neglect of dependants",
    ),
    ("subsidy_fraud", "弄虚作假骗取补贴、低保", "Subsidy or welfare fraud"),
    ("unlicensed_business", "无证经营、占道经营", "Unlicensed or street-blocking business"),
    ("wage_fraud", "拖欠务工人员工资或经营欺诈", "Wage arrears to workers or business fraud"),
    ("illegal_fundraising", "参与非法集资", "Illegal fund-raising"),
    ("neighbour_dispute_instigation", "在邻里纠纷中挑起事端", "Instigates neighbour disputes"),
    (
        "disorderly_expression_verified",
        "以扰乱公共秩序方式表达诉求(经依法认定)",
        "Disorderly expression of grievances",
    ),
    ("unauthorised_profit_activity", "借党员身份从事违规营利活动", "Uses Party status for improper profit"),
    ("lost_contact", "与党组织失去联系", "Lost contact with the Party organisation"),
)

_KIND = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

# Writers hold the lock and publish a new immutable mapping; readers take the current mapping without locking,
# which is safe because rebinding a dict entry is atomic and published mappings are never mutated.
_lock = threading.Lock()
_registry: dict[SubjectKind, MappingProxyType[str, IncidentKindInfo]] = {}
_names: dict[SubjectKind, frozenset[str]] = {}


def _publish(subject_kind: SubjectKind, table: dict[str, IncidentKindInfo]) -> None:
    _registry[subject_kind] = MappingProxyType(table)
    _names[subject_kind] = frozenset(table)


def _builtin(rows: tuple[tuple[str, str, str], ...]) -> dict[str, IncidentKindInfo]:
    return {kind: IncidentKindInfo(kind, zh, en) for kind, zh, en in rows}


_publish(SubjectKind.MEMBER, _builtin(_MEMBER_KINDS))
_publish(SubjectKind.BRANCH, _builtin(_BRANCH_KINDS))
_publish(SubjectKind.COMMUNITY, _builtin(_BRANCH_KINDS))


def _subject(subject_kind: SubjectKind | str) -> SubjectKind:
    try:
        return SubjectKind(subject_kind)
    except ValueError:
        allowed = ", ".join(repr(k.value) for k in SubjectKind)
        raise ValueError(f"unknown subject kind {subject_kind!r}; expected one of {allowed}") from None


def incident_kinds(subject_kind: SubjectKind | str) -> frozenset[str]:
    """Return the incident kinds currently registered for a subject kind."""
    return _names[_subject(subject_kind)]


def is_incident_kind(subject_kind: SubjectKind | str, kind: str) -> bool:
    """Say whether ``kind`` is a registered incident kind for the subject kind."""
    return kind in _names[_subject(subject_kind)]


def describe_incident_kind(subject_kind: SubjectKind | str, kind: str) -> IncidentKindInfo:
    """Return the labels of a registered incident kind; raise ``KeyError`` (with a suggestion) if unknown."""
    table = _registry[_subject(subject_kind)]
    try:
        return table[kind]
    except KeyError:
        hint = suggest_incident_kind(subject_kind, kind)
        extra = f"; did you mean {hint!r}?" if hint else ""
        raise KeyError(
            f"unknown incident kind {kind!r} for {SubjectKind(subject_kind).value}{extra}"
        ) from None


def suggest_incident_kind(subject_kind: SubjectKind | str, kind: str) -> str | None:
    """Return the registered kind closest in spelling to ``kind``, or ``None`` if nothing is close."""
    names = sorted(_names[_subject(subject_kind)])
    matches = difflib.get_close_matches(kind, names, n=1, cutoff=0.6)
    return matches[0] if matches else None


def register_incident_kind(subject_kind: SubjectKind | str, kind: str, zh: str, en: str) -> None:
    """Add an incident kind for a subject kind, with its Chinese and English labels.

    ``kind`` must be lowercase snake_case. Registering a kind that is already registered for that subject kind
    (built-in or not) does nothing, and keeps the labels it was first registered with.
    """
    subject = _subject(subject_kind)
    if not isinstance(kind, str) or not _KIND.fullmatch(kind):
        raise ValueError(f"incident kind must be lowercase snake_case (e.g. 'noise_nuisance'), got {kind!r}")
    for name, label in (("zh", zh), ("en", en)):
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"incident kind {kind!r} needs a non-empty {name} label, got {label!r}")
    with _lock:
        current = _registry[subject]
        if kind in current:
            return
        table = dict(current)
        table[kind] = IncidentKindInfo(kind, zh, en)
        _publish(subject, table)
