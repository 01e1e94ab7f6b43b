"""Pages built from hostile names run no injected script (issue 12 point 3).

Built in Python, opened from file:// in Debian's Chromium through Playwright: no dialog,
no console error (a CSP violation is one), no page error, and every name shows as literal text.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from spatialhealth.layers import maps

CHROMIUM = os.environ.get("SPATIALHEALTH_CHROMIUM", "/usr/bin/chromium")
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"'><svg onload=alert(1)>",
    "a; DROP TABLE x; --",
    "北京 & <b>bold</b>",
]


def _hostile_grid(grid):
    g = grid.copy()
    g["name_en"] = [HOSTILE[i % len(HOSTILE)] + f" #{i}" for i in range(len(g))]
    g = g.rename(columns={"beds_per_1k": "<img src=x onerror=alert(2)>"})
    return g


# ----------------------------------------------------------------------------- no browser
def test_script_json_escapes_lt_gt_amp():
    out = maps._js("</script><b>&")
    assert "<" not in out and ">" not in out and "&" not in out
    assert out == '"\\u003c/script\\u003e\\u003cb\\u003e\\u0026"'


def test_no_raw_hostile_markup_in_page(grid):
    g = _hostile_grid(grid)
    html = maps.render_map(maps.choropleth_map(g, "<img src=x onerror=alert(2)>", offline=True,
                                               title=HOSTILE[0], layer_name=HOSTILE[1],
                                               legend_title=HOSTILE[2]))
    for bad in ("<script>alert", "<img src=x", "<svg onload", "<b>bold"):
        assert bad not in html
    assert html.count("</script>") == html.count("<script")


def test_same_map_gives_identical_bytes(grid, cities, od):
    def build():
        m = maps.flow_map(od, cities, top=8, k=3, offline=True, title="流动")
        maps.centrality_map(cities, "pagerank", m=m, layer_name="PageRank")
        return maps.render_map(m)

    a, b = build(), build()
    assert a == b
    assert maps.render_map(maps.lisa_map(grid, offline=True), seed=1) != \
        maps.render_map(maps.lisa_map(grid, offline=True), seed=2)


def test_offline_csp_lists_no_host_and_hashes_every_inline_script(grid):
    import base64
    import hashlib

    html = maps.render_map(maps.lisa_map(grid, offline=True))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "http" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert policy.startswith("default-src 'none'")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
    assert scripts
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    # the meta tag comes before the first script, so it governs every one
    assert html.index("Content-Security-Policy") < html.index("<script")


# ----------------------------------------------------------------------------- Chromium
def browser_only(fn):
    fn = pytest.mark.browser(fn)
    return pytest.mark.skipif(not Path(CHROMIUM).exists(),
                              reason=f"Debian chromium not found at {CHROMIUM}")(fn)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


def _open(browser, path):
    ctx = browser.new_context(viewport={"width": 1100, "height": 800})
    page = ctx.new_page()
    seen = {"dialogs": [], "console": [], "errors": [], "external": []}

    def on_dialog(d):
        seen["dialogs"].append(d.message)
        d.dismiss()

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            seen["external"].append(url)
            r.abort()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.route("**/*", route)
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    return ctx, page, seen


def _hover_all(page, selector, n):
    texts = []
    loc = page.locator(selector)
    for i in range(min(n, loc.count())):
        loc.nth(i).hover(force=True)
        tip = page.locator(".leaflet-tooltip")
        tip.first.wait_for(state="visible", timeout=3000)
        texts.append(tip.first.inner_text())
        assert tip.first.locator("img, svg, b, script").count() == 0
    return texts


@browser_only
@pytest.mark.parametrize("kind", ["lisa", "choropleth"])
def test_hostile_polygon_maps_in_chromium(kind, grid, tmp_path, browser):
    g = _hostile_grid(grid)
    col = "<img src=x onerror=alert(2)>"
    if kind == "lisa":
        m = maps.lisa_map(g, offline=True, title=HOSTILE[0], layer_name=HOSTILE[1],
                          tooltip=["name_en", "cluster", col])
    else:
        m = maps.choropleth_map(g, col, offline=True, title=HOSTILE[0], layer_name=HOSTILE[1],
                                legend_title=HOSTILE[2])
        maps.lisa_map(g, m=m, layer_name=HOSTILE[3])  # two layers: the layer control lists names
    path = maps.save_map(m, tmp_path / f"{kind}.html")
    ctx, page, seen = _open(browser, path)
    try:
        assert page.locator(".sh-title").inner_text() == HOSTILE[0]
        texts = _hover_all(page, "path.sh-region", 5)
        for i, t in enumerate(texts):
            assert HOSTILE[i % len(HOSTILE)] + f" #{i}" in t
        if kind == "lisa":
            assert col in texts[0]  # the column name is shown literally as the field label
        else:
            assert HOSTILE[2] in " ".join(page.locator(".sh-legend").all_inner_texts())
            overlays = [t.strip() for t in
                        page.locator(".leaflet-control-layers-overlays label").all_inner_texts()]
            assert overlays == [HOSTILE[1], HOSTILE[3]]
        assert page.locator("body img, body svg[onload]").count() == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert seen == {"dialogs": [], "console": [], "errors": [], "external": []}
    finally:
        ctx.close()


@browser_only
def test_hostile_network_maps_in_chromium(cities, od, tmp_path, browser):
    c = cities.copy()
    c["name_en"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(c))]
    m = maps.flow_map(od, c, top=8, k=3, offline=True, title=HOSTILE[1], layer_name=HOSTILE[0])
    maps.centrality_map(c, "pagerank", m=m, layer_name=HOSTILE[4])
    path = maps.save_map(m, tmp_path / "net.html")
    ctx, page, seen = _open(browser, path)
    try:
        assert page.locator(".sh-title").inner_text() == HOSTILE[1]
        texts = _hover_all(page, "path.sh-point", 8)
        assert {t.split("\n")[0].split("\t")[-1].strip() for t in texts} <= set(HOSTILE) | {""}
        assert any(h in " ".join(texts) for h in HOSTILE)
        assert seen == {"dialogs": [], "console": [], "errors": [], "external": []}
    finally:
        ctx.close()


@browser_only
def test_control_unescaped_payload_would_fire(tmp_path, browser):
    """Control: the recorder does see a dialog when a page does run the payload."""
    p = tmp_path / "bad.html"
    p.write_text("<html><body><script>alert(1)</script></body></html>", encoding="utf-8")
    ctx, page, seen = _open(browser, p)
    ctx.close()
    assert seen["dialogs"] == ["1"]
