"""Access tokens for Partner Center, obtained with Microsoft's MSAL and cached until near expiry.

Two modes, chosen by the settings:

- **App+User** (a refresh token is configured): the refresh-token grant for the delegated
  ``user_impersonation`` scope, as Microsoft's secure application model prescribes; the newest
  refresh token MSAL returns replaces the one used, and, given a
  :class:`~connect_ext.partner_center.refresh_tokens.RefreshTokenKeeper` (``wiring`` gives one),
  is kept in the store so that a restart starts from it. When Entra refuses the token held
  (``invalid_grant``), the keeper's alternatives are tried once each: the stored one (another
  replica renewed it), then the configured one;
- **app-only** (no refresh token): the client-credentials grant for ``.default``.

The scope always names the real Partner Center resource, even when ``api_url`` points to a
simulator: the token authority, not the API host, decides what the token is for.

MSAL talks HTTP through :class:`MsalHttpAdapter`, which passes ``verify`` and time-outs on every
request: ``requests`` lets ``REQUESTS_CA_BUNDLE`` override a session's own ``verify``, which
would break the sandbox's local CA (MSAL only accepts https authorities).

No token, secret or refresh token is ever logged or put into an error message: Entra's words are
redacted (:mod:`connect_ext.redaction`) with the secrets of the grant, and every token obtained is
remembered there, so a later echo of it anywhere is redacted too.
"""
import logging
import re
import threading
import time
from typing import Any, Callable, Dict, Iterable, Optional, Protocol, Tuple, Union

import msal
import requests

from connect_ext import redaction
from connect_ext.config import PartnerCenterSettings
from connect_ext.partner_center.errors import AUTH, TIMEOUT, UNAVAILABLE, PartnerCenterError
from connect_ext.partner_center.refresh_tokens import HeldToken, RefreshTokenKeeper


PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com'
APP_ONLY_SCOPES = [f'{PARTNER_CENTER_RESOURCE}/.default']
APP_PLUS_USER_SCOPES = [f'{PARTNER_CENTER_RESOURCE}/user_impersonation']
MODE_APP_PLUS_USER = 'app+user'
MODE_APP_ONLY = 'app-only'

REFRESH_MARGIN_SECONDS = 300.0
# When the authority does not say how long a token lives, assume a short life.
DEFAULT_EXPIRES_IN_SECONDS = 300.0
MAX_DESCRIPTION_CHARS = 300
REDACTED = redaction.REDACTED
# Entra's (RFC 6749's) error for a refresh token it no longer accepts: expired, revoked, unknown.
INVALID_GRANT = 'invalid_grant'

_TENANT = re.compile(r'[A-Za-z0-9][A-Za-z0-9.\-]*')


class TokenProvider(Protocol):
    """What :class:`~connect_ext.partner_center.client.PartnerCenterClient` needs for tokens
    (a structural type: tests pass any object with these two methods)."""

    def get_token(self) -> str:
        """A valid access token (cached or new); raises PartnerCenterError(kind='auth'...)."""

    def invalidate(self) -> None:
        """Forget the cached token: Partner Center rejected it."""


def mode_of(settings: PartnerCenterSettings) -> str:
    """``app+user`` when a refresh token is configured, else ``app-only``."""
    return MODE_APP_PLUS_USER if settings.app_plus_user else MODE_APP_ONLY


class MsalHttpAdapter:
    """The ``http_client`` MSAL calls: our session, with ``verify`` and time-outs per request."""

    def __init__(
        self,
        session: requests.Session,
        *,
        verify: Union[bool, str],
        timeout: Tuple[float, float],
    ):
        self._session = session
        self._verify = verify
        self._timeout = timeout

    def _options(self, kwargs: Dict[str, Any]) -> Dict[str, Any]:
        options = dict(kwargs)
        options['verify'] = self._verify
        options.setdefault('timeout', self._timeout)
        return options

    def get(
        self, url: str, params: Any = None, headers: Any = None, **kwargs: Any,
    ) -> requests.Response:
        return self._session.get(url, params=params, headers=headers, **self._options(kwargs))

    def post(
        self,
        url: str,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        headers: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        return self._session.post(
            url, params=params, data=data, json=json, headers=headers, **self._options(kwargs),
        )

    def close(self) -> None:
        """MSAL may close its client; the session belongs to the Partner Center client."""


def describe_msal_error(result: Dict[str, Any], secrets: Iterable[str]) -> str:
    """A short, safe description of MSAL's error dict: ``error``, then the first line of
    ``error_description`` (Entra's "AADSTS…" text), with any secret scrubbed out."""
    error = str(result.get('error') or 'unknown_error')
    detail = str(result.get('error_description') or '').strip().splitlines()
    text = f'{error}: {detail[0].strip()}' if detail else error
    text = redaction.redact_text(text, secrets)
    if len(text) > MAX_DESCRIPTION_CHARS:
        text = text[: MAX_DESCRIPTION_CHARS - 1] + '…'
    return f'token request refused ({text})'


def refresh_time(obtained_at: float, expires_in: float, margin: float) -> float:
    """When to stop using a token: ``margin`` before expiry, but never before half its life
    (a short-lived token from a test authority would otherwise never be reused)."""
    return obtained_at + max(expires_in - margin, expires_in / 2)


def _expires_in(result: Dict[str, Any]) -> float:
    try:
        seconds = float(result.get('expires_in'))
    except (TypeError, ValueError):
        return DEFAULT_EXPIRES_IN_SECONDS
    return seconds if seconds > 0 else DEFAULT_EXPIRES_IN_SECONDS


def _transport_error(error: requests.RequestException, what: str) -> PartnerCenterError:
    if isinstance(error, requests.Timeout):
        return PartnerCenterError(
            TIMEOUT, description=f'the token authority did not answer in time ({what})',
        )
    return PartnerCenterError(
        UNAVAILABLE,
        description=f'could not reach the token authority ({what}: {type(error).__name__})',
    )


class MsalTokenProvider:
    """Partner Center access tokens from MSAL, cached until ``refresh_margin_seconds`` before
    they expire (``clock`` is injected so tests move time instead of waiting)."""

    def __init__(
        self,
        settings: PartnerCenterSettings,
        *,
        clock: Callable[[], float] = time.time,
        session: Optional[requests.Session] = None,
        refresh_margin_seconds: float = REFRESH_MARGIN_SECONDS,
        logger: Optional[logging.Logger] = None,
        refresh_tokens: Optional[RefreshTokenKeeper] = None,
    ):
        self._settings = settings
        self._clock = clock
        self._session = session or requests.Session()
        self._margin = refresh_margin_seconds
        self._log = logger or logging.getLogger(__name__)
        self._lock = threading.Lock()
        self._keeper = refresh_tokens if settings.app_plus_user else None
        # The refresh token in use (App+User): taken from the keeper on first use.
        self._held: Optional[HeldToken] = None
        # Every refresh token the last grant sent (redacted from any description).
        self._tried: Tuple[str, ...] = ()
        self._app: Optional[msal.ConfidentialClientApplication] = None
        self._token: Optional[str] = None
        self._refresh_at = 0.0

    @property
    def mode(self) -> str:
        return mode_of(self._settings)

    def get_token(self) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            obtained_at = self._clock()
            result = self._acquire()
            self._token = result['access_token']
            redaction.remember(self._token, result.get('refresh_token'))
            expires_in = _expires_in(result)
            self._refresh_at = refresh_time(obtained_at, expires_in, self._margin)
            self._log.info(
                'Obtained a Partner Center access token (%s), valid for %d s',
                self.mode, expires_in,
            )
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None
            self._refresh_at = 0.0

    # -- internals -------------------------------------------------------------------------

    def _secrets(self) -> Tuple[str, ...]:
        return (self._settings.client_secret, self._settings.refresh_token, *self._tried)

    def _check_settings(self) -> None:
        missing = [
            name
            for name, value in (
                ('PARTNER_CENTER_TENANT_ID', self._settings.tenant_id),
                ('PARTNER_CENTER_CLIENT_ID', self._settings.client_id),
                ('PARTNER_CENTER_CLIENT_SECRET', self._settings.client_secret),
            )
            if not value
        ]
        if missing:
            raise PartnerCenterError(AUTH, description=f'not configured: {", ".join(missing)}')
        if not _TENANT.fullmatch(self._settings.tenant_id):
            raise PartnerCenterError(
                AUTH, description='PARTNER_CENTER_TENANT_ID is not a tenant id or domain name',
            )

    def _application(self) -> msal.ConfidentialClientApplication:
        """MSAL's application, built on first use: building it fetches the authority's
        OpenID configuration, so a misconfigured or unreachable authority fails a call, not
        the extension's start."""
        if self._app is not None:
            return self._app
        self._check_settings()
        settings = self._settings
        redaction.remember(settings.client_secret, settings.refresh_token)
        authority = f'{settings.login_url.rstrip("/")}/{settings.tenant_id}'
        adapter = MsalHttpAdapter(
            self._session,
            verify=settings.ca_bundle or True,
            timeout=(settings.connect_timeout, settings.read_timeout),
        )
        try:
            self._app = msal.ConfidentialClientApplication(
                settings.client_id,
                client_credential=settings.client_secret,
                authority=authority,
                http_client=adapter,
                instance_discovery=False,
            )
        except requests.RequestException as error:
            raise _transport_error(error, 'discovery') from None
        except (ValueError, RuntimeError, msal.exceptions.MsalError):
            # MSAL's message may quote the authority's whole answer; ours names the authority.
            raise PartnerCenterError(
                AUTH, description=f'the token authority {authority} could not be discovered',
            ) from None
        return self._app

    def _forget_msal_tokens(self, app: msal.ConfidentialClientApplication) -> None:
        """MSAL would answer the client-credentials grant from its own cache; when we ask, we
        want a new token (ours expired or Partner Center rejected it)."""
        cache = app.token_cache
        for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(entry)

    def _acquire(self) -> Dict[str, Any]:
        app = self._application()
        self._forget_msal_tokens(app)
        if self._settings.app_plus_user:
            result = self._user_grant(app)
        else:
            result = self._request(lambda: app.acquire_token_for_client(scopes=APP_ONLY_SCOPES))
        if not result.get('access_token'):
            error = PartnerCenterError(
                AUTH,
                code=result.get('error'),
                description=describe_msal_error(result, self._secrets()),
                correlation_id=result.get('correlation_id'),
            )
            self._log.warning(
                'Partner Center token request failed (%s): %s', self.mode, error.description,
            )
            raise error
        return result

    def _user_grant(self, app: msal.ConfidentialClientApplication) -> Dict[str, Any]:
        """The refresh-token grant with the token held; on ``invalid_grant`` the keeper's
        alternatives, once each. The token Entra hands back replaces the one used."""
        if self._held is None:
            self._held = (self._keeper.current() if self._keeper is not None
                          else HeldToken(self._settings.refresh_token))
        self._tried = ()
        result = self._refresh_grant(app, self._held)
        if result.get('error') == INVALID_GRANT and self._keeper is not None:
            for other in self._keeper.alternatives(self._held):
                self._log.info(
                    'Entra refused the Partner Center refresh token in use; trying the %s one',
                    other.source,
                )
                self._held = other
                result = self._refresh_grant(app, other)
                if result.get('error') != INVALID_GRANT:
                    break
        if result.get('access_token'):
            rotated = result.get('refresh_token')
            if isinstance(rotated, str) and rotated and rotated != self._held.token:
                self._held = (self._keeper.renewed(rotated) if self._keeper is not None
                              else HeldToken(rotated, self._held.source))
            elif self._keeper is not None:
                self._keeper.used()
        return result

    def _refresh_grant(self, app: msal.ConfidentialClientApplication, held: HeldToken) -> Dict[str, Any]:
        self._tried = (*self._tried, held.token)
        redaction.remember(held.token)
        return self._request(
            lambda: app.acquire_token_by_refresh_token(held.token, scopes=APP_PLUS_USER_SCOPES),
        )

    def _request(self, grant: Callable[[], Any]) -> Dict[str, Any]:
        """MSAL's answer to one token request (a dict), its failures as PartnerCenterError."""
        try:
            result = grant()
        except requests.RequestException as error:
            raise _transport_error(error, 'token request') from None
        except msal.exceptions.MsalServiceError:
            # MSAL raises it for a 5xx from the token endpoint.
            raise PartnerCenterError(
                UNAVAILABLE, description='the token authority failed (HTTP 5xx)',
            ) from None
        except (ValueError, RuntimeError, msal.exceptions.MsalError):
            raise PartnerCenterError(
                AUTH, description='the token authority sent an answer that is not a token',
            ) from None
        return result if isinstance(result, dict) else {}
