"""Population: raster cells, census polygons spread onto the road network, or points with counts.

Whatever the source, the standards engine receives demand *points* with a ``pop`` column (one row
per raster cell, network node or input point), which are snapped to the network like facilities.
How the points were made is recorded in ``.attrs["population_method"]`` so reports can say it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from ..errors import EmptyInputError, HealthcovWarning, InputError, MissingColumnError, describe_ids
from ..network.arrays import graph_arrays
from ..network.prepare import require_prepared
from ._common import ensure_crs, existing_path, find_column
from .area_checks import PartialNetworkWarning, check_areas, repair_areas
from .facilities import read_facilities
from .vector import read_vector

__all__ = ["read_population", "spread_population", "grid_population", "read_areas", "POP", "POP_NAMES"]

POP = "pop"
POP_NAMES = (
    "pop",
    "population",
    "人口",
    "人口数",
    "常住人口",
    "人口数_合计",
    "total",
    "count",
    "value",
)
NAME_NAMES = ("name", "名称", "area_name", "区县", "乡镇", "街道", "name_zh", "NAME")
CODE_NAMES = ("adcode", "code", "区划代码", "代码", "行政区划代码", "area_code", "id", "gb", "ext_id")
#: census columns of an areas layer read as its published population ``pop`` when it has none
AREA_POP_NAMES = ("population", "人口", "人口数", "常住人口", "人口数_合计")
_RASTER_SUFFIXES = {".tif", ".tiff", ".vrt", ".img", ".asc"}


def _pop_values(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    vals = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals < 0)
    if bad.any():
        ids = list(frame.index[bad])
        msg = (
            f"{source}: column {column!r} must hold non-negative numbers; rows {describe_ids(ids)} do not. "
            "Fill or remove them (an unknown count cannot be assessed)"
        )
        raise InputError(msg)
    return vals


def read_population(
    source: Any,
    *,
    pop_column: str | None = None,
    crs: Any = None,
    coord_system: str = "wgs84",
    band: int = 1,
    layer: str | int | None = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read population as points with a ``pop`` column, or as polygons with counts.

    Parameters
    ----------
    source
        A GeoTIFF (WorldPop / GHS-POP style: one count per cell; cells with no data or zero are
        left out, they carry nobody), a vector file or GeoDataFrame of points with counts, a CSV
        with longitude/latitude and a count, or polygons with counts (census by district or
        township), which are returned as polygons: pass them to :func:`spread_population`.
    pop_column
        The count column (found automatically when named ``pop``, ``population``, ``人口``,
        ``常住人口``, ``人口数_合计`` …).
    crs, coord_system, layer, encoding
        As in :func:`healthcov.read_facilities` (GCJ-02 / BD-09 points are converted; a CSV or
        a Shapefile without ``.cpg`` is tried as UTF-8, then GB18030).
    band
        Raster band holding the counts.

    Returns
    -------
    GeoDataFrame
        Points (or polygons) with ``pop``; ``.attrs["population_method"]`` says where they
        came from.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame({"人口": [120, 80]}, geometry=shapely.points([(121.5, 29.8), (121.6, 29.9)]),
    ...                        crs=4326)
    >>> read_population(pts)["pop"].tolist()
    [120.0, 80.0]
    """
    if isinstance(source, (str, Path)) and Path(source).suffix.lower() in _RASTER_SUFFIXES:
        return _read_raster(existing_path(source, "population raster"), band)
    name = "population"
    if isinstance(source, (str, Path)):
        path = existing_path(source, "population")
        name = f"population ({path.name})"
        if path.suffix.lower() != ".csv":
            source = read_vector(path, layer, encoding, what=name)
    if (
        isinstance(source, gpd.GeoDataFrame)
        and len(source)
        and source.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    ):
        col = find_column(source, pop_column, POP_NAMES, "population count", name)
        out = ensure_crs(source.copy(), crs, name)
        out[POP] = _pop_values(out, col, name)
        out.attrs["population_method"] = f"polygons with counts (column {col!r})"
        return out
    pts = read_facilities(source, coord_system=coord_system, crs=crs, to_crs=None, name=name, encoding=encoding)
    col = find_column(pts, pop_column, POP_NAMES, "population count", name)
    pts[POP] = _pop_values(pts, col, name)
    pts.attrs["population_method"] = f"points with counts (column {col!r})"
    return pts


def _check_polygons(polygons: gpd.GeoDataFrame, pop_column: str) -> None:
    if pop_column not in polygons.columns:
        msg = f"population polygons have no {pop_column!r} column; columns are {list(polygons.columns)}"
        raise MissingColumnError(msg)
    if polygons.crs is None:
        msg = "population polygons have no CRS: set one (e.g. .set_crs(4326))"
        raise InputError(msg)


def _read_raster(path: Path, band: int) -> gpd.GeoDataFrame:
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        src = rasterio.open(path)
    except RasterioIOError as exc:
        msg = f"population raster {str(path)!r} cannot be read ({exc}): give a GeoTIFF of counts per cell"
        raise InputError(msg) from exc
    with src:
        if src.crs is None:
            msg = f"population raster {str(path)!r} has no CRS: set one (e.g. gdal_edit.py -a_srs EPSG:4326)"
            raise InputError(msg)
        if not isinstance(band, (int, np.integer)) or not 1 <= band <= src.count:
            msg = f"population raster {str(path)!r} has {src.count} band(s): band={band!r} must be 1…{src.count}"
            raise InputError(msg)
        data = src.read(band, masked=True).astype(float)
        transform, crs = src.transform, src.crs
    vals = np.ma.filled(data, 0.0)
    vals[~np.isfinite(vals)] = 0.0
    if (vals < 0).any():
        msg = f"population raster {str(path)!r} has negative cell values: set them to nodata"
        raise InputError(msg)
    rows, cols = np.nonzero(vals > 0)
    if len(rows) == 0:
        msg = f"population raster {str(path)!r} holds no people (every cell is zero or nodata)"
        raise EmptyInputError(msg)
    t = transform  # cell centres (affine's ``*`` operator is deprecated)
    cc, rr = cols + 0.5, rows + 0.5
    xs, ys = t.a * cc + t.b * rr + t.c, t.d * cc + t.e * rr + t.f
    out = gpd.GeoDataFrame(
        {POP: vals[rows, cols], "row": rows, "col": cols},
        geometry=shapely.points(np.asarray(xs), np.asarray(ys)),
        crs=crs,
    )
    out.attrs["population_method"] = f"raster cells ({path.name}, band {band}), one point per populated cell"
    return out


def read_areas(
    source: Any,
    *,
    name_column: str | None = None,
    code_column: str | None = None,
    crs: Any = None,
    coord_system: str = "wgs84",
    layer: str | int | None = None,
    encoding: str | None = None,
    allow_overlap: bool = False,
) -> gpd.GeoDataFrame:
    """Administrative areas (districts, townships, streets) as polygons with ``area_name`` and ``area_code``.

    ``coord_system="gcj02"`` converts boundaries cut from AMap / DataV (GCJ-02) to WGS84 so they
    overlay OSM roads. Other columns are kept (a census count, a ``unit_type`` or ``urban_rural``
    column for the standards engine); a census column (人口, 常住人口, population …) becomes
    ``pop`` when there is no ``pop``. ``encoding`` is the text encoding of a shapefile's
    attributes (e.g. ``"gbk"`` when its ``.cpg`` is missing).

    Invalid polygons (a self-intersecting bow-tie) are repaired with ``make_valid`` and a
    :class:`~healthcov.GeometryConvertedWarning` names them; areas without a geometry or with an
    area of 0, a ``pop`` column with NaN, negative or text values, and overlapping areas (a city
    polygon beside its districts, unless ``allow_overlap=True``) are errors naming the areas.

    Examples
    --------
    >>> import healthcov as hc
    >>> a = read_areas(hc.datasets.path("ningbo_jiaxing_districts_wgs84"))
    >>> len(a), a["area_name"].iloc[0], a["area_code"].iloc[0]
    (17, '海曙区', '330203')
    """
    from .coords import to_wgs84

    name = "areas"
    if isinstance(source, (str, Path)):
        path = existing_path(source, "areas")
        name = f"areas ({path.name})"
        gdf = read_vector(path, layer, encoding, geometry_type="polygon", what=name)
    elif isinstance(source, gpd.GeoDataFrame):
        gdf = source.copy()
    else:
        msg = f"areas must be a file path or a GeoDataFrame of polygons, got {type(source).__name__}"
        raise InputError(msg)
    if len(gdf) == 0:
        msg = f"{name} has no rows"
        raise EmptyInputError(msg)
    bad = ~gdf.geom_type.isin(["Polygon", "MultiPolygon"])
    if bad.any():
        msg = f"{name}: rows {describe_ids(list(gdf.index[bad]))} are not polygons ({sorted(set(gdf.geom_type[bad]))})"
        raise InputError(msg)
    gdf = ensure_crs(gdf, crs, name)
    if str(coord_system).lower() not in ("wgs84", "wgs-84", "epsg:4326"):
        ll = gdf.to_crs(4326)

        def conv(g: Any) -> Any:
            return shapely.transform(g, lambda xy: np.column_stack(to_wgs84(xy[:, 0], xy[:, 1], coord_system)))

        gdf = gpd.GeoDataFrame(ll.drop(columns=ll.geometry.name), geometry=[conv(g) for g in ll.geometry], crs=4326)
    ncol = find_column(gdf, name_column, NAME_NAMES, "area name", name)
    try:
        ccol = find_column(gdf, code_column, CODE_NAMES, "area code", name)
    except MissingColumnError:
        if code_column is not None:
            raise
        ccol = ncol
    gdf["area_name"] = gdf[ncol].astype(str)
    codes = gdf[ccol]
    if pd.api.types.is_float_dtype(codes) and (codes.dropna() % 1 == 0).all():
        codes = codes.astype("Int64")
    gdf["area_code"] = codes.astype(str)
    dup = gdf["area_code"].duplicated(keep=False)
    if dup.any():
        msg = f"{name}: area codes repeat ({describe_ids(sorted(set(gdf.loc[dup, 'area_code'])))}): pass code_column="
        raise InputError(msg)
    census = [c for c in AREA_POP_NAMES if c in gdf.columns]
    if POP not in gdf.columns and len(census) == 1:
        gdf[POP] = gdf[census[0]]  # the published count, checked below like a 'pop' column
    return check_areas(gdf, name, allow_overlap=allow_overlap)


def _node_samples(G: nx.MultiDiGraph, arr: Any, weight: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Road nodes as sample points, weighted by half the length of every road touching them (or ``weight``)."""
    if weight is None:
        w = np.zeros(arr.n)
        once = (arr.twin < 0) | (np.arange(arr.m) < arr.twin)
        np.add.at(w, arr.u[once], arr.length[once] / 2.0)
        np.add.at(w, arr.v[once], arr.length[once] / 2.0)
        wdesc = "road length"
    else:
        if not isinstance(G, nx.Graph):
            msg = (
                f"spread_population: weight={weight!r} is a node attribute, and a healthcov.Network holds no node "
                "attributes: pass G.to_networkx() with the attribute set on its nodes, or leave weight= out to "
                "weight by road length"
            )
            raise MissingColumnError(msg)
        if not any(weight in G.nodes[nid] for nid in arr.node_ids):
            some = sorted({k for nid in arr.node_ids[:1000] for k in G.nodes[nid]})
            msg = (
                f"spread_population: weight={weight!r} is not an attribute of any road node (nodes have {some}): "
                "set it on the nodes first, or leave weight= out to weight by road length"
            )
            raise MissingColumnError(msg)
        w = np.array([float(G.nodes[nid].get(weight, 0.0)) for nid in arr.node_ids])
        wdesc = f"node attribute {weight!r}"
    return shapely.points(arr.x, arr.y), w, np.asarray(arr.node_ids), f"onto road nodes in proportion to {wdesc}"


def _edge_samples(arr: Any, spacing_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Points along every road (each two-way road once): a road of length L is cut into ``ceil(L / spacing_m)``
    equal pieces and each piece's midpoint carries the piece's length, so residents lie along the roads in
    proportion to length, not on the intersections."""
    once = np.flatnonzero(((arr.twin < 0) | (np.arange(arr.m) < arr.twin)) & (arr.length > 0))
    length = arr.length[once]
    k = np.maximum(1, np.ceil(length / spacing_m)).astype(int)
    edge = np.repeat(once, k)
    piece = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    frac = (piece + 0.5) / np.repeat(k, k)
    pts = shapely.line_interpolate_point(arr.edge_geoms(edge), frac, normalized=True)
    names = np.array([f"{arr.node_ids[arr.u[e]]}-{arr.node_ids[arr.v[e]]}" for e in once], dtype=object)
    how = f"along the roads in proportion to length (a point every ≤ {spacing_m:g} m)"
    return pts, np.repeat(length / k, k), np.repeat(names, k), how


def spread_population(
    polygons: gpd.GeoDataFrame,
    G: nx.MultiDiGraph,
    *,
    pop_column: str = POP,
    weight: str | None = None,
    partial: str = "scale",
    id_column: str | None = None,
    placement: str = "edges",
    spacing_m: float = 100.0,
) -> gpd.GeoDataFrame:
    """Spread polygon counts (census by district/township) along the network's roads.

    With ``placement="edges"`` (the default) the residents of a polygon lie along its roads in
    proportion to road length: every road is cut into pieces of at most ``spacing_m`` metres and
    each piece's midpoint carries the piece's share (people live along streets, not on the
    intersections, and a point mid-street is farther from a facility than its end nodes). With
    ``placement="nodes"`` each node gets a share in proportion to the road length around it (half of
    every road touching it), or to a node attribute ``weight``. The points of a polygon add up to its
    published count, scaled by the share of the polygon the network covers when ``partial="scale"``
    (the default: a district that the network covers only in part keeps only that part of its
    people, assuming even density inside it) or not scaled with ``partial="all"``. It is an estimate,
    and ``.attrs["population_method"]`` says so.

    Polygons with no road inside are not lost: they are listed in ``.attrs["unplaced"]`` with their
    counts, and named in a warning.

    Returns
    -------
    GeoDataFrame
        One point per road piece (or node) in ``G``'s CRS: ``pop``, ``source_area`` (the polygon's
        id) and ``node`` (the node id, or ``"u-v"`` for the road the point lies on).
    """
    require_prepared(G)
    if partial not in ("scale", "all"):
        msg = f"partial must be 'scale' or 'all', got {partial!r}"
        raise InputError(msg)
    if placement not in ("edges", "nodes"):
        msg = f"placement must be 'edges' (along the roads) or 'nodes' (on the intersections), got {placement!r}"
        raise InputError(msg)
    if not (isinstance(spacing_m, (int, float)) and spacing_m > 0):
        msg = f"spacing_m must be a positive number of metres, got {spacing_m!r}"
        raise InputError(msg)
    _check_polygons(polygons, pop_column)
    polygons = repair_areas(polygons, "population polygons")
    ids = polygons[id_column] if id_column is not None else polygons.index.to_series()
    names = polygons["area_name"] if "area_name" in polygons.columns else ids
    polys = polygons.to_crs(G.graph["crs"])
    pops = _pop_values(polys, pop_column, "population polygons")
    arr = graph_arrays(G)
    if placement == "nodes" or weight is not None:
        pts, w, labels, how = _node_samples(G, arr, weight)
    else:
        pts, w, labels, how = _edge_samples(arr, float(spacing_m))
    tree = shapely.STRtree(polys.geometry.values)
    pt_idx, poly_idx = tree.query(pts, predicate="within")
    # a point on a shared border goes to the first polygon only
    pt_idx, first = np.unique(pt_idx, return_index=True)
    poly_idx = poly_idx[first]
    out_pop, unplaced, partial_rows = _shares(polys, ids, pops, w[pt_idx], poly_idx, G if partial == "scale" else None)
    out = gpd.GeoDataFrame(
        {POP: out_pop, "source_area": ids.iloc[poly_idx].to_numpy(), "node": labels[pt_idx]},
        geometry=pts[pt_idx],
        crs=G.graph["crs"],
    )
    out = out[out[POP] > 0].reset_index(drop=True)
    scaled = ", scaled by the share of each polygon the network covers" if partial == "scale" else ""
    out.attrs["population_method"] = f"census counts spread {how}{scaled} (an estimate)"
    _report_spread(out, unplaced, partial_rows, dict(zip(ids, names, strict=True)), pops.sum())
    return out


def _report_spread(
    out: gpd.GeoDataFrame,
    unplaced: list[dict[str, Any]],
    partial_rows: list[tuple[Any, float]],
    names: dict[Any, Any],
    total: float,
) -> None:
    """``.attrs['unplaced']`` and ``['partial_areas']``, and a warning naming the polygons for each (in place)."""
    for r in unplaced:
        r["area_name"] = names.get(r["source_area"], r["source_area"])
    out.attrs["unplaced"] = pd.DataFrame(unplaced, columns=["source_area", "area_name", POP, "network_share"])
    out.attrs["partial_areas"] = partial_rows
    if unplaced:
        warnings.warn(
            f"{len(unplaced)} population polygons have no road inside and were not placed on the network "
            f"({sum(r[POP] for r in unplaced):,.0f} people): {describe_ids([r['area_name'] for r in unplaced])}. "
            "They are listed in .attrs['unplaced']",
            HealthcovWarning,
            stacklevel=3,
        )
    if partial_rows:
        kept = float(out[POP].sum())
        shown = [f"{names.get(i, i)} ({share:.0%})" for i, share in partial_rows]
        warnings.warn(
            f"{len(partial_rows)} population polygons are covered by the network only in part and keep only that "
            f"share of their residents (partial='scale'): {describe_ids(shown)}; "
            f"{total - kept:,.0f} of {total:,.0f} people are left out. Pass partial='all' to place them all on the "
            "roads there are. They are listed in .attrs['partial_areas']",
            PartialNetworkWarning,
            stacklevel=3,
        )


def _shares(
    polys: gpd.GeoDataFrame, ids: pd.Series, pops: np.ndarray, w: np.ndarray, poly_idx: np.ndarray, G: Any
) -> tuple[np.ndarray, list[dict[str, Any]], list[tuple[Any, float]]]:
    """Each sample point's people: its polygon's count (× the network's share of it) in proportion to ``w``."""
    from ..network.area import network_area

    cover = network_area(G) if G is not None else None
    out_pop = np.zeros(len(poly_idx))
    unplaced, partial_rows = [], []
    for j in range(len(polys)):
        sel = poly_idx == j
        total = pops[j]
        poly = polys.geometry.iloc[j]
        share = 1.0
        if cover is not None and poly.area > 0:
            share = float(min(1.0, poly.intersection(cover).area / poly.area))
        wj = w[sel]
        if not sel.any() or wj.sum() <= 0:
            if total > 0:
                unplaced.append({"source_area": ids.iloc[j], POP: total, "network_share": share})
            continue
        if share < 0.95:
            partial_rows.append((ids.iloc[j], share))
        out_pop[sel] = total * share * wj / wj.sum()
    return out_pop, unplaced, partial_rows


def grid_population(polygons: gpd.GeoDataFrame, *, cell_m: float = 1000.0, pop_column: str = POP) -> gpd.GeoDataFrame:
    """Spread polygon counts evenly over a grid of points (for work without a road network).

    Each polygon's count is split equally among the centres of the ``cell_m`` grid cells that fall
    inside it (a polygon smaller than a cell gets one point at its representative point), so the
    points of a polygon add up to its count. Even density is an assumption; ``.attrs`` says so.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> sq = gpd.GeoDataFrame({"pop": [900.0]}, geometry=[shapely.box(0, 0, 3000, 3000)], crs="EPSG:32651")
    >>> pts = grid_population(sq, cell_m=1000)
    >>> len(pts), float(pts["pop"].sum())
    (9, 900.0)
    """
    if not cell_m > 0:
        msg = f"cell_m must be positive, got {cell_m!r}"
        raise InputError(msg)
    _check_polygons(polygons, pop_column)
    from ._common import local_utm

    crs = polygons.crs if not polygons.crs.is_geographic else local_utm(polygons)
    polys = polygons.to_crs(crs)
    pops = _pop_values(polys, pop_column, "population polygons")
    xs, ys, vals, src = [], [], [], []
    for j, geom in enumerate(polys.geometry.values):
        minx, miny, maxx, maxy = geom.bounds
        gx = np.arange(np.floor(minx / cell_m), np.ceil(maxx / cell_m)) * cell_m + cell_m / 2
        gy = np.arange(np.floor(miny / cell_m), np.ceil(maxy / cell_m)) * cell_m + cell_m / 2
        X, Y = np.meshgrid(gx, gy)
        pts = shapely.points(X.ravel(), Y.ravel())
        inside = shapely.contains_xy(geom, X.ravel(), Y.ravel())
        pts = pts[inside]
        if len(pts) == 0:
            pts = np.array([geom.representative_point()])
        xs.append(shapely.get_x(pts))
        ys.append(shapely.get_y(pts))
        vals.append(np.full(len(pts), pops[j] / len(pts)))
        src.append(np.full(len(pts), j))
    idx = np.concatenate(src)
    out = gpd.GeoDataFrame(
        {POP: np.concatenate(vals), "source_area": polys.index.to_numpy()[idx]},
        geometry=shapely.points(np.concatenate(xs), np.concatenate(ys)),
        crs=crs,
    )
    out.attrs["population_method"] = (
        f"polygon counts spread evenly over a {cell_m:g} m grid (even density assumed; an estimate)"
    )
    return out


def population_points(
    population: gpd.GeoDataFrame, *, cell_m: float = 500.0, pop_column: str = POP
) -> gpd.GeoDataFrame:
    """Demand points for :func:`healthcov.assess` from what :func:`read_population` returned.

    Points (a raster's cells, counts at addresses) are returned as they are. Polygons (census
    counts by district or township) are spread evenly on a ``cell_m`` grid with
    :func:`grid_population`: no road network is needed, so the single-machine run, the
    command line and the partitioned (Dask) run all get the same points from the same
    polygons, and residents where the network does not reach stay in the count (as not
    covered) instead of vanishing. To put them on the roads instead, call
    :func:`spread_population` yourself. A mix of points and polygons is refused.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> sq = gpd.GeoDataFrame({"pop": [800.0]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs="EPSG:32651")
    >>> pts = population_points(sq)
    >>> len(pts), float(pts["pop"].sum())
    (4, 800.0)
    """
    if not isinstance(population, gpd.GeoDataFrame):
        msg = f"population must be a GeoDataFrame (see read_population), got {type(population).__name__}"
        raise InputError(msg)
    kinds = population.geom_type
    polygons = kinds.isin(["Polygon", "MultiPolygon"])
    if polygons.all() and len(population):
        return grid_population(population, cell_m=cell_m, pop_column=pop_column)
    if polygons.any():
        msg = (
            f"population mixes {int(polygons.sum())} polygons with {int((~polygons).sum())} other geometries: "
            "give census polygons or points, not both"
        )
        raise InputError(msg)
    return population
