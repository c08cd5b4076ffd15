"""Public functions on tiny graphs: travel_times, isochrones, snap_points, load_profile, save_map, scenarios."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely

import healthcov as hc
from bad_inputs.corpus import UTM, X0, Y0, err, graph, line, ok, pts, roads, warn, write

TT = "traveltime.py"
SNAP = "network/snap.py"
ISO = "isochrones.py"
PROF = "standards/profiles.py"
SCEN = "scenarios.py"
PREP = "network/prepare.py"


def _near(a: float, b: float, tol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _times(tt: gpd.GeoDataFrame, col: str = "travel_time_s") -> list[float]:
    return [round(float(v), 6) for v in tt.sort_index()[col]]


HOMES = pts([(0, 0), (1000, 0), (2000, 0)])
AT0 = pts([(0, 0)], name=["站"])


def _tt(fac, G=None, **kw) -> gpd.GeoDataFrame:
    return hc.travel_times(G if G is not None else graph("drive"), fac, points=HOMES, **kw)


def _island(t: Path) -> gpd.GeoDataFrame:
    """Mainland 3 km at y=0; an island road of 1 km at y=300 (dropped); clinic and home 400 m apart on it."""
    G = hc.read_network(roads([line((0, 0), (1000, 0), (2000, 0), (3000, 0)), line((0, 300), (1000, 300))]))
    return hc.travel_times(G, pts([(0, 300)]), points=pts([(400, 300)]))


def _island_far(t: Path) -> gpd.GeoDataFrame:
    G = hc.read_network(roads([line((0, 0), (1000, 0), (2000, 0), (3000, 0)), line((0, 5000), (1000, 5000))]))
    return hc.travel_times(G, pts([(0, 5000)], name=["岛上卫生院"]))


TRAVEL = [
    ok(
        "tt-by-hand",
        "clinic on node 0, homes at 0/1/2 km (drive 20 km/h)",
        lambda t: _tt(AT0),
        lambda r: _times(r) == [0.0, 180.0, 360.0],
    ),
    ok(
        "tt-access-leg",
        "clinic 10 m off the road",
        lambda t: _tt(pts([(0, 10)])),
        lambda r: _times(r) == [2.4, 182.4, 362.4],
        why="10 m access leg at 15 km/h = 2.4 s added to every time",
    ),
    ok(
        "tt-lonlat-facility",
        "clinic given in EPSG:4326",
        lambda t: _tt(AT0.to_crs(4326)),
        lambda r: np.allclose(_times(r), [0.0, 180.0, 360.0], atol=0.01),
    ),
    ok(
        "tt-other-utm-facility",
        "clinic given in EPSG:4549 (CGCS2000 GK)",
        lambda t: _tt(AT0.to_crs(4549)),
        lambda r: np.allclose(_times(r), [0.0, 180.0, 360.0], atol=0.01),
    ),
    ok(
        "tt-length-weight",
        "weight='length'",
        lambda t: _tt(AT0, weight="length"),
        lambda r: _times(r, "dist_m") == [0.0, 1000.0, 2000.0],
    ),
    ok(
        "tt-max-time",
        "max_time_s=200",
        lambda t: _tt(AT0, max_time_s=200),
        lambda r: _times(r)[:2] == [0.0, 180.0] and math.isinf(_times(r)[2]),
    ),
    ok(
        "tt-duplicate-facilities",
        "the same clinic twice",
        lambda t: _tt(pts([(0, 0), (0, 0)])),
        lambda r: _times(r) == [0.0, 180.0, 360.0],
    ),
    ok(
        "tt-duplicate-point-index",
        "homes with index [5, 5, 6]",
        lambda t: hc.travel_times(graph("drive"), AT0, points=HOMES.set_axis([5, 5, 6])),
        lambda r: r.index.tolist() == [5, 5, 6] and _times(r.reset_index(drop=True)) == [0.0, 180.0, 360.0],
    ),
    ok("tt-walk", "walking 4.5 km/h", lambda t: _tt(AT0, G=graph("walk")), lambda r: _times(r) == [0, 800, 1600]),
    ok(
        "tt-nearest-of-two",
        "clinics at 0 and 4 km",
        lambda t: hc.travel_times(graph("drive"), pts([(0, 0), (4000, 0)])),
        lambda r: _times(r) == [0.0, 180.0, 360.0, 180.0, 0.0],
    ),
    warn(
        "tt-one-facility-far",
        "one clinic on the road, one 50 km away",
        lambda t: _tt(pts([(0, 0), (50_000, 0)], name=["近", "远"])),
        hc.OffNetworkWarning,
        "远",
    ),
    warn(
        "tt-one-facility-far-label",
        "one clinic 50 km away, index 'far'",
        lambda t: _tt(pts([(0, 0), (50_000, 0)]).set_axis(["near", "far"])),
        hc.OffNetworkWarning,
        "far",
    ),
    err(
        "tt-all-facilities-far",
        "the only clinic 50 km away",
        lambda t: _tt(pts([(50_000, 0)])),
        hc.OffNetworkError,
        "facilities",
    ),
    err(
        "tt-facility-on-dropped-island",
        "clinic on a 1 km island 5 km offshore (dropped component)",
        _island_far,
        hc.OffNetworkError,
        "component",
        why="the message must say the island was dropped, not blame GCJ-02",
    ),
    warn(
        "tt-routes-through-mainland",
        "clinic and home 400 m apart on a dropped island 300 m offshore",
        _island,
        hc.HealthcovWarning,
        "dropped",
        why="homes on a dropped island must not be routed through the mainland silently",
    ),
    err("tt-empty-facilities", "no facilities", lambda t: _tt(AT0.iloc[:0]), hc.EmptyInputError, "facilities"),
    err(
        "tt-facilities-no-crs",
        "facilities without a CRS",
        lambda t: _tt(AT0.set_crs(None, allow_override=True)),
        hc.CRSError,
        "facilities",
    ),
    err(
        "tt-facility-none-geometry",
        "a facility with geometry None",
        lambda t: _tt(gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0), None], crs=UTM)),
        hc.InvalidGeometryError,
        "facilities",
    ),
    err(
        "tt-facilities-not-a-frame",
        "facilities as a list of tuples",
        lambda t: _tt([(X0, Y0)]),
        hc.InputError,
        "facilities",
    ),
    err(
        "tt-unprepared-graph",
        "a raw networkx graph",
        lambda t: hc.travel_times(__import__("bad_inputs.corpus").corpus.raw_line(), AT0),
        hc.NetworkError,
        "read_network",
    ),
    err(
        "tt-bad-direction",
        "direction='inbound'",
        lambda t: _tt(AT0, direction="inbound"),
        hc.InputError,
        "direction",
    ),
    err("tt-bad-weight", "weight='minutes'", lambda t: _tt(AT0, weight="minutes"), hc.InputError, "weight"),
    err(
        "tt-negative-max-time",
        "max_time_s=-5",
        lambda t: _tt(AT0, max_time_s=-5),
        hc.InputError,
        "max_time_s",
        why="a negative limit is a user error with a named argument",
    ),
    err(
        "tt-nan-max-time",
        "max_time_s=NaN",
        lambda t: _tt(AT0, max_time_s=float("nan")),
        hc.InputError,
        "max_time_s",
    ),
    err("tt-negative-max-snap", "max_snap_m=-1", lambda t: _tt(AT0, max_snap_m=-1), hc.InputError, "max_snap_m"),
    err(
        "tt-points-no-crs",
        "homes without a CRS",
        lambda t: hc.travel_times(graph("drive"), AT0, points=HOMES.set_crs(None, allow_override=True)),
        hc.CRSError,
        "points",
    ),
]


def _iso(fac=AT0, G=None, **kw) -> gpd.GeoDataFrame:
    return hc.isochrones(G if G is not None else graph("drive"), fac, **kw)


def _nested(r: gpd.GeoDataFrame) -> bool:
    g = r.sort_values("minutes").geometry.tolist()
    return all(b.buffer(1.0).contains(a) for a, b in itertools.pairwise(g)) and r["area_km2"].is_monotonic_increasing


ISOCHRONES = [
    ok("iso-bands-nest", "3/6/9 min around node 0 (drive)", lambda t: _iso(minutes=(3, 6, 9)), _nested),
    ok(
        "iso-reach-by-hand",
        "6 min drive from node 0 reaches 2 km of road",
        lambda t: _iso(minutes=6, fill_m=0.0, cell_m=50.0),
        lambda r: 1900 < r.geometry.iloc[0].bounds[2] - X0 < 2300,
        why="6 min at 20 km/h = 2 km of road from node 0",
    ),
    ok(
        "iso-unsorted-minutes",
        "minutes=(9, 3)",
        lambda t: _iso(minutes=(9, 3)),
        lambda r: sorted(r["minutes"].tolist()) == [3.0, 9.0] and _nested(r),
    ),
    ok(
        "iso-per-facility",
        "two clinics, per_facility=True, 2 bands",
        lambda t: _iso(pts([(0, 0), (4000, 0)]), minutes=(3, 6), per_facility=True),
        lambda r: len(r) == 4,
    ),
    ok(
        "iso-metres",
        "metres=1000 from node 2",
        lambda t: _iso(pts([(2000, 0)]), minutes=None, metres=1000, fill_m=0.0, cell_m=50.0),
        lambda r: 1900 < (lambda b: b[2] - b[0])(r.geometry.iloc[0].bounds) < 2300,
    ),
    err("iso-negative-minutes", "minutes=-5", lambda t: _iso(minutes=-5), hc.InputError, "minutes"),
    err("iso-zero-minutes", "minutes=0", lambda t: _iso(minutes=0), hc.InputError, "minutes"),
    err("iso-nan-minutes", "minutes=NaN", lambda t: _iso(minutes=float("nan")), hc.InputError, "minutes"),
    err("iso-text-minutes", "minutes='15'", lambda t: _iso(minutes="15"), hc.InputError, "minutes"),
    err(
        "iso-minutes-and-metres",
        "minutes=5 and metres=500",
        lambda t: _iso(minutes=5, metres=500),
        hc.InputError,
        "metres",
    ),
    err("iso-neither", "minutes=None, metres=None", lambda t: _iso(minutes=None), hc.InputError, "minutes"),
    err(
        "iso-bad-method",
        "method='concave' (no such method)",
        lambda t: _iso(method="concave"),
        hc.InputError,
        "method",
        "concave",
        "grid, buffer, hull",
        why="first written with method='hull', wrongly: 'hull' is one of the three documented methods "
        "(grid, buffer, hull) and is used as asked (iso-hull-method); an unknown method is the error case",
    ),
    ok(
        "iso-hull-method",
        "method='hull'",
        lambda t: _iso(method="hull"),
        lambda r: r.attrs["method"] == "hull" and r.attrs["cell_m"] is None and len(r) == 3,
        why="the convex hull of the reached road, not the grid: the result says which method made it",
    ),
    err("iso-negative-cell", "cell_m=-10", lambda t: _iso(cell_m=-10.0), hc.InputError, "cell_m"),
    err(
        "iso-text-cell",
        "cell_m='big'",
        lambda t: _iso(cell_m="big"),
        hc.InputError,
        "cell_m",
        "'big'",
        why="was a raw ValueError",
    ),
    err(
        "iso-huge-cell",
        "cell_m=1e9",
        lambda t: _iso(cell_m=1e9),
        hc.InputError,
        "cell_m",
        "5,000",
        why="was accepted: one grid cell of 10^12 km² became the isochrone",
    ),
    err(
        "network-area-negative-cell",
        "network_area(G, cell_m=-1)",
        lambda t: hc.network_area(graph("drive"), cell_m=-1),
        hc.InputError,
        "cell_m",
        why="was a raw numpy ValueError",
    ),
    err("iso-zero-cell", "cell_m=0", lambda t: _iso(cell_m=0.0), hc.InputError, "cell_m"),
    err(
        "iso-negative-buffer", "buffer_m=-5", lambda t: _iso(method="buffer", buffer_m=-5.0), hc.InputError, "buffer_m"
    ),
    err(
        "iso-facility-far",
        "the only clinic 50 km away",
        lambda t: _iso(pts([(50_000, 0)])),
        hc.OffNetworkError,
        "facilities",
    ),
    err("iso-empty-facilities", "no facilities", lambda t: _iso(AT0.iloc[:0]), hc.EmptyInputError, "facilities"),
]


def _snap(p, **kw) -> gpd.GeoDataFrame:
    return hc.snap_points(graph("drive"), p, **kw)


SNAPPING = [
    ok(
        "snap-by-hand",
        "a point 30 m off the middle of the first road",
        lambda t: _snap(pts([(500, 30)])),
        lambda r: (
            _near(r["snap_dist_m"].iloc[0], 30.0)
            and _near(r["edge_frac"].iloc[0], 0.5)
            and _near(r["access_time_s"].iloc[0], 7.2)
            and bool(r["on_network"].iloc[0])
        ),
        why="30 m off the middle of a 1 km edge: frac 0.5, 30 m at 15 km/h = 7.2 s",
    ),
    ok(
        "snap-lonlat",
        "the same point in EPSG:4326",
        lambda t: _snap(pts([(500, 30)]).to_crs(4326)),
        lambda r: _near(r["snap_dist_m"].iloc[0], 30.0, 1e-3),
    ),
    ok(
        "snap-keeps-index",
        "index ['b', 'a']",
        lambda t: _snap(pts([(500, 30), (1500, 0)]).set_axis(["b", "a"])),
        lambda r: r.index.tolist() == ["b", "a"],
    ),
    warn(
        "snap-far-flagged",
        "a point 5 km off the road",
        lambda t: _snap(pts([(500, 30), (500, 5000)])),
        None,
        flag="on_network",
        check=lambda r: r["on_network"].tolist() == [True, False],
        why="snap_points never drops: the far row is kept with on_network False",
    ),
    err("snap-empty", "no points", lambda t: _snap(pts([])), hc.EmptyInputError, "points"),
    err("snap-no-crs", "points without a CRS", lambda t: _snap(pts([(0, 0)], crs=None)), hc.CRSError, "points"),
    err(
        "snap-none-geometry",
        "a point with geometry None",
        lambda t: _snap(gpd.GeoDataFrame(geometry=[None], crs=UTM)),
        hc.InvalidGeometryError,
        "points",
    ),
    err(
        "snap-negative-limit",
        "max_snap_m=-5",
        lambda t: _snap(pts([(0, 0)]), max_snap_m=-5),
        hc.InputError,
        "max_snap_m",
    ),
    err(
        "snap-nan-limit",
        "max_snap_m=NaN",
        lambda t: _snap(pts([(0, 0)]), max_snap_m=float("nan")),
        hc.InputError,
        "max_snap_m",
    ),
    err(
        "snap-text-limit",
        "max_snap_m='far'",
        lambda t: _snap(pts([(0, 0)]), max_snap_m="far"),
        hc.InputError,
        "max_snap_m",
        "'far'",
        why="was a raw ValueError",
    ),
    err(
        "node-lines-not-lines",
        "node_lines([1, 2])",
        lambda t: hc.node_lines([1, 2]),
        hc.InputError,
        "LineString",
        "int",
        why="was a raw shapely TypeError",
    ),
]


TOML_OK = 'schema = 1\nid = "x"\nlevel = "district"\nname = { zh = "某区", en = "X" }\n'


def _profile(t: Path, text: str) -> hc.standards.profiles.Profile:
    return hc.load_profile(write(t, "p.toml", text))


RULE = """
[document]
title = "t"
file = "none.txt"
status = "issued"
base_year = 2020
target_year = 2025
[classifier]
method = "admin_type"
urban = ["街道"]
rural = ["镇"]
source = "assumption"
[[rules]]
id = "c"
kind = "{kind}"
status = "binding"
title = {{ zh = "圈", en = "Circle" }}
facility_types = ["chc"]
minutes = {{ urban = {minutes}, rural = 20 }}
source = {{ ref = "x:1", quote = "q" }}
"""

CIRCLE15 = RULE.format(kind="service_circle", minutes=15)
PROFILES = [
    ok(
        "profile-shipped",
        "load_profile('zhejiang')",
        lambda t: hc.load_profile("zhejiang"),
        lambda p: p.id == "zhejiang" and len(p.rule_ids()) > 5,
    ),
    ok("profile-chinese-name", "load_profile('宁波')", lambda t: hc.load_profile("宁波"), lambda p: p.id == "ningbo"),
    ok(
        "profile-user-file",
        "a valid one-rule TOML",
        lambda t: _profile(t, TOML_OK + RULE.format(kind="service_circle", minutes=15)),
        lambda p: p.rule_ids() == ["c"],
    ),
    err(
        "profile-unknown-name",
        "load_profile('atlantis')",
        lambda t: hc.load_profile("atlantis"),
        hc.ProfileError,
        "atlantis",
    ),
    err(
        "profile-missing-file",
        "load_profile('nope.toml')",
        lambda t: hc.load_profile(t / "nope.toml"),
        hc.HealthcovError,
        "nope.toml",
    ),
    err("profile-empty-file", "a 0-byte TOML", lambda t: _profile(t, ""), hc.ProfileError, "p.toml"),
    err("profile-bad-toml", "TOML with a syntax error", lambda t: _profile(t, "id = \n"), hc.ProfileError, "p.toml"),
    err(
        "profile-unknown-kind",
        "a rule of kind 'teleport'",
        lambda t: _profile(t, TOML_OK + RULE.format(kind="teleport", minutes=15)),
        hc.ProfileError,
        "teleport",
    ),
    err(
        "profile-negative-minutes",
        "minutes = -15",
        lambda t: _profile(t, TOML_OK + RULE.format(kind="service_circle", minutes=-15)),
        hc.ProfileError,
        "minutes",
    ),
    err(
        "profile-text-minutes",
        "minutes = 'fifteen'",
        lambda t: _profile(t, TOML_OK + RULE.format(kind="service_circle", minutes='"fifteen"')),
        hc.ProfileError,
        "minutes",
    ),
    err(
        "profile-directory",
        "load_profile(a folder)",
        lambda t: hc.load_profile(t),
        hc.HealthcovError,
        "folder",
    ),
    err("profile-not-a-profile", "load_profile(42)", lambda t: hc.load_profile(42), hc.HealthcovError, "int"),
    err(
        "profile-gbk-file",
        "a GBK-encoded TOML",
        lambda t: hc.load_profile(write(t, "p.toml", TOML_OK + CIRCLE15, encoding="gbk")),
        hc.ProfileError,
        "p.toml",
    ),
]


def _mkdir(p: Path) -> Path:
    p.mkdir()
    return p


def _save(t: Path, m, name: str = "map.html") -> Path:
    return hc.save_map(m, t / name)


MAPS = [
    ok(
        "save-map",
        "an empty folium map",
        lambda t: _save(t, folium.Map(tiles=None)),
        lambda p: p.exists() and "<html" in p.read_text(encoding="utf-8").lower(),
    ),
    err(
        "save-map-directory",
        "path map.html is an existing folder",
        lambda t: hc.save_map(folium.Map(tiles=None), _mkdir(t / "map.html")),
        hc.InputError,
        "map.html",
    ),
    ok(
        "save-map-missing-folder",
        "path in a folder that does not exist yet (created)",
        lambda t: _save(t, folium.Map(tiles=None), "no/such/map.html"),
        lambda p: p.exists(),
        why="save_map creates missing folders (write_report refuses them: see report-missing-folder)",
    ),
    err("save-map-not-a-map", "save_map(42, ...)", lambda t: _save(t, 42), hc.InputError, "int"),
]


def _fac_status(status, column: str = "status", **cols) -> gpd.GeoDataFrame:
    return pts([(0, 0)] * len(status), **{column: status}, **cols)


SCENARIOS = [
    ok(
        "scen-plan-by-hand",
        "现有/规划新建/合并 under 'plan'",
        lambda t: hc.scenario_facilities(_fac_status(["现有", "规划新建", "合并"]), "plan"),
        lambda f: f["status"].tolist() == ["existing", "planned"],
    ),
    ok(
        "scen-existing-by-hand",
        "现有/规划新建/合并 under 'existing'",
        lambda t: hc.scenario_facilities(_fac_status(["现有", "规划新建", "合并"]), "existing"),
        lambda f: f["status"].tolist() == ["existing", "merged"],
    ),
    ok(
        "scen-status-column-chinese",
        "status column named 状态",
        lambda t: hc.scenario_facilities(_fac_status(["现有", "规划新建"], column="状态"), "existing"),
        lambda f: len(f) == 1,
        why="状态 is the plans' own column name",
    ),
    err(
        "scen-no-status-column",
        "no status column",
        lambda t: hc.scenario_facilities(pts([(0, 0)]), "plan"),
        hc.MissingColumnError,
        "status",
    ),
    err(
        "scen-unknown-scenario",
        "scenario 'dream'",
        lambda t: hc.scenario_facilities(_fac_status(["现有"]), "dream"),
        hc.InputError,
        "dream",
    ),
    err(
        "scen-unknown-status-value",
        "a status '传闻'",
        lambda t: hc.scenario_facilities(_fac_status(["现有", "传闻"]), "plan"),
        hc.InputError,
        "传闻",
    ),
    err(
        "scen-unknown-status-list",
        "statuses ['rumoured']",
        lambda t: hc.scenario_facilities(_fac_status(["现有"]), ["rumoured"]),
        hc.InputError,
        "rumoured",
    ),
    err(
        "scen-bad-replaces",
        "a relocated row replacing row 99",
        lambda t: hc.scenario_facilities(_fac_status(["现有", "迁建"], replaces=[None, 99]), "plan"),
        hc.InputError,
        "99",
    ),
    ok(
        "scen-relocated-closes-old",
        "迁建 row replacing row 0",
        lambda t: hc.scenario_facilities(_fac_status(["现有", "迁建"], replaces=[None, 0]), "plan"),
        lambda f: f.index.tolist() == [1],
    ),
    err(
        "scen-project-negative-growth",
        "project_population(growth=-2)",
        lambda t: hc.project_population(pts([(0, 0)], pop=[100.0]), -2.0),
        hc.InputError,
        "growth",
    ),
    ok(
        "scen-project-by-hand",
        "project_population(growth=1.1) of 100",
        lambda t: hc.project_population(pts([(0, 0)], pop=[100.0]), 1.1),
        lambda p: _near(p["pop"].iloc[0], 110.0),
    ),
]

CASES = [*TRAVEL, *ISOCHRONES, *SNAPPING, *PROFILES, *MAPS, *SCENARIOS]
