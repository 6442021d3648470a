"""MsalTokenProvider against a mocked Entra authority: grants, scopes, cache, failures, secrecy."""
import logging
from urllib.parse import parse_qs

import pytest
import requests
import responses

from connect_ext.partner_center.auth import (
    MsalHttpAdapter,
    MsalTokenProvider,
    describe_msal_error,
    refresh_time,
)
from connect_ext.partner_center.errors import PartnerCenterError
from testkit.partner_center_mock import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DISCOVERY_URL,
    NEW_REFRESH_TOKEN,
    REFRESH_TOKEN,
    SECRETS,
    TOKEN_URL,
    make_settings,
    mock_authority,
    token_body,
)


def form(call):
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def token_requests(mock):
    return [call for call in mock.calls if call.request.url == TOKEN_URL]


def assert_nothing_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_app_only_uses_client_credentials_for_the_real_partner_center_resource(mocked, clock):
    mock_authority(mocked)
    settings = make_settings(api_url='https://127.0.0.1:8443')  # a simulator: scope unchanged
    provider = MsalTokenProvider(settings, clock=clock)

    assert provider.get_token() == ACCESS_TOKEN

    sent = form(token_requests(mocked)[0])
    assert sent['grant_type'] == 'client_credentials'
    assert sent['client_id'] == CLIENT_ID
    assert sent['scope'].split() == ['https://api.partnercenter.microsoft.com/.default']
    assert provider.mode == 'app-only'


def test_app_plus_user_uses_the_refresh_token_and_keeps_the_newest_one(mocked, clock):
    mock_authority(mocked, token_bodies=[
        token_body(access_token='at-one', refresh_token=NEW_REFRESH_TOKEN),
        token_body(access_token='at-two'),
    ])
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock)

    assert provider.get_token() == 'at-one'
    clock.now += 3600
    assert provider.get_token() == 'at-two'

    first, second = (form(call) for call in token_requests(mocked))
    assert first['grant_type'] == 'refresh_token'
    assert first['refresh_token'] == REFRESH_TOKEN
    assert 'https://api.partnercenter.microsoft.com/user_impersonation' in first['scope'].split()
    assert second['refresh_token'] == NEW_REFRESH_TOKEN
    assert provider.mode == 'app+user'


def test_a_token_is_reused_until_five_minutes_before_it_expires(mocked, clock):
    mock_authority(mocked, token_bodies=[
        token_body(access_token='at-one', expires_in=3600),
        token_body(access_token='at-two', expires_in=3600),
    ])
    provider = MsalTokenProvider(make_settings(), clock=clock)
    start = clock.now

    assert provider.get_token() == 'at-one'
    clock.now = start + 3299
    assert provider.get_token() == 'at-one'
    assert len(token_requests(mocked)) == 1

    clock.now = start + 3301  # inside the 5-minute margin
    assert provider.get_token() == 'at-two'
    assert len(token_requests(mocked)) == 2


def test_invalidate_gets_a_new_token_even_though_msal_cached_the_old_one(mocked, clock):
    mock_authority(mocked, token_bodies=[
        token_body(access_token='at-one'), token_body(access_token='at-two'),
    ])
    provider = MsalTokenProvider(make_settings(), clock=clock)

    assert provider.get_token() == 'at-one'
    provider.invalidate()
    assert provider.get_token() == 'at-two'
    # Discovery happened once; the application is built once.
    assert [call.request.url for call in mocked.calls].count(DISCOVERY_URL) == 1


def test_refresh_time_keeps_at_least_half_the_life_of_a_short_token():
    assert refresh_time(1000, 3600, 300) == 1000 + 3300
    assert refresh_time(1000, 60, 300) == 1000 + 30


@pytest.mark.parametrize(('error', 'description'), [
    ('invalid_client', 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1'),
    ('invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.'),
    ('unauthorized_client', 'AADSTS700016: Application not found in the directory.'),
])
def test_an_authority_refusal_is_an_auth_error_without_secrets(
    mocked, clock, caplog, error, description,
):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, status=400, token_bodies=[
        {'error': error, 'error_description': description, 'correlation_id': 'corr-1'},
    ])
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock)

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert caught.value.kind == 'auth'
    assert caught.value.code == error
    assert caught.value.correlation_id == 'corr-1'
    assert error in str(caught.value)
    assert description.splitlines()[0] in str(caught.value)
    assert 'Trace ID' not in str(caught.value)
    assert_nothing_secret(str(caught.value), repr(caught.value), caplog.text)


def test_a_description_that_echoes_a_secret_is_redacted(mocked, clock, caplog):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, status=401, token_bodies=[
        {'error': 'invalid_client', 'error_description': f'bad secret {CLIENT_SECRET} given'},
    ])
    provider = MsalTokenProvider(make_settings(), clock=clock)

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert 'bad secret [redacted] given' in caught.value.description
    assert_nothing_secret(str(caught.value), caplog.text)


def test_describe_msal_error_is_short_and_safe():
    text = describe_msal_error(
        {'error': 'invalid_grant', 'error_description': 'x' * 1000 + REFRESH_TOKEN},
        [REFRESH_TOKEN],
    )
    assert len(text) < 400
    assert REFRESH_TOKEN not in text
    assert describe_msal_error({}, []) == 'token request refused (unknown_error)'


def test_success_logs_never_show_tokens_or_secrets(mocked, clock, caplog):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, token_bodies=[token_body(refresh_token=NEW_REFRESH_TOKEN)])
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock)

    provider.get_token()

    assert 'Obtained a Partner Center access token (app+user)' in caplog.text
    assert_nothing_secret(caplog.text)


def test_missing_credentials_fail_as_auth_before_any_http(mocked, clock):
    provider = MsalTokenProvider(make_settings(client_secret=''), clock=clock)

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert caught.value.kind == 'auth'
    assert 'PARTNER_CENTER_CLIENT_SECRET' in caught.value.description
    assert len(mocked.calls) == 0


def test_a_tenant_id_with_a_path_in_it_is_refused(mocked, clock):
    provider = MsalTokenProvider(make_settings(tenant_id='evil/../x'), clock=clock)

    with pytest.raises(PartnerCenterError, match='not a tenant id') as caught:
        provider.get_token()

    assert caught.value.kind == 'auth'
    assert len(mocked.calls) == 0


def test_an_unknown_tenant_fails_discovery_as_auth(mocked, clock):
    mocked.add(responses.GET, DISCOVERY_URL, status=400, json={'error': 'invalid_tenant'})
    provider = MsalTokenProvider(make_settings(), clock=clock)

    with pytest.raises(PartnerCenterError, match='could not be discovered') as caught:
        provider.get_token()

    assert caught.value.kind == 'auth'


def test_discovery_is_tried_again_on_the_next_call_after_a_failure(mocked, clock):
    mocked.add(responses.GET, DISCOVERY_URL, body=requests.ConnectionError('refused'))
    mock_authority(mocked)
    provider = MsalTokenProvider(make_settings(), clock=clock)

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()
    assert caught.value.kind == 'unavailable'

    assert provider.get_token() == ACCESS_TOKEN


@pytest.mark.parametrize(('failure', 'kind'), [
    (requests.exceptions.ReadTimeout('slow'), 'timeout'),
    (requests.ConnectionError('refused'), 'unavailable'),
])
def test_an_unreachable_token_endpoint_is_transient(mocked, clock, failure, kind):
    mock_authority(mocked, token_bodies=[])
    mocked.add(responses.POST, TOKEN_URL, body=failure)
    provider = MsalTokenProvider(make_settings(), clock=clock)

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert caught.value.kind == kind


def test_a_failing_token_endpoint_is_unavailable(mocked, clock, caplog):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, token_bodies=[])
    mocked.add(responses.POST, TOKEN_URL, status=503, body='<html>down</html>')
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock)

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert caught.value.kind == 'unavailable'
    assert_nothing_secret(str(caught.value), caplog.text)


def test_a_token_answer_that_is_not_json_is_an_auth_error(mocked, clock):
    mock_authority(mocked, token_bodies=[])
    mocked.add(responses.POST, TOKEN_URL, status=200, body='<html>a login page</html>')
    provider = MsalTokenProvider(make_settings(), clock=clock)

    with pytest.raises(PartnerCenterError, match='not a token') as caught:
        provider.get_token()

    assert caught.value.kind == 'auth'


def test_msal_requests_carry_the_ca_bundle_even_when_the_environment_names_another(
    mocked, clock, monkeypatch,
):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/somewhere/else.pem')
    mock_authority(mocked)
    provider = MsalTokenProvider(make_settings(ca_bundle='/sandbox/ca.pem'), clock=clock)

    provider.get_token()

    assert [call.request.req_kwargs['verify'] for call in mocked.calls] == [
        '/sandbox/ca.pem', '/sandbox/ca.pem',
    ]
    assert all(call.request.req_kwargs['timeout'] == (5.0, 30.0) for call in mocked.calls)


def test_the_adapter_forces_verify_and_defaults_the_timeout(mocked):
    mocked.add(responses.POST, TOKEN_URL, json={})
    adapter = MsalHttpAdapter(requests.Session(), verify='/ca.pem', timeout=(1.0, 2.0))

    adapter.post(TOKEN_URL, data={'a': 'b'}, verify=False, timeout=9)

    assert mocked.calls[0].request.req_kwargs['verify'] == '/ca.pem'
    assert mocked.calls[0].request.req_kwargs['timeout'] == 9
    adapter.close()  # the session is not MSAL's to close


def test_a_token_without_a_lifetime_is_kept_only_briefly(mocked, clock):
    body = token_body(access_token='at-one')
    del body['expires_in']
    mock_authority(mocked, token_bodies=[body, token_body(access_token='at-two')])
    provider = MsalTokenProvider(make_settings(), clock=clock)
    start = clock.now

    assert provider.get_token() == 'at-one'
    clock.now = start + 149
    assert provider.get_token() == 'at-one'
    clock.now = start + 151
    assert provider.get_token() == 'at-two'


# -- the refresh token across restarts (issue 13, item 1) ---------------------------------------

def keeper_over(store, configured=REFRESH_TOKEN):
    from connect_ext.partner_center.refresh_tokens import RefreshTokenKeeper, TokenCipher, credential_key

    settings = make_settings(refresh_token=configured)
    return RefreshTokenKeeper(
        store.credentials, TokenCipher.for_secrets('', CLIENT_SECRET),
        key=credential_key(settings), configured=configured,
    )


REFUSALS = {
    700082: 'The refresh token has expired due to inactivity.',
    50173: 'The provided grant has expired due to it being revoked.',
}


def refused(aadsts=700082):
    return {'error': 'invalid_grant', 'error_codes': [aadsts],
            'error_description': f'AADSTS{aadsts}: {REFUSALS[aadsts]}'}


def sent_refresh_tokens(mock):
    return [form(call)['refresh_token'] for call in token_requests(mock)]


def test_a_restart_starts_from_the_newest_refresh_token_not_the_configured_one(mocked, clock, store):
    mock_authority(mocked, token_bodies=[token_body(access_token='at-one', refresh_token=NEW_REFRESH_TOKEN)])
    mock_authority(mocked, token_bodies=[token_body(access_token='at-two', refresh_token='rt-third')])
    settings = make_settings(refresh_token=REFRESH_TOKEN)

    MsalTokenProvider(settings, clock=clock, refresh_tokens=keeper_over(store)).get_token()
    restarted = MsalTokenProvider(settings, clock=clock, refresh_tokens=keeper_over(store))

    assert restarted.get_token() == 'at-two'
    assert sent_refresh_tokens(mocked) == [REFRESH_TOKEN, NEW_REFRESH_TOKEN]
    assert keeper_over(store).current().token == 'rt-third'


def test_a_refused_token_gives_way_to_the_one_another_replica_stored(mocked, clock, store):
    mock_authority(mocked, token_bodies=[])
    mocked.add(responses.POST, TOKEN_URL, json=token_body(access_token='at-one', refresh_token='rt-ours'))
    mocked.add(responses.POST, TOKEN_URL, status=400, json=refused(50173))
    mocked.add(responses.POST, TOKEN_URL, json=token_body(access_token='at-two', refresh_token='rt-next'))
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock,
                                 refresh_tokens=keeper_over(store))
    provider.get_token()
    keeper_over(store).renewed('rt-of-another-replica')  # which Entra took 'rt-ours' for

    provider.invalidate()
    assert provider.get_token() == 'at-two'

    assert sent_refresh_tokens(mocked) == [REFRESH_TOKEN, 'rt-ours', 'rt-of-another-replica']
    assert keeper_over(store).current().token == 'rt-next'


def test_a_dead_stored_token_falls_back_to_the_configured_one(mocked, clock, store):
    mock_authority(mocked, token_bodies=[])
    mocked.add(responses.POST, TOKEN_URL, status=400, json=refused())
    mocked.add(responses.POST, TOKEN_URL, json=token_body(refresh_token=NEW_REFRESH_TOKEN))
    keeper_over(store).renewed('rt-stored-long-ago')
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock,
                                 refresh_tokens=keeper_over(store))

    assert provider.get_token() == ACCESS_TOKEN

    assert sent_refresh_tokens(mocked) == ['rt-stored-long-ago', REFRESH_TOKEN]
    assert keeper_over(store).current().token == NEW_REFRESH_TOKEN


def test_when_every_token_is_refused_the_error_says_so_without_any_token(mocked, clock, store, caplog):
    caplog.set_level(logging.DEBUG)
    mock_authority(mocked, token_bodies=[])
    for _ in range(2):
        mocked.add(responses.POST, TOKEN_URL, status=400, json=refused())
    keeper_over(store).renewed(NEW_REFRESH_TOKEN)
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock,
                                 refresh_tokens=keeper_over(store))

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert (caught.value.kind, caught.value.code) == ('auth', 'invalid_grant')
    assert 'AADSTS700082' in caught.value.description
    assert sent_refresh_tokens(mocked) == [NEW_REFRESH_TOKEN, REFRESH_TOKEN]
    assert_nothing_secret(str(caught.value), repr(caught.value), caplog.text)


def test_an_answer_without_a_new_refresh_token_records_the_use(mocked, clock, store):
    mock_authority(mocked, token_bodies=[token_body(refresh_token=NEW_REFRESH_TOKEN), token_body()])
    keeper = keeper_over(store)
    provider = MsalTokenProvider(make_settings(refresh_token=REFRESH_TOKEN), clock=clock,
                                 refresh_tokens=keeper)
    provider.get_token()
    renewed = keeper.status()

    provider.invalidate()
    provider.get_token()

    assert sent_refresh_tokens(mocked) == [REFRESH_TOKEN, NEW_REFRESH_TOKEN]
    assert keeper.status().renewed_at == renewed.renewed_at
    assert keeper.status().used_at >= renewed.used_at


def test_app_only_never_touches_the_store(mocked, clock):
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f'the keeper was used ({name}) in app-only mode')

    mock_authority(mocked)

    assert MsalTokenProvider(make_settings(), clock=clock, refresh_tokens=Untouchable()).get_token()
