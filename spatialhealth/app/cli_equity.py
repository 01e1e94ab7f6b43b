"""``spatialhealth equity``: one equity measure on a table, from the command line."""

from __future__ import annotations

from pathlib import Path

import typer

from spatialhealth.app._options import split_list

MEASURES = ("gini", "theil", "concentration", "dagum", "entropy", "rsr", "cluster", "gm11")


def run_measure(df, measure: str, *, resource=None, population=None, group=None, rank_by=None,
                value=None, columns=(), negative=(), levels=3, n_clusters=3, kind="L", by="auto",
                year="year", steps=3):
    """One measure by name, through the runner's dispatcher (:func:`~spatialhealth.app.runner.analyses.equity_result`).

    ``by="auto"`` uses a ``year`` column when the table has one; ``None`` pools all rows.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per region (and year).
    measure : {"gini", "theil", "concentration", "dagum", "entropy", "rsr", "cluster", "gm11"}
        The measure to compute.
    resource, population, group, rank_by, value : str, optional
        Columns the measure needs (the ``spatialhealth equity`` options of the same
        names); ``value`` is also the series of ``gm11``.
    columns, negative : sequence of str
        Indicator columns, and those where smaller is better (entropy, rsr, cluster).
    levels, n_clusters, kind, steps
        RSR grades, number of clusters, Theil index kind (``"L"`` or ``"T"``) and GM(1,1)
        forecast steps.
    by : str or None
        Period column, ``"auto"`` or ``None``.
    year : str
        Time column of ``gm11``.

    Returns
    -------
    spatialhealth._results.Result
        The measure's result object (e.g. :class:`~spatialhealth.equity.gini.GiniResult`).

    Raises
    ------
    InputError
        If the measure is unknown or a column it needs is not given.

    Examples
    --------
    >>> from spatialhealth.app.examples.equity import province_table
    >>> res = run_measure(province_table(), "gini", resource="beds", population="population")
    >>> round(res.value, 4)
    0.0797
    """
    from spatialhealth._validate import one_of
    from spatialhealth.app.runner.analyses import EQUITY_NEEDS, equity_result
    from spatialhealth.errors import InputError

    one_of(measure, MEASURES, "measure")
    given = {"resource": resource, "population": population, "rank_by": rank_by, "value": value,
             "group": group, "columns": columns, "series": value}
    options = {"rank_by": "--rank-by", "series": "--value"}
    missing = [options.get(k, f"--{k}") for k in EQUITY_NEEDS[measure] if not given.get(k)]
    if missing:
        raise InputError(f"The {measure} measure needs {', '.join(missing)}.")
    if by == "auto":
        by = "year" if "year" in df.columns else None
    spec = {"measure": measure, "resource": resource, "population": population, "group": group or None,
            "rank_by": rank_by, "value": value, "columns": list(columns), "negative": list(negative),
            "levels": levels, "n_clusters": n_clusters, "kind": kind, "steps": steps,
            "year": by if measure != "gm11" else year, "series": value}
    if measure == "dagum":
        spec["year"] = by
    return equity_result(df, spec)[0]


def register(app: typer.Typer) -> None:
    """Add the ``equity`` command (one equity measure of a table) to ``app``.

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
    ['equity']
    """
    @app.command("equity")
    def equity_command(
        measure: str = typer.Argument(..., help="gini | theil | concentration | dagum | entropy | rsr | "
                                                "cluster | gm11"),
        table: Path = typer.Argument(..., help="CSV / xlsx / parquet, one row per region (and year)."),
        resource: str = typer.Option(None, help="Resource column (gini, theil, concentration)."),
        population: str = typer.Option(None, help="Population column (gini, theil, concentration)."),
        group: str = typer.Option(None, help="Group column or scheme region3/region4/zone6 (theil, dagum; "
                                             "the series id for gm11)."),
        rank_by: str = typer.Option(None, "--rank-by", help="Ranking variable (concentration)."),
        value: str = typer.Option(None, help="Value column (dagum; the series for gm11)."),
        columns: str = typer.Option(None, help="Indicator columns, comma-separated (entropy, rsr, cluster)."),
        negative: str = typer.Option("", help="Indicators where smaller is better, comma-separated."),
        levels: int = typer.Option(3, help="RSR grades (3, 4 or 5)."),
        n_clusters: int = typer.Option(3, "--clusters", help="Number of clusters."),
        kind: str = typer.Option("L", help="Theil index: L (the papers' sum P ln(P/Y)) or T."),
        by: str = typer.Option("auto", help="Period column; 'auto' uses `year` if present, 'none' pools."),
        steps: int = typer.Option(3, help="GM(1,1) forecast steps."),
        encoding: str = typer.Option(None, help="Text encoding of a CSV (detected if omitted)."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the result table to this CSV."),
        figure: Path = typer.Option(None, "--figure", help="Save the result's figure (PNG/SVG/PDF)."),
    ):
        """Compute one equity measure and print its summary.

        Example: spatialhealth equity theil provinces.csv --resource beds --population pop --group region3 --out theil.csv
        """
        from spatialhealth.io import read_table

        df = read_table(table, encoding=encoding)
        res = run_measure(df, measure, resource=resource, population=population, group=group,
                          rank_by=rank_by, value=value, columns=split_list(columns), negative=split_list(negative),
                          levels=levels, n_clusters=n_clusters, kind=kind,
                          by=None if by.lower() == "none" else by, steps=steps)
        typer.echo(res.summary())
        if out is not None:
            res.to_file(out)
            typer.echo(f"wrote {out}")
        if figure is not None:
            import matplotlib

            matplotlib.use("Agg")
            from spatialhealth._io import save_figure

            ax = res.plot()
            save_figure(ax.figure, figure)
            typer.echo(f"wrote {figure}")
