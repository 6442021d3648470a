"""The browser tests' support: when Chromium runs, skips or fails (the rule CI relies on), the
pages' browser contexts and errors, and where the pages live in the sandbox.

Playwright for Python drives Debian's Chromium (``/usr/bin/chromium``): Playwright's own browser
download cannot run here. The tests are skipped, with the reason, only when that browser is
absent and ``OVERAGE_REQUIRE_BROWSER`` is not ``1``; CI installs Chromium and sets it, so there a
missing browser or Playwright is an error, not a skip.
"""
import os
import re
from typing import List


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

# Customers of the sandbox's world, as the pages show them.
CONTOSO = 'TA-1000-0000-0001'  # ready to enable: one Azure plan, two Azure subscriptions
FABRIKAM = 'TA-1000-0000-0002'  # enabled to the distributor's Azure subscription


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == '1'


def skip_reason() -> str:
    """Why the browser tests cannot run here, or '' when they can (or must)."""
    if browser_required() or os.path.exists(CHROMIUM):
        return ''
    return (f'Debian Chromium ({CHROMIUM}) is not installed: `apt-get install chromium`, and set '
            f'{REQUIRE_ENV}=1 to make its absence an error')


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
    """A browser context on ``base_url`` as the sandbox ``persona``."""
    context = chromium.new_context(base_url=base_url, viewport=viewport or DEFAULT_VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    host = re.sub(r'^https?://', '', base_url).split(':')[0]
    context.add_cookies([{'name': PERSONA_COOKIE, 'value': persona, 'domain': host, 'path': '/'}])
    return context


def extension_frame(page):
    """The extension page inside the sandbox portal's iframe (the toolkit bridge host)."""
    return page.frame_locator('#extension-page')


def standalone(path: str, **query) -> str:
    """The URL of a built page served on its own (outside the portal)."""
    params = '&'.join(f'{key}={value}' for key, value in {'sandbox_standalone': 1, **query}.items())
    return f'/static/{path}?{params}'
