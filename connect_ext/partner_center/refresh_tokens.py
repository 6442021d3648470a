"""The App+User refresh token across restarts: the newest one Entra handed out, kept encrypted.

Entra replaces the refresh token at every use, and a refresh token dies 90 days after it was issued
(``AADSTS700082``: "expired due to inactivity"); the one an administrator configured in
``PARTNER_CENTER_REFRESH_TOKEN`` therefore dies some months after it was configured, however busy
the extension is. :class:`RefreshTokenKeeper` keeps the newest token in the store
(``Store.credentials``, :mod:`connect_ext.store.credentials`) so that a restart starts from it:

- **Which token.** The stored one when it descends from the configured one (the store keeps a
  fingerprint — a hash, never the token — of the configured token it started from) and the current
  key decrypts it; else the configured one. An administrator who pastes a new refresh token
  changes the fingerprint, so the extension starts again from what was pasted.
- **Newest wins.** Each renewal is written with the time it was renewed, and the store never
  writes an older renewal over a newer one; several replicas sharing a PostgreSQL store therefore
  converge on the newest. When Entra refuses the token a replica holds, the replica tries the one
  in the store if another replica stored a different one, then the configured one
  (:meth:`RefreshTokenKeeper.alternatives`).
- **Encrypted at rest.** Fernet (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a key
  from ``TOKEN_ENCRYPTION_KEY`` (a Fernet key as it is; any other text a passphrase, stretched with
  PBKDF2-HMAC-SHA256 under a fixed context) or, without it, derived from the client secret under
  another context. A stored token the key cannot decrypt (the key or the secret changed) is not an
  error: the keeper falls back to the configured token, logs a warning and the settings page says
  so (:data:`~connect_ext.vocabulary.SOURCE_UNREADABLE`); the next renewal is stored under the
  current key.
- **Best effort.** The store failing to read or write never stops a token request (the log says
  it did): Partner Center is what matters, the store only carries the token over a restart.

No token, and no key, is ever logged, put in an error or in a ``repr``.
"""
import base64
import binascii
import functools
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, List, Optional, Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from connect_ext.config import PartnerCenterSettings
from connect_ext.vocabulary import SOURCE_CONFIGURED, SOURCE_RENEWED, SOURCE_UNREADABLE


# Entra's default (and, outside single-page apps, only) refresh token lifetime; docs/conformance.md.
LIFETIME_DAYS = 90
# The settings page warns when the token has gone this long without use.
UNUSED_WARNING_DAYS = 60

# Fixed, distinct contexts: a key derived for one purpose is never the key of another.
_PASSPHRASE_CONTEXT = b'overage-manager/TOKEN_ENCRYPTION_KEY/refresh-token/v1'
_CLIENT_SECRET_CONTEXT = b'overage-manager/PARTNER_CENTER_CLIENT_SECRET/refresh-token/v1'
_FINGERPRINT_CONTEXT = b'overage-manager/configured-refresh-token-fingerprint/v1\x00'
_KDF_ITERATIONS = 600_000


def utc_now() -> datetime:
    return datetime.now(UTC)


def fingerprint(token: str) -> str:
    """A hash that tells configured tokens apart without revealing one (refresh tokens are long
    random strings: the hash cannot be turned back into the token)."""
    return hashlib.sha256(_FINGERPRINT_CONTEXT + token.encode()).hexdigest()


def credential_key(settings: PartnerCenterSettings) -> str:
    """The row of the store that holds the refresh token of this tenant's application."""
    return f'partner-center-refresh-token:{settings.tenant_id.lower()}:{settings.client_id.lower()}'


@functools.lru_cache(maxsize=16)
def _derived_key(material: str, context: bytes) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=context, iterations=_KDF_ITERATIONS)
    return base64.urlsafe_b64encode(kdf.derive(material.encode()))


def _as_fernet_key(text: str) -> Optional[bytes]:
    """``text`` itself when it is a Fernet key (32 bytes, URL-safe base64), else None."""
    try:
        raw = base64.urlsafe_b64decode(text.encode('ascii'))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None
    return text.encode('ascii') if len(raw) == 32 and len(text) == 44 else None


class TokenCipher:
    """Encrypts and decrypts the stored token (Fernet); the key never shows in a ``repr``."""

    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    @classmethod
    def for_secrets(cls, encryption_key: str, client_secret: str) -> 'TokenCipher':
        """The cipher of ``TOKEN_ENCRYPTION_KEY`` (a Fernet key, or a passphrase), or, when it is
        empty, of a key derived from the client secret."""
        if encryption_key:
            return cls(_as_fernet_key(encryption_key) or _derived_key(encryption_key, _PASSPHRASE_CONTEXT))
        if not client_secret:
            raise ValueError('storing a refresh token needs TOKEN_ENCRYPTION_KEY or a client secret')
        return cls(_derived_key(client_secret, _CLIENT_SECRET_CONTEXT))

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode('ascii')

    def decrypt(self, ciphertext: str) -> Optional[str]:
        """The plain text, or None when this key cannot decrypt it (another key, or tampered)."""
        try:
            return self._fernet.decrypt(ciphertext.encode('ascii')).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None

    def __repr__(self) -> str:
        return 'TokenCipher(<key hidden>)'


@dataclass(frozen=True)
class HeldToken:
    """The refresh token a provider holds, and where it came from (the token never in a repr)."""

    token: str = field(repr=False)
    source: str = SOURCE_CONFIGURED
    # The stored version it is (None: not the stored one).
    version: Optional[int] = None


@dataclass(frozen=True)
class RefreshTokenStatus:
    """What the settings page says of the refresh token (never the token)."""

    source: str
    renewed_at: Optional[datetime] = None
    used_at: Optional[datetime] = None

    def unused_for(self, now: datetime) -> Optional[timedelta]:
        """How long the stored token has gone without use (None when nothing is known)."""
        last = self.used_at or self.renewed_at
        return None if last is None else max(now - last, timedelta(0))

    def long_unused(self, now: datetime) -> bool:
        unused = self.unused_for(now)
        return unused is not None and unused >= timedelta(days=UNUSED_WARNING_DAYS)


class CredentialRecordLike(Protocol):
    ciphertext: str
    configured_fingerprint: str
    renewed_at: datetime
    used_at: Optional[datetime]
    version: int


class CredentialRepository(Protocol):
    """What the keeper needs of the store (:class:`connect_ext.store.credentials.Credentials`)."""

    def get(self, key: str) -> Optional[CredentialRecordLike]: ...

    def save_renewed(self, key: str, *, ciphertext: str, configured_fingerprint: str,
                     renewed_at: datetime) -> Optional[CredentialRecordLike]: ...

    def mark_used(self, key: str, *, configured_fingerprint: str, used_at: datetime) -> bool: ...


class RefreshTokenKeeper:
    """Which refresh token to use, and the newest one kept in the store (see the module docstring).

    ``configured`` is ``PARTNER_CENTER_REFRESH_TOKEN``; ``clock`` returns aware datetimes (the
    store's clock in tests).
    """

    def __init__(
        self,
        credentials: CredentialRepository,
        cipher: TokenCipher,
        *,
        key: str,
        configured: str,
        clock: Callable[[], datetime] = utc_now,
        logger: Optional[logging.Logger] = None,
    ):
        if not configured:
            raise ValueError('the keeper needs the configured refresh token')
        self._credentials = credentials
        self._cipher = cipher
        self._key = key
        self._configured = configured
        self._fingerprint = fingerprint(configured)
        self._clock = clock
        self._log = logger or logging.getLogger(__name__)
        self._warned_unreadable = False

    def __repr__(self) -> str:
        return f'RefreshTokenKeeper(key={self._key!r})'

    # -- which token -------------------------------------------------------------------------

    def current(self) -> HeldToken:
        """The token to use now: the stored one when it is ours and readable, else the configured."""
        stored = self._stored()
        return stored if stored is not None else self._configured_token()

    def alternatives(self, refused: HeldToken) -> List[HeldToken]:
        """What to try, in order, after Entra refused ``refused``: the stored token when it differs
        (another replica renewed it), then the configured one."""
        found: List[HeldToken] = []
        stored = self._stored()
        if stored is not None and stored.token != refused.token:
            found.append(stored)
        if self._configured not in (refused.token, *(held.token for held in found)):
            found.append(self._configured_token())
        return found

    # -- what happened -----------------------------------------------------------------------

    def renewed(self, token: str) -> HeldToken:
        """Entra handed out ``token`` (it replaces the one used): store it unless a newer one is."""
        try:
            record = self._credentials.save_renewed(
                self._key, ciphertext=self._cipher.encrypt(token),
                configured_fingerprint=self._fingerprint, renewed_at=self.now(),
            )
        except Exception as error:  # noqa: BLE001 - the store must never stop a token request
            self._log.warning('The renewed Partner Center refresh token could not be stored (%s): '
                              'a restart will start from an older one', type(error).__name__)
            return HeldToken(token, SOURCE_RENEWED)
        if record is None:
            self._log.info('A newer Partner Center refresh token is already stored; keeping it')
            return HeldToken(token, SOURCE_RENEWED)
        self._warned_unreadable = False
        return HeldToken(token, SOURCE_RENEWED, record.version)

    def used(self) -> None:
        """The held token was used and Entra handed out no new one: record the use."""
        try:
            self._credentials.mark_used(
                self._key, configured_fingerprint=self._fingerprint, used_at=self.now(),
            )
        except Exception as error:  # noqa: BLE001 - see renewed()
            self._log.warning('The use of the Partner Center refresh token could not be recorded (%s)',
                              type(error).__name__)

    # -- the settings page -------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def status(self) -> RefreshTokenStatus:
        """Where the token in use comes from, when it was renewed and last used (reads the store)."""
        record = self._credentials.get(self._key)
        if record is None or record.configured_fingerprint != self._fingerprint:
            return RefreshTokenStatus(SOURCE_CONFIGURED)
        source = SOURCE_RENEWED if self._cipher.decrypt(record.ciphertext) else SOURCE_UNREADABLE
        return RefreshTokenStatus(source, record.renewed_at, record.used_at)

    # -- internals ---------------------------------------------------------------------------

    def _configured_token(self) -> HeldToken:
        return HeldToken(self._configured, SOURCE_CONFIGURED)

    def _stored(self) -> Optional[HeldToken]:
        try:
            record: Any = self._credentials.get(self._key)
        except Exception as error:  # noqa: BLE001 - see renewed()
            self._log.warning('The stored Partner Center refresh token could not be read (%s): using '
                              'PARTNER_CENTER_REFRESH_TOKEN', type(error).__name__)
            return None
        if record is None or record.configured_fingerprint != self._fingerprint:
            return None
        token = self._cipher.decrypt(record.ciphertext)
        if token is None:
            if not self._warned_unreadable:
                self._warned_unreadable = True
                self._log.warning(
                    'The stored Partner Center refresh token cannot be decrypted (TOKEN_ENCRYPTION_KEY '
                    'or, without it, PARTNER_CENTER_CLIENT_SECRET changed since it was stored): using '
                    'PARTNER_CENTER_REFRESH_TOKEN as configured',
                )
            return None
        return HeldToken(token, SOURCE_RENEWED, record.version)
