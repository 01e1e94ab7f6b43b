"""Hierarchical (Q-type) clustering of regions with SPSS-compatible defaults.

Defaults reproduce SPSS *Hierarchical Cluster* as used in the papers:
variables standardised to z-scores (sample standard deviation, ddof 1),
squared Euclidean distance, between-groups linkage (average linkage / UPGMA:
the distance between two clusters is the mean distance over all cross pairs).
Cluster numbers follow SPSS: cluster 1 holds the first row, cluster 2 the first
row not in cluster 1, and so on. The dendrogram can be drawn on SPSS's
rescaled 0–25 axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._compat import positional_deprecated
from .._results import figure_axes
from .._validate import require_frame
from ..errors import InputError
from ._common import Result, as_column_list, need_rows, numeric_matrix, row_names, title_block
from ._panel import panel_aware

METHODS = ("average", "single", "complete", "ward", "centroid", "median", "weighted")
METRICS = ("sqeuclidean", "euclidean", "cityblock", "chebyshev", "cosine", "correlation")


def zscores(x: np.ndarray, columns) -> np.ndarray:
    """Standardise each column to mean 0 and sample standard deviation 1 (SPSS's z-scores).

    Parameters
    ----------
    x : numpy.ndarray
        Rows by indicator columns.
    columns : sequence of str
        Column names, for the error message.

    Returns
    -------
    numpy.ndarray
        ``(x - mean) / sd`` with ``ddof=1``.

    Raises
    ------
    InputError
        If a column takes one value in every row.

    Examples
    --------
    >>> zscores(np.array([[1.0, 10], [2, 20], [3, 30]]), ["a", "b"]).tolist()
    [[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]
    """
    sd = x.std(axis=0, ddof=1)
    flat = sd == 0
    if flat.any():
        raise InputError(f"Column(s) {', '.join(repr(columns[j]) for j in np.flatnonzero(flat))} "
                         "take one value in every row; their z-scores are undefined. Drop them.")
    return (x - x.mean(axis=0)) / sd


def first_appearance_labels(labels: np.ndarray) -> np.ndarray:
    """Renumber cluster labels 1, 2, ... in order of first appearance (SPSS convention).

    Parameters
    ----------
    labels : numpy.ndarray
        Cluster labels in row order (any values).

    Returns
    -------
    numpy.ndarray
        Integer labels from 1, the first row's cluster being 1.

    Examples
    --------
    >>> first_appearance_labels(np.array([2, 2, 0, 1, 0])).tolist()
    [1, 1, 2, 3, 2]
    """
    mapping: dict = {}
    for v in labels:
        if v not in mapping:
            mapping[v] = len(mapping) + 1
    return np.array([mapping[v] for v in labels])


@dataclass(frozen=True, eq=False, repr=False)
class ClusterResult(Result):
    """Hierarchical clustering of regions.

    Attributes
    ----------
    labels : Series
        Cluster number of each row (aligned with the input table).
    linkage : ndarray
        SciPy linkage matrix (merge heights in the chosen distance).
    data : DataFrame
        The (standardised) matrix that was clustered.
    n_clusters : int
    """

    labels: pd.Series
    linkage: np.ndarray
    data: pd.DataFrame
    raw: pd.DataFrame
    names: pd.Series
    n_clusters: int
    method: str
    metric: str
    standardise: str | None

    _panel_main = "n_clusters"

    def _panel_row(self) -> dict:
        return {"n_clusters": self.n_clusters,
                **{f"size_{c}": int(n) for c, n in self.labels.value_counts().sort_index().items()}}

    @property
    def centres(self) -> pd.DataFrame:
        """Mean of each (raw) variable per cluster."""
        return self.raw.groupby(self.labels).mean().rename_axis("cluster")

    @property
    def agglomeration(self) -> pd.DataFrame:
        """Agglomeration schedule: stage, merged clusters, coefficient (merge distance), size."""
        z = self.linkage
        return pd.DataFrame({"stage": np.arange(1, len(z) + 1), "cluster_a": z[:, 0].astype(int),
                             "cluster_b": z[:, 1].astype(int), "coefficient": z[:, 2],
                             "size": z[:, 3].astype(int)})

    @property
    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame({"name": self.names, "cluster": self.labels})
        return out.rename_axis("row").reset_index()

    def summary(self) -> str:
        head = title_block("Hierarchical cluster analysis (Q-type)", [
            ("standardisation", {"z": "z-scores (ddof 1)", "range": "range 0-1", None: "none"}[self.standardise]),
            ("distance", self.metric), ("linkage", "between-groups (average)" if self.method == "average"
                                        else self.method),
            ("rows", len(self.labels)), ("clusters", self.n_clusters),
        ])
        members = "\n".join(
            f"cluster {c}: " + ", ".join(self.names[self.labels == c].astype(str))
            for c in sorted(self.labels.unique()))
        return (head + "\n\n" + members + "\n\nCluster means\n"
                + self.centres.to_string(float_format=lambda v: f"{v:.4g}"))

    def plot(self, ax=None, rescale: bool = True, color_threshold: bool = True):
        """Dendrogram; ``rescale=True`` draws SPSS's 0–25 rescaled distance axis."""
        from scipy.cluster import hierarchy

        z = self.linkage.copy()
        if rescale:
            lo, hi = z[:, 2].min(), z[:, 2].max()
            z[:, 2] = 0.0 if hi == lo else 1 + 24 * (z[:, 2] - lo) / (hi - lo)
        _, ax = figure_axes(ax, figsize=(7, max(4, 0.25 * len(self.labels))))
        thr = None
        if color_threshold and self.n_clusters > 1:
            heights = np.sort(z[:, 2])
            thr = float((heights[-self.n_clusters] + heights[-self.n_clusters + 1]) / 2)
        hierarchy.dendrogram(z, labels=list(self.names.astype(str)), orientation="right", ax=ax,
                             color_threshold=thr if thr is not None else 0)
        ax.set_xlabel("rescaled distance cluster combine (0-25)" if rescale else self.metric)
        ax.set_title(f"Dendrogram ({self.method} linkage, {self.metric})")
        return ax


#: linkage methods whose update rule is defined for Euclidean distances only
EUCLIDEAN_ONLY = ("ward", "centroid", "median")


@positional_deprecated("columns", "n_clusters")
@panel_aware
def cluster_regions(df: pd.DataFrame, *, columns, n_clusters: int, standardise: str | None = "z",
                    metric: str | None = None, method: str = "average", by=None) -> ClusterResult:
    """Q-type hierarchical clustering of the rows of ``df``.

    Parameters
    ----------
    df : DataFrame
        One row per region.
    columns : list of str
        Clustering variables.
    n_clusters : int
        Number of clusters to cut the tree into.
    standardise : {"z", "range", None}
        z-scores (SPSS default in the papers), range 0–1, or none.
    metric : str, optional
        Distance; default squared Euclidean (SPSS), or Euclidean for the linkages
        ``"ward"``, ``"centroid"`` and ``"median"``, which are defined for
        Euclidean distances only (any other metric with them is an error).
    method : str
        Linkage; default ``"average"`` (SPSS between-groups linkage).
    by : None or str
        ``None``: one clustering; a column (e.g. ``"year"``): a :class:`PanelResult`.

    Returns
    -------
    ClusterResult or PanelResult
        ``.labels`` (cluster of each row), ``.linkage``, ``.centres``, ``.frame``,
        ``.plot()`` (dendrogram).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": [1.0, 1.2, 5.0, 5.1, 9.0], "y": [2.0, 2.1, 6.0, 6.2, 9.5]})
    >>> cluster_regions(d, columns=["x", "y"], n_clusters=3).labels.tolist()
    [1, 1, 2, 2, 3]
    """
    from scipy.cluster import hierarchy
    from scipy.spatial.distance import pdist

    require_frame(df)
    columns = as_column_list(columns)
    if method not in METHODS:
        raise InputError(f"`method` must be one of {', '.join(METHODS)}; {method!r} was given.")
    if metric is None:
        metric = "euclidean" if method in EUCLIDEAN_ONLY else "sqeuclidean"
    if method in EUCLIDEAN_ONLY and metric != "euclidean":
        raise InputError(
            f"The {method!r} linkage is defined for Euclidean distances only; metric={metric!r} "
            f"was given. Use metric='euclidean' (or leave it out) with method={method!r}, or a "
            f"linkage that accepts any distance ('average', 'single', 'complete', 'weighted').")
    if metric not in METRICS:
        raise InputError(f"`metric` must be one of {', '.join(METRICS)}; {metric!r} was given.")
    if standardise not in ("z", "range", None):
        raise InputError(f"`standardise` must be 'z', 'range' or None; {standardise!r} was given.")
    need_rows(len(df), 2, "Clustering")
    n_clusters = int(n_clusters)
    if not 1 <= n_clusters <= len(df):
        raise InputError(f"`n_clusters` must be between 1 and the number of rows ({len(df)}); "
                         f"{n_clusters} was given.")
    x = numeric_matrix(df, columns)
    if standardise == "z":
        data = zscores(x, columns)
    elif standardise == "range":
        from .standardise import range_standardise

        data = range_standardise(x, np.zeros(len(columns), dtype=bool), columns)
    else:
        data = x
    if method in ("ward", "centroid", "median"):
        # these update rules are defined for Euclidean input; scipy builds it from the raw data
        z = hierarchy.linkage(data, method=method, metric="euclidean")
    else:
        z = hierarchy.linkage(pdist(data, metric=metric), method=method)
    raw_labels = hierarchy.fcluster(z, n_clusters, criterion="maxclust")
    labels = first_appearance_labels(raw_labels)
    return ClusterResult(
        labels=pd.Series(labels, index=df.index, name="cluster"),
        linkage=z,
        data=pd.DataFrame(data, index=df.index, columns=columns),
        raw=pd.DataFrame(x, index=df.index, columns=columns),
        names=row_names(df),
        n_clusters=int(len(np.unique(labels))),
        method=method, metric=metric, standardise=standardise,
    )
