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

import pandas as pd

from ..errors import ColumnError
from ._od_read import Source, bad_rows_error, is_utf8, transcode_to_utf8

_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL")
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT")


def q(name: str) -> str:
    """Quote an identifier for SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def _lit(path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


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


def _csv_relation(con, paths, spec, scratch, encodings, sep) -> str:
    files = []
    for p, enc in zip(paths, encodings):
        files.append(p if is_utf8(enc) else transcode_to_utf8(p, enc, scratch()))
    file_list = "[" + ", ".join(_lit(f) for f in files) + "]"
    delim = f", delim={_lit(sep)}" if sep else ""
    # the sniffed header first (cheap), so that a missing column gets our error
    header = [r[0] for r in con.execute(
        f"DESCRIBE SELECT * FROM read_csv({file_list}, header=true, union_by_name=true{delim})"
    ).fetchall()]
    # ids, flows and dates are read as text: codes keep their leading digits, and a
    # stray word in a flow column is reported by us instead of failing the read
    as_text = [c for c in dict.fromkeys(spec.columns()) if c is not None and c in header]
    types = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in as_text) + "}"
    return (f"read_csv({file_list}, header=true, union_by_name=true, types={types}, "
            f"auto_detect=true{delim})")


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
    """Return ``(g, facts)``: per-(raw origin, raw destination) facts and totals.

    ``g`` has ``o``, ``d``, ``rows_all`` (all rows), ``rows`` (rows in the
    period) and, with a flow/weight column, ``value`` (its sum in the period)
    and ``n_value`` (its non-missing count in the period); ``facts`` holds
    ``rows_read`` and, when asked, ``n_periods``.
    """
    if source.kind == "frame":
        con.register("src_frame", source.frame)
        rel = "src_frame"
    elif source.kind == "parquet":
        rel = "read_parquet([" + ", ".join(_lit(p) for p in source.paths) + "], union_by_name=true)"
    else:
        rel = _csv_relation(con, source.paths, spec, scratch, source.encodings, sep)
    con.execute(f"CREATE TEMP VIEW src AS SELECT * FROM {rel}")
    described = con.execute("DESCRIBE src").fetchall()
    types = {row[0]: str(row[1]).upper() for row in described}
    missing = [c for c in spec.columns() if c is not None and c not in types]
    if missing:
        raise ColumnError(
            f"The OD source {source.label} has no column {', '.join(map(repr, missing))}; "
            f"its columns are {', '.join(map(repr, types))}."
        )
    return _run(con, spec, types)


def _value_expr(col, typ):
    if typ.startswith(_NUMERIC):
        return f"CAST({q(col)} AS DOUBLE)", False
    return f"TRY_CAST({q(col)} AS DOUBLE)", True


def _date_expr(col, typ):
    c = q(col)
    if typ == "DATE":
        return c
    if typ.startswith("TIMESTAMP"):
        return f"CAST({c} AS DATE)"
    if typ.startswith(_INTEGER):
        return f"CAST(TRY_STRPTIME(CAST({c} AS VARCHAR), '%Y%m%d') AS DATE)"
    return f"CAST(TRY_CAST(TRIM(CAST({c} AS VARCHAR)) AS TIMESTAMP) AS DATE)"


def _run(con, spec, types):
    o, d = q(spec.origin), q(spec.destination)
    aggs = ["count(*) AS rows_all"]
    where_period = "TRUE"
    if spec.date is not None:
        dexpr = _date_expr(spec.date, types[spec.date])
        conds = []
        if spec.start is not None:
            conds.append(f"{dexpr} >= DATE {_lit(spec.start.date())}")
        if spec.end is not None:
            conds.append(f"{dexpr} <= DATE {_lit(spec.end.date())}")
        where_period = " AND ".join(conds) if conds else f"{dexpr} IS NOT NULL"
        aggs.append(f"count(*) FILTER (WHERE {where_period}) AS rows")
        aggs.append(f"count({q(spec.date)}) - count({dexpr}) AS n_bad_date")
    vexpr = None
    if spec.value is not None:
        vexpr, textual = _value_expr(spec.value, types[spec.value])
        filt = f" FILTER (WHERE {where_period})" if spec.date is not None else ""
        aggs += [f"sum({vexpr}){filt} AS value", f"count({vexpr}){filt} AS n_value",
                 f"min({vexpr}) AS min_value"]
        if textual:
            aggs.append(f"count({q(spec.value)}) - count({vexpr}) AS n_bad")
    g = con.execute(f"SELECT {o} AS o, {d} AS d, {', '.join(aggs)} FROM src GROUP BY ALL").df()
    if "rows" not in g:
        g["rows"] = g["rows_all"]
    rows_read = int(g["rows_all"].sum())
    bad_dates = int(g["n_bad_date"].sum()) if "n_bad_date" in g else 0
    bad_values = int(g["n_bad"].sum()) if "n_bad" in g else 0
    min_value = g["min_value"].min() if "min_value" in g and len(g) else None

    def examples(cond):
        cols = [spec.origin, spec.destination] + [c for c in (spec.value, spec.date) if c]
        return con.execute(
            f"SELECT {', '.join(q(c) for c in cols)} FROM src WHERE {cond} LIMIT 5"
        ).df()

    if bad_dates:
        raise bad_rows_error("not dates (expected e.g. 2020-01-31 or 20200131)", spec.date,
                             int(bad_dates),
                             examples(f"{q(spec.date)} IS NOT NULL AND {dexpr} IS NULL"))
    if bad_values:
        raise bad_rows_error("not numbers", spec.value, int(bad_values),
                             examples(f"{q(spec.value)} IS NOT NULL AND {vexpr} IS NULL"))
    if min_value is not None and pd.notna(min_value) and min_value < 0:
        n_neg = con.execute(f"SELECT count(*) FROM src WHERE {vexpr} < 0").fetchone()[0]
        raise bad_rows_error("negative", spec.value, int(n_neg), examples(f"{vexpr} < 0"))
    facts = {"rows_read": rows_read}
    if spec.need_periods:
        facts["n_periods"] = int(con.execute(
            f"SELECT count(DISTINCT {dexpr}) FROM src WHERE {where_period}").fetchone()[0])
    return g, facts


def raw_sql_count(paths, origin, destination, threads=None) -> pd.DataFrame:
    """The plain DuckDB query our API is benchmarked against (no checks, no matching)."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads={int(threads)}")
    files = "[" + ", ".join(_lit(p) for p in paths) + "]"
    return con.execute(
        f"SELECT {q(origin)}, {q(destination)}, count(*) AS flow FROM read_parquet({files}) GROUP BY ALL"
    ).df()
