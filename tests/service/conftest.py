"""A real uvicorn server on 127.0.0.1 per test module, with a key of each role and a small sample population."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from partyrules.commands.serve import rulesets_from
from partyrules.service import DecisionLog, KeyStore, ServiceConfig, add_key, create_app
from partyrules.synthetic import generate_subdistrict


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()


@dataclass
class Served:
    url: str
    keys: dict[str, str]  # role -> the full key text
    log: DecisionLog
    log_path: Path
    config: ServiceConfig

    def client(self, role: str | None = "administer") -> httpx.Client:
        headers = {"X-API-Key": self.keys[role]} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


@pytest.fixture(scope="module")
def sample():
    return generate_subdistrict(communities=1, organisations=3, members=12)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("service")
    keys_file = base / "keys.jsonl"
    keys = {role: add_key(keys_file, f"test-{role}", role)[1] for role in ("read", "score", "administer")}
    rulesets, root = rulesets_from(None)
    log = DecisionLog(base / "decisions.sqlite")
    config = ServiceConfig(rulesets=rulesets, keys=KeyStore.load(keys_file), log=log, rulesets_dir=root,
                           max_body_bytes=512 * 1024, max_batch=20)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", keys, log, base / "decisions.sqlite", config)
    server.should_exit = True
    thread.join(10)
    log.close()
