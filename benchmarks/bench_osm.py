"""OSM reading benchmark: pyosmium straight to arrays against osmnx's ``graph_from_xml``, one process.

Run from the repository root::

    .venv/bin/python benchmarks/bench_osm.py               # Shanghai + a ~200k-node synthetic grid
    .venv/bin/python benchmarks/bench_osm.py --lattice 80  # a smaller synthetic grid (~45k nodes)
    .venv/bin/python benchmarks/bench_osm.py --repeat 3    # best of 3 for the Shanghai rows

Rows, each against the baseline it names:

- **Shanghai .osm, topology**: :func:`healthcov.io.osm_topology.osm_topology` against
  ``osmnx.graph_from_xml(path, simplify=True, retain_all=True)`` (what ``read_network`` calls
  today for ``.osm``). Both give the same nodes and edges (checked here; the tests check every
  value).
- **Shanghai .osm, three modes prepared**: one :func:`osm_topology` and ``prepare_arrays`` for
  walk, drive and ambulance, against ``read_network(path, mode=m, form="networkx")`` three times
  (osmnx parses the file each time).
- **Shanghai .osm.pbf** (the same data, written with pyosmium): :func:`osm_topology` and
  ``prepare_arrays`` for drive against pyrosm's ``get_network("driving")`` alone — the first
  half of the ``.pbf`` reader healthcov had before (which then built a networkx graph edge by
  edge). pyrosm filters ways by its own "driving" rules and does not simplify, so that
  baseline's network differs; it is timed, not compared.
- **Synthetic grid** (``--lattice``² junctions, three vertices between junctions: 170 → ~201k
  nodes, written as OSM XML and .pbf with pyosmium): :func:`osm_topology` on the XML against
  osmnx once, and on the .pbf.

Everything prints as a Markdown table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import osmium

import healthcov as hc
from healthcov.io.osm_topology import osm_topology
from healthcov.network.build import prepare_arrays
from healthcov.network.modes import get_mode

MODES = ("walk", "drive", "ambulance")


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def osmnx_xml(path: Path) -> Any:
    import osmnx as ox

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ox.graph_from_xml(path, simplify=True, retain_all=True)


def to_pbf(src: Path, dst: Path) -> Path:
    with osmium.SimpleWriter(str(dst)) as writer:
        for obj in osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY):
            writer.add(obj)
    return dst


def synthetic_grid(lattice: int, folder: Path, between: int = 3) -> tuple[Path, Path, int]:
    """A street grid near Hangzhou: ``lattice``² junctions ~100 m apart, ``between`` vertices on
    every block side, one way per 4 blocks (classes and one-way tags vary), as .osm and .osm.pbf."""
    step = between + 1
    side = (lattice - 1) * step + 1  # vertices along a grid line
    lon0, lat0, d = 120.10, 30.20, 0.001 / step
    ids = np.full((side, side), -1, dtype=np.int64)
    on_line = (np.arange(side) % step == 0)[:, None] | (np.arange(side) % step == 0)[None, :]
    ids[on_line] = np.arange(1, int(on_line.sum()) + 1)
    classes = ("residential", "tertiary", "secondary", "primary")
    paths = [folder / "grid.osm", folder / "grid.osm.pbf"]
    writers = [osmium.SimpleWriter(str(p)) for p in paths]
    for i, j in zip(*np.nonzero(on_line), strict=True):
        node = osmium.osm.mutable.Node(id=int(ids[i, j]), location=(lon0 + j * d, lat0 + i * d))
        for w in writers:
            w.add_node(node)
    way_id = 0
    for axis in (0, 1):
        for k in range(0, side, step):
            line = ids[k, :] if axis == 0 else ids[:, k]
            for s in range(0, side - 1, 4 * step):
                way_id += 1
                tags = {"highway": classes[(k // step + s) % 4], "name": f"路{way_id}"}
                if way_id % 7 == 0:
                    tags["oneway"] = "yes" if way_id % 2 else "-1"
                way = osmium.osm.mutable.Way(id=way_id, nodes=[int(n) for n in line[s : s + 4 * step + 1]], tags=tags)
                for w in writers:
                    w.add_way(way)
    for w in writers:
        w.close()
    return paths[0], paths[1], int(on_line.sum())


def shanghai_rows(repeat: int, folder: Path) -> list[tuple[str, str, float, float, str]]:
    path = hc.datasets.path("shanghai_network")
    t_ox, G = timed(lambda: osmnx_xml(path), repeat)
    t_me, raw = timed(lambda: osm_topology(path), repeat)
    same = (raw.n, raw.rows) == (G.number_of_nodes(), G.number_of_edges())
    rows = [("Shanghai .osm (21,786 OSM nodes): topology", "osmnx graph_from_xml", t_ox, t_me, f"same={same}")]

    def three_osmnx() -> list[Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [hc.read_network(path, mode=m, form="networkx") for m in MODES]  # osmnx parse each time

    def three_mine() -> list[Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            projected = osm_topology(path).project()
            return [prepare_arrays(projected, get_mode(m), source=str(path)) for m in MODES]

    t_a, nets_a = timed(three_osmnx, repeat)
    t_b, nets_b = timed(three_mine, repeat)
    counts = [(n.number_of_nodes(), n.number_of_edges()) for n in nets_b]
    same = counts == [(n.number_of_nodes(), n.number_of_edges()) for n in nets_a]
    rows.append(("Shanghai .osm: walk+drive+ambulance prepared", "read_network ×3 (osmnx)", t_a, t_b, f"same={same}"))
    pbf = to_pbf(path, folder / "shanghai.osm.pbf")

    def pyrosm_path() -> Any:  # the first half of the .pbf reader healthcov had before pyosmium
        import pyrosm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyrosm.OSM(str(pbf)).get_network(network_type="driving", nodes=True)

    def pbf_mine() -> tuple[Any, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw_pbf = osm_topology(pbf)
            return raw_pbf, prepare_arrays(raw_pbf.project(), get_mode("drive"), source=str(pbf))

    t_p, _ = timed(pyrosm_path, repeat)
    t_q, (raw_pbf, _net) = timed(pbf_mine, repeat)
    same = (raw_pbf.n, raw_pbf.rows) == (raw.n, raw.rows)
    what = "Shanghai .osm.pbf: read + prepare (drive)"
    rows.append(
        (what, "pyrosm get_network alone (the old reader, before its graph)", t_p, t_q, f"topology = .osm's: {same}")
    )
    return rows


def grid_rows(lattice: int, folder: Path) -> list[tuple[str, str, float, float, str]]:
    xml, pbf, n_nodes = synthetic_grid(lattice, folder)
    t_me, raw = timed(lambda: osm_topology(xml))
    t_pbf, raw_pbf = timed(lambda: osm_topology(pbf))
    t_ox, G = timed(lambda: osmnx_xml(xml))
    same = (raw.n, raw.rows) == (G.number_of_nodes(), G.number_of_edges()) == (raw_pbf.n, raw_pbf.rows)
    label = f"grid {n_nodes:,} OSM nodes → {raw.n:,} nodes, {raw.rows:,} edges"
    return [
        (f"{label}: .osm topology", "osmnx graph_from_xml (once)", t_ox, t_me, f"same={same}"),
        (f"{label}: .osm.pbf topology", "osmnx graph_from_xml on the .osm", t_ox, t_pbf, f"same={same}"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lattice", type=int, default=170, help="junctions per grid side (170 → ~201k OSM nodes)")
    ap.add_argument("--repeat", type=int, default=1, help="best of N for the Shanghai rows")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = shanghai_rows(args.repeat, folder) + grid_rows(args.lattice, folder)
    print("| what | baseline | baseline s | osm_topology s | speed-up | check |")
    print("|---|---|---:|---:|---:|---|")
    for what, base, t_base, t_me, check in rows:
        print(f"| {what} | {base} | {t_base:.2f} | {t_me:.2f} | {t_base / t_me:.1f}× | {check} |")


if __name__ == "__main__":
    main()
