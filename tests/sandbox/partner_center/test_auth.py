"""The simulator as a token authority: MSAL's discovery and both grants, and Entra's errors."""
import base64
import json

import msal
import pytest
import requests

from connect_ext.partner_center.auth import MsalHttpAdapter, MsalTokenProvider
from connect_ext.partner_center.errors import AUTH, PartnerCenterError
from sandbox.partner_center import demo


APP_ONLY = ['https://api.partnercenter.microsoft.com/.default']
DELEGATED = ['https://api.partnercenter.microsoft.com/user_impersonation']


def msal_app(sim, tenant=demo.DISTRIBUTOR_TENANT_ID, client_id=demo.DISTRIBUTOR_CLIENT_ID,
             secret=demo.DISTRIBUTOR_CLIENT_SECRET):
    adapter = MsalHttpAdapter(requests.Session(), verify=sim.ca_bundle, timeout=(5, 5))
    return msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority=f'{sim.login_url}/{tenant}',
        instance_discovery=False, http_client=adapter)


def token_endpoint(sim, tenant=demo.DISTRIBUTOR_TENANT_ID):
    return f'{sim.login_url}/{tenant}/oauth2/v2.0/token'


# conformance: PC-01
def test_discovery_document_has_what_msal_reads(sim):
    url = f'{sim.login_url}/{demo.DISTRIBUTOR_TENANT_ID}/v2.0/.well-known/openid-configuration'

    config = requests.get(url, verify=sim.ca_bundle, timeout=5).json()

    root = f'{sim.login_url}/{demo.DISTRIBUTOR_TENANT_ID}'
    assert config['token_endpoint'] == f'{root}/oauth2/v2.0/token'
    assert config['authorization_endpoint'] == f'{root}/oauth2/v2.0/authorize'
    assert config['issuer'] == f'{root}/v2.0'
    assert 'device_authorization_endpoint' in config


# conformance: PC-01
def test_discovery_of_an_unknown_tenant_is_400_invalid_tenant(sim):
    url = f'{sim.login_url}/{demo.UNKNOWN_CUSTOMER_ID}/v2.0/.well-known/openid-configuration'

    response = requests.get(url, verify=sim.ca_bundle, timeout=5)

    assert response.status_code == 400
    assert response.json()['error'] == 'invalid_tenant'
    assert response.json()['error_codes'] == [90002]


# conformance: PC-02, PC-06
def test_msal_client_credentials(sim):
    result = msal_app(sim).acquire_token_for_client(APP_ONLY)

    assert result['token_type'] == 'Bearer'
    assert result['expires_in'] == 3599
    assert result['ext_expires_in'] == 3599
    assert sim.world.peek_caller(f"Bearer {result['access_token']}").app_only


# conformance: PC-03
def test_msal_refresh_token_grant_returns_a_rotated_refresh_token(sim):
    app = msal_app(sim)

    result = app.acquire_token_by_refresh_token(demo.DISTRIBUTOR_REFRESH_TOKEN, DELEGATED)

    caller = sim.world.peek_caller(f"Bearer {result['access_token']}")
    assert (caller.partner, caller.admin_agent, caller.app_only) == (
        demo.DISTRIBUTOR_TENANT_ID, True, False)
    assert result['refresh_token'] != demo.DISTRIBUTOR_REFRESH_TOKEN
    assert result['scope'] == DELEGATED[0]
    assert result['id_token_claims']['tid'] == demo.DISTRIBUTOR_TENANT_ID
    again = app.acquire_token_by_refresh_token(result['refresh_token'], DELEGATED)
    assert 'access_token' in again


# conformance: PC-04
@pytest.mark.parametrize(('kwargs', 'error', 'aadsts'), [
    ({'secret': 'wrong'}, 'invalid_client', 7000215),
    ({'client_id': 'not-registered'}, 'unauthorized_client', 700016),
    ({'client_id': demo.OTHER_PARTNER_CLIENT_ID, 'secret': demo.OTHER_PARTNER_CLIENT_SECRET},
     'unauthorized_client', 700016),  # an app of another partner's tenant
])
def test_msal_sees_entra_errors(sim, kwargs, error, aadsts):
    result = msal_app(sim, **kwargs).acquire_token_for_client(APP_ONLY)

    assert result['error'] == error
    assert result['error_codes'] == [aadsts]
    assert result['error_description'].startswith(f'AADSTS{aadsts}: ')


# conformance: PC-04
def test_msal_unknown_refresh_token_is_invalid_grant(sim):
    result = msal_app(sim).acquire_token_by_refresh_token('never-issued', DELEGATED)

    assert (result['error'], result['error_codes']) == ('invalid_grant', [9002313])


# conformance: PC-04
@pytest.mark.parametrize(('form', 'status', 'error'), [
    ({'client_id': demo.DISTRIBUTOR_CLIENT_ID}, 400, 'invalid_request'),
    ({'grant_type': 'password', 'client_id': demo.DISTRIBUTOR_CLIENT_ID}, 400,
     'unsupported_grant_type'),
    ({'grant_type': 'client_credentials', 'client_id': demo.DISTRIBUTOR_CLIENT_ID,
      'scope': APP_ONLY[0]}, 401, 'invalid_client'),
])
def test_token_endpoint_errors(sim, form, status, error):
    response = requests.post(token_endpoint(sim), data=form, verify=sim.ca_bundle, timeout=5)

    assert response.status_code == status
    assert response.json()['error'] == error
    assert response.headers['Cache-Control'] == 'no-store'


# conformance: PC-05
def test_client_secret_basic_is_accepted(sim):
    pair = f'{demo.DISTRIBUTOR_CLIENT_ID}:{demo.DISTRIBUTOR_CLIENT_SECRET}'.encode()
    response = requests.post(
        token_endpoint(sim), data={'grant_type': 'client_credentials', 'scope': APP_ONLY[0]},
        headers={'Authorization': 'Basic ' + base64.b64encode(pair).decode()},
        verify=sim.ca_bundle, timeout=5)

    assert response.status_code == 200
    assert response.json()['access_token']


def test_the_provider_works_even_when_requests_ca_bundle_points_elsewhere(sim, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/nonexistent/ca.pem')

    token = MsalTokenProvider(sim.settings(demo.DISTRIBUTOR_TENANT_ID)).get_token()

    assert sim.world.peek_caller(f'Bearer {token}').admin_agent


def test_the_provider_keeps_the_rotated_refresh_token(sim):
    provider = MsalTokenProvider(sim.settings(demo.DISTRIBUTOR_TENANT_ID))
    provider.get_token()
    sim.world.revoke_refresh_token(demo.DISTRIBUTOR_REFRESH_TOKEN)

    provider.invalidate()

    assert sim.world.peek_caller(f'Bearer {provider.get_token()}') is not None


@pytest.mark.parametrize(('overrides', 'code'), [
    ({'client_secret': 'wrong'}, 'invalid_client'),
    ({'client_id': 'not-registered'}, 'unauthorized_client'),
    ({'refresh_token': 'never-issued'}, 'invalid_grant'),
    ({'tenant_id': demo.UNKNOWN_CUSTOMER_ID}, None),  # discovery fails
])
def test_the_provider_turns_refusals_into_auth_errors(sim, overrides, code):
    provider = MsalTokenProvider(sim.settings(demo.DISTRIBUTOR_TENANT_ID, **overrides))

    with pytest.raises(PartnerCenterError) as caught:
        provider.get_token()

    assert (caught.value.kind, caught.value.code) == (AUTH, code)
    assert 'wrong' not in str(caught.value)


def test_token_calls_are_logged_with_the_tenant(sim):
    msal_app(sim).acquire_token_for_client(APP_ONLY)

    posts = sim.calls.matching('POST', '/oauth2/v2.0/token$')
    assert [(c.status, c.partner) for c in posts] == [(200, demo.DISTRIBUTOR_TENANT_ID)]


def claims_of(id_token):
    payload = id_token.split('.')[1]
    return json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))


def test_the_id_token_says_whether_the_sign_in_had_mfa(sim):
    """Entra issues a token to a sign-in without MFA; Partner Center refuses it (PC-08).

    conformance: PC-03, PC-08
    """
    app = msal_app(sim)

    with_mfa = app.acquire_token_by_refresh_token(demo.DISTRIBUTOR_REFRESH_TOKEN, DELEGATED)
    without = app.acquire_token_by_refresh_token(demo.DISTRIBUTOR_NO_MFA_REFRESH_TOKEN, DELEGATED)

    assert 'mfa' in claims_of(with_mfa['id_token'])['amr']
    assert claims_of(without['id_token'])['amr'] == ['pwd']
    assert sim.world.peek_caller(f"Bearer {without['access_token']}").mfa is False


def test_id_token_is_a_decodable_jwt(sim):
    result = msal_app(sim).acquire_token_by_refresh_token(
        demo.DISTRIBUTOR_REFRESH_TOKEN, DELEGATED)

    header = result['id_token'].split('.')[0]
    assert json.loads(base64.urlsafe_b64decode(header + '=' * (-len(header) % 4)))['typ'] == 'JWT'
