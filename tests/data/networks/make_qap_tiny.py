"""Write the tiny synthetic QAP fixtures (run once; the CSVs are committed).

10-node valued directed network ``qap_tiny_y.csv`` (counts), covariates
``qap_tiny_x1.csv`` (continuous, asymmetric) and ``qap_tiny_x2.csv`` (0/1, symmetric),
and an undirected valued network ``qap_tiny_ysym.csv``; numpy Generator seed 20261206.
All matrices have a zero diagonal and no header (plain n x n CSV).
"""

import numpy as np

rng = np.random.default_rng(20261206)
n = 10
x1 = np.round(rng.normal(size=(n, n)), 3)
x2 = (rng.random((n, n)) < 0.35).astype(int)
x2 = np.triu(x2, 1)
x2 = x2 + x2.T
y = rng.poisson(np.exp(0.8 + 0.25 * x1 + 0.1 * x2))
ysym = np.triu(rng.poisson(np.exp(0.8 + 0.2 * (x1 + x1.T) / 2 - 0.2 * x2)), 1)
ysym = ysym + ysym.T
for m in (x1, x2, y, ysym):
    np.fill_diagonal(m, 0)
for name, m, fmt in (("x1", x1, "%.3f"), ("x2", x2, "%d"), ("y", y, "%d"), ("ysym", ysym, "%d")):
    np.savetxt(f"qap_tiny_{name}.csv", m, fmt=fmt, delimiter=",")
