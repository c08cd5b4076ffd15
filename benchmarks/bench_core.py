"""Core-engine benchmark: healthcov against a networkx baseline on the same graph, same process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_core.py            # full run (about 5 minutes here)
    .venv/bin/python benchmarks/bench_core.py --quick    # smaller baseline runs (about 1 minute)

What it measures (issue 2's targets in brackets):

- Jinan network (the shared OSM line layer, ~11,850 nodes after keeping the largest strongly
  connected component): nearest-facility times for every node from 10, 100 and 1,000 facilities
  with :func:`healthcov.travel_times` (one multi-source pass on the cached CSR) against networkx's
  ``single_source_dijkstra_path_length`` once per facility followed by a minimum [>= 50x for 100
  and 1,000 facilities]. Facilities are graph nodes, so both compute the same numbers; the script
  checks the largest difference.
- Jinan isochrones: the union of 1,000 facilities for 5/10/15 minutes [< 10 s] and per-facility
  polygons for 100 facilities x 3 bands [< 20 s], against the networkx baseline of one
  ``ego_graph`` per facility and a convex hull per band (which also over-states the area).
- A synthetic street-like road layer of at least 500,000 nodes (a jittered grid with arterials
  every 10th street, missing links and one-way streets), built in this script: ``read_network``,
  the one-off array conversion, and ``travel_times`` from 1,000 facilities [< 1 s], and the
  process's peak memory [< 3 GB].

- Noding of road-line layers (:func:`healthcov.node_lines`): a bureau-style layer of long streets
  that cross without shared vertices (``--streets`` horizontal and as many vertical, every street
  crossing every other) against GEOS's own noder (``shapely.node`` on one MultiLineString, which
  cannot honour bridges or layers), and the synthetic grid's ``read_network`` with noding against
  the same call with noding off (``snap_tolerance_m=0, node_crossings=False``).

Everything prints as a Markdown table (paste it into the README).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely

os.environ.setdefault("HEALTHCOV_PROGRESS", "0")

import healthcov as hc
from healthcov.network.arrays import graph_arrays

ROWS: list[tuple[str, str, str, str, str]] = []


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def row(graph: str, task: str, healthcov_s: float, baseline_s: float | None, target: str) -> None:
    ratio = f"{baseline_s / healthcov_s:,.0f}×" if baseline_s is not None and healthcov_s > 0 else "–"
    base = f"{baseline_s:.3f}" if baseline_s is not None else "–"
    ROWS.append((graph, task, f"{healthcov_s:.3f}", base, ratio + (f" ({target})" if target else "")))
    print(f"  {task:<58} healthcov {healthcov_s:8.3f} s  networkx {base:>8} s  {ratio} {target}", flush=True)


def nx_nearest(G: nx.MultiDiGraph, nodes: list[Any], reverse: bool) -> dict[Any, float]:
    """Baseline: one single-source Dijkstra per facility, then the minimum per node."""
    H = G.reverse(copy=False) if reverse else G
    best: dict[Any, float] = {}
    for n in nodes:
        for m, t in nx.single_source_dijkstra_path_length(H, n, weight="travel_time").items():
            if t < best.get(m, float("inf")):
                best[m] = t
    return best


def nx_hull_isochrones(G: nx.MultiDiGraph, nodes: list[Any], bands_s: list[float], union: bool) -> list[Any]:
    """Baseline: one ego_graph per facility, a convex hull of reached nodes per band."""
    H = G.reverse(copy=False)
    out = []
    per_band: dict[float, list[Any]] = {b: [] for b in bands_s}
    for n in nodes:
        ego = nx.ego_graph(H, n, radius=max(bands_s), distance="travel_time")
        dist = nx.single_source_dijkstra_path_length(ego, n, weight="travel_time")
        for b in bands_s:
            pts = [(G.nodes[m]["x"], G.nodes[m]["y"]) for m, t in dist.items() if t <= b]
            hull = shapely.MultiPoint(pts).convex_hull if len(pts) else shapely.Point()
            (per_band[b] if union else out).append(hull)
    if union:
        out = [shapely.union_all(per_band[b]) for b in bands_s]
    return out


def bench_jinan(quick: bool) -> None:
    print("Jinan (shared OSM line layer, no .prj)", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.AssumedCRSWarning)
        t_read, G = timed(lambda: hc.read_network(hc.datasets.path("jinan_edges"), mode="drive"))
    n = G.number_of_nodes()
    label = f"Jinan ({n:,} nodes)"
    row(label, "read_network (shapefile → prepared graph)", t_read, None, "")
    t_conv, _ = timed(lambda: graph_arrays(G))
    row(label, "one-off array conversion (cached)", t_conv, None, "")
    nodes = hc.nodes_frame(G)
    rng = np.random.default_rng(42)
    for k in (10, 100, 1000):
        pick = nodes.iloc[np.sort(rng.choice(n, size=k, replace=False))]
        t_hc, tt = timed(lambda pick=pick: hc.travel_times(G, pick, direction="to_facility"), repeat=3)
        run_base = not quick or k <= 100
        t_nx = None
        if run_base:
            t_nx, best = timed(lambda pick=pick: nx_nearest(G, list(pick.index), reverse=True))
            got = tt["travel_time_s"].to_numpy()
            want = np.array([best.get(m, np.inf) for m in tt.index])
            finite = np.isfinite(want)
            diff = float(np.max(np.abs(got[finite] - want[finite])))
            assert diff < 1e-6 and np.array_equal(np.isfinite(got), finite), f"results differ by {diff}"
        row(label, f"travel_times, {k:,} facilities (all nodes)", t_hc, t_nx, "target ≥ 50×" if k >= 100 else "")

    bands = (5, 10, 15)
    pick = nodes.iloc[np.sort(rng.choice(n, size=1000, replace=False))]
    t_u, iso = timed(lambda: hc.isochrones(G, pick, minutes=bands, direction="to_facility"))
    t_nx = None if quick else timed(lambda: nx_hull_isochrones(G, list(pick.index), [b * 60.0 for b in bands], True))[0]
    row(label, "isochrones, union of 1,000 facilities × 3 bands", t_u, t_nx, "target < 10 s")
    pick100 = pick.iloc[:100]
    t_p, iso_p = timed(lambda: hc.isochrones(G, pick100, minutes=bands, per_facility=True, direction="to_facility"))
    t_nx = timed(lambda: nx_hull_isochrones(G, list(pick100.index), [b * 60.0 for b in bands], False))[0]
    row(label, "isochrones, per facility: 100 facilities × 3 bands", t_p, t_nx, "target < 20 s")
    assert len(iso) == 3 and len(iso_p) == 300
    print(f"  union areas km²: {[round(a, 1) for a in iso['area_km2']]}", flush=True)


def synthetic_roads(side: int, spacing_m: float = 120.0, seed: int = 7) -> gpd.GeoDataFrame:
    """A street-like road layer: a jittered ``side × side`` grid in UTM 51N (Zhejiang's zone).

    One row per street segment, as a planning bureau's GIS layer would have it. Every 10th street
    is a primary arterial, every 50th a trunk road, the rest residential; 4 % of residential
    segments are missing (blocks, rivers) and 5 % are one-way.
    """
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = (600_000.0 + jj * spacing_m + rng.normal(0, spacing_m * 0.15, ii.shape)).ravel()
    y = (3_300_000.0 + ii * spacing_m + rng.normal(0, spacing_m * 0.15, ii.shape)).ravel()
    node = np.arange(side * side).reshape(side, side)

    def cls(line: np.ndarray) -> np.ndarray:
        return np.where(line % 50 == 0, "trunk", np.where(line % 10 == 0, "primary", "residential"))

    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])  # east-west, then north-south
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    c = np.concatenate([cls(ii[:, :-1].ravel()), cls(jj[:-1, :].ravel())])
    keep = (c != "residential") | (rng.random(len(u)) > 0.04)
    one = np.where((c == "residential") & (rng.random(len(u)) < 0.05), "yes", "no")
    u, v, c, one = u[keep], v[keep], c[keep], one[keep]
    coords = np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1)
    lines = shapely.linestrings(coords)
    return gpd.GeoDataFrame({"highway": c, "oneway": one}, geometry=lines, crs="EPSG:32651")


def bench_synthetic(side: int) -> None:
    print(f"Synthetic street grid {side}×{side}", flush=True)
    t0 = time.perf_counter()
    roads = synthetic_roads(side)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    G = hc.read_network(roads, mode="drive", directed=False)
    t_read = time.perf_counter() - t0
    del roads
    n = G.number_of_nodes()
    label = f"synthetic ({n:,} nodes, {G.number_of_edges():,} edges)"
    print(f"  built in {t_build:.1f} s", flush=True)
    row(label, "read_network (road-line layer → prepared graph)", t_read, None, "")
    t_conv, _ = timed(lambda: graph_arrays(G))
    row(label, "one-off array conversion (cached)", t_conv, None, "")
    nodes = hc.nodes_frame(G)
    pick = nodes.iloc[np.sort(np.random.default_rng(1).choice(n, size=1000, replace=False))]
    t_tt, tt = timed(lambda: hc.travel_times(G, pick), repeat=3)
    row(label, "travel_times, 1,000 facilities (all nodes)", t_tt, None, "target < 1 s")
    assert np.isfinite(tt["travel_time_s"]).all()
    t_one, _ = timed(lambda: nx.single_source_dijkstra_path_length(G, pick.index[0], weight="travel_time"))
    print(f"  networkx, ONE facility: {t_one:.2f} s (1,000 would take about {t_one * 1000 / 60:.0f} min)", flush=True)
    ROWS.append((label, "networkx single_source_dijkstra, one facility", "–", f"{t_one:.3f}", "×1,000 = baseline"))


def bench_noding(streets: int, side: int) -> None:
    print(f"Noding: {streets} × {streets} crossing streets; synthetic grid {side}×{side}", flush=True)
    length = streets * 100.0
    h = [[(0.0, 50.0 + 100 * k), (length, 50.0 + 100 * k)] for k in range(streets)]
    v = [[(50.0 + 100 * k, 0.0), (50.0 + 100 * k, length)] for k in range(streets)]
    lines = shapely.linestrings(np.asarray(h + v))
    t_hc, out = timed(lambda: hc.node_lines(lines), repeat=3)
    t_geos, geos = timed(lambda: shapely.node(shapely.multilinestrings(lines)), repeat=3)
    n_geos = shapely.get_num_geometries(geos)
    assert len(out.geometry) == n_geos == 2 * streets * (streets + 1), (len(out.geometry), n_geos)
    label = f"{2 * streets:,} streets, {streets * streets:,} crossings"
    ROWS.append(
        (label, "node_lines (bridges/layers honoured)", f"{t_hc:.3f}", f"{t_geos:.3f}", "shapely.node = baseline")
    )
    print(f"  node_lines {t_hc:.3f} s; shapely.node (GEOS) {t_geos:.3f} s; {len(out.geometry):,} pieces", flush=True)
    roads = synthetic_roads(side)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        t_on, _ = timed(lambda: hc.read_network(roads, mode="drive", directed=False))
        t_off, _ = timed(
            lambda: hc.read_network(roads, mode="drive", directed=False, snap_tolerance_m=0, node_crossings=False)
        )
    label = f"synthetic grid ({len(roads):,} rows)"
    ROWS.append(
        (label, "read_network with noding / without", f"{t_on:.3f}", f"{t_off:.3f}", f"{t_on / t_off:.2f}× the time")
    )
    print(f"  read_network with noding {t_on:.2f} s, without {t_off:.2f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the slowest networkx baselines")
    ap.add_argument("--side", type=int, default=710, help="synthetic grid side (710 → 504,100 nodes)")
    ap.add_argument("--streets", type=int, default=300, help="crossing streets each way for the noding benchmark")
    ap.add_argument("--only-noding", action="store_true", help="run the noding benchmark only")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if args.only_noding:
        bench_noding(args.streets, min(args.side, 200))
        _print_table()
        return 0
    bench_jinan(args.quick)
    rss_jinan = peak_rss_mb()
    bench_synthetic(args.side)
    rss = peak_rss_mb()
    bench_noding(args.streets, min(args.side, 200))
    print()
    print(
        f"healthcov {hc.__version__}, Python {sys.version.split()[0]}, networkx {nx.__version__}, {os.cpu_count()} CPUs"
    )
    print(f"peak memory: {rss_jinan:,.0f} MB after Jinan; {rss:,.0f} MB after the synthetic graph (target < 3,000 MB)")
    print(f"total {time.perf_counter() - t0:.0f} s\n")
    _print_table()
    return 0


def _print_table() -> None:
    print("| graph | task | healthcov (s) | baseline (s) | speed-up |")
    print("|---|---|---:|---:|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    sys.exit(main())
