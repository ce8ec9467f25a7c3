"""The tests' oracle for generated rule sets covers every expression the library's generator may write, and the
three-valued logic it computes for random conditions is the language's."""

from __future__ import annotations

import pytest

from partyrules.testing import EXPRESSIONS, Compare, Join, MemberOf, Not, Truth
from semantic_oracles import MEANINGS, holds, meaning


def test_every_generated_expression_has_a_meaning():
    assert sorted(set(EXPRESSIONS) - MEANINGS.keys()) == []


UNKNOWN = Compare("x", "<", 1)  # x is none: an ordering comparison with none is unknown
TRUE, FALSE = Truth("t"), Truth("f")
ENV = {"x": None, "t": True, "f": False, "n": 3}


@pytest.mark.parametrize(("cond", "value"), [
    (UNKNOWN, None),
    (Compare("x", "==", None), True),
    (Compare("x", "!=", None), False),
    (Compare("n", ">=", 3), True),
    (MemberOf("n", (1, 3), negate=False), True),
    (MemberOf("n", (1, 3), negate=True), False),
    (MemberOf("x", (1, 3), negate=False), None),
    (Not(UNKNOWN), None),
    (Not(TRUE), False),
    (Join("and", FALSE, UNKNOWN), False),
    (Join("and", TRUE, UNKNOWN), None),
    (Join("or", TRUE, UNKNOWN), True),
    (Join("or", FALSE, UNKNOWN), None),
])
def test_three_valued_logic(cond, value):
    assert meaning(cond, ENV) is value
    assert holds(cond, ENV) is (value is True)
    assert cond.text  # every condition writes itself as rule-set text
