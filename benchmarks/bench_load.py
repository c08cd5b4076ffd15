"""Loading and cache benchmark (issue 13's safe part): ratios against named baselines, one process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_load.py                 # everything (about 4 minutes here)
    .venv/bin/python benchmarks/bench_load.py --side 300      # a smaller synthetic grid
    .venv/bin/python benchmarks/bench_load.py --main /path/to/main/coverage   # demo against that code

What it measures, each against the baseline named in its row:

- **Read once for every mode**: the central-Shanghai ``.osm`` (OSM XML) prepared for walk, drive
  and ambulance with :func:`healthcov.read_networks` (one parse) against
  :func:`healthcov.read_network` three times (baseline: three parses). The script checks that
  both give the same node and edge counts per mode.
- **Node-point cache**: :func:`healthcov.travel_times` on Jinan (the shared line layer, ~11,855
  nodes) from 1,000 facilities, against the same call with ``nodes_frame`` rebuilding the
  node points on every call (baseline: the pre-cache ``nodes_frame``, put back for the run).
- **Vertex-key cache**: per-facility isochrones (``per_facility=True``, 3 bands) on Jinan and on
  a synthetic street grid (``--side``² nodes; 450 → ~200k), in seconds per facility-band,
  against ``points_along`` as it was (baseline: the method before the cache, which rebuilt the
  vertex key of the whole network and searched it for every point, put back for the run; now
  the key is built once and only points on bent edges search it). Polygons are checked equal.
- **The demo**: ``python -m healthcov.cli demo --out DIR`` as a whole process with this
  checkout's code against ``--main`` (default ``/work/main/coverage``, today's main), one run each;
  the printed results (the verdict table) are compared line by line, timings left out. To
  compare against the commit a branch started from, export it first:
  ``git archive <commit> coverage | tar -x -C /tmp/base`` and pass ``--main /tmp/base/coverage``.

Everything prints as a Markdown table (paste it into the README).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")

import healthcov as hc
import healthcov.traveltime as traveltime_module
from healthcov.network.arrays import GraphArrays, graph_arrays

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import synthetic_roads

ROWS: list[tuple[str, str, str, str, str, str]] = []
HERE = Path(__file__).resolve().parents[1] / "coverage"


def row(data: str, task: str, baseline: str, new_s: float, base_s: float, unit: str = "s") -> None:
    ROWS.append((data, task, baseline, f"{new_s:.4g} {unit}", f"{base_s:.4g} {unit}", f"{base_s / new_s:.2f}×"))
    print(f"  {task}: {new_s:.4g} {unit} (baseline {base_s:.4g} {unit}, {base_s / new_s:.2f}×)", flush=True)


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def quiet(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run


# --- the baselines: the code before the caches, put back for a run ------------------------


def nodes_frame_uncached(G: Any) -> gpd.GeoDataFrame:
    """``nodes_frame`` as it was before the node-point cache: new points on every call."""
    arr = graph_arrays(G)
    o = arr.g_order
    return gpd.GeoDataFrame(
        index=pd.Index(arr.node_ids[o], name="node"), geometry=shapely.points(arr.x[o], arr.y[o]), crs=G.graph["crs"]
    )


def points_along_before(self: GraphArrays, edge: np.ndarray, frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``points_along`` as it was before this change: the vertex key rebuilt and searched on every call."""
    coords, offsets, cfrac = self.flat_coords()
    edge = np.asarray(edge, dtype=np.int64)
    frac = np.clip(np.asarray(frac, dtype=float), 0.0, 1.0)
    gkey = np.repeat(np.arange(self.m, dtype=np.float64) * 2.0, np.diff(offsets)) + cfrac
    q = edge * 2.0 + frac
    j = np.searchsorted(gkey, q, side="right") - 1
    j = np.clip(j, offsets[edge], offsets[edge + 1] - 2)
    f0, f1 = cfrac[j], cfrac[j + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(f1 > f0, (frac - f0) / (f1 - f0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    x = coords[j, 0] + t * (coords[j + 1, 0] - coords[j, 0])
    y = coords[j, 1] + t * (coords[j + 1, 1] - coords[j, 1])
    return x, y


@contextmanager
def uncached_nodes_frame() -> Iterator[None]:
    saved = traveltime_module.nodes_frame
    traveltime_module.nodes_frame = nodes_frame_uncached
    try:
        yield
    finally:
        traveltime_module.nodes_frame = saved


@contextmanager
def points_along_as_before() -> Iterator[None]:
    saved = GraphArrays.points_along
    GraphArrays.points_along = points_along_before  # type: ignore[method-assign]
    try:
        yield
    finally:
        GraphArrays.points_along = saved  # type: ignore[method-assign]


# --- the measurements ------------------------------------------------------------------------


def bench_read_once() -> None:
    p = hc.datasets.path("shanghai_network")
    print(f"Shanghai OSM XML {p.name}: three modes", flush=True)
    modes = ("walk", "drive", "ambulance")
    t_base, t_new = [], []
    for _ in range(2):  # in turn, so that a change in the machine's speed hits both
        t, each = median_time(quiet(lambda: {m: hc.read_network(p, mode=m) for m in modes}), 1)
        t_base.append(t)
        t, once = median_time(quiet(lambda: hc.read_networks(p, modes=modes)), 1)
        t_new.append(t)
    t_each, t_once = float(np.median(t_base)), float(np.median(t_new))
    for m in modes:
        assert each[m].number_of_nodes() == once[m].number_of_nodes(), m
        assert each[m].number_of_edges() == once[m].number_of_edges(), m
    n = ", ".join(f"{m} {once[m].number_of_nodes():,}" for m in modes)
    row(f"Shanghai .osm (nodes: {n})", "read_networks, 3 modes", "read_network × 3", t_once, t_each)


def bench_nodes_frame(G: Any, label: str, repeat: int) -> None:
    nodes = hc.nodes_frame(G)
    pick = nodes.iloc[np.sort(np.random.default_rng(3).choice(len(nodes), size=1000, replace=False))]
    hc.travel_times(G, pick)  # warm: arrays, CSR and snapping index built outside the timings
    with uncached_nodes_frame():
        t_base, a = median_time(lambda: hc.travel_times(G, pick), repeat)
    t_new, b = median_time(lambda: hc.travel_times(G, pick), repeat)
    assert a.equals(b)
    row(label, "travel_times, 1,000 facilities", "nodes_frame rebuilt per call", t_new, t_base)


def bench_isochrones(G: Any, label: str, k: int, repeat: int = 3) -> None:
    nodes = hc.nodes_frame(G)
    pick = nodes.iloc[np.sort(np.random.default_rng(5).choice(len(nodes), size=k, replace=False))]
    bands = [5, 10, 15]

    def run() -> gpd.GeoDataFrame:
        return hc.isochrones(G, pick, minutes=bands, per_facility=True, progress=False)

    run()  # warm
    t_base, t_new = [], []
    for _ in range(repeat):  # in turn, so that a change in the machine's speed hits both
        with points_along_as_before():
            t, a = median_time(run, 1)
        t_base.append(t)
        t, b = median_time(run, 1)
        t_new.append(t)
    same = all(x.equals_exact(y, 0.0) for x, y in zip(a.geometry, b.geometry, strict=True))
    assert same and len(a) == k * len(bands)
    per = k * len(bands)
    task = f"isochrones per facility ({k} × 3 bands), s per facility-band"
    base = "points_along before (vertex key rebuilt and searched per call)"
    row(label, task, base, float(np.median(t_new)) / per, float(np.median(t_base)) / per)


def bench_demo(main_code: Path) -> None:
    print(f"healthcov demo: this checkout ({HERE}) against {main_code}", flush=True)
    runs = {}
    for name, code in (("main", main_code), ("this", HERE)):
        with tempfile.TemporaryDirectory() as out:
            data = str(hc.datasets.data_dir())  # the baseline's checkout may not sit beside the shared data
            env = {**os.environ, "PYTHONPATH": str(code), "HEALTHCOV_PROGRESS": "0", "HEALTHCOV_DATA": data}
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "healthcov.cli", "demo", "--out", out],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            runs[name] = (time.perf_counter() - t0, done)
        if done.returncode != 0:
            print(done.stderr[-3000:], flush=True)
            raise SystemExit(f"the demo failed with {code}")
    same = _results(runs["main"][1].stdout) == _results(runs["this"][1].stdout)
    print(f"  printed results identical: {same}", flush=True)
    row(
        "healthcov demo (whole process, Shanghai)",
        f"wall time; printed results identical: {same}",
        f"code at {main_code}",
        runs["this"][0],
        runs["main"][0],
    )


def _results(stdout: str) -> list[str]:
    """The demo's printed results without timings and output paths."""
    drop = re.compile(r"\d+(\.\d+)? ?s\b|seconds|秒|/tmp/")
    return [ln for ln in stdout.splitlines() if not drop.search(ln)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=450, help="synthetic grid side (450 → ~200k nodes)")
    ap.add_argument(
        "--main", type=Path, default=Path("/work/main/coverage"), help="the baseline's source root for the demo"
    )
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--demo-only", action="store_true")
    args = ap.parse_args(argv)
    if args.demo_only:
        bench_demo(args.main)
        _print_table()
        return 0
    bench_read_once()
    print("Jinan line layer", flush=True)
    jinan = quiet(lambda: hc.read_network(hc.datasets.path("jinan_edges"), mode="drive"))()
    jl = f"Jinan ({jinan.number_of_nodes():,} nodes)"
    bench_nodes_frame(jinan, jl, repeat=7)
    bench_isochrones(jinan, jl, k=100)
    print(f"Synthetic grid {args.side}×{args.side}", flush=True)
    grid = quiet(lambda: hc.read_network(synthetic_roads(args.side), mode="drive", directed=False))()
    gl = f"synthetic grid ({grid.number_of_nodes():,} nodes)"
    bench_isochrones(grid, gl, k=50)
    del grid
    if not args.skip_demo:
        bench_demo(args.main)
    _print_table()
    return 0


def _print_table() -> None:
    print("\n| data | task | baseline | healthcov | baseline time | speed-up |\n| --- | --- | --- | --- | --- | --- |")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    sys.exit(main())
