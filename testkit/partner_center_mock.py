"""Partner Center and Entra behind ``responses`` (no network anywhere): their URLs, the partner's
credentials, token answers, and settings and a token provider for the client under test."""
import json

import responses

from connect_ext.config import PartnerCenterSettings


API_URL = 'https://pc.example.test'
LOGIN_URL = 'https://login.example.test'
PARTNER_TENANT = 'a1b2c3d4-0000-4000-8000-00000000d157'
CUSTOMER_TENANT = 'f62cf10b-8b3a-4c8e-9f6c-1b2f0e6b5a11'
CLIENT_ID = '7e3a5d9c-1111-4222-8333-444455556666'
CLIENT_SECRET = 'cl13nt-S3CRET-never-shown'  # noqa: S105 - a fake, looked for in logs
REFRESH_TOKEN = 'rt-0ld-R3FRESH-never-shown'  # noqa: S105 - a fake, looked for in logs
NEW_REFRESH_TOKEN = 'rt-n3w-R3FRESH-never-shown'  # noqa: S105 - a fake, looked for in logs
ACCESS_TOKEN = 'at-ACC3SS-never-shown'  # noqa: S105 - a fake, looked for in logs
CUSTOMER_URL = f'{API_URL}/v1/customers/{CUSTOMER_TENANT}'
SUBSCRIPTIONS_URL = f'{CUSTOMER_URL}/subscriptions'
OVERAGE_URL = f'{SUBSCRIPTIONS_URL}/overage'
DISCOVERY_URL = f'{LOGIN_URL}/{PARTNER_TENANT}/v2.0/.well-known/openid-configuration'
TOKEN_URL = f'{LOGIN_URL}/{PARTNER_TENANT}/oauth2/v2.0/token'
SECRETS = (CLIENT_SECRET, REFRESH_TOKEN, NEW_REFRESH_TOKEN, ACCESS_TOKEN)


def make_settings(**overrides) -> PartnerCenterSettings:
    values = {
        'api_url': API_URL,
        'login_url': LOGIN_URL,
        'tenant_id': PARTNER_TENANT,
        'client_id': CLIENT_ID,
        'client_secret': CLIENT_SECRET,
        'refresh_token': '',
        'max_attempts': 4,
        'retry_budget_seconds': 60.0,
        **overrides,
    }
    return PartnerCenterSettings(**values)


class FakeTokens:
    """A token provider that hands out ``token-1``, ``token-2``… and counts invalidations."""

    def __init__(self):
        self.issued = 0
        self.invalidations = 0
        self._current = None

    def get_token(self) -> str:
        if self._current is None:
            self.issued += 1
            self._current = f'token-{self.issued}'
        return self._current

    def invalidate(self) -> None:
        self.invalidations += 1
        self._current = None


def mock_authority(mock, *, token_bodies=None, status=200):
    """Register Entra's tenant discovery and one token answer per body given."""
    mock.add(
        responses.GET,
        DISCOVERY_URL,
        json={
            'token_endpoint': TOKEN_URL,
            'authorization_endpoint': f'{LOGIN_URL}/{PARTNER_TENANT}/oauth2/v2.0/authorize',
            'issuer': f'{LOGIN_URL}/{PARTNER_TENANT}/v2.0',
        },
    )
    for body in [token_body()] if token_bodies is None else token_bodies:
        mock.add(responses.POST, TOKEN_URL, json=body, status=status)


def token_body(access_token=ACCESS_TOKEN, expires_in=3599, refresh_token=None):
    body = {'token_type': 'Bearer', 'expires_in': expires_in, 'access_token': access_token}
    if refresh_token:
        body['refresh_token'] = refresh_token
    return body


def sent_json(call):
    return json.loads(call.request.body)
