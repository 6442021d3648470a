"""The one vocabulary: every id check the API, the events and the clients use, and its sets."""
import pytest

from connect_ext import vocabulary
from connect_ext.vocabulary import (
    is_asset_id,
    is_customer_id,
    is_guid,
    is_product_id,
    is_request_id,
    same_id,
)


GUID = 'c0570000-0000-4000-8000-00000000000A'


@pytest.mark.parametrize(('check', 'good', 'bad'), [
    (is_customer_id, ['TA-1', 'TA-1234-5678-9012', 'TA-ab12'],
     ['', 'TA-', 'TA--1', 'TA-1-', 'ta-1', 'AS-1', ' TA-1', 'TA-1 ', 'TA-1;drop', 'TA-' + '1' * 62, None, 7,
      'TA-1\n']),
    (is_asset_id, ['AS-1', 'AS-7658-9572-0778'], ['AS-', 'AS-1-', 'TA-1', 'AS-' + '1' * 62, None, 'AS-1\n']),
    (is_product_id, ['PRD-1', 'PRD-123-456-789'], ['PRD-', 'PR-1', 'PRD-1_2', None, 'PRD-1\n']),
    (is_request_id, ['PR-1', 'PR-7658-9572-0778-001'], ['PR-', 'PR-1--2', 'PRD-1', None, 'PR-1\n']),
])
def test_connect_ids(check, good, bad):
    assert all(check(value) for value in good), [value for value in good if not check(value)]
    assert not any(check(value) for value in bad), [value for value in bad if check(value)]


def test_the_longest_accepted_connect_id_is_the_bound():
    longest = 'TA-' + '1' * (vocabulary.MAX_CONNECT_ID_LENGTH - 3)
    assert is_customer_id(longest)
    assert not is_customer_id(longest + '1')


def test_guids_ignore_case_but_not_blanks():
    assert is_guid(GUID)
    assert is_guid(GUID.lower())
    assert not any(is_guid(value) for value in (f' {GUID}', GUID[:-1], GUID + 'a', '', None, 1, GUID + '\n'))
    assert same_id(GUID, f' {GUID.lower()} ')
    assert not same_id('', '')
    assert not same_id(None, None)
    assert not same_id(GUID, None)


def test_the_sets_hold_their_names_once():
    for values in (vocabulary.OVERAGE_STATUSES, vocabulary.ACTOR_TYPES, vocabulary.AUDIT_ACTIONS,
                   vocabulary.AUDIT_OUTCOMES, vocabulary.SEVERITIES, vocabulary.INTENTS):
        assert len(set(values)) == len(values)
    assert set(vocabulary.ROLES) < set(vocabulary.ACTOR_TYPES)
    assert set(vocabulary.CHANGE_ACTIONS) < set(vocabulary.AUDIT_ACTIONS)
    assert set(vocabulary.AUDIT_OUTCOMES) > vocabulary.APPLIED_OUTCOMES
    assert set(vocabulary.OVERAGE_STATUSES) > vocabulary.ASSIGNED_STATUSES
