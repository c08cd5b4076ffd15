"""Isochrone benchmark: per-facility cost against network size, and union-isochrone memory.

Run from the repository root::

    .venv/bin/python benchmarks/bench_isochrones.py            # 10k, 100k, 400k nodes (about 3 minutes)
    .venv/bin/python benchmarks/bench_isochrones.py --quick    # 10k and 100k nodes

What it measures, on synthetic two-way street grids (a road-line layer read with
:func:`healthcov.read_network`, 100 m blocks, jittered, an arterial every 10th street):

- **Per facility-band seconds** of per-facility isochrones (reached intervals + grid polygon per
  facility and band; 30 facilities in the middle of the grid, bands 1, 2 and 3 minutes, so
  every size reaches the same amount of road) with

  - *baseline "whole-network search"*: the previous path, one ``dijkstra`` per facility over the
    whole network (full-size cost array) and a scan of every edge per band
    (``healthcov.isochrones._full_search_intervals``), and
  - *local search* (``healthcov.isochrones.facility_intervals``, what ``isochrones(...,
    per_facility=True)`` runs): the search on the nodes within straight-line reach of the
    facility. Its one-off index per network (a KD-tree of the nodes) is timed separately.

  Both give identical intervals; the script checks it at every size.
- **The GCJ-02 check** (20,000 points 40 m off the road at the largest size): a second full snap
  of the converted points (previous) against :func:`healthcov.network.snap.median_below`
  (nearest-road queries bounded by half the first snap's median). Same decision, checked.
- **Peak memory of a union isochrone** at the largest size (the 15-minute band of 20
  facilities, grid method): Python-heap peak (``tracemalloc``, which sees numpy's buffers) of
  the polygon step with sample points made in chunks of ``CHUNK_POINTS`` against all at once
  (the previous behaviour). Both polygons are checked equal.

Everything prints as a Markdown table. The biggest network is built and read once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")

import healthcov as hc
from healthcov.network.area import CHUNK_POINTS, grid_polygon_along, sample_counts
from healthcov.traveltime import multi_source, prepare_sources

iso_mod = sys.modules["healthcov.isochrones"]
BANDS_S = [60.0, 120.0, 180.0]
FACILITIES = 30
CELL_M = 100.0
FILL_CELLS = 2


def street_grid(side: int, spacing_m: float = 100.0, seed: int = 3) -> gpd.GeoDataFrame:
    """A ``side × side`` jittered two-way street grid (UTM 51N), one row per street segment."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = (600_000.0 + jj * spacing_m + rng.normal(0, spacing_m * 0.1, ii.shape)).ravel()
    y = (3_300_000.0 + ii * spacing_m + rng.normal(0, spacing_m * 0.1, ii.shape)).ravel()
    node = np.arange(side * side).reshape(side, side)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    line = np.concatenate([ii[:, :-1].ravel(), jj[:-1, :].ravel()])
    highway = np.where(line % 10 == 0, "primary", "residential")
    coords = np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1)
    return gpd.GeoDataFrame(
        {"highway": highway, "oneway": "no"}, geometry=shapely.linestrings(coords), crs="EPSG:32651"
    )


def centre_facilities(G: Any, count: int, radius_m: float, seed: int = 5) -> gpd.GeoDataFrame:
    """``count`` nodes within ``radius_m`` of the network's centre, moved 15 m off the road."""
    nodes = hc.nodes_frame(G)
    x, y = nodes.geometry.x.to_numpy(), nodes.geometry.y.to_numpy()
    cx, cy = np.median(x), np.median(y)
    near = np.flatnonzero(np.hypot(x - cx, y - cy) <= radius_m)
    pick = np.random.default_rng(seed).choice(near, size=count, replace=False)
    return gpd.GeoDataFrame(geometry=nodes.geometry.iloc[np.sort(pick)].translate(15.0, 15.0).values, crs=nodes.crs)


def per_facility_seconds(arr: Any, snapped: Any, generator: Any, polygons: bool) -> tuple[float, list[Any]]:
    """Best wall time of 3 runs of intervals (and grid polygons) for every facility and band."""
    best, kept = float("inf"), []
    for _ in range(3):
        t0 = time.perf_counter()
        kept = []
        for _, pieces in generator(arr, snapped, BANDS_S, weight="travel_time", direction="to_facility"):
            if polygons:
                for edge, s, e in pieces:
                    grid_polygon_along(arr, edge, s, e, step=CELL_M / 2, cell_m=CELL_M, fill_cells=FILL_CELLS)
            kept.append(pieces)
        best = min(best, time.perf_counter() - t0)
    return best, kept


def same_intervals(a: list[Any], b: list[Any]) -> bool:
    return all(
        np.array_equal(x, y)
        for pa, pb in zip(a, b, strict=True)
        for qa, qb in zip(pa, pb, strict=True)
        for x, y in zip(qa, qb, strict=True)
    )


def bench_size(side: int, rows: list[tuple[str, ...]], memory: bool) -> None:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = hc.read_network(street_grid(side), mode="drive")
    t_read = time.perf_counter() - t0
    fac = centre_facilities(G, FACILITIES, radius_m=1000.0)
    arr, src = prepare_sources(G, fac, max_snap_m=None, name="facilities")
    arr.csr("travel_time", reverse=True)  # built once per network for both paths
    arr.flat_coords()  # the arrays' own lazy parts, shared by both paths, built before timing
    arr.vertex_key()
    t0 = time.perf_counter()
    iso_mod.local_index(arr)
    iso_mod.reach_per_cost(arr, iso_mod.local_index(arr), "travel_time")
    t_index = time.perf_counter() - t0
    t_old, old = per_facility_seconds(arr, src.snapped, iso_mod._full_search_intervals, polygons=False)
    t_new, new = per_facility_seconds(arr, src.snapped, iso_mod.facility_intervals, polygons=False)
    assert same_intervals(old, new), "local and whole-network searches differ"
    p_old, _ = per_facility_seconds(arr, src.snapped, iso_mod._full_search_intervals, polygons=True)
    p_new, _ = per_facility_seconds(arr, src.snapped, iso_mod.facility_intervals, polygons=True)
    k = FACILITIES * len(BANDS_S)
    label = f"{arr.n:,} nodes"
    ms = [f"{1000 * t / k:.2f}" for t in (t_old, t_new, p_old, p_new)]
    rows.append((label, f"{t_read:.1f}", f"{t_index:.2f}", ms[0], ms[1], f"{t_old / t_new:.1f}×", ms[2], ms[3]))
    print(f"  {label}: read {t_read:.1f} s, index {t_index:.2f} s, ms per facility-band " + " / ".join(ms), flush=True)
    if memory:
        union_memory(G, arr)
        gcj_check(G, arr)


def union_memory(G: Any, arr: Any) -> None:
    """Peak heap of the grid polygon: the 15-minute band of 20 facilities, and every road (network_area)."""
    fac = centre_facilities(G, 20, radius_m=5000.0, seed=9)
    _, src = prepare_sources(G, fac, max_snap_m=None, name="facilities")
    cost, _, _ = multi_source(arr, src.snapped, weight="travel_time", direction="to_facility", limit=900.0)
    band = iso_mod.reached_intervals(
        arr, cost, 900.0, weight="travel_time", direction="to_facility", sources=src.snapped
    )
    every = (np.arange(arr.m), np.zeros(arr.m), np.ones(arr.m))
    print("\nUnion isochrone grid polygon: peak Python heap (tracemalloc) and time")
    print(
        "| reached road | sample points | all points at once (previous) MB | chunks MB | ratio | s at once | s chunks |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, (edge, s, e) in (("15 min of 20 facilities", band), ("every road (network_area)", every)):
        out = []
        for chunk in (10**12, CHUNK_POINTS):
            tracemalloc.start()
            t0 = time.perf_counter()
            poly = grid_polygon_along(
                arr, edge, s, e, step=CELL_M / 2, cell_m=CELL_M, fill_cells=FILL_CELLS, chunk_points=chunk
            )
            dt = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out.append((poly, peak, dt))
        (a, pa, ta), (b, pb, tb) = out
        assert a.equals(b) and abs(a.area - b.area) <= 1e-9 * a.area, "chunked polygon differs"
        points = int(sample_counts(arr, edge, s, e, CELL_M / 2).sum())
        cells = f"{label}, {a.area / 1e6:,.0f} km²"
        print(
            f"| {cells} | {points:,} | {pa / 2**20:,.0f} | {pb / 2**20:,.0f} | {pa / pb:.1f}× | {ta:.2f} | {tb:.2f} |"
        )
    print(f"(chunks of {CHUNK_POINTS:,} points)")


def gcj_check(G: Any, arr: Any, count: int = 20_000) -> None:
    """The GCJ-02 check's converted points: a full second snap (previous) against bounded queries."""
    from healthcov.crs import gcj02_to_wgs84
    from healthcov.network.snap import median_below, snap_xy

    nodes = hc.nodes_frame(G)
    rng = np.random.default_rng(2)
    pick = nodes.geometry.iloc[rng.choice(len(nodes), count, replace=False)]
    pts = pick.translate(40.0, 40.0)  # 40 m off the roads: the check runs (median >= 20 m)
    t0 = time.perf_counter()
    ll = pts.to_crs(4326)
    wl, wa = gcj02_to_wgs84(ll.x.to_numpy(), ll.y.to_numpy())
    conv = gpd.GeoSeries(shapely.points(wl, wa), crs=4326).to_crs(pts.crs)
    t_conv = time.perf_counter() - t0
    first = snap_xy(arr, pts.x.to_numpy(), pts.y.to_numpy(), 1000.0, 5.0)
    threshold = 0.5 * float(np.median(first.dist_m))
    t0 = time.perf_counter()
    second = snap_xy(arr, conv.x.to_numpy(), conv.y.to_numpy(), 1000.0, 5.0)
    old = float(np.median(second.dist_m))
    t_old = time.perf_counter() - t0
    t0 = time.perf_counter()
    new = median_below(arr, conv.values, threshold)
    t_new = time.perf_counter() - t0
    assert (new is None) == (old >= threshold) and (new is None or new == old), "decisions differ"
    print(f"\nGCJ-02 check, {count:,} points 40 m off the road on {arr.n:,} nodes (conversion {t_conv:.2f} s, both)")
    print("| converted points | s |\n|---|---:|")
    print(f"| second full snap (previous) | {t_old:.3f} |\n| roads within half the median only | {t_new:.3f} |")
    print(f"decision: {'warn' if new is not None else 'no warning'} in both; {t_old / t_new:.1f}× faster")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k and 100k nodes only")
    args = ap.parse_args()
    sides = [100, 316] if args.quick else [100, 316, 632]
    rows: list[tuple[str, ...]] = []
    for side in sides:
        bench_size(side, rows, memory=side == sides[-1])
    print(f"\nPer-facility isochrones, ms per facility-band ({FACILITIES} facilities × bands 1, 2, 3 min)")
    print("baseline = one whole-network search per facility (the previous path); local = search within reach")
    head = ["network", "read s", "index s (once)", "search+intervals: baseline", "local", "speed-up"]
    head += ["with grid polygons: baseline", "local"]
    print("| " + " | ".join(head) + " |")
    print("|---|" + "---:|" * (len(head) - 1))
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
