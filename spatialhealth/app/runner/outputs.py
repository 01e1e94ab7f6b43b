"""Collects what a run produces and writes it into the run folder.

Tables go to ``tables/`` as CSV and Parquet, figures to ``figures/`` as PNG and
SVG, maps to ``maps/`` as HTML, text summaries to ``summaries/``. Each item is
remembered (with its section) so that the report can show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def slug(text: str) -> str:
    """File-name-safe version of a label.

    >>> slug("Gini: beds / population")
    'gini_beds_population'
    """
    return re.sub(r"[^0-9A-Za-z\u4e00-\u9fff.]+", "_", str(text)).strip("_").lower() or "item"


@dataclass
class Item:
    section: str
    title: str
    kind: str  # table | figure | map | text | file
    paths: list[Path]
    payload: object = None  # DataFrame for tables, text for summaries


@dataclass
class Outputs:
    """The run folder being written (a temporary folder until the run succeeds)."""

    root: Path
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def _path(self, sub: str, name: str, suffix: str) -> Path:
        p = self.root / sub / f"{slug(name)}{suffix}"
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def table(self, section: str, name: str, df: pd.DataFrame, title: str | None = None) -> None:
        csv = self._path("tables", name, ".csv")
        pq = self._path("tables", name, ".parquet")
        df.to_csv(csv, index=False, encoding="utf-8")
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
        fig.savefig(png, dpi=150, bbox_inches="tight")
        fig.savefig(svg, bbox_inches="tight")
        plt.close(fig)
        self.items.append(Item(section, title or name, "figure", [png, svg]))

    def map(self, section: str, name: str, fmap, title: str | None = None) -> None:
        from spatialhealth.layers.maps import save_map

        html = self._path("maps", name, ".html")
        save_map(fmap, html)
        self.items.append(Item(section, title or name, "map", [html]))

    def text(self, section: str, name: str, text: str, title: str | None = None) -> None:
        p = self._path("summaries", name, ".txt")
        p.write_text(text, encoding="utf-8")
        self.items.append(Item(section, title or name, "text", [p], text))

    def file(self, section: str, title: str, paths) -> None:
        self.items.append(Item(section, title, "file", [Path(p) for p in paths]))

    def note(self, message: str) -> None:
        self.notes.append(message)
