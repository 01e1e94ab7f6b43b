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

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Parameters
    ----------
    out, seed, quick
        The arguments and options of the command (``spatialhealth demo --help``
        describes each).

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> CliRunner().invoke(app, ["demo", "--quick", "--out", "out"]).exit_code  # doctest: +SKIP
    0
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

    .. ``--help`` stops at the form feed: the sections below are for the API docs

    Examples
    --------
    >>> from typer.testing import CliRunner
    >>> from spatialhealth.app.cli import app
    >>> print(CliRunner().invoke(app, ["demo-config"]).output.splitlines()[0])
    # The demo run: every capability of spatialhealth on the bundled sample data.
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


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C so that temporary files are removed."""


def _click_exception_types():
    """The usage-error and abort classes of click and of typer's bundled copy of click."""
    import click

    usage, abort = [click.exceptions.ClickException], [click.exceptions.Abort]
    bundled = getattr(getattr(__import__("typer.core").core, "_click", None), "exceptions", None)
    if bundled is not None:
        usage.append(getattr(bundled, "ClickException", click.exceptions.ClickException))
        abort.append(getattr(bundled, "Abort", click.exceptions.Abort))
    return tuple(dict.fromkeys(usage)), tuple(dict.fromkeys(abort))


def main(argv=None) -> int:
    """Entry point: run the app; every error is one readable paragraph and a non-zero exit code.

    Exit codes: 0 success, 2 bad input or usage, 130 interrupted (Ctrl-C), 143 terminated
    (SIGTERM); interrupted runs remove their temporary files and replace nothing.

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments after ``spatialhealth``; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        The exit code.

    Examples
    --------
    >>> main(["qgis-plugin", "path"])  # doctest: +ELLIPSIS
    /...qgis_plugin
    0
    """
    import signal

    from spatialhealth.errors import SpatialHealthError

    usage_errors, aborts = _click_exception_types()

    def _on_term(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, _on_term)
    except ValueError:  # not the main thread (e.g. called from a test runner's worker thread)
        previous = None
    try:
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int) and result == 130:
            raise KeyboardInterrupt
    except Terminated:
        typer.secho("Stopped (terminated): temporary files were removed and no earlier output was replaced.",
                    fg=typer.colors.RED, err=True)
        return 143
    except (KeyboardInterrupt, *aborts):
        typer.secho("Interrupted: temporary files were removed and no earlier output was replaced.",
                    fg=typer.colors.RED, err=True)
        return 130
    except usage_errors as exc:
        exc.show()
        return int(getattr(exc, "exit_code", 2) or 2)
    except SpatialHealthError as exc:
        if _state["debug"]:
            raise
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        typer.echo("(run with --debug for the traceback)", err=True)
        return 2
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        if _state["debug"]:
            raise
        typer.secho(f"Error: {exc}", fg=typer.colors.RED, err=True)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
