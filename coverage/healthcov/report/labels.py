"""Chinese and English labels for maps and reports."""

from __future__ import annotations

from ..errors import InputError

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "isochrones": "Service areas",
        "minutes": "min",
        "metres": "m",
        "facilities": "Facilities",
        "facility": "Facility",
        "mode": "Travel mode",
        "direction": "Direction",
        "to_facility": "to the facility",
        "from_facility": "from the facility",
        "area_km2": "Area (km²)",
        "snap_dist_m": "Distance to road (m)",
        "off_network": "off the network (not routed)",
        "name": "Name",
        "category": "Type",
        "legend": "Legend",
        "walk": "walking",
        "bike": "cycling",
        "ebike": "e-bike",
        "drive": "driving",
        "ambulance": "ambulance",
    },
    "zh": {
        "isochrones": "服务范围",
        "minutes": "分钟",
        "metres": "米",
        "facilities": "医疗设施",
        "facility": "设施",
        "mode": "出行方式",
        "direction": "方向",
        "to_facility": "前往设施",
        "from_facility": "从设施出发",
        "area_km2": "面积（平方公里）",
        "snap_dist_m": "距道路距离（米）",
        "off_network": "不在路网上（未参与计算）",
        "name": "名称",
        "category": "类型",
        "legend": "图例",
        "walk": "步行",
        "bike": "自行车",
        "ebike": "电动自行车",
        "drive": "驾车",
        "ambulance": "救护车",
    },
}


def labels(lang: str) -> dict[str, str]:
    key = str(lang).strip().lower()
    key = {"cn": "zh", "zh-cn": "zh", "chinese": "zh", "english": "en"}.get(key, key)
    if key not in LABELS:
        msg = f"unknown lang {lang!r}: use 'zh' (中文) or 'en'"
        raise InputError(msg)
    return LABELS[key]
