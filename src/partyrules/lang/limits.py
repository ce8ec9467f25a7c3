"""The numeric range of rule sets, defined once.

Every number a rule set holds, whether written in YAML (points, maxima, cut-offs, parameter values), written in an
expression as a literal, given as a parameter override, or computed while folding constants (``3 * params.k``),
is a finite number of magnitude at most ``MAX_MAGNITUDE`` = 2^53. Up to 2^53 every whole number is exact as a
float, so a number means the same on every backend: Python's integers, the vectorised backend's Float64 and
Int64 columns, and the JSON the rule engine reads. Anything else (a 400-digit literal, ``1e309``, ``1e300 *
1e300``) is refused where it is written, with its file, line and column, rather than scored differently, or not at
all, by one backend.

``round``'s digits are a whole-number constant from ``ROUND_DIGITS_MIN`` to ``ROUND_DIGITS_MAX``: 10^15 is below
2^53, and a digits argument of -100000000 made Python compute 10^100000000.

docs/rule-language.md section 11 lists these bounds; a test checks that its table equals them.
"""

from __future__ import annotations

import math

MAX_MAGNITUDE = 2**53  # 9,007,199,254,740,992
ROUND_DIGITS_MIN = -15
ROUND_DIGITS_MAX = 15

RANGE_TEXT = "-9,007,199,254,740,992 to 9,007,199,254,740,992 (±2^53)"
RANGE_TEXT_ZH = "-9007199254740992 至 9007199254740992（±2^53）"
NUMBER_HINT = "numbers in rule sets are finite and at most 2^53 in magnitude (docs/rule-language.md, section 11)"


def number_problem(value: object, written: str | None = None) -> str | None:
    """Why ``value`` (as ``written``, when given) is not a number a rule set may hold, in English and Chinese;
    None when it may, or when it is no number: booleans and texts are not this function's business."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    what = shown(value) if written is None else (written if len(written) <= 40 else written[:37] + "...")
    if isinstance(value, float) and not math.isfinite(value):
        return f"{what} is not a finite number / {what} 不是有限数"
    if abs(value) > MAX_MAGNITUDE:
        return out_of_range(what)
    return None


def out_of_range(what: str) -> str:
    return f"{what} is outside the range {RANGE_TEXT} / {what} 超出数值范围 {RANGE_TEXT_ZH}"


def shown(value: int | float) -> str:
    """A number as it can be printed in a message: a huge integer is never turned into all its digits (Python
    refuses to write more than 4,300 of them, and a message does not need them)."""
    if isinstance(value, int) and value.bit_length() > 128:
        digits = math.floor(value.bit_length() * math.log10(2)) + 1
        return f"{'-' if value < 0 else ''}an integer of about {digits} digits"
    return repr(value)


def round_digits_problem(value: object) -> str | None:
    """Why ``value`` cannot be the digits of ``round(x, digits)``; None when it can."""
    if isinstance(value, bool) or not isinstance(value, int):
        return (f"round()'s digits must be a whole number from {ROUND_DIGITS_MIN} to {ROUND_DIGITS_MAX}, "
                f"not {value!r} / round() 的位数必须是 {ROUND_DIGITS_MIN} 至 {ROUND_DIGITS_MAX} 的整数")
    if not ROUND_DIGITS_MIN <= value <= ROUND_DIGITS_MAX:
        return (f"round()'s digits must be from {ROUND_DIGITS_MIN} to {ROUND_DIGITS_MAX}, not {shown(value)} / "
                f"round() 的位数必须在 {ROUND_DIGITS_MIN} 至 {ROUND_DIGITS_MAX} 之间")
    return None
