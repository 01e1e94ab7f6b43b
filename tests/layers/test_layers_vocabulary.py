"""Issue 11 vocabulary: moran/lisa/moran_panel take df, value=, weights=; old spellings warn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialhealth._results import Result
from spatialhealth.errors import InputTypeError
from spatialhealth.layers import getis_ord, lisa, moran, moran_panel
from spatialhealth.layers.weights import build_weights


@pytest.fixture(scope="module")
def data():
    codes = [f"{i:02d}" for i in range(12)]
    ring = pd.DataFrame({"code": codes + codes, "neighbour": codes[1:] + codes[:1] + codes[-1:] + codes[:-1]})
    df = pd.DataFrame({"code": codes, "x": np.arange(12.0) % 5 + np.arange(12) / 7})
    return df, build_weights(ring)


def test_new_and_old_spellings_agree(data):
    df, w = data
    ref = moran(df, value="x", weights=w, permutations=99, seed=1)
    assert isinstance(ref, Result)
    for res in (moran(df, "x", w, permutations=99, seed=1), moran(df, "x", weights=w, permutations=99, seed=1),
                moran(df.set_index("code")["x"], w, 99, 1)):
        assert (res.I, res.p_sim) == (ref.I, ref.p_sim)
    with pytest.warns(DeprecationWarning, match="'column' is now called 'value'"):
        old = moran(df, w, permutations=99, seed=1, column="x")
    assert old.p_sim == ref.p_sim
    with pytest.warns(DeprecationWarning, match="'w' is now called 'weights'"):
        assert moran(df, "x", w=w, permutations=0).I == ref.I
    with pytest.raises(InputTypeError, match="needs `weights`"):
        moran(df, "x")
    with pytest.raises(InputTypeError, match="permutations=99 by name"):
        moran(df.set_index("code")["x"], None, 99)
    a = lisa(df, "x", weights=w, permutations=99, seed=2).frame
    with pytest.warns(DeprecationWarning):
        b = lisa(df, w, permutations=99, seed=2, column="x", id_col="code").frame
    assert a.p_sim.equals(b.p_sim) and isinstance(lisa(df, "x", weights=w, permutations=0), Result)
    with pytest.warns(DeprecationWarning):
        getis_ord(df, column="x", weights=w, permutations=0)


def test_moran_panel_vocabulary(data):
    df, w = data
    long = pd.concat([df.assign(year=2020), df.assign(year=2021, x=df.x[::-1].to_numpy())])
    new = moran_panel(long, "x", weights=w, period="year", permutations=0)
    with pytest.warns(DeprecationWarning, match="year_col"):
        old = moran_panel(long, "x", w, year_col="year", permutations=0)
    assert new.frame.equals(old.frame) and new.frame.year.tolist() == [2020, 2021]
