"""Golden assessment tables: every column of ``assess(...).table`` and of the per-area frame.

Cases
-----
- ``shanghai_<profile>``: the three central Shanghai districts (黄浦区, 静安区, 虹口区) with the walk,
  drive and ambulance networks of the shared Shanghai extract, census populations spread on the
  drive network, all Shanghai health POIs, profiles ``zhejiang`` and ``ningbo``;
- ``ningbo_nonet``: Ningbo's 10 districts and the 2020 census on a 1 km grid, the 95 OSM hospitals,
  no road network, profile ``ningbo``.

Run ``python tests/golden/make_golden.py`` (with the package on the path) to (re)write the CSVs.
They were recorded BEFORE the engine was split into stages; ``tests/test_golden.py`` recomputes them
and compares every row and column (strings exactly, floats to rtol 1e-9, same order).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import healthcov as hc

HERE = Path(__file__).resolve().parent
DISTRICTS = ["黄浦区", "静安区", "虹口区"]
SHANGHAI_PROFILES = ("zhejiang", "ningbo")
CASES = (*(f"shanghai_{p}" for p in SHANGHAI_PROFILES), "ningbo_nonet")


def shanghai_networks() -> dict[str, Any]:
    path = hc.datasets.path("shanghai_network")
    return {m: hc.read_network(path, mode=m) for m in ("walk", "drive", "ambulance")}


def shanghai_inputs(graphs: dict[str, Any]) -> tuple[Any, Any, Any]:
    areas = hc.datasets.census_areas("shanghai")
    areas = areas[areas["area_name"].isin(DISTRICTS)].reset_index(drop=True)
    pop = hc.spread_population(areas, graphs["drive"], id_column="area_code")
    fac = hc.datasets.shanghai_health_facilities()
    return fac, pop, areas


def ningbo_inputs() -> tuple[Any, Any, Any]:
    areas = hc.datasets.census_areas("ningbo")
    pop = hc.grid_population(areas, cell_m=1000)
    fac = hc.read_facilities(hc.datasets.path("ningbo_hospitals"))
    return fac, pop, areas


def run_case(case: str, graphs: dict[str, Any] | None = None) -> Any:
    """The assessment of one golden case (warnings silenced: they are not part of the tables)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.startswith("shanghai_"):
            assert graphs is not None
            fac, pop, areas = shanghai_inputs(graphs)
            return hc.assess(graphs, fac, pop, areas, profile=case.removeprefix("shanghai_"))
        fac, pop, areas = ningbo_inputs()
        return hc.assess(None, fac, pop, areas, profile="ningbo")


def frames(res: Any) -> dict[str, pd.DataFrame]:
    """The frames a golden case records: the verdict table, the areas (no geometry), and per-point values."""
    areas = pd.DataFrame(res.areas.drop(columns=res.areas.geometry.name))
    rule_cols = [c for c in res.demand.columns if c in set(res.table["rule_id"]) or str(c).endswith(":covered")]
    demand = pd.DataFrame(res.demand[["pop", "area_code", *rule_cols]])
    return {"table": res.table.reset_index(drop=True), "areas": areas, "demand": demand}


def assumptions(res: Any) -> dict[str, Any]:
    """The run's assumptions as JSON, with the data folder written as ``$HEALTHCOV_DATA``.

    Sources are absolute paths, and the data folder sits elsewhere on every machine (CI clones
    the repository beside ``shared/``), so the stored tables name it by the variable instead.
    """
    text = json.dumps(res.assumptions, default=str, ensure_ascii=False)
    root = str(hc.datasets.data_dir())
    text = text.replace(json.dumps(root)[1:-1], "$HEALTHCOV_DATA")
    return json.loads(text)


def write_case(case: str, res: Any) -> None:
    for name, df in frames(res).items():
        df.to_csv(HERE / f"{case}.{name}.csv.gz", index=False, float_format="%.17g")
    text = json.dumps(assumptions(res), ensure_ascii=False, indent=1, sort_keys=True)
    (HERE / f"{case}.assumptions.json").write_text(text + "\n", encoding="utf-8")


def read_frame(case: str, name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / f"{case}.{name}.csv.gz", keep_default_na=True, low_memory=False)


def compare(expected: pd.DataFrame, got: pd.DataFrame, label: str) -> list[str]:
    """Differences between a stored frame and a recomputed one (after a CSV round trip of the latter)."""
    import io

    buf = io.StringIO()
    got.to_csv(buf, index=False, float_format="%.17g")
    buf.seek(0)
    got = pd.read_csv(buf, keep_default_na=True, low_memory=False)
    problems = []
    if list(expected.columns) != list(got.columns):
        return [f"{label}: columns differ: {list(expected.columns)} vs {list(got.columns)}"]
    if len(expected) != len(got):
        return [f"{label}: {len(expected)} rows stored, {len(got)} now"]
    for c in expected.columns:
        e, g = expected[c], got[c]
        if pd.api.types.is_numeric_dtype(e) and pd.api.types.is_numeric_dtype(g):
            ev, gv = e.to_numpy(dtype=float), g.to_numpy(dtype=float)
            same = np.isclose(ev, gv, rtol=1e-9, atol=0.0, equal_nan=True) | (ev == gv)
        else:
            both_na = (e.isna() & g.isna()).to_numpy()
            same = both_na | (e.astype(object).astype(str) == g.astype(object).astype(str)).to_numpy()
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            problems.append(
                f"{label}.{c}: {int((~same).sum())} rows differ, first row {i}: {e.iloc[i]!r} vs {g.iloc[i]!r}"
            )
    return problems


def main() -> None:
    graphs = shanghai_networks()
    for case in CASES:
        res = run_case(case, graphs if case.startswith("shanghai_") else None)
        write_case(case, res)
        print(case, {k: v.shape for k, v in frames(res).items()})


if __name__ == "__main__":
    main()
