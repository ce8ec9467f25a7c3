"""Findings known and not yet fixed: how to recognise each among violations (none open today).

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


# Every finding of issue 13 is fixed: each has a targeted regression test in test_fuzz_known.py, and a violation of
# any class now fails the campaign. A finding that is found and not yet fixed goes here (with its xfail test) until
# it is.
KNOWN: tuple[Known, ...] = ()


def known_finding(violation: Violation, description: str) -> Known | None:
    return next((k for k in KNOWN if k.matches(violation, description)), None)
