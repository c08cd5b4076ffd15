"""Facility siting: coverage matrices, candidate generation, maximal covering and set covering.

Three kinds of checks:

- tiny instances whose optima are worked out by hand in the comments;
- invariants on random instances (hypothesis): the MIP equals a brute force, is never worse than
  greedy, more sites / more candidates / more existing coverage never lower coverage;
- the Shanghai drive network with its ambulance stations, against ``travel_times`` run per
  candidate and against spopt's MCLP on the same coverage matrix.
"""

from __future__ import annotations

import itertools
import math
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import healthcov as hc
from healthcov import siting
from healthcov.network.arrays import graph_arrays
from healthcov.siting import (
    SiteSolution,
    candidate_coverage,
    generate_candidates,
    solve_lscp,
    solve_mclp,
    straight_coverage,
)

X0, Y0 = 500_000.0, 3_300_000.0
CRS = "EPSG:32651"

# ---------------------------------------------------------------------------------------------
# hand-built instances
# ---------------------------------------------------------------------------------------------

# Five demand points (rows), four candidates (columns).
#   c0 covers d3, d4            weight 5 + 1 = 6
#   c1 covers d1, d2            weight 7 + 6 = 13
#   c2 covers d2, d3            weight 6 + 5 = 11
#   c3 covers d0, d1, d4        weight 3 + 7 + 1 = 11
# k=1: c1 (13) is optimal.
# k=2: greedy takes c1 (13), then the best addition is c0 (+6: d3, d4) = 19; no single swap helps
#      ({c2,c0} 12, {c3,c0} 16, {c1,c2} 18, {c1,c3} 17). The optimum is {c2, c3}: every point, 22.
# k=3: everything (22), e.g. {c2, c3, *} or {c1, c0, c3}.
TRAP = np.array(
    [
        [0, 0, 0, 1],  # d0, weight 3
        [0, 1, 0, 1],  # d1, weight 7
        [0, 1, 1, 0],  # d2, weight 6
        [1, 0, 1, 0],  # d3, weight 5
        [1, 0, 0, 1],  # d4, weight 1
    ],
    dtype=bool,
)
TRAP_W = np.array([3.0, 7.0, 6.0, 5.0, 1.0])

# A second instance, from the docstrings: five points, three candidates.
#   c0 covers d0, d1, d2 (1 + 2 + 3 = 6); c1 covers d1, d3 (2 + 4 = 6); c2 covers d3, d4 (4 + 5 = 9).
# k=1: c2 (9). k=2: c2 + c0 = 15 (everything). LSCP 100 %: 2 sites ({c0, c2}); 60 % (9 of 15): c2 alone.
SMALL = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], dtype=bool)
SMALL_W = np.array([1.0, 2.0, 3.0, 4.0, 5.0])


def brute_mclp(cover: np.ndarray, w: np.ndarray, k: int, already: np.ndarray | None = None) -> float:
    """Best newly covered weight over all sets of at most k candidates."""
    free = np.ones(len(w), bool) if already is None else ~already
    best = 0.0
    for r in range(1, k + 1):
        for combo in itertools.combinations(range(cover.shape[1]), r):
            best = max(best, float(w[free & cover[:, list(combo)].any(axis=1)].sum()))
    return best


def brute_lscp(cover: np.ndarray, w: np.ndarray, share: float, already: np.ndarray | None = None) -> int | None:
    """Fewest candidates reaching ``share`` of the total weight (existing coverage counts)."""
    already = np.zeros(len(w), bool) if already is None else already
    for r in range(0, cover.shape[1] + 1):
        for combo in itertools.combinations(range(cover.shape[1]), r):
            hit = already | cover[:, list(combo)].any(axis=1)
            if w[hit].sum() >= share * w.sum() - 1e-9 * w.sum():
                return r
    return None


@pytest.mark.parametrize("solver", ["highs", "cbc", "auto"])
def test_mclp_known_optima(solver: str) -> None:
    for k, best in [(1, 13.0), (2, 22.0), (3, 22.0)]:
        sol = solve_mclp(TRAP, TRAP_W, k, solver=solver)
        assert sol.covered_weight == pytest.approx(best)
        assert sol.gap == 0.0
        assert sol.total_weight == pytest.approx(22.0)
    assert solve_mclp(TRAP, TRAP_W, 1, solver=solver).chosen.tolist() == [1]
    assert sorted(solve_mclp(TRAP, TRAP_W, 2, solver=solver).chosen.tolist()) == [2, 3]
    # second instance: k=1 → c2 (9), k=2 → c2 then c0 (15)
    sol = solve_mclp(SMALL, SMALL_W, 2, solver=solver)
    assert sol.chosen.tolist() == [2, 0]
    assert sol.gains.tolist() == [9.0, 6.0]
    assert sol.share == 1.0


def test_mip_method_names() -> None:
    assert solve_mclp(TRAP, TRAP_W, 2, solver="highs").method == "mip-highs"
    assert solve_mclp(TRAP, TRAP_W, 2, solver="cbc").method == "mip-cbc"
    assert solve_mclp(TRAP, TRAP_W, 2, solver="HiGHS").method == "mip-highs"  # any case
    assert solve_mclp(TRAP, TRAP_W, 2, solver="greedy").method == "greedy"


def test_greedy_is_suboptimal_where_the_mip_is_optimal() -> None:
    # TRAP with k=2: greedy (with interchange) is stuck at {c1, c0} = 19; the optimum {c2, c3} = 22
    greedy = solve_mclp(TRAP, TRAP_W, 2, solver="greedy")
    assert greedy.method == "greedy"
    assert greedy.covered_weight == pytest.approx(19.0)
    assert sorted(greedy.chosen.tolist()) == [0, 1]
    # the reported gap bounds the true one: (22 - 19) / 22 = 0.136; 1/e is the worst case
    assert (22 - 19) / 22 - 1e-12 <= greedy.gap <= 1 / math.e
    for solver in ("highs", "cbc"):
        mip = solve_mclp(TRAP, TRAP_W, 2, solver=solver)
        assert mip.covered_weight == pytest.approx(22.0)
        assert mip.status == "Optimal"
        assert mip.gap == 0.0


def test_curve_and_order() -> None:
    sol = solve_mclp(TRAP, TRAP_W, 2, solver="highs")
    # {c2, c3}: each covers 11 alone; ties go to the lower position, so c2 first, then c3 adds 11
    assert sol.chosen.tolist() == [2, 3]
    assert sol.gains.tolist() == [11.0, 11.0]
    assert sol.gains.sum() == pytest.approx(22.0)
    assert list(sol.curve.columns) == ["n_sites", "site", "gain", "covered_weight", "share"]
    assert sol.curve["n_sites"].tolist() == [0, 1, 2]
    assert sol.curve["covered_weight"].tolist() == pytest.approx([0.0, 11.0, 22.0])
    assert sol.curve["share"].iloc[-1] == pytest.approx(sol.share)
    assert sol.curve["site"].iloc[1:].tolist() == sol.chosen.tolist()
    assert pd.isna(sol.curve["site"].iloc[0])
    assert isinstance(sol, SiteSolution)
    assert "mip-highs" in repr(sol)
    assert sol.elapsed_s >= 0
    with pytest.raises(AttributeError):
        sol.method = "x"  # type: ignore[misc]  # frozen


def test_mclp_sparse_and_dense_agree() -> None:
    dense = solve_mclp(TRAP, TRAP_W, 2, solver="highs")
    sparse = solve_mclp(sp.csr_matrix(TRAP), TRAP_W, 2, solver="highs")
    assert sorted(dense.chosen.tolist()) == sorted(sparse.chosen.tolist())
    assert solve_mclp(TRAP.astype(int), list(TRAP_W), 2).covered_weight == pytest.approx(22.0)


def test_sites_that_add_nothing_are_not_returned() -> None:
    # two sites cover everything in SMALL: k=3 returns the same two
    sol = solve_mclp(SMALL, SMALL_W, 3, solver="highs")
    assert sorted(sol.chosen.tolist()) == [0, 2]
    assert sol.share == 1.0


def test_covered_already_is_excluded() -> None:
    # d1 and d2 (weights 7, 6) are covered by an existing station. Left: d0 (3), d3 (5), d4 (1).
    # c0 now adds d3 + d4 = 6, c3 adds d0 + d4 = 4, c2 adds d3 = 5, c1 adds nothing.
    # k=1 → c0 (6): covered 13 existing + 6 = 19 of 22. k=2 → {c0, c3}: 13 + 9 = 22.
    already = np.array([False, True, True, False, False])
    for solver in ("highs", "cbc", "greedy"):
        one = solve_mclp(TRAP, TRAP_W, 1, covered_already=already, solver=solver)
        assert one.chosen.tolist() == [0]
        assert one.existing_weight == pytest.approx(13.0)
        assert one.new_weight == pytest.approx(6.0)
        assert one.covered_weight == pytest.approx(19.0)
        assert one.share == pytest.approx(19 / 22)
        assert one.curve["covered_weight"].iloc[0] == pytest.approx(13.0)
        two = solve_mclp(TRAP, TRAP_W, 2, covered_already=already, solver=solver)
        assert sorted(two.chosen.tolist()) == [0, 3]
        assert two.share == pytest.approx(1.0)
    # integers 0/1 are accepted as booleans
    assert solve_mclp(TRAP, TRAP_W, 1, covered_already=already.astype(int)).new_weight == pytest.approx(6.0)


def test_nothing_to_gain() -> None:
    sol = solve_mclp(TRAP, TRAP_W, 2, covered_already=np.ones(5, bool))
    assert sol.chosen.tolist() == []
    assert sol.share == 1.0
    assert sol.status == "nothing to gain"


@pytest.mark.parametrize("solver", ["highs", "cbc", "auto"])
def test_lscp_minimal_count(solver: str) -> None:
    # TRAP, 100 %: no single site covers all; {c2, c3} does → 2 sites (greedy needs 3: c1, c0, c3)
    sol = solve_lscp(TRAP, TRAP_W, 1.0, solver=solver)
    assert len(sol.chosen) == 2
    assert sorted(sol.chosen.tolist()) == [2, 3]
    assert sol.share == 1.0
    assert sol.gap == 0.0
    assert sol.status == "Optimal"
    # 13 / 22 = 59 %: c1 alone
    sol = solve_lscp(TRAP, TRAP_W, 13 / 22, solver=solver)
    assert sol.chosen.tolist() == [1]
    # SMALL, 60 % (9 of 15): c2 alone
    assert solve_lscp(SMALL, SMALL_W, 0.6, solver=solver).chosen.tolist() == [2]


def test_lscp_greedy_and_its_gap() -> None:
    sol = solve_lscp(TRAP, TRAP_W, 1.0, solver="greedy")
    assert sol.method == "greedy"
    assert len(sol.chosen) == 3
    assert sol.share == 1.0
    # lower bound: one site covers at most 13 < 22, the two largest at most 13 + 11 = 24 ≥ 22, so
    # at least 2 sites are needed: gap (3 - 2) / 3
    assert sol.gap == pytest.approx(1 / 3)


def test_lscp_counts_existing_coverage() -> None:
    # d1, d2 already covered (13 of 22 = 59 %): the target 59 % needs no site at all
    already = np.array([False, True, True, False, False])
    sol = solve_lscp(TRAP, TRAP_W, 13 / 22, covered_already=already)
    assert sol.chosen.tolist() == []
    assert sol.share == pytest.approx(13 / 22)
    # 100 %: d0, d3, d4 are left; c0 covers d3, d4 and c3 covers d0, d4 → 2 sites; no single site
    sol = solve_lscp(TRAP, TRAP_W, 1.0, covered_already=already)
    assert sorted(sol.chosen.tolist()) == [0, 3]


def test_infeasible_target_says_how_close_it_can_get() -> None:
    # d4 (weight 1 of 23) can be covered by no candidate: at most 22 / 23 = 95.65 %
    cover = np.vstack([TRAP, np.zeros((1, 4), bool)])
    w = np.append(TRAP_W, 1.0)
    with pytest.raises(hc.InputError, match=r"target_share=0\.99 cannot be reached.*at most 95\.65%.*0\.9565"):
        solve_lscp(cover, w, 0.99)
    # the best achievable share itself is fine
    assert solve_lscp(cover, w, 0.9565).share == pytest.approx(22 / 23)


def test_time_limit_keeps_a_solution_and_reports_a_gap() -> None:
    rng = np.random.default_rng(4)
    cover = sp.random(3000, 400, density=0.03, random_state=rng, format="csr").astype(bool)
    w = rng.integers(1, 100, 3000).astype(float)
    greedy = solve_mclp(cover, w, 20, solver="greedy")
    sol = solve_mclp(cover, w, 20, solver="highs", time_limit_s=1e-3)
    assert sol.new_weight >= greedy.new_weight - 1e-9
    assert len(sol.chosen) == 20
    if sol.status != "Optimal":
        assert "time limit" in sol.status.lower()
        assert 0.0 < sol.gap <= 1 / math.e + 1e-12


def test_lscp_out_of_time_keeps_a_feasible_answer() -> None:
    rng = np.random.default_rng(4)
    cover = sp.random(3000, 400, density=0.03, random_state=rng, format="csr").astype(bool)
    w = rng.integers(1, 100, 3000).astype(float)
    sol = solve_lscp(cover, w, 0.9, time_limit_s=1e-3)
    assert sol.share >= 0.9
    assert "out of time" in sol.status
    assert 0.0 <= sol.gap < 1.0
    full = solve_lscp(cover, w, 0.9, solver="greedy")
    assert len(sol.chosen) == len(full.chosen) or sol.gap > 0


def test_auto_goes_greedy_above_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(siting.solvers, "MIP_MAX_NONZEROS", 0)
    sol = solve_mclp(TRAP, TRAP_W, 2)
    assert sol.method == "greedy"
    assert "model above" in sol.status
    sol = solve_lscp(TRAP, TRAP_W, 1.0)
    assert sol.method == "greedy"
    assert "model above" in sol.status


def test_the_package_keeps_the_public_api() -> None:
    # healthcov.siting was one module and healthcov.suggest another: the names users import still resolve
    assert set(siting.__all__) >= {
        "candidate_coverage",
        "straight_coverage",
        "generate_candidates",
        "solve_mclp",
        "solve_lscp",
        "SiteSolution",
        "SOLVERS",
        "MIP_MAX_NONZEROS",
        "suggest_sites",
        "SitePlan",
    }
    for name in siting.__all__:
        assert getattr(siting, name) is not None
    assert hc.suggest_sites is siting.suggest_sites and hc.SitePlan is siting.SitePlan
    assert siting.solve_mclp is siting.solvers.solve_mclp and siting.SOLVERS == ("auto", "highs", "cbc", "greedy")
    assert siting.MIP_MAX_NONZEROS == siting.solvers.MIP_MAX_NONZEROS == 20_000_000


def test_inputs_are_not_modified() -> None:
    cover, w, already = TRAP.copy(), TRAP_W.copy(), np.array([False, True, False, False, False])
    a0 = already.copy()
    solve_mclp(cover, w, 2, covered_already=already)
    solve_lscp(cover, w, 0.9, covered_already=already)
    assert (cover == TRAP).all()
    assert (w == TRAP_W).all()
    assert (already == a0).all()


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_no_candidates() -> None:
    with pytest.raises(hc.EmptyInputError, match="no candidate sites"):
        solve_mclp(np.zeros((5, 0), bool), TRAP_W, 1)
    with pytest.raises(hc.EmptyInputError, match="no candidate sites"):
        solve_lscp(sp.csr_matrix((5, 0), dtype=bool), TRAP_W, 0.5)
    with pytest.raises(hc.EmptyInputError, match="no demand"):
        solve_mclp(np.zeros((0, 3), bool), [], 1)


@pytest.mark.parametrize(
    ("k", "match"),
    [
        (5, r"k=5 sites cannot be chosen from 4 candidate\(s\)"),
        (0, r"k=0 sites cannot be chosen"),
        (-1, r"k=-1 sites"),
        (1.5, "k must be a whole number"),
        (True, "k must be a whole number"),
    ],
)
def test_bad_k(k: object, match: str) -> None:
    with pytest.raises(hc.InputError, match=match):
        solve_mclp(TRAP, TRAP_W, k)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([3, -7, 6, 5, 1], r"finite and non-negative; rows 1"),
        ([3, np.nan, 6, np.inf, 1], r"finite and non-negative; rows 1, 3"),
        ([1, 2, 3], r"weights has shape \(3,\) but cover has 5 demand rows"),
        ([0, 0, 0, 0, 0], "weights sum to zero"),
        (["a", "b", "c", "d", "e"], "weights must be numbers"),
    ],
)
def test_bad_weights(weights: object, match: str) -> None:
    with pytest.raises(hc.InputError, match=match):
        solve_mclp(TRAP, weights, 1)
    with pytest.raises(hc.InputError, match=match):
        solve_lscp(TRAP, weights, 0.5)


def test_bad_covered_already_cover_and_options() -> None:
    with pytest.raises(hc.InputError, match=r"covered_already has shape \(4,\)"):
        solve_mclp(TRAP, TRAP_W, 1, covered_already=[True, False, False, False])
    with pytest.raises(hc.InputError, match="covered_already must be booleans"):
        solve_mclp(TRAP, TRAP_W, 1, covered_already=[0.5, 0, 0, 0, 0])
    # several problems are reported at once
    with pytest.raises(hc.InputError, match=r"weights has shape.*; covered_already has shape"):
        solve_mclp(TRAP, [1, 2], 1, covered_already=[True])
    with pytest.raises(hc.InputError, match="2-D"):
        solve_mclp(np.ones(5, bool), TRAP_W, 1)
    with pytest.raises(hc.InputError, match="NaN"):
        solve_mclp(np.where(TRAP, 1.0, np.nan), TRAP_W, 1)
    with pytest.raises(hc.InputError, match=r"unknown solver 'gurobi': use one of 'auto', 'highs', 'cbc', 'greedy'"):
        solve_mclp(TRAP, TRAP_W, 1, solver="gurobi")
    with pytest.raises(hc.InputError, match="time_limit_s must be positive"):
        solve_mclp(TRAP, TRAP_W, 1, time_limit_s=0)
    for bad in (0, 1.5, 95, -0.1):
        with pytest.raises(hc.InputError, match=r"target_share must be in \(0, 1\]"):
            solve_lscp(TRAP, TRAP_W, bad)
    with pytest.raises(hc.InputError, match="target_share must be a number"):
        solve_lscp(TRAP, TRAP_W, "most")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# properties on random instances
# ---------------------------------------------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn, max_demand: int = 10, max_cand: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nd = draw(st.integers(1, max_demand))
    nc = draw(st.integers(1, max_cand))
    cells = draw(st.lists(st.booleans(), min_size=nd * nc, max_size=nd * nc))
    cover = np.array(cells, dtype=bool).reshape(nd, nc)
    w = np.array(draw(st.lists(st.integers(0, 9), min_size=nd, max_size=nd)), dtype=float)
    if w.sum() == 0:
        w[0] = 1.0
    already = np.array(draw(st.lists(st.booleans(), min_size=nd, max_size=nd)), dtype=bool)
    return cover, w, already


# derandomized (the same examples on every run, as CI needs) and no example database on disk
PROPS = settings(
    max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPS
@given(instances())
def test_mclp_equals_brute_force_and_beats_greedy(inst: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    cover, w, already = inst
    prev = -1.0
    for k in range(1, cover.shape[1] + 1):
        mip = solve_mclp(cover, w, k, covered_already=already, solver="highs")
        greedy = solve_mclp(cover, w, k, covered_already=already, solver="greedy")
        best = brute_mclp(cover, w, k, already)
        assert mip.new_weight == pytest.approx(best)
        assert mip.gap == 0.0
        assert mip.new_weight >= greedy.new_weight - 1e-9  # MIP ≥ greedy
        # greedy's reported gap is a true bound on its distance from the optimum
        if best > 0:
            assert (best - greedy.new_weight) / best <= greedy.gap + 1e-9
        assert mip.new_weight >= prev - 1e-9  # k + 1 sites never cover less than k
        prev = mip.new_weight
        assert len(mip.chosen) <= k
        assert len(set(mip.chosen.tolist())) == len(mip.chosen)
        # the curve rises, gains fall (greedy order), shares lie in [0, 1]
        cw = mip.curve["covered_weight"].to_numpy()
        assert (np.diff(cw) > 0).all()
        assert (np.diff(mip.gains) <= 1e-9).all()
        assert ((mip.curve["share"] >= 0) & (mip.curve["share"] <= 1 + 1e-12)).all()
        assert cw[-1] == pytest.approx(mip.covered_weight)
        # the reported coverage is what the chosen sites cover
        hit = already | cover[:, mip.chosen].any(axis=1)
        assert w[hit].sum() == pytest.approx(mip.covered_weight)


@PROPS
@given(instances(), st.integers(0, 5), st.data())
def test_more_sites_candidates_or_stations_never_lower_coverage(
    inst: tuple[np.ndarray, np.ndarray, np.ndarray], extra_seed: int, data: st.DataObject
) -> None:
    cover, w, already = inst
    k = data.draw(st.integers(1, cover.shape[1]))
    base = solve_mclp(cover, w, k, covered_already=already, solver="highs")
    # adding a site to the chosen set never lowers coverage; removing one never raises it
    chosen = base.chosen.tolist()
    hit = already | cover[:, chosen].any(axis=1)
    for j in range(cover.shape[1]):
        assert w[already | cover[:, [*chosen, j]].any(axis=1)].sum() >= w[hit].sum()
    for j in chosen:
        rest = [c for c in chosen if c != j]
        assert w[already | cover[:, rest].any(axis=1)].sum() <= w[hit].sum()
    # one more candidate never lowers the optimum
    col = np.random.default_rng(extra_seed).random((cover.shape[0], 1)) < 0.5
    more = solve_mclp(np.hstack([cover, col]), w, k, covered_already=already, solver="highs")
    assert more.covered_weight >= base.covered_weight - 1e-9
    # one more existing station (more rows already covered) never lowers the covered share
    more_already = already | col[:, 0]
    assert solve_mclp(cover, w, k, covered_already=more_already, solver="highs").share >= base.share - 1e-12


@PROPS
@given(instances(), st.sampled_from([0.3, 0.5, 0.8, 0.95, 1.0]))
def test_lscp_equals_brute_force(inst: tuple[np.ndarray, np.ndarray, np.ndarray], share: float) -> None:
    cover, w, already = inst
    best = brute_lscp(cover, w, share, already)
    if best is None:
        with pytest.raises(hc.InputError, match="cannot be reached"):
            solve_lscp(cover, w, share, covered_already=already)
        return
    sol = solve_lscp(cover, w, share, covered_already=already, solver="highs")
    assert len(sol.chosen) == best
    assert sol.share >= share - 1e-9
    assert sol.gap == 0.0
    greedy = solve_lscp(cover, w, share, covered_already=already, solver="greedy")
    assert len(greedy.chosen) >= best
    assert greedy.share >= share - 1e-9
    # the gap is a true bound: (count − optimum) / count ≤ gap
    if len(greedy.chosen):
        assert (len(greedy.chosen) - best) / len(greedy.chosen) <= greedy.gap + 1e-9
    # among the smallest sets, the one covering the most weight
    if best:
        assert sol.new_weight == pytest.approx(brute_mclp(cover, w, best, already))


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(instances(max_demand=8, max_cand=5))
def test_cbc_agrees_with_highs(inst: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    cover, w, already = inst
    k = max(1, cover.shape[1] // 2)
    a = solve_mclp(cover, w, k, covered_already=already, solver="highs")
    b = solve_mclp(cover, w, k, covered_already=already, solver="cbc")
    assert a.covered_weight == pytest.approx(b.covered_weight)


# ---------------------------------------------------------------------------------------------
# coverage matrices on a tiny hand-built network
# ---------------------------------------------------------------------------------------------
#
#   n0 ──1000── n1 ──1000── n2 ──1000──▶ n3        residential; n2 → n3 is one-way (east)
#                             ▲           │
#                             └─── n4 ◀───┘        n3 → n4 → n2: the way back, 1,118.03 m each
#                                (2500, 1000)
#
# Candidates: c0 at n0, c1 at n3, c2 5 km north of n0 (off the network: beyond the drive mode's
# 1,000 m snapping limit). Demand: d0 at (500, 40) (40 m access leg to the middle of n0–n1),
# d1 at n2, d2 at (2500, 0) (middle of the one-way n2 → n3), d3 at n3.

LEG = math.hypot(500.0, 1000.0)


def _tiny() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(crs=CRS)
    for n, (dx, dy) in {0: (0, 0), 1: (1000, 0), 2: (2000, 0), 3: (3000, 0), 4: (2500, 1000)}.items():
        G.add_node(n, x=X0 + dx, y=Y0 + dy)
    for u, v in [(0, 1), (1, 0), (1, 2), (2, 1)]:
        G.add_edge(u, v, highway="residential", oneway=False)
    for u, v in [(2, 3), (3, 4), (4, 2)]:
        G.add_edge(u, v, highway="residential", oneway=True)
    return hc.read_network(G, mode="drive")


def _pts(xy: list[tuple[float, float]], crs: str = CRS, **cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in xy], crs=crs)


@pytest.fixture(scope="module")
def tiny() -> nx.MultiDiGraph:
    return _tiny()


CANDS = [(0, 0), (3000, 0), (0, 5000)]
DEMAND = [(500, 40), (2000, 0), (2500, 0), (3000, 0)]


def test_coverage_by_hand_from_facility(tiny: nx.MultiDiGraph) -> None:
    # Network distances (weight="length", an ambulance driving out):
    #   from c0: d0 500 + 40 = 540, d1 2000, d2 2500, d3 3000
    #   from c1: d0 2·LEG + 1000 + 500 + 40 = 3776.07, d1 2·LEG = 2236.07, d2 2236.07 + 500, d3 0
    # Per-demand thresholds [600, 2000, 2600, 100]: c0 covers d0, d1 (exactly 2000), d2; c1 covers d3.
    with pytest.warns(hc.OffNetworkWarning, match="1 of 3 candidates"):
        cover = candidate_coverage(tiny, _pts(CANDS), _pts(DEMAND), [600, 2000, 2600, 100], weight="length")
    assert isinstance(cover, sp.csr_matrix)
    assert cover.dtype == bool
    assert cover.toarray().astype(int).tolist() == [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0]]
    # just below the exact distances nothing changes but d1 drops out of c0's reach
    with pytest.warns(hc.OffNetworkWarning):
        cover = candidate_coverage(tiny, _pts(CANDS), _pts(DEMAND), [540, 1999.9, 2736.1, 0], weight="length")
    assert cover.toarray().astype(int).tolist() == [[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 0]]
    assert 2 * LEG + 500 < 2736.1


def test_coverage_by_hand_to_facility(tiny: nx.MultiDiGraph) -> None:
    # Residents driving in (weight="length"):
    #   to c0: d0 40 + 500 = 540, d1 2000, d2 500 + 2·LEG + 2000 = 4736.07, d3 2·LEG + 2000 = 4236.07
    #   to c1: d0 540 + 2000 = 2540, d1 1000, d2 500, d3 0
    # One threshold for all, 2,700 m.
    with pytest.warns(hc.OffNetworkWarning):
        cover = candidate_coverage(tiny, _pts(CANDS), _pts(DEMAND), 2700, weight="length", direction="to_facility")
    assert cover.toarray().astype(int).tolist() == [[1, 1, 0], [1, 1, 0], [0, 1, 0], [0, 1, 0]]


@pytest.mark.parametrize("weight", ["length", "travel_time"])
@pytest.mark.parametrize("direction", ["from_facility", "to_facility"])
def test_coverage_equals_travel_times_per_candidate_tiny(tiny: nx.MultiDiGraph, weight: str, direction: str) -> None:
    cands = _pts([*CANDS[:2], (1500, 30), (2600, 900)])
    demand = _pts([*DEMAND, (1200, -20), (2200, 500)])
    thr = np.array([600.0, 2500.0, 3000.0, 400.0, 1500.0, 5000.0]) * (0.2 if weight == "travel_time" else 1.0)
    cover = candidate_coverage(tiny, cands, demand, thr, weight=weight, direction=direction).toarray()
    col = "dist_m" if weight == "length" else "travel_time_s"
    for j in range(len(cands)):
        tt = hc.travel_times(tiny, cands.iloc[[j]], points=demand, weight=weight, direction=direction)
        assert cover[:, j].tolist() == (tt[col].to_numpy() <= thr).tolist()


def test_coverage_inputs_and_errors(tiny: nx.MultiDiGraph) -> None:
    cands, demand = _pts(CANDS[:2]), _pts(DEMAND)
    # a Series of thresholds aligns on demand's index
    thr = pd.Series([600.0, 2000.0, 2600.0, 100.0], index=demand.index)[::-1]
    a = candidate_coverage(tiny, cands, demand, thr, weight="length").toarray()
    assert a.astype(int).tolist() == [[1, 0], [1, 0], [1, 0], [0, 1]]
    # demand in another CRS gives the same answer
    b = candidate_coverage(tiny, cands, demand.to_crs(4326), thr.to_numpy()[::-1], weight="length").toarray()
    assert (a == b).all()
    # small batches give the same answer
    c = candidate_coverage(tiny, cands, demand, thr, weight="length", batch_bytes=1).toarray()
    assert (a == c).all()
    with pytest.raises(hc.InputError, match=r"thresholds has shape \(3,\) but there are 4 demand points"):
        candidate_coverage(tiny, cands, demand, [1, 2, 3])
    with pytest.raises(hc.InputError, match=r"negative or NaN thresholds"):
        candidate_coverage(tiny, cands, demand, [1, -2, np.nan, 3])
    with pytest.raises(hc.InputError, match="lacks demand rows"):
        candidate_coverage(tiny, cands, demand, pd.Series([1.0, 2.0], index=[0, 1]))
    with pytest.raises(hc.InputError, match="unknown weight"):
        candidate_coverage(tiny, cands, demand, 100, weight="minutes")
    with pytest.raises(hc.InputError, match="unknown direction"):
        candidate_coverage(tiny, cands, demand, 100, direction="sideways")
    with pytest.raises(hc.EmptyInputError):
        candidate_coverage(tiny, cands.iloc[:0], demand, 100)
    with pytest.raises(hc.OffNetworkError):
        candidate_coverage(tiny, _pts([(0, 9000)]), demand, 100)
    with pytest.raises(hc.NetworkError):
        candidate_coverage(nx.MultiDiGraph(), cands, demand, 100)


def test_off_network_demand_is_covered_by_nothing(tiny: nx.MultiDiGraph) -> None:
    with pytest.warns(hc.OffNetworkWarning, match="1 of 2 demand points"):
        cover = candidate_coverage(tiny, _pts([(0, 0)]), _pts([(500, 0), (500, 4000)]), 1e9, weight="length")
    assert cover.toarray().ravel().tolist() == [True, False]


def test_straight_coverage() -> None:
    cand = gpd.GeoSeries(shapely.points([(X0, Y0), (X0 + 1000, Y0)]), crs=CRS)
    dem = _pts([(0, 300), (900, 0), (5000, 0)], population=[1, 2, 3])
    got = straight_coverage(cand, dem, [500, 100, 4000]).toarray()
    # d0: 300 m from c0, 1044 m from c1; d1: 900 / 100 m; d2: 5000 / 4000 m (inclusive)
    assert got.astype(int).tolist() == [[1, 0], [0, 1], [0, 1]]
    # the same points in degrees: measured in their UTM zone
    got_ll = straight_coverage(cand.to_crs(4326), dem.to_crs(4326), [500, 100.001, 4000.001]).toarray()
    assert (got == got_ll).all()
    assert straight_coverage(cand, dem, 10_000).toarray().all()
    with pytest.raises(hc.InputError, match="thresholds_m has shape"):
        straight_coverage(cand, dem, [1, 2])
    with pytest.raises(hc.CRSError):
        straight_coverage(gpd.GeoSeries(shapely.points([(0, 0)])), dem, 1)
    with pytest.raises(hc.InputError, match="GeoDataFrame or GeoSeries"):
        straight_coverage([(0, 0)], dem, 1)


# ---------------------------------------------------------------------------------------------
# the Shanghai drive network
# ---------------------------------------------------------------------------------------------
#
# Existing: the ambulance stations (上海市医疗急救中心 and its 分站) among the emergency centres
# that lie on the network (11). Demand: the network's nodes, weighted by half the length of the
# roads meeting there (a population proxy spread along the streets). Thresholds, network distance
# driven out from the station: 3,500 m for "urban" nodes within 4 km (straight line) of the
# median node — the Huangpu/Jing'an core — and 8,000 m for the rest, in one model.
# Candidates: nodes within 1 km of an uncovered node, at least 1 km apart, outside a 1.5 km
# exclusion circle around the core.


@pytest.fixture(scope="module")
def shanghai(shanghai_drive: nx.MultiDiGraph, shanghai_emergency: gpd.GeoDataFrame) -> dict[str, object]:
    G = shanghai_drive
    on = hc.snap_points(G, shanghai_emergency)["on_network"].to_numpy()
    existing = shanghai_emergency[on & shanghai_emergency["name"].str.contains("医疗急救中心").to_numpy()]
    demand = hc.nodes_frame(G)
    xy = shapely.get_coordinates(demand.geometry.values)
    centre = np.median(xy, axis=0)
    thr = np.where(np.hypot(*(xy - centre).T) <= 4000, 3500.0, 8000.0)
    arr = graph_arrays(G)
    w = (np.bincount(arr.u, arr.length, minlength=arr.n) + np.bincount(arr.v, arr.length, minlength=arr.n)) / 2
    w = w[arr.g_order]
    tt = hc.travel_times(G, existing, points=demand, weight="length", direction="from_facility")
    already = (tt["dist_m"] <= thr).to_numpy()
    gaps = gpd.GeoSeries([demand.geometry[~already].buffer(1000).union_all()], crs=demand.crs)
    core = gpd.GeoSeries([shapely.Point(*centre).buffer(1500)], crs=demand.crs)
    cand = generate_candidates(G, within=gaps, spacing_m=1000, exclude=core)
    cover = candidate_coverage(G, cand, demand, thr, weight="length")
    return {
        "G": G,
        "existing": existing,
        "demand": demand,
        "thr": thr,
        "w": w,
        "already": already,
        "cand": cand,
        "cover": cover,
        "core": core,
        "gaps": gaps,
    }


@pytest.mark.slow
def test_shanghai_instance_is_meaningful(shanghai: dict) -> None:
    assert len(shanghai["existing"]) == 11
    already, w = shanghai["already"], shanghai["w"]
    assert 0.5 < w[already].sum() / w.sum() < 0.95  # a real gap to close
    cand = shanghai["cand"]
    assert len(cand) >= 20
    assert shanghai["cover"].shape == (len(shanghai["demand"]), len(cand))
    # candidates lie in the gaps, outside the core, at least 1 km apart
    assert shanghai["gaps"].iloc[0].covers(cand.geometry).all()
    assert not shanghai["core"].iloc[0].intersects(cand.geometry).any()
    d = np.hypot(
        *(
            shapely.get_coordinates(cand.geometry.values)[:, None, :]
            - shapely.get_coordinates(cand.geometry.values)[None]
        ).T
    )
    assert d[np.triu_indices(len(cand), 1)].min() >= 1000


@pytest.mark.slow
def test_shanghai_coverage_equals_travel_times_per_candidate(shanghai: dict) -> None:
    G, cand, demand, thr, cover = (shanghai[k] for k in ("G", "cand", "demand", "thr", "cover"))
    cover = cover.toarray()
    for j in np.linspace(0, len(cand) - 1, 8).astype(int):
        tt = hc.travel_times(G, cand.iloc[[j]], points=demand, weight="length", direction="from_facility")
        d = tt["dist_m"].to_numpy()
        clear = np.abs(d - thr) > 1e-6  # not on the threshold to the last bit
        assert (cover[clear, j] == (d[clear] <= thr[clear])).all()
        assert cover[:, j].sum() > 0
    # and with travel times (10 minutes everywhere), for two candidates
    tcover = candidate_coverage(G, cand.iloc[:2], demand, 600.0, weight="travel_time").toarray()
    for j in range(2):
        t = hc.travel_times(G, cand.iloc[[j]], points=demand, weight="travel_time", direction="from_facility")
        assert (tcover[:, j] == (t["travel_time_s"].to_numpy() <= 600.0)).all()


@pytest.mark.slow
def test_shanghai_mip_at_least_greedy_and_equal_to_spopt(shanghai: dict) -> None:
    from spopt.locate import MCLP

    cover, w, already = shanghai["cover"], shanghai["w"], shanghai["already"]
    # spopt gets the same coverage matrix as a 0/1 cost matrix (radius 0.5), on the rows the
    # existing stations leave uncovered
    rows = ~already
    cost = np.where(cover[rows].toarray(), 0.0, 1.0)
    worse = 0
    for k in (1, 2, 3, 4, 6):
        mip = solve_mclp(cover, w, k, covered_already=already, solver="highs")
        greedy = solve_mclp(cover, w, k, covered_already=already, solver="greedy")
        assert mip.method == "mip-highs"
        assert mip.status == "Optimal"
        assert mip.gap == 0.0
        assert mip.new_weight >= greedy.new_weight - 1e-6
        worse += mip.new_weight > greedy.new_weight + 1e-6
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # spopt builds its model with PuLP 3's old API
            import pulp

            model = MCLP.from_cost_matrix(cost, w[rows], service_radius=0.5, p_facilities=k)
            model = model.solve(pulp.PULP_CBC_CMD(msg=False))
        assert pulp.value(model.problem.objective) == pytest.approx(mip.new_weight, rel=1e-9)
    assert worse >= 1  # on this instance greedy is beaten at some k (k=3 and k=4)


@pytest.mark.slow
def test_shanghai_lscp(shanghai: dict) -> None:
    cover, w, already = shanghai["cover"], shanghai["w"], shanghai["already"]
    sol = solve_lscp(cover, w, 0.999, covered_already=already)
    assert sol.share >= 0.999
    assert sol.status == "Optimal"
    # one fewer site cannot reach the target
    fewer = solve_mclp(cover, w, len(sol.chosen) - 1, covered_already=already, solver="highs")
    assert fewer.share < 0.999


# ---------------------------------------------------------------------------------------------
# candidate generation
# ---------------------------------------------------------------------------------------------


def _min_spacing(gdf: gpd.GeoDataFrame) -> float:
    xy = shapely.get_coordinates(gdf.geometry.values)
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return float(d[np.triu_indices(len(xy), 1)].min())


@pytest.mark.slow
def test_generate_candidates_spacing_within_exclude(shanghai_drive: nx.MultiDiGraph) -> None:
    G = shanghai_drive
    nodes = hc.nodes_frame(G)
    every = generate_candidates(G, spacing_m=None)
    assert every.index.equals(nodes.index)  # no thinning: every node, in G's order
    assert (generate_candidates(G, spacing_m=0).index == nodes.index).all()
    for spacing in (500, 1000, 2500):
        cand = generate_candidates(G, spacing_m=spacing)
        assert _min_spacing(cand) >= spacing
        assert cand.index.isin(nodes.index).all()
        # about one per grid cell: at least as many as cells of twice the spacing that hold a node
        xy = shapely.get_coordinates(nodes.geometry.values)
        cells = np.unique(np.floor((xy - xy.min(axis=0)) / (2 * spacing)).astype(int), axis=0)
        assert len(cand) >= len(cells)
    # deterministic
    assert generate_candidates(G, spacing_m=1000).index.equals(generate_candidates(G, spacing_m=1000).index)
    x0, y0, x1, y1 = nodes.total_bounds
    box = shapely.box(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)  # south-west quarter
    hole = shapely.Point((x0 + x1) / 4 + x0 / 2, (y0 + y1) / 4 + y0 / 2).buffer(1500)
    cand = generate_candidates(G, within=box, spacing_m=800, exclude=[hole])
    assert box.covers(cand.geometry).all()
    assert not hole.intersects(cand.geometry).any()
    assert _min_spacing(cand) >= 800
    # polygons in another CRS are reprojected
    ll = generate_candidates(
        G,
        within=gpd.GeoSeries([box], crs=CRS).to_crs(4326),
        spacing_m=800,
        exclude=gpd.GeoDataFrame(geometry=[hole], crs=CRS).to_crs(4326),
    )
    assert len(ll.index.symmetric_difference(cand.index)) <= 2  # the reprojected boundary may differ by a hair
    assert cand.crs == G.graph["crs"]


@pytest.mark.slow
def test_generate_candidates_errors(shanghai_drive: nx.MultiDiGraph) -> None:
    G = shanghai_drive
    x0, y0, x1, y1 = hc.nodes_frame(G).total_bounds
    everything = shapely.box(x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    with pytest.raises(
        hc.EmptyInputError, match=r"no candidate sites are left \(3686 network nodes, 0 outside `exclude`\)"
    ):
        generate_candidates(G, exclude=everything)
    with pytest.raises(hc.EmptyInputError, match="0 inside `within`"):
        generate_candidates(G, within=shapely.box(0, 0, 1, 1))
    with pytest.raises(hc.InvalidGeometryError, match="not \\(non-empty\\) polygons"):
        generate_candidates(G, within=shapely.Point(x0, y0))
    with pytest.raises(hc.CRSError, match="within has no CRS"):
        generate_candidates(G, within=gpd.GeoSeries([everything]))
    with pytest.raises(hc.EmptyInputError, match="within is empty"):
        generate_candidates(G, within=gpd.GeoSeries([], crs=CRS))
    with pytest.raises(hc.InputError, match="within must be polygons"):
        generate_candidates(G, within="downtown")
    with pytest.raises(hc.InputError, match="spacing_m must be a non-negative"):
        generate_candidates(G, spacing_m=-5)
    # all candidates excluded, then handed to the solver: a clear error too
    with pytest.raises(hc.EmptyInputError, match="no candidate sites"):
        solve_mclp(np.zeros((3, 0), bool), [1, 1, 1], 1)


def test_highs_prints_nothing_on_stdout():
    """HiGHS prints its licence banner on file descriptor 1 at the first solver of a process: silenced."""
    import subprocess
    import sys

    code = (
        "import numpy as np, scipy.sparse as sp\n"
        "from healthcov.siting import solve_mclp\n"
        "A = sp.csr_matrix(np.array([[1, 0], [0, 1], [1, 1]], dtype=bool))\n"
        "print('chosen', sorted(solve_mclp(A, np.array([1.0, 2.0, 3.0]), 1, solver='highs').chosen.tolist()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "chosen [1]\n"  # facility 1 covers demand 1 and 2 (weight 5) against 4
    assert "HiGHS" not in out.stderr
