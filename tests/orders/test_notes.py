"""The note texts, from domain values (no Connect, no Partner Center, no API JSON): the exact
words of each situation a processor meets, one next step in each, and the marker."""
import hashlib
import re
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
    values = {'request_type': 'purchase', 'status': 'pending',
              'items': [OVG], 'customer': CUSTOMER, 'link': LINK,
              'tenant_id_params': ('ms_customer_id',)}
    values.update(overrides)
    return notes.request_note(**values)


def of(code, **params):
    """The catalogue's finding, as the rules give it (the words are the catalogue's own)."""
    return Finding.of(code, **params)


def parts(text):
    """(head, situation, way, marker): the blocks of a note, split at its empty lines."""
    body, marker = text.rsplit('\n', 1)
    head, situation, way = body.split('\n\n')
    return head, situation, way, marker


def situation(text):
    return parts(text)[1]


PRICING = of('NO_MARGIN_OR_PEC')
AUTO_RECHARGE = of('COMMUNICATIONS_CREDITS_AUTO_RECHARGE')
AUTO_RECHARGE_LINE = f'Warning: {AUTO_RECHARGE.message} What to do: {AUTO_RECHARGE.action}'
ENABLED_LINE = ('Overage: ON. Overage charges go to Azure subscription "Prod" (e-1) under Azure '
                'plan "Azure plan" (p-1), partner id 4810001.')
OFF_LINE = ("Overage: OFF. The customer's OVG subscriptions stop at their monthly allowance until "
            'overage is enabled.')
HELD_LINE = ('Overage: held by another partner (Azure subscription e-9, partner id 5350003). Only '
             'that partner can change or release it.')


def enabled(**options):
    return state('enabled', azure_subscription_id='e-1', azure_subscription_name='Prod',
                 azure_plan=('Azure plan', 'p-1'), partner_id='4810001', **options)


def held(findings=()):
    return state('other_partner', azure_subscription_id='e-9', partner_id='5350003',
                 findings=[of('OVERAGE_HELD_BY_OTHER_PARTNER', current_azure_subscription_id='e-9'),
                           *findings])


def test_the_link_is_the_configured_page_opened_on_the_customer_and_none_without_it():
    assert LINK == 'https://portal.example.org/overage?customer=TA-1000-0000-0001'
    assert notes.manage_overage_link('TA-1/2 3', 'https://p.example/x?tab=1') == (
        'https://p.example/x?tab=1&customer=TA-1%2F2%203'
    )
    assert notes.manage_overage_link('TA-1000-0000-0001') is None
    assert notes.manage_overage_link('TA-1000-0000-0001', '') is None


def test_without_a_link_the_note_says_the_way_through_the_portal():
    text = note(state=state('disabled'), link=None)

    assert parts(text)[2] == ('Manage Overage: in Connect, open the Overage Manager module and '
                              'search for TA-1000-0000-0001.')
    assert 'http' not in text


def test_a_whole_note_of_a_customer_ready_for_overage():
    text = note(state=state('disabled', findings=[of('NO_ACTIVE_OVG_SUBSCRIPTION'), PRICING]))

    body = text.rsplit('\n', 1)[0]
    assert text == '\n'.join([
        'Overage Manager: this purchase request orders overage-capable (OVG) items.',
        '- Teams Phone OVG (NCE COM BAS 1MO) [CFQ7TTC0OVG1:0001_P1M:None], quantity 10',
        'Customer: Contoso Telecom Users (TA-1000-0000-0001), Microsoft tenant '
        'c0570000-0000-4000-8000-000000000001.',
        '',
        OFF_LINE,
        'Next step: if the customer wants usage beyond the allowance, enable overage in Manage '
        'Overage and choose the Azure subscription that collects the charges (nothing blocks '
        'it); otherwise nothing to do.',
        AUTO_RECHARGE_LINE,
        '',
        'Manage Overage: in Connect, open the Overage Manager module and search for '
        'TA-1000-0000-0001.',
        f'Direct link: {LINK}',
        notes.marker_for(body),
    ])


def test_the_marker_is_a_short_fingerprint_of_the_text_above_it():
    text = note(state=state('disabled'))
    body, marker = text.rsplit('\n', 1)

    assert re.fullmatch(r'Ref\. OM-[0-9a-f]{8}', marker)
    assert marker == 'Ref. OM-' + hashlib.sha256(body.encode()).hexdigest()[:8]
    assert notes.marker_of(text) == marker
    assert 'overage-manager' not in text
    assert '[' not in marker


def test_the_same_situation_is_the_same_note_whatever_the_status_and_another_is_not():
    pending = note(state=state('disabled'), status='pending')

    assert note(state=state('disabled'), status='approved') == pending
    assert notes.marker_of(note(state=enabled())) != notes.marker_of(pending)
    assert notes.marker_of(note(state=state('disabled'), items=[dict(OVG, quantity='11')])) \
        != notes.marker_of(pending)


@pytest.mark.parametrize('text', [
    None, 12, '', 'Overage Manager: ...', 'Thanks!\nRef. OM-1234567',
    'Overage Manager: ...\n[overage-manager:PR-1-001:pending]', 'Ref. OM-0123abcd and more',
])
def test_a_text_without_a_marker_on_its_last_line_has_none(text):
    assert notes.marker_of(text) is None


def test_enabled_says_nothing_to_do_for_the_order_and_warns_of_auto_recharge():
    text = note(state=enabled(findings=[PRICING]))

    assert situation(text) == '\n'.join([
        ENABLED_LINE,
        'Next step: none for this order. The usage of its OVG subscriptions beyond their '
        'allowance goes to that Azure subscription too; to send it elsewhere, use Manage '
        'Overage.',
        AUTO_RECHARGE_LINE,
    ])
    assert PRICING.message not in text
    assert 'margin' not in text


def test_enabled_to_an_azure_subscription_that_cannot_collect_says_to_move_it():
    problem = of('OVERAGE_TARGET_NOT_ACTIVE', current_azure_subscription_id='e-1',
                 state='the Azure subscription is suspended')

    text = note(state=enabled(findings=[problem, PRICING]))

    assert situation(text) == '\n'.join([
        ENABLED_LINE, f'Attention: {problem.message}', f'Next step: {problem.action}',
        AUTO_RECHARGE_LINE,
    ])


def test_the_auto_recharge_warning_the_state_carries_is_said_once():
    text = note(state=state('disabled', findings=[AUTO_RECHARGE, PRICING]))

    assert text.count(AUTO_RECHARGE.message) == 1


@pytest.mark.parametrize('blocker', [
    of('NO_ACTIVE_AZURE_PLAN'),
    of('NO_ACTIVE_AZURE_SUBSCRIPTION', azure_plan_ids=['p-1']),
    of('LEGACY_AZURE_PRESENT', legacy_offer_ids=['MS-AZR-0145P']),
], ids=lambda finding: finding.code)
def test_one_fixable_blocker_is_the_next_step_without_the_enabling_warnings(blocker):
    text = note(state=state('disabled', findings=[blocker, of('NO_ACTIVE_OVG_SUBSCRIPTION'),
                                                  PRICING]))

    assert situation(text) == '\n'.join([
        'Overage: OFF, and it cannot be enabled yet.',
        f'Blocking: {blocker.message}',
        f'Next step: {blocker.action}',
    ])


def test_several_blockers_are_numbered_in_the_order_to_fix_them():
    legacy = of('LEGACY_AZURE_PRESENT', legacy_offer_ids=['MS-AZR-0145P'])
    no_plan = of('NO_ACTIVE_AZURE_PLAN')

    text = note(state=state('disabled', findings=[legacy, no_plan, PRICING]))

    assert situation(text) == '\n'.join([
        'Overage: OFF, and it cannot be enabled yet.',
        'Next step: fix these in this order, then enable overage in Manage Overage.',
        f'1. {legacy.message} What to do: {legacy.action}',
        f'2. {no_plan.message} What to do: {no_plan.action}',
    ])


@pytest.mark.parametrize('blocker', [
    of('CHINA_NOT_SUPPORTED', country='CN'),
    of('COUNTRY_NOT_SUPPORTED', country='IR'),
    of('CUSTOMER_QUALIFICATION_NOT_SUPPORTED', qualification=['Education']),
], ids=lambda finding: finding.code)
def test_what_cannot_be_fixed_is_said_alone_and_as_such(blocker):
    text = note(state=state('disabled', findings=[blocker, of('NO_ACTIVE_AZURE_PLAN'), PRICING]))

    assert situation(text) == '\n'.join([
        'Overage: OFF, and it cannot be enabled for this customer.',
        f'Why: {blocker.message}',
        f'Next step: {blocker.action}',
    ])


def test_held_by_another_partner_says_who_must_release_it_and_offers_the_handover():
    given = held()
    [finding_held] = given.findings

    assert situation(note(state=given)) == '\n'.join([
        HELD_LINE,
        f'Next step: {finding_held.action} Or, in Manage Overage, request a handover: overage is '
        'then enabled for you as soon as that partner releases it.',
    ])


def test_held_by_another_partner_names_what_else_to_fix_before_it_can_be_ours():
    no_plan = of('NO_ACTIVE_AZURE_PLAN')
    given = held([no_plan, AUTO_RECHARGE, PRICING])

    lines = situation(note(state=given)).splitlines()

    assert lines[0] == HELD_LINE
    assert lines[2:] == ['Also to fix before overage can be enabled for you:',
                         f'1. {no_plan.message} What to do: {no_plan.action}']


def test_an_unknown_state_says_to_read_it_again():
    text = note(state=state('unknown', findings=[of('OVERAGE_STATE_UNKNOWN')]))

    assert situation(text) == '\n'.join([
        "Overage: unknown. Partner Center did not say where the customer's overage goes.",
        'Next step: open Manage Overage for this customer to read its overage again.',
    ])


def test_an_unknown_tenant_on_pending_promises_the_approved_note():
    text = note(customer=CustomerRef('TA-1', None))

    assert parts(text)[0].endswith('Customer: TA-1, Microsoft tenant not known yet.')
    assert situation(text) == '\n'.join([
        "Overage: not checked yet. The customer's Microsoft tenant is not known yet (it is set "
        'when the order is fulfilled), so Partner Center could not be read.',
        'Next step: none yet. A note follows when this request is approved and the tenant is '
        'known.',
    ])


def test_an_unknown_tenant_on_approved_names_the_parameters():
    text = note(status='approved', customer=CustomerRef('TA-1', None),
                tenant_id_params=('ms_customer_id', 'microsoft_tenant_id'))

    assert situation(text) == '\n'.join([
        'Overage: not checked. The subscription carries no Microsoft tenant id (parameter '
        'ms_customer_id or microsoft_tenant_id), so Partner Center could not be read.',
        'Next step: fill in ms_customer_id or microsoft_tenant_id on the subscription in '
        'Connect, then open Manage Overage for this customer.',
    ])


def test_a_partner_center_refusal_is_told_with_its_action():
    error = OverageError('MICROSOFT_TENANT_NOT_FOUND', 'No such tenant.',
                         'Microsoft does not know it.', 'Check the tenant id.', 404)

    assert situation(note(error=error)) == (
        'Overage: could not be read from Partner Center. No such tenant. Microsoft does not '
        'know it.\nNext step: Check the tenant id.'
    )


@pytest.mark.parametrize('given', [
    {'state': enabled()}, {'state': state('disabled')}, {'state': held()},
    {'state': state('disabled', findings=[of('NO_ACTIVE_AZURE_PLAN')])},
    {'state': state('disabled', findings=[of('NO_ACTIVE_AZURE_PLAN'),
                                          of('LEGACY_AZURE_PRESENT')])},
    {'state': state('disabled', findings=[of('CHINA_NOT_SUPPORTED')])},
    {'state': state('unknown')}, {'customer': CustomerRef('TA-1', None)},
    {'customer': CustomerRef('TA-1', None), 'status': 'approved'},
    {'error': OverageError('MICROSOFT_TENANT_NOT_FOUND', 'No.', 'Why.', 'Do.', 404)},
])
def test_every_note_has_exactly_one_next_step_and_no_pricing_advice(given):
    text = note(**given)

    assert [line for line in text.splitlines() if line.startswith('Next step: ')] != []
    assert text.count('Next step: ') == 1
    assert PRICING.message not in text
    assert PRICING.action not in text
    assert 'Good to know' not in text


def test_a_long_note_drops_blockers_but_keeps_the_next_step_the_link_and_the_marker():
    findings = [Finding(code=f'CODE_{n}', severity='blocking', message='x' * 200,
                        reason='Because.', action='Do this.') for n in range(40)]

    text = note(state=state('disabled', findings=findings))

    assert len(text) <= notes.MAX_NOTE_CHARS
    assert 'Next step: fix these in this order, then enable overage in Manage Overage.' in text
    assert 'more: open Manage Overage to see them all.' in text
    assert text.rsplit('\n', 1)[0].endswith(LINK)
    assert notes.marker_of(text) == notes.marker_for(text.rsplit('\n', 1)[0])


def test_even_a_huge_item_list_keeps_the_situation_the_way_and_the_marker():
    items = [dict(OVG, display_name='OVG ' + 'y' * 300)] * 30

    text = note(items=items, state=state('disabled'))

    assert len(text) <= notes.MAX_NOTE_CHARS
    assert OFF_LINE in text
    assert text.rsplit('\n', 1)[0].endswith(LINK)
    assert notes.marker_of(text) is not None


def test_a_change_note_says_it_adds_items_and_quantities_read_like_connect_sends_them():
    items = [dict(OVG, quantity=5), dict(OVG, display_name='Other OVG', quantity='2.5', mpn=None),
             dict(OVG, name='Named OVG', display_name=None, quantity='unlimited')]

    text = note(request_type='change', items=items, state=state('disabled'))

    assert text.startswith('Overage Manager: this change request adds overage-capable (OVG)')
    assert 'quantity 5\n' in text
    assert '- Other OVG, quantity 2.5' in text
    assert '- Named OVG [CFQ7TTC0OVG1:0001_P1M:None], quantity unlimited' in text


def test_the_cancel_note_uses_the_catalogue_words_and_says_where_to_act():
    text = notes.cancel_note(customer=CUSTOMER, link=LINK, azure_subscription_id='e-1')
    flagged = of('OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION', current_azure_subscription_id='e-1')

    assert situation(text) == '\n'.join([
        flagged.message, flagged.reason,
        f'Next step: {flagged.action} To set it to None, use Manage Overage.',
    ])
    assert parts(text)[2].endswith(f'Direct link: {LINK}')
    assert notes.marker_of(text) is not None


def test_a_note_is_rendered_from_the_domain_state_never_from_the_api_json(monkeypatch):
    from connect_ext.api import presenters

    given = enabled(findings=[PRICING])
    error = OverageError('MICROSOFT_TENANT_NOT_FOUND', 'No such tenant.',
                         'Microsoft does not know it.', 'Check the tenant id.', 404)
    expected_state, expected_error = note(state=given), note(error=error)

    def garbage(*_args, **_kwargs):
        return {'status': 'disabled', 'azure_subscription_id': 'garbage', 'findings': [],
                'message': 'garbage', 'action': 'garbage'}

    for name in ('state_body', 'change_result_body', 'options_body', 'finding_body',
                 'customer_info', '_state_fields'):
        if hasattr(presenters, name):
            monkeypatch.setattr(presenters, name, garbage)
    monkeypatch.setattr(OverageError, 'to_body', garbage)
    monkeypatch.setattr(Finding, 'to_dict', garbage)

    assert note(state=given) == expected_state
    assert note(error=error) == expected_error
    assert ENABLED_LINE in expected_state.splitlines()


def test_the_overage_line_of_another_partners_subscription_names_microsofts_id():
    given = state('other_partner', azure_subscription_id='E-9', partner_id='5350003')

    assert given.target is not None
    assert given.target.entitlement is None
    assert notes.overage_line(given) == (
        'Overage: held by another partner (Azure subscription E-9, partner id 5350003). Only that '
        'partner can change or release it.'
    )
