"""``spatialhealth map ...`` (web maps and styled QGIS layers) and ``spatialhealth qgis-plugin``.

The ``map lisa`` / ``map centrality`` commands are also what the QGIS plugin
runs through a subprocess: they read plain files, compute, and write a styled
GeoPackage that QGIS opens with its default styles.
"""

from __future__ import annotations

from pathlib import Path

import typer

map_app = typer.Typer(help="Web maps (folium HTML) and styled layers for QGIS.", no_args_is_help=True)
plugin_app = typer.Typer(help="The spatialhealth QGIS plugin (Processing provider).", no_args_is_help=True)


def _read_vector(path: Path, layer: str | None):
    import geopandas as gpd

    from spatialhealth.errors import InputError

    if not Path(path).exists():
        raise InputError(f"Input file {str(path)!r} does not exist.")
    gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    return gdf


def _codes_as_text(df, column):
    from spatialhealth._validate import require_columns

    require_columns(df, [column], "input")
    df = df.copy()
    s = df[column]
    if s.dtype.kind == "f" and (s.dropna() % 1 == 0).all():
        s = s.astype("Int64")
    df[column] = s.astype("string")
    return df


def _read_table(path: Path, layer: str | None = None):
    """CSV/xlsx/parquet via spatialhealth.io, or an attribute table of a GeoPackage."""
    import pandas as pd

    if Path(path).suffix.lower() in (".gpkg", ".fgb", ".geojson", ".shp", ".sqlite"):
        import pyogrio

        return pd.DataFrame(pyogrio.read_dataframe(path, layer=layer, read_geometry=False))
    from spatialhealth.io import read_table

    return read_table(path)


def _read_nodes(path: Path, layer: str | None, code: str, lon: str, lat: str):
    import geopandas as gpd

    if Path(path).suffix.lower() in (".csv", ".xlsx", ".xls", ".parquet", ".tsv", ".txt"):
        from spatialhealth._validate import require_columns

        tab = _read_table(path)
        require_columns(tab, [code, lon, lat], f"node table {path}")
        return gpd.GeoDataFrame(tab, geometry=gpd.points_from_xy(tab[lon], tab[lat]), crs=4326)
    return _read_vector(path, layer)


def register(app: typer.Typer) -> None:
    """Add the ``map`` and ``qgis-plugin`` command groups to ``app``.

    Parameters
    ----------
    app : typer.Typer
        The ``spatialhealth`` application.

    Examples
    --------
    >>> import typer
    >>> demo = typer.Typer()
    >>> register(demo)
    >>> [g.name for g in demo.registered_groups]
    ['map', 'qgis-plugin']
    """
    app.add_typer(map_app, name="map")
    app.add_typer(plugin_app, name="qgis-plugin")


@map_app.command("lisa")
def lisa_command(
    input: Path = typer.Argument(..., help="Polygon layer (GeoPackage, shapefile, GeoJSON, FlatGeobuf)."),
    out: Path = typer.Argument(..., help="GeoPackage to write (layer 'lisa', styled)."),
    column: str = typer.Option(..., "--column", "-c", help="Numeric indicator to analyse."),
    layer: str = typer.Option(None, "--layer", help="Layer of INPUT (default: the first)."),
    id_col: str = typer.Option("code", "--id", help="Region-code column."),
    weights: str = typer.Option("queen", "--weights", help="queen, rook or knn."),
    k: int = typer.Option(4, "--k", help="Neighbours for --weights knn."),
    permutations: int = typer.Option(999, "--permutations", help="Conditional permutations."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    adjust: str = typer.Option("none", "--adjust", help="none, bonferroni or fdr."),
    seed: int = typer.Option(20201101, "--seed", help="Seed of the permutations."),
    html: Path = typer.Option(None, "--html", help="Also write an offline LISA map here."),
    project: bool = typer.Option(True, "--project/--no-project", help="Also write OUT's .qgz project."),
):
    """Local Moran (LISA) of a column; write a GeoPackage styled by cluster (HH/LH/LL/HL/ns).

    Example: spatialhealth map lisa provinces.gpkg lisa.gpkg --column beds_10k --weights queen --html lisa.html

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    input, out, column, layer, id_col, weights, k, permutations, alpha, adjust, seed, html, project
        The arguments and options of the command (``spatialhealth map lisa --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["map", "lisa", "provinces.gpkg", "lisa.gpkg", "-c", "beds_10k"])  # doctest: +SKIP
    """
    from spatialhealth.layers import maps, qgis
    from spatialhealth.layers.autocorrelation import lisa
    from spatialhealth.layers.weights import build_weights

    gdf = _codes_as_text(_read_vector(input, layer), id_col)
    w = build_weights(gdf, kind=weights, id_col=id_col, k=k)
    res = lisa(gdf, w, permutations=permutations, alpha=alpha,
               adjust=None if adjust == "none" else adjust, seed=seed, column=column, id_col=id_col)
    frame = res.frame
    keep = [c for c in frame.columns if c not in ("significant",)]
    frame = frame[keep]
    qgis.write_geopackage([qgis.QgisLayer(frame, "lisa", qgis.lisa_style(), f"LISA clusters: {column}")],
                          out, project=project)
    if html is not None:
        maps.save_map(maps.lisa_map(frame, offline=True, title=f"LISA clusters of {column}"), html)
    typer.echo(res.summary())
    typer.echo(f"Wrote {out}")


@map_app.command("centrality")
def centrality_command(
    edges: Path = typer.Argument(..., help="OD table (CSV/xlsx/parquet, or a GeoPackage table)."),
    nodes: Path = typer.Argument(..., help="City points or polygons (vector file), or CSV with lon/lat."),
    out: Path = typer.Argument(..., help="GeoPackage to write (layers 'cities' and 'flows', styled)."),
    measure: str = typer.Option("pagerank", "--measure", "-m", help="Centrality to map (pagerank, "
                                "betweenness, in_strength, out_strength, in_degree, ...)."),
    origin: str = typer.Option("origin", help="Origin column of EDGES."),
    destination: str = typer.Option("destination", help="Destination column of EDGES."),
    flow: str = typer.Option("flow", help="Flow column of EDGES."),
    code: str = typer.Option("code", help="Code column of NODES."),
    edges_layer: str = typer.Option(None, "--edges-layer", help="Table of EDGES if it is a GeoPackage."),
    nodes_layer: str = typer.Option(None, "--nodes-layer", help="Layer of NODES."),
    lon: str = typer.Option("lon", help="Longitude column when NODES is a table."),
    lat: str = typer.Option("lat", help="Latitude column when NODES is a table."),
    top: int = typer.Option(200, "--top", help="Flow lines to keep (largest; 0 keeps all)."),
    html: Path = typer.Option(None, "--html", help="Also write an offline centrality + flow map here."),
    project: bool = typer.Option(True, "--project/--no-project", help="Also write OUT's .qgz project."),
):
    """Centralities of the mobility network; write cities (graduated) and flows (sized lines).

    Example: spatialhealth map centrality flows.csv cities.gpkg network.gpkg --measure pagerank --top 100

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    edges, nodes, out, measure, origin, destination, flow, code, edges_layer, nodes_layer, lon, lat, top, html, project
        The arguments and options of the command (``spatialhealth map centrality --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["map", "centrality", "flows.csv", "cities.gpkg", "network.gpkg"])  # doctest: +SKIP
    """
    from spatialhealth.errors import InputError
    from spatialhealth.networks.centrality import centrality_table
    from spatialhealth.networks.graph import mobility_graph
    from spatialhealth.layers import maps, qgis

    e = _read_table(edges, edges_layer)
    for c in (origin, destination):
        e = _codes_as_text(e, c)
    geo = _codes_as_text(_read_nodes(nodes, nodes_layer, code, lon, lat), code)
    G = mobility_graph(e, origin=origin, destination=destination, flow=flow)
    table = centrality_table(G)
    if measure not in table.columns or measure == "code":
        raise InputError(f"Unknown centrality {measure!r}; use one of "
                         f"{', '.join(c for c in table.columns if c != 'code')}.")
    table["code"] = table["code"].astype(str)
    geo_cols = [c for c in geo.columns if c not in table.columns or c == code]
    cities = geo[geo_cols].merge(table.rename(columns={"code": code}), on=code, how="inner")
    if cities.empty:
        raise InputError(f"No code of the edge table matches NODES column {code!r}.")
    if set(cities.geom_type) - {"Point"}:
        cities = cities.set_geometry(cities.geometry.representative_point())
    lines = maps.flow_lines(e, geo, origin=origin, destination=destination, flow=flow,
                            node_code=code, top=top or None)
    qgis.write_geopackage(
        [qgis.QgisLayer(cities, "cities", qgis.graduated_style(cities, measure, palette="viridis",
                                                                sized=True), f"Cities: {measure}"),
         qgis.QgisLayer(lines, "flows", qgis.flow_style(lines, "flow"), "Flows")],
        out, project=project)
    if html is not None:
        m = maps.flow_map(e, geo, origin=origin, destination=destination, flow=flow, node_code=code,
                          top=top or None, offline=True, show_nodes=False, title=f"Mobility: {measure}")
        maps.centrality_map(cities, measure, m=m, layer_name=measure)
        maps.save_map(m, html)
    typer.echo(f"{len(cities)} cities, {len(lines)} flow lines; wrote {out}")


@map_app.command("html")
def html_command(
    input: Path = typer.Argument(..., help="Vector layer."),
    out: Path = typer.Argument(..., help="HTML file to write."),
    column: str = typer.Option(..., "--column", "-c", help="Column to map (LISA codes for --kind lisa)."),
    kind: str = typer.Option("choropleth", "--kind", help="choropleth, lisa or centrality."),
    layer: str = typer.Option(None, "--layer", help="Layer of INPUT."),
    scheme: str = typer.Option("quantiles", help="quantiles, natural_breaks, equal_interval or user."),
    k: int = typer.Option(5, "--k", help="Number of classes."),
    breaks: str = typer.Option(None, "--breaks", help="User class upper bounds, comma-separated."),
    palette: str = typer.Option("YlOrRd", help="Sequential palette."),
    title: str = typer.Option(None, help="Map title."),
    offline: bool = typer.Option(True, "--offline/--online", help="Self-contained page (default) or "
                                 "a page with a basemap and CDN assets."),
    simplify: float = typer.Option(None, help="Simplify polygons (tolerance in degrees)."),
):
    """Draw an interactive map of one column as an HTML page.

    Example: spatialhealth map html provinces.gpkg beds.html --column beds_10k --scheme natural_breaks --k 5

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    input, out, column, kind, layer, scheme, k, breaks, palette, title, offline, simplify
        The arguments and options of the command (``spatialhealth map html --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["map", "html", "provinces.gpkg", "beds.html", "-c", "beds_10k"])  # doctest: +SKIP
    """
    from spatialhealth.errors import InputError
    from spatialhealth.layers import maps

    gdf = _read_vector(input, layer)
    b = [float(x) for x in breaks.split(",")] if breaks else None
    if kind == "lisa":
        m = maps.lisa_map(gdf, column, title=title, offline=offline, simplify=simplify)
    elif kind == "choropleth":
        m = maps.choropleth_map(gdf, column, scheme=scheme, k=k, breaks=b, palette=palette, title=title,
                                offline=offline, simplify=simplify)
    elif kind == "centrality":
        m = maps.centrality_map(gdf, column, scheme=scheme, k=k, breaks=b, palette=palette, title=title,
                                offline=offline, simplify=simplify)
    else:
        raise InputError(f"--kind must be choropleth, lisa or centrality; {kind!r} was given.")
    maps.save_map(m, out)
    typer.echo(f"Wrote {out}")


@map_app.command("export")
def export_command(
    input: Path = typer.Argument(..., help="Vector layer."),
    out: Path = typer.Argument(..., help=".gpkg (layer_styles + project), .fgb, .geojson or .shp (+ .qml)."),
    column: str = typer.Option(..., "--column", "-c", help="Column the style classifies."),
    style: str = typer.Option("graduated", help="graduated or lisa."),
    layer: str = typer.Option(None, "--layer", help="Layer of INPUT."),
    name: str = typer.Option(None, "--name", help="Layer name in the GeoPackage (default: OUT's stem)."),
    scheme: str = typer.Option("quantiles", help="quantiles, natural_breaks, equal_interval or user."),
    k: int = typer.Option(5, "--k", help="Number of classes."),
    breaks: str = typer.Option(None, "--breaks", help="User class upper bounds, comma-separated."),
    palette: str = typer.Option("YlOrRd", help="Sequential palette."),
):
    """Write a layer for QGIS with its style (the same classes and colours as the web maps).

    Example: spatialhealth map export provinces.gpkg beds.gpkg --column beds_10k --scheme natural_breaks

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    input, out, column, style, layer, name, scheme, k, breaks, palette
        The arguments and options of the command (``spatialhealth map export --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["map", "export", "provinces.gpkg", "beds.gpkg", "-c", "beds_10k"])  # doctest: +SKIP
    """
    import re

    from spatialhealth.errors import InputError
    from spatialhealth.layers import qgis

    gdf = _read_vector(input, layer)
    b = [float(x) for x in breaks.split(",")] if breaks else None
    if style == "lisa":
        st = qgis.lisa_style(column)
    elif style == "graduated":
        st = qgis.graduated_style(gdf, column, scheme=scheme, k=k, breaks=b, palette=palette)
    else:
        raise InputError(f"--style must be graduated or lisa; {style!r} was given.")
    if out.suffix.lower() == ".gpkg":
        lname = name or re.sub(r"\W", "_", out.stem)
        qgis.write_geopackage([qgis.QgisLayer(gdf, lname, st)], out)
    else:
        qgis.write_layer(gdf, out, st)
    typer.echo(f"Wrote {out}")


@map_app.command("raster-style")
def raster_style_command(
    raster: Path = typer.Argument(..., help="GeoTIFF."),
    band: int = typer.Option(1, help="Band to style."),
    scheme: str = typer.Option("quantiles", help="quantiles, natural_breaks, equal_interval or user."),
    k: int = typer.Option(5, "--k", help="Number of classes."),
    palette: str = typer.Option("YlOrRd", help="Sequential palette."),
):
    """Write RASTER's sidecar .qml (discrete colour classes) so QGIS opens it styled.

    Example: spatialhealth map raster-style beds_density.tif --scheme natural_breaks --k 6

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    raster, band, scheme, k, palette
        The arguments and options of the command (``spatialhealth map raster-style --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["map", "raster-style", "beds_density.tif"])  # doctest: +SKIP
    """
    from spatialhealth.layers import qgis

    path = qgis.write_raster_style(raster, band=band, scheme=scheme, k=k, palette=palette)
    typer.echo(f"Wrote {path}")


@plugin_app.command("install")
def plugin_install(
    profile_dir: Path = typer.Option(None, "--profile-dir", help="QGIS profile folder (default: the "
                                     "'default' profile of this user)."),
    executable: str = typer.Option(None, "--executable", help="spatialhealth executable the plugin "
                                   "runs (default: the one of this environment)."),
):
    """Copy the QGIS plugin into a QGIS profile and point it at this environment's executable.

    Example: spatialhealth qgis-plugin install --profile-dir ~/.local/share/QGIS/QGIS3/profiles/default

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    profile_dir, executable
        The arguments and options of the command (``spatialhealth qgis-plugin install --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["qgis-plugin", "install"])  # doctest: +SKIP
    """
    from spatialhealth.layers._qgis_install import install_plugin

    target = install_plugin(profile_dir, executable)
    typer.echo(f"Installed the plugin into {target}")
    typer.echo("Enable it in QGIS: Plugins > Manage and Install Plugins > Installed > spatialhealth.")


@plugin_app.command("path")
def plugin_path():
    """Print the folder of the plugin shipped in this package.

    Example: spatialhealth qgis-plugin path

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> print(CliRunner().invoke(app, ["qgis-plugin", "path"]).output)  # doctest: +ELLIPSIS
    /...qgis_plugin
    """
    from spatialhealth.layers._qgis_install import plugin_source

    typer.echo(str(plugin_source()))
