"""Signed change notifications (``OVERAGE_WEBHOOK_URL`` / ``OVERAGE_WEBHOOK_SECRET``).

Every audited change of a customer's overage (enable, move, disable; succeeded, failed, no change,
unconfirmed) is POSTed as JSON to the configured URL, in the background: the user's answer never
waits for the receiver. An ``unconfirmed`` change is followed by exactly one more event once a later
read decides it, ``overage.<action>.confirmed`` or ``overage.<action>.not_confirmed``, whose ``data``
also carries ``confirms`` (the unconfirmed change's ``audit_id``) and ``reason`` (null, or
``changed_elsewhere``, ``deadline_passed``, ``superseded``).

What a receiver gets::

    POST <OVERAGE_WEBHOOK_URL>
    Content-Type: application/json
    X-Overage-Event-Id: 5f0c...            (a UUID, the same on every retry of one event)
    X-Overage-Timestamp: 1767225600        (Unix seconds of this attempt)
    X-Overage-Signature: sha256=<hex>      (HMAC-SHA256 of "<timestamp>.<raw body>" under the secret)

    {"id": "<event id>", "type": "overage.enable.succeeded", "created_at": "<ISO 8601>",
     "data": {"customer_id": "TA-...", "tenant_id": "...", "audit_id": 12, "from": {...},
              "to": {...}, "error": null | {"code": ..., "message": ..., ...}}}

The notifier is handed the domain's :class:`~connect_ext.service.results.AuditedChange`; the event
(``type`` and ``data``) is built from it in one place, :func:`connect_ext.notifications.events.change_event`.

How to check it: compute ``HMAC-SHA256(secret, timestamp + "." + raw_body_bytes)`` and compare it
in constant time with the signature's hex; refuse a timestamp older than a few minutes (the
signature covers it, so a captured delivery cannot be replayed later), and ignore an event id seen
before (retries reuse it). :func:`verify_signature` does exactly this.

Delivery is retried with exponential back-off (tenacity) on connection errors, time-outs, 408, 429
and 5xx; any other answer is final, a redirect included (never followed). Each delivery's outcome is
recorded in the audit trail (``action='webhook'``, ``outcome`` succeeded or failed, the event id and
attempts in ``details``; the receiver's host and status too, which only the owner is shown). The
secret is never logged nor sent (the body is redacted, :mod:`connect_ext.redaction`), and the URL
is logged by host only.

Where it may go (:mod:`.destinations`): an ``https`` URL whose host resolves only to public
addresses, checked on the addresses each connection uses; a refused destination is a failed delivery
(``WEBHOOK_DESTINATION_REFUSED``) and nothing is sent. Only the ``local_receiver`` constructor flag
(the sandbox's, the tests' and the benchmarks' own code) allows a receiver on this machine.
"""
import hashlib
import hmac
import json
import logging
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Callable, Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import requests
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from connect_ext import redaction
from connect_ext.notifications.destinations import (
    DestinationRefused,
    Guard,
    GuardedAdapter,
    Opener,
    Resolver,
    check_url,
)
from connect_ext.notifications.events import change_event
from connect_ext.redaction import redact
from connect_ext.service.results import AuditedChange
from connect_ext.vocabulary import ACTION_WEBHOOK, ACTOR_SYSTEM, FAILED, SUCCEEDED


logger = logging.getLogger(__name__)

SIGNATURE_HEADER = 'X-Overage-Signature'
TIMESTAMP_HEADER = 'X-Overage-Timestamp'
EVENT_ID_HEADER = 'X-Overage-Event-Id'
SIGNATURE_PREFIX = 'sha256='
DEFAULT_TOLERANCE_SECONDS = 300
_RETRIED_STATUSES = frozenset({408, 429})
DELIVERY_FAILED = 'WEBHOOK_DELIVERY_FAILED'
DESTINATION_REFUSED = 'WEBHOOK_DESTINATION_REFUSED'


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The header value: ``sha256=`` and the hex HMAC-SHA256 of ``timestamp.body``."""
    message = timestamp.encode('ascii') + b'.' + body
    digest = hmac.new(secret.encode('utf-8'), message, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: Optional[str],
    signature_header: Optional[str],
    *,
    now: Optional[float] = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a delivery is authentic and fresh (what a receiver should check)."""
    if not secret or not timestamp or not signature_header:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), signature_header.strip())


def encode_event(
    event_id: str, event: Mapping[str, Any], created_at: datetime, secrets: Tuple[str, ...] = (),
) -> bytes:
    """The exact body bytes (compact JSON, keys sorted) that are signed and sent, every secret
    (``secrets`` too: the signing key) redacted."""
    envelope = redact({
        'id': event_id,
        'type': event.get('type'),
        'created_at': created_at.isoformat(),
        'data': {name: value for name, value in event.items() if name != 'type'},
    }, secrets)
    return json.dumps(envelope, sort_keys=True, separators=(',', ':'), default=str).encode('utf-8')


def url_host(url: str) -> str:
    """What may be logged of the URL: its host (a query string may carry a token)."""
    return urlsplit(url).hostname or '(no host)'


class _Retryable(Exception):
    """A delivery attempt that may succeed if tried again."""

    def __init__(self, description: str, status: Optional[int] = None):
        super().__init__(description)
        self.status = status


class _Final(Exception):
    def __init__(self, description: str, status: Optional[int] = None, code: str = DELIVERY_FAILED):
        super().__init__(description)
        self.status = status
        self.code = code


class WebhookNotifier:
    """The service's ``notify``: queues one signed delivery per event and returns at once.

    ``sleep``, ``clock`` (Unix seconds) and ``now`` (aware datetime) are injectable so tests run
    the back-off without waiting; ``resolver`` and ``opener`` (name resolution and the socket
    connection, :class:`~.destinations.Guard`) so tests of the destination rules open nothing.
    ``local_receiver`` allows a receiver on this machine (see :mod:`.destinations`): only code
    sets it, never a variable. A URL that may not be a destination is a ``ValueError``.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        store=None,
        *,
        session: Optional[requests.Session] = None,
        executor: Optional[ThreadPoolExecutor] = None,
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        timeout_seconds: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        local_receiver: bool = False,
        resolver: Optional[Resolver] = None,
        opener: Optional[Opener] = None,
    ):
        check_url(url, local_receiver=local_receiver)
        redaction.remember(secret)
        self.url = url
        self._secret = secret
        self.store = store
        self.session = session or requests.Session()
        # No proxy, .netrc or CA bundle from the environment: the guard sees every connection.
        self.session.trust_env = False
        guard = Guard(local_receiver=local_receiver, **{
            name: value for name, value in (('resolver', resolver), ('opener', opener))
            if value is not None
        })
        for prefix in ('https://', 'http://'):
            self.session.mount(prefix, GuardedAdapter(guard))
        self.executor = executor or ThreadPoolExecutor(
            max_workers=2, thread_name_prefix='overage-webhook',
        )
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.timeout_seconds = timeout_seconds
        self.sleep = sleep
        self.clock = clock
        self.now = now

    def __repr__(self) -> str:
        return f'WebhookNotifier(host={url_host(self.url)!r})'

    def __call__(self, change: AuditedChange) -> Future:
        """Queue the delivery of the event of ``change``; the future ends with its outcome."""
        event_id = str(uuid.uuid4())
        event = change_event(change)
        body = encode_event(event_id, event, self.now(), (self._secret,))
        return self.executor.submit(self._deliver_and_record, event_id, event, body)

    # -- delivery -------------------------------------------------------------------------

    def _deliver_and_record(self, event_id: str, event: Dict[str, Any], body: bytes) -> Dict[str, Any]:
        attempts = 0

        def attempt() -> int:
            nonlocal attempts
            attempts += 1
            return self._post(event_id, body)

        outcome: Dict[str, Any] = {'event_id': event_id, 'event_type': event.get('type')}
        try:
            status = Retrying(
                stop=stop_after_attempt(self.max_attempts),
                wait=wait_exponential(multiplier=self.backoff_seconds, max=self.max_backoff_seconds),
                retry=retry_if_exception_type(_Retryable),
                sleep=self.sleep,
                reraise=True,
            )(attempt)
            outcome.update(delivered=True, status=status)
        except (_Retryable, _Final, RetryError) as error:
            outcome.update(delivered=False, status=getattr(error, 'status', None), error=str(error),
                           code=getattr(error, 'code', DELIVERY_FAILED))
        except Exception as error:
            # A bug here must not kill the worker thread, nor go unrecorded.
            logger.exception('Webhook delivery %s failed unexpectedly', event_id)
            outcome.update(delivered=False, status=None, error=type(error).__name__)
        outcome['attempts'] = attempts
        self._record(event, outcome)
        return outcome

    def _post(self, event_id: str, body: bytes) -> int:
        timestamp = str(int(self.clock()))
        headers = {
            'Content-Type': 'application/json',
            EVENT_ID_HEADER: event_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret, timestamp, body),
        }
        try:
            response = self.session.post(
                self.url, data=body, headers=headers, timeout=self.timeout_seconds,
                allow_redirects=False,
            )
        except DestinationRefused as error:
            raise _Final(f'not sent to {url_host(self.url)}: {error}', code=DESTINATION_REFUSED) from None
        except requests.RequestException as error:
            raise _Retryable(f'{type(error).__name__} reaching {url_host(self.url)}') from None
        status = response.status_code
        if 200 <= status < 300:
            return status
        description = f'HTTP {status} from {url_host(self.url)}'
        if 300 <= status < 400:
            raise _Final(f'{description}: a redirect, not followed', status, code=DESTINATION_REFUSED)
        if status >= 500 or status in _RETRIED_STATUSES:
            raise _Retryable(description, status)
        raise _Final(description, status)

    def _record(self, event: Mapping[str, Any], outcome: Mapping[str, Any]) -> None:
        delivered = bool(outcome.get('delivered'))
        log = logger.info if delivered else logger.warning
        log(
            'Webhook %s (%s) to %s: %s after %s attempt(s)',
            outcome.get('event_id'), outcome.get('event_type'), url_host(self.url),
            'delivered' if delivered else f'failed ({outcome.get("error")})', outcome.get('attempts'),
        )
        if self.store is None or not event.get('customer_id'):
            return
        try:
            self.store.record_audit(
                customer_id=event['customer_id'],
                tenant_id=event.get('tenant_id'),
                actor_type=ACTOR_SYSTEM,
                action=ACTION_WEBHOOK,
                outcome=SUCCEEDED if delivered else FAILED,
                error_code=None if delivered else outcome.get('code', DELIVERY_FAILED),
                error_message=None if delivered else str(outcome.get('error')),
                details={
                    'event_id': outcome.get('event_id'),
                    'event_type': outcome.get('event_type'),
                    'audit_id': event.get('audit_id'),
                    'attempts': outcome.get('attempts'),
                    'status': outcome.get('status'),
                    'host': url_host(self.url),
                },
            )
        except Exception:
            # The delivery happened either way; losing its audit line is logged, not raised.
            logger.exception('Could not record webhook delivery %s', outcome.get('event_id'))
