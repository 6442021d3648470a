"""Browser tests of the built pages (connect_ext/static) against the real sandbox.

Playwright for Python drives Debian's Chromium (``/usr/bin/chromium``): Playwright's own browser
download cannot run here. The tests are skipped, with the reason, only when that browser is
absent and ``OVERAGE_REQUIRE_BROWSER`` is not ``1``; CI installs Chromium and sets it, so there a
missing browser or Playwright is an error, not a skip.

Each test gets a fresh browser context; an uncaught JavaScript error in a page fails the test.
Tests that change Microsoft's (simulated) state take ``fresh_sandbox``; the others share one.
"""
import os
import re
from typing import Iterator, List

import pytest


CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
]
REQUIRE_ENV = 'OVERAGE_REQUIRE_BROWSER'
DEFAULT_VIEWPORT = {'width': 1280, 'height': 900}
# Playwright waits at most this long (ms) for a page to show something.
TIMEOUT_MS = 15000
PERSONA_COOKIE = 'sandbox_persona'


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == '1'


def skip_reason() -> str:
    """Why the browser tests cannot run here, or '' when they can (or must)."""
    if browser_required() or os.path.exists(CHROMIUM):
        return ''
    return (f'Debian Chromium ({CHROMIUM}) is not installed: `apt-get install chromium`, and set '
            f'{REQUIRE_ENV}=1 to make its absence an error')


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

    return SandboxServer(port=0)


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


class PageErrors:
    """Uncaught errors and console errors of the pages of one test."""

    def __init__(self):
        self.uncaught: List[str] = []
        self.console: List[str] = []

    def attach(self, page) -> None:
        page.on('pageerror', lambda error: self.uncaught.append(str(error)))
        page.on('console', lambda msg: msg.type == 'error' and self.console.append(msg.text))


def open_context(chromium, base_url: str, *, persona: str = 'distributor',
                 viewport=None):
    context = chromium.new_context(base_url=base_url, viewport=viewport or DEFAULT_VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    host = re.sub(r'^https?://', '', base_url).split(':')[0]
    context.add_cookies([{'name': PERSONA_COOKIE, 'value': persona, 'domain': host, 'path': '/'}])
    return context


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


def extension_frame(page):
    """The extension page inside the sandbox portal's iframe (the toolkit bridge host)."""
    return page.frame_locator('#extension-page')
