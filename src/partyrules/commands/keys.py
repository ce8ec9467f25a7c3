"""``partyrules keys``: make and list the API keys of the decision service (stored hashed; shown once)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import error_line, report


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``keys`` subcommand with ``add`` and ``list``."""
    from ..service.keys import ROLES

    k = sub.add_parser("keys", help="make or list the decision service's API keys",
                       description="API keys of `partyrules serve`. Roles: read (rule sets, decision log), score "
                                   "(also score and explain), administer (also validate rule sets).")
    ks = k.add_subparsers(dest="keys_command", required=True)
    a = ks.add_parser("add", help="make a key and print it once")
    a.add_argument("name", help="who or what the key is for")
    a.add_argument("--role", choices=ROLES, required=True, help="what the key may do")
    a.add_argument("--file", default="keys.jsonl", help="the keys file (default keys.jsonl)")
    a.set_defaults(func=cmd_keys_add)
    ls = ks.add_parser("list", help="list the keys (ids, names, roles; never the secrets)")
    ls.add_argument("--file", default="keys.jsonl", help="the keys file (default keys.jsonl)")
    ls.set_defaults(func=cmd_keys_list)


def cmd_keys_add(args: argparse.Namespace) -> int:
    from ..service.keys import add_key

    try:
        key, text = add_key(args.file, args.name, args.role)
    except OSError as exc:
        print(error_line("keys", str(exc), args.file), file=sys.stderr)
        return 1
    print(text)
    print(f"partyrules keys: key {key.id} ({args.role}) for {args.name} added to {args.file}; it is shown only "
          "this once / 密钥仅显示这一次", file=sys.stderr)
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from ..errors import KeysFileError
    from ..service.keys import KeyStore

    try:
        store = KeyStore.load(args.file)
    except KeysFileError as exc:
        report("keys", exc)
        return 1
    for key in store.all():
        print(f"{key.id}\t{key.role}\t{key.name}")
    return 0
