"""Province scale: read + prepare + search a line layer of N nodes, against an arrays-only reference.

Run from the repository root::

    .venv/bin/python benchmarks/bench_scale.py                    # N = 100,000 (with the networkx form)
    .venv/bin/python benchmarks/bench_scale.py --nodes 1000000    # issue 13: ≤ 5× (a), < 3 GB
    .venv/bin/python benchmarks/bench_scale.py --nodes 5000000    # issue 13: < 8 GB

A jittered grid of two-way streets (~N nodes, ~2N lines of one block each, 3 % of blocks
missing so that there are dead ends, one in seven bent with a middle vertex; classes
residential / secondary every 10th street / primary every 50th; 3 % one-way along the line,
1 % against it) is written with pyogrio to a FlatGeobuf in a
temporary folder, in WGS84 as bureau layers usually are. Each side then runs in its own
process (its peak RSS is the process's own ``ru_maxrss``; times exclude the Python imports):

(a) **arrays-only reference**: pyogrio read (``pyogrio.raw.read``: numpy arrays) → numpy line
    ends → one pyproj call → ``np.unique`` nodes → scipy CSR of travel times → one
    ``scipy.sparse.csgraph.dijkstra(min_only=True)`` from 1,000 source nodes;
(b) **healthcov**: ``read_network(path, mode="drive", form="arrays")`` (checks, noding,
    topology, the mode, the largest strongly connected component) + ``travel_times(net, 1,000
    facility points)`` (snapping included);
(c) at N ≤ 200,000 only: the same with ``form="networkx"`` (the old path), as the baseline the
    arrays form replaces.

The table gives seconds, the ratio to (a) and the peak RSS in MB; the targets of issue 13 are
(b) ≤ 5× (a) and < 3 GB at 1M nodes, < 8 GB at 5M.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPACING_M = 100.0
X0, Y0 = 600_000.0, 3_250_000.0  # UTM 51N, in Zhejiang
N_SOURCES = 1000


# -- the layer ------------------------------------------------------------------------------------
def synthesize(nodes: int, path: Path, seed: int = 1) -> dict[str, int]:
    """Write the street grid of about ``nodes`` nodes to ``path`` (FlatGeobuf, WGS84)."""
    import numpy as np
    import pyogrio
    import pyproj
    import shapely

    side = max(round(nodes**0.5), 2)
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    x = X0 + gx * SPACING_M + rng.uniform(-20, 20, gx.shape)
    y = Y0 + gy * SPACING_M + rng.uniform(-20, 20, gy.shape)
    node = np.arange(side * side).reshape(side, side)
    a = np.concatenate([node[:-1, :].ravel(), node[:, :-1].ravel()])  # east-west, then north-south blocks
    b = np.concatenate([node[1:, :].ravel(), node[:, 1:].ravel()])
    street = np.concatenate([gy[:-1, :].ravel(), gx[:, :-1].ravel()])  # the street's row/column number
    xf, yf = x.ravel(), y.ravel()
    keep = rng.random(len(a)) >= 0.03  # 3 % of blocks missing: dead ends for the noding to look at
    a, b, street = a[keep], b[keep], street[keep]
    m = len(a)
    bent = np.arange(m) % 7 == 3
    k = 2 + bent.astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(k)])
    cx = np.empty(int(offsets[-1]))
    cy = np.empty_like(cx)
    cx[offsets[:-1]], cy[offsets[:-1]] = xf[a], yf[a]
    cx[offsets[1:] - 1], cy[offsets[1:] - 1] = xf[b], yf[b]
    mid = offsets[:-1][bent] + 1
    cx[mid] = (xf[a] + xf[b])[bent] / 2 + rng.uniform(-8, 8, bent.sum())
    cy[mid] = (yf[a] + yf[b])[bent] / 2 + rng.uniform(-8, 8, bent.sum())
    lon, lat = pyproj.Transformer.from_crs(32651, 4326, always_xy=True).transform(cx, cy)
    geoms = shapely.linestrings(np.column_stack([lon, lat]), indices=np.repeat(np.arange(m), k))
    highway = np.where(street % 50 == 0, "primary", np.where(street % 10 == 0, "secondary", "residential"))
    draw = rng.random(m)
    oneway = np.where(draw < 0.03, "yes", np.where(draw < 0.04, "-1", "no"))
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"highway": highway, "oneway": oneway}, geometry=geoms, crs=4326)
    pyogrio.write_dataframe(gdf, path, driver="FlatGeobuf", SPATIAL_INDEX="NO")
    return {"nodes": side * side, "lines": m}


# -- the sides, each in its own process -----------------------------------------------------------
def facility_xy(n: int = N_SOURCES, seed: int = 2, side: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return X0 + rng.uniform(0, (side - 1) * SPACING_M, n), Y0 + rng.uniform(0, (side - 1) * SPACING_M, n)


def side_reference(path: str, side: int) -> dict[str, float]:
    """(a): pyogrio → numpy → scipy CSR → one multi-source dijkstra (1,000 nodes as sources: no snapping)."""
    import numpy as np
    import pyogrio
    import pyproj
    import scipy.sparse as sp
    import shapely
    from scipy.sparse.csgraph import dijkstra

    t0 = time.perf_counter()
    meta, _fids, wkb, fields = pyogrio.raw.read(path)
    geoms = shapely.from_wkb(wkb)
    columns = dict(zip(meta["fields"], fields))
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    rows = np.arange(len(geoms))
    first = np.searchsorted(idx, rows, side="left")
    last = np.searchsorted(idx, rows, side="right") - 1
    tr = pyproj.Transformer.from_crs(4326, 32651, always_xy=True)
    ex, ey = tr.transform(np.r_[coords[first, 0], coords[last, 0]], np.r_[coords[first, 1], coords[last, 1]])
    key = np.round(ex * 100).astype(np.int64) * 10**10 + np.round(ey * 100).astype(np.int64)
    _, inv = np.unique(key, return_inverse=True)
    n_nodes = int(inv.max()) + 1
    u, v = inv[: len(rows)], inv[len(rows) :]
    length = np.hypot(ex[: len(rows)] - ex[len(rows) :], ey[: len(rows)] - ey[len(rows) :])
    kph = {"primary": 60.0, "secondary": 50.0, "residential": 30.0}
    hw = columns["highway"]
    cls, code = np.unique(hw, return_inverse=True)
    speed = np.array([kph.get(c, 25.0) for c in cls])[code]
    ow = columns["oneway"]
    along, against = ow != "-1", ow != "yes"
    tt = length / (speed / 3.6)
    A = sp.csr_matrix(
        (np.r_[tt[along], tt[against]], (np.r_[u[along], v[against]], np.r_[v[along], u[against]])),
        shape=(n_nodes, n_nodes),
    )
    t_read = time.perf_counter() - t0
    src = np.random.default_rng(3).choice(n_nodes, size=N_SOURCES, replace=False)
    d = dijkstra(A, directed=True, indices=src, min_only=True)
    t_all = time.perf_counter() - t0
    return {"read_s": t_read, "total_s": t_all, "nodes": n_nodes, "reached": int(np.isfinite(d).sum())}


def side_healthcov(path: str, side: int, form: str) -> dict[str, float]:
    """(b)/(c): read_network + travel_times from 1,000 facility points."""
    import warnings

    import geopandas as gpd
    import numpy as np

    import healthcov as hc

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    net = hc.read_network(path, mode="drive", form=form)
    t_read = time.perf_counter() - t0
    fx, fy = facility_xy(side=side)
    fac = gpd.GeoDataFrame({"name": np.arange(len(fx))}, geometry=gpd.points_from_xy(fx, fy), crs=32651)
    tt = hc.travel_times(net, fac)
    t_all = time.perf_counter() - t0
    reached = int(np.isfinite(tt["travel_time_s"].to_numpy()).sum())
    return {"read_s": t_read, "total_s": t_all, "nodes": int(net.number_of_nodes()), "reached": reached}


def child(args: argparse.Namespace) -> None:
    import resource

    if args.side_name == "synth":
        out: dict = synthesize(args.nodes, Path(args.path))
    elif args.side_name == "reference":
        out = side_reference(args.path, args.grid)
    else:
        out = side_healthcov(args.path, args.grid, args.side_name)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("RESULT " + json.dumps(out))


def run_child(side_name: str, path: Path, nodes: int, grid: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "coverage"), "HEALTHCOV_PROGRESS": "0"}
    cmd = [sys.executable, __file__, "--child", side_name, "--path", str(path), "--nodes", str(nodes)]
    cmd += ["--grid", str(grid)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    if res.returncode != 0 or not lines:
        raise SystemExit(f"{side_name} failed:\n{res.stdout}\n{res.stderr}")
    return json.loads(lines[-1][7:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--child", dest="side_name", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--grid", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side_name:
        child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roads.fgb"
        t0 = time.perf_counter()
        made = run_child("synth", path, args.nodes, 0)
        grid = round(made["nodes"] ** 0.5)
        print(
            f"layer: {made['nodes']:,} nodes, {made['lines']:,} lines, {path.stat().st_size / 2**20:.0f} MB "
            f"FlatGeobuf (written in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        sides = [("reference", "(a) arrays-only reference: pyogrio → numpy → scipy CSR → dijkstra")]
        sides.append(("arrays", "(b) healthcov read_network(form='arrays') + travel_times"))
        if args.nodes <= 200_000:
            sides.append(("networkx", "(c) healthcov read_network(form='networkx') + travel_times (old path)"))
        results = {}
        for name, _label in sides:
            results[name] = run_child(name, path, args.nodes, grid)
            print(f"  {name}: {results[name]}", flush=True)
    base = results["reference"]["total_s"]
    print(f"\n| N = {made['nodes']:,} nodes | read + prepare s | total s | ratio to (a) | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, label in sides:
        r = results[name]
        print(
            f"| {label} | {r['read_s']:.1f} | {r['total_s']:.1f} | {r['total_s'] / base:.1f}× | {r['peak_mb']:,.0f} |"
        )


if __name__ == "__main__":
    main()
