"""A real uvicorn server on 127.0.0.1 per test module, with a key of each role and a small sample population."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from serving import free_port, make_served, running

from partyrules.service import DecisionLog, ServiceConfig
from partyrules.synthetic import generate_subdistrict

__all__ = ["free_port", "make_served", "running"]


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
    config, keys = make_served(base)
    with running(config) as url:
        yield Served(url, keys, config.log, base / "decisions.sqlite", config)
    config.log.close()
