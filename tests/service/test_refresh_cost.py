"""What one sync read of a customer costs (issue 16: the fewest calls): one Partner Center call,
and the store looked at once for an awaited change, when nothing is awaited."""
from sandbox.partner_center import demo
from testkit.callers import OWNER_CALLER as OWNER
from testkit.customers import customer_ref as customer


ENABLED = customer(demo.ENABLED_CUSTOMER_ID, 'TA-ENABLED')


def _counting_lookups(store, monkeypatch):
    lookups = []
    original = store.confirmations.get

    def get(customer_id):
        lookups.append(customer_id)
        return original(customer_id)

    monkeypatch.setattr(store.confirmations, 'get', get)
    return lookups


def test_an_unchanged_customer_costs_one_call_and_one_look_up_of_awaited_changes(
        service, store, sim, monkeypatch):
    service.state(ENABLED, OWNER)
    sim.calls.clear()
    lookups = _counting_lookups(store, monkeypatch)

    assert service.refresh(ENABLED) == 'enabled'

    assert [call.path for call in sim.calls.all()] == [
        f'/v1/customers/{demo.ENABLED_CUSTOMER_ID}/subscriptions/overage',
    ]
    assert lookups == ['TA-ENABLED']
    assert store.get_customer('TA-ENABLED').checked_at is not None


def test_a_customer_switched_off_elsewhere_still_costs_one_call(service, store, sim, monkeypatch):
    service.state(ENABLED, OWNER)
    sim.world.set_overage(demo.ENABLED_CUSTOMER_ID, demo.DISTRIBUTOR_TENANT_ID,
                          demo.ENABLED_ENTITLEMENT_ID, enabled=False)
    sim.calls.clear()
    lookups = _counting_lookups(store, monkeypatch)

    assert service.refresh(ENABLED) == 'disabled'

    assert len(sim.calls.all()) == 1
    assert lookups == ['TA-ENABLED']
    assert store.get_customer('TA-ENABLED').overage_status == 'disabled'
