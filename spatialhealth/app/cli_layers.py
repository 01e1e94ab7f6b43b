"""``spatialhealth weights | moran | lisa | zonal | rasterize``: spatial weights, Moran/LISA and rasters."""

from __future__ import annotations

from pathlib import Path

import typer

from spatialhealth.app._options import split_list

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml")
WEIGHT_FILES = (".gal", ".gwt")


def _codes(df, id_col):
    from spatialhealth._validate import require_columns

    require_columns(df, [id_col], "input")
    df = df.copy()
    s = df[id_col]
    if s.dtype.kind == "f" and (s.dropna() % 1 == 0).all():
        s = s.astype("Int64")
    df[id_col] = s.astype(str)
    return df


def _read(path: Path, id_col: str, layer: str | None = None, encoding: str | None = None):
    """A vector file as a GeoDataFrame, or a CSV/xlsx/parquet table as a DataFrame (codes as text)."""
    from spatialhealth.errors import InputError

    path = Path(path)
    if not path.exists():
        raise InputError(f"Input file {str(path)!r} does not exist.")
    if path.suffix.lower() in VECTOR_SUFFIXES:
        import geopandas as gpd

        return _codes(gpd.read_file(path, layer=layer), id_col)
    from spatialhealth.io import read_table

    return _codes(read_table(path, encoding=encoding), id_col)


def _weights(data, spec: str, id_col: str, islands: str, k: int, metric: str, threshold, power: float, cutoff,
             column, geo: str, transform: str, neighbour_col: str, coordinates=None):
    """Weights from a kind name (built from ``data``), a .gal/.gwt file or a neighbour table file."""
    from spatialhealth.layers.weights import build_weights

    p = Path(spec)
    if p.suffix and coordinates is None and hasattr(data, "geometry"):
        from spatialhealth.layers._weights_build import CHINA_ALBERS

        geom = data.geometry if data.crs is not None and data.crs.is_projected else data.geometry.to_crs(CHINA_ALBERS)
        cen = geom.centroid
        coordinates = data[[id_col]].assign(x=cen.x.to_numpy(), y=cen.y.to_numpy())
    if p.suffix.lower() in WEIGHT_FILES:
        return build_weights(p, islands=islands, transform=transform, coordinates=coordinates, id_col=id_col)
    if p.suffix:  # a neighbour table
        table = _read(p, id_col)
        ids = data[id_col] if data is not None else None
        return build_weights(table, islands=islands, transform=transform, neighbour_col=neighbour_col, ids=ids,
                             id_col=id_col, coordinates=coordinates)
    return build_weights(data, kind=spec, islands=islands, id_col=id_col, k=k, metric=metric, threshold=threshold,
                         power=power, cutoff=cutoff, column=column, geo=geo, transform=transform)


_ISLANDS = typer.Option("nearest", help="Units without neighbours: nearest (link to the nearest unit, "
                                        "reported), keep, raise.")


def register(app: typer.Typer) -> None:
    """Add the ``weights``, ``moran``, ``lisa``, ``zonal``, ``rasterize`` commands (spatial weights, autocorrelation and rasters) to ``app``.

    Parameters
    ----------
    app : typer.Typer
        The ``spatialhealth`` application.

    Examples
    --------
    >>> import typer
    >>> demo = typer.Typer()
    >>> register(demo)
    >>> [c.name for c in demo.registered_commands]
    ['weights', 'moran', 'lisa', 'zonal', 'rasterize']
    """
    @app.command("weights")
    def weights_command(
        data: Path = typer.Argument(..., help="Regions (.gpkg/.geojson/.shp), a neighbour table "
                                             "(.csv with code, neighbour) or a .gal/.gwt file."),
        kind: str = typer.Option("queen", help="queen, rook, knn, distance_band, inverse_distance, economic, nested."),
        islands: str = _ISLANDS,
        id_col: str = typer.Option("code", "--id-col", help="Region-code column."),
        k: int = typer.Option(4, help="Neighbours for kind=knn."),
        metric: str = typer.Option("projected", help="knn distance: projected or great_circle."),
        threshold: float = typer.Option(None, help="Distance band in metres."),
        power: float = typer.Option(1.0, help="Inverse-distance power."),
        cutoff: float = typer.Option(None, help="Inverse-distance cut-off in metres."),
        column: str = typer.Option(None, help="Variable of economic / nested weights."),
        geo: str = typer.Option("inverse_distance", help="Geographic part of nested weights."),
        transform: str = typer.Option("r", help="r (row-standardised), b (binary), o (as built)."),
        neighbour_col: str = typer.Option("neighbour", "--neighbour-col", help="Neighbour column of a table."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the weights (.gal, .gwt, .csv or .parquet)."),
    ):
        """Build spatial weights and print their summary (units, links, neighbours, components, islands).

        Example: spatialhealth weights provinces.gpkg --kind queen --islands nearest --out queen.gal
        """
        from spatialhealth.layers.weights import build_weights

        if data.suffix.lower() in WEIGHT_FILES:
            w = build_weights(data, islands=islands, transform=transform)
        else:
            frame = _read(data, id_col)
            if hasattr(frame, "geometry") or neighbour_col not in frame.columns:
                w = _weights(frame, kind, id_col, islands, k, metric, threshold, power, cutoff, column, geo,
                             transform, neighbour_col)
            else:
                w = build_weights(frame, islands=islands, transform=transform, neighbour_col=neighbour_col,
                                  id_col=id_col)
        typer.echo(w.summary())
        if out is not None:
            w.to_file(out)
            typer.echo(f"Wrote {out}")

    @app.command("moran")
    def moran_command(
        data: Path = typer.Argument(..., help="Regions with the variable (.gpkg/.geojson/.shp), or a table "
                                             "(.csv/.xlsx/.parquet) with --weights naming a .gal/.gwt/neighbour file."),
        column: list[str] = typer.Option(..., "--column", "-c", help="Variable(s) to test (repeatable)."),
        weights: str = typer.Option("queen", help="Weights kind (built from DATA's geometries) or a "
                                                  ".gal/.gwt/neighbour-table file."),
        islands: str = _ISLANDS,
        id_col: str = typer.Option("code", "--id-col"),
        year_col: str = typer.Option(None, "--year-col", help="Long table: one Moran's I per year."),
        permutations: int = typer.Option(999),
        seed: int = typer.Option(None),
        k: int = typer.Option(4, help="Neighbours for --weights knn."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the table (.csv)."),
    ):
        """Global Moran's I (normality, randomisation and folded permutation p), one row per variable or year.

        Example: spatialhealth moran provinces.gpkg --column beds_per_1k --weights queen --seed 1
        """
        import pandas as pd

        from spatialhealth._io import write_csv
        from spatialhealth.layers.autocorrelation import moran, moran_panel

        frame = _read(data, id_col)
        first = frame.drop_duplicates(id_col) if year_col else frame
        w = _weights(first, weights, id_col, islands, k, "projected", None, 1.0, None, None, "inverse_distance",
                     "r", "neighbour")
        rows = []
        for col in column:
            if year_col:
                res = moran_panel(frame, col, w, year_col=year_col, id_col=id_col, permutations=permutations,
                                  seed=seed)
                rows.append(res.frame.assign(variable=col))
            else:
                res = moran(frame, w, permutations=permutations, seed=seed, column=col, id_col=id_col)
                rows.append(res.frame)
            typer.echo(res.summary())
        if out is not None:
            write_csv(pd.concat(rows, ignore_index=True), out)
            typer.echo(f"Wrote {out}")

    @app.command("lisa")
    def lisa_command(
        data: Path = typer.Argument(..., help="Regions with the variable (.gpkg/.geojson/.shp), or a table "
                                             "(.csv/.xlsx/.parquet) with --weights naming a .gal/.gwt/neighbour file."),
        column: str = typer.Option(..., "--column", "-c", help="Variable to analyse."),
        weights: str = typer.Option("queen", help="Weights kind (built from DATA's geometries) or a "
                                                  ".gal/.gwt/neighbour-table file."),
        against: str = typer.Option(None, help="Bivariate LISA: the variable whose spatial lag is used."),
        islands: str = _ISLANDS,
        id_col: str = typer.Option("code", "--id-col"),
        permutations: int = typer.Option(999),
        alpha: float = typer.Option(0.05),
        adjust: str = typer.Option(None, help="Multiple testing: bonferroni or fdr."),
        seed: int = typer.Option(None),
        k: int = typer.Option(4, help="Neighbours for --weights knn."),
        out: Path = typer.Option(Path("lisa_out"), "--out", "-o", help="Output folder."),
    ):
        """Local Moran (LISA): table, GeoPackage, Moran scatter plot and cluster map.

        Example: spatialhealth lisa provinces.gpkg --column beds_per_1k --weights queen --permutations 999 --seed 1 --out lisa_out
        """
        import matplotlib

        matplotlib.use("Agg")
        import geopandas as gpd
        import matplotlib.pyplot as plt
        import pandas as pd

        from spatialhealth._io import save_figure, write_csv, write_text
        from spatialhealth.layers.autocorrelation import lisa, lisa_bv
        from spatialhealth.layers.plots import lisa_cluster_map, moran_scatter

        frame = _read(data, id_col)
        w = _weights(frame, weights, id_col, islands, k, "projected", None, 1.0, None, None, "inverse_distance",
                     "r", "neighbour")
        if against:
            res = lisa_bv(column, against, w, permutations=permutations, alpha=alpha, adjust=adjust, seed=seed,
                          data=frame, id_col=id_col)
        else:
            res = lisa(frame, w, permutations=permutations, alpha=alpha, adjust=adjust, seed=seed, column=column,
                       id_col=id_col)
        name = column if not against else f"{column}_vs_{against}"
        written = [write_text(out / f"lisa_{name}.txt", w.summary() + "\n\n" + res.summary() + "\n"),
                   write_csv(pd.DataFrame(res.frame.drop(columns="geometry", errors="ignore")), out / f"lisa_{name}.csv")]
        fig, ax = plt.subplots(figsize=(5.2, 5.0))
        moran_scatter(res, ax=ax, labels=len(res.frame) <= 60)
        written.append(save_figure(fig, out / f"moran_scatter_{name}.png"))
        if isinstance(res.frame, gpd.GeoDataFrame):
            written.append(res.to_file(out / f"lisa_{name}.gpkg"))
            fig, ax = plt.subplots(figsize=(7, 5.5))
            lisa_cluster_map(res, ax=ax)
            written.append(save_figure(fig, out / f"lisa_clusters_{name}.png"))
        typer.echo(w.summary())
        typer.echo(res.summary())
        for p in written:
            typer.echo(f"Wrote {p}")

    @app.command("zonal")
    def zonal_command(
        raster: Path = typer.Argument(..., help="Raster (GeoTIFF...), e.g. a population grid."),
        regions: Path = typer.Argument(..., help="Region polygons (.gpkg/.geojson/.shp) with a code column."),
        stats: str = typer.Option("sum,mean,count", help="Comma-separated: sum, mean, count, min, max."),
        method: str = typer.Option("centre", help="centre, all_touched or exact (area fractions)."),
        id_col: str = typer.Option("code", "--id-col"),
        band: int = typer.Option(1),
        out: Path = typer.Option(None, "--out", "-o", help="Write the table (.csv)."),
    ):
        """Zonal statistics of a raster over region polygons (regions reprojected to the raster's CRS).

        Example: spatialhealth zonal population.tif counties.gpkg --stats sum --method exact --out pop.csv
        """
        from spatialhealth.layers.raster import zonal_stats

        res = zonal_stats(raster, _read(regions, id_col), stats=split_list(stats),
                          method=method, id_col=id_col, band=band)
        typer.echo(res.summary())
        if out is not None:
            res.to_file(out)
            typer.echo(f"Wrote {out}")

    @app.command("rasterize")
    def rasterize_command(
        regions: Path = typer.Argument(..., help="Region polygons with the column to burn (e.g. a LISA GeoPackage)."),
        column: str = typer.Option(..., "--column", "-c", help="Column to burn (categories get a colour table)."),
        resolution: float = typer.Option(..., help="Cell size in CRS units (metres if projected)."),
        out: Path = typer.Option(..., "--out", "-o", help="GeoTIFF to write."),
        crs: str = typer.Option(None, help="Output CRS (default: the regions' CRS)."),
        classes: int = typer.Option(None, help="Numeric column: write k quantile classes with a colour table."),
        id_col: str = typer.Option("code", "--id-col"),
    ):
        """Rasterise a region-level result to a GeoTIFF with a colour table (LISA colours for clusters).

        Example: spatialhealth rasterize lisa_out/lisa_beds_per_1k.gpkg --column cluster --resolution 10000 --crs EPSG:3415 --out clusters.tif
        """
        from spatialhealth.layers.raster import rasterize

        path = rasterize(_read(regions, id_col), column, out, resolution, crs=crs, classes=classes, id_col=id_col)
        typer.echo(f"Wrote {path}")
