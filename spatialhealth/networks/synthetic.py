"""SYNTHETIC mobility data among real prefecture-city centroids (gravity model).

Nothing here is observed data. The cities and their centroids are real (see
``spatialhealth/data/cities/README.md``); the node covariates population, GDP,
PCF and HTH of the shipped table are synthetic, and so are every flow and
record generated here. They exist for the demo, the tests and the benchmarks.

The gravity model: for cities ``i != j``

    log m_ij = a log pop_i + b log pop_j + c log(1 + HTH_j) + g log(GDP_j / pop_j)
               - delta log(d_ij + d0) + s same_province_ij + t same_dialect_ij

with ``d_ij`` the great-circle distance in km; ``p_ij = m_ij / sum m``. Records
draw their (origin, destination) pair from ``p``; city-pair flows are Poisson
with mean ``total * p_ij``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._random import as_generator
from .._validate import require_columns
from ..errors import InputError
from .covariates import great_circle_km
from .graph import load_cities

__all__ = ["GRAVITY_DEFAULTS", "gravity_probabilities", "synthetic_flows", "synthetic_records",
           "write_synthetic_records"]

#: coefficients of the synthetic gravity model
GRAVITY_DEFAULTS = {"a": 1.0, "b": 1.3, "c": 0.5, "g": 1.0, "delta": 1.0, "d0": 50.0,
                    "s": 1.0, "t": 0.3}


def gravity_probabilities(cities: pd.DataFrame | None = None, **coefficients) -> pd.DataFrame:
    """Pair probabilities ``p_ij`` of the gravity model (self-pairs excluded).

    Parameters
    ----------
    cities : DataFrame, optional
        ``code``, ``lon``, ``lat``, ``population``, ``GDP``, ``HTH`` and
        optionally ``dialect``; default :func:`~spatialhealth.networks.graph.load_cities`.
    **coefficients
        Override :data:`GRAVITY_DEFAULTS` (``a``, ``b``, ``c``, ``g``, ``delta``,
        ``d0``, ``s``, ``t``).

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``p`` (summing to 1).

    Examples
    --------
    >>> p = gravity_probabilities()
    >>> len(p), round(float(p.p.sum()), 6)
    (134322, 1.0)
    """
    coef = {**GRAVITY_DEFAULTS, **coefficients}
    unknown = set(coefficients) - set(GRAVITY_DEFAULTS)
    if unknown:
        raise InputError(f"Unknown gravity coefficient(s) {sorted(unknown)}; known: {sorted(GRAVITY_DEFAULTS)}.")
    c = load_cities() if cities is None else cities
    require_columns(c, ["code", "lon", "lat", "population", "GDP", "HTH"], "city table")
    code = c["code"].astype(str).to_numpy()
    lon, lat = c["lon"].to_numpy(float), c["lat"].to_numpy(float)
    pop = c["population"].to_numpy(float)
    gdp_pc = c["GDP"].to_numpy(float) / pop
    hth = c["HTH"].to_numpy(float)
    d = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    logm = (coef["a"] * np.log(pop)[:, None] + coef["b"] * np.log(pop)[None, :]
            + coef["c"] * np.log1p(hth)[None, :] + coef["g"] * np.log(gdp_pc / gdp_pc.mean())[None, :]
            - coef["delta"] * np.log(d + coef["d0"]))
    prov = np.array([x[:2] for x in code])
    logm = logm + coef["s"] * (prov[:, None] == prov[None, :])
    if "dialect" in c:
        dia = c["dialect"].astype(str).to_numpy()
        logm = logm + coef["t"] * (dia[:, None] == dia[None, :])
    np.fill_diagonal(logm, -np.inf)
    m = np.exp(logm - logm[np.isfinite(logm)].max())
    p = m / m.sum()
    i, j = np.nonzero(~np.eye(len(code), dtype=bool))
    return pd.DataFrame({"origin": code[i], "destination": code[j], "p": p[i, j]})


def synthetic_flows(total: float = 1e6, seed=None, cities=None, **coefficients) -> pd.DataFrame:
    """SYNTHETIC city-pair flows: Poisson counts with mean ``total * p_ij``.

    Parameters
    ----------
    total : float
        Expected total flow.
    seed : int or numpy.random.Generator, optional
        Seed of the Poisson draws.
    cities : pandas.DataFrame, optional
        City table, as in :func:`gravity_probabilities`.
    **coefficients
        Override :data:`GRAVITY_DEFAULTS`.

    Returns
    -------
    pandas.DataFrame
        ``origin``, ``destination``, ``flow`` for pairs with a positive flow;
        ``df.attrs["synthetic"]`` is True.

    Examples
    --------
    >>> f = synthetic_flows(1e5, seed=1)
    >>> f.attrs["synthetic"], int(f.flow.sum()) > 90_000
    (True, True)
    """
    rng = as_generator(seed)
    p = gravity_probabilities(cities, **coefficients)
    flow = rng.poisson(float(total) * p["p"].to_numpy())
    out = p.loc[flow > 0, ["origin", "destination"]].assign(flow=flow[flow > 0]).reset_index(drop=True)
    out.attrs["synthetic"] = True
    return out


def synthetic_records(n: int = 170_000, seed=None, cities=None, *, ids: str = "code",
                      year: int = 2017, stay_share: float = 0.0, **coefficients) -> pd.DataFrame:
    """SYNTHETIC individual migrant records, one row per person.

    Columns ``person_id``, ``hukou_city`` (origin), ``current_city``
    (destination), ``weight`` (survey weight, lognormal with mean 1),
    ``year``. ``ids="name"`` gives Chinese city names instead of codes (to
    exercise name matching). ``stay_share`` of the rows get the origin as the
    current city (self-flows). ``df.attrs["synthetic"]`` is True.

    Parameters
    ----------
    n : int
        Number of records.
    seed : int or numpy.random.Generator, optional
        Seed of the draws.
    cities : pandas.DataFrame, optional
        City table, as in :func:`gravity_probabilities`.
    ids : {"code", "name"}
        City codes or Chinese city names.
    year : int
        Value of the ``year`` column.
    stay_share : float
        Share of the rows whose current city is the origin.
    **coefficients
        Override :data:`GRAVITY_DEFAULTS`.

    Returns
    -------
    pandas.DataFrame
        One row per person.

    Examples
    --------
    >>> r = synthetic_records(1000, seed=3)
    >>> len(r), r.attrs["synthetic"]
    (1000, True)
    """
    if n < 0 or int(n) != n:
        raise InputError(f"`n` must be a non-negative integer; {n!r} was given.")
    if ids not in ("code", "name"):
        raise InputError(f"`ids` must be 'code' or 'name'; {ids!r} was given.")
    rng = as_generator(seed)
    p = gravity_probabilities(cities, **coefficients)
    k = rng.choice(len(p), size=int(n), p=p["p"].to_numpy())
    origin = p["origin"].to_numpy()[k]
    dest = p["destination"].to_numpy()[k].copy()
    if stay_share:
        stay = rng.random(int(n)) < stay_share
        dest[stay] = origin[stay]
    if ids == "name":
        c = load_cities() if cities is None else cities
        names = dict(zip(c["code"].astype(str), c["name_zh"]))
        origin = np.array([names[x] for x in origin], dtype=object)
        dest = np.array([names[x] for x in dest], dtype=object)
    weight = np.round(rng.lognormal(-0.125, 0.5, int(n)), 4)  # mean exp(-0.125 + 0.125) = 1
    out = pd.DataFrame({"person_id": np.arange(1, int(n) + 1), "hukou_city": origin,
                        "current_city": dest, "weight": weight, "year": year})
    out.attrs["synthetic"] = True
    return out


def write_synthetic_records(folder, n: int, seed=None, *, chunk_rows: int = 5_000_000,
                            cities=None, progress: bool = False) -> list[Path]:
    """Write ``n`` SYNTHETIC records to Parquet files ``part-00000.parquet``, ... in ``folder``.

    Codes are stored as int32 (``hukou_city``, ``current_city``), the weight as
    float32; memory use is bounded by ``chunk_rows``. Returns the paths.

    Parameters
    ----------
    folder : path-like
        Output folder (created).
    n : int
        Number of records.
    seed : int or numpy.random.Generator, optional
        Seed of the draws.
    chunk_rows : int
        Records per Parquet file.
    cities : pandas.DataFrame, optional
        City table, as in :func:`gravity_probabilities`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of pathlib.Path
        The Parquet files, in order.

    Examples
    --------
    >>> [p.name for p in write_synthetic_records("records", 1000, seed=1)]
    ['part-00000.parquet']
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .._io import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = as_generator(seed)
    p = gravity_probabilities(cities)
    probs = p["p"].to_numpy()
    o_codes = p["origin"].astype(int).to_numpy(np.int32)
    d_codes = p["destination"].astype(int).to_numpy(np.int32)
    cdf = np.cumsum(probs)
    cdf /= cdf[-1]
    paths, done, part = [], 0, 0
    while done < n:
        m = min(chunk_rows, n - done)
        k = np.searchsorted(cdf, rng.random(m), side="right")
        table = pa.table({
            "hukou_city": o_codes[k], "current_city": d_codes[k],
            "weight": rng.lognormal(-0.125, 0.5, m).astype(np.float32),
        })
        path = folder / f"part-{part:05d}.parquet"
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp, row_group_size=1_000_000)
        paths.append(path)
        done += m
        part += 1
        if progress:
            print(f"  wrote {done:,} / {n:,} records", flush=True)
    return paths
