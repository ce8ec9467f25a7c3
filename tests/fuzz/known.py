"""The findings of issue 13 that are known on main and being fixed: how to recognise each among violations.

The campaign tests fail only on violations that match none of these (a NEW finding); matches are counted in the
summary as ``fuzz_known``, so a long run shows that the campaign still finds each class. Each finding also has a
targeted test in test_fuzz_known.py, marked ``xfail(strict=True)`` while it is open: when a fix lands, that test
passes unexpectedly and fails the run, and its entry here and its xfail mark are to be removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oracles import Violation


@dataclass(frozen=True)
class Known:
    number: int
    title: str
    kinds: frozenset[str]  # violation kinds it shows as
    text: str  # a regular expression searched in the violation's stage and detail
    input: str = ""  # a regular expression searched in the mutation's description ("" matches any)

    def matches(self, violation: Violation, description: str) -> bool:
        return (violation.kind in self.kinds
                and re.search(self.text, f"{violation.stage} {violation.detail}", re.S) is not None
                and re.search(self.input, description, re.S) is not None)


_NONFINITE = r"nan|inf|1e309|1e308|9{400}"
KNOWN: tuple[Known, ...] = (
    Known(1, "the engine silently drops facts after a 16 MiB string or an inf/nan amount",
          frozenset({"disagreement", "changed"}), r"engine", r"16777219 characters|\bnan\b|\binf\b|-inf"),
    Known(2, "vector gives full points on mean() of all-missing values", frozenset({"disagreement"}),
          r"vector|engine|reference", r"mean\("),
    Known(3, "65,545-character strings equal their 16-bit-truncated prefix in the engine",
          frozenset({"disagreement", "changed"}), r"engine", r"65545 characters"),
    Known(4, "the loader tracebacks on 4,300+ digit ints, huge hex, NUL or looping include names, lone surrogates",
          frozenset({"traceback"}),
          r"(validate|load|loads)\b.*(integer string conversion|null byte|surrogates not allowed|RecursionError"
          r"|UnicodeEncodeError|UnicodeDecodeError)"),
    Known(5, "validate tracebacks on inf/nan constants; round(x, 1.5), round(x, -100000000) (hang), 1e309",
          frozenset({"traceback", "hang", "disagreement"}), r".",
          rf"{_NONFINITE}|round\(|e\+?\d{{3}}|\*\* 100000|0x"),
    Known(6, "a FIFO named *.yaml hangs validate", frozenset({"hang"}), r".", r"FIFO"),
    Known(7, "deep nesting or non-UTF-8 in a .json facts file crash `score --facts`",
          frozenset({"traceback", "crash"}), r"RecursionError|UnicodeDecodeError|maximum recursion|SIGSEGV",
          r"nested|bytes|\\x"),
    Known(8, "counts >= 2**63 crash the vector backend", frozenset({"traceback", "crash", "disagreement"}), r".",
          r"9223372036854775808|18446744073709551616|2\*\*63|2\*\*64|e\+?1[89]|e\+?[2-9]\d|e\+?3\d\d"),
    Known(9, "ragged CSV rows and corrupt Parquet leak polars exceptions", frozenset({"traceback"}),
          r"read\b.*(Error|Exception)", r"line \d+ .*(field|bytes)|truncated|flipped|\.csv|\.parquet"),
    Known(10, "a subjects row without subject_id is scored as 'null'", frozenset({"changed", "disagreement"}),
          r"not in the input|null|None", r"subject_id"),
    Known(11, "duplicate subject ids merge on the vector backend", frozenset({"changed", "disagreement"}), r".",
          r"repeated|two subjects, one id"),
    Known(12, "--param with a JSON value tracebacks", frozenset({"traceback"}), r"--param", r""),
    Known(13, "a symlinked *.yaml is followed out of the validated directory", frozenset({"cli"}), r"symlink",
          r"symlink"),
)


def known_finding(violation: Violation, description: str) -> Known | None:
    return next((k for k in KNOWN if k.matches(violation, description)), None)
