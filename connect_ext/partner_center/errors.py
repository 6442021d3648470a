"""The one error every failed Partner Center call ends as.

``kind`` says how the call failed, whatever Microsoft sent:

- ``rejected``: Microsoft answered 4xx (its error body parsed when there is one);
- ``throttled``: 429 after the retry budget (``retry_after`` holds Microsoft's last hint);
- ``unavailable``: 5xx, a non-JSON 5xx page, or the connection failed, after the retry budget;
- ``timeout``: no answer in time, or Microsoft's 408, after the retry budget — a write may or may
  not have been applied;
- ``auth``: no access token could be obtained (bad client id/secret, expired refresh token).

``code`` is always a string (Microsoft sends numbers too) or ``None`` when the body had none.

Microsoft's words (``description``, ``data``, ``source``) may quote the request, its bearer token
included: they are redacted as the error is built (:mod:`connect_ext.redaction`), so nothing made
from the error — answers, history, webhooks, logs — can carry a secret.
"""
from typing import Any, Dict, List, Optional

from connect_ext.redaction import redact


REJECTED = 'rejected'
THROTTLED = 'throttled'
UNAVAILABLE = 'unavailable'
TIMEOUT = 'timeout'
AUTH = 'auth'

KINDS = (REJECTED, THROTTLED, UNAVAILABLE, TIMEOUT, AUTH)


class PartnerCenterError(Exception):
    def __init__(
        self,
        kind: str,
        *,
        status: Optional[int] = None,
        code: Optional[Any] = None,
        description: str = '',
        data: Optional[List[Any]] = None,
        source: Optional[str] = None,
        correlation_id: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        method: Optional[str] = None,
        path: Optional[str] = None,
    ):
        if kind not in KINDS:
            raise ValueError(f'unknown Partner Center error kind {kind!r}')
        self.kind = kind
        self.status = status
        self.code = None if code is None or code == '' else redact(str(code))
        self.description = redact(description or '')
        self.data = redact(list(data or []))
        self.source = redact(source)
        self.correlation_id = correlation_id
        self.request_id = request_id
        self.retry_after = retry_after
        self.method = method
        self.path = path
        super().__init__(self._summary())

    def _summary(self) -> str:
        where = f'{self.method} {self.path}: ' if self.method and self.path else ''
        status = f'HTTP {self.status} ' if self.status else ''
        code = f'code {self.code} ' if self.code else ''
        return f'{where}{status}{code}[{self.kind}] {self.description}'.strip()

    def to_dict(self) -> Dict[str, Any]:
        """What the public error shape shows under ``details.microsoft`` (redacted when built)."""
        return {
            'status': self.status,
            'code': self.code,
            'description': self.description,
            'data': self.data,
            'source': self.source,
            'correlation_id': self.correlation_id,
            'request_id': self.request_id,
        }

    def __repr__(self) -> str:
        return f'PartnerCenterError({self._summary()!r})'
