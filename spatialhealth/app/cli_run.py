"""``spatialhealth run`` and ``spatialhealth check``."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``run``, ``check``, ``schema`` commands (the analysis file) to ``app``.

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
    ['run', 'check', 'schema']
    """
    @app.command("run")
    def run(
        config: Path = typer.Argument(..., help="The analysis file (TOML)."),
        out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder (replaced atomically)."),
        seed: int = typer.Option(None, help="Override [run] seed."),
        quick: bool = typer.Option(None, "--quick/--full", help="Fewer permutations and MCMC draws."),
    ):
        """Run every analysis of CONFIG and write tables, figures, maps, QGIS layers and report.html.

        Example: spatialhealth run analysis.toml --out results
        """
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from spatialhealth.app.runner.run import run_analysis

        console = Console(stderr=True)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(), console=console) as progress:
            res = run_analysis(config, out=out, seed=seed, quick=quick, progress=progress)
        console.print(f"[bold green]Wrote {len(res.paths())} files to {out}/ in {res.seconds:.1f} s; "
                      f"open {res.report}")

    @app.command("check")
    def check(config: Path = typer.Argument(..., help="The analysis file (TOML).")):
        """Check an analysis file without running it: every problem is listed at once.

        Example: spatialhealth check analysis.toml
        """
        from spatialhealth.app.runner.config import load_config

        cfg = load_config(config)
        sections = [k for k, v in cfg.settings.items() if v and not k.startswith("_") and k not in ("run", "inputs")]
        typer.echo(f"{config}: OK ({', '.join(sections) or 'no analyses'}; inputs: "
                   f"{', '.join(cfg.settings['inputs']) or 'none'})")

    @app.command("schema")
    def schema():
        """Print every section and key an analysis file may hold.

        Example: spatialhealth schema
        """
        from spatialhealth.app.runner.schema import describe

        typer.echo(describe())
