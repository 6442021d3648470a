"""The web API in tests: eaas-core's test client with the caller as a keyword, and the public
error body."""
from typing import Any, Dict

from testkit.callers import OWNER, headers_for


class Api:
    """The test client with the caller as a keyword: ``api.get(url, who=OWNER)``."""

    def __init__(self, client):
        self.client = client
        self.app = client.app

    def request(self, method: str, url: str, *, who: Dict[str, Any] = OWNER, headers=None, **kwargs):
        context = {key: value for key, value in who.items() if key != 'tier_account_id'}
        return self.client.request(
            method, url, context=context, headers=headers_for(who, headers), **kwargs,
        )

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def put(self, url, **kwargs):
        return self.request('PUT', url, **kwargs)


def error_body(code: str, message: str, reason: str, action: str, details: Dict[str, Any]):
    """The body of a refusal, as the web API answers it."""
    return {'error': {
        'code': code, 'message': message, 'reason': reason, 'action': action, 'details': details,
    }}
