"""Spatial regression through PySAL spreg: OLS with spatial diagnostics, ML lag, ML error,
spatial Durbin (SLX lags) with LeSage-Pace impacts, and panel fixed-effects lag/error models.

The estimation is spreg's own (``spreg.OLS``, ``spreg.ML_Lag``, ``spreg.ML_Error``,
``spreg.ML_LagFE``, ``spreg.ML_ErrorFE``); this module aligns the table with the weights,
names the coefficients, puts them in the package's coefficient table and adds the
impacts with simulated standard errors.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from spatialhealth.layers.weights import build_weights
>>> codes = [f"{i:02d}" for i in range(30)]
>>> ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"code": codes, "x": rng.normal(size=30)})
>>> df["y"] = 1 + 2 * df.x + rng.normal(scale=0.1, size=30)
>>> res = spatial_regression(df, y="y", x=["x"], weights=build_weights(ring), model="ols")
>>> round(float(res.params["x"]), 1)
2.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._results import CoefficientResult, coef_table
from .._validate import numeric_column, one_of, require_columns
from ..errors import InputError, format_rows
from .weights import as_graph

MODELS = ("ols", "lag", "error", "durbin")


class SpatialRegressionResult(CoefficientResult):
    """A fitted spatial regression (spreg underneath).

    Attributes
    ----------
    coefficients : pandas.DataFrame
        ``estimate, std_error, z_or_t, p_value, ci_lower, ci_upper`` by term; spatial
        parameters are named ``rho`` (lag of y) and ``lambda`` (error), SLX terms ``W_<x>``.
    model : str
    n, k : int
    diagnostics : pandas.DataFrame
        OLS: Moran's I of the residuals and the LM tests (``LM error``, ``LM lag``,
        ``robust LM error``, ``robust LM lag``, ``LM SARMA``) with statistic and p-value;
        ML models: log-likelihood, AIC, Schwarz criterion, pseudo R2.
    impacts : pandas.DataFrame or None
        Lag and Durbin models: average direct, indirect and total impacts (LeSage & Pace
        2009) per explanatory variable, with standard errors from ``impact_draws``
        simulated parameter vectors.
    spreg : object
        The spreg regression object itself.
    """

    def __init__(self, *, coefficients, model, n, k, diagnostics, impacts, spreg, df_resid, y, panel):
        self.coefficients = coefficients
        self.model = model
        self.n = n
        self.k = k
        self.diagnostics = diagnostics
        self.impacts = impacts
        self.spreg = spreg
        self.df_resid = df_resid
        self.y = y
        self.panel = panel

    def summary(self) -> str:
        title = {"ols": "OLS with spatial diagnostics", "lag": "ML spatial lag", "error": "ML spatial error",
                 "durbin": "ML spatial Durbin (lag with SLX)"}[self.model]
        if self.panel:
            title += " - panel fixed effects"
        lines = [f"{title} of {self.y!r}: n = {self.n}", self.coefficients.round(4).to_string()]
        if self.diagnostics is not None and len(self.diagnostics):
            lines += ["", self.diagnostics.round(4).to_string(index=False)]
        if self.impacts is not None:
            lines += ["", "Impacts (LeSage & Pace):", self.impacts.round(4).to_string()]
        return "\n".join(lines)


def _design(df, y, x, weights, region, period=None):
    graph = as_graph(weights)
    ids = pd.Index([str(v) for v in graph.unique_ids], dtype=object)
    if isinstance(x, str):
        x = [x]
    x = list(x or [])
    if not x:
        raise InputError("spatial_regression needs at least one explanatory variable in `x`.")
    cols = [region, y, *x] + ([period] if period else [])
    require_columns(df, cols, "table")
    codes = df[region].map(lambda v: str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer()
                           else str(v))
    Y = numeric_column(df, y)
    X = np.column_stack([numeric_column(df, c) for c in x])
    if period is None:
        dup = codes.duplicated(keep=False)
        if dup.any():
            raise InputError(f"Column {region!r} must be unique (one row per unit); "
                             f"{format_rows(sorted(set(codes[dup])))} repeat. For a panel pass panel=<period column>.")
        missing = [c for c in ids if c not in set(codes)]
        extra = sorted(set(codes) - set(ids))
        if missing or extra:
            raise InputError(f"The table does not match the weights: no row for {format_rows(missing)}; "
                             f"not in the weights: {format_rows(extra)}.")
        order = pd.Series(np.arange(len(codes)), index=codes.to_numpy()).loc[ids].to_numpy()
        return graph, Y[order], X[order], x, None
    periods = sorted(df[period].unique())
    key = pd.MultiIndex.from_arrays([df[period].to_numpy(), codes.to_numpy()])
    if key.duplicated().any():
        raise InputError(f"Each (region, {period}) pair must occur once; {format_rows(key[key.duplicated()])} repeat.")
    want = pd.MultiIndex.from_product([periods, ids])
    pos = pd.Series(np.arange(len(key)), index=key)
    miss = want.difference(key)
    if len(miss):
        raise InputError(f"The panel is unbalanced: no row for {format_rows(list(miss))} (every period needs every "
                         "unit of the weights).")
    order = pos.loc[want].to_numpy()
    return graph, Y[order], X[order], x, periods


def _w(graph):
    w = graph.to_W()
    w.transform = "r" if str(graph.transformation).upper() == "R" else str(graph.transformation).lower()
    return w


def spatial_regression(df, *, y: str, x, weights, model: str = "ols", panel: str | None = None,
                       region: str = "code", method: str = "full", impact_draws: int = 1000, seed=None,
                       alpha: float = 0.05) -> SpatialRegressionResult:
    """Spatial regression (spreg): OLS + LM diagnostics, ML lag, ML error or spatial Durbin.

    Parameters
    ----------
    df : DataFrame
        One row per unit (cross-section) or per unit and period (``panel``).
    y : str
        Dependent variable.
    x : list of str
        Explanatory variables (a constant is added; not with ``panel``, where unit fixed
        effects absorb it).
    weights : SpatialWeights or libpysal Graph
        Usually row-standardised (impacts assume it).
    model : {"ols", "lag", "error", "durbin"}
        ``"durbin"``: spatial lag of y plus spatial lags of every x (``ML_Lag(slx_lags=1)``).
    panel : str, optional
        Period column: panel fixed-effects (within) ML lag or error model (Elhorst 2003;
        ``spreg.ML_LagFE`` / ``ML_ErrorFE``); ``model`` must be "lag" or "error".
    region : str
        Region-code column.
    method : {"full", "ord", "lu"}
        spreg's log-determinant method for the ML models.
    impact_draws : int
        Parameter vectors drawn from the estimates' asymptotic normal distribution for the
        impacts' standard errors (0: point estimates only).
    seed : int or Generator
        For the impact draws.
    alpha : float
        Confidence level ``1 - alpha`` of the intervals.

    Returns
    -------
    SpatialRegressionResult

    Notes
    -----
    Durbin impacts: the direct impact of x_k is ``n^-1 tr((I - rho W)^-1 (beta_k I + theta_k W))``
    (LeSage & Pace 2009, eq. 2.46). spreg 1.9's printed Durbin impacts leave out the
    ``theta_k`` part of the trace (its direct impact is ``beta_k n^-1 tr((I - rho W)^-1)``);
    totals agree, and for the lag model (no theta) all three agree.

    Examples
    --------
    >>> import libpysal, geopandas as gpd  # doctest: +SKIP
    >>> df = gpd.read_file(libpysal.examples.get_path("columbus.shp"))  # doctest: +SKIP
    >>> df["code"] = df.POLYID.astype(str)  # doctest: +SKIP
    >>> from spatialhealth.layers import build_weights  # doctest: +SKIP
    >>> spatial_regression(df, y="CRIME", x=["INC", "HOVAL"], weights=build_weights(df), model="lag")  # doctest: +SKIP
    """
    import contextlib
    import io

    one_of(model, MODELS, "model")
    with contextlib.redirect_stdout(io.StringIO()):  # spreg prints class names in some versions
        return _fit(df, y, x, weights, model, panel, region, method, impact_draws, seed, alpha)


def _fit(df, y, x, weights, model, panel, region, method, impact_draws, seed, alpha):
    import spreg

    graph, Y, X, names, _periods = _design(df, y, x, weights, region, panel)
    w = _w(graph)
    Yc = Y.reshape(-1, 1)
    diagnostics = None
    impacts = None
    df_resid = None
    if panel is not None:
        if model not in ("lag", "error"):
            raise InputError(f"With `panel`, spreg offers fixed-effects 'lag' and 'error' models; model={model!r} "
                             "was given.")
        if model == "lag":
            reg = spreg.ML_LagFE(Yc, X, w, name_y=y, name_x=list(names))
        else:
            reg = spreg.ML_ErrorFE(Yc, X, w, name_y=y, name_x=list(names))
        term_names = list(names) + (["rho"] if model == "lag" else ["lambda"])
        betas = np.asarray(reg.betas).ravel()[:len(term_names)]
        se = np.sqrt(np.diag(np.asarray(reg.vm)))[:len(term_names)]
        coefs = coef_table(betas, se, names=term_names, alpha=alpha)
        diagnostics = _ml_diagnostics(reg)
        if model == "lag":
            impacts = _impacts(graph, reg, list(names), betas, np.asarray(reg.vm)[:len(term_names), :len(term_names)],
                               0, impact_draws, seed)
        n_obs = len(Y)
        return SpatialRegressionResult(coefficients=coefs, model=model, n=n_obs, k=len(term_names),
                                       diagnostics=diagnostics, impacts=impacts, spreg=reg, df_resid=None, y=y,
                                       panel=panel)
    if model == "ols":
        reg = spreg.OLS(Yc, X, w=w, spat_diag=True, moran=True, name_y=y, name_x=list(names))
        term_names = ["const"] + list(names)
        betas = np.asarray(reg.betas).ravel()
        se = np.asarray(reg.std_err).ravel()
        df_resid = reg.n - reg.k
        coefs = coef_table(betas, se, names=term_names, df_resid=df_resid, alpha=alpha)
        rows = [("Moran's I (residuals)", reg.moran_res[0], reg.moran_res[2])]
        for label, attr in (("LM error", "lm_error"), ("LM lag", "lm_lag"), ("robust LM error", "rlm_error"),
                            ("robust LM lag", "rlm_lag"), ("LM SARMA", "lm_sarma")):
            stat, p = getattr(reg, attr)
            rows.append((label, stat, p))
        diagnostics = pd.DataFrame(rows, columns=["test", "statistic", "p_value"])
        diagnostics["r2"] = [reg.r2] + [np.nan] * (len(rows) - 1)
    elif model in ("lag", "durbin"):
        slx = 1 if model == "durbin" else 0
        reg = spreg.ML_Lag(Yc, X, w, slx_lags=slx, method=method, name_y=y, name_x=list(names),
                           spat_impacts=None)
        term_names = ["const"] + list(names) + ([f"W_{c}" for c in names] if slx else []) + ["rho"]
        betas = np.asarray(reg.betas).ravel()
        se = np.asarray(reg.std_err).ravel()
        coefs = coef_table(betas, se, names=term_names, alpha=alpha)
        diagnostics = _ml_diagnostics(reg)
        impacts = _impacts(graph, reg, list(names), betas[1:], np.asarray(reg.vm)[1:, 1:], slx, impact_draws, seed)
    else:
        reg = spreg.ML_Error(Yc, X, w, method=method, name_y=y, name_x=list(names))
        term_names = ["const"] + list(names) + ["lambda"]
        betas = np.asarray(reg.betas).ravel()
        se = np.asarray(reg.std_err).ravel()
        coefs = coef_table(betas, se, names=term_names, alpha=alpha)
        diagnostics = _ml_diagnostics(reg)
    return SpatialRegressionResult(coefficients=coefs, model=model, n=int(reg.n), k=len(term_names),
                                   diagnostics=diagnostics, impacts=impacts, spreg=reg, df_resid=df_resid, y=y,
                                   panel=None)


def _ml_diagnostics(reg):
    rows = [("log-likelihood", float(reg.logll)), ("AIC", float(reg.aic)), ("Schwarz", float(reg.schwarz)),
            ("pseudo R2", float(reg.pr2))]
    return pd.DataFrame(rows, columns=["statistic", "value"])


def _impacts(graph, reg, names, params, vm, slx, draws, seed):
    """Average direct / indirect / total impacts (LeSage & Pace 2009, ch. 2.7).

    ``params`` = (beta_1..beta_k, [theta_1..theta_k], rho) without the constant; ``vm`` its
    covariance. With the eigenvalues l of W, mean diag (I - rho W)^-1 = mean 1/(1 - rho l)
    and mean diag (I - rho W)^-1 W = mean l/(1 - rho l); the total impact of x_k is
    (beta_k + theta_k) / (1 - rho) for row-standardised W (average row sum of the multiplier).
    """
    from .._random import as_generator

    W = graph.sparse.toarray() if hasattr(graph.sparse, "toarray") else np.asarray(graph.sparse)
    lam = np.linalg.eigvals(W)
    rowsum = W.sum(axis=1)
    k = len(names)

    def effects(p):
        beta = p[:k]
        theta = p[k:2 * k] if slx else np.zeros(k)
        rho = p[-1]
        m1 = np.mean(1.0 / (1.0 - rho * lam)).real
        m2 = np.mean(lam / (1.0 - rho * lam)).real
        direct = beta * m1 + theta * m2
        # average row sum of (I - rho W)^-1 (beta I + theta W) = (beta + theta * s) / (1 - rho) if row sums s = 1
        s = float(rowsum.mean())
        total = (beta + theta * s) / (1.0 - rho * s)
        return direct, total - direct, total

    d, i, t = effects(np.asarray(params, float))
    out = pd.DataFrame({"direct": d, "indirect": i, "total": t}, index=pd.Index(names, name="variable"))
    if draws:
        rng = as_generator(seed)
        sims = rng.multivariate_normal(np.asarray(params, float), vm, size=int(draws), method="eigh")
        ok = np.abs(sims[:, -1]) < 1
        res = np.array([np.concatenate(effects(p)) for p in sims[ok]])
        sd = res.std(axis=0, ddof=1)
        out["direct_se"], out["indirect_se"], out["total_se"] = sd[:k], sd[k:2 * k], sd[2 * k:]
    return out
