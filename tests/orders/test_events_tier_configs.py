"""An approved tier configuration request: the reseller's partner id is looked up again
(conformance: CX-06), and events of a partner's installation record who sees the customer (CX-07)."""
import pytest
from connect.eaas.core.enums import ResultType

from testkit.connect_requests import load_request
from testkit.fake_connect import INSTALLATION


def tier_config_request(account_id='TA-7000-0000-0001', tier_level=1, status='approved'):
    return {
        'id': 'TCR-000-000-001-001', 'type': 'update', 'status': status,
        'configuration': {
            'id': 'TC-000-000-001', 'tier_level': tier_level,
            'account': {'id': account_id, 'name': 'Reseller A'},
            'product': {'id': 'PRD-183-233-565'},
        },
    }


@pytest.mark.parametrize('handler', ['handle_tier_config_setup_request',
                                     'handle_tier_config_change_request'])
def test_an_approved_tier_config_request_makes_its_customers_partner_id_read_again(
        app, store, handler):
    store.upsert_customer('TA-1', tier1_id='TA-7000-0000-0001', reseller_mpn='1',
                          reseller_mpn_checked_at=store.now())
    store.upsert_customer('TA-2', tier1_id='TA-7000-0000-0002', reseller_mpn_checked_at=store.now())

    result = getattr(app, handler)(tier_config_request())

    assert result.status == ResultType.SUCCESS
    assert store.get_customer('TA-1').reseller_mpn_checked_at is None
    assert store.get_customer('TA-2').reseller_mpn_checked_at is not None


@pytest.mark.parametrize('payload', [
    tier_config_request(tier_level=2), tier_config_request(account_id='PA-1'), {}, 'junk',
], ids=['tier-2', 'not-a-tier-account', 'empty', 'not-an-object'])
def test_other_tier_config_requests_change_nothing(app, store, payload):
    store.upsert_customer('TA-1', tier1_id='TA-7000-0000-0001', reseller_mpn_checked_at=store.now())

    result = app.handle_tier_config_change_request(payload)

    assert result.status == ResultType.SKIP
    assert store.get_customer('TA-1').reseller_mpn_checked_at is not None


def test_an_order_event_records_that_its_installations_account_sees_the_customer(
        app, connect, store):
    payload = load_request('purchase_ovg_existing_tenant')
    connect.add_conversation(payload['id'])

    app.handle_purchase_request(payload)

    customer_id = payload['asset']['tiers']['customer']['id']
    assert store.seen_at(INSTALLATION['owner']['id'], customer_id) is not None
