"""Load test of the decision service: a real ``partyrules serve`` (uvicorn, a subprocess) on 127.0.0.1, 20
concurrent clients sending 10,000 scoring requests of the generated sub-district's members, against the same
evaluation called in-process (no HTTP, no log) in the same run.

    python benchmarks/bench_service.py                       # 20 clients, 10,000 requests
    python benchmarks/bench_service.py --clients 8 --requests 2000

Prints one ``name: value`` line per figure:

- ``requests``, ``clients``, ``errors`` (responses other than 200, and failed connections);
- ``p50_ms``, ``p99_ms``: latency of one scoring request as a client sees it;
- ``requests_per_s``: acknowledged decisions per second over the whole run;
- ``inprocess_per_s``: the same requests' evaluation in this process (facts read, rule set chosen, evaluated,
  breakdown as JSON) on as many threads as there are clients (the engine runs outside the GIL, as the server's
  thread pool does), and ``inprocess_one_thread_per_s`` on one thread;
- ``http_over_inprocess``: how many times slower a decision over HTTP is, logged and committed (what to watch:
  absolute figures move with the machine's load);
- ``log_decisions``, ``log_equals_acknowledged``: the log's rows after the run, and 1 when every acknowledged
  decision id is in it with the subject it was about.
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from partyrules.cycle.scoring import RuleSetChooser
from partyrules.facts import parse_subject_facts
from partyrules.periods import Period
from partyrules.rulesets.loader import load_ruleset
from partyrules.service import add_key
from partyrules.shipped_rulesets import SHIPPED, shipped_ruleset_path
from partyrules.synthetic import generate_subdistrict


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(base: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    _, key = add_key(base / "keys.jsonl", "bench", "score")
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "partyrules.cli", "serve", "--port", str(port), "--keys",
                             str(base / "keys.jsonl"), "--log", str(base / "log.sqlite")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url, key
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def _load(url: str, key: str, bodies: list[bytes], clients: int, total: int):
    latencies: list[float] = []
    acknowledged: list[tuple[int, str]] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        nonlocal errors
        with httpx.Client(base_url=url, headers={"X-API-Key": key, "content-type": "application/json"},
                          timeout=120) as c:
            for i in counter:  # next() on a shared range iterator is atomic under the GIL
                t = time.perf_counter()
                try:
                    r = c.post("/score", content=bodies[i % len(bodies)])
                except httpx.HTTPError:
                    with lock:
                        errors += 1
                    continue
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt)
                    if r.status_code == 200:
                        d = r.json()
                        acknowledged.append((d["decision_id"], d["breakdown"]["subject_id"]))
                    else:
                        errors += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, acknowledged, errors, time.perf_counter() - start


def _inprocess(bodies: list[bytes], total: int, threads: int) -> float:
    chooser = RuleSetChooser([load_ruleset(shipped_ruleset_path(k)) for k in SHIPPED])
    counter = iter(range(total))

    def work() -> None:
        for i in counter:
            req = json.loads(bodies[i % len(bodies)])
            facts = parse_subject_facts(req["facts"])
            period = Period.parse(req["period"])
            chooser.evaluator_for(facts, period).evaluate(facts, period).to_json()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return total / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--members", type=int, default=200, help="distinct members sent, round robin")
    args = ap.parse_args()
    area = generate_subdistrict(communities=2, organisations=12, members=args.members)
    bodies = [json.dumps({"facts": m.model_dump(mode="json"), "period": "2026"}).encode() for m in area.members]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        proc, url, key = _serve(base)
        try:
            latencies, acknowledged, errors, elapsed = _load(url, key, bodies, args.clients, args.requests)
        finally:
            proc.terminate()
            proc.wait(30)
        with sqlite3.connect(base / "log.sqlite") as db:
            stored = dict(db.execute("SELECT id, subject_id FROM decisions").fetchall())
    inproc_1 = _inprocess(bodies, min(args.requests, 2_000), 1)
    inproc = _inprocess(bodies, min(args.requests, 2_000), args.clients)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    rps = len(acknowledged) / elapsed
    print(f"requests: {args.requests}")
    print(f"clients: {args.clients}")
    print(f"errors: {errors}")
    print(f"p50_ms: {q[49] * 1000:.1f}")
    print(f"p99_ms: {q[98] * 1000:.1f}")
    print(f"requests_per_s: {rps:.1f}")
    print(f"inprocess_one_thread_per_s: {inproc_1:.1f}")
    print(f"inprocess_per_s: {inproc:.1f}")
    print(f"http_over_inprocess: {inproc / rps:.2f}")
    print(f"log_decisions: {len(stored)}")
    print(f"log_equals_acknowledged: {int(all(stored.get(i) == s for i, s in acknowledged))}")


if __name__ == "__main__":
    main()
