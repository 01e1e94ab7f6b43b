"""Dask engine for OD aggregation: the same grouped facts as the DuckDB engine.

Each partition is reduced to per-(raw origin, raw destination) sums and the
partial results combined by ``groupby(...).agg``; the shared code in
:mod:`spatialhealth.networks.od` then matches ids and builds the edge table, so
both engines give identical edges (float sums up to summation order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ColumnError
from ._od_read import Source, bad_rows_error


def _client(client):
    if client is None or not isinstance(client, str):
        return client, False
    from distributed import Client

    return Client(client), True


def _frame(source: Source, spec, sep=None):
    import dask.dataframe as dd

    if source.kind == "dask":
        return source.frame
    if source.kind == "frame":
        nparts = max(1, min(16, len(source.frame) // 250_000 + 1))
        return dd.from_pandas(source.frame, npartitions=nparts)
    if source.kind == "parquet":
        return dd.read_parquet([str(p) for p in source.paths])
    text_cols = {c: "string" for c in spec.columns() if c is not None}
    parts = []
    for path, enc in zip(source.paths, source.encodings):
        enc = "utf-8-sig" if enc.lower().replace("_", "-") in ("utf-8", "utf8") else enc
        delim = sep or ("\t" if path.suffix.lower() == ".tsv" else ",")
        parts.append(dd.read_csv(str(path), encoding=enc, dtype=text_cols, sep=delim,
                                 blocksize="64MB" if enc.startswith("utf") else None))
    return parts[0] if len(parts) == 1 else dd.concat(parts)


def _parse_dates(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw.dt.tz_localize(None).dt.normalize() if raw.dt.tz is not None else raw.dt.normalize()
    if pd.api.types.is_integer_dtype(raw):
        return pd.to_datetime(raw.astype("string"), format="%Y%m%d", errors="coerce")
    if raw.dtype == object and len(raw) and raw.dropna().map(lambda v: hasattr(v, "year")).all():
        return pd.to_datetime(raw, errors="coerce").dt.normalize()
    return pd.to_datetime(raw.astype("string").str.strip(), format="ISO8601",
                          errors="coerce").dt.normalize()


def _prepare(pdf: pd.DataFrame, spec) -> pd.DataFrame:
    out = pd.DataFrame({"o": pdf[spec.origin], "d": pdf[spec.destination]})
    out["rows_all"] = np.ones(len(pdf), dtype="int64")
    inp = np.ones(len(pdf), dtype=bool)
    if spec.date is not None:
        raw = pdf[spec.date]
        dt = _parse_dates(raw)
        out["n_bad_date"] = (dt.isna() & raw.notna()).astype("int64").to_numpy()
        inp = dt.notna().to_numpy().copy()
        if spec.start is not None:
            inp &= (dt >= spec.start).fillna(False).to_numpy(dtype=bool)
        if spec.end is not None:
            inp &= (dt <= spec.end).fillna(False).to_numpy(dtype=bool)
        out["date"] = dt.where(inp).to_numpy()
    out["rows"] = inp.astype("int64")
    if spec.value is not None:
        raw = pdf[spec.value]
        num = pd.to_numeric(raw, errors="coerce").astype("float64")
        out["n_bad"] = (num.isna() & raw.notna()).astype("int64").to_numpy()
        out["min_value"] = num.to_numpy()
        kept = num.where(inp)
        out["value"] = kept.fillna(0.0).to_numpy()
        out["n_value"] = kept.notna().astype("int64").to_numpy()
    return out


def group(source: Source, spec, *, client=None, sep=None):
    """Return (grouped frame, facts dict) like the DuckDB engine's ``group``."""
    ddf = _frame(source, spec, sep)
    missing = [c for c in spec.columns() if c is not None and c not in ddf.columns]
    if missing:
        raise ColumnError(
            f"The OD source {source.label} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, ddf.columns))}."
        )
    cols = [c for c in dict.fromkeys(spec.columns()) if c is not None]
    ddf = ddf[cols]
    meta = _prepare(ddf._meta, spec)
    prepared = ddf.map_partitions(_prepare, spec, meta=meta)
    aggs = {"rows_all": "sum", "rows": "sum"}
    if spec.date is not None:
        aggs["n_bad_date"] = "sum"
    if spec.value is not None:
        aggs.update(value="sum", n_value="sum", min_value="min", n_bad="sum")
    client, own = _client(client)
    try:
        # city pairs are few (at most ~134,000): a tree reduction into one partition beats
        # the shuffle dask would otherwise choose
        grouped = prepared.groupby(["o", "d"], dropna=False).agg(aggs, split_out=1)
        tasks = [grouped]
        if spec.need_periods:
            tasks.append(prepared["date"].dropna().nunique())
        if client is not None:
            results = client.compute(tasks, sync=True)
        else:
            import dask

            results = dask.compute(*tasks)
        g = results[0].reset_index()

        def examples(mask_fn):
            def pick(pdf):
                return pdf[mask_fn(pdf)].head(5)

            shown = [spec.origin, spec.destination] + [c for c in (spec.value, spec.date) if c]
            part = ddf[shown].map_partitions(pick, meta=ddf[shown]._meta)
            found = client.compute(part, sync=True) if client is not None else part.compute()
            return found.head(5).reset_index(drop=True)

        if spec.date is not None and int(g["n_bad_date"].sum()):
            raise bad_rows_error(
                "not dates (expected e.g. 2020-01-31 or 20200131)", spec.date,
                int(g["n_bad_date"].sum()),
                examples(lambda p: _parse_dates(p[spec.date]).isna() & p[spec.date].notna()))
        if spec.value is not None:
            if int(g["n_bad"].sum()):
                raise bad_rows_error(
                    "not numbers", spec.value, int(g["n_bad"].sum()),
                    examples(lambda p: pd.to_numeric(p[spec.value], errors="coerce").isna()
                             & p[spec.value].notna()))
            if (g["min_value"] < 0).any():
                neg = examples(lambda p: pd.to_numeric(p[spec.value], errors="coerce") < 0)
                n_neg = int(ddf[spec.value].map_partitions(
                    lambda s: pd.Series([int((pd.to_numeric(s, errors="coerce") < 0).sum())])
                ).sum().compute())
                raise bad_rows_error("negative", spec.value, n_neg, neg)
            g.loc[g["n_value"] == 0, "value"] = np.nan
        facts = {"rows_read": int(g["rows_all"].sum())}
        if spec.need_periods:
            facts["n_periods"] = int(results[1])
        return g, facts
    finally:
        if own:
            client.close()
