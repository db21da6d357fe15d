"""Fixtures of the browser tests: one Chromium per session, a fresh page per test, artefacts.

``shots`` (an ``Artifacts``) keeps numbered screenshots of a test's steps, pass or fail; when a test
fails, the ``page`` fixture also saves the page's HTML and a screenshot of what was on screen.
"""
from __future__ import annotations

from contextlib import suppress

import pytest

from servers import CHROMIUM, HAVE_CHROMIUM, Artifacts, artifacts_dir, safe_name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module.  Not for the session: while Playwright's sync API is open, the
    main thread reports a running asyncio loop that nothing runs, which misleads later tests (and
    code) that look for one — so it is closed when the module's browser tests are done."""
    if not HAVE_CHROMIUM:
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(request) -> Artifacts:
    kept = Artifacts(safe_name(request.node.name), artifacts_dir())
    kept.clear_old()
    return kept


@pytest.fixture
def page(browser, shots, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        with suppress(Exception):
            shots.path("failure", ".html").write_text(page.content(), encoding="utf-8")
        with suppress(Exception):
            shots.shot(page, "failure")
    context.close()
