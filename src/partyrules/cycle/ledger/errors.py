"""The ledger's failures of storage and of proof, as typed errors.

SQLite reports a full disk, a read-only file and a lock held by another process as ``sqlite3.OperationalError``
with a result code; :func:`storage_error` turns each into a :class:`LedgerError` subclass with a hint, so that a
caller can tell "retry later" from "free space" from "this copy can only be verified". The ledger rolls the step
back first, so the file holds what it held before the failed step.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ...errors import Location
from ..objections import LedgerError, LedgerIntegrityError

__all__ = [
    "CheckpointError",
    "LedgerFullError",
    "LedgerLockedError",
    "LedgerReadOnlyError",
    "LedgerVerificationError",
    "Problem",
    "storage_error",
]


class LedgerLockedError(LedgerError):
    """Another connection held the database's lock longer than the ledger's ``timeout``; nothing was written."""

    code = "PR057"


class LedgerReadOnlyError(LedgerError):
    """The ledger cannot be written: the file, its directory or its file system is read-only, or it was opened
    with ``read_only=True``. It can still be read and verified (``Ledger(path, read_only=True)``)."""

    code = "PR058"


class LedgerFullError(LedgerError):
    """The disk (or SQLite's page limit) is full; the step was rolled back and nothing was written."""

    code = "PR059"


class CheckpointError(LedgerError):
    """A checkpoint, key or proof cannot be used: a malformed file, a signature that does not verify, a key of
    another kind, or the ``cryptography`` package missing for signing."""

    code = "PR110"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of verification: the table and key of the bad row, and what is wrong with it."""

    table: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"table": self.table, "key": self.key, "message": self.message}


class LedgerVerificationError(LedgerIntegrityError):
    """Verification found rows that the ledger's own writes cannot have produced. ``problems`` lists them in the
    order they were found; ``first`` is the first bad row (its table and key)."""

    def __init__(self, message: str, problems: tuple[Problem, ...], **kwargs: Any) -> None:
        self.problems = problems
        self.first = problems[0]
        super().__init__(message, **kwargs)


_HINTS = {
    "full": "free space on the disk (or raise the page limit) and repeat the step; nothing of it was written "
            "(磁盘已满：腾出空间后重做此步，此步未写入任何内容)",
    "read_only": "the file, its directory or its file system is read-only: to check it, open it with "
                 "Ledger(path, read_only=True) or run 'partyrules audit verify' (只读：可用只读方式核验)",
    "locked": "another process held the lock longer than the timeout; retry, or open the ledger with a longer "
              "timeout= (数据库被占用：稍后重试或延长 timeout)",
}


def storage_error(exc: sqlite3.Error, doing: str, where: Location) -> LedgerError:
    """The typed error for an SQLite failure while ``doing`` something (e.g. "write to the ledger")."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith("SQLITE_FULL") or "database or disk is full" in text:
        return LedgerFullError(f"cannot {doing}: the disk is full ({text})", location=where, hint=_HINTS["full"])
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return LedgerReadOnlyError(f"cannot {doing}: the ledger is read-only ({text})", location=where,
                                   hint=_HINTS["read_only"])
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return LedgerLockedError(f"cannot {doing}: {text}", location=where, hint=_HINTS["locked"])
    if name.startswith("SQLITE_CANTOPEN"):
        return LedgerReadOnlyError(f"cannot {doing}: SQLite cannot open the file or its -wal/-shm files ({text})",
                                   location=where, hint="check that the directory exists; " + _HINTS["read_only"])
    return LedgerError(f"cannot {doing}: {text}", location=where,
                       hint="the file may be damaged or not an SQLite database; verify it, or restore a backup")


def read_only_refusal(path: str) -> LedgerReadOnlyError:
    return LedgerReadOnlyError(f"{path} was opened read-only", location=Location(file=path),
                               hint="open it without read_only=True to write (只读打开，不能写入)")
