"""Origin-destination data to directed city-pair edges.

Two kinds of source are common in mobility research:

* **individual records**, one row per person with an origin and a current city
  (e.g. the national migrant dynamic survey, ~170,000 rows a year), aggregated
  to the number of people (or the sum of survey weights) per city pair;
* **city-pair flow rows**, e.g. a map provider's daily migration index between
  ~288 prefecture cities, aggregated to the sum or the per-day mean over a
  period.

:func:`aggregate_od` does both, from CSV (UTF-8, UTF-8 with BOM, GBK) or
Parquet files, globs of files, or in-memory frames, with DuckDB (default,
out-of-core) or Dask (a ``dask.dataframe`` or a cluster). City identifiers may
be GB/T 2260 codes or names in any common spelling; rows whose origin or
destination cannot be matched are counted and reported, never silently dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import write_csv
from .._validate import one_of
from ..errors import InputError, InputTypeError, RegionError, format_rows
from . import _od_read

__all__ = ["aggregate_od", "ODResult", "ODReport", "EDGE_COLUMNS"]

#: columns of every edge table: origin and destination codes, the flow, and
#: the number of source rows aggregated into the edge
EDGE_COLUMNS = ["origin", "destination", "flow", "rows"]


@dataclass(frozen=True)
class _Spec:
    origin: str
    destination: str
    value: str | None
    date: str | None
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    need_periods: bool

    def columns(self):
        return [self.origin, self.destination, self.value, self.date]


@dataclass(frozen=True)
class ODReport:
    """What happened to every source row during :func:`aggregate_od`.

    Each source row ends in exactly one of: outside the period, missing an
    origin or destination, unmatched origin or destination, self-flow dropped,
    or used (``rows_read`` is their sum). ``unmatched`` lists each unmatched
    value with its role (origin/destination) and the number of rows it occurs in.
    """

    source: str
    engine: str
    kind: str  # "records" or "flows"
    level: str
    rows_read: int
    rows_outside_period: int
    rows_missing_id: int
    rows_unmatched: int
    rows_self: int
    self_flows: str  # "kept" or "dropped"
    rows_used: int
    rows_missing_value: int
    n_periods: int | None
    zero_edges_dropped: int
    unmatched: pd.DataFrame = field(repr=False)

    @property
    def frame(self) -> pd.DataFrame:
        """The row accounting as a two-column table (``item``, ``rows``)."""
        items = [
            ("rows read", self.rows_read),
            ("outside the period", self.rows_outside_period),
            ("origin or destination missing", self.rows_missing_id),
            ("origin or destination unmatched", self.rows_unmatched),
            (f"self-flows ({self.self_flows})", self.rows_self),
            ("used", self.rows_used),
            ("  of which flow/weight missing", self.rows_missing_value),
        ]
        return pd.DataFrame(items, columns=["item", "rows"])

    def summary(self) -> str:
        lines = [f"OD aggregation of {self.source} ({self.kind}, {self.level} level, "
                 f"engine {self.engine})"]
        width = max(len(i) for i in self.frame["item"])
        for item, rows in self.frame.itertuples(index=False):
            lines.append(f"  {item:<{width}}  {rows:>12,}")
        if self.n_periods is not None:
            lines.append(f"  distinct dates in the period: {self.n_periods}")
        if self.zero_edges_dropped:
            lines.append(f"  edges with zero total flow dropped: {self.zero_edges_dropped}")
        if len(self.unmatched):
            lines.append("  unmatched values (most frequent first):")
            for r in self.unmatched.head(10).itertuples(index=False):
                lines.append(f"    {r.value!r} ({r.role}): {r.rows:,} rows")
            if len(self.unmatched) > 10:
                lines.append(f"    ... {len(self.unmatched) - 10} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True)
class ODResult:
    """Edge table and row report of :func:`aggregate_od`.

    Unpacks as ``edges, report = aggregate_od(...)``.

    Attributes
    ----------
    edges : pandas.DataFrame
        ``origin``, ``destination`` (six-digit codes), ``flow`` (int64 for
        unweighted counts of records, float64 otherwise) and ``rows`` (source
        rows aggregated), sorted by origin then destination.
    report : ODReport
    """

    edges: pd.DataFrame
    report: ODReport

    @property
    def frame(self) -> pd.DataFrame:
        return self.edges

    def __iter__(self):
        return iter((self.edges, self.report))

    def summary(self) -> str:
        e = self.edges
        flow = e["flow"].sum() if len(e) else 0
        head = (f"{len(e):,} directed edges among {pd.unique(e[['origin', 'destination']].to_numpy().ravel()).size:,} "
                f"places, total flow {flow:,.6g}")
        return head + "\n" + self.report.summary()

    def to_file(self, path) -> Path:
        """Write the edge table as UTF-8 CSV (codes kept as text)."""
        return write_csv(self.edges, path)


def _as_text(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return text or None


def _match(values: pd.Series, level: str) -> dict:
    from .. import regions

    texts = {v: _as_text(v) for v in pd.unique(values)}
    distinct = sorted({t for t in texts.values() if t is not None})
    codes = regions.match_names(distinct, level=level) if distinct else pd.Series([], dtype=object)
    by_text = dict(zip(distinct, codes.tolist()))
    return {raw: (by_text.get(t) if t is not None else None) for raw, t in texts.items()}, texts


def _to_timestamp(value, name):
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"`{name}` must be a date such as '2020-01-31'; {value!r} was given.") from None
    return ts.tz_localize(None).normalize() if ts.tz is not None else ts.normalize()


def aggregate_od(
    source,
    origin: str,
    destination: str,
    weight: str | None = None,
    engine: str = "duckdb",
    *,
    flow: str | None = None,
    how: str = "sum",
    date: str | None = None,
    start=None,
    end=None,
    self_flows: str = "drop",
    level: str = "city",
    strict: bool = False,
    encoding: str | None = None,
    sep: str | None = None,
    memory_limit: str | None = None,
    temp_directory=None,
    threads: int | None = None,
    client=None,
) -> ODResult:
    """Aggregate OD records or flow rows to directed edges between places.

    Parameters
    ----------
    source : path, glob, list of paths, pandas/dask DataFrame or Arrow table
        CSV (``.csv``/``.tsv``/``.txt``, UTF-8, UTF-8 with BOM or GBK, each file
        detected unless ``encoding`` is given) or Parquet files, e.g.
        ``"flows/2020-*.parquet"``. Files are only read; GBK files are transcoded
        to a temporary UTF-8 copy.
    origin, destination : str
        Columns holding the origin and destination place (codes or names).
    weight : str, optional
        Individual records: a survey-weight column; the flow of an edge is then
        the sum of weights instead of the number of records.
    engine : {"duckdb", "dask"}
        DuckDB (embedded, out-of-core) or Dask (a dask DataFrame source, a local
        scheduler, or the cluster given by ``client``). Both give the same edges.
    flow : str, optional
        City-pair flow rows: the column of flows. Without it every row is one
        individual record.
    how : {"sum", "mean"}
        For flow rows: the total over the period, or the mean per date
        (``sum / number of distinct dates`` in the period, so a pair absent on a
        date counts as zero that day). ``"mean"`` needs ``date``.
    date, start, end : optional
        Date column (ISO dates or timestamps, or integers like 20200131) and the
        inclusive first and last date kept. Rows outside are counted in the report.
    self_flows : {"drop", "keep"}
        Rows whose origin and destination are the same place (after matching
        names) are dropped (default) or kept as self-loop edges; counted either way.
    level : {"city", "county", "province"}
        Level of the place identifiers; names are matched with
        :func:`spatialhealth.regions.match_names`.
    strict : bool
        Raise :class:`~spatialhealth.errors.RegionError` (with examples and the
        closest spellings) if any row has a missing or unmatched place, instead
        of reporting it.
    encoding : str, optional
        Encoding of every CSV file (e.g. ``"gbk"``); detected per file otherwise.
    sep : str, optional
        CSV delimiter (detected by DuckDB, ``","`` for Dask, unless given).
    memory_limit, temp_directory, threads
        DuckDB settings: memory limit (default half the machine's memory, e.g.
        ``"4GB"``), the folder where it spills and transcoded files go (default a
        fresh temporary folder, removed afterwards) and threads.
    client : distributed.Client or str, optional
        Dask engine: a client or a scheduler address (``"tcp://host:8786"``).

    Returns
    -------
    ODResult
        ``.edges`` (``origin``, ``destination``, ``flow``, ``rows``) and
        ``.report`` (:class:`ODReport`); unpacks as ``edges, report``.

    Raises
    ------
    ColumnError
        A named column is missing.
    InputError
        Empty file or source; flows or weights that are negative or not numbers,
        dates that do not parse (with example rows).
    EncodingError
        A CSV that decodes neither as UTF-8 nor as GBK, or mixes the two.
    RegionError
        ``strict=True`` and some place did not match.

    Examples
    --------
    >>> import pandas as pd
    >>> records = pd.DataFrame({"hukou": ["湖南省长沙市", "Changsha", "430100", "广州"],
    ...                         "now": ["广州市", "深圳", "440300", "北京"]})
    >>> edges, report = aggregate_od(records, "hukou", "now", level="city")  # doctest: +SKIP
    """
    one_of(engine, ("duckdb", "dask"), "engine")
    one_of(how, ("sum", "mean"), "how")
    one_of(self_flows, ("drop", "keep"), "self_flows")
    one_of(level, ("city", "county", "province"), "level")
    for name, col in (("origin", origin), ("destination", destination)):
        if not isinstance(col, str):
            raise InputTypeError(f"`{name}` must be a column name (str); {col!r} was given.")
    if weight is not None and flow is not None:
        raise InputError("Give `weight` (individual records) or `flow` (city-pair flow rows), not both.")
    if how == "mean" and (flow is None or date is None):
        raise InputError("how='mean' averages city-pair flow rows per date: it needs `flow` and `date`.")
    if (start is not None or end is not None) and date is None:
        raise InputError("`start`/`end` filter on a date column: pass `date` too.")
    spec = _Spec(origin, destination, flow if flow is not None else weight, date,
                 _to_timestamp(start, "start"), _to_timestamp(end, "end"), how == "mean")
    if spec.start is not None and spec.end is not None and spec.start > spec.end:
        raise InputError(f"`start` ({spec.start.date()}) is after `end` ({spec.end.date()}).")

    src = _od_read.resolve(source, encoding)
    if engine == "dask" or src.kind == "dask":
        from . import _od_dask

        engine = "dask"
        g, facts = _od_dask.group(src, spec, client=client, sep=sep)
    else:
        from . import _od_duckdb

        g, facts = _od_duckdb.group(src, spec, memory_limit=memory_limit,
                                    temp_directory=temp_directory, threads=threads, sep=sep)
    if facts["rows_read"] == 0:
        raise InputError(f"The OD source {src.label} has no data rows (only a header?).")
    return _finish(g, facts, spec, src.label, engine, "flows" if flow is not None else "records",
                   level, self_flows, strict)


def _finish(g, facts, spec, label, engine, kind, level, self_flows, strict) -> ODResult:
    o_map, o_text = _match(g["o"], level)
    d_map, d_text = _match(g["d"], level)
    g = g.assign(
        origin=g["o"].map(o_map).astype(object), destination=g["d"].map(d_map).astype(object),
        o_text=g["o"].map(o_text).astype(object), d_text=g["d"].map(d_text).astype(object),
    )
    rows = g["rows"].astype("int64")
    missing = g["o_text"].isna() | g["d_text"].isna()
    unmatched = ~missing & (g["origin"].isna() | g["destination"].isna())
    valid = ~missing & ~unmatched
    self_mask = valid & (g["origin"] == g["destination"])
    used = valid & ~self_mask if self_flows == "drop" else valid

    pieces = []
    for role, text_col, code_col in (("origin", "o_text", "origin"), ("destination", "d_text", "destination")):
        bad = g[g[text_col].notna() & g[code_col].isna() & (rows > 0)]
        if len(bad):
            pieces.append(bad.groupby(text_col)["rows"].sum().rename_axis("value").reset_index()
                          .assign(role=role))
    unmatched_table = (pd.concat(pieces, ignore_index=True) if pieces
                       else pd.DataFrame({"value": [], "rows": [], "role": []}))
    unmatched_table = (unmatched_table[["value", "role", "rows"]]
                       .astype({"rows": "int64"})
                       .sort_values(["rows", "value"], ascending=[False, True], ignore_index=True))

    if strict and (unmatched.any() or (missing & (rows > 0)).any()):
        from .. import regions

        n_bad = int(rows[unmatched].sum())
        n_missing = int(rows[missing].sum())
        detail = ""
        values = unmatched_table["value"].drop_duplicates().head(20).tolist()
        if values:
            try:
                regions.harmonise_names(values, level=level)
            except RegionError as exc:
                detail = "\n" + str(exc)
        raise RegionError(
            f"{n_bad:,} row(s) of {label} have an origin or destination that matches no {level}"
            f" and {n_missing:,} have none (strict=True). Unmatched values: "
            f"{format_rows(values)}.{detail}"
        )

    e = g[used & (rows > 0)]
    counts_only = spec.value is None
    if counts_only:
        e = e.assign(flow=e["rows"].astype("int64"))
    else:
        e = e.assign(flow=e["value"].astype("float64").fillna(0.0))
    edges = (e.groupby(["origin", "destination"], sort=True)[["flow", "rows"]].sum()
             .reset_index())
    if spec.need_periods:
        n = facts.get("n_periods") or 0
        edges["flow"] = edges["flow"] / n if n else np.nan
    zero = edges["flow"] <= 0
    n_zero = int(zero.sum())
    edges = edges[~zero].reset_index(drop=True)
    edges["origin"] = edges["origin"].astype(str)
    edges["destination"] = edges["destination"].astype(str)
    edges["rows"] = edges["rows"].astype("int64")
    edges = edges[EDGE_COLUMNS]

    rows_missing_value = 0
    if not counts_only:
        rows_missing_value = int((rows[used] - g.loc[used, "n_value"].fillna(0).astype("int64")).sum())
    report = ODReport(
        source=label, engine=engine, kind=kind, level=level,
        rows_read=facts["rows_read"],
        rows_outside_period=int((g["rows_all"] - rows).sum()),
        rows_missing_id=int(rows[missing].sum()),
        rows_unmatched=int(rows[unmatched].sum()),
        rows_self=int(rows[self_mask].sum()),
        self_flows="dropped" if self_flows == "drop" else "kept",
        rows_used=int(rows[used].sum()),
        rows_missing_value=rows_missing_value,
        n_periods=facts.get("n_periods"),
        zero_edges_dropped=n_zero,
        unmatched=unmatched_table,
    )
    return ODResult(edges=edges, report=report)
