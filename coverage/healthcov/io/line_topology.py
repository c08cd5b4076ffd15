"""Road line layers straight to arrays: a :class:`~healthcov.network.raw.RawNetwork` without networkx.

A planning bureau's road layer (GeoPackage, Shapefile, GeoJSON, ``.gdb``, FlatGeobuf, Parquet …)
goes through the same checks and the same noding whichever form is asked for
(:func:`line_layer`): rows without geometry and zero-length or duplicate lines left out and
counted, the road-class / one-way / speed columns found and checked, crossings and dangling
ends noded (:mod:`healthcov.network.noding`), line ends within 1 cm made one node. Then

- ``form="networkx"`` (:func:`healthcov.read_network`) adds the rows to a graph edge by edge;
- :func:`lines_topology` keeps them as arrays: node ``i`` is the ``i``-th distinct line end in
  :func:`numpy.unique` order (the networkx form's node ids), one row per road piece ``u -> v``
  with forward/backward one-way flags, its vertices in one coordinate array with offsets.

:func:`read_topology` is the first half of ``read_network(..., form="arrays")`` for every
source: line layers through :func:`lines_topology`, everything else (OSM, GraphML, ``.pbf``,
CBEngine, networkx graphs) through :func:`healthcov.io.networks.read_unprepared` and
:func:`~healthcov.network.raw.raw_from_networkx`.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import (
    EmptyNetworkError,
    InputError,
    InvalidGeometryError,
    MissingColumnError,
    NetworkError,
    RoadLinesDroppedWarning,
    describe_ids,
)
from ..network.build import sorted_isin
from ..network.modes import TravelMode, get_mode, parse_maxspeed
from ..network.noding import DEFAULT_SNAP_TOLERANCE_M, grade_separation, node_lines, unique_inverse
from ..network.raw import RawNetwork
from ._common import ensure_crs, local_utm
from .osm_topology import OSM_SUFFIXES

log = logging.getLogger(__name__)

__all__ = [
    "lines_topology",
    "read_topology",
    "line_layer",
    "line_layer_path",
    "LineLayer",
    "oneway_flags",
    "ROAD_CLASS_NAMES",
    "ONEWAY_NAMES",
    "MISSING_CLASS",
    "ONEWAY_FORWARD",
    "ONEWAY_BACKWARD",
    "ONEWAY_TWO_WAY",
    "LINE_SUFFIXES",
]

ROAD_CLASS_NAMES = ("highway", "fclass", "road_class", "roadclass", "class", "type", "道路等级", "等级", "kind", "rank")
ONEWAY_NAMES = ("oneway", "one_way", "单向", "direction")
#: road class given to line-layer rows whose class is empty (warned about as an unknown class)
MISSING_CLASS = "(no class)"
#: file endings read as road line layers
LINE_SUFFIXES = frozenset({".gdb", ".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml", ".parquet", ".zip"})
#: one-way values read as "one way along the line", "against the line" and "two-way" (missing = two-way)
ONEWAY_FORWARD = ("yes", "true", "1", "t", "y", "ft", "是", "单向")
ONEWAY_BACKWARD = ("-1", "tf", "reverse", "reversed")
#: (OSM "reversible"/"alternating" roads change direction by time of day: two-way, as osmnx reads them)
ONEWAY_TWO_WAY: tuple[str, ...] = ("no", "false", "0", "f", "n", "否", "双向", "both", "", "nan", "none", "<na>")
ONEWAY_TWO_WAY += ("reversible", "alternating")
#: edge columns healthcov sets itself: a layer column of that name is not carried as an attribute
_RESERVED = frozenset({"highway", "length", "oneway", "reversed", "maxspeed", "speed_kph", "travel_time", "shaped"})


@dataclass
class LineLayer:
    """A road line layer checked and noded, before any graph: what both forms are built from.

    ``gdf`` holds one row per road piece (metres, local UTM); ``u``/``v`` are its end nodes
    (positions into ``node_xy``), ``first``/``last`` the positions of its first and last vertex
    in ``coords`` (all vertices of all pieces, in row order).
    """

    gdf: gpd.GeoDataFrame
    road_class: str
    oneway: str | None
    speed: str | None
    directed: bool
    node_xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    coords: np.ndarray
    first: np.ndarray
    last: np.ndarray
    stats: dict[str, Any]


def oneway_flags(values: pd.Series, column: str = "oneway", name: str = "road lines") -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward one-way flags; a value that is none of the known ones is an error.

    Each distinct value is read once (a layer of millions of rows has a handful of values).
    """
    codes, uniq = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    s = pd.Series(uniq, dtype=object).astype(str).str.strip().str.lower().str.replace(r"\.0$", "", regex=True)
    fwd_u = s.isin(ONEWAY_FORWARD).to_numpy()
    back_u = s.isin(ONEWAY_BACKWARD).to_numpy()
    unknown_u = ~(fwd_u | back_u | s.isin(ONEWAY_TWO_WAY).to_numpy())
    if unknown_u.any():
        bad = values[unknown_u[codes]]
        counts = ", ".join(f"{v!r} ({n} rows)" for v, n in bad.astype(str).value_counts().head(5).items())
        msg = (
            f"{name}: the one-way column {column!r} holds values that say neither one-way nor two-way: {counts}. "
            f"Use yes/1/FT (one-way along the line), -1/TF (against it) or no/0 (two-way), or name another "
            f"column with oneway='<column>'"
        )
        raise InputError(msg)
    return fwd_u[codes], back_u[codes]


def check_speeds(values: pd.Series, column: str, name: str) -> None:
    """A speed column's values must be positive km/h (``60``, ``"60 km/h"``, ``"30 mph"``); empty cells
    keep the class speed, anything else (0, negative, text) is an error naming the rows."""
    present = values.notna() & (values.astype(str).str.strip() != "")
    codes, uniq = pd.factorize(values[present].to_numpy(dtype=object))
    ok = np.array([parse_maxspeed(x) is not None for x in uniq], dtype=bool)
    bad = values[present].index[~ok[codes]] if len(codes) else values.index[:0]
    if len(bad):
        shown = "; ".join(f"row {i}: {values.astype(object)[i]!r}" for i in bad[:5])
        shown += f" … ({len(bad)} rows in all)" if len(bad) > 5 else ""
        msg = (
            f"{name}: the speed column {column!r} holds values that are not a positive speed in km/h ({shown}). "
            "Fix them, leave them empty to use the road class's speed, or drop speed="
        )
        raise InputError(msg)


def drop_non_roads(gdf: gpd.GeoDataFrame, oneway: str | None, name: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Leave out rows that carry no road of their own; both are counted in the noding statistics.

    A zero-length line (every vertex within 1 cm) is a single point: left out with an INFO log
    line (no road is lost; left in, its self-loop could make the layer look directed or become a
    one-node "largest component"). An exact duplicate of an earlier row (same vertices in the
    same order, same one-way value) would count its road twice: left out with a
    :class:`RoadLinesDroppedWarning` giving the rows and km. A line reversed is not a duplicate
    (a directed layer has one row per travel direction).
    """
    geoms = np.asarray(gdf.geometry.values)
    length = shapely.length(geoms)
    zero = length < 0.01
    dup = np.zeros(len(gdf), dtype=bool)
    maybe = _maybe_duplicates(geoms)  # rows sharing ends and vertex count: the only ones that can be
    if len(maybe):
        key = pd.DataFrame({"wkb": shapely.to_wkb(geoms[maybe], output_dimension=2)})
        if oneway is not None:
            key["oneway"] = gdf[oneway].iloc[maybe].astype(str).to_numpy()
        dup[maybe] = key.duplicated(keep="first").to_numpy()
    dup &= ~zero
    stats = {"duplicate_lines_dropped": int(dup.sum()), "zero_length_lines_dropped": int(zero.sum())}
    if zero.all():
        msg = f"{name}: all {len(gdf):,} lines have zero length (each is a single point): there is no road to route on"
        raise EmptyNetworkError(msg)
    if zero.any():  # no road is lost: logged and counted, not warned about
        log.info("%s: %d zero-length lines left out (rows %s)", name, int(zero.sum()), describe_ids(gdf.index[zero]))
    if dup.any():
        warnings.warn(
            f"{name}: {int(dup.sum()):,} of {len(gdf):,} rows are exact duplicates of another row (same vertices "
            f"in the same order; rows {describe_ids(gdf.index[dup])}) and were left out, so their "
            f"{length[dup].sum() / 1000:.1f} km of road is not counted twice. "
            "G.graph['healthcov']['noding']['duplicate_lines_dropped'] counts them; remove them from the layer to "
            "silence this",
            RoadLinesDroppedWarning,
            stacklevel=5,
        )
    if not (dup | zero).any():
        return gdf, stats
    return gdf[~(dup | zero)], stats


def _maybe_duplicates(geoms: np.ndarray) -> np.ndarray:
    """Rows (in order) whose first and last vertex and vertex count equal another row's, bit for bit.

    An exact duplicate (same WKB) is always among them; only they are compared as WKB.
    """
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    if len(coords) == 0:
        return np.empty(0, dtype=np.int64)
    rows = np.arange(len(geoms))
    first = np.searchsorted(idx, rows, side="left")
    last = np.searchsorted(idx, rows, side="right") - 1
    bits = coords.view(np.uint64)  # the exact float bits
    h = (last - first).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for col, mult in ((bits[first, 0], 0xBF58476D1CE4E5B9), (bits[first, 1], 0x94D049BB133111EB)):
        h = (h ^ col) * np.uint64(mult)
    for col, mult in ((bits[last, 0], 0xD6E8FEB86659FD93), (bits[last, 1], 0xA0761D6478BD642F)):
        h = (h ^ col) * np.uint64(mult)
    _, _, inverse, counts = unique_inverse(h.view(np.int64))
    return np.flatnonzero(counts[inverse] > 1)


def clean_lines(
    gdf: gpd.GeoDataFrame, crs: Any, name: str, release_input: bool = False
) -> tuple[gpd.GeoDataFrame, int]:
    """Drop rows without geometry (counted), explode multi-lines, project to the local UTM zone.

    ``release_input=True`` drops ``gdf``'s own geometry column once the projected copy exists
    (for a frame read here and needed no more: one generation of line objects less in memory).
    """
    given = gdf
    if len(gdf) == 0:
        msg = f"{name} has no rows: the road layer is empty. Check the file, the layer= read or the filter applied"
        raise EmptyNetworkError(msg)
    geoms = gdf.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.all():
        msg = f"{name}: none of its {len(gdf)} rows has a geometry"
        raise NetworkError(msg)
    if empty.any():
        log.info("%s: %d rows without geometry are left out", name, int(empty.sum()))
        gdf = gdf[~empty]
    gdf = gdf.copy()
    type_ids = np.flatnonzero(np.bincount(shapely.get_type_id(gdf.geometry.values) + 1)) - 1
    types = {shapely.GeometryType(t).name for t in type_ids}
    if not types <= {"LINESTRING", "MULTILINESTRING"}:
        found = sorted(gdf.geom_type.unique())
        msg = f"{name} must hold lines (LineString/MultiLineString); found {found}"
        raise NetworkError(msg)
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    bad = np.unique(idx[~np.isfinite(coords).all(axis=1)])
    if len(bad):
        msg = f"{name}: rows {describe_ids(gdf.index[bad])} have NaN or infinite coordinates; fix or drop them"
        raise InvalidGeometryError(msg)
    if "MULTILINESTRING" in types:
        gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    gdf = ensure_crs(gdf, crs, name)
    utm = local_utm(gdf)
    if release_input and types == {"LINESTRING"} and not shapely.has_z(geoms).any():
        # rebuild the lines from their coordinates after letting go of the read ones, so the layer's
        # lines never exist twice (5M-node layers: about 2 GB less at the peak); the same numbers
        # as GeoDataFrame.to_crs (one pyproj transform of every vertex, always_xy)
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        gcrs = gdf.crs
        del geoms, gdf
        del given[given.geometry.name]
        x, y = pyproj.Transformer.from_crs(gcrs, utm, always_xy=True).transform(coords[:, 0], coords[:, 1])
        del coords
        lines = shapely.linestrings(np.column_stack([x, y]), indices=idx)
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines, index=frame.index, crs=utm), crs=utm), int(
            empty.sum()
        )
    projected = gdf.to_crs(utm)
    if release_input:
        del gdf
        del given[given.geometry.name]
    return projected, int(empty.sum())


def line_columns(
    gdf: gpd.GeoDataFrame,
    road_class: str | None,
    oneway: str | None,
    speed: str | None,
    length_column: str | None,
    name: str,
) -> tuple[str, str | None]:
    """The road-class and one-way columns (found by name when not given); named columns must exist."""
    lower = {str(c).lower(): c for c in gdf.columns}
    if road_class is None:
        road_class = next((lower[c] for c in ROAD_CLASS_NAMES if c in lower), None)
        if road_class is None:
            msg = (
                f"{name} has no road-class column (looked for {', '.join(ROAD_CLASS_NAMES)}); "
                f"columns are {list(gdf.columns)}. Pass road_class='<column>'"
            )
            raise MissingColumnError(msg)
    if oneway is None:
        oneway = next((lower[c] for c in ONEWAY_NAMES if c in lower), None)
    for arg, col in (
        ("road_class", road_class),
        ("oneway", oneway),
        ("speed", speed),
        ("length_column", length_column),
    ):
        if col is not None and col not in gdf.columns:
            msg = f"{name}: {arg} column {col!r} not found; columns are {list(gdf.columns)}"
            raise MissingColumnError(msg)
    return road_class, oneway


def node_layer(
    gdf: gpd.GeoDataFrame, tol: float, node_crossings: bool | str, length_column: str | None, name: str
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Node the lines (see :mod:`healthcov.network.noding`); pieces keep their row's attributes."""
    level, bridge, used = grade_separation(gdf)
    try:
        noded = node_lines(
            gdf.geometry.values, snap_tolerance_m=tol, node_crossings=node_crossings, level=level, bridge=bridge
        )
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from exc
    stats = {**noded.stats, "grade_separation_columns": used}
    parent_len = gdf.geometry.length.to_numpy()
    out = gdf.iloc[noded.parent].reset_index(drop=True)
    out = out.set_geometry(gpd.GeoSeries(noded.geometry, crs=gdf.crs, index=out.index), crs=gdf.crs)
    if length_column is not None:  # a piece gets its share of its row's length
        parent = parent_len[noded.parent]
        share = shapely.length(noded.geometry) / np.where(parent > 0, parent, 1.0)
        out[length_column] = pd.to_numeric(out[length_column], errors="coerce").to_numpy() * share
    if stats["dangles_joined"] or stats["crossings_noded"]:
        log.info(
            "%s: noded: %d dangling ends joined (tolerance %g m), %d crossings joined, %d rows became %d",
            name,
            stats["dangles_joined"],
            tol,
            stats["crossings_noded"],
            len(gdf),
            len(out),
        )
    return out, stats


def rows_are_directed(u: np.ndarray, v: np.ndarray, name: str) -> bool:
    """Whether each row is one travel direction: at least 20 % of rows have a reverse twin."""
    loop = u == v  # a loop is its own reverse twin: it says nothing about the layer's convention
    u, v = u[~loop].astype(np.int64), v[~loop].astype(np.int64)
    if len(u) == 0:
        return False
    n = int(max(u.max(), v.max())) + 1
    share = float(sorted_isin(v * n + u, u * n + v).mean())
    log.info(
        "%s: %.0f%% of rows have a reverse twin, so rows are taken as %s",
        name,
        share * 100,
        "one travel direction each" if share >= 0.2 else "two-way roads",
    )
    return share >= 0.2


def _end_nodes(coords: np.ndarray, first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (line ends within 1 cm are one) in ``np.unique`` order of the rounded ends; u and v per row.

    Equal to ``np.unique(ends.round(2), axis=0)`` (lexicographic by x then y; a node sits on the
    first line end seen), done on one integer key per end.
    """
    exact = np.vstack([coords[first], coords[last]])
    cm = np.round(exact * 100.0)  # np.round(x, 2) is round(x * 100) / 100: the same grid, the same order
    lo = cm.min(axis=0)
    span = cm.max(axis=0) - lo + 1
    if span[0] * span[1] < 2.0**62:
        key = (cm[:, 0] - lo[0]).astype(np.int64) * int(span[1]) + (cm[:, 1] - lo[1]).astype(np.int64)
        _, first_seen, inv, _ = unique_inverse(key)
    else:  # a layer thousands of km across
        _, first_seen, inv = np.unique(exact.round(2), axis=0, return_index=True, return_inverse=True)
    inv = np.asarray(inv).ravel()
    n = len(first)
    return exact[first_seen], np.column_stack([inv[:n], inv[n:]])


def line_layer(
    gdf: gpd.GeoDataFrame,
    *,
    crs: Any = None,
    road_class: str | None = None,
    oneway: str | None = None,
    speed: str | None = None,
    directed: bool | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    node_crossings: bool | str = "auto",
    length_column: str | None = None,
    name: str = "road lines",
    release_input: bool = False,
) -> LineLayer:
    """Check, clean and node a road line layer (see the module docstring); the options are read_network's."""
    gdf, n_empty = clean_lines(gdf, crs, name, release_input)
    road_class, oneway = line_columns(gdf, road_class, oneway, speed, length_column, name)
    if oneway is not None:
        oneway_flags(gdf[oneway], oneway, name)  # refuses values that are neither one-way nor two-way
    if speed is not None:
        check_speeds(gdf[speed], speed, name)
    gdf, dropped = drop_non_roads(gdf, oneway, name)
    gdf, stats = node_layer(gdf, snap_tolerance_m, node_crossings, length_column, name)
    stats["rows_without_geometry"] = n_empty
    stats.update(dropped)
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    rows = np.arange(len(gdf))
    first = np.searchsorted(idx, rows, side="left")
    last = np.searchsorted(idx, rows, side="right") - 1
    node_xy, uv = _end_nodes(coords, first, last)
    u, v = uv[:, 0], uv[:, 1]
    if directed is None:
        directed = rows_are_directed(u, v, name)
    return LineLayer(gdf, road_class, oneway, speed, bool(directed), node_xy, u, v, coords, first, last, stats)


def _classes(values: np.ndarray) -> np.ndarray:
    """``str`` of every road class, ``MISSING_CLASS`` where empty: one conversion per distinct value."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    names = np.array([str(x) for x in uniq] + [MISSING_CLASS], dtype=object)
    return names[codes]  # code -1 (missing) picks the last name


def lines_topology(
    gdf: gpd.GeoDataFrame,
    *,
    crs: Any = None,
    road_class: str | None = None,
    oneway: str | None = None,
    speed: str | None = None,
    directed: bool | None = None,
    snap_tolerance_m: float = DEFAULT_SNAP_TOLERANCE_M,
    node_crossings: bool | str = "auto",
    length_column: str | None = None,
    name: str = "road lines (GeoDataFrame)",
    release_input: bool = False,
) -> RawNetwork:
    """The :class:`~healthcov.network.raw.RawNetwork` of a road line layer, built in arrays.

    Takes the options of :func:`healthcov.read_network` for line layers and gives what its
    networkx form builds edge by edge: the same node ids and coordinates, one row per road
    piece with forward (``yes``/``1``/``FT``) and backward (``-1``/``TF``) one-way flags,
    ``directed`` guessed the same way, and the noding statistics in ``raw.noding``. Rows with
    two vertices are *unshaped*: their coordinates are exactly their two nodes' (as the networkx
    form measures a straight edge from node to node). The result is in the local UTM zone.
    ``release_input=True`` drops ``gdf``'s geometry column once projected (a frame you read
    only for this: the layer's lines are then held once, not twice).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> roads = gpd.GeoDataFrame({"highway": ["primary", "residential"], "oneway": ["no", "yes"]},
    ...     geometry=[shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (100, 50), (150, 50)])],
    ...     crs="EPSG:32651")
    >>> raw = lines_topology(roads)
    >>> raw.n, raw.rows, raw.forward.tolist(), raw.shaped.tolist()
    (3, 2, [False, True], [False, True])
    """
    lay = line_layer(
        gdf,
        crs=crs,
        road_class=road_class,
        oneway=oneway,
        speed=speed,
        directed=directed,
        snap_tolerance_m=snap_tolerance_m,
        node_crossings=node_crossings,
        length_column=length_column,
        name=name,
        release_input=release_input,
    )
    return _raw_of(lay, length_column)


def _raw_of(lay: LineLayer, length_column: str | None) -> RawNetwork:
    g, n = lay.gdf, len(lay.gdf)
    if lay.oneway is not None:
        fwd, back = oneway_flags(g[lay.oneway], lay.oneway)
    else:
        fwd, back = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    shaped = (lay.last - lay.first) > 1
    coords = lay.coords
    flat = ~shaped
    coords[lay.first[flat]] = lay.node_xy[lay.u[flat]]  # a straight row runs exactly node to node
    coords[lay.last[flat]] = lay.node_xy[lay.v[flat]]
    offsets = np.append(lay.first, len(coords)).astype(np.int64)
    geom_len = shapely.length(g.geometry.values)
    if length_column is None or length_column == "length":
        length = np.asarray(geom_len, dtype=float)  # the networkx form sets "length" from the geometry
    else:
        length = pd.to_numeric(g[length_column], errors="coerce").to_numpy(dtype=float)
    skip = {lay.road_class, lay.oneway, g.geometry.name} | _RESERVED
    attrs = {str(c): g[c].to_numpy(dtype=object) for c in g.columns if c not in skip}
    return RawNetwork(
        node_ids=np.arange(len(lay.node_xy), dtype=np.int64),
        x=np.ascontiguousarray(lay.node_xy[:, 0]),
        y=np.ascontiguousarray(lay.node_xy[:, 1]),
        crs=g.crs.to_string(),
        u=lay.u.astype(np.int64),
        v=lay.v.astype(np.int64),
        coords=coords,
        offsets=offsets,
        highway=_classes(g[lay.road_class].to_numpy(dtype=object)),
        forward=fwd,
        backward=back,
        length=length,
        shaped=shaped,
        directed=lay.directed,
        maxspeed=None if lay.speed is None else g[lay.speed].to_numpy(dtype=object),
        attrs=attrs,
        noding=lay.stats,
    )


def line_layer_path(path: Path) -> Path | None:
    """The line file to read for ``path`` (a folder's ``edges.shp``), or None when it is no line layer."""
    if path.is_dir() and path.suffix.lower() != ".gdb":
        shp = path / "edges.shp"
        if not shp.exists():
            msg = f"{str(path)!r} is a folder without edges.shp: pass the road-line file itself (or a .gdb)"
            raise NetworkError(msg)
        return shp
    return path if path.suffix.lower() in LINE_SUFFIXES else None


def read_line_layer(path: Path, *, layer: Any = None, encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a road line file (errors as :class:`~healthcov.NetworkError`)."""
    from .vector import read_vector

    try:
        return read_vector(path, layer=layer, encoding=encoding, geometry_type="line", what="road lines")
    except InputError as exc:
        raise NetworkError(str(exc)) from exc


def _line_source(source: Any) -> tuple[Path | None, str]:
    """(the line file to read, the source's label); (None, "") for a source that is no line file."""
    if not isinstance(source, (str, Path)):
        return None, ""
    from ._common import existing_path
    from .networks import is_other_format

    path = existing_path(source, "road network")
    if is_other_format(path):
        return None, ""
    return line_layer_path(path), str(path)


def read_topology(
    source: Any,
    *,
    mode: str | TravelMode = "drive",
    use_maxspeed: bool | None = None,
    layer: str | int | None = None,
    encoding: str | None = None,
    **line_options: Any,
) -> tuple[RawNetwork, str, bool | None]:
    """Read ``source`` once into a :class:`RawNetwork` (not yet projected to metres, nor for a mode).

    ``source`` and the options are :func:`healthcov.read_network`'s (``crs``, ``road_class``,
    ``oneway``, ``speed``, ``directed``, ``snap_tolerance_m``, ``node_crossings``,
    ``length_column`` for line layers). Line layers (GeoDataFrames and line files) are built in
    arrays (:func:`lines_topology`); other sources are parsed as before and converted
    (``mode`` decides which roads a ``.pbf`` yields). Returns the topology, the source's label
    for messages, and the ``use_maxspeed`` the mode must take (``None``: the mode's own) — on
    when the source carries its own speeds (a speed column, CBEngine).
    """
    from .networks import read_unprepared, tolerance

    opts = {"snap_tolerance_m": DEFAULT_SNAP_TOLERANCE_M, "node_crossings": "auto", **line_options}
    opts["snap_tolerance_m"] = tolerance(opts["snap_tolerance_m"])
    has_speed = opts.get("speed") is not None
    if isinstance(source, gpd.GeoDataFrame):
        raw = lines_topology(source, name="road lines (GeoDataFrame)", **opts)
        return raw, "GeoDataFrame of roads", True if has_speed else None
    path, label = _line_source(source)
    if path is not None:
        gdf = read_line_layer(path, layer=layer, encoding=encoding)
        raw = lines_topology(gdf, name=f"road lines {path.name!r}", release_input=True, **opts)
        return raw, label, (True if use_maxspeed is None else use_maxspeed) if has_speed else None
    if isinstance(source, (str, Path)) and str(source).lower().endswith(OSM_SUFFIXES):
        from ._common import existing_path
        from .osm_topology import osm_raw

        osm = existing_path(source, "road network")
        return osm_raw(osm), str(osm), None  # pyosmium: the same topology as osmnx, in arrays
    from ..network.prepare import NODING_KEY
    from ..network.raw import raw_from_networkx

    tm = get_mode(mode, use_maxspeed=use_maxspeed)
    G, label, tm = read_unprepared(source, tm, use_maxspeed=use_maxspeed, layer=layer, encoding=encoding, **opts)
    raw = raw_from_networkx(G, length_column=opts.get("length_column") or "length")
    raw.noding = G.graph.get(NODING_KEY)
    return raw, label, tm.use_maxspeed
