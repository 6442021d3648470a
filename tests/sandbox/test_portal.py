"""The portal page: which extension pages each persona gets, and what the bridge hands over."""
import json
import re

from sandbox.connect.portal import Page, pages_for, render_notes, render_portal, shared_context
from sandbox.seed import PERSONAS


UI_MODULES = {
    'modules': {'label': 'Overage', 'url': '/static/index.html', 'icon': '/static/icon.png',
                'children': [{'label': 'Items', 'url': '/static/items.html'}]},
    'settings': {'label': 'Settings', 'url': '/static/settings.html'},
    'customer': [{'label': 'My overage', 'url': '/static/customer.html'}],
}


def test_distributors_and_resellers_get_the_module_its_tabs_and_the_settings_page():
    for persona in ('distributor', 'reseller'):
        pages = pages_for(PERSONAS[persona], UI_MODULES, [])
        assert [(page.key, page.label) for page in pages] == [
            ('index.html', 'Overage'), ('items.html', 'Items'), ('settings.html', 'Settings')]


def test_a_customer_gets_only_the_customer_home_pages():
    pages = pages_for(PERSONAS['customer'], UI_MODULES, [])
    assert pages == [Page('customer.html', 'My overage', '/static/customer.html')]


def test_without_ui_decorators_the_built_files_are_guessed_by_name():
    files = ['assets', 'customer.html', 'index.html', 'settings.html']
    assert [page.url for page in pages_for(PERSONAS['distributor'], {}, files)] == [
        '/static/index.html', '/static/settings.html']
    assert [page.url for page in pages_for(PERSONAS['customer'], {}, files)] == [
        '/static/customer.html']
    assert pages_for(PERSONAS['distributor'], {}, []) == []


def test_pages_outside_static_are_ignored():
    modules = {'modules': {'label': 'Evil', 'url': 'https://example.org/x.html'}}
    assert pages_for(PERSONAS['distributor'], modules, []) == []


def test_the_shared_context_holds_only_the_installation_the_account_and_the_user():
    """Nothing invented: no ``customer`` key, no ``customer`` account role (conformance: CX-12);
    the customer home page learns its customer from the API (``GET /caller``)."""
    for persona in PERSONAS.values():
        context = shared_context(persona, extension_id='SRVC-1', extension_name='Ext',
                                 environment_id='ENV-1')
        assert context['currentInstallation']['environment']['extension'] == {
            'id': 'SRVC-1', 'name': 'Ext'}
        assert set(context) == {'currentInstallation', 'currentAccount', 'currentUser',
                                'timezoneInfo', 'locale'}
        assert context['currentAccount']['role'] in ('distributor', 'reseller')
        assert context['currentAccount']['id'].startswith('PA-')


def _render(pages, selected='', query=None, context=None):
    return render_portal(persona=PERSONAS['reseller'], personas=PERSONAS, pages=pages,
                         selected=selected, forwarded_query=query or {},
                         context=context or {'k': 'v'}, extension_name='Overage <Manager>')


def test_the_portal_frames_the_selected_page_with_the_forwarded_query():
    pages = pages_for(PERSONAS['reseller'], UI_MODULES, [])
    html = _render(pages, selected='settings.html', query={'customer': 'TA-1'})
    assert 'src="/static/settings.html?customer=TA-1"' in html
    assert 'href="/?page=items.html&amp;customer=TA-1"' in html
    assert 'Overage &lt;Manager&gt;' in html  # names are escaped
    assert 'data-persona="reseller"' in html
    assert re.search(r'value="reseller" class=active', html)


def test_the_portal_defaults_to_the_first_page_and_says_when_there_is_none():
    pages = pages_for(PERSONAS['reseller'], UI_MODULES, [])
    assert 'src="/static/index.html"' in _render(pages, selected='unknown.html')
    assert 'no page for this account yet' in _render([])


def test_the_context_cannot_close_its_script_element():
    html = _render([], context={'name': '</script><script>alert(1)</script>'})
    embedded = re.search(r'id="shared-context">(.*?)</script>', html).group(1)
    assert json.loads(embedded) == {'name': '</script><script>alert(1)</script>'}


def test_the_notes_page_lists_each_request_and_escapes_the_text():
    html = render_notes([{
        'request_id': 'PR-1', 'type': 'purchase', 'status': 'pending', 'customer': 'Contoso',
        'conversation_id': 'CO-1',
        'messages': [{'created': '2024-01-01T00:00:00+00:00', 'account': {'name': 'Dist'},
                      'text': 'Overage <off>'}],
    }, {'request_id': 'PR-2', 'type': 'cancel', 'status': 'approved', 'customer': 'Fabrikam',
        'conversation_id': 'CO-2', 'messages': []}])
    assert 'data-request="PR-1"' in html
    assert 'Overage &lt;off&gt;' in html
    assert 'No note.' in html
    assert 'No request yet' in render_notes([])
