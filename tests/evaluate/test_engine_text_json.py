"""A text handed to the engine is written as json would write it: the short way for texts with nothing to escape
must give the same bytes as json.dumps for every text."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from partyrules.evaluate.context import _json_value


@given(st.text())
def test_text_as_engine_json_is_json(text: str) -> None:
    assert _json_value(text) == json.dumps(text, ensure_ascii=False)


@given(st.text(alphabet=st.sampled_from('"\\\x00\x1f\x7fa中 '), max_size=8))
def test_texts_of_escaped_characters(text: str) -> None:
    assert _json_value(text) == json.dumps(text, ensure_ascii=False)
