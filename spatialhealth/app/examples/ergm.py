"""Demo step "ERGM fits": the dyad-independent and a dyad-dependent mobility model.

Uses the mobility network built by the "mobility network" step when it left one in
``ctx.shared`` (with node attributes PCF, HTH, GDP and edge covariates geo_prox and
same_dialect), else the bundled synthetic 88-city network; the dyad-dependent model is
fitted on the bundled 88-city network when the shared one has more than
:data:`DD_MAX_NODES` nodes. Writes, under
``ctx.out / "ergm"``: statnet-like summaries (``*_summary.txt``), coefficient tables
(``*_coefficients.csv``), MCMC diagnostics (table and trace/density figure) and
goodness-of-fit (table and boxplot figure) of the dyad-dependent fit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DYAD_INDEPENDENT = ("edges + nodeicov('PCF') + nodeicov('HTH') + nodeicov('GDP') + "
                    "edgecov('geo_prox') + edgecov('same_dialect')")
DYAD_DEPENDENT = DYAD_INDEPENDENT + " + mutual + gwesp(0.5, fixed=True)"
NODE_ATTRS = ("PCF", "HTH", "GDP")
#: the dyad-dependent demo fit uses the bundled 88-city network when the shared network is
#: larger than this (an MCMC-MLE on several hundred cities takes minutes, too long for a demo)
DD_MAX_NODES = 150
EDGE_COVS = ("geo_prox", "same_dialect")


def coefficient_table(res) -> pd.DataFrame:
    """Tabulate estimates, standard errors, z, p and 95% intervals of a fit.

    Parameters
    ----------
    res : ERGMResults
        A fitted ERGM.

    Returns
    -------
    pandas.DataFrame
        Columns ``term, estimate, std_error, z, p_value, ci_lower, ci_upper, method``.

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm
    >>> G, covs, _ = demo_network()
    >>> res = ergm(G, "edges + edgecov('geo_prox')", edge_covariates=covs, seed=1)  # doctest: +SKIP
    >>> coefficient_table(res).estimate.round(2).tolist()  # doctest: +SKIP
    [-2.82, 1.8]
    """
    ci = res.conf_int(0.05)
    ci = ci.to_numpy() if hasattr(ci, "to_numpy") else np.asarray(ci)
    params = res.params
    df = pd.DataFrame({
        "term": list(params.index),
        "estimate": params.to_numpy(dtype=float),
        "std_error": res.bse.reindex(params.index).to_numpy(dtype=float),
    })
    df["z"] = df["estimate"] / df["std_error"]
    df["p_value"] = res.pvalues.reindex(params.index).to_numpy(dtype=float)
    df["ci_lower"] = ci[:, 0]
    df["ci_upper"] = ci[:, 1]
    df["method"] = res.method
    return df


def write_fit(res, folder: Path, stem: str, gof_nsim: int = 0, seed=None,
              diagnostics: bool = True) -> list[Path]:
    """Write summary text, coefficient CSV and (if MCMC) diagnostics, (optionally) GOF.

    Parameters
    ----------
    res : ERGMResults
        A fitted ERGM.
    folder : pathlib.Path
        Where to write.
    stem : str
        Prefix of the file names.
    gof_nsim : int
        Networks simulated for goodness of fit (0: no GOF).
    seed : int, optional
        Seed of the GOF simulations.
    diagnostics : bool
        Write MCMC diagnostics when the fit has an MCMC sample.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> from spatialhealth.networks.ergm import ergm
    >>> G, covs, _ = demo_network()
    >>> res = ergm(G, "edges + edgecov('geo_prox')", edge_covariates=covs, seed=1)  # doctest: +SKIP
    >>> [p.name for p in write_fit(res, Path("fit"), "m")]  # doctest: +SKIP
    ['m_summary.txt', 'm_coefficients.csv']
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from spatialhealth._io import save_figure, write_csv, write_text

    folder = Path(folder)
    paths = [write_text(folder / f"{stem}_summary.txt", res.summary() + "\n"),
             write_csv(coefficient_table(res), folder / f"{stem}_coefficients.csv")]
    if diagnostics and getattr(res, "sample", None) is not None:
        from spatialhealth.networks.ergm.diagnostics import mcmc_diagnostics

        diag = mcmc_diagnostics(res)
        paths.append(write_text(folder / f"{stem}_mcmc_diagnostics.txt", diag.summary() + "\n"))
        paths.append(write_csv(diag.frame.reset_index(), folder / f"{stem}_mcmc_diagnostics.csv"))
        fig = diag.plot()
        paths.append(save_figure(fig, folder / f"{stem}_mcmc_diagnostics.png", dpi=110))
        plt.close(fig)
    if gof_nsim:
        from spatialhealth.networks.ergm.gof import gof

        g = gof(res, nsim=gof_nsim, seed=seed)
        paths.append(write_text(folder / f"{stem}_gof.txt", g.summary() + "\n"))
        paths.append(write_csv(g.frame, folder / f"{stem}_gof.csv"))
        fig = g.plot()
        paths.append(save_figure(fig, folder / f"{stem}_gof.png", dpi=110))
        plt.close(fig)
    return paths


def demo_network(ctx=None):
    """Return (graph, edge covariates, description) for the demo fits.

    The demo's own mobility network (the networks step) when it has the node
    attributes and edge covariates the formulas need, else the bundled mobility88.

    Parameters
    ----------
    ctx : DemoContext, optional
        The demo context; its ``shared`` results may hold the network.

    Returns
    -------
    graph : networkx.DiGraph
        The network.
    covariates : dict of str to numpy.ndarray
        ``geo_prox`` and ``same_dialect`` matrices.
    description : str
        Where the network came from.

    Examples
    --------
    >>> G, covs, what = demo_network()
    >>> what, G.number_of_nodes(), sorted(covs)
    ('bundled synthetic mobility88', 88, ['geo_prox', 'same_dialect'])
    """
    shared = getattr(ctx, "shared", {}) or {}
    G = shared.get("mobility_graph")
    covs = shared.get("edge_covariates")
    if G is not None and covs is not None and G.is_directed():
        has_attrs = all(all(a in G.nodes[v] for a in NODE_ATTRS) for v in G)
        n = G.number_of_nodes()
        has_covs = all(np.shape(covs.get(k, ())) == (n, n) for k in EDGE_COVS)
        if has_attrs and has_covs:
            return G, {k: covs[k] for k in EDGE_COVS}, "the demo mobility network (networks step)"
        if ctx is not None:
            ctx.say("ERGM: the shared mobility network lacks PCF/HTH/GDP or geo_prox/same_dialect; "
                    "using the bundled mobility88 network")
    from spatialhealth.networks.ergm.datasets import load_edge_covariates, load_network

    return load_network("mobility88"), load_edge_covariates("mobility88"), "bundled synthetic mobility88"


def run(ctx) -> list[Path]:
    """Run the ERGM step of the demo: write its tables, figures and notes.

    Parameters
    ----------
    ctx : DemoContext
        The output folder, seed, ``quick`` flag, log and shared results of the demo.

    Returns
    -------
    list of pathlib.Path
        The files written, under ``ctx.out / "ergm"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from spatialhealth.app.demo import DemoContext
    >>> paths = run(DemoContext(out=Path("out"), quick=True))  # doctest: +SKIP
    """
    from spatialhealth.networks.ergm import ergm

    out = Path(ctx.out) / "ergm"
    G, covs, what = demo_network(ctx)
    ctx.say(f"ERGM: {what}, {G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    paths: list[Path] = []

    res_di = ergm(G, DYAD_INDEPENDENT, edge_covariates=covs, seed=ctx.seed)
    ctx.say(f"ERGM: dyad-independent model fitted by {res_di.method}")
    paths += write_fit(res_di, out, "dyad_independent", diagnostics=False)

    control = _quick_control() if ctx.quick else {}
    if G.number_of_nodes() > DD_MAX_NODES:
        from spatialhealth.networks.ergm.datasets import load_edge_covariates, load_network

        ctx.say(f"ERGM: dyad-dependent model on the bundled mobility88 network ({G.number_of_nodes()} "
                f"cities would take minutes of MCMC; run it with `spatialhealth ergm`)")
        G, covs = load_network("mobility88"), load_edge_covariates("mobility88")
    res_dd = ergm(G, DYAD_DEPENDENT, edge_covariates=covs, seed=ctx.seed, **control)
    ctx.say(f"ERGM: dyad-dependent model fitted by {res_dd.method} (converged: {res_dd.converged})")
    paths += write_fit(res_dd, out, "dyad_dependent", gof_nsim=20 if ctx.quick else 100, seed=ctx.seed)

    both = pd.concat([coefficient_table(res_di).assign(model="dyad_independent"),
                      coefficient_table(res_dd).assign(model="dyad_dependent")], ignore_index=True)
    from spatialhealth._io import write_csv

    paths.append(write_csv(both, out / "coefficients_both_models.csv"))
    ctx.shared["ergm_results"] = {"dyad_independent": res_di, "dyad_dependent": res_dd}
    return paths


def _quick_control() -> dict:
    """Smaller MCMC for smoke tests (``spatialhealth demo --quick``)."""
    return {"samplesize": 256, "eval_loglik": False}
