"""Every answer is exactly its documented response model, and the bodies are what they always were.

The routes answer :func:`connect_ext.compat.dump` of the models :mod:`connect_ext.api.presenters`
builds, so an answer has every field of its model and no other: ``dump(parse(Model, body)) ==
body``. The ``reference_*`` functions below are the bodies as the service and the views built them
before the presenters existed (the public contract, field by field, nulls included); the answers
must equal them on pydantic 1 and 2 alike, times included (``datetime.isoformat()``, ``+00:00``).
"""
from datetime import UTC, datetime
from typing import Any, Dict

import pytest
from connect.client import R

from connect_ext.api import dependencies, presenters
from connect_ext.api.schemas import (
    ChangeResultBody,
    ConnectionCheck,
    CustomerPage,
    HistoryPage,
    ItemsPage,
    OverageOptionsBody,
    OverageStateBody,
    SettingsBody,
)
from connect_ext.compat import dump, parse
from connect_ext.config import Settings
from connect_ext.customers.holders import holders_query
from connect_ext.errors import catalogue
from connect_ext.overage.facts import CustomerRef
from connect_ext.overage.prerequisites import Intent, blocking_findings, describe_creation, evaluate
from connect_ext.service.overage import OverageService
from sandbox.partner_center import demo
from testkit.callers import OWNER, OWNER_CALLER, customer
from testkit.customers import CUSTOMERS, ENABLED, HELD, INDIRECT, NO_AZURE_PLAN, READY


STATE_KEYS = ('customer', 'status', 'enabled', 'azure_subscription_id', 'partner_id', 'azure_plan',
              'azure_subscription', 'ovg_subscriptions', 'findings', 'etag', 'checked_at',
              'pending_confirmation')


# --- the contract: the bodies as they were built before the presenters ------------------------

def reference_customer(customer: CustomerRef) -> Dict[str, Any]:
    return {
        'id': customer.customer_id, 'name': customer.name, 'tenant_id': customer.tenant_id,
        'country': customer.country, 'tier1_id': customer.tier1_id, 'tier2_id': customer.tier2_id,
    }


def reference_finding(finding, findings=()) -> Dict[str, Any]:
    """``order``: the finding's place among the blocking ones of ``findings`` (1: first)."""
    blocking = [item for item in findings if item.severity == 'blocking']
    return {
        'code': finding.code, 'severity': finding.severity, 'message': finding.message,
        'reason': finding.reason, 'action': finding.action, 'params': dict(finding.params),
        'blocks': list(finding.blocks), 'fixable': finding.fixable,
        'order': blocking.index(finding) + 1 if finding in blocking else None,
    }


def reference_state(state) -> Dict[str, Any]:
    facts = state.facts
    overage = facts.overage
    plan = subscription = None
    current = facts.current_azure_subscription_id
    if current:
        entitlement = facts.find_entitlement(current)
        if entitlement is None:
            subscription = {'id': current, 'name': None, 'status': None}
        else:
            found = facts.plan_of(entitlement)
            plan = ({'subscription_id': found.id, 'name': found.friendly_name or found.offer_name}
                    if found else None)
            subscription = {'id': entitlement.id, 'name': entitlement.friendly_name,
                            'status': entitlement.status}
    return {
        'customer': reference_customer(facts.customer),
        'status': state.status,
        'enabled': bool(overage and overage.overage_enabled),
        'azure_subscription_id': overage.azure_entitlement_id if overage else None,
        'partner_id': overage.partner_id if overage else None,
        'azure_plan': plan,
        'azure_subscription': subscription,
        'ovg_subscriptions': [
            {'id': sub.id, 'offer_id': sub.offer_id, 'name': sub.friendly_name or sub.offer_name,
             'status': sub.status, 'partner_id': sub.partner_id}
            for sub in facts.subscriptions if sub.is_overage_capable
        ],
        'findings': [reference_finding(finding, state.findings) for finding in state.findings],
        'etag': state.etag,
        'checked_at': state.checked_at.isoformat(),
        # Added with the awaited changes (null: nothing awaits Microsoft's confirmation).
        'pending_confirmation': None,
    }


def reference_options(state) -> Dict[str, Any]:
    facts = state.facts
    current = (facts.current_azure_subscription_id or '').lower()
    plans = sorted(facts.active_azure_plans, key=lambda plan: plan.id.lower())
    creation_blocked = blocking_findings(evaluate(facts, Settings(), Intent.create()), Intent.create())
    return {
        'customer': reference_customer(facts.customer),
        'status': state.status,
        'azure_plans': [
            {
                'subscription_id': plan.id, 'name': plan.friendly_name or plan.offer_name,
                'offer_id': plan.offer_id, 'status': plan.status,
                'azure_subscriptions': [
                    {'id': ent.id, 'name': ent.friendly_name, 'status': ent.status,
                     'eligible': facts.is_eligible(ent.id),
                     'current': ent.id.lower() == current and state.status == 'enabled'}
                    for ent in facts.entitlements_of(plan.id)
                ],
            }
            for plan in facts.active_azure_plans
        ],
        'can_enable': not blocking_findings(state.findings, Intent.ENABLE),
        'can_disable': not blocking_findings(state.findings, Intent.DISABLE),
        'can_create_azure_subscription': not creation_blocked,
        'create_azure_subscription': {
            'possible': not creation_blocked,
            'creates': 'azure_subscription' if plans else 'azure_plan_and_subscription',
            'description': describe_creation(facts),
            'azure_subscription_name': 'Subscription 1',
            'azure_plan': (
                {'subscription_id': plans[0].id, 'name': plans[0].friendly_name or plans[0].offer_name}
                if plans else None
            ),
            'findings': [reference_finding(finding, creation_blocked) for finding in creation_blocked],
        },
        'findings': [reference_finding(finding, state.findings) for finding in state.findings],
        'etag': state.etag,
    }


def reference_history_entry(entry) -> Dict[str, Any]:
    error = None
    if entry.error_code or entry.error_message:
        error = {'code': entry.error_code, 'message': entry.error_message}
    return {
        'id': entry.id, 'at': entry.at.isoformat(), 'action': entry.action, 'outcome': entry.outcome,
        'actor': {'type': entry.actor_type, 'id': entry.actor_id, 'name': entry.actor_name},
        'before': {'enabled': entry.from_enabled, 'azure_subscription_id': entry.from_entitlement},
        'requested': {'enabled': entry.to_enabled, 'azure_subscription_id': entry.to_entitlement},
        'error': error, 'ms_request_id': entry.ms_request_id,
        'ms_correlation_id': entry.ms_correlation_id,
        'details': entry.details if isinstance(entry.details, dict) else {},
    }


def reference_summary(record) -> Dict[str, Any]:
    return {
        'id': record.customer_id, 'name': record.name or None, 'tenant_id': record.tenant_id,
        'country': record.country, 'tier1_id': record.tier1_id, 'tier2_id': record.tier2_id,
        'status': record.overage_status,
        # Only where overage goes to one of ours: never another partner's, nor a disabled one's.
        'azure_subscription_id': record.azure_entitlement_id if record.overage_status == 'enabled' else None,
        'partner_id': record.overage_partner_id,
        'ovg_subscription_count': record.ovg_subscription_count,
        'ovg_asset_ids': list(record.ovg_asset_ids), 'flags': list(record.flags),
        'checked_at': record.checked_at.isoformat() if record.checked_at else None,
        'pending_confirmation': False,
        'attention': record.attention,
        'attention_reason': None if record.attention_reason is None else {
            'code': record.attention_reason,
            'message': catalogue.render_entry(record.attention_reason).message,
            'action': catalogue.render_entry(record.attention_reason).action,
        },
    }


# --- helpers ------------------------------------------------------------------------------------

def exactly(model, body):
    """``body`` has every field of ``model`` and no other, with the values the model keeps."""
    assert dump(parse(model, body)) == body
    return body


def put(api, customer_id, azure_subscription_id, **kwargs):
    return api.put(f'/api/customers/{customer_id}/overage',
                   json={'azure_subscription_id': azure_subscription_id}, **kwargs)


def ref(customer_id, store) -> CustomerRef:
    record = store.get_customer(customer_id)
    return CustomerRef(customer_id, record.tenant_id, name=record.name, country=record.country,
                       tier1_id=record.tier1_id, tier2_id=record.tier2_id,
                       reseller_mpn=record.reseller_mpn)


@pytest.fixture
def at_noon(api, pc_client, store, settings, clock):
    """The service on a fixed clock: ``checked_at`` and the audit's ``at`` are known exactly."""
    times = [datetime(2026, 11, 29, 12, 0, tzinfo=UTC)]
    service = OverageService(pc_client, store, settings, sleep=clock.sleep, confirm_delays=(0.5,),
                             now=lambda: times[0])
    api.app.dependency_overrides[dependencies.get_overage_service] = lambda: service
    yield times
    service.executor.shutdown(wait=False)


# --- one customer's overage ---------------------------------------------------------------------

@pytest.mark.parametrize('customer_id', [READY, ENABLED, HELD, NO_AZURE_PLAN, INDIRECT])
def test_the_state_and_options_answers_are_the_contract(api, service, store, customer_id):
    state_answer = api.get(f'/api/customers/{customer_id}/overage')
    options_answer = api.get(f'/api/customers/{customer_id}/overage/options')
    state = service.state(ref(customer_id, store), OWNER_CALLER)

    body = exactly(OverageStateBody, state_answer.json())
    expected = {**reference_state(state), 'permissions': {'can_change': True}}
    assert {**body, 'checked_at': None} == {**expected, 'checked_at': None}
    assert exactly(OverageOptionsBody, options_answer.json()) == reference_options(state)


def test_a_state_keeps_its_nulls_and_its_isoformat_time(api, at_noon):
    body = api.get(f'/api/customers/{READY}/overage').json()

    assert body['checked_at'] == '2026-11-29T12:00:00+00:00'
    assert (body['azure_subscription_id'], body['azure_plan'], body['azure_subscription']) == (
        None, None, None,
    )
    assert body['customer']['tier2_id'] is None
    assert body['permissions'] == {'can_change': True}

    at_noon[0] = datetime(2026, 11, 29, 12, 0, 0, 123456, tzinfo=UTC)
    assert api.get(f'/api/customers/{READY}/overage').json()['checked_at'] == (
        '2026-11-29T12:00:00.123456+00:00'
    )


def test_another_partners_subscription_is_named_by_microsofts_id_only(api):
    body = api.get(f'/api/customers/{HELD}/overage').json()

    assert body['status'] == 'other_partner'
    assert body['azure_plan'] is None
    assert body['azure_subscription'] == {
        'id': body['azure_subscription_id'], 'name': None, 'status': None,
    }


def test_a_change_answers_the_state_and_the_change_without_permissions(api, at_noon, store):
    response = put(api, READY, demo.READY_ENTITLEMENT_ID)

    body = exactly(ChangeResultBody, response.json())
    assert 'permissions' not in body
    [entry] = store.list_audit(customer_id=READY).items
    assert body['change'] == {
        'action': 'enable', 'outcome': 'succeeded', 'audit_id': entry.id,
        'ms_request_id': entry.ms_request_id, 'ms_correlation_id': entry.ms_correlation_id,
        'create_azure_subscription': False, 'created': None,
    }
    assert body['checked_at'] == '2026-11-29T12:00:00+00:00'
    assert body['azure_subscription']['id'] == demo.READY_ENTITLEMENT_ID
    assert set(body) == {*STATE_KEYS, 'change'}


def test_no_change_and_unconfirmed_answers_are_change_results(api, sim):
    same = put(api, ENABLED, demo.ENABLED_ENTITLEMENT_ID)
    sim.world.propagation_delay = 3600.0
    later = put(api, READY, demo.READY_ENTITLEMENT_ID)

    assert exactly(ChangeResultBody, same.json())['change']['ms_request_id'] is None
    assert later.status_code == 202
    assert exactly(ChangeResultBody, later.json())['change']['outcome'] == 'unconfirmed'


def test_the_saved_idempotent_answer_is_the_answered_body(api, store):
    first = put(api, READY, demo.READY_ENTITLEMENT_ID, headers={'Idempotency-Key': 'shape-1'})

    saved = store.get_idempotent_response(
        f'owner:{OWNER["account_id"]}:PUT /customers/{READY}/overage', 'shape-1',
    )
    assert saved.body == first.json()
    assert isinstance(saved.body, dict)


def test_the_history_answer_is_the_contract(api, store, at_noon):
    put(api, READY, demo.READY_ENTITLEMENT_ID)
    put(api, HELD, demo.READY_ENTITLEMENT_ID)

    for customer_id in (READY, HELD):
        body = exactly(HistoryPage, api.get(f'/api/customers/{customer_id}/overage/history').json())
        page = store.list_audit(customer_id=customer_id)
        assert body == {'items': [reference_history_entry(entry) for entry in page.items],
                        'total': page.total, 'limit': 50, 'offset': 0}
        assert body['items'][0]['at'] == '2026-11-29T12:00:00+00:00'
    [failed] = api.get(f'/api/customers/{HELD}/overage/history').json()['items']
    assert failed['error']['code'] == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    assert failed['ms_request_id'] is None


# --- the overview, the catalogue, the settings --------------------------------------------------

def test_the_overview_answer_is_the_contract_nulls_included(api, store):
    store.record_overage_state(READY, status='enabled', azure_entitlement_id='e-1', partner_id=None,
                               checked_at=datetime(2026, 11, 1, 8, 30, 0, 5, tzinfo=UTC))

    body = exactly(CustomerPage, api.get('/api/customers', params={'limit': 200}).json())

    page = store.list_customers(limit=200, offset=0)
    assert body == {'items': [reference_summary(record) for record in page.items],
                    'total': page.total, 'total_is': 'exact', 'limit': 200, 'offset': 0,
                    'next_cursor': None}
    rows = {row['id']: row for row in body['items']}
    assert set(rows) == set(CUSTOMERS)
    assert rows[READY]['checked_at'] == '2026-11-01T08:30:00.000005+00:00'
    assert rows[HELD]['checked_at'] is None  # never read: the key is there, null


def test_the_items_answer_keeps_every_field_of_an_item(api, connect):
    query = R().name.ilike('*OVG*') | R().display_name.ilike('*OVG*')
    connect.products['PRD-1'].get(return_value={'id': 'PRD-1', 'name': 'Telephony', 'unknown': 2})
    connect.products['PRD-1'].items.filter(query).mock(return_value=[
        {'id': 'PRD-1-0001', 'name': 'Audio OVG', 'unknown_field': 1},
    ])
    connect('subscriptions').assets.filter(holders_query('PRD-1-0001')).count(return_value=9)

    body = exactly(ItemsPage, api.get('/api/items', params={'product_id': 'PRD-1'}).json())

    assert body == {'items': [{
        'product_id': 'PRD-1', 'product_name': 'Telephony', 'id': 'PRD-1-0001', 'name': 'Audio OVG',
        'display_name': None, 'mpn': None, 'status': None, 'period': None, 'type': None,
        'customers': 9,
    }], 'total': 1}


def test_the_settings_and_connection_answers_are_the_contract(api, settings):
    body = exactly(SettingsBody, api.get('/api/settings').json())
    check = exactly(ConnectionCheck, api.get('/api/settings/connection').json())

    pc = settings.partner_center
    coverage = body.pop('sync_coverage')  # counted from the store now (tests/api/test_settings_coverage.py)
    assert set(coverage) == {'counted_at', 'customers', 'read_last_day_share', 'read_last_week_share',
                             'never_read', 'oldest_read_at', 'oldest_read_age_seconds'}
    assert body == {
        'sku_marker': 'OVG', 'blocked_countries': sorted(settings.blocked_countries),
        'tenant_id_params': list(settings.tenant_id_params),
        'reseller_mpn_param': settings.reseller_mpn_param, 'product_ids': [],
        'webhook_url': None, 'webhook_signed': False, 'customers_may_change': False,
        'store': 'sqlite', 'store_durable': False, 'store_warning': None,
        'partner_center': {'api_url': pc.api_url, 'login_url': pc.login_url,
                           'tenant_id': pc.tenant_id or None, 'client_id': pc.client_id or None,
                           'mode': 'app+user',
                           'refresh_token': {'source': 'configured', 'renewed_at': None,
                                             'used_at': None, 'warnings': []}},
        'rate_budget': {'limit_per_minute': 500, 'usable_per_minute': 489.0,
                        'people_rate_share': 0.2, 'kept_for_people_per_minute': 101.8,
                        'sync_rate_share': 0.95, 'sync_per_minute': 367.8,
                        'used_this_minute': 0, 'used_last_minute': 0, 'throttled_last_hour': 0,
                        'paused_for_seconds': 0.0},
    }
    assert check == {'ok': True, 'mode': 'app+user'}


def test_a_customers_state_says_it_may_not_change_it(api):
    body = exactly(OverageStateBody, api.get(f'/api/customers/{READY}/overage',
                                             who=customer(READY)).json())

    assert body['permissions'] == {'can_change': False}


def test_the_routes_answer_what_the_presenters_build(api, monkeypatch):
    built = []
    original = presenters.state_body

    def spy(state, **kwargs):
        body = original(state, **kwargs)
        built.append(dump(body))
        return body

    monkeypatch.setattr(presenters, 'state_body', spy)

    answer = api.get(f'/api/customers/{ENABLED}/overage').json()

    assert built == [answer]
