"""A new Azure subscription created from the page, in a real browser on the sandbox: for a customer
without an Azure plan (Microsoft shows it at once) and for one whose plan has no active subscription
(Microsoft shows it after the lag: the panel waits, then Activity names what was created)."""
import time

import pytest

from sandbox.partner_center import demo
from sandbox.server import SandboxServer
from testkit.browser import extension_frame


NO_AZURE_PLAN = 'TA-1000-0000-0004'
NO_AZURE_SUBSCRIPTION = 'TA-1000-0000-0005'
LAG = 20.0


@pytest.fixture
def prompt_sandbox(chromium):
    with SandboxServer(port=0, pc_lag=0.0, confirm_every=0.5) as server:
        yield server


@pytest.fixture
def lagging_sandbox(chromium):
    with SandboxServer(port=0, pc_lag=LAG, confirm_every=0.5) as server:
        yield server


def _create_from_the_page(frame, expect, description):
    frame.get_by_role('button', name='Edit').click()
    choice = frame.get_by_role('radio', name='Create a new Azure subscription', exact=False)
    expect(choice).to_be_checked()
    expect(frame.locator('[data-test=create-explained]')).to_contain_text(description)
    frame.locator('[data-test=save]').click()
    dialog = frame.get_by_role('alertdialog')
    expect(dialog).to_contain_text('Create a new Azure subscription for the overage of')
    expect(dialog).to_contain_text("billed to the customer's Azure plan")
    dialog.get_by_role('button', name='Create and enable overage').click()


def test_a_customer_without_an_azure_plan_is_enabled_to_a_new_plan(prompt_sandbox, browser_page, expect):
    """conformance: PC-80, PC-81"""
    page = browser_page(prompt_sandbox.url)
    page.goto(f'/?page=index.html&customer={NO_AZURE_PLAN}')
    frame = extension_frame(page)
    expect(frame.locator('[data-test=summary]')).to_contain_text('Disabled')

    _create_from_the_page(frame, expect, 'no-cost Azure plan')

    outcome = frame.locator('[data-test=outcome]')
    expect(outcome).to_contain_text('Microsoft created the Azure subscription Subscription 1')
    expect(outcome).to_contain_text('of the new Azure plan')
    expect(frame.locator('[data-test=summary]')).to_contain_text('Enabled')
    frame.get_by_role('button', name='Activity').click()
    expect(frame.locator('[data-test=created]').first).to_contain_text('Created by Microsoft: Subscription 1')


def test_an_empty_plan_gets_a_subscription_that_activity_names_after_the_lag(
        lagging_sandbox, browser_page, expect):
    """conformance: PC-82, PC-83"""
    page = browser_page(lagging_sandbox.url)
    page.goto(f'/?page=index.html&customer={NO_AZURE_SUBSCRIPTION}')
    frame = extension_frame(page)
    expect(frame.locator('[data-test=summary]')).to_contain_text('Disabled')
    started = time.monotonic()

    _create_from_the_page(frame, expect, demo.NO_AZURE_SUBSCRIPTION_PLAN_ID)

    expect(frame.locator('[data-test=outcome]')).to_contain_text('Waiting for Microsoft', timeout=30_000)
    expect(frame.locator('[data-test=awaiting]')).to_contain_text(
        'overage to a new Azure subscription Microsoft creates')
    time.sleep(max(0.0, LAG + 2.0 - (time.monotonic() - started)))  # the lag, and one pass
    frame.get_by_role('button', name='Reload').click()
    expect(frame.locator('[data-test=summary]')).to_contain_text('Enabled')
    frame.get_by_role('button', name='Activity').click()
    expect(frame.locator('[data-test=history-table]')).to_contain_text('Confirmed: Microsoft shows it')
    expect(frame.locator('[data-test=created]').first).to_contain_text(
        'Created by Microsoft: Subscription 2')
