"""mcmc_diagnostics() on real fits."""

import numpy as np
import pytest

from spatialhealth.errors import InputTypeError
from spatialhealth.networks.ergm import ergm
from spatialhealth.networks.ergm.datasets import load_network
from spatialhealth.networks.ergm.diagnostics import mcmc_diagnostics


def test_mcmc_diagnostics_of_an_mcmc_fit():
    res = ergm(load_network("samplk3"), "edges + mutual", seed=5)
    d = mcmc_diagnostics(res)
    assert list(d.frame.index) == res.model.names
    c, n, p = np.asarray(res.sample).shape
    assert d.deviations.shape == (c, n, p)
    # deviations are sampled minus observed
    np.testing.assert_allclose(d.deviations + res.model.observed(), res.sample)
    assert (d.frame["ess"] > 0.05 * c * n).all()
    assert (d.frame["ess"] <= 1.5 * c * n).all()
    # at a converged MLE the sampled statistics are near the observed ones (within a few sd)
    assert (np.abs(d.frame["mean_dev"]) < d.frame["sd"]).all()
    assert "Geweke" in d.summary()
    same = res.mcmc_diagnostics()
    assert same.frame.equals(d.frame)


def test_mple_fit_has_no_mcmc_diagnostics():
    res = ergm(load_network("flomarriage"), "edges + nodecov('wealth')")
    with pytest.raises(InputTypeError, match="MPLE"):
        mcmc_diagnostics(res)
