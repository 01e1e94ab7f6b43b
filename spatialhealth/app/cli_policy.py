"""``spatialhealth did``: difference-in-differences on a panel table."""

from __future__ import annotations

from pathlib import Path

import typer

from spatialhealth.app._options import split_list


def register(app: typer.Typer) -> None:
    """Add the ``did`` command (difference-in-differences) to ``app``.

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
    ['did']
    """
    @app.command("did")
    def did_command(
        table: Path = typer.Argument(..., help="CSV / xlsx / parquet panel, one row per unit and period."),
        outcome: str = typer.Option(..., "--outcome", "-y", help="Outcome column."),
        unit: str = typer.Option(..., "--unit", "-u", help="Unit identifier column."),
        time: str = typer.Option(..., "--time", "-t", help="Period column (e.g. year)."),
        treatment: str = typer.Option(None, "--treatment", "-d",
                                      help="0/1 treatment column (absorbing)."),
        first_treated: str = typer.Option(None, "--first-treated", "-g",
                                          help="Adoption-period column (0 or empty = never treated); "
                                               "instead of --treatment."),
        cluster: str = typer.Option(None, help="Cluster column of the standard errors (default: unit)."),
        controls: str = typer.Option("", help="Control columns, comma-separated."),
        event_study: bool = typer.Option(False, "--event-study", help="Also estimate leads and lags."),
        leads: int = typer.Option(None, help="Leads in the event-study window (default: all)."),
        lags: int = typer.Option(None, help="Lags in the event-study window (default: all)."),
        ref: int = typer.Option(-1, help="Reference relative period of the event study."),
        robust: bool = typer.Option(True, "--robust/--no-robust",
                                    help="Show Gardner's did2s beside TWFE."),
        placebo: int = typer.Option(0, help="Number of placebo reassignments (0 = none)."),
        seed: int = typer.Option(None, help="Seed of the placebo draws."),
        placebo_shift: int = typer.Option(0, help="In-time placebo: move adoption this many "
                                                  "periods earlier (0 = none)."),
        by: str = typer.Option(None, help="Group column for heterogeneity (e.g. region3)."),
        bacon: bool = typer.Option(False, "--bacon", help="Goodman-Bacon decomposition of TWFE "
                                                        "(balanced panel, no controls)."),
        encoding: str = typer.Option(None, help="Text encoding of a CSV (detected if omitted)."),
        out: Path = typer.Option(None, "--out", "-o", help="Folder for tables and figures."),
    ):
        """Two-way fixed-effects DiD (and did2s, event study, placebo test, heterogeneity).

        Example: spatialhealth did panel.csv --outcome efficiency --treatment pilot --unit code --time year --event-study --placebo 1000 --seed 1 --out did_out
        """
        from spatialhealth._io import save_figure, write_csv, write_text
        from spatialhealth.io import read_table
        from spatialhealth.policy import bacon_decomposition, compare_estimators, heterogeneity, placebo_test, placebo_timing

        df = read_table(table, encoding=encoding)
        ctl = split_list(controls)
        cmp = compare_estimators(df, outcome, unit, time, first_treated, treatment=treatment,
                                 cluster=cluster, controls=ctl,
                                 estimators=("twfe", "did2s") if robust else ("twfe",),
                                 event=event_study, leads=leads, lags=lags, ref=ref)
        texts = [cmp.static["twfe"].summary()]
        if robust:
            texts.append(cmp.summary())
        elif event_study:
            texts.append(cmp.event["twfe"].summary())
        pl = het = bd = None
        if bacon:
            bd = bacon_decomposition(df, outcome, treatment, unit, time, first_treated=first_treated)
            texts.append(bd.summary())
        if placebo > 0:
            pl = placebo_test(df, outcome, treatment, unit, time, cluster, ctl,
                              first_treated=first_treated, n=placebo, seed=seed, progress=True,
                              balance="ignore")
            texts.append(pl.summary())
        if placebo_shift > 0:
            texts.append(placebo_timing(df, outcome, treatment, unit, time, cluster, ctl,
                                        first_treated=first_treated, shift=placebo_shift,
                                        balance="ignore").summary())
        if by:
            het = heterogeneity(df, outcome, treatment, unit, time, by=by, cluster=cluster,
                                controls=ctl, first_treated=first_treated, balance="ignore")
            texts.append(het.summary())
        text = "\n\n".join(texts)
        typer.echo(text)
        if out is not None:
            out = Path(out)
            written = [write_text(out / "did_summary.txt", text + "\n"),
                       write_csv(cmp.frame, out / "did_estimates.csv")]
            if event_study:
                written.append(write_csv(cmp.event_frame, out / "event_study.csv"))
                written.append(save_figure(cmp.plot().figure, out / "event_study.png"))
            if pl is not None:
                written.append(write_csv(pl.frame, out / "placebo_draws.csv"))
                written.append(save_figure(pl.plot().figure, out / "placebo.png"))
            if bd is not None:
                written.append(write_csv(bd.frame, out / "bacon_decomposition.csv"))
            if het is not None:
                written.append(write_csv(het.frame, out / "heterogeneity.csv"))
            for p in written:
                typer.echo(f"wrote {p}")
