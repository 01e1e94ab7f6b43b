"""Reading the tables users bring: CSV in UTF-8, UTF-8 with BOM or GBK, Excel and Parquet.

Chinese yearbook exports are often GBK; files saved from Excel on Windows carry a
UTF-8 byte-order mark. :func:`detect_encoding` tells them apart from the bytes,
:func:`read_table` reads any of them into a DataFrame, never modifying the file.
"""

from __future__ import annotations

import codecs
import datetime
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._compat import renamed_kwargs
from .errors import EncodingError, InputError, InputTypeError

__all__ = ["detect_encoding", "read_table", "list_sheets", "ENCODINGS", "EXCEL_SUFFIXES"]

#: suffixes read as Excel workbooks (through python-calamine)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: a number as text: what both pandas and DuckDB parse as a float (ASCII digits only)
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")

#: encodings tried, in order, when none is given
ENCODINGS = ("utf-8-sig", "gb18030")
_CHUNK = 1 << 20


_CJK = re.compile("[\u4e00-\u9fff]")


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


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

    Parameters
    ----------
    path : str or pathlib.Path
        The text file (CSV, TXT) to inspect.
    sample_bytes : int, optional
        Read at most about this many bytes (whole chunks); ``None`` reads the whole file.

    Returns
    -------
    str
        ``"utf-8-sig"`` or ``"gb18030"``, ready for ``open(..., encoding=...)``.

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


@renamed_kwargs(sheet_name="sheet")
def read_table(path, encoding: str | None = None, sheet=None, *, missing=(), **kwargs) -> pd.DataFrame:
    """Read a CSV, TSV, Excel or Parquet file into a DataFrame of the same shape.

    The same table saved as CSV (UTF-8, UTF-8 with BOM or GBK), as an Excel workbook or as
    Parquet gives the same columns and types: Chinese column names are kept (stray spaces
    and a byte-order mark removed), numeric columns are numbers, text columns text.

    Missing cells: an empty cell is missing (NaN). Nothing else is: ``n/a``, ``-``, ``—``,
    ``NA``, ``null`` stay text, so that a numeric column holding them is reported by
    :func:`spatialhealth._validate.table_problems` (with its spreadsheet row) instead of
    silently losing rows. List the markers your file uses in ``missing`` to read them as
    missing.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt``/``.tsv`` (encoding detected unless given), ``.xlsx``/``.xlsm``/
        ``.xls``/``.xlsb``/``.ods`` or ``.parquet``.
    encoding : str, optional
        Text encoding of a CSV; detected when omitted (UTF-8, UTF-8 BOM, GBK).
    sheet : str or int, optional
        Excel sheet name or 0-based position. Required when the workbook has more than
        one sheet (the error lists them); ``sheet_name`` is the deprecated spelling.
    missing : iterable of str
        Cell texts read as missing values, e.g. ``("n/a", "-", "—")``.
    **kwargs
        CSV and Parquet: passed to the pandas reader (e.g. ``dtype={"code": str}``).
        Excel: ``dtype`` (a type for all columns or a dict per column) and ``skiprows``
        (an int: rows above the header).

    Returns
    -------
    pandas.DataFrame
        ``df.attrs["notes"]`` lists what the reader changed and the user should know
        (e.g. numbers stored as text in Excel, read as numbers, with their rows);
        ``df.attrs["first_row"]`` is the spreadsheet row number of the first data row
        (2 when the header is row 1) and ``df.attrs["sheet"]`` the sheet read.

    Raises
    ------
    InputError
        Unsupported suffix, empty file, several sheets and none chosen, unknown sheet.
    EncodingError
        A CSV that decodes neither as UTF-8 nor as GBK.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("\\ufeffcode,床位\\n110000,1\\n120000,n/a\\n".encode("utf-8"))
    >>> df = read_table(p, dtype={"code": str})
    >>> df.columns.tolist(), df["床位"].tolist()
    (['code', '床位'], ['1', 'n/a'])
    >>> read_table(p, missing=["n/a"])["床位"].tolist()
    [1.0, nan]
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such file: {path}")
    if isinstance(missing, str):
        missing = [missing]
    missing = [str(m) for m in missing]
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path, **kwargs)
        df.attrs.update(notes=[], first_row=1)
        return df
    if suffix in EXCEL_SUFFIXES:
        unknown = sorted(set(kwargs) - {"dtype", "skiprows"})
        if unknown:
            raise InputTypeError(f"read_table() of an Excel file accepts dtype= and skiprows=; "
                                 f"{', '.join(unknown)} was given.")
        skip = kwargs.get("skiprows") or 0
        if not isinstance(skip, int) or skip < 0:
            raise InputTypeError(f"`skiprows` must be a non-negative int for Excel; {skip!r} was given.")
        df = _read_excel(path, sheet, missing, kwargs.get("dtype"), skip)
        df.attrs["first_row"] = skip + 2
        return df
    if suffix in (".csv", ".txt", ".tsv", ""):
        if sheet is not None:
            raise InputError(f"{path} is a text table, not a workbook: `sheet` applies to Excel files only.")
        if encoding is None:
            encoding = detect_encoding(path)
        if suffix == ".tsv":
            kwargs.setdefault("sep", "\t")
        if "na_values" not in kwargs and "keep_default_na" not in kwargs:
            kwargs.update(keep_default_na=False, na_values=["", *missing])
        try:
            df = pd.read_csv(path, encoding=encoding, **kwargs)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"{path}: cannot be decoded as {encoding}: {exc.reason} at byte {exc.start}.") from None
        except pd.errors.EmptyDataError:
            raise InputError(f"{path} is empty: expected a header row and data rows.") from None
        df.columns = [str(c).strip() for c in df.columns]
        skip = kwargs.get("skiprows")
        df.attrs.update(notes=[], first_row=(skip if isinstance(skip, int) else 0) + 2)
        return df
    raise InputError(f"{path}: unsupported file type {suffix!r}; expected .csv, .tsv, .txt, "
                     ".xlsx, .xls or .parquet.")


def list_sheets(path) -> list[str]:
    """Return the sheet names of an Excel workbook, in order.

    Parameters
    ----------
    path : str or pathlib.Path
        An ``.xlsx`` or ``.xls`` workbook.

    Returns
    -------
    list of str
        The sheet names, in workbook order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> import pathlib, tempfile, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> with pd.ExcelWriter(p) as w:
    ...     pd.DataFrame({"a": [1]}).to_excel(w, sheet_name="2019年", index=False)
    ...     pd.DataFrame({"a": [2]}).to_excel(w, sheet_name="2020年", index=False)
    >>> list_sheets(p)
    ['2019年', '2020年']
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No such file: {path}")
    return _excel_sheets(path)


def _excel_sheets(path: Path) -> list[str]:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - python-calamine is a dependency
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error classes for broken files
        raise InputError(f"{path}: cannot be read as an Excel workbook ({exc}).") from None


def _choose_sheet(path: Path, sheet) -> str:
    names = _excel_sheets(path)
    listing = ", ".join(repr(n) for n in names)
    if sheet is None:
        if len(names) == 1:
            return names[0]
        raise InputError(
            f"{path} has {len(names)} sheets ({listing}); choose one with sheet= (a name or a "
            "0-based position), e.g. sheet=" + repr(names[0]) + ".")
    if isinstance(sheet, bool) or not isinstance(sheet, (int, str)):
        raise InputTypeError(f"`sheet` must be a sheet name or a 0-based position; {sheet!r} was given.")
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(f"{path} has no sheet at position {sheet}; its sheets are {listing} "
                             f"(positions 0 to {len(names) - 1}).")
        return names[sheet]
    if sheet not in names:
        stripped = {n.strip(): n for n in names}
        if sheet.strip() in stripped:
            return stripped[sheet.strip()]
        raise InputError(f"{path} has no sheet {sheet!r}; its sheets are {listing}.")
    return sheet


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_column(name: str, values: list, as_text: bool, notes: list, first_row: int):
    """One Excel column as pandas would infer it from the same table saved as CSV."""
    if as_text:
        return pd.Series([None if v is None else _cell_text(v) for v in values])
    present = [v for v in values if v is not None]
    is_num = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in present]
    if present and all(isinstance(v, (datetime.date, datetime.time)) for v in present):
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)))
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return pd.Series(values, dtype=bool)
    texts = [(i, v) for i, v in enumerate(values) if isinstance(v, str)]
    if present and all(n or (isinstance(v, str) and _NUMBER.fullmatch(v.strip()))
                       for n, v in zip(is_num, present)):
        if texts and len(texts) < len(present):
            rows = [first_row + i for i, _ in texts]
            shown = ", ".join(f"row {r}: {v!r}" for r, (_, v) in zip(rows[:10], texts[:10]))
            more = f" ... ({len(rows)} in all)" if len(rows) > 10 else ""
            notes.append(f"column {name!r}: {len(rows)} number(s) stored as text, read as numbers "
                         f"({shown}{more}); in Excel, convert them to numbers.")
        elif texts:  # a text column of digits (codes): keep it as text, like the cells say
            return pd.Series([None if v is None else _cell_text(v) for v in values])
        nums = [np.nan if v is None else float(v) for v in values]
        arr = np.asarray(nums, dtype=np.float64)
        if len(present) == len(values) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)) \
                and np.all(np.abs(arr) < 2**53):
            return pd.Series(arr.astype(np.int64))
        return pd.Series(arr)
    if not present:
        return pd.Series([np.nan] * len(values), dtype=np.float64)
    return pd.Series([None if v is None else _cell_text(v) for v in values])


def _read_excel(path: Path, sheet, missing, dtype, skiprows: int) -> pd.DataFrame:
    name = _choose_sheet(path, sheet)
    try:
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(
            skip_empty_area=False)
    except ImportError:  # pragma: no cover
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = [["" if c is None else c for c in r] for r in wb[name].iter_rows(values_only=True)]
        wb.close()
    rows = rows[skiprows:]
    while rows and all(c == "" or c is None for c in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(f"{path}, sheet {name!r} is empty: expected a header row and data rows.")
    header = [("" if c is None else _cell_text(c)).strip() for c in rows[0]]
    width = len(header)
    while width and header[width - 1] == "" and all(len(r) < width or r[width - 1] in ("", None)
                                                    for r in rows[1:]):
        width -= 1
    header = [h or f"Unnamed: {i}" for i, h in enumerate(header[:width])]
    seen: dict[str, int] = {}
    for i, h in enumerate(header):  # duplicate names as pandas' CSV reader names them
        if h in seen:
            seen[h] += 1
            header[i] = f"{h}.{seen[h]}"
        else:
            seen[h] = 0
    markers = {str(m).strip() for m in missing}
    body = []
    for r in rows[1:]:
        r = list(r[:width]) + [""] * (width - len(r))
        body.append([None if (c is None or c == "" or (isinstance(c, str) and c.strip() in markers))
                     else c for c in r])
    dtype = dtype or {}
    as_text_all = dtype is str or dtype == "str"
    notes: list[str] = []
    first_row = skiprows + 2
    columns = {}
    for j, h in enumerate(header):
        values = [r[j] for r in body]
        want = dtype if as_text_all else (dtype.get(h) if isinstance(dtype, dict) else None)
        as_text = as_text_all or want in (str, "str", "string", object, "object")
        col = _excel_column(h, values, as_text, notes, first_row)
        if want is not None and not as_text:
            col = col.astype(want)
        columns[h] = col
    df = pd.DataFrame(columns)
    df.attrs["sheet"] = name
    df.attrs["notes"] = notes
    return df
