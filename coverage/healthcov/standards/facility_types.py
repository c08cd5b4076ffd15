"""Facility types of the Zhejiang plans, and a classifier for real facility tables.

The rule profiles name facilities by code (``chc``, ``thc``, ``ems_station`` …; the
vocabulary follows STANDARDS.md §9). Real data rarely carries those codes, so
:func:`classify_facilities` derives them, with their evidence, from

1. a user column holding codes or type names (``"社区卫生服务中心"``, ``"CHC"``, ``"卫生院"``) —
   never overridden;
2. the facility's name, by the patterns of :mod:`healthcov.standards.typing_rules` (each listed
   there with an example): a name that says what the facility is (社区卫生服务中心, 卫生院,
   医疗急救中心…分站, 急诊, …医院-皮肤科) decides;
3. AMap (高德) POI type strings such as ``医疗保健服务;综合医院;三级甲等医院`` (several may be
   joined with ``|``) and OpenStreetMap tags (``amenity``, ``healthcare``, ``emergency``), which
   decide when the name is silent or only generic (…医院, …诊所), and raise the confidence when
   they agree with the name.

EMS is strict: only the 120 service (急救中心, 分站, 急救站, 救护站) is ``ems_*``. Hospital
emergency departments, disease-specific emergency centres and the 危重孕产妇/新生儿会诊抢救中心
are ``emergency_department`` unless ``ems_include_hospital_emergency=True``. Departments, rooms,
buildings and vaccination rooms are ``department`` (never a CHC or a hospital); a CHC's 分中心 and
服务点 are stations. Rows that nothing recognises become ``"other"``; no row is dropped.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Hashable, Iterable
from typing import Any, NamedTuple

import pandas as pd

from ..errors import HealthcovWarning, InputError, MissingColumnError, ProfileError, describe_ids
from .typing_rules import GRADE_LABELS, NameHit, ems_subtype, hospital_kind, name_type, owner_by_type, owner_from_name

__all__ = [
    "FACILITY_TYPES",
    "FACILITY_TYPE_ALIASES",
    "TIERS",
    "UnknownFacilityTypeError",
    "normalize_type",
    "parse_tier",
    "TYPING_COLUMNS",
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
    "emergency_department": {
        "zh": "医院急诊科（部）/院内急救",
        "en": "hospital emergency department",
        "icon": "hospital-o",
    },
    "department": {"zh": "科室/楼宇（机构的一部分）", "en": "department or building of a facility", "icon": "building"},
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
    "emergency_department": ("急诊科", "急诊部", "急诊", "emergency department", "er"),
    "department": ("科室", "department", "hospital department"),
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


# --- evidence from AMap categories and OSM tags ------------------------------------------------

_EMS = frozenset({"ems_command", "ems_center", "ems_subcenter", "ems_station"})
_HOSPITALS = frozenset({"hospital_general", "hospital_tcm", "hospital_specialty", "mch"})
_PRIMARY = frozenset({"chc", "chs_station", "thc", "village_clinic"})
_PARTS = frozenset({"department", "emergency_department"})
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
#: AMap's last type level -> the facility types a name may give and still agree with it
_AMAP_FAMILY: dict[str, frozenset[str]] = {
    "急救中心": _EMS | {"emergency_department"},
    "综合医院": _HOSPITALS | _PARTS | {"hospital_general"},
    "三级甲等医院": _HOSPITALS | _PARTS,
    "卫生院": _PRIMARY | _PARTS,
    "诊所": frozenset({"clinic", "chs_station", "village_clinic", "department"}),
    "疾病预防": frozenset({"cdc"}),
    **{c: frozenset({"hospital_specialty", "hospital_tcm", "mch", "clinic"}) | _PARTS for c in _AMAP_SPECIALTY},
}
_OUTPATIENT_RE = re.compile(r"诊所|门诊部|医务室|诊室")
_MEDICAL_WORD_RE = re.compile(r"医|诊|口腔|牙|齿|眼科|外科")


class _Evidence(NamedTuple):
    code: str  # what the category alone says
    family: frozenset[str]  # name types that agree with it
    label: str  # e.g. "amap:急救中心", "osm:amenity=hospital"
    note: str = ""
    weak: bool = False  # a guess from a broad class: low confidence


def _amap_levels(value: str) -> list[str]:
    out = []
    for part in value.split("|"):
        levels = [s.strip() for s in part.split(";") if s.strip()]
        if levels:
            out.append(levels[-1])
    return out


def _amap(value: str, name: str) -> _Evidence:
    """What an AMap type string says about a row whose name said nothing strong."""
    cats = _amap_levels(value)
    graded = [c for c in cats if c.endswith("医院") and parse_tier(c)]  # 三级甲等医院, 二级乙等医院 …
    family = frozenset().union(*(_AMAP_FAMILY.get(c, frozenset()) for c in cats))
    family |= _AMAP_FAMILY["三级甲等医院"] if graded else frozenset()
    label = "amap:" + "|".join(cats)
    if "急救中心" in cats:
        note = "AMap files it under 急救中心, but its name names no 120 EMS service"
        return _Evidence("other", family, label, note)
    if graded or "综合医院" in cats:
        return _Evidence(hospital_kind(name), family, label)
    if "卫生院" in cats:  # the name named no centre, station or 卫生院 (锦绣江南家园医疗服务中心)
        note = "AMap 卫生院 class, but the name names no CHC or 卫生院: a station at most"
        return _Evidence("chs_station", family, label, note, weak=True)
    if "诊所" in cats:
        return _Evidence("clinic", family, label)
    if "疾病预防" in cats:
        return _Evidence("other", family, label, "AMap files it under 疾病预防, but its name names no CDC")
    spec = [c for c in cats if c in _AMAP_SPECIALTY]
    if spec:
        if spec == ["整形美容"] and not _MEDICAL_WORD_RE.search(name):
            return _Evidence("other", family, label, "AMap 整形美容 without a medical word in the name (a salon)")
        if _OUTPATIENT_RE.search(name):
            return _Evidence("clinic", family, label)
        if "医院" in name or "中心" in name:
            return _Evidence(hospital_kind(name, "hospital_specialty"), family, label)
        return _Evidence("clinic", family, label)
    return _Evidence("other", family, label)


_OSM_COLUMNS = ("amenity", "healthcare", "emergency")
_OSM_OWNER_COLUMNS = ("operator", "operator:type")
_OSM_GRADE_COLUMNS = ("grade", "hospital:grade")
_OSM_OPERATOR_TYPE = {
    "private": "private",
    "business": "private",
    "commercial": "private",
    "military": "military",
    "government": None,
    "public": None,
}


def _osm(tags: dict[str, str], name: str) -> _Evidence | None:
    amenity, healthcare, emergency = (tags.get(k, "").strip().lower() for k in _OSM_COLUMNS)
    if "ambulance_station" in (emergency, amenity, healthcare):
        code = ems_subtype(name) if ("急救" in name or "120" in name) else "ems_station"
        return _Evidence(code, _EMS, "osm:ambulance_station")
    if amenity == "hospital" or healthcare == "hospital":
        return _Evidence(hospital_kind(name), _HOSPITALS | _PRIMARY | _PARTS | {"cdc"}, "osm:hospital")
    if amenity in ("clinic", "doctors", "dentist") or healthcare in ("clinic", "doctor", "dentist", "centre"):
        return _Evidence("clinic", _PRIMARY | {"clinic", "department"}, f"osm:{amenity or healthcare}")
    if "blood_donation" in (amenity, healthcare):
        return _Evidence("blood_center", frozenset({"blood_center"}), "osm:blood_donation")
    if amenity or healthcare:
        return _Evidence("other", frozenset(), f"osm:{amenity or healthcare}")
    return None


# --- one row ----------------------------------------------------------------------------------


class _Typed(NamedTuple):
    code: str
    rule: str
    source: str
    confidence: str
    note: str = ""


def _combine(hit: NameHit | None, ev: _Evidence | None, source: str) -> _Typed:
    """The name's verdict and the category's, and how far they agree."""
    plain_hospital = hit is not None and not hit.strong and hit.code == "hospital_general"
    if plain_hospital and ev is not None and ev.code == "hospital_specialty":  # AMap: a specialty hospital
        hit = hit._replace(code="hospital_specialty")  # type: ignore[union-attr]
    if hit is not None and (hit.strong or ev is None or hit.code in ev.family):
        agree = ev is not None and hit.code in ev.family
        rule = f"name:{hit.pattern}" + (f" + {ev.label}" if agree else "")  # type: ignore[union-attr]
        weak_ems = hit.code in _EMS and not hit.strong
        confidence = "high" if agree and not weak_ems else "medium"
        if ev is not None and not agree:
            note = hit.note or f"the name overrides {ev.label}"
        else:
            note = hit.note or ("the name says 急救 but not 120 or 医疗急救中心" if weak_ems else "")
        decided_by = "name" if hit.strong or not agree else source  # a generic name word: the category decided
        return _Typed(hit.code, rule, decided_by, confidence, note)
    if ev is not None:
        if hit is not None:  # a generic name word against the category: the name wins
            rule = f"name:{hit.pattern} ({ev.label})"
            return _Typed(hit.code, rule, "name", "medium", f"the name overrides {ev.label}")
        confidence = "low" if ev.code == "other" or ev.weak else "medium"
        return _Typed(ev.code, ev.label, source, confidence, ev.note)
    return _Typed(
        "other", "default", "default", "low", "nothing recognised: no type column, category, tag or name pattern"
    )


def _owner(code: str, name: str, tags: dict[str, str]) -> tuple[str, str]:
    for src in (name, tags.get("operator", "")):
        if got := owner_from_name(src):
            return got
    op_type = tags.get("operator:type", "").strip().lower()
    if _OSM_OPERATOR_TYPE.get(op_type):
        return _OSM_OPERATOR_TYPE[op_type], f"operator:type={op_type}"  # type: ignore[return-value]
    return owner_by_type(code, name) or ("unknown", "")


# --- the classifier ---------------------------------------------------------------------------

#: the columns :func:`classify_facilities` returns
TYPING_COLUMNS = (
    "facility_type",
    "tier",
    "grade",
    "owner",
    "type_rule",
    "type_source",
    "type_confidence",
    "type_note",
)


def _check_frame(frame: Any, type_column: str | None, name_column: str | None) -> str | None:
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
    return name_column


def _type_row(name: str, tv: Any, av: Any, tags: dict[str, str], unknown: list[Hashable]) -> tuple[_Typed, str]:
    """(typing, the text to read a grade from) of one row."""
    if not _missing(tv):
        code = _lookup(tv)
        if code is not None:
            return _Typed(code, f"column:{str(tv).strip()}", "column", "high"), str(tv)
        if _is_amap(tv):
            return _combine(name_type(name), _amap(str(tv), name), "amap"), str(tv)
        unknown.append(tv)
    hit = name_type(name)
    if _is_amap(av):
        return _combine(hit, _amap(str(av), name), "amap"), str(av)
    ev = _osm(tags, name) if any(tags.get(c) for c in _OSM_COLUMNS) else None
    grade_text = " ".join(tags.get(c, "") for c in _OSM_GRADE_COLUMNS)
    return _combine(hit, ev, "osm"), grade_text


def classify_facilities(
    frame: pd.DataFrame,
    *,
    type_column: str | None = None,
    name_column: str | None = "name",
    ems_include_hospital_emergency: bool = False,
) -> pd.DataFrame:
    """Facility type with its evidence, hospital grade and owner of every row.

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
    ems_include_hospital_emergency
        Count hospital emergency departments and the 危重孕产妇/新生儿 rescue centres as EMS
        stations (``ems_station``). Default False: only the 120 service (急救中心, 分站, 急救站)
        is EMS; those rows are ``emergency_department``.

    Returns
    -------
    pandas.DataFrame
        Same index and row order as ``frame``, columns :data:`TYPING_COLUMNS`:
        ``facility_type`` (a code of :data:`FACILITY_TYPES`); ``tier`` (``"3A"`` …) and ``grade``
        (``"三级甲等"`` …), for hospitals and MCH only, else None; ``owner`` (national, province,
        city, county, university, military, enterprise, private or unknown — see
        :mod:`healthcov.standards.typing_rules`); ``type_rule`` (the pattern, AMap category or OSM
        tag that decided, e.g. ``"name:社区卫生服务中心 + amap:卫生院"``); ``type_source``
        (``column``, ``name``, ``amap``, ``osm`` or ``default``); ``type_confidence`` (``high``:
        a type column, or a name pattern the AMap/OSM class agrees with; ``medium``: a name
        pattern alone, or a category alone; ``low``: a fallback); ``type_note`` (why a row is
        not what its category suggests, e.g. an emergency department is not an EMS station).
        AMap strings are read from the type column or a ``type`` column; OSM tags from
        ``amenity``, ``healthcare``, ``emergency``, ``operator``, ``operator:type`` and ``grade``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "name": ["外滩街道社区卫生服务中心", "上海市普陀区人民医院", "上海长征医院急诊部",
    ...              "上海市医疗急救中心黄浦分站", "某某超市"],
    ...     "type": ["医疗保健服务;综合医院;卫生院", "医疗保健服务;综合医院;综合医院",
    ...              "医疗保健服务;综合医院;三级甲等医院", "医疗保健服务;急救中心;急救中心", None],
    ... })
    >>> classify_facilities(df)[["facility_type", "owner", "type_confidence"]]
              facility_type    owner type_confidence
    0                   chc   county            high
    1      hospital_general   county            high
    2  emergency_department  military            high
    3           ems_station     city            high
    4                 other  unknown             low
    """
    name_column = _check_frame(frame, type_column, name_column)
    cols = list(frame.columns)
    tcol = type_column if type_column is not None else ("facility_type" if "facility_type" in cols else None)
    amap_col = "type" if "type" in cols and tcol != "type" else None
    tag_cols = [c for c in (*_OSM_COLUMNS, *_OSM_OWNER_COLUMNS, *_OSM_GRADE_COLUMNS) if c in cols]
    n = len(frame)
    names = _texts(frame[name_column]) if name_column else [""] * n
    tvals = list(frame[tcol]) if tcol else [None] * n
    avals = list(frame[amap_col]) if amap_col else [None] * n
    tagvals = {c: _texts(frame[c]) for c in tag_cols}
    rows: list[tuple[Any, ...]] = []
    unknown: list[Hashable] = []
    for i in range(n):
        tags = {c: tagvals[c][i] for c in tag_cols}
        typed, grade_text = _type_row(names[i], tvals[i], avals[i], tags, unknown)
        if ems_include_hospital_emergency and typed.code == "emergency_department":
            typed = typed._replace(
                code="ems_station",
                rule=typed.rule + " (ems_include_hospital_emergency)",
                note="hospital emergency care counted as an EMS station by ems_include_hospital_emergency=True",
            )
        tier = None
        if typed.code in _HOSPITALS:
            tier = parse_tier(grade_text) or parse_tier(names[i])
        owner, _ = _owner(typed.code, names[i], tags)
        rows.append((typed.code, tier, GRADE_LABELS.get(tier) if tier else None, owner, *typed[1:]))
    if unknown:
        distinct = list(dict.fromkeys(str(u) for u in unknown))
        warnings.warn(
            f"{len(unknown)} values of column {tcol!r} are not facility types ({describe_ids(distinct)}): those "
            f"rows were classified from AMap types, OSM tags or names instead. Codes are {', '.join(FACILITY_TYPES)}",
            HealthcovWarning,
            stacklevel=2,
        )
    out = pd.DataFrame(rows, columns=list(TYPING_COLUMNS), index=frame.index, dtype=object)
    return out if n else pd.DataFrame({c: pd.Series([], dtype=object) for c in TYPING_COLUMNS}, index=frame.index)


def _is_amap(value: Any) -> bool:
    return isinstance(value, str) and ("医疗保健服务" in value or (";" in value and not value.isascii()))


def _texts(values: Iterable[Any]) -> list[str]:
    return ["" if _missing(v) else str(v).strip() for v in values]
