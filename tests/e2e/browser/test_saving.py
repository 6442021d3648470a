"""Saving as a user sees it, in a real browser against the sandbox (issue 19, items 7 and 3).

Item 7: Microsoft's answer to the overage PUT arrives late, or is lost (the simulator's control,
conformance PC-97); the extension keeps its own time-outs (the Partner Center client's 30 s read
time-out, its retry budget). The confirmation says what is happening and that it is safe to wait,
then the outcome arrives and the page shows it; Microsoft was written once.

Item 3: a customer allowed to change its own overage (``CUSTOMERS_MAY_CHANGE``) keeps Edit after a
successful save, and a second change works without reloading the page.
"""
import time

import pytest
import requests

from connect_ext.config import Settings
from sandbox.partner_center import demo
from sandbox.server import SandboxServer
from testkit.axe import assert_accessible
from testkit.browser import CONTOSO, extension_frame, standalone


OVERAGE_PUT = '/subscriptions/overage$'
# When the page starts to speak of a long save (ui/utils/panel.js LONG_SAVE_AFTER_MS).
LONG_SAVE_AFTER_S = 3.0
# A slow answer: past the notice, well inside the client's read time-out.
SLOW_ANSWER_S = 8.0
# What the notice says (ui/utils/panel.js LONG_SAVE_TEXT), in the words a user reads.
# What only partner staff read (tests/e2e/browser/test_panel_audience.py has the panel's list).
PARTNER_ONLY_WORDS = ('CSP discount', 'margin', 'partner-earned credit', 'under your account',
                      'You will be billed', 'Reseller partner id')
LONG_SAVE_WORDS = ('Microsoft is still working on the change.', 'It is safe to wait',
                   'the outcome shows here as soon as it arrives', 'Do not send the change again.')


def hold_next_answer(sandbox, seconds):
    """The sandbox's Partner Center control: hold the answer to Contoso's next overage PUT."""
    answer = requests.post(
        f'{sandbox.pc.api_url}/_simulator/customers/{demo.READY_CUSTOMER_ID}/overage/hold-answer',
        json={'seconds': seconds}, verify=sandbox.pc.ca_bundle, timeout=10)
    assert answer.status_code == 200, answer.text


def writes_of_contoso(sandbox):
    """The overage PUTs Partner Center received for Contoso, and the changes it recorded."""
    return (sandbox.pc.calls.matching('PUT', OVERAGE_PUT),
            list(sandbox.pc_world.overage.get(demo.READY_CUSTOMER_ID, [])))


def choose(page_or_frame, azure_subscription_id):
    """Edit, pick the Azure subscription, Save: the confirmation dialog."""
    page_or_frame.locator('[data-test=edit]').click()
    page_or_frame.get_by_label('Azure subscription', exact=True).select_option(azure_subscription_id)
    page_or_frame.locator('[data-test=save]').click()
    return page_or_frame.get_by_role('alertdialog')


def confirm(dialog, expect, label):
    button = dialog.locator('[data-test=confirm]')
    expect(button).to_have_text(label)
    button.click()
    return dialog


def choose_and_confirm(page_or_frame, expect, azure_subscription_id, label):
    return confirm(choose(page_or_frame, azure_subscription_id), expect, label)


def _saves_through_a_held_answer(sandbox, browser_page, expect, held_seconds):
    read_timeout = Settings.from_config(sandbox.variables).partner_center.read_timeout
    assert read_timeout == 30.0  # the extension's own time-out, not one shortened for the test
    hold_next_answer(sandbox, held_seconds)
    page = browser_page(sandbox.url)
    sent = []
    page.on('request', lambda r: r.method == 'PUT' and '/api/' in r.url and sent.append(r.url))
    page.goto(standalone('index.html', customer=CONTOSO))
    expect(page.locator('[data-test=summary]')).to_contain_text('Disabled')

    started = time.monotonic()
    dialog = choose_and_confirm(page, expect, demo.READY_SECOND_ENTITLEMENT_ID, 'Enable overage')
    notice = dialog.locator('[data-test=long-save]')
    expect(notice).to_be_visible(timeout=(LONG_SAVE_AFTER_S + 10) * 1000)
    assert time.monotonic() - started >= LONG_SAVE_AFTER_S - 0.5  # not at once: after a while
    for words in LONG_SAVE_WORDS:
        expect(notice).to_contain_text(words)
    expect(notice).to_have_attribute('role', 'status')
    expect(dialog.locator('[data-test=confirm]')).to_have_text('Saving…')
    expect(dialog.locator('[data-test=confirm]')).to_be_disabled()
    expect(dialog.get_by_role('button', name='Cancel')).to_be_disabled()
    assert_accessible(page)

    outcome = page.locator('[data-test=outcome]')
    expect(outcome).to_contain_text('Overage now goes to', timeout=(held_seconds + 40) * 1000)
    # The answer was held as asked, or until the client's read time-out gave up on it.
    assert time.monotonic() - started >= min(held_seconds, read_timeout)
    expect(outcome).to_contain_text(demo.READY_SECOND_ENTITLEMENT_ID)
    expect(page.locator('[data-test=summary]')).to_contain_text('Enabled')
    expect(page.get_by_role('alertdialog')).to_have_count(0)
    expect(page.locator('[data-test=long-save]')).to_have_count(0)
    expect(page.locator('[data-test=error]')).to_have_count(0)
    assert len(sent) == 1  # the page sent the change once
    state = sandbox.pc_world.overage_state(demo.READY_CUSTOMER_ID)
    assert (state.enabled, state.azure_entitlement_id) == (True, demo.READY_SECOND_ENTITLEMENT_ID)
    return writes_of_contoso(sandbox)


def test_a_slow_answer_says_it_is_safe_to_wait_then_shows_the_outcome(fresh_sandbox, browser_page, expect):
    """conformance: PC-97"""
    puts, changes = _saves_through_a_held_answer(fresh_sandbox, browser_page, expect, SLOW_ANSWER_S)

    assert [(call.status, call.fault) for call in puts] == [(200, 'lost')]
    assert len(changes) == 1  # Microsoft recorded one change


def test_a_lost_answer_still_ends_in_the_outcome_and_one_write(fresh_sandbox, browser_page, expect):
    """Held past the client's 30 s read time-out: the client sends the change again under the same
    MS-RequestId, which gets Microsoft's first answer; the page waited, saying why.

    conformance: PC-32, PC-97
    """
    puts, changes = _saves_through_a_held_answer(fresh_sandbox, browser_page, expect, 32.0)

    assert [(call.status, call.fault) for call in puts] == [(200, 'lost'), (200, None)]
    assert len({call.request_id for call in puts}) == 1  # the retry is the same call
    assert len(changes) == 1  # Microsoft recorded one change


@pytest.fixture
def self_service_sandbox(chromium):
    with SandboxServer(port=0, pc_lag=0, variables={'CUSTOMERS_MAY_CHANGE': 'true'}) as server:
        yield server


def test_a_customer_keeps_edit_after_a_save_and_changes_again_without_reload(
        self_service_sandbox, browser_page, expect):
    page = browser_page(self_service_sandbox.url, persona='customer')
    callers = []
    page.on('request', lambda r: r.url.endswith('/api/caller') and callers.append(r.url))
    page.goto('/?page=customer.html')
    frame = extension_frame(page)
    expect(frame.locator('[data-test=summary]')).to_contain_text('Disabled')
    expect(frame.locator('[data-test=read-only]')).to_have_count(0)

    dialog = choose(frame, demo.READY_ENTITLEMENT_ID)
    expect(dialog).to_be_visible()
    # The confirmation speaks to the customer, not to a partner (issue 19, item 1).
    assert [words for words in PARTNER_ONLY_WORDS if words in dialog.inner_text()] == []
    confirm(dialog, expect, 'Enable overage')
    outcome = frame.locator('[data-test=outcome]')
    expect(outcome).to_contain_text(demo.READY_ENTITLEMENT_ID)
    expect(frame.locator('[data-test=summary]')).to_contain_text('Enabled')
    edit = frame.locator('[data-test=edit]')
    expect(edit).to_be_visible()
    expect(edit).to_be_enabled()
    expect(frame.locator('[data-test=read-only]')).to_have_count(0)

    choose_and_confirm(frame, expect, demo.READY_SECOND_ENTITLEMENT_ID, 'Move overage')
    expect(outcome).to_contain_text(demo.READY_SECOND_ENTITLEMENT_ID)
    expect(frame.locator('[data-test=azure-subscription]')).to_contain_text(
        demo.READY_SECOND_ENTITLEMENT_ID)
    expect(edit).to_be_visible()
    assert len(callers) == 1  # one page load: no reload between the two changes
    state = self_service_sandbox.pc_world.overage_state(demo.READY_CUSTOMER_ID)
    assert (state.enabled, state.azure_entitlement_id) == (True, demo.READY_SECOND_ENTITLEMENT_ID)
    puts = self_service_sandbox.pc.calls.matching('PUT', OVERAGE_PUT)
    assert [call.status for call in puts] == [200, 200]
    assert_accessible(extension_frame_document(page))


def extension_frame_document(page):
    """The extension page's own document inside the portal (axe runs there)."""
    return next(frame for frame in page.frames if frame.url.split('?')[0].endswith('/customer.html'))
