"""report.html of a run with hostile names, opened in Debian's Chromium (Playwright).

The page must open with no dialog, no page error and no request leaving the machine;
the hostile title and column name show as literal text; the LISA map frame draws its
provinces.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spatialhealth import datasets
from spatialhealth.app.runner import run_analysis

CHROMIUM = os.environ.get("SPATIALHEALTH_CHROMIUM", "/usr/bin/chromium")
HOSTILE_TITLE = "</script><script>alert(1)</script> \" ' ; -- 卫生资源"
HOSTILE_COLUMN = "<img src=x onerror=alert(2)>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian chromium not found at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    try:
        datasets.load_boundaries("province")
    except Exception as exc:
        pytest.skip(f"province boundaries not available: {exc}")
    d = tmp_path_factory.mktemp("hostile")
    df = datasets.load_province_health()[["code", "beds_10k", "population"]].rename(
        columns={"beds_10k": HOSTILE_COLUMN})
    df.to_csv(d / "t.csv", index=False)
    title = HOSTILE_TITLE.replace("\\", "\\\\").replace('"', '\\"')
    (d / "a.toml").write_text(f"""
[run]
title = "{title}"
[inputs.indicators]
path = "t.csv"
key = "code"
[boundaries]
level = "province"
[weights]
kind = "queen"
[[lisa]]
variable = "{HOSTILE_COLUMN}"
permutations = 99
[[equity]]
measure = "gini"
resource = "{HOSTILE_COLUMN}"
population = "population"
""", encoding="utf-8")
    run_analysis(d / "a.toml", out=d / "res")
    return d / "res" / "report.html"


def test_report_opens_safely_and_shows_names_as_text(report):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        dialogs, errors, external = [], [], []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            url = r.request.url
            if url.startswith(("file:", "data:", "about:", "blob:")):
                r.continue_()
            else:
                external.append(url)
                r.abort()

        page.route("**/*", route)
        page.goto(report.resolve().as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)
        assert page.locator("h1").inner_text() == HOSTILE_TITLE
        assert HOSTILE_COLUMN in page.locator("body").inner_text()
        assert page.locator("img[src='x']").count() == 0
        frames = [f for f in page.frames if f.url.endswith(".html") and "/maps/" in f.url]
        assert frames, "the LISA map frame did not load"
        assert frames[0].locator("path.leaflet-interactive").count() >= 31
        assert not dialogs and not errors and not external
        browser.close()
