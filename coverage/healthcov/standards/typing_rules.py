"""The patterns that type a facility, and its hospital grade and owner, from its name.

Every pattern is listed once, in the order it is tried, with an example from real data (mostly
the Shanghai AMap POIs of ``healthcov.datasets.shanghai_health_facilities()``). The classifier
in :mod:`healthcov.standards.facility_types` combines these name rules with AMap categories and
OpenStreetMap tags and records which rule decided.

Facility type from the name (first match wins)
-----------------------------------------------
1. not health care → ``other``: 动物, 宠物, 兽医, 犬类 (浦东新区犬类免疫新场镇接种点), 有害生物 /
   病媒生物 (石泉路街道有害生物防制服务站), 质量控制中心 (上海市核医学质量控制中心), 党建 / 支部 /
   工会 / 委员会 (豫园街道社区党建服务中心, 上海肛泰医院工会委员会).
2. the 120 service → ``ems_*`` (strict): 医疗急救中心 (上海市医疗急救中心), 120 (上海市120急救中心分站),
   急救分站 / 急救站 / 救护站 (华山医院宝山分院-救护站), 急救分中心, 急救指挥中心. Subtype: 指挥中心 →
   ``ems_command``, 分中心 → ``ems_subcenter``, 站/点 → ``ems_station``, else ``ems_center``.
3. hospital emergency care → ``emergency_department`` (NOT an EMS station unless the classifier is
   told ``ems_include_hospital_emergency=True``): 危重孕产妇/危重新生儿会诊抢救中心, 危重病急救临床中心;
   disease-specific emergency centres (上海市烧伤急救中心, 上海市心脏病急救中心, 上海市急性创伤急救中心, 脑卒中急救,
   胸痛中心); 急诊 (上海长征医院急诊部, 徐汇区中心医院急诊科); 急救 inside a hospital (瑞金医院急救,
   上海长海医院-急救中心).
4. 急救 without a hospital → ``ems_station`` / ``ems_center``, medium confidence (上海急救, 闵行急救).
   紧急救援 and 应急救援 are not 急救.
5. a part of a facility → ``department``: the name names a parent (医院, 卫生院, 社区卫生服务中心,
   保健院/所, 医学中心, 精神卫生中心) followed by a department, room, building or office (科, 室, 门诊,
   病区, 病房, 住院, 楼, 办, 接种, 化验, a number): 上海长征医院-牛皮癣科室, 上海邮电医院6号楼,
   外滩街道社区卫生服务中心预防接种门诊, 叶榭镇卫生院-肝炎门诊, 泌尿诊室5(上海市儿童医院). Campus
   words after the parent (分院, 院区, 东院, 南院, 分部, 新院) keep it a facility (龙华医院浦东分院),
   and so do an address in brackets and an affiliation (…医院上海交通大学医学院(大沽路分院)); any
   other words after a 医院 make a part of it (瑞金医院休息等候区, 上海健桥医院疤痕胎记).
   A CHC's 分中心, 分院, 服务站/点, 执业点, other 点/站 and outpatient sites (…中心(齐齐哈尔路门诊部),
   长江路社区卫生服务中心通河点) are ``chs_station`` — satellites, not centres; any other words after a
   CHC's name make a department (程家桥街道社区卫生服务中心儿童保健园). Vaccination rooms without a
   parent (儿童保健预防接种门诊) are departments too. A parent in trailing brackets is a note:
   东南社区卫生服务站(周浦社区卫生服务中心) is typed by what precedes the brackets.
6. public health and primary care, the last one named wins (``…中心XX村卫生室`` is a village clinic):
   ``cdc`` 疾病预防控制, 疾控, 防疫站, 结核病防治 (上海市静安区结核病防治所); ``supervision`` 卫生监督;
   ``blood_center`` 血站, 血液中心, 献血; ``mch`` 妇幼, 妇婴保健, 妇女儿童医院 / 妇儿医院 when public
   (宁波市妇女儿童医院; 上海红枫国际妇儿医院 is a private specialty hospital); ``chc``
   社区卫生服务中心, 社区卫生中心, 社区医院; ``chs_station`` 社区卫生服务站, 卫生服务点, 卫生站,
   家庭医生工作站, 分中心; ``thc`` 卫生院; ``village_clinic`` 村卫生室, 卫生室.
7. dental and eye institutes → ``hospital_specialty``, never ``cdc``: 上海市口腔病防治院,
   浦东新区眼病牙病防治所, 上海市眼病防治中心; psychiatric centres (上海市精神卫生中心) likewise.
8. weak, generic words (the AMap or OSM class may refine them): 医院 / 医疗中心 → a hospital, TCM if
   the name up to 医院 says 中医 / 中西医, specialty if it names a speciality (口腔, 眼科, 肿瘤, 精神,
   老年, 美容, 乳房 …), else general; 诊所, 门诊部, 门诊, 医务室, 口腔, 齿科, 牙科, 镶牙 → ``clinic``.

Owner (first match wins; ``unknown`` when nothing says)
--------------------------------------------------------
``military`` 解放军, 部队, 武警, 军医大学, 海军/空军/陆军, 长征医院, 长海医院, 东方肝胆, 四一一医院,
905医院; ``national`` 中国疾病预防控制中心, 国家卫生…, 中国医学科学院; ``enterprise`` 职工医院, 铁路, 中冶,
建工, 邮电, 宝钢, 石化, 电力, 港务, 纺织 (上海铁路局疾病预防控制中心, 上海中冶医院);
``private`` 民营, 民办, 私立, 个体, 有限公司, 股份, 医疗美容 (马秀华私立口腔诊所,
上海煜策门诊部有限公司); ``county`` a district or county (…区, …县, or a county-level city such as
余姚市, 慈溪市) naming the institution (上海市普陀区人民医院, 复旦大学附属徐汇区中心医院, 鄞州区人民医院),
or a township (…镇卫生院); ``university`` 大学 / 医学院 附属 (上海交通大学医学院附属瑞金医院) and the
Shanghai teaching hospitals by their short names (瑞金, 仁济, 中山, 华山, 华东, 新华, 同济, 龙华, 曙光,
岳阳: 瑞金医院急救); ``province`` 浙江省 / 省立 / 省人民 (浙江省人民医院); ``city`` a prefecture-level
city (上海市第六人民医院, 宁波市第一医院, 上海市医疗急救中心).
Then by type: CHCs, stations, 卫生院, village clinics, CDCs, MCH institutions and their departments
without another owner are ``county``
(public primary care and public health are run by the district or county), clinics ``private``,
and hospitals named "<city><brand>医院" without 市/区/县 ``private`` (上海安平医院) — unless they
sound public (第N医院, 人民医院, 中心医院, 妇幼: 宁波第五医院 stays ``unknown``).

Grade
-----
三级甲等 / 三甲 → ``三级甲等`` (code ``3A``), 三级乙等 / 三乙, 二级甲等 / 二甲, 二级乙等 / 二乙, 一级 …,
from the AMap type (医疗保健服务;综合医院;三级甲等医院), OSM tags (``grade``, ``hospital:grade``)
or the name; for hospitals and MCH institutions only.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "GRADE_LABELS",
    "OWNERS",
    "NameHit",
    "name_type",
    "owner_from_name",
    "owner_by_type",
]

#: owner code -> (Chinese, English)
OWNERS: dict[str, tuple[str, str]] = {
    "national": ("国家级", "national"),
    "province": ("省办", "province-run"),
    "city": ("市办", "city-run"),
    "county": ("县（区）办", "county/district-run"),
    "university": ("高校附属", "university-affiliated"),
    "military": ("部队", "military"),
    "enterprise": ("企业办", "enterprise-run"),
    "private": ("民营/私立", "private"),
    "unknown": ("不明", "unknown"),
}

#: grade code (see ``TIERS``) -> Chinese label
GRADE_LABELS: dict[str, str] = {
    "3A": "三级甲等",
    "3B": "三级乙等",
    "3C": "三级丙等",
    "2A": "二级甲等",
    "2B": "二级乙等",
    "2C": "二级丙等",
    "1A": "一级甲等",
    "1B": "一级乙等",
    "1C": "一级丙等",
    "3": "三级",
    "2": "二级",
    "1": "一级",
}


class NameHit(NamedTuple):
    """What a name says: the type code, the pattern that matched, strong or weak, and a note."""

    code: str
    pattern: str
    strong: bool
    note: str = ""


def _hit(code: str, m: re.Match[str] | str, strong: bool = True, note: str = "") -> NameHit:
    return NameHit(code, m if isinstance(m, str) else m.group(0), strong, note)


_NOT_HEALTH_RE = re.compile(
    r"质量控制中心|质控中心|动物|宠物|兽医|兽药|犬类|犬只|有害生物|病媒生物|党建|党委|党总支|支部|工会|委员会"
)
_EMS_STRICT_RE = re.compile(r"医疗急救中心|120|急救分站|急救站|救护站|急救分中心|急救指挥中心|急救点")
_CRITICAL_RE = re.compile(r"危重(?:孕产妇|新生儿|病)")
_DISEASE_EMERGENCY_RE = re.compile(
    r"(?:烧伤|心脏病?|创伤|卒中|胸痛|中毒|心胸)(?:急救|急诊|中心)|急救创伤|胸痛中心|卒中中心"
)
_EMERGENCY_RE = re.compile(r"急诊")
_JIJIU_RE = re.compile(r"(?<![紧应])急救")
_HOSPITAL_CONTEXT_RE = re.compile(r"医院|院区|分院|医学|卫生院|卫生服务中心|医科大学|医疗中心")
HOSPITAL_EMERGENCY_NOTE = (
    "a hospital's emergency care (急诊/院内急救/危重救治中心), not a 120 EMS station; "
    "count it with ems_include_hospital_emergency=True"
)


def ems_subtype(name: str) -> str:
    """``ems_command`` / ``ems_subcenter`` / ``ems_station`` / ``ems_center`` by the name's last word."""
    if "指挥中心" in name and "急救" in name:
        return "ems_command"
    if "分中心" in name:
        return "ems_subcenter"
    if re.search(r"分站|站|点", name):
        return "ems_station"
    if "中心" in name:
        return "ems_center"
    return "ems_station"


def _emergency(name: str) -> NameHit | None:
    if m := _EMS_STRICT_RE.search(name):
        return _hit(ems_subtype(name), m)
    for pat in (_CRITICAL_RE, _DISEASE_EMERGENCY_RE, _EMERGENCY_RE):
        if m := pat.search(name):
            return _hit("emergency_department", m, note=HOSPITAL_EMERGENCY_NOTE)
    if m := _JIJIU_RE.search(name):
        if _HOSPITAL_CONTEXT_RE.search(name):
            return _hit("emergency_department", "医院…急救", note=HOSPITAL_EMERGENCY_NOTE)
        return _hit(ems_subtype(name), m, strong=False)
    return None


# --- parts of a facility ----------------------------------------------------------------------

_PARENT_RE = re.compile(
    r"医院|卫生院|社区卫生服务中心|社区卫生中心|保健院|保健所|医学中心|医疗中心|精神卫生中心|疾病预防控制中心"
)
_CAMPUS_RE = re.compile(
    r"^[\s\-—·()（）]*(?:[^\s\-—·()（）]{0,8}?(?:[东南西北]?院区|分院|分部|总院|本部|新院|[东南西北]院|[东南西北]区)[)）]?)?[\s\-—·]*"
)
_SITE_RE = re.compile(r"分中心|服务站|服务点|执业点|卫生站|卫生室|工作站|卫生所|医务室")
_AFFILIATION_RE = re.compile(r"大学|医学院|附属")
_DEPT_RE = re.compile(
    r"科|室|门诊|诊疗|病区|病房|住院|楼|部$|中心$|站$|处$|办|接种|疫苗|化验|检验|药房|产房|手术|专科|伤科|^\d+$|号"
)
_PAREN_PARENT_RE = re.compile(r"^(.+?)[(（]([^()（）]*(?:医院|社区卫生服务中心))[)）]$")
_VACCINATION_RE = re.compile(r"接种|疫苗")


def _strip_campus(tail: str) -> str:
    prev = None
    while tail and tail != prev:
        prev = tail
        tail = _CAMPUS_RE.sub("", tail, count=1)
    return tail.strip(" -—·")


_BRACKETED_RE = re.compile(r"[(（][^()（）]*[)）]")
_CHC_SITE_RE = re.compile(r"分中心|分院|服务站|服务点|执业点|卫生站|工作站|点|站")
_PART_NOTE = "a part of a facility, not a facility"


def _chc_part(parent: str, tail: str) -> NameHit | None:
    """What follows a CHC's name: its village clinic, a satellite site, an address or a department."""
    if "卫生室" in tail:
        return None  # 港沿镇社区卫生服务中心齐成村卫生室: the village-clinic rule decides
    bracketed = _BRACKETED_RE.fullmatch(tail) is not None
    if m := _CHC_SITE_RE.search(tail):  # …中心金陵分中心, …中心通河点, …中心(马泾桥站)
        return _hit("chs_station", f"{parent}…{m.group(0)}", note="a satellite site of a CHC, not a centre")
    if bracketed and "门诊部" in tail:  # …中心(齐齐哈尔路门诊部)
        return _hit("chs_station", f"{parent}(…门诊部)", note="an outpatient site of a CHC, not a centre")
    if bracketed and not _DEPT_RE.search(tail):
        return None  # an address: 小东门街道社区卫生服务中心(光启南路)
    m = _DEPT_RE.search(tail)  # …中心预防接种室; else any words after a CHC name a part of it
    return _hit("department", f"{parent}…{m.group(0) if m else ''}", note=_PART_NOTE)


def _part_of(name: str) -> NameHit | None:
    """A department (or, for a CHC, a satellite site) named after its parent facility."""
    if (m := _PAREN_PARENT_RE.match(name)) and _DEPT_RE.search(m.group(1)):
        return _hit("department", f"…({m.group(2)[-2:]})", note=_PART_NOTE)
    last = None
    for last in _PARENT_RE.finditer(name):  # noqa: B007 - the last parent named
        pass
    if last is None:
        return _hit("department", "接种", note="a vaccination room") if _VACCINATION_RE.search(name) else None
    raw_tail = name[last.end() :].strip(" -—·")
    if not raw_tail:
        return None
    if "中心" in last.group(0) and "卫生" in last.group(0):
        return _chc_part(last.group(0), raw_tail)
    tail = _strip_campus(raw_tail)
    if not tail or _SITE_RE.search(tail):
        return None
    if _BRACKETED_RE.fullmatch(raw_tail) and not re.search(r"科|室|门诊|楼|病", raw_tail):
        return None  # an address or campus in brackets: 中国人民解放军第八五医院(沪闵路临床部)
    if m := _DEPT_RE.search(tail):
        return _hit("department", f"{last.group(0)}…{m.group(0)}", note=_PART_NOTE)
    if last.group(0) != "医院" or _AFFILIATION_RE.search(tail):  # …医院上海交通大学医学院(大沽路分院)
        return None
    # any other words after the parent name a part of it (…医院休息等候区, …医院-激光美容)
    return _hit("department", f"{last.group(0)}…", note=_PART_NOTE)


# --- public health and primary care -----------------------------------------------------------

_PRIMARY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cdc", re.compile(r"疾病预防控制|疾病预防中心|疾控|防疫站|(?:结核|血吸虫|寄生虫|地方)病(?:预防控制|防治)")),
    ("supervision", re.compile(r"卫生(?:健康)?监督|综合监督执法")),
    ("blood_center", re.compile(r"血站|血液中心|献血")),
    ("mch", re.compile(r"妇幼|妇婴保健|妇女儿童医院|妇儿医院")),
    ("chc", re.compile(r"社区卫生服务.{0,4}中心|卫生服务.{0,3}中心|社区卫生中心|社会卫生服务中心|社区医院")),
    (
        "chs_station",
        re.compile(
            r"(?:卫生|医疗|健康|社区|中心.{1,8})服务(?:站|点)|卫生服务所|卫生站|医疗点|执业点|站点|"
            r"家庭医生工作(?:站|室)|社区卫生服务$|卫生服务分中心"
        ),
    ),
    ("thc", re.compile(r"卫生院")),
    ("village_clinic", re.compile(r"卫生室|卫生保健室|村医务室|村医疗室")),
)
_PUBLIC_PREFIX_RE = re.compile(r"^[^()（）]{0,10}?[省市区县]")
_INSTITUTE_RE = re.compile(r"口腔病防治|牙病防治|眼病防治|眼病牙病防治|眼防所|牙防所|视光")
_PSYCH_RE = re.compile(r"精神卫生中心|精神病|精神专科|心理卫生中心")


def _primary(name: str) -> NameHit | None:
    best: tuple[int, int, str, re.Match[str]] | None = None
    for rank, (code, pat) in enumerate(_PRIMARY_PATTERNS):
        for m in pat.finditer(name):
            cand = (m.end(), -rank, code, m)
            if best is None or cand[:3] > best[:3]:
                best = cand
    if best is None:
        return None
    code, m = best[2], best[3]
    if code == "chc" and "分中心" in name:
        return _hit("chs_station", "分中心", note="a branch site of a CHC, not a centre")
    if code == "mch" and m.group(0) in ("妇女儿童医院", "妇儿医院") and not _PUBLIC_PREFIX_RE.search(name[: m.start()]):
        return _hit("hospital_specialty", m, note="a private women's and children's hospital, not an MCH institution")
    return _hit(code, m)


_HOSPITAL_RE = re.compile(r"医院|医疗中心|医学中心|病区")
_CLINIC_RE = re.compile(r"诊所|门诊部|门诊|医务室|卫生所|诊室|医疗室|保健站|齿科|口腔|牙科|镶牙|中医馆")
_TCM_RE = re.compile(r"中医|中西医|国医馆|国医堂|中药")
_SPECIALTY_RE = re.compile(
    r"精神|心理|肿瘤|癌|儿童医院|儿科医院|眼科|眼病|眼耳鼻|眼视光|口腔|齿科|牙科|牙医|种植牙|胸科|肺科|骨科|骨伤|传染|感染|"
    r"康复|护理|老年|妇产|产科|妇科|男科|男子|皮肤|耳鼻|五官|脑科|神经|心血管|心脏|整形|美容|肛肠|不孕|生殖|专科|乳房|乳腺|"
    r"结核|肝病|泌尿|血液病|康宁|民康|康慈|安定医院|妇儿"
)


def hospital_kind(name: str, default: str = "hospital_general") -> str:
    """TCM, specialty or ``default`` by the name up to its first 医院 (``长征医院-皮肤科`` is general)."""
    head = name[: name.index("医院") + 2] if "医院" in name else name
    if _TCM_RE.search(head):
        return "hospital_tcm"
    if _SPECIALTY_RE.search(head):
        return "hospital_specialty"
    return default


def name_type(name: str) -> NameHit | None:
    """What a facility name says it is (see the module docstring for the order), or None.

    Examples
    --------
    >>> name_type("上海市医疗急救中心黄浦分站").code, name_type("上海长征医院急诊部").code
    ('ems_station', 'emergency_department')
    >>> name_type("外滩街道社区卫生服务中心预防接种门诊").code, name_type("复三社区卫生服务站").code
    ('department', 'chs_station')
    >>> name_type("上海市口腔病防治院").code, name_type("上海安平医院")
    ('hospital_specialty', NameHit(code='hospital_general', pattern='医院', strong=False, note=''))
    """
    if not name:
        return None
    if m := _NOT_HEALTH_RE.search(name):
        return _hit("other", m, note="not a health-care facility")
    if (got := _emergency(name)) is not None:
        return got
    if (m := _PAREN_PARENT_RE.match(name)) and (got := name_type(m.group(1))) is not None and got.strong:
        return got  # 东南社区卫生服务站(周浦社区卫生服务中心): the brackets name its parent
    if (got := _part_of(name)) is not None:
        return got
    if m := _INSTITUTE_RE.search(name):
        return _hit("hospital_specialty", m, note="a dental or eye institute, not a CDC")
    if (got := _primary(name)) is not None:
        return got
    if m := _PSYCH_RE.search(name):
        return _hit("hospital_specialty", m)
    hospital = list(_HOSPITAL_RE.finditer(name))
    clinic = list(_CLINIC_RE.finditer(name))
    if clinic and (not hospital or clinic[-1].end() > hospital[-1].end()):  # the last named: 港职工医院北仑卫生所
        return _hit("clinic", clinic[-1], strong=False)
    if hospital:
        return _hit(hospital_kind(name), hospital[0], strong=False)
    return None


# --- owner ------------------------------------------------------------------------------------

#: Zhejiang's county-level cities: an institution of 余姚市 is county-run, of 宁波市 city-run.
COUNTY_LEVEL_CITIES = (
    "建德|余姚|慈溪|瑞安|乐清|龙港|海宁|平湖|桐乡|诸暨|嵊州|兰溪|义乌|东阳|永康|江山|温岭|临海|玉环|龙泉"
)
_CITY_NAMES = "上海|北京|天津|重庆|杭州|宁波|温州|嘉兴|湖州|绍兴|金华|衢州|舟山|台州|丽水"

_OWNER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "military",
        re.compile(
            r"解放军|部队|武警|军医大学|军医|海军|空军|陆军|火箭军|军区|长征医院|长海医院|东方肝胆|四[一〇0]{2}医院|\d{3}医院|九〇五"
        ),
    ),
    ("national", re.compile(r"^(?:中国疾病预防控制中心|国家卫生|中国医学科学院|卫生部)")),
    (
        "enterprise",
        re.compile(r"职工医院|铁路|中冶|建工|邮电|宝钢|石化|炼化|电力|港务|船厂|纺织|烟草|煤矿|油田|矿务|钢铁|电信"),
    ),
    ("private", re.compile(r"民营|民办|私立|私人|个体|有限公司|股份|医疗美容|连锁")),
    ("county", re.compile(rf"(?<![社小园校院城景营街片厂病公])[区县](?!域)|(?:{COUNTY_LEVEL_CITIES})市|镇卫生院|街道")),
    ("university", re.compile(r"大学|医学院|(?:瑞金|仁济|中山|华山|华东|新华|同济|龙华|曙光|岳阳[^医]{0,6})医院")),
    ("province", re.compile(r"浙江省|省立|省人民|省中医|省肿瘤|省妇幼|^省")),
    ("city", re.compile(rf"(?:{_CITY_NAMES})市|^[\u4e00-\u9fff]{{2,3}}(?<![超都城门])市(?!场)")),
)
_PRIVATE_BRAND_RE = re.compile(rf"^(?:{_CITY_NAMES})[^市区县省()（）\d]{{2,6}}医院")
_PUBLIC_SOUNDING_RE = re.compile(r"第[一二三四五六七八九十\d]+医院|人民医院|中心医院|妇幼|市立")


def owner_from_name(name: str) -> tuple[str, str] | None:
    """(owner code, matched text) from a name, or None when the name is silent.

    Examples
    --------
    >>> owner_from_name("上海市普陀区人民医院"), owner_from_name("上海市第六人民医院")
    (('county', '区'), ('city', '上海市'))
    >>> owner_from_name("马秀华私立口腔诊所"), owner_from_name("余姚市人民医院")
    (('private', '私立'), ('county', '余姚市'))
    """
    if not name:
        return None
    for code, pat in _OWNER_PATTERNS:
        if m := pat.search(name):
            return code, m.group(0)
    return None


_PUBLIC_BY_TYPE = {"chc", "chs_station", "thc", "village_clinic", "cdc", "supervision", "blood_center", "mch"}
_PUBLIC_PARENT_RE = re.compile(r"社区卫生服务中心|社区卫生中心|卫生院|卫生服务站|妇幼保健|疾病预防控制")


def owner_by_type(code: str, name: str) -> tuple[str, str] | None:
    """A default owner when the name says none: public primary care, public health and MCH
    institutions (and their departments) are district/county-run; clinics and
    "<city><brand>医院" are private.

    Examples
    --------
    >>> owner_by_type("chc", "殷行社区卫生服务中心"), owner_by_type("hospital_general", "上海安平医院")
    (('county', 'type chc'), ('private', '<city><brand>医院'))
    """
    if code in _PUBLIC_BY_TYPE:
        return "county", f"type {code}"
    if code in ("department", "emergency_department") and (m := _PUBLIC_PARENT_RE.search(name or "")):
        return "county", f"part of a {m.group(0)}"
    if code == "clinic":
        return "private", "type clinic"
    if _PRIVATE_BRAND_RE.search(name or "") and not _PUBLIC_SOUNDING_RE.search(name):
        return "private", "<city><brand>医院"
    return None
