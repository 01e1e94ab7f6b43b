"""Edge covariate matrices for network models (ERGM ``edgecov`` terms).

Every function returns a square :class:`pandas.DataFrame` whose index and
columns are the node codes in the order given (for a graph: ``list(G.nodes)``),
with a zero diagonal; ``.to_numpy()`` gives the matrix an ERGM term needs.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from .._compat import renamed_kwargs
from .._validate import numeric_column, require_columns, require_frame, unique_column
from ..errors import InputError, InputTypeError, format_rows

__all__ = [
    "EARTH_RADIUS_KM", "great_circle_km", "distance_matrix", "geo_proximity", "same_group",
    "same_province", "same_dialect", "align_matrix", "edge_covariates", "read_matrix",
]

#: mean Earth radius (IUGG), km
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lon1, lat1, lon2, lat2):
    """Great-circle distance in km (haversine formula, spherical Earth).

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : float or array_like
        Longitudes and latitudes in degrees (broadcast together).

    Returns
    -------
    float or numpy.ndarray
        Distance in km on a sphere of radius 6,371 km.

    Examples
    --------
    >>> round(float(great_circle_km(116.4, 39.9, 121.47, 31.23)), 0)  # Beijing-Shanghai
    1067.0
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _node_table(nodes, code, columns):
    if isinstance(nodes, nx.Graph):
        table = pd.DataFrame.from_dict(dict(nodes.nodes(data=True)), orient="index")
        table.index.name = code
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(f"The graph's nodes lack attribute(s) {missing}; "
                             f"they have {sorted(table.columns)}.")
        return table.reset_index()
    require_frame(nodes, "nodes")
    require_columns(nodes, [code, *columns], "node table")
    unique_column(nodes, code, "node table")
    return nodes


def _labels(table, code):
    return pd.Index(table[code].astype(str), name=code)


@renamed_kwargs(code="region")
def distance_matrix(nodes, lon: str = "lon", lat: str = "lat", region: str = "code") -> pd.DataFrame:
    """Great-circle distances (km) between all pairs of nodes.

    Parameters
    ----------
    nodes : DataFrame or networkx graph
        Node table with the key column and ``lon``/``lat`` in degrees, or a graph whose
        nodes carry them.
    lon, lat : str
        Coordinate columns or node attributes.
    region : str
        Key column of a node table (``code`` is the deprecated spelling).

    Returns
    -------
    pandas.DataFrame
        Square, labelled by the node keys.

    Examples
    --------
    >>> import pandas as pd
    >>> n = pd.DataFrame({"code": ["a", "b"], "lon": [0.0, 0.0], "lat": [0.0, 1.0]})
    >>> round(float(distance_matrix(n).loc["a", "b"]), 3)
    111.195
    """
    code = region
    table = _node_table(nodes, code, [lon, lat])
    x = numeric_column(table, lon, what="node table")
    y = numeric_column(table, lat, what="node table")
    if (np.abs(y) > 90).any() or (np.abs(x) > 180).any():
        raise InputError(f"Columns {lon!r}/{lat!r} must be longitude/latitude in degrees; "
                         f"values out of range were given.")
    d = great_circle_km(x[:, None], y[:, None], x[None, :], y[None, :])
    labels = _labels(table, code)
    return pd.DataFrame(d, index=labels, columns=labels)


@renamed_kwargs(code="region")
def geo_proximity(nodes, lon: str = "lon", lat: str = "lat", region: str = "code",
                  unit_km: float = 100.0) -> pd.DataFrame:
    """Inverse great-circle distance, ``unit_km / d_ij`` (zero diagonal).

    With the default ``unit_km=100`` two cities 100 km apart have proximity 1
    and 1,000 km apart 0.1 (the scale of ``geo_prox`` in the shipped ERGM
    examples, whose distances are in units of 100 km).

    Parameters
    ----------
    nodes : DataFrame or networkx graph
        Node table with ``code``, ``lon``, ``lat`` (degrees), or a graph whose
        nodes carry ``lon``/``lat`` attributes.

    Raises
    ------
    InputError
        If two different nodes share a location (infinite proximity).

    Returns
    -------
    pandas.DataFrame
        Square matrix indexed by node code in both directions, zero diagonal.

    Examples
    --------
    >>> import pandas as pd
    >>> n = pd.DataFrame({"code": ["a", "b"], "lon": [0.0, 0.0], "lat": [0.0, 1.0]})
    >>> round(float(geo_proximity(n).loc["a", "b"]), 4)  # 1 degree = 111.195 km
    0.8993
    """
    code = region
    if not unit_km > 0:
        raise InputError(f"`unit_km` must be positive; {unit_km!r} was given.")
    d = distance_matrix(nodes, lon, lat, region=code)
    arr = d.to_numpy().copy()
    off = ~np.eye(len(arr), dtype=bool)
    same = off & (arr <= 1e-9)
    if same.any():
        i, j = np.argwhere(same)[0]
        raise InputError(f"Nodes {d.index[i]!r} and {d.columns[j]!r} have the same coordinates: "
                         "their proximity would be infinite.")
    out = np.zeros_like(arr)
    out[off] = unit_km / arr[off]
    return pd.DataFrame(out, index=d.index, columns=d.columns)


@renamed_kwargs(code="region")
def same_group(nodes, group, region: str = "code") -> pd.DataFrame:
    """1 where two different nodes share a group, else 0 (zero diagonal).

    Parameters
    ----------
    nodes : DataFrame, graph, or sequence of codes
    group : str or mapping
        A column/node attribute holding each node's group, or a mapping from
        code to group (codes absent from the mapping are an error). Nodes with a
        missing group are in no group (0 with everyone).
    region : str
        Code column of a node table.

    Returns
    -------
    pandas.DataFrame
        Square 0/1 integer matrix indexed by node code in both directions.

    Examples
    --------
    >>> same_group(["a", "b", "c"], {"a": 1, "b": 1, "c": 2}).to_numpy().tolist()
    [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    """
    code = region
    if isinstance(group, Mapping):
        if isinstance(nodes, nx.Graph):
            labels = pd.Index([str(n) for n in nodes.nodes], name=code)
        elif isinstance(nodes, pd.DataFrame):
            require_columns(nodes, [code], "node table")
            labels = _labels(nodes, code)
        else:
            labels = pd.Index([str(n) for n in nodes], name=code)
        mapping = {str(k): v for k, v in group.items()}
        absent = [c for c in labels if c not in mapping]
        if absent:
            raise InputError(f"The group mapping has no entry for {len(absent)} node(s): "
                             f"{format_rows(absent)}.")
        g = pd.Series([mapping[c] for c in labels], index=labels)
    elif isinstance(group, str):
        table = _node_table(nodes, code, [group])
        labels = _labels(table, code)
        g = pd.Series(table[group].to_numpy(), index=labels)
    else:
        raise InputTypeError(f"`group` must be a column name or a mapping; {type(group).__name__} was given.")
    values = g.to_numpy(dtype=object)
    known = g.notna().to_numpy()
    m = (values[:, None] == values[None, :]) & known[:, None] & known[None, :]
    np.fill_diagonal(m, False)
    return pd.DataFrame(m.astype(np.int64), index=labels, columns=labels)


@renamed_kwargs(code="region")
def same_province(nodes, region: str = "code") -> pd.DataFrame:
    """1 where two nodes' codes share the province prefix (first two digits).

    Parameters
    ----------
    nodes : DataFrame, graph, or sequence of codes
    region : str
        Key column of a node table (``code`` is the deprecated spelling).

    Returns
    -------
    pandas.DataFrame
        Square 0/1 matrix with a zero diagonal.

    Examples
    --------
    >>> same_province(["110100", "110105", "310100"]).to_numpy().tolist()
    [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    """
    code = region
    if isinstance(nodes, nx.Graph):
        labels = [str(n) for n in nodes.nodes]
    elif isinstance(nodes, pd.DataFrame):
        require_columns(nodes, [code], "node table")
        labels = nodes[code].astype(str).tolist()
    else:
        labels = [str(n) for n in nodes]
    return same_group(labels, {c: c[:2] for c in labels}, region=code)


@renamed_kwargs(code="region")
def same_dialect(nodes, mapping=None, column: str = "dialect", region: str = "code") -> pd.DataFrame:
    """1 where two nodes share a dialect group (from a column/attribute or a mapping).

    Parameters
    ----------
    nodes : DataFrame, graph, or sequence of codes
    mapping : mapping, optional
        Code -> dialect group; otherwise the ``column`` of the table / node attribute.
    column : str
    region : str
        Key column of a node table (``code`` is the deprecated spelling).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> same_dialect(["a", "b"], {"a": "吴", "b": "吴"}).to_numpy().tolist()
    [[0, 1], [1, 0]]
    """
    code = region
    return same_group(nodes, mapping if mapping is not None else column, region=code)


def _label(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def read_matrix(path, *, encoding: str | None = None, sheet=None, name: str | None = None) -> pd.DataFrame:
    """Read a square edge-covariate matrix (first column and header row: node labels).

    The file is read by :func:`spatialhealth.io.read_table`, so a GBK, UTF-8 (with or
    without BOM) or Excel matrix works the same way.

    Parameters
    ----------
    path : str or Path
        CSV/Excel/Parquet: the first column holds the row labels (codes), the header
        the column labels, the cells numbers.
    encoding, sheet
        See :func:`spatialhealth.io.read_table`.
    name : str, optional
        How the matrix is named in errors (default: the file name).

    Returns
    -------
    pandas.DataFrame
        Float values, index and columns the labels as text.

    Raises
    ------
    InputError
        Not square, row and column labels that differ or repeat, cells that are not
        numbers (with their spreadsheet row and value), missing or infinite cells.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_bytes("城市,110100,120100\\n110100,0,1.5\\n120100,1.5,0\\n".encode("gbk"))
    >>> read_matrix(p).loc["110100", "120100"]
    np.float64(1.5)
    """
    from .._validate import table_problems
    from ..io import read_table

    label = name or str(path)
    df = read_table(path, encoding=encoding, sheet=sheet)
    if df.shape[1] < 2:
        raise InputError(f"Edge covariate {label!r} must have a first column of node labels and one "
                         f"column per node; {df.shape[1]} column(s) were read.")
    rows = [_label(v) for v in df.iloc[:, 0]]
    cols = [_label(c) for c in df.columns[1:]]
    if len(rows) != len(cols):
        raise InputError(f"Edge covariate {label!r} must be square: {len(rows)} rows of nodes but "
                         f"{len(cols)} columns of nodes were read.")
    for what, labels in (("row", rows), ("column", cols)):
        dup = sorted({x for x in labels if labels.count(x) > 1})
        if dup:
            raise InputError(f"Edge covariate {label!r}: the {what} labels {format_rows(dup)} "
                             "occur more than once.")
    if set(rows) != set(cols):
        only_r, only_c = sorted(set(rows) - set(cols)), sorted(set(cols) - set(rows))
        raise InputError(f"Edge covariate {label!r}: the row labels and column labels differ "
                         f"(rows only: {format_rows(only_r) or 'none'}; columns only: "
                         f"{format_rows(only_c) or 'none'}).")
    body = df.iloc[:, 1:]
    problems = table_problems(body, numeric=list(body.columns), what=f"edge covariate {label!r}")
    if problems:
        raise InputError(f"{len(problems)} problem(s) in edge covariate {label!r}:\n"
                         + "\n".join(f"  {p}" for p in problems))
    values = body.apply(pd.to_numeric).to_numpy(dtype=float)
    return pd.DataFrame(values, index=pd.Index(rows), columns=pd.Index(cols)).loc[rows, rows]


def align_matrix(matrix, nodes, name: str = "matrix") -> pd.DataFrame:
    """Check a user's N x N matrix and order it as ``nodes`` (codes, a graph, or a table).

    Parameters
    ----------
    matrix : DataFrame, path or array
        A DataFrame is reordered by its index/column labels; a path is read with
        :func:`read_matrix` (any encoding, Excel); an array must already be in node order.
    nodes : sequence of codes, graph, or node table with ``code``
    name : str
        The covariate's name, for errors.

    Returns
    -------
    pandas.DataFrame
        Float matrix in node order.

    Raises
    ------
    InputError
        Missing rows/columns for some nodes, wrong shape, missing or infinite values.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[0, 2], [3, 0]], index=["b", "a"], columns=["b", "a"])
    >>> align_matrix(m, ["a", "b"]).to_numpy().tolist()
    [[0.0, 3.0], [2.0, 0.0]]
    """
    import os

    if isinstance(matrix, (str, os.PathLike)):
        matrix = read_matrix(matrix, name=name)
    if isinstance(nodes, nx.Graph):
        labels = pd.Index([str(n) for n in nodes.nodes])
    elif isinstance(nodes, pd.DataFrame):
        require_columns(nodes, ["code"], "node table")
        labels = pd.Index(nodes["code"].astype(str))
    else:
        labels = pd.Index([str(n) for n in nodes])
    n = len(labels)
    if isinstance(matrix, pd.DataFrame):
        m = matrix.copy()
        m.index = m.index.map(str)
        m.columns = m.columns.map(str)
        missing = sorted((set(labels) - set(m.index)) | (set(labels) - set(m.columns)))
        if missing:
            raise InputError(f"Edge covariate {name!r} has no row/column for {format_rows(missing)}.")
        m = m.loc[labels, labels]
    else:
        arr = np.asarray(matrix, dtype=float)
        if arr.shape != (n, n):
            raise InputError(f"Edge covariate {name!r} must be {n} x {n} (one row and column per node); "
                             f"shape {arr.shape} was given.")
        m = pd.DataFrame(arr, index=labels, columns=labels)
    arr = m.to_numpy(dtype=float)
    if not np.isfinite(arr).all():
        raise InputError(f"Edge covariate {name!r} has missing or infinite values.")
    return pd.DataFrame(arr, index=labels, columns=labels)


BUILT_IN = ("geo_prox", "same_province", "same_dialect")


def edge_covariates(G: nx.DiGraph, *, geo: bool = True, province: bool = True,
                    dialect: str | Mapping | None = "dialect", extra: Mapping | None = None,
                    unit_km: float = 100.0, only=None) -> dict[str, pd.DataFrame]:
    """The usual edge covariates of a mobility graph, aligned to ``list(G.nodes)``.

    Parameters
    ----------
    G : networkx.DiGraph
    geo, province : bool
        Build ``geo_prox`` (needs node ``lon``/``lat``) and ``same_province`` (from the codes).
    dialect : str, mapping or None
        Node attribute or mapping for ``same_dialect``; skipped if None.
    extra : mapping, optional
        Name -> the user's matrices (DataFrames, arrays, or paths read with
        :func:`read_matrix`, so a GBK or Excel matrix works).
    unit_km : float
        Distance unit of ``geo_prox``.
    only : iterable of str, optional
        Build exactly these covariates (built-in names ``geo_prox``, ``same_province``,
        ``same_dialect`` or names in ``extra``), in this order, and nothing else: a
        model asking for ``geo_prox`` needs no dialect attribute.

    Returns
    -------
    dict of str to pandas.DataFrame

    Raises
    ------
    InputError
        A name in ``only`` that is neither built in nor in ``extra``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("110100", "310100")])
    >>> sorted(edge_covariates(G, geo=False, dialect=None))
    ['same_province']
    >>> list(edge_covariates(G, only=["same_province"]))
    ['same_province']
    """
    if only is not None:
        only = [only] if isinstance(only, str) else list(only)
        known = [*BUILT_IN, *(extra or {})]
        unknown = [n for n in only if n not in known]
        if unknown:
            raise InputError(f"Unknown edge covariate(s) {', '.join(map(repr, unknown))}; available: "
                             f"{', '.join(known)} (give your own matrices as extra={{name: path}}).")
        geo, province = "geo_prox" in only, "same_province" in only
        if "same_dialect" not in only:
            dialect = None
        elif dialect is None:
            dialect = "dialect"
        extra = {k: v for k, v in (extra or {}).items() if k in only}
    out: dict[str, pd.DataFrame] = {}
    if geo:
        out["geo_prox"] = geo_proximity(G, unit_km=unit_km)
    if province:
        out["same_province"] = same_province(G)
    if dialect is not None:
        out["same_dialect"] = same_dialect(G, mapping=dialect if isinstance(dialect, Mapping) else None,
                                           column=dialect if isinstance(dialect, str) else "dialect")
    for name, m in (extra or {}).items():
        out[name] = align_matrix(m, G, name)
    if only is not None:
        out = {n: out[n] for n in only}
    return out
