"""Back-off and budget: exact Retry-After waits, jittered growth on 5xx, no retry on 4xx,
idempotent retries of a timed-out write, token renewal on 401, and the real MSAL wiring."""
import email.utils
import logging
import random
import uuid

import pytest
import requests
import responses

from connect_ext.partner_center.client import PartnerCenterClient
from connect_ext.partner_center.errors import PartnerCenterError
from connect_ext.partner_center.retry import (
    RetryPolicy,
    backoff_delay,
    is_retryable_status,
    is_transient_error,
    parse_retry_after,
    retry_after_from_message,
)
from testkit.microsoft_payloads import ENTITLEMENT_ID, THROTTLED_BODY, collection, error_body, overage_item
from testkit.partner_center_mock import (
    CUSTOMER_TENANT,
    OVERAGE_URL,
    SECRETS,
    TOKEN_URL,
    make_settings,
    mock_authority,
    token_body,
)


def http_date(timestamp):
    return email.utils.formatdate(timestamp, usegmt=True)


def put_overage(client, **kwargs):
    return client.update_overage(
        CUSTOMER_TENANT, enabled=True, azure_entitlement_id=ENTITLEMENT_ID, **kwargs,
    )


# -- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(('value', 'seconds'), [
    ('57', 57.0), ('0.5', 0.5), (' 3 ', 3.0), ('0', 0.0),
    ('-1', None), ('nan', None), ('inf', None), ('soon', None), ('', None), (None, None),
])
def test_parse_retry_after_delta_seconds(value, seconds):
    assert parse_retry_after(value, now=0.0) == seconds


def test_parse_retry_after_http_date_is_measured_from_now():
    now = 1_700_000_000.0
    assert parse_retry_after(http_date(now + 42), now=now) == 42.0
    assert parse_retry_after(http_date(now - 42), now=now) == 0.0
    assert parse_retry_after('Wed, 32 Foo 2024 99:00:00 GMT', now=now) is None


def test_retry_after_from_microsofts_throttling_message():
    assert retry_after_from_message(THROTTLED_BODY['message']) == 57.0
    assert retry_after_from_message('Try again in 1 second.') == 1.0
    assert retry_after_from_message('Rate limit is exceeded.') is None
    assert retry_after_from_message(None) is None


def test_backoff_grows_with_jitter_and_is_capped():
    policy = RetryPolicy(base_delay_seconds=1.0, max_delay_seconds=16.0)
    rng = random.Random(1)
    waits = [backoff_delay(attempt, policy=policy, rng=rng) for attempt in range(1, 8)]
    for attempt, wait in enumerate(waits, start=1):
        ceiling = min(16.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert waits[:5] == sorted(waits[:5])
    again = [backoff_delay(attempt, policy=policy, rng=random.Random(2)) for attempt in range(1, 8)]
    assert again != waits  # jittered, not a fixed schedule


def test_which_outcomes_are_retried():
    """As Microsoft's SDK: never 400, 401, 403, 404, 409, 417, 429 (we wait out a 429 though);
    408 only for reads here, a write's 408 being read back by the service.

    conformance: PC-42
    """
    statuses = (400, 401, 403, 404, 408, 409, 412, 417, 429, 500, 503, 504)
    assert [status for status in statuses
            if is_retryable_status(status)] == [408, 429, 500, 503, 504]
    assert [status for status in statuses
            if is_retryable_status(status, 'PUT')] == [429, 500, 503, 504]
    assert is_retryable_status(408, 'get')
    assert not is_retryable_status(408, 'POST')
    assert is_transient_error(requests.exceptions.ReadTimeout())
    assert is_transient_error(requests.exceptions.ConnectTimeout())
    assert is_transient_error(requests.ConnectionError())
    assert is_transient_error(requests.exceptions.ChunkedEncodingError())
    assert not is_transient_error(requests.exceptions.SSLError())
    assert not is_transient_error(requests.exceptions.InvalidURL())
    assert not is_transient_error(ValueError())


def test_policy_from_settings_has_at_least_one_attempt():
    policy = RetryPolicy.from_settings(make_settings(max_attempts=0, retry_budget_seconds=-5))
    assert (policy.max_attempts, policy.budget_seconds) == (1, 0.0)


# -- 429 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(('header', 'wait'), [('7', 7.0), ('0.5', 0.5), ('0', 0.0)])
def test_a_429_is_retried_after_exactly_its_retry_after_seconds(client, mocked, clock, header, wait):
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': header})
    mocked.add(responses.GET, OVERAGE_URL, json=collection([overage_item()]))

    assert client.get_overage(CUSTOMER_TENANT).overage_enabled

    assert clock.sleeps == [wait]
    first, second = (call.request.headers['MS-RequestId'] for call in mocked.calls)
    assert first == second


def test_a_429_with_an_http_date_waits_until_that_date_by_the_servers_clock(client, mocked, clock):
    server_now = clock.now + 3600  # the local clock is an hour off: it must not matter
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY, headers={
        'Date': http_date(server_now), 'Retry-After': http_date(server_now + 12),
    })
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    client.get_overage(CUSTOMER_TENANT)

    assert clock.sleeps == [12.0]


def test_a_429_with_an_http_date_and_no_date_header_uses_the_local_clock(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': http_date(clock.now + 9)})
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    client.get_overage(CUSTOMER_TENANT)

    assert clock.sleeps == [9.0]


def test_a_429_without_retry_after_waits_what_its_message_says(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY)
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    client.get_overage(CUSTOMER_TENANT)

    assert clock.sleeps == [57.0]


def test_a_retry_after_beyond_the_budget_stops_at_once(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': '120'})

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'throttled'
    assert caught.value.retry_after == 120.0
    assert clock.sleeps == []
    assert len(mocked.calls) == 1


def test_the_budget_counts_the_time_already_spent(client, mocked, clock):
    # 40 s of a 60 s budget gone after the first wait: a second 30 s wait no longer fits.
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': '40'})
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': '30'})

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert clock.sleeps == [40.0]
    assert caught.value.retry_after == 30.0
    assert len(mocked.calls) == 2


def test_repeated_429s_end_as_throttled_after_the_last_attempt(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=429, json=THROTTLED_BODY,
               headers={'Retry-After': '2'})

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'throttled'
    assert caught.value.retry_after == 2.0
    assert clock.sleeps == [2.0, 2.0, 2.0]
    assert len(mocked.calls) == 4


# -- 5xx, time-outs, connections --------------------------------------------------------------


def test_5xx_is_retried_with_growing_jittered_waits_then_unavailable(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=503, body='')

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'
    assert caught.value.status == 503
    assert len(mocked.calls) == 4
    first, second, third = clock.sleeps
    assert 0.5 <= first <= 1.0 <= second <= 2.0 <= third <= 4.0
    assert len(set(clock.sleeps)) == 3
    ids = {call.request.headers['MS-RequestId'] for call in mocked.calls}
    assert len(ids) == 1


def test_a_microsoft_500_keeps_its_code_after_the_retries(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, status=500,
               json=error_body(800003, 'Unexpected service error.'))

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert (caught.value.kind, caught.value.code) == ('unavailable', '800003')


def test_a_5xx_then_success_returns_the_result(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=502, body='<html>bad gateway</html>')
    mocked.add(responses.GET, OVERAGE_URL, json=collection([overage_item()]))

    assert client.get_overage(CUSTOMER_TENANT).azure_entitlement_id == ENTITLEMENT_ID
    assert len(clock.sleeps) == 1


def test_a_small_budget_stops_before_a_wait_that_would_overrun_it(make_client, mocked,
                                                                  clock):
    client = make_client(max_attempts=20, retry_budget_seconds=5.0)
    mocked.add(responses.GET, OVERAGE_URL, status=503, body='')

    with pytest.raises(PartnerCenterError):
        client.get_overage(CUSTOMER_TENANT)

    assert sum(clock.sleeps) <= 5.0
    assert len(mocked.calls) == len(clock.sleeps) + 1
    assert 2 <= len(mocked.calls) <= 4  # 20 attempts allowed, the seconds ran out first


@pytest.mark.parametrize('status', [400, 403, 404, 409, 412])
def test_4xx_is_never_retried(client, mocked, clock, status):
    mocked.add(responses.PUT, OVERAGE_URL, status=status, json=error_body(3000, 'Invalid.'))

    with pytest.raises(PartnerCenterError) as caught:
        put_overage(client)

    assert caught.value.kind == 'rejected'
    assert len(mocked.calls) == 1
    assert clock.sleeps == []


def test_a_408_on_a_read_is_sent_again_under_the_same_request_id(client, mocked, clock):
    """conformance: PC-42"""
    mocked.add(responses.GET, OVERAGE_URL, status=408, json=error_body(408, 'Request timed out.'))
    mocked.add(responses.GET, OVERAGE_URL, json=collection([overage_item()]))

    assert client.get_overage(CUSTOMER_TENANT).overage_enabled is True

    first, retried = (call.request.headers for call in mocked.calls)
    assert first['MS-RequestId'] == retried['MS-RequestId']
    assert len(clock.sleeps) == 1


def test_a_408_on_a_write_is_not_sent_again_and_is_a_time_out(client, mocked, clock):
    """The write may have been applied: the service reads it back rather than sending it again.

    conformance: PC-40, PC-42
    """
    mocked.add(responses.PUT, OVERAGE_URL, status=408, json=error_body(408, 'Request timed out.'))

    with pytest.raises(PartnerCenterError) as caught:
        put_overage(client)

    assert (caught.value.kind, caught.value.status) == ('timeout', 408)
    assert len(mocked.calls) == 1
    assert clock.sleeps == []


def test_a_put_retried_after_a_time_out_reuses_its_request_id(client, mocked, clock):
    mocked.add(responses.PUT, OVERAGE_URL, body=requests.exceptions.ReadTimeout('slow'))
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())

    put_overage(client)
    put_overage(client)

    first, retried, next_call = (call.request.headers for call in mocked.calls)
    assert first['MS-RequestId'] == retried['MS-RequestId']
    assert first['MS-CorrelationId'] == retried['MS-CorrelationId']
    assert next_call['MS-RequestId'] != first['MS-RequestId']
    assert len(clock.sleeps) == 1


def test_a_caller_given_request_id_survives_the_retries(client, mocked):
    request_id = str(uuid.uuid4())
    mocked.add(responses.PUT, OVERAGE_URL, body=requests.exceptions.ReadTimeout('slow'))
    mocked.add(responses.PUT, OVERAGE_URL, json=overage_item())

    put_overage(client, request_id=request_id)

    assert [call.request.headers['MS-RequestId'] for call in mocked.calls] == [request_id] * 2


def test_time_outs_through_the_budget_end_as_timeout(client, mocked, clock):
    mocked.add(responses.PUT, OVERAGE_URL, body=requests.exceptions.ReadTimeout('slow'))

    with pytest.raises(PartnerCenterError) as caught:
        put_overage(client)

    error = caught.value
    assert error.kind == 'timeout'
    assert error.status is None
    assert error.request_id == mocked.calls[0].request.headers['MS-RequestId']
    assert 'after 4 attempt(s)' in error.description
    assert len(mocked.calls) == 4
    assert len(clock.sleeps) == 3


def test_lost_connections_through_the_budget_end_as_unavailable(client, mocked):
    mocked.add(responses.GET, OVERAGE_URL, body=requests.ConnectionError('connection refused'))

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'unavailable'
    assert 'ConnectionError' in caught.value.description
    assert len(mocked.calls) == 4


# -- 401 --------------------------------------------------------------------------------------


def test_a_401_renews_the_token_once_and_sends_again(client, mocked, tokens, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=401, json=error_body(800001, 'Token missing.'))
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    client.get_overage(CUSTOMER_TENANT)

    assert [call.request.headers['Authorization'] for call in mocked.calls] == [
        'Bearer token-1', 'Bearer token-2',
    ]
    assert tokens.invalidations == 1
    assert clock.sleeps == []


def test_a_second_401_gives_up_as_rejected(client, mocked, tokens):
    mocked.add(responses.GET, OVERAGE_URL, status=401, json=error_body(400, 'Access denied.'))

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert (caught.value.kind, caught.value.status, caught.value.code) == ('rejected', 401, '400')
    assert len(mocked.calls) == 2
    assert tokens.invalidations == 1


# -- with the real MSAL provider --------------------------------------------------------------


def msal_client(clock, **settings):
    return PartnerCenterClient(
        make_settings(**settings), sleep=clock.sleep, clock=clock, wall_clock=clock,
    )


def test_one_token_serves_many_calls_and_a_401_fetches_one_more(mocked, clock, caplog):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, token_bodies=[
        token_body(access_token='at-first-secret'), token_body(access_token='at-second-secret'),
    ])
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))
    mocked.add(responses.GET, OVERAGE_URL, status=401, body='')
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))
    client = msal_client(clock)

    for _ in range(4):
        client.get_overage(CUSTOMER_TENANT)

    api_calls = [call for call in mocked.calls if call.request.url == OVERAGE_URL]
    assert [call.request.headers['Authorization'] for call in api_calls] == [
        'Bearer at-first-secret'] * 4 + ['Bearer at-second-secret']
    assert len([call for call in mocked.calls if call.request.url == TOKEN_URL]) == 2
    assert 'at-first-secret' not in caplog.text
    assert 'at-second-secret' not in caplog.text


def test_an_auth_failure_reaches_the_caller_without_any_secret(mocked, clock, caplog):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, status=400, token_bodies=[
        {'error': 'invalid_grant', 'error_description': 'AADSTS70000: The refresh token expired.'},
    ])
    client = msal_client(clock, refresh_token=SECRETS[1])

    with pytest.raises(PartnerCenterError) as caught:
        client.get_overage(CUSTOMER_TENANT)

    assert caught.value.kind == 'auth'
    assert 'invalid_grant' in str(caught.value)
    for secret in SECRETS:
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)
        assert secret not in caplog.text
    assert clock.sleeps == []


def test_real_clock_defaults_do_not_break_a_plain_call(mocked):
    mock_authority(mocked)
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    assert PartnerCenterClient(make_settings()).get_overage(CUSTOMER_TENANT) is None


def test_a_429_that_names_no_wait_backs_off_like_a_5xx(client, mocked, clock):
    mocked.add(responses.GET, OVERAGE_URL, status=429, body='')
    mocked.add(responses.GET, OVERAGE_URL, json=collection([]))

    client.get_overage(CUSTOMER_TENANT)

    (wait,) = clock.sleeps
    assert 0.5 <= wait <= 1.0
