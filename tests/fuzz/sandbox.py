"""Run fuzz inputs where a crash or a hang cannot take the test run down, and report what happened.

A server process (``python tests/fuzz/sandbox.py``) imports partyrules, polars and the drivers once, then forks
one child per input: the child runs a driver (:mod:`drivers`) and writes its result to a file; the server waits
for it at most ``timeout`` seconds. A child killed by a signal is a *crash*, one still running at the timeout is
killed and is a *hang*; either way the server lives on. The server never runs polars or the engine itself, so
forking it is safe (polars' thread pool and the engine's dispatcher threads start in the children).

The test process talks to the server over a pipe (:class:`Sandbox`), so nothing of the fuzzed code runs in it.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MEMORY_LIMIT = 6 * 2**30  # a runaway allocation in a child fails there instead of starving the machine


@dataclass
class Outcome:
    """What became of one input: ``done`` (the driver returned ``result``), ``crash`` or ``hang``."""

    status: str
    result: dict[str, Any] = field(default_factory=dict)
    signal: str | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0


# -- the server ----------------------------------------------------------------------------------------------------
def _send(fh: Any, obj: Any) -> None:
    data = pickle.dumps(obj)
    fh.write(struct.pack("<Q", len(data)) + data)
    fh.flush()


def _recv(fh: Any) -> Any:
    head = fh.read(8)
    if len(head) < 8:
        raise EOFError
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(fh.read(n))


def _child(job: str, kwargs: dict[str, Any], workdir: Path, jobs: dict[str, Any]) -> None:
    """In the forked child: run the driver with stdout and stderr going to files; never return."""
    status = 0
    try:
        for fd, name in ((1, "stdout"), (2, "stderr")):
            with open(workdir / name, "wb") as fh:
                os.dup2(fh.fileno(), fd)
        faulthandler.enable(file=sys.stderr, all_threads=True)
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        try:
            result = jobs[job](**kwargs)
        except BaseException:  # a driver's own bug: say so rather than lose the input
            result = {"driver_error": traceback.format_exc()}
        sys.stdout.flush()
        sys.stderr.flush()
        (workdir / "result.pkl").write_bytes(pickle.dumps(result))
    except BaseException:
        status = 3
    finally:
        os._exit(status)


def _tail(path: Path, limit: int = 6000) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - limit))
        return fh.read().decode("utf-8", "replace")


def serve() -> None:
    sys.path.insert(0, str(HERE))
    import drivers  # imports partyrules, polars, pyarrow, durable_rules once, before any fork

    jobs = drivers.JOBS
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            job, kwargs, timeout = _recv(stdin)
        except EOFError:
            return
        workdir = Path(tempfile.mkdtemp(prefix="partyrules-fuzz-job-"))
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(job, kwargs, workdir, jobs)
        fd = os.pidfd_open(pid)
        ready, _, _ = select.select([fd], [], [], timeout)
        hung = not ready
        if hung:
            os.kill(pid, signal.SIGKILL)
        _, wait_status = os.waitpid(pid, 0)
        os.close(fd)
        out = Outcome("done", seconds=time.monotonic() - start, stdout=_tail(workdir / "stdout"),
                      stderr=_tail(workdir / "stderr"))
        if hung:
            out.status = "hang"
        elif os.WIFSIGNALED(wait_status):
            out.status, out.signal = "crash", signal.Signals(os.WTERMSIG(wait_status)).name
        elif (workdir / "result.pkl").exists():
            try:
                out.result = pickle.loads((workdir / "result.pkl").read_bytes())
            except Exception:
                out.result = {"driver_error": "the result could not be read back:\n" + traceback.format_exc()}
        else:
            out.status = "crash"
            out.signal = f"exit status {os.WEXITSTATUS(wait_status)} without a result"
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()
        _send(stdout, out.__dict__)  # a dict: the class lives in __main__ here


# -- the client ----------------------------------------------------------------------------------------------------
class Sandbox:
    """The test process's handle on the server: ``run(job, timeout=20, **kwargs) -> Outcome``."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            env = {**os.environ, "PYTHONHASHSEED": "0", "POLARS_MAX_THREADS": "2"}
            self._proc = subprocess.Popen([sys.executable, str(HERE / "sandbox.py")], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, env=env)
        return self._proc

    def run(self, job: str, *, timeout: float = 20.0, **kwargs: Any) -> Outcome:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        _send(proc.stdin, (job, kwargs, timeout))
        return Outcome(**_recv(proc.stdout))

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=30)


if __name__ == "__main__":
    serve()
