"""Write assessment results to PostGIS in one transaction, several runs side by side.

Every layer (verdict table, areas with their verdicts, uncovered residents, isochrones, suggested
sites, or any frame the caller passes) becomes a table of the schema the user names, with a
``run_id`` column and a ``row_no`` column (the row's position, so a run reads back in order).
The run itself (profile, options, data sources with passwords masked, time, layers) is a row of
``healthcov_runs`` in the same schema. Everything is written in ONE transaction: when any table
fails, nothing is written and the tables of earlier runs stay as they were.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import CRSError, DataNotFoundError, EmptyInputError, InputError
from .postgis import (
    DatabaseError,
    connect,
    mask_secrets,
    mask_url,
    quote_ident,
    read_postgis_source,
    require_extra,
)

__all__ = [
    "RUNS_TABLE",
    "write_postgis",
    "write_assessment_postgis",
    "read_postgis_layer",
    "postgis_runs",
    "masked_json",
]

RUNS_TABLE = "healthcov_runs"
RESERVED = ("run_id", "row_no")
_RUNS_DDL = (
    "CREATE TABLE IF NOT EXISTS {t} ("
    "run_id text PRIMARY KEY, created_at timestamptz NOT NULL, profile text, healthcov_version text, "
    "options jsonb, sources jsonb, layers jsonb, note text)"
)
_SQL_TYPES = {"f": "double precision", "i": "bigint", "u": "bigint", "b": "boolean", "M": "timestamp"}
_SECRET_KEYS = ("password", "passwd", "pwd", "secret", "token")


def masked_json(value: Any) -> Any:
    """``value`` made JSON-safe, with URL passwords and ``password``-like keys masked."""
    if isinstance(value, Mapping):
        return {
            str(k): "***" if any(s in str(k).lower() for s in _SECRET_KEYS) else masked_json(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set)):
        return [masked_json(v) for v in value]
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, (bool, int)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return masked_json(value.item())
    return mask_secrets(str(value))


def _cell(v: Any) -> Any:
    if isinstance(v, (dict, list, tuple, set)):
        return json.dumps(masked_json(v), ensure_ascii=False)
    return v


def _prepare(name: str, frame: Any) -> pd.DataFrame:
    """A copy of ``frame`` ready for the database, with ``run_id`` / ``row_no`` slots checked free."""
    if not isinstance(frame, pd.DataFrame):
        msg = f"layer {name!r}: expected a DataFrame or GeoDataFrame, got {type(frame).__name__}"
        raise InputError(msg)
    quote_ident(name)
    clash = [c for c in RESERVED if c in frame.columns]
    if clash:
        msg = f"layer {name!r} already has columns {clash}: healthcov adds them; rename yours"
        raise InputError(msg)
    out = frame.copy()
    if not isinstance(out.index, pd.RangeIndex) or any(n is not None for n in out.index.names):
        out = out.reset_index()  # a meaningful index is kept as columns, not dropped
    out.columns = [str(c) for c in out.columns]
    dup = out.columns[out.columns.duplicated()].tolist()
    if dup:
        msg = f"layer {name!r} has duplicate column names {dup}: rename them"
        raise InputError(msg)
    for c in out.columns:
        quote_ident(c)
    geom = out.active_geometry_name if isinstance(out, gpd.GeoDataFrame) else None
    if geom is not None and geom not in out.columns:
        msg = f"layer {name!r} is a GeoDataFrame without its geometry column {geom!r}: set_geometry(...) first"
        raise InputError(msg)
    for c in out.columns:
        if c == geom:
            continue
        if isinstance(out[c].dtype, gpd.array.GeometryDtype):
            out[c] = out[c].to_wkt()  # a second geometry column is kept as WKT text
        elif out[c].dtype == object:
            out[c] = out[c].map(_cell)
    if geom is not None:
        if out.crs is None:
            msg = f"layer {name!r} has no CRS: set one with .set_crs(...) before writing it to PostGIS"
            raise CRSError(msg)
        if out.crs.to_epsg() is None:
            msg = f"layer {name!r} has a CRS without EPSG code ({out.crs.name}): .to_crs(4326) it before writing"
            raise CRSError(msg)
    return out


def _existing_columns(conn: Any, schema: str, table: str) -> dict[str, str]:
    rows = conn.exec_driver_sql(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %(s)s "
        "AND table_name = %(t)s",
        {"s": schema, "t": table},
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _sql_type(series: pd.Series) -> str:
    if isinstance(series.dtype, gpd.array.GeometryDtype):
        return "geometry"
    return _SQL_TYPES.get(getattr(series.dtype, "kind", "O"), "text")


def _fit_to_table(conn: Any, schema: str, table: str, frame: pd.DataFrame, have: dict[str, str]) -> pd.DataFrame:
    """Add the frame's new columns to an existing table; follow its text columns and its SRID."""
    qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
    for c in frame.columns:
        if c not in have:
            if isinstance(frame, gpd.GeoDataFrame) and c == frame.geometry.name:
                kind = f"geometry(Geometry, {frame.crs.to_epsg()})"
            else:
                kind = _sql_type(frame[c])
            conn.exec_driver_sql(f"ALTER TABLE {qualified} ADD COLUMN {quote_ident(c)} {kind}")
        elif have[c] == "text" and frame[c].dtype.kind != "O":
            frame[c] = frame[c].map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    if isinstance(frame, gpd.GeoDataFrame):
        g = frame.geometry.name
        srid = conn.exec_driver_sql("SELECT Find_SRID(%(s)s, %(t)s, %(g)s)", {"s": schema, "t": table, "g": g})
        target = int(srid.scalar() or 0)
        if target and target != frame.crs.to_epsg():
            frame = frame.to_crs(target)  # earlier runs fixed the table's SRID
    return frame


def _write_layer(conn: Any, schema: str, name: str, frame: pd.DataFrame, run_id: str) -> int:
    frame = frame.copy()
    frame.insert(0, "row_no", np.arange(len(frame), dtype="int64"))
    frame.insert(0, "run_id", run_id)
    have = _existing_columns(conn, schema, name)
    if have and not all(c in have for c in RESERVED):
        msg = (
            f"table {schema}.{name} exists and was not written by healthcov (it has no run_id / row_no): "
            "write into another schema, or call the layer something else"
        )
        raise InputError(msg)
    if have:
        frame = _fit_to_table(conn, schema, name, frame, have)
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_postgis(name, conn, schema=schema, if_exists="append", index=False)
        if not have:  # any geometry type, so that later runs may add others
            g = quote_ident(frame.geometry.name)
            conn.exec_driver_sql(
                f"ALTER TABLE {quote_ident(schema)}.{quote_ident(name)} ALTER COLUMN {g} "
                f"TYPE geometry(Geometry, {frame.crs.to_epsg()})"
            )
    else:
        frame.to_sql(name, conn, schema=schema, if_exists="append", index=False)
    if not have:
        conn.exec_driver_sql(f"CREATE INDEX ON {quote_ident(schema)}.{quote_ident(name)} (run_id, row_no)")
    return len(frame)


def _run_row(run_id: str, run: Mapping[str, Any], counts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("healthcov")
    except PackageNotFoundError:  # a source checkout that was never installed
        __version__ = "unknown"

    known = {"profile", "options", "sources", "note"}
    options = dict(run.get("options") or {})
    options.update({k: v for k, v in run.items() if k not in known})
    return {
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.UTC),
        "profile": None if run.get("profile") is None else str(run["profile"]),
        "healthcov_version": __version__,
        "options": json.dumps(masked_json(options), ensure_ascii=False),
        "sources": json.dumps(masked_json(run.get("sources") or {}), ensure_ascii=False),
        "layers": json.dumps(counts, ensure_ascii=False),
        "note": None if run.get("note") is None else mask_secrets(str(run["note"])),
    }


def _start_run(conn: Any, schema: str, run_id: str, replace_run: bool, layers: Mapping[str, Any]) -> None:
    runs = f"{quote_ident(schema)}.{quote_ident(RUNS_TABLE)}"
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    conn.exec_driver_sql(_RUNS_DDL.format(t=runs))
    exists = conn.exec_driver_sql(f"SELECT layers FROM {runs} WHERE run_id = %(r)s", {"r": run_id}).fetchone()
    if exists is None:
        return
    if not replace_run:
        msg = f"run {run_id!r} is already in schema {schema!r}: pass replace_run=True to overwrite it, or a new run_id"
        raise InputError(msg)
    for table in set(exists[0] or {}) | set(layers):
        if _existing_columns(conn, schema, table):
            conn.exec_driver_sql(
                f"DELETE FROM {quote_ident(schema)}.{quote_ident(table)} WHERE run_id = %(r)s", {"r": run_id}
            )
    conn.exec_driver_sql(f"DELETE FROM {runs} WHERE run_id = %(r)s", {"r": run_id})


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus 6 random hex digits (``20261202T034400Z-1a2b3c``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def write_postgis(
    layers: Mapping[str, pd.DataFrame],
    url: str,
    schema: str,
    *,
    run: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    replace_run: bool = False,
) -> str:
    """Write ``layers`` (table name → DataFrame / GeoDataFrame) into ``schema`` in ONE transaction.

    Parameters
    ----------
    layers
        Table name → frame. Each table gets ``run_id`` and ``row_no``; tables that exist from
        earlier runs are appended to (new columns are added; geometries follow the table's SRID).
    url
        ``postgresql://user@host:port/database`` (password from ``PGPASSWORD`` / ``~/.pgpass``).
    schema
        Created when missing.
    run
        What to record in ``healthcov_runs``: ``profile``, ``options`` (dict), ``sources``
        (dict of input name → path or URL; passwords are masked), ``note``; other keys join
        ``options``.
    run_id
        Default: a new time-stamped id. An id already in the schema is refused unless
        ``replace_run=True``, which replaces that run's rows.

    Returns
    -------
    str
        The run id.

    Raises
    ------
    DatabaseError
        When the write fails; the transaction is rolled back, so no table changes.

    Examples
    --------
    Needs a server (see ``docs/postgis.md``), so not run as a doctest:

    >>> run_id = write_postgis({"verdicts": res.table, "areas": res.areas}, url, "results",
    ...                        run={"profile": "ningbo", "sources": {"areas": "districts.gpkg"}})  # doctest: +SKIP
    >>> read_postgis_layer(url, "results", "verdicts", run_id).equals(res.table)  # doctest: +SKIP
    True
    """
    if not layers:
        raise InputError("write_postgis: no layers to write (pass a dict of table name → DataFrame)")
    quote_ident(schema)
    if RUNS_TABLE in layers:
        raise InputError(f"{RUNS_TABLE!r} is healthcov's run table: call the layer something else")
    prepared = {str(name): _prepare(str(name), frame) for name, frame in layers.items()}
    run_id = run_id or new_run_id()
    sa = require_extra()
    import psycopg

    counts: dict[str, dict[str, Any]] = {}
    current = "(the run table)"
    with connect(url, f"writing to schema {schema!r} of {mask_url(url)}") as conn:
        try:
            with conn.begin():
                _start_run(conn, schema, run_id, replace_run, prepared)
                for name, frame in prepared.items():
                    current = f"layer {name!r}"
                    rows = _write_layer(conn, schema, name, frame, run_id)
                    dtypes = {str(c): str(t) for c, t in frame.dtypes.items()}
                    counts[name] = {"rows": rows, "columns": list(frame.columns), "dtypes": dtypes}
                current = f"the run record in {RUNS_TABLE}"
                row = pd.DataFrame([_run_row(run_id, run or {}, counts)])
                conn.exec_driver_sql(
                    f"INSERT INTO {quote_ident(schema)}.{quote_ident(RUNS_TABLE)} ({', '.join(row.columns)}) "
                    f"VALUES ({', '.join(f'%({c})s' for c in row.columns)})",
                    row.iloc[0].to_dict(),
                )
        except (sa.exc.SQLAlchemyError, psycopg.Error, ValueError, TypeError) as exc:
            if isinstance(exc, InputError):
                raise
            server = mask_secrets(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], url)
            msg = (
                f"writing {current} to schema {schema!r} of {mask_url(url)} failed: {server}. Nothing was written "
                "(the transaction was rolled back); the tables of earlier runs are unchanged"
            )
            raise DatabaseError(msg) from exc  # driver messages hold no password
    return run_id


def read_postgis_layer(url: str, schema: str, layer: str, run_id: str | None = None) -> pd.DataFrame:
    """The rows of one run of a layer written by :func:`write_postgis`: the frame that was written.

    ``run_id`` defaults to the latest run that wrote ``layer``. Rows come back in their original
    order and with the columns the run wrote (``run_id``, ``row_no`` and columns that only other
    runs have are left out).
    """
    runs = postgis_runs(url, schema)
    wrote = runs["layers"].map(lambda d: layer in (d or {}))
    if run_id is None:
        if not wrote.any():
            raise DataNotFoundError(f"no run in schema {schema!r} of {mask_url(url)} wrote layer {layer!r}")
        run_id = str(runs.loc[wrote, "run_id"].iloc[-1])
    if run_id not in set(runs["run_id"]):
        raise DataNotFoundError(f"run {run_id!r} is not in schema {schema!r}; runs there: {runs['run_id'].tolist()}")
    info = runs.set_index("run_id").loc[run_id, "layers"] or {}
    if layer not in info:
        raise DataNotFoundError(f"run {run_id!r} did not write layer {layer!r}; it wrote {sorted(info)}")
    columns = list(info[layer]["columns"])
    if info[layer]["rows"] == 0:
        return pd.DataFrame(columns=columns)
    table = f"{quote_ident(schema)}.{quote_ident(layer)}"
    cols = ", ".join(quote_ident(c) for c in columns)
    rid = run_id.replace("'", "''")
    frame = read_postgis_source(url, sql=f"SELECT {cols} FROM {table} WHERE run_id = '{rid}' ORDER BY row_no")
    frame.attrs["run_id"] = run_id
    return _restore_dtypes(frame, info[layer].get("dtypes", {}))


def _restore_dtypes(frame: pd.DataFrame, dtypes: Mapping[str, str]) -> pd.DataFrame:
    """Give columns back the dtype they were written with (an all-NULL float column reads as object)."""
    for c, want in dtypes.items():
        if c in frame.columns and str(frame[c].dtype) != want and want != "geometry":
            with contextlib.suppress(TypeError, ValueError):  # else kept as the database typed it
                frame[c] = frame[c].astype(want)
    return frame


def postgis_runs(url: str, schema: str) -> pd.DataFrame:
    """The ``healthcov_runs`` table of ``schema``: one row per run, oldest first."""
    try:
        frame = read_postgis_source(url, sql=f"SELECT * FROM {quote_ident(schema)}.{quote_ident(RUNS_TABLE)}")
    except (DataNotFoundError, EmptyInputError):
        msg = f"schema {schema!r} of {mask_url(url)} holds no healthcov runs (no rows in {RUNS_TABLE}): check its name"
        raise DataNotFoundError(msg) from None
    return frame.sort_values("created_at").reset_index(drop=True)


def assessment_layers(
    result: Any, *, isochrones: Any = None, sites: Any = None, extra: Mapping[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """The layers of an :class:`~healthcov.Assessment` worth keeping in a database.

    ``verdicts`` (the verdict table as it is), ``areas`` (the areas with their verdict counts),
    ``area_verdicts`` (each area's verdict rows with its polygon, for QGIS), ``uncovered`` (per
    time or distance rule, the residents it leaves uncovered: ``rule_id``, ``area_code``, ``pop``,
    ``value`` and the point), ``facilities``, and ``isochrones`` / ``sites`` when given (a
    :class:`~healthcov.SitePlan` gives its ``sites``).
    """
    layers: dict[str, pd.DataFrame] = {"verdicts": result.table, "areas": result.areas}
    areas = result.areas[["area_code", result.areas.geometry.name]]
    joined = areas.merge(result.table, on="area_code", how="inner")
    layers["area_verdicts"] = gpd.GeoDataFrame(joined, geometry=areas.geometry.name, crs=result.areas.crs)
    rules = [str(c)[: -len(":covered")] for c in result.demand.columns if str(c).endswith(":covered")]
    parts = []
    for rule in rules:
        un = result.uncovered(rule)
        part = gpd.GeoDataFrame(
            {"rule_id": rule, "area_code": un["area_code"].to_numpy(), "pop": un["pop"].to_numpy(),
             "value": pd.to_numeric(un[rule], errors="coerce").to_numpy() if rule in un else np.nan},
            geometry=un.geometry.to_numpy(), crs=result.demand.crs,
        )  # fmt: skip
        parts.append(part)
    if parts:
        layers["uncovered"] = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=result.demand.crs)
    layers["facilities"] = result.facilities
    if isochrones is not None:
        layers["isochrones"] = isochrones
    if sites is not None:
        layers["sites"] = getattr(sites, "sites", sites)
    layers.update(extra or {})
    return layers


def write_assessment_postgis(
    result: Any,
    url: str,
    schema: str,
    *,
    isochrones: Any = None,
    sites: Any = None,
    layers: Mapping[str, pd.DataFrame] | None = None,
    sources: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    replace_run: bool = False,
) -> str:
    """Write an assessment (see :func:`assessment_layers`) and its run record in one transaction.

    The run record holds the profile, the assessment's assumptions plus ``options``, and
    ``sources`` (input name → path or URL, passwords masked). Returns the run id.

    Examples
    --------
    >>> write_assessment_postgis(res, "postgresql://planner@gis/health", "results_2026",
    ...                          sources={"facilities": "hospitals.gpkg"})  # doctest: +SKIP
    '20261202T034400Z-1a2b3c'
    """
    run = {
        "profile": getattr(result.profile, "id", result.profile),
        "options": {**dict(getattr(result, "assumptions", {}) or {}), **dict(options or {})},
        "sources": dict(sources or {}),
    }
    frames = assessment_layers(result, isochrones=isochrones, sites=sites, extra=layers)
    return write_postgis(frames, url, schema, run=run, run_id=run_id, replace_run=replace_run)
