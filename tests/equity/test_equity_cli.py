"""`spatialhealth equity` (registered from spatialhealth.app.cli_equity)."""

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from spatialhealth.app import cli_equity as _cli
from spatialhealth.equity import gini, theil


@pytest.fixture
def app():
    app = typer.Typer()

    @app.callback()
    def _root():
        pass

    _cli.register(app)
    return app


@pytest.fixture
def csv(tmp_path):
    df = pd.DataFrame({"code": ["110000", "120000", "340000", "360000", "510000", "620000"],
                       "beds": [12.7, 6.8, 36.0, 26.0, 64.0, 17.0],
                       "doctors": [34.8, 14.3, 50.0, 38.0, 80.0, 22.0],
                       "pop": [21.9, 13.9, 61.0, 45.2, 83.7, 25.0]})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False, encoding="gbk")
    return path, df


def test_cli_gini_and_theil(app, csv, tmp_path):
    path, df = csv
    runner = CliRunner()
    r = runner.invoke(app, ["equity", "gini", str(path), "--resource", "beds", "--population", "pop",
                            "--out", str(tmp_path / "g.csv"), "--figure", str(tmp_path / "g.png")])
    assert r.exit_code == 0, r.output
    assert f"{gini(df, 'beds', 'pop').value:.6g}" in r.output
    assert (tmp_path / "g.png").stat().st_size > 0
    r = runner.invoke(app, ["equity", "theil", str(path), "--resource", "beds", "--population", "pop",
                            "--group", "region3"])
    assert r.exit_code == 0, r.output
    res = theil(df, "beds", "pop", group="region3")
    assert f"{res.between:.6g}" in r.output


def test_cli_missing_option_is_clear(csv):
    path, _ = csv
    from spatialhealth.errors import InputError

    with pytest.raises(InputError, match="--rank-by"):
        _cli.run_measure(pd.read_csv(path, encoding="gbk"), "concentration", resource="beds", population="pop")
    with pytest.raises(InputError, match="must be one of"):
        _cli.run_measure(pd.read_csv(path, encoding="gbk"), "atkinson")
