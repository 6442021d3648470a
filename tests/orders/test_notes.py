"""The note texts, from domain values (no Connect, no Partner Center, no API JSON)."""
from datetime import UTC, datetime

import pytest

from connect_ext.errors.error import OverageError
from connect_ext.orders import notes
from connect_ext.overage.facts import Caller, CustomerRef, OverageFacts
from connect_ext.overage.prerequisites import Finding
from connect_ext.partner_center.models import AzureEntitlement, Overage, Subscription
from connect_ext.service.results import OverageState


CUSTOMER = CustomerRef('TA-1000-0000-0001', 'c0570000-0000-4000-8000-000000000001',
                       name='Contoso Telecom Users')
OVG = {'display_name': 'Teams Phone OVG (NCE COM BAS 1MO)', 'mpn': 'CFQ7TTC0OVG1:0001_P1M:None',
       'quantity': '10', 'old_quantity': '0'}
LINK = notes.manage_overage_link('TA-1000-0000-0001', 'https://portal.example.org/overage')
AZURE_PLAN_OFFER = 'DZH318Z0BPS6:0001'


def finding(code, severity, message, action='Do this.'):
    return Finding(code=code, severity=severity, message=message, reason='Because.', action=action)


def state(status, *, azure_subscription_id=None, azure_subscription_name=None, azure_plan=None,
          partner_id=None, findings=()):
    """An OverageState as the service builds it: Microsoft's setting, and (when named) the Azure
    subscription it points at, read under an Azure plan ``(name, subscription id)``."""
    subscriptions, entitlements = [], {}
    if azure_subscription_name is not None:
        plan_name, plan_id = azure_plan or (None, 'p-0')
        subscriptions.append(Subscription(id=plan_id, friendly_name=plan_name,
                                          offer_id=AZURE_PLAN_OFFER, status='active'))
        entitlements[plan_id] = [AzureEntitlement(id=azure_subscription_id,
                                                  friendly_name=azure_subscription_name,
                                                  status='active')]
    overage = Overage(overage_enabled=status in ('enabled', 'other_partner'),
                      azure_entitlement_id=azure_subscription_id, partner_id=partner_id)
    facts = OverageFacts(customer=CUSTOMER, caller=Caller('owner', 'PA-000-000'),
                         subscriptions=subscriptions, entitlements=entitlements, overage=overage)
    return OverageState(facts=facts, status=status, findings=list(findings), etag='"e"',
                        checked_at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))


def note(**overrides):
    values = {'request_id': 'PR-1-001', 'request_type': 'purchase', 'status': 'pending',
              'items': [OVG], 'customer': CUSTOMER, 'link': LINK,
              'tenant_id_params': ('ms_customer_id',)}
    values.update(overrides)
    return notes.request_note(**values)


def test_the_link_is_the_configured_page_opened_on_the_customer_and_none_without_it():
    assert LINK == 'https://portal.example.org/overage?customer=TA-1000-0000-0001'
    assert notes.manage_overage_link('TA-1/2 3', 'https://p.example/x?tab=1') == (
        'https://p.example/x?tab=1&customer=TA-1%2F2%203'
    )
    assert notes.manage_overage_link('TA-1000-0000-0001') is None
    assert notes.manage_overage_link('TA-1000-0000-0001', '') is None


def test_without_a_link_the_note_says_the_way_through_the_portal():
    text = note(state=state('disabled'), link=None)

    lines = text.splitlines()
    assert lines[-2] == ('Manage Overage: in Connect, open the Overage Manager module and search for '
                         'TA-1000-0000-0001.')
    assert 'http' not in text


def test_the_marker_is_unique_per_request_and_purpose():
    assert notes.note_marker('PR-1-001', 'pending') == '[overage-manager:PR-1-001:pending]'
    assert notes.note_marker('PR-1-001', 'pending') != notes.note_marker('PR-1-001', 'approved')


def test_a_note_lists_the_items_the_customer_and_ends_with_link_and_marker():
    text = note(state=state('disabled'))

    lines = text.splitlines()
    assert lines[0] == 'Overage Manager: this purchase request orders overage-capable (OVG) items.'
    assert lines[1] == ('- Teams Phone OVG (NCE COM BAS 1MO) [CFQ7TTC0OVG1:0001_P1M:None], '
                        'quantity 10')
    assert ('Customer: Contoso Telecom Users (TA-1000-0000-0001), Microsoft tenant '
            'c0570000-0000-4000-8000-000000000001.') in lines
    assert lines[-3].startswith('Manage Overage: in Connect, open the Overage Manager module')
    assert lines[-2] == f'Direct link: {LINK}'
    assert lines[-1] == '[overage-manager:PR-1-001:pending]'


@pytest.mark.parametrize(('given', 'expected'), [
    (state('enabled', azure_subscription_id='e-1', azure_subscription_name='Prod',
           azure_plan=('Azure plan', 'p-1'), partner_id='4810001'),
     'Overage: ON. Overage charges go to Azure subscription "Prod" (e-1) under Azure plan '
     '"Azure plan" (p-1), partner id 4810001.'),
    (state('enabled', azure_subscription_id='e-1'),
     'Overage: ON. Overage charges go to Azure subscription e-1.'),
    (state('other_partner', azure_subscription_id='e-9', partner_id='5350003'),
     'Overage: held by another partner (Azure subscription e-9, partner id 5350003). Only that '
     'partner can change or release it.'),
    (state('disabled'), "Overage: OFF. The customer's OVG subscriptions stop at their monthly "
                        'allowance until overage is enabled.'),
    (state('unknown'), "Overage: unknown. Partner Center did not say where the customer's overage "
                       'goes.'),
])
def test_the_overage_line_says_where_overage_goes(given, expected):
    assert expected in note(state=given).splitlines()


def test_findings_are_grouped_blocking_first_with_their_actions():
    findings = [
        finding('NO_MARGIN_OR_PEC', 'info', 'No margin.'),
        finding('OVERAGE_STATE_UNKNOWN', 'info', 'Said already.'),
        finding('COMMUNICATIONS_CREDITS_AUTO_RECHARGE', 'warning', 'Credits first.'),
        finding('NO_ACTIVE_AZURE_PLAN', 'blocking', 'No Azure plan.', 'Order one.'),
    ]

    text = note(state=state('disabled', findings=findings))

    body = text.split('Blocking:\n', 1)[1]
    assert body.startswith('- No Azure plan. What to do: Order one.\nWarnings:\n- Credits first.')
    assert 'Good to know:\n- No margin. What to do: Do this.' in body
    assert 'Said already.' not in text


def test_a_long_note_drops_findings_but_keeps_the_link_and_the_marker():
    findings = [finding(f'CODE_{n}', 'warning', 'x' * 200) for n in range(40)]

    text = note(state=state('disabled', findings=findings))

    assert len(text) <= notes.MAX_NOTE_CHARS
    assert 'more finding(s): open Manage Overage to see them all.' in text
    assert text.endswith(f'{LINK}\n[overage-manager:PR-1-001:pending]')


def test_even_a_huge_item_list_keeps_the_marker():
    items = [dict(OVG, display_name='OVG ' + 'y' * 300)] * 30

    text = note(items=items, state=state('disabled'))

    assert len(text) <= notes.MAX_NOTE_CHARS
    assert text.endswith('[overage-manager:PR-1-001:pending]')


def test_an_unknown_tenant_on_pending_promises_the_approved_note():
    text = note(customer=CustomerRef('TA-1', None))

    assert 'Customer: TA-1, Microsoft tenant not known yet.' in text
    assert 'The overage state follows in a note when this request is approved.' in text


def test_an_unknown_tenant_on_approved_names_the_parameters():
    text = note(status='approved', customer=CustomerRef('TA-1', None),
                tenant_id_params=('ms_customer_id', 'microsoft_tenant_id'))

    assert 'parameter ms_customer_id or microsoft_tenant_id' in text
    assert text.endswith('[overage-manager:PR-1-001:approved]')


def test_a_partner_center_refusal_is_told_with_its_action():
    error = OverageError('MICROSOFT_TENANT_NOT_FOUND', 'No such tenant.',
                         'Microsoft does not know it.', 'Check the tenant id.', 404)

    text = note(error=error)

    assert ('Overage: could not be read from Partner Center. No such tenant. Microsoft does not '
            'know it. What to do: Check the tenant id.') in text


def test_a_change_note_says_it_adds_items_and_quantities_read_like_connect_sends_them():
    items = [dict(OVG, quantity=5), dict(OVG, display_name='Other OVG', quantity='2.5', mpn=None),
             dict(OVG, name='Named OVG', display_name=None, quantity='unlimited')]

    text = note(request_type='change', items=items, state=state('disabled'))

    assert text.startswith('Overage Manager: this change request adds overage-capable (OVG)')
    assert 'quantity 5\n' in text
    assert '- Other OVG, quantity 2.5' in text
    assert '- Named OVG [CFQ7TTC0OVG1:0001_P1M:None], quantity unlimited' in text


def test_the_cancel_note_uses_the_catalogue_words():
    text = notes.cancel_note(request_id='PR-2-004', customer=CUSTOMER, link=LINK,
                             azure_subscription_id='e-1')

    assert 'Overage still goes to your Azure subscription (e-1)' in text
    assert 'What to do: Decide with the customer whether to keep it or to set it to None.' in text
    assert text.endswith(f'{LINK}\n[overage-manager:PR-2-004:cancel]')


def test_a_note_is_rendered_from_the_domain_state_never_from_the_api_json(monkeypatch):
    from connect_ext.api import presenters

    given = state('enabled', azure_subscription_id='e-1', azure_subscription_name='Prod',
                  azure_plan=('Azure plan', 'p-1'), partner_id='4810001',
                  findings=[finding('NO_MARGIN_OR_PEC', 'info', 'No margin.')])
    error = OverageError('MICROSOFT_TENANT_NOT_FOUND', 'No such tenant.',
                         'Microsoft does not know it.', 'Check the tenant id.', 404)
    expected_state, expected_error = note(state=given), note(error=error)

    def garbage(*_args, **_kwargs):
        return {'status': 'disabled', 'azure_subscription_id': 'garbage', 'findings': [],
                'message': 'garbage', 'action': 'garbage'}

    for name in ('state_body', 'change_result_body', 'options_body', 'finding_body',
                 'customer_info', '_state_fields'):
        monkeypatch.setattr(presenters, name, garbage)
    monkeypatch.setattr(OverageError, 'to_body', garbage)
    monkeypatch.setattr(Finding, 'to_dict', garbage)

    assert note(state=given) == expected_state
    assert note(error=error) == expected_error
    assert ('Overage: ON. Overage charges go to Azure subscription "Prod" (e-1) under Azure plan '
            '"Azure plan" (p-1), partner id 4810001.') in expected_state.splitlines()
    assert 'Good to know:\n- No margin. What to do: Do this.' in expected_state


def test_the_overage_line_of_another_partners_subscription_names_microsofts_id():
    given = state('other_partner', azure_subscription_id='E-9', partner_id='5350003')

    assert given.target is not None
    assert given.target.entitlement is None
    assert notes.overage_line(given) == (
        'Overage: held by another partner (Azure subscription E-9, partner id 5350003). Only that '
        'partner can change or release it.'
    )
