"""``partyrules audit``: verify a ledger file (also a read-only copy), make and export signed checkpoints, make
keys, and prove or check that one publication is in a checkpoint (docs/audit.md).

Exit codes of ``audit verify``: 0 the ledger verifies (and every checkpoint given matches it); 8 it does not: the
first bad row is printed (or is ``first_bad_row`` in the JSON report); 1 the ledger, a checkpoint or the key cannot be
read at all; 2 usage. ``audit check-proof`` exits 0 when the proof holds, 8 when it does not. The other subcommands
exit 0, or 1 with the error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import PartyRulesError
from .common import report as report_error

EXIT_TAMPERED = 8


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``audit`` command and its subcommands."""
    a = sub.add_parser("audit", help="verify a ledger, export signed checkpoints, prove a publication is in one",
                       description="Auditing the ledger of published scores: verify the file against its own hash "
                                   "chain and against checkpoints kept elsewhere, sign and export checkpoints, and "
                                   "prove one publication is in a checkpoint. Exit 8 when verification fails.")
    s = a.add_subparsers(dest="audit_command", required=True)

    v = s.add_parser("verify", help="verify a ledger file (read-only; works on a read-only copy or file system)")
    v.add_argument("ledger", metavar="LEDGER", help="the ledger file (SQLite)")
    v.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                   help="a checkpoint exported earlier (repeatable): the file must still hold its events")
    v.add_argument("--public-key", metavar="FILE", help="the ledger owner's public key (PEM or 64 hex digits): "
                                                        "every checkpoint must be signed with it")
    v.add_argument("--format", choices=["text", "json"], default="text", help="report format (default text)")
    v.set_defaults(func=cmd_verify)

    c = s.add_parser("checkpoint", help="record a checkpoint now and export it as JSON")
    c.add_argument("ledger", metavar="LEDGER", help="the ledger file (SQLite)")
    c.add_argument("--key", metavar="KEYFILE", help="the Ed25519 private key (PEM) to sign with; unsigned without")
    c.add_argument("--reason", default="on demand", help="why the checkpoint is made (default 'on demand')")
    c.add_argument("--out", metavar="FILE", help="write the checkpoint here (default: print it)")
    c.set_defaults(func=cmd_checkpoint)

    k = s.add_parser("keygen", help="make an Ed25519 key: KEYFILE (private, mode 600) and KEYFILE.pub")
    k.add_argument("keyfile", metavar="KEYFILE", help="where to write the private key (the public key goes to "
                                                       "KEYFILE.pub)")
    k.set_defaults(func=cmd_keygen)

    p = s.add_parser("prove", help="prove one publication is in a checkpoint (JSON, checkable without the ledger)")
    p.add_argument("ledger", metavar="LEDGER", help="the ledger file (SQLite)")
    p.add_argument("publication_id", type=int, metavar="PUBLICATION_ID", help="the publication to prove")
    p.add_argument("--checkpoint", metavar="FILE", help="the checkpoint to prove against (default: the latest "
                                                        "stored one covering the publication)")
    p.add_argument("--out", metavar="FILE", help="write the proof here (default: print it)")
    p.set_defaults(func=cmd_prove)

    q = s.add_parser("check-proof", help="check an inclusion proof without the ledger")
    q.add_argument("proof", metavar="PROOF", help="a proof written by 'audit prove'")
    q.add_argument("--public-key", metavar="FILE", help="the ledger owner's public key")
    q.set_defaults(func=cmd_check_proof)


def _emit(text: str, out: str | None) -> None:
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def cmd_verify(args: argparse.Namespace) -> int:
    from ..cycle.ledger import Checkpoint, Ledger, LedgerIntegrityError
    from ..cycle.ledger.verify import describe

    try:
        checkpoints = [Checkpoint.load(f) for f in args.checkpoint]
        with Ledger(args.ledger, read_only=True) as ledger:
            report = ledger.audit(checkpoints, public_key=args.public_key)
    except LedgerIntegrityError as exc:  # not a ledger, or its schema version was changed: it cannot be read
        return _unreadable(args, exc, EXIT_TAMPERED)
    except PartyRulesError as exc:
        return _unreadable(args, exc, 1)
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        c = report.counts
        print(f"{args.ledger}: {c['events']} events, {c['publications']} publications, {c['objections']} "
              f"objections, {c['finalisations']} finalisations, {c['checkpoints']} checkpoints checked")
        for cp in report.checkpoints:
            print(f"  checkpoint ({cp['source']}) of {cp['tree_size']} events, {cp['reason']}: signature "
                  f"{cp['signature']}; {'matches' if cp['ok'] else 'DOES NOT MATCH'}")
        if report.ok:
            print(f"verified 核验通过: head {report.head_hash[:16]}..., root {report.root_hash[:16]}...")
        else:
            print(f"FAILED 核验未通过: first bad row 首个异常行: {describe(report.problems[0])}")
            for p in report.problems[1:20]:
                print(f"  {describe(p)}")
            if len(report.problems) > 20:
                print(f"  ... and {len(report.problems) - 20} more")
    return 0 if report.ok else EXIT_TAMPERED


def _unreadable(args: argparse.Namespace, exc: PartyRulesError, code: int) -> int:
    if args.format == "json":
        data: dict[str, Any] = {"ledger": args.ledger, "ok": False, "error": {"code": exc.code,
                                                                              "message": exc.message,
                                                                              "hint": exc.hint}}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        report_error("audit verify", exc)  # one line, in command-line terms, as every command reports
    return code


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from ..cycle.ledger import Ledger

    with Ledger(args.ledger, signing_key=args.key) as ledger:
        cp = ledger.checkpoint(reason=args.reason)
    _emit(cp.to_json(), args.out)
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from ..cycle.ledger import generate_key_pair

    private, public = generate_key_pair(args.keyfile)
    print(f"private key 私钥: {private} (keep it secret; the ledger never stores it)\n"
          f"public key 公钥: {public} (give it to auditors)")
    return 0


def cmd_prove(args: argparse.Namespace) -> int:
    from ..cycle.ledger import Checkpoint, Ledger

    checkpoint = Checkpoint.load(args.checkpoint) if args.checkpoint else None
    with Ledger(args.ledger, read_only=True) as ledger:
        proof = ledger.inclusion_proof(args.publication_id, checkpoint)
    _emit(json.dumps(proof, ensure_ascii=False, indent=2) + "\n", args.out)
    return 0


def cmd_check_proof(args: argparse.Namespace) -> int:
    from ..cycle.ledger import CheckpointError, verify_publication_proof

    try:
        with open(args.proof, encoding="utf-8") as f:
            proof = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"partyrules audit check-proof: cannot read {args.proof}: {exc}", file=sys.stderr)
        return 1
    try:
        row = verify_publication_proof(proof, args.public_key)
    except CheckpointError as exc:
        print(f"FAILED 证明无效: {exc}")
        return EXIT_TAMPERED
    print(f"publication {row['publication_id']} ({row['subject_id']} {row['period']}: {row['total']:g} "
          f"{row['grade']}) is in the checkpoint of {proof['checkpoint']['tree_size']} events 已包含于检查点")
    return 0
