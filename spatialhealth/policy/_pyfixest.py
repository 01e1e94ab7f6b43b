"""The one place where spatialhealth touches pyfixest.

Every estimator of :mod:`spatialhealth.policy` that needs pyfixest calls the
functions of this module; nothing else imports pyfixest or reads the private
attributes of its fit objects (``_vcov``, ``_df_t``, ``_df_k``, ``_N``). If a new
pyfixest release renames or redefines them, ``tests/policy/test_pyfixest_adapter.py``
fails loudly (it checks their values against a regression computed by hand).

Two further jobs:

* importing pyfixest without letting it reconfigure the user's logging: pyfixest
  (0.60) calls ``logging.basicConfig(level=logging.INFO)`` when one of its modules
  is imported, which makes every library's INFO messages appear on the user's
  console (e.g. pyogrio's "Created 31 records"); :func:`pyfixest` undoes exactly
  that;
* one cluster: cluster-robust errors need at least two clusters (pyfixest gives
  ``se = inf``, or a raw ``LinAlgError`` in event studies). :func:`feols` then
  warns and uses heteroskedasticity-robust (HC1) errors instead.
"""

from __future__ import annotations

import functools
import importlib
import logging
import warnings

import numpy as np
import pandas as pd

from .._compat import external_stacklevel
from .._results import coef_table

__all__ = [
    "OneClusterWarning",
    "coefficients",
    "df_k",
    "df_t",
    "did2s",
    "feols",
    "lpdid",
    "nobs",
    "pyfixest",
    "saturated_event_study",
    "vcov",
]


class OneClusterWarning(UserWarning):
    """Cluster-robust errors were asked with one cluster; HC1 errors are reported instead."""


@functools.cache
def pyfixest():
    """Return the ``pyfixest`` module, imported with the root logger left as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    pf = importlib.import_module("pyfixest")
    try:
        importlib.import_module("pyfixest.estimation.models.feols_compressed_")
    except ImportError:  # other pyfixest versions lay their modules out differently
        pass
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return pf


def n_clusters(data: pd.DataFrame, cluster: str) -> int:
    """Number of distinct clusters in ``data[cluster]``."""
    return int(data[cluster].nunique())


def vcov_spec(data: pd.DataFrame, cluster: str, what: str = "the standard errors"):
    """``({"CRV1": cluster}, True)``, or ``("hetero", False)`` with a warning for one cluster."""
    if n_clusters(data, cluster) >= 2:
        return {"CRV1": cluster}, True
    warnings.warn(
        f"Cluster-robust standard errors need at least 2 clusters and the data have 1; "
        f"{what} are heteroskedasticity-robust (HC1) instead. With one cluster the errors "
        "cannot allow for correlation within it: read them with care.",
        OneClusterWarning, stacklevel=external_stacklevel())
    return "hetero", False


def feols(formula: str, data: pd.DataFrame, cluster: str = "cl"):
    """``pyfixest.feols`` with CRV1 errors clustered by ``cluster`` (HC1 with one cluster).

    Returns ``(fit, clustered)``; collinearity notes are silenced (callers check
    which coefficients survived).
    """
    pf = pyfixest()
    spec, clustered = vcov_spec(data, cluster)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(formula, data=data, vcov=spec), clustered


def did2s(data: pd.DataFrame, *, first_stage: str, second_stage: str, treatment: str = "d",
          cluster: str = "cl"):
    """``pyfixest.did2s`` on ``data`` (outcome column ``y``), clustered by ``cluster``."""
    pf = pyfixest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.did2s(data, yname="y", first_stage=first_stage, second_stage=second_stage,
                        treatment=treatment, cluster=cluster)


def saturated_event_study(data: pd.DataFrame, cluster: str = "cl"):
    """Sun-Abraham saturated event study (``pyfixest.event_study(estimator="saturated")``).

    ``data`` holds ``y``, ``u``, ``t1`` (1-based period) and ``g1`` (1-based adoption
    period, 0 never treated). Returns ``(fit, table)`` where ``table`` is indexed by
    relative period (float) with columns ``estimate`` and ``std_error``.
    """
    pf = pyfixest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.event_study(data, yname="y", idname="u", tname="t1", gname="g1",
                             cluster=cluster, estimator="saturated", att=False)
        agg = fit.aggregate(agg="period")
    agg = agg.apply(pd.to_numeric)
    table = pd.DataFrame({"estimate": agg["Estimate"].to_numpy(dtype=float),
                          "std_error": agg["Std. Error"].to_numpy(dtype=float)},
                         index=agg.index.astype(float))
    return fit, table


def lpdid(data: pd.DataFrame, *, pre_window: int, post_window: int, cluster: str = "cl"):
    """Local-projections DiD (``pyfixest.lpdid``); returns ``(fit, table, nobs)``.

    ``table`` is indexed by relative period (int) with ``estimate`` and ``std_error``.
    """
    pf = pyfixest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.lpdid(data, yname="y", idname="u", tname="t1", gname="g1",
                       vcov={"CRV1": cluster}, pre_window=pre_window, post_window=post_window,
                       att=False)
    tab = fit.tidy()
    prefix = "time_to_treatment::"
    rows = {int(name[len(prefix):]): (float(r["Estimate"]), float(r["Std. Error"]))
            for name, r in tab.iterrows() if str(name).startswith(prefix)}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["estimate", "std_error"])
    nobs = int(tab["N"].max()) if "N" in tab.columns else len(data)
    return fit, table, nobs


def coefficients(fit, alpha: float = 0.05) -> pd.DataFrame:
    """The fit's coefficient table in the package's columns (pyfixest's own inference).

    Indexed by pyfixest's term names, columns ``estimate, std_error, z_or_t,
    p_value, ci_lower, ci_upper``.
    """
    coef = fit.coef()
    ci = fit.confint(alpha=alpha)
    return pd.DataFrame({
        "estimate": np.asarray(coef, dtype=float),
        "std_error": np.asarray(fit.se(), dtype=float),
        "z_or_t": np.asarray(fit.tstat(), dtype=float),
        "p_value": np.asarray(fit.pvalue(), dtype=float),
        "ci_lower": ci.iloc[:, 0].to_numpy(dtype=float),
        "ci_upper": ci.iloc[:, 1].to_numpy(dtype=float),
    }, index=pd.Index(list(coef.index), name="term"))


def vcov(fit) -> np.ndarray:
    """The variance matrix of the coefficients (order of ``fit.coef()``), small-sample corrected."""
    return np.asarray(fit._vcov, dtype=float)


def df_t(fit) -> int:
    """Denominator degrees of freedom of the t tests (``G - 1`` for clustered errors)."""
    return int(getattr(fit, "_df_t", 0) or 0)


def df_k(fit) -> int:
    """``K`` of the small-sample factor: slopes plus fixed-effect levels not nested in clusters."""
    return int(fit._df_k)


def nobs(fit) -> int:
    """Number of observations used by the fit."""
    return int(fit._N)


def table_with_t(table: pd.DataFrame, dof: int, alpha: float) -> pd.DataFrame:
    """Add ``z_or_t, p_value, ci_lower, ci_upper`` (Student t with ``dof``) to estimate/std_error."""
    out = coef_table(table["estimate"], table["std_error"], names=table.index,
                     df_resid=dof if dof and dof > 0 else None, alpha=alpha)
    return out
