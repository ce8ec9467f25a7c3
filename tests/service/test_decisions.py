"""The decision log: what is recorded is what is read back, in order, with hashes of input and output."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.service.decisions import DecisionLog, NewDecision, read_decisions

_text = st.text(min_size=1, max_size=30)


def _new(subject, breakdown):
    return NewDecision("key1", "member", subject, "2026", "rs", "1", "h" * 64, '{"member":{}}', breakdown)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["M1", "M2", "M3"]), _text), min_size=1, max_size=12))
def test_recorded_decisions_are_read_back_in_order_with_their_hashes(tmp_path_factory, made):
    path = tmp_path_factory.mktemp("log") / "d.sqlite"
    log = DecisionLog(path)
    ids = log.record([_new(s, b) for s, b in made])
    log.close()
    back = list(read_decisions(path, batch=5))
    assert [d.id for d in back] == ids == sorted(ids)
    assert [(d.subject_id, d.breakdown_json) for d in back] == made
    assert all(d.output_hash == hashlib.sha256(d.breakdown_json.encode()).hexdigest() for d in back)
    again = DecisionLog(path)
    for subject in {s for s, _ in made}:
        assert [d.breakdown_json for d in again.query(subject=subject, limit=1000)] == [b for s, b in made
                                                                                       if s == subject]
    again.close()
