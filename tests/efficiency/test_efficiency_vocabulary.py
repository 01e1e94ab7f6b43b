"""Keyword-only DEA arguments (old spellings warn), every bad cell reported at once, Path outputs."""

import numpy as np
import pandas as pd
import pytest

from spatialhealth.efficiency import DEAInputError, dea, metafrontier, sbm

COELLI = pd.DataFrame({"name": ["A", "B", "C", "D", "E"], "x1": [2, 2, 6, 3, 6],
                       "x2": [5, 4, 6, 2, 2], "y": [1, 2, 3, 1, 2]})


def test_old_spellings_warn_and_agree():
    new = dea(COELLI, inputs=["x1", "x2"], outputs="y", region="name")
    with pytest.warns(DeprecationWarning, match="by position is deprecated"):
        old = dea(COELLI, ["x1", "x2"], "y")
    with pytest.warns(DeprecationWarning, match="'unit' is now called 'region'"):
        old_kw = dea(COELLI, inputs=["x1", "x2"], outputs="y", unit="name")
    # Coelli, Rao & Battese (1998) CCR input-oriented scores
    assert new.efficiency.round(3).tolist() == [0.5, 1.0, 0.833, 0.714, 1.0]
    assert old.efficiency.tolist() == new.efficiency.tolist() == old_kw.efficiency.tolist()
    assert new.frame["name"].tolist() == list("ABCDE")
    df = COELLI.assign(g=["a", "a", "b", "b", "b"], year=2020)
    with pytest.warns(DeprecationWarning, match="'time' is now called 'period'"):
        mf = metafrontier(df, inputs=["x1", "x2"], outputs="y", group="g", model="ccr", time="year")
    assert mf.period == "year"
    with pytest.warns(DeprecationWarning):
        s_old = sbm(COELLI, ["x1", "x2"], ["y"])
    assert s_old.efficiency.tolist() == sbm(COELLI, inputs=["x1", "x2"], outputs="y").efficiency.tolist()


def test_every_problem_of_every_column_at_once():
    bad = COELLI.astype({"x1": object})
    bad.loc[1, "x1"] = "n/a"
    bad.loc[2, "x2"] = np.nan
    bad.loc[3, "y"] = -1
    with pytest.raises(DEAInputError) as info:
        dea(bad, inputs=["x1", "x2"], outputs="y", region="name")
    msg = str(info.value)
    assert "3 problems" in msg
    assert "Input column 'x1' must be numeric; units B hold n/a" in msg
    assert "Input column 'x2' has missing values for units C" in msg
    assert "Output column 'y' must be non-negative; units D have -1" in msg


def test_to_file_returns_the_path(tmp_path):
    res = dea(COELLI, inputs=["x1", "x2"], outputs="y")
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = res.to_file(tmp_path / f"dea{suffix}")
        assert path == tmp_path / f"dea{suffix}" and path.stat().st_size > 0
    back = pd.read_csv(tmp_path / "dea.csv", index_col=0)
    assert back["efficiency"].round(3).tolist() == [0.5, 1.0, 0.833, 0.714, 1.0]
