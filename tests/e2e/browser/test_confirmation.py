"""A change Microsoft shows late, in a real browser on a sandbox that lags: the customer panel says
it is waiting for Microsoft to confirm, then the background pass confirms it and Activity says so."""
import time

import pytest
import requests

from sandbox.partner_center import demo
from sandbox.server import SandboxServer
from testkit.browser import CONTOSO, extension_frame


# Longer than the page's read-back (about 15 s), with room to open the page before it shows.
LAG = 30.0


@pytest.fixture
def lagging_sandbox(chromium):
    with SandboxServer(port=0, pc_lag=LAG, confirm_every=0.5) as server:
        yield server


def test_the_panel_waits_for_microsoft_then_activity_says_confirmed(lagging_sandbox, browser_page, expect):
    """conformance: PC-61"""
    started = time.monotonic()
    answer = requests.put(f'{lagging_sandbox.url}/api/customers/{CONTOSO}/overage',
                          json={'azure_subscription_id': demo.READY_ENTITLEMENT_ID}, timeout=60)
    assert answer.status_code == 202, answer.text

    page = browser_page(lagging_sandbox.url)
    page.goto(f'/?page=index.html&customer={CONTOSO}')
    frame = extension_frame(page)
    awaiting = frame.locator('[data-test=awaiting]')
    expect(awaiting).to_contain_text('Waiting for Microsoft to confirm…')
    expect(awaiting).to_contain_text(demo.READY_ENTITLEMENT_ID)

    time.sleep(max(0.0, LAG + 2.0 - (time.monotonic() - started)))  # the lag, and one pass
    frame.get_by_role('button', name='Reload').click()
    expect(frame.locator('[data-test=summary]')).to_contain_text('Enabled')
    expect(awaiting).to_have_count(0)
    frame.get_by_role('button', name='Activity').click()
    expect(frame.locator('[data-test=history-table]')).to_contain_text('Confirmed: Microsoft shows it')
