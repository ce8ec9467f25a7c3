"""Where a validation error is placed in a YAML document (rule-set files and reform files share this)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from partyrules.rulesets.reading import document_path

DOC = {"standards": [{"id": "S1", "points": "six", "from": {"month": 13}}], "params": {"p": {"value": 1}}}


def test_a_union_tag_is_not_a_key_of_the_document() -> None:
    # pydantic names the union member it tried ("float", "function-after[...]") inside the location
    assert document_path(DOC, ("params", "p", "float", "value")) == ("params", "p", "value")
    assert document_path(DOC, ("params", "p", "function-after[check(), float]")) == ("params", "p")


def test_the_from_alias_is_the_documents_from() -> None:
    assert document_path(DOC, ("standards", 0, "from_", "month")) == ("standards", 0, "from", "month")


def test_a_missing_key_points_at_itself_under_its_parent() -> None:
    assert document_path(DOC, ("standards", 0, "when", "x")) == ("standards", 0, "when")


def test_a_prefix_is_walked_first() -> None:
    assert document_path(DOC["standards"][0], ("points",), ()) == ("points",)
    assert document_path(DOC, ("id",), ("standards", 0)) == ("id",)


@given(st.lists(st.one_of(st.sampled_from(["standards", "params", "p", "value", "id", "float", "from_"]),
                          st.integers(-2, 3)), max_size=6))
def test_the_path_is_always_a_path_of_the_document_but_for_its_last_key(loc: list[object]) -> None:
    path = document_path(DOC, tuple(loc))
    node: object = DOC
    for part in path[:-1]:
        assert isinstance(node, (dict, list))
        node = node[part]  # type: ignore[index]
    assert all(p not in ("float", "from_") for p in path)
