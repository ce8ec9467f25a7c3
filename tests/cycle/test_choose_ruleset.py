"""choose_ruleset: a member is scored by the shipped index of its category (CATEGORY_RULESET), a branch and a
community by theirs, whatever else the facts hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.cycle.scoring import choose_ruleset
from partyrules.cycle.year import shipped_rulesets
from partyrules.errors import NotApplicableError
from partyrules.facts.enums import MemberCategory
from partyrules.shipped_rulesets import CATEGORY_RULESET
from partyrules.synthetic import generate_branch_facts, generate_member_facts

RULESETS = shipped_rulesets()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), category=st.sampled_from([c for c in MemberCategory
                                                              if str(c) in CATEGORY_RULESET]))
def test_a_member_gets_the_index_of_its_category(seed, category):
    # the pinned generator draws no mobile members (they are made from in-service ones, as synthetic.duties does)
    drawn = MemberCategory.IN_SERVICE if category is MemberCategory.MOBILE else category
    (member,) = generate_member_facts(1, seed=seed, category=drawn)
    member = member.model_copy(update={"member": member.member.model_copy(update={"category": category})})
    expected = RULESETS[CATEGORY_RULESET[str(category)]]
    assert choose_ruleset(member, RULESETS.values(), "2026") is expected
    assert choose_ruleset(member, list(RULESETS.values())[::-1], "2026-Q3") is expected  # order does not matter


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_branch_gets_the_branch_index(seed):
    (branch,) = generate_branch_facts(1, seed=seed)
    assert choose_ruleset(branch, RULESETS.values(), "2026").id == RULESETS["branch"].id


def test_no_rule_set_of_the_kind_is_not_applicable():
    (member,) = generate_member_facts(1, seed=1)
    with pytest.raises(NotApplicableError):
        choose_ruleset(member, [RULESETS["branch"]], "2026")
