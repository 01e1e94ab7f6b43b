"""The ``spatialhealth`` command line (typer).

Subcommands of each capability live in ``_cli`` modules of its subpackage,
each with ``register(app)``; they import heavy libraries inside the command
functions so that ``spatialhealth --help`` stays fast.
"""

from __future__ import annotations

import importlib
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

#: modules that add subcommands through ``register(app)``
SUBCOMMAND_MODULES = [
    "spatialhealth.equity._cli",
    "spatialhealth.layers._cli",
    "spatialhealth.layers._cli_maps",
    "spatialhealth.networks._cli",
    "spatialhealth.networks.ergm._cli",
    "spatialhealth.efficiency._cli",
    "spatialhealth.policy._cli",
    "spatialhealth.runner._cli",
]


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show the full traceback on errors.")):
    _state["debug"] = debug


@app.command()
def demo(
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    seed: int = typer.Option(20201101, help="Seed for every random procedure."),
    quick: bool = typer.Option(False, help="Fewer permutations and MCMC draws (smoke test)."),
    step: list[str] = typer.Option(None, "--step", help="Run only these steps (repeatable)."),
):
    """Run every capability on the bundled sample data and write the results to OUT.

    Example: spatialhealth demo --out out
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .demo import run_demo

    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        written = run_demo(out, seed=seed, quick=quick, steps=step or None,
                           log=progress.console.print, progress=progress)
    console.print(f"[bold green]Wrote to {out}/:")
    for label, paths in written.items():
        console.print(f"[bold]{label}")
        for p in paths:
            try:
                shown = Path(p).relative_to(out)
            except ValueError:
                shown = p
            console.print(f"  {shown}")


def _register_subcommands() -> None:
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        module.register(app)


_register_subcommands()


def main(argv=None) -> int:
    """Entry point: run the app, turning our errors into one readable paragraph."""
    from .errors import SpatialHealthError

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
