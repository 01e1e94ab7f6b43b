"""Resolving OD sources: paths, globs, encodings and in-memory frames.

Input files are only ever read. A CSV that is not UTF-8 (GBK/GB18030, or an
encoding the user names) is transcoded, streamed, to a UTF-8 copy in a
temporary folder, because DuckDB's CSV reader only decodes UTF-8 and UTF-16.
"""

from __future__ import annotations

import codecs
import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import EncodingError, InputError, InputTypeError

CSV_SUFFIXES = {".csv", ".txt", ".tsv", ".gz"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
_CHUNK = 8 << 20


@dataclass
class Source:
    """What ``aggregate_od`` reads: files of one format, or an in-memory table."""

    kind: str  # "csv", "parquet", "frame", "dask"
    paths: list[Path] = field(default_factory=list)
    encodings: list[str] = field(default_factory=list)  # one per CSV file
    frame: object = None
    label: str = ""
    line_offset: int = 0  # added to a frame's 1-based row to give the file's row (Excel: 1)


def _expand(source) -> list[Path]:
    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    paths: list[Path] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise InputTypeError(
                f"A source path must be a str or Path; {type(item).__name__} was given."
            )
        text = os.fspath(item)
        if glob.has_magic(text):
            hits = sorted(glob.glob(text, recursive=True))
            if not hits:
                raise FileNotFoundError(f"No file matches the pattern {text!r}.")
            paths.extend(Path(h) for h in hits if Path(h).is_file())
        else:
            p = Path(text)
            if not p.exists():
                raise FileNotFoundError(f"No such file: {p}")
            if p.is_dir():
                raise InputError(
                    f"{p} is a folder; give a file or a glob such as '{p}/*.parquet'."
                )
            paths.append(p)
    if not paths:
        raise InputError(f"The source {source!r} names no file.")
    return paths


def _format_of(path: Path) -> str:
    from ..io import EXCEL_SUFFIXES

    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in PARQUET_SUFFIXES:
        return "parquet"
    if suffixes and suffixes[-1] in EXCEL_SUFFIXES:
        return "excel"
    if suffixes and (suffixes[-1] in CSV_SUFFIXES - {".gz"} or suffixes[-2:-1] == [".csv"]):
        return "csv"
    raise InputError(
        f"{path}: unsupported file type {''.join(path.suffixes) or '(none)'!r}; "
        "expected .csv, .tsv, .txt, .parquet or an Excel workbook."
    )


def detect_csv_encoding(path: Path) -> str:
    """Return "utf-8" or "gb18030" for a CSV (see :func:`spatialhealth.io.detect_encoding`)."""
    if path.suffix.lower() == ".gz":
        return "utf-8"  # let the reader decide; gzip CSVs are rarely GBK
    from ..io import detect_encoding

    return "utf-8" if detect_encoding(path).startswith("utf-8") else "gb18030"


def transcode_to_utf8(path: Path, encoding: str, tmpdir: Path) -> Path:
    """Stream ``path`` from ``encoding`` to a UTF-8 copy in ``tmpdir``; return the copy."""
    out = Path(tmpdir) / f"{len(list(Path(tmpdir).iterdir()))}_{path.stem}.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        try:
            while chunk := src.read(_CHUNK):
                dst.write(decoder.decode(chunk))
                offset += len(chunk)
            dst.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"{path} cannot be decoded as {encoding}: {exc.reason} at byte "
                f"{offset + exc.start}. If the file mixes encodings, re-save it in one."
            ) from None
    return out


def resolve(source, encoding: str | None = None, sheet=None) -> Source:
    """Classify ``source`` and check that its files exist, are not empty and decode."""
    if isinstance(source, pd.DataFrame):
        return Source("frame", frame=source, label=f"DataFrame ({len(source)} rows)")
    mod = type(source).__module__
    if mod.startswith("dask"):
        return Source("dask", frame=source, label="dask DataFrame")
    if mod.startswith("pyarrow"):
        return Source("frame", frame=source.to_pandas(), label="Arrow table")
    if not isinstance(source, (str, os.PathLike, list, tuple)):
        raise InputTypeError(
            "`source` must be a path, a glob, a list of paths, a pandas/dask DataFrame or an "
            f"Arrow table; {type(source).__name__} was given."
        )
    paths = _expand(source)
    formats = {_format_of(p) for p in paths}
    if len(formats) > 1:
        raise InputError(
            f"The source mixes CSV and Parquet files ({', '.join(map(str, paths[:4]))}); "
            "aggregate each format separately."
        )
    for p in paths:
        if p.stat().st_size == 0:
            raise InputError(f"{p} is empty (0 bytes): expected a header row and data rows.")
    kind = formats.pop()
    if kind == "excel":
        if len(paths) > 1:
            raise InputError(f"{len(paths)} Excel workbooks were given ({', '.join(map(str, paths[:3]))}); "
                             "aggregate one workbook at a time, or save the sheets as CSV files.")
        from ..io import read_table

        frame = read_table(paths[0], sheet=sheet, dtype=str)
        return Source("frame", paths=paths, frame=frame, label=f"{paths[0]} (sheet {frame.attrs['sheet']!r})",
                      line_offset=int(frame.attrs.get("first_row", 2)) - 1)
    if sheet is not None:
        raise InputError("`sheet` applies to Excel workbooks only.")
    encodings: list[str] = []
    if kind == "csv":
        encodings = [encoding or detect_csv_encoding(p) for p in paths]
    label = str(paths[0]) if len(paths) == 1 else f"{len(paths)} {kind} files ({paths[0]}, ...)"
    return Source(kind, paths=paths, encodings=encodings, label=label)


def delimiter(path: Path, sep: str | None) -> str:
    """The CSV delimiter both engines use: ``sep``, else a tab for ``.tsv``, else a comma."""
    return sep or ("\t" if Path(path).suffix.lower() == ".tsv" else ",")


def malformed_line(path: Path, encoding: str, sep: str | None):
    """``(line, fields, header fields, text)`` of the first line whose number of fields
    differs from the header's, or None. Used only to explain a read that failed.
    """
    import csv
    import gzip

    enc = "utf-8-sig" if is_utf8(encoding) else encoding
    opener = gzip.open if Path(path).suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding=enc, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter(path, sep))
            width = None
            for row in reader:
                if width is None:
                    width = len(row)
                elif row and len(row) != width:
                    return reader.line_num, len(row), width, (delimiter(path, sep)).join(row)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def malformed_error(source: Source, sep: str | None, exc: Exception) -> InputError:
    """An :class:`InputError` for a CSV source that could not be parsed, naming the line."""
    for path, enc in zip(source.paths, source.encodings):
        found = malformed_line(path, enc, sep)
        if found:
            line, n, width, text = found
            d = delimiter(path, sep)
            shown = {",": "a comma", "\t": "a tab"}.get(d, repr(d))
            hint = ("The first line must be the header: remove a title line above it, or give "
                    "sep= if the file uses another delimiter." if width == 1 else
                    f"A value holding {shown} must be quoted (e.g. \"1,000\"), or give sep= if the "
                    "file uses another delimiter.")
            return InputError(f"{path}: line {line} has {n} fields but the header (line 1) has "
                              f"{width} ({text[:80]!r}). {hint}")
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(f"{source.label} could not be read as CSV: {first}")


def is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in {"utf-8", "utf-8-sig"}


def bad_rows_error(problem: str, column: str, count: int, examples: pd.DataFrame) -> InputError:
    """An :class:`InputError` naming the column, how many rows fail and a few of them."""
    shown = "; ".join(
        ", ".join(f"{k}={v!r}" for k, v in row.items()) for row in examples.to_dict("records")
    )
    return InputError(
        f"Column {column!r} has {count} row(s) that are {problem} (e.g. {shown}). "
        "Fix or drop them before aggregating."
    )


def peek_columns(source, encoding: str | None = None, sep: str | None = None) -> list[str]:
    """The column names of an OD source (paths, a glob, a list; CSV, Parquet or Excel),
    read from the headers only, with every file name passed to DuckDB as a bound
    parameter (never formatted into SQL). For ``check``-style validation.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a'; --.csv").write_bytes("出发,到达,流量\\n北京,上海,1\\n".encode("gbk"))
    >>> peek_columns(d / "a'; --.csv")
    ['出发', '到达', '流量']
    """
    import duckdb

    src = resolve(source, encoding)
    if src.kind == "frame":
        return [str(c) for c in src.frame.columns]
    con = duckdb.connect()
    try:
        if src.kind == "parquet":
            rel = con.execute("DESCRIBE SELECT * FROM read_parquet($files, union_by_name=true)",
                              {"files": [str(p) for p in src.paths]})
            return [r[0] for r in rel.fetchall()]
        names: list[str] = []
        for p, enc in zip(src.paths, src.encodings):
            if is_utf8(enc):
                rows = con.execute("DESCRIBE SELECT * FROM read_csv($f, header=true, skip=0, delim=$s)",
                                   {"f": [str(p)], "s": delimiter(p, sep)}).fetchall()
                found = [r[0] for r in rows]
            else:
                found = [str(c) for c in pd.read_csv(p, encoding=enc, nrows=0, sep=delimiter(p, sep)).columns]
            names += [c for c in found if c not in names]
        return names
    finally:
        con.close()
