"""Waiting on the cluster is bounded by progress: a task that never finishes ends in a typed error naming the step,
while a run whose tasks keep finishing is never cut short, however long it takes in all."""

from __future__ import annotations

import time
from typing import Any

import dask
import pytest

from partyrules.distributed import DistributedError
from partyrules.distributed.cluster import gather


def test_a_stalled_task_is_an_error_not_a_hang(client: Any) -> None:
    stuck = client.submit(time.sleep, 5.0, pure=False)  # a library function: the workers cannot import tests
    started = time.monotonic()
    with dask.config.set({"partyrules.stall-seconds": 1.0}), \
            pytest.raises(DistributedError, match=r"scoring the test: 1 of 1 tasks made no progress for 1 s") as info:
        gather(client, [stuck], "scoring the test")
    assert time.monotonic() - started < 4.5
    assert "stall-seconds" in (info.value.hint or "")
    client.gather([stuck])  # a sleeping worker thread cannot be interrupted: leave the cluster idle for others


def test_a_long_run_that_keeps_finishing_tasks_is_not_cut_short(client: Any) -> None:
    naps = [2.0, 4.5, 7.0]  # one per worker, all at once: finishing 2-2.5 s apart, 7 s in all, bound 4 s
    started = time.monotonic()
    with dask.config.set({"partyrules.stall-seconds": 4.0}):
        assert gather(client, client.map(time.sleep, naps, pure=False), "napping") == [None] * 3
    assert time.monotonic() - started > 4.0
