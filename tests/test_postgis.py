"""PostGIS input and output, against a real PostgreSQL 15 + PostGIS 3 server (no mocks).

The server is the one ``.ci/run`` started (``HEALTHCOV_TEST_POSTGIS_URL`` + ``PGPASSFILE``) or a
throwaway cluster this module starts (tests/postgis_server.py). Under ``CI=true`` a missing server
FAILS the tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import sys
import warnings
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import healthcov as hc
from healthcov.io import postgis as pg
from healthcov.io import postgis_write as pw
from postgis_server import PostgisServer, free_port, missing_reason

if os.environ.get("CI") != "true":  # in CI the extra is installed: a missing one fails the tests
    pytest.importorskip("sqlalchemy", reason="the postgis extra is not installed: pip install 'healthcov[postgis]'")


@pytest.fixture(scope="module")
def server():
    external = os.environ.get("HEALTHCOV_TEST_POSTGIS_URL")
    if external:  # started by .ci/run, which also set PGPASSFILE
        port = urlsplit(external).port
        yield PostgisServer(folder=os.path.dirname(os.environ["PGPASSFILE"]), port=port)
        return
    reason = missing_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test PostGIS: {reason}")
        pytest.skip(reason)
    srv = PostgisServer().start()
    old = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(srv.pgpass)
    try:
        yield srv
    finally:
        if old is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = old
        srv.stop()


@pytest.fixture(scope="module")
def db(server, data_dir):
    """A fresh database with PostGIS holding the Shanghai health POIs and districts, and broken tables."""
    url = server.create_database("healthcov_test_postgis")
    engine = pg.make_engine(url)
    raw = pd.read_csv(hc.datasets.path("shanghai_facilities"))
    poi = gpd.GeoDataFrame(raw.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(raw["lon"], raw["lat"]))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA shanghai")
        poi.set_crs(4326).to_postgis("health_poi", conn, schema="shanghai")
        hc.datasets.census_areas("shanghai").to_postgis("districts", conn, schema="shanghai")
        census = pd.read_csv(hc.datasets.path("shanghai_census"))
        census.to_sql("census2020", conn, schema="shanghai", index=False)
        conn.exec_driver_sql("CREATE SCHEMA roads")
        jinan = gpd.read_file(hc.datasets.path("jinan_edges"))  # no .prj: WGS84, as SOURCES.md says
        jinan.set_crs(4326).to_postgis("jinan", conn, schema="roads")
    server.psql(
        "CREATE SCHEMA bad;"
        "CREATE TABLE bad.no_srid (id int, geom geometry(Point));"
        "INSERT INTO bad.no_srid VALUES (1, ST_MakePoint(121.47, 31.23)), (2, ST_MakePoint(121.5, 31.3));"
        "CREATE TABLE bad.mixed (id int, geom geometry(Geometry, 4326));"
        "INSERT INTO bad.mixed VALUES (1, ST_SetSRID(ST_MakePoint(121.47, 31.23), 4326)),"
        " (2, ST_Buffer(ST_SetSRID(ST_MakePoint(121.5, 31.3), 4326), 0.01));"
        "CREATE TABLE bad.empty (id int, geom geometry(Point, 4326));",
        database="healthcov_test_postgis",
    )
    engine.dispose()
    return url


def _assess(facilities, areas):
    """The network-free assessment (straight-line radius, ratio and count rules) on 2-km population cells."""
    fac = hc.read_facilities(facilities)
    ar = hc.read_areas(areas)
    pop = hc.grid_population(ar, cell_m=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hc.HealthcovWarning)  # "needs a road network" etc., tested elsewhere
        return hc.assess(None, fac, pop, ar, profile="zhejiang")


@pytest.fixture(scope="module")
def from_files(data_dir):
    return _assess(hc.datasets.path("shanghai_facilities"), hc.datasets.census_areas("shanghai"))


# ---------------------------------------------------------------------------------------------
# specs and masking (no server needed)


def test_spec_parsing_and_masking():
    s = pg.parse_postgis_spec('postgresql://planner:s3cr%40t@db:5433/gis#"health data"."poi.2024"')
    assert (s.schema, s.table) == ("health data", "poi.2024")
    assert s.qualified == '"health data"."poi.2024"'
    assert "s3cr" not in str(s) and str(s).startswith("postgresql://planner:***@db:5433/gis#")
    assert pg.parse_postgis_spec("postgres://u@h/d#hospitals").table == "hospitals"
    assert pg.parse_postgis_spec("postgres://u@h/d#hospitals").schema is None
    assert pg.parse_postgis_spec("postgresql://u@h/d").table is None
    assert pg.is_postgis_spec("POSTGRESQL://u@h/d") and not pg.is_postgis_spec("data/postgresql.gpkg")
    assert not pg.is_postgis_spec(None)
    with pytest.raises(hc.InputError, match=r"write #schema\.table"):
        pg.parse_postgis_spec("postgresql://u:pw@h/d#a.b.c")
    with pytest.raises(hc.InputError, match="not a PostgreSQL URL"):
        pg.parse_postgis_spec("hospitals.gpkg")
    text = "failed for postgresql://me:hunter2@h/d and password=hunter2 in 'hunter2'"
    masked = pg.mask_secrets(text, "postgresql://me:hunter2@h/d")
    assert "hunter2" not in masked and masked.count("***") == 3
    assert pw.masked_json({"db": "postgresql://a:b@h/d", "password": "x", "n": [1, np.float64(2.5), float("nan")]}) == {
        "db": "postgresql://a:***@h/d",
        "password": "***",
        "n": [1, 2.5, None],
    }
    assert pg.mask_url("postgresql://u@h/d?password=x%26y&sslmode=require") == (
        "postgresql://u@h/d?password=***&sslmode=require"
    )
    assert pg.resolve_source("a/b.gpkg") == "a/b.gpkg"
    with pytest.raises(hc.InputError, match="needs a PostgreSQL URL"):
        pg.resolve_source("a/b.gpkg", sql="SELECT 1")


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "geoalchemy2", None)
    with pytest.raises(pg.MissingExtraError, match=r"pip install 'healthcov\[postgis\]'") as err:
        pg.read_postgis_source("postgresql://u@localhost/d#t")
    assert isinstance(err.value, hc.HealthcovError) and isinstance(err.value, ImportError)


# ---------------------------------------------------------------------------------------------
# reading


def test_read_table_query_and_statistics(db):
    poi = pg.read_postgis_source(db + "#shanghai.health_poi")
    assert len(poi) == 7513 and poi.crs.to_epsg() == 4326 and (poi.geom_type == "Point").all()
    assert poi.attrs["geometry_column"] == "geometry" and poi.attrs["source"] == db + "#shanghai.health_poi"
    q = pg.read_postgis_source(
        db,
        sql="SELECT name, ST_Transform(geometry, 32651) AS g FROM shanghai.health_poi WHERE type LIKE '%急救中心%'",
    )
    assert q.crs.to_epsg() == 32651 and "geometry" in q and q.attrs["geometry_column"] == "g"
    raw = pd.read_csv(hc.datasets.path("shanghai_facilities"))
    assert len(q) == raw["type"].str.contains("急救中心").sum() == 109
    census = pg.read_postgis_source(db + "#shanghai.census2020", columns=["区划代码", "人口数_合计"])
    assert isinstance(census, pd.DataFrame) and not isinstance(census, gpd.GeoDataFrame)
    assert list(census.columns) == ["区划代码", "人口数_合计"]
    assert census["人口数_合计"].sum() == pd.read_csv(hc.datasets.path("shanghai_census"))["人口数_合计"].sum()
    no_srid = pg.read_postgis_source(db + "#bad.no_srid", crs="EPSG:4326")
    assert no_srid.crs.to_epsg() == 4326 and no_srid.geometry.x.tolist() == [121.47, 121.5]


def test_same_assessment_from_database_and_files(db, from_files):
    fac = pg.resolve_source(db + "#shanghai.health_poi")
    areas = pg.resolve_source(db, sql="SELECT * FROM shanghai.districts ORDER BY area_code")
    from_db = _assess(fac, areas)
    pd.testing.assert_frame_equal(from_db.table, from_files.table)
    t = from_db.table.set_index(["rule_id", "area_name"])
    assert len(from_db.areas) == 16 and from_db.table["rule_id"].nunique() == 19
    pudong = t.xs("浦东新区", level=1)
    assert pudong.loc["basic.chc_per_pop", ["verdict", "present", "required"]].tolist() == ["partial", 57, 190]
    assert pudong.loc["ems.radius", "verdict"] == "fail"
    assert from_db.table.groupby("rule_id")["verdict"].apply(lambda v: (v == "pass").sum())["ems.radius"] == 5
    assert int(from_db.areas["pop"].sum()) == 24_870_895


def test_population_and_road_lines_from_the_database(db, jinan_drive):
    census = hc.read_population(pg.read_postgis_source(db + "#shanghai.districts"))
    assert census.attrs["population_method"] == "polygons with counts (column 'pop')"
    assert census["pop"].sum() == hc.datasets.census_areas("shanghai")["pop"].sum() == 24_870_895
    roads = hc.read_postgis_network(db + "#roads.jinan", mode="drive")
    assert (roads.number_of_nodes(), roads.number_of_edges()) == (11_855, 27_423)
    assert (jinan_drive.number_of_nodes(), jinan_drive.number_of_edges()) == (11_855, 27_423)  # from the file
    km = [sum(d["length"] for *_, d in g.edges(data=True)) / 1000 for g in (roads, jinan_drive)]
    assert km[0] == pytest.approx(km[1], rel=1e-9)
    part = hc.read_postgis_network(db, sql="SELECT * FROM roads.jinan WHERE highway = 'primary'", mode="drive")
    assert 0 < part.number_of_edges() < roads.number_of_edges() / 4
    with pytest.raises(hc.InvalidGeometryError, match="has no geometry column"):
        hc.read_postgis_network(db + "#shanghai.census2020", mode="drive")


@pytest.mark.parametrize(
    ("spec", "sql", "error", "words"),
    [
        ("#shanghai.nope", None, hc.DataNotFoundError, ["shanghai.nope not found", "shanghai.health_poi"]),
        ("#shanghai.health_poi", None, None, []),
        ("", "SELECT nme FROM shanghai.health_poi", hc.MissingColumnError, ['column "nme" does not exist']),
        ("", "SELECT * FROM shanghai.nope", hc.DataNotFoundError, ["shanghai.nope", "Check the schema and table"]),
        ("#bad.no_srid", None, hc.CRSError, ["bad.no_srid", "SRID 0", "UpdateGeometrySRID('bad', 'no_srid'"]),
        ("", "SELECT id, geom FROM bad.no_srid", hc.CRSError, ["SRID 0", "ST_SetSRID(geom, 4326)"]),
        ("#bad.empty", None, hc.EmptyInputError, ["bad.empty", "returned no rows"]),
        ("", "SELECT * FROM shanghai.health_poi WHERE false", hc.EmptyInputError, ["the query", "no rows"]),
        ("#bad.mixed", None, hc.InvalidGeometryError, ["bad.mixed", "'POINT': 1, 'POLYGON': 1", "GeometryType"]),
        ("", "SELECT 'x' AS y FROM shanghai.health_poi LIMIT 1 )", hc.InputError, ["refused the query"]),
    ],
)
def test_bad_input_is_named_with_the_fix(db, spec, sql, error, words):
    if error is None:  # the control: the same call on a good table works
        assert len(pg.read_postgis_source(db + spec, sql=sql)) == 7513
        return
    with pytest.raises(error) as err:
        pg.read_postgis_source(db + spec, sql=sql)
    for w in words:
        assert w in str(err.value)


def test_missing_and_wrong_geometry_columns(db):
    with pytest.raises(hc.MissingColumnError, match=r"columns \['nope'\] not found; the table has \['name'"):
        pg.read_postgis_source(db + "#shanghai.health_poi", columns=["name", "nope"])
    with pytest.raises(hc.MissingColumnError, match="geometry column 'geom' not found"):
        pg.read_postgis_source(db + "#shanghai.health_poi", geometry_column="geom")
    with pytest.raises(hc.InvalidGeometryError, match="'name' is not a PostGIS geometry"):
        pg.read_postgis_source(db + "#shanghai.health_poi", geometry_column="name")
    two = "SELECT geometry AS a, ST_Buffer(geometry, 0.01) AS b FROM shanghai.health_poi LIMIT 3"
    with pytest.raises(hc.InputError, match=r"several geometry columns \['a', 'b'\]: choose one"):
        pg.read_postgis_source(db, sql=two)
    assert (pg.read_postgis_source(db, sql=two, geometry_column="b").geom_type == "Polygon").all()
    with pytest.raises(hc.CRSError, match="contradicts the column's SRID 4326"):
        pg.read_postgis_source(db + "#shanghai.health_poi", crs="EPSG:32651")
    with pytest.raises(hc.InputError, match="not both"):
        pg.read_postgis_source(db + "#shanghai.health_poi", sql="SELECT 1")
    with pytest.raises(hc.InputError, match=r"name a table with #schema\.table"):
        pg.read_postgis_source(db)


def test_unreachable_server_and_wrong_password(db, server):
    port = free_port()  # nothing listens there
    with pytest.raises(pg.DatabaseConnectionError, match=f"cannot reach the PostgreSQL server.*port {port}") as err:
        pg.read_postgis_source(f"postgresql://healthcov:topsecret@127.0.0.1:{port}/x#a.b")
    assert "topsecret" not in str(err.value) and "healthcov:***@" in str(err.value)
    wrong = f"postgresql://healthcov:wrong-pass-123@127.0.0.1:{server.port}/healthcov_test_postgis#shanghai.health_poi"
    with pytest.raises(pg.DatabaseAuthError, match="password authentication failed") as err:
        pg.read_postgis_source(wrong)
    assert "wrong-pass-123" not in str(err.value) and "PGPASSWORD" in str(err.value)
    assert err.value.__cause__ is None and err.value.__context__ is not None  # the driver's error is not chained
    with pytest.raises(pg.DatabaseConnectionError, match='database "nodb" does not exist'):
        pg.read_postgis_source(server.url("nodb") + "#a.b")
    with pytest.raises(pg.DatabaseError, match="password authentication failed") as err:
        pw.write_postgis({"t": pd.DataFrame({"a": [1]})}, wrong.split("#")[0], "results")
    assert "wrong-pass-123" not in str(err.value)


def test_password_from_environment(db, server, monkeypatch):
    """libpq takes the password from PGPASSWORD when there is no .pgpass."""
    pw_line = server.pgpass.read_text().strip().split(":")[-1]
    monkeypatch.setenv("PGPASSFILE", str(server.folder / "no-such-pgpass"))
    with pytest.raises(pg.DatabaseAuthError, match=r"no password supplied|password authentication failed"):
        pg.read_postgis_source(db + "#shanghai.census2020")
    monkeypatch.setenv("PGPASSWORD", pw_line)
    assert len(pg.read_postgis_source(db + "#shanghai.census2020")) == len(
        pd.read_csv(hc.datasets.path("shanghai_census"))
    )


# ---------------------------------------------------------------------------------------------
# writing


def test_write_assessment_and_read_it_back(db, from_files, dalian_drive):
    secret_src = db.replace("healthcov@", "healthcov:topsecret@") + "#shanghai.health_poi"
    iso = hc.isochrones(dalian_drive, hc.nodes_frame(dalian_drive).iloc[[0]], minutes=(1, 2))
    sites = from_files.facilities.head(3)[["name", "geometry"]].assign(newly_covered=[10.0, 5.5, 0.0])
    run_id = pw.write_assessment_postgis(
        from_files,
        db,
        "results",
        isochrones=iso,
        sites=sites,
        sources={"facilities": secret_src},
        options={"cell_m": 2000},
    )
    back = pw.read_postgis_layer(db, "results", "verdicts", run_id)
    pd.testing.assert_frame_equal(back, from_files.table)
    areas = pw.read_postgis_layer(db, "results", "areas", run_id)
    assert areas.crs == from_files.areas.crs
    pd.testing.assert_frame_equal(
        pd.DataFrame(areas.drop(columns="geometry")), from_files.areas.drop(columns="geometry")
    )
    assert areas.geometry.geom_equals_exact(from_files.areas.geometry, tolerance=0).all()
    uncovered = pw.read_postgis_layer(db, "results", "uncovered", run_id)
    expected = sum(from_files.uncovered(r)["pop"].sum() for r in set(uncovered["rule_id"]))
    assert uncovered["pop"].sum() == pytest.approx(expected) and expected > 0
    joined = pw.read_postgis_layer(db, "results", "area_verdicts", run_id)
    assert len(joined) == (from_files.table["area_code"] != "*").sum()
    iso_back = pw.read_postgis_layer(db, "results", "isochrones", run_id)
    assert iso_back.crs == iso.crs and iso_back.area.tolist() == pytest.approx(iso.area.tolist(), rel=1e-12)
    assert len(iso) == 2 and iso.area.iloc[1] > iso.area.iloc[0] > 0
    pd.testing.assert_frame_equal(pw.read_postgis_layer(db, "results", "sites", run_id), sites.reset_index(drop=True))
    runs = pw.postgis_runs(db, "results")
    row = runs.set_index("run_id").loc[run_id]
    assert row["profile"] == "zhejiang" and row["options"]["cell_m"] == 2000
    assert row["sources"]["facilities"] == secret_src.replace("topsecret", "***")
    assert row["layers"]["verdicts"]["rows"] == len(from_files.table)
    assert "topsecret" not in runs.astype(str).to_string()


def test_runs_side_by_side_and_rollback(db, from_files, server):
    url = db
    first = pw.write_postgis(
        {"verdicts": from_files.table, "areas": from_files.areas}, url, "side", run={"profile": "zhejiang"}
    )
    areas_4326 = from_files.areas.to_crs(4326).assign(extra_note="second run")  # other CRS, one more column
    second = pw.write_postgis({"verdicts": from_files.table.head(5), "areas": areas_4326}, url, "side")
    assert len(pw.read_postgis_layer(url, "side", "verdicts", first)) == len(from_files.table)
    assert len(pw.read_postgis_layer(url, "side", "verdicts")) == 5  # the latest run by default
    back2 = pw.read_postgis_layer(url, "side", "areas", second)
    assert back2.crs.to_epsg() == 32651  # the table keeps the SRID of the first run
    assert (back2["extra_note"] == "second run").all()
    assert "extra_note" not in pw.read_postgis_layer(url, "side", "areas", first).columns
    counts = "SELECT run_id, count(*) FROM side.verdicts GROUP BY 1 ORDER BY 2"
    before = server.psql(counts, database="healthcov_test_postgis")
    # a failing write: the new table and the appended verdict rows are rolled back, the failing table kept
    broken = from_files.areas.assign(pop="many")  # text into a double precision column
    with pytest.raises(pw.DatabaseError, match=r"layer 'areas'.*rolled back") as err:
        pw.write_postgis({"brand_new": from_files.table, "verdicts": from_files.table, "areas": broken}, url, "side")
    assert "invalid input syntax for type double precision" in str(err.value)
    assert server.psql(counts, database="healthcov_test_postgis") == before
    assert server.psql("SELECT to_regclass('side.brand_new')", database="healthcov_test_postgis") == ""
    assert pw.postgis_runs(url, "side")["run_id"].tolist() == [first, second]
    with pytest.raises(hc.InputError, match="already in schema 'side': pass replace_run=True"):
        pw.write_postgis({"verdicts": from_files.table}, url, "side", run_id=first)
    pw.write_postgis({"verdicts": from_files.table.head(2)}, url, "side", run_id=first, replace_run=True)
    assert len(pw.read_postgis_layer(url, "side", "verdicts", first)) == 2
    with pytest.raises(hc.DataNotFoundError, match="did not write layer 'areas'"):
        pw.read_postgis_layer(url, "side", "areas", first)


def test_write_refuses_bad_layers(db):
    pts = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(hc.CRSError, match="layer 'p' has no CRS"):
        pw.write_postgis({"p": pts}, db, "results")
    with pytest.raises(hc.InputError, match="already has columns \\['run_id'\\]"):
        pw.write_postgis({"t": pd.DataFrame({"run_id": [1]})}, db, "results")
    with pytest.raises(hc.InputError, match="cannot be a PostgreSQL name"):
        pw.write_postgis({"t": pd.DataFrame({"很长的列名" * 5: [1]})}, db, "results")
    with pytest.raises(hc.InputError, match="healthcov's run table"):
        pw.write_postgis({"healthcov_runs": pd.DataFrame({"a": [1]})}, db, "results")
    with pytest.raises(hc.InputError, match="expected a DataFrame"):
        pw.write_postgis({"t": [1, 2]}, db, "results")
    # a user's own table of the same name is never appended to
    with pytest.raises(hc.InputError, match=r"table shanghai\.census2020 exists and was not written by healthcov"):
        pw.write_postgis({"census2020": pd.DataFrame({"a": [1]})}, db, "shanghai")
    assert (
        "healthcov_runs"
        not in pd.DataFrame(
            pg.read_postgis_source(db, sql="SELECT tablename FROM pg_tables WHERE schemaname = 'shanghai'")
        )["tablename"].tolist()
    )
    with pytest.raises(hc.DataNotFoundError, match=r"schema 'nowhere' .* holds no healthcov runs"):
        pw.postgis_runs(db, "nowhere")
    nulls = "SELECT id, NULL::geometry AS geom FROM bad.no_srid"
    with pytest.raises(hc.InvalidGeometryError, match="every value of geometry column 'geom' is NULL"):
        pg.read_postgis_source(db, sql=nulls)
