"""Province scale on Dask: one process vs a 2-worker LocalCluster, and equality on real districts.

A synthetic province: a road grid of at least 2,000,000 nodes cut into at least 50 square
counties, written as ONE GeoPackage road layer PER COUNTY (its county plus the buffer overlap),
so that no process ever holds the whole province; 20,000 facilities; a population grid. The same
assessment runs twice: as a plain loop over the counties in this process (``workers=0``) and on
a LocalCluster of 2 single-threaded worker processes. Then central Shanghai (real OSM roads,
facilities and census) split into its 3 districts, and Jinan's real road lines split into 4
quadrants, are compared with the single-machine :func:`healthcov.assess`.

    .venv/bin/python benchmarks/bench_distributed.py            # the full run (about 10 minutes)
    .venv/bin/python benchmarks/bench_distributed.py --quick    # a small province, to try it out

Other jobs on the machine slow both runs unevenly: the load average is printed with every run;
re-run when the machine is quieter if the speed-up looks off.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import healthcov as hc
from healthcov.distributed import assess_partitioned, partition_buffers

X0, Y0 = 200_000.0, 2_900_000.0  # UTM 51N, Zhejiang
CRS = "EPSG:32651"
RULES = [  # the zhejiang profile's rules that a drive network and a facility table can answer
    "access.basic_circle",
    "ems.response",
    "ems.fleet",
    "basic.thc_per_township",
    "basic.chc_per_street",
    "basic.chc_per_pop",
    "hosp.county_general",
]
TYPES = {  # share of the 20,000 facilities
    "village_clinic": 0.28,
    "chs_station": 0.26,
    "chc": 0.11,
    "thc": 0.08,
    "clinic": 0.06,
    "hospital_general": 0.06,
    "ems_station": 0.15,
}
TOP_KPH = 20.0  # every synthetic road is residential: 20 km/h by car
MAX_SNAP_M = 300.0


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _keep(i: np.ndarray, j: np.ndarray, vertical: bool, share: float) -> np.ndarray:
    """Whether the grid edge from node (i, j) to the right (or up) exists: the same in every file."""
    h = (i.astype(np.uint64) * np.uint64(73_856_093)) ^ (j.astype(np.uint64) * np.uint64(19_349_663))
    h ^= np.uint64(83_492_791 if vertical else 2_654_435_761)
    h = (h * np.uint64(2_246_822_519)) % np.uint64(1_000_003)
    arterial = (i % 10 == 0) if vertical else (j % 10 == 0)
    return arterial | (h < np.uint64(share * 1_000_003))


def write_county(path: Path, p: int, q: int, side: int, spacing: float, buffer_m: float, share: float) -> int:
    """One county's roads plus the buffer overlap: every grid edge that touches county + buffer."""
    area = county_box(p, q, side, spacing)
    region = area.buffer(buffer_m)
    minx, miny, maxx, maxy = region.bounds
    i0, i1 = int(np.floor((minx - X0) / spacing)), int(np.ceil((maxx - X0) / spacing))
    j0, j1 = int(np.floor((miny - Y0) / spacing)), int(np.ceil((maxy - Y0) / spacing))
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    parts = []
    for vertical in (False, True):
        keep = _keep(ii, jj, vertical, share)
        a_i, a_j = ii[keep], jj[keep]
        b_i, b_j = (a_i, a_j + 1) if vertical else (a_i + 1, a_j)
        pts = np.empty((len(a_i), 2, 2))
        pts[:, 0, 0], pts[:, 0, 1] = X0 + a_i * spacing, Y0 + a_j * spacing
        pts[:, 1, 0], pts[:, 1, 1] = X0 + b_i * spacing, Y0 + b_j * spacing
        parts.append(shapely.linestrings(pts))
    lines = np.concatenate(parts)
    lines = lines[shapely.intersects(lines, region)]
    gpd.GeoDataFrame({"highway": np.full(len(lines), "residential")}, geometry=lines, crs=CRS).to_file(
        path, engine="pyogrio"
    )
    return len(lines)


def county_box(p: int, q: int, side: int, spacing: float) -> shapely.Polygon:
    return shapely.box(
        X0 + (p * side - 0.5) * spacing,
        Y0 + (q * side - 0.5) * spacing,
        X0 + ((p + 1) * side - 0.5) * spacing,
        Y0 + ((q + 1) * side - 0.5) * spacing,
    )


def province(nx_: int, ny_: int, side: int, spacing: float, n_fac: int, cell_m: float, seed: int):
    rng = np.random.default_rng(seed)
    codes = [f"33{p:02d}{q:02d}" for p in range(nx_) for q in range(ny_)]
    boxes = [county_box(p, q, side, spacing) for p in range(nx_) for q in range(ny_)]
    areas = gpd.GeoDataFrame({"area_code": codes, "area_name": [f"合成{c}" for c in codes]}, geometry=boxes, crs=CRS)
    # population: a grid of points, dense around a few city centres (urban counties), sparse elsewhere
    w, h = nx_ * side * spacing, ny_ * side * spacing
    gx, gy = np.meshgrid(np.arange(cell_m / 2, w, cell_m), np.arange(cell_m / 2, h, cell_m), indexing="ij")
    gx, gy = gx.ravel() + X0 - spacing / 2, gy.ravel() + Y0 - spacing / 2
    centres = rng.uniform([X0, Y0], [X0 + w, Y0 + h], size=(max(2, nx_ * ny_ // 6), 2))
    d = np.min(np.hypot(gx[:, None] - centres[:, 0], gy[:, None] - centres[:, 1]), axis=1)
    density = 150.0 + 6000.0 * np.exp(-((d / 12_000.0) ** 2))  # persons / km²
    pop = gpd.GeoDataFrame(
        {"pop": np.round(density * (cell_m / 1000.0) ** 2)}, geometry=shapely.points(gx, gy), crs=CRS
    )
    # facilities: at road nodes (a little off the road), more of them where people live
    nodes_x = rng.integers(0, nx_ * side, size=n_fac * 4)
    nodes_y = rng.integers(0, ny_ * side, size=n_fac * 4)
    fx, fy = X0 + nodes_x * spacing, Y0 + nodes_y * spacing
    dd = np.min(np.hypot(fx[:, None] - centres[:, 0], fy[:, None] - centres[:, 1]), axis=1)
    weight = 0.5 + np.exp(-((dd / 15_000.0) ** 2))
    pick = rng.choice(len(fx), size=n_fac, replace=False, p=weight / weight.sum())
    types = rng.choice(list(TYPES), size=n_fac, p=np.array(list(TYPES.values())) / sum(TYPES.values()))
    fac = gpd.GeoDataFrame(
        {
            "facility_type": types,
            "ambulances": np.where(types == "ems_station", rng.integers(1, 4, size=n_fac), 0),
        },
        geometry=shapely.points(fx[pick] + rng.uniform(-40, 40, n_fac), fy[pick] + rng.uniform(-40, 40, n_fac)),
        crs=CRS,
    )
    return areas, pop, fac


def warm_up() -> None:
    """Import what a task needs, in a worker process."""
    import healthcov.distributed
    import healthcov.io.networks
    import healthcov.standards.engine  # noqa: F401


def run(fn):
    before = load()
    t0 = time.perf_counter()
    res = fn()
    return res, time.perf_counter() - t0, before, load()


def memory_by_worker(res) -> dict[str, float]:
    out: dict[str, float] = {}
    for p in res.assumptions["execution"]["partitions_detail"]:
        key = f"{p['worker']} (pid {p['pid']})"
        out[key] = max(out.get(key, 0.0), float(p["peak_rss_mb"]))
    return out


def same(a: pd.DataFrame, b: pd.DataFrame) -> tuple[bool, float]:
    """Rows and verdicts equal, and the largest difference of the numbers."""
    if a[["rule_id", "area_code", "verdict"]].values.tolist() != b[["rule_id", "area_code", "verdict"]].values.tolist():
        return False, float("nan")
    worst = 0.0
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]) and pd.api.types.is_float_dtype(b[c]):
            x, y = a[c].to_numpy(float), b[c].to_numpy(float)
            both = np.isfinite(x) & np.isfinite(y)
            if not np.array_equal(np.isfinite(x), np.isfinite(y)):
                return False, float("inf")
            if both.any():
                worst = max(worst, float(np.max(np.abs(x[both] - y[both]) / np.maximum(1.0, np.abs(y[both])))))
        elif a[c].fillna("").astype(str).tolist() != b[c].fillna("").astype(str).tolist():
            return False, float("nan")
    return worst <= 1e-9, worst


def compare(title: str, path: str, fac, pop, areas, profile: str, modes=("walk", "drive", "ambulance")) -> list[str]:
    """The single-machine engine and the partitioned run (2 worker processes) on the same inputs."""
    from distributed import Client, LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        graphs = {m: hc.read_network(path, mode=m) for m in modes}
        single = hc.assess(graphs, fac, pop, areas, profile=profile)
        t_single = time.perf_counter() - t0
        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
            Client(lc) as client,
        ):
            client.run(warm_up)
            t0 = time.perf_counter()
            dist = assess_partitioned(path, fac, pop, areas, profile, modes=modes, client=client, progress=False)
            t_dist = time.perf_counter() - t0
    _, worst = same(dist.table, single.table)
    per_area = dist.table["area_code"] != "*"
    ok_area, _ = same(dist.table[per_area].reset_index(drop=True), single.table[per_area].reset_index(drop=True))
    ok_jur, _ = same(dist.table[~per_area].reset_index(drop=True), single.table[~per_area].reset_index(drop=True))
    num = single.demand.select_dtypes("number").columns
    demand_ok = np.allclose(dist.demand[num], single.demand[num], rtol=1e-9, atol=1e-9, equal_nan=True)
    n = len(dist.areas)
    return [
        "",
        f"### {title}",
        "",
        "| | value |",
        "|---|---|",
        f"| areas | {', '.join(dist.areas['area_name'])} |",
        f"| rows (area × rule; jurisdiction-wide) | {int(per_area.sum())}; {int((~per_area).sum())} |",
        f"| single machine (`assess`, reading the {len(modes)} networks) | {t_single:.1f} s |",
        f"| {n} partitions on 2 worker processes | {t_dist:.1f} s |",
        f"| per-area rows identical (values to 1e-9, verdicts) | {'yes' if ok_area else 'NO'} |",
        f"| jurisdiction-wide rows identical | {'yes' if ok_jur else 'NO'} |",
        f"| per-resident values identical | {'yes' if demand_ok else 'NO'} |",
        f"| largest relative difference | {worst:.1e} |",
        f"| {load()} | |",
    ]


def shanghai(folder: Path) -> list[str]:
    """Central Shanghai (real roads, POIs, census) split into its districts."""
    import osmnx as ox

    raw = ox.graph_from_xml(hc.datasets.path("shanghai_network"), simplify=True, retain_all=True)
    edges = ox.graph_to_gdfs(raw, nodes=False).reset_index()
    roads = gpd.GeoDataFrame(
        {
            "highway": [h[0] if isinstance(h, list) else h for h in edges["highway"]],
            "oneway": edges["oneway"].astype(bool).map({True: "yes", False: "no"}),
        },
        geometry=edges.geometry.values,
        crs=edges.crs,
    )
    path = folder / "shanghai.gpkg"
    roads.to_file(path)
    G = hc.read_network(path, mode="drive")
    areas = hc.datasets.census_areas("shanghai")
    a = areas.to_crs(G.graph["crs"])
    areas = areas[(a.intersection(hc.network_area(G)).area / a.area).to_numpy() > 0.4].reset_index(drop=True)
    pop = hc.spread_population(areas, G, id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    title = "Central Shanghai (real OSM roads, POIs, 2020 census) split into its 3 districts, profile `ningbo`"
    return compare(title, str(path), fac, pop, areas, "ningbo")


def jinan() -> list[str]:
    """Jinan's real road lines split into 4 quadrants (the shared data has no district boundaries).

    Facilities (every 40th road node: CHCs, stations, ambulance bases) and the population
    (250,000 per quadrant, spread along the roads) are synthetic.
    """
    import pyogrio

    path = str(hc.datasets.path("jinan_edges"))
    minx, miny, maxx, maxy = pyogrio.read_info(path)["total_bounds"]
    nodes = gpd.read_file(hc.datasets.path("jinan_nodes")).set_crs(4326, allow_override=True)
    mx, my = float(np.median(nodes.geometry.x)), float(np.median(nodes.geometry.y))  # quadrants with roads
    boxes = [
        shapely.box(minx, miny, mx, my),
        shapely.box(mx, miny, maxx, my),
        shapely.box(minx, my, mx, maxy),
        shapely.box(mx, my, maxx, maxy),
    ]
    names = ["西南街道", "东南街道", "西北镇", "东北镇"]
    areas = gpd.GeoDataFrame(
        {"area_code": ["Q1", "Q2", "Q3", "Q4"], "area_name": names, "pop": 250_000.0}, geometry=boxes, crs=4326
    )
    pick = nodes.iloc[::40]
    kinds = np.array(["chc", "chs_station", "chs_station", "thc", "ems_station"])
    fac = gpd.GeoDataFrame(
        {"facility_type": kinds[np.arange(len(pick)) % len(kinds)]}, geometry=pick.geometry.values, crs=4326
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = hc.read_network(path, mode="drive")
    pop = hc.spread_population(areas, G, id_column="area_code")
    title = (
        f"Jinan (real road lines, {G.number_of_nodes():,} nodes) in 4 quadrants; synthetic facilities and "
        "population, profile `zhejiang`"
    )
    return compare(title, path, fac, pop, areas, "zhejiang")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--columns", type=int, default=10, help="counties west–east (default 10)")
    ap.add_argument("--rows", type=int, default=5, help="counties south–north (default 5)")
    ap.add_argument("--side", type=int, default=205, help="road nodes along a county side (default 205)")
    ap.add_argument("--spacing-m", type=float, default=500.0, help="grid spacing (default 500 m)")
    ap.add_argument("--share", type=float, default=0.6, help="share of side streets kept (default 0.6)")
    ap.add_argument("--facilities", type=int, default=20_000)
    ap.add_argument("--cell-m", type=float, default=2000.0, help="population grid cell (default 2 km)")
    ap.add_argument("--quick", action="store_true", help="a small province (12 counties of 60 × 60 nodes)")
    ap.add_argument("--no-real", action="store_true", help="skip the real-data comparisons (Shanghai, Jinan)")
    args = ap.parse_args(argv)
    if args.quick:
        args.columns, args.rows, args.side, args.facilities = 4, 3, 60, 2000
    os.environ.setdefault("HEALTHCOV_PROGRESS", "0")
    t_all = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="hc-province-"))
    out: list[str] = []
    try:
        # the buffer: the drive network's top speed here is 20 km/h (residential streets only)
        buffers = partition_buffers(
            "zhejiang", modes=["drive"], rules=RULES, max_snap_m=MAX_SNAP_M, top_speed_kph=TOP_KPH
        )
        t0 = time.perf_counter()
        areas, pop, fac = province(
            args.columns, args.rows, args.side, args.spacing_m, args.facilities, args.cell_m, seed=6
        )
        n_lines = 0
        for p in range(args.columns):
            for q in range(args.rows):
                n_lines += write_county(
                    folder / f"33{p:02d}{q:02d}.gpkg", p, q, args.side, args.spacing_m, buffers["drive"], args.share
                )
        t_data = time.perf_counter() - t0
        n_parts = args.columns * args.rows
        n_nodes = n_parts * args.side**2
        template = str(folder / "{area_code}.gpkg")
        kw = {
            "modes": ("drive",),
            "rules": RULES,
            "max_snap_m": MAX_SNAP_M,
            "buffer_m": buffers,
            "progress": False,
        }
        print(f"data: {n_nodes:,} nodes, {n_parts} counties, {n_lines:,} road lines in the files, {t_data:.0f} s")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            one, t_one, l1a, l1b = run(
                lambda: assess_partitioned(template, fac, pop, areas, "zhejiang", workers=0, **kw)
            )
            print(f"one process: {t_one:.0f} s")
            from distributed import Client, LocalCluster

            with (
                LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, memory_limit="4GiB", dashboard_address=":0"
                ) as lc,
                Client(lc) as client,
            ):
                print(f"Dask dashboard: {client.dashboard_link}")
                client.run(warm_up)  # the one-process run has its modules imported already
                two, t_two, l2a, l2b = run(
                    lambda: assess_partitioned(template, fac, pop, areas, "zhejiang", client=client, **kw)
                )
            print(f"2 workers: {t_two:.0f} s")
        equal, worst = same(two.table, one.table)
        mem_one = max(p["peak_rss_mb"] for p in one.assumptions["execution"]["partitions_detail"])
        busy_one = sum(p["seconds"] for p in one.assumptions["execution"]["partitions_detail"])
        busy_two = sum(p["seconds"] for p in two.assumptions["execution"]["partitions_detail"])
        print(
            f"time in the tasks: one process {busy_one:.0f} s, 2 workers {busy_two:.0f} s (CPU contention shows here)"
        )
        mem_two = memory_by_worker(two)
        nodes_read = sum(p["nodes_in_file"]["drive"] for p in two.assumptions["execution"]["partitions_detail"])
        # trips longer than the buffer reaches: their times are upper bounds (see healthcov.distributed)
        horizon_min = (buffers["drive"] - MAX_SNAP_M) / (TOP_KPH / 3.6) / 60.0
        d = two.demand
        far = {
            "an ambulance station": d["ems.response"] - 3.0 > horizon_min * (1 + 1e-9),
            "a basic-care facility": d["access.basic_circle"] > horizon_min * (1 + 1e-9),
        }
        speedup = t_one / t_two
        out += [
            "### Synthetic province on Dask",
            "",
            f"{n_nodes:,} road nodes in {n_parts} counties "
            f"({args.side} × {args.side} nodes, {args.spacing_m:g} m apart); "
            f"one GeoPackage per county with {buffers['drive']:,.0f} m of overlap ({nodes_read:,} nodes read in all); "
            f"{len(fac):,} facilities; {len(pop):,} population points; rules {', '.join(RULES)} of `zhejiang` "
            "on a drive network.",
            "",
            "| run | wall time | peak memory per worker | load average before → after |",
            "|---|---|---|---|",
            f"| one process (loop over counties, `workers=0`) | {t_one:.1f} s | {mem_one:,.0f} MB | "
            f"{l1a[13:]} → {l1b[13:]} |",
            f"| LocalCluster, 2 worker processes × 1 thread | {t_two:.1f} s | "
            + ", ".join(f"{v:,.0f} MB" for v in mem_two.values())
            + f" | {l2a[13:]} → {l2b[13:]} |",
            "",
            "| check | result | target |",
            "|---|---|---|",
            f"| speed-up | {speedup:.2f}× | ≥ 1.6× {'✓' if speedup >= 1.6 else '✗'} |",
            f"| largest worker | {max(mem_two.values()):,.0f} MB | ≤ 4,096 MB "
            f"{'✓' if max(mem_two.values()) <= 4096 else '✗'} |",
            f"| whole province run (data + both runs) | {time.perf_counter() - t_all:.0f} s | ≤ 600 s "
            f"{'✓' if time.perf_counter() - t_all <= 600 else '✗'} |",
            f"| the two runs agree | {'yes' if equal else 'NO'} (max rel. diff {worst:.1e}) | identical |",
            *(
                f"| residents more than {horizon_min:.0f} min from {what}: beyond what the buffer reaches, their "
                f"times are upper bounds (sparse synthetic stations; information) | "
                f"{d.loc[m, 'pop'].sum() / d['pop'].sum():.1%} | — |"
                for what, m in far.items()
            ),
            f"| partitions failed | {len(two.assumptions['failed_partitions'])} | 0 |",
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("\n".join(out))
    if not args.no_real and hc.datasets.available():
        folder = Path(tempfile.mkdtemp(prefix="hc-real-"))
        try:
            print("\n".join(shanghai(folder) + jinan()))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
