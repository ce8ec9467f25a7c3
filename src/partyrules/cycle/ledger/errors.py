"""The ledger's failures of storage and of proof, as typed errors (defined in :mod:`partyrules.errors`).

SQLite reports a full disk, a read-only file and a lock held by another process as ``sqlite3.OperationalError``
with a result code; :func:`storage_error` turns each into a :class:`LedgerError` subclass with a hint, so that a
caller can tell "retry later" from "free space" from "this copy can only be verified". The ledger rolls the step
back first, so the file holds what it held before the failed step.
"""

from __future__ import annotations

import sqlite3

from ...errors import (
    CheckpointError,
    LedgerError,
    LedgerFullError,
    LedgerLockedError,
    LedgerReadOnlyError,
    LedgerVerificationError,
    Location,
    NoticePeriodError,
    Problem,
)

__all__ = [
    "CheckpointError",
    "LedgerFullError",
    "LedgerLockedError",
    "LedgerReadOnlyError",
    "LedgerVerificationError",
    "NoticePeriodError",
    "Problem",
    "storage_error",
]


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
