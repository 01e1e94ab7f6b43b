"""Multivariate local Geary p-values against esda's ``Geary_Local_MV``, draw for draw.

esda draws from numpy's global generator (``np.random.seed``): one set of positions
``permutation(n - 1)[:k_max + 1]`` per permutation, then for every site a shuffle of the
other sites' numbers, so each site gets its own draws. ``local_geary(draws="esda")``
replays those calls on ``RandomState(seed)``, which is the global generator's stream after
``np.random.seed(seed)``, and forms the statistics with our kernel
(``_kernels.geary_mv_given_draws``). With ``ties="esda"`` the p-values must then be esda's
exactly -- this is draw replication, not a Monte Carlo comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialhealth.layers.local import local_geary
from spatialhealth.layers.weights import build_weights


def lattice(side=8, seed=0):
    codes = [f"c{i:02d}" for i in range(side * side)]
    rows = []
    for i in range(side):
        for j in range(side):
            for di, dj in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                a, b = i + di, j + dj
                if 0 <= a < side and 0 <= b < side:
                    rows.append((codes[i * side + j], codes[a * side + b]))
    w = build_weights(pd.DataFrame(rows, columns=["code", "neighbour"]))
    rng = np.random.default_rng(seed)
    n = side * side
    df = pd.DataFrame({"code": codes, "x": rng.normal(size=n), "y": rng.normal(size=n) + np.arange(n) / 20,
                       "v": np.round(rng.normal(size=n), 1)})
    return df, w


@pytest.mark.parametrize("seed", [11, 2024])
def test_multivariate_local_geary_p_equals_esda_for_the_same_global_seed(seed):
    import esda

    df, w = lattice()
    x = df.set_index("code").loc[w.ids]
    np.random.seed(seed)  # noqa: NPY002 - esda draws from the global generator
    mv = esda.Geary_Local_MV(connectivity=w.graph, permutations=999).fit(
        [x.x.to_numpy(), x.y.to_numpy(), x.v.to_numpy()])
    r = local_geary(df, value=["x", "y", "v"], weights=w, permutations=999, seed=seed, draws="esda",
                    ties="esda").frame
    assert list(r.code) == list(w.ids)
    assert np.array_equal(r.c, mv.localG)
    assert np.array_equal(r.p_sim, mv.p_sim)
    np.testing.assert_allclose(r.EC_sim, mv.Gs.mean(axis=1), rtol=1e-12)
    # the comparison has teeth: the p-values spread, and another seed gives other p-values
    assert r.p_sim.min() < 0.05 and r.p_sim.max() > 0.4 and r.p_sim.nunique() > 20
    other = local_geary(df, value=["x", "y", "v"], weights=w, permutations=999, seed=seed + 1, draws="esda",
                        ties="esda").frame
    assert not np.array_equal(other.p_sim, mv.p_sim)


def test_esda_draws_univariate_is_shared_and_bad_draws_named():
    df, w = lattice(5)
    a = local_geary(df, value="x", weights=w, permutations=99, seed=3, draws="esda").frame
    b = local_geary(df, value="x", weights=w, permutations=99, seed=3, draws="shared").frame
    assert np.array_equal(a.p_sim, b.p_sim)
    from spatialhealth.errors import InputError

    with pytest.raises(InputError, match="esda"):
        local_geary(df, value=["x", "y"], weights=w, permutations=99, seed=3, draws="bogus")
