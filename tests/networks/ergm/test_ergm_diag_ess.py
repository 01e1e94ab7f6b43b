"""MCMC diagnostics on series with known autocorrelation (AR(1)) and known drift."""

import numpy as np
import pytest
from statsmodels.tsa.stattools import acf

from spatialhealth.errors import InputError
from spatialhealth.networks.ergm.diagnostics import (
    autocovariance,
    diagnose_sample,
    effective_sample_size,
    geweke_z,
    integrated_time,
    rhat,
)


def ar1(rng, n, rho, size=()):
    x = np.empty(size + (n,))
    x[..., 0] = rng.standard_normal(size) / np.sqrt(1 - rho**2)
    e = rng.standard_normal(size + (n,))
    for t in range(1, n):
        x[..., t] = rho * x[..., t - 1] + e[..., t]
    return x


def test_autocovariance_matches_statsmodels_acf():
    rng = np.random.default_rng(0)
    x = ar1(rng, 2000, 0.6)
    g = autocovariance(x)
    assert g[:30] / g[0] == pytest.approx(acf(x, nlags=29, fft=False), abs=1e-10)


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_ess_of_ar1_matches_theory(rho):
    # tau = (1 + rho) / (1 - rho) for AR(1). Average over 40 replicates of n = 20,000: the
    # estimator's relative sd per replicate is about sqrt(2*(2M+1)/n) with M ~ a few tau,
    # so the mean of 40 is within ~3% (0.9: ~6%); tolerance 8%.
    rng = np.random.default_rng(1)
    x = ar1(rng, 20_000, rho, size=(40,))
    taus = [integrated_time(s) for s in x]
    assert np.mean(taus) == pytest.approx((1 + rho) / (1 - rho), rel=0.08)
    assert effective_sample_size(x[0]) == pytest.approx(20_000 / taus[0])


def test_geweke_flags_drift_and_passes_stationary():
    rng = np.random.default_rng(2)
    stationary = ar1(rng, 5000, 0.7, size=(200,))
    z = np.array([geweke_z(s) for s in stationary])
    # z is approximately N(0, 1) under stationarity: 5% two-sided rejections ~ 5%
    assert 0.01 < np.mean(np.abs(z) > 1.96) < 0.12
    assert abs(z.mean()) < 0.25 and 0.75 < z.std() < 1.3
    drift = ar1(rng, 5000, 0.7) + np.linspace(3, 0, 5000)
    assert abs(geweke_z(drift)) > 5


def test_geweke_keeps_its_level_when_the_first_window_is_short():
    # an ERGM final sample often has an autocorrelation time near a tenth of the first window
    # (2,700 draws, tau ~ 66 for rho = 0.97): estimated on that window alone, tau came out too
    # small and stationary chains failed |z| > 2.58 in ~10% of cases (sd of z 1.5); pooled
    # with the last half, as statnet's geweke.diag.mv does, z stays near N(0, 1)
    rng = np.random.default_rng(8)
    z = np.array([geweke_z(s) for s in ar1(rng, 2700, 0.97, size=(400,))])
    assert np.mean(np.abs(z) > 2.58) < 0.06
    assert 0.8 < z.std() < 1.3
    # a transient of five sd decaying over the first 150 draws still shows
    t = np.arange(2700)
    zt = [geweke_z(s + 20 * np.exp(-t / 150)) for s in ar1(rng, 2700, 0.97, size=(10,))]
    assert np.median(zt) > 3


def test_rhat():
    rng = np.random.default_rng(3)
    same = rng.standard_normal((4, 2000))
    assert rhat(same) == pytest.approx(1.0, abs=0.01)
    shifted = same + np.array([0, 0, 0, 2.0])[:, None]
    assert rhat(shifted) > 1.3


def test_diagnose_sample_frame_and_plot():
    rng = np.random.default_rng(4)
    s = np.stack([ar1(rng, 1500, 0.5, size=(2,)), ar1(rng, 1500, 0.8, size=(2,))], axis=-1) + 10
    d = diagnose_sample(s, observed=[10, 10], names=["edges", "triangle"])
    assert list(d.frame.index) == ["edges", "triangle"]
    # summed over 2 chains of 1500: ESS ~ 3000 / 3 and 3000 / 9
    assert d.frame.loc["edges", "ess"] == pytest.approx(1000, rel=0.3)
    assert d.frame.loc["triangle", "ess"] == pytest.approx(3000 / 9, rel=0.4)
    assert d.frame.loc["edges", "mcse"] == pytest.approx(d.frame.loc["edges", "sd"] / np.sqrt(d.frame.loc["edges", "ess"]))
    assert d.ok
    assert "Geweke" in d.summary()
    fig = d.plot()
    assert len(fig.axes) == 4
    with pytest.raises(InputError, match="shape"):
        diagnose_sample(np.zeros(5))
