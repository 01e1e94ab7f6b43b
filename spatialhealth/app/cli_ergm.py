"""``spatialhealth ergm``: fit an ERGM to an edge list and a node table."""

from __future__ import annotations

from pathlib import Path

import typer


def read_network(edges_path, nodes_path=None, source="from", target="to", node_id="id",
                 directed=True):
    """Build a networkx graph from an edge-list table and an optional node table.

    Nodes are added in the order of the node table (then any node only in the edge
    list), so edge covariate matrices given without labels follow that order.

    Parameters
    ----------
    edges_path : path-like
        Edge list (CSV, xlsx or parquet) with one row per tie.
    nodes_path : path-like, optional
        Node table with an id column and node attributes.
    source, target : str
        Edge-list columns of the sender and the receiver.
    node_id : str
        Node-table column of the node ids.
    directed : bool
        Build a ``networkx.DiGraph`` (default) or a ``networkx.Graph``.

    Returns
    -------
    networkx.DiGraph or networkx.Graph
        The network, node attributes from the node table (missing values left out).

    Raises
    ------
    InputError
        If a column is missing, node ids repeat, an endpoint is not in the node table
        or the edge list has self-loops.

    Examples
    --------
    >>> import pandas as pd
    >>> pd.DataFrame({"from": ["a", "b"], "to": ["b", "c"]}).to_csv("edges.csv", index=False)
    >>> G = read_network("edges.csv")
    >>> sorted(G.edges())
    [('a', 'b'), ('b', 'c')]
    """
    import networkx as nx
    import pandas as pd

    from spatialhealth._validate import require_columns
    from spatialhealth.errors import InputError
    from spatialhealth.io import read_table

    edges = read_table(edges_path)
    require_columns(edges, [source, target], what=f"edge list {edges_path}")
    G = nx.DiGraph() if directed else nx.Graph()
    if nodes_path is not None:
        nodes = read_table(nodes_path)
        require_columns(nodes, [node_id], what=f"node table {nodes_path}")
        if nodes[node_id].duplicated().any():
            dup = nodes.loc[nodes[node_id].duplicated(), node_id].tolist()[:5]
            raise InputError(f"Node ids repeat in {nodes_path} column {node_id!r}: {dup}.")
        for row in nodes.to_dict("records"):
            label = row[node_id]
            attrs = {k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v))}
            G.add_node(label, **attrs)
        known = set(G.nodes())
        unknown = sorted({str(v) for v in pd.concat([edges[source], edges[target]]) if v not in known})
        if unknown:
            raise InputError(f"The edge list names {len(unknown)} node(s) missing from the node table "
                             f"column {node_id!r}, e.g. {unknown[:5]}; expected every endpoint there.")
    loops = edges[edges[source] == edges[target]]
    if len(loops):
        raise InputError(f"The edge list has {len(loops)} self-loop(s), e.g. {loops.iloc[0].tolist()}; "
                         "ERGMs here have no loops: drop those rows.")
    G.add_edges_from(edges[[source, target]].itertuples(index=False, name=None))
    return G


def read_edge_covariate(path, nodes):
    """Read an n x n matrix from CSV: with node labels as header and first column, or bare.

    Parameters
    ----------
    path : path-like
        The CSV file.
    nodes : sequence
        The node ids, in the order of the network's nodes; a bare matrix is taken in
        this order, a labelled one is reordered to it.

    Returns
    -------
    numpy.ndarray
        The ``len(nodes) x len(nodes)`` matrix, as floats.

    Raises
    ------
    InputError
        If the shape fits neither form or a label is not a node id.

    Examples
    --------
    >>> import pandas as pd
    >>> M = pd.DataFrame([[0, 1], [2, 0]], index=["b", "a"], columns=["b", "a"])
    >>> M.to_csv("cov.csv")
    >>> read_edge_covariate("cov.csv", ["a", "b"]).tolist()
    [[0.0, 2.0], [1.0, 0.0]]
    """
    import pandas as pd

    from spatialhealth.errors import InputError

    raw = pd.read_csv(path, header=None)
    n = len(nodes)
    if raw.shape == (n, n):
        return raw.to_numpy(dtype=float)
    if raw.shape == (n + 1, n + 1):
        df = pd.read_csv(path, index_col=0)
        labels = {str(v): v for v in nodes}
        try:
            rows = [labels[str(v)] for v in df.index]
            cols = [labels[str(v)] for v in df.columns]
        except KeyError as exc:
            raise InputError(f"Edge covariate {path}: label {exc.args[0]!r} is not a node id.") from None
        M = pd.DataFrame(df.to_numpy(dtype=float), index=rows, columns=cols)
        return M.loc[list(nodes), list(nodes)].to_numpy(dtype=float)
    raise InputError(f"Edge covariate {path} is {raw.shape[0]} x {raw.shape[1]}; expected {n} x {n} "
                     f"(node order of the node table) or {n + 1} x {n + 1} with node ids as header "
                     "and first column.")


def register(app: typer.Typer) -> None:
    """Add the ``ergm`` command (fit an ERGM to an edge list) to ``app``.

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
    ['ergm']
    """
    @app.command("ergm")
    def ergm_command(
        edges: Path = typer.Argument(..., help="Edge list (CSV/xlsx/parquet) with columns FROM and TO."),
        nodes: Path = typer.Argument(None, help="Node table with an id column and node attributes."),
        formula: str = typer.Option(..., "--formula", "-f", help="statnet-style model, e.g. \"edges + mutual\"."),
        edgecov: list[str] = typer.Option(None, "--edgecov", help="NAME=matrix.csv (repeatable)."),
        directed: bool = typer.Option(True, "--directed/--undirected", help="Directed network (default)."),
        source: str = typer.Option("from", help="Edge list column of the sender."),
        target: str = typer.Option("to", help="Edge list column of the receiver."),
        node_id: str = typer.Option("id", "--id", help="Node table column of node ids."),
        out: Path = typer.Option(Path("ergm_out"), "--out", "-o", help="Output folder."),
        seed: int = typer.Option(20201101, help="Seed of the MCMC."),
        gof_nsim: int = typer.Option(0, "--gof", help="Also simulate this many networks for goodness of fit."),
    ):
        """Fit an ERGM; write ergm_summary.txt, ergm_coefficients.csv, MCMC diagnostics and GOF figures.

        Example: spatialhealth ergm flows.csv cities.csv --formula "edges + mutual + nodeicov('HTH') + edgecov('geo_prox')" --edgecov geo_prox=geo_prox.csv --out results
        """
        from rich.console import Console

        from spatialhealth.errors import InputError
        from spatialhealth.networks.ergm import ergm
        from spatialhealth.app.examples.ergm import write_fit

        console = Console(stderr=True)
        G = read_network(edges, nodes, source=source, target=target, node_id=node_id, directed=directed)
        covs = {}
        for item in edgecov or []:
            if "=" not in item:
                raise InputError(f"--edgecov takes NAME=FILE; {item!r} was given.")
            name, path = item.split("=", 1)
            covs[name.strip()] = read_edge_covariate(Path(path.strip()), list(G.nodes()))
        console.print(f"Fitting {formula} on {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ...")
        res = ergm(G, formula, edge_covariates=covs or None, seed=seed)
        paths = write_fit(res, Path(out), "ergm", gof_nsim=gof_nsim, seed=seed)
        typer.echo(res.summary())
        console.print(f"[bold green]Wrote {len(paths)} files to {out}/")
