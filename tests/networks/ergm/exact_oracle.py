"""Exact ERGMs on tiny graphs by enumerating every graph: the ground truth for tests.

For ``n`` nodes there are ``2 ** (n (n-1) / 2)`` undirected and ``2 ** (n (n-1))``
directed graphs: 1,024 undirected graphs on 5 nodes, 4,096 directed graphs on 4 nodes.
Over such a small sample space the ERGM

    P(Y = y) = exp(theta . g(y)) / sum_{y'} exp(theta . g(y'))

is computed exactly, and so are its expected statistics, its Fisher information
``Cov[g(Y)]``, the log-likelihood of an observed graph and the maximum likelihood
estimate (Newton's method on the exact, concave log-likelihood).

The statistics here are a **second, brute-force implementation** of statnet's term
definitions (``ergm``'s ``InitErgmTerm`` help pages), written from adjacency matrices
with numpy and deliberately independent of the engine in this package (no formula parser,
term registry or change statistics are shared), so that the two can be checked against
each other. :func:`brute_statistics` also works on any single graph of moderate size.

Supported terms (statnet names): ``edges``, ``mutual``, ``triangle``, ``ttriple``,
``ctriple``, ``transitiveties``, ``kstar(k)``, ``istar(k)``, ``ostar(k)``, ``isolates``,
``gwesp(decay, fixed=True)``, ``gwdsp(decay, fixed=True)``, ``gwdegree``, ``gwidegree``,
``gwodegree`` (``fixed=True``), ``nodecov``, ``nodeicov``, ``nodeocov``, ``nodefactor``,
``nodeifactor``, ``nodeofactor``, ``nodematch(attr, diff=False)``, ``absdiff``,
``edgecov(name)``.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy.special import logsumexp

from spatialhealth.errors import ConvergenceError, InputError

MAX_DYADS = 16  # 65,536 graphs: still instant; beyond this enumeration is not "tiny"


# --------------------------------------------------------------------------- formula
def _parse_terms(formula) -> list[tuple[str, list, dict]]:
    """Parse ``"edges + gwesp(0.5, fixed=True)"`` into (name, args, kwargs) triples.

    Also accepts a list of such strings or of ``(name, args, kwargs)`` tuples.
    """
    if isinstance(formula, (list, tuple)):
        out = []
        for item in formula:
            if isinstance(item, str):
                out.extend(_parse_terms(item))
            else:
                name, *rest = item
                args = list(rest[0]) if len(rest) > 0 else []
                kwargs = dict(rest[1]) if len(rest) > 1 else {}
                out.append((name, args, kwargs))
        return out
    text = str(formula).strip()
    if "~" in text:
        text = text.split("~", 1)[1]
    text = text.replace("TRUE", "True").replace("FALSE", "False")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise InputError(f"Cannot parse the ERGM formula {formula!r}: {exc.msg}.") from None
    terms = []

    def walk(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, ast.Name):
            terms.append((node.id, [], {}))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            terms.append((node.func.id, args, kwargs))
        else:
            raise InputError(f"Cannot parse the term {ast.unparse(node)!r} in {formula!r}.")

    walk(tree)
    return terms


def _num(x: float) -> str:
    """Format a number as R's ``format`` does in statnet labels (0.5, 0.25, 1)."""
    return f"{float(x):g}"


# --------------------------------------------------------------------------- statistics
def _gw_sum_over_counts(counts, decay):
    """e^d * sum_k (1 - (1 - e^-d)^k) * counts, counts an integer array (any shape)."""
    return np.exp(decay) * (1.0 - (1.0 - np.exp(-decay)) ** counts)


def brute_statistics(A, formula, directed: bool, node_attrs: dict | None = None,
                     edge_covariates: dict | None = None) -> tuple[list[str], np.ndarray]:
    """Statistics of one graph or a stack of graphs, by brute force from adjacency arrays.

    Parameters
    ----------
    A : array (n, n) or (B, n, n) of 0/1
        Adjacency matrices (``A[i, j] = 1`` for a tie i -> j; symmetric if undirected).
    formula : str or list
        statnet-style terms, e.g. ``"edges + triangle"``.
    directed : bool
    node_attrs : dict of name -> sequence, optional
        Node attributes in node order.
    edge_covariates : dict of name -> (n, n) array, optional

    Returns
    -------
    names : list of str
        statnet statistic names.
    stats : ndarray (B, p) (or (p,) for a single graph)
    """
    A = np.asarray(A)
    single = A.ndim == 2
    if single:
        A = A[None]
    A = A.astype(np.float64)
    B, n, _ = A.shape
    node_attrs = node_attrs or {}
    edge_covariates = edge_covariates or {}
    off = ~np.eye(n, dtype=bool)
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    pair_mask = off if directed else upper  # each dyad once
    names: list[str] = []
    cols: list[np.ndarray] = []

    def add(name, values):
        names.append(name)
        cols.append(np.asarray(values, dtype=np.float64).reshape(B))

    def edge_sum(W):
        """Sum over edges of W[i, j] (i -> j directed; i < j undirected)."""
        return (A * np.where(pair_mask, W, 0.0)[None]).sum(axis=(1, 2))

    def attr(name, numeric=True):
        if name not in node_attrs:
            raise InputError(f"Node attribute {name!r} not found; have {sorted(node_attrs)}.")
        v = np.asarray(node_attrs[name])
        return v.astype(float) if numeric else v

    outdeg = A.sum(axis=2)
    indeg = A.sum(axis=1)
    deg = outdeg if not directed else outdeg + indeg
    A2 = np.einsum("bik,bkj->bij", A, A)  # two-paths i -> k -> j

    for term, args, kwargs in _parse_terms(formula):
        if term == "edges":
            add("edges", edge_sum(np.ones((n, n))))
        elif term == "mutual":
            if not directed:
                raise InputError("mutual is defined for directed networks only.")
            add("mutual", (A * np.swapaxes(A, 1, 2) * upper[None]).sum(axis=(1, 2)))
        elif term in ("triangle", "ttriple", "ctriple"):
            if not directed:
                if term != "triangle":
                    raise InputError(f"{term} is defined for directed networks only.")
                add("triangle", np.einsum("bij,bjk,bki->b", A, A, A) / 6.0)
            else:
                tt = np.einsum("bij,bjk,bik->b", A, A, A)  # i->j, j->k, i->k
                ct = np.einsum("bij,bjk,bki->b", A, A, A) / 3.0
                add(term, {"triangle": tt + ct, "ttriple": tt, "ctriple": ct}[term])
        elif term == "transitiveties":
            # ties i -> j with at least one two-path i -> k -> j (undirected: a shared partner)
            add("transitiveties", (A * (A2 > 0) * pair_mask[None]).sum(axis=(1, 2)))
        elif term in ("kstar", "istar", "ostar"):
            ks = args[0] if args else kwargs["k"]
            ks = [ks] if np.isscalar(ks) else list(ks)
            if term == "kstar" and directed:
                raise InputError("kstar is defined for undirected networks; use istar/ostar.")
            d = {"kstar": deg, "istar": indeg, "ostar": outdeg}[term]
            for k in ks:
                add(f"{term}{k}", np.vectorize(lambda x: math.comb(int(x), int(k)))(d).sum(axis=1))
        elif term == "isolates":
            add("isolates", (deg == 0).sum(axis=1))
        elif term in ("gwesp", "gwdsp"):
            decay = float(args[0] if args else kwargs.get("decay"))
            if not kwargs.get("fixed", len(args) > 1 and args[1]):
                raise InputError(f"{term} needs fixed=True here (curved terms not enumerated).")
            sp = A2  # undirected: common neighbours; directed: OTP two-paths i -> k -> j
            w = _gw_sum_over_counts(sp, decay) * pair_mask[None]
            if term == "gwesp":
                val = (A * w).sum(axis=(1, 2))
            else:
                val = w.sum(axis=(1, 2))
            label = f"{term}.OTP.fixed.{_num(decay)}" if directed else f"{term}.fixed.{_num(decay)}"
            add(label, val)
        elif term in ("gwdegree", "gwidegree", "gwodegree"):
            decay = float(args[0] if args else kwargs.get("decay"))
            if not kwargs.get("fixed", len(args) > 1 and args[1]):
                raise InputError(f"{term} needs fixed=True here.")
            d = {"gwdegree": deg, "gwidegree": indeg, "gwodegree": outdeg}[term]
            short = {"gwdegree": "gwdeg", "gwidegree": "gwideg", "gwodegree": "gwodeg"}[term]
            add(f"{short}.fixed.{_num(decay)}", _gw_sum_over_counts(d, decay).sum(axis=1))
        elif term in ("nodecov", "nodeicov", "nodeocov", "absdiff"):
            name = args[0] if args else kwargs["attr"]
            x = attr(name)
            if term == "nodecov":
                W = x[:, None] + x[None, :]
            elif term == "nodeicov":
                W = np.broadcast_to(x[None, :], (n, n))
            elif term == "nodeocov":
                W = np.broadcast_to(x[:, None], (n, n))
            else:
                W = np.abs(x[:, None] - x[None, :])
            add(f"{term}.{name}", edge_sum(W))
        elif term in ("nodefactor", "nodeifactor", "nodeofactor"):
            name = args[0] if args else kwargs["attr"]
            x = attr(name, numeric=False)
            levels = sorted(set(x.tolist()))
            base = kwargs.get("levels", None)
            keep = levels[1:] if base is None else [lv for lv in levels if lv in base]
            for lv in keep:
                ind = (x == lv).astype(float)
                if term == "nodefactor":
                    W = ind[:, None] + ind[None, :]
                elif term == "nodeifactor":
                    W = np.broadcast_to(ind[None, :], (n, n))
                else:
                    W = np.broadcast_to(ind[:, None], (n, n))
                add(f"{term}.{name}.{lv}", edge_sum(W))
        elif term == "nodematch":
            name = args[0] if args else kwargs["attr"]
            x = attr(name, numeric=False)
            same = (x[:, None] == x[None, :]).astype(float)
            if kwargs.get("diff", False):
                for lv in sorted(set(x.tolist())):
                    ind = (x == lv).astype(float)
                    add(f"nodematch.{name}.{lv}", edge_sum(same * ind[:, None] * ind[None, :]))
            else:
                add(f"nodematch.{name}", edge_sum(same))
        elif term == "edgecov":
            name = args[0] if args else kwargs["x"]
            if name not in edge_covariates:
                raise InputError(f"Edge covariate {name!r} not given; have {sorted(edge_covariates)}.")
            add(f"edgecov.{name}", edge_sum(np.asarray(edge_covariates[name], dtype=float)))
        else:
            raise InputError(f"Term {term!r} is not supported by the exact enumeration.")
    stats = np.column_stack(cols) if cols else np.zeros((B, 0))
    return names, (stats[0] if single else stats)


def graph_statistics(G: nx.Graph, formula, edge_covariates: dict | None = None) -> pd.Series:
    """Brute-force statistics of a networkx graph (node order ``list(G.nodes())``).

    Examples
    --------
    >>> G = nx.complete_graph(4)
    >>> graph_statistics(G, "edges + triangle + kstar(2)").tolist()
    [6.0, 4.0, 12.0]
    """
    nodes = list(G.nodes())
    A = nx.to_numpy_array(G, nodelist=nodes, weight=None)
    A = (A != 0).astype(float)
    attrs = _node_attr_table(G, nodes)
    names, s = brute_statistics(A, formula, G.is_directed(), attrs, edge_covariates)
    return pd.Series(s, index=names)


def _node_attr_table(G, nodes):
    keys = set()
    for v in nodes:
        keys.update(G.nodes[v].keys())
    return {k: [G.nodes[v].get(k) for v in nodes] for k in keys}


# --------------------------------------------------------------------------- enumeration
def all_graphs(n: int, directed: bool) -> np.ndarray:
    """Every graph on ``n`` labelled nodes as a stack of adjacency matrices.

    Graph ``g`` has a tie on dyad ``d`` (dyads in row-major order of the upper triangle,
    or of all off-diagonal cells when directed) when bit ``d`` of ``g`` is set.
    """
    if directed:
        dyads = [(i, j) for i in range(n) for j in range(n) if i != j]
    else:
        dyads = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if len(dyads) > MAX_DYADS:
        raise InputError(
            f"{len(dyads)} dyads give 2**{len(dyads)} graphs; exact enumeration is meant for "
            f"at most {MAX_DYADS} dyads (5 undirected or 4 directed nodes)."
        )
    G = 1 << len(dyads)
    bits = (np.arange(G)[:, None] >> np.arange(len(dyads))[None, :]) & 1
    A = np.zeros((G, n, n), dtype=np.uint8)
    for d, (i, j) in enumerate(dyads):
        A[:, i, j] = bits[:, d]
        if not directed:
            A[:, j, i] = bits[:, d]
    return A


@dataclass(frozen=True)
class ExactMLE:
    """Exact maximum likelihood estimate of an ERGM on a tiny graph."""

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    n_iter: int

    def summary(self) -> str:
        df = pd.DataFrame({"Estimate": self.params, "Std. Error": self.bse})
        return f"Exact MLE (enumeration), log-likelihood {self.llf:.6f}\n{df.to_string()}"


class ExactERGM:
    """An ERGM over every graph on the node set of a tiny basis graph.

    Parameters
    ----------
    G : networkx.Graph or DiGraph
        Basis graph: its node set, direction and node attributes define the sample space
        (all graphs on these nodes); its ties are the observed graph for :meth:`mle`.
    formula : str or list
        statnet-style terms (see the module docstring).
    edge_covariates : dict of name -> (n, n) array, optional

    Examples
    --------
    >>> ex = ExactERGM(nx.path_graph(5), "edges + triangle")
    >>> ex.stats.shape
    (1024, 2)
    >>> float(ex.expected([0.0, 0.0])[0])  # 10 dyads, each tie with probability 1/2
    5.0
    """

    def __init__(self, G: nx.Graph, formula, edge_covariates: dict | None = None):
        self.nodes = list(G.nodes())
        self.n = len(self.nodes)
        self.directed = G.is_directed()
        self.formula = formula
        self.graphs = all_graphs(self.n, self.directed)
        attrs = _node_attr_table(G, self.nodes)
        self.names, self.stats = brute_statistics(
            self.graphs, formula, self.directed, attrs, edge_covariates)
        A = nx.to_numpy_array(G, nodelist=self.nodes, weight=None)
        self.observed_index = self.index_of(A)
        self.observed = self.stats[self.observed_index]

    # -- the distribution
    def index_of(self, A) -> int:
        """Index in :attr:`graphs` of an adjacency matrix or networkx graph."""
        if isinstance(A, nx.Graph):
            A = nx.to_numpy_array(A, nodelist=self.nodes, weight=None)
        A = (np.asarray(A) != 0)
        if self.directed:
            bits = A[~np.eye(self.n, dtype=bool)]
        else:
            bits = A[np.triu_indices(self.n, 1)]
        return int((bits.astype(np.int64) << np.arange(bits.size)).sum())

    def _theta(self, coef) -> np.ndarray:
        if isinstance(coef, pd.Series):
            coef = coef.reindex(self.names).to_numpy()
        theta = np.asarray(coef, dtype=float)
        if theta.shape != (len(self.names),):
            raise InputError(f"Expected {len(self.names)} coefficients for {self.names}; "
                             f"got shape {theta.shape}.")
        return theta

    def log_probabilities(self, coef) -> np.ndarray:
        eta = self.stats @ self._theta(coef)
        return eta - logsumexp(eta)

    def probabilities(self, coef) -> np.ndarray:
        """P(Y = y) for every enumerated graph."""
        return np.exp(self.log_probabilities(coef))

    def expected(self, coef) -> np.ndarray:
        """Exact E[g(Y)]."""
        return self.probabilities(coef) @ self.stats

    def covariance(self, coef) -> np.ndarray:
        """Exact Cov[g(Y)] (the Fisher information of the natural parameter)."""
        p = self.probabilities(coef)
        mu = p @ self.stats
        dev = self.stats - mu
        return (dev * p[:, None]).T @ dev

    def statistic_distribution(self, coef) -> pd.DataFrame:
        """Exact distribution of the statistic vector: one row per distinct value."""
        p = self.probabilities(coef)
        df = pd.DataFrame(np.round(self.stats, 10), columns=self.names)
        df["probability"] = p
        return df.groupby(self.names, as_index=False)["probability"].sum()

    def loglik(self, coef, observed=None) -> float:
        """Exact log-likelihood theta . g(y_obs) - log kappa(theta)."""
        theta = self._theta(coef)
        obs = self.observed if observed is None else np.asarray(observed, dtype=float)
        return float(obs @ theta - logsumexp(self.stats @ theta))

    def in_relative_interior(self, obs) -> bool:
        """Whether ``obs`` is a mixture of ALL distinct statistic vectors with positive weights.

        This is the condition for the MLE to exist (Barndorff-Nielsen 1978): solve the linear
        program max t s.t. obs = sum_g w_g s_g, sum_g w_g = 1, w_g >= t.
        """
        from scipy.optimize import linprog

        S = np.unique(np.round(self.stats, 9), axis=0)
        m, p = S.shape
        c = np.zeros(m + 1)
        c[-1] = -1.0  # maximise t
        A_eq = np.zeros((p + 1, m + 1))
        A_eq[:p, :m] = S.T
        A_eq[p, :m] = 1.0
        b_eq = np.append(np.asarray(obs, dtype=float), 1.0)
        A_ub = np.hstack([-np.eye(m), np.ones((m, 1))])  # t - w_g <= 0
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(m), A_eq=A_eq, b_eq=b_eq,
                      bounds=[(0, None)] * m + [(None, 1.0)], method="highs")
        return bool(res.status == 0 and -res.fun > 1e-9)

    def mle(self, observed=None, start=None, tol: float = 1e-10, max_iter: int = 200) -> ExactMLE:
        """Exact MLE by damped Newton iterations on the exact log-likelihood.

        Raises :class:`~spatialhealth.errors.ConvergenceError` when the observed
        statistics lie on the boundary of their convex hull (the MLE does not exist:
        some coefficient runs off to infinity).
        """
        obs = self.observed if observed is None else np.asarray(observed, dtype=float)
        if not self.in_relative_interior(obs):
            raise ConvergenceError(
                f"The exact MLE does not exist: the observed statistics {dict(zip(self.names, obs))} "
                "lie on the boundary of the convex hull of all possible statistics, so some "
                "coefficient diverges.")
        theta = np.zeros(len(self.names)) if start is None else self._theta(start).copy()
        ll = self.loglik(theta, obs)
        for it in range(1, max_iter + 1):
            grad = obs - self.expected(theta)
            H = self.covariance(theta)
            try:
                step = np.linalg.solve(H, grad)
            except np.linalg.LinAlgError:
                raise ConvergenceError(
                    f"Fisher information is singular for {self.names}: the statistics are "
                    "linearly dependent on this sample space.") from None
            t = 1.0
            while True:
                cand = theta + t * step
                ll_c = self.loglik(cand, obs)
                if ll_c >= ll - 1e-12 or t < 1e-8:
                    break
                t /= 2
            theta, ll = cand, ll_c
            if np.max(np.abs(t * step)) < tol or np.max(np.abs(grad)) < tol:
                break
            if np.max(np.abs(theta)) > 50:
                raise ConvergenceError(
                    f"The exact MLE does not exist: coefficients {dict(zip(self.names, theta))} "
                    "diverge (observed statistics on the boundary of the convex hull).")
        else:
            raise ConvergenceError(f"Newton did not converge in {max_iter} iterations.")
        cov = np.linalg.inv(self.covariance(theta))
        idx = pd.Index(self.names)
        return ExactMLE(
            params=pd.Series(theta, index=idx),
            bse=pd.Series(np.sqrt(np.diag(cov)), index=idx),
            cov=pd.DataFrame(cov, index=idx, columns=idx),
            llf=ll,
            n_iter=it,
        )


__all__ = ["ExactERGM", "ExactMLE", "all_graphs", "brute_statistics", "graph_statistics"]
