"""A handover in a real browser: the page of a customer held by another partner says what to ask
the customer, the user asks for the handover, the other partner (the simulator's control) releases,
and the page shows it completed by itself, the overage enabled to the chosen Azure subscription."""
import pytest
import requests

from sandbox.partner_center import demo
from sandbox.server import SandboxServer
from testkit.browser import extension_frame


HELD = 'TA-1000-0000-0003'  # the demo customer whose overage the rival partner holds
# The card re-reads an open request every 10 s; the sandbox's watch runs every half second.
COMPLETES_WITHIN_MS = 40000


@pytest.fixture
def watching_sandbox(chromium):
    with SandboxServer(port=0, pc_lag=0, confirm_every=0.5) as server:
        yield server


def test_a_handover_asked_on_the_page_completes_by_itself(watching_sandbox, browser_page, expect):
    """conformance: PC-91, PC-92"""
    page = browser_page(watching_sandbox.url)
    page.goto(f'/?page=index.html&customer={HELD}')
    frame = extension_frame(page)
    card = frame.locator('[data-test=handover]')
    expect(card.locator('[data-test=handover-ask-words]')).to_contain_text(
        'Ask the customer to ask the partner that collects its overage now to set overage to None')

    card.locator('[data-test=handover-subscription]').select_option(demo.HELD_ENTITLEMENT_ID)
    card.get_by_role('button', name='Ask for the handover').click()
    notice = card.locator('[data-test=handover-notice]')
    expect(notice).to_contain_text('Waiting for the other partner to release it')
    expect(card.get_by_role('button', name='Cancel the request')).to_be_visible()

    released = requests.post(
        f'{watching_sandbox.pc.api_url}/_simulator/customers/{demo.HELD_CUSTOMER_ID}/overage/release',
        verify=watching_sandbox.pc.ca_bundle, timeout=10)
    assert released.status_code == 200, released.text

    expect(notice).to_contain_text('Released and enabled', timeout=COMPLETES_WITHIN_MS)
    expect(frame.locator('[data-test=summary]')).to_contain_text('Enabled')
    shown = watching_sandbox.pc_world.visible_overage(demo.HELD_CUSTOMER_ID)
    assert (shown.enabled, shown.azure_entitlement_id) == (True, demo.HELD_ENTITLEMENT_ID)
