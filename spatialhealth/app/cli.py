"""The ``spatialhealth`` command line (typer).

Subcommands live in the ``cli_*`` modules beside this one, each with
``register(app)``; they import heavy libraries inside the command functions so
that ``spatialhealth --help`` stays fast. An import error in any of them fails
loudly (and fails the tests): nothing is skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(
    name="spatialhealth",
    help="Health-resource allocation research: equity, spatial clustering, mobility networks, "
    "ERGMs, efficiency and policy evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}



@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show the full traceback on errors.")):
    _state["debug"] = debug


@app.command()
def demo(
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder (replaced atomically)."),
    seed: int = typer.Option(None, help="Override the seed of the bundled analysis file."),
    quick: bool = typer.Option(False, help="Fewer permutations and MCMC draws (smoke test)."),
):
    """Run the bundled analysis.toml over the sample data and write everything to OUT.

    The file is spatialhealth/data/analysis.toml (print it with `spatialhealth demo-config`):
    equity measures, weights, Moran and LISA, maps, QGIS layers, a mobility network with
    ERGMs, DEA and DiD, plus the packaged worked examples, and OUT/report.html.

    Example: spatialhealth demo --out out
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from spatialhealth.app.demo import demo_config_path
    from spatialhealth.app.runner.run import run_analysis

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console,
    ) as progress:
        res = run_analysis(demo_config_path(), out=out, seed=seed, quick=quick, progress=progress)
    console.print(f"[bold green]Wrote {len(res.paths())} files to {out}/ in {res.seconds:.0f} s:")
    for path in res.paths():
        console.print(f"  {path}")
    console.print(f"[bold]Open {res.report} for the report.")


@app.command("demo-config")
def demo_config():
    """Print the bundled analysis file that `spatialhealth demo` runs (a template for your own).

    Example: spatialhealth demo-config > analysis.toml
    """
    from spatialhealth.app.demo import demo_config_path

    typer.echo(demo_config_path().read_text(encoding="utf-8"), nl=False)


def _register_subcommands() -> None:
    from . import (cli_efficiency, cli_equity, cli_ergm, cli_layers, cli_maps, cli_networks, cli_policy,
                   cli_run)

    for module in (cli_equity, cli_layers, cli_maps, cli_networks, cli_ergm, cli_efficiency, cli_policy,
                   cli_run):
        module.register(app)


_register_subcommands()


def main(argv=None) -> int:
    """Entry point: run the app, turning our errors into one readable paragraph."""
    from spatialhealth.errors import SpatialHealthError

    try:
        app(args=argv, standalone_mode=False)
    except SpatialHealthError as exc:
        if _state["debug"]:
            raise
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        typer.echo("(run with --debug for the traceback)", err=True)
        return 2
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if _state["debug"]:
            raise
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            return exc.exit_code
        if isinstance(exc, click.exceptions.Abort):
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
