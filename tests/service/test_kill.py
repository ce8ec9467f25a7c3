"""A server killed with SIGKILL under load loses no decision it acknowledged: each is committed before it is sent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import httpx

from partyrules.service import add_key

CLIENTS = 4
ACKNOWLEDGED_BEFORE_KILL = 40


def _start(tmp_path, port):
    keys = tmp_path / "keys.jsonl"
    _, key = add_key(keys, "load", "score")
    proc = subprocess.Popen([sys.executable, "-m", "partyrules.cli", "serve", "--port", str(port), "--keys", str(keys),
                             "--log", str(tmp_path / "log.sqlite")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "the server exited"
        assert time.monotonic() < deadline, "the server did not start"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, key
        except httpx.HTTPError:
            time.sleep(0.2)


def test_sigkill_under_load_loses_no_acknowledged_decision(tmp_path, sample, port):
    proc, key = _start(tmp_path, port)
    acknowledged: list[tuple[int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()
    bodies = [{"facts": f.model_dump(mode="json"), "period": "2026"} for f in sample.members]

    def client(n: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": key}, timeout=30) as c:
            i = n
            while not stop.is_set():
                try:
                    r = c.post("/score", json=bodies[i % len(bodies)])
                except httpx.HTTPError:
                    return  # the server is gone
                i += 1
                if r.status_code == 200:
                    with lock:
                        acknowledged.append((r.json()["decision_id"], r.json()["breakdown"]["subject_id"]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL:
            assert time.monotonic() < deadline, f"only {len(acknowledged)} decisions in 60 s"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # while the clients are still sending
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        proc.kill()
        proc.wait(10)
    with sqlite3.connect(tmp_path / "log.sqlite") as db:
        stored = dict(db.execute("SELECT id, subject_id FROM decisions").fetchall())
    missing = [(i, s) for i, s in acknowledged if stored.get(i) != s]
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL and missing == []
