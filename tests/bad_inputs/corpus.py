"""The bad-input corpus: one :class:`Case` per input, its expected outcome class, and tiny inputs.

Outcome classes (see docs/reliability.md):

- ``error``: a :class:`healthcov.HealthcovError` subclass whose message names the input (the
  ``match`` keywords, case-insensitive) and says how to fix it; for the CLI, exit code 2 and one
  line on stderr naming the input.
- ``warning``: a :class:`healthcov.HealthcovWarning` subclass naming the input, or a flagged row
  (``flag`` is the column, ``check`` asserts it).
- ``correct``: the right result, asserted by ``check`` against a number computed by hand.

A case whose current behaviour differs carries ``now`` (what happens today) and ``owner`` (the file
that must change); it runs as ``xfail(strict=True)`` so it fails the moment the fix lands.
"""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pytest
import shapely

import healthcov as hc

X0, Y0 = 500_000.0, 3_300_000.0  # UTM 51N, Zhejiang's latitude
UTM = "EPSG:32651"
ERROR, WARNING, CORRECT = "error", "warning", "correct"


@dataclass(frozen=True)
class Case:
    id: str
    input: str
    expect: str
    run: Callable[[Path], Any]
    why: str = ""
    exc: type = hc.HealthcovError
    match: tuple[str, ...] = ()
    check: Callable[[Any], Any] | None = None
    flag: str | None = None
    now: str | None = None
    owner: str | None = None
    cli: bool = False
    now_raises: Any = None

    def param(self) -> Any:
        """The xfail only counts when the case fails the way ``now`` says: a failed check or a missing
        error (AssertionError, pytest's Failed), or the raw exception ``now_raises``; anything else (a
        typo in the case, a new bug) is a plain failure."""
        marks = []
        if self.now:
            raises = self.now_raises or (AssertionError, pytest.fail.Exception)
            marks.append(pytest.mark.xfail(strict=True, raises=raises, reason=f"{self.now}; fix owner: {self.owner}"))
        return pytest.param(self, id=self.id, marks=marks)


def err(id: str, input: str, run: Callable, exc: type = hc.HealthcovError, *match: str, **kw: Any) -> Case:
    return Case(id, input, ERROR, run, exc=exc, match=match, **kw)


def warn(id: str, input: str, run: Callable, exc: type | None = hc.HealthcovWarning, *match: str, **kw: Any) -> Case:
    return Case(id, input, WARNING, run, exc=exc or hc.HealthcovWarning, match=match, **kw)


def ok(id: str, input: str, run: Callable, check: Callable, **kw: Any) -> Case:
    return Case(id, input, CORRECT, run, check=check, **kw)


def cli_err(id: str, input: str, argv: Callable[[Path], Any], *match: str, **kw: Any) -> Case:
    """``argv(tmp)`` gives the arguments, or runs the command itself and returns its :class:`CliResult`."""

    def run(tmp: Path) -> CliResult:
        got = argv(tmp)
        return got if isinstance(got, CliResult) else cli([str(a) for a in got])

    return Case(id, input, ERROR, run, match=match, cli=True, **kw)


# ------------------------------------------------------------------------------------------
# tiny inputs


def near(a: float, b: float, tol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


def roads(lines: Iterable[shapely.LineString], hw: Any = "residential", crs: Any = UTM, **cols: Any) -> Any:
    lines = list(lines)
    hws = hw if isinstance(hw, list) else [hw] * len(lines)
    return gpd.GeoDataFrame({"highway": hws, **cols}, geometry=lines, crs=crs)


def raw_line(n: int = 5, hw: str = "residential", crs: Any = UTM, **attrs: Any) -> nx.MultiDiGraph:
    """Unprepared two-way road: nodes 0..n-1 every 1,000 m along y = Y0."""
    G = nx.MultiDiGraph(crs=crs) if crs is not None else nx.MultiDiGraph()
    for i in range(n):
        G.add_node(i, x=X0 + 1000.0 * i, y=Y0)
    for i in range(n - 1):
        G.add_edge(i, i + 1, highway=hw, **attrs)
        G.add_edge(i + 1, i, highway=hw, **attrs)
    return G


_GRAPHS: dict[tuple, nx.MultiDiGraph] = {}


def graph(mode: str = "drive", n: int = 5) -> nx.MultiDiGraph:
    """Prepared line graph (cached: cases must not modify it). Drive: 180 s per 1,000 m; walk: 800 s."""
    key = (mode, n)
    if key not in _GRAPHS:
        _GRAPHS[key] = hc.read_network(raw_line(n), mode=mode)
    return _GRAPHS[key]


def pts(xy: Iterable[tuple[float, float]], crs: Any = UTM, **cols: Any) -> gpd.GeoDataFrame:
    geom = [shapely.Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame(cols or None, geometry=geom, crs=crs)


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs(4326)


def csv_points(tmp: Path, gdf: gpd.GeoDataFrame, name: str = "points.csv", **extra: Any) -> Path:
    g = gdf.to_crs(4326)
    df = g.drop(columns=g.geometry.name).assign(lon=g.geometry.x, lat=g.geometry.y, **extra)
    p = tmp / name
    df.to_csv(p, index=False)
    return p


def write(tmp: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    p = tmp / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding=encoding)
    return p


def gpkg(tmp: Path, gdf: gpd.GeoDataFrame, name: str) -> Path:
    p = tmp / name
    gdf.to_file(p, driver="GPKG")
    return p


# ------------------------------------------------------------------------------------------
# the tiny world of tests/test_assess.py (every verdict computed by hand there)

PROFILE = textwrap.dedent(
    """
    schema = 1
    id = "tinyville"
    level = "district"
    name = { zh = "小镇区", en = "Tinyville" }
    [document]
    title = "测试规划"
    file = "none.txt"
    status = "issued"
    base_year = 2020
    target_year = 2025
    [classifier]
    method = "admin_type"
    urban = ["街道"]
    rural = ["镇", "乡"]
    source = "assumption: test"

    [[rules]]
    id = "access.basic_circle"
    kind = "service_circle"
    status = "binding"
    title = { zh = "服务圈", en = "Service circle" }
    facility_types = ["chc"]
    minutes = { urban = 15, rural = 20 }
    source = { ref = "test:1", quote = "城区15分钟、农村20分钟" }

    [[rules]]
    id = "ems.fleet"
    kind = "ratio"
    status = "binding"
    title = { zh = "救护车", en = "Ambulances" }
    facility_types = ["ems_station"]
    resource = "ambulances"
    amount = 1
    per = 300
    source = { ref = "test:4", quote = "每3万人口配置1辆救护车" }
    """
)


def profile(tmp: Path) -> Path:
    p = tmp / "tinyville.toml"
    if not p.exists():
        p.write_text(PROFILE, encoding="utf-8")
    return p


def world_areas(**cols: Any) -> gpd.GeoDataFrame:
    """甲街道 (urban, x -500..2500) and 乙镇 (rural, x 2500..4500), 1 km tall."""
    return gpd.GeoDataFrame(
        {"area_name": ["甲街道", "乙镇"], "area_code": ["A", "B"], **cols},
        geometry=[box(-500, -500, 2500, 500), box(2500, -500, 4500, 500)],
        crs=UTM,
    )


def world_pop(values: Iterable[Any] = (100.0, 200.0, 300.0, 400.0, 500.0)) -> gpd.GeoDataFrame:
    return pts([(1000.0 * i, 0.0) for i in range(5)], pop=list(values))


def world_fac(**over: Any) -> gpd.GeoDataFrame:
    cols = {"name": ["甲社区卫生服务中心", "甲急救站"], "facility_type": ["chc", "ems_station"], "ambulances": [0, 1]}
    cols.update(over)
    return pts([(0.0, 0.0), (0.0, 0.0)], **cols)


def world_graphs() -> dict[str, nx.MultiDiGraph]:
    return {"walk": graph("walk"), "drive": graph("drive")}


DEFAULT = object()


def assess_world(tmp: Path, *, fac: Any = None, pop: Any = None, areas: Any = None, G: Any = DEFAULT, **kw: Any) -> Any:
    """assess on the tiny world; circle A (walk, 15 min): 300 of 600 → 0.5 fail; B (drive, 20 min): pass."""
    return hc.assess(
        world_graphs() if G is DEFAULT else G,
        world_fac() if fac is None else fac,
        world_pop() if pop is None else pop,
        world_areas() if areas is None else areas,
        profile=profile(tmp),
        **kw,
    )


def row(res: Any, rule: str, area: str) -> Any:
    return res.table.set_index(["rule_id", "area_code"]).loc[(rule, area)]


# ------------------------------------------------------------------------------------------
# the command line, in process


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def cli(argv: list[str]) -> CliResult:
    """``healthcov.cli.main(argv)``; an exception escaping main is what a user sees as a raw traceback."""
    from healthcov.cli import main

    out, errs = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(errs):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
    return CliResult(int(code), out.getvalue(), errs.getvalue())
