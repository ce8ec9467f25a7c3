"""Connecting to a Dask cluster: a LocalCluster on this machine, or any scheduler the user runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .source import DistributedError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["STALL_SECONDS", "client_for", "connect", "gather", "prepare", "require_distributed", "worker_modules"]

STALL_SECONDS = 900.0
"""How long :func:`gather` waits with no task finishing before it gives up (``dask.config`` key
``partyrules.stall-seconds`` overrides it): a lost task must end in an error, never leave the caller waiting for
ever, while a long run that keeps finishing tasks is never cut short."""


def require_distributed() -> Any:
    """The ``distributed`` package, or an error that says how to get it (it is an optional extra)."""
    try:
        import dask.dataframe  # noqa: F401  (the extra brings both; fail early if either is missing)

        import distributed
    except ImportError:
        raise DistributedError("distributed scoring needs dask[dataframe] and distributed",
                               hint='pip install "partyrules[distributed]"') from None
    return distributed


def connect(address: str | None = None, *, n_workers: int | None = None, threads_per_worker: int = 1,
            memory_limit: str | float | None = "auto", polars_threads: int | None = None,
            **cluster_options: Any) -> Client:
    """A Dask client: to the scheduler at ``address`` (``"tcp://host:8786"``, or a scheduler file path ending in
    ``.json``), or, without an address, to a new :class:`distributed.LocalCluster` on this machine.

    For a LocalCluster, ``n_workers`` processes (default: one per core) with ``threads_per_worker`` threads each;
    one thread per worker suits partyrules, as polars already uses every core of its process. ``memory_limit``
    is per worker; ``polars_threads`` caps polars' thread pool in each worker (default: the cores shared out
    among the workers, so that workers do not fight over cores); ``cluster_options`` go to LocalCluster. Close
    the client (``client.close()`` or ``with``) when
    done; a LocalCluster made here is closed with it.
    """
    distributed = require_distributed()
    if address is not None:
        if not isinstance(address, str) or not address:
            raise DistributedError(f"the scheduler address must be a non-empty string, got {address!r}",
                                   hint="e.g. 'tcp://10.0.0.5:8786' or a scheduler file 'scheduler.json'")
        try:
            if address.endswith(".json"):
                return distributed.Client(scheduler_file=address)
            # Dask's own connect timeout (30 s unless the user's dask config says otherwise) unless one is given
            import dask

            timeout = cluster_options.pop("timeout", dask.config.get("distributed.comm.timeouts.connect", "30s"))
            return distributed.Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise DistributedError(f"cannot connect to the Dask scheduler at {address}: {exc}",
                                   hint="start one with `dask scheduler` and workers with `dask worker <address>`") \
                from None
    import os

    workers = n_workers or os.cpu_count() or 1
    threads = polars_threads or max(1, (os.cpu_count() or 1) // workers)
    env = dict(cluster_options.pop("env", {}) or {})
    env.setdefault("POLARS_MAX_THREADS", str(threads))  # read by polars when a worker process imports it
    cluster_options["env"] = env
    cluster_options.setdefault("dashboard_address", ":0")  # any free port: a fixed one clashes on shared machines
    # a Client given no address makes its own LocalCluster from these options and closes it when it closes
    return distributed.Client(n_workers=n_workers, threads_per_worker=threads_per_worker,
                              memory_limit=memory_limit, processes=True, **cluster_options)


# What every worker imports before any task runs (see prepare). The packages above this one whose tasks run on the
# workers add their own modules with worker_modules when they are imported, so this layer names none of them.
_MODULES: list[str] = ["polars", "numpy", "pandas", "pyarrow", "partyrules.evaluate.vector", "partyrules.population.io"]


def worker_modules(*names: str) -> None:
    """Have every worker import the modules ``names`` before any task runs, from the next :func:`prepare` of a
    client on (a package whose functions run as tasks calls this when it is imported)."""
    for name in names:
        if name not in _MODULES:
            _MODULES.append(name)


def _import_on_worker(modules: tuple[str, ...]) -> None:
    import importlib

    for name in modules:
        importlib.import_module(name)


def prepare(client: Client) -> None:
    """Import polars and partyrules' scoring modules on every worker, present and future (a worker plugin), before
    any task runs: a worker unpickling a polars frame on its event loop while a task imports polars in its thread
    can see a half-imported polars and fail."""
    distributed: Any = require_distributed()  # the module, imported on first use

    class Imports(distributed.WorkerPlugin):
        name = "partyrules-imports"  # registering again replaces it: one per cluster

        def setup(self, worker: Any) -> None:
            _import_on_worker(modules)

    modules = tuple(_MODULES)
    # again when a package has added modules since: the new plugin replaces the old one on every worker
    if getattr(client, "_partyrules_prepared", None) != modules:
        client.register_plugin(Imports())
        client._partyrules_prepared = modules  # type: ignore[attr-defined]


def client_for(client: Client | str | None) -> Client:
    """The client to use: the one given, one connected to the address given, or the current one (a
    ``with Client(...)`` block or the last client made), else a new LocalCluster."""
    distributed = require_distributed()
    if isinstance(client, distributed.Client):
        prepare(client)
        return client
    if isinstance(client, str):
        c = connect(client)
        prepare(c)
        return c
    if client is not None:
        raise DistributedError(f"client must be a dask.distributed Client, a scheduler address or None, got "
                               f"{type(client).__name__}", hint="e.g. client=partyrules.distributed.connect()")
    try:
        c = distributed.get_client()
    except ValueError:
        c = connect()
    prepare(c)
    return c


def gather(client: Client, futures: list[Any], what: str = "waiting for the cluster") -> list[Any]:
    """The results of ``futures``, in order, as ``client.gather`` gives them, but raising
    :class:`DistributedError` when no task has finished for ``STALL_SECONDS`` (see there)."""
    import dask

    distributed = require_distributed()
    stall = float(dask.config.get("partyrules.stall-seconds", STALL_SECONDS))
    pending = set(futures)
    while pending:
        try:
            done = distributed.wait(list(pending), timeout=stall, return_when="FIRST_COMPLETED")
        except TimeoutError:
            raise DistributedError(
                f"{what}: {len(pending)} of {len(futures)} tasks made no progress for {stall:g} s "
                f"(workers: {len(client.scheduler_info().get('workers', {}))})",
                hint="check the workers (the dashboard, `dask worker` logs); a long task needs a larger "
                     "dask.config partyrules.stall-seconds") from None
        pending = set(done.not_done)
    return list(client.gather(futures))
