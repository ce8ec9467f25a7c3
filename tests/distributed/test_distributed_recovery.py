"""A worker killed mid-run loses and duplicates no subject, while scoring and once the scores are held."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import partyrules as pr
from partyrules.distributed import connect, score_distributed
from partyrules.distributed.table import PartitionedFrame
from partyrules.ranking import rank_distributed, rank_scores


def _kill(client: Any, worker: str) -> None:
    """End a worker's process at once, as a crash would (its nanny starts a new, empty one)."""
    with contextlib.suppress(Exception):  # the call cannot answer: the process it ran in is gone
        client.run(os._exit, 1, workers=[worker])


def test_killed_worker_loses_and_duplicates_no_subject(parts_dir: Path, rulesets: dict[str, pr.RuleSet],
                                                       single: dict[str, pr.PopulationScores]) -> None:
    rs = rulesets["in_service"]
    want = single["in_service"].frame
    with connect(n_workers=3, threads_per_worker=1, memory_limit="2GiB") as c:
        killed: list[str] = []

        def kill_when_first_partition_is_done() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for worker, keys in c.has_what().items():
                    if any("partyrules-score" in str(k) for k in keys):
                        killed.append(worker)
                        _kill(c, worker)
                        return
                time.sleep(0.02)

        t = threading.Thread(target=kill_when_first_partition_is_done)
        t.start()
        ds = score_distributed(rs, parts_dir, "2026", client=c)
        t.join()
        assert killed, "no worker was killed: the test did not test anything"
        got = ds.compute().frame
        assert got["subject_id"].n_unique() == got.height == want.height
        assert got.equals(want)
        # and once more after the scores are held: losing a worker's results recomputes them
        holder = next(w for w, keys in c.has_what().items() if keys)
        _kill(c, holder)
        ranks = rank_distributed(ds, ("branch_id",), method="counts")
        assert isinstance(ranks, PartitionedFrame)
        assert ranks.compute().equals(rank_scores(want, ("branch_id",)))
