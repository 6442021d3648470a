"""The sandbox as a newcomer meets it: one server, the portal, the real API per persona, replay."""
import json
import os
import re

import pytest
import requests

from connect_ext.overage.prerequisites import Finding
from sandbox import __main__ as cli
from sandbox import seed
from sandbox.app import PERSONA_COOKIE, STANDALONE_PARAM
from sandbox.connect.portal import pages_for
from sandbox.server import DATABASE_FILE, SandboxServer


NOTE_MARKER = re.compile(r'^Ref\. OM-[0-9a-f]{8}$', re.MULTILINE)


@pytest.fixture(scope='module')
def sandbox():
    with SandboxServer() as server:
        yield server


def get(sandbox, path, persona=None, **kwargs):
    cookies = {PERSONA_COOKIE: persona} if persona else None
    return requests.get(sandbox.url + path, cookies=cookies, timeout=30, **kwargs)


def customer_ids(response):
    assert response.status_code == 200, response.text
    return sorted(item['id'] for item in response.json()['items'])


def test_the_portal_shows_the_distributor_by_default_with_its_shared_context(sandbox):
    response = get(sandbox, '/')
    assert response.status_code == 200
    assert 'data-persona="distributor"' in response.text
    context = json.loads(re.search(
        r'<script type="application/json" id="shared-context">(.*?)</script>', response.text,
    ).group(1))
    assert context['currentInstallation']['id'] == seed.DISTRIBUTOR_INSTALLATION_ID
    assert context['currentAccount'] == {'id': seed.DISTRIBUTOR_ACCOUNT_ID,
                                         'name': 'Demo Distribution Ltd', 'role': 'distributor'}
    webapp_class = sandbox.sandbox.webapp_class
    static_root = webapp_class.get_static_root()
    pages = pages_for(seed.PERSONAS['distributor'], webapp_class.get_ui_modules(),
                      os.listdir(static_root) if static_root else [])
    if pages:
        assert f'src="{pages[0].url}"' in response.text
    else:
        assert 'The extension has no page for this account yet' in response.text


def test_the_portal_forwards_its_query_to_the_page_it_shows(sandbox):
    response = get(sandbox, '/?customer=TA-1000-0000-0002')
    assert response.status_code == 200
    if 'id="extension-page"' in response.text:
        assert 'customer=TA-1000-0000-0002"' in response.text


def test_choosing_a_persona_sets_the_cookie_and_the_portal_follows_it(sandbox):
    with requests.Session() as session:
        response = session.post(sandbox.url + '/sandbox/persona', data={'persona': 'reseller'},
                                timeout=30)
        assert response.status_code == 200  # the 303 to / was followed
        assert response.history[0].status_code == 303
        assert session.cookies[PERSONA_COOKIE] == 'reseller'
        assert 'data-persona="reseller"' in response.text
        refused = session.post(sandbox.url + '/sandbox/persona', data={'persona': 'vendor'},
                               timeout=30)
        assert refused.status_code == 400
        assert refused.json()['personas'] == ['customer', 'distributor', 'reseller']


def test_the_api_answers_the_distributor_with_every_demo_customer(sandbox):
    expected = sorted(customer.customer_id for customer in seed.DEMO_CUSTOMERS)
    assert customer_ids(get(sandbox, '/api/customers')) == expected
    assert customer_ids(get(sandbox, '/api/customers', 'distributor')) == expected


def test_the_api_scopes_the_reseller_and_the_customer_to_their_own(sandbox):
    reseller_customer = seed.BY_SITUATION['reseller_customer'].customer_id
    assert customer_ids(get(sandbox, '/api/customers', 'reseller')) == [reseller_customer]
    assert customer_ids(get(sandbox, '/api/customers', headers={'X-Sandbox-Persona': 'reseller'})
                        ) == [reseller_customer]
    assert customer_ids(get(sandbox, '/api/customers', 'customer')) == [
        seed.PERSONA_CUSTOMER.customer_id]


def test_connect_headers_sent_by_the_browser_are_replaced_by_the_personas(sandbox):
    forged = {'X-Connect-Call-Type': 'admin', 'X-Connect-Account-Role': 'distributor',
              'X-Connect-Account-Id': seed.DISTRIBUTOR_ACCOUNT_ID}
    response = get(sandbox, '/api/customers', 'reseller', headers=forged)
    assert customer_ids(response) == [seed.BY_SITUATION['reseller_customer'].customer_id]


def test_an_api_key_calls_as_its_account_and_an_unknown_key_is_refused(sandbox):
    reseller = get(sandbox, '/api/customers', 'distributor',
                   headers={'Authorization': seed.RESELLER_API_KEY})
    assert customer_ids(reseller) == [seed.BY_SITUATION['reseller_customer'].customer_id]
    refused = get(sandbox, '/api/customers', headers={'Authorization': 'ApiKey SU-1:nobody'})
    assert refused.status_code == 401
    assert refused.json() == {'error_code': 'AUTH_001',
                              'errors': ['Unauthorized: a valid API key is required.']}


@pytest.mark.parametrize(('situation', 'status'), [
    ('enabled', 'enabled'),
    ('held_by_other_partner', 'other_partner'),
    ('ready', 'disabled'),
])
def test_the_api_reads_microsoft_through_the_partner_center_simulator(sandbox, situation, status):
    customer = seed.BY_SITUATION[situation]
    response = get(sandbox, f'/api/customers/{customer.customer_id}/overage')
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body['customer']['tenant_id'], body['status']) == (customer.tenant_id, status)
    assert sandbox.pc.calls.matching('GET', f'/v1/customers/{customer.tenant_id}')


def test_the_store_is_seeded_with_microsofts_state_of_every_demo_customer(sandbox):
    records = {record.customer_id: record
               for record in sandbox.store.list_customers(limit=100).items}
    assert set(records) == {customer.customer_id for customer in seed.DEMO_CUSTOMERS}
    for customer in seed.DEMO_CUSTOMERS:
        assert sandbox.pc_world.customers[customer.tenant_id]  # Microsoft knows the tenant
        record = records[customer.customer_id]
        assert (record.tenant_id, record.tier1_id) == (customer.tenant_id, customer.tier1_id)
        asset = sandbox.connect_world.assets[customer.asset_id]
        assert {'id': 'ms_customer_id', 'value': customer.tenant_id}.items() <= next(
            p for p in asset['params'] if p['id'] == 'ms_customer_id').items()
    assert records[seed.BY_SITUATION['enabled'].customer_id].overage_status == 'enabled'
    assert records[seed.BY_SITUATION['held_by_other_partner'].customer_id].overage_status == \
        'other_partner'
    # Not written by the seed: the directory reads it from Connect (see the next test).
    assert records[seed.BY_SITUATION['reseller_customer'].customer_id].reseller_mpn is None


def test_the_resellers_partner_id_is_read_from_its_tier_configuration(sandbox):
    """The reseller persona is its own PA- account; the directory finds the tier-1 partner id in
    Connect's tier configuration (conformance: CX-01, CX-05)."""
    customer = seed.BY_SITUATION['reseller_customer']
    response = get(sandbox, f'/api/customers/{customer.customer_id}/overage', 'reseller')
    assert response.status_code == 200, response.text
    assert sandbox.store.get_customer(customer.customer_id).reseller_mpn == '4820002'
    other = get(sandbox, f'/api/customers/{seed.PERSONA_CUSTOMER.customer_id}/overage', 'reseller')
    assert other.status_code == 404


def test_opening_a_page_directly_lands_on_the_portal_showing_it(sandbox):
    response = get(sandbox, '/static/index.html?customer=TA-1', allow_redirects=False,
                   headers={'Sec-Fetch-Dest': 'document'})
    assert response.status_code == 303
    assert response.headers['location'] == '/?page=index.html&customer=TA-1'
    inside = get(sandbox, '/static/index.html', allow_redirects=False,
                 headers={'Sec-Fetch-Dest': 'iframe'})
    standalone = get(sandbox, f'/static/index.html?{STANDALONE_PARAM}=1', allow_redirects=False,
                     headers={'Sec-Fetch-Dest': 'document'})
    assert inside.status_code != 303
    assert standalone.status_code != 303


@pytest.mark.parametrize('path', ['/api/customers/%0A%C2%81/overage/history', '/api/nothing/here'])
def test_every_path_the_portal_does_not_serve_is_the_apis_with_its_error_shape(sandbox, path):
    """As under the runner: a path with a newline in it too (found by the schemathesis run)."""
    response = get(sandbox, path)

    assert response.status_code == 404
    assert response.headers['Content-Type'] == 'application/json'
    assert response.json()['error']['code'] in ('CUSTOMER_NOT_FOUND', 'ROUTE_NOT_FOUND')


def test_the_connect_simulator_is_served_under_connect(sandbox):
    response = requests.get(sandbox.connect_url + '/tier/accounts?limit=1', timeout=30,
                            headers={'Authorization': seed.DISTRIBUTOR_API_KEY})
    assert response.status_code == 200
    assert response.headers['Content-Range'].startswith('items 0-0/')
    assert requests.get(sandbox.connect_url + '/assets', timeout=30).status_code == 401


def _notes(sandbox):
    """Request id -> the extension's notes on it (each with its marker)."""
    body = get(sandbox, '/sandbox/notes.json').json()
    return {entry['request_id']: [message['text'] for message in entry['messages']
                                  if NOTE_MARKER.search(message['text'])]
            for entry in body['conversations']}


def _next_step(note):
    [line] = [line for line in note.splitlines() if line.startswith('Next step: ')]
    return line


def test_replay_runs_the_events_application_and_writes_each_note_once(sandbox):
    first = requests.post(sandbox.url + '/sandbox/replay', timeout=120)
    assert first.status_code == 200, first.text
    outcomes = [(d['request_id'], d['status'], d['outcome']) for d in first.json()['deliveries']]
    assert outcomes == [
        ('PR-1000-0001-0001-001', 'pending', 'success'),
        ('PR-1000-0001-0001-001', 'approved', 'success'),
        ('PR-1000-0001-0004-001', 'pending', 'success'),
        ('PR-1000-0001-0004-001', 'approved', 'success'),
        ('PR-1000-0001-0006-001', 'pending', 'success'),
        ('PR-1000-0001-0008-001', 'pending', 'success'),
        ('PR-1000-0001-0003-001', 'pending', 'success'),
        ('PR-1000-0000-0010-001', 'approved', 'success'),
        ('PR-1000-0001-0011-001', 'pending', 'skip'),
        ('PR-1000-0000-0002-001', 'approved', 'success'),
    ]
    expected = _notes(sandbox)
    # One note per request: pending and approved of one situation say the same once.
    assert {request: len(texts) for request, texts in expected.items()} == {
        'PR-1000-0001-0001-001': 1, 'PR-1000-0001-0004-001': 1, 'PR-1000-0001-0006-001': 1,
        'PR-1000-0001-0008-001': 1, 'PR-1000-0001-0003-001': 1, 'PR-1000-0000-0010-001': 1,
        'PR-1000-0001-0011-001': 0, 'PR-1000-0000-0002-001': 1,
    }
    [ready] = expected['PR-1000-0001-0001-001']
    assert 'Overage: OFF.' in ready
    assert 'auto-recharge' in ready
    assert 'enable overage in Manage Overage' in _next_step(ready)
    [no_plan] = expected['PR-1000-0001-0004-001']
    assert f'Blocking: {Finding.of("NO_ACTIVE_AZURE_PLAN").message}' in no_plan
    assert 'auto-recharge' not in no_plan
    [legacy] = expected['PR-1000-0001-0006-001']
    assert _next_step(legacy) == ('Next step: fix these in this order, then enable overage in '
                                  'Manage Overage.')
    numbered = [line.split(' ', 1)[0] for line in legacy.splitlines() if line[:1].isdigit()]
    assert numbered == ['1.', '2.']
    assert legacy.index('MS-AZR-') < legacy.index(Finding.of('NO_ACTIVE_AZURE_PLAN').message)
    [china] = expected['PR-1000-0001-0008-001']
    assert 'it cannot be enabled for this customer.\nWhy: ' in china
    assert Finding.of('NO_ACTIVE_AZURE_PLAN').message not in china
    [held] = expected['PR-1000-0001-0003-001']
    assert 'Overage: held by another partner' in held
    assert 'request a handover' in _next_step(held)
    for texts in expected.values():
        assert all('CSP discount' not in text and 'margin' not in text for text in texts)

    again = requests.post(sandbox.url + '/sandbox/replay', timeout=120)
    assert again.status_code == 200, again.text
    assert [(d['request_id'], d['status']) for d in again.json()['deliveries']] == [
        ('PR-1000-0001-0001-001', 'approved'),
        ('PR-1000-0001-0004-001', 'approved'),
        ('PR-1000-0001-0006-001', 'pending'),
        ('PR-1000-0001-0008-001', 'pending'),
        ('PR-1000-0001-0003-001', 'pending'),
        ('PR-1000-0000-0010-001', 'approved'),
        ('PR-1000-0001-0011-001', 'pending'),
        ('PR-1000-0000-0002-001', 'approved'),
    ]
    assert _notes(sandbox) == expected  # a redelivered event adds no second note
    assert sandbox.connect_world.assets['AS-1000-0000-0002']['status'] == 'terminated'

    page = get(sandbox, '/sandbox/notes')
    assert page.status_code == 200
    assert 'PR-1000-0000-0010-001' in page.text
    assert 'Wingtip Toys (via reseller)' in page.text


def test_python_m_sandbox_prints_the_url_keeps_its_data_and_stops_cleanly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('API_KEY', 'ApiKey previous')
    seen = {}

    def interrupted(server):
        seen['url'] = server.url
        seen['portal'] = requests.get(server.url + '/', timeout=30).status_code
        seen['api_key'] = os.environ['API_KEY']
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, 'wait', interrupted)
    monkeypatch.setattr(cli.signal, 'signal', lambda *args: None)
    assert cli.main(['--port', '0', '--data-dir', str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert f'open                {seen["url"]}/' in printed
    assert 'Stopping the sandbox' in printed
    assert (seen['portal'], seen['api_key']) == (200, seed.DISTRIBUTOR_API_KEY)
    assert (tmp_path / DATABASE_FILE).exists()
    assert os.environ['API_KEY'] == 'ApiKey previous'
    with pytest.raises(requests.ConnectionError):
        requests.get(seen['url'], timeout=5)


def test_python_m_sandbox_reports_a_busy_port(sandbox, tmp_path, capsys):
    assert cli.main(['--port', str(sandbox.port), '--data-dir', str(tmp_path)]) == 1
    assert 'could not start' in capsys.readouterr().err
    assert get(sandbox, '/').status_code == 200
