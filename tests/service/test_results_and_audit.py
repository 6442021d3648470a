"""The service's results are domain values (no JSON), and each operation is audited and notified
once, with the same facts in the audit entry and in the notification."""
import ast
import dataclasses
from pathlib import Path

import pytest

from connect_ext.errors.error import OverageError
from connect_ext.service import results
from connect_ext.service.results import Assignment, AuditedChange, ChangeResult, OverageOptions, OverageState
from sandbox.partner_center import demo
from testkit.callers import OWNER_CALLER as OWNER
from testkit.customers import customer_ref as customer


READY = customer(demo.READY_CUSTOMER_ID, 'TA-READY')
ENABLED = customer(demo.ENABLED_CUSTOMER_ID, 'TA-ENABLED')
HELD = customer(demo.HELD_CUSTOMER_ID, 'TA-HELD')
RENDERERS = ('connect_ext.api', 'connect_ext.orders', 'connect_ext.notifications')


@pytest.mark.parametrize('result', [OverageState, OverageOptions, ChangeResult, AuditedChange])
def test_the_results_are_plain_dataclasses_without_json(result):
    assert dataclasses.is_dataclass(result)
    assert not any(hasattr(result, name) for name in ('to_dict', 'dict', 'json', 'model_dump'))


def test_the_results_module_imports_none_of_their_renderers():
    tree = ast.parse(Path(results.__file__).read_text(encoding='utf-8'))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert not [name for name in imported if name.startswith(RENDERERS)]
    assert 'to_body' not in ast.dump(tree)


def test_the_state_locates_where_overage_goes(service):
    state = service.state(ENABLED, OWNER)

    assert state.enabled is True
    assert state.azure_subscription_id == demo.ENABLED_ENTITLEMENT_ID
    assert state.target.entitlement.id == demo.ENABLED_ENTITLEMENT_ID
    assert state.target.plan is not None
    assert state.target.plan.is_azure_plan


def test_another_partners_target_is_not_one_of_ours(service):
    state = service.state(HELD, OWNER)

    assert state.status == 'other_partner'
    assert state.target.azure_subscription_id == state.azure_subscription_id
    assert (state.target.entitlement, state.target.plan) == (None, None)


def test_every_operation_is_audited_once_and_notified_with_the_same_facts(make_service, store):
    changes = []
    service = make_service(notify=changes.append)

    service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)
    service.enable(READY, OWNER, demo.READY_ENTITLEMENT_ID)  # already there: a move of nothing
    service.disable(READY, OWNER)
    with pytest.raises(OverageError):
        service.enable(HELD, OWNER, demo.READY_ENTITLEMENT_ID)

    entries = sorted(store.list_audit(customer_id='TA-READY').items, key=lambda e: e.id)
    entries += store.list_audit(customer_id='TA-HELD').items
    assert len(changes) == len(entries) == 4
    for change, entry in zip(changes, entries, strict=True):
        assert change.audit_id == entry.id
        assert (change.action, change.outcome) == (entry.action, entry.outcome)
        assert change.before == Assignment(entry.from_enabled, entry.from_entitlement)
        assert change.requested == Assignment(entry.to_enabled, entry.to_entitlement)
        assert change.customer.customer_id == entry.customer_id
    assert [(c.action, c.outcome) for c in changes] == [
        ('enable', 'succeeded'), ('move', 'no_change'), ('disable', 'succeeded'), ('move', 'failed'),
    ]
    assert changes[3].error.code == entries[3].error_code == 'OVERAGE_HELD_BY_OTHER_PARTNER'
    assert all(change.error is None for change in changes[:3])
