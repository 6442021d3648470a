"""The work queue follows the reads of Microsoft (connect_ext/service/overage.py): a full read judges
the customer, the sync's one-call read keeps the judgement, and a customer never judged gets one
full read from the sync. The real client against the Partner Center simulator, a real store."""
from sandbox.partner_center import demo
from testkit.callers import OWNER_CALLER as OWNER
from testkit.customers import customer_ref as customer


READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
LEGACY = customer(demo.LEGACY_AZURE_CUSTOMER_ID, 'TA-LEGACY')
OVERAGE_PATH = '/subscriptions/overage'


def _record(store, ref):
    store.upsert_customer(ref.customer_id, tenant_id=ref.tenant_id, name=ref.name or ref.customer_id)


def test_opening_a_customer_judges_it(service, store):
    service.state(READY, OWNER)
    service.state(LEGACY, OWNER)

    assert store.get_customer('TA-READY').attention == 'ready_to_enable'
    legacy = store.get_customer('TA-LEGACY')
    assert (legacy.attention, legacy.attention_reason) == ('action_needed', 'LEGACY_AZURE_PRESENT')


def test_the_sync_keeps_a_judgement_with_the_overage_read_alone(service, store, sim):
    service.state(LEGACY, OWNER)
    sim.calls.clear()

    assert service.refresh(LEGACY) == 'disabled'

    assert [call.path for call in sim.calls.all()] == [
        f'/v1/customers/{demo.LEGACY_AZURE_CUSTOMER_ID}{OVERAGE_PATH}']
    assert store.get_customer('TA-LEGACY').attention == 'action_needed'


def test_the_sync_reads_a_customer_never_judged_in_full_once(service, store, sim):
    _record(store, LEGACY)
    store.record_overage_state('TA-LEGACY', status='disabled', azure_entitlement_id=None,
                               partner_id=None, checked_at=store.now())
    assert store.get_customer('TA-LEGACY').attention is None

    service.refresh(LEGACY)
    first = len(sim.calls.all())
    assert store.get_customer('TA-LEGACY').attention == 'action_needed'
    assert first > 1  # a full read: the customer, its subscriptions, its Azure subscriptions...

    sim.calls.clear()
    service.refresh(LEGACY)
    assert len(sim.calls.all()) == 1  # judged now: the overage read alone


def test_a_read_the_sync_does_not_allow_to_judge_is_the_overage_read_alone(service, store, sim):
    _record(store, LEGACY)
    sim.calls.clear()

    assert service.refresh(LEGACY, may_judge=lambda: False) == 'disabled'

    # Partner Center itself (sign-in aside): the overage assignment alone.
    assert [call.path for call in sim.calls.all() if call.path.startswith('/v1/')] == [
        f'/v1/customers/{demo.LEGACY_AZURE_CUSTOMER_ID}{OVERAGE_PATH}']
    record = store.get_customer('TA-LEGACY')
    assert (record.attention, record.overage_status) == (None, 'disabled')  # "not checked yet"
    service.refresh(LEGACY)  # allowed: judged in full now
    assert store.get_customer('TA-LEGACY').attention == 'action_needed'
