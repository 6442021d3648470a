"""The Manage Overage walk in a real browser: list -> customer -> edit -> confirm -> saved.

Against the real web app in the sandbox (Partner Center and Connect simulated), through the
built pages in connect_ext/static. Microsoft's simulated state is checked after each change.
"""
import json
import re

from sandbox.partner_center import demo
from testkit.browser import CONTOSO, FABRIKAM, extension_frame, standalone


def test_enable_from_the_customer_list_inside_the_portal(fresh_sandbox, browser_page, expect):
    page = browser_page(fresh_sandbox.url)
    page.goto('/?page=index.html')
    frame = extension_frame(page)

    table = frame.locator('[data-test=customer-table]')
    expect(table).to_contain_text('Contoso Telecom Users')
    expect(table.locator(f'tr[data-customer={FABRIKAM}]')).to_contain_text('Enabled')
    expect(table.locator('tr[data-customer=TA-1000-0000-0003]')).to_contain_text('Held by another partner')

    frame.get_by_label('Search').fill('Contoso')
    expect(table.locator('tbody tr')).to_have_count(1)
    frame.get_by_role('button', name='Contoso Telecom Users').click()

    summary = frame.locator('[data-test=summary]')
    expect(summary).to_contain_text('Disabled')
    expect(frame.locator('[data-test=findings]')).to_contain_text(
        'Overage charges carry no CSP discount, margin or partner-earned credit.')
    assert 'customer=TA-1000-0000-0001' in frame.locator('html').evaluate('() => location.search')

    frame.get_by_role('button', name='Edit').click()
    plan = frame.get_by_label('Azure plan', exact=True)
    expect(plan).to_have_value(demo.READY_PLAN_ID)  # the only plan is chosen already
    frame.get_by_label('Azure subscription', exact=True).select_option(demo.READY_SECOND_ENTITLEMENT_ID)
    frame.get_by_role('button', name='Save').click()

    dialog = frame.get_by_role('alertdialog')
    expect(dialog).to_contain_text('Send the overage of Contoso Telecom Users to')
    expect(dialog).to_contain_text('1 subscription under your account, and all those bought from '
                                   'other partners and channels')
    # The portal's iframe is as tall as the page: the dialog must open where the user looks.
    box, viewport = dialog.bounding_box(), page.viewport_size
    assert box['y'] >= 0
    assert box['y'] + box['height'] <= viewport['height'] + 1  # sub-pixel layout
    with page.expect_request(lambda r: r.method == 'PUT') as sent:
        dialog.get_by_role('button', name='Enable overage').click()
    headers = sent.value.headers
    assert re.fullmatch(r'"[0-9a-f]+"', headers['if-match'])
    assert re.fullmatch(r'[0-9a-f-]{36}', headers['idempotency-key'])
    assert json.loads(sent.value.post_data) == {
        'azure_subscription_id': demo.READY_SECOND_ENTITLEMENT_ID}

    outcome = frame.locator('[data-test=outcome]')
    expect(outcome).to_contain_text('Overage now goes to')
    expect(outcome).to_contain_text(demo.READY_SECOND_ENTITLEMENT_ID)
    expect(summary).to_contain_text('Enabled')
    expect(dialog).to_have_count(0)
    state = fresh_sandbox.pc_world.overage_state(demo.READY_CUSTOMER_ID)
    assert state.enabled
    assert state.azure_entitlement_id == demo.READY_SECOND_ENTITLEMENT_ID
    # The portal received the toolkit's snackbar message.
    expect(page.locator('#notes')).to_contain_text('Overage now goes to')

    frame.get_by_role('button', name='Activity').click()
    history = frame.locator('[data-test=history-table]')
    expect(history).to_contain_text('Enable')
    expect(history).to_contain_text('Done')
    expect(history).to_contain_text('Dana Distributor (Distributor)')


def test_none_asks_to_confirm_how_many_subscriptions_stop(fresh_sandbox, browser_page, expect):
    page = browser_page(fresh_sandbox.url)
    page.goto(standalone('index.html', customer=FABRIKAM))
    expect(page.locator('[data-test=summary]')).to_contain_text('Enabled')
    expect(page.locator('[data-test=azure-subscription]')).to_contain_text(
        demo.ENABLED_ENTITLEMENT_ID)

    page.get_by_role('button', name='Edit').click()
    page.get_by_label(re.compile('^None: overage disabled')).check()
    page.get_by_role('button', name='Save').click()
    dialog = page.get_by_role('alertdialog')
    expect(dialog.get_by_role('heading')).to_have_text('Set overage to None for Fabrikam Calling?')
    expect(dialog).to_contain_text('1 overage-capable subscription of Fabrikam Calling under your '
                                   'account will stop at its monthly limit')
    dialog.get_by_role('button', name='Set overage to None').click()

    expect(page.locator('[data-test=outcome]')).to_have_text('Overage is now set to None.')
    expect(page.locator('[data-test=summary]')).to_contain_text('Disabled')
    state = fresh_sandbox.pc_world.overage_state(demo.ENABLED_CUSTOMER_ID)
    assert state is not None
    assert not state.enabled


def test_a_microsoft_rejection_reads_as_message_reason_and_action(
        fresh_sandbox, browser_page, expect):
    world = fresh_sandbox.pc_world
    with world.lock:  # the integration user loses the Admin agent role: Microsoft answers 800114
        for user in world.partners[demo.DISTRIBUTOR_TENANT_ID].users.values():
            user.admin_agent = False
    world.expire_access_tokens()

    page = browser_page(fresh_sandbox.url)
    page.goto(standalone('index.html', customer=CONTOSO))
    page.get_by_role('button', name='Edit').click()
    page.get_by_label('Azure subscription', exact=True).select_option(demo.READY_ENTITLEMENT_ID)
    page.get_by_role('button', name='Save').click()
    with page.expect_response(lambda r: r.request.method == 'PUT') as answered:
        page.get_by_role('alertdialog').get_by_role('button', name='Enable overage').click()
    assert answered.value.status == 403
    error = answered.value.json()['error']

    notice = page.locator('[data-test=error]')
    expect(notice.locator('[data-test=error-message]')).to_have_text(error['message'])
    expect(notice.locator('[data-test=error-reason]')).to_have_text(f"Why: {error['reason']}")
    expect(notice.locator('[data-test=error-action]')).to_have_text(f"What to do: {error['action']}")
    expect(notice).to_be_focused()
    assert error['code'] not in page.locator('body').inner_text()
    expect(page.get_by_role('alertdialog')).to_have_count(0)
    expect(page.locator('[data-test=summary]')).to_contain_text('Disabled')
    expect(page.get_by_role('button', name='Save')).to_be_enabled()  # the choice is kept to retry
    state = world.overage_state(demo.READY_CUSTOMER_ID)
    assert state is None or not state.enabled
