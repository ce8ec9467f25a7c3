"""Signed checkpoints of the audit trail, keys, and proofs an auditor checks without the ledger file.

A checkpoint is what Certificate Transparency calls a signed tree head: the number of events (``tree_size``), the
root of the Merkle tree over them (``root_hash``), the last event's chained hash (``head_hash``), the ledger's
identity (``ledger_id``, the start of its hash chain), a time and a reason, signed with Ed25519. Whoever keeps a
copy of a checkpoint can later tell whether a ledger file still holds exactly those events: a file cut short has
fewer events, a rewritten one another root.

Keys: the ledger never stores a private key. The caller passes one (an ``Ed25519PrivateKey``, PEM bytes, or the
path of a PEM file made by :func:`generate_key_pair` or ``partyrules audit keygen``); the public key (hex of its 32
raw bytes) is stored and exported with each checkpoint. A checkpoint proves something only against a public key the
auditor obtained independently (published with the results, say): the key inside a checkpoint only names which key
signed it.

Signing needs the ``cryptography`` package (``pip install partyrules[audit]``); everything else here is hashlib.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ...errors import Location
from ..hashing import (
    canonical_json,
    leaf_hash,
    root_from_inclusion,
    row_digest,
    sha256_text,
    verify_consistency,
)
from .errors import CheckpointError

__all__ = [
    "CHECKPOINT_FORMAT",
    "INCLUSION_FORMAT",
    "Checkpoint",
    "generate_key_pair",
    "load_public_key",
    "load_signing_key",
    "verify_checkpoint_consistency",
    "verify_publication_proof",
]

CHECKPOINT_FORMAT = "partyrules-checkpoint/1"
INCLUSION_FORMAT = "partyrules-inclusion/1"
_FIELDS = ("ledger_id", "tree_size", "root_hash", "head_hash", "timestamp", "reason")


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise CheckpointError("signing and checking signatures need the 'cryptography' package",
                              hint="pip install 'partyrules[audit]' (需要安装 cryptography)") from exc
    return ed25519


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A (possibly signed) statement: the ledger ``ledger_id`` held ``tree_size`` events with this root and head.

    ``public_key`` and ``signature`` are hex, both present or both None (an unsigned checkpoint anchors only as far
    as its copy is kept somewhere the ledger's writers cannot change)."""

    ledger_id: str
    tree_size: int
    root_hash: str
    head_hash: str
    timestamp: str
    reason: str
    public_key: str | None = None
    signature: str | None = None
    checkpoint_id: int | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    def body(self) -> bytes:
        """The bytes signed: the format's name, a newline and the canonical JSON of the signed fields."""
        return (CHECKPOINT_FORMAT + "\n" + canonical_json({f: getattr(self, f) for f in _FIELDS})).encode("utf-8")

    def signed_with(self, key: Any) -> Checkpoint:
        """This checkpoint signed with an Ed25519 private key (see :func:`load_signing_key`)."""
        private = load_signing_key(key)
        return replace(self, public_key=_public_hex(private.public_key()),
                       signature=private.sign(self.body()).hex())

    def check_signature(self, public_key: Any = None) -> None:
        """Raise :class:`CheckpointError` unless the checkpoint is signed, the signature verifies, and (when given)
        the key is ``public_key``, the one the auditor trusts."""
        where = Location(path=f"checkpoints/{self.tree_size}")
        if self.public_key is None or self.signature is None:
            raise CheckpointError(f"the checkpoint of {self.tree_size} events is not signed", location=where,
                                  hint="open the ledger with signing_key= so that checkpoints are signed")
        if public_key is not None:
            trusted = _public_hex(load_public_key(public_key))
            if trusted != self.public_key:
                raise CheckpointError(f"the checkpoint of {self.tree_size} events was signed with key "
                                      f"{self.public_key[:16]}..., not the trusted key {trusted[:16]}...",
                                      location=where, hint="obtain the ledger owner's public key independently; a "
                                                           "checkpoint signed with another key proves nothing")
        key = load_public_key(self.public_key)
        try:
            key.verify(bytes.fromhex(self.signature), self.body())
        except Exception as exc:  # InvalidSignature, or a signature that is not 64 bytes of hex
            raise CheckpointError(f"the signature of the checkpoint of {self.tree_size} events does not verify",
                                  location=where, hint="the checkpoint was altered after signing, or forged "
                                                       "(签名无效：检查点被改动或伪造)") from exc

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("checkpoint_id")
        return {"format": CHECKPOINT_FORMAT, **data}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the checkpoint as JSON (for an auditor, or a place the ledger's writers cannot reach)."""
        out = Path(path)
        out.write_text(self.to_json(), encoding="utf-8")
        return out

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "checkpoint") -> Checkpoint:
        loc = Location(file=where)
        if not isinstance(data, dict) or data.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(f"{where} is not a partyrules checkpoint (format {CHECKPOINT_FORMAT})",
                                  location=loc, hint="export one with Ledger.checkpoint() or 'partyrules audit "
                                                     "checkpoint'")
        try:
            cp = cls(**{k: v for k, v in data.items() if k != "format"})
        except TypeError as exc:
            raise CheckpointError(f"{where} has unknown or missing fields: {exc}", location=loc) from exc
        ok = (isinstance(cp.tree_size, int) and not isinstance(cp.tree_size, bool) and cp.tree_size >= 0
              and all(_is_hex(h, 64) for h in (cp.ledger_id, cp.root_hash, cp.head_hash))
              and isinstance(cp.timestamp, str) and isinstance(cp.reason, str)
              and (cp.public_key is None) == (cp.signature is None)
              and (cp.public_key is None or (_is_hex(cp.public_key, 64) and _is_hex(cp.signature, 128))))
        if not ok:
            raise CheckpointError(f"{where} has a field of the wrong type or length", location=loc,
                                  hint="hashes are 64 hex digits, the key 64, the signature 128")
        return cp

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Checkpoint:
        """Read a checkpoint exported with :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read the checkpoint {os.fspath(path)}: {exc}",
                                  location=Location(file=os.fspath(path)),
                                  hint="give the JSON file that 'partyrules audit checkpoint' wrote") from exc
        return cls.from_dict(data, where=os.fspath(path))


def _is_hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and all(c in "0123456789abcdef" for c in value)


# ----------------------------------------------------------------------------------------------------------------
# keys


def _public_hex(public: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def load_signing_key(key: Any) -> Any:
    """An Ed25519 private key from a key object, PEM bytes, or the path of a PEM file (never stored anywhere)."""
    ed25519 = _crypto()
    from cryptography.hazmat.primitives import serialization

    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    where = Location(file=os.fspath(key)) if isinstance(key, (str, os.PathLike)) else None
    try:
        data = Path(key).read_bytes() if isinstance(key, (str, os.PathLike)) else key
        if not isinstance(data, bytes):
            raise TypeError(f"expected a key, PEM bytes or a path, got {type(key).__name__}")
        loaded = serialization.load_pem_private_key(data, password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CheckpointError(f"cannot read the signing key: {exc}", location=where,
                              hint="give an Ed25519 private key in PEM (partyrules audit keygen KEYFILE)") from exc
    if not isinstance(loaded, ed25519.Ed25519PrivateKey):
        raise CheckpointError(f"the signing key is a {type(loaded).__name__}, not Ed25519", location=where,
                              hint="make one with 'partyrules audit keygen KEYFILE'")
    return loaded


def load_public_key(key: Any) -> Any:
    """An Ed25519 public key from a key object, 64 hex digits, PEM text or bytes, or the path of such a file."""
    ed25519 = _crypto()
    from cryptography.hazmat.primitives import serialization

    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.public_key()
    data: Any = key
    if isinstance(key, os.PathLike) or (isinstance(key, str) and not _is_hex(key.strip(), 64)
                                        and not key.lstrip().startswith("-----")):
        try:
            data = Path(key).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read the public key {os.fspath(key)}: {exc}",
                                  hint="give the .pub file 'partyrules audit keygen' wrote, or 64 hex digits") from exc
    try:
        if isinstance(data, str) and _is_hex(data.strip(), 64):
            return ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(data.strip()))
        raw = data.encode("utf-8") if isinstance(data, str) else data
        loaded = serialization.load_pem_public_key(raw)
    except (ValueError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"cannot read the public key: {exc}",
                              hint="an Ed25519 public key in PEM, or the 64 hex digits of its raw bytes") from exc
    if not isinstance(loaded, ed25519.Ed25519PublicKey):
        raise CheckpointError(f"the public key is a {type(loaded).__name__}, not Ed25519")
    return loaded


def generate_key_pair(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Make an Ed25519 key: the private key in PEM at ``path`` (readable by its owner only), the public key at
    ``path.pub``. Refuses to overwrite an existing file."""
    ed25519 = _crypto()
    from cryptography.hazmat.primitives import serialization

    private_path, public_path = Path(path), Path(f"{os.fspath(path)}.pub")
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise CheckpointError(f"{private_path} exists", location=Location(file=str(private_path)),
                              hint="a key is never overwritten; choose another file name") from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


# ----------------------------------------------------------------------------------------------------------------
# proofs checked without the ledger


def verify_checkpoint_consistency(old: Checkpoint, new: Checkpoint, proof: Sequence[str],
                                  public_key: Any = None) -> None:
    """Raise :class:`CheckpointError` unless ``new`` extends ``old``: the same ledger, and a consistency proof
    (``Ledger.consistency_proof``) showing old's events are the first of new's. With ``public_key``, both must be
    signed with it."""
    if public_key is not None:
        old.check_signature(public_key)
        new.check_signature(public_key)
    if old.ledger_id != new.ledger_id:
        raise CheckpointError("the two checkpoints are of different ledgers",
                              hint="compare checkpoints of one ledger file")
    if old.tree_size > new.tree_size:
        old, new = new, old
    try:
        nodes = [bytes.fromhex(h) for h in proof]
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"the consistency proof is not a list of hex hashes: {exc}") from exc
    if not verify_consistency(old.tree_size, bytes.fromhex(old.root_hash), new.tree_size,
                              bytes.fromhex(new.root_hash), nodes):
        raise CheckpointError(f"the checkpoint of {new.tree_size} events does not extend the one of "
                              f"{old.tree_size}: the history was rewritten in between",
                              hint="the ledger's own writes only append; compare with a backup "
                                   "(历史被改写：新检查点不是旧检查点的延续)")


def verify_publication_proof(proof: dict[str, Any], public_key: Any = None) -> dict[str, Any]:
    """Check an inclusion proof (``Ledger.inclusion_proof``) without the ledger file: the publication's row is
    the one its publishing event recorded, that event is leaf ``leaf_index`` of the checkpoint's tree, and (with
    ``public_key``) the checkpoint is signed with that key. Returns the publication's row; raises
    :class:`CheckpointError` otherwise."""
    if not isinstance(proof, dict) or proof.get("format") != INCLUSION_FORMAT:
        raise CheckpointError(f"not an inclusion proof (format {INCLUSION_FORMAT})",
                              hint="export one with Ledger.inclusion_proof(publication_id)")
    cp = Checkpoint.from_dict(proof.get("checkpoint"), where="proof.checkpoint")
    if public_key is not None:
        cp.check_signature(public_key)
    event, row, index = proof.get("event"), proof.get("publication"), proof.get("leaf_index")
    if not isinstance(event, dict) or not isinstance(row, dict) or not isinstance(index, int):
        raise CheckpointError("the proof lacks its event, publication or leaf index")
    pid = row.get("publication_id")
    if event.get("publication_id") != pid or event.get("seq") != index + 1 or not isinstance(
            event.get("payload"), dict) or event["payload"].get("row") != row_digest("publications", row):
        raise CheckpointError(f"publication {pid} is not the row its event {event.get('seq')} recorded",
                              hint="the publication or the event was altered")
    if sha256_text(str(row.get("breakdown_json"))) != row.get("breakdown_hash") or sha256_text(
            str(row.get("facts_json"))) != row.get("facts_hash"):
        raise CheckpointError(f"publication {pid}: its breakdown or facts do not match their hashes")
    try:
        path = [bytes.fromhex(h) for h in proof.get("path", ())]
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"the inclusion path is not a list of hex hashes: {exc}") from exc
    root = root_from_inclusion(index, cp.tree_size, leaf_hash(canonical_json(event).encode("utf-8")), path)
    if root is None or root.hex() != cp.root_hash:
        raise CheckpointError(f"publication {pid} (event {index + 1}) is not in the checkpoint of {cp.tree_size} "
                              "events", hint="the event was altered, or the proof is for another checkpoint")
    return row
