"""Dask engine for OD aggregation: the same grouped facts and bad rows as the DuckDB engine.

Each partition is reduced to per-(raw origin, raw destination) sums, counts of bad flow
values per category and the first bad rows with their position in the partition; the
partial results are combined by a tree of ``dask.delayed`` reductions that keeps the
partitions in order, so a bad row's line number follows from the lengths of the
partitions before it, in the same single pass over the data. The shared code in
:mod:`spatialhealth.networks.od` then matches ids and builds the edge table, so both
engines give identical edges and reports (float sums up to summation order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ColumnError
from ._od_duckdb import (
    _INF_TEXT,
    _NAN_TEXT,
    EXAMPLES,
    INFINITE,
    MISSING,
    NEGATIVE,
    NUMBER_RE,
    OK,
    TEXT,
    empty_bad,
)
from ._od_read import Source, bad_rows_error, delimiter, malformed_error

_COUNTS = {MISSING: "n_missing", TEXT: "n_text", INFINITE: "n_inf", NEGATIVE: "n_neg"}


def _client(client):
    if client is None or not isinstance(client, str):
        return client, False
    from distributed import Client

    return Client(client), True


def _parts(source: Source, spec, sep=None):
    """``[(delayed partition, file index, position of its first row)]`` in order, and the
    column names. The position base is 2 for CSV lines (the header is line 1), else 1.
    """
    import dask.dataframe as dd

    if source.kind in ("dask", "frame"):
        ddf = source.frame if source.kind == "dask" else dd.from_pandas(
            source.frame, npartitions=max(1, min(16, len(source.frame) // 250_000 + 1)), sort=False)
        return [(p, 0, 1) for p in ddf.to_delayed()], list(ddf.columns)
    out, columns = [], None
    text_cols = {c: "string" for c in spec.columns() if c is not None}
    for i, path in enumerate(source.paths):
        if source.kind == "parquet":
            ddf = dd.read_parquet(str(path))
            base = 1
        else:
            enc = source.encodings[i]
            enc = "utf-8-sig" if enc.lower().replace("_", "-") in ("utf-8", "utf8") else enc
            delim = delimiter(path, sep)
            head = pd.read_csv(path, encoding=enc, sep=delim, nrows=0)
            ddf = dd.read_csv(str(path), encoding=enc, sep=delim, keep_default_na=False,
                              na_values=[""], dtype={c: t for c, t in text_cols.items() if c in head},
                              blocksize="64MB" if enc.startswith("utf") else None)
            base = 2
        columns = list(ddf.columns) if columns is None else columns + [
            c for c in ddf.columns if c not in columns]
        missing = [c for c in spec.columns() if c is not None and c not in ddf.columns]
        if missing and source.kind == "csv":
            from ._od_read import malformed_line

            if malformed_line(path, source.encodings[i], sep):  # a title line, not a typo
                raise malformed_error(Source("csv", paths=[path], encodings=[source.encodings[i]]),
                                      sep, ValueError("malformed"))
        if missing:
            raise ColumnError(
                f"The OD source {path} has no column {', '.join(map(repr, missing))}; "
                f"its columns are {', '.join(map(repr, ddf.columns))}.")
        out += [(p, i, base) for p in ddf.to_delayed()]
    return out, columns


def _parse_dates(raw: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw.dt.tz_localize(None).dt.normalize() if raw.dt.tz is not None else raw.dt.normalize()
    if pd.api.types.is_integer_dtype(raw):
        return pd.to_datetime(raw.astype("string"), format="%Y%m%d", errors="coerce")
    if raw.dtype == object and len(raw) and raw.dropna().map(lambda v: hasattr(v, "year")).all():
        return pd.to_datetime(raw, errors="coerce").dt.normalize()
    return pd.to_datetime(raw.astype("string").str.strip(), format="ISO8601",
                          errors="coerce").dt.normalize()


def classify(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, list]:
    """``(category, number, raw text)`` of each flow/weight cell, as the DuckDB engine
    classifies them (missing, not a number, infinite, negative, usable).
    """
    n = len(raw)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        x = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        cat = np.full(n, OK, dtype=np.int64)
        cat[x < 0] = NEGATIVE
        cat[np.isinf(x)] = INFINITE
        cat[np.isnan(x)] = MISSING
        texts = [None if c == MISSING else (str(v) if not isinstance(v, float) or not np.isnan(v) else None)
                 for c, v in zip(cat, raw.tolist())]
        return cat, x, texts
    obj = raw.astype(object)
    is_num = obj.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                     and not isinstance(v, bool)).to_numpy(dtype=bool) if raw.dtype == object \
        else np.zeros(n, dtype=bool)
    absent = raw.isna().to_numpy()
    text = raw.astype("string")  # numbers in an object column become their str()
    t = text.str.strip()
    low = t.str.lower()
    missing = absent | (t == "").fillna(False).to_numpy(dtype=bool) \
        | low.isin(_NAN_TEXT).fillna(False).to_numpy(dtype=bool)
    numeric = t.str.fullmatch(NUMBER_RE).fillna(False).to_numpy(dtype=bool) & ~missing
    x = np.full(n, np.nan)
    if numeric.any():
        x[numeric] = t[numeric].astype(float).to_numpy()
    if is_num.any():  # numbers in an object column: their value, not their text
        x[is_num] = obj[is_num].astype(float).to_numpy()
        numeric |= is_num & ~np.isnan(x)
        missing |= is_num & np.isnan(x) & ~np.isinf(x)
    cat = np.full(n, TEXT, dtype=np.int64)
    cat[numeric & (x >= 0)] = OK
    cat[numeric & (x < 0)] = NEGATIVE
    cat[(numeric & np.isinf(x)) | (low.isin(_INF_TEXT).fillna(False).to_numpy(dtype=bool) & ~missing)] = INFINITE
    cat[missing] = MISSING
    texts = [None if a else v for a, v in zip(absent, text.tolist())]
    return cat, x, texts


def _reduce(pdf: pd.DataFrame, spec, file_index: int, base: int) -> dict:
    """One partition to the facts the engines share (positions relative to the partition)."""
    pdf = pdf.reset_index(drop=True)
    n = len(pdf)
    out = pd.DataFrame({"o": pdf[spec.origin], "d": pdf[spec.destination]})
    out["rows_all"] = np.ones(n, dtype="int64")
    inp = np.ones(n, dtype=bool)
    chunk = {"len": {file_index: n}, "dates": None, "n_bad_date": 0, "bad_date_rows": None}
    if spec.date is not None:
        raw = pdf[spec.date]
        dt = _parse_dates(raw)
        bad_date = (dt.isna() & raw.notna()).to_numpy()
        chunk["n_bad_date"] = int(bad_date.sum())
        if chunk["n_bad_date"]:
            shown = [spec.origin, spec.destination] + [c for c in (spec.value, spec.date) if c]
            chunk["bad_date_rows"] = pdf.loc[bad_date, shown].head(5)
        inp = dt.notna().to_numpy().copy()
        if spec.start is not None:
            inp &= (dt >= spec.start).fillna(False).to_numpy(dtype=bool)
        if spec.end is not None:
            inp &= (dt <= spec.end).fillna(False).to_numpy(dtype=bool)
        if spec.need_periods:
            chunk["dates"] = set(dt[inp].unique())
    out["rows"] = inp.astype("int64")
    bad = empty_bad()
    if spec.value is not None:
        cat, x, texts = classify(pdf[spec.value])
        ok = inp & (cat == OK)
        out["value"] = np.where(ok, x, 0.0)
        out["n_value"] = ok.astype("int64")
        for code, name in _COUNTS.items():
            out[name] = (inp & (cat == code)).astype("int64")
        sel = np.flatnonzero(inp & (cat != OK))
        if len(sel):
            bad = pd.DataFrame({"o": out["o"].to_numpy()[sel], "d": out["d"].to_numpy()[sel],
                                "cat": cat[sel], "file": file_index, "pos": sel + base,
                                "value": [None if cat[i] == MISSING else texts[i] for i in sel]})
            bad = bad.astype({"o": object, "d": object})
            bad = bad.groupby(["o", "d", "cat"], dropna=False, sort=False).head(EXAMPLES)
    sums = [c for c in out.columns if c not in ("o", "d")]
    g = out.groupby(["o", "d"], dropna=False, sort=False)[sums].sum().reset_index()
    chunk.update(g=g, bad=bad)
    return chunk


def _combine(a: dict, b: dict) -> dict:
    """Two consecutive chunks as one: ``b``'s positions shift by ``a``'s rows in that file."""
    bad = b["bad"]
    if len(bad):
        bad = bad.copy()
        bad["pos"] = bad["pos"] + bad["file"].map(lambda f: a["len"].get(f, 0)).astype(np.int64)
    bad = pd.concat([x for x in (a["bad"], bad) if len(x)] or [empty_bad()], ignore_index=True)
    if len(bad):
        bad = (bad.sort_values(["file", "pos"], kind="stable")
               .groupby(["o", "d", "cat"], dropna=False, sort=False).head(EXAMPLES))
    g = pd.concat([a["g"], b["g"]], ignore_index=True)
    g = g.groupby(["o", "d"], dropna=False, sort=False).sum().reset_index()
    lens = dict(a["len"])
    for f, n in b["len"].items():
        lens[f] = lens.get(f, 0) + n
    dates = None if a["dates"] is None else a["dates"] | b["dates"]
    rows = [x for x in (a["bad_date_rows"], b["bad_date_rows"]) if x is not None]
    return {"g": g, "bad": bad, "len": lens, "dates": dates,
            "n_bad_date": a["n_bad_date"] + b["n_bad_date"],
            "bad_date_rows": pd.concat(rows).head(5) if rows else None}


def group(source: Source, spec, *, client=None, sep=None):
    """Return ``(g, bad, facts)`` like the DuckDB engine's ``group``."""
    from dask import delayed

    try:
        parts, columns = _parts(source, spec, sep)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:  # dask reads a sample first
        if source.kind == "csv":
            raise malformed_error(source, sep, exc) from None
        raise
    missing = [c for c in spec.columns() if c is not None and c not in columns]
    if missing:
        raise ColumnError(
            f"The OD source {source.label} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, columns))}."
        )
    level = [delayed(_reduce)(p, spec, f, base) for p, f, base in parts]
    while len(level) > 1:  # an ordered tree: left chunks always precede right ones
        level = [delayed(_combine)(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    client, own = _client(client)
    try:
        if client is not None:
            chunk = client.compute(level[0], sync=True)
        else:
            chunk = level[0].compute()
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        if source.kind == "csv":
            raise malformed_error(source, sep, exc) from None
        raise
    finally:
        if own:
            client.close()
    if chunk["n_bad_date"]:
        raise bad_rows_error("not dates (expected e.g. 2020-01-31 or 20200131)", spec.date,
                             int(chunk["n_bad_date"]), chunk["bad_date_rows"].reset_index(drop=True))
    g = chunk["g"]
    facts = {"rows_read": int(g["rows_all"].sum())}
    if spec.need_periods:
        facts["n_periods"] = len(chunk["dates"])
    return g, chunk["bad"].reset_index(drop=True), facts
