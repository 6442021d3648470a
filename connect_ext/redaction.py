"""The one redaction of secrets, applied to everything that leaves the process.

Upstream services may quote what they were sent: Partner Center's error ``description`` can echo
the request's ``Authorization`` header, Entra's ``error_description`` the grant's parameters, a
Connect error the installation's API key. Whatever text of theirs reaches an answer, the audit
trail, a webhook body, an order note or a log goes through :func:`redact` first:

- at the door, where upstream text enters: :class:`~connect_ext.partner_center.errors.PartnerCenterError`
  and :class:`~connect_ext.errors.error.OverageError` redact what they are built with, the token
  provider redacts Entra's words, and a Connect ``ClientError`` is quoted only through
  :func:`describe`;
- again on the way out, where it would be kept or sent: the audit writer
  (:func:`connect_ext.store.fields.clean_audit_fields`) and the webhook body
  (:func:`connect_ext.notifications.webhooks.encode_event`).

Two kinds of match, both replaced by :data:`REDACTED`:

- **shapes** that are secret whatever their value: a bearer, ``Basic`` or Connect ``ApiKey``
  credential, an ``Authorization`` header quoted as text, a JWT (Entra's access tokens are
  JWTs), a Connect API key (``SU-…:…``), and the value of any ``name=value`` or ``"name": "value"``
  whose name ends in ``token``, ``secret``, ``password`` or ``api_key``;
- **values** known to be secret: every secure variable as it is parsed
  (:meth:`connect_ext.config.Settings.from_config`), every access and refresh token the token
  provider obtains, the token each Partner Center call sent (:func:`remember`; the most recent
  :data:`KEPT_VALUES` are kept), and the ``extra`` values a caller names. Values shorter than
  :data:`MIN_SECRET_LENGTH` are not matched as values (they would blank ordinary words); the
  shapes still catch them.
"""
import re
from typing import Any, Dict, Iterable, Tuple


REDACTED = '[redacted]'
MIN_SECRET_LENGTH = 8
KEPT_VALUES = 512

# A credential after its scheme: long enough not to be an ordinary word ("the bearer of...").
_SCHEME = re.compile(r'(?i)\b(bearer|basic|apikey)(\s+)[A-Za-z0-9\-._~+/:]{16,}=*')
# An Authorization header quoted as text: "Authorization: ...", "'authorization': '...'".
_AUTHORIZATION = re.compile(r'''(?i)(\bauthorization["']?\s*[:=]\s*["']?)[^"'\r\n,;}]+''')
_JWT = re.compile(r'\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*')
_CONNECT_KEY = re.compile(r'\bSU-[0-9]+(?:-[0-9]+)*:[A-Za-z0-9]{16,}')
# refresh_token=..., "client_secret": "...", OVERAGE_WEBHOOK_SECRET=..., x-api-key: ...
_NAMED = re.compile(
    r'''(?i)(["']?\b[\w.-]*(?:token|secret|password|passwd|api[_-]?key)["']?\s*[:=]\s*["']?)'''
    r'''[^\s"'&,;)}\]]+''',
)

# The known values, oldest first. Pure code may import this module (the rules build errors), so no
# lock: each step is one dict operation, atomic under the interpreter's lock.
_known: Dict[str, None] = {}


def remember(*values: Any) -> None:
    """Make these values secret from now on, in every process-wide redaction (blank, short and
    non-string values are ignored)."""
    for value in values:
        if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH:
            _known.pop(value, None)
            _known[value] = None  # now the newest
    while len(_known) > KEPT_VALUES:
        oldest = next(iter(_known.copy()), None)
        if oldest is not None:
            _known.pop(oldest, None)


def remember_connect_key(value: Any) -> None:
    """Remember a Connect API key (``ApiKey SU-…:<secret>``) whole, without its scheme, and its
    secret part alone (what an error may quote of it)."""
    if not isinstance(value, str):
        return
    bare = value.split(None, 1)[-1] if value.lower().startswith('apikey ') else value
    remember(value, bare, bare.split(':', 1)[-1])


def _values(extra: Iterable[Any]) -> Tuple[str, ...]:
    values = set(_known.copy())
    values.update(value for value in extra if isinstance(value, str) and value)
    # The longest first: a secret that contains another is replaced whole.
    return tuple(sorted(values, key=len, reverse=True))


def redact_text(text: str, extra: Iterable[Any] = ()) -> str:
    """``text`` with every secret shape and every known (or ``extra``) secret value replaced."""
    if not text:
        return text
    for value in _values(extra):
        if value in text:
            text = text.replace(value, REDACTED)
    text = _SCHEME.sub(lambda match: f'{match.group(1)}{match.group(2)}{REDACTED}', text)
    text = _AUTHORIZATION.sub(lambda match: match.group(1) + REDACTED, text)
    text = _JWT.sub(REDACTED, text)
    text = _CONNECT_KEY.sub(REDACTED, text)
    return _NAMED.sub(lambda match: match.group(1) + REDACTED, text)


def redact(value: Any, extra: Iterable[Any] = ()) -> Any:
    """``value`` with :func:`redact_text` applied to every string in it (dict values, list and
    tuple items, recursively; dict keys are names and kept); anything else as it is."""
    extra = tuple(extra)
    if isinstance(value, str):
        return redact_text(value, extra)
    if isinstance(value, dict):
        return {key: redact(item, extra) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, extra) for item in value]
    if isinstance(value, tuple):
        return tuple(redact(item, extra) for item in value)
    return value


def describe(error: BaseException) -> str:
    """What may be said of an upstream exception (a Connect ``ClientError``...): its text, redacted."""
    return redact_text(str(error) or type(error).__name__)
