"""API keys with roles, stored hashed.

A key is ``prk_<id>_<secret>``: the id names the key in the decision log and finds its entry, the 32 random bytes
of the secret are what proves it. The file keeps only a salted SHA-256 of the secret. A slow password hash
(scrypt) would protect guessable passwords; these secrets are random and as long as the hash, so a fast hash loses
nothing and keeps every request cheap. Comparison is constant-time.

The roles are ordered: ``read`` lists the rule sets and reads the decision log, ``score`` also scores and
explains subjects, ``administer`` also validates posted rule sets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import KeysFileError, Location

Role = Literal["read", "score", "administer"]
ROLES: tuple[Role, ...] = ("read", "score", "administer")
_PREFIX = "prk"


@dataclass(frozen=True)
class Key:
    """One key as stored: its id, a name for people, its role, and the salt and hash of its secret."""

    id: str
    name: str
    role: Role
    salt: str
    digest: str

    def allows(self, role: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


_FIELDS = ("id", "name", "role", "salt", "digest")
_HINT = "make keys with `partyrules keys add NAME --role ROLE --file FILE`; do not edit the file by hand"


def _entry(path: str | Path, number: int, line: str, before: list[Key]) -> Key:
    def bad(what: str) -> KeysFileError:
        return KeysFileError(f"{what} / 第 {number} 行不是有效的密钥条目",
                             location=Location(str(path), line=number), hint=_HINT)

    try:
        d = json.loads(line)
    except ValueError as exc:
        raise bad(f"not JSON ({exc})") from None
    if not isinstance(d, dict):
        raise bad(f"a key entry is a JSON object, not {type(d).__name__}")
    missing = [f for f in _FIELDS if not isinstance(d.get(f), str) or not d[f]]
    if missing:
        raise bad(f"missing or not text: {', '.join(missing)}")
    if d["role"] not in ROLES:
        raise bad(f"unknown role {d['role']!r} (roles: {', '.join(ROLES)})")
    if any(k.id == d["id"] for k in before):
        raise bad(f"the key id {d['id']} is used twice")
    try:
        bytes.fromhex(d["salt"])
    except ValueError:
        raise bad("the salt is not hexadecimal") from None
    return Key(d["id"], d["name"], d["role"], d["salt"], d["digest"])


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


class KeyStore:
    """The keys a service accepts, read from a JSON-lines file written by :func:`add_key`."""

    def __init__(self, keys: list[Key]) -> None:
        self._by_id = {k.id: k for k in keys}

    @classmethod
    def load(cls, path: str | Path) -> KeyStore:
        """Read a keys file. A file that cannot be read, a line that is not JSON, or an entry without a key's
        shape (id, name, role, salt, digest; a known role; an id used once) is a :class:`KeysFileError` naming
        the file, the line and what is wrong."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise KeysFileError(f"cannot read the keys file: {why} / 无法读取密钥文件",
                                location=Location(str(path)), hint=_HINT) from None
        keys: list[Key] = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                keys.append(_entry(path, number, line, keys))
        return cls(keys)

    def __len__(self) -> int:
        return len(self._by_id)

    def all(self) -> list[Key]:
        return list(self._by_id.values())

    def check(self, presented: str | None) -> Key | None:
        """The key ``presented`` proves, or None."""
        if not presented:
            return None
        prefix, _, rest = presented.partition("_")
        key_id, _, secret = rest.partition("_")
        key = self._by_id.get(key_id) if prefix == _PREFIX else None
        if key is None or not secret:
            return None
        return key if hmac.compare_digest(_digest(key.salt, secret), key.digest) else None


def add_key(path: str | Path, name: str, role: Role) -> tuple[Key, str]:
    """Append a new key to the keys file (created if missing, readable by its owner only) and return it with the
    full key text, which is shown once and never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} / 未知角色: use one of {', '.join(ROLES)}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    key = Key(key_id, name, role, salt, _digest(salt, secret))
    line = json.dumps({"id": key.id, "name": name, "role": role, "salt": salt, "digest": key.digest},
                      ensure_ascii=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    return key, f"{_PREFIX}_{key_id}_{secret}"
