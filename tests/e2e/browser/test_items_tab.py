"""The OVG items tab (issue 19, item 12), in a real browser against the sandbox: each item's product
by name (its id beneath), a link into the portal only where the toolkit navigates there, and
Connect's count of the customers holding the item — as the distributor and as a reseller see it,
"count unavailable" (never 0) when Connect fails the count — at 1280, 768 and 390 px, with
axe-core on each."""
import pytest

from sandbox import seed
from testkit.axe import PAGE_OVERFLOW, WORDS_BROKEN, assert_accessible
from testkit.browser import extension_frame, standalone


TABLET = {'width': 768, 'height': 1024}
PHONE = {'width': 390, 'height': 844}
ITEMS = (seed.OVG_MONTHLY_ITEM_ID, seed.OVG_ANNUAL_ITEM_ID)


def holders(world, item_id, tier_account_id=None):
    """The active subscriptions holding the item in the sandbox's Connect world, all of them or
    only those sold through ``tier_account_id`` (what a reseller is shown: conformance CX-02)."""
    with world.lock:
        assets = list(world.assets.values())

    def shown(asset):
        if tier_account_id is None:
            return True
        tiers = asset.get('tiers') or {}
        return any((tiers.get(level) or {}).get('id') == tier_account_id for level in ('tier1', 'tier2'))

    return sum(1 for asset in assets
               if asset['status'] == 'active' and shown(asset)
               and any(item.get('global_id') == item_id for item in asset['items']))


def words(count):
    return f"{count} {'customer' if count == 1 else 'customers'}"


def _row(scope, item_id):
    return scope.locator('[data-test=item-table] tbody tr', has_text=item_id)


def test_the_distributor_sees_each_items_product_and_how_many_customers_hold_it(
        sandbox, browser_page, expect):
    """conformance: CX-13."""
    page = browser_page(sandbox.url)
    page.goto(standalone('index.html', tab='items'))
    expect(page.locator('[data-test=item-table] tbody tr')).to_have_count(2)

    for item_id in ITEMS:
        row = _row(page, item_id)
        product = row.locator('[data-test=item-product]')
        expect(product).to_contain_text(seed.M365_PRODUCT_NAME)
        expect(product.locator('.sub')).to_have_text(seed.M365_PRODUCT_ID)
        expected = holders(sandbox.connect_world, item_id)
        assert expected > 0
        expect(row.locator('[data-test=item-customers]')).to_have_text(words(expected))
    # Standalone there is no portal to go to, and no address of it is made up.
    expect(page.locator('[data-test=open-product]')).to_have_count(0)
    expect(page.locator('[data-test=item-table] a')).to_have_count(0)
    expect(page.locator('[data-test=count-unavailable]')).to_have_count(0)
    assert_accessible(page)


def test_a_reseller_counts_only_the_customers_connect_shows_it_and_opens_the_product_in_connect(
        sandbox, browser_page, expect):
    """conformance: CX-13, CX-02."""
    page = browser_page(sandbox.url, persona='reseller')
    page.goto('/?page=index.html&tab=items')
    frame = extension_frame(page)
    expect(frame.locator('[data-test=item-table] tbody tr')).to_have_count(2)

    for item_id in ITEMS:
        mine = holders(sandbox.connect_world, item_id, seed.RESELLER_TIER_ACCOUNT_ID)
        assert mine < holders(sandbox.connect_world, item_id)  # the reseller is shown fewer
        expect(_row(frame, item_id).locator('[data-test=item-customers]')).to_have_text(words(mine))

    # Inside the portal the product opens through the toolkit's productDetails route.
    _row(frame, seed.OVG_MONTHLY_ITEM_ID).get_by_role(
        'button', name=f'{seed.M365_PRODUCT_NAME} (open the product in Connect)').click()
    expect(page.locator('#notes')).to_contain_text(f'product (id={seed.M365_PRODUCT_ID})')
    # axe runs in the extension page's own document inside the portal.
    assert_accessible(next(f for f in page.frames if f.url.split('?')[0].endswith('/index.html')))


def test_a_count_connect_fails_reads_count_unavailable_not_zero(fresh_sandbox, browser_page, expect):
    page = browser_page(fresh_sandbox.url)
    page.goto(standalone('index.html', tab='items'))
    rows = page.locator('[data-test=item-table] tbody tr')
    expect(rows).to_have_count(2)
    expect(page.locator('[data-test=item-customers]').first).not_to_have_text('count unavailable')

    # Connect refuses every count call (the client's own retries of a 503 included): the items
    # stay, their counts are unknown.
    fresh_sandbox.connect_faults.fail('GET', '/subscriptions/assets', 503, times=1000)
    try:
        page.get_by_label('Search items').fill('OVG')
        page.get_by_label('Search items').press('Enter')

        expect(page.locator('[data-test=item-customers]')).to_have_text(
            ['count unavailable'] * len(ITEMS))
    finally:
        fresh_sandbox.connect_faults.clear()
    expect(page.locator('[data-test=count-unavailable]')).to_contain_text('2 items')
    expect(page.locator('[data-test=count-unavailable]')).to_contain_text('which is not zero')
    expect(rows.first).not_to_contain_text('0 customers')
    assert_accessible(page)


@pytest.mark.parametrize('viewport', [TABLET, PHONE], ids=['768', '390'])
def test_the_items_table_keeps_words_whole_and_the_page_from_scrolling_sideways(
        sandbox, browser_page, expect, viewport):
    page = browser_page(sandbox.url, viewport=viewport)
    page.goto(standalone('index.html', tab='items'))
    rows = page.locator('[data-test=item-table] tbody tr')
    expect(rows).to_have_count(2)

    assert page.evaluate(WORDS_BROKEN, '[data-test=items]') == []
    size = page.evaluate(PAGE_OVERFLOW)
    assert size['scroll'] <= size['client'], size
    for index in range(2):
        for part in ('[data-test=item-product]', '[data-test=item-customers]'):
            cell = rows.nth(index).locator(part)
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box['x'] >= 0, (index, part, box)
            assert box['x'] + box['width'] <= viewport['width'], (index, part, box)
    assert_accessible(page)
