"""The analyses a run file can ask for, each a thin adapter over the library.

:func:`plan` turns a checked :class:`~spatialhealth.app.runner.config.RunConfig`
into an ordered list of ``(label, step)``; each step reads the run's inputs and
``state`` (results earlier steps left: weights, LISA frames, the mobility graph),
calls the public API and hands tables, summaries, figures and maps to
:class:`~spatialhealth.app.runner.outputs.Outputs`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from spatialhealth.errors import InputError
from spatialhealth.app.runner.outputs import Item, slug


def plan(cfg) -> list:
    """List the steps of a run, in order: one per section entry of the analysis file.

    Parameters
    ----------
    cfg : RunConfig
        A checked analysis file (:func:`~spatialhealth.app.runner.config.load_config`).

    Returns
    -------
    list of (str, callable)
        ``(label, step)`` pairs; each step writes its outputs when called by the run.

    Examples
    --------
    >>> from spatialhealth.app.runner.config import load_config
    >>> cfg = load_config(text='''
    ... [inputs.indicators]
    ... dataset = "province_health"
    ... [[equity]]
    ... measure = "gini"
    ... resource = "beds_10k"
    ... population = "population"
    ... ''')
    >>> [label for label, _ in plan(cfg)]
    ['equity: gini']
    """
    s = cfg.settings
    steps = []
    for i, spec in enumerate(s.get("equity", []), 1):
        steps.append((f"equity: {spec['measure']}", functools.partial(_equity, spec=spec, index=i)))
    if "boundaries" in s:
        steps.append(("boundaries", _boundaries))
    if "weights" in s:
        steps.append(("spatial weights", _weights))
    for i, spec in enumerate(s.get("moran", []), 1):
        steps.append(("global Moran", functools.partial(_moran, spec=spec, index=i)))
    for i, spec in enumerate(s.get("lisa", []), 1):
        steps.append((f"LISA: {spec['variable']}", functools.partial(_lisa, spec=spec, index=i)))
    for kind in ("getis_ord", "local_geary", "join_counts"):
        for i, spec in enumerate(s.get(kind, []), 1):
            steps.append((f"{kind.replace('_', ' ')}: {spec['variable']}",
                          functools.partial(_local, spec=spec, index=i, kind=kind)))
    for i, spec in enumerate(s.get("regression", []), 1):
        steps.append((f"spatial regression: {spec['y']}", functools.partial(_regression, spec=spec, index=i)))
    for i, spec in enumerate(s.get("space_time", []), 1):
        steps.append((f"space-time: {spec['variable']}", functools.partial(_space_time, spec=spec, index=i)))
    for i, spec in enumerate(s.get("raster", []), 1):
        steps.append((f"raster {spec['statistic']}", functools.partial(_raster, spec=spec, index=i)))
    if "network" in s:
        steps.append(("mobility network", _network))
    for i, spec in enumerate(s.get("ergm", []), 1):
        steps.append((f"ERGM #{i}", functools.partial(_ergm, spec=spec, index=i)))
    for i, spec in enumerate(s.get("qap", []), 1):
        steps.append((f"QAP #{i}", functools.partial(_qap, spec=spec, index=i)))
    for i, spec in enumerate(s.get("dea", []), 1):
        steps.append((f"DEA: {spec['model']}", functools.partial(_dea, spec=spec, index=i)))
    for i, spec in enumerate(s.get("did", []), 1):
        steps.append((f"DiD: {spec['outcome']}", functools.partial(_did, spec=spec, index=i)))
    for i, spec in enumerate(s.get("maps", []), 1):
        steps.append((f"map: {spec['kind']}", functools.partial(_map, spec=spec, index=i)))
    if s.get("qgis", {}).get("enabled") and ("boundaries" in s or "network" in s):
        steps.append(("QGIS export", _qgis))
    if "examples" in s:
        from spatialhealth.app.demo import STEPS

        wanted = s["examples"].get("steps") or [label for label, _ in STEPS]
        for label in wanted:
            steps.append((f"example: {label}", functools.partial(_example, label=label)))
    return steps


def _figure(outputs, section, name, result, title=None, **kwargs):
    """Save ``result.plot()`` if the result draws one."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    plot = getattr(result, "plot", None)
    if plot is None:
        return
    drawn = plot(**kwargs)
    fig = drawn.figure if hasattr(drawn, "figure") and not hasattr(drawn, "savefig") else drawn
    if isinstance(fig, tuple):
        fig = fig[0]
    if fig is not None:
        outputs.figure(section, name, fig, title)


def _emit(outputs, section, name, result, title=None, figure=True):
    outputs.table(section, name, result.frame, title)
    outputs.text(section, name, result.summary(), title)
    if figure:
        _figure(outputs, section, name, result, title)


# ---------------------------------------------------------------- equity
#: the columns each equity measure needs (shared with the command line's messages)
EQUITY_NEEDS = {"gini": ("resource", "population"), "theil": ("resource", "population"),
                "concentration": ("resource", "population", "rank_by"), "dagum": ("value", "group"),
                "entropy": ("columns",), "rsr": ("columns",), "gm11": ("series",), "cluster": ("columns",),
                "health_distance": ("actual", "ideal"), "mismatch": ("resources", "population")}


def equity_result(df, spec: dict):
    """The one dispatch from an equity specification to a result: ``(result, label)``.

    ``spec`` holds the keys of an ``[[equity]]`` section (``measure`` and the columns it
    needs; ``year`` for a panel). The runner and ``spatialhealth equity`` both call it.

    Parameters
    ----------
    df : pandas.DataFrame
        The input table.
    spec : dict
        ``measure`` and its keys (see ``spatialhealth schema``).

    Returns
    -------
    tuple
        The result object and a label for file names.

    Examples
    --------
    >>> from spatialhealth import datasets
    >>> res, label = equity_result(datasets.load_province_health(),
    ...                            {"measure": "gini", "resource": "beds_10k", "population": "population"})
    >>> label, round(res.value, 4)
    ('beds_10k', 0.0797)
    """
    from spatialhealth import equity

    m = spec["measure"]
    missing = [k for k in EQUITY_NEEDS.get(m, ()) if not spec.get(k)]
    if m not in EQUITY_NEEDS:
        raise InputError(f"Unknown equity measure {m!r}; use one of {', '.join(EQUITY_NEEDS)}.")
    if missing:
        raise InputError(f"The {m} measure needs {', '.join(missing)}.")
    by = {"by": spec["year"]} if spec.get("year") else {}
    if m == "gini":
        return equity.gini(df, resource=spec["resource"], population=spec["population"], **by), spec["resource"]
    if m == "theil":
        return (equity.theil(df, resource=spec["resource"], population=spec["population"],
                             group=spec.get("group"), kind=spec.get("kind", "L"), **by), spec["resource"])
    if m == "concentration":
        return (equity.concentration_index(df, resource=spec["resource"], population=spec["population"],
                                           rank_by=spec["rank_by"], **by),
                f"{spec['resource']}_by_{spec['rank_by']}")
    if m == "dagum":
        return equity.dagum_gini(df, value=spec["value"], group=spec["group"], by=spec.get("year")), spec["value"]
    if m == "entropy":
        return (equity.entropy_weights(df, columns=spec["columns"], negative=spec.get("negative", ()), **by),
                "composite")
    if m == "rsr":
        return (equity.rsr(df, columns=spec["columns"], negative=spec.get("negative", ()),
                           levels=spec.get("levels", 3), **by), "grading")
    if m == "cluster":
        return equity.cluster_regions(df, columns=spec["columns"], n_clusters=spec.get("n_clusters", 3), **by), \
            "regions"
    if m == "gm11":
        if spec.get("group"):
            return (equity.gm11_by(df, value=spec["series"], group=spec["group"], period=spec.get("year") or "year",
                                   steps=spec.get("steps", 3)), spec["series"])
        series = df.sort_values(spec["year"]) if spec.get("year") else df
        return equity.gm11(series[spec["series"]].to_numpy()), spec["series"]
    return equity.health_distance(df[spec["actual"]], df[spec["ideal"]]), spec["actual"]


def _mismatch(cfg, outputs, state, spec, index):
    """The published pipeline: entropy weights, ideal allocation, health distance, levels, Dagum by group.

    The health distance (``hd``) and its level (``hd_level``) are added to the input, so
    later [[moran]], [[lisa]] and [[maps]] of that input can use them.
    """
    from spatialhealth import equity

    df = cfg.tables[spec["input"]]
    R, P, year = list(spec["resources"]), spec["population"], spec.get("year")
    section = "mismatch"
    weights = None
    if spec["weighting"] == "entropy":
        per_capita = df[R].div(df[P], axis=0)
        ew = equity.entropy_weights(per_capita, columns=R)
        weights = ew.weights
        _emit(outputs, section, "mismatch_entropy_weights", ew, "entropy weights of the resources")
    bounds = tuple(spec.get("bounds") or (0.5, 1.5))
    try:
        alloc = equity.ideal_allocation(df, resources=R, population=P, demand=spec.get("demand"),
                                        output=spec.get("output"), bounds=bounds, efficiency=spec.get("efficiency"),
                                        frontier=spec["frontier"], period=year, time_limit=spec.get("time_limit"))
    except equity.InfeasibleAllocationError as exc:
        raise InputError(f"[equity #{index}] mismatch: {exc}") from None
    _emit(outputs, section, "ideal_allocation", alloc, "ideal allocation (fairness-efficiency bi-level model)")
    outputs.table(section, "ideal_allocation_gini", alloc.gini.reset_index() if hasattr(alloc.gini, "reset_index")
                  else pd.DataFrame(alloc.gini), "ideal allocation: Gini before and after")
    hd = equity.health_distance(df, alloc, weights=weights, k=spec["k"])
    df["hd"] = hd.values.reindex(df.index).to_numpy() if hasattr(hd.values, "reindex") else hd.values
    if hd.levels is not None:
        df["hd_level"] = hd.levels.reindex(df.index).to_numpy() if hasattr(hd.levels, "reindex") else hd.levels
    _emit(outputs, section, "health_distance", hd, "health distance (mismatch degree) and levels")
    if spec.get("group"):
        dg = equity.dagum_gini(df, value="hd", group=spec["group"], by=year)
        _emit(outputs, section, "mismatch_dagum", dg, f"Dagum Gini of the mismatch by {spec['group']}")


def _equity(cfg, outputs, state, spec, index):
    df = cfg.tables[spec["input"]]
    m = spec["measure"]
    if m == "mismatch":
        return _mismatch(cfg, outputs, state, spec, index)
    res, label = equity_result(df, spec)
    if m == "entropy":
        score_col = spec.get("score") or "entropy_score"
        scores = pd.DataFrame({"code": df["code"].to_numpy()} if "code" in df.columns else {}, index=df.index)
        scores[score_col] = res.scores.reindex(df.index).to_numpy()
        scores["rank"] = scores[score_col].rank(ascending=False, method="min").astype(int)
        outputs.table("equity", f"{spec.get('name') or 'entropy'}_scores", scores.reset_index(drop=True),
                      "entropy: composite score by region")
        df[score_col] = scores[score_col]  # later analyses and maps of this input may use the score
    if m == "gm11" and hasattr(res, "forecast"):
        fc = res.forecast(spec["steps"])
        outputs.table("equity", f"gm11_{label}_forecast",
                      fc.reset_index() if isinstance(fc, pd.Series) else pd.DataFrame(fc))
    name = spec.get("name") or f"{m}_{label}"
    _emit(outputs, "equity", name, res, title=f"{m}: {label}")


# ---------------------------------------------------------------- spatial
def _boundaries(cfg, outputs, state):
    b = cfg.settings["boundaries"]
    if "level" in b:
        from spatialhealth.datasets import load_boundaries

        gdf = load_boundaries(b["level"])
    else:
        import geopandas as gpd
        from pathlib import Path

        p = Path(b["path"])
        p = p if p.is_absolute() else Path(cfg.settings["_base"]) / p
        gdf = gpd.read_file(p, layer=b.get("layer"))
        if b["key"] not in gdf.columns:
            raise InputError(f"[boundaries] key column {b['key']!r} is not in {p} "
                             f"(columns: {', '.join(map(str, gdf.columns))}).")
        gdf = gdf.rename(columns={b["key"]: "code"})
        gdf["code"] = gdf["code"].astype(str)
    state["boundaries"] = gdf
    state["simplify"] = b["web_simplify"] or None


def _joined(cfg, state, input_name):
    """The input table joined to the boundaries by code (only regions present in both)."""
    df = cfg.tables[input_name]
    if "code" not in df.columns:
        raise InputError(f"[inputs.{input_name}] needs `key` (the region code or name column) to be mapped.")
    gdf = state["boundaries"]
    cols = [c for c in df.columns if c not in gdf.columns or c == "code"]
    joined = gdf.merge(df[cols], on="code", how="inner")
    missing = sorted(set(df.code) - set(joined.code))
    if missing:
        raise InputError(f"[inputs.{input_name}]: no boundary for code(s) {', '.join(missing[:10])}.")
    return joined.sort_values("code").reset_index(drop=True)


#: equidistant conic for China: distances in metres are kept along the meridians and the two
#: standard parallels (25°N, 47°N), within about 1 % across the mainland
CHINA_EQUIDISTANT = "+proj=eqdc +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
DISTANCE_KINDS = ("knn", "distance_band", "inverse_distance")


def _weights(cfg, outputs, state):
    from spatialhealth.layers.weights import build_weights

    w = cfg.settings["weights"]
    kind = w["kind"]
    options = {}
    if kind == "table":
        p = Path(w["neighbours"])
        p = p if p.is_absolute() else Path(cfg.settings["_base"]) / p
        data = pd.read_csv(p, dtype=str)
        coordinates = None
        if "boundaries" in state:  # islands='nearest' links an island to the region nearest its centroid
            b = state["boundaries"].to_crs(CHINA_EQUIDISTANT)
            cen = b.geometry.centroid
            coordinates = pd.DataFrame({"code": b["code"].to_numpy(), "x": cen.x.to_numpy(), "y": cen.y.to_numpy()})
        weights = build_weights(data, kind="table", islands=w["islands"], coordinates=coordinates)
    else:
        data = _joined(cfg, state, w["input"]) if w["input"] in cfg.tables else state["boundaries"]
        data = data.drop_duplicates("code")  # a panel input holds each region once per period
        if kind in DISTANCE_KINDS and (data.crs is None or not data.crs.is_projected or "crs" in w):
            crs = w.get("crs") or CHINA_EQUIDISTANT
            data = data.to_crs(crs)
            where = (f"the CRS {crs}" if "crs" in w else
                     "an equidistant conic projection for China (set [weights] crs to choose another)")
            outputs.note(f"[weights] {kind}: distances measured in {where}.")
        for key, opt in (("k", "k"), ("threshold", "threshold"), ("power", "power")):
            if key in w:
                options[opt] = w[key]
        if kind == "economic":
            options["column"] = w["variable"]
        weights = build_weights(data, kind=kind, islands=w["islands"], **options)
    state["weights"] = weights
    outputs.text("spatial weights", f"weights_{w['kind']}", weights.summary(), f"{w['kind']} weights")
    links = getattr(weights, "added_links", None)
    if links is not None and len(links):
        outputs.table("spatial weights", "weights_added_links", pd.DataFrame(links), "links added for islands")


def _values(cfg, state, input_name, variable):
    df = cfg.tables[input_name]
    if "code" not in df.columns:
        raise InputError(f"[inputs.{input_name}] needs `key` so values can be matched to the weights.")
    return df.set_index("code")[variable]


def _moran(cfg, outputs, state, spec, index):
    from spatialhealth.layers.autocorrelation import moran

    perms = 99 if cfg.settings["run"]["quick"] else spec["permutations"]
    variables = spec["variable"] if isinstance(spec["variable"], list) else [spec["variable"]]
    rows = []
    for var in variables:
        res = moran(_values(cfg, state, spec["input"], var), weights=state["weights"], permutations=perms,
                    seed=cfg.seed)
        frame = res.frame.copy()
        if "variable" not in frame.columns:
            frame.insert(0, "variable", var)
        rows.append(frame)
        outputs.text("global Moran", f"moran_{var}", res.summary(), f"Moran's I: {var}")
        _figure(outputs, "global Moran", f"moran_scatter_{var}", res, f"Moran scatter: {var}")
    outputs.table("global Moran", f"moran_{index}", pd.concat(rows, ignore_index=True), "Moran's I")


def _lang(cfg) -> str:
    return cfg.settings["run"].get("language", "en")


def _perms(cfg, spec) -> int:
    return min(99, spec["permutations"]) if cfg.settings["run"]["quick"] else spec["permutations"]


def _static(cfg, outputs, section, name, title, draw):
    """Draw a static publication map with ``draw()`` -> (fig, ax); a missing boundary package is a note."""
    try:
        fig, _ = draw()
    except InputError as exc:
        if "cnmaps" not in str(exc) and "china" not in str(exc):
            raise
        outputs.note(f"Static map {name!r} not drawn: {exc}")
        return
    outputs.static_map(section, f"{name}_static", fig, title)


def _drawable(cfg, state, input_name):
    """Join the input to the boundaries, simplified as for web maps.

    Statistics use the weights, not these geometries; figures and tables stay small.
    """
    gdf = _joined(cfg, state, input_name)
    tol = state.get("simplify")
    if tol:
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.simplify(tol, preserve_topology=True)
    return gdf


def _label(cfg, input_name):
    """The input's own name column for maps and figure labels (``[inputs.X] label``), or None."""
    return cfg.settings["inputs"].get(input_name, {}).get("label")


def _on_boundaries(state, frame):
    """A local-statistic frame joined to the boundaries (for maps and QGIS), or None."""
    if "boundaries" not in state:
        return None
    local = frame.drop(columns="geometry", errors="ignore")
    keep = ["code"] + [c for c in local.columns if c not in state["boundaries"].columns]
    return state["boundaries"].merge(local[keep], on="code", how="inner")


def _lisa(cfg, outputs, state, spec, index):
    from spatialhealth.layers.autocorrelation import lisa, lisa_bv

    var = spec["variable"]
    common = dict(permutations=_perms(cfg, spec), alpha=spec["alpha"], adjust=spec.get("adjust"), seed=cfg.seed,
                  draws=spec["draws"])
    if spec.get("with"):
        data = cfg.tables[spec["input"]]
        res = lisa_bv(var, spec["with"], state["weights"], data=data, **common)
        var = f"{var}_with_{spec['with']}"
    else:
        if "boundaries" in state:
            res = lisa(_drawable(cfg, state, spec["input"]), value=var, weights=state["weights"],
                       label=_label(cfg, spec["input"]), **common)
            _figure(outputs, "LISA", f"lisa_cluster_{var}", res, f"LISA: {var}")
        else:
            res = lisa(_values(cfg, state, spec["input"], var), weights=state["weights"], **common)
    frame = res.frame
    outputs.table("LISA", f"lisa_{var}", frame, f"LISA: {var}")
    outputs.text("LISA", f"lisa_{var}", res.summary(), f"LISA: {var}")
    from spatialhealth.layers.plots import moran_scatter

    outputs.figure("LISA", f"moran_scatter_{var}", moran_scatter(res, labels=True), f"LISA: {var}")
    gdf = _on_boundaries(state, frame)
    if gdf is not None:
        state.setdefault("lisa", {})[var] = gdf
        from spatialhealth.layers.maps import lisa_map, significance_map

        from spatialhealth.layers import static_maps

        lang = _lang(cfg)
        if spec.get("map", True):
            m = lisa_map(gdf, offline=True, title=f"LISA: {var}", simplify=state.get("simplify"), lang=lang,
                         name=_label(cfg, spec["input"]))
            outputs.map("LISA", f"lisa_map_{var}", m, f"LISA: {var}")
            _static(cfg, outputs, "LISA", f"lisa_map_{var}", f"LISA: {var}",
                    lambda: static_maps.lisa(gdf, lang=lang, title=f"LISA: {var}"))
        if spec.get("significance_map", True):
            m = significance_map(gdf, offline=True, title=f"LISA p: {var}", simplify=state.get("simplify"),
                                 lang=lang, name=_label(cfg, spec["input"]))
            outputs.map("LISA", f"lisa_significance_{var}", m, f"LISA: {var}")
            _static(cfg, outputs, "LISA", f"lisa_significance_{var}", f"LISA: {var}",
                    lambda: static_maps.significance(gdf, lang=lang, title=f"LISA p: {var}"))


def _local(cfg, outputs, state, spec, index, kind):
    """Getis-Ord Gi/Gi*, local Geary (uni- or multivariate) and join counts."""
    from spatialhealth.layers import local

    var = spec["variable"]
    label = "_".join(var) if isinstance(var, list) else var
    df = _drawable(cfg, state, spec["input"]) if "boundaries" in state else cfg.tables[spec["input"]]
    section = {"getis_ord": "Getis-Ord hot spots", "local_geary": "local Geary", "join_counts": "join counts"}[kind]
    common = dict(weights=state["weights"], permutations=_perms(cfg, spec), seed=cfg.seed)
    if kind == "getis_ord":
        res = local.getis_ord(df, value=var, star=spec["star"], alpha=spec["alpha"], adjust=spec.get("adjust"),
                              draws=spec["draws"], **common)
    elif kind == "local_geary":
        res = local.local_geary(df, value=var, alpha=spec["alpha"], adjust=spec.get("adjust"),
                                draws=spec["draws"], **common)
    else:
        res = local.join_counts(df, value=var, **common)
    title = f"{section}: {label}"
    frame = res.frame
    spatial = "geometry" in getattr(frame, "columns", ())  # class maps need the boundaries
    _emit(outputs, section, f"{kind}_{label}", res, title, figure=spatial or kind == "join_counts")
    gdf = frame if hasattr(frame, "geometry") and "geometry" in frame.columns else None
    if kind == "getis_ord" and gdf is not None and spec.get("map", True):
        from spatialhealth.layers.maps import hotspot_map

        from spatialhealth.layers import static_maps

        m = hotspot_map(gdf, offline=True, title=title, simplify=state.get("simplify"), lang=_lang(cfg),
                        name=_label(cfg, spec["input"]))
        outputs.map(section, f"hotspots_{label}", m, title)
        _static(cfg, outputs, section, f"hotspots_{label}", title,
                lambda: static_maps.hotspot(gdf, lang=_lang(cfg), title=title))
        state.setdefault("hotspots", {})[label] = gdf


def _regression(cfg, outputs, state, spec, index):
    from spatialhealth.layers.regression import spatial_regression

    df = cfg.tables[spec["input"]]
    res = spatial_regression(df, y=spec["y"], x=list(spec["x"]), weights=state["weights"], model=spec["model"],
                             panel=spec.get("panel"), seed=cfg.seed)
    name = spec.get("name") or f"regression_{spec['model']}_{spec['y']}"
    section = "spatial regression"
    title = f"{spec['model']}: {spec['y']} ~ {' + '.join(spec['x'])}"
    _emit(outputs, section, name, res, title, figure=False)
    for part in ("diagnostics", "impacts"):
        table = getattr(res, part, None)
        if isinstance(table, pd.DataFrame) and len(table):
            outputs.table(section, f"{name}_{part}", table.reset_index(), title)


def _space_time(cfg, outputs, state, spec, index):
    from spatialhealth.layers.spacetime import space_time

    df = cfg.tables[spec["input"]]
    res = space_time(df, value=spec["variable"], weights=state["weights"], period=spec["period"],
                     permutations=_perms(cfg, spec), alpha=spec["alpha"], seed=cfg.seed, k=spec["k"])
    section = "space-time"
    title = f"yearly Moran, LISA transitions and spatial Markov: {spec['variable']}"
    _emit(outputs, section, f"space_time_{spec['variable']}", res, title)
    for part in ("lisa_transitions", "lisa_probabilities", "markov"):
        table = getattr(res, part, None)
        if isinstance(table, pd.DataFrame):
            outputs.table(section, f"space_time_{spec['variable']}_{part}", table.reset_index(), title)


def _raster(cfg, outputs, state, spec, index):
    from spatialhealth.layers import qgis, raster

    p = Path(spec["path"])
    p = p if p.is_absolute() else Path(cfg.settings["_base"]) / p
    section = "rasters"
    name = spec.get("name") or f"{p.stem}_{spec['statistic']}"
    common = dict(band=spec["band"], contiguity=spec["contiguity"])
    if spec["statistic"] == "moran":
        res = raster.raster_moran(p, **common)
        outputs.table(section, name, res.frame, f"Moran's I of {p.name}")
        return
    func = raster.raster_lisa if spec["statistic"] == "lisa" else raster.raster_getis_ord
    res = func(p, permutations=_perms(cfg, spec), seed=cfg.seed, adjust=spec.get("adjust"), **common,
               **({"alpha": spec["alpha"]} if spec["statistic"] == "lisa" else {}))
    tif = outputs.root / "rasters" / f"{slug(name)}.tif"
    tif.parent.mkdir(parents=True, exist_ok=True)
    res.to_file(tif)
    qgis.write_raster_style(tif)
    outputs.table(section, name, res.frame, f"{spec['statistic']} of {p.name}")
    outputs.text(section, name, res.summary(), f"{spec['statistic']} of {p.name}")
    outputs.file(section, f"{spec['statistic']} of {p.name}", [tif] + [q for q in [tif.with_suffix(".qml")]
                                                                        if q.exists()])


# ---------------------------------------------------------------- networks
def _network(cfg, outputs, state):
    from spatialhealth.networks.centrality import centrality_table, network_summary
    from spatialhealth.networks.graph import mobility_graph
    from spatialhealth.networks.od import aggregate_od

    n = cfg.settings["network"]
    source = cfg.sources.get(n["input"]) or cfg.tables[n["input"]]
    if n["layout"] == "migration_index":
        from spatialhealth.networks.migration import aggregate_migration_index

        kwargs = {k: n[k] for k in ("scale", "date", "start", "end") if k in n}
        res = aggregate_migration_index(source, city=n["city"], partner=n["partner"], share=n["share"],
                                        direction=n["direction"], use=n["use"], how=n["how"], level=n["level"],
                                        self_flows=n["self_flows"], engine=n["engine"], **kwargs)
    else:
        kwargs = {k: n[k] for k in ("weight", "flow", "date", "start", "end") if k in n}
        res = aggregate_od(source, n["origin"], n["destination"], engine=n["engine"], how=n["how"],
                           self_flows=n["self_flows"], level=n["level"], **kwargs)
    edges = res.edges if hasattr(res, "edges") else res
    outputs.table("mobility network", "od_edges", edges, "aggregated city-pair edges")
    report = getattr(res, "report", None)
    if report is not None:
        outputs.text("mobility network", "od_report", report.summary() if hasattr(report, "summary") else str(report),
                      "aggregation report")
    nodes = n.get("nodes")
    nodes = cfg.tables[nodes] if nodes in cfg.tables else nodes  # an input table, "bundled", or None
    G = mobility_graph(edges, nodes=nodes, threshold=n.get("threshold"), top_k=n.get("top_k"))
    state["graph"] = G
    state["edges"] = edges
    table = centrality_table(G)
    state["centrality"] = table
    outputs.table("mobility network", "centrality", table, "centrality by city")
    summary = network_summary(G)
    outputs.text("mobility network", "network_summary", summary.summary(), "network summary")


def _ergm(cfg, outputs, state, spec, index):
    from spatialhealth.networks.covariates import edge_covariates
    from spatialhealth.networks.ergm import ergm

    wanted = list(spec["edge_covariates"])
    if "network" in spec:
        from spatialhealth.networks.ergm.datasets import load_edge_covariates, load_network

        G = load_network(spec["network"])
        allcovs = load_edge_covariates(spec["network"]) if wanted else {}
    else:
        G = state["graph"]
        # build exactly the covariates asked for: same_dialect only when named (it needs a dialect attribute)
        allcovs = edge_covariates(G, geo="geo_prox" in wanted, province="same_province" in wanted,
                                  dialect="dialect" if "same_dialect" in wanted else None) if wanted else {}
    covs = {}
    if wanted:
        unknown = [c for c in wanted if c not in allcovs]
        if unknown:
            raise InputError(f"[ergm #{index}] edge_covariates: {', '.join(unknown)} unknown; "
                             f"available: {', '.join(allcovs) or 'geo_prox, same_province, same_dialect'}.")
        covs = {c: getattr(allcovs[c], "to_numpy", lambda m=allcovs[c]: m)() for c in wanted}
    res = ergm(G, spec["formula"], edge_covariates=covs, seed=cfg.seed, progress=False)
    name = spec.get("name") or f"ergm_{index}"
    table = pd.DataFrame({"term": res.params.index, "estimate": res.params.to_numpy(),
                          "std_error": res.bse.to_numpy(), "p_value": res.pvalues.to_numpy()})
    outputs.table("ERGM", name, table, spec["formula"])
    outputs.text("ERGM", name, res.summary(), spec["formula"])
    if spec["gof"]:
        g = res.gof(seed=cfg.seed)
        outputs.table("ERGM", f"{name}_gof", g.frame, f"GOF: {spec['formula']}")
        _figure(outputs, "ERGM", f"{name}_gof", g, f"GOF: {spec['formula']}")


def _qap(cfg, outputs, state, spec, index):
    from spatialhealth.networks.covariates import edge_covariates
    from spatialhealth.networks.qap import qap_regression

    G = state["graph"]
    wanted = list(spec["x"])
    covs = edge_covariates(G, geo="geo_prox" in wanted, province="same_province" in wanted,
                           dialect="dialect" if "same_dialect" in wanted else None)
    unknown = [c for c in wanted if c not in covs]
    if unknown:
        raise InputError(f"[qap #{index}] x: {', '.join(unknown)} unknown; available: {', '.join(covs)}.")
    res = qap_regression(G, {c: covs[c] for c in wanted}, weight=spec["y"], method=spec["method"],
                         family=spec["family"], permutations=_perms(cfg, spec), seed=cfg.seed)
    name = spec.get("name") or f"qap_{index}"
    _emit(outputs, "QAP regression", name, res, f"MRQAP ({spec['method']}): {spec['y']} ~ {' + '.join(wanted)}")


# ---------------------------------------------------------------- efficiency and policy
def _dea(cfg, outputs, state, spec, index):
    from spatialhealth import efficiency

    df = cfg.tables[spec["input"]]
    common = dict(inputs=spec["inputs"], outputs=spec["outputs"], region=spec.get("region"))
    if spec["model"] in ("ccr", "bcc"):
        res = efficiency.dea(df, model=spec["model"], orientation=spec["orientation"], by=spec.get("period"), **common)
    elif spec["model"] == "sbm":
        res = efficiency.sbm(df, undesirable=spec["undesirable"], rts=spec["rts"], by=spec.get("period"), **common)
    else:
        if "group" not in spec:
            raise InputError(f"[dea #{index}] model 'metafrontier' needs `group`.")
        res = efficiency.metafrontier(df, group=spec["group"], undesirable=spec["undesirable"], rts=spec["rts"],
                                      period=spec.get("period"), **common)
    name = spec.get("name") or f"dea_{spec['model']}_{index}"
    _emit(outputs, "DEA", name, res, title=f"DEA {spec['model']}")
    state.setdefault("dea", {})[name] = res


def _did(cfg, outputs, state, spec, index):
    from spatialhealth import policy

    df = cfg.tables[spec["input"]]
    design = dict(outcome=spec["outcome"], treatment=spec["treatment"], region=spec["region"],
                  period=spec["period"], cluster=spec.get("cluster"), controls=tuple(spec["controls"]))
    section = "difference-in-differences"
    name = spec.get("name") or f"did_{slug(spec['outcome'])}"
    bad = sorted(set(spec["estimators"]) - {"twfe", "did2s", "saturated", "lpdid"})
    if bad:
        raise InputError(f"[did] estimators: {', '.join(map(repr, bad))} unknown; "
                         "use twfe, did2s, saturated or lpdid.")
    res = policy.twfe_did(df, **design)
    outputs.table(section, name, res.frame, f"TWFE DiD: {spec['outcome']}")
    outputs.text(section, name, res.summary(), f"TWFE DiD: {spec['outcome']}")
    window = {k: spec[k] for k in ("leads", "lags") if k in spec}
    cmp = policy.compare_estimators(df, estimators=tuple(spec["estimators"]), event=spec["event_study"],
                                    ref=spec["ref"], **design, **window)
    title = f"TWFE and robust estimators: {spec['outcome']}"
    outputs.table(section, f"{name}_estimators", cmp.frame, title)
    outputs.text(section, f"{name}_estimators", cmp.summary(), title)
    if spec["event_study"]:
        outputs.table(section, f"{name}_event_study", cmp.event_frame, f"event study: {spec['outcome']}")
        _figure(outputs, section, f"{name}_event_study", cmp, f"event study: {spec['outcome']}")
    if spec["placebo"]:
        n = min(spec["placebo"], 200) if cfg.settings["run"]["quick"] else spec["placebo"]
        pl = policy.placebo_test(df, permutations=n, seed=cfg.seed, **design)
        _emit(outputs, section, f"{name}_placebo", pl, f"placebo test: {spec['outcome']}")


# ---------------------------------------------------------------- maps and QGIS
def _nodes(cfg, state):
    """City coordinates for flow maps: the run's node table, else the bundled city list."""
    n = cfg.settings.get("network", {})
    if n.get("nodes") and n["nodes"] in cfg.tables:
        return cfg.tables[n["nodes"]]
    from spatialhealth.networks.graph import load_cities

    return load_cities()


def _map(cfg, outputs, state, spec, index):
    from spatialhealth.layers import maps, static_maps

    kind = spec["kind"]
    title = spec.get("title")
    lang = _lang(cfg)
    if kind == "choropleth":
        data = _joined(cfg, state, spec["input"])
        title = title or spec["variable"]
        m = maps.choropleth_map(data, spec["variable"], scheme=spec["scheme"], k=spec["k"],
                                breaks=spec.get("breaks"), title=title, offline=spec["offline"],
                                simplify=state.get("simplify"), lang=lang, name=_label(cfg, spec["input"]))
        name = f"choropleth_{spec['variable']}"
        draw = lambda: static_maps.choropleth(data, spec["variable"], scheme=spec["scheme"], k=spec["k"],  # noqa: E731
                                              breaks=spec.get("breaks"), lang=lang, title=title)
    elif kind == "lisa":
        lisas = state.get("lisa", {})
        var = spec.get("variable") or next(iter(lisas), None)
        if var not in lisas:
            raise InputError(f"[maps #{index}]: no LISA result for {var!r}; add a [[lisa]] with variable = {var!r}.")
        title = title or f"LISA: {var}"
        m = maps.lisa_map(lisas[var], title=title, offline=spec["offline"], simplify=state.get("simplify"),
                          lang=lang)
        name = f"lisa_{var}"
        draw = lambda: static_maps.lisa(lisas[var], lang=lang, title=title)  # noqa: E731
    elif kind == "centrality":
        column = spec.get("variable") or "in_degree"
        title = title or column
        m = maps.centrality_map(state["centrality"], column, title=title, offline=spec["offline"], lang=lang)
        name = f"centrality_{column}"
        draw = lambda: static_maps.centrality(state["centrality"], column, lang=lang, title=title)  # noqa: E731
    else:
        nodes = _nodes(cfg, state)
        title = title or "flows"
        m = maps.flow_map(state["edges"], nodes, title=title, offline=spec["offline"], lang=lang)
        name = "flows"
        draw = lambda: static_maps.flows(state["edges"], nodes, lang=lang, title=title)  # noqa: E731
    outputs.map("maps", name, m, title)
    if spec["static"]:
        _static(cfg, outputs, "maps", name, title, draw)


def _qgis(cfg, outputs, state):
    """One GeoPackage with every spatial result of the run, each layer styled, and a QGIS project."""
    import geopandas as gpd

    from spatialhealth.layers import qgis
    from spatialhealth.layers.maps import flow_lines

    tol = state.get("simplify")

    def web(gdf):
        if not tol:
            return gdf
        gdf = gdf.copy()
        gdf["geometry"] = gdf.geometry.simplify(tol, preserve_topology=True)
        return gdf

    layers = []
    cent = state.get("centrality")
    if cent is not None and {"lon", "lat"} <= set(cent.columns):
        pts = gpd.GeoDataFrame(cent, geometry=gpd.points_from_xy(cent.lon, cent.lat), crs=4326)
        lines = flow_lines(state["edges"], pts, top=150)
        layers.append(qgis.QgisLayer(lines, "flows", qgis.flow_style(lines), "Largest flows (top 150)"))
        layers.append(qgis.QgisLayer(pts, "cities", qgis.graduated_style(pts, "in_degree", palette="viridis",
                                                                         sized=True), "Cities: in-degree"))
    for var, gdf in state.get("lisa", {}).items():
        layers.append(qgis.QgisLayer(web(gdf), f"lisa_{slug(var)}", qgis.lisa_style(lang=_lang(cfg)),
                                     f"LISA clusters: {var}"))
    for spec in cfg.settings.get("maps", []):
        if spec["kind"] == "choropleth":
            gdf = web(_joined(cfg, state, spec["input"]))
            style = qgis.graduated_style(gdf, spec["variable"], scheme=spec["scheme"], k=spec["k"],
                                         breaks=spec.get("breaks"))
            layers.append(qgis.QgisLayer(gdf, f"indicator_{slug(spec['variable'])}", style, spec["variable"]))
    if "boundaries" in state and not layers:
        layers.append(qgis.QgisLayer(web(state["boundaries"]), "regions", qgis.single_style(), "regions"))
    if not layers:
        return
    export = qgis.write_geopackage(layers, outputs.root / "qgis" / "spatialhealth.gpkg",
                                   project=cfg.settings["qgis"]["project"], title=cfg.settings["run"]["title"],
                                   lang=_lang(cfg), inputs=[f.path for f in cfg.files])
    outputs.file("QGIS", "GeoPackage and project", [export.gpkg] + ([export.project] if export.project else []))
    outputs.text("QGIS", "qgis_export", export.summary(), "what QGIS will open")


# ---------------------------------------------------------------- packaged worked examples
def _example(cfg, outputs, state, label):
    """Run one packaged worked example (:mod:`spatialhealth.app.demo`) and list what it wrote."""
    import importlib

    from spatialhealth.app.demo import STEPS, DemoContext, example_module

    modules = dict(STEPS)
    if label not in modules:
        raise InputError(f"[examples] steps: no example {label!r}; available: {', '.join(modules)}.")
    ctx = state.get("_example_ctx")
    if ctx is None:
        ctx = DemoContext(out=outputs.root / "examples", seed=cfg.seed, quick=cfg.settings["run"]["quick"])
        state["_example_ctx"] = ctx
    ctx.out.mkdir(parents=True, exist_ok=True)
    module = example_module(modules[label])
    section = f"example: {label}"
    for path in module.run(ctx) or []:
        path = Path(path)
        title = path.stem.replace("_", " ")
        if path.suffix == ".csv":
            outputs.items.append(Item(section, title, "table", [path], pd.read_csv(path)))
        elif path.suffix == ".png":
            outputs.items.append(Item(section, title, "figure", [path]))
        elif path.suffix == ".html":
            outputs.items.append(Item(section, title, "map", [path]))
        elif path.suffix == ".txt":
            outputs.items.append(Item(section, title, "text", [path], path.read_text(encoding="utf-8")))
        else:
            outputs.items.append(Item(section, title, "file", [path]))
