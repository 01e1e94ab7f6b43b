"""``spatialhealth dea``: DEA scores (and meta-frontier TGR) for a table."""

from __future__ import annotations

from pathlib import Path

import typer

from spatialhealth.app._options import split_list


def register(app: typer.Typer) -> None:
    """Add the ``dea`` command (data envelopment analysis) to ``app``.

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
    ['dea']
    """
    @app.command("dea")
    def dea_command(
        table: Path = typer.Argument(..., help="CSV / xlsx / parquet with one row per unit."),
        inputs: str = typer.Option(..., "--inputs", "-i", help="Input columns, comma-separated."),
        outputs: str = typer.Option(..., "--outputs", "-y", help="Desirable output columns, comma-separated."),
        undesirable: str = typer.Option("", "--undesirable", "-b",
                                        help="Undesirable output columns (SBM models)."),
        model: str = typer.Option("sbm", help="sbm | ddf (SBM directional distance function) | ccr | bcc."),
        direction: str = typer.Option("observed", help="SBM-DDF direction: observed | mean | ones."),
        ddf_efficiency: str = typer.Option("1/(1+beta)", help="SBM-DDF efficiency reported: "
                                           "1/(1+beta) | 1-beta | beta."),
        rts: str = typer.Option("crs", help="crs | vrs (SBM models; CCR is crs, BCC vrs)."),
        orientation: str = typer.Option("input", help="input | output (CCR/BCC)."),
        by: str = typer.Option("", help="Columns defining separate frontiers, e.g. year."),
        group: str = typer.Option("", help="Group column for a meta-frontier analysis (TGR)."),
        time: str = typer.Option("", help="Time column for the meta-frontier."),
        frontier: str = typer.Option("contemporaneous", help="contemporaneous | pooled (with --time)."),
        unit: str = typer.Option("", help="Column naming the units."),
        encoding: str = typer.Option(None, help="Text encoding of a CSV (detected if omitted)."),
        out: Path = typer.Option(None, "--out", "-o", help="Write the per-unit table to this CSV."),
    ):
        """Efficiency scores, slacks and targets (or group/meta-frontier TGR) for each unit.

        Example: spatialhealth dea panel.csv --inputs beds,doctors --outputs visits --undesirable deaths --model sbm --group region3 --time year --out dea.csv
        """
        from spatialhealth._validate import one_of
        from spatialhealth.io import read_table
        from spatialhealth.efficiency.metafrontier import metafrontier
        from spatialhealth.efficiency.radial import dea
        from spatialhealth.efficiency.sbm import sbm

        one_of(model, ("sbm", "ddf", "ccr", "bcc"), "--model")
        df = read_table(table, encoding=encoding)
        ins, outs, bads = split_list(inputs), split_list(outputs), split_list(undesirable)
        kind = "sbm" if model in ("sbm", "ddf") else model
        ddf = {"direction": direction, "ddf_efficiency": ddf_efficiency} if model == "ddf" else {}
        if group:
            res = metafrontier(df, ins, outs, group, bads, model=kind, rts=rts, orientation=orientation,
                               time=time or None, frontier=frontier, unit=unit or None, **ddf)
        elif kind == "sbm":
            res = sbm(df, ins, outs, bads, rts=rts, by=split_list(by) or None, unit=unit or None, **ddf)
        else:
            if bads:
                from spatialhealth.errors import InputError

                raise InputError("Undesirable outputs need --model sbm or ddf; "
                                 f"--model {model} was given.")
            res = dea(df, ins, outs, model=model, orientation=orientation, by=split_list(by) or None,
                      unit=unit or None)
        typer.echo(res.summary())
        if out is not None:
            res.to_file(out)
            typer.echo(f"wrote {out}")
