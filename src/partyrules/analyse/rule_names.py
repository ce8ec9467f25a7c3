"""Rules, dimensions and grades as a reader names them, for figures and reports: the rule's own text (from the rule
set, in Chinese or English), shortened to fit a label, instead of an id only an author knows.

A part of a total that is not a rule (``IN.D4:max``, what a dimension's maximum took off) is named after its
dimension; a key the rule set does not know is shown as it is, so a label is never empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..rulesets.model import RuleSet

__all__ = ["display_width", "grade_label", "rule_text", "shorten"]

_MAX_SUFFIX = {"zh": "(上限)", "en": " (maximum)"}


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns (a Chinese character takes two), with … when cut."""
    if display_width(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:  # the room left for the ellipsis
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip(" ,，、(（") + "…"


def display_width(text: str) -> int:
    """The columns ``text`` takes on a screen: two for each Chinese (wide) character, one for the others."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def rule_text(ruleset: RuleSet, key: str, lang: str = "en", width: int | None = None) -> str:
    """The text of the rule (or dimension maximum) ``key`` of ``ruleset`` in ``lang`` (``zh`` or ``en``),
    cut to ``width`` display columns when given; ``key`` itself when the rule set has no such rule."""
    zh = lang == "zh"
    rule = ruleset.rule_index.get(key)
    if rule is not None:
        text = rule.spec.zh if zh else rule.spec.en
    elif key.endswith(":max") and key[:-4] in ruleset.dimension_index:
        dim = ruleset.dimension_index[key[:-4]]
        text = (dim.zh if zh else dim.en) + _MAX_SUFFIX["zh" if zh else "en"]
    else:
        return key
    return shorten(text, width) if width else text


def grade_label(ruleset: RuleSet, grade: str, lang: str = "en") -> str:
    """The name of ``grade`` in ``lang`` (``优秀`` / ``Excellent``); ``n/a`` and unknown grades as they are."""
    for g in ruleset.grades:
        if g.id == grade:
            return g.zh if lang == "zh" else g.en
    return "不适用" if (lang == "zh" and grade == "n/a") else grade
