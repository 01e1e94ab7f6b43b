"""Reading the tables users bring: CSV in UTF-8, UTF-8 with BOM or GBK, Excel and Parquet.

Chinese yearbook exports are often GBK; files saved from Excel on Windows carry a
UTF-8 byte-order mark. :func:`detect_encoding` tells them apart from the bytes,
:func:`read_table` reads any of them into a DataFrame, never modifying the file.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd

from .errors import EncodingError, InputError

__all__ = ["detect_encoding", "read_table", "ENCODINGS"]

#: encodings tried, in order, when none is given
ENCODINGS = ("utf-8-sig", "gb18030")
_CHUNK = 1 << 20


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _decodes(path: Path, encoding: str, limit: int | None) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    read = 0
    with path.open("rb") as fh:
        while (chunk := fh.read(_CHUNK)) and (limit is None or read < limit):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            read += len(chunk)
    if limit is None or read < limit:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(path, sample_bytes: int | None = None) -> str:
    """Return ``"utf-8-sig"`` (UTF-8 with or without BOM) or ``"gb18030"`` (GBK superset).

    The whole file is read in chunks by default (a GBK file may look like UTF-8
    for its first thousand rows of ASCII codes); pass ``sample_bytes`` to bound it.

    Raises
    ------
    EncodingError
        If the bytes decode as neither, or if the file mixes encodings (UTF-8 text
        followed by bytes that are not UTF-8): decoding such a file as GBK would
        silently garble its UTF-8 part.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("省份\\n北京\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    """
    path = Path(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, seen_cjk = 0, False
    with path.open("rb") as fh:
        while (chunk := fh.read(_CHUNK)) and (sample_bytes is None or offset < sample_bytes):
            try:
                seen_cjk = seen_cjk or _has_cjk(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                # GBK bytes can pass for a few accented UTF-8 letters, never for UTF-8 Chinese
                if seen_cjk or _has_cjk(chunk[: exc.start].decode("utf-8", errors="ignore")):
                    raise EncodingError(
                        f"{path} has mixed encodings: it reads as UTF-8 up to byte {offset + exc.start} "
                        "but not after it. Re-save the whole file in one encoding (UTF-8 or GBK)."
                    ) from None
                break
            offset += len(chunk)
        else:
            if sample_bytes is not None and offset >= sample_bytes:
                return "utf-8-sig"  # a character cut by the sample boundary is not an error
            try:
                decoder.decode(b"", final=True)
                return "utf-8-sig"
            except UnicodeDecodeError:
                pass
    if _decodes(path, "gb18030", sample_bytes):
        return "gb18030"
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
