"""The Activity tab as a feed across customers, in a real browser on the sandbox: every customer's
changes with names, subscription names and Microsoft's ids; filtered by a name or an id in any
case, by outcome and by day; a refused filter clears what was shown; a reseller sees only its
customers; it fits 768 px without a word broken and 390 px without a sideways scroll; axe-core
finds nothing."""
import pytest
import requests

from sandbox.partner_center import demo
from testkit.axe import PAGE_OVERFLOW, WORDS_BROKEN, assert_accessible
from testkit.browser import CONTOSO, standalone


NORTHWIND = 'TA-1000-0000-0003'  # held by another partner: a change fails
WINGTIP = 'TA-1000-0000-0010'    # sold through the reseller
FEED = '[data-test=activity]'
ENTRIES = '[data-test=feed-entry]'


@pytest.fixture
def changed_sandbox(fresh_sandbox):
    """Three changes made through the API as the distributor: two done, one refused by Microsoft."""
    for customer_id, azure_id, expected in (
        (CONTOSO, demo.READY_SECOND_ENTITLEMENT_ID, 200),
        (NORTHWIND, demo.HELD_ENTITLEMENT_ID, 409),
        (WINGTIP, demo.RESELLER_ENTITLEMENT_ID, 200),
    ):
        answer = requests.put(f'{fresh_sandbox.url}/api/customers/{customer_id}/overage',
                              json={'azure_subscription_id': azure_id}, timeout=60)
        assert answer.status_code == expected, answer.text
    return fresh_sandbox


def _feed(browser_page, sandbox, expect, **options):
    page = browser_page(sandbox.url, **options)
    page.goto(standalone('index.html', tab='activity'))
    expect(page.locator(f'{FEED} [data-test=activity-scope]')).to_be_visible()
    return page


def _filter(page, *, customer='', outcome='', since=''):
    page.get_by_label('Customer', exact=True).fill(customer)
    page.get_by_label('Outcome').select_option(outcome)
    page.get_by_label('Since').fill(since)
    page.get_by_role('button', name='Show activity').click()


def test_the_feed_shows_every_customer_with_names_and_microsofts_ids(changed_sandbox, browser_page, expect):
    page = _feed(browser_page, changed_sandbox, expect)
    entries = page.locator(ENTRIES)

    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text('Wingtip Toys (via reseller)')  # newest first
    expect(entries.nth(1)).to_contain_text('Northwind Phones')
    expect(entries.nth(1)).to_contain_text('Failed')
    contoso = entries.nth(2)
    expect(contoso).to_contain_text('Contoso Telecom Users')
    expect(contoso).to_contain_text(f'None → Production ({demo.READY_SECOND_ENTITLEMENT_ID})')
    ids = contoso.locator('[data-test=feed-ids]')
    expect(ids).to_contain_text('Request')
    expect(ids).to_contain_text('Correlation')
    assert len(ids.inner_text().split()) == 4  # two labels, two ids
    assert_accessible(page)


@pytest.mark.parametrize(('customer', 'outcome', 'expected'), [
    ('TOYS', '', ['Wingtip Toys (via reseller)']),        # a later word, any case
    ('contoso', '', ['Contoso Telecom Users']),
    (NORTHWIND.lower(), '', ['Northwind Phones']),          # an id, any case
    ('', 'failed', ['Northwind Phones']),
    ('', 'succeeded', ['Wingtip Toys (via reseller)', 'Contoso Telecom Users']),
], ids=['later-word', 'first-word', 'id-lower-case', 'failed', 'done'])
def test_each_filter_keeps_what_it_names(changed_sandbox, browser_page, expect, customer, outcome,
                                         expected):
    page = _feed(browser_page, changed_sandbox, expect)

    _filter(page, customer=customer, outcome=outcome)

    entries = page.locator(f'{ENTRIES} [data-test=feed-customer]')
    expect(entries).to_have_count(len(expected))
    for index, name in enumerate(expected):
        expect(entries.nth(index)).to_contain_text(name)


def test_a_day_in_the_future_shows_nothing_and_today_shows_everything(changed_sandbox, browser_page,
                                                                      expect):
    page = _feed(browser_page, changed_sandbox, expect)

    _filter(page, since='2999-01-01')
    expect(page.locator(f'{FEED} [data-test=empty]')).to_have_text('No activity matches.')
    today = page.evaluate("() => new Date().toLocaleDateString('en-CA')")  # YYYY-MM-DD, local
    _filter(page, since=today)
    expect(page.locator(ENTRIES)).to_have_count(3)


def test_a_refused_filter_clears_the_results_and_says_why(changed_sandbox, browser_page, expect):
    page = _feed(browser_page, changed_sandbox, expect)
    expect(page.locator(ENTRIES)).to_have_count(3)

    _filter(page, customer='%%%')

    expect(page.locator(f'{FEED} [data-test=activity-problem]')).to_contain_text('letters or digits')
    expect(page.locator(ENTRIES)).to_have_count(0)
    expect(page.locator(f'{FEED} [data-test=history-table]')).to_have_count(0)
    expect(page.get_by_label('Customer', exact=True)).to_have_attribute('aria-invalid', 'true')
    assert_accessible(page)


def test_a_reseller_sees_only_its_customers(changed_sandbox, browser_page, expect):
    page = _feed(browser_page, changed_sandbox, expect, persona='reseller')

    expect(page.locator(ENTRIES)).to_have_count(1)
    expect(page.locator(ENTRIES)).to_contain_text('Wingtip Toys (via reseller)')
    _filter(page, customer='contoso')
    expect(page.locator(f'{FEED} [data-test=empty]')).to_be_visible()
    _filter(page, customer=CONTOSO)
    expect(page.locator(f'{FEED} [data-test=empty]')).to_be_visible()
    assert 'Contoso' not in page.locator(FEED).inner_text()


def test_an_id_filter_is_kept_in_the_link(changed_sandbox, browser_page, expect):
    page = _feed(browser_page, changed_sandbox, expect)

    _filter(page, customer=CONTOSO.lower())

    expect(page.locator(ENTRIES)).to_have_count(1)
    assert f'customer={CONTOSO}' in page.url
    assert 'tab=activity' in page.url
    page.reload()
    expect(page.locator(ENTRIES)).to_have_count(1)
    expect(page.get_by_label('Customer', exact=True)).to_have_value(CONTOSO)


@pytest.mark.parametrize('width', [768, 390])
def test_the_feed_fits_narrow_screens(changed_sandbox, browser_page, expect, width):
    page = _feed(browser_page, changed_sandbox, expect, viewport={'width': width, 'height': 900})
    expect(page.locator(ENTRIES)).to_have_count(3)

    assert page.evaluate(WORDS_BROKEN, FEED) == []
    overflow = page.evaluate(PAGE_OVERFLOW)
    assert overflow['scroll'] <= overflow['client'], overflow
    for entry in page.locator(ENTRIES).all():  # what each entry says is on screen, not cut off
        box = entry.bounding_box()
        assert box['x'] >= 0, box
        assert box['x'] + box['width'] <= width + 0.5, box
    assert_accessible(page)
