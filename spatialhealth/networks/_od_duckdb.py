"""DuckDB engine for OD aggregation: one streaming GROUP BY over the raw ids.

DuckDB reads the files itself (never through pandas), so the raw rows are never
materialised in Python; with a memory limit and a temporary folder it spills to
disk instead of running out of memory. Grouping is on the *raw* origin and
destination values: their distinct values are few (cities), so matching names
to codes afterwards, in :mod:`spatialhealth.networks.od`, costs nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ColumnError, InputError
from ._od_read import Source, bad_rows_error, delimiter, is_utf8, malformed_error, transcode_to_utf8

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")
#: bad rows kept as examples per category
EXAMPLES = 20
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT")


def q(name: str) -> str:
    """Quote an identifier for SQL the way DuckDB does (double quotes, inner quotes doubled).

    Only identifiers are quoted; every value (file names, dates, patterns) is a bound
    parameter.

    >>> q('a"b')
    '"a""b"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def default_memory_limit() -> str:
    """Half the machine's memory, as DuckDB accepts it."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return f"{max(256, total // 2 // 2**20)}MB"
    except (ValueError, OSError, AttributeError):
        return "2GB"


def connect(memory_limit=None, temp_directory=None, threads=None):
    import duckdb

    config = {
        "memory_limit": memory_limit or default_memory_limit(),
        "temp_directory": str(temp_directory),
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = int(threads)
    return duckdb.connect(config=config)


#: categories of a flow/weight cell (0 = a usable number)
OK, MISSING, TEXT, INFINITE, NEGATIVE = 0, 1, 2, 3, 4
#: a number as text, as both engines accept it (ASCII digits only)
NUMBER_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_NAN_TEXT = ("nan", "+nan", "-nan")
_INF_TEXT = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")
#: a row's position key: file index * _FILE_STRIDE + line (or row) number
FILE_STRIDE = 1 << 40


def _relations(con, source: Source, spec, scratch, sep, with_pos: bool):
    """``(sql, params, first)``: a FROM-clause over the source with columns ``__file`` and,
    when asked, ``__pos`` (1-based row; for CSV the line, the header being line 1).

    Every user string (file names, the delimiter, column types) is a bound parameter.
    """
    params: dict = {}
    if source.kind == "frame":
        con.register("src_frame", source.frame)
        pos = ", row_number() OVER () AS __pos" if with_pos else ""
        return f"(SELECT *, 0 AS __file{pos} FROM src_frame)", params
    if source.kind == "parquet":
        params["files"] = [str(p) for p in source.paths]
        if not with_pos:
            return "(SELECT *, 0 AS __file FROM read_parquet($files, union_by_name=true))", params
        # DuckDB's virtual columns: the file's position in the list and the row in the file
        return ("(SELECT *, file_index AS __file, file_row_number + 1 AS __pos "
                "FROM read_parquet($files, union_by_name=true))", params)
    files = []
    for p, enc in zip(source.paths, source.encodings):
        files.append(str(p if is_utf8(enc) else transcode_to_utf8(p, enc, scratch())))
    parts = []
    for i, (orig, f) in enumerate(zip(source.paths, files)):
        params[f"f{i}"] = [f]
        params[f"s{i}"] = delimiter(orig, sep)
        # the header first (cheap), so that a missing column gets our error; ids, flows and
        # dates are read as text: codes keep their leading digits, and a stray word in a
        # flow column is reported by us instead of failing the read. The sniffer may not
        # skip lines (a title line would shift every line number): the first line is the
        # header, for both engines.
        header = [r[0] for r in con.execute(
            f"DESCRIBE SELECT * FROM read_csv($f{i}, header=true, skip=0, delim=$s{i})",
            {f"f{i}": params[f"f{i}"], f"s{i}": params[f"s{i}"]}).fetchall()]
        params[f"t{i}"] = {c: "VARCHAR" for c in dict.fromkeys(spec.columns())
                           if c is not None and c in header}
        types = f", types=$t{i}" if params[f"t{i}"] else ""
        if not params[f"t{i}"]:
            del params[f"t{i}"]
        pos = ", row_number() OVER () + 1 AS __pos" if with_pos else ""
        parts.append(f"SELECT *, {i} AS __file{pos} FROM read_csv($f{i}, header=true, skip=0, "
                     f"delim=$s{i}{types})")
    return "(" + " UNION ALL BY NAME ".join(parts) + ")", params


_DATABASES: dict = {}


def _database(memory_limit, temp_directory, threads):
    """One in-memory DuckDB per process and settings, reused by every call (connecting
    costs tens of milliseconds); each call works on its own cursor."""
    key = (memory_limit, None if temp_directory is None else str(temp_directory), threads)
    if key not in _DATABASES:
        if temp_directory is None:
            spill = Path(tempfile.mkdtemp(prefix="spatialhealth-duckdb-"))
            atexit.register(shutil.rmtree, spill, ignore_errors=True)
        else:
            spill = Path(temp_directory) / "duckdb_spill"
        _DATABASES[key] = connect(memory_limit, spill, threads)
    return _DATABASES[key]


@contextlib.contextmanager
def session(memory_limit=None, temp_directory=None, threads=None):
    """Yield ``(cursor, scratch)``: a DuckDB cursor and a callable giving a scratch
    folder (for transcoded CSVs; created on first use, removed afterwards)."""
    con = _database(memory_limit, temp_directory, threads).cursor()
    made: list[Path] = []

    def scratch() -> Path:
        if not made:
            base = None if temp_directory is None else Path(temp_directory)
            if base is not None:
                base.mkdir(parents=True, exist_ok=True)
            made.append(Path(tempfile.mkdtemp(prefix="spatialhealth-od-", dir=base)))
        return made[0]

    try:
        yield con, scratch
    finally:
        con.close()
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


def group(con, scratch, source: Source, spec, *, sep=None):
    """Return ``(g, bad, facts)``: per-(raw origin, raw destination) facts, bad rows, totals.

    ``g`` has ``o``, ``d``, ``rows_all`` (all rows), ``rows`` (rows in the period) and,
    with a flow/weight column, ``value`` (sum of the usable values in the period),
    ``n_value`` (their count) and ``n_missing``, ``n_text``, ``n_inf``, ``n_neg`` (rows in
    the period whose value is missing, not a number, infinite, negative). ``bad`` lists,
    per raw pair and category, the first 20 such rows (``o, d, cat, file, pos, value``),
    found in the same single scan; ``facts`` holds ``rows_read`` and, when asked,
    ``n_periods``.
    """
    import duckdb

    try:
        return _group(con, scratch, source, spec, sep)
    except duckdb.Error as exc:
        if source.kind == "csv":
            raise malformed_error(source, sep, exc) from None
        raise InputError(f"DuckDB could not read {source.label}: {str(exc).splitlines()[0]}") from None


def _group(con, scratch, source, spec, sep):
    with_pos = spec.value is not None
    rel, params = _relations(con, source, spec, scratch, sep, with_pos)
    described = con.execute(f"DESCRIBE SELECT * FROM {rel}", params).fetchall()
    types = {row[0]: str(row[1]).upper() for row in described}
    missing = [c for c in spec.columns() if c is not None and c not in types]
    if missing:
        shown = [c for c in types if c not in ("__file", "__pos")]
        raise ColumnError(
            f"The OD source {source.label} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, shown))}."
        )
    return _run(con, rel, params, spec, types)


def _category_sql(col, typ):
    """``(category, number, raw text)`` SQL expressions of a flow/weight column."""
    c = q(col)
    if typ.startswith(_NUMERIC):
        x = f"CAST({c} AS DOUBLE)"
        cat = (f"CASE WHEN {c} IS NULL OR isnan({x}) THEN {MISSING} WHEN isinf({x}) THEN {INFINITE} "
               f"WHEN {x} < 0 THEN {NEGATIVE} ELSE {OK} END")
        return cat, x, f"CAST({c} AS VARCHAR)"
    t = f"trim(CAST({c} AS VARCHAR))"
    x = f"TRY_CAST({t} AS DOUBLE)"
    cat = (f"CASE WHEN {c} IS NULL OR {t} = '' OR list_contains($nan_text, lower({t})) THEN {MISSING} "
           f"WHEN regexp_full_match({t}, $number_re) THEN (CASE WHEN isinf({x}) THEN {INFINITE} "
           f"WHEN {x} < 0 THEN {NEGATIVE} ELSE {OK} END) "
           f"WHEN list_contains($inf_text, lower({t})) THEN {INFINITE} ELSE {TEXT} END")
    return cat, x, f"CAST({c} AS VARCHAR)"


def _date_expr(col, typ):
    c = q(col)
    if typ == "DATE":
        return c
    if typ.startswith("TIMESTAMP"):
        return f"CAST({c} AS DATE)"
    if typ.startswith(_INTEGER):
        return f"CAST(TRY_STRPTIME(CAST({c} AS VARCHAR), '%Y%m%d') AS DATE)"
    return f"CAST(TRY_CAST(TRIM(CAST({c} AS VARCHAR)) AS TIMESTAMP) AS DATE)"


_CATS = ((MISSING, "n_missing"), (TEXT, "n_text"), (INFINITE, "n_inf"), (NEGATIVE, "n_neg"))


def _run(con, rel, params, spec, types):
    params = dict(params)
    cols = [f"{q(spec.origin)} AS o", f"{q(spec.destination)} AS d", "__file"]
    inp = "TRUE"
    dexpr = None
    if spec.date is not None:
        dexpr = _date_expr(spec.date, types[spec.date])
        conds = [f"{dexpr} IS NOT NULL"]
        if spec.start is not None:
            conds.append(f"{dexpr} >= $start")
            params["start"] = spec.start.date()
        if spec.end is not None:
            conds.append(f"{dexpr} <= $end")
            params["end"] = spec.end.date()
        inp = " AND ".join(conds)
        cols += [f"{dexpr} AS dt", f"({q(spec.date)} IS NOT NULL AND {dexpr} IS NULL) AS bad_date"]
    cols.append(f"({inp}) AS inp")
    aggs = ["count(*) AS rows_all", "count(*) FILTER (WHERE inp) AS rows"]
    if spec.date is not None:
        aggs.append("count(*) FILTER (WHERE bad_date) AS n_bad_date")
    keys = "o, d"
    if spec.value is not None:
        cat, x, raw = _category_sql(spec.value, types[spec.value])
        if not types[spec.value].startswith(_NUMERIC):
            params.update(nan_text=list(_NAN_TEXT), inf_text=list(_INF_TEXT), number_re=NUMBER_RE)
        cols += [f"{cat} AS cat", f"{x} AS x", f"{q(spec.value)} AS __v",
                 f"__file * {FILE_STRIDE} + __pos AS poskey"]
        # grouping by the category too keeps one small list of example rows per (pair,
        # bad category) - the first rows of each category of each pair, in one pass; the
        # text of a value is only made for bad rows
        keys = "o, d, cat"
        aggs += ["sum(x) FILTER (WHERE inp AND cat = 0) AS value",
                 "count(*) FILTER (WHERE inp) AS n",
                 f"arg_min(CASE WHEN cat <> 0 THEN struct_pack(k := poskey, v := CAST(__v AS VARCHAR)) "
                 f"END, poskey, "
                 f"{EXAMPLES}) FILTER (WHERE inp AND cat <> 0) AS ex"]
    sql = (f"SELECT {keys}, {', '.join(aggs)} FROM (SELECT {', '.join(cols)} FROM {rel}) "
           "GROUP BY ALL")
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    g = con.execute(sql, used).df()
    bad = empty_bad()
    if spec.value is not None:
        bad = _bad_rows(g)
        g = _per_pair(g)
    rows_read = int(g["rows_all"].sum())
    if "rows" not in g:
        g["rows"] = g["rows_all"]
    if spec.date is not None and int(g["n_bad_date"].sum()):
        shown = [spec.origin, spec.destination] + [c for c in (spec.value, spec.date) if c]
        sql = (f"SELECT {', '.join(q(c) for c in shown)} FROM {rel} "
               f"WHERE {q(spec.date)} IS NOT NULL AND {dexpr} IS NULL LIMIT 5")
        ex = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).df()
        raise bad_rows_error("not dates (expected e.g. 2020-01-31 or 20200131)", spec.date,
                             int(g["n_bad_date"].sum()), ex)
    facts = {"rows_read": rows_read}
    if spec.need_periods:
        sql = f"SELECT count(DISTINCT dt) FROM (SELECT {', '.join(cols)} FROM {rel}) WHERE inp"
        facts["n_periods"] = int(con.execute(
            sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchone()[0])
    return g, bad, facts


def _per_pair(g: pd.DataFrame) -> pd.DataFrame:
    """Rows per (pair, category) -> one row per pair with a count column per category."""
    cat = g["cat"].to_numpy()
    out = g[["o", "d", "rows_all", "rows"] + (["n_bad_date"] if "n_bad_date" in g else [])].copy()
    out["value"] = np.where(cat == OK, g["value"].fillna(0.0).to_numpy(dtype=float), 0.0)
    out["n_value"] = np.where(cat == OK, g["n"].to_numpy(dtype=np.int64), 0)
    for code, name in _CATS:
        out[name] = np.where(cat == code, g["n"].to_numpy(dtype=np.int64), 0)
    out = out.astype({"o": object, "d": object})
    return out.groupby(["o", "d"], dropna=False, sort=False).sum().reset_index()


def _bad_rows(g) -> pd.DataFrame:
    has = g["ex"].notna().to_numpy() & (g["cat"].to_numpy() != OK)
    if not has.any():
        return empty_bad()
    sub = g.loc[has, ["o", "d", "cat", "ex"]].explode("ex").dropna(subset=["ex"])
    k = np.array([e["k"] for e in sub["ex"]], dtype=np.int64)
    return pd.DataFrame({"o": sub["o"].to_numpy(), "d": sub["d"].to_numpy(),
                         "cat": sub["cat"].to_numpy(dtype=np.int64), "file": k // FILE_STRIDE,
                         "pos": k % FILE_STRIDE, "value": [e["v"] for e in sub["ex"]]})


def empty_bad() -> pd.DataFrame:
    """The (empty) table of bad rows: ``o, d, cat, file, pos, value``."""
    return pd.DataFrame({"o": pd.Series(dtype=object), "d": pd.Series(dtype=object),
                         "cat": pd.Series(dtype=np.int64), "file": pd.Series(dtype=np.int64),
                         "pos": pd.Series(dtype=np.int64), "value": pd.Series(dtype=object)})


def raw_sql_count(paths, origin, destination, threads=None) -> pd.DataFrame:
    """The plain DuckDB query our API is benchmarked against (no checks, no matching)."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con.execute(
        f"SELECT {q(origin)}, {q(destination)}, count(*) AS flow FROM read_parquet($files) GROUP BY ALL",
        {"files": [str(p) for p in paths]},
    ).df()
