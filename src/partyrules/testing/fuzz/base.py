"""What the mutators share: the mutants they draw, the odd values and expressions they put in, and a value put
at a path of a parsed file."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

BIG_STRING_CHARS = 16 * 2**20 + 3  # just above 16 MiB: where the engine was seen to lose facts
WIDE_STRING_CHARS = 65_545  # 2**16 + 9: a length kept in 16 bits reads as 9
EXPRESSION_KEYS = frozenset({"flag", "when", "per", "applies_to", "numerator", "denominator", "value", "target",
                             "count", "at_least"})
# Text keys of a rule set: what people write in prose, where odd unicode is most likely to arrive.
TEXT_KEYS = frozenset({"zh", "en", "source", "note", "id", "version", "dimension"})


@dataclass(frozen=True)
class Mutant:
    """One mutated rule-set file: its bytes, the text when it is one, and what was changed."""

    family: str
    description: str
    data: bytes
    text: str | None = None  # the text as a Python string (it may hold lone surrogates that no file can)
    extra_files: Mapping[str, bytes] = field(default_factory=dict)  # files written beside it (includes)

    def __repr__(self) -> str:  # the bytes can be megabytes: show what was changed instead
        return f"Mutant({self.family!r}, {self.description!r}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class TablesMutant:
    """A mutated population: the files to write (name -> bytes), the format, and what was changed.

    ``subject_id`` is the subject whose rows were changed when only one was; every other subject must score as
    before. ``None`` when the change may touch every subject (a column removed, a file truncated).
    """

    family: str
    description: str
    fmt: str
    files: Mapping[str, bytes]
    subject_id: str | None

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}: {len(d)} bytes" for n, d in self.files.items())
        return f"TablesMutant({self.family!r}, {self.description!r}, {{{sizes}}})"


# -- values --------------------------------------------------------------------------------------------------------
def odd_numbers() -> st.SearchStrategy[Any]:
    """Numbers a rule set or a table should refuse or survive: huge, negative, not finite, too long to print."""
    return st.one_of(
        st.sampled_from([2**63, 2**63 - 1, -(2**63) - 1, 2**64, -1, 0, -0.0, 10**400, 1e308, -1e308, 5e-324,
                         math.nan, math.inf, -math.inf, 0.1, 1.5, 10**4400, True, False]),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
    )


_ODD_CHARS = ["\ud800", "\udfff", "\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "\u0301", "\U0001f600", "\x1b",
              "\r", "\u2028", "\uffff", "'", '"', "\\", "{", "#", ": ", "- ", "*a", "&a", "!!"]


def odd_strings(*, big: bool = False) -> st.SearchStrategy[str]:
    """Short texts made of odd characters, long texts, and (``big=True``) the 65,545- and 16 MiB-character ones."""
    options: list[st.SearchStrategy[str]] = [
        st.lists(st.sampled_from(_ODD_CHARS), min_size=1, max_size=6).map("".join),
        st.text(max_size=30),
        st.sampled_from(["", " ", "x" * 20_001, "党" * 5000]),
    ]
    if big:
        options.append(st.sampled_from(["y" * WIDE_STRING_CHARS, "z" * BIG_STRING_CHARS]))
    return st.one_of(*options)


_NUMBER_FIELDS = ("sum(records.volunteer_hours)", "sum(records.households_contacted)", "len(cards)",
                  "count(records where dues_paid_on_time)", "annual.evaluation_score", "period.months",
                  "mean(records.volunteer_hours)", "count(incidents)", "max(records.households_contacted)")
_BOOL_FIELDS = ("placard_displayed", "health_limited", "is_organ_staff", 'category == "in_service"',
                "exists(incidents where verified)", "annual.employer_appraisal == none")
_ILL_TYPED = ("placard_displayed + 1", "len(placard_displayed)", 'sum(records.month) > "a"', "count(records) and 1",
              "records.volunteer_hours > 3", "unknown_field > 1", "mean(cards)", "round(x, 1.5)", "1 / 0",
              "round(len(cards), 1.5) > 0", "round(len(cards), -100000000) > 0", "len(cards) > 1e309",
              "len(cards) > 0x" + "f" * 5000, "len(cards) > " + "9" * 4400, "1e309", "-1e309 < len(cards)",
              "not", "((((", "a ? b : c", "__import__('os')", "len(cards) == 'x' * 10**9",
              "(" * 3000 + "1" + ")" * 3000, "not " * 5000 + "true", "-" * 5000 + "1", "len(cards)" + " + 1" * 20000,
              "period.months ** 100000", "clamp(len(cards), 1, 0) > 0", "longest_run(records where 1)",
              "len(cards) > \x00", "len(cards) >\u202e 1", "\ud800", "'\ud800' in cards")


def expressions() -> st.SearchStrategy[str]:
    """Random expressions: well-typed ones built over fields the member schema has, and ill-typed or hostile ones
    (huge literals, deep nesting, unknown names, bad arguments)."""
    num = st.recursive(
        st.one_of(st.sampled_from(_NUMBER_FIELDS), st.integers(-5, 10**6).map(str),
                  st.sampled_from(["0", "0.5", "1e308", "1e-308", "9" * 400, "-1"])),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "//"]), inner).map(" ".join),
            st.tuples(st.sampled_from(["abs", "round", "min", "max"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.integers(-400, 400)).map(lambda t: f"round({t[0]}, {t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"clamp({t[0]}, {t[1]}, {t[2]})"),
        ),
        max_leaves=6,
    )
    cond = st.one_of(
        st.sampled_from(_BOOL_FIELDS),
        st.tuples(num, st.sampled_from([">", ">=", "<", "<=", "==", "!="]), num).map(" ".join),
    )
    cond = st.one_of(cond, st.tuples(cond, st.sampled_from(["and", "or"]), cond).map(" ".join),
                     cond.map(lambda c: f"not ({c})"))
    return st.one_of(num, cond, st.sampled_from(_ILL_TYPED), st.text(max_size=40))


_PLACEHOLDER = "qqfuzzqq"


def _replace(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in tree.items()}
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(tree)]


def _where(path: tuple[Any, ...]) -> str:
    return "/".join(str(p) for p in path) or "<root>"
