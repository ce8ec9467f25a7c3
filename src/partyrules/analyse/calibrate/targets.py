"""Calibration targets: a grade's share (or the warning list's) at most, at least or about a value, overall or in
every group. Written as short text (``优秀<=1/3 per branch``, ``excellent~20%±2%``, ``warning~10%``) on the
command line or in a small YAML file; docs/calibrate.md gives the syntax.

Shares are exact fractions (1/3 is a third, not 0.333), so "at most a third of a branch of 7" allows exactly 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from ...errors import CalibrationError, Location, PartyRulesError
from ...lang.check import suggest
from ...rulesets.model import RuleSet

Op = Literal["at_most", "at_least", "about"]
WARNING = "warning"
GROUPS: dict[str, str] = {"branch": "branch", "支部": "branch", "community": "community", "社区": "community",
                          "category": "category", "类别": "category"}
_WARNING_NAMES = ("warning", "预警", "预警名单")
DEFAULT_TOLERANCE = Fraction(2, 100)  # "about 20%" without a tolerance means 18% to 22%
_OPS: dict[str, Op] = {"<=": "at_most", "≤": "at_most", ">=": "at_least", "≥": "at_least", "~": "about",
                       "≈": "about"}
_NUM = r"[0-9][0-9.]*(?:/[0-9]+)?%?"
_PATTERN = re.compile(
    rf"^\s*(?P<subject>[^<>~≈≤≥=]+?)\s*(?P<op><=|>=|≤|≥|~|≈)\s*(?P<value>{_NUM})\s*"
    rf"(?:(?:±|\+-|\+/-)\s*(?P<tol>{_NUM}))?\s*(?:(?:per|每|按)\s*(?P<per>\S+))?\s*$")


@dataclass(frozen=True)
class Target:
    """One target: the share of ``subject`` (a grade id, or ``"warning"``: graded below the pass grade) is at most,
    at least or about ``value`` (within ``tolerance``), overall or within every group of ``per``."""

    subject: str
    op: Op
    value: Fraction
    tolerance: Fraction = Fraction(0)
    per: str | None = None  # None: over the whole population; else branch, community or category
    text: str = ""  # as written, to name it in messages
    names: tuple[str, str] | None = field(default=None, compare=False)  # the grade's Chinese and English names

    @property
    def bounds(self) -> tuple[Fraction, Fraction]:
        """The shares that meet it, as a closed interval."""
        if self.op == "at_most":
            return Fraction(0), self.value
        if self.op == "at_least":
            return self.value, Fraction(1)
        return max(Fraction(0), self.value - self.tolerance), min(Fraction(1), self.value + self.tolerance)

    def label(self) -> str:
        return self.text or describe(self)


def describe(t: Target, lang: str = "en") -> str:
    """The target in words, e.g. ``excellent at most 33.33% in every branch``."""
    ops = {"at_most": ("至多", "at most"), "at_least": ("至少", "at least"), "about": ("约", "about")}
    zh = lang == "zh"
    if t.subject == WARNING:
        subject = "预警名单" if zh else "warning list"
    else:
        subject = t.names[0 if zh else 1] if t.names else t.subject
    text = f"{subject} {ops[t.op][0 if zh else 1]} {pct(t.value)}"
    if t.op == "about":
        text += f" ±{pct(t.tolerance)}"
    if t.per:
        text += f" (每个{ {'branch': '支部', 'community': '社区', 'category': '类别'}[t.per]})" if zh \
            else f" in every {t.per}"
    return text


def pct(x: Fraction | float) -> str:
    return f"{float(x) * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _number(text: str, target: str, what: str) -> Fraction:
    try:
        value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise CalibrationError(f"target {target!r}: {what} {text!r} is not a number / 目标数值无效",
                               hint="write 1/3, 20% or 0.2") from None
    if not 0 <= value <= 1:
        raise CalibrationError(f"target {target!r}: {what} {text} is not a share between 0 and 1 / "
                               "目标比例须在0到1之间",
                               hint="write a share such as 1/3, 20% or 0.2")
    return value


def parse_target(text: str) -> Target:
    """A target from its text: ``SUBJECT OP VALUE [±TOL] [per GROUP]`` (see docs/calibrate.md).

    >>> parse_target("优秀<=1/3 per branch").value
    Fraction(1, 3)
    """
    m = _PATTERN.match(text)
    if m is None:
        raise CalibrationError(f"target {text!r} cannot be read / 无法解析目标",
                               hint="write e.g. '优秀<=1/3 per branch', 'excellent~20%±2%' or 'warning~10%'")
    op = _OPS[m["op"]]
    tol_text = m["tol"]
    if tol_text is not None and op != "about":
        raise CalibrationError(f"target {text!r}: a tolerance only goes with ~ (about) / 只有 ~ 目标可带容差",
                               hint="drop the ±, or write ~")
    tolerance = _number(tol_text, text, "tolerance") if tol_text else (DEFAULT_TOLERANCE if op == "about"
                                                                        else Fraction(0))
    per = None
    if m["per"] is not None:
        per = GROUPS.get(m["per"].lower())
        if per is None:
            raise CalibrationError(f"target {text!r}: unknown group {m['per']!r} / 未知分组",
                                   hint=suggest(m["per"], list(GROUPS)) or "per branch, community or category")
    subject = m["subject"].strip()
    if subject.lower() in _WARNING_NAMES:
        subject = WARNING
    return Target(subject, op, _number(m["value"], text, "value"), tolerance, per, text.strip())


def resolve(targets: list[Target], ruleset: RuleSet) -> list[Target]:
    """The targets with each grade named by its id (a target may name it by id, Chinese or English name); a name
    the rule set does not have is a :class:`CalibrationError` naming the target and the grades there are."""
    names: dict[str, str] = {}
    titles = {g.id: (g.zh, g.en) for g in ruleset.grades}
    for g in ruleset.grades:
        names.update({g.id.lower(): g.id, g.zh.lower(): g.id, g.en.lower(): g.id})
    out = []
    for t in targets:
        if t.subject == WARNING:
            out.append(t)
            continue
        gid = names.get(t.subject.lower())
        if gid is None:
            shown = ", ".join(f"{g.id} ({g.zh})" for g in ruleset.grades)
            raise CalibrationError(f"target {t.label()!r}: {t.subject!r} is not a grade of {ruleset.id} / "
                                   f"不是该规则集的等次", hint=suggest(t.subject, list(names)) or f"grades: {shown}")
        out.append(Target(gid, t.op, t.value, t.tolerance, t.per, t.text, titles[gid]))
    return out


def targets_from_data(data: Any, file: str = "<targets>") -> tuple[list[Target], str | None]:
    """Targets from a mapping ``{targets: [...], warning_below: GRADE}``; each target is its text or a mapping
    ``{grade|warning: NAME, at_most|at_least|about: VALUE, tolerance: TOL, per: GROUP}``."""
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list) or not data["targets"]:
        raise CalibrationError(f"{file}: expected a mapping with a non-empty list 'targets' / 需要 targets 列表",
                               location=Location(file), hint="targets: ['优秀<=1/3 per branch', '优秀~20%±2%']")
    unknown = set(data) - {"kind", "targets", "warning_below"}
    if unknown:
        raise CalibrationError(f"{file}: unknown key {sorted(unknown)[0]!r} / 未知键", location=Location(file),
                               hint="the keys are targets and warning_below")
    out = [_target_item(item, file, i) for i, item in enumerate(data["targets"])]
    below = data.get("warning_below")
    return out, None if below is None else str(below)


def _target_item(item: Any, file: str, i: int) -> Target:
    where = Location(file, path=f"targets[{i}]")
    if isinstance(item, str):
        try:
            return parse_target(item)
        except CalibrationError as exc:
            raise CalibrationError(exc.message, location=where, hint=exc.hint) from None
    if not isinstance(item, dict):
        raise CalibrationError(f"{file}: targets[{i}] is neither text nor a mapping / 目标格式错误", location=where)
    subject = item.get("grade", WARNING if "warning" in item and "grade" not in item else None)
    ops = [k for k in ("at_most", "at_least", "about") if k in item]
    if subject is None or len(ops) != 1 or set(item) - {"grade", "warning", "at_most", "at_least", "about",
                                                        "tolerance", "per"}:
        raise CalibrationError(f"{file}: targets[{i}] needs a grade (or warning) and one of at_most, at_least, "
                               "about / 目标需要等次和一个比较", location=where,
                               hint="{grade: 优秀, at_most: 1/3, per: branch}")
    text = f"{subject}{ {'at_most': '<=', 'at_least': '>=', 'about': '~'}[ops[0]]}{item[ops[0]]}"
    if "tolerance" in item:
        text += f"±{item['tolerance']}"
    if "per" in item:
        text += f" per {item['per']}"
    try:
        return parse_target(text)
    except CalibrationError as exc:
        raise CalibrationError(exc.message, location=where, hint=exc.hint) from None


def load_targets(path: str | Path) -> tuple[list[Target], str | None]:
    """Targets (and ``warning_below``) from a YAML file, read with the hardened reader of rule sets."""
    from ...rulesets.yamlsafe import load_yaml

    p = Path(path)
    try:
        doc = load_yaml(p.read_bytes(), file=str(p))
    except OSError as exc:
        raise CalibrationError(f"{p}: cannot be read: {exc.strerror} / 无法读取目标文件", location=Location(str(p))
                               ) from None
    except PartyRulesError as exc:
        raise CalibrationError(f"{p}: not a valid targets file: {exc.message} / 目标文件无效",
                               location=exc.location) from None
    return targets_from_data(doc.data, str(p))
