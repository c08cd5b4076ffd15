"""Words of the verdict table, defined once: verdicts, area classes, columns, rule kinds."""

from __future__ import annotations

__all__ = [
    "VERDICTS",
    "VERDICT_ZH",
    "CLASS_ZH",
    "ALL",
    "TABLE_COLUMNS",
    "EVALUATED_KINDS",
    "NETWORK_KINDS",
    "WHOLE_NETWORK_KINDS",
]

VERDICTS = ("pass", "partial", "fail", "not_applicable", "not_assessed")
VERDICT_ZH = {
    "pass": "达标",
    "partial": "部分达标",
    "fail": "未达标",
    "not_applicable": "不适用",
    "not_assessed": "未评估",
}
CLASS_ZH = {"urban": "城区", "rural": "农村", "none": "无标准"}
ALL = "*"  # area code of jurisdiction-wide rows

#: rule kinds the engine evaluates (``reference`` rules are kept for the record only)
EVALUATED_KINDS = ("service_circle", "service_radius", "response_time", "ratio", "count_per_area", "access_ratio")
#: rule kinds that need a road network (or straight-line distances)
NETWORK_KINDS = ("service_circle", "service_radius", "response_time")
#: rule kinds that need the whole network at once: a facility's catchment crosses area borders, so
#: :func:`healthcov.assess_partitioned` (whose partitions see one area and a buffer) does not
#: evaluate them; its client run, which has no network, reports them ``not_assessed`` with the reason
WHOLE_NETWORK_KINDS = ("access_ratio",)

TABLE_COLUMNS = [
    "area_code",
    "area_name",
    "area_class",
    "rule_id",
    "rule_zh",
    "rule_en",
    "kind",
    "status",
    "standard",
    "verdict",
    "verdict_lenient",
    "verdict_strictest",
    "value",
    "threshold",
    "margin",
    "unit",
    "limit",
    "pop",
    "pop_covered",
    "pop_not_covered",
    "share",
    "mean_min",
    "p90_min",
    "required",
    "present",
    "shortfall",
    "metric",
    "mode",
    "profile",
    "source_ref",
    "source_clause",
    "source_quote",
    "data_coverage",
    "partial_data",
    "supply_source",
    "counted",
    "target_year",
    "baseline_2020",
    "plan_status",
    "plan_status_zh",
    "note",
]
