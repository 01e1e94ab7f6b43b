"""``spatialhealth network``: aggregate OD files, build the graph, tabulate centralities."""

from __future__ import annotations

from pathlib import Path

import typer

network_app = typer.Typer(help="Mobility networks: OD aggregation, city graphs and centralities.",
                          no_args_is_help=True)


@network_app.command("aggregate")
def aggregate(
    source: list[str] = typer.Argument(..., help="CSV/Parquet files or globs (quote globs)."),
    origin: str = typer.Option(..., "--origin", help="Origin column (codes or names)."),
    destination: str = typer.Option(..., "--destination", "-d", help="Destination column."),
    out: Path = typer.Option(..., "--out", "-o", help="Edge table to write (CSV)."),
    weight: str = typer.Option(None, help="Survey-weight column (individual records)."),
    flow: str = typer.Option(None, help="Flow column (city-pair flow rows)."),
    how: str = typer.Option("sum", help="Flow rows: 'sum' or 'mean' per date."),
    date: str = typer.Option(None, help="Date column."),
    start: str = typer.Option(None, help="First date kept (inclusive), e.g. 2020-01-01."),
    end: str = typer.Option(None, help="Last date kept (inclusive)."),
    self_flows: str = typer.Option("drop", help="'drop' or 'keep' origin == destination rows."),
    level: str = typer.Option("city", help="'city', 'county' or 'province'."),
    strict: bool = typer.Option(False, help="Fail if any place does not match."),
    engine: str = typer.Option("duckdb", help="'duckdb' or 'dask'."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (engine dask)."),
    encoding: str = typer.Option(None, help="CSV encoding of every file (detected if omitted)."),
    memory_limit: str = typer.Option(None, help="DuckDB memory limit, e.g. 4GB."),
    report: Path = typer.Option(None, help="Also write the row report here (text)."),
):
    """Aggregate OD records or flow rows to a directed edge table.

    Example: spatialhealth network aggregate "cmds/*.csv" -o hukou_city -d current_city --weight wt --out edges.csv

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    source, origin, destination, out, weight, flow, how, date, start, end, self_flows, level, strict, engine, scheduler, encoding, memory_limit, report
        The arguments and options of the command (``spatialhealth network aggregate --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> r = CliRunner().invoke(app, ["network", "synthetic", "--n", "500", "--out", "rec.csv"])
    >>> print(r.output.strip())
    Wrote 500 SYNTHETIC records to rec.csv
    >>> r = CliRunner().invoke(app, ["network", "aggregate", "rec.csv", "--origin", "hukou_city",
    ...                             "-d", "current_city", "--out", "edges.csv"])
    >>> print(r.output.splitlines()[-1])
    Wrote 490 edges to edges.csv
    """
    from rich.console import Console

    from spatialhealth._io import write_text
    from spatialhealth.networks.od import aggregate_od

    res = aggregate_od(source if len(source) > 1 else source[0], origin, destination, weight,
                       engine, flow=flow, how=how, date=date, start=start, end=end,
                       self_flows=self_flows, level=level, strict=strict, encoding=encoding,
                       memory_limit=memory_limit, client=scheduler)
    res.to_file(out)
    if report is not None:
        write_text(report, res.summary() + "\n")
    Console(stderr=True).print(res.summary(), highlight=False)
    typer.echo(f"Wrote {len(res.edges):,} edges to {out}")


@network_app.command("centrality")
def centrality(
    edges: Path = typer.Argument(..., help="Edge table (origin, destination, flow)."),
    out: Path = typer.Option(..., "--out", "-o", help="Centrality table to write (CSV)."),
    nodes: str = typer.Option("cities", help="Node table (CSV/Parquet with 'code') or 'cities' "
                              "(the shipped city table) or 'edges' (endpoints only)."),
    threshold: float = typer.Option(None, help="Keep edges with flow >= threshold."),
    top_k: int = typer.Option(None, help="Keep each origin's k largest out-edges."),
    share: float = typer.Option(None, help="Keep the largest edges carrying this share of flow."),
    origin: str = typer.Option("origin", help="Origin column of the edge table."),
    destination: str = typer.Option("destination", help="Destination column."),
    flow: str = typer.Option("flow", help="Flow column."),
    weighted_paths: bool = typer.Option(False, help="Betweenness/closeness on 1/flow lengths."),
    betweenness_k: int = typer.Option(None, help="Sample this many sources for betweenness "
                                      "(large graphs)."),
    seed: int = typer.Option(20201101, help="Seed of the betweenness sample."),
    summary: Path = typer.Option(None, help="Also write the network summary here (CSV)."),
):
    """Build the mobility graph from an edge table and write its centrality table.

    Example: spatialhealth network centrality edges.csv --threshold 10 --out centrality.csv

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    edges, out, nodes, threshold, top_k, share, origin, destination, flow, weighted_paths, betweenness_k, seed, summary
        The arguments and options of the command (``spatialhealth network centrality --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> r = CliRunner().invoke(app, ["network", "synthetic", "--n", "500", "--out", "rec.csv"])
    >>> print(r.output.strip())
    Wrote 500 SYNTHETIC records to rec.csv
    >>> r = CliRunner().invoke(app, ["network", "aggregate", "rec.csv", "--origin", "hukou_city",
    ...                             "-d", "current_city", "--out", "edges.csv"])
    >>> print(r.output.splitlines()[-1])
    Wrote 490 edges to edges.csv
    >>> r = CliRunner().invoke(app, ["network", "centrality", "edges.csv", "--out", "c.csv"])
    >>> print(r.output.splitlines()[-1])
    Wrote centralities of 282 nodes to c.csv
    """
    from spatialhealth.io import read_table
    from spatialhealth._io import write_csv
    from spatialhealth.networks.centrality import centrality_table, network_summary
    from spatialhealth.networks.graph import mobility_graph

    table = read_table(edges, dtype={origin: str, destination: str}) \
        if Path(edges).suffix.lower() in (".csv", ".tsv", ".txt") else read_table(edges)
    node_table = None
    if nodes == "cities":
        node_table = "cities"
    elif nodes != "edges":
        node_table = read_table(nodes, dtype={"code": str}) \
            if Path(nodes).suffix.lower() in (".csv", ".tsv", ".txt") else read_table(nodes)
    G = mobility_graph(table, nodes=node_table, threshold=threshold, top_k=top_k, share=share,
                       origin=origin, destination=destination, flow=flow)
    cent = centrality_table(G, weighted_paths=weighted_paths, betweenness_k=betweenness_k, seed=seed)
    write_csv(cent, out)
    s = network_summary(G)
    if summary is not None:
        s.to_file(summary)
    typer.echo(s.summary())
    typer.echo(f"Wrote centralities of {len(cent):,} nodes to {out}")


@network_app.command("synthetic")
def synthetic(
    out: Path = typer.Option(..., "--out", "-o", help="File to write (.csv or .parquet)."),
    n: int = typer.Option(170_000, help="Number of SYNTHETIC migrant records."),
    seed: int = typer.Option(20201101, help="Seed."),
    names: bool = typer.Option(False, help="City names instead of codes."),
    encoding: str = typer.Option("utf-8", help="CSV encoding (e.g. gbk)."),
):
    """Write SYNTHETIC individual migrant records (gravity model among real city centroids).

    Example: spatialhealth network synthetic --n 100000 --out records.csv

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    out, n, seed, names, encoding
        The arguments and options of the command (``spatialhealth network synthetic --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> r = CliRunner().invoke(app, ["network", "synthetic", "--n", "500", "--out", "rec.csv"])
    >>> print(r.output.strip())
    Wrote 500 SYNTHETIC records to rec.csv
    """
    from spatialhealth._io import atomic_path
    from spatialhealth.networks.synthetic import synthetic_records

    r = synthetic_records(n, seed=seed, ids="name" if names else "code")
    with atomic_path(out) as tmp:
        if out.suffix.lower() in (".parquet", ".pq"):
            r.to_parquet(tmp, index=False)
        else:
            r.to_csv(tmp, index=False, encoding=encoding)
    typer.echo(f"Wrote {len(r):,} SYNTHETIC records to {out}")


def register(app: typer.Typer) -> None:
    """Add the ``network`` command group (aggregate, centrality, synthetic) to ``app``.

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
    ['network']
    """
    app.add_typer(network_app, name="network")
