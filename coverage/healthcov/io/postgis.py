"""Read facilities, areas, population, statistics and road lines from PostgreSQL / PostGIS.

A source is a connection URL plus a table, ``postgresql://user@host:5432/db#schema.table``, or a
URL plus an SQL query (``sql=``). The password is best left out of the URL: libpq takes it from
``PGPASSWORD`` or ``~/.pgpass`` (``PGPASSFILE``). When it is in the URL it is masked (``***``) in
every message, log line and stored run record.

Needs the optional extra ``pip install 'healthcov[postgis]'`` (SQLAlchemy, psycopg 3, GeoAlchemy2).
Writing results back is in :mod:`healthcov.io.postgis_write`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import (  # the Database* errors and MissingExtraError live in healthcov.errors
    CRSError,
    DatabaseAuthError,
    DatabaseConnectionError,
    DatabaseError,
    DataNotFoundError,
    EmptyInputError,
    InputError,
    InvalidGeometryError,
    MissingColumnError,
    MissingExtraError,
)

__all__ = [
    "PostgisSource",
    "DatabaseError",
    "DatabaseConnectionError",
    "DatabaseAuthError",
    "MissingExtraError",
    "is_postgis_spec",
    "parse_postgis_spec",
    "mask_url",
    "mask_secrets",
    "read_postgis_source",
    "resolve_source",
    "read_postgis_network",
    "EXTRA_HINT",
]

EXTRA_HINT = "pip install 'healthcov[postgis]'"
_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://", "postgresql+psycopg2://")
_URL_PASSWORD = re.compile(r"(postgres(?:ql)?(?:\+\w+)?://[^:/@\s?#]*:)([^@\s]*)@", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|[^\s&'\"]+)", re.IGNORECASE)
_FAMILIES = {
    "POINT": "point",
    "MULTIPOINT": "point",
    "LINESTRING": "line",
    "MULTILINESTRING": "line",
    "POLYGON": "polygon",
    "MULTIPOLYGON": "polygon",
}
_TYPE_NAMES = ("POINT", "LINESTRING", "LINEARRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
               "GEOMETRYCOLLECTION")  # fmt: skip
MAX_IDENTIFIER_BYTES = 63  # PostgreSQL silently truncates longer names


@dataclass(frozen=True)
class PostgisSource:
    """A parsed ``postgresql://…#schema.table`` spec: the URL and, optionally, the table."""

    url: str
    schema: str | None = None
    table: str | None = None

    @property
    def masked_url(self) -> str:
        return mask_url(self.url)

    @property
    def qualified(self) -> str | None:
        """``"schema"."table"`` quoted for SQL, or None when no table was named."""
        if self.table is None:
            return None
        return f"{quote_ident(self.schema or 'public')}.{quote_ident(self.table)}"

    def __str__(self) -> str:
        if self.table is None:
            return self.masked_url
        return f"{self.masked_url}#{self.schema or 'public'}.{self.table}"


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (schema, table or column name), refusing names PostgreSQL would truncate."""
    name = str(name)
    if not name or len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        msg = (
            f"{name!r} cannot be a PostgreSQL name: it must have 1 to {MAX_IDENTIFIER_BYTES} bytes "
            f"(it has {len(name.encode('utf-8'))}); shorten it"
        )
        raise InputError(msg)
    return '"' + name.replace('"', '""') + '"'


def is_postgis_spec(value: Any) -> bool:
    """Whether ``value`` is a PostgreSQL connection URL (with or without ``#schema.table``).

    Examples
    --------
    >>> is_postgis_spec("postgresql://planner@db.example/health#public.hospitals")
    True
    >>> is_postgis_spec("facilities.gpkg")
    False
    """
    return isinstance(value, str) and value.strip().lower().startswith(_SCHEMES)


def _split_table(fragment: str, spec_masked: str) -> tuple[str | None, str]:
    """``schema.table``, ``table``, ``"My schema"."My.table"`` → (schema, table)."""
    parts: list[str] = []
    buf, quoted, i = "", False, 0
    while i < len(fragment):
        ch = fragment[i]
        if ch == '"':
            if quoted and fragment[i + 1 : i + 2] == '"':
                buf += '"'
                i += 1
            else:
                quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
        i += 1
    parts.append(buf)
    if quoted or len(parts) > 2 or not all(parts):
        msg = (
            f"cannot read the table name in {spec_masked!r}: write #schema.table or #table "
            '(double-quote names holding dots, e.g. #"my schema"."my.table")'
        )
        raise InputError(msg)
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def parse_postgis_spec(spec: str | PostgisSource) -> PostgisSource:
    """Split ``postgresql://user@host/db#schema.table`` into URL, schema and table.

    Examples
    --------
    >>> s = parse_postgis_spec("postgresql://me:secret@localhost/gis#health.hospitals")
    >>> s.schema, s.table, str(s)
    ('health', 'hospitals', 'postgresql://me:***@localhost/gis#health.hospitals')
    """
    if isinstance(spec, PostgisSource):
        return spec
    if not is_postgis_spec(spec):
        msg = (
            f"{mask_secrets(str(spec))!r} is not a PostgreSQL URL: write postgresql://user@host:port/database"
            "#schema.table (the password comes from PGPASSWORD or ~/.pgpass)"
        )
        raise InputError(msg)
    url, _, fragment = spec.strip().partition("#")
    fragment = unquote(fragment).strip()
    if not fragment:
        return PostgisSource(url)
    schema, table = _split_table(fragment, mask_url(url) + "#" + fragment)
    return PostgisSource(url, schema, table)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``.

    Examples
    --------
    >>> mask_url("postgresql://me:p%40ss@localhost:5432/gis")
    'postgresql://me:***@localhost:5432/gis'
    >>> mask_url("postgresql://me@localhost/gis")
    'postgresql://me@localhost/gis'
    """
    return _KEYWORD_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", str(url)))


def mask_secrets(text: str, *urls: str) -> str:
    """``text`` with the passwords of ``urls`` and of any PostgreSQL URL or ``password=`` in it masked."""
    out = _KEYWORD_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", str(text)))
    for url in urls:
        m = _URL_PASSWORD.search(str(url))
        if m and m.group(2):
            for secret in {m.group(2), unquote(m.group(2)), quote(unquote(m.group(2)), safe="")}:
                if len(secret) >= 1:
                    out = out.replace(secret, "***")
    return out


# ---------------------------------------------------------------------------------------------
# connections


def require_extra() -> Any:
    """Import SQLAlchemy (and check psycopg and GeoAlchemy2), or say which extra to install."""
    try:
        import geoalchemy2  # noqa: F401
        import psycopg  # noqa: F401
        import sqlalchemy
    except ImportError as exc:
        missing = getattr(exc, "name", None) or str(exc)
        msg = (
            f"reading from or writing to PostGIS needs the optional packages SQLAlchemy, psycopg and "
            f"GeoAlchemy2 ({missing} is not installed): {EXTRA_HINT}"
        )
        raise MissingExtraError(msg) from None
    return sqlalchemy


def make_engine(url: str) -> Any:
    """A SQLAlchemy engine on psycopg 3 without a connection pool (each call connects afresh)."""
    sa = require_extra()
    from sqlalchemy.pool import NullPool

    try:
        u = sa.engine.make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError
        msg = f"cannot read the PostgreSQL URL {mask_url(url)!r}: {mask_secrets(str(exc), url)}"
        raise InputError(msg) from None
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+psycopg")
    return sa.create_engine(u, poolclass=NullPool, connect_args={"connect_timeout": 10})


def connection_error(exc: BaseException, url: str, what: str) -> DatabaseError | DataNotFoundError:
    """Turn a driver's connection failure into a healthcov error naming the fix (password masked)."""
    server = mask_secrets(str(getattr(exc, "orig", None) or exc), url).strip().replace("\n", " ")
    where = mask_url(url)
    low = server.lower()
    if "password authentication failed" in low or "no password supplied" in low or "authentication failed" in low:
        return DatabaseAuthError(
            f"{what}: the server refused the login for {where} ({server}). Check the user name and password: "
            "set PGPASSWORD or add a line host:port:database:user:password to ~/.pgpass (PGPASSFILE); "
            "healthcov never prints the password"
        )
    if re.search(r'database "[^"]+" does not exist', low):
        return DatabaseConnectionError(
            f"{what}: {server} on {where}. Check the database name at the end of the URL (psql -l lists them)"
        )
    return DatabaseConnectionError(
        f"{what}: cannot reach the PostgreSQL server of {where} ({server}). Check host and port, that the "
        "server is running and accepts connections from here (listen_addresses, pg_hba.conf, firewall)"
    )


@contextmanager
def connect(url: str, what: str) -> Iterator[Any]:
    """An open connection to ``url``; connection failures become :class:`DatabaseConnectionError`."""
    sa = require_extra()
    engine = make_engine(url)
    try:
        conn = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise connection_error(exc, url, what) from None
    try:
        yield conn
    finally:
        conn.close()
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# reading


def _table_columns(conn: Any, src: PostgisSource) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %(s)s AND table_name = %(t)s "
        "ORDER BY ordinal_position",
        {"s": src.schema or "public", "t": src.table},
    ).fetchall()
    if rows:
        return [r[0] for r in rows]
    tables = conn.exec_driver_sql(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'topology') ORDER BY 1 LIMIT 30"
    ).fetchall()
    listed = ", ".join(r[0] for r in tables) or "none"
    msg = (
        f"table {src.schema or 'public'}.{src.table} not found in {src.masked_url} (or not readable by this user). "
        f"Tables there: {listed}. Check the #schema.table part of the URL (names are case-sensitive), "
        "or pass an SQL query"
    )
    raise DataNotFoundError(msg)


def _query_error(exc: Any, label: str, url: str) -> InputError:
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None) or ""
    server = mask_secrets(str(orig).strip().splitlines()[0] if str(orig).strip() else repr(orig), url)
    if state == "42703":
        return MissingColumnError(f"{label}: {server}. Check the column names of the query")
    if state in ("42P01", "3F000"):
        return DataNotFoundError(f"{label}: {server}. Check the schema and table names (case-sensitive)")
    return InputError(f"{label}: the database refused the query: {server}")


def _describe(conn: Any, query: str, label: str, url: str) -> tuple[list[str], list[str]]:
    """Column names of ``query`` and those of type geometry or geography (without reading rows)."""
    sa = require_extra()
    oids = {r[0] for r in conn.exec_driver_sql(
        "SELECT oid FROM pg_type WHERE typname IN ('geometry', 'geography')").fetchall()}  # fmt: skip
    try:
        cur = conn.exec_driver_sql(f"SELECT * FROM ({query}) AS healthcov_q LIMIT 0")
    except sa.exc.DBAPIError as exc:
        conn.rollback()
        raise _query_error(exc, label, url) from None
    desc = cur.cursor.description
    cur.close()
    names = [d[0] for d in desc]
    return names, [d[0] for d in desc if d[1] in oids]


def _pick_geometry(names: list[str], geoms: list[str], wanted: str | None, label: str) -> str | None:
    if wanted is not None:
        if wanted not in names:
            msg = f"{label}: geometry column {wanted!r} not found; columns are {names}. Pass the right geometry_column="
            raise MissingColumnError(msg)
        if wanted not in geoms:
            msg = f"{label}: column {wanted!r} is not a PostGIS geometry; geometry columns are {geoms or 'none'}"
            raise InvalidGeometryError(msg)
        return wanted
    if len(geoms) > 1:
        msg = f"{label} has several geometry columns {geoms}: choose one with geometry_column="
        raise InputError(msg)
    return geoms[0] if geoms else None


def _srid_crs(conn: Any, srid: int) -> Any:
    row = conn.exec_driver_sql(
        "SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %(s)s", {"s": srid}
    ).fetchone()
    if row is None:
        return f"EPSG:{srid}"
    if row[0] and row[1]:
        return f"{row[0]}:{row[1]}"
    return row[2]


def _check_geometry(geoms: Any, label: str, column: str, fix_table: str | None) -> int:
    """The one SRID of the non-null ``geoms`` (0 when unset); refuses mixed SRIDs and mixed geometry kinds."""
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        msg = f"{label}: every value of geometry column {column!r} is NULL: fill it, or read another column"
        raise InvalidGeometryError(msg)
    kinds = pd.Series(shapely.get_type_id(present)).map(dict(enumerate(_TYPE_NAMES)))
    families = {_FAMILIES.get(k, k.lower()) for k in kinds}
    if len(families) > 1:
        counts = kinds.value_counts().to_dict()
        where = f"WHERE GeometryType({column}) IN ('POLYGON', 'MULTIPOLYGON')"
        fix = f'sql="SELECT * FROM {fix_table} {where}"' if fix_table else f"add {where} to the query"
        msg = f"{label}: column {column!r} mixes geometry types {counts}. Read one kind at a time, e.g. {fix}"
        raise InvalidGeometryError(msg)
    srids = sorted({int(s) for s in shapely.get_srid(present)})
    if len(srids) > 1:
        msg = (
            f"{label}: column {column!r} mixes SRIDs {srids}. Transform them to one in the query, e.g. "
            f"ST_Transform({column}, 4326)"
        )
        raise CRSError(msg)
    return srids[0] if srids else 0


def _no_srid(label: str, src: PostgisSource, column: str) -> CRSError:
    if src.table is not None:
        fix = (
            f"set it in the database: SELECT UpdateGeometrySRID('{src.schema or 'public'}', '{src.table}', "
            f"'{column}', 4326); (4326 when the coordinates are WGS84 longitude/latitude)"
        )
    else:
        fix = f"set it in the query with ST_SetSRID({column}, 4326) (4326 for WGS84 longitude/latitude)"
    return CRSError(f"{label}: column {column!r} has no SRID (SRID 0), so its coordinates mean nothing: {fix}, "
                    "or pass crs='EPSG:4326'")  # fmt: skip


def _build_query(conn: Any, src: PostgisSource, sql: str | None, columns: Sequence[str] | None) -> tuple[str, str]:
    """The SELECT to run and a label for messages."""
    if sql is not None and src.table is not None:
        msg = f"{src}: give a table (#schema.table) or an SQL query, not both"
        raise InputError(msg)
    if sql is None and src.table is None:
        msg = f"{src}: name a table with #schema.table at the end of the URL, or pass an SQL query (sql=...)"
        raise InputError(msg)
    if sql is not None:
        query = sql.strip().rstrip(";").strip()
        if not query:
            raise InputError(f"{src}: the SQL query is empty")
        # psycopg reads %s placeholders even without parameters: a LIKE '%x' must reach the server intact
        return query.replace("%", "%%"), f"the query on {src.masked_url}"
    label = f"table {src.schema or 'public'}.{src.table} ({src.masked_url})"
    have = _table_columns(conn, src)
    if columns is not None:
        missing = [c for c in columns if c not in have]
        if missing:
            msg = f"{label}: columns {missing} not found; the table has {have}. Fix the column names"
            raise MissingColumnError(msg)
        cols = ", ".join(quote_ident(c) for c in columns)
    else:
        cols = "*"
    return f"SELECT {cols} FROM {src.qualified}", label


def read_postgis_source(
    source: str | PostgisSource,
    sql: str | None = None,
    geometry_column: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Read a PostGIS table or query as a GeoDataFrame (a DataFrame when it has no geometry).

    Parameters
    ----------
    source
        ``postgresql://user@host:port/database#schema.table`` (``#table`` means schema
        ``public``), or just the URL together with ``sql``. Leave the password out: libpq takes
        it from ``PGPASSWORD`` or ``~/.pgpass``; when it is in the URL, messages show ``***``.
    sql
        A SELECT to run instead of reading a table (joins, filters, ``ST_Transform`` …).
    geometry_column
        Which geometry column to use when there are several (found automatically when there is one).
    columns
        Only these columns of the table (checked to exist).
    crs
        The CRS of a geometry column without SRID (SRID 0); refused when it contradicts a real SRID.

    Returns
    -------
    GeoDataFrame or DataFrame
        Every row, in the order the server returns them (add ORDER BY to fix it); the geometry is
        column ``geometry`` (its database name is in ``.attrs["geometry_column"]``) in the CRS of
        its SRID. ``.attrs["source"]`` holds the source with the password masked.

    Examples
    --------
    Needs a server (see ``docs/postgis.md``), so not run as a doctest:

    >>> import healthcov as hc
    >>> url = "postgresql://planner@gis.example.org/health"
    >>> fac = hc.read_facilities(read_postgis_source(url + "#registry.hospitals"))  # doctest: +SKIP
    >>> areas = read_postgis_source(url, sql="SELECT * FROM boundaries.districts")  # doctest: +SKIP
    """
    src = parse_postgis_spec(source)
    with connect(src.url, f"reading {src}") as conn:
        query, label = _build_query(conn, src, sql, columns)
        names, geoms = _describe(conn, query, label, src.url)
        geom = _pick_geometry(names, geoms, geometry_column, label)
        try:
            df = pd.read_sql(query, conn)
        except require_extra().exc.DBAPIError as exc:
            raise _query_error(exc, label, src.url) from None
        if df.empty:
            msg = (
                f"{label} returned no rows: nothing to read. Check that the table is filled "
                "or that the query's WHERE clause selects something"
            )
            raise EmptyInputError(msg)
        df.attrs["source"] = str(src) if sql is None else f"{src.masked_url} (SQL: {sql.strip()})"
        if geom is None:
            return df
        geoms_arr = shapely.from_wkb(df[geom].to_numpy())
        srid = _check_geometry(geoms_arr, label, geom, src.qualified)
        if srid == 0 and crs is None:
            raise _no_srid(label, src, geom)
        out_crs = _srid_crs(conn, srid) if srid else crs
    if srid and crs is not None and gpd.GeoSeries([], crs=crs).crs != gpd.GeoSeries([], crs=out_crs).crs:
        msg = f"{label}: crs={crs!r} contradicts the column's SRID {srid}: leave crs= out"
        raise CRSError(msg)
    df[geom] = shapely.set_srid(geoms_arr, 0)
    if geom != "geometry" and "geometry" not in df.columns:
        df = df.rename(columns={geom: "geometry"})
        geom_name = "geometry"
    else:
        geom_name = geom
    out = gpd.GeoDataFrame(df, geometry=geom_name, crs=out_crs)
    out.attrs.update(df.attrs, geometry_column=geom)
    return out


def resolve_source(value: Any, sql: str | None = None, geometry_column: str | None = None, **kw: Any) -> Any:
    """What a reader should get for a CLI input: the frame read from PostGIS, or ``value`` unchanged.

    ``value`` is a path, a ``postgresql://…#schema.table`` spec, or a bare URL when ``sql`` is given.

    Examples
    --------
    >>> resolve_source("hospitals.gpkg")
    'hospitals.gpkg'
    """
    if sql is not None or is_postgis_spec(value):
        if not is_postgis_spec(value):
            msg = f"an SQL query needs a PostgreSQL URL to run on (postgresql://user@host/db), not {value!r}"
            raise InputError(msg)
        return read_postgis_source(value, sql=sql, geometry_column=geometry_column, **kw)
    return value


def read_postgis_network(
    source: str | PostgisSource, sql: str | None = None, geometry_column: str | None = None, **network_kw: Any
) -> Any:
    """Road lines from PostGIS, prepared for routing by :func:`healthcov.read_network`.

    The lines are read with :func:`read_postgis_source`, written to a temporary GeoPackage and
    read from there with ``network_kw`` (``mode=``, ``road_class=``, ``oneway=`` …), exactly as
    a line file would be.

    Examples
    --------
    >>> G = read_postgis_network("postgresql://planner@gis/health#osm.roads", mode="walk")  # doctest: +SKIP
    """
    import tempfile
    from pathlib import Path

    from .networks import read_network

    lines = read_postgis_source(source, sql=sql, geometry_column=geometry_column)
    if not isinstance(lines, gpd.GeoDataFrame):
        msg = f"road lines from {parse_postgis_spec(source)}: the table has no geometry column"
        raise InvalidGeometryError(msg)
    with tempfile.TemporaryDirectory(prefix="healthcov-roads-") as tmp:
        path = Path(tmp) / "roads.gpkg"
        lines.to_file(path, driver="GPKG")
        return read_network(path, **network_kw)
