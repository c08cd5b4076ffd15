"""The assessment tables recorded before the engine was split into stages, recomputed.

Every row and column of the verdict table, the per-area frame and the per-point values must be
the same (strings exactly, floats to rtol 1e-9, same row order), and so must the assumptions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import make_golden as golden


@pytest.fixture(scope="module")
def shanghai_graphs(shanghai_drive):
    """The session's drive network (conftest) and the walk and ambulance networks, read once."""
    import healthcov as hc

    path = hc.datasets.path("shanghai_network")
    return {
        "walk": hc.read_network(path, mode="walk"),
        "drive": shanghai_drive,
        "ambulance": hc.read_network(path, mode="ambulance"),
    }


@pytest.mark.parametrize("case", golden.CASES)
def test_golden_tables(case, request):
    graphs = request.getfixturevalue("shanghai_graphs") if case.startswith("shanghai_") else None
    problems = _problems(case, golden.run_case(case, graphs))
    assert not problems, "\n".join(problems)


def _problems(case, res):
    """Every difference between the recorded golden tables of ``case`` and the assessment ``res``."""
    problems = []
    for name, got in golden.frames(res).items():
        problems += golden.compare(golden.read_frame(case, name), got, f"{case}.{name}")
    stored = json.loads((golden.HERE / f"{case}.assumptions.json").read_text(encoding="utf-8"))
    now = golden.assumptions(res)
    problems += [
        f"{case}.assumptions[{k!r}] differs: {stored.get(k)!r} vs {now.get(k)!r}"[:400]
        for k in sorted(set(stored) | set(now))
        if stored.get(k) != now.get(k)
    ]
    return problems


def test_compare_sees_a_change():
    """The comparison itself fails on a changed float, string or row order."""
    t = golden.read_frame("ningbo_nonet", "table")
    assert golden.compare(t, t, "same") == []
    moved = t.copy()
    i = int(moved.index[moved["pop"].fillna(0) > 0][0])
    moved.loc[i, "pop"] = moved.loc[i, "pop"] * (1 + 1e-6)
    assert golden.compare(t, moved, "x")
    renamed = t.copy()
    renamed.loc[3, "verdict"] = "pass" if renamed.loc[3, "verdict"] != "pass" else "fail"
    assert golden.compare(t, renamed, "x")
    assert golden.compare(t, t.iloc[::-1].reset_index(drop=True), "x")


@pytest.fixture(scope="module")
def shanghai_networks_arrays():
    """The same three networks in healthcov's arrays-first form (``form="arrays"``)."""
    import healthcov as hc

    path = hc.datasets.path("shanghai_network")
    return {m: hc.read_network(path, mode=m, form="arrays") for m in ("walk", "drive", "ambulance")}


@pytest.mark.parametrize("case", [c for c in golden.CASES if c.startswith("shanghai_")])
def test_golden_tables_arrays_form(case, shanghai_networks_arrays):
    """The whole assessment on ``Network`` objects gives the recorded tables: every row, column and
    assumption, residents spread along the roads included (nothing on this path builds a networkx graph)."""
    import healthcov as hc

    assert all(isinstance(g, hc.Network) for g in shanghai_networks_arrays.values())
    problems = _problems(case, golden.run_case(case, shanghai_networks_arrays))
    assert not problems, "\n".join(problems)
