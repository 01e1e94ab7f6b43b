"""Simulated staggered-adoption panels for the policy tests (importable helper)."""

import numpy as np
import pandas as pd


def simulate_panel(n_units=24, years=range(2010, 2020), cohorts=(2014, 2016), never=8, seed=0,
                   effect=1.0, growth=0.3, drop_rows=0):
    """Units in cohorts (adoption years) plus never-treated units; dynamic effects.

    Returns a long frame with unit (string), year, first_treated (0 = never),
    treated (0/1), y, two controls (one badly scaled) and a region.
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years))
    units = [f"U{i:02d}" for i in range(n_units)]
    treated_units = n_units - never
    g = np.array([cohorts[i % len(cohorts)] for i in range(treated_units)] + [0] * never)
    rows = []
    alpha = rng.normal(0, 1, n_units)
    lam = rng.normal(0, 0.5, len(years))
    region = np.array(["east", "central", "west"])[np.arange(n_units) % 3]
    for i, u in enumerate(units):
        for j, yr in enumerate(years):
            d = int(g[i] > 0 and yr >= g[i])
            x1 = rng.normal(0, 1) + 0.1 * j
            x2 = 50000 * np.exp(rng.normal(0, 0.2)) + 2000 * j
            te = d * (effect + growth * (yr - g[i]) + 0.2 * (g[i] == cohorts[0]))
            y = alpha[i] + lam[j] + 0.5 * x1 + 2e-5 * x2 + te + rng.normal(0, 0.3)
            rows.append((u, yr, int(g[i]), d, y, x1, x2, region[i]))
    df = pd.DataFrame(rows, columns=["unit", "year", "first_treated", "treated", "y", "x1", "x2",
                                     "region"])
    if drop_rows:
        # drop some rows, never a unit's first observation (keeps pre-periods)
        cand = df.index[df["year"] > years[1]]
        df = df.drop(index=rng.choice(cand, drop_rows, replace=False)).reset_index(drop=True)
    return df
