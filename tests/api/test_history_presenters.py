"""The activity feed's JSON written directly (``feed_page_body``) is what its response models
dump (``feed_page``), for every kind of entry and either audience."""
from datetime import UTC, datetime

import pytest

from connect_ext.api import history_presenters
from connect_ext.compat import dump
from connect_ext.store.history import FeedEntry, FeedPage
from connect_ext.store.records import AuditRecord


AT = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
AZURE = 'e0710000-0000-4000-8000-000000000001'


def _record(entry_id, **fields):
    values = {
        'id': entry_id, 'customer_id': 'TA-0001-0001-0001', 'tenant_id': None, 'at': AT,
        'actor_type': 'owner', 'actor_id': 'PA-000-000', 'actor_name': None, 'action': 'enable',
        'from_entitlement': None, 'from_enabled': False, 'to_entitlement': AZURE,
        'to_enabled': True, 'outcome': 'succeeded', 'error_code': None, 'error_message': None,
        'ms_request_id': None, 'ms_correlation_id': None, 'details': None,
    }
    values.update(fields)
    return AuditRecord(**values)


ENTRIES = [
    FeedEntry(_record(1), 'Wingtip Toys', {AZURE: 'Subscription 1'}),
    FeedEntry(_record(2, actor_type='reseller', actor_id='PA-1', actor_name='Reseller Ünï',
                      from_enabled=True, from_entitlement='other', to_enabled=False,
                      to_entitlement=None, outcome='failed', error_code='FORBIDDEN',
                      error_message='Microsoft refused', ms_request_id='req-1',
                      ms_correlation_id='corr-1', details={'names': {AZURE: 'S'}, 'n': [1, 2.5]}),
              None, {}),
    # A webhook delivery: its URL and raw error only for the distributor.
    FeedEntry(_record(3, action='webhook', from_enabled=None, to_enabled=None,
                      to_entitlement=None, outcome='failed', error_code='WEBHOOK_FAILED',
                      error_message='https://hooks.example/secret refused',
                      details={'url': 'https://hooks.example/secret', 'event_id': 'e1',
                               'attempts': 3}),
              'Contoso', {}),
    FeedEntry(_record(4, action='webhook', error_code='NOT_IN_CATALOGUE', error_message='raw'),
              'Contoso', {}),
    FeedEntry(_record(5, error_message='only a message', details=['not', 'a', 'dict']), 'X', {}),
]


@pytest.mark.parametrize('owner', [True, False])
@pytest.mark.parametrize('next_after', [None, (AT, 5)])
def test_the_written_json_is_what_the_models_dump(owner, next_after):
    page = FeedPage(items=ENTRIES, next_after=next_after)

    body = history_presenters.feed_page_body(page, limit=5, owner=owner)

    assert body == dump(history_presenters.feed_page(page, limit=5, owner=owner))
    # Hidden from a reseller or a customer, as the customer's own history hides it.
    assert ('https://hooks.example/secret' in str(body)) is owner
