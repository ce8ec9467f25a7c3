"""Signed checkpoints: the Merkle tree (RFC 9162 hashing) and its proofs, checkpoints written on finalisation and on
demand, exported and checked against a copy, keys never stored, and the ``partyrules audit`` command."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st
from test_ledger_tamper import KEY, Clock, _built, _truncate_with_checkpoint, evaluator, members, quarter, tampered

from partyrules.cli import main
from partyrules.cycle.hashing import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    root_from_inclusion,
    verify_consistency,
)
from partyrules.cycle.ledger import (
    Checkpoint,
    CheckpointError,
    Ledger,
    generate_key_pair,
    verify_checkpoint_consistency,
    verify_publication_proof,
)

Q1 = "2026-Q1"


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162's MTH, written as the RFC defines it (split at the largest power of two below n)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def tree(n: int) -> list[bytes]:
    return [leaf_hash(f"event {i}".encode()) for i in range(n)]


@given(st.integers(0, 70))
def test_the_merkle_root_is_rfc_9162s(n: int):
    assert merkle_root(tree(n)) == reference_root(tree(n))


def test_leaves_and_nodes_are_hashed_apart():
    # The prefixes keep a leaf from passing for a node (the second-preimage attack RFC 6962 closes).
    a, b = b"a" * 32, b"b" * 32
    assert leaf_hash(a + b) != node_hash(a, b)
    assert merkle_root([leaf_hash(b"x")]) == hashlib.sha256(b"\x00x").digest()


@given(st.integers(1, 70), st.data())
def test_an_inclusion_proof_proves_its_leaf_and_no_other(n: int, data: st.DataObject):
    leaves = tree(n)
    i = data.draw(st.integers(0, n - 1))
    path = inclusion_proof(i, leaves)
    assert root_from_inclusion(i, n, leaves[i], path) == merkle_root(leaves)
    assert root_from_inclusion(i, n, leaf_hash(b"forged"), path) != merkle_root(leaves)
    if n > 1:
        j = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
        assert root_from_inclusion(j, n, leaves[i], path) != merkle_root(leaves)


@given(st.integers(1, 70), st.data())
def test_a_consistency_proof_holds_for_a_prefix_and_fails_for_a_rewrite(n: int, data: st.DataObject):
    leaves = tree(n)
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(m, leaves)
    assert verify_consistency(m, merkle_root(leaves[:m]), n, merkle_root(leaves), proof)
    k = data.draw(st.integers(0, m - 1))
    rewritten = [*leaves[:k], leaf_hash(b"rewritten"), *leaves[k + 1:]]
    assert not verify_consistency(m, merkle_root(rewritten[:m]), n, merkle_root(leaves), proof)
    assert not verify_consistency(m, merkle_root(leaves[:m]), n, merkle_root(rewritten),
                                  consistency_proof(m, rewritten))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _built(str(tmp_path_factory.mktemp("checkpoints")))


def test_finalisation_writes_a_checkpoint_covering_its_own_event_signed_when_a_key_is_given(tmp_path: Path):
    (m0, _), (m1, _) = members()[:2]
    for key in (KEY, None):
        path = tmp_path / f"{key is not None}.db"
        with Ledger(path, clock=Clock(), signing_key=key) as ledger:
            for m in (m0, m1):
                f = quarter(m, Q1)
                ledger.publish(evaluator().evaluate(f, Q1), f, actor="c")
            ledger.finalise(Q1, actor="s")
            [cp] = ledger.checkpoints()
            assert cp.tree_size == 3 == len(ledger.audit_trail()) and cp.reason == f"{Q1} (all) finalised"
            assert cp.signed == (key is not None)
            if key is not None:
                cp.check_signature(KEY.public_key())
            else:
                with pytest.raises(CheckpointError, match="not signed"):
                    cp.check_signature()
            assert ledger.verify().checkpoints == 1


def test_the_private_key_is_never_stored_only_the_public_one(base: tuple[Path, Path]):
    from cryptography.hazmat.primitives import serialization

    raw_private = KEY.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    data = base[0].read_bytes()
    assert raw_private not in data and raw_private.hex().encode() not in data
    public = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    assert public.encode() in data
    assert Checkpoint.load(base[1]).public_key == public


def test_an_exported_checkpoint_detects_a_copy_cut_short_and_another_key(base: tuple[Path, Path], tmp_path: Path):
    exported = Checkpoint.load(base[1])
    copy = tampered(base, tmp_path, _truncate_with_checkpoint)  # triggers put back: only the length tells
    with Ledger(base[0], read_only=True) as ledger:
        assert ledger.audit([exported], public_key=KEY.public_key()).ok
        other = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32).public_key()
        report = ledger.audit([exported], public_key=other)
        assert not report.ok and "not the trusted key" in report.problems[0].message
    with Ledger(copy, read_only=True) as ledger:
        report = ledger.audit([exported])
        assert report.first is not None and "cut short" in report.first.message


def test_a_forged_or_altered_checkpoint_file_is_refused(base: tuple[Path, Path], tmp_path: Path):
    data = json.loads(base[1].read_text(encoding="utf-8"))
    data["tree_size"] = 12
    (tmp_path / "edited.json").write_text(json.dumps(data), encoding="utf-8")
    cp = Checkpoint.load(tmp_path / "edited.json")
    with pytest.raises(CheckpointError, match="does not verify"):
        cp.check_signature(KEY.public_key())
    for bad in ("{}", "[1]", "not json", json.dumps({**data, "root_hash": "zz"})):
        (tmp_path / "bad.json").write_text(bad, encoding="utf-8")
        with pytest.raises(CheckpointError):
            Checkpoint.load(tmp_path / "bad.json")


def test_a_publication_is_proved_in_a_checkpoint_without_the_ledger(base: tuple[Path, Path]):
    with Ledger(base[0], read_only=True) as ledger:
        for pid in range(1, 7):
            proof = json.loads(json.dumps(ledger.inclusion_proof(pid)))  # through JSON, as an auditor gets it
            row = verify_publication_proof(proof, KEY.public_key())
            assert row["publication_id"] == pid
        proof = ledger.inclusion_proof(2)
    forged = json.loads(json.dumps(proof))
    forged["publication"]["total"] += 1
    with pytest.raises(CheckpointError, match="is not the row"):
        verify_publication_proof(forged)
    forged = json.loads(json.dumps(proof))
    forged["event"]["actor"] = "someone else"
    with pytest.raises(CheckpointError, match="not in the checkpoint"):
        verify_publication_proof(forged)
    with pytest.raises(CheckpointError, match="not the trusted key"):
        verify_publication_proof(proof, Ed25519PrivateKey.from_private_bytes(b"\x07" * 32).public_key())


def test_checkpoints_of_one_ledger_are_consistent_and_a_rewrite_between_them_is_not(base: tuple[Path, Path]):
    with Ledger(base[0], read_only=True) as ledger:
        first, last = ledger.checkpoints()
        proof = ledger.consistency_proof(first, last)
    verify_checkpoint_consistency(first, last, proof, KEY.public_key())
    from dataclasses import replace

    rewritten = replace(first, root_hash="ab" * 32).signed_with(KEY)  # the key holder signing another history
    with pytest.raises(CheckpointError, match="rewritten"):
        verify_checkpoint_consistency(rewritten, last, proof, KEY.public_key())


def test_keys_from_files_and_keygen_refuses_to_overwrite(tmp_path: Path):
    private, public = generate_key_pair(tmp_path / "owner.key")
    assert private.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CheckpointError, match="exists"):
        generate_key_pair(tmp_path / "owner.key")
    (m0, _) = members()[0]
    f = quarter(m0, Q1)
    with Ledger(tmp_path / "l.db", signing_key=private) as ledger:
        ledger.publish(evaluator().evaluate(f, Q1), f, actor="c")
        cp = ledger.checkpoint()
    cp.check_signature(public)
    with pytest.raises(CheckpointError, match="cannot read the signing key"):
        Ledger(tmp_path / "l.db", signing_key=public)  # a public key is not a signing key


# ----------------------------------------------------------------------------------------------------------------
# the command


def test_audit_commands_end_to_end(base: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["audit", "keygen", str(tmp_path / "k")]) == 0
    copy = tmp_path / "l.db"
    shutil.copyfile(base[0], copy)
    assert main(["audit", "checkpoint", str(copy), "--key", str(tmp_path / "k"), "--out",
                 str(tmp_path / "cp.json")]) == 0
    capsys.readouterr()
    copy.chmod(0o444)
    assert main(["audit", "verify", str(copy), "--checkpoint", str(tmp_path / "cp.json"), "--public-key",
                 str(tmp_path / "k.pub"), "--format", "json"]) == 8
    report = json.loads(capsys.readouterr().out)
    # The stored checkpoints were signed with KEY, not with the new key k: with --public-key k they are refused.
    assert report["ok"] is False and report["first_bad_row"]["table"] == "checkpoints"
    assert main(["audit", "verify", str(copy), "--checkpoint", str(tmp_path / "cp.json"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["tree_size"] == 13 and report["first_bad_row"] is None
    assert main(["audit", "prove", str(copy), "2", "--out", str(tmp_path / "proof.json")]) == 0
    assert main(["audit", "check-proof", str(tmp_path / "proof.json")]) == 0
    assert "publication 2" in capsys.readouterr().out


def test_audit_verify_exits_8_naming_the_first_bad_row(base: tuple[Path, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]):
    copy = tmp_path / "t.db"
    shutil.copyfile(base[0], copy)
    raw = sqlite3.connect(copy)
    raw.execute("DROP TRIGGER publications_no_update")
    raw.execute("UPDATE publications SET total = 100 WHERE publication_id = 3")
    raw.commit()
    raw.close()
    assert main(["audit", "verify", str(copy)]) == 8
    out = capsys.readouterr().out
    assert "first bad row" in out and "schema object trigger publications_no_update" in out
    assert main(["audit", "verify", str(copy), "--format", "json"]) == 8
    first = json.loads(capsys.readouterr().out)["first_bad_row"]
    assert first["table"] == "sqlite_master"
    (tmp_path / "x.db").write_bytes(b"")
    assert main(["audit", "verify", str(tmp_path / "x.db")]) == 8  # not a ledger
    assert main(["audit", "verify", str(tmp_path / "missing.db")]) == 1
