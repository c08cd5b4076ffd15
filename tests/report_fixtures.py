"""The two assessments the report tests read: Shanghai (3 districts, networks) and Ningbo (no network).

Shared by tests/test_report_*.py, tests/test_exports.py and benchmarks/bench_report.py so every
one of them measures the same thing.
"""

from __future__ import annotations

import warnings
from typing import Any

import healthcov as hc


def shanghai_assessment(profile: str = "ningbo") -> Any:
    """黄浦区, 静安区, 虹口区 (the districts the shared OSM network covers), all Shanghai POIs, 3 networks."""
    net = hc.datasets.path("shanghai_network")
    graphs = {mode: hc.read_network(net, mode=mode) for mode in ("drive", "walk", "ambulance")}
    G = graphs["drive"]
    areas = hc.datasets.census_areas("shanghai").to_crs(G.graph["crs"])
    covered = areas.intersection(hc.network_area(G)).area / areas.area
    areas = areas[covered.to_numpy() > 0.4].reset_index(drop=True)
    pop = hc.spread_population(areas, G, id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    with warnings.catch_warnings():
        # a few POIs lie off the central network; clinics count for no Ningbo rule: both are said elsewhere
        warnings.simplefilter("ignore", hc.HealthcovWarning)
        return hc.assess(graphs, fac, pop, areas, profile=profile)


def ningbo_assessment() -> Any:
    """The 95 OSM hospitals of Ningbo, its 10 districts and the 2020 census on a 1 km grid; no network."""
    areas = hc.datasets.census_areas("ningbo")
    pop = hc.grid_population(areas, cell_m=1000)
    fac = hc.read_facilities(hc.datasets.path("ningbo_hospitals"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)  # "needs a road network": in the table
        return hc.assess(None, fac, pop, areas, profile="ningbo")
