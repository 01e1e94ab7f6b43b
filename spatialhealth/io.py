"""Reading the tables users bring: CSV in UTF-8, UTF-8 with BOM or GBK, Excel and Parquet.

Chinese yearbook exports are often GBK; files saved from Excel on Windows carry a
UTF-8 byte-order mark. :func:`detect_encoding` tells them apart from the bytes,
:func:`read_table` reads any of them into a DataFrame, never modifying the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import EncodingError, InputError

__all__ = ["detect_encoding", "read_table", "ENCODINGS"]

#: encodings tried, in order, when none is given
ENCODINGS = ("utf-8-sig", "gb18030")


def detect_encoding(path, sample_bytes: int | None = None) -> str:
    """Return ``"utf-8-sig"`` (UTF-8 with or without BOM) or ``"gb18030"`` (GBK superset).

    The whole file is checked by default (a GBK file may look like UTF-8 for
    its first thousand rows of ASCII codes); pass ``sample_bytes`` to bound it.

    Raises
    ------
    EncodingError
        If the bytes decode as neither.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("省份\\n北京\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    """
    path = Path(path)
    with path.open("rb") as fh:
        data = fh.read() if sample_bytes is None else fh.read(sample_bytes)
    for enc in ENCODINGS:
        try:
            data.decode(enc)
        except UnicodeDecodeError as exc:
            if sample_bytes is not None and exc.start >= len(data) - 4 and enc.startswith("utf"):
                return enc  # a multi-byte character cut by the sample boundary
            continue
        return enc
    raise EncodingError(
        f"{path}: the bytes are neither UTF-8 nor GBK/GB18030. Pass encoding=... "
        "(e.g. 'big5', 'utf-16') if you know it."
    )


def read_table(path, encoding: str | None = None, sheet_name=0, **kwargs) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt``/``.tsv`` (encoding detected unless given), ``.xlsx``/``.xls``
        or ``.parquet``.
    encoding : str, optional
        Text encoding of a CSV; detected when omitted (UTF-8, UTF-8 BOM, GBK).
    sheet_name : str or int
        Excel sheet.
    **kwargs
        Passed to the pandas reader (e.g. ``dtype={"code": str}``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("\\ufeffcode,value\\n110000,1\\n".encode("utf-8"))
    >>> read_table(p, dtype={"code": str}).columns.tolist()
    ['code', 'value']
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path, **kwargs)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, sheet_name=sheet_name, **kwargs)
    if suffix in (".csv", ".txt", ".tsv", ""):
        if encoding is None:
            encoding = detect_encoding(path)
        if suffix == ".tsv":
            kwargs.setdefault("sep", "\t")
        try:
            df = pd.read_csv(path, encoding=encoding, **kwargs)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"{path}: cannot be decoded as {encoding}: {exc.reason} at byte {exc.start}.") from None
        except pd.errors.EmptyDataError:
            raise InputError(f"{path} is empty: expected a header row and data rows.") from None
        df.columns = [str(c).strip() for c in df.columns]
        return df
    raise InputError(f"{path}: unsupported file type {suffix!r}; expected .csv, .tsv, .txt, .xlsx or .parquet.")
