"""Order notes as the processor reads them in a real browser (issue 19, item 10; item 2's flag):
the portal's "Replay orders" pushes the sample requests through the events application, the
conversation notes say one thing per request with its next step, without pricing boilerplate, the
blocked customers' requests get theirs, and the overview then flags the customer whose overage
still collects after its last OVG subscription was cancelled."""
import re

from testkit.browser import FABRIKAM, extension_frame


READY_ORDER = 'PR-1000-0001-0001-001'  # pending, then approved: one note
LEGACY_ORDER = 'PR-1000-0001-0006-001'  # two blockers, in the order to fix them
CHINA_ORDER = 'PR-1000-0001-0008-001'  # cannot be enabled
NO_OVG_ORDER = 'PR-1000-0001-0011-001'  # nothing to say: no note
CANCEL_ORDER = 'PR-1000-0000-0002-001'  # Fabrikam's last OVG subscription goes
MARKER = re.compile(r'^Ref\. OM-[0-9a-f]{8}$', re.MULTILINE)


def notes_of(page, request_id):
    """The extension's notes on a request's conversation, as the page prints them."""
    texts = page.locator(f'section[data-request="{request_id}"] pre').all_inner_texts()
    return [text for text in texts if MARKER.search(text)]


def test_replayed_orders_read_as_one_note_each_with_the_next_step(fresh_sandbox, browser_page, expect):
    page = browser_page(fresh_sandbox.url)
    page.goto('/')
    page.get_by_role('button', name='Replay orders').click()
    expect(page.locator('#notes')).to_contain_text('Orders replayed through the events application',
                                                   timeout=60000)

    page.goto('/sandbox/notes')
    expect(page.get_by_role('heading', name='Conversation notes')).to_be_visible()
    [ready] = notes_of(page, READY_ORDER)
    assert 'Next step: ' in ready
    assert 'auto-recharge' in ready
    [legacy] = notes_of(page, LEGACY_ORDER)
    assert [line.split(' ', 1)[0] for line in legacy.splitlines() if line[:1].isdigit()] == ['1.', '2.']
    [china] = notes_of(page, CHINA_ORDER)
    assert 'cannot be enabled for this customer' in china
    assert notes_of(page, NO_OVG_ORDER) == []
    assert len(notes_of(page, CANCEL_ORDER)) == 1
    for request in (READY_ORDER, LEGACY_ORDER, CHINA_ORDER, CANCEL_ORDER):
        [note] = notes_of(page, request)
        assert 'CSP discount' not in note
        assert 'margin' not in note
        # The marker guarding against a second note is one short last line.
        assert len(MARKER.findall(note)) == 1
        assert note.rstrip().splitlines()[-1].startswith('Ref. OM-')

    page.goto('/')
    row = extension_frame(page).locator(f'[data-test=customer-table] tr[data-customer={FABRIKAM}]')
    expect(row.locator('[data-test=next-step]')).to_contain_text('Overage without OVG')
