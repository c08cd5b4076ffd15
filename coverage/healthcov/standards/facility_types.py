"""Facility types of the Zhejiang plans, and a classifier for real facility tables.

The rule profiles name facilities by code (``chc``, ``thc``, ``ems_station`` …; the
vocabulary follows STANDARDS.md §9). Real data rarely carries those codes, so
:func:`classify_facilities` derives them, in this order, from

1. a user column holding codes or type names (``"社区卫生服务中心"``, ``"CHC"``, ``"卫生院"``),
2. AMap (高德) POI type strings such as ``医疗保健服务;综合医院;三级甲等医院`` (several may be
   joined with ``|``),
3. OpenStreetMap tags (``amenity``, ``healthcare``, ``emergency``),
4. the facility's name (``…社区卫生服务中心`` → ``chc``, ``…卫生院`` → ``thc``, ``…卫生室`` →
   ``village_clinic``, ``…急救站`` → ``ems_station`` …).

A name that says what the facility is (a community health centre, a township health centre, an
ambulance station, a CDC, an MCH hospital …) overrides the broad AMap or OSM class: AMap files
many community health centres and village clinics under 诊所 (clinic), and its 卫生院 class mixes
community health centres (社区卫生服务中心), stations and township health centres (乡镇卫生院).
A user column is never overridden. Rows that nothing recognises become ``"other"``; no row is
dropped.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Hashable, Iterable
from typing import Any

import pandas as pd

from ..errors import HealthcovWarning, InputError, MissingColumnError, ProfileError, describe_ids

__all__ = [
    "FACILITY_TYPES",
    "FACILITY_TYPE_ALIASES",
    "TIERS",
    "UnknownFacilityTypeError",
    "normalize_type",
    "parse_tier",
    "classify_facilities",
    "type_label",
]


class UnknownFacilityTypeError(ProfileError, InputError):
    """A facility type is neither a code of :data:`FACILITY_TYPES` nor a known alias.

    It is both a :class:`~healthcov.errors.ProfileError` (in a rule profile) and an
    :class:`~healthcov.errors.InputError` (in a data column), and so a :class:`ValueError`.
    """


#: code -> Chinese name, English name and a Font Awesome 4 icon name (as used by folium).
FACILITY_TYPES: dict[str, dict[str, str]] = {
    "hospital_general": {"zh": "综合医院", "en": "general hospital", "icon": "h-square"},
    "hospital_tcm": {"zh": "中医医院", "en": "TCM hospital", "icon": "leaf"},
    "hospital_specialty": {"zh": "专科医院", "en": "specialty hospital", "icon": "hospital-o"},
    "mch": {"zh": "妇幼保健机构", "en": "maternal and child health institution", "icon": "female"},
    "chc": {"zh": "社区卫生服务中心", "en": "community health service centre", "icon": "plus-square"},
    "chs_station": {"zh": "社区卫生服务站", "en": "community health service station", "icon": "plus"},
    "thc": {"zh": "乡镇卫生院", "en": "township health centre", "icon": "medkit"},
    "village_clinic": {"zh": "村卫生室", "en": "village clinic", "icon": "home"},
    "clinic": {"zh": "诊所/门诊部", "en": "clinic or outpatient department", "icon": "stethoscope"},
    "ems_command": {"zh": "急救指挥中心", "en": "EMS command centre", "icon": "ambulance"},
    "ems_center": {"zh": "急救中心", "en": "EMS centre", "icon": "ambulance"},
    "ems_subcenter": {"zh": "急救分中心", "en": "EMS sub-centre", "icon": "ambulance"},
    "ems_station": {"zh": "急救站（点）", "en": "EMS station", "icon": "ambulance"},
    "cdc": {"zh": "疾病预防控制中心", "en": "centre for disease control", "icon": "shield"},
    "supervision": {"zh": "卫生监督机构", "en": "health supervision agency", "icon": "gavel"},
    "blood_center": {"zh": "血站/献血屋", "en": "blood centre or donation house", "icon": "tint"},
    "emergency_support_base": {
        "zh": "卫生应急综合保障基地",
        "en": "health emergency support base",
        "icon": "truck",
    },
    "other": {"zh": "其他", "en": "other", "icon": "circle"},
}

#: Hospital grades as codes: 三级甲等 → "3A" … (一级 → "1").
TIERS: dict[str, str] = {
    "三级甲等": "3A",
    "三级乙等": "3B",
    "三级丙等": "3C",
    "二级甲等": "2A",
    "二级乙等": "2B",
    "二级丙等": "2C",
    "一级甲等": "1A",
    "一级乙等": "1B",
    "一级丙等": "1C",
    "三甲": "3A",
    "三乙": "3B",
    "二甲": "2A",
    "二乙": "2B",
    "三级": "3",
    "二级": "2",
    "一级": "1",
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "hospital_general": (
        "综合医院",
        "医院",
        "综合性医院",
        "县办综合医院",
        "市办综合医院",
        "三级甲等医院",
        "三级乙等医院",
        "二级甲等医院",
        "general hospital",
        "hospital",
        "general",
    ),
    "hospital_tcm": (
        "中医医院",
        "中医院",
        "中西医结合医院",
        "中医类医院",
        "tcm hospital",
        "tcm",
        "traditional chinese medicine hospital",
    ),
    "hospital_specialty": (
        "专科医院",
        "精神专科医院",
        "精神病医院",
        "口腔医院",
        "眼科医院",
        "肿瘤医院",
        "传染病医院",
        "康复医院",
        "妇产医院",
        "儿童医院",
        "specialty hospital",
        "specialist hospital",
        "speciality hospital",
    ),
    "mch": (
        "妇幼保健院",
        "妇幼保健机构",
        "妇幼保健所",
        "妇幼保健计划生育服务中心",
        "妇女儿童医院",
        "maternal and child health",
        "maternal and child health institution",
        "maternal and child health hospital",
    ),
    "chc": (
        "社区卫生服务中心",
        "社区医院",
        "community health service centre",
        "community health service center",
        "community health centre",
        "community health center",
    ),
    "chs_station": (
        "社区卫生服务站",
        "卫生服务站",
        "服务站",
        "community health service station",
        "community health station",
        "chs station",
    ),
    "thc": (
        "乡镇卫生院",
        "卫生院",
        "中心卫生院",
        "中心镇卫生院",
        "township health centre",
        "township health center",
        "township hospital",
    ),
    "village_clinic": ("村卫生室", "卫生室", "village clinic", "village health room"),
    "clinic": (
        "诊所",
        "门诊部",
        "医务室",
        "卫生所",
        "个体诊所",
        "clinic",
        "doctors",
        "doctor",
        "outpatient department",
        "dentist",
    ),
    "ems_command": ("急救指挥中心", "ems command centre", "ems command center"),
    "ems_center": ("急救中心", "120急救中心", "ems centre", "ems center", "emergency centre", "emergency center"),
    "ems_subcenter": (
        "急救分中心",
        "120急救分中心",
        "ems sub-centre",
        "ems sub-center",
        "ems subcentre",
        "ems subcenter",
        "emergency sub-centre",
    ),
    "ems_station": (
        "急救站",
        "急救站点",
        "急救点",
        "急救站（点）",
        "急救分站",
        "直属站点",
        "ems station",
        "ambulance station",
        "ambulance_station",
    ),
    "cdc": (
        "疾病预防控制中心",
        "疾病预防控制机构",
        "疾控中心",
        "疾病预防",
        "centre for disease control",
        "center for disease control",
        "disease control",
    ),
    "supervision": ("卫生监督所", "卫生监督机构", "综合监督执法机构", "health supervision"),
    "blood_center": ("血站", "中心血站", "血液中心", "献血屋", "blood centre", "blood center", "blood_donation"),
    "emergency_support_base": ("卫生应急综合保障基地", "应急保障基地", "emergency support base"),
    "other": ("其他", "其它", "unknown"),
}


def _key(value: Any) -> str:
    return re.sub(r"[\s_\-]+", " ", str(value)).strip().lower()


#: user-facing names (Chinese, English, common abbreviations; lower case) -> code
FACILITY_TYPE_ALIASES: dict[str, str] = {}
for _code, _names in _ALIASES.items():
    for _n in (_code, FACILITY_TYPES[_code]["zh"], FACILITY_TYPES[_code]["en"], *_names):
        FACILITY_TYPE_ALIASES.setdefault(_key(_n), _code)
for _abbr, _code in (("chc", "chc"), ("thc", "thc"), ("vc", "village_clinic"), ("mch", "mch"), ("cdc", "cdc")):
    FACILITY_TYPE_ALIASES[_abbr] = _code
del _code, _names, _n, _abbr


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _lookup(value: Any) -> str | None:
    if _missing(value):
        return None
    return FACILITY_TYPE_ALIASES.get(_key(value))


def normalize_type(value: Any) -> str:
    """The facility-type code for a code, a Chinese or English type name, or an abbreviation.

    Raises :class:`UnknownFacilityTypeError` (a ``ProfileError`` and an ``InputError``) naming
    the value and listing the codes.

    Examples
    --------
    >>> normalize_type("社区卫生服务中心"), normalize_type("CHC"), normalize_type("Village clinic")
    ('chc', 'chc', 'village_clinic')
    >>> normalize_type("乡镇卫生院")
    'thc'
    """
    code = _lookup(value)
    if code is None:
        msg = (
            f"unknown facility type {value!r}: use one of the codes {', '.join(FACILITY_TYPES)} "
            "or a Chinese/English name such as 社区卫生服务中心, 乡镇卫生院, 村卫生室, 急救站"
        )
        raise UnknownFacilityTypeError(msg)
    return code


def type_label(code: str, lang: str = "zh") -> str:
    """The Chinese (``lang="zh"``) or English (``"en"``) name of a facility-type code.

    Examples
    --------
    >>> type_label("thc"), type_label("thc", "en")
    ('乡镇卫生院', 'township health centre')
    """
    return FACILITY_TYPES.get(code, FACILITY_TYPES["other"])[lang]


_TIER_RE = re.compile("|".join(sorted(TIERS, key=len, reverse=True)))


def parse_tier(text: Any) -> str | None:
    """Hospital grade code in a text: ``"三级甲等医院"`` → ``"3A"``, ``"二乙"`` → ``"2B"``, else None.

    Examples
    --------
    >>> parse_tier("医疗保健服务;综合医院;三级甲等医院"), parse_tier("二级医院"), parse_tier("诊所")
    ('3A', '2', None)
    """
    if _missing(text):
        return None
    m = _TIER_RE.search(str(text))
    return TIERS[m.group(0)] if m else None


# --- names ------------------------------------------------------------------------------------

# Name patterns that say what a facility is, in order. They override broad AMap/OSM classes.
_STRONG_NAME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cdc", re.compile(r"疾病预防控制|疾病预防中心|疾控|防疫站")),
    ("supervision", re.compile(r"(?<!动物)卫生(?:健康)?监督|综合监督执法")),
    ("blood_center", re.compile(r"血站|血液中心|献血")),
    ("mch", re.compile(r"妇幼|妇女儿童医院|妇儿医院|妇婴保健")),
    ("chc", re.compile(r"社区卫生服务.{0,4}中心|卫生服务.{0,3}中心|社区卫生中心|社会卫生服务中心|社区医院")),
    (
        "chs_station",
        re.compile(
            r"(?:卫生|医疗|健康|社区|中心.{1,8})服务(?:站|点)|卫生服务所|卫生站|医疗点|执业点|站点|"
            r"家庭医生工作(?:站|室)|社区卫生服务$"
        ),
    ),
    ("thc", re.compile(r"卫生院")),
    ("village_clinic", re.compile(r"卫生室|卫生保健室|村医务室|村医疗室")),
)
_EMS_RE = re.compile(r"(?<!紧)急救|120(?:急救|指挥|分站|站|分中心|中心)")
_ANIMAL_RE = re.compile(r"动物|宠物|兽医|兽药")
_PSYCH_RE = re.compile(r"精神卫生中心|精神病|精神专科|心理卫生中心")
_HOSPITAL_RE = re.compile(r"医院|医疗中心|医学中心|病区")
_CLINIC_RE = re.compile(r"诊所|门诊部|门诊|医务室|卫生所|诊室|医疗室|保健站|齿科|口腔")
_OUTPATIENT_RE = re.compile(r"诊所|门诊部|医务室|诊室")
_TCM_RE = re.compile(r"中医|中西医|国医|中药")
_SPECIALTY_RE = re.compile(
    r"精神|心理|肿瘤|癌|儿童医院|儿科医院|眼科|眼病|眼耳鼻|眼视光|口腔|齿科|牙科|牙医|种植牙|胸科|肺科|骨科|骨伤|传染|感染|"
    r"康复|护理|老年|妇产|产科|妇科|男科|皮肤|耳鼻|五官|脑科|神经|心血管|心脏|整形|美容|肛肠|不孕|生殖|专科|"
    r"结核|肝病|泌尿|血液病|康宁|民康|康慈|安定医院"
)


def _ems_subtype(name: str) -> str:
    if "指挥中心" in name and "急救" in name:
        return "ems_command"
    if "分中心" in name:
        return "ems_subcenter"
    if re.search(r"分站|站|点", name):
        return "ems_station"
    if "中心" in name:
        return "ems_center"
    return "ems_station"


def _strong_name(name: str) -> str | None:
    """The facility type a name spells out; the last one named wins (``…中心XX村卫生室`` is a clinic).

    EMS names win outright; animal care (动物卫生监督所, 宠物医院) is ``"other"``.
    """
    if _ANIMAL_RE.search(name):
        return "other"
    if _EMS_RE.search(name):
        return _ems_subtype(name)
    best: tuple[int, int, str] | None = None
    for rank, (code, pat) in enumerate(_STRONG_NAME_PATTERNS):
        for m in pat.finditer(name):
            cand = (m.end(), -rank, code)
            if best is None or cand > best:
                best = cand
    if best is not None:
        return best[2]
    if _PSYCH_RE.search(name):
        return "hospital_specialty"
    return None


def _hospital_kind(name: str, default: str = "hospital_general") -> str:
    """Refine a hospital by its name: TCM, specialty, else ``default``.

    Only the name up to the first 医院 counts: ``上海长征医院-皮肤科`` is a department of a
    general hospital, ``复旦大学附属肿瘤医院门诊`` part of a specialty hospital.
    """
    head = name[: name.index("医院") + 2] if "医院" in name else name
    if _TCM_RE.search(head):
        return "hospital_tcm"
    if _SPECIALTY_RE.search(head):
        return "hospital_specialty"
    return default


def _by_name(name: str) -> str | None:
    code = _strong_name(name)
    if code is not None:
        return code
    if _HOSPITAL_RE.search(name):
        return _hospital_kind(name)
    if _CLINIC_RE.search(name):
        return "clinic"
    return None


# --- AMap -------------------------------------------------------------------------------------

_AMAP_SPECIALTY = {
    "专科医院",
    "口腔医院",
    "眼科医院",
    "妇科医院",
    "精神病医院",
    "肿瘤医院",
    "骨科医院",
    "胸科医院",
    "耳鼻喉医院",
    "传染病医院",
    "脑科医院",
    "整形美容",
}
_AMAP_OTHER = {"药房", "医药保健销售店", "宠物诊所", "动物医疗场所", "兽医站", "医疗保健服务场所", "医疗保健服务"}


def _is_amap(value: Any) -> bool:
    return isinstance(value, str) and ("医疗保健服务" in value or (";" in value and not value.isascii()))


def _amap(value: str, name: str) -> tuple[str, str]:
    """(code, rule) for an AMap type string; the name refines it."""
    cats: list[str] = []
    for part in value.split("|"):
        levels = [s.strip() for s in part.split(";") if s.strip()]
        cats.extend(levels[1:] if len(levels) > 1 else levels)
    cset = set(cats)
    if "急救中心" in cset:
        return _ems_subtype(name) if "急救" in name or "120" in name else "ems_station", "amap"
    strong = _strong_name(name)
    if strong is not None:
        return strong, "name"
    if "三级甲等医院" in cset or "综合医院" in cset:
        return _hospital_kind(name), "amap"
    if "疾病预防" in cset or "疾病预防机构" in cset:
        return "cdc", "amap"
    if cset & _AMAP_SPECIALTY:
        if _OUTPATIENT_RE.search(name):
            return "clinic", "amap"
        if "医院" in name:  # a department of a general hospital (上海南航医院口腔科) or a specialty hospital
            dept = name[name.index("医院") + 2 :].strip(" -()（）")
            return _hospital_kind(name, "hospital_general" if dept else "hospital_specialty"), "amap"
        if "中心" in name:
            return _hospital_kind(name, "hospital_specialty"), "amap"
        return "clinic", "amap"
    if "卫生院" in cset:  # the name said nothing more specific
        return ("chc" if "中心" in name else "chs_station"), "amap"
    if "诊所" in cset:
        return "clinic", "amap"
    return "other", "amap"


# --- OSM --------------------------------------------------------------------------------------

_OSM_COLUMNS = ("amenity", "healthcare", "emergency")


def _osm(tags: dict[str, str], name: str) -> str | None:
    amenity, healthcare, emergency = (tags.get(k, "").strip().lower() for k in _OSM_COLUMNS)
    if emergency == "ambulance_station" or amenity == "ambulance_station" or healthcare == "ambulance_station":
        return _ems_subtype(name) if ("急救" in name or "120" in name) else "ems_station"
    base: str | None = None
    if amenity == "hospital" or healthcare == "hospital":
        base = "hospital"
    elif amenity in ("clinic", "doctors", "dentist") or healthcare in ("clinic", "doctor", "dentist", "centre"):
        base = "clinic"
    elif healthcare == "blood_donation" or amenity == "blood_donation":
        base = "blood_center"
    elif amenity or healthcare:
        base = "other"
    if base is None:
        return None
    strong = _strong_name(name)
    if strong is not None:
        return strong
    if base == "hospital":
        return _hospital_kind(name)
    return base


# --- the classifier ---------------------------------------------------------------------------


def classify_facilities(
    frame: pd.DataFrame,
    *,
    type_column: str | None = None,
    name_column: str | None = "name",
) -> pd.DataFrame:
    """Facility-type code, hospital tier and the deciding rule of every row.

    Parameters
    ----------
    frame
        Facilities (a DataFrame or GeoDataFrame); it is not modified.
    type_column
        A column holding codes (``chc``), Chinese or English type names (``社区卫生服务中心``,
        ``village clinic``) or AMap type strings. Default: ``facility_type`` when present. Rows
        where it is empty fall back to the other rules; values it does not recognise do too,
        with a :class:`~healthcov.errors.HealthcovWarning` naming them.
    name_column
        The facility names (``None``: do not use names).

    Returns
    -------
    pandas.DataFrame
        Same index and row order as ``frame``, with ``facility_type`` (a code of
        :data:`FACILITY_TYPES`), ``tier`` (``"3A"``, ``"3B"``, ``"2A"`` … or None) and
        ``type_rule`` (``"column"``, ``"amap"``, ``"osm"``, ``"name"`` or ``"default"`` when
        nothing matched and the row became ``"other"``). AMap strings are read from the type
        column or from a ``type`` column; OSM tags from ``amenity``, ``healthcare`` and
        ``emergency`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "name": ["外滩街道社区卫生服务中心", "古林镇卫生院", "上海长征医院", "浦东新区周浦镇急救站", "某某超市"],
    ...     "type": ["医疗保健服务;综合医院;卫生院", "医疗保健服务;综合医院;卫生院",
    ...              "医疗保健服务;综合医院;三级甲等医院", "医疗保健服务;急救中心;急救中心", None],
    ... })
    >>> classify_facilities(df)
      facility_type  tier type_rule
    0           chc  None      name
    1           thc  None      name
    2  hospital_general    3A      amap
    3   ems_station  None      amap
    4         other  None   default
    """
    if not isinstance(frame, pd.DataFrame):
        msg = f"classify_facilities needs a DataFrame or GeoDataFrame, got {type(frame).__name__}"
        raise InputError(msg)
    cols = list(frame.columns)
    if type_column is not None and type_column not in cols:
        msg = f"type_column {type_column!r} is not a column of the facilities; columns are {cols}"
        raise MissingColumnError(msg)
    if name_column is not None and name_column not in cols:
        if name_column != "name":
            msg = f"name_column {name_column!r} is not a column of the facilities; columns are {cols}"
            raise MissingColumnError(msg)
        name_column = None
    tcol = type_column if type_column is not None else ("facility_type" if "facility_type" in cols else None)
    amap_col = "type" if "type" in cols and tcol != "type" else None
    osm_cols = [c for c in _OSM_COLUMNS if c in cols]

    n = len(frame)
    names = _texts(frame[name_column]) if name_column else [""] * n
    tvals = list(frame[tcol]) if tcol else [None] * n
    avals = list(frame[amap_col]) if amap_col else [None] * n
    ovals = {c: _texts(frame[c]) for c in osm_cols}

    codes: list[str] = []
    tiers: list[str | None] = []
    rules: list[str] = []
    unknown: list[Hashable] = []
    for i in range(n):
        name = names[i]
        code: str | None = None
        rule = "default"
        tier: str | None = None
        tv = tvals[i]
        if not _missing(tv):
            code = _lookup(tv)
            if code is not None:
                rule = "column"
                tier = parse_tier(tv)
            elif _is_amap(tv):
                code, rule = _amap(str(tv), name)
                tier = parse_tier(tv)
            else:
                unknown.append(tv)
        if code is None and _is_amap(avals[i]):
            code, rule = _amap(str(avals[i]), name)
            tier = parse_tier(avals[i])
        if code is None and osm_cols:
            code = _osm({c: ovals[c][i] for c in osm_cols}, name)
            if code is not None:
                rule = "osm"
        if code is None and name:
            code = _by_name(name)
            if code is not None:
                rule = "name"
        if code is None:
            code, rule = "other", "default"
        if code.startswith("hospital") or code == "mch":
            tier = tier or parse_tier(name)
        else:
            tier = None
        codes.append(code)
        tiers.append(tier)
        rules.append(rule)
    if unknown:
        distinct = list(dict.fromkeys(str(u) for u in unknown))
        warnings.warn(
            f"{len(unknown)} values of column {tcol!r} are not facility types ({describe_ids(distinct)}): those "
            f"rows were classified from AMap types, OSM tags or names instead. Codes are {', '.join(FACILITY_TYPES)}",
            HealthcovWarning,
            stacklevel=2,
        )
    return pd.DataFrame(
        {
            "facility_type": pd.Series(codes, index=frame.index, dtype=object),
            "tier": pd.Series(tiers, index=frame.index, dtype=object),
            "type_rule": pd.Series(rules, index=frame.index, dtype=object),
        },
        index=frame.index,
    )


def _texts(values: Iterable[Any]) -> list[str]:
    return ["" if _missing(v) else str(v).strip() for v in values]
