"""The web API in tests: eaas-core's test client with the caller as a keyword, and the public
error body."""
from typing import Any, Dict

from testkit.callers import OWNER, context_of, headers_for


class Api:
    """The test client with the caller as a keyword: ``api.get(url, who=OWNER)``."""

    def __init__(self, client, connect_url=None):
        self.client = client
        self.app = client.app
        # The Connect API a caller's installation client reaches (the resellers' Connect world).
        self.connect_url = connect_url

    def request(self, method: str, url: str, *, who: Dict[str, Any] = OWNER, headers=None, **kwargs):
        return self.client.request(
            method, url, context=context_of(who),
            headers=headers_for(who, headers, connect_url=self.connect_url), **kwargs,
        )

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def post(self, url, **kwargs):
        return self.request('POST', url, **kwargs)

    def put(self, url, **kwargs):
        return self.request('PUT', url, **kwargs)


def error_body(code: str, message: str, reason: str, action: str, details: Dict[str, Any]):
    """The body of a refusal, as the web API answers it."""
    return {'error': {
        'code': code, 'message': message, 'reason': reason, 'action': action, 'details': details,
    }}
