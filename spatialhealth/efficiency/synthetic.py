"""A SYNTHETIC province-year panel shaped like the published DEA + DiD studies.

Nothing in this panel is observed data. It is generated to have the shape of
the panels that Chinese health-efficiency papers use (30 provinces without
Tibet, Hong Kong, Macao and Taiwan; 13 years; four inputs, three desirable and
two undesirable outputs; east/central/west regions; a provincial pilot reform
rolled out in two batches), so that the DEA and difference-in-differences code
can be demonstrated and tested end to end with a known true effect.

The pilot batches follow the provincial comprehensive health-reform pilots
(first batch 2015: Jiangsu, Anhui, Fujian, Qinghai; second batch 2016:
Shanghai, Zhejiang, Hunan, Chongqing, Sichuan, Shaanxi, Ningxia), but every
number attached to them here is simulated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._random import as_generator
from ..errors import InputError

__all__ = ["synthetic_panel", "SYNTHETIC_INPUTS", "SYNTHETIC_OUTPUTS", "SYNTHETIC_UNDESIRABLE"]

#: input columns of :func:`synthetic_panel`
SYNTHETIC_INPUTS = ("beds", "physicians", "nurses", "health_expenditure")
#: desirable output columns
SYNTHETIC_OUTPUTS = ("outpatient_visits", "inpatient_discharges", "health_checkups")
#: undesirable output columns
SYNTHETIC_UNDESIRABLE = ("inpatient_deaths", "infectious_cases")

# code, English name, region3 (National Bureau of Statistics east/central/west), pilot batch year.
# Tibet is left out, as in most provincial efficiency studies.
_PROVINCES = [
    ("110000", "Beijing", "east", None), ("120000", "Tianjin", "east", None),
    ("130000", "Hebei", "east", None), ("140000", "Shanxi", "central", None),
    ("150000", "Inner Mongolia", "west", None), ("210000", "Liaoning", "east", None),
    ("220000", "Jilin", "central", None), ("230000", "Heilongjiang", "central", None),
    ("310000", "Shanghai", "east", 2016), ("320000", "Jiangsu", "east", 2015),
    ("330000", "Zhejiang", "east", 2016), ("340000", "Anhui", "central", 2015),
    ("350000", "Fujian", "east", 2015), ("360000", "Jiangxi", "central", None),
    ("370000", "Shandong", "east", None), ("410000", "Henan", "central", None),
    ("420000", "Hubei", "central", None), ("430000", "Hunan", "central", 2016),
    ("440000", "Guangdong", "east", None), ("450000", "Guangxi", "west", None),
    ("460000", "Hainan", "east", None), ("500000", "Chongqing", "west", 2016),
    ("510000", "Sichuan", "west", 2016), ("520000", "Guizhou", "west", None),
    ("530000", "Yunnan", "west", None), ("610000", "Shaanxi", "west", 2016),
    ("620000", "Gansu", "west", None), ("630000", "Qinghai", "west", 2015),
    ("640000", "Ningxia", "west", 2016), ("650000", "Xinjiang", "west", None),
]

# technology level of each regional frontier (meta-frontier = east)
_TECH = {"east": 1.0, "central": 0.88, "west": 0.78}


def synthetic_panel(
    seed=20201101,
    *,
    start_year: int = 2010,
    n_years: int = 13,
    effect: float = 0.12,
    effect_growth: float = 0.0,
) -> pd.DataFrame:
    """Generate the SYNTHETIC 30-province x 13-year health-efficiency panel.

    Outputs come from a regional Cobb-Douglas frontier (the east's is the
    meta-frontier; central and west lie 12 % and 22 % below it) times
    ``exp(-u)``, where ``u >= 0`` is a province's inefficiency with a
    persistent part, a common trend and noise. Undesirable outputs grow with
    ``u``. From its pilot year on, a pilot province's inefficiency falls by
    ``effect`` (plus ``effect_growth`` per further year of exposure), so the
    true effect of the reform on log outputs is known.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Same seed, same panel.
    start_year, n_years : int
        Years covered (default 2010-2022). The pilot years 2015 and 2016 must lie
        inside, after at least one untreated year.
    effect : float
        Fall in inefficiency ``u`` (log points) at the pilot year.
    effect_growth : float
        Further fall per year since the pilot year (dynamic effect).

    Returns
    -------
    pandas.DataFrame
        One row per province-year, sorted by code and year, with columns
        ``code`` (6-digit string), ``province`` (English name), ``region3``,
        ``year``, the inputs :data:`SYNTHETIC_INPUTS`, desirable outputs
        :data:`SYNTHETIC_OUTPUTS`, undesirable outputs
        :data:`SYNTHETIC_UNDESIRABLE`, controls ``gdp_per_capita`` (yuan),
        ``urbanisation`` (share), ``aged65`` (share), ``population`` (10k), the
        treatment coding ``pilot_year`` (nullable Int64, missing for never
        treated), ``first_treat`` (0 for never treated, the convention of
        pyfixest's did2s/event studies), ``treated`` (0/1 from the pilot year
        on), ``rel_year`` (year - pilot year, missing for never treated), the
        generating inefficiency ``true_u`` and ``synthetic`` (always True).
        ``df.attrs`` records that the data are synthetic and the true effect.

    Examples
    --------
    >>> df = synthetic_panel(seed=1)
    >>> df.shape[0], df["code"].nunique(), df["year"].nunique()
    (390, 30, 13)
    >>> sorted(df.loc[df.treated == 1, "pilot_year"].unique().tolist())
    [2015, 2016]
    """
    years = np.arange(start_year, start_year + int(n_years))
    if not (years[0] < 2015 and years[-1] >= 2016):
        raise InputError(
            f"The synthetic panel needs the pilot years 2015 and 2016 inside it with an earlier "
            f"untreated year; years {years[0]}-{years[-1]} were asked for."
        )
    rng = as_generator(seed)
    n_p, n_t = len(_PROVINCES), len(years)
    codes = np.array([p[0] for p in _PROVINCES])
    names = np.array([p[1] for p in _PROVINCES])
    region = np.array([p[2] for p in _PROVINCES])
    pilot = np.array([p[3] if p[3] is not None else 0 for p in _PROVINCES])
    t = (years - years[0])[None, :]  # 1 x T

    # province size (population, 10k) and development level
    pop = np.exp(rng.normal(np.log(4000), 0.6, n_p))[:, None] * np.exp(0.005 * t)
    dev = {"east": 0.45, "central": 0.0, "west": -0.15}
    gdp = (np.exp(rng.normal(10.6, 0.15, n_p) + np.array([dev[r] for r in region]))[:, None]
           * np.exp(0.065 * t + rng.normal(0, 0.02, (n_p, n_t))))
    urban = np.clip(0.45 + 0.12 * np.array([dev[r] for r in region])[:, None]
                    + rng.normal(0, 0.05, n_p)[:, None] + 0.011 * t, 0.2, 0.92)
    aged = np.clip(0.085 + rng.normal(0, 0.015, n_p)[:, None] + 0.003 * t
                   + rng.normal(0, 0.002, (n_p, n_t)), 0.05, 0.2)

    # inputs grow with population, income and time; per-province mix differs
    size = pop / 1000.0
    mix = np.exp(rng.normal(0, 0.15, (4, n_p)))[:, :, None]
    beds = 45.0 * size * mix[0] * np.exp(0.045 * t + rng.normal(0, 0.03, (n_p, n_t)))  # thousand beds
    phys = 25.0 * size * mix[1] * np.exp(0.04 * t + rng.normal(0, 0.03, (n_p, n_t)))  # thousand physicians
    nurse = 24.0 * size * mix[2] * np.exp(0.06 * t + rng.normal(0, 0.03, (n_p, n_t)))  # thousand nurses
    spend = (size * mix[3] * gdp / 60000.0 * 30.0
             * np.exp(0.03 * t + rng.normal(0, 0.04, (n_p, n_t))))  # 100 million yuan

    # inefficiency: persistent + slow common improvement + noise; reform lowers it
    u0 = np.abs(rng.normal(0.0, 0.22, n_p))[:, None] + 0.08
    u = u0 - 0.004 * t + np.abs(rng.normal(0, 0.05, (n_p, n_t)))
    treated = (pilot[:, None] > 0) & (years[None, :] >= pilot[:, None])
    exposure = np.where(treated, years[None, :] - pilot[:, None], 0)
    u = np.maximum(u - treated * (effect + effect_growth * exposure), 0.0)

    tech = np.array([_TECH[r] for r in region])[:, None]
    frontier = (tech * np.exp(0.01 * t) * beds ** 0.30 * phys ** 0.30 * nurse ** 0.25
                * spend ** 0.15)
    eff = np.exp(-u)
    visits = 9.0 * frontier * eff * np.exp(rng.normal(0, 0.05, (n_p, n_t)))  # 10k visits
    discharges = 0.55 * frontier * eff * np.exp(rng.normal(0, 0.05, (n_p, n_t)))  # 10k
    checkups = 1.1 * frontier * eff * np.exp(rng.normal(0, 0.08, (n_p, n_t)))  # 10k
    deaths = 2.0 * discharges * np.exp(0.8 * u - 0.02 * t + rng.normal(0, 0.08, (n_p, n_t)))  # persons
    infections = 1.5 * pop * np.exp(0.6 * u + rng.normal(0, 0.10, (n_p, n_t)))  # cases

    def flat(a):
        return np.asarray(a, dtype=float).reshape(-1)

    rep = np.repeat
    df = pd.DataFrame({
        "code": rep(codes, n_t), "province": rep(names, n_t), "region3": rep(region, n_t),
        "year": np.tile(years, n_p).astype(np.int64),
        "beds": flat(beds), "physicians": flat(phys), "nurses": flat(nurse),
        "health_expenditure": flat(spend),
        "outpatient_visits": flat(visits), "inpatient_discharges": flat(discharges),
        "health_checkups": flat(checkups),
        "inpatient_deaths": flat(deaths), "infectious_cases": flat(infections),
        "gdp_per_capita": flat(gdp), "urbanisation": flat(np.broadcast_to(urban, (n_p, n_t))),
        "aged65": flat(aged), "population": flat(pop),
    })
    pilot_rep = rep(pilot, n_t)
    df["pilot_year"] = pd.array(np.where(pilot_rep > 0, pilot_rep, 0), dtype="Int64")
    df.loc[pilot_rep == 0, "pilot_year"] = pd.NA
    df["first_treat"] = pilot_rep.astype(np.int64)
    df["treated"] = flat(treated).astype(np.int64)
    rel = df["year"].to_numpy() - pilot_rep
    df["rel_year"] = pd.array(np.where(pilot_rep > 0, rel, 0), dtype="Int64")
    df.loc[pilot_rep == 0, "rel_year"] = pd.NA
    df["true_u"] = flat(u)
    df["synthetic"] = True
    df.attrs.update({
        "synthetic": True,
        "description": "SYNTHETIC province-year panel generated by "
                       "spatialhealth.efficiency.synthetic_panel; not observed data.",
        "seed": seed if isinstance(seed, (int, np.integer)) or seed is None else "generator",
        "true_effect_on_u": float(effect),
        "true_effect_growth": float(effect_growth),
    })
    return df
