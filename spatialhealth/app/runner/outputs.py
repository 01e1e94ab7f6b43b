"""Collects what a run produces and writes it into the run folder.

Tables go to ``tables/`` as CSV (UTF-8 with a byte-order mark unless ``[run] csv_bom =
false``, so that Excel on Chinese Windows reads Chinese text) and Parquet, and all of
them into one ``tables.xlsx`` (a sheet per table); figures to ``figures/`` as PNG and
SVG, maps to ``maps/`` as HTML, text summaries to ``summaries/``. Each item is
remembered (with its section) so that the report can show it. Figures are written
without dates and with a fixed SVG id salt, so that the same run gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def slug(text: str) -> str:
    """Make a file-name-safe version of a label.

    Parameters
    ----------
    text : str
        A label (Chinese characters are kept).

    Returns
    -------
    str
        Lower case, runs of other characters replaced by ``_``; ``"item"`` if nothing is left.

    Examples
    --------
    >>> slug("Gini: beds / population")
    'gini_beds_population'
    """
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff.]+", "_", str(text)).strip("_").lower() or "item"


@dataclass
class Item:
    """One output of a run, as listed in the report.

    Attributes
    ----------
    section : str
        The report section.
    title : str
        The heading of the item.
    kind : {"table", "figure", "map", "text", "file"}
        What was written.
    paths : list of pathlib.Path
        The files written.
    payload : object, optional
        The DataFrame of a table, the text of a summary.

    Examples
    --------
    >>> Item("equity", "Gini", "text", []).kind
    'text'
    """

    section: str
    title: str
    kind: str  # table | figure | map | text | file
    paths: list[Path]
    payload: object = None  # DataFrame for tables, text for summaries


@dataclass
class Outputs:
    """The run folder being written (a temporary folder until the run succeeds).

    Attributes
    ----------
    root : pathlib.Path
        The folder written to.
    items : list of Item
        Every output so far, in order.
    notes : list of str
        Notes for the report.
    csv_bom : bool
        Write CSV files as UTF-8 with a byte-order mark (Excel opens them correctly).

    Examples
    --------
    >>> import pathlib, pandas as pd
    >>> o = Outputs(pathlib.Path("run"))
    >>> o.table("equity", "gini", pd.DataFrame({"gini": [0.08]}))
    >>> [p.name for p in o.items[0].paths]
    ['gini.csv', 'gini.parquet']
    """

    root: Path
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    csv_bom: bool = True

    def _path(self, sub: str, name: str, suffix: str) -> Path:
        p = self.root / sub / f"{slug(name)}{suffix}"
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def table(self, section: str, name: str, df: pd.DataFrame, title: str | None = None) -> None:
        csv = self._path("tables", name, ".csv")
        pq = self._path("tables", name, ".parquet")
        # geometries go to the GeoPackage and the maps; a table holds the numbers
        plain = pd.DataFrame(df.drop(columns="geometry")) if "geometry" in df.columns else df
        plain.to_csv(csv, index=False, encoding="utf-8-sig" if self.csv_bom else "utf-8")
        frame = df.copy()
        if hasattr(frame, "geometry") and "geometry" in frame.columns:
            frame = pd.DataFrame(frame.drop(columns="geometry"))
        frame.columns = [str(c) for c in frame.columns]
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None or isinstance(v, (str, int, float, bool)) else str(v))
        frame.to_parquet(pq, index=False)
        self.items.append(Item(section, title or name, "table", [csv, pq], df))

    def figure(self, section: str, name: str, fig, title: str | None = None) -> None:
        import matplotlib.pyplot as plt

        if hasattr(fig, "figure") and not hasattr(fig, "savefig"):
            fig = fig.figure  # an Axes was given
        png = self._path("figures", name, ".png")
        svg = self._path("figures", name, ".svg")
        with plt.rc_context({"svg.hashsalt": "spatialhealth"}):
            fig.savefig(png, dpi=150, bbox_inches="tight")
            fig.savefig(svg, bbox_inches="tight", metadata={"Date": None})
        plt.close(fig)
        self.items.append(Item(section, title or name, "figure", [png, svg]))

    def map(self, section: str, name: str, fmap, title: str | None = None) -> None:
        from spatialhealth.layers.maps import save_map

        html = self._path("maps", name, ".html")
        save_map(fmap, html)
        self.items.append(Item(section, title or name, "map", [html]))

    def static_map(self, section: str, name: str, fig, title: str | None = None) -> None:
        """A publication map: ``maps/<name>.png``, ``.svg`` and ``.pdf`` at 300 dpi (reproducible bytes)."""
        from spatialhealth.layers.static_maps import save_all

        stem = self._path("maps", name, "")
        paths = save_all(fig, stem)
        self.items.append(Item(section, title or name, "figure", sorted(paths, key=lambda q: q.suffix != ".png")))

    def text(self, section: str, name: str, text: str, title: str | None = None) -> None:
        p = self._path("summaries", name, ".txt")
        p.write_text(text, encoding="utf-8")
        self.items.append(Item(section, title or name, "text", [p], text))

    def file(self, section: str, title: str, paths) -> None:
        self.items.append(Item(section, title, "file", [Path(p) for p in paths]))

    def note(self, message: str) -> None:
        self.notes.append(message)


def _sheet_names(titles) -> list[str]:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique.

    >>> _sheet_names(["a/b", "a:b", "x" * 40])
    ['a_b', 'a_b (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    out, used = [], set()
    for t in titles:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(t)).strip("'") or "table"
        name, n = base[:31], 1
        while name.lower() in used:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        used.add(name.lower())
        out.append(name)
    return out


def write_workbook(outputs: Outputs, path: Path) -> Path | None:
    """Write every table of the run to one Excel workbook, a sheet per table.

    Parameters
    ----------
    outputs : Outputs
        The run so far.
    path : pathlib.Path
        The ``.xlsx`` file to write.

    Returns
    -------
    pathlib.Path or None
        ``path``, or ``None`` (nothing written) when the run has no table.

    Examples
    --------
    >>> import pathlib, pandas as pd
    >>> o = Outputs(pathlib.Path("run"))
    >>> o.table("equity", "gini", pd.DataFrame({"gini": [0.08]}))
    >>> write_workbook(o, pathlib.Path("run/tables.xlsx")).name
    'tables.xlsx'
    """
    tables = [i for i in outputs.items if i.kind == "table" and isinstance(i.payload, pd.DataFrame)]
    if not tables:
        return None
    names = _sheet_names(i.paths[0].stem for i in tables)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for name, item in zip(names, tables):
            frame = item.payload
            if "geometry" in frame.columns:
                frame = pd.DataFrame(frame.drop(columns="geometry"))
            frame.to_excel(xl, sheet_name=name, index=False)
    _freeze_zip(path)
    return path


def _freeze_zip(path: Path) -> None:
    """Make an .xlsx byte-reproducible: fixed entry times and document dates."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
