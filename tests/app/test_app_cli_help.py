"""Every command of the CLI documents itself with an example."""

import typer
from typer.testing import CliRunner

from spatialhealth.app.cli import app


def leaf_commands(cmd, path=()):
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from leaf_commands(sub, path + (name,))
    else:
        yield path


def test_every_subcommand_has_help_with_an_example():
    root = typer.main.get_command(app)
    paths = list(leaf_commands(root))
    assert len(paths) >= 15
    runner = CliRunner()
    missing = []
    for path in paths:
        out = runner.invoke(app, [*path, "--help"], terminal_width=200)
        if out.exit_code != 0 or "Example" not in out.output:
            missing.append(" ".join(path))
    assert not missing, f"commands without an example in --help: {missing}"
