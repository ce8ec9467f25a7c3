"""The header of each column of a population's tables in a workbook: its Chinese label, its English column name,
what it means and its unit, and the closed values it may hold.

A branch secretary reads Chinese headers; a program reads the English column names. A workbook may use either (or
mix them): :func:`header_map` maps both back to the column. Labels come from the phrasebook (the words breakdowns
use) where it has them, and from :data:`LABELS_ZH` for the columns it does not label (ids, dates of record)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

from ...explain.phrasebook import field_label, has_label, value_label
from ...facts.kinds import incident_kinds
from ..frames import Column, layout

__all__ = ["BOOL_TEXT", "LIST_SEPARATOR", "LIST_SEPARATORS", "ColumnHeader", "header_map", "headers", "suggest"]

LIST_SEPARATOR = "、"
"""A list cell is its items joined by the Chinese enumeration comma, as people write lists."""
LIST_SEPARATORS = ("、", ",", "，", ";", "；", "\n")  # also read: what people type instead
BOOL_TEXT = {"zh": ("是", "否"), "en": ("true", "false")}

# Columns the phrasebook does not label (it labels what rules read): Chinese names for the workbook's headers.
LABELS_ZH: dict[str, str] = {
    "subject_id": "对象编号", "member_id": "党员编号", "branch_id": "党支部编号", "community_id": "社区编号",
    "party_group_id": "党小组编号", "category": "党员类别", "status": "党员状态", "joined_on": "入党日期",
    "birth_year": "出生年份", "paired_helper_id": "结对帮扶人编号", "employer_unit": "工作单位",
    "grid_id": "网格编号", "name": "名称", "parent_org_id": "上级组织编号", "grid_worker_count": "网格员人数",
    "month": "月份", "checklist_items_done": "已完成清单事项", "checklist_total": "清单事项总数",
    "checklist_done": "已完成清单事项数", "reported_at_meeting": "在会上汇报", "spot_checked": "被抽查",
    "post_id": "岗位编号", "claimed_on": "认领日期", "item_id": "事项编号", "text": "事项内容",
    "done_on": "完成日期", "incident_id": "事件编号", "subject_kind": "对象类型", "occurred_on": "发生日期",
    "verified": "已核实", "verified_by": "核实人", "evidence_ref": "证据编号", "objection_id": "异议编号",
    "commendation_id": "表彰编号", "level": "表彰级别", "awarded_on": "表彰日期", "year": "年度",
    "evaluator_org_id": "评议组织编号", "evaluation_score": "评议得分", "vote_counts": "投票结果",
    "secretary_review": "书记评价", "daily_observation_score": "日常观察得分", "team_id": "队伍编号",
    "claimed_posts.category": "岗位类别", "incidents.kind": "事件类型", "commendations.kind": "表彰类型",
}

_UNIT = {
    "date": ("日期，格式 YYYY-MM-DD", "a date, YYYY-MM-DD"),
    "bool": ("是/否", "yes/no (true/false)"),
    "int": ("整数", "a whole number"),
    "num": ("数值", "a number"),
    "str": ("文字", "text"),
    "list": ("多项，用“、”分隔", "several items, separated by '、' or ','"),
    "json": ("JSON 对象，如 {\"good\": 3}", "a JSON object, e.g. {\"good\": 3}"),
    "month": ("月份，格式 YYYY-MM", "a month, YYYY-MM"),
}


@dataclass(frozen=True)
class ColumnHeader:
    """One column of a table as a workbook shows it."""

    name: str  # the English column name of the table (as in CSV and Parquet)
    zh: str  # its Chinese header, unique in its table
    en: str  # a readable English label
    unit: str  # key of _UNIT
    choices: tuple[str, ...] | None  # the closed values (enumerations); None when the value is open
    meaning: str  # the fact model's description of the field, or ""
    zh_choices: tuple[str, ...] | None = None  # Chinese labels of the choices, one each, when all have one
    nullable: bool = True  # whether the field may be left empty (an empty list cell of a required list is [])

    def note(self) -> str:
        """The cell comment of the header: what the column means and its unit, in Chinese and English."""
        zh_unit, en_unit = _UNIT[self.unit]
        lines = [f"{self.zh}（{zh_unit}）", f"{self.name}: {self.en} ({en_unit})"]
        if self.meaning:
            lines.append(self.meaning)
        if self.choices:
            lines.append("可选 / one of: " + ", ".join(self.choices))
        return "\n".join(lines)

    def choice_labels(self, lang: str) -> tuple[str, ...]:
        """The closed values as the drop-down shows them: Chinese labels (unique), or the values themselves."""
        if self.unit == "bool":
            return BOOL_TEXT[lang]
        assert self.choices is not None
        return self.zh_choices if lang == "zh" and self.zh_choices else self.choices


def _zh_choices(choices: tuple[str, ...] | None, kind: str) -> tuple[str, ...] | None:
    if not choices:
        return None
    labels = tuple(value_label(v, "zh", kind) for v in choices)
    untranslated = any(lab == v.replace("_", " ") for lab, v in zip(labels, choices, strict=True))
    return None if untranslated or len(set(labels)) != len(labels) else labels


def _unit(c: Column) -> str:
    if c.kind in ("json", "list", "int"):
        return c.kind
    if c.name == "month":
        return "month"
    return c.type.kind if c.type.kind in ("date", "bool", "num") else "str"


def _meaning(model: type, c: Column) -> str:
    info = None
    for step in c.path:
        fields = getattr(model, "model_fields", {})
        info = fields.get(step)
        if info is None:
            return ""
        nested = getattr(info.annotation, "model_fields", None)
        model = info.annotation if nested is not None else model
    return (info.description or "") if info is not None else ""


@cache
def headers(kind: str, table: str) -> tuple[ColumnHeader, ...]:
    """The headers of a table's columns, ``subject_id`` first, as the population layout orders them."""
    lay = layout(kind)[table]
    out: list[ColumnHeader] = [ColumnHeader("subject_id", LABELS_ZH["subject_id"], "subject id", "str", None,
                                            "the subject this row belongs to / 本行所属对象")]
    seen = {out[0].zh}
    for c in lay.columns:
        if c.name == "subject_id":  # an item's own subject_id is the table's subject_id column (one column)
            continue
        path = tuple(c.path)
        last = c.name.rsplit(".", 1)[-1]
        zh = LABELS_ZH.get(f"{table}.{c.name}") or (
            field_label(path, "zh") if has_label(path) and last not in LABELS_ZH else LABELS_ZH.get(last, c.name))
        if zh in seen:  # two columns under one label could not be told apart when read back
            zh = f"{zh}（{c.name}）"
        seen.add(zh)
        unit = _unit(c)
        choices = c.type.enum if c.type.enum else (("true", "false") if unit == "bool" else None)
        if table == "incidents" and c.name == "kind":  # the kinds registered for the subject kind: closed too
            choices = tuple(sorted(incident_kinds(kind)))
        out.append(ColumnHeader(c.name, zh, field_label(path, "en"), unit, choices, _meaning(lay.model, c),
                                None if unit == "bool" else _zh_choices(choices, kind), c.type.nullable))
    return tuple(out)


@cache
def header_map(kind: str, table: str) -> dict[str, ColumnHeader]:
    """Every header text a workbook may use for a column (Chinese label, English column name) -> the column."""
    out: dict[str, ColumnHeader] = {}
    for h in headers(kind, table):
        out[h.name] = h
        out[h.zh] = h
    return out


def suggest(kind: str, table: str, text: str) -> str | None:
    """The known header closest to an unknown one, for a did-you-mean."""
    close = difflib.get_close_matches(text, list(header_map(kind, table)), n=1, cutoff=0.5)
    return close[0] if close else None
