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

from .._results import Result, write_table
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


#: report categories of a flow/weight value, in report order
VALUE_PROBLEMS = {1: "missing", 2: "not a number", 3: "infinite", 4: "negative"}


@dataclass(frozen=True, repr=False)
class ODReport(Result):
    """What happened to every source row during :func:`aggregate_od`.

    Each source row ends in exactly one of: outside the period, missing an origin or
    destination, unmatched origin or destination, self-flow dropped, flow/weight missing,
    not a number, infinite or negative, or used; ``rows_read`` is their sum. A bad value
    excludes only its own row: the other rows of the same city pair are used.

    Attributes
    ----------
    unmatched : pandas.DataFrame
        Each unmatched value with its role (origin/destination) and its number of rows.
    bad_values : pandas.DataFrame
        The first 20 rows of each bad-value category: ``problem``, ``file`` (the file's
        path, or None for an in-memory table), ``line`` (1-based: the line of a CSV file,
        whose header is line 1; the row of a Parquet file or a table) and ``value`` (the
        cell as read).
    notes : tuple of str
        Notes from matching places: old codes mapped to their successor, county codes
        rolled up (see :func:`spatialhealth.regions.harmonise_names`).
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
    rows_non_numeric: int = 0
    rows_infinite: int = 0
    rows_negative: int = 0
    bad_values: pd.DataFrame = field(default_factory=lambda: _empty_bad_values(), repr=False)
    value_column: str | None = None
    notes: tuple = ()
    extra: tuple = ()  # (item, rows or text) lines added by readers (e.g. migration-index truncation)

    @property
    def frame(self) -> pd.DataFrame:
        """The row accounting as a two-column table (``item``, ``rows``); the rows sum to
        ``rows read``.
        """
        v = self.value_column or "flow/weight"
        items = [
            ("rows read", self.rows_read),
            ("outside the period", self.rows_outside_period),
            ("origin or destination missing", self.rows_missing_id),
            ("origin or destination unmatched", self.rows_unmatched),
            ("self-flows (dropped)", self.rows_self if self.self_flows == "dropped" else 0),
            (f"{v} missing", self.rows_missing_value),
            (f"{v} not a number", self.rows_non_numeric),
            (f"{v} infinite", self.rows_infinite),
            (f"{v} negative", self.rows_negative),
            ("used", self.rows_used),
        ]
        if self.self_flows == "kept":
            items.append(("  of which self-flows (kept)", self.rows_self))
        return pd.DataFrame(items, columns=["item", "rows"])

    @property
    def rows_bad_value(self) -> int:
        """Rows whose flow/weight is missing, not a number, infinite or negative."""
        return self.rows_missing_value + self.rows_non_numeric + self.rows_infinite + self.rows_negative

    def bad_value_text(self) -> list[str]:
        """One line per bad-value category: its count and its first rows."""
        lines = []
        counts = {"missing": self.rows_missing_value, "not a number": self.rows_non_numeric,
                  "infinite": self.rows_infinite, "negative": self.rows_negative}
        for problem, count in counts.items():
            if not count:
                continue
            sub = self.bad_values[self.bad_values["problem"] == problem]
            shown = []
            for r in sub.itertuples(index=False):
                where = f"line {r.line}" if r.file is None else f"{Path(r.file).name}:{r.line}"
                shown.append(where if problem == "missing" else f"{where} {r.value!r}")
            more = f" (first {len(sub)} shown)" if count > len(sub) else ""
            lines.append(f"{self.value_column or 'flow/weight'} {problem}: {count:,} row(s): "
                         f"{', '.join(shown)}{more}")
        return lines

    def summary(self) -> str:
        lines = [f"OD aggregation of {self.source} ({self.kind}, {self.level} level, "
                 f"engine {self.engine})"]
        frame = self.frame
        frame = frame[(frame["rows"] != 0) | frame["item"].isin(["rows read", "used"])
                      | ~frame["item"].str.contains(" missing| not a number| infinite| negative")]
        width = max(len(i) for i in frame["item"])
        for item, rows in frame.itertuples(index=False):
            lines.append(f"  {item:<{width}}  {rows:>12,}")
        if self.n_periods is not None:
            lines.append(f"  distinct dates in the period: {self.n_periods}")
        if self.zero_edges_dropped:
            lines.append(f"  edges with zero total flow dropped: {self.zero_edges_dropped}")
        for text in self.bad_value_text():
            lines.append("  " + text)
        if len(self.unmatched):
            lines.append("  unmatched values (most frequent first):")
            for r in self.unmatched.head(10).itertuples(index=False):
                lines.append(f"    {r.value!r} ({r.role}): {r.rows:,} rows")
            if len(self.unmatched) > 10:
                lines.append(f"    ... {len(self.unmatched) - 10} more")
        for note in self.notes[:10]:
            lines.append(f"  note: {note}")
        if len(self.notes) > 10:
            lines.append(f"  ... {len(self.notes) - 10} more notes (report.notes)")
        for item in self.extra:
            lines.append(f"  {item}")
        return "\n".join(lines)


def _empty_bad_values() -> pd.DataFrame:
    return pd.DataFrame({"problem": pd.Series(dtype=object), "file": pd.Series(dtype=object),
                         "line": pd.Series(dtype=np.int64), "value": pd.Series(dtype=object)})


@dataclass(frozen=True, repr=False)
class ODResult(Result):
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

    def to_file(self, path, **kwargs) -> Path:
        """Write the edge table (codes kept as text); the format follows the suffix
        (``.csv`` UTF-8 with BOM, ``.xlsx``, ``.parquet``).
        """
        return write_table(self.edges, path, **kwargs)


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


_MATCHED: dict[tuple[str, str], tuple[str | None, str]] = {}


def _match_cached(texts, level) -> tuple[dict, list[str]]:
    """``({text: code or None}, notes)`` via :func:`spatialhealth.regions.match_names`,
    remembered; the notes say which old codes were mapped to their successors.
    """
    from .. import regions

    new = [t for t in texts if (level, t) not in _MATCHED]
    if new:
        if len(_MATCHED) > 200_000:
            _MATCHED.clear()
        for t, hit in zip(new, regions._match_each(new, level)):
            _MATCHED[(level, t)] = hit
    out = {t: _MATCHED[(level, t)][0] for t in texts}
    notes = list(dict.fromkeys(_MATCHED[(level, t)][1] for t in texts if _MATCHED[(level, t)][1]))
    return out, notes


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
    sheet=None,
) -> ODResult:
    """Aggregate OD records or flow rows to directed edges between places.

    Parameters
    ----------
    source : path, glob, list of paths, pandas/dask DataFrame or Arrow table
        CSV (``.csv``/``.tsv``/``.txt``, UTF-8, UTF-8 with BOM or GBK, each file
        detected unless ``encoding`` is given) or Parquet files, e.g.
        ``"flows/2020-*.parquet"``, or one Excel workbook (``sheet``). Files are
        only read; GBK files are transcoded to a temporary UTF-8 copy.
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
        Raise instead of reporting: :class:`~spatialhealth.errors.RegionError` (with
        examples and the closest spellings) if any row has a missing or unmatched
        place, :class:`~spatialhealth.errors.InputError` listing the rows (first 20 per
        problem, with line numbers) whose flow/weight is missing, not a number,
        infinite or negative.
    encoding : str, optional
        Encoding of every CSV file (e.g. ``"gbk"``); detected per file otherwise.
    sep : str, optional
        CSV delimiter (default: a tab for ``.tsv``, else a comma, for both engines; a
        line with more or fewer fields than the header is an error naming the line).
    memory_limit, temp_directory, threads
        DuckDB settings: memory limit (default half the machine's memory, e.g.
        ``"4GB"``), the folder where it spills and transcoded files go (default a
        fresh temporary folder, removed afterwards) and threads.
    client : distributed.Client or str, optional
        Dask engine: a client or a scheduler address (``"tcp://host:8786"``).
    sheet : str or int, optional
        Sheet of an Excel workbook source (required when it has several sheets); the
        workbook is read by :func:`spatialhealth.io.read_table`, and bad rows are
        reported with their spreadsheet row.

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
        Empty file or source; dates that do not parse (with example rows); with
        ``strict=True``, bad flows or weights.
    EncodingError
        A CSV that decodes neither as UTF-8 nor as GBK, or mixes the two.
    RegionError
        ``strict=True`` and some place did not match.

    Notes
    -----
    Every row is accounted for in ``report``: a row whose flow/weight is missing
    (empty, ``nan``), not a number (``n/a``, ``1,000``), infinite (``inf``, ``1e400``)
    or negative is counted in its own category with its line number (the line of a CSV
    file, header = line 1; the 1-based row of a Parquet file or a table; the first 20
    of each category), found in the same single pass that aggregates; the other rows
    of its city pair are used. Both engines give the same edges and the same report.

    Examples
    --------
    >>> import pandas as pd
    >>> records = pd.DataFrame({"hukou": ["长沙市", "Changsha", 430100, "广州", "Atlantis"],
    ...                         "now": ["广州市", "深圳", "440300", "北京", "北京"]})
    >>> edges, report = aggregate_od(records, "hukou", "now")
    >>> edges.to_dict("list")
    {'origin': ['430100', '430100', '440100'], 'destination': ['440100', '440300', '110100'], 'flow': [1, 2, 1], 'rows': [1, 2, 1]}
    >>> report.rows_unmatched, report.unmatched["value"].tolist()
    (1, ['Atlantis'])
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

    src = _od_read.resolve(source, encoding, sheet)
    kind = "flows" if flow is not None else "records"
    from . import _od_duckdb

    # Both engines reduce the rows to a small frame ``g`` of per-(raw origin, raw
    # destination) facts; matching, accounting and the edge table are then computed
    # from ``g`` by the same code, so the engines cannot drift apart.
    with _od_duckdb.session(memory_limit, temp_directory, threads) as (con, scratch):
        if engine == "dask" or src.kind == "dask":
            from . import _od_dask

            engine = "dask"
            g, bad, facts = _od_dask.group(src, spec, client=client, sep=sep)
        else:
            g, bad, facts = _od_duckdb.group(con, scratch, src, spec, sep=sep)
    if facts["rows_read"] == 0:
        raise InputError(f"The OD source {src.label} has no data rows (only a header?).")
    files = [str(p) for p in src.paths] if src.paths else None
    if src.line_offset and len(bad):
        bad = bad.assign(pos=bad["pos"] + src.line_offset)
    return _finish(g, bad, facts, spec, src.label, engine, kind, level, self_flows, strict, files)


_MISSING, _UNMATCHED = -2, -1


def _finish(g, bad, facts, spec, label, engine, kind, level, self_flows, strict, files) -> ODResult:
    from .. import regions

    # factorise the raw ids (a few hundred distinct values) and match each once
    o_idx, o_uniq = pd.factorize(g["o"], use_na_sentinel=True)
    d_idx, d_uniq = pd.factorize(g["d"], use_na_sentinel=True)
    o_txt = [_as_text(v) for v in o_uniq]
    d_txt = [_as_text(v) for v in d_uniq]
    distinct = sorted({t for t in (*o_txt, *d_txt) if t is not None})
    by_text, notes = _match_cached(distinct, level)
    matched = [by_text[t] for t in distinct]
    code_list = sorted({c for c in matched if c is not None})  # ids in code order
    code_id = {c: i for i, c in enumerate(code_list)}

    def id_of(t):
        if t is None:
            return _MISSING
        code = by_text.get(t)
        return _UNMATCHED if code is None else code_id[code]

    def ids(texts, idx):
        per_unique = [id_of(t) for t in texts]
        per_unique.append(_MISSING)  # index -1: a missing (NA) raw id
        return np.asarray(per_unique, dtype=np.int64)[idx]

    o_id, d_id = ids(o_txt, o_idx), ids(d_txt, d_idx)
    rows = g["rows"].to_numpy(dtype=np.int64)
    rows_all = g["rows_all"].to_numpy(dtype=np.int64)
    missing = (o_id == _MISSING) | (d_id == _MISSING)
    unmatched = ~missing & ((o_id == _UNMATCHED) | (d_id == _UNMATCHED))
    valid = ~missing & ~unmatched
    self_mask = valid & (o_id == d_id)
    used = valid & ~self_mask if self_flows == "drop" else valid
    n_missing, n_unmatched = int(rows[missing].sum()), int(rows[unmatched].sum())

    tally: dict[tuple, int] = {}
    for role, idx, own_id, texts in (("origin", o_idx, o_id, o_txt), ("destination", d_idx, d_id, d_txt)):
        mask = (own_id == _UNMATCHED) & (rows > 0)
        if mask.any():
            per_unique = np.bincount(idx[mask], weights=rows[mask], minlength=len(texts))
            for i in np.flatnonzero(per_unique):
                key = (texts[i], role)
                tally[key] = tally.get(key, 0) + int(per_unique[i])
    unmatched_table = pd.DataFrame(
        [(v, r, n) for (v, r), n in tally.items()], columns=["value", "role", "rows"]
    ).astype({"value": object, "role": object, "rows": "int64"})
    unmatched_table = unmatched_table.sort_values(["rows", "value", "role"], ascending=[False, True, True],
                                                  ignore_index=True)

    has_value = spec.value is not None
    counts = {name: (g[name].to_numpy(dtype=np.int64) if has_value else np.zeros(len(g), np.int64))
              for name in ("n_missing", "n_text", "n_inf", "n_neg")}
    n_bad = sum(counts.values())
    bad_values = _bad_table(bad, files, spec, self_flows, id_of)
    totals = {name: int(c[used].sum()) for name, c in counts.items()}

    if strict and (n_unmatched or n_missing or sum(totals.values())):
        values = unmatched_table["value"].drop_duplicates().head(20).tolist()
        parts = []
        if n_unmatched or n_missing:
            detail = ""
            if values:
                try:
                    regions.harmonise_names(values, level=level)
                except RegionError as exc:
                    detail = "\n" + str(exc)
            parts.append(
                f"{n_unmatched:,} row(s) of {label} have an origin or destination that matches no "
                f"{level} and {n_missing:,} have none (strict=True). Unmatched values: "
                f"{format_rows(values)}.{detail}")
        if sum(totals.values()):
            probe = ODReport(
                source=label, engine=engine, kind=kind, level=level, rows_read=0, rows_outside_period=0,
                rows_missing_id=0, rows_unmatched=0, rows_self=0, self_flows=self_flows, rows_used=0,
                rows_missing_value=totals["n_missing"], n_periods=None, zero_edges_dropped=0,
                unmatched=unmatched_table, rows_non_numeric=totals["n_text"],
                rows_infinite=totals["n_inf"], rows_negative=totals["n_neg"], bad_values=bad_values,
                value_column=spec.value)
            parts.append(f"{probe.rows_bad_value:,} row(s) of {label} have a bad {spec.value!r} "
                         "(strict=True):\n  " + "\n  ".join(probe.bad_value_text()))
        cls = RegionError if (n_unmatched or n_missing) else InputError
        raise cls("\n".join(parts))

    good_rows = rows - n_bad
    sel = used & (good_rows > 0)
    k = max(len(code_list), 1)
    key = o_id[sel] * k + d_id[sel]  # ids follow code order, so keys sort as (origin, destination)
    if k * k <= 4_000_000:  # dense pair space (cities): bincount, no sort needed
        dense_rows = np.bincount(key, weights=good_rows[sel], minlength=k * k)
        uk = np.flatnonzero(dense_rows)
        inv = None
        edge_rows = dense_rows[uk].astype(np.int64)
    else:
        uk, inv = np.unique(key, return_inverse=True)
        edge_rows = np.bincount(inv, weights=good_rows[sel], minlength=len(uk)).astype(np.int64)
    if has_value:
        values = np.nan_to_num(g["value"].to_numpy(dtype=np.float64)[sel], nan=0.0)
        flow = (np.bincount(key, weights=values, minlength=k * k)[uk] if inv is None
                else np.bincount(inv, weights=values, minlength=len(uk)))
        if spec.need_periods:
            n = facts.get("n_periods") or 0
            flow = flow / n if n else np.full(len(uk), np.nan)
    else:
        flow = edge_rows.copy()
    keep = flow > 0
    codes_arr = np.array(code_list, dtype=object)
    edges = pd.DataFrame({
        "origin": pd.array(codes_arr[uk[keep] // k] if len(code_list) else [], dtype=str),
        "destination": pd.array(codes_arr[uk[keep] % k] if len(code_list) else [], dtype=str),
        "flow": flow[keep],
        "rows": edge_rows[keep],
    })
    outside = int((rows_all - rows).sum())
    # dropped self-flows count all their rows; kept ones count the rows used ("of which")
    n_self = int((rows if self_flows == "drop" else good_rows)[self_mask].sum())
    n_used = int(good_rows[used].sum())
    zero = int((~keep).sum())
    report = ODReport(
        source=label, engine=engine, kind=kind, level=level, rows_read=facts["rows_read"],
        rows_outside_period=outside, rows_missing_id=n_missing, rows_unmatched=n_unmatched,
        rows_self=n_self,
        self_flows="dropped" if self_flows == "drop" else "kept",
        rows_used=n_used, rows_missing_value=totals["n_missing"], n_periods=facts.get("n_periods"),
        zero_edges_dropped=zero, unmatched=unmatched_table, rows_non_numeric=totals["n_text"],
        rows_infinite=totals["n_inf"], rows_negative=totals["n_neg"], bad_values=bad_values,
        value_column=spec.value, notes=tuple(notes),
    )
    return ODResult(edges=edges, report=report)


def _bad_table(bad, files, spec, self_flows, id_of) -> pd.DataFrame:
    """The first 20 bad rows per problem among the rows that would be used."""
    if spec.value is None or not len(bad):
        return _empty_bad_values()
    o = np.array([id_of(_as_text(v)) for v in bad["o"].tolist()], dtype=np.int64)
    d = np.array([id_of(_as_text(v)) for v in bad["d"].tolist()], dtype=np.int64)
    keep = (o >= 0) & (d >= 0)
    if self_flows == "drop":  # rows of dropped self-flows are counted as self-flows
        keep &= o != d
    sub = bad[keep].sort_values(["cat", "file", "pos"], kind="stable")
    sub = sub.groupby("cat", sort=True).head(20)
    return pd.DataFrame({
        "problem": [VALUE_PROBLEMS[int(c)] for c in sub["cat"]],
        "file": [None if files is None else files[int(f)] for f in sub["file"]],
        "line": sub["pos"].to_numpy(dtype=np.int64),
        "value": pd.Series([None if int(c) == 1 or v is None or (isinstance(v, float) and np.isnan(v))
                            else v for c, v in zip(sub["cat"], sub["value"].tolist())], dtype=object),
    }).astype({"problem": object, "file": object})
