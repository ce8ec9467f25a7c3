"""API keys: stored salted and hashed, shown once, checked in constant time; roles ordered read < score < administer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.service.keys import ROLES, Key, KeyStore, add_key


def test_the_file_keeps_no_secret_and_the_key_checks(tmp_path):
    path = tmp_path / "keys.jsonl"
    key, text = add_key(path, "clerk", "score")
    stored = path.read_text()
    assert text.split("_", 2)[2] not in stored and key.digest in stored
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    store = KeyStore.load(path)
    assert store.check(text) == key and len(store) == 1


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_other_text_is_refused(tmp_path_factory, other):
    path = tmp_path_factory.mktemp("k") / "keys.jsonl"
    _, text = add_key(path, "x", "read")
    store = KeyStore.load(path)
    if other != text:
        assert store.check(other) is None
    assert store.check(text[:-1] + ("A" if text[-1] != "A" else "B")) is None


@given(st.sampled_from(ROLES), st.sampled_from(ROLES))
def test_roles_are_ordered(have, need):
    key = Key("id", "n", have, "00", "00")
    assert key.allows(need) == (ROLES.index(have) >= ROLES.index(need))


def test_a_bad_line_is_named(tmp_path):
    path = tmp_path / "keys.jsonl"
    path.write_text('{"id": "a", "name": "n", "role": "root", "salt": "00", "digest": "00"}\n')
    try:
        KeyStore.load(path)
    except ValueError as exc:
        assert f"{path}:1" in str(exc) and "root" in str(exc)
    else:
        raise AssertionError("an unknown role was accepted")
