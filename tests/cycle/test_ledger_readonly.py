"""Read-only verification and typed storage failures, for real: a read-only file system (a tmpfs remounted
read-only), a read-only file (as an unprivileged user), a lock held by another connection, and a full disk (a tiny
tmpfs, and SQLite's own page limit). Each failure is a LedgerError subclass with a hint and leaves the file as it
was. Mounting needs root; without it those tests are skipped and say so."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from test_ledger_tamper import KEY, Clock, evaluator, members, quarter

import partyrules as pr
from partyrules.cycle.ledger import (
    Ledger,
    LedgerFullError,
    LedgerLockedError,
    LedgerReadOnlyError,
)
from partyrules.synthetic import generate_subdistrict

Q1 = "2026-Q1"


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                          text=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


def fill(path: Path, n: int = 2) -> None:
    with Ledger(path, clock=Clock(), signing_key=KEY) as ledger:
        for m, _ in members()[:n]:
            f = quarter(m, Q1)
            ledger.publish(evaluator().evaluate(f, Q1), f, actor="c")
        ledger.finalise(Q1, actor="s")


def dump(path: Path) -> list[str]:
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(raw.iterdump())
    finally:
        raw.close()


def test_a_ledger_on_a_read_only_file_system_is_verified_but_not_written(tmp_path: Path):
    with tmpfs(tmp_path / "ro", "4m") as mnt:
        fill(mnt / "l.db")
        remount(mnt, "ro")
        assert not (mnt / "l.db-shm").exists()  # closed cleanly: WAL checkpointed, -shm removed
        with pytest.raises(LedgerReadOnlyError) as err:
            Ledger(mnt / "l.db")
        assert "read_only=True" in (err.value.hint or "")
        with Ledger(mnt / "l.db", read_only=True) as ledger:
            report = ledger.verify()
            assert (report.publications, report.finalisations, report.checkpoints) == (2, 1, 1)
            with pytest.raises(LedgerReadOnlyError):
                ledger.checkpoint()
        done = subprocess.run([sys.executable, "-m", "partyrules.cli", "audit", "verify", str(mnt / "l.db")],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert "verified" in done.stdout


def test_a_read_only_file_system_holding_an_unmerged_wal_is_read_whole(tmp_path: Path):
    """A ledger copied while open has transactions only in its -wal file; immutable=1 would not see them."""
    src = tmp_path / "open.db"
    with tmpfs(tmp_path / "ro", "4m") as mnt, Ledger(src, clock=Clock()) as writer:
        writer._conn.execute("PRAGMA wal_autocheckpoint = 0")  # keep the steps in the WAL, as a busy writer does
        for m, _ in members()[:2]:
            f = quarter(m, Q1)
            writer.publish(evaluator().evaluate(f, Q1), f, actor="c")
        shutil.copyfile(src, mnt / "l.db")
        shutil.copyfile(f"{src}-wal", mnt / "l.db-wal")
        assert (mnt / "l.db-wal").stat().st_size > 0
        remount(mnt, "ro")
        with Ledger(mnt / "l.db", read_only=True) as ledger:
            assert ledger.verify().publications == 2


UNPRIVILEGED = r"""
import os, sys
# Everything is imported first: the interpreter's own files need not be readable by nobody.
import partyrules.cycle.ledger.verify
from partyrules.cycle.ledger import Ledger, LedgerReadOnlyError
# checkpoints import their signature code when they check one: a venv in a private directory (as CI's) is not
# readable once we are nobody
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
os.setgid(65534); os.setuid(65534)
path = sys.argv[1]
try:
    Ledger(path)
except LedgerReadOnlyError as exc:
    print("refused:", exc.code)
with Ledger(path, read_only=True) as ledger:
    print("verified:", ledger.verify().publications)
"""


def test_a_read_only_file_is_refused_for_writing_and_verified_read_only(tmp_path: Path):
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"partyrules-ro-{os.getpid()}"
    work.mkdir(mode=0o755)
    try:
        fill(work / "l.db")
        (work / "l.db").chmod(0o444)
        work.chmod(0o555)  # nor can the -wal or -shm files be made beside it
        if os.geteuid() == 0:  # root ignores file modes: run as nobody
            done = subprocess.run([sys.executable, "-c", UNPRIVILEGED, str(work / "l.db")], capture_output=True,
                                  text=True, check=False)
            if "Operation not permitted" in done.stderr:
                pytest.skip("cannot drop privileges here")
            assert done.returncode == 0, done.stderr
            assert done.stdout.split("\n")[:2] == ["refused: PR058", "verified: 2"]
        else:
            with pytest.raises(LedgerReadOnlyError):
                Ledger(work / "l.db")
            with Ledger(work / "l.db", read_only=True) as ledger:
                assert ledger.verify().publications == 2
    finally:
        work.chmod(0o755)
        shutil.rmtree(work)


def test_a_lock_held_beyond_the_timeout_is_a_typed_error_and_writes_nothing(tmp_path: Path):
    path = tmp_path / "l.db"
    fill(path)
    before = dump(path)
    (m, _) = members()[2]
    f = quarter(m, Q1.replace("Q1", "Q2"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Ledger(path, timeout=0.05) as ledger, pytest.raises(LedgerLockedError) as err:
            ledger.publish(evaluator().evaluate(f, "2026-Q2"), f, actor="c")
        assert "timeout=" in (err.value.hint or "") and err.value.code == "PR057"
    finally:
        holder.execute("ROLLBACK")
    # An exclusive lock keeps even readers out: opening is refused the same way.
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LedgerLockedError):
            Ledger(path, timeout=0.05)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert dump(path) == before
    with Ledger(path) as ledger:
        ledger.verify()


@cache
def in_service_members() -> tuple[pr.MemberFacts, ...]:
    return tuple(generate_subdistrict(seed=2026).members_in("in_service"))


def _publish_until_full(ledger: Ledger, start: int, limit: int = 400) -> tuple[int, LedgerFullError | None]:
    subjects = in_service_members()
    n = start
    for member in subjects[start:start + limit]:
        f = quarter(member, Q1)
        try:
            ledger.publish(evaluator().evaluate(f, Q1), f, actor="c")
        except LedgerFullError as exc:
            return n, exc
        n += 1
    return n, None


def test_sqlite_page_limit_full_is_a_typed_error_rolls_back_and_writing_resumes(tmp_path: Path):
    """SQLITE_FULL from PRAGMA max_page_count: the real SQLite limit and error a full disk gives, on any machine."""
    path = tmp_path / "l.db"
    with Ledger(path, clock=Clock()) as ledger:
        pages = ledger._conn.execute("PRAGMA page_count").fetchone()[0]
        ledger._conn.execute(f"PRAGMA max_page_count = {pages + 8}")
        done, err = _publish_until_full(ledger, 0)
        assert err is not None and err.code == "PR059" and "free space" in (err.hint or "")
        assert len(ledger.publications()) == done
        trail = ledger.audit_trail()
        ledger._conn.execute("PRAGMA max_page_count = 1073741823")
        more, err2 = _publish_until_full(ledger, done, limit=3)
        assert err2 is None and len(ledger.publications()) == more > done
        assert ledger.audit_trail()[: len(trail)] == trail
        ledger.verify()


def test_a_full_disk_is_a_typed_error_loses_nothing_and_writing_resumes(tmp_path: Path):
    with tmpfs(tmp_path / "small", "640k") as mnt:
        path = mnt / "l.db"
        with Ledger(path, clock=Clock()) as ledger:
            done, err = _publish_until_full(ledger, 0)
            assert err is not None, "the disk never filled"
            assert err.code == "PR059"
            assert len(ledger.publications()) == done > 0  # every acknowledged step is there
            ledger.verify()
            remount(mnt, "size=16m")
            more, err2 = _publish_until_full(ledger, done, limit=3)
            assert err2 is None and more > done
            ledger.verify()
