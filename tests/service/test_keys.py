"""API keys: stored salted and hashed, shown once, checked in constant time; roles ordered read < score < administer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partyrules.cli import main
from partyrules.codes import describe
from partyrules.errors import KeysFileError
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


BAD_FILES = [
    (b'{"id": "a", "name": "n", "role": "root", "salt": "00", "digest": "00"}\n', 1, "unknown role 'root'"),
    (b'\n{"id": "a", "name": "n", "role": "read"\n', 2, "not JSON"),
    (b'["a", "n", "read", "00", "00"]\n', 1, "JSON object, not list"),
    (b'{"id": "a", "name": "n", "role": "read", "salt": "00"}\n', 1, "missing or not text: digest"),
    (b'{"id": "a", "name": "n", "role": "read", "salt": 7, "digest": "00"}\n', 1, "missing or not text: salt"),
    (b'{"id": "a", "name": "n", "role": "read", "salt": "zz", "digest": "00"}\n', 1, "salt is not hexadecimal"),
    (b'{"id": "a", "name": "n", "role": "read", "salt": "00", "digest": "00"}\n' * 2, 2, "used twice"),
]


@pytest.mark.parametrize(("content", "line", "what"), BAD_FILES)
def test_a_bad_entry_is_a_keys_file_error_naming_the_file_line_and_what(tmp_path, content, line, what):
    path = tmp_path / "keys.jsonl"
    path.write_bytes(content)
    with pytest.raises(KeysFileError) as caught:
        KeyStore.load(path)
    exc = caught.value
    assert exc.code == "PR131" and describe(exc.code).kind == "KeysFileError"
    assert str(exc.location) == f"{path}:{line}" and what in exc.message and exc.hint


@pytest.mark.parametrize("content", [None, b"\xff\xfe not utf-8"])
def test_an_unreadable_keys_file_is_a_keys_file_error(tmp_path, content):
    path = tmp_path / "keys.jsonl"
    if content is None:
        path.mkdir()  # a directory: cannot be read as a file
    else:
        path.write_bytes(content)
    with pytest.raises(KeysFileError, match="cannot read the keys file") as caught:
        KeyStore.load(path)
    assert caught.value.location.file == str(path)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_load_as_keys_or_raise_a_keys_file_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("k") / "keys.jsonl"
    path.write_bytes(content)
    try:
        store = KeyStore.load(path)
    except KeysFileError as exc:
        assert exc.location.file == str(path)
    else:
        assert all(k.role in ROLES for k in store.all())


@pytest.mark.parametrize(("content", "what"), [(b"{not json\n", "not JSON"), (b"\xff\xfe", "cannot read"),
                                               (b'{"id": "a"}\n', "missing or not text")])
def test_serve_with_a_bad_keys_file_prints_one_line_and_exits_2(tmp_path, capsys, content, what):
    path = tmp_path / "keys.jsonl"
    path.write_bytes(content)
    assert main(["serve", "--keys", str(path), "--log", str(tmp_path / "d.sqlite")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and what in err and "partyrules keys add" in err
    assert not (tmp_path / "d.sqlite").exists()  # refused before anything was opened
