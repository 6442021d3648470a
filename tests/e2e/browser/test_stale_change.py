"""A change made elsewhere while the page was open, in a real browser (issue 19, item 12): the page's
save is refused in words a support person reads (no "If-Match"), the error box's heading is its
largest text, and one button reloads the customer's overage as it is now."""
import requests

from sandbox.partner_center import demo
from testkit.axe import assert_accessible
from testkit.browser import CONTOSO, standalone


FONT_SIZES = """(box) => [...box.querySelectorAll('p, span, code, li, button')]
  .filter((el) => el.getClientRects().length && el.innerText.trim())
  .map((el) => [el.dataset.test || el.className || el.tagName, parseFloat(getComputedStyle(el).fontSize)])"""


def test_a_change_made_elsewhere_meanwhile_is_refused_in_plain_words(fresh_sandbox, browser_page, expect):
    page = browser_page(fresh_sandbox.url)
    page.goto(standalone('index.html', customer=CONTOSO))
    expect(page.locator('[data-test=summary]')).to_contain_text('Disabled')
    page.locator('[data-test=edit]').click()
    page.get_by_label('Azure subscription', exact=True).select_option(demo.READY_ENTITLEMENT_ID)

    # Someone else enables it meanwhile (another user, automation).
    elsewhere = requests.put(f'{fresh_sandbox.url}/api/customers/{CONTOSO}/overage', timeout=60,
                             json={'azure_subscription_id': demo.READY_SECOND_ENTITLEMENT_ID})
    assert elsewhere.status_code == 200, elsewhere.text

    page.locator('[data-test=save]').click()
    with page.expect_response(lambda r: r.request.method == 'PUT') as answered:
        page.get_by_role('alertdialog').locator('[data-test=confirm]').click()
    assert answered.value.status == 412
    error = page.locator('[data-test=error]')
    expect(error.locator('[data-test=error-title]')).to_have_text('The change was not made.')
    expect(error.locator('[data-test=error-message]')).to_have_text(
        "The customer's overage changed since you loaded it.")
    text = page.locator('body').inner_text()
    assert 'If-Match' not in text
    assert 'STALE_STATE' not in text
    sizes = error.evaluate(FONT_SIZES)
    title = dict(sizes)['error-title']
    assert all(size < title for name, size in sizes if name != 'error-title'), sizes
    assert_accessible(page)

    error.get_by_role('button', name="Reload the customer's overage").click()
    expect(page.locator('[data-test=summary]')).to_contain_text('Enabled')
    expect(page.locator('[data-test=azure-subscription]')).to_contain_text(demo.READY_SECOND_ENTITLEMENT_ID)
    expect(page.locator('[data-test=error]')).to_have_count(0)
    state = fresh_sandbox.pc_world.overage_state(demo.READY_CUSTOMER_ID)
    assert state.azure_entitlement_id == demo.READY_SECOND_ENTITLEMENT_ID  # not overwritten
