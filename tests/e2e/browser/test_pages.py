"""Deep links, the other tabs, the customer home page and the settings page, in a real browser."""
from datetime import timedelta

from sqlalchemy import delete

from connect_ext.config import Settings
from connect_ext.partner_center.refresh_tokens import TokenCipher, credential_key, fingerprint
from connect_ext.store.models import Credential
from sandbox.partner_center import demo
from testkit.axe import assert_accessible
from testkit.browser import CONTOSO, FABRIKAM, extension_frame, standalone


NORTHWIND = 'TA-1000-0000-0003'  # overage held by another partner (Microsoft's 800115)
FABRIKAM_ASSET = 'AS-1000-0000-0002'


def test_deep_link_to_a_customer_opens_manage_overage_in_the_portal(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(f'/?page=index.html&customer={NORTHWIND}')
    frame = extension_frame(page)
    expect(frame.get_by_role('heading', name='Manage Overage: Northwind Phones')).to_be_visible()
    expect(frame.locator('[data-test=summary]')).to_contain_text('Held by another partner')
    expect(frame.locator('[data-test=summary]')).to_contain_text(demo.OTHER_PARTNER_MPN_ID)
    held = frame.locator('[data-code=OVERAGE_HELD_BY_OTHER_PARTNER]')
    expect(held).to_contain_text("assigned to another partner's Azure subscription")
    expect(held).to_contain_text('What to do: Ask the customer')

    # Nothing can change while another partner holds it: no Edit, but why not (issue 19, item 6).
    expect(frame.get_by_role('button', name='Edit')).to_have_count(0)
    expect(frame.locator('[data-test=why-no-edit]')).to_contain_text('another partner')

    frame.get_by_role('button', name='← All customers').click()
    expect(frame.locator('[data-test=customer-table] tbody tr')).to_have_count(11)
    expect(frame.locator('[data-test=count]')).to_have_text('11 customers')


def test_deep_link_to_a_subscription_links_back_to_it_in_connect(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(f'/?page=index.html&asset={FABRIKAM_ASSET}')
    frame = extension_frame(page)
    expect(frame.get_by_role('heading', name='Manage Overage: Fabrikam Calling')).to_be_visible()
    frame.get_by_role('button', name=f'Open subscription {FABRIKAM_ASSET} in Connect').click()
    # The portal (the toolkit bridge host) was asked to navigate to the subscription's page.
    expect(page.locator('#notes')).to_contain_text(
        f'subscriptions.directory.details (id={FABRIKAM_ASSET})')


def test_deep_link_standalone_and_a_mistyped_link(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(standalone('index.html', customer=FABRIKAM))
    expect(page.locator('[data-test=summary]')).to_contain_text('Enabled')
    # Standalone, the subscription is named but cannot be opened in a portal that is not there.
    expect(page.locator('[data-test=connect-assets]')).to_contain_text(
        f'{FABRIKAM_ASSET} (open it from Connect)')
    page.goto(standalone('index.html', customer='AS-1234'))
    expect(page.locator('[data-test=link-problem]')).to_contain_text(
        'is not a Connect customer id (TA-…)')
    expect(page.locator('[data-test=customer-table]')).to_be_visible()


def test_unknown_customer_reads_as_the_api_explains_it(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(standalone('index.html', customer='TA-9999-9999-9999'))
    notice = page.locator('[data-test=error]')
    expect(notice.locator('[data-test=error-message]')).to_contain_text(
        'No customer TA-9999-9999-9999 is known to the Overage Manager.')
    expect(notice.locator('[data-test=error-action]')).to_contain_text('What to do:')
    assert 'CUSTOMER_NOT_FOUND' not in page.locator('body').inner_text()


def test_status_filter_items_search_and_activity_tabs(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(standalone('index.html'))
    page.get_by_label('Overage status').select_option('other_partner')
    rows = page.locator('[data-test=customer-table] tbody tr')
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text('Northwind Phones')

    page.get_by_role('tab', name='OVG items').click()
    items = page.locator('[data-test=item-table] tbody tr')
    expect(items).to_have_count(2)
    expect(page.locator('[data-test=item-table]')).to_contain_text(
        'Microsoft Teams Phone with Calling Plan (NCE COM OVG 1MO)')
    page.get_by_label('Search items').fill('1YR')
    page.get_by_label('Search items').press('Enter')
    expect(items).to_have_count(1)
    expect(items).to_contain_text('NCE COM OVG 1YR ANN')
    assert 'tab=items' in page.url

    page.get_by_role('tab', name='Activity').click()
    page.get_by_label('Customer', exact=True).fill(CONTOSO)
    page.get_by_role('button', name='Show activity').click()
    expect(page.locator('[data-test=activity] [data-test=empty]')).to_have_text('No activity matches.')
    assert f'customer={CONTOSO}' in page.url
    assert 'tab=activity' in page.url


def test_customer_home_page_shows_its_own_overage_read_only(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, persona='customer')
    api_calls = []
    page.on('request', lambda request: '/api/' in request.url and api_calls.append(request.url))
    page.goto('/?page=customer.html')
    frame = extension_frame(page)
    expect(frame.get_by_role('heading', name='Manage Overage: Contoso Telecom Users')).to_be_visible()
    expect(frame.locator('[data-test=summary]')).to_contain_text('Disabled')
    expect(frame.locator('[data-test=read-only]')).to_contain_text('your provider manages it')
    expect(frame.get_by_role('button', name='Edit')).to_have_count(0)
    # The API names the customer from what Connect sends (conformance: CX-12): no guessing, no list.
    assert [url.split('/api', 1)[1] for url in api_calls] == [
        '/caller', f'/customers/{CONTOSO}/overage']

    # Standalone, with no shared context at all: the same answer.
    api_calls.clear()
    page.goto(standalone('customer.html'))
    expect(page.get_by_role('heading', name='Manage Overage: Contoso Telecom Users')).to_be_visible()
    expect(page.get_by_role('button', name='Edit')).to_have_count(0)
    assert not any('/api/customers?' in url for url in api_calls)


def test_a_reseller_opening_the_settings_page_sees_what_applies_to_it(sandbox, browser_page,
                                                                      expect):
    page = browser_page(sandbox.url, persona='reseller')
    page.goto('/?page=settings.html')
    frame = extension_frame(page)
    section = frame.locator('[data-test=reseller-settings]')
    expect(section).to_contain_text('What applies to your customers')
    expect(section).to_contain_text('tier1_mpn')
    expect(frame.get_by_role('button', name='Test Partner Center connection')).to_have_count(0)
    expect(frame.get_by_role('alert')).to_have_count(0)


def test_settings_page_and_the_connection_test(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto('/?page=settings.html')
    frame = extension_frame(page)
    expect(frame.get_by_role('heading', name='Overage settings')).to_be_visible()
    shown = frame.locator('[data-test=settings]')
    expect(shown).to_contain_text('OVG')
    expect(shown).to_contain_text('CN')
    expect(frame.locator('[data-test=settings-unavailable]')).to_have_count(0)

    frame.get_by_role('button', name='Test Partner Center connection').click()
    result = frame.locator('[data-test=connection-result]')
    expect(result).to_contain_text('Partner Center accepted the credentials.')
    expect(result).to_contain_text('App+User')


def test_the_settings_are_labelled_in_words_with_the_variable_as_secondary_text(
        sandbox, browser_page, expect):
    """Issue 19, item 12: no row is labelled with a raw key; what the answer carries (the tenant
    parameters, the products, Partner Center's ids and addresses) is shown; axe finds nothing."""
    page = browser_page(sandbox.url)
    page.goto(standalone('settings.html'))
    shown = page.locator('[data-test=settings]')
    expect(shown).to_be_visible()
    expect(page.locator('[data-test=partner-center-settings]')).to_be_visible()

    labels = page.locator('dt').all_inner_texts()
    assert len(labels) >= 20, labels
    for label in labels:
        assert '_' not in label, label
        assert label[:1].isupper(), label
    text = page.locator('body').inner_text().lower()
    for raw in ('reseller mpn param', 'webhook signed', 'store durable', 'tenant id params'):
        assert raw not in text

    def row(field):
        return page.locator(f'[data-fields="{field}"]')

    expect(row('webhook_signed').locator('[data-test=setting-value]')).to_have_text('Not signed')
    expect(row('reseller_mpn_param').locator('[data-test=setting-value]')).to_have_text('tier1_mpn')
    expect(row('reseller_mpn_param').locator('code')).to_have_text('RESELLER_MPN_PARAM')
    expect(row('tenant_id_params')).to_contain_text('ms_customer_id')
    expect(row('product_ids')).to_contain_text('PRD-')
    expect(row('partner_center.client_id').locator('[data-test=setting-value]')).not_to_have_text('not set')
    expect(row('partner_center.login_url')).to_contain_text('https://')
    expect(row('partner_center.mode')).to_contain_text('App+User')
    assert_accessible(page)


def test_a_failed_connection_test_reads_as_message_reason_and_action(
        fresh_sandbox, browser_page, expect):
    # conformance: PC-56. The sandbox's start already read Microsoft (the work queue), so the
    # configured token was rotated: every token the user holds is revoked (a password reset).
    fresh_sandbox.pc_world.revoke_every_refresh_token()
    fresh_sandbox.pc_world.expire_access_tokens()
    page = browser_page(fresh_sandbox.url)
    page.goto(standalone('settings.html'))
    with page.expect_response(lambda r: r.url.endswith('/api/settings/connection')) as answered:
        page.get_by_role('button', name='Test Partner Center connection').click()
    assert answered.value.status >= 400
    error = answered.value.json()['error']
    notice = page.locator('[data-test=error]')
    expect(notice.locator('[data-test=error-message]')).to_have_text(error['message'])
    expect(notice.locator('[data-test=error-action]')).to_have_text(f"What to do: {error['action']}")
    expect(page.locator('[data-test=connection-result]')).to_have_count(0)


def test_the_settings_page_warns_of_a_refresh_token_unused_for_60_days_until_it_is_renewed(
        fresh_sandbox, browser_page, expect):
    """A renewed token stored 61 days ago (and since revoked): the page warns; the connection test
    signs in (Entra refuses the stored token, the configured one works), which renews it, and the
    warning goes."""
    pc = Settings.from_config(fresh_sandbox.variables).partner_center
    store = fresh_sandbox.store
    with store.session() as session:  # the sandbox's start renewed it today: that record goes
        session.execute(delete(Credential))
    store.credentials.save_renewed(
        credential_key(pc),
        ciphertext=TokenCipher.for_secrets('', pc.client_secret).encrypt('rt-from-two-months-ago'),
        configured_fingerprint=fingerprint(pc.refresh_token),
        renewed_at=store.now() - timedelta(days=61),
    )
    fresh_sandbox.pc_world.expire_access_tokens()  # the next call signs in again
    page = browser_page(fresh_sandbox.url)
    page.goto(standalone('settings.html'))

    token = page.locator('[data-test=refresh-token]')
    expect(token.locator('[data-test=refresh-token-source]')).to_contain_text('kept encrypted in the store')
    warning = page.locator('[data-test=refresh-token-warning]')
    expect(warning).to_have_attribute('role', 'alert')
    expect(warning).to_contain_text('60 days or more without use')
    expect(warning).to_contain_text('What to do: Run the Partner Center connection test on this page')

    page.get_by_role('button', name='Test Partner Center connection').click()

    result = page.locator('[data-test=connection-result]')
    expect(result).to_contain_text('Partner Center accepted the credentials.')
    expect(warning).to_have_count(0)
    assert 'rt-from-two-months-ago' not in page.content()
