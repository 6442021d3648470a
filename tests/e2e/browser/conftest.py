"""Browser tests of the built pages (connect_ext/static) against the real sandbox.

Playwright for Python drives Debian's Chromium; when the tests skip or fail without it is
testkit.browser's rule.

Each test gets a fresh browser context; an uncaught JavaScript error in a page fails the test.
Tests that change Microsoft's (simulated) state take ``fresh_sandbox``; the others share one.
"""
import os
from typing import Iterator

import pytest

from testkit.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REQUIRE_ENV,
    TIMEOUT_MS,
    PageErrors,
    open_context,
    skip_reason,
)


@pytest.fixture(scope='session')
def chromium():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail('Playwright for Python is not installed: `pip install playwright` '
                    '(the browser itself is Debian Chromium, not a Playwright download)')
    if not os.path.exists(CHROMIUM):
        pytest.fail(f'{REQUIRE_ENV}=1 but {CHROMIUM} is missing: `apt-get install chromium`')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        )
        yield browser
        browser.close()


def _start_sandbox():
    from sandbox.server import SandboxServer

    # Microsoft's lag off: these tests check each change as soon as the page says it is done
    # (the sandbox's own default lag is realistic: docs/conformance.md PC-61).
    return SandboxServer(port=0, pc_lag=0)


@pytest.fixture(scope='module')
def sandbox(chromium):
    """One sandbox for the tests that only read."""
    with _start_sandbox() as server:
        yield server


@pytest.fixture
def fresh_sandbox(chromium):
    """A sandbox of its own, for a test that changes overage."""
    with _start_sandbox() as server:
        yield server


@pytest.fixture
def browser_page(chromium) -> Iterator:
    """``make(base_url, persona=..., viewport=...)`` -> a page; uncaught page errors fail the test.

    Console errors are kept too: a 4xx/5xx that a page shows on purpose logs one, so only
    uncaught exceptions are failures.
    """
    contexts = []
    errors = PageErrors()

    def make(base_url: str, **options):
        context = open_context(chromium, base_url, **options)
        contexts.append(context)
        page = context.new_page()
        errors.attach(page)
        return page

    make.errors = errors
    yield make
    for context in contexts:
        context.close()
    assert not errors.uncaught, f'uncaught JavaScript errors: {errors.uncaught}'


@pytest.fixture
def expect(chromium):
    """Playwright's auto-waiting assertions (imported only once the browser is known to run)."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=TIMEOUT_MS)
    return playwright_expect
