"""Running the partitions: in this process one after another, or on Dask (a client, a scheduler, a LocalCluster)."""

from __future__ import annotations

import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import geopandas as gpd

from ..errors import InputError
from .task import rebuild, run_partition

log = logging.getLogger(__name__)

__all__ = ["execute", "progress_on"]

Done = Callable[[int, "dict[str, Any] | None", "BaseException | None", str], None]


def progress_on(progress: bool) -> bool:
    """Whether to show progress (``HEALTHCOV_PROGRESS=0`` turns it off)."""
    return bool(progress) and os.environ.get("HEALTHCOV_PROGRESS", "1") not in ("0", "false", "no")


def _in_process(specs: list[dict[str, Any]], facilities: gpd.GeoDataFrame, done: Done) -> dict[str, Any]:
    for i, spec in enumerate(specs):
        try:
            out = run_partition(spec, facilities)
        except Exception as exc:
            done(i, None, exc, traceback.format_exc())
        else:
            done(i, out, None, "")
    return {
        "engine": "in-process (workers=0: one partition after another, no Dask)",
        "scheduler": None,
        "dashboard": None,
        "workers": 1,
        "threads": 1,
    }


def _connect(client: Any, scheduler: str | None, workers: int | None) -> tuple[Any, list[Any], str]:
    """The Dask client to use, what this run started (to close), and a description."""
    try:
        from distributed import Client, LocalCluster, default_client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        msg = "assess_partitioned needs Dask: pip install 'dask[distributed]'"
        raise ImportError(msg) from exc
    if client is not None:
        return client, [], "the Dask client given"
    if scheduler is not None:
        c = _scheduler_client(Client, scheduler)
        if workers:
            try:
                c.wait_for_workers(int(workers))
            except BaseException:
                c.close()
                raise
        return c, [c], f"Dask scheduler at {scheduler}"
    if workers is None:
        try:
            return default_client(), [], "the current default Dask client"
        except ValueError:
            pass
    n = int(workers) if workers else (os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True)
    c = Client(cluster)
    return c, [c, cluster], f"LocalCluster started for this run ({n} worker processes, 1 thread each)"


def _on_dask(
    c: Any, how: str, scheduler: str | None, specs: list[dict[str, Any]], facilities: gpd.GeoDataFrame, done: Done
) -> dict[str, Any]:
    from distributed import as_completed

    nthreads = c.nthreads()
    info = {
        "engine": "dask.distributed",
        "scheduler": c.scheduler.address if c.scheduler is not None else scheduler,
        "dashboard": c.dashboard_link,
        "cluster": how,
        "workers": len(nthreads),
        "threads": int(sum(nthreads.values())),
    }
    token = uuid.uuid4().hex[:8]
    fac_future = c.scatter(facilities, broadcast=True, hash=False)
    spec_futures = c.scatter(specs, hash=False)
    futures = [
        c.submit(run_partition, sf, fac_future, key=f"healthcov-{token}-{i}-{spec['area_code']}", pure=False)
        for i, (sf, spec) in enumerate(zip(spec_futures, specs, strict=True))
    ]
    number = {f.key: i for i, f in enumerate(futures)}
    for fut in as_completed(futures):
        i = number[fut.key]
        if fut.status == "error":
            err = fut.exception()
            tb = "".join(traceback.format_tb(fut.traceback())) if fut.traceback() is not None else ""
            done(i, None, err, tb)
        else:
            done(i, fut.result(), None, "")
        fut.release()
    return info


def execute(
    specs: list[dict[str, Any]],
    facilities: gpd.GeoDataFrame,
    *,
    client: Any,
    scheduler: str | None,
    workers: int | None,
    progress: bool,
) -> tuple[dict[int, dict[str, Any]], dict[int, tuple[BaseException, str]], dict[str, Any]]:
    """Run every partition; results and failures by partition number, and how it was run."""
    from tqdm.auto import tqdm

    results: dict[int, dict[str, Any]] = {}
    failures: dict[int, tuple[BaseException, str]] = {}
    show = progress_on(progress)
    bar = tqdm(total=len(specs), desc="partitions", unit="area", disable=not show)

    def done(i: int, res: dict[str, Any] | None, exc: BaseException | None, tb: str) -> None:
        if res is not None and "error" in res:
            module, name, message, tb = res["error"]
            exc, res = rebuild(module, name, message), None
        if exc is not None:
            failures[i] = (exc, tb)
            log.warning("partition %s (%s) failed: %s", specs[i]["area_code"], specs[i]["area_name"], exc)
        elif res is not None:
            results[i] = res
        bar.set_postfix_str(str(specs[i]["area_name"]), refresh=False)
        bar.update()

    if client is None and scheduler is None and workers == 0:
        try:
            return results, failures, _in_process(specs, facilities, done)
        finally:
            bar.close()
    own: list[Any] = []
    try:
        c, own, how = _connect(client, scheduler, workers)
        log.info("Dask dashboard: %s", c.dashboard_link)
        if show:
            print(f"healthcov: Dask dashboard at {c.dashboard_link}", file=sys.stderr)
        info = _on_dask(c, how, scheduler, specs, facilities, done)
    finally:
        bar.close()
        for obj in own:
            obj.close()
    return results, failures, info


def _scheduler_client(Client: Any, scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``; an unreachable one is an input error naming it."""
    import dask

    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        return Client(scheduler)
    except (OSError, TimeoutError) as exc:
        msg = (
            f"could not reach the Dask scheduler at {scheduler!r} within {timeout} ({type(exc).__name__}): "
            "check the address and port (tcp://host:8786), that the scheduler is running and that this "
            "machine may connect to it; or run on this machine with workers=N"
        )
        raise InputError(msg) from exc
