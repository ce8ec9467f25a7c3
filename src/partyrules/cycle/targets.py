"""Six-star targets (六星级社区党组织创建目标, E10): check a set of communities' star levels against a year's targets
and report, per target line, how far short they are and which communities are closest to closing the gap.

The targets are data (``rulesets/six-star-targets.yaml``), read with the hardened YAML reader and validated here
with every problem reported at ``file:line:column``. Each target line says: at least ``share`` of the communities
have ``stars`` stars, counted ``at_least`` (a six-star community has also reached five) or ``exactly`` (gap J5:
the source's "五星级 40%" can be read either way; the file's ``count`` sets the reading, default ``at_least``, and
a line may set its own).

A line needs ``ceil(share * communities)`` communities (computed exactly: 40% of 5 is 2), its shortfall is how
many more communities must move up to meet it, and its candidates are the communities one star below.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from ..errors import Diagnostic, FactError, PartyRulesError, StarTargetsError
from ..rulesets.yamlsafe import Path as YPath
from ..rulesets.yamlsafe import YamlDocument, load_yaml

__all__ = [
    "COUNT_MODES",
    "StarTarget",
    "StarTargets",
    "StarTargetsError",
    "TargetLine",
    "TargetReport",
    "YearTargets",
    "check_star_targets",
    "load_star_targets",
    "loads_star_targets",
    "shipped_star_targets_path",
]

CountMode = Literal["at_least", "exactly"]
COUNT_MODES: tuple[CountMode, ...] = ("at_least", "exactly")
MAX_STARS = 6
KIND = "star-targets"
FILE_NAME = "six-star-targets.yaml"

_STAR_ZH = {0: "零", 1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}
_STAR_EN = {0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _fraction(share: float | int | Fraction) -> Fraction:
    # exact: 0.4 is read as 2/5, so 40% of 5 communities needs 2, not ceil(2.0000000000000004) = 3
    return share if isinstance(share, Fraction) else Fraction(Decimal(repr(share)))


def _pct(share: Fraction) -> str:
    exact = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    text = f"{exact.quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return text + "%"


@dataclass(frozen=True, slots=True)
class StarTarget:
    """One target line: at least ``share`` of the communities have ``stars`` stars (counted by ``count``, or by
    the year's default reading when None)."""

    stars: int
    share: Fraction
    count: CountMode | None = None
    zh: str = ""
    en: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        problems = _target_problems(self.stars, self.share, self.count)
        if problems:
            raise StarTargetsError([Diagnostic(code, msg, None, hint) for code, msg, hint in problems])


def _target_problems(stars: object, share: object, count: object) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    if isinstance(stars, bool) or not isinstance(stars, int) or not 0 <= stars <= MAX_STARS:
        out.append(("ST005", f"stars must be a whole number from 0 to {MAX_STARS}, got {stars!r}",
                    "a community has between 0 and 6 stars"))
    if isinstance(share, bool) or not isinstance(share, (int, float, Fraction)) \
            or (isinstance(share, float) and not math.isfinite(share)) or not 0 < share <= 1:
        out.append(("ST004", f"share must be a number above 0 and at most 1, got {share!r}",
                    "write 0.4 for 40% and 1 for every community"))
    if count is not None and count not in COUNT_MODES:
        out.append(("ST007", f"count must be at_least or exactly, got {count!r}", _near(count, COUNT_MODES)))
    return out


@dataclass(frozen=True, slots=True)
class YearTargets:
    """The target lines of one year, and the reading (``count``) of lines that do not set their own."""

    year: int
    targets: tuple[StarTarget, ...]
    count: CountMode = "at_least"

    def mode(self, target: StarTarget) -> CountMode:
        return target.count or self.count

    def with_count(self, count: CountMode) -> YearTargets:
        """The same targets under another default reading (lines with their own ``count`` keep it)."""
        if count not in COUNT_MODES:
            raise StarTargetsError.single("ST007", f"count must be at_least or exactly, got {count!r}",
                                          hint=_near(count, COUNT_MODES))
        return replace(self, count=count)


@dataclass(frozen=True, slots=True)
class StarTargets:
    """A targets file: its id, title and source, and the targets of each year."""

    id: str
    title_zh: str
    title_en: str
    source: str
    count: CountMode
    years: tuple[YearTargets, ...]
    file: str | None = None

    def for_year(self, year: int) -> YearTargets:
        """The targets of ``year``; an error naming the years that have targets when there are none."""
        for y in self.years:
            if y.year == year:
                return y
        known = ", ".join(str(y.year) for y in self.years)
        raise PartyRulesError(f"{self.id} has no targets for {year}",
                              hint=f"targets exist for {known}; the source gives no others (its 2011 target is "
                              "truncated), add them to the targets file if your office has set them")

    def with_count(self, count: CountMode) -> StarTargets:
        """The same targets under another default reading for every year."""
        years = tuple(y.with_count(count) for y in self.years)
        return replace(self, count=count, years=years)


# -- reading and validating the file -------------------------------------------------------------------------------
_TOP_KEYS = ("id", "kind", "title", "source", "count", "years")
_YEAR_KEYS = ("year", "count", "targets")
_TARGET_KEYS = ("stars", "share", "count", "zh", "en", "source")
_TITLE_KEYS = ("zh", "en")


def _near(value: object, options: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(str(value), options, n=1) if isinstance(value, str) else []
    return f"did you mean {close[0]!r}?" if close else "one of: " + ", ".join(options)


class _Checker:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.diags: list[Diagnostic] = []

    def error(self, code: str, message: str, path: YPath, hint: str | None = None, *, key: bool = False) -> None:
        self.diags.append(Diagnostic(code, message, self.doc.location(path, key=key), hint))

    def mapping(self, value: Any, path: YPath, allowed: tuple[str, ...], required: tuple[str, ...]) -> bool:
        where = ".".join(str(p) for p in path) or "the file"
        if not isinstance(value, dict):
            self.error("ST003", f"{where} must be a mapping, got {type(value).__name__}", path)
            return False
        for k in value:
            if k not in allowed:
                self.error("ST001", f"unknown key {k!r}", (*path, k), _near(k, allowed), key=True)
        for k in required:
            if k not in value:
                self.error("ST002", f"missing key {k!r}", path, f"add {k}:")
        return True

    def text(self, value: Any, path: YPath) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error("ST003", f"expected text, got {value!r}", path)
            return ""
        return value

    def count(self, value: Any, path: YPath) -> CountMode | None:
        if value is None:
            return None
        if value not in COUNT_MODES:
            self.error("ST007", f"count must be at_least or exactly, got {value!r}", path, _near(value, COUNT_MODES))
            return None
        return value


def loads_star_targets(text: str | bytes, *, file: str = "<string>") -> StarTargets:
    """Read targets from YAML text; raises :class:`StarTargetsError` listing every problem."""
    doc = load_yaml(text, file)
    c = _Checker(doc)
    data = doc.data
    if not c.mapping(data, (), _TOP_KEYS, ("id", "kind", "years")):
        raise StarTargetsError(c.diags)
    if data.get("kind") is not None and data.get("kind") != KIND:
        c.error("ST003", f"kind must be {KIND!r}, got {data.get('kind')!r}", ("kind",),
                "this reader only reads star-target files")
    ident = c.text(data.get("id"), ("id",))
    title = data.get("title") or {}
    if c.mapping(title, ("title",), _TITLE_KEYS, ()):
        title_zh, title_en = c.text(title.get("zh"), ("title", "zh")), c.text(title.get("en"), ("title", "en"))
    else:
        title_zh = title_en = ""
    source = c.text(data.get("source"), ("source",))
    default = c.count(data.get("count"), ("count",)) or "at_least"
    years_raw = data.get("years")
    years: list[YearTargets] = []
    if not isinstance(years_raw, list) or not years_raw:
        if "years" in data:
            c.error("ST003", "years must be a non-empty list of {year, targets}", ("years",))
        years_raw = []
    seen_years: set[int] = set()
    for i, y in enumerate(years_raw):
        path: YPath = ("years", i)
        if not c.mapping(y, path, _YEAR_KEYS, ("year", "targets")):
            continue
        year = y.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            c.error("ST003", f"year must be a whole number such as 2009, got {year!r}", (*path, "year"))
            year = None
        elif year in seen_years:
            c.error("ST006", f"the year {year} is given twice", (*path, "year"), "give each year once")
        else:
            seen_years.add(year)
        year_count = c.count(y.get("count"), (*path, "count")) or default
        lines = _read_targets(c, y.get("targets"), (*path, "targets"))
        if year is not None and lines is not None:
            _check_year(c, year, lines, year_count, path)
            years.append(YearTargets(year, tuple(lines), year_count))
    if c.diags:
        raise StarTargetsError(c.diags)
    years.sort(key=lambda y: y.year)
    return StarTargets(ident, title_zh, title_en, source, default, tuple(years), file)


def _read_targets(c: _Checker, raw: Any, path: YPath) -> list[StarTarget] | None:
    if not isinstance(raw, list) or not raw:
        if raw is not None:
            c.error("ST003", "targets must be a non-empty list of {stars, share}", path)
        return None
    out: list[StarTarget] = []
    ok = True
    for j, t in enumerate(raw):
        tp: YPath = (*path, j)
        if not c.mapping(t, tp, _TARGET_KEYS, ("stars", "share")):
            ok = False
            continue
        problems = _target_problems(t.get("stars"), t.get("share"), t.get("count"))
        for code, msg, hint in problems:
            field = {"ST005": "stars", "ST004": "share", "ST007": "count"}[code]
            c.error(code, msg, (*tp, field), hint)
        texts = [c.text(t.get(k), (*tp, k)) for k in ("zh", "en", "source")]
        if problems or "stars" not in t or "share" not in t:
            ok = False
            continue
        out.append(StarTarget(t["stars"], _fraction(t["share"]), t.get("count"), *texts))
    return out if ok else None


def _check_year(c: _Checker, year: int, lines: list[StarTarget], default: CountMode, path: YPath) -> None:
    """Refuse target lines that repeat each other or that no set of communities could meet together."""
    seen: set[tuple[int, str]] = set()
    for j, t in enumerate(lines):
        key = (t.stars, t.count or default)
        if key in seen:
            c.error("ST009", f"{year}: two targets for {key[1]} {t.stars} stars", (*path, "targets", j),
                    "merge them into one line")
        seen.add(key)
    exact = [t for t in lines if (t.count or default) == "exactly"]
    if sum((t.share for t in exact), Fraction(0)) > 1:
        c.error("ST008", f"{year}: the 'exactly' targets add up to more than 100% of the communities",
                (*path, "targets"), "a community has one level, so these shares cannot all be met")
    at_least = sorted((t for t in lines if (t.count or default) == "at_least"), key=lambda t: t.stars)
    for lower, higher in pairwise(at_least):
        if higher.share > lower.share:
            c.error("ST008", f"{year}: {_pct(higher.share)} at {higher.stars}+ stars is more than "
                    f"{_pct(lower.share)} at {lower.stars}+ stars, which it is part of", (*path, "targets"),
                    "a community with more stars also counts for fewer, so these cannot all be met")


def shipped_star_targets_path() -> Path:
    """The shipped targets file (beside the shipped rule sets)."""
    from ..shipped_rulesets import shipped_ruleset_dir

    return shipped_ruleset_dir() / FILE_NAME


def load_star_targets(path: str | Path | None = None) -> StarTargets:
    """Read a targets file (by default the shipped ``six-star-targets.yaml``)."""
    target = Path(path) if path is not None else shipped_star_targets_path()
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise PartyRulesError(f"cannot read {target}: {exc.strerror or exc}", hint="check the path") from None
    return loads_star_targets(data, file=str(target))


# -- checking communities --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TargetLine:
    """One target line checked: how many communities it needs, how many have it, and who is closest."""

    stars: int
    share: Fraction
    count: CountMode
    required: int
    actual: int
    met: bool
    shortfall: int  # how many more communities must reach the level; 0 exactly when met
    candidates: tuple[str, ...]  # communities one star below the level, sorted by id
    counted: tuple[str, ...]  # communities that count towards the line, sorted by id
    zh: str
    en: str
    explanation_zh: str
    explanation_en: str

    def explanation(self, lang: str = "zh") -> str:
        return self.explanation_zh if lang == "zh" else self.explanation_en


@dataclass(frozen=True, slots=True)
class TargetReport:
    """The check of one year's targets: one line per target, in the file's order."""

    year: int
    communities: int
    lines: tuple[TargetLine, ...]

    @property
    def met(self) -> bool:
        return all(line.met for line in self.lines)

    @property
    def shortfall(self) -> int:
        """The largest shortfall of any line (the communities that must move up cover the other lines' too only
        when they are the same ones: read each line for the detail)."""
        return max((line.shortfall for line in self.lines), default=0)

    def explanation(self, lang: str = "zh") -> str:
        return "\n".join(line.explanation(lang) for line in self.lines)


def _check_levels(levels: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(levels, Mapping):
        raise FactError(f"star levels must be a mapping of community id to stars, got {type(levels).__name__}")
    bad: list[tuple[str, str, object]] = [(str(k), "the community id must be a non-empty string", k) for k in levels
                                          if not isinstance(k, str) or not k]
    bad += [(str(k), f"the level must be a whole number of stars from 0 to {MAX_STARS}", v)
            for k, v in levels.items()
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_STARS]
    if bad:
        raise FactError("invalid star levels", bad, hint="give each community's number of stars, 0 to 6")
    return dict(levels)


def check_star_targets(levels: Mapping[str, int], year_targets: YearTargets, *,
                       count: CountMode | None = None) -> TargetReport:
    """Check communities' star levels (community id -> stars, 0..6) against one year's targets.

    ``count`` overrides the year's default reading for lines that do not set their own. Each line reports the
    required count ``ceil(share * communities)``, the actual count, whether it is met, the shortfall, the
    communities one star below (the closest candidates) and a zh/en explanation.
    """
    if not isinstance(year_targets, YearTargets):
        raise PartyRulesError(f"year_targets must be a YearTargets, got {type(year_targets).__name__}",
                              hint="use load_star_targets().for_year(2009)")
    if count is not None:
        year_targets = year_targets.with_count(count)
    lv = _check_levels(levels)
    n = len(lv)
    out: list[TargetLine] = []
    for t in year_targets.targets:
        mode = year_targets.mode(t)
        required = math.ceil(t.share * n)
        counted = tuple(sorted(cid for cid, s in lv.items() if (s >= t.stars if mode == "at_least" else s == t.stars)))
        actual = len(counted)
        shortfall = max(0, required - actual)
        candidates = tuple(sorted(cid for cid, s in lv.items() if s == t.stars - 1))
        zh, en = _explain(year_targets.year, t, mode, n, required, actual, shortfall, candidates)
        out.append(TargetLine(t.stars, t.share, mode, required, actual, shortfall == 0, shortfall, candidates,
                              counted, t.zh, t.en, zh, en))
    return TargetReport(year_targets.year, n, tuple(out))


def _explain(year: int, t: StarTarget, mode: CountMode, n: int, required: int, actual: int, shortfall: int,
             candidates: tuple[str, ...]) -> tuple[str, str]:
    pct = _pct(t.share)
    level_zh = f"{_STAR_ZH[t.stars]}星级" + ("及以上" if mode == "at_least" else "(恰好)")
    level_en = f"{_STAR_EN[t.stars]} stars" + (" or more" if mode == "at_least" else " exactly")
    zh = f"{year}年目标:{level_zh}达到 {pct};共 {n} 个社区,需 ceil({pct}×{n}) = {required} 个,实有 {actual} 个"
    en = f"{year} target: {pct} at {level_en}; {n} communities, ceil({pct} x {n}) = {required} needed, {actual} have it"
    if shortfall == 0:
        return zh + ",已达标", en + ": met"
    zh += f",未达标,还差 {shortfall} 个"
    en += f": short by {shortfall}"
    if candidates:
        names = "、".join(candidates[:10]) + (f" 等{len(candidates)}个" if len(candidates) > 10 else "")
        names_en = ", ".join(candidates[:10]) + (f" and {len(candidates) - 10} more" if len(candidates) > 10 else "")
        zh += f";最接近的候选(差一星,{_STAR_ZH[t.stars - 1]}星级):{names}"
        en += f"; closest candidates (one star below, at {_STAR_EN[t.stars - 1]}): {names_en}"
    if len(candidates) < shortfall:
        zh += f";其余 {shortfall - len(candidates)} 个需提升两星或以上"
        en += f"; the other {shortfall - len(candidates)} must rise by two stars or more"
    return zh, en
