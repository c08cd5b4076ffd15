"""Comparing rules along the ``extends`` chain: where a local standard is looser than its parent's,
and the strictest combination of a rule and its ancestors."""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ...errors import ProfileError
from .loading import PROFILE_NAMES, load_profile
from .schema import PROFILE_TO_RULE_LEVEL, Profile, Rule, freeze, is_number, thaw

__all__ = ["looser_than_parent", "compare_with_parents", "strictest", "rule_level", "rule_unit"]

_BY_CLASS = {"minutes": "larger", "radius_km": "larger", "minutes_lt": "larger"}
_DICTLIKE = {"min": "smaller", "min_share": "smaller", "max": "larger"}
_EPS = 1e-9


def _classes(v: Any) -> dict[str, Any]:
    if isinstance(v, Mapping):
        return dict(v)
    return {"all": v}


def _pair(v: Any) -> tuple[float, float] | None:
    if is_number(v):
        return float(v), float(v)
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(is_number(x) for x in v):
        return float(v[0]), float(v[1])
    return None


def _looser(local: Any, parent: Any, direction: str) -> bool:
    return _order(local, parent, direction) == "looser"


def _order(local: Any, parent: Any, direction: str) -> str | None:
    """``looser``, ``stricter`` or ``equal`` (a range counts at both ends; mixed ends → ``looser``)."""
    lp, pp = _pair(local), _pair(parent)
    if lp is None or pp is None:
        return None
    sign = 1 if direction == "larger" else -1
    looser = any(sign * (a - b) > _EPS for a, b in zip(lp, pp, strict=True))
    stricter = any(sign * (b - a) > _EPS for a, b in zip(lp, pp, strict=True))
    return "looser" if looser else ("stricter" if stricter else "equal")


def _class_pairs(local: Any, parent: Any) -> list[tuple[str, Any, Any]]:
    """(class, local value, parent value) for every class either side names; ``all`` fills gaps."""
    L, P = _classes(local), _classes(parent)
    out: list[tuple[str, Any, Any]] = []
    keys = list(dict.fromkeys([*L, *P]))
    order = {k: n for n, k in enumerate(("all", "urban", "rural"))}
    keys.sort(key=lambda k: order.get(k, 9))
    for k in keys:
        if k == "all" and ("all" not in L or "all" not in P):
            continue
        lv = L.get(k, L.get("all"))
        pv = P.get(k, P.get("all"))
        if lv is None or pv is None:
            continue
        out.append((k, lv, pv))
    return out


def _jurisdiction_names(profile_id: str) -> tuple[str, ...]:
    zh, en = PROFILE_NAMES.get(profile_id, ("", ""))
    names = [n for n in (zh, re.sub(r"(省|市|区|县)$", "", zh), en) if n]
    return tuple(dict.fromkeys(names))


def _area_value(mapping: Any, names: Sequence[str]) -> Any:
    if not isinstance(mapping, Mapping):
        return None
    for n in names:
        if n in mapping:
            return mapping[n]
    for k, v in mapping.items():
        if any(str(k).startswith(n) or n.startswith(str(k)) for n in names if len(n) >= 2):
            return v
    return None


def _ratio_view(rule: Rule, jurisdiction: Rule) -> tuple[Any, Any, str]:
    """(amount, per, note) of ``rule`` as it applies to the jurisdiction of ``jurisdiction``'s profile."""
    amount = rule.params.get("amount")
    note = ""
    if rule.profile != jurisdiction.profile:
        names = _jurisdiction_names(jurisdiction.profile)
        v = _area_value(rule.params.get("amount_by_area"), names)
        if v is not None:
            amount = v
            note = f"{rule.profile}'s own target for {names[0] if names else jurisdiction.profile}"
    return amount, rule.params.get("per"), note


def _rate(amount: Any, per: Any) -> float | None:
    p = _pair(per) if per is not None else (1.0, 1.0)
    if not is_number(amount) or p is None:
        return None
    return float(amount) / p[0]


def _compare(rule: Rule, anc: Rule, levels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Every like-for-like comparison of ``rule`` with its ancestor ``anc`` (``order`` says which is stricter)."""
    rows: list[dict[str, Any]] = []
    levels = levels or {}

    def row(key: str, local: Any, parent: Any, note: str = "", order: str = "looser", why: str = "") -> None:
        rows.append(
            {
                "rule": rule.id,
                "key": key,
                "local": thaw(local),
                "parent": thaw(parent),
                "parent_profile": anc.profile,
                "profile": rule.profile,
                "kind": rule.kind,
                "title_zh": rule.title_zh,
                "title_en": rule.title_en,
                "note": note,
                "order": order,
                "why": why,
                "level": rule_level(rule, levels),
                "parent_level": rule_level(anc, levels),
                "unit": rule_unit(rule),
            }
        )

    def cmp(key: str, lv: Any, pv: Any, direction: str, note: str = "") -> None:
        o = _order(lv, pv, direction)
        if o is not None:
            row(key, lv, pv, note, o)

    lp, pp = rule.params, anc.params
    for key, direction in _BY_CLASS.items():
        if key in lp and key in pp:
            for cls, lv, pv in _class_pairs(lp[key], pp[key]):
                cmp(f"{key}.{cls}", lv, pv, direction)
    if "alternative" in lp and "alternative" not in pp and rule.kind == "service_radius":
        alt = lp["alternative"]
        row("alternative", f"or ≥{alt.get('min', 1)} per {'/'.join(alt.get('unit_types', ()))}", None)
    if "amount" in lp and "amount" in pp:
        _compare_amount(rule, anc, row, levels)
    elif "per" in lp and "per" in pp:
        cmp("per", lp["per"], pp["per"], "larger")
    if rule.kind == "ratio" and ("population_factor" in lp or "population_factor" in pp):
        _compare_factors(lp.get("population_factor") or {}, pp.get("population_factor") or {}, row)
    for key, direction in _DICTLIKE.items():
        if key in lp and key in pp:
            for cls, lv, pv in _class_pairs(lp[key], pp[key]):
                cmp(key if cls == "all" and not isinstance(lp[key], Mapping) else f"{key}.{cls}", lv, pv, direction)
    return rows


def rule_level(rule: Rule, levels: Mapping[str, str]) -> str:
    """The level of jurisdiction of a rule's number: its ``level`` key, else its profile's level."""
    if rule.params.get("level"):
        return str(rule.params["level"])
    return PROFILE_TO_RULE_LEVEL.get(levels.get(rule.profile, ""), levels.get(rule.profile, "unknown"))


def rule_unit(rule: Rule) -> str:
    """The unit of a rule's number: its ``unit`` key, else what its kind measures."""
    if rule.params.get("unit"):
        return str(rule.params["unit"])
    if rule.kind == "ratio":
        return f"{rule.params.get('resource', 'count')} per residents"
    if rule.kind == "access_ratio":
        return f"{rule.params.get('resource', 'count')} per {int(rule.params.get('per', 1000)):,} reachable residents"
    return {
        "service_circle": "minutes",
        "response_time": "minutes",
        "service_radius": "km",
        "count_per_area": "facilities per unit",
    }.get(rule.kind, "")


def _is_average(rule: Rule) -> bool:
    """A jurisdiction-wide average (a ratio over all areas together), not a standard for each area."""
    return rule.kind == "ratio" and str(rule.params.get("scope", "area")) == "jurisdiction"


def _compare_amount(rule: Rule, anc: Rule, row: Callable[..., None], levels: Mapping[str, str]) -> None:
    """A ratio's amount (per the same population), its population (for the same amount), or its rate.

    Only like quantities: the same resource, and — for jurisdiction-wide averages — the same level of
    jurisdiction (an ancestor's own target for this jurisdiction counts at this jurisdiction's level);
    otherwise a ``not_comparable`` row says why.
    """
    la, lper, _ = _ratio_view(rule, rule)
    pa, pper, note = _ratio_view(anc, rule)
    lres, pres = rule.params.get("resource", "count"), anc.params.get("resource", "count")
    if lres != pres:
        row("amount", la, pa, note, "not_comparable", f"different resources ({lres} vs {pres})")
        return
    if rule.params.get("direction", "min") != anc.params.get("direction", "min"):
        row("amount", la, pa, note, "not_comparable", "a cap against a floor")
        return
    lvl, plvl = rule_level(rule, levels), (rule_level(rule, levels) if note else rule_level(anc, levels))
    if (_is_average(rule) or _is_average(anc)) and lvl != plvl:
        row("amount", la, pa, note, "not_comparable", f"a {lvl} target against a {plvl} average")
        return
    lr, pr = _rate(la, lper), _rate(pa, pper)
    if lr is None or pr is None:
        return
    direction = "larger" if rule.params.get("direction") == "max" else "smaller"
    o = _order(lr, pr, direction)
    same_per = _pair(lper) == _pair(pper) if (lper is not None and pper is not None) else lper == pper
    if same_per:
        row("amount", la, pa, note, o)
    elif la == pa and lper is not None and pper is not None:
        row("per", lper, pper, note, _order(lper, pper, "larger"))
    else:
        row("amount/per", f"{thaw(la)} per {thaw(lper)}", f"{thaw(pa)} per {thaw(pper)}", note, o)


def _compare_factors(lf: Mapping[str, Any], pf: Mapping[str, Any], row: Callable[..., None]) -> None:
    """Population factors, the default and each named area."""
    areas = list(dict.fromkeys([*(lf.get("by_area") or {}), *(pf.get("by_area") or {})]))
    for a in ("default", *areas):
        lv = (lf.get("by_area") or {}).get(a, lf.get("default", 1)) if a != "default" else lf.get("default", 1)
        pv = (pf.get("by_area") or {}).get(a, pf.get("default", 1)) if a != "default" else pf.get("default", 1)
        if _looser(lv, pv, "smaller"):
            row(f"population_factor.{a}", lv, pv)


def _levels(prof: Profile) -> dict[str, str]:
    out = {prof.id: prof.level}
    for pid in prof.chain[1:]:
        try:
            out[pid] = load_profile(pid).level
        except ProfileError:  # a user profile's parent given by path: its level is not known by id
            out[pid] = "unknown"
    return out


def compare_with_parents(profile: Profile | str) -> list[dict[str, Any]]:
    """Every rule's numbers against each ancestor's version: stricter, looser, equal or not comparable.

    Like quantities only: the same unit (resource), and a jurisdiction-wide average is compared
    only with a number of the same level of jurisdiction (a district target against a provincial
    average is ``not_comparable``, and ``why`` says so). Per-resident standards (minutes, radii,
    counts per unit) apply to each area whatever level set them, so they compare across levels.

    Returns
    -------
    list of dict
        The rows of :func:`looser_than_parent` with ``order`` (``stricter`` / ``looser`` /
        ``equal`` / ``not_comparable``), ``why``, ``level``, ``parent_level`` and ``unit``.

    Examples
    --------
    >>> rows = compare_with_parents("fenghua")
    >>> [(r["key"], r["local"], r["parent"], r["parent_profile"], r["order"])
    ...  for r in rows if r["rule"] == "ratio.doctors"]
    [('amount', 4.4, 4.09, 'ningbo', 'stricter'), ('amount', 4.4, 4.3, 'zhejiang', 'not_comparable')]
    """
    prof = load_profile(profile)
    levels = _levels(prof)
    rows: list[dict[str, Any]] = []
    for rule in prof.rules:
        for anc in rule.ancestors:
            if anc.kind == rule.kind:
                rows.extend(_compare(rule, anc, levels))
    return rows


def looser_than_parent(profile: Profile | str) -> list[dict[str, Any]]:
    """Where a rule's number is less strict than an ancestor's version of the same, like quantity.

    Every overridden rule of the resolved profile (its own and inherited ones) is compared with
    each ancestor's version (:func:`compare_with_parents`, which also lists where the local plan
    is stricter and what cannot be compared). Strictness depends on the key: minutes, radii and
    response-time limits are looser when larger; ratio amounts, minimum counts and shares when
    smaller (caps, ``direction = "max"``, when larger), ``per`` and maximum values when larger; a
    rural "or one station per township" alternative is looser than none. Where an ancestor's
    ratio rule sets a target for this very jurisdiction (``amount_by_area``, e.g. Ningbo's table of
    district bed targets), that target is compared; a jurisdiction's own target is not compared
    with a higher level's average.

    Returns
    -------
    list of dict
        Rows ``{rule, key, local, parent, parent_profile}`` plus ``profile`` (which profile set
        the local value), ``kind``, ``title_zh``, ``title_en``, ``note`` and the columns of
        :func:`compare_with_parents`.

    Examples
    --------
    >>> rows = looser_than_parent("fenghua")
    >>> for r in rows:
    ...     if r["profile"] == "fenghua":
    ...         print(r["rule"], r["key"], r["local"], r["parent"], r["parent_profile"], r["note"])
    ratio.beds_total amount 6.6 8.6 ningbo ningbo's own target for 奉化区
    ratio.beds_elderly_rehab_nursing amount 4.5 5.8 ningbo
    ratio.beds_elderly_rehab_nursing amount 4.5 5.5 zhejiang
    """
    return [r for r in compare_with_parents(profile) if r["order"] == "looser"]


def _combine(vals: list[tuple[str, Any]], direction: str) -> tuple[Any, list[str]]:
    """Element-wise strictest of (profile, value-or-pair) in chain order, and who supplied it."""
    pairs = [(p, pr, v) for p, v in vals if (pr := _pair(v)) is not None]
    if not pairs:
        return vals[0][1], [vals[0][0]]
    pick = min if direction == "larger" else max
    chosen: list[Any] = []
    src: list[str] = []
    for which in (0, 1):
        target = pick(pr[which] for _, pr, _ in pairs)
        p, _, v = next(t for t in pairs if t[1][which] == target)
        chosen.append(v if is_number(v) else v[which])
        if p not in src:
            src.append(p)
    value = chosen[0] if chosen[0] == chosen[1] else [chosen[0], chosen[1]]
    return value, src


def strictest(rule: Rule) -> Rule:
    """The strictest version of a rule along its ``parent`` chain, with merged parameters.

    Per key: the smallest minutes, radius and response limit per area class, the highest ratio
    (amount per person, counting an ancestor's own target for this jurisdiction), the largest
    population factor, minimum count or share, and no "or one station per township" alternative
    unless every version has it. Only versions of the same kind are merged. ``profile`` names
    the profile(s) whose values were taken (``"fenghua+ningbo"``); the rule itself comes back
    when it is already the strictest.

    Examples
    --------
    >>> r = strictest(load_profile("beilun").rule("access.basic_circle"))
    >>> dict(r.params["minutes"]), r.profile
    ({'urban': 15, 'rural': 15}, 'ningbo')
    """
    versions = [rule, *(a for a in rule.ancestors if a.kind == rule.kind)]
    if len(versions) == 1:
        return rule
    m = _Merge(own=thaw(rule.params), merged=thaw(rule.params))
    for key, direction in {**_BY_CLASS, **_DICTLIKE}.items():
        _merge_by_class(versions, key, direction, m)
    if rule.kind == "service_radius" and "alternative" in m.merged:
        without = [v.profile for v in versions if "alternative" not in v.params]
        if without:
            del m.merged["alternative"]
            m.replaced.add("alternative")
            m.take(without[:1])
    if "amount" in rule.params:
        _merge_amount(versions, m)
    if rule.kind == "ratio":
        _merge_factors(versions, m)
    if m.merged == m.own:
        return rule
    comparable = set(_BY_CLASS) | set(_DICTLIKE) | {"amount", "per", "population_factor", "alternative"}
    if (set(m.own) & comparable) - m.replaced:
        m.take([rule.profile])  # some of the rule's own values stay
    srcs = [v for v in versions if v.profile in m.used] or [rule]
    if len(srcs) == 1:
        source = srcs[0].source
    else:
        source = types.MappingProxyType(
            {
                "ref": "; ".join(v.source["ref"] for v in srcs),
                "quote": " | ".join(v.source["quote"] for v in srcs),
                "clause": "",
                "document": " | ".join(dict.fromkeys(v.source.get("document", "") for v in srcs)),
            }
        )
    order = [v.profile for v in versions if v.profile in m.used]
    return replace(rule, params=freeze(m.merged), profile="+".join(order) or rule.profile, source=source)


@dataclass
class _Merge:
    """The merged parameters of :func:`strictest`, the keys replaced and the profiles whose values were taken."""

    own: dict[str, Any]
    merged: dict[str, Any]
    used: list[str] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)

    def take(self, profiles: Sequence[str]) -> None:
        self.used.extend(p for p in profiles if p not in self.used)


def _merge_by_class(versions: list[Rule], key: str, direction: str, m: _Merge) -> None:
    """The strictest value of ``key`` per area class."""
    specs = [(v.profile, v.params[key]) for v in versions if key in v.params]
    if len(specs) < 2:
        return
    split = any(isinstance(s, Mapping) and set(s) - {"all"} for _, s in specs)
    keys = list(dict.fromkeys(k for _, s in specs for k in _classes(s) if not (split and k == "all")))
    out: dict[str, Any] = {}
    src: list[str] = []
    for k in keys:
        vals = [(p, c.get(k, c.get("all"))) for p, s in specs if (c := _classes(s))]
        vals = [(p, v) for p, v in vals if v is not None]
        if vals:
            out[k], who = _combine(vals, direction)
            src.extend(w for w in who if w not in src)
    mine = m.own.get(key)
    new = out if (isinstance(mine, dict) or split or key in _BY_CLASS) else out.get("all", mine)
    if new != mine:
        m.merged[key] = new
        m.replaced.add(key)
        m.take(src)


def _merge_amount(versions: list[Rule], m: _Merge) -> None:
    """The highest ratio (amount per person), counting an ancestor's own target for this jurisdiction."""
    rule = versions[0]
    best, best_rate = rule, _rate(*_ratio_view(rule, rule)[:2])
    levels: dict[str, str] = {}
    for v in versions:
        try:
            levels[v.profile] = load_profile(v.profile).level
        except ProfileError:
            levels[v.profile] = "unknown"
    for v in versions[1:]:
        a, p, note = _ratio_view(v, rule)
        like = v.params.get("resource", "count") == rule.params.get("resource", "count")
        average = _is_average(rule) or _is_average(v)
        if not like or (average and not note and rule_level(v, levels) != rule_level(rule, levels)):
            continue  # not a like quantity (see compare_with_parents)
        r = _rate(a, p)
        if r is not None and best_rate is not None and r > best_rate + _EPS:
            best, best_rate = v, r
            m.merged["amount"], m.merged["per"] = thaw(a), thaw(p)
    if best is not rule:
        m.replaced.update(("amount", "per"))
        m.take([best.profile])


def _factor(f: Mapping[str, Any], area: str | None) -> float:
    d = float(f.get("default", 1))
    return d if area is None else float((f.get("by_area") or {}).get(area, d))


def _merge_factors(versions: list[Rule], m: _Merge) -> None:
    """The largest population factor, by default and per named area."""
    rule = versions[0]
    factors = [(v.profile, v.params.get("population_factor") or {}) for v in versions]
    if not any(f for _, f in factors):
        return
    areas = list(dict.fromkeys(a for _, f in factors for a in (f.get("by_area") or {})))
    default = max(_factor(f, None) for _, f in factors)
    by_area = {a: max(_factor(f, a) for _, f in factors) for a in areas}
    own_pf = rule.params.get("population_factor") or {}
    if _factor(own_pf, None) != default or any(_factor(own_pf, a) != x for a, x in by_area.items()):
        m.merged["population_factor"] = {"default": default, "by_area": by_area}
        m.replaced.add("population_factor")
        m.take([p for p, f in factors if f and p != rule.profile][:1])
