"""Real servers for the service's tests: a uvicorn server of a config on a free port, and a config with a key of
each role over the shipped rule sets (conftest.py makes the module's shared one from these)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from partyrules.commands.serve import rulesets_from
from partyrules.service import DecisionLog, KeyStore, ServiceConfig, add_key, create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])



@contextmanager
def running(config: ServiceConfig) -> Iterator[str]:
    """A real uvicorn server of ``config`` on a free port of 127.0.0.1, for the block; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def make_served(base: Path, **limits: Any) -> tuple[ServiceConfig, dict[str, str]]:
    """A service config over the shipped rule sets with a key of each role (and a second score key) in ``base``."""
    keys_file = base / "keys.jsonl"
    keys = {role: add_key(keys_file, f"test-{role}", role)[1] for role in ("read", "score", "administer")}
    keys["score2"] = add_key(keys_file, "test-score-2", "score")[1]
    rulesets, root = rulesets_from(None)
    log = DecisionLog(base / "decisions.sqlite")
    config = ServiceConfig(rulesets=rulesets, keys=KeyStore.load(keys_file), log=log, rulesets_dir=root,
                           **{"max_body_bytes": 512 * 1024, "max_batch": 20, **limits})
    return config, keys


