"""The weights / moran / lisa / zonal / rasterize commands, end to end on small files."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from shapely.geometry import box

from spatialhealth.app.cli import main

DATA = Path(__file__).parents[1] / "data" / "layers"


@pytest.fixture()
def lattice(tmp_path):
    cells = [box(i * 1000, j * 1000, (i + 1) * 1000, (j + 1) * 1000) for j in range(6) for i in range(6)]
    rng = np.random.default_rng(2)
    v = np.add.outer(np.arange(6.0), np.arange(6.0)).ravel() + rng.normal(scale=0.3, size=36)
    gdf = gpd.GeoDataFrame({"code": [f"{100000 + k}" for k in range(36)], "v": v, "u": rng.normal(size=36)},
                           geometry=cells, crs=3857)
    path = tmp_path / "grid.gpkg"
    gdf.to_file(path)
    return path, gdf


def test_weights_command_from_table_and_geometry(tmp_path, lattice, capsys):
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == "queen_W"].rename(columns={"focal_adcode": "code", "neighbour_adcode": "nb"})
    nb[["code", "nb"]].to_csv(tmp_path / "nb.csv", index=False)
    assert main(["weights", str(tmp_path / "nb.csv"), "--neighbour-col", "nb", "--islands", "keep",
                 "--out", str(tmp_path / "q.gal")]) == 0
    out = capsys.readouterr().out
    assert "units             30" in out  # Hainan has no row in a pure pair table
    assert (tmp_path / "q.gal").exists()
    path, _ = lattice
    assert main(["weights", str(path), "--kind", "rook"]) == 0
    assert "links (directed)  120" in capsys.readouterr().out
    assert main(["weights", str(path), "--kind", "distance_band"]) == 2  # threshold missing: readable error
    assert "threshold" in capsys.readouterr().err


def test_moran_and_lisa_commands(tmp_path, lattice, capsys):
    path, gdf = lattice
    assert main(["moran", str(path), "-c", "v", "-c", "u", "--seed", "1", "--permutations", "99",
                 "--out", str(tmp_path / "m.csv")]) == 0
    m = pd.read_csv(tmp_path / "m.csv")
    assert m.variable.tolist() == ["v", "u"] and m.I.iloc[0] > 0.5
    out = tmp_path / "lisa"
    assert main(["lisa", str(path), "-c", "v", "--seed", "1", "--permutations", "99", "--out", str(out)]) == 0
    table = pd.read_csv(out / "lisa_v.csv", dtype={"code": str})
    assert {"Ii", "quadrant", "p_sim", "cluster"} <= set(table.columns)
    assert (out / "lisa_v.gpkg").exists() and (out / "lisa_clusters_v.png").exists()
    back = gpd.read_file(out / "lisa_v.gpkg")
    assert back.cluster.tolist() == table.cluster.tolist()
    assert main(["lisa", str(path), "-c", "v", "--against", "u", "--permutations", "9", "--out", str(out)]) == 0
    assert (out / "lisa_v_vs_u.csv").exists()
    assert main(["lisa", str(path), "-c", "missing", "--out", str(out)]) == 2


def test_zonal_and_rasterize_commands(tmp_path, lattice, capsys):
    from spatialhealth.layers.raster import write_array

    path, gdf = lattice
    tif = write_array(tmp_path / "ones.tif", np.ones((60, 60)), bounds=(0, 0, 6000, 6000), crs="EPSG:3857")
    assert main(["zonal", str(tif), str(path), "--stats", "sum", "--out", str(tmp_path / "z.csv")]) == 0
    z = pd.read_csv(tmp_path / "z.csv")
    assert (z["sum"] == 100).all() and len(z) == 36
    assert main(["rasterize", str(path), "-c", "v", "--resolution", "500", "--classes", "4",
                 "--out", str(tmp_path / "v.tif")]) == 0
    with rasterio.open(tmp_path / "v.tif") as src:
        assert src.read(1).max() == 4 and src.colormap(1)[4][3] == 255


def test_lisa_from_table_and_neighbour_file(tmp_path, capsys):
    nb = pd.read_csv(DATA / "province_neighbours.csv", dtype=str)
    nb = nb[nb.wtype == "queen_W"].rename(columns={"focal_adcode": "code", "neighbour_adcode": "neighbour"})
    nb[["code", "neighbour"]].to_csv(tmp_path / "queen.csv", index=False)
    h = pd.read_csv(DATA / "province_health_2020.csv").rename(columns={"adcode": "code"})
    h.to_csv(tmp_path / "health.csv", index=False)
    out = tmp_path / "o"
    # Hainan has no neighbour and no geometry to find one: a readable error, then keep
    assert main(["lisa", str(tmp_path / "health.csv"), "-c", "beds_10k", "--weights", str(tmp_path / "queen.csv"),
                 "--out", str(out)]) == 2
    assert "460000" in capsys.readouterr().err
    assert main(["lisa", str(tmp_path / "health.csv"), "-c", "beds_10k", "--weights", str(tmp_path / "queen.csv"),
                 "--islands", "keep", "--seed", "3", "--permutations", "99", "--out", str(out)]) == 0
    t = pd.read_csv(out / "lisa_beds_10k.csv", dtype={"code": str}).set_index("code")
    assert len(t) == 31 and t.loc["460000", "cluster"] == "ns" and np.isnan(t.loc["460000", "Ii"])
    assert (out / "moran_scatter_beds_10k.png").exists() and not (out / "lisa_beds_10k.gpkg").exists()
