"""Keyboard use, visible focus, labelled controls and the 1024 px layout, in a real browser."""
import pytest

from testkit.browser import CONTOSO, standalone


NARROW = {'width': 1024, 'height': 768}

FOCUS_STATE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 60),
    label: el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].innerText : ''),
    tabindex: el.getAttribute('tabindex'),
    outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0,
    inDialog: Boolean(el.closest('[role=alertdialog]')),
  };
}"""

UNLABELLED = """() => {
  const named = (el) => (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
  const fields = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
  const buttons = [...document.querySelectorAll('button')]
    .filter((el) => !el.innerText.trim() && !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
  return fields.concat(buttons);
}"""

HORIZONTAL_OVERFLOW = """() => {
  const root = document.documentElement;
  return {scroll: root.scrollWidth, client: root.clientWidth};
}"""


def tab_to(page, wanted, *, exact=False, limit=40, backwards=False):
    """Press Tab until the focused element's text or label contains (or, ``exact``, is)
    ``wanted``; every stop on the way must show a focus outline (the check of "visible focus")."""
    stops = []
    for _ in range(limit):
        page.keyboard.press('Shift+Tab' if backwards else 'Tab')
        state = page.evaluate(FOCUS_STATE)
        stops.append(state)
        if state['tabindex'] != '-1':
            assert state['outline'] != 'none', f'focus is not visible on {state}'
            assert state['width'] >= 2, f'focus is not visible on {state}'
        found = (wanted in (state['text'], state['label']) if exact
                 else wanted in state['text'] or wanted in state['label'])
        if found:
            return state
    raise AssertionError(f'{wanted!r} is not reachable with Tab; stops: {stops}')


def test_keyboard_only_walk_to_the_confirmation_with_visible_focus(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(standalone('index.html'))
    expect(page.locator('[data-test=customer-table]')).to_be_visible()

    tab_to(page, 'Contoso Telecom Users')
    page.keyboard.press('Enter')
    heading = page.get_by_role('heading', name='Manage Overage: Contoso Telecom Users')
    expect(heading).to_be_focused()

    tab_to(page, 'Edit')
    page.keyboard.press('Enter')
    expect(page.get_by_role('heading', name='Change where the overage goes')).to_be_focused()
    assert tab_to(page, 'Azure subscription', exact=True)['tag'] == 'SELECT'
    page.keyboard.press('ArrowDown')
    expect(page.get_by_label('Azure subscription', exact=True)).not_to_have_value('')
    save = tab_to(page, 'Save', exact=True)
    assert save['tag'] == 'BUTTON'
    page.keyboard.press('Enter')

    dialog = page.get_by_role('alertdialog')
    expect(dialog.get_by_role('heading')).to_be_focused()
    for _ in range(4):  # focus stays inside the modal dialog
        page.keyboard.press('Tab')
        assert page.evaluate(FOCUS_STATE)['inDialog']
    page.keyboard.press('Escape')
    expect(dialog).to_have_count(0)
    expect(page.get_by_role('button', name='Save')).to_be_focused()


def test_tabs_move_with_the_arrow_keys(sandbox, browser_page, expect):
    page = browser_page(sandbox.url)
    page.goto(standalone('index.html'))
    page.get_by_role('tab', name='Customers').focus()
    page.keyboard.press('ArrowRight')
    expect(page.get_by_role('tab', name='OVG items')).to_be_focused()
    expect(page.get_by_role('tab', name='OVG items')).to_have_attribute('aria-selected', 'true')
    expect(page.locator('[data-test=item-table]')).to_be_visible()
    page.keyboard.press('End')
    expect(page.get_by_role('tab', name='Activity')).to_be_focused()


PAGES = [
    ('index.html', {}, '[data-test=customer-table]'),
    ('index.html', {'tab': 'items'}, '[data-test=item-table]'),
    ('index.html', {'tab': 'activity', 'customer': CONTOSO}, '[data-test=activity]'),
    ('index.html', {'customer': 'TA-1000-0000-0003'}, '[data-test=findings]'),
    ('settings.html', {}, 'h1'),
]


@pytest.mark.parametrize(('path', 'query', 'ready'), PAGES)
def test_no_horizontal_scroll_at_1024_px_and_every_control_labelled(
        sandbox, browser_page, expect, path, query, ready):
    page = browser_page(sandbox.url, viewport=NARROW)
    page.goto(standalone(path, **query))
    expect(page.locator(ready).first).to_be_visible()
    size = page.evaluate(HORIZONTAL_OVERFLOW)
    assert size['scroll'] <= size['client'], size
    assert page.evaluate(UNLABELLED) == []


def test_editor_and_confirmation_fit_1024_px(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, viewport=NARROW)
    page.goto(standalone('index.html', customer=CONTOSO))
    page.get_by_role('button', name='Edit').click()
    page.get_by_label('Azure subscription', exact=True).select_option(index=1)
    page.get_by_role('button', name='Save').click()
    dialog = page.get_by_role('alertdialog')
    expect(dialog).to_be_visible()
    size = page.evaluate(HORIZONTAL_OVERFLOW)
    assert size['scroll'] <= size['client'], size
    box = dialog.bounding_box()
    assert box['x'] >= 0
    assert box['x'] + box['width'] <= NARROW['width']
    assert page.evaluate(UNLABELLED) == []


def test_customer_page_fits_1024_px_inside_the_portal(sandbox, browser_page, expect):
    page = browser_page(sandbox.url, persona='customer', viewport=NARROW)
    page.goto('/?page=customer.html')
    frame = page.frame_locator('#extension-page')
    expect(frame.locator('[data-test=summary]')).to_be_visible()
    inner = frame.locator('html').evaluate(HORIZONTAL_OVERFLOW)
    assert inner['scroll'] <= inner['client'], inner
    assert frame.locator('html').evaluate(UNLABELLED) == []
