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

from infraprobe.handoff import build_report, save_report
from infraprobe.monitor.store import open_store
from infraprobe.result import Status
from infraprobe.taxonomy import Cause
from tests.browser import CONTRAST_JS, chromium, needs_chromium, screenshot
from tests.handoff.test_report import ANALYZE, _validate, _write
from tests.monitor.helpers import T0, minutes, obs

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


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
    screenshot(page, f"report-{viewport}.png")
    page.close()


def test_the_page_reports_what_the_json_says(browser: Any, page_file: Path) -> None:
    """The browser's own reading of the checklist agrees with report.json."""
    page = browser.new_page()
    page.goto(page_file.as_uri())
    states = page.evaluate("[...document.querySelectorAll('ul.checklist [role=img]')].map(e => e.ariaLabel)")
    data = json.loads((page_file.parent / "report.json").read_text())
    assert states == ["done" if c["passed"] else "open" for c in data["criteria"]]
    page.close()
