"""The Manage Overage panel as each persona sees it (issue 19, items 1, 4, 5, 6, 11, 12), at 768 and
390 px, with axe-core: words by audience, no Edit where nothing can change, blockers once and in
order, the Communications Credits warning, where the charges show, the preselected subscription."""
import pytest

from testkit.axe import PAGE_OVERFLOW, WORDS_BROKEN, assert_accessible
from testkit.browser import CONTOSO, FABRIKAM, extension_frame, standalone


HELD = 'TA-1000-0000-0003'
BLOCKED_COUNTRY = 'TA-1000-0000-0007'
CHINA = 'TA-1000-0000-0008'
TABLET = {'width': 768, 'height': 1024}
PHONE = {'width': 390, 'height': 844}
PARTNER_ONLY_WORDS = (
    'CSP discount', 'margin', 'partner-earned credit', "at or above Microsoft's", 'under your account',
    'You will be billed', 'Reseller partner id', 'BLOCKED_COUNTRIES', 'TENANT_ID_PARAMS',
)
# Moderate axe findings this page may show, and why they are acceptable: none expected.
EXPLAINED = {}


def open_panel(page, customer_id, expect):
    page.goto(standalone('index.html', customer=customer_id))
    expect(page.locator('[data-test=summary]')).to_be_visible()
    expect(page.locator('[data-test=findings]')).to_be_visible()


def partner_words(text):
    return [word for word in PARTNER_ONLY_WORDS if word in text]


@pytest.mark.parametrize('viewport', [TABLET, PHONE], ids=['768px', '390px'])
def test_the_customer_reads_its_own_words_and_no_partner_id(sandbox, browser_page, expect, viewport):
    page = browser_page(sandbox.url, persona='customer', viewport=viewport)
    page.goto('/?page=customer.html')
    frame = extension_frame(page)
    expect(frame.locator('[data-test=summary]')).to_be_visible()
    expect(frame.locator('[data-test=findings]')).to_be_visible()
    text = frame.locator('body').inner_text()
    assert partner_words(text) == []
    # Its own tenant's words: the pricing note and the auto-recharge warning, for a customer.
    assert "Microsoft's pay-as-you-go rates" in text
    assert 'Have your Global admin turn off auto-recharge' in text
    html = frame.locator('html')
    overflow = html.evaluate(PAGE_OVERFLOW)
    assert overflow['scroll'] <= overflow['client'], overflow
    assert html.evaluate(WORDS_BROKEN, '[data-test=manager]') == []


@pytest.mark.parametrize('viewport', [TABLET, PHONE], ids=['768px', '390px'])
def test_partner_staff_keep_the_pricing_note_and_the_reseller_column(sandbox, browser_page, expect, viewport):
    page = browser_page(sandbox.url, viewport=viewport)
    open_panel(page, CONTOSO, expect)
    text = page.locator('body').inner_text()
    assert 'no CSP discount, margin or partner-earned credit' in text
    expect(page.locator('[data-test=ovg-subscriptions]')).to_contain_text('Reseller partner id')
    # Item 4: the Communications Credits warning where overage can be switched on.
    expect(page.locator('[data-code=COMMUNICATIONS_CREDITS_AUTO_RECHARGE]')).to_have_count(1)
    overflow = page.evaluate(PAGE_OVERFLOW)
    assert overflow['scroll'] <= overflow['client'], overflow
    assert page.evaluate(WORDS_BROKEN, '[data-test=manager]') == []
    buttons = [page.locator(f'[data-test={name}]').bounding_box() for name in ('reload', 'edit')]
    assert buttons[0]['x'] + buttons[0]['width'] <= viewport['width']
    assert not _overlap(*buttons), buttons
    assert_accessible(page, explained=EXPLAINED)


def _overlap(a, b):
    return not (a['x'] + a['width'] <= b['x'] or b['x'] + b['width'] <= a['x']
                or a['y'] + a['height'] <= b['y'] or b['y'] + b['height'] <= a['y'])


@pytest.mark.parametrize('customer_id', [CHINA, BLOCKED_COUNTRY])
def test_no_edit_where_nothing_can_change_and_the_blocker_shows_once(
        sandbox, browser_page, expect, customer_id):
    page = browser_page(sandbox.url, viewport=TABLET)
    open_panel(page, customer_id, expect)
    expect(page.locator('[data-test=edit]')).to_have_count(0)
    why = page.locator('[data-test=why-no-edit]')
    expect(why).to_contain_text('Nothing can be changed here')
    blockers = page.locator('.finding--blocking')
    expect(blockers).to_have_count(1)
    expect(blockers.locator('[data-test=finding-label]')).to_have_text('Not possible here')
    assert 'BLOCKED_COUNTRIES' not in page.locator('body').inner_text()
    assert_accessible(page, explained=EXPLAINED)


def test_held_by_another_partner_says_what_to_do_first_instead_of_edit(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, viewport=TABLET)
    open_panel(page, HELD, expect)
    expect(page.locator('[data-test=edit]')).to_have_count(0)
    expect(page.locator('[data-test=why-no-edit]')).to_contain_text('First:')
    expect(page.locator('[data-code=OVERAGE_HELD_BY_OTHER_PARTNER] [data-test=finding-label]')).to_have_text(
        'Fix first')


def test_where_the_charges_show_and_the_current_subscription_preselected(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, viewport=TABLET)
    open_panel(page, FABRIKAM, expect)
    charges = page.locator('[data-test=where-charges-show]')
    expect(charges).to_contain_text('reconciliation file')
    expect(charges).to_contain_text('Cost Management in the Azure portal')
    subscription = page.locator('[data-test=azure-subscription]').inner_text()
    assert subscription.split(' (')[0] in charges.inner_text()
    page.locator('[data-test=edit]').click()
    select = page.get_by_label('Azure subscription', exact=True)
    expect(select).not_to_have_value('')
    expect(page.locator('[data-test=save]')).to_be_disabled()
    assert_accessible(page, explained=EXPLAINED)


def test_the_confirmation_repeats_the_auto_recharge_warning_when_switching_on(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, viewport=TABLET)
    open_panel(page, CONTOSO, expect)
    page.locator('[data-test=edit]').click()
    choice = page.locator('#azure-subscription option:not([disabled])').nth(1).get_attribute('value')
    page.get_by_label('Azure subscription', exact=True).select_option(choice)
    page.locator('[data-test=save]').click()
    dialog = page.get_by_role('alertdialog')
    expect(dialog.locator('[data-code=COMMUNICATIONS_CREDITS_AUTO_RECHARGE]')).to_have_count(1)
    assert_accessible(page, explained=EXPLAINED)
    dialog.get_by_role('button', name='Cancel').click()
    expect(page.get_by_role('alertdialog')).to_have_count(0)


def test_a_disabled_customer_shows_no_azure_plan_none(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, viewport=PHONE)
    open_panel(page, CONTOSO, expect)
    expect(page.locator('[data-test=azure-plan]')).to_have_count(0)
    expect(page.locator('[data-test=azure-subscription]')).to_have_text('Nowhere: overage is set to None')
    expect(page.locator('[data-test=where-charges-show]')).to_have_count(0)
