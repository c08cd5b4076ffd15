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
    TYPING_COLUMNS,
    UnknownFacilityTypeError,
    classify_facilities,
    normalize_type,
    parse_tier,
)
from healthcov.standards.typing_report import duplicate_key
from healthcov.standards.typing_rules import OWNERS, name_type, owner_from_name

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
    "emergency_department",
    "department",
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
        ("急诊科", "emergency_department"),
        ("emergency department", "emergency_department"),
        ("科室", "department"),
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


def _df(rows):
    """A facility table from (name, AMap type or None) pairs."""
    return pd.DataFrame({"name": [r[0] for r in rows], "type": [r[1] for r in rows]})


AMAP_EMS = "医疗保健服务;急救中心;急救中心"
AMAP_3A = "医疗保健服务;综合医院;三级甲等医院"
AMAP_GENERAL = "医疗保健服务;综合医院;综合医院"
AMAP_WSY = "医疗保健服务;综合医院;卫生院"
AMAP_CLINIC = "医疗保健服务;诊所;诊所"
AMAP_CDC = "医疗保健服务;疾病预防机构;疾病预防"


def _mixed_sources() -> pd.DataFrame:
    """13 rows typed by a user column, AMap strings, OSM tags, names alone, or nothing."""
    return pd.DataFrame(
        {
            "name": [
                "外滩街道社区卫生服务中心",  # AMap 卫生院 class, decided by the name
                "古林镇卫生院",  # AMap 卫生院 class, a township health centre
                "某某居委红十字卫生站",
                "上海长征医院",  # 3A hospital, military
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
                AMAP_WSY,
                AMAP_WSY,
                AMAP_WSY,
                AMAP_3A,
                "医疗保健服务;专科医院;口腔医院|医疗保健服务;诊所;诊所",
                AMAP_3A,
                AMAP_EMS,
                AMAP_GENERAL,
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


def test_classify_each_source_and_keep_every_row():
    df = _mixed_sources()
    before = df.copy()
    got = classify_facilities(df)
    pd.testing.assert_frame_equal(df, before)  # input unchanged
    assert list(got.index) == list(df.index)
    assert tuple(got.columns) == TYPING_COLUMNS
    assert list(got["facility_type"]) == [
        "chc",
        "thc",
        "chs_station",
        "hospital_general",
        "clinic",
        "department",
        "ems_station",
        "thc",
        "hospital_general",
        "mch",
        "village_clinic",
        "ems_station",
        "other",
    ]
    # a strong name pattern decides ("name"); a generic word (…医院, …口腔) lets AMap or OSM decide
    assert list(got["type_source"]) == [
        "name",
        "name",
        "name",
        "amap",
        "amap",
        "name",
        "name",
        "column",
        "osm",
        "name",
        "name",
        "name",
        "default",
    ]
    # high: a column, or a name the category agrees with; medium: a name alone; low: nothing
    assert list(got["type_confidence"]) == ["high"] * 10 + ["medium", "medium", "low"]
    assert got.loc["f0", "type_rule"] == "name:社区卫生服务中心 + amap:卫生院"
    assert got.loc["f6", "type_rule"] == "name:医疗急救中心 + amap:急救中心"
    assert got.loc["f7", "type_rule"] == "column:乡镇卫生院"
    assert got.loc["f8", "type_rule"] == "name:医院 + osm:hospital"
    assert list(got["owner"]) == [
        "county",  # a street CHC: public primary care
        "county",
        "county",
        "military",  # 长征医院
        "private",  # a clinic with no public marker
        "university",  # 大学…附属
        "unknown",  # 浦东 without 区 names no owner
        "county",
        "city",  # 宁波市
        "county",  # 余姚市 is a county-level city
        "county",
        "county",  # 奉化区
        "unknown",
    ]
    assert got.loc["f3", "tier"] == "3A" and got.loc["f3", "grade"] == "三级甲等"
    assert got.loc["f5", "tier"] is None  # a department of a 3A hospital has no grade of its own
    assert got["tier"].notna().sum() == 1
    assert got.loc["f12", "type_note"].startswith("nothing recognised")


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
    assert list(got["type_source"]) == ["amap", "name", "column"]
    assert list(got["type_confidence"]) == ["medium", "medium", "high"]  # AMap alone; a name alone; a column
    assert got["tier"].iloc[0] == "3B" and got["grade"].iloc[0] == "三级乙等"


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
    empty = classify_facilities(pd.DataFrame({"name": pd.Series([], dtype=object)}))
    assert len(empty) == 0 and tuple(empty.columns) == TYPING_COLUMNS


# --- EMS strictness ---------------------------------------------------------------------------

EMS_ROWS = [
    ("上海市医疗急救中心", AMAP_EMS, "ems_center"),
    ("上海市医疗急救中心黄浦分站", AMAP_EMS, "ems_station"),
    ("上海市医疗急救中心十院分站", AMAP_3A, "ems_station"),  # AMap files it as a 3A hospital
    ("上海市120急救中心分站", AMAP_EMS, "ems_station"),
    ("华山医院宝山分院-救护站", AMAP_EMS, "ems_station"),
    ("奉化区急救分中心", None, "ems_subcenter"),
    ("宁波市急救指挥中心", None, "ems_command"),
    ("上海长征医院急诊部", AMAP_3A, "emergency_department"),
    ("徐汇区中心医院急诊科", AMAP_GENERAL, "emergency_department"),
    ("瑞金医院急救", AMAP_EMS, "emergency_department"),  # 急救 inside a hospital
    ("上海市危重孕产妇会诊抢救中心(宜山路)", AMAP_EMS, "emergency_department"),
    ("上海市危重新生儿会诊抢救中心(长乐路)", AMAP_EMS, "emergency_department"),
    ("上海市心脏病急救中心(海宁路)", AMAP_EMS, "emergency_department"),
    ("脑卒中急救", AMAP_EMS, "emergency_department"),
    ("门诊急诊", AMAP_EMS, "emergency_department"),
    ("卫生部国际紧急救援中心网络医院", AMAP_GENERAL, "hospital_general"),  # 紧急救援 is not 急救
    ("应急救援中心", AMAP_EMS, "other"),  # AMap's 急救中心 class alone proves nothing
]


def test_ems_is_strict_by_default():
    got = classify_facilities(_df([(n, t) for n, t, _ in EMS_ROWS]))
    assert list(got["facility_type"]) == [code for _, _, code in EMS_ROWS]
    er = got[got["facility_type"] == "emergency_department"]
    assert (
        er["type_note"].str.contains("not a 120 EMS station; count it with ems_include_hospital_emergency=True").all()
    )
    assert got.iloc[-1]["type_confidence"] == "low"
    assert "names no 120 EMS service" in got.iloc[-1]["type_note"]


def test_ems_include_hospital_emergency_option():
    df = _df([(n, t) for n, t, _ in EMS_ROWS])
    got = classify_facilities(df, ems_include_hospital_emergency=True)
    expected = ["ems_station" if c == "emergency_department" else c for _, _, c in EMS_ROWS]
    assert list(got["facility_type"]) == expected
    moved = got.iloc[7:15]
    assert moved["type_rule"].str.endswith("(ems_include_hospital_emergency)").all()
    assert moved["type_note"].str.contains("counted as an EMS station").all()


def test_osm_ambulance_station_is_ems_but_a_named_emergency_department_is_not():
    df = pd.DataFrame(
        {
            "name": ["鄞州区急救站", "某医院急诊", ""],
            "emergency": ["ambulance_station", "ambulance_station", "ambulance_station"],
        }
    )
    got = classify_facilities(df)
    assert list(got["facility_type"]) == ["ems_station", "emergency_department", "ems_station"]
    assert list(got["type_confidence"]) == ["high", "medium", "medium"]
    assert got.loc[2, "type_rule"] == "osm:ambulance_station"


# --- departments, CHCs, institutes, hospitals -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "amap", "code"),
    [
        ("黄浦区半淞园街道社区卫生服务中心", AMAP_WSY, "chc"),
        ("外滩街道社区卫生中心", AMAP_WSY, "chc"),
        ("小东门街道社区卫生服务中心(光启南路)", AMAP_WSY, "chc"),  # an address in brackets
        ("复三社区卫生服务站", AMAP_WSY, "chs_station"),
        ("外滩街道社区卫生服务中心金陵分中心", AMAP_WSY, "chs_station"),  # a branch site
        ("上海市青浦区华新镇凤溪社区卫生服务分中心", AMAP_WSY, "chs_station"),
        ("小东门街道社区卫生服务中心(第二执业点)", AMAP_WSY, "chs_station"),
        ("杨浦区平凉社区卫生服务中心(齐齐哈尔路门诊部)", AMAP_CLINIC, "chs_station"),
        ("外滩街道社区卫生服务中心汉光社区卫生服务站", AMAP_WSY, "chs_station"),
        ("豫园街道社区卫生服务中心预防接种室", AMAP_WSY, "department"),
        ("瑞金二路街道社区卫生服务中心成人接种门诊", AMAP_CDC, "department"),
        ("儿童保健预防接种门诊", AMAP_CLINIC, "department"),
        ("合庆社区卫生服务中心住院部", AMAP_WSY, "department"),
        ("港沿镇社区卫生服务中心跃马村卫生室诊疗室", AMAP_CLINIC, "village_clinic"),
        ("叶榭镇卫生院-肝炎门诊", AMAP_WSY, "department"),
        ("上海市口腔病防治院", AMAP_CDC, "hospital_specialty"),  # a dental institute, not a CDC
        ("浦东新区眼病牙病防治所", AMAP_CDC, "hospital_specialty"),
        ("上海市眼病防治中心", AMAP_CDC, "hospital_specialty"),
        ("上海市静安区结核病防治所", AMAP_CDC, "cdc"),
        ("上海市普陀区卫生防疫站", AMAP_CDC, "cdc"),
        ("石泉路街道有害生物防制服务站", AMAP_CDC, "other"),
        ("俊辰儿童健康调理.小儿推拿(普陀近铁店)", AMAP_CDC, "other"),  # AMap 疾病预防 alone: not a CDC
        ("上海长征医院-牛皮癣科室", AMAP_GENERAL, "department"),
        ("上海邮电医院6号楼", AMAP_GENERAL, "department"),
        ("上海市浦东新区公利医院8", AMAP_GENERAL, "department"),
        ("泌尿诊室5(上海市儿童医院)", AMAP_3A, "department"),
        ("复旦大学附属华山医院(分部)-4号楼", AMAP_GENERAL, "department"),
        ("上海中医药大学附属龙华医院浦东分院", AMAP_GENERAL, "hospital_tcm"),  # a campus, not a department
        ("上海交通大学附属第一人民医院(南院)", AMAP_3A, "hospital_general"),
        ("中国人民解放军第八五医院(沪闵路临床部)", AMAP_GENERAL, "hospital_general"),
        ("上海安国医院", AMAP_GENERAL, "hospital_general"),  # 安国医院 is not 国医 (TCM)
        ("上海红枫国际妇儿医院", AMAP_GENERAL, "hospital_specialty"),  # private: not an MCH institution
        ("宁波市妇女儿童医院", None, "mch"),  # public: the city's MCH institution
        ("上海万安医疗美容医院", AMAP_GENERAL, "hospital_specialty"),
        ("针灸丰胸隆胸医院", "医疗保健服务;专科医院;专科医院", "hospital_specialty"),
        ("清和口腔", "医疗保健服务;专科医院;口腔医院", "clinic"),
        ("上海逸养中医门诊部", AMAP_GENERAL, "clinic"),
        ("新极点皮肤管理中心", "医疗保健服务;专科医院;整形美容", "other"),  # a salon
        ("豫园街道社区党建服务中心", AMAP_CLINIC, "other"),
        ("上海肛泰医院工会委员会", "医疗保健服务;专科医院;专科医院", "other"),
        ("上海市核医学质量控制中心", AMAP_3A, "other"),  # an office, not a hospital
        ("长江路社区卫生服务中心通河点", AMAP_WSY, "chs_station"),
        ("月浦镇社区卫生服务中心(马泾桥站)", AMAP_WSY, "chs_station"),
        ("联洋社区卫生服务中心分院", AMAP_WSY, "chs_station"),
        ("程家桥街道社区卫生服务中心儿童保健园", AMAP_WSY, "department"),
        ("东南社区卫生服务站(周浦社区卫生服务中心)", AMAP_WSY, "chs_station"),  # the brackets name the parent
        ("锦绣江南家园医疗服务中心", AMAP_WSY, "chs_station"),  # AMap 卫生院 alone: a station at most
        ("上海市松江区危重病急救临床中心", AMAP_EMS, "emergency_department"),
        ("瑞金医院休息等候区", AMAP_GENERAL, "department"),  # any words after 医院
        ("上海第九人民医院上海交通大学医学院(大沽路分院)", AMAP_3A, "hospital_general"),  # an affiliation
        ("中国疾病预防控制中心寄生虫病预防控制所", AMAP_CDC, "cdc"),  # an institute, not a department
    ],
)
def test_types_by_name_and_category(name, amap, code):
    got = classify_facilities(_df([(name, amap)]))
    assert got.loc[0, "facility_type"] == code, got.loc[0, "type_rule"]


def test_name_type_reports_its_pattern():
    hit = name_type("外滩街道社区卫生服务中心预防接种门诊")
    assert hit is not None and hit.code == "department" and hit.strong
    assert hit.pattern == "社区卫生服务中心…接种"
    weak = name_type("上海安平医院")
    assert weak is not None and weak.code == "hospital_general" and not weak.strong
    assert name_type("") is None and name_type("某某超市") is None


# --- owner and grade --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("上海市普陀区人民医院", "county"),
        ("宁海县第一医院", "county"),
        ("鄞州区人民医院", "county"),
        ("余姚市人民医院", "county"),  # a county-level city
        ("复旦大学附属徐汇区中心医院", "county"),  # district-run, university-affiliated for teaching
        ("马陆镇卫生院", "county"),
        ("上海市第六人民医院", "city"),
        ("宁波市第一医院", "city"),
        ("上海市医疗急救中心黄浦分站", "city"),
        ("浙江省人民医院", "province"),
        ("上海交通大学医学院附属瑞金医院", "university"),
        ("瑞金医院急救", "university"),
        ("上海长征医院", "military"),
        ("中国人民解放军海军第905医院", "military"),
        ("武警上海市总队医院", "military"),
        ("上海铁路局疾病预防控制中心", "enterprise"),
        ("上海中冶医院", "enterprise"),
        ("马秀华私立口腔诊所", "private"),
        ("上海煜策门诊部有限公司", "private"),
        ("上海市静安区民办彭江医院", "private"),
        ("中国疾病预防控制中心寄生虫病预防控制所", "national"),
        ("上海六一儿童医院-行政办公区", None),  # 办公区 is not a district
        ("某某超市", None),
    ],
)
def test_owner_from_name(name, owner):
    got = owner_from_name(name)
    assert (got[0] if got else None) == owner
    assert owner is None or owner in OWNERS


def test_owner_defaults_by_type_and_from_osm_tags():
    df = pd.DataFrame(
        {
            "name": [
                "殷行社区卫生服务中心",
                "上海安平医院",
                "某某诊所",
                "长海社区卫生服务中心-预防接种门诊",
                "海鹰医院",
                "甲医院",
                "乙医院",
            ],
            "operator": [None, None, None, None, None, "宁波市卫生健康委员会", None],
            "operator:type": [None, None, None, None, None, None, "private"],
            "amenity": [None, None, None, None, None, "hospital", "hospital"],
        }
    )
    got = classify_facilities(df)
    assert list(got["owner"]) == ["county", "private", "private", "county", "unknown", "city", "private"]


def test_grade_from_amap_name_and_osm():
    df = pd.DataFrame(
        {
            "name": ["上海长征医院", "某县人民医院（二甲）", "某医院", "某某诊所", "上海长征医院急诊部"],
            "type": [AMAP_3A, None, None, AMAP_3A, AMAP_3A],
            "grade": [None, None, "三级乙等", None, None],
            "amenity": [None, "hospital", "hospital", None, None],
        }
    )
    got = classify_facilities(df)
    assert list(got["grade"]) == ["三级甲等", "二级甲等", "三级乙等", None, None]
    assert list(got["tier"]) == ["3A", "2A", "3B", None, None]


# --- the report -------------------------------------------------------------------------------


def test_typing_report_counts_examples_exclusions_duplicates():
    df = _df(
        [
            ("上海市医疗急救中心黄浦分站", AMAP_EMS),
            ("上海长征医院急诊部", AMAP_3A),
            ("瑞金医院儿科急诊", AMAP_3A),
            ("外滩街道社区卫生中心", AMAP_WSY),
            ("外滩社区卫生服务中心", AMAP_WSY),
            ("豫园街道社区卫生服务中心预防接种室", AMAP_WSY),
            ("上海市口腔病防治院", AMAP_CDC),
        ]
    )
    rep = hc.typing_report(df, n_examples=2)
    assert isinstance(rep, hc.TypingReport)
    counts = dict(zip(rep.table["facility_type"], rep.table["count"], strict=True))
    assert counts == {"emergency_department": 2, "chc": 2, "ems_station": 1, "department": 1, "hospital_specialty": 1}
    assert rep.table["count"].sum() == len(df)
    er = rep.table.set_index("facility_type").loc["emergency_department"]
    assert er["zh"] == "医院急诊科（部）/院内急救" and er["examples"] == "上海长征医院急诊部; 瑞金医院儿科急诊"
    assert er["high"] == 2 and er["owners"] == "military 1, university 1"
    reasons = rep.excluded.set_index("facility_type")["reason"]
    assert "not a 120 EMS station" in reasons["emergency_department"]
    assert reasons["hospital_specialty"] == "a dental or eye institute, not a CDC"
    assert rep.excluded.set_index("facility_type").loc["emergency_department", "count"] == 2
    assert rep.duplicates.to_dict("records") == [
        {
            "facility_type": "chc",
            "key": "外滩卫生中心",
            "count": 2,
            "names": "外滩街道社区卫生中心; 外滩社区卫生服务中心",
        }
    ]
    text = str(rep)
    assert text.startswith("# Facility typing 设施分类: 7 rows")
    assert "EMS (120) facilities 急救站点: 1; hospital emergency units 医院急诊/院内急救 not counted as EMS: 2" in text
    assert "| emergency_department | 医院急诊科（部）/院内急救 |" in text
    assert rep._repr_markdown_() == text
    # with the option, the same rows count as EMS, and the report says so
    rep2 = hc.typing_report(df, ems_include_hospital_emergency=True)
    assert dict(zip(rep2.table["facility_type"], rep2.table["count"], strict=True))["ems_station"] == 3
    # an already classified table is read, not classified again
    again = hc.typing_report(df.join(rep.classified))
    pd.testing.assert_frame_equal(again.table, rep.table.assign(examples=again.table["examples"]))


def test_typing_report_is_exported():
    assert hc.typing_report is hc.standards.typing_report
    assert hc.TypingReport is hc.standards.TypingReport
    assert hc.classify_facilities is classify_facilities
    assert {"typing_report", "TypingReport", "classify_facilities"} <= set(hc.__all__)


def test_typing_report_errors():
    with pytest.raises(InputError, match="typing_report needs a DataFrame"):
        hc.typing_report([1, 2])  # type: ignore[arg-type]
    with pytest.raises(InputError, match="n_examples must be 0 or more, got -1"):
        hc.typing_report(pd.DataFrame({"name": ["a"]}), n_examples=-1)


def test_duplicate_key():
    assert duplicate_key("黄浦区半淞园街道社区卫生服务中心") == "半淞园卫生中心"
    assert duplicate_key("小东门街道社区卫生服务中心(光启南路)") == duplicate_key("小东门街道社区卫生服务中心")
    assert duplicate_key("五里桥街道社区卫生服务中心") != duplicate_key("打浦桥街道社区卫生服务中心")


# --- real data --------------------------------------------------------------------------------


def test_shanghai_amap_pois(data_dir):
    fac = hc.datasets.shanghai_health_facilities()
    assert len(fac) == 7129
    got = classify_facilities(fac)
    counts = got["facility_type"].value_counts().to_dict()
    print("Shanghai facility types:", counts)
    assert set(counts) <= set(FACILITY_TYPES)
    assert len(got) == len(fac) and got.index.equals(fac.index)
    assert got["type_confidence"].isin(["high", "medium", "low"]).all()
    assert got["owner"].isin(list(OWNERS)).all()
    j = fac.join(got)
    # every AMap emergency-centre row is EMS, hospital emergency care, or — named after nothing — other
    ems_class = j[j["type"].str.contains("急救中心")]
    assert len(ems_class) == 109
    assert ems_class["facility_type"].isin(["ems_center", "ems_station", "emergency_department", "other"]).all()
    # no row named 急诊 is EMS; every 医疗急救中心 row is
    assert not j.loc[j["name"].str.contains("急诊"), "facility_type"].str.startswith("ems").any()
    assert j.loc[j["name"].str.contains("医疗急救中心"), "facility_type"].str.startswith("ems").all()
    # CHCs are 社区卫生服务中心 / 社区卫生中心 names, without 分中心
    chc = j[j["facility_type"] == "chc"]
    assert chc["name"].str.contains("社区卫生服务中心|社区卫生中心|卫生服务中心|社区医院").all()
    assert not chc["name"].str.contains("分中心|接种|门诊|科室").any()
    # general hospitals are hospitals: no 急诊, 科室, 楼, 门诊 after 医院
    gen = j[j["facility_type"] == "hospital_general"]
    assert not gen["name"].str.contains(r"医院.*(?:急诊|科$|楼$|门诊$|室$)").any()
    # CDCs name a CDC, never a dental or eye institute
    cdc = j[j["facility_type"] == "cdc"]
    assert not cdc["name"].str.contains("口腔|牙|眼").any()
    # village clinics filed by AMap as clinics (诊所) are recognised
    assert (j.loc[j["name"].str.endswith("村卫生室"), "facility_type"] == "village_clinic").all()
    # grades are for hospitals and MCH only
    assert (
        j.loc[j["grade"].notna(), "facility_type"]
        .isin(["hospital_general", "hospital_tcm", "hospital_specialty", "mch"])
        .all()
    )


def test_ningbo_osm_hospitals(data_dir):
    g = gpd.read_file(hc.datasets.path("ningbo_hospitals"))
    by_name = classify_facilities(g)
    assert (by_name["type_source"].isin(["name", "default"])).all()  # the file keeps no OSM tags: names decide
    g["amenity"] = "hospital"  # the README: every feature is amenity=hospital
    got = classify_facilities(g)
    counts = got["facility_type"].value_counts().to_dict()
    print("Ningbo OSM hospitals:", counts, "owners:", got["owner"].value_counts().to_dict())
    j = g.join(got)
    assert (j.loc[j["name"].str.endswith("卫生院"), "facility_type"] == "thc").all()
    assert (j.loc[j["name"].str.contains("疾病预防控制中心"), "facility_type"] == "cdc").all()
    assert j.loc[j["name"] == "宁波市中医院", "facility_type"].item() == "hospital_tcm"
    assert j.loc[j["name"] == "宁波市中医院", "owner"].item() == "city"
    # 县/区/county-level-city hospitals are county-run, unless an enterprise runs them (镇海区炼化医院)
    county = j[j["name"].str.contains(r"^(?:宁波市)?[\u4e00-\u9fff]{2}[区县]|^(?:余姚|慈溪)市")]
    assert len(county) == 23
    assert county.loc[county["owner"] != "county", "name"].tolist() == ["镇海区炼化医院"]
    assert j.loc[j["name"] == "镇海区炼化医院", "owner"].item() == "enterprise"
    assert j.loc[j["name"] == "宁波港职工医院北仑卫生所", ["facility_type", "owner"]].values.tolist() == [
        ["clinic", "enterprise"]  # the last facility named: a 卫生所 of the port's workers' hospital
    ]
