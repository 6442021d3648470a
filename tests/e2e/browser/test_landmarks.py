"""Landmarks on every page (issue 19: axe-core on every page): each of the three pages, as each
persona that Connect shows it to, has exactly one ``main`` landmark holding all its content, and
axe-core finds nothing (no critical, serious or minor finding; no moderate one either)."""
import pytest

from testkit.axe import LANDMARK_RULES, assert_accessible, axe_rule_outcomes
from testkit.browser import CONTOSO, standalone


WINGTIP = 'TA-1000-0000-0010'  # the reseller's customer

MAINS = """() => ({
  elements: document.querySelectorAll('main, [role=main]').length,
  nested: document.querySelectorAll('main main, main [role=main], [role=main] main').length,
})"""

# (persona, page, query, what shows once the page has loaded): every page each persona sees in
# Connect (sandbox/connect/portal.py pages_for: the module page and the settings page for a
# distributor or a reseller, the customer home page for a customer).
VIEWS = [
    ('distributor', 'index.html', {}, '[data-test=customer-table]'),
    ('distributor', 'index.html', {'customer': CONTOSO}, '[data-test=findings]'),
    ('distributor', 'settings.html', {}, '[data-test=settings]'),
    ('reseller', 'index.html', {}, '[data-test=customer-table]'),
    ('reseller', 'index.html', {'customer': WINGTIP}, '[data-test=findings]'),
    ('reseller', 'settings.html', {}, '[data-test=reseller-settings] [data-test=marker]'),
    ('customer', 'customer.html', {}, '[data-test=findings]'),
]


@pytest.mark.parametrize(('persona', 'path', 'query', 'ready'), VIEWS,
                         ids=[f'{v[0]}-{v[1]}-{"panel" if v[2] else "page"}' for v in VIEWS])
def test_one_main_landmark_holds_the_page_and_axe_finds_nothing(
        sandbox, browser_page, expect, persona, path, query, ready):
    page = browser_page(sandbox.url, persona=persona)
    page.goto(standalone(path, **query))
    expect(page.locator(ready).first).to_be_visible()
    assert page.evaluate(MAINS) == {'elements': 1, 'nested': 0}
    expect(page.get_by_role('main').get_by_role('heading', level=1)).to_have_count(1)
    assert axe_rule_outcomes(page, LANDMARK_RULES) == dict.fromkeys(LANDMARK_RULES, 'passed')
    assert_accessible(page)
