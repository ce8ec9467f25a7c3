"""``partyrules serve``: the decision service over HTTP (needs the ``api`` extra: pip install 'partyrules[api]').

Loads the rule sets of ``--rulesets DIR`` (default: the shipped ones), the keys of ``--keys FILE`` (made by
``partyrules keys add``), opens the decision log ``--log FILE`` (and the ledger ``--ledger FILE``, if given) and
serves them with uvicorn on 127.0.0.1 by default. Exit codes: 2 no keys or the extra is missing; 3 a rule set is
invalid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import FactError, KeysFileError, PartyRulesError, RuleSetError
from .common import EXIT_INVALID, error_line, is_fragment, report, ruleset_files
from .serve_population import add_population_args, year_source_from

MISSING_EXTRA = ("the service needs fastapi and uvicorn / 服务需要安装 fastapi 和 uvicorn",
                 "pip install 'partyrules[api]'")


def rulesets_from(directory: str | None) -> tuple[list[Any], Path]:
    """The rule sets of ``directory`` (fragments and data files aside) and the directory itself; without one, the
    shipped rule sets and their directory. Raises :class:`RuleSetError` for the first that does not load."""
    from ..rulesets.loader import load_ruleset
    from ..shipped_rulesets import SHIPPED, shipped_ruleset_dir

    if directory is None:
        root = shipped_ruleset_dir()
        return [load_ruleset(root / name) for name in SHIPPED.values()], root
    files = [f for f in ruleset_files([directory]) if not is_fragment(f)]
    return [load_ruleset(f) for f in files], Path(directory)


def _open_ledger(path: str | None) -> Any:
    if path is None:
        return None
    from ..cycle.ledger import Ledger

    return Ledger(path)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add the ``serve`` subcommand."""
    s = sub.add_parser("serve", help="serve scoring, explanations and the decision log over HTTP (the api extra)",
                       description="Serve the decision service: list the rule sets in force, score and explain "
                                   "subjects (every decision logged before it is answered), query the decision "
                                   "log, validate rule sets. Every request needs a key (partyrules keys add).")
    s.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    s.add_argument("--rulesets", metavar="DIR", default=None,
                   help="the directory of the rule sets to serve (default: the shipped rule sets)")
    s.add_argument("--log", metavar="FILE", default="decisions.sqlite",
                   help="the decision log, a SQLite file (default decisions.sqlite)")
    s.add_argument("--keys", metavar="FILE", default=None, required=False,
                   help="the keys file made by `partyrules keys add` (required)")
    s.add_argument("--ledger", metavar="FILE", default=None,
                   help="a ledger (SQLite file, created if missing) for publishing, objections and finalising "
                        "over HTTP; without it those endpoints answer 404")
    add_population_args(s)
    s.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from ..service.app import create_app
    except ImportError:
        print(error_line("serve", MISSING_EXTRA[0], hint=MISSING_EXTRA[1]), file=sys.stderr)
        return 2
    from ..service import DecisionLog, KeyStore, ServiceConfig

    if args.keys is None or not Path(args.keys).is_file():
        print(error_line("serve", "a keys file is needed / 需要密钥文件",
                         hint="partyrules keys add NAME --role score --file keys.jsonl, then --keys keys.jsonl"),
              file=sys.stderr)
        return 2
    try:
        keys = KeyStore.load(args.keys)
        rulesets, root = rulesets_from(args.rulesets)
        year_source = year_source_from(args, rulesets)
    except (KeysFileError, FactError) as exc:
        report("serve", exc)
        return 2
    except RuleSetError as exc:
        report("serve", exc)
        return EXIT_INVALID
    except (OSError, ValueError) as exc:
        print(error_line("serve", str(exc)), file=sys.stderr)
        return 2
    try:
        ledger = _open_ledger(args.ledger)
    except PartyRulesError as exc:
        report("serve", exc)
        return 2
    config = ServiceConfig(rulesets=rulesets, keys=keys, log=DecisionLog(args.log), rulesets_dir=root,
                           year_source=year_source, ledger=ledger)
    print(f"partyrules serve: {len(rulesets)} rule sets, {len(keys)} keys, log {args.log}, "
          + (f"ledger {args.ledger}, " if ledger is not None else "")
          + f"http://{args.host}:{args.port}/docs", file=sys.stderr)
    if year_source is not None:
        print(f"pages / 页面: http://{args.host}:{args.port}/pages/zh/ (English: /pages/en/), year {year_source.year}, "
              f"{len(year_source.members)} members, {len(year_source.branches)} branches", file=sys.stderr)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning")
    return 0
