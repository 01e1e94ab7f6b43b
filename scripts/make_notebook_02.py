"""Write notebooks/02_mismatch_dagum_moran.ipynb (then execute it with nbclient)."""

import nbformat as nbf

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))  # noqa: E731
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))  # noqa: E731

md("""
# Mismatch of health resources: health distance, Dagum decomposition, yearly Moran's I and LISA

Papers on the *mismatch degree* of health resources measure, province by province and year by
year, how far per-capita resources sit from a target allocation with the health-distance index
HD(p, q) = Σ w_j |(p_j − q_j) / q_j|, grade it into levels, decompose its regional inequality with
Dagum's Gini and test its spatial clustering with yearly global Moran's I and local Moran (LISA).

**Data.** Real province-year resource panels cannot be shipped with the package, so this notebook
runs on the bundled **SYNTHETIC** province-year panel (30 provinces, 2010–2022; beds, physicians and
nurses in thousands, population in 10,000). To use your own data, replace `panel` below with a
long table with columns `code` (GB/T 2260 province code, or names passed through
`spatialhealth.regions.harmonise_names`), `year`, and your resource and population columns; nothing
else changes. The target allocation used here is the national planning standard for 2020 (6 beds,
2.5 practising physicians and 3.14 registered nurses per 1,000 residents).
""")
code("""
import pandas as pd
import matplotlib.pyplot as plt

from spatialhealth import datasets, equity, regions
from spatialhealth.efficiency.synthetic import synthetic_panel
from spatialhealth.layers.weights import build_weights
from spatialhealth.layers.autocorrelation import moran_panel, lisa

panel = synthetic_panel(seed=20201101)          # SYNTHETIC: replace with your own long table
panel["beds_per_1k"] = panel.beds * 100 / panel.population
panel["physicians_per_1k"] = panel.physicians * 100 / panel.population
panel["nurses_per_1k"] = panel.nurses * 100 / panel.population
panel[["code", "province", "year", "beds_per_1k", "physicians_per_1k", "nurses_per_1k"]].head()
""")
md("## Health distance to the planning standard, graded with the published cut-points")
code("""
resources = ["beds_per_1k", "physicians_per_1k", "nurses_per_1k"]
ideal = {"beds_per_1k": 6.0, "physicians_per_1k": 2.5, "nurses_per_1k": 3.14}
hd = equity.health_distance(panel[resources], ideal, cuts=[0.355, 0.492, 0.631, 0.719])
panel["hd"] = hd.values.to_numpy()
panel["hd_level"] = hd.levels.to_numpy()
print(hd.summary()[:1500])
panel.groupby("year").hd.mean().round(3).to_frame("mean HD").T
""")
md("## Dagum Gini of the mismatch degree by region, every year")
code("""
dagum = equity.dagum_gini(panel, "hd", "region3", by="year")
table = dagum.frame
table.head(8)
""")
code("""
last = dagum[2022]
print(last.summary())
assert abs(last.within + last.between + last.transvariation - last.total) < 1e-10
""")
md("""
## Yearly global Moran's I of the mismatch degree

Queen contiguity from the bundled neighbour table (derived from real boundaries). The synthetic
panel has no Tibet, so the table is restricted to its 30 provinces. Hainan is an island under
contiguity; `islands="nearest"` links it to its nearest province and reports the link. Without
geometry the nearest is taken between centroids (Guangxi here); built from boundaries,
`build_weights(gdf)` uses the distance between polygons and links Hainan to Guangdong (14 km
across the strait).
""")
code("""
nb = datasets.load_province_neighbours("queen")
codes = sorted(panel.code.unique())
nb = nb[nb.code.isin(codes) & nb.neighbour.isin(codes)]
nb = pd.concat([nb, pd.DataFrame({"code": ["460000"], "neighbour": [None]})])  # Hainan: no land neighbour
xy = (datasets.load_province_centroids().query("code in @codes")
      .rename(columns={"x_albers": "x", "y_albers": "y"})[["code", "x", "y"]])
w = build_weights(nb, kind="table", islands="nearest", coordinates=xy)
print(w.summary())
print(w.added_links)
mp = moran_panel(panel, "hd", w, permutations=999, seed=1)
mp.frame
""")
code("""
ax = mp.plot()
plt.show()
""")
md("## LISA clusters of the mismatch degree in the last year")
code("""
last_year = panel[panel.year == 2022].set_index("code")
local = lisa(last_year.hd, w, permutations=999, alpha=0.05, seed=1)
local.frame[["code", "Ii", "quadrant", "p_sim", "cluster"]].merge(
    regions.provinces()[["code", "name_en"]], on="code").sort_values("Ii", ascending=False).head(10)
""")
code("""
local.frame.cluster.value_counts()
""")

nb = nbf.v4.new_notebook()
nb["cells"] = cells
nb["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/02_mismatch_dagum_moran.ipynb")
