"""Demo step: the equity measures on the bundled 2020 provincial table.

Writes under ``<out>/equity/``: tidy CSV tables, text summaries and PNG figures
(Lorenz curves, concentration curves, Theil and Dagum decompositions, entropy
weights, RSR regression, health-distance mismatch, dendrogram), and
``equity_by_province.csv`` with every region-level result (also left in
``ctx.shared["equity_regions"]`` for later steps, e.g. maps).

The concentration index ranks provinces by the table's ``expenditure`` column,
the only socio-economic ranking variable bundled. Its unit is unknown (printed
as total expenses but valued like per-capita yuan, highest in Beijing and
Shanghai); it is used only for its ranking, which is what the index needs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

RESOURCES = {  # column in the table -> (label, per-capita column, scale)
    "institutions": ("institutions", "institutions_per_10k", 1e4),
    "personnel": ("health personnel", "personnel_per_1k", 1e3),
    "beds": ("beds", "beds_per_1k", 1e3),
}


def province_table() -> pd.DataFrame:
    """Return the bundled table with resource totals in units and per-capita columns.

    Returns
    -------
    pandas.DataFrame
        :func:`~spatialhealth.datasets.load_province_health` plus ``personnel``,
        ``beds`` and ``institutions_per_10k, personnel_per_1k, beds_per_1k``.

    Examples
    --------
    >>> df = province_table()
    >>> len(df), round(float(df.loc[df.code == "110000", "beds_per_1k"].iloc[0]), 2)
    (31, 5.8)
    """
    from spatialhealth.datasets import load_province_health

    df = load_province_health().copy()
    df["personnel"] = df["personnel_10k"] * 1e4
    df["beds"] = df["beds_10k"] * 1e4
    for col, (_, pc, scale) in RESOURCES.items():
        df[pc] = df[col] / df["population"] * scale
    return df


def run(ctx) -> list[Path]:
    """Run the equity measures step of the demo: write its tables, figures and notes.

    Parameters
    ----------
    ctx : DemoContext
        The output folder, seed, ``quick`` flag, log and shared results of the demo.

    Returns
    -------
    list of pathlib.Path
        The files written, under ``ctx.out / "equity"``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from spatialhealth.app.demo import DemoContext
    >>> paths = run(DemoContext(out=Path("out"), quick=True))  # doctest: +SKIP
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spatialhealth._io import save_figure, write_csv, write_text
    from spatialhealth.equity import (
        cluster_regions, concentration_index, dagum_gini, entropy_weights, gini, health_distance, rsr,
        theil,
    )

    out = Path(ctx.out) / "equity"
    written: list[Path] = []

    def csv(df, name):
        written.append(write_csv(df, out / name))

    def txt(text, name):
        written.append(write_text(out / name, text.rstrip() + "\n"))

    def fig(figure, name):
        written.append(save_figure(figure, out / name))

    df = province_table()
    ctx.say("equity: 31 provinces, 2020")

    # --- Gini and Lorenz curves --------------------------------------------------------
    ginis, lorenz, texts = [], [], []
    f, ax = plt.subplots(figsize=(5.5, 5.5))
    for col, (label, _, _) in RESOURCES.items():
        res = gini(df, col, "population")
        ginis.append({"resource": col, "gini": res.value, "grade": res.grade})
        lorenz.append(res.lorenz.assign(resource=col))
        texts.append(res.summary())
        res.plot(ax=ax, label=f"{label} (G = {res.value:.3f})")
    ax.set_ylabel("cumulative share of resource")
    csv(pd.DataFrame(ginis), "gini.csv")
    csv(pd.concat(lorenz, ignore_index=True), "lorenz.csv")
    txt("\n\n".join(texts), "gini.txt")
    fig(f, "lorenz.png")
    ctx.say("equity: Gini " + ", ".join(f"{g['resource']}={g['gini']:.3f}" for g in ginis))

    # --- Theil (L = papers' formula, and T) by region3 ------------------------------------
    frames, texts = [], []
    for kind in ("L", "T"):
        for col in RESOURCES:
            res = theil(df, col, "population", group="region3", kind=kind)
            frames.append(res.frame.assign(resource=col))
            texts.append(res.summary())
            if kind == "L" and col == "beds":
                f, ax = plt.subplots(figsize=(5, 4))
                res.plot(ax=ax)
                fig(f, "theil_beds_region3.png")
    csv(pd.concat(frames, ignore_index=True), "theil_region3.csv")
    txt("\n\n".join(texts), "theil_region3.txt")

    # --- concentration index ranked by expenditure ----------------------------------------
    rows, curves, texts = [], [], []
    f, ax = plt.subplots(figsize=(5.5, 5.5))
    for col, (label, _, _) in RESOURCES.items():
        res = concentration_index(df, col, "population", rank_by="expenditure")
        rows.append({"resource": col, "rank_by": "expenditure", "ci_geometric": res.value,
                     "ci_covariance": res.covariance})
        curves.append(res.curve.assign(resource=col))
        texts.append(res.summary())
        res.plot(ax=ax, label=f"{label} (CI = {res.value:.3f})")
    ax.set_ylabel("cumulative share of resource")
    csv(pd.DataFrame(rows), "concentration_index.csv")
    csv(pd.concat(curves, ignore_index=True), "concentration_curve.csv")
    txt("Ranking variable: the table's `expenditure` column (unit unknown; used only as a "
        "ranking).\n\n" + "\n\n".join(texts), "concentration_index.txt")
    fig(f, "concentration_curve.png")

    # --- Dagum Gini by region3 --------------------------------------------------------------
    frames, groups, pairs, texts = [], [], [], []
    for col, (_, pc, _) in RESOURCES.items():
        res = dagum_gini(df, value=pc, group="region3")
        frames.append(res.frame.assign(indicator=pc))
        groups.append(res.groups.assign(indicator=pc))
        pairs.append(res.pairs.assign(indicator=pc))
        texts.append(res.summary())
        if col == "beds":
            f, ax = plt.subplots(figsize=(5, 3.5))
            res.plot(ax=ax)
            fig(f, "dagum_beds_region3.png")
    csv(pd.concat(frames, ignore_index=True), "dagum_region3.csv")
    csv(pd.concat(groups, ignore_index=True), "dagum_region3_groups.csv")
    csv(pd.concat(pairs, ignore_index=True), "dagum_region3_pairs.csv")
    txt("\n\n".join(texts), "dagum_region3.txt")

    # --- entropy-weight composite index --------------------------------------------------
    indicators = [pc for _, pc, _ in RESOURCES.values()] + ["expenditure"]
    ew = entropy_weights(df, indicators)
    csv(ew.frame, "entropy_weights.csv")
    ranking = ew.ranking.assign(code=df["code"], region3=df["region3"])
    csv(ranking, "composite_index.csv")
    txt(ew.summary() + "\n\nComposite index (best first)\n" + ranking.to_string(index=False), "entropy_weights.txt")
    f, ax = plt.subplots(figsize=(6, 3.5))
    ew.plot(ax=ax)
    fig(f, "entropy_weights.png")

    # --- RSR grading --------------------------------------------------------------------
    rs = rsr(df, indicators, levels=3)
    csv(rs.frame.assign(code=df.loc[rs.frame["row"], "code"].to_numpy()), "rsr.csv")
    csv(rs.distribution, "rsr_distribution.csv")
    txt(rs.summary(), "rsr.txt")
    f, ax = plt.subplots(figsize=(6, 4))
    rs.plot(ax=ax)
    fig(f, "rsr_regression.png")

    # --- health-distance mismatch: resource shares vs population share ------------------------
    actual = df.set_index("name_en")[list(RESOURCES)]
    actual = actual / actual.sum()
    ideal = df.set_index("name_en")["population"] / df["population"].sum()
    hd = health_distance(actual, ideal, k=4)
    hd_cuts = health_distance(actual, ideal, cuts=[0.355, 0.492, 0.631, 0.719])
    table = hd.frame.assign(level_cutpoints=hd_cuts.levels.to_numpy())
    csv(table, "health_distance.csv")
    txt(hd.summary() + "\n\nWith cut-points 0.355/0.492/0.631/0.719:\n"
        + hd_cuts.levels.value_counts().sort_index().to_string(), "health_distance.txt")
    f, ax = plt.subplots(figsize=(6, 8))
    hd.plot(ax=ax)
    fig(f, "health_distance.png")

    # --- hierarchical clustering -----------------------------------------------------------
    cl = cluster_regions(df, indicators, n_clusters=4)
    csv(cl.frame.assign(code=df["code"].to_numpy()), "clusters.csv")
    csv(cl.agglomeration, "cluster_agglomeration.csv")
    txt(cl.summary(), "clusters.txt")
    f, ax = plt.subplots(figsize=(7, 8))
    cl.plot(ax=ax)
    fig(f, "dendrogram.png")
    # --- one row per province with every region-level result (also for later demo steps) ------
    regions = pd.DataFrame({
        "code": df["code"].to_numpy(), "name_en": df["name_en"].to_numpy(),
        "region3": df["region3"].to_numpy(),
        **{pc: df[pc].to_numpy() for _, pc, _ in RESOURCES.values()},
        "composite": ew.scores.to_numpy(), "rsr": rs.scores.to_numpy(),
        "rsr_level": rs.levels.to_numpy(), "rsr_grade": rs.level_labels.to_numpy(),
        "hd": hd.values.to_numpy(), "hd_level": hd.levels.to_numpy(),
        "cluster": cl.labels.to_numpy(),
    })
    csv(regions, "equity_by_province.csv")
    ctx.shared["equity_regions"] = regions
    ctx.say(f"equity: {len(written)} files in {out}")
    return written
