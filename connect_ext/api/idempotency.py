"""``Idempotency-Key``: a retried change answers what the first one answered, and writes nothing.

A client that did not get an answer (a time-out, a dropped connection) sends the same request with
the same key again. The first answer — status, body and headers — was saved for the key, so the
retry gets it back (with ``Idempotent-Replayed: true``) and nothing reaches Microsoft or the audit
trail a second time. The same key with a *different* request is refused with 422
``IDEMPOTENCY_KEY_REUSED``: one key stands for one change.

Rules:

- keys are scoped to the caller and the route (one account's key never replays another's answer);
- the request is identified by a fingerprint of method, path and the body as JSON (key order and
  whitespace do not matter);
- the check, the change and the save run under the customer's lock (process-wide, and across
  replicas on PostgreSQL), so two concurrent retries cannot both change;
- what is kept for :data:`IDEMPOTENCY_TTL_SECONDS` is what happened: a success (changed, nothing to
  change, awaiting Microsoft's confirmation), or Microsoft's own refusal (its answer is under
  ``details.microsoft``). Not kept, so that a retry with the same key is judged anew: answers a
  later retry could improve (429 and 5xx: Microsoft busy or down), and every refusal the extension
  decided before anything happened — a stale ``If-Match`` (412: the retry comes with a fresh one), a
  blocking prerequisite (the retry may come after it was fixed), a caller not allowed. Those
  refusals wrote nothing, so replaying them would only make the key unusable for the change it
  names (docs/api.md).
"""
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from connect_ext.api.handlers import public_error


logger = logging.getLogger(__name__)

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
REPLAYED_HEADER = 'Idempotent-Replayed'
# Printable ASCII without blanks, as Stripe-style clients send (UUIDs, ULIDs, request ids).
IDEMPOTENCY_KEY_PATTERN = r'^[\x21-\x7e]{1,255}$'
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: Any
    headers: Dict[str, str] = field(default_factory=dict)


def checked_key(key: Optional[str]) -> Optional[str]:
    """The key, None when absent; 422 ``VALIDATION_FAILED`` when it is not 1-255 visible ASCII."""
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise public_error(
            'VALIDATION_FAILED',
            {'fields': [{
                'field': 'header.Idempotency-Key',
                'message': 'must be 1 to 255 visible ASCII characters',
                'type': 'value_error',
            }]},
            problem='the Idempotency-Key header must be 1 to 255 visible ASCII characters',
            field='header.Idempotency-Key',
        )
    return key


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode('utf-8')).hexdigest()


def is_saved(answer: Answer) -> bool:
    """Whether the answer is final for this key: something happened (see the module docstring)."""
    if answer.status_code >= 500 or answer.status_code == 429:
        return False
    if answer.status_code < 400:
        return True
    error = answer.body.get('error') if isinstance(answer.body, dict) else None
    details = error.get('details') if isinstance(error, dict) else None
    return isinstance(details, dict) and isinstance(details.get('microsoft'), dict)


def run_once(
    store,
    *,
    scope: str,
    key: Optional[str],
    request_fingerprint: str,
    lock_id: str,
    run: Callable[[], Answer],
    ttl_seconds: float = IDEMPOTENCY_TTL_SECONDS,
) -> Tuple[Answer, bool]:
    """``(answer, replayed)``: the saved answer for ``key``, or ``run()``'s (saved when final)."""
    if key is None:
        return run(), False
    with store.customer_lock(lock_id):
        saved = store.get_idempotent_response(scope, key)
        if saved is not None:
            if saved.request_fingerprint != request_fingerprint:
                raise public_error('IDEMPOTENCY_KEY_REUSED', {'idempotency_key': key})
            headers = {str(name): str(value) for name, value in (saved.headers or {}).items()}
            headers[REPLAYED_HEADER] = 'true'
            return Answer(saved.status_code, saved.body, headers), True
        answer = run()
        if is_saved(answer):
            _save(store, scope, key, request_fingerprint, answer, ttl_seconds)
        return answer, False


def _save(store, scope: str, key: str, request_fingerprint: str, answer: Answer, ttl: float) -> None:
    """Keep the answer; failing to keep it must not turn a change that happened into an error."""
    try:
        store.save_idempotent_response(
            scope, key, request_fingerprint, answer.status_code, answer.body,
            _saved_headers(answer.headers), ttl_seconds=ttl,
        )
    except Exception:
        logger.exception('Could not save the answer of Idempotency-Key %s (%s)', key, scope)


def _saved_headers(headers: Mapping[str, str]) -> Dict[str, str]:
    return {str(name): str(value) for name, value in headers.items()}
