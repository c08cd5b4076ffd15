"""Facility-type vocabulary and classifier: hand-made rows, then the real Shanghai and Ningbo files."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

import healthcov as hc
from healthcov.errors import HealthcovWarning, InputError, MissingColumnError, ProfileError
from healthcov.standards.facility_types import (
    FACILITY_TYPE_ALIASES,
    FACILITY_TYPES,
    UnknownFacilityTypeError,
    classify_facilities,
    normalize_type,
    parse_tier,
)

REQUIRED_CODES = {
    "hospital_general",
    "hospital_tcm",
    "hospital_specialty",
    "mch",
    "chc",
    "chs_station",
    "thc",
    "village_clinic",
    "clinic",
    "ems_center",
    "ems_subcenter",
    "ems_station",
    "cdc",
    "other",
}


def test_vocabulary_has_the_codes_with_names():
    assert set(FACILITY_TYPES) >= REQUIRED_CODES
    for code, info in FACILITY_TYPES.items():
        assert info["zh"] and info["en"], code
    assert FACILITY_TYPES["chc"]["zh"] == "社区卫生服务中心"
    assert FACILITY_TYPES["thc"]["zh"] == "乡镇卫生院"
    assert set(FACILITY_TYPE_ALIASES.values()) <= set(FACILITY_TYPES)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("chc", "chc"),
        ("CHC", "chc"),
        (" Village clinic ", "village_clinic"),
        ("社区卫生服务中心", "chc"),
        ("社区卫生服务站", "chs_station"),
        ("乡镇卫生院", "thc"),
        ("卫生院", "thc"),
        ("村卫生室", "village_clinic"),
        ("诊所", "clinic"),
        ("门诊部", "clinic"),
        ("急救中心", "ems_center"),
        ("急救分中心", "ems_subcenter"),
        ("急救站", "ems_station"),
        ("ambulance_station", "ems_station"),
        ("疾病预防控制中心", "cdc"),
        ("妇幼保健院", "mch"),
        ("中医院", "hospital_tcm"),
        ("综合医院", "hospital_general"),
        ("hospital_specialty", "hospital_specialty"),
        ("general hospital", "hospital_general"),
    ],
)
def test_normalize_type(value, code):
    assert normalize_type(value) == code


def test_normalize_type_unknown_names_value_and_codes():
    with pytest.raises(UnknownFacilityTypeError, match=r"unknown facility type 'spa'.*chc.*village_clinic"):
        normalize_type("spa")
    # one error, catchable both as a profile problem and as an input problem
    for cls in (ProfileError, InputError, ValueError):
        with pytest.raises(cls):
            normalize_type("")


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("医疗保健服务;综合医院;三级甲等医院", "3A"),
        ("三级乙等", "3B"),
        ("二甲", "2A"),
        ("二级乙等医院", "2B"),
        ("三级医院", "3"),
        ("诊所", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_parse_tier(text, tier):
    assert parse_tier(text) == tier


def test_classify_each_source_and_keep_every_row():
    df = pd.DataFrame(
        {
            "name": [
                "外滩街道社区卫生服务中心",  # AMap 卫生院 class, decided by the name
                "古林镇卫生院",  # AMap 卫生院 class, a township health centre
                "某某居委红十字卫生站",
                "上海长征医院",  # 3A hospital
                "某某口腔诊所",  # AMap specialty class but an outpatient clinic
                "上海交通大学医学院附属第九人民医院-皮肤科",  # a department of a general hospital
                "浦东医疗急救中心洋泾分站",
                "某镇中心卫生院",  # user column wins over AMap/name
                "宁波市第一医院",  # OSM tag
                "余姚市妇幼保健院",  # OSM hospital, named MCH
                "大同村卫生室",  # name only
                "奉化区急救站",  # name only
                "某某超市",  # nothing: other
            ],
            "facility_type": [None, None, None, None, None, None, None, "乡镇卫生院", None, None, None, None, None],
            "type": [
                "医疗保健服务;综合医院;卫生院",
                "医疗保健服务;综合医院;卫生院",
                "医疗保健服务;综合医院;卫生院",
                "医疗保健服务;综合医院;三级甲等医院",
                "医疗保健服务;专科医院;口腔医院|医疗保健服务;诊所;诊所",
                "医疗保健服务;综合医院;三级甲等医院",
                "医疗保健服务;急救中心;急救中心",
                "医疗保健服务;综合医院;综合医院",
                None,
                None,
                None,
                None,
                None,
            ],
            "amenity": [None] * 8 + ["hospital", "hospital", None, None, None],
        },
        index=[f"f{i}" for i in range(13)],
    )
    before = df.copy()
    got = classify_facilities(df)
    pd.testing.assert_frame_equal(df, before)  # input unchanged
    assert list(got.index) == list(df.index)
    assert list(got.columns) == ["facility_type", "tier", "type_rule"]
    assert list(got["facility_type"]) == [
        "chc",
        "thc",
        "chs_station",
        "hospital_general",
        "clinic",
        "hospital_general",
        "ems_station",
        "thc",
        "hospital_general",
        "mch",
        "village_clinic",
        "ems_station",
        "other",
    ]
    assert list(got["type_rule"]) == [
        "name",
        "name",
        "name",
        "amap",
        "amap",
        "amap",
        "amap",
        "column",
        "osm",
        "osm",
        "name",
        "name",
        "default",
    ]
    assert got.loc["f3", "tier"] == "3A"
    assert got.loc["f5", "tier"] == "3A"
    assert got.loc["f6", "tier"] is None  # tiers are for hospitals only
    assert got["tier"].isna().sum() == 11


def test_classify_column_with_amap_strings_and_unknown_values():
    df = pd.DataFrame(
        {
            "name": ["甲", "乙社区卫生服务站", "丙"],
            "kind": ["医疗保健服务;综合医院;三级乙等医院", "station??", "chc"],
        }
    )
    with pytest.warns(HealthcovWarning, match=r"1 values of column 'kind' are not facility types \('station\?\?'\)"):
        got = classify_facilities(df, type_column="kind")
    assert list(got["facility_type"]) == ["hospital_general", "chs_station", "chc"]
    assert list(got["type_rule"]) == ["amap", "name", "column"]
    assert got["tier"].iloc[0] == "3B"


def test_classify_errors():
    df = pd.DataFrame({"name": ["a"]})
    with pytest.raises(MissingColumnError, match="type_column 'kind' is not a column"):
        classify_facilities(df, type_column="kind")
    with pytest.raises(MissingColumnError, match="name_column 'title' is not a column"):
        classify_facilities(df, name_column="title")
    with pytest.raises(InputError, match="needs a DataFrame"):
        classify_facilities(["a"])  # type: ignore[arg-type]
    # no name column at all: still one row out per row in
    assert list(classify_facilities(pd.DataFrame({"x": [1, 2]}))["facility_type"]) == ["other", "other"]


def test_shanghai_amap_pois(data_dir):
    fac = hc.datasets.shanghai_health_facilities()
    assert len(fac) == 7129
    # pet and veterinary POIs are excluded by the dataset loader already
    assert not fac["type"].str.contains("宠物|兽医|动物").any()
    got = classify_facilities(fac)
    counts = got["facility_type"].value_counts().to_dict()
    print("Shanghai facility types:", counts)
    print("rules:", got["type_rule"].value_counts().to_dict(), "tiers:", got["tier"].value_counts().to_dict())
    assert counts == {
        "clinic": 2418,
        "hospital_general": 1766,
        "hospital_specialty": 814,
        "chs_station": 658,
        "chc": 492,
        "village_clinic": 458,
        "hospital_tcm": 268,
        "ems_station": 86,
        "cdc": 61,
        "mch": 54,
        "ems_center": 29,
        "thc": 18,
        "other": 7,
    }
    assert set(counts) <= set(FACILITY_TYPES)
    assert len(got) == len(fac) and got.index.equals(fac.index)
    assert got["type_rule"].value_counts().to_dict() == {"amap": 5330, "name": 1799}
    assert got["tier"].value_counts().to_dict() == {"3A": 686, "1A": 1}

    j = fac.join(got)
    # every AMap emergency-centre row is an EMS facility
    ems = j[j["type"].str.contains("急救中心")]
    assert len(ems) == 109
    assert ems["facility_type"].str.startswith("ems_").all()
    # AMap's 卫生院 class mixes CHCs, stations and township health centres: the name decides
    wsy = j[j["category"] == "卫生院"]
    assert (wsy.loc[wsy["name"].str.endswith("社区卫生服务中心"), "facility_type"] == "chc").all()
    assert (wsy.loc[wsy["name"].str.endswith("镇卫生院"), "facility_type"] == "thc").all()
    assert (wsy.loc[wsy["name"].str.endswith("卫生站"), "facility_type"] == "chs_station").all()
    assert wsy["facility_type"].value_counts().to_dict() == {
        "chc": 458,
        "chs_station": 438,
        "hospital_general": 19,
        "village_clinic": 12,
        "thc": 10,
    }
    # village clinics filed by AMap as clinics (诊所) are recognised
    assert (j.loc[j["name"].str.endswith("村卫生室"), "facility_type"] == "village_clinic").all()
    # the only 'other' rows are animal care that AMap files under health categories
    assert j.loc[j["facility_type"] == "other", "name"].str.contains("动物").all()
    # grade-3A rows are hospitals (or MCH hospitals)
    assert (
        j.loc[j["tier"] == "3A", "facility_type"]
        .isin(["hospital_general", "hospital_tcm", "hospital_specialty", "mch"])
        .all()
    )


def test_ningbo_osm_hospitals(data_dir):
    g = gpd.read_file(hc.datasets.path("ningbo_hospitals"))
    by_name = classify_facilities(g)
    assert (by_name["type_rule"] == "name").all()  # the file keeps no OSM tags: names decide
    g["amenity"] = "hospital"  # the README: every feature is amenity=hospital
    got = classify_facilities(g)
    counts = got["facility_type"].value_counts().to_dict()
    print("Ningbo OSM hospitals:", counts)
    assert (got["type_rule"] == "osm").all()
    assert counts == {
        "hospital_general": 56,
        "hospital_specialty": 12,
        "hospital_tcm": 9,
        "mch": 7,
        "thc": 7,
        "cdc": 2,
        "chc": 2,
    }
    j = g.join(got)
    assert (j.loc[j["name"].str.endswith("卫生院"), "facility_type"] == "thc").all()
    assert (j.loc[j["name"].str.contains("疾病预防控制中心"), "facility_type"] == "cdc").all()
    assert j.loc[j["name"] == "宁波市中医院", "facility_type"].item() == "hospital_tcm"
