"""Regenerate the README's screenshot of the sandbox: ``python scripts/screenshot.py``.

Runs the sandbox in this process (:class:`sandbox.server.SandboxServer`: free ports, a temporary
data dir) and photographs, with Playwright driving Debian's Chromium, the Overage module page as
the distributor sees it, a customer's Manage Overage panel open from the customer list. Needs the
``test`` extra (Playwright) and ``/usr/bin/chromium``; nothing leaves localhost.

Options: ``--output`` (default ``docs/images/sandbox.png``), ``--customer`` (a demo customer's
Connect id; default Fabrikam, enabled to an Azure subscription), ``--overview`` (photograph the
customer list, the work queue, instead: default output ``docs/images/overview.png``),
``--width``/``--height`` (the browser window).
"""
import argparse
import sys
from pathlib import Path
from typing import List, Optional


REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars']
DEFAULT_OUTPUT = REPO_ROOT / 'docs' / 'images' / 'sandbox.png'
OVERVIEW_OUTPUT = REPO_ROOT / 'docs' / 'images' / 'overview.png'
DEFAULT_CUSTOMER = 'TA-1000-0000-0002'
TIMEOUT_MS = 15000


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--output', type=Path, default=None, help='the PNG to write')
    parser.add_argument('--overview', action='store_true', help='the customer list, not a panel')
    parser.add_argument('--customer', default=DEFAULT_CUSTOMER, help='the customer to open (TA-...)')
    parser.add_argument('--width', type=int, default=1280)
    parser.add_argument('--height', type=int, default=800)
    return parser.parse_args(argv)


def photograph(url: str, customer_id: Optional[str], output: Path, viewport: dict) -> None:
    """Open the portal as the distributor, open ``customer_id`` from the list (None: stay on
    the list), save the PNG."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport, base_url=url)
            page.set_default_timeout(TIMEOUT_MS)
            page.goto('/')
            frame = page.frame_locator('#extension-page')
            if customer_id is None:
                expect(frame.locator('[data-test=next-step]').first).to_be_visible()
            else:
                row = frame.locator(f'[data-test=customer-table] tr[data-customer={customer_id}]')
                row.get_by_role('button').first.click()
                expect(frame.locator('[data-test=summary] [data-status]')).to_be_visible()
                expect(frame.locator('[data-test=findings]')).to_be_visible()
                # The panel puts the keyboard focus on its heading; a photo needs no focus ring.
                frame.locator('h2').first.evaluate('(heading) => heading.blur()')
            output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(output))
        finally:
            browser.close()


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f'{CHROMIUM} is missing: `apt-get install chromium`', file=sys.stderr)  # noqa: T201
        return 1
    sys.path.insert(0, str(REPO_ROOT))
    from sandbox.server import SandboxServer

    with SandboxServer() as server:
        output = args.output or (OVERVIEW_OUTPUT if args.overview else DEFAULT_OUTPUT)
        photograph(server.url, None if args.overview else args.customer, output.resolve(),
                   {'width': args.width, 'height': args.height})
    print(f'wrote {output}')  # noqa: T201
    return 0


if __name__ == '__main__':
    sys.exit(main())
