"""The extension's variables (the public contract's table), parsed once into typed settings.

Connect hands variables over as a dict of strings; :meth:`Settings.from_config` turns that into
values with defaults, so nothing else in the code reads raw variables. Two more inputs are read here
and only here: ``PARTNER_CENTER_CA_BUNDLE`` (``LOCAL_VARIABLES``: the sandbox's local CA, never
declared to Connect), and the runner's own environment: ``SCHEDULED_TASK_MAX_EXECUTION_TIME``
(:func:`scheduled_task_seconds`) and whether it started this process (:func:`started_by_runner`).
"""
import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Mapping, Optional, Tuple

from connect_ext import redaction


DEFAULT_API_URL = 'https://api.partnercenter.microsoft.com'
DEFAULT_LOGIN_URL = 'https://login.microsoftonline.com'
DEFAULT_DATABASE_URL = 'sqlite:///overage_manager.sqlite3'
DEFAULT_MARKER = 'OVG'
DEFAULT_TENANT_ID_PARAMS = 'ms_customer_id,microsoft_tenant_id'
DEFAULT_RESELLER_MPN_PARAM = 'tier1_mpn'
DEFAULT_BLOCKED_COUNTRIES = 'CN,CU,IR,KP,RU'
DEFAULT_SYNC_RATE_SHARE = 0.95
DEFAULT_PEOPLE_RATE_SHARE = 0.2
# Past this, the background (confirmations, order notes, the sync) would be left almost nothing.
MAX_PEOPLE_RATE_SHARE = 0.9
DEFAULT_CONFIRM_WITHIN_MINUTES = 60.0
# A week: a change Microsoft has not shown in that long is not going to show.
MAX_CONFIRM_WITHIN_MINUTES = 7 * 24 * 60.0
DEFAULT_HANDOVER_DAYS = 30
# A year: a handover the other partner has not released in that long is a new conversation.
MAX_HANDOVER_DAYS = 365

# name -> (secure, initial value, description): the @variables declaration is built from this.
VARIABLES: Dict[str, Tuple[bool, str, str]] = {
    'PARTNER_CENTER_API_URL': (False, DEFAULT_API_URL, 'Partner Center base URL'),
    'PARTNER_CENTER_LOGIN_URL': (False, DEFAULT_LOGIN_URL, 'Token authority (Microsoft Entra ID)'),
    'PARTNER_CENTER_TENANT_ID': (False, '', "The distributor's own Microsoft tenant id"),
    'PARTNER_CENTER_CLIENT_ID': (False, '', 'Application (client) id registered for Partner Center'),
    'PARTNER_CENTER_CLIENT_SECRET': (True, '', 'Application secret'),
    'PARTNER_CENTER_REFRESH_TOKEN': (
        True, '', 'App+User refresh token of an Admin Agent; without it, app-only access is used',
    ),
    'TOKEN_ENCRYPTION_KEY': (
        True, '', 'Key that encrypts the renewed refresh token in the store (a Fernet key or any '
                  'passphrase; empty: derived from the client secret)',
    ),
    'DATABASE_URL': (True, DEFAULT_DATABASE_URL, 'SQLAlchemy URL of the store (SQLite or PostgreSQL)'),
    'OVERAGE_SKU_MARKER': (False, DEFAULT_MARKER, 'The name token that marks overage items'),
    'TENANT_ID_PARAMS': (
        False, DEFAULT_TENANT_ID_PARAMS, 'Asset parameters holding the Microsoft tenant id, in order',
    ),
    'RESELLER_MPN_PARAM': (
        False, DEFAULT_RESELLER_MPN_PARAM, "Tier-1 parameter holding the reseller's partner id",
    ),
    'BLOCKED_COUNTRIES': (
        False, DEFAULT_BLOCKED_COUNTRIES, 'ISO country codes whose customers cannot get overage',
    ),
    'OVERAGE_WEBHOOK_URL': (False, '', 'Where signed change notifications are POSTed (empty: none)'),
    'OVERAGE_WEBHOOK_SECRET': (True, '', 'HMAC-SHA256 key of the webhook signature'),
    'CUSTOMERS_MAY_CHANGE': (
        False, 'false', 'Whether customers may change their own overage on their home page (true/false)',
    ),
    'PRODUCT_IDS': (False, '', 'Products whose OVG items GET /items lists (comma-separated; empty: all)'),
    'SYNC_RATE_SHARE': (
        False, '0.95', "Share of what PEOPLE_RATE_SHARE leaves of Partner Center's rate limit that the "
                       'scheduled sync may use',
    ),
    'PEOPLE_RATE_SHARE': (
        False, '0.2', "Share of Partner Center's rate limit kept for people (page opens, changes), "
                      'never taken by the events or the sync',
    ),
    'MANAGE_OVERAGE_BASE_URL': (
        False, '', 'https URL of a Manage Overage page that opens for the reader of an order note '
                   '(e.g. the Overage module in the Connect portal); empty: notes carry no link',
    ),
    'ORDER_NOTES_VISIBILITY': (
        False, 'private', "Order notes as Connect 'private' messages (only the distributor's account "
                          "reads them) or 'message' (every account on the request, vendor included)",
    ),
    'STORE_IS_DURABLE': (
        False, 'false', 'Say true when a SQLite DATABASE_URL is on a volume that survives restarts',
    ),
    'CONFIRM_WITHIN_MINUTES': (
        False, '60', 'Minutes a change Microsoft accepted but does not show yet is re-read in the '
                     'background before it counts as not confirmed',
    ),
    'HANDOVER_DAYS': (
        False, str(DEFAULT_HANDOVER_DAYS), 'Days a handover request waits for the partner that holds '
                                           "the customer's overage to release it",
    ),
    'OVERAGE_RESOURCE_GROUP': (
        False, '', 'JSON {"location": "<Azure region>", "tags": {"name": "value"}} sent as '
                   'azureResourceGroup when Microsoft creates an Azure subscription (empty: none)',
    ),
}

# Read by Settings but not declared to Connect: a distributor never sets them.
LOCAL_VARIABLES: Dict[str, str] = {
    'PARTNER_CENTER_CA_BUNDLE': 'A CA bundle to trust for Partner Center (the sandbox\'s local CA); '
                                'empty: the system\'s',
}

# The runner's limit on one scheduled task (seconds), from its environment, and its default.
RUNNER_SCHEDULED_LIMIT_VARIABLE = 'SCHEDULED_TASK_MAX_EXECUTION_TIME'
RUNNER_SCHEDULED_LIMIT_DEFAULT = 43200.0


_TRUE = frozenset({'true', 'yes', '1', 'on'})


def _csv(value: Optional[str]) -> Tuple[str, ...]:
    return tuple(part.strip() for part in (value or '').split(',') if part.strip())


def _minutes(value: str) -> float:
    """A number of minutes in (0, a week]; anything else is the default."""
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        return DEFAULT_CONFIRM_WITHIN_MINUTES
    if not 0 < minutes <= MAX_CONFIRM_WITHIN_MINUTES:  # NaN fails this too
        return DEFAULT_CONFIRM_WITHIN_MINUTES
    return minutes


def _handover_days(value: str) -> int:
    """A whole number of days in [1, a year]; anything else is the default."""
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_HANDOVER_DAYS
    return days if 1 <= days <= MAX_HANDOVER_DAYS else DEFAULT_HANDOVER_DAYS


NOTES_VISIBILITIES = ('private', 'message')
# https://host[:port] and an optional path/query, no blanks (urllib would make config do I/O-ish imports).
_HTTPS_URL = re.compile(r'https://[^/?#\s]+(?:[/?#]\S*)?')


def _notes_visibility(value: str) -> str:
    """Connect's message type for order notes: ``private`` (the default) or ``message``."""
    value = (value or '').strip().lower()
    return value if value in NOTES_VISIBILITIES else NOTES_VISIBILITIES[0]


def _https_url(value: str) -> str:
    """An absolute ``https`` URL, or '' (a relative or plain-http link is dead in Connect's portal,
    and a link must never lead a reader to a page without Connect's sign-in)."""
    value = (value or '').strip()
    return value if _HTTPS_URL.fullmatch(value) else ''


def _share(value: str) -> float:
    """A share of a limit: a number in (0, 1]; anything else is the default."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return DEFAULT_SYNC_RATE_SHARE
    if not 0 < share <= 1:  # NaN fails this too
        return DEFAULT_SYNC_RATE_SHARE
    return share


_AZURE_LOCATION = re.compile(r'[a-z0-9]{1,40}')


def _resource_group(value: str) -> str:
    """``OVERAGE_RESOURCE_GROUP``: a JSON object with an Azure ``location`` and/or ``tags`` (text
    names to text values), as canonical JSON; anything else (not JSON, other keys, wrong types) is
    '': nothing is sent."""
    try:
        group = json.loads(value) if (value or '').strip() else None
    except ValueError:
        return ''
    if not isinstance(group, dict) or not group or set(group) - {'location', 'tags'}:
        return ''
    location, tags = group.get('location'), group.get('tags')
    if location is not None and not (isinstance(location, str) and _AZURE_LOCATION.fullmatch(location)):
        return ''
    texts = isinstance(tags, dict) and all(
        isinstance(name, str) and name and isinstance(text, str) for name, text in tags.items()
    )
    if tags is not None and not texts:
        return ''
    chosen = {name: part for name, part in (('location', location), ('tags', tags)) if part is not None}
    return json.dumps(chosen, sort_keys=True, separators=(',', ':'))


def _people_share(value: str) -> float:
    """The people's share of the limit: a number in [0, 0.9]; anything else is the default."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        return DEFAULT_PEOPLE_RATE_SHARE
    if not 0 <= share <= MAX_PEOPLE_RATE_SHARE:  # NaN fails this too
        return DEFAULT_PEOPLE_RATE_SHARE
    return share


# The runner cannot start without them (it connects to Connect with them); the sandbox never sets them.
RUNNER_IDENTITY_VARIABLES = ('API_KEY', 'ENVIRONMENT_ID')


def started_by_runner(environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether Connect's runner started this process: its environment names the Connect
    environment and the key it connects with (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    return all(str(environ.get(name) or '').strip() for name in RUNNER_IDENTITY_VARIABLES)


def scheduled_task_seconds(environ: Optional[Mapping[str, str]] = None) -> float:
    """The runner's limit on one scheduled task, in seconds (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    try:
        limit = float(environ.get(RUNNER_SCHEDULED_LIMIT_VARIABLE) or RUNNER_SCHEDULED_LIMIT_DEFAULT)
    except ValueError:
        return RUNNER_SCHEDULED_LIMIT_DEFAULT
    return limit if math.isfinite(limit) and limit > 0 else RUNNER_SCHEDULED_LIMIT_DEFAULT


@dataclass(frozen=True)
class PartnerCenterSettings:
    api_url: str = DEFAULT_API_URL
    login_url: str = DEFAULT_LOGIN_URL
    tenant_id: str = ''
    client_id: str = ''
    client_secret: str = field(default='', repr=False)
    refresh_token: str = field(default='', repr=False)
    # A CA bundle path to trust (the sandbox's local CA); None trusts the system's.
    ca_bundle: Optional[str] = None
    locale: str = 'en-US'
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    retry_budget_seconds: float = 60.0

    @property
    def app_plus_user(self) -> bool:
        return bool(self.refresh_token)


@dataclass(frozen=True)
class Settings:
    partner_center: PartnerCenterSettings = field(default_factory=PartnerCenterSettings)
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    sku_marker: str = DEFAULT_MARKER
    tenant_id_params: Tuple[str, ...] = _csv(DEFAULT_TENANT_ID_PARAMS)
    reseller_mpn_param: str = DEFAULT_RESELLER_MPN_PARAM
    blocked_countries: FrozenSet[str] = frozenset(_csv(DEFAULT_BLOCKED_COUNTRIES))
    webhook_url: str = ''
    webhook_secret: str = field(default='', repr=False)
    customers_may_change: bool = False
    # The products GET /items lists; empty: every product the caller's account sees.
    product_ids: Tuple[str, ...] = ()
    # The share of Partner Center's rate limit the scheduled sync may use, in (0, 1].
    sync_rate_share: float = DEFAULT_SYNC_RATE_SHARE
    # The share of Partner Center's rate limit kept for people, in [0, 0.9].
    people_rate_share: float = DEFAULT_PEOPLE_RATE_SHARE
    # Public base URL of the pages, for the Manage Overage link in order notes ('' = relative).
    pages_url: str = ''
    notes_visibility: str = 'private'
    # The administrator says a SQLite store is on a volume that survives restarts.
    store_is_durable: bool = False
    # Encrypts the renewed refresh token in the store ('' = derived from the client secret).
    token_encryption_key: str = field(default='', repr=False)
    # How long a change Microsoft accepted but did not show yet is re-read in the background.
    confirm_within_minutes: float = DEFAULT_CONFIRM_WITHIN_MINUTES
    # Sent as azureResourceGroup when Microsoft creates an Azure subscription: canonical JSON of a
    # valid OVERAGE_RESOURCE_GROUP ('' : not sent); :attr:`resource_group` is its object.
    overage_resource_group: str = ''
    # How long a handover request waits for the partner that holds the overage (HANDOVER_DAYS).
    handover_days: int = DEFAULT_HANDOVER_DAYS

    @property
    def resource_group(self) -> Optional[Dict[str, object]]:
        return json.loads(self.overage_resource_group) if self.overage_resource_group else None

    @classmethod
    def from_config(cls, config: Optional[Mapping[str, str]]) -> 'Settings':
        """Settings from Connect's variables; a missing or blank variable takes its default.

        The value of every secure variable (and the password of ``DATABASE_URL``) becomes a secret
        of the process-wide redaction (:func:`connect_ext.redaction.remember`): no upstream text
        quoting one can leave the process.
        """
        config = config or {}
        redaction.remember(*secure_values(config))

        def get(name: str) -> str:
            value = config.get(name)
            value = value.strip() if isinstance(value, str) else value
            return value if value else VARIABLES[name][1]

        partner_center = PartnerCenterSettings(
            api_url=get('PARTNER_CENTER_API_URL').rstrip('/'),
            login_url=get('PARTNER_CENTER_LOGIN_URL').rstrip('/'),
            tenant_id=get('PARTNER_CENTER_TENANT_ID'),
            client_id=get('PARTNER_CENTER_CLIENT_ID'),
            client_secret=get('PARTNER_CENTER_CLIENT_SECRET'),
            refresh_token=get('PARTNER_CENTER_REFRESH_TOKEN'),
            ca_bundle=(str(config.get('PARTNER_CENTER_CA_BUNDLE') or '').strip() or None),
        )
        return cls(
            partner_center=partner_center,
            database_url=get('DATABASE_URL'),
            sku_marker=get('OVERAGE_SKU_MARKER'),
            tenant_id_params=_csv(get('TENANT_ID_PARAMS')),
            reseller_mpn_param=get('RESELLER_MPN_PARAM'),
            blocked_countries=frozenset(code.upper() for code in _csv(get('BLOCKED_COUNTRIES'))),
            webhook_url=get('OVERAGE_WEBHOOK_URL'),
            webhook_secret=get('OVERAGE_WEBHOOK_SECRET'),
            customers_may_change=get('CUSTOMERS_MAY_CHANGE').lower() in _TRUE,
            product_ids=_csv(get('PRODUCT_IDS')),
            sync_rate_share=_share(get('SYNC_RATE_SHARE')),
            people_rate_share=_people_share(get('PEOPLE_RATE_SHARE')),
            pages_url=_https_url(get('MANAGE_OVERAGE_BASE_URL')),
            notes_visibility=_notes_visibility(get('ORDER_NOTES_VISIBILITY')),
            store_is_durable=get('STORE_IS_DURABLE').lower() in _TRUE,
            token_encryption_key=get('TOKEN_ENCRYPTION_KEY'),
            confirm_within_minutes=_minutes(get('CONFIRM_WITHIN_MINUTES')),
            overage_resource_group=_resource_group(get('OVERAGE_RESOURCE_GROUP')),
            handover_days=_handover_days(get('HANDOVER_DAYS')),
        )


_URL_PASSWORD = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*://[^:/@]*:([^@/]+)@')


def secure_values(config: Mapping[str, str]):
    """The values of the secure variables in ``config``; of ``DATABASE_URL``, its password (the
    rest of it names the store, which the settings page shows)."""
    for name, (secure, _initial, _description) in VARIABLES.items():
        value = config.get(name)
        if not secure or not isinstance(value, str) or not value.strip():
            continue
        if name == 'DATABASE_URL':
            password = _URL_PASSWORD.match(value.strip())
            if password:
                yield password.group(1)
        else:
            yield value.strip()


def variables_declaration():
    """The list ``@variables`` takes: string initial values, secure ones marked."""
    return [
        {'name': name, 'initial_value': initial, 'secure': secure}
        for name, (secure, initial, _description) in VARIABLES.items()
    ]
