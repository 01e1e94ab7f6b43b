"""Goodness of fit of an ERGM by simulation, as statnet's ``gof()``.

Networks are simulated from the fitted model and, for each of several network summaries
the model does **not** fit directly, the observed value is compared with the simulated
distribution:

* ``degree`` (undirected) or ``idegree`` and ``odegree`` (directed): number of nodes with
  each degree;
* ``espartners``: number of edges with each number of edgewise shared partners (for
  directed networks the outgoing two-path type OTP, i -> k -> j for an edge i -> j, as in
  statnet >= 4.2);
* ``distance``: number of dyads (unordered pairs when undirected, ordered pairs when
  directed) at each geodesic distance 1, 2, ..., and unreachable (``inf``);
* ``model``: the model's own statistics (these should be centred on the observed values
  for a converged MLE).

The p-value of each row is statnet's Monte Carlo p-value: twice the smaller of the
proportions of simulated values at most and at least the observed value, capped at 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..._results import Result
from ...errors import InputError

KIND_LABEL = {
    "model": "model statistics",
    "degree": "degree",
    "idegree": "in-degree",
    "odegree": "out-degree",
    "espartners": "edgewise shared partners",
    "distance": "minimum geodesic distance",
}
UNIT = {"degree": "nodes", "idegree": "nodes", "odegree": "nodes",
        "espartners": "edges", "distance": "dyads"}

# figure text by language (lang="en" | "zh"); fonts for CJK glyphs are the plotting layer's job
TEXT = {
    "en": {"kind": KIND_LABEL, "unit": UNIT, "observed": "observed",
           "proportion": "proportion of {unit}", "number": "number of {unit}",
           "model_axis": "(simulated - observed) / sd", "title": "Goodness-of-fit diagnostics ({nsim} simulated networks)"},
    "zh": {"kind": {"model": "模型统计量", "degree": "度", "idegree": "入度", "odegree": "出度",
                    "espartners": "边共享伙伴数", "distance": "最短路径距离"},
           "unit": {"degree": "节点", "idegree": "节点", "odegree": "节点", "espartners": "边", "distance": "节点对"},
           "observed": "观测值", "proportion": "{unit}比例", "number": "{unit}数",
           "model_axis": "(模拟值 - 观测值) / 标准差", "title": "拟合优度检验（{nsim} 个模拟网络）"},
}


def _text(lang):
    if lang not in TEXT:
        raise InputError(f"`lang` must be 'zh' or 'en'; {lang!r} was given.")
    return TEXT[lang]


# --------------------------------------------------------------------------- summaries
def _adjacency(G, nodes):
    A = nx.to_numpy_array(G, nodelist=nodes, weight=None, dtype=np.int64)
    np.fill_diagonal(A, 0)
    return (A != 0).astype(np.int64)


def degree_counts(A: np.ndarray, kind: str) -> np.ndarray:
    """Number of nodes with degree 0..n-1 (``kind`` degree / idegree / odegree).

    Parameters
    ----------
    A : numpy.ndarray
        Adjacency matrix (n, n).
    kind : {"degree", "idegree", "odegree"}
        Total (undirected), in- or out-degree.

    Returns
    -------
    numpy.ndarray
        Counts of nodes, length n.

    Examples
    --------
    >>> A = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> degree_counts(A, "degree").tolist()
    [0, 1, 2, 1]
    """
    n = A.shape[0]
    d = {"degree": A.sum(1), "odegree": A.sum(1), "idegree": A.sum(0)}[kind]
    return np.bincount(d, minlength=n)[:n]


def esp_counts(A: np.ndarray, directed: bool | None = None) -> np.ndarray:
    """Number of edges with 0..n-2 edgewise shared partners (OTP when directed).

    ``directed`` says how to read ``A``; by default a symmetric matrix is read as an
    undirected network (pass ``directed=True`` for a directed one whose ties are all mutual).

    Parameters
    ----------
    A : numpy.ndarray
        Adjacency matrix (n, n).
    directed : bool, optional
        Read ``A`` as directed.

    Returns
    -------
    numpy.ndarray
        Counts of edges, length n - 1.

    Examples
    --------
    >>> A = np.array([[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]])
    >>> esp_counts(A).tolist()
    [1, 3, 0]
    """
    n = A.shape[0]
    sp = A @ A
    vals = sp[A.astype(bool)]
    if directed is None:
        directed = not np.array_equal(A, A.T)
    if directed:
        return np.bincount(vals, minlength=n - 1)[: n - 1]
    return (np.bincount(vals, minlength=n - 1)[: n - 1]) // 2


def distance_counts(A: np.ndarray, directed: bool | None = None) -> np.ndarray:
    """Dyads at geodesic distance 1..n-1, then unreachable (length n).

    Ordered pairs when ``directed`` (default: when ``A`` is not symmetric), unordered
    pairs otherwise.

    Parameters
    ----------
    A : numpy.ndarray
        Adjacency matrix (n, n).
    directed : bool, optional
        Count ordered pairs.

    Returns
    -------
    numpy.ndarray
        Length n.

    Examples
    --------
    >>> A = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]])
    >>> distance_counts(A, directed=True).tolist()
    [6, 4, 2, 0]
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    n = A.shape[0]
    if directed is None:
        directed = not np.array_equal(A, A.T)
    D = shortest_path(csr_matrix(A), method="D", directed=directed, unweighted=True)
    off = ~np.eye(n, dtype=bool)
    if not directed:
        off = np.triu(off, 1)
    d = D[off]
    finite = d[np.isfinite(d)].astype(np.int64)
    counts = np.bincount(finite, minlength=n)[1:n]
    return np.append(counts, np.count_nonzero(~np.isfinite(d)))


def network_summaries(G, kinds, nodes=None) -> dict[str, np.ndarray]:
    """The gof summaries (all but ``model``) of one networkx graph.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        The network.
    kinds : sequence of str
        Summaries to compute (``degree``, ``idegree``, ``odegree``, ``espartners``,
        ``distance``).
    nodes : sequence, optional
        Node order of the adjacency matrix (default ``G``'s).

    Returns
    -------
    dict of str to numpy.ndarray
        One count vector per kind.

    Examples
    --------
    >>> import networkx as nx
    >>> s = network_summaries(nx.path_graph(4), ["degree", "distance"])
    >>> s["degree"].tolist(), s["distance"].tolist()
    ([0, 2, 2, 0], [3, 2, 1, 0])
    """
    nodes = list(G.nodes()) if nodes is None else nodes
    A = _adjacency(G, nodes)
    directed = G.is_directed()
    out = {}
    for kind in kinds:
        if kind in ("degree", "idegree", "odegree"):
            out[kind] = degree_counts(A, kind)
        elif kind == "espartners":
            out[kind] = esp_counts(A, directed)
        elif kind == "distance":
            out[kind] = distance_counts(A, directed)
    return out


def _value_labels(kind, length, names=None):
    if kind == "model":
        return list(names)
    if kind == "distance":
        return [str(k) for k in range(1, length)] + ["inf"]
    return [str(k) for k in range(length)]


def mc_pvalue(observed: float, simulated: np.ndarray) -> float:
    """statnet's gof p-value: 2 * min(P(sim <= obs), P(sim >= obs)), at most 1.

    Parameters
    ----------
    observed : float
        The observed summary.
    simulated : numpy.ndarray
        The simulated summaries.

    Returns
    -------
    float
        The two-sided Monte Carlo p-value.

    Examples
    --------
    >>> mc_pvalue(5.0, np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    0.4
    """
    sim = np.asarray(simulated, dtype=float)
    lo = np.mean(sim <= observed + 1e-9 * max(1.0, abs(observed)))
    hi = np.mean(sim >= observed - 1e-9 * max(1.0, abs(observed)))
    return float(min(1.0, 2 * min(lo, hi)))


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class GOFResult(Result):
    """Simulated versus observed network summaries of a fitted ERGM.

    Attributes
    ----------
    frame : DataFrame
        Tidy table, one row per (kind, value): ``observed``, ``sim_min``, ``sim_mean``,
        ``sim_max``, ``sim_q025``, ``sim_q975``, ``p_value`` (statnet's MC p-value).
    observed : dict kind -> ndarray
    simulated : dict kind -> ndarray (nsim, length)
    nsim : int
    directed : bool
    """

    frame: pd.DataFrame
    observed: dict = field(repr=False)
    simulated: dict = field(repr=False)
    labels: dict = field(repr=False)
    nsim: int = 0
    directed: bool = False

    @property
    def kinds(self) -> list[str]:
        return list(self.observed)

    def summary(self, max_rows_per_kind: int = 15) -> str:
        """statnet-like text: one block per summary, rows where anything was observed/simulated."""
        blocks = [f"Goodness-of-fit by simulation ({self.nsim} networks); "
                  "p: MC p-value 2*min(P(sim<=obs), P(sim>=obs))"]
        for kind in self.kinds:
            df = self.frame[self.frame["kind"] == kind].set_index("value")
            if kind != "model":
                keep = (df["observed"] > 0) | (df["sim_max"] > 0)
                if kind == "distance":
                    keep.iloc[-1] = True
                df = df[keep]
                if len(df) > max_rows_per_kind:
                    df = df.iloc[:max_rows_per_kind]
            blocks.append(f"\nGoodness-of-fit for {KIND_LABEL[kind]}\n" + df[
                ["observed", "sim_min", "sim_mean", "sim_max", "p_value"]
            ].to_string(float_format=lambda v: f"{v:.4g}"))
        return "\n".join(blocks)

    def plot(self, kinds=None, proportions: bool = True, lang: str = "en"):
        """statnet-style boxplots: simulated distribution per value, observed as a black line.

        Grey lines mark the 2.5% and 97.5% quantiles of the simulations. Counts are shown as
        proportions of nodes / edges / dyads (statnet's default) unless ``proportions=False``;
        model statistics are drawn centred on the observed values and scaled by their
        simulated standard deviation, so statistics of different scales share one axis.
        ``lang="zh"`` writes the titles and axis labels in Chinese. Returns the matplotlib
        Figure.
        """
        import matplotlib.pyplot as plt

        tx = _text(lang)
        kinds = self.kinds if kinds is None else list(kinds)
        ncols = min(3, len(kinds))
        nrows = int(np.ceil(len(kinds) / ncols))
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False)
        for ax in axes.ravel()[len(kinds):]:
            ax.set_visible(False)
        for ax, kind in zip(axes.ravel(), kinds):
            sim = self.simulated[kind].astype(float)
            obs = self.observed[kind].astype(float)
            labels = list(self.labels[kind])
            if kind == "model":
                sd = sim.std(axis=0, ddof=1)
                sd[~(sd > 0)] = 1.0
                sim = (sim - obs[None, :]) / sd
                obs = np.zeros_like(obs)
                ylab = tx["model_axis"]
            else:
                any_ = (obs > 0) | (sim.max(0) > 0)
                if kind == "distance":
                    any_[-1] = False  # the unreachable column is always kept (below)
                last = int(np.nonzero(any_)[0].max()) + 1 if any_.any() else 1
                if kind == "distance":  # keep the inf column
                    cols = list(range(min(last, sim.shape[1] - 1))) + [sim.shape[1] - 1]
                else:
                    cols = list(range(last))
                sim, obs = sim[:, cols], obs[cols]
                labels = [labels[c] for c in cols]
                if proportions:
                    tot_s = self.simulated[kind].sum(1, keepdims=True).astype(float)
                    tot_o = float(self.observed[kind].sum())
                    sim = np.divide(sim, tot_s, out=np.zeros_like(sim), where=tot_s > 0)
                    obs = obs / tot_o if tot_o > 0 else obs
                    ylab = tx["proportion"].format(unit=tx["unit"][kind])
                else:
                    ylab = tx["number"].format(unit=tx["unit"][kind])
            pos = np.arange(1, len(labels) + 1)
            ax.boxplot(sim, positions=pos, widths=0.6, showfliers=True,
                       flierprops={"markersize": 2}, medianprops={"color": "C0"})
            ax.plot(pos, obs, color="k", lw=2, marker="o", ms=3, label=tx["observed"])
            q = np.quantile(sim, [0.025, 0.975], axis=0)
            ax.plot(pos, q[0], color="0.6", lw=1)
            ax.plot(pos, q[1], color="0.6", lw=1)
            step = max(1, len(labels) // 12)
            ticks = list(range(0, len(labels), step))
            if ticks[-1] != len(labels) - 1:
                ticks.append(len(labels) - 1)  # always label the last value (e.g. "inf")
            ax.set_xticks(pos[ticks])
            ax.set_xticklabels([labels[t] for t in ticks], rotation=90 if kind == "model" else 0, fontsize=7)
            ax.set_xlabel(tx["kind"][kind], fontsize=8)
            ax.set_ylabel(ylab, fontsize=8)
            ax.tick_params(labelsize=7)
        axes[0, 0].legend(fontsize=7, loc="best")
        fig.suptitle(tx["title"].format(nsim=self.nsim), fontsize=9)
        fig.tight_layout()
        return fig



def _default_kinds(directed):
    return (["idegree", "odegree", "espartners", "distance", "model"] if directed
            else ["degree", "espartners", "distance", "model"])


def gof_from_networks(observed_graph, simulated_graphs, kinds=None, model_observed=None,
                      model_simulated=None, model_names=None) -> GOFResult:
    """Goodness of fit from an observed graph and already simulated graphs.

    Parameters
    ----------
    observed_graph : networkx.Graph or networkx.DiGraph
        The observed network.
    simulated_graphs : sequence of networkx graphs
        Networks simulated from the fitted model (same nodes).
    kinds : sequence of str, optional
        Summaries to compare (``degree``, ``idegree``, ``odegree``, ``espartners``,
        ``distance``, ``model``); default as :func:`gof`.
    model_observed, model_simulated : array_like, optional
        Observed (p,) and simulated (nsim, p) model statistics for ``kind="model"``.
    model_names : sequence of str, optional
        Their names.

    Returns
    -------
    GOFResult
        Observed value, simulated range and quantiles and Monte Carlo p-value per row.

    Examples
    --------
    >>> import networkx as nx
    >>> res = gof_from_networks(nx.path_graph(4), [nx.path_graph(4), nx.star_graph(3)],
    ...                         kinds=["degree"])
    >>> res.frame.loc[1, ["observed", "sim_mean"]].tolist()
    [2.0, 2.5]
    """
    directed = observed_graph.is_directed()
    kinds = _default_kinds(directed) if kinds is None else list(kinds)
    allowed = set(KIND_LABEL) - ({"degree"} if directed else {"idegree", "odegree"})
    bad = [k for k in kinds if k not in allowed]
    if bad:
        raise InputError(f"Unknown gof summaries {bad} for a {'directed' if directed else 'undirected'} "
                         f"network; expected some of {sorted(allowed)}.")
    if "model" in kinds and model_observed is None:
        kinds = [k for k in kinds if k != "model"]
    nodes = list(observed_graph.nodes())
    net_kinds = [k for k in kinds if k != "model"]
    obs = network_summaries(observed_graph, net_kinds, nodes)
    sims = [network_summaries(g, net_kinds, nodes) for g in simulated_graphs]
    observed, simulated, labels = {}, {}, {}
    for kind in kinds:
        if kind == "model":
            observed[kind] = np.asarray(model_observed, dtype=float)
            simulated[kind] = np.asarray(model_simulated, dtype=float)
            labels[kind] = list(model_names)
        else:
            observed[kind] = obs[kind]
            simulated[kind] = np.vstack([s[kind] for s in sims])
            labels[kind] = _value_labels(kind, obs[kind].size)
    rows = []
    for kind in kinds:
        sim, ob = simulated[kind], observed[kind]
        q = np.quantile(sim, [0.025, 0.975], axis=0)
        for j, lab in enumerate(labels[kind]):
            rows.append({
                "kind": kind, "value": lab, "observed": float(ob[j]),
                "sim_min": float(sim[:, j].min()), "sim_mean": float(sim[:, j].mean()),
                "sim_max": float(sim[:, j].max()), "sim_q025": float(q[0, j]),
                "sim_q975": float(q[1, j]), "p_value": mc_pvalue(ob[j], sim[:, j]),
            })
    return GOFResult(frame=pd.DataFrame(rows), observed=observed, simulated=simulated,
                     labels=labels, nsim=len(simulated_graphs), directed=directed)


def gof(res, nsim: int = 100, seed=None, kinds=None, burnin=None, interval=None) -> GOFResult:
    """Goodness of fit of a fitted ERGM by simulation (statnet's ``gof``).

    Parameters
    ----------
    res : ERGM fit result (from :func:`spatialhealth.networks.ergm.ergm`)
    nsim : int
        Number of networks simulated from the fitted coefficients.
    seed : int or numpy Generator, optional
    kinds : list of str, optional
        Summaries to compare: ``"degree"`` (undirected) or ``"idegree"``, ``"odegree"``
        (directed), ``"espartners"``, ``"distance"``, ``"model"``. Default: all that apply.
    burnin, interval : int, optional
        Passed to :func:`~spatialhealth.networks.ergm.simulate` (its defaults otherwise).

    Returns
    -------
    GOFResult
        ``.frame``, ``.summary()``, ``.plot()``, ``.to_file()``.

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm
    >>> from spatialhealth.networks.ergm.datasets import load_network
    >>> res = ergm(load_network("flomarriage"), "edges + nodecov('wealth')")  # doctest: +SKIP
    >>> g = gof(res, nsim=100, seed=1)  # doctest: +SKIP
    >>> print(g.summary())  # doctest: +SKIP
    """
    from . import simulate
    from ..._random import seed_int

    if int(nsim) < 2:
        raise InputError(f"nsim must be at least 2; got {nsim}.")
    model = res.model
    s = seed_int(seed)
    if getattr(res, "boundary", None) is not None:  # infinite coefficients: their dyads are held as observed
        graphs = res.simulate(nsim=int(nsim), seed=s, output="network", burnin=burnin, interval=interval)
    else:
        graphs = simulate(res, nsim=int(nsim), seed=s, output="network", burnin=burnin, interval=interval)
    G_obs = getattr(model, "graph", None)
    if G_obs is None:
        raise InputError("The fit's model has no observed graph (model.graph).")
    model_sim = None
    if kinds is None or "model" in kinds:
        # the model's own statistics of every simulated network (same node order)
        model_sim = np.vstack([np.asarray(model.observed(g), dtype=float) for g in graphs])
    return gof_from_networks(G_obs, graphs, kinds=kinds, model_observed=model.observed(),
                             model_simulated=model_sim, model_names=list(model.names))
