"""The overage service end to end: the real client over HTTPS against the Partner Center
simulator (Microsoft's rules and answers), a real SQLite store, no mocks in between."""
import threading

import pytest

from connect_ext.errors.error import OverageError
from connect_ext.notifications.events import event_type
from connect_ext.overage.facts import Caller
from connect_ext.service.overage import overage_etag
from sandbox.partner_center import demo, faults
from testkit.callers import OWNER_CALLER as OWNER
from testkit.customers import customer_ref as customer


READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
ENABLED = customer(demo.ENABLED_CUSTOMER_ID, 'TA-ENABLED')
HELD = customer(demo.HELD_CUSTOMER_ID, 'TA-HELD')
LEGACY = customer(demo.LEGACY_AZURE_CUSTOMER_ID, 'TA-LEGACY')


def puts(sim):
    return [call for call in sim.calls.all() if call.method == 'PUT']


def _overage(sim, tenant_id):
    from connect_ext.partner_center.client import PartnerCenterClient

    client = PartnerCenterClient(sim.settings(demo.DISTRIBUTOR_TENANT_ID))
    return client.get_overage(tenant_id)


def test_state_reads_microsoft_and_records_the_customer(service, store, sim):
    state = service.state(READY, OWNER)

    assert state.status == 'disabled'
    assert state.enabled is False
    assert state.target is None
    assert [sub.offer_id for sub in state.ovg_subscriptions] == [demo.OVG_OFFER_ID]
    assert not [f for f in state.findings if f.severity == 'blocking']
    assert state.etag == overage_etag(state.facts.overage)
    record = store.get_customer('TA-READY')
    assert record.overage_status == 'disabled'
    assert record.tenant_id == demo.READY_CUSTOMER_ID
    assert record.ovg_subscription_count == 1
    assert record.checked_at is not None


def test_options_list_the_azure_subscriptions_of_the_active_plans(service):
    options = service.options(READY, OWNER)

    (plan,) = options.azure_plans
    assert plan.plan.id == demo.READY_PLAN_ID
    ids = {sub.entitlement.id: sub for sub in plan.azure_subscriptions}
    assert set(ids) == {demo.READY_ENTITLEMENT_ID, demo.READY_SECOND_ENTITLEMENT_ID}
    assert all(sub.eligible and not sub.current for sub in ids.values())
    assert options.can_enable is True


def test_enable_writes_once_reads_back_and_audits_once(service, store, sim):
    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID, actor_name='Ann Agent')

    assert result.outcome == 'succeeded'
    assert result.action == 'enable'
    assert result.state.status == 'enabled'
    (put,) = puts(sim)
    assert put.request_id == result.ms_request_id
    shown = _overage(sim, demo.READY_CUSTOMER_ID)
    assert shown.overage_enabled is True
    assert shown.azure_entitlement_id == demo.READY_ENTITLEMENT_ID
    (entry,) = store.list_audit(customer_id='TA-READY').items
    assert (entry.action, entry.outcome, entry.actor_name) == ('enable', 'succeeded', 'Ann Agent')
    assert entry.to_entitlement == demo.READY_ENTITLEMENT_ID
    assert entry.ms_request_id == result.ms_request_id
    assert store.get_customer('TA-READY').overage_status == 'enabled'
    assert 'OVERAGE_COLLECTS_ALL_PARTNERS' in {f.code for f in result.warnings}


def test_enabling_what_is_enabled_writes_nothing(service, store, sim):
    result = service.enable(ENABLED, OWNER, demo.ENABLED_ENTITLEMENT_ID)

    assert result.outcome == 'no_change'
    assert puts(sim) == []
    (entry,) = store.list_audit(customer_id='TA-ENABLED').items
    assert entry.outcome == 'no_change'


def test_move_then_disable(service, store, sim):
    moved = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
    moved = service.enable(READY, OWNER, demo.READY_SECOND_ENTITLEMENT_ID)
    assert (moved.action, moved.outcome) == ('move', 'succeeded')
    assert _overage(sim, demo.READY_CUSTOMER_ID).azure_entitlement_id == demo.READY_SECOND_ENTITLEMENT_ID

    disabled = service.disable(READY, OWNER)
    assert (disabled.action, disabled.outcome) == ('disable', 'succeeded')
    assert _overage(sim, demo.READY_CUSTOMER_ID).overage_enabled is False  # set, then disabled
    assert disabled.state.status == 'disabled'
    assert [e.action for e in store.list_audit(customer_id='TA-READY').items] == [
        'disable', 'move', 'enable',
    ]


def test_held_by_another_partner_is_refused_before_microsoft(service, store, sim):
    with pytest.raises(OverageError) as caught:
        service.enable(HELD, OWNER, demo.HELD_ENTITLEMENT_ID)

    assert caught.value.code == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    assert caught.value.http_status == 409
    assert puts(sim) == []
    (entry,) = store.list_audit(customer_id='TA-HELD').items
    assert (entry.outcome, entry.error_code) == ('failed', 'OVERAGE_HELD_BY_OTHER_PARTNER')
    assert store.get_customer('TA-HELD').overage_status == 'other_partner'


def test_legacy_azure_is_refused_before_microsoft(service, sim):
    # Give the legacy customer an Azure plan too, so legacy Azure is the only thing in the way.
    plan = sim.world.add_azure_plan(demo.LEGACY_AZURE_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID)
    entitlement = sim.world.add_entitlement(demo.LEGACY_AZURE_CUSTOMER_ID, plan)
    entitlement_id = entitlement if isinstance(entitlement, str) else entitlement.id

    with pytest.raises(OverageError) as caught:
        service.enable(LEGACY, OWNER, entitlement_id)

    assert caught.value.code == 'LEGACY_AZURE_PRESENT'
    assert [f['code'] for f in caught.value.details['findings']] == ['LEGACY_AZURE_PRESENT']
    assert puts(sim) == []


def test_a_microsoft_rejection_is_audited_as_failed_with_microsofts_ids(make_service, store, sim):
    service = make_service(refresh_token=demo.DISTRIBUTOR_SALES_AGENT_REFRESH_TOKEN)

    with pytest.raises(OverageError) as caught:
        service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    error = caught.value
    assert error.code == 'NOT_ELIGIBLE_TO_MANAGE_OVERAGE'
    assert error.details['microsoft']['code'] == '800114'
    (put,) = puts(sim)
    (entry,) = store.list_audit(customer_id='TA-READY').items
    assert entry.outcome == 'failed'
    assert entry.error_code == 'NOT_ELIGIBLE_TO_MANAGE_OVERAGE'
    assert entry.ms_request_id == put.request_id
    assert entry.ms_correlation_id == put.correlation_id
    assert _overage(sim, demo.READY_CUSTOMER_ID) is None  # never set: nothing was applied


def test_a_stale_if_match_is_refused_without_writing(service, sim):
    before = service.state(READY, OWNER)
    sim.world.set_overage(demo.READY_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID, demo.READY_ENTITLEMENT_ID)

    with pytest.raises(OverageError) as caught:
        service.enable(READY, OWNER, demo.READY_SECOND_ENTITLEMENT_ID, if_match=before.etag)

    assert caught.value.code == 'STALE_STATE'
    assert caught.value.http_status == 412
    assert puts(sim) == []


def test_a_fresh_if_match_is_accepted(service):
    before = service.state(READY, OWNER)
    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID, if_match=before.etag)
    assert result.outcome == 'succeeded'


def test_a_lost_answer_is_retried_with_the_same_request_id_and_applied_once(
    make_service, store, sim,
):
    service = make_service(read_timeout=0.3)
    sim.faults.add(faults.lost_answer(hold_seconds=1.0, method='PUT', path='/overage$', times=1))

    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    sim.faults.release_holds()
    assert result.outcome == 'succeeded'
    attempts = puts(sim)
    assert len(attempts) >= 2
    assert {call.request_id for call in attempts} == {result.ms_request_id}
    assert len(store.list_audit(customer_id='TA-READY').items) == 1
    assert _overage(sim, demo.READY_CUSTOMER_ID).azure_entitlement_id == demo.READY_ENTITLEMENT_ID


def test_a_change_microsoft_shows_late_is_confirmed_by_reading_back(make_service, sim):
    sim.world.propagation_delay = 0.15
    service = make_service(confirm_delays=(0.1, 0.1, 0.1))

    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    assert result.outcome == 'succeeded'


def test_a_change_microsoft_never_shows_in_the_bound_is_unconfirmed(make_service, store, sim):
    sim.world.propagation_delay = 30.0
    service = make_service(confirm_delays=(0.01, 0.01))

    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    assert result.outcome == 'unconfirmed'
    (entry,) = store.list_audit(customer_id='TA-READY').items
    assert entry.outcome == 'unconfirmed'


def test_a_reseller_cannot_act_for_a_customer_not_under_it(service, sim):
    stranger = Caller(role='reseller', account_id='TA-SOMEONE-ELSE')

    for call in (
        lambda: service.state(READY, stranger),
        lambda: service.enable(READY, stranger, demo.READY_ENTITLEMENT_ID),
        lambda: service.history(READY, stranger),
    ):
        with pytest.raises(OverageError) as caught:
            call()
        assert caught.value.code == 'CALLER_NOT_ALLOWED'
    assert sim.calls.all() == []


def test_a_reseller_acts_for_its_own_customer_with_its_partner_id(service, sim):
    mine = customer(demo.RESELLER_CUSTOMER_ID, 'TA-RES-CUST', reseller_mpn=demo.RESELLER_MPN_ID,
                    visible_to=frozenset({'PA-RES-0001'}))
    reseller = Caller(role='reseller', account_id='PA-RES-0001')

    result = service.enable(mine, reseller, demo.RESELLER_ENTITLEMENT_ID)

    assert result.outcome == 'succeeded'
    assert _overage(sim, demo.RESELLER_CUSTOMER_ID).partner_id == demo.RESELLER_MPN_ID


def test_no_tenant_id_yet_is_a_clear_error_without_calls(service, sim):
    with pytest.raises(OverageError) as caught:
        service.state(customer(None, 'TA-NEW'), OWNER)
    assert caught.value.code == 'TENANT_ID_UNKNOWN'
    assert sim.calls.all() == []


def test_microsoft_down_while_reading_is_translated(make_service, sim):
    service = make_service(max_attempts=2)
    sim.faults.add(faults.server_error(503, path='/subscriptions$'))

    with pytest.raises(OverageError) as caught:
        service.state(READY, OWNER)

    assert caught.value.http_status == 503


def test_concurrent_changes_of_one_customer_are_serialised(service, store, sim):
    errors = []

    def enable(entitlement):
        try:
            service.enable(READY, OWNER, entitlement)
        except OverageError as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=enable, args=(demo.READY_ENTITLEMENT_ID,)),
        threading.Thread(target=enable, args=(demo.READY_SECOND_ENTITLEMENT_ID,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    entries = list(reversed(store.list_audit(customer_id='TA-READY').items))
    assert [e.action for e in entries] == ['enable', 'move']
    # The second change started from what the first one left: they did not interleave.
    assert entries[1].from_entitlement == entries[0].to_entitlement
    assert _overage(sim, demo.READY_CUSTOMER_ID).azure_entitlement_id == entries[1].to_entitlement


def test_refresh_reads_only_the_overage_into_the_store(service, store, sim):
    service.state(ENABLED, OWNER)
    sim.calls.clear()

    assert service.refresh(ENABLED) == 'enabled'
    assert [call.path for call in sim.calls.all()] == [
        f'/v1/customers/{demo.ENABLED_CUSTOMER_ID}/subscriptions/overage',
    ]
    sim.world.set_overage(demo.ENABLED_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID, demo.ENABLED_ENTITLEMENT_ID,
                          enabled=False)
    assert service.refresh(ENABLED) == 'disabled'
    assert store.get_customer('TA-ENABLED').overage_status == 'disabled'


def test_changes_are_notified_once_each(make_service, sim):
    events = []
    service = make_service(notify=events.append)

    service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
    with pytest.raises(OverageError):
        service.enable(HELD, OWNER, demo.HELD_ENTITLEMENT_ID)

    assert [event_type(event) for event in events] == ['overage.enable.succeeded', 'overage.move.failed']
    assert events[1].error.code == 'OVERAGE_HELD_BY_OTHER_PARTNER'


def test_a_plan_added_since_the_last_read_is_still_read(service, sim):
    service.state(READY, OWNER)  # remembers the customer's plan ids for speculative reads
    plan = sim.world.add_azure_plan(demo.READY_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID)
    sim.world.add_entitlement(demo.READY_CUSTOMER_ID, plan, name='New plan subscription')

    plans = service.options(READY, OWNER).azure_plans

    assert len(plans) == 2
    names = {sub.entitlement.friendly_name for p in plans for sub in p.azure_subscriptions}
    assert 'New plan subscription' in names


def test_the_second_read_lists_known_plans_without_waiting_for_subscriptions(service, sim):
    service.state(READY, OWNER)
    sim.calls.clear()

    service.state(READY, OWNER)

    paths = [call.path for call in sim.calls.all()]
    entitlement_reads = [p for p in paths if p.endswith('/azureEntitlements')]
    assert entitlement_reads == [
        f'/v1/customers/{demo.READY_CUSTOMER_ID}/subscriptions/{demo.READY_PLAN_ID}/azureEntitlements',
    ]
    assert len(paths) == 5  # customer, qualifications, subscriptions, overage, the known plan


# -- Microsoft decides what Partner Center does not show us ----------------------------------------

OVG_FROM_OTHER = customer(demo.OVG_FROM_OTHER_CUSTOMER_ID, 'TA-MIXED')
NO_OVG = customer(demo.NO_OVG_CUSTOMER_ID, 'TA-NO-OVG')


def test_an_ovg_subscription_we_cannot_see_does_not_stop_the_change(service, sim):
    """The customer's only OVG subscription was sold by another partner: Partner Center does not
    list it to us, Microsoft counts it, and the change goes through.

    conformance: PC-18, PC-26
    """
    state = service.state(OVG_FROM_OTHER, OWNER)
    finding = next(f for f in state.findings if f.code == 'NO_ACTIVE_OVG_SUBSCRIPTION')
    assert finding.severity == 'warning'
    assert not finding.blocks_intent('enable')

    result = service.enable(OVG_FROM_OTHER, OWNER, demo.OVG_FROM_OTHER_ENTITLEMENT_ID)

    assert result.outcome == 'succeeded'
    assert len(puts(sim)) == 1
    assert 'NO_ACTIVE_OVG_SUBSCRIPTION' in {f.code for f in result.warnings}
    shown = _overage(sim, demo.OVG_FROM_OTHER_CUSTOMER_ID)
    assert (shown.overage_enabled, shown.azure_entitlement_id) == (
        True, demo.OVG_FROM_OTHER_ENTITLEMENT_ID)


def test_microsofts_refusal_when_the_customer_has_no_ovg_subscription_anywhere(service, store, sim):
    """conformance: PC-26"""
    with pytest.raises(OverageError) as caught:
        service.enable(NO_OVG, OWNER, demo.NO_OVG_ENTITLEMENT_ID)

    error = caught.value
    assert (error.code, error.http_status) == ('MICROSOFT_FOUND_NO_OVG_SUBSCRIPTION', 422)
    assert error.details['microsoft']['code'] == '800114'
    assert error.details['visible_ovg_subscriptions'] == 0
    assert 'Order an OVG item' in error.action
    assert len(puts(sim)) == 1
    (entry,) = store.list_audit(customer_id='TA-NO-OVG').items
    assert (entry.outcome, entry.error_code) == ('failed', 'MICROSOFT_FOUND_NO_OVG_SUBSCRIPTION')


# -- a 408 after a write ------------------------------------------------------------------------

def test_a_408_after_an_applied_write_is_read_back_and_succeeds(service, store, sim):
    """Microsoft stopped waiting but made the change: the read-back finds it, nothing is sent
    twice.

    conformance: PC-40, PC-42
    """
    sim.faults.add(faults.request_timeout(applied=True, method='PUT', path='/overage$', times=1))

    result = service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    assert result.outcome == 'succeeded'
    assert [call.status for call in puts(sim)] == [408]
    (entry,) = store.list_audit(customer_id='TA-READY').items
    assert entry.outcome == 'succeeded'


def test_a_408_after_a_write_microsoft_did_not_make_is_a_time_out(service, store, sim):
    """conformance: PC-40, PC-42"""
    sim.faults.add(faults.request_timeout(method='PUT', path='/overage$'))

    with pytest.raises(OverageError) as caught:
        service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)

    assert (caught.value.code, caught.value.http_status) == ('MICROSOFT_TIMEOUT', 504)
    assert [call.status for call in puts(sim)] == [408]
    assert _overage(sim, demo.READY_CUSTOMER_ID) is None


# -- MFA ------------------------------------------------------------------------------------------

def test_an_app_plus_user_token_without_mfa_is_a_credentials_problem_that_says_so(make_service, sim):
    """conformance: PC-08"""
    service = make_service(refresh_token=demo.DISTRIBUTOR_NO_MFA_REFRESH_TOKEN)

    with pytest.raises(OverageError) as caught:
        service.state(READY, OWNER)

    error = caught.value
    assert (error.code, error.http_status) == ('PARTNER_CENTER_MFA_REQUIRED', 502)
    assert error.details['microsoft']['status'] == 401
    assert error.details['microsoft']['code'] == '900421'
    assert "new refresh token in the extension's settings" in error.action
    assert error.details['settings'] == ['PARTNER_CENTER_REFRESH_TOKEN']
    assert 'MFA' in error.action
