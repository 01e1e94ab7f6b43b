"""The result protocol every public result class follows.

Modelled on statsmodels' results base: one small base class gives every result
the same surface, so a user (and the app layer) can treat any analysis alike.

* ``.frame``: the tidy :class:`pandas.DataFrame` (a GeoDataFrame where spatial);
* ``.summary() -> str``: the text a paper can quote;
* ``__repr__``: one short line; ``_repr_html_``: the summary and the table for Jupyter;
* ``.plot(ax=None) -> matplotlib.axes.Axes`` where a figure helps;
* ``.to_file(path) -> pathlib.Path``: the table, format chosen by suffix
  (``.csv`` UTF-8 with BOM so Excel shows Chinese, ``.xlsx``, ``.parquet``,
  ``.gpkg`` for spatial tables), written atomically.

Coefficient-bearing results (DiD, event study, ERGM, valued ERGM, regressions, QAP)
also derive from :class:`CoefficientResult`, which holds one coefficient table with
the fixed columns :data:`COEF_COLUMNS` and one implementation of the inference
(``params``, ``bse``, ``tvalues``, ``pvalues``, ``conf_int``).

Examples
--------
>>> import pandas as pd
>>> class Mean(Result):
...     def __init__(self, x):
...         self.value = float(pd.Series(x).mean())
...     @property
...     def frame(self):
...         return pd.DataFrame({"mean": [self.value]})
...     def summary(self):
...         return f"mean = {self.value:g}"
>>> Mean([1, 2, 3])
<Mean: mean = 2>
>>> coef_table([1.0, 2.0], [0.5, 4.0], names=["a", "b"]).round(4)
   estimate  std_error  z_or_t  p_value  ci_lower  ci_upper
a       1.0        0.5     2.0   0.0455    0.0200    1.9800
b       2.0        4.0     0.5   0.6171   -5.8399    9.8399
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

#: the columns of every coefficient table, in this order
COEF_COLUMNS = ("estimate", "std_error", "z_or_t", "p_value", "ci_lower", "ci_upper")

#: suffixes :meth:`Result.to_file` writes
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".gpkg")


class Result:
    """Base of every public result class (see the module docstring for the protocol)."""

    #: a plain-words name used in ``__repr__`` and the HTML heading; defaults to the class name
    _title: str | None = None

    # every subclass defines ``frame`` (a property, or a dataclass field): it is not declared
    # here, so that frozen dataclasses can hold it as a field

    def summary(self) -> str:
        """The result as text; subclasses write a table a researcher would paste."""
        return self.frame.to_string()

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        first = next((line for line in self.summary().splitlines() if line.strip()), "")
        if len(first) > 80:
            first = first[:77] + "..."
        return f"<{type(self).__name__}: {first}>"

    def _repr_html_(self) -> str:
        frame = self.frame
        if hasattr(frame, "geometry"):
            frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        title = html.escape(self._title or type(self).__name__)
        table = frame.head(50).to_html(escape=True, border=0)
        return (f"<div><strong>{title}</strong><pre>{html.escape(self.summary())}</pre>"
                f"{table}</div>")

    def to_file(self, path, **kwargs) -> Path:
        """Write :attr:`frame` to ``path`` atomically; the format follows the suffix.

        Parameters
        ----------
        path : str or pathlib.Path
            ``.csv`` (UTF-8 with BOM unless ``bom=False``), ``.xlsx``, ``.parquet`` or,
            for spatial results, ``.gpkg`` (``layer=`` names the layer).

        Returns
        -------
        pathlib.Path
            The path written.
        """
        return write_table(self.frame, path, **kwargs)


def write_table(frame: pd.DataFrame, path, *, bom: bool = True, layer: str | None = None,
                index: bool = False) -> Path:
    """Write a (Geo)DataFrame atomically in the format its suffix names.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
    path : str or pathlib.Path
        Ends in ``.csv``, ``.xlsx``, ``.parquet`` or ``.gpkg``.
    bom : bool
        CSV only: start with a UTF-8 byte-order mark so that Excel on Chinese Windows
        reads Chinese text correctly.
    layer : str, optional
        GeoPackage layer name (default: the file stem).
    index : bool
        Write the index as a column.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_table(pd.DataFrame({"省份": ["北京"]}), pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    from ._io import atomic_path

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"Cannot write a table to {str(path)!r}: the suffix {path.suffix or '(none)'!r} is not "
            f"one of {', '.join(TABLE_SUFFIXES)}.")
    is_geo = hasattr(frame, "geometry") and getattr(frame, "_geometry_column_name", None) in frame
    if suffix == ".gpkg":
        if not is_geo:
            raise InputError(f"{str(path)!r}: only a spatial result (with geometries) can be "
                             "written to a GeoPackage; use .csv, .xlsx or .parquet.")
        import shutil

        # geopandas replaces only the named layer of an existing GeoPackage; working on a copy
        # keeps the user's file whole if the write fails
        with atomic_path(path) as tmp:
            if path.exists():
                shutil.copyfile(path, tmp)
            else:
                tmp.unlink()
            frame.to_file(tmp, layer=layer or path.stem, driver="GPKG", engine="pyogrio")
        return path
    if is_geo and suffix != ".parquet":
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=index, encoding="utf-8-sig" if bom else "utf-8")
        elif suffix == ".xlsx":
            frame.to_excel(tmp, index=index, engine="openpyxl")
        else:
            frame.to_parquet(tmp, index=index)
    return path


def coef_table(estimate, std_error, *, names=None, df_resid: float | None = None,
               alpha: float = 0.05) -> pd.DataFrame:
    """The one coefficient table: ``estimate, std_error, z_or_t, p_value, ci_lower, ci_upper``.

    Parameters
    ----------
    estimate, std_error : array-like
        Point estimates and their standard errors (NaN allowed: inference is NaN then;
        an infinite estimate keeps its sign with NaN inference).
    names : sequence of str, optional
        Row labels.
    df_resid : float, optional
        Residual degrees of freedom: Student t inference; omitted, normal (z).
    alpha : float
        1 - confidence level of the interval.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> coef_table([2.0], [1.0], df_resid=10).round(4)
       estimate  std_error  z_or_t  p_value  ci_lower  ci_upper
    0       2.0        1.0     2.0   0.0734   -0.2281    4.2281
    """
    # scipy.special's distribution functions (what scipy.stats' norm and t call) spare a
    # fresh process the 0.5 s import of scipy.stats
    from scipy import special

    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1); {alpha!r} was given.")
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(np.isfinite(est) & (se > 0), est / se, np.nan)
    if df_resid is None:
        p = 2 * special.ndtr(-np.abs(stat))
        q = special.ndtri(1 - alpha / 2)
    else:
        p = 2 * special.stdtr(df_resid, -np.abs(stat))
        q = special.stdtrit(df_resid, 1 - alpha / 2)
    frame = pd.DataFrame({
        "estimate": est, "std_error": se, "z_or_t": stat, "p_value": p,
        "ci_lower": est - q * se, "ci_upper": est + q * se,
    })
    if names is not None:
        frame.index = pd.Index(list(names))
    return frame


class CoefficientResult(Result):
    """A result with a coefficient table :attr:`coefficients` (columns :data:`COEF_COLUMNS`).

    Subclasses set ``self.coefficients`` (use :func:`coef_table`) and ``self.df_resid``
    (None for z inference); the statsmodels-style accessors derive from it.
    """

    coefficients: pd.DataFrame
    df_resid: float | None = None

    @property
    def params(self) -> pd.Series:
        """Point estimates."""
        return self.coefficients["estimate"]

    @property
    def bse(self) -> pd.Series:
        """Standard errors."""
        return self.coefficients["std_error"]

    @property
    def tvalues(self) -> pd.Series:
        """z or t statistics."""
        return self.coefficients["z_or_t"]

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values."""
        return self.coefficients["p_value"]

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals (columns ``ci_lower``, ``ci_upper``) at level ``1 - alpha``."""
        table = coef_table(self.params, self.bse, names=self.params.index,
                           df_resid=self.df_resid, alpha=alpha)
        return table[["ci_lower", "ci_upper"]]

    @property
    def frame(self) -> pd.DataFrame:
        out = self.coefficients.copy()
        out.index.name = out.index.name or "term"
        return out.reset_index()


def figure_axes(ax=None, **subplots_kw):
    """``(fig, ax)``: the given Axes and its figure, or a new figure with one Axes.

    Registers the Simplified Chinese font first (:func:`spatialhealth._fonts.ensure_cjk_font`),
    so titles, axis labels and legends holding Chinese render without missing glyphs.
    """
    import matplotlib.pyplot as plt

    from ._fonts import ensure_cjk_font

    ensure_cjk_font()
    if ax is None:
        fig, ax = plt.subplots(**subplots_kw)
        return fig, ax
    return ax.figure, ax
