"""The HTML report in a real headless browser (Debian's chromium, driven by Playwright): it loads with no
network request, every image-like element has a text alternative, headings do not skip a level, text has
enough contrast, and nothing overflows sideways on a desktop or a phone. Screenshots are kept in
build/artifacts/ for a person (and CI) to look at.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from infraprobe.handoff import build_report, save_report
from infraprobe.monitor.store import open_store
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.handoff.test_report import ANALYZE, _validate, _write
from tests.monitor.helpers import T0, minutes, obs

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "artifacts"
# No GPU, no background traffic, no updates: a browser that only renders the file it is given.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium missing: ./dev setup installs it")

# WCAG 2 contrast of each element's own text against the nearest opaque background behind it.
CONTRAST_JS = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('svg')) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ': ' + ratio.toFixed(2));
  }
  return low;
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_file(tmp_path: Path) -> Path:
    """A report with everything in it: root causes, actions, a checklist half done, a timeline."""
    store = open_store(f"sqlite:///{tmp_path / 'history.db'}")
    rows = [obs("cache", Status.FAIL, at=T0 + minutes(i), cause=Cause.DNS_FAILURE) for i in range(20)]
    rows += [obs("cache", Status.OK, at=T0 + minutes(20 + i)) for i in range(20)]
    rows += [obs("db", Status.OK, at=T0 + minutes(i), duration=0.01 * (i % 7 + 1)) for i in range(40)]
    store.write(rows, [])
    store.close()
    _write(tmp_path, "analyze.json", ANALYZE)
    _write(tmp_path, "validate.json", _validate({"cache": False, "db": True}))
    return save_report(build_report([tmp_path]), tmp_path / "out")


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_report_page_is_accessible_and_fits(browser: Any, page_file: Path, viewport: str) -> None:
    width, height = VIEWPORTS[viewport]
    page = browser.new_page(viewport={"width": width, "height": height})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    assert requests == [page_file.as_uri()]  # the file itself, nothing else: no network needed
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title().startswith("Handoff report")
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('[role=img]')].filter(e => !e.ariaLabel).length"
    )
    assert unlabelled == 0 and page.locator("svg[role=img]").count() == 3
    assert page.evaluate(CONTRAST_JS) == []
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px sideways scroll at {width}px"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"report-{viewport}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
    page.close()


def test_the_page_reports_what_the_json_says(browser: Any, page_file: Path) -> None:
    """The browser's own reading of the checklist agrees with report.json."""
    page = browser.new_page()
    page.goto(page_file.as_uri())
    states = page.evaluate("[...document.querySelectorAll('ul.checklist [role=img]')].map(e => e.ariaLabel)")
    data = json.loads((page_file.parent / "report.json").read_text())
    assert states == ["done" if c["passed"] else "open" for c in data["criteria"]]
    page.close()
