"""Approved cancels: the store forgets the asset; a customer left with overage assigned and no
OVG subscription is flagged, audited once and noted once."""
import logging

from connect.eaas.core.enums import ResultType

from connect_ext.orders.handling import FLAG_OVERAGE_WITHOUT_OVG, cancel_key
from connect_ext.orders.notes import marker_of
from sandbox.partner_center import demo
from testkit.connect_requests import load_request, set_param
from testkit.services import PAGES_URL


FABRIKAM = 'TA-1000-0000-0002'
CANCELLED_ASSET = 'AS-6610-2207-1184'


class UntouchableService:
    def __getattr__(self, name):
        raise AssertionError(f'Partner Center was reached for: {name}')


def our_ovg_subscription(sim, tenant_id):
    return next(
        sub for sub in sim.world.subscriptions.values()
        if sub.customer_id == tenant_id and sub.is_overage_capable
        and sub.partner_id == demo.DISTRIBUTOR_TENANT_ID
    )


def record_fabrikam(store, *assets, tenant=demo.ENABLED_CUSTOMER_ID, **fields):
    store.upsert_customer(FABRIKAM, tenant_id=tenant, name='Fabrikam Calling',
                          ovg_asset_ids=list(assets), **fields)


def cancel_of_our_subscription(sim):
    """The cancel as Connect sends it once approved: the asset names its Microsoft subscription,
    which Partner Center may still list as active for a while."""
    subscription = our_ovg_subscription(sim, demo.ENABLED_CUSTOMER_ID)
    return set_param(load_request('cancel_ovg'), 'subscription_id', subscription.id)


def test_the_last_ovg_subscription_gone_with_overage_on_is_flagged_and_noted(
    app, connect, store, sim,
):
    record_fabrikam(store, CANCELLED_ASSET)
    payload = cancel_of_our_subscription(sim)
    connect.add_conversation(payload['id'])

    result = app.handle_cancel_request(payload)

    assert result.status == ResultType.SUCCESS
    record = store.get_customer(FABRIKAM)
    assert record.ovg_asset_ids == ()
    assert record.flags == (FLAG_OVERAGE_WITHOUT_OVG,)
    [note] = connect.notes(payload['id'])
    assert "removes the customer's last overage-capable (OVG) subscription" in note
    assert demo.ENABLED_ENTITLEMENT_ID in note
    assert 'Next step: Decide with the customer whether to keep it or to set it to None.' in note
    assert f'Direct link: {PAGES_URL}?customer={FABRIKAM}' in note
    assert marker_of(note) is not None
    [audit] = store.list_audit(customer_id=FABRIKAM).items
    assert (audit.action, audit.actor_type, audit.outcome) == ('flag', 'system', 'succeeded')
    assert audit.from_entitlement == demo.ENABLED_ENTITLEMENT_ID
    assert audit.details['request_id'] == payload['id']


def test_a_redelivered_cancel_flags_audits_and_notes_once(app, connect, store, sim):
    record_fabrikam(store, CANCELLED_ASSET)
    payload = cancel_of_our_subscription(sim)
    connect.add_conversation(payload['id'])

    results = [app.handle_cancel_request(payload).status for _ in range(3)]

    assert results[0] == ResultType.SUCCESS
    assert len(connect.notes(payload['id'])) == 1
    assert store.list_audit(customer_id=FABRIKAM).total == 1
    assert store.is_event_processed(cancel_key(payload['id']))


def test_a_subscription_partner_center_shows_deleted_counts_as_gone(app, connect, store, sim):
    record_fabrikam(store, CANCELLED_ASSET)
    sim.world.set_status(our_ovg_subscription(sim, demo.ENABLED_CUSTOMER_ID), 'deleted')
    payload = load_request('cancel_ovg')
    connect.add_conversation(payload['id'])

    assert app.handle_cancel_request(payload).status == ResultType.SUCCESS

    assert store.get_customer(FABRIKAM).flags == (FLAG_OVERAGE_WITHOUT_OVG,)
    assert len(connect.notes(payload['id'])) == 1


def test_another_recorded_ovg_asset_left_means_no_flag_and_no_partner_center(
    app, connect, store, sim, caplog,
):
    app.dependencies._service = UntouchableService()
    record_fabrikam(store, CANCELLED_ASSET, 'AS-6610-2207-9999')
    payload = load_request('cancel_ovg')
    connect.add_conversation(payload['id'])

    with caplog.at_level(logging.INFO):
        result = app.handle_cancel_request(payload)

    assert result.status == ResultType.SUCCESS
    assert f'cancel {payload["id"]}: 1 OVG asset(s) remain' in caplog.messages
    record = store.get_customer(FABRIKAM)
    assert record.ovg_asset_ids == ('AS-6610-2207-9999',)
    assert record.flags == ()
    assert connect.notes(payload['id']) == []
    assert sim.calls.all() == []


def test_another_active_ovg_subscription_in_partner_center_means_no_flag(
    app, connect, store, sim, caplog,
):
    """Bought from us outside Connect, or before the extension was installed: Partner Center
    knows it even though the store does not."""
    record_fabrikam(store, CANCELLED_ASSET)
    sim.world.add_subscription(demo.ENABLED_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID,
                               demo.OVG_OFFER_ID, demo.OVG_OFFER_NAME, consumption_type='overage')
    payload = cancel_of_our_subscription(sim)
    connect.add_conversation(payload['id'])

    with caplog.at_level(logging.INFO):
        result = app.handle_cancel_request(payload)

    assert result.status == ResultType.SUCCESS
    assert f'cancel {payload["id"]}: no overage left behind' in caplog.messages
    assert store.get_customer(FABRIKAM).flags == ()
    assert connect.notes(payload['id']) == []


def test_an_ovg_subscription_of_another_partner_does_not_prevent_the_flag(
    app, connect, store, sim,
):
    """Partner Center lists only our subscriptions: overage to our Azure subscription with none
    of ours left is what the flag is about (it collects the usage of others' licences)."""
    record_fabrikam(store, CANCELLED_ASSET)
    sim.world.add_subscription(demo.ENABLED_CUSTOMER_ID, demo.OTHER_PARTNER_TENANT_ID,
                               demo.OVG_OFFER_ID, demo.OVG_OFFER_NAME, consumption_type='overage')
    payload = cancel_of_our_subscription(sim)
    connect.add_conversation(payload['id'])

    assert app.handle_cancel_request(payload).status == ResultType.SUCCESS
    assert store.get_customer(FABRIKAM).flags == (FLAG_OVERAGE_WITHOUT_OVG,)


def test_overage_not_assigned_means_no_flag(app, connect, store, sim):
    record_fabrikam(store, CANCELLED_ASSET, tenant=demo.READY_CUSTOMER_ID)
    payload = set_param(load_request('cancel_ovg'), 'ms_customer_id', demo.READY_CUSTOMER_ID)
    payload = set_param(payload, 'subscription_id',
                        our_ovg_subscription(sim, demo.READY_CUSTOMER_ID).id)
    connect.add_conversation(payload['id'])

    assert app.handle_cancel_request(payload).status == ResultType.SUCCESS
    assert store.get_customer(FABRIKAM).flags == ()
    assert connect.notes(payload['id']) == []


def test_without_a_tenant_id_the_stored_state_decides(app, connect, store, sim):
    app.dependencies._service = UntouchableService()
    store.upsert_customer(FABRIKAM, ovg_asset_ids=[CANCELLED_ASSET])
    store.record_overage_state(FABRIKAM, status='enabled', azure_entitlement_id='e-1',
                               partner_id=None, checked_at=store.now())
    payload = set_param(set_param(load_request('cancel_ovg'), 'ms_customer_id', ''),
                        'microsoft_tenant_id', '')
    connect.add_conversation(payload['id'])

    assert app.handle_cancel_request(payload).status == ResultType.SUCCESS
    assert store.get_customer(FABRIKAM).flags == (FLAG_OVERAGE_WITHOUT_OVG,)
    assert 'Overage still goes to your Azure subscription (e-1)' in connect.notes(payload['id'])[0]
    assert sim.calls.all() == []


def test_a_cancel_without_ovg_is_skipped_without_partner_center(app, connect, store, sim):
    app.dependencies._service = UntouchableService()
    payload = load_request('cancel_ovg')
    payload['asset']['items'][0]['display_name'] = 'Office 365 E3 (NCE COM BAS 1MO)'

    result = app.handle_cancel_request(payload)

    assert result.status == ResultType.SKIP
    assert 'removes no OVG subscription' in result.output
    assert sim.calls.all() == []
    assert connect.calls == []


def test_a_recorded_asset_is_forgotten_even_if_its_items_no_longer_say_ovg(app, connect, store,
                                                                           sim):
    record_fabrikam(store, CANCELLED_ASSET, 'AS-6610-2207-9999')
    payload = load_request('cancel_ovg')
    payload['asset']['items'] = []

    assert app.handle_cancel_request(payload).status == ResultType.SUCCESS
    assert store.get_customer(FABRIKAM).ovg_asset_ids == ('AS-6610-2207-9999',)


def test_ordering_ovg_again_clears_the_flag(app, connect, store, sim):
    record_fabrikam(store, CANCELLED_ASSET)
    cancel = cancel_of_our_subscription(sim)
    connect.add_conversation(cancel['id'])
    app.handle_cancel_request(cancel)
    assert store.get_customer(FABRIKAM).flags == (FLAG_OVERAGE_WITHOUT_OVG,)

    purchase = load_request('purchase_ovg_existing_tenant')
    purchase['asset']['tiers']['customer']['id'] = FABRIKAM
    purchase = set_param(purchase, 'microsoft_tenant_id', demo.ENABLED_CUSTOMER_ID)
    connect.add_conversation(purchase['id'])
    assert app.handle_purchase_request(purchase).status == ResultType.SUCCESS

    record = store.get_customer(FABRIKAM)
    assert record.flags == ()
    assert record.ovg_asset_ids == (purchase['asset']['id'],)
