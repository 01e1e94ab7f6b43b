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
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in PARQUET_SUFFIXES:
        return "parquet"
    if suffixes and (suffixes[-1] in CSV_SUFFIXES - {".gz"} or suffixes[-2:-1] == [".csv"]):
        return "csv"
    raise InputError(
        f"{path}: unsupported file type {''.join(path.suffixes) or '(none)'!r}; "
        "expected .csv, .tsv, .txt or .parquet."
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


def resolve(source, encoding: str | None = None) -> Source:
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
    encodings: list[str] = []
    if kind == "csv":
        encodings = [encoding or detect_csv_encoding(p) for p in paths]
    label = str(paths[0]) if len(paths) == 1 else f"{len(paths)} {kind} files ({paths[0]}, ...)"
    return Source(kind, paths=paths, encodings=encodings, label=label)


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
