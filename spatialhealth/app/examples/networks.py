"""Demo step "mobility network": SYNTHETIC migrant records -> edges -> city graph -> centralities.

Writes under ``ctx.out / "networks"`` (and maps under ``ctx.out / "maps"`` when
the maps capability is present) and leaves for later steps in ``ctx.shared``:

* ``"edges"``: the aggregated edge table (origin, destination, flow, rows);
* ``"mobility_graph"``: the binarised city DiGraph (flow kept as ``weight``;
  node attributes name_zh, lon, lat, population, GDP, PCF, HTH, dialect);
* ``"centrality"``: the centrality table with name_zh, lon, lat;
* ``"edge_covariates"``: ``geo_prox``, ``same_province``, ``same_dialect``
  DataFrames aligned to ``list(G.nodes)``;
* ``"network_summary"``.
"""

from __future__ import annotations

from pathlib import Path

#: records per demo run (about one year of the national migrant dynamic survey)
N_RECORDS = 170_000
#: an edge is kept when its weighted number of migrants reaches this
THRESHOLD = 10.0


def run(ctx) -> list[Path]:
    """Run the mobility network step of the demo: write its tables, figures and notes.

    Parameters
    ----------
    ctx : DemoContext
        The output folder, seed, ``quick`` flag, log and shared results of the demo.

    Returns
    -------
    list of pathlib.Path
        The files written, under ``ctx.out / "networks"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from spatialhealth.app.demo import DemoContext
    >>> paths = run(DemoContext(out=Path("out"), quick=True))  # doctest: +SKIP
    """
    from spatialhealth._io import atomic_path, write_csv, write_text
    from spatialhealth.networks.centrality import centrality_table, network_summary
    from spatialhealth.networks.covariates import edge_covariates
    from spatialhealth.networks.graph import edges_from_graph, load_cities, mobility_graph
    from spatialhealth.networks.od import aggregate_od
    from spatialhealth.networks.synthetic import synthetic_records

    out = Path(ctx.out) / "networks"
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []

    n = 40_000 if ctx.quick else N_RECORDS
    records = synthetic_records(n, seed=ctx.seed, ids="name", stay_share=0.03)
    src = out / "synthetic_migrant_records.parquet"
    with atomic_path(src) as tmp:
        records.to_parquet(tmp, index=False)
    paths.append(src)
    ctx.say(f"networks: {n:,} SYNTHETIC migrant records (gravity model, city names) written")

    res = aggregate_od(src, "hukou_city", "current_city", weight="weight", self_flows="drop")
    paths.append(res.to_file(out / "od_edges_weighted.csv"))
    paths.append(write_text(out / "od_report.txt",
                            "SYNTHETIC data (spatialhealth.networks.synthetic)\n\n" + res.summary() + "\n"))
    ctx.say(f"networks: {len(res.edges):,} city-pair edges from {res.report.rows_used:,} records")

    threshold = THRESHOLD * n / N_RECORDS
    G = mobility_graph(res.edges, nodes=load_cities(), threshold=threshold)
    paths.append(write_csv(edges_from_graph(G), out / "mobility_graph_edges.csv"))
    cent = centrality_table(G)
    paths.append(write_csv(cent, out / "centrality.csv"))
    summary = network_summary(G)
    paths.append(summary.to_file(out / "network_summary.csv"))
    paths.append(write_text(
        out / "network_summary.txt",
        f"SYNTHETIC mobility network: edges with weighted flow >= {threshold:g} migrants\n\n"
        + summary.summary() + "\n\nTop 10 cities by standardised in-degree\n"
        + cent.sort_values(["in_degree_std", "in_strength"], ascending=False).head(10)
        [["code", "name_zh", "in_degree", "in_degree_std", "in_strength", "pagerank"]]
        .to_string(index=False) + "\n"))
    ctx.say(f"networks: graph of {summary.nodes} cities, {summary.edges} edges, "
            f"density {summary.density:.4f}, reciprocity {summary.reciprocity:.3f}")

    ctx.shared["edges"] = res.edges
    ctx.shared["mobility_graph"] = G
    ctx.shared["centrality"] = cent
    ctx.shared["network_summary"] = summary
    ctx.shared["edge_covariates"] = edge_covariates(G)
    paths += _maps(ctx, res.edges, cent)
    return paths


def _maps(ctx, edges, cent) -> list[Path]:
    try:
        from spatialhealth.layers import maps
    except ImportError:
        return []
    if not (hasattr(maps, "centrality_map") and hasattr(maps, "flow_map")):
        return []
    import geopandas as gpd

    points = gpd.GeoDataFrame(cent, geometry=gpd.points_from_xy(cent["lon"], cent["lat"]),
                              crs="EPSG:4326")
    folder = Path(ctx.out) / "maps"
    written = []
    m = maps.centrality_map(points, "in_degree_std", name="name_zh", offline=True,
                            title="Standardised in-degree of the SYNTHETIC mobility network")
    written.append(maps.save_map(m, folder / "mobility_in_degree.html"))
    m = maps.flow_map(edges, points, top=150, offline=True,
                      title="The 150 largest SYNTHETIC migrant flows")
    written.append(maps.save_map(m, folder / "mobility_flows.html"))
    ctx.say("networks: in-degree and flow maps written")
    return written
