"""Maximal covering (:func:`solve_mclp`) and set covering (:func:`solve_lscp`) over a coverage matrix.

Both keep the existing facilities' coverage fixed, solve an exact mixed-integer programme with
HiGHS (or CBC through PuLP when asked) and fall back to greedy with swaps for very large instances
or when the MIP runs out of time; the result says which was used and how far from optimal it can
be. The models are the classic ones (Church & ReVelle 1974; Toregas et al. 1971), as in ``spopt``.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from .mip import solve_mip
from .model import (
    Problem,
    SiteSolution,
    covered_by,
    greedy,
    interchange,
    order_sites,
    reduce_problem,
    rel_gap_max,
    solution,
    validate_cover,
)

__all__ = ["solve_mclp", "solve_lscp", "SOLVERS", "MIP_MAX_NONZEROS", "GREEDY_MCLP_GAP"]

logger = logging.getLogger(__name__)

#: accepted values of ``solver``
SOLVERS = ("auto", "highs", "cbc", "greedy")

#: with ``solver="auto"``, models with more coverage entries than this (after reduction) go greedy
MIP_MAX_NONZEROS = 20_000_000

#: greedy's worst-case relative gap for maximal covering: it gets at least (1 - 1/e) of the optimum
GREEDY_MCLP_GAP = 1.0 / math.e


def resolve_solver(solver: str) -> str:
    key = str(solver).strip().lower().replace("_", "-")
    key = {"mip": "auto", "pulp": "cbc", "mip-cbc": "cbc", "highspy": "highs", "mip-highs": "highs"}.get(key, key)
    if key not in SOLVERS:
        msg = f"unknown solver {solver!r}: use one of {', '.join(map(repr, SOLVERS))}"
        raise InputError(msg)
    return key


def check_time(time_limit_s: float) -> float:
    try:
        t = float(time_limit_s)
    except (TypeError, ValueError) as exc:
        msg = f"time_limit_s must be a number of seconds, got {time_limit_s!r}"
        raise InputError(msg) from exc
    if not t > 0:
        msg = f"time_limit_s must be positive, got {time_limit_s!r}"
        raise InputError(msg)
    return t


def solve_mclp(
    cover: Any,
    weights: Any,
    k: int,
    *,
    covered_already: Any = None,
    solver: str = "auto",
    time_limit_s: float = 60.0,
) -> SiteSolution:
    """Maximal covering: the ``k`` sites that newly cover the most demand weight.

    Demand already covered by existing facilities (``covered_already``) gains nothing and is left
    out of the model, so the sites go where the gaps are. Sites that would add nothing are not
    returned, so ``chosen`` can be shorter than ``k`` when fewer sites already cover everything
    that can be covered.

    Before solving, the instance is reduced without changing the optimum: covered, weightless and
    uncoverable rows go, rows with the same candidate set merge, and candidates covering a
    subset of another candidate's rows (or the same rows) go.

    Parameters
    ----------
    cover
        Boolean demand × candidate matrix (sparse or dense), e.g. from :func:`candidate_coverage`.
    weights
        Demand weight per row (population); finite and non-negative.
    k
        Number of new sites, 1 ≤ k ≤ number of candidates.
    covered_already
        Boolean per row: covered by existing facilities.
    solver
        ``"highs"`` (exact MIP with HiGHS), ``"cbc"`` (exact MIP with CBC; needs ``pulp``),
        ``"greedy"`` (greedy, then single-site swaps while they help: seconds on any size,
        usually within a few per cent), or ``"auto"``: HiGHS, except greedy above
        :data:`MIP_MAX_NONZEROS` coverage entries or when greedy already covers every coverable
        point (then provably optimal). Any case is accepted.
    time_limit_s
        Time limit for the whole solve. When the MIP runs out of time the best solution found is
        kept (never worse than greedy, which starts it) and ``gap`` says how far from optimal it
        may be.

    Returns
    -------
    SiteSolution

    Examples
    --------
    Five demand points, three candidates; the best single site covers points 0–2 (weight 6), the
    best pair adds candidate 2 (points 3 and 4, weight 4+5):

    >>> import numpy as np
    >>> from healthcov.siting import solve_mclp
    >>> cover = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], bool)
    >>> sol = solve_mclp(cover, [1, 2, 3, 4, 5], k=2, solver="highs")
    >>> sol.chosen.tolist(), sol.covered_weight, sol.method, sol.gap
    ([2, 0], 15.0, 'mip-highs', 0.0)
    >>> sol.curve[["n_sites", "covered_weight"]].values.tolist()
    [[0.0, 0.0], [1.0, 9.0], [2.0, 15.0]]
    """
    t0 = time.perf_counter()
    A, w, ca = validate_cover(cover, weights, covered_already)
    n_c = A.shape[1]
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        msg = f"k must be a whole number of sites, got {k!r}"
        raise InputError(msg)
    k = int(k)
    if k < 1 or k > n_c:
        msg = f"k={k} sites cannot be chosen from {n_c} candidate(s): use 1 ≤ k ≤ {n_c}, or add candidates"
        raise InputError(msg)
    solver = resolve_solver(solver)
    tl = check_time(time_limit_s)
    P = reduce_problem(A, w, ca)
    if P.A.shape[1] == 0:
        method = "greedy" if solver == "greedy" else _mip_name(solver)
        return solution(P, [], method=method, status="nothing to gain", gap=0.0, t0=t0)
    g_sites, _, ub, _ = greedy(P, k=k)
    h_sites = interchange(P, g_sites, deadline=t0 + 0.25 * tl)
    h_value = covered_by(P, h_sites)
    all_covered = h_value >= P.coverable * (1 - 1e-12)
    ub = min(ub, P.coverable)
    h_gap = 0.0 if all_covered else min(GREEDY_MCLP_GAP, rel_gap_max(h_value, ub))
    if solver in ("auto", "greedy") and all_covered:
        # every coverable point is covered: nothing can do better
        status = "Optimal (greedy covers all coverable demand)"
        return solution(P, h_sites, method="greedy", status=status, gap=0.0, t0=t0)
    if solver == "greedy":
        return solution(P, h_sites, method="greedy", status="greedy + interchange (requested)", gap=h_gap, t0=t0)
    if solver == "auto" and P.A.nnz > MIP_MAX_NONZEROS:
        logger.info("MCLP: %d coverage entries > MIP_MAX_NONZEROS, solving greedily", P.A.nnz)
        status = f"greedy + interchange (model above {MIP_MAX_NONZEROS:,} coverage entries)"
        return solution(P, h_sites, method="greedy", status=status, gap=h_gap, t0=t0)
    left = max(tl - (time.perf_counter() - t0), 1e-3)
    res = solve_mip(P, k=k, start=h_sites, solver=solver, time_limit_s=left)
    bound = min(res.bound, ub) if math.isfinite(res.bound) else ub
    if res.sites is not None:
        m_value = covered_by(P, res.sites)
        if m_value >= h_value - 1e-9 * max(h_value, 1.0):
            gap = 0.0 if res.optimal else rel_gap_max(m_value, bound)
            return solution(P, res.sites, method=res.method, status=res.status, gap=gap, t0=t0)
    status = f"greedy + interchange ({res.method}: {res.status})"
    return solution(P, h_sites, method="greedy", status=status, gap=min(h_gap, rel_gap_max(h_value, bound)), t0=t0)


def _mip_name(solver: str) -> str:
    return "mip-cbc" if solver == "cbc" else "mip-highs"


def solve_lscp(
    cover: Any,
    weights: Any,
    target_share: float,
    *,
    covered_already: Any = None,
    solver: str = "auto",
    time_limit_s: float = 60.0,
) -> SiteSolution:
    """Set covering: the fewest new sites so that ``target_share`` of all demand weight is covered.

    The share counts existing coverage (``covered_already``) and new coverage together, of the
    TOTAL weight. With ``target_share=1`` this is the classic location set covering problem.

    Solved as a sequence of maximal-covering MIPs: greedy (with swaps) gives a first count p;
    then p − 1, p − 2, … sites are tried until the best p − 1 sites fall short of the target (or a
    lower bound is met), which proves the count optimal. The sites returned are the best-covering
    set of that size (``status`` says so when time ran out before that was proven).

    Parameters
    ----------
    cover, weights, covered_already, solver, time_limit_s
        As in :func:`solve_mclp`.
    target_share
        Share of the total weight to reach, in (0, 1].

    Returns
    -------
    SiteSolution
        ``gap`` is (sites − lower bound on the number of sites) / sites.

    Raises
    ------
    InputError
        When the target cannot be reached even with every candidate; the message gives the best
        share achievable.

    Examples
    --------
    >>> import numpy as np
    >>> from healthcov.siting import solve_lscp
    >>> cover = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 1]], bool)
    >>> sol = solve_lscp(cover, [1, 2, 3, 4, 5], target_share=1.0)
    >>> sol.chosen.tolist(), sol.share
    ([2, 0], 1.0)
    """
    t0 = time.perf_counter()
    A, w, ca = validate_cover(cover, weights, covered_already)
    target = _target_share(target_share)
    solver = resolve_solver(solver)
    tl = check_time(time_limit_s)
    P = reduce_problem(A, w, ca)
    tol = 1e-9 * P.total
    need = target * P.total - P.existing  # new weight needed
    if need <= tol:
        method = "greedy" if solver == "greedy" else _mip_name(solver)
        return solution(P, [], method=method, status="target already met by existing facilities", gap=0.0, t0=t0)
    _check_reachable(P, target, need, tol)
    need = max(need - tol, 0.0)
    g_sites, _, _, lb = greedy(P, need=need)
    lb = max(lb, 1)
    h_sites = _fewer_sites(P, g_sites, lb, need, deadline=t0 + 0.25 * tl)
    if solver == "greedy" or (solver == "auto" and P.A.nnz > MIP_MAX_NONZEROS):
        why = "requested" if solver == "greedy" else f"model above {MIP_MAX_NONZEROS:,} coverage entries"
        status = f"greedy + interchange ({why})"
        return solution(P, h_sites, method="greedy", status=status, gap=_count_gap(len(h_sites), lb), t0=t0)
    search = _downward_search(P, h_sites, lb, need, solver=solver, deadline=t0 + tl)
    best, method = search.best, search.method
    maximal = search.best_is_mip or covered_by(P, best) >= P.coverable * (1 - 1e-12)
    refine_status = ""
    if not maximal:
        # the count may be right, but a MIP can still pick that many sites covering more
        left = tl - (time.perf_counter() - t0)
        if left > 0:
            res = solve_mip(P, k=len(best), start=best, solver=solver, time_limit_s=left)
            method = res.method
            if res.sites is not None and covered_by(P, res.sites) >= covered_by(P, best):
                best = res.sites
            maximal, refine_status = res.optimal, res.status
        else:
            refine_status = "out of time"
    proven = len(search.best) <= math.ceil(search.lower - 1e-6)
    status = ("Optimal" if proven else search.status) + (
        "" if maximal else f" (coverage with {len(best)} sites not maximised: {refine_status})"
    )
    return solution(P, best, method=method, status=status, gap=_count_gap(len(best), search.lower), t0=t0)


def _target_share(target_share: Any) -> float:
    try:
        target = float(target_share)
    except (TypeError, ValueError) as exc:
        msg = f"target_share must be a number in (0, 1], got {target_share!r}"
        raise InputError(msg) from exc
    if not 0 < target <= 1:
        msg = f"target_share must be in (0, 1] (a share, not a percentage), got {target_share!r}"
        raise InputError(msg)
    return target


def _check_reachable(P: Problem, target: float, need: float, tol: float) -> None:
    best_share = (P.existing + P.coverable) / P.total
    if P.coverable < need - tol:
        msg = (
            f"target_share={target:g} cannot be reached: with all {P.n_cand} candidates built, at most "
            f"{best_share:.2%} of the weight is covered ({P.existing / P.total:.2%} by existing facilities, "
            f"{P.coverable / P.total:.2%} more by the {P.A.shape[1]} useful candidates); lower target_share to "
            f"{math.floor(best_share * 1e4) / 1e4:g} or less, or add candidates / raise the thresholds"
        )
        raise InputError(msg)


def _fewer_sites(P: Problem, sites: list[int], lb: int, need: float, *, deadline: float) -> list[int]:
    """Try to do with fewer sites: drop the one adding least, repair by swaps, while the target is met."""
    while len(sites) > lb and time.perf_counter() < deadline:
        trial = interchange(P, order_sites(P, sites)[0][:-1], deadline=deadline)
        if covered_by(P, trial) < need:
            break
        sites = trial
    return sites


def _count_gap(n: int, lower: float) -> float:
    return max(0.0, (n - math.ceil(lower - 1e-6)) / n) if n else 0.0


@dataclass
class _Search:
    best: list[int]
    best_is_mip: bool
    status: str
    method: str
    lower: float  # lower bound on the number of sites


def _downward_search(P: Problem, sites: list[int], lb: int, need: float, *, solver: str, deadline: float) -> _Search:
    """Can p = |best| - 1 sites reach the target? Each step solves maximal covering with p sites:
    its optimum reaches the target, or proves that p sites cannot."""
    out = _Search(best=sites, best_is_mip=False, status="greedy + interchange", method="greedy", lower=float(lb))
    p = len(sites) - 1
    while p >= lb:
        left = deadline - time.perf_counter()
        if left <= 0:
            out.status = f"{out.status}; out of time at {p} sites"
            return out
        start = order_sites(P, out.best)[0][:p]
        res = solve_mip(P, k=p, start=start, solver=solver, time_limit_s=left)
        out.method = res.method
        if res.sites is not None and covered_by(P, res.sites) >= need:
            out.best, out.best_is_mip, out.status = res.sites, res.optimal, res.status
            p -= 1
            continue
        if res.optimal or res.bound < need:  # (a NaN bound compares False)
            out.lower = p + 1.0
        else:
            out.status = f"{res.status} at {p} sites"
        return out
    out.lower = p + 1.0  # reached the lower bound
    return out
