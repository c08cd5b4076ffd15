"""The siting model's data: the solution returned to users and the reduced instance the solvers work on.

Also the heuristics every solver starts from: greedy (with its submodular bounds) and single-site
swaps (Teitz & Bart), and the assembly of a :class:`SiteSolution` with its marginal-gain curve.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import EmptyInputError, InputError, describe_ids

__all__ = [
    "SiteSolution",
    "Problem",
    "validate_cover",
    "reduce_problem",
    "greedy",
    "interchange",
    "order_sites",
    "covered_by",
    "solution",
]

# curve columns
N_SITES = "n_sites"
SITE = "site"
GAIN = "gain"
COVERED_WEIGHT = "covered_weight"
SHARE = "share"


@dataclass(frozen=True, eq=False)
class SiteSolution:
    """Sites chosen by :func:`solve_mclp` or :func:`solve_lscp`.

    Attributes
    ----------
    chosen
        Candidate positions (columns of the coverage matrix; ``candidates.iloc[chosen]``), in
        order of marginal gain: each adds the most weight given the ones before it.
    gains
        Weight newly covered by each chosen site, given the sites before it.
    covered_weight
        Weight covered with the new sites, existing coverage included.
    existing_weight
        Weight covered by existing facilities alone (``covered_already``).
    total_weight
        Weight of all demand.
    share
        ``covered_weight / total_weight``.
    curve
        The marginal-gain curve: ``n_sites`` (0 = existing facilities only), ``site`` (position
        added at that step), ``gain``, ``covered_weight`` and ``share``.
    method
        ``"mip-highs"``, ``"mip-cbc"`` or ``"greedy"``.
    status
        The solver's status (``"Optimal"``, ``"Time limit reached"``…), or why greedy was used.
    gap
        Relative optimality gap: 0 when proven optimal. Maximal covering: (bound − new weight) /
        bound, with the MIP's dual bound or, for greedy, the tighter of its data-dependent
        submodular bound and 1/e. Set covering: (sites − lower bound on sites) / sites.
    elapsed_s
        Wall time of the solve.
    """

    chosen: np.ndarray
    gains: np.ndarray
    covered_weight: float
    existing_weight: float
    total_weight: float
    share: float
    curve: pd.DataFrame
    method: str
    status: str
    gap: float
    elapsed_s: float

    @property
    def new_weight(self) -> float:
        """Weight newly covered by the chosen sites."""
        return self.covered_weight - self.existing_weight

    def __repr__(self) -> str:
        return (
            f"SiteSolution({len(self.chosen)} sites, share {self.share:.4f} "
            f"(existing {self.existing_weight / self.total_weight:.4f}), method={self.method!r}, "
            f"status={self.status!r}, gap={self.gap:.3g}, {self.elapsed_s:.2f} s)"
        )


@dataclass
class Problem:
    """A siting instance reduced to what matters: uncovered, coverable demand; useful, distinct sites."""

    A: sp.csc_matrix  # reduced demand rows × reduced sites (float 0/1)
    w: np.ndarray  # weight of each reduced row (merged identical rows)
    cols: np.ndarray  # candidate position of each reduced site
    n_cand: int
    total: float
    existing: float

    @property
    def coverable(self) -> float:
        return float(self.w.sum())


def _as_cover(cover: Any) -> sp.csc_matrix:
    if sp.issparse(cover):
        m = sp.csc_matrix(cover)
    else:
        try:
            arr = np.asarray(cover)
        except (TypeError, ValueError) as exc:
            msg = f"cover must be a (demand × candidate) boolean matrix, got {type(cover).__name__}"
            raise InputError(msg) from exc
        if arr.ndim != 2:
            msg = f"cover must be a 2-D (demand × candidate) matrix, got {arr.ndim} dimension(s)"
            raise InputError(msg)
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            msg = "cover has NaN or infinite entries: it must be boolean (True where a candidate covers a point)"
            raise InputError(msg)
        m = sp.csc_matrix(arr.astype(bool))
    if m.shape[1] == 0:
        msg = "there are no candidate sites (cover has 0 columns): give or generate at least one candidate"
        raise EmptyInputError(msg)
    if m.shape[0] == 0:
        msg = "there is no demand (cover has 0 rows)"
        raise EmptyInputError(msg)
    m = m.astype(bool).astype(np.float64)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def validate_cover(cover: Any, weights: Any, covered_already: Any) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    A = _as_cover(cover)
    n_d = A.shape[0]
    problems = []
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        w = None
        problems.append(f"weights must be numbers, got {type(weights).__name__}")
    if w is not None:
        if w.ndim == 0:
            w = np.full(n_d, float(w))
        if w.shape != (n_d,):
            problems.append(f"weights has shape {w.shape} but cover has {n_d} demand rows")
        else:
            bad = ~np.isfinite(w) | (w < 0)
            if bad.any():
                problems.append(
                    f"weights must be finite and non-negative; rows {describe_ids(np.flatnonzero(bad).tolist())}"
                )
    if covered_already is None:
        ca = np.zeros(n_d, dtype=bool)
    else:
        ca_raw = np.asarray(covered_already)
        if ca_raw.shape != (n_d,):
            problems.append(f"covered_already has shape {ca_raw.shape} but cover has {n_d} demand rows")
            ca = np.zeros(n_d, dtype=bool)
        elif ca_raw.dtype.kind not in "biu" or not np.isin(ca_raw, (0, 1)).all():
            problems.append("covered_already must be booleans (True where existing facilities already cover a point)")
            ca = np.zeros(n_d, dtype=bool)
        else:
            ca = ca_raw.astype(bool)
    if problems or w is None:
        msg = "; ".join(problems)
        raise InputError(msg)
    if not w.sum() > 0:
        msg = "weights sum to zero: there is no demand to cover (give population or 1 per point)"
        raise InputError(msg)
    return A, w, ca


def reduce_problem(A: sp.csc_matrix, w: np.ndarray, ca: np.ndarray) -> Problem:
    """The instance reduced to what matters (the optimum is unchanged).

    Rows: drop those already covered, weightless or coverable by no candidate; merge rows with
    the same candidate set (summing weights). Sites: drop those covering none of these rows,
    duplicates (keep the first) and dominated ones (covering a strict subset of another site's
    rows: swapping one for the other never loses weight).
    """
    n_c = A.shape[1]
    total, existing = float(w.sum()), float(w[ca].sum())
    csr = A.tocsr()
    active = (~ca) & (w > 0) & (np.diff(csr.indptr) > 0)
    sub = csr[np.flatnonzero(active)].tocsc()
    sub.sort_indices()
    wa = w[active]
    # identical sites: keep the first
    deg = np.diff(sub.indptr)
    useful = np.flatnonzero(deg > 0)
    keys = pd.Series([sub.indices[sub.indptr[j] : sub.indptr[j + 1]].tobytes() for j in useful])
    cols = useful[~keys.duplicated(keep="first").to_numpy()]
    sub = sub[:, cols]
    best = _undominated(sub)
    merged, wr = _merge_rows(sub[:, best].tocsr(), wa)
    return Problem(A=merged, w=wr, cols=cols[best], n_cand=n_c, total=total, existing=existing)


def _undominated(C: sp.csc_matrix, block: int = 512) -> np.ndarray:
    """Columns of ``C`` (distinct 0/1 columns) that are not a strict subset of another column."""
    n = C.shape[1]
    deg = np.diff(C.indptr)
    keep = np.ones(n, dtype=bool)
    CT = C.T.tocsr()
    for start in range(0, n, block):
        idx = np.arange(start, min(start + block, n))
        overlap = (CT[idx] @ C).toarray()  # |N_j ∩ N_j'|
        dominated = (overlap == deg[idx, None]) & (deg[None, :] > deg[idx, None])
        keep[idx] = ~dominated.any(axis=1)
    return np.flatnonzero(keep)


def _merge_rows(sub: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csc_matrix, np.ndarray]:
    """Merge rows with the same set of sites, summing their weights."""
    sub.sort_indices()
    if sub.shape[0] == 0:
        return sub.tocsc(), np.zeros(0)
    rkeys = pd.Series([sub.indices[sub.indptr[i] : sub.indptr[i + 1]].tobytes() for i in range(sub.shape[0])])
    codes, uniq = pd.factorize(rkeys, sort=False)
    wr = np.bincount(codes, weights=w, minlength=len(uniq))
    firsts = np.unique(codes, return_index=True)[1]  # codes number rows in order of first appearance
    return sub[firsts].tocsc(), wr


def greedy(P: Problem, k: int | None = None, need: float | None = None) -> tuple[list[int], list[float], float, int]:
    """Greedy on the reduced problem: (sites, gains, upper bound for k sites, lower bound on sites for need).

    Stops after ``k`` sites, or once the new weight reaches ``need``, or when nothing is gained.
    Bounds (submodularity): for any step's covered set S, the best ``p`` sites cover at most
    f(S) + the ``p`` largest marginal gains at S.
    """
    AT = P.A.T.tocsr()
    rem = P.w.copy()
    chosen: list[int] = []
    gains: list[float] = []
    covered = 0.0
    ub = math.inf
    lb_sites = 0
    n = P.A.shape[1]
    steps = n if k is None else min(k, n)
    while True:
        g = AT @ rem
        if k is not None:
            top = np.partition(g, n - min(k, n))[n - min(k, n) :].sum() if n else 0.0
            ub = min(ub, covered + float(top))
        if need is not None:
            cs = np.cumsum(np.sort(g)[::-1])
            p = int(np.searchsorted(cs, need - covered - 1e-9 * max(need, 1.0))) + 1
            lb_sites = max(lb_sites, p if covered < need else 0)
        if len(chosen) >= steps or (need is not None and covered >= need - 1e-9 * max(need, 1.0)):
            break
        j = int(np.argmax(g))
        if g[j] <= 0:
            break
        chosen.append(j)
        gains.append(float(g[j]))
        covered += float(g[j])
        rem[P.A.indices[P.A.indptr[j] : P.A.indptr[j + 1]]] = 0.0
    return chosen, gains, ub, lb_sites


def interchange(P: Problem, sites: list[int], *, deadline: float, max_rounds: int = 1000) -> list[int]:
    """Improve ``sites`` by best-improvement single swaps (Teitz & Bart) until none helps.

    Swapping site s for candidate c changes the covered weight by gain(c) + overlap(c, s) - loss(s):
    the uncovered weight c adds, plus what c keeps of the weight only s covered, minus all the
    weight only s covered. All swaps are scored at once with two sparse products.
    """
    n_r, n = P.A.shape
    p = len(sites)
    if p == 0 or p >= n:
        return list(sites)
    sites = list(sites)
    A = P.A
    AT = A.T.tocsr()
    cnt = np.asarray(A[:, sites].sum(axis=1)).ravel()
    eps = 1e-12 * max(P.coverable, 1e-300)
    for _ in range(max_rounds):
        if time.perf_counter() > deadline:
            break
        gain = AT @ np.where(cnt == 0, P.w, 0.0)
        rows = np.flatnonzero(cnt == 1)
        AS = A[:, sites].tocsr()[rows]
        owner = AS.indices  # the one chosen site covering each of these rows
        B = sp.csr_matrix((P.w[rows], (rows, owner)), shape=(n_r, p))
        loss = np.bincount(owner, weights=P.w[rows], minlength=p)
        delta = gain[:, None] + (AT @ B).toarray() - loss[None, :]
        delta[sites, :] = -np.inf
        c, s = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if not delta[c, s] > eps:
            break
        out = sites[s]
        cnt[A.indices[A.indptr[out] : A.indptr[out + 1]]] -= 1
        cnt[A.indices[A.indptr[c] : A.indptr[c + 1]]] += 1
        sites[s] = int(c)
    return sites


def order_sites(P: Problem, sites: Iterable[int]) -> tuple[list[int], list[float]]:
    """Sites (reduced) in greedy order of marginal gain; sites that add nothing are dropped."""
    sites = sorted(set(sites))
    if not sites:
        return [], []
    sub = Problem(A=P.A[:, sites], w=P.w, cols=np.asarray(sites), n_cand=P.n_cand, total=P.total, existing=0.0)
    order, gains, _, _ = greedy(sub, k=len(sites))
    return [sites[i] for i in order], gains


def covered_by(P: Problem, sites: list[int]) -> float:
    if not sites:
        return 0.0
    hit = np.asarray(P.A[:, sites].sum(axis=1)).ravel() > 0
    return float(P.w[hit].sum())


def solution(P: Problem, sites: list[int], *, method: str, status: str, gap: float, t0: float) -> SiteSolution:
    order, gains = order_sites(P, sites)
    chosen = P.cols[np.asarray(order, dtype=np.int64)] if order else np.zeros(0, dtype=np.int64)
    new = np.cumsum([0.0, *gains])
    covered = P.existing + new
    curve = pd.DataFrame(
        {
            N_SITES: np.arange(len(order) + 1),
            SITE: pd.array([pd.NA, *chosen.tolist()], dtype="Int64"),
            GAIN: [0.0, *gains],
            COVERED_WEIGHT: covered,
            SHARE: covered / P.total,
        }
    )
    covered_w = float(covered[-1])
    return SiteSolution(
        chosen=chosen,
        gains=np.asarray(gains, dtype=float),
        covered_weight=covered_w,
        existing_weight=P.existing,
        total_weight=P.total,
        share=covered_w / P.total,
        curve=curve,
        method=method,
        status=status,
        gap=float(gap),
        elapsed_s=time.perf_counter() - t0,
    )


def rel_gap_max(value: float, bound: float) -> float:
    if not math.isfinite(bound) or bound <= 0:
        return 0.0 if bound <= 0 else math.nan
    return max(0.0, (bound - value) / bound)
