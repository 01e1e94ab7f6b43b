"""The migration-index layout of the Baidu (百度迁徙) and Amap (高德) platforms, as city-pair flows.

The platforms publish, per city and day,

* a **scale index** (迁入规模指数 / 迁出规模指数): the volume of people moving into or out of
  the city that day, in index units (not people; the platforms do not publish the factor);
* the **shares of the top partner cities** (迁入来源地 / 迁出目的地): for the top N cities
  (Baidu: 100) the percentage of the city's in- or out-movement that came from / went to
  each of them.

A city-pair flow is the scale index times the share: on date ``t`` the flow from city
``A`` to city ``B`` is ``scale_out(A, t) * share_out(A -> B, t) / 100`` (from A's
out-list, ``use="out"``, the default), or ``scale_in(B, t) * share_in(A -> B, t) / 100``
(from B's in-list, ``use="in"``). The two lists describe the same movements from two
ends and are not averaged: choose one. Flows are in scale-index units.

Only the top N partners are published, so the flows of each city to the cities outside
its list are missing (the listed shares sum to less than 100%). The report states N as
observed (the most partners any city-day lists) and the share of the scale index that
the lists cover (mean and minimum over city-days): the edge table is complete for large
flows and truncated for small ones.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pandas as pd

from .._validate import one_of, require_columns
from ..errors import InputError
from .od import ODResult, aggregate_od

__all__ = ["IN_WORDS", "OUT_WORDS", "aggregate_migration_index", "migration_index_flows"]

#: direction values read as "into the city" / "out of the city" (case-insensitive)
IN_WORDS = ("in", "迁入", "move_in", "movein", "inflow", "入", "来源", "迁入来源地")
OUT_WORDS = ("out", "迁出", "move_out", "moveout", "outflow", "出", "目的", "迁出目的地")


def _direction(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.strip().str.lower()
    out = np.full(len(values), "", dtype=object)
    out[text.isin(IN_WORDS).fillna(False).to_numpy(dtype=bool)] = "in"
    out[text.isin(OUT_WORDS).fillna(False).to_numpy(dtype=bool)] = "out"
    return out


def _numbers(raw: pd.Series):
    from ._od_dask import classify

    cat, x, texts = classify(raw)
    return cat, x, texts


def migration_index_flows(
    df,
    *,
    city: str,
    partner: str,
    share: str,
    direction: str,
    scale: str | None = None,
    index=None,
    date: str | None = None,
    use: str = "out",
    share_unit: str = "percent",
) -> pd.DataFrame:
    """City-pair flows (scale index x share) from the migration-index layout.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per city, date, direction and partner city (the long layout the
        platforms' lists are usually saved in), e.g. columns 日期, 城市, 方向, 规模指数,
        对方城市, 占比.
    city, partner : str
        The city the lists belong to, and the listed partner city (codes such as
        110000, or names).
    share : str
        The partner's share of the city's movement that day.
    direction : str
        ``in``/``out`` (or 迁入/迁出, move_in/move_out, ...; see :data:`IN_WORDS`,
        :data:`OUT_WORDS`).
    scale : str, optional
        The scale index column, repeated on each partner row. Or give ``index``.
    index : pandas.DataFrame, optional
        A separate table of scale indices with the columns ``city``, ``direction``,
        ``scale`` (and ``date``), merged onto ``df``.
    date : str, optional
        Date column.
    use : {"out", "in"}
        Build flows from each city's out-list (default) or in-list.
    share_unit : {"percent", "fraction"}
        Shares in percent (12.5) or as fractions (0.125).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, (``date``), ``flow`` and ``source_row`` (the row of
        ``df``, 0-based), one row per used list entry; a flow whose share or scale is
        missing, not a number, infinite or negative holds that cell's text, so that
        :func:`~spatialhealth.networks.od.aggregate_od` reports it. ``.attrs`` holds
        ``top_n`` (most partners listed for a city-day), ``coverage_mean`` and
        ``coverage_min`` (share of the scale index covered by the lists),
        ``city_days`` and ``rows_other_direction``.

    Examples
    --------
    >>> df = pd.DataFrame({"城市": ["110000"] * 2, "方向": ["迁出"] * 2, "规模指数": [4.0, 4.0],
    ...                    "对方城市": ["天津市", "廊坊市"], "占比": [25.0, 50.0]})
    >>> f = migration_index_flows(df, city="城市", partner="对方城市", share="占比",
    ...                           direction="方向", scale="规模指数")
    >>> f[["origin", "destination", "flow"]].values.tolist()
    [['110000', '天津市', 1.0], ['110000', '廊坊市', 2.0]]
    >>> f.attrs["top_n"], f.attrs["coverage_mean"]
    (2, 0.75)
    """
    one_of(use, ("out", "in"), "use")
    one_of(share_unit, ("percent", "fraction"), "share_unit")
    if (scale is None) == (index is None):
        raise InputError("Give the scale index as a column (`scale=`) or as a table (`index=`), "
                         "exactly one of them.")
    cols = [city, partner, share, direction] + ([date] if date else []) + ([scale] if scale else [])
    require_columns(df, cols, "migration-index table")
    df = df.reset_index(drop=True)
    if index is not None:
        keys = [city, direction] + ([date] if date else [])
        require_columns(index, keys + ["scale"], "scale-index table")
        idx = index[keys + ["scale"]].copy()
        idx["__dir"] = _direction(idx[direction])
        dup = idx.duplicated(subset=[city, "__dir"] + ([date] if date else []), keep=False)
        if dup.any():
            raise InputError(f"The scale-index table has {int(dup.sum())} rows for the same city, "
                             "direction and date; keep one scale index per city-day and direction.")
        left = df.assign(__dir=_direction(df[direction]), __row=np.arange(len(df)))
        merged = left.merge(idx.drop(columns=[direction]), on=[city, "__dir"] + ([date] if date else []),
                            how="left", sort=False).sort_values("__row")
        scale_raw = merged["scale"].reset_index(drop=True)
    else:
        scale_raw = df[scale]
    dirs = _direction(df[direction])
    unknown = dirs == ""
    if unknown.any():
        bad = df.loc[unknown, direction].astype(str).unique()[:5].tolist()
        raise InputError(f"Column {direction!r} must say in or out (迁入/迁出); {bad} "
                         f"{'is' if len(bad) == 1 else 'are'} neither (rows "
                         f"{', '.join(str(i + 2) for i in np.flatnonzero(unknown)[:10])}).")
    s_cat, s_x, s_text = _numbers(df[share])
    k_cat, k_x, k_text = _numbers(scale_raw)
    if share_unit == "percent":
        s_x = s_x / 100.0
    sel = dirs == use
    flow = np.where((s_cat == 0) & (k_cat == 0), k_x * s_x, np.nan)
    flow = pd.Series(flow, dtype=object)
    # a bad cell travels on as its own text, so that aggregate_od reports it with its row
    for cat, text in ((k_cat, k_text), (s_cat, s_text)):
        bad = cat != 0
        flow[bad] = [t if t is not None else None for t, b in zip(text, bad) if b]
    c_vals, p_vals = df[city].to_numpy(dtype=object), df[partner].to_numpy(dtype=object)
    origin = np.where(dirs == "out", c_vals, p_vals)
    dest = np.where(dirs == "out", p_vals, c_vals)
    out = pd.DataFrame({"origin": origin[sel], "destination": dest[sel]})
    if date:
        out["date"] = df[date].to_numpy()[sel]
    out["flow"] = flow[sel].to_numpy()
    out["source_row"] = np.flatnonzero(sel)
    # truncation: how much of each city-day's scale the listed shares cover
    used = pd.DataFrame({"city": c_vals[sel], "share": np.where(s_cat == 0, s_x, np.nan)[sel]})
    if date:
        used["date"] = df[date].to_numpy()[sel]
    groups = used.groupby(["city"] + (["date"] if date else []), dropna=False, sort=False)["share"]
    coverage = groups.sum(min_count=1)
    sizes = groups.size()
    out.attrs.update(top_n=int(sizes.max()) if len(sizes) else 0,
                     coverage_mean=float(coverage.mean()) if coverage.notna().any() else float("nan"),
                     coverage_min=float(coverage.min()) if coverage.notna().any() else float("nan"),
                     city_days=len(sizes), rows_other_direction=int((~sel).sum()), use=use)
    return out


def aggregate_migration_index(
    source,
    *,
    city: str,
    partner: str,
    share: str,
    direction: str,
    scale: str | None = None,
    index=None,
    date: str | None = None,
    use: str = "out",
    share_unit: str = "percent",
    how: str = "sum",
    start=None,
    end=None,
    level: str = "city",
    self_flows: str = "drop",
    strict: bool = False,
    encoding: str | None = None,
    sheet=None,
    engine: str = "duckdb",
) -> ODResult:
    """Directed city-pair edges from a migration-index file (Baidu/Amap layout).

    Reads the file (CSV in any encoding, Excel with ``sheet``, Parquet) with
    :func:`spatialhealth.io.read_table`, turns each listed partner into a flow with
    :func:`migration_index_flows` (scale index x share) and aggregates the flows with
    :func:`~spatialhealth.networks.od.aggregate_od` (sum or mean per date over the
    period). The report adds the layout's own facts: the direction used, the rows of
    the other direction left aside, the top-N truncation and the coverage of the
    lists. Bad share or scale cells are reported with the line of the file (header =
    line 1).

    Parameters
    ----------
    source : path or pandas.DataFrame
    city, partner, share, direction, scale, index, date, use, share_unit
        See :func:`migration_index_flows`.
    how, start, end, level, self_flows, strict, engine
        See :func:`~spatialhealth.networks.od.aggregate_od`.
    encoding, sheet
        See :func:`spatialhealth.io.read_table`.

    Returns
    -------
    ODResult
        Flows in scale-index units.

    Examples
    --------
    >>> from spatialhealth.datasets import mobility_sample
    >>> res = aggregate_migration_index(
    ...     mobility_sample("migration_index"), city="城市代码", partner="对方城市", share="占比",
    ...     direction="方向", scale="规模指数", date="日期", how="mean")
    >>> res.report.rows_used > 0, "top-10 truncation" in res.report.summary()
    (True, True)
    """
    from ..io import read_table

    if isinstance(source, pd.DataFrame):
        df, label, first_row, file = source, f"DataFrame ({len(source)} rows)", 1, None
    elif isinstance(source, (str, os.PathLike)):
        dtype = {c: str for c in (city, partner) if c}
        df = read_table(source, encoding=encoding, sheet=sheet, dtype=dtype)
        label, first_row, file = str(source), int(df.attrs.get("first_row", 2)), str(source)
    else:
        raise InputError("`source` must be a path or a pandas DataFrame; "
                         f"{type(source).__name__} was given.")
    flows = migration_index_flows(df, city=city, partner=partner, share=share, direction=direction,
                                  scale=scale, index=index, date=date, use=use, share_unit=share_unit)
    res = aggregate_od(flows, "origin", "destination", flow="flow", engine=engine, how=how,
                       date="date" if date else None, start=start, end=end, level=level,
                       self_flows=self_flows, strict=False)
    report = res.report
    bad = report.bad_values.copy()
    if len(bad):  # rows of the flow table -> lines of the user's file
        rows = flows["source_row"].to_numpy()
        bad["line"] = [int(rows[r - 1]) + first_row for r in bad["line"]]
        bad["file"] = file
    a = flows.attrs
    extra = (
        f"migration index: flows = scale index x share, from each city's {a['use']}-list "
        f"({a['rows_other_direction']:,} rows of the other direction not used)",
        f"top-{a['top_n']} truncation: each city-day lists at most {a['top_n']} partner cities; "
        f"the lists cover {a['coverage_mean']:.1%} of the scale index on average (minimum "
        f"{a['coverage_min']:.1%}, over {a['city_days']:,} city-days); flows to unlisted "
        "cities are not observed",
    )
    report = dataclasses.replace(report, source=label, bad_values=bad, extra=report.extra + extra)
    if strict and (report.rows_bad_value or report.rows_unmatched or report.rows_missing_id):
        from ..errors import RegionError

        lines = report.bad_value_text()
        if len(report.unmatched):
            lines.append("unmatched: " + ", ".join(map(repr, report.unmatched["value"].head(20))))
        cls = RegionError if report.rows_unmatched or report.rows_missing_id else InputError
        raise cls(f"{label} (strict=True):\n  " + "\n  ".join(lines))
    return ODResult(edges=res.edges, report=report)
