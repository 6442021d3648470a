"""The simulated Microsoft world: partners, customers, subscriptions and Microsoft's overage rules.

The HTTP layer (``app.py``) only renders what this module decides, so every rule here is plain
Python that the tests can also call directly. Everything is guarded by one re-entrant lock:
uvicorn serves requests while the test thread edits the world.

Rules follow ``partner-center.md`` (sections 1-3) and, where Microsoft documents nothing, pick the
strictest reading and say so in the docstring (e.g. an entitlement under *another* partner's Azure
plan is "not found" for the caller).
"""
import argparse
import copy
import math
import random
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Set, Tuple, Union


# Ids the world derives itself (see World._derived_id) live in this namespace.
_ID_NAMESPACE = uuid.UUID('7d3c1a52-5f0e-4b8e-9a57-0c0e0a5e1d00')


AZURE_PLAN_PRODUCT_ID = 'DZH318Z0BPS6'
AZURE_PLAN_OFFER_ID = 'DZH318Z0BPS6:0001:DZH318Z0BML6'
# The Azure subscription Microsoft creates when overage is enabled without one (docs/conformance.md
# PC-80, PC-81), and the Microsoft Customer Agreement a new Azure plan needs (PC-83..PC-87): its
# type and the template id Microsoft's agreement metadata names (a public MCA template id).
CREATED_SUBSCRIPTION_NAME = 'Subscription 1'
MCA_TYPE = 'MicrosoftCustomerAgreement'
MCA_TEMPLATE_ID = '117a77b0-9360-443b-8795-c6dedc750cf9'
MCA_TEMPLATE_LINK = 'https://aka.ms/customeragreement'
MCA_MISSING_CODE = 600065
MCA_MISSING_DESCRIPTION = 'The customer has not accepted the Microsoft Customer Agreement.'
LEGACY_AZURE_OFFER_ID = 'MS-AZR-0145P'
PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com'
OVERAGE_TYPE = 'PhoneServices'
DEFAULT_TOKEN_LIFETIME = 3599.0
# Entra's refresh tokens die 90 days after they were issued, however often they were used (the one
# used is replaced by a new one at every use); docs/conformance.md PC-50..PC-53.
DEFAULT_REFRESH_TOKEN_LIFETIME = 90 * 86400.0
# 401 for an App+User token without the MFA claim. The status and the code are Microsoft's
# (docs/conformance.md); the wording of the description is the simulator's own.
MFA_REQUIRED_CODE = 900421
MFA_REQUIRED_DESCRIPTION = ('Multifactor authentication is required: the access token carries no '
                            'MFA claim.')
# 403 for an app-only token on an App+User-only call: the status and the sentence are what
# Microsoft was reported to answer; the code is assumed (docs/conformance.md).
APP_PLUS_USER_ONLY_CODE = 900150
APP_PLUS_USER_ONLY_DESCRIPTION = "This resource can't be accessed by application credentials."
# Scopes are accepted for Partner Center itself and for the simulator's own (loopback) address.
KNOWN_RESOURCES = (PARTNER_CENTER_RESOURCE + '/', 'https://127.0.0.1', 'https://localhost')


class ApiError(Exception):
    """A Partner Center rejection: rendered as ``{code, description, data, source}``."""

    def __init__(self, status: int, code: Union[int, str], description: str,
                 data: Optional[List[Any]] = None, headers: Optional[Dict[str, str]] = None):
        super().__init__(f'{status} {code}: {description}')
        self.status = status
        self.code = code
        self.description = description
        self.data = list(data or [])
        self.headers = dict(headers or {})


class TokenError(Exception):
    """An Entra ID token endpoint rejection: ``{error, error_description: "AADSTS…", …}``."""

    def __init__(self, status: int, error: str, aadsts: int, message: str):
        super().__init__(f'{error} AADSTS{aadsts}: {message}')
        self.status = status
        self.error = error
        self.aadsts = aadsts
        self.message = message


@dataclass
class User:
    name: str
    admin_agent: bool
    # The refresh token came from a sign-in with multifactor authentication, so the access
    # tokens issued from it carry the MFA claim (``amr`` has ``mfa``).
    mfa: bool = True


@dataclass
class Partner:
    tenant_id: str
    mpn_id: str
    name: str
    country: str = 'US'
    apps: Dict[str, str] = field(default_factory=dict)  # client id -> secret
    users: Dict[str, User] = field(default_factory=dict)  # refresh token -> user
    revoked: Set[str] = field(default_factory=set)  # refresh tokens no longer accepted
    issued: Dict[str, float] = field(default_factory=dict)  # refresh token -> issued at (clock)
    resellers: Dict[str, str] = field(default_factory=dict)  # indirect reseller MPN id -> name


@dataclass
class Customer:
    tenant_id: str
    name: str
    domain: str
    country: str = 'US'
    qualifications: Tuple[str, ...] = ()
    # A legacy Azure subscription bought outside the partners this world models (800112 applies).
    legacy_azure: bool = False
    partners: Set[str] = field(default_factory=set)  # tenant ids of partners with a relationship
    # The partner-confirmed acceptances of agreements (Agreement resources, camelCase).
    agreements: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def mca_accepted(self) -> bool:
        return any(item.get('type') == MCA_TYPE for item in self.agreements)


@dataclass
class Subscription:
    id: str
    customer_id: str
    partner_id: str  # tenant id of the transacting partner
    offer_id: str
    name: str
    consumption_type: Optional[str] = None
    status: str = 'active'
    billing_type: str = 'license'
    reseller_mpn: Optional[str] = None
    quantity: int = 1
    term_duration: Optional[str] = 'P1Y'
    product_type: Tuple[str, str] = ('OnlineServicesNCE', 'OnlineServicesNCE')
    order_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # When reads show it (a subscription Microsoft creates shows after the lag; PC-82).
    visible_at: float = float('-inf')

    @property
    def is_active(self) -> bool:
        return self.status.lower() == 'active'

    @property
    def is_overage_capable(self) -> bool:
        return (self.consumption_type or '').lower() == 'overage'

    @property
    def is_azure_plan(self) -> bool:
        return self.offer_id.upper().startswith(AZURE_PLAN_PRODUCT_ID + ':')

    @property
    def is_legacy_azure(self) -> bool:
        return self.offer_id.upper().startswith('MS-AZR-')


@dataclass
class Entitlement:
    id: str
    customer_id: str
    plan_id: str
    name: str = 'Subscription 1'
    status: str = 'active'
    visible_at: float = float('-inf')
    # The azureResourceGroup the overage PUT that created it sent (location, tags).
    resource_group: Optional[Dict[str, Any]] = None


@dataclass(frozen=True)
class OverageState:
    """The customer's ``PhoneServices`` overage assignment; ``holder`` is the partner tenant."""

    azure_entitlement_id: str
    partner_id: str  # the MPN id Microsoft shows (an indirect reseller's or the holder's own)
    enabled: bool
    holder: Optional[str]


@dataclass
class Sku:
    product_id: str
    sku_id: str
    title: str
    description: str = ''
    consumption_type: Optional[str] = None
    countries: Optional[Tuple[str, ...]] = None  # None: sold everywhere


@dataclass(frozen=True)
class Caller:
    """Who an access token speaks for: app-only tokens have ``user`` None and count as allowed;
    ``mfa`` says an App+User token carries the MFA claim."""

    partner: str
    user: Optional[str]
    admin_agent: bool
    mfa: bool = True

    @property
    def app_only(self) -> bool:
        return self.user is None


@dataclass
class _Grant:
    caller: Caller
    expires_at: float


Ref = Union[str, Partner, Customer, Subscription, Entitlement]


def normalize_guid(value: Any) -> Optional[str]:
    """The lowercase canonical form of a GUID string, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _id(ref: Ref) -> str:
    for attribute in ('tenant_id', 'id'):
        value = getattr(ref, attribute, None)
        if value:
            return value
    return normalize_guid(ref) or str(ref)


# A propagation delay: seconds, or a range (low, high) from which each write draws its own.
Lag = Union[float, Tuple[float, float]]


def parse_lag(value: Any) -> Lag:
    """A propagation delay from a number of seconds (>= 0) or a pair ``[low, high]``; anything
    else is a ValueError saying what is expected."""
    def seconds(item: Any) -> float:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item) \
                or item < 0:
            raise ValueError('propagation_delay must be seconds (a number >= 0) or [low, high], '
                             f'not {value!r}')
        return float(item)

    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f'propagation_delay as a range is [low, high], not {value!r}')
        low, high = seconds(value[0]), seconds(value[1])
        if low > high:
            raise ValueError(f'propagation_delay [low, high] needs low <= high, not {value!r}')
        return (low, high)
    return seconds(value)


def lag_argument(text: str) -> Lag:
    """A command line's propagation delay, ``SECONDS`` or ``LOW,HIGH`` (argparse's ``type``)."""
    try:
        parts = [float(part) for part in text.split(',')]
        return parse_lag(parts[0] if len(parts) == 1 else parts)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _visible_state(entries: Iterable[Tuple[float, OverageState]],
                   now: float) -> Optional[OverageState]:
    visible = None
    for visible_at, state in entries:
        if visible_at <= now:
            visible = state
    return visible


class World:
    """Everything Microsoft knows, with a builder API for tests and Microsoft's rules for the app.

    ``clock`` (monotonic seconds) drives token expiry and the propagation delay, so tests can
    move time without sleeping. ``propagation_delay`` seconds pass before a written overage state
    shows in ``GET …/overage`` (the write itself and every rule see it at once): a number, or a
    range ``(low, high)`` from which each write draws its own lag (seeded by ``lag_seed``, so a
    run is repeatable), as Microsoft's lag varies (docs/conformance.md PC-60, PC-61). With
    ``enforce_mfa`` (the default, as Microsoft enforces it) an App+User token without the MFA
    claim gets 401 ``900421`` on every Partner Center call. A refresh token dies
    ``refresh_token_lifetime`` seconds after it was issued (``AADSTS700082``; 90 days, as Entra's),
    used or not; each use hands out a new one, and the one used keeps working until it dies, unless
    ``revoke_rotated_refresh_tokens`` (then it is refused at once, ``AADSTS50173``).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 propagation_delay: float = 0.0, token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
                 enforce_mfa: bool = True,
                 refresh_token_lifetime: float = DEFAULT_REFRESH_TOKEN_LIFETIME,
                 revoke_rotated_refresh_tokens: bool = False, lag_seed: int = 0):
        self.clock = clock
        self.lag_seed = lag_seed
        self._lag_random = random.Random(lag_seed)
        # Seconds a refresh token lives after it was issued (tests and the sandbox shorten it).
        self.refresh_token_lifetime = refresh_token_lifetime
        # Stricter than Entra documents: a refresh token is refused once it was used (rotated).
        self.revoke_rotated_refresh_tokens = revoke_rotated_refresh_tokens
        self.lock = threading.RLock()
        self.propagation_delay = propagation_delay
        self.token_lifetime = token_lifetime
        self.enforce_mfa = enforce_mfa
        self.partners: Dict[str, Partner] = {}
        self.customers: Dict[str, Customer] = {}
        self.subscriptions: Dict[str, Subscription] = {}
        self.entitlements: Dict[str, Entitlement] = {}
        self.skus: Dict[Tuple[str, str], Sku] = {}
        # customer -> [(visible_at, state)], in write order; the last entry is the true state.
        self.overage: Dict[str, List[Tuple[float, OverageState]]] = {}
        self._grants: Dict[str, _Grant] = {}
        self._answers: Dict[Tuple[str, str], Any] = {}
        self._baseline: Optional[Dict[str, Any]] = None

    @property
    def propagation_delay(self) -> Lag:
        """Seconds before a write shows in ``GET …/overage``, or the range each write draws from."""
        return self._propagation_delay

    @propagation_delay.setter
    def propagation_delay(self, value: Any) -> None:
        self._propagation_delay = parse_lag(value)

    def _next_lag(self) -> float:
        lag = self._propagation_delay
        return self._lag_random.uniform(*lag) if isinstance(lag, tuple) else lag

    # ------------------------------------------------------------------ builder
    def add_partner(self, tenant_id: str, mpn_id: str, name: str, *, admin_agent: bool = True,
                    client_id: Optional[str] = None, client_secret: Optional[str] = None,
                    refresh_token: Optional[str] = None,
                    refresh_tokens: Union[Mapping[str, bool], Iterable[str], None] = None,
                    country: str = 'US') -> Partner:
        """A CSP partner tenant; ``refresh_tokens`` maps each token to "its user is Admin Agent"
        (a plain list of tokens takes ``admin_agent``)."""
        with self.lock:
            partner = Partner(_id(tenant_id), str(mpn_id), name, country=country.upper())
            self.partners[partner.tenant_id] = partner
            if client_id:
                self.add_app(partner, client_id, client_secret or '')
            tokens: Dict[str, bool] = {}
            if refresh_token:
                tokens[refresh_token] = admin_agent
            if isinstance(refresh_tokens, Mapping):
                tokens.update(refresh_tokens)
            elif refresh_tokens:
                tokens.update((token, admin_agent) for token in refresh_tokens)
            for token, is_admin in tokens.items():
                self.add_user(partner, token, admin_agent=is_admin)
            return partner

    def add_app(self, partner: Ref, client_id: str, client_secret: str) -> None:
        with self.lock:
            self._partner(partner).apps[client_id] = client_secret

    def add_user(self, partner: Ref, refresh_token: str, *, admin_agent: bool = True,
                 name: Optional[str] = None, mfa: bool = True) -> User:
        """A user of ``partner`` whose consent gave ``refresh_token`` (``mfa``: signed in with MFA)."""
        with self.lock:
            owner = self._partner(partner)
            role = 'admin' if admin_agent else 'sales'
            user = User(name or f'{role}{len(owner.users) + 1}@{owner.mpn_id}.example', admin_agent,
                        mfa)
            owner.users[refresh_token] = user
            owner.issued[refresh_token] = self.clock()
            return user

    def add_reseller(self, partner: Ref, mpn_id: str, name: str = '') -> None:
        """An indirect reseller of ``partner`` whose MPN id may go into ``partnerId``."""
        with self.lock:
            self._partner(partner).resellers[str(mpn_id)] = name or f'Reseller {mpn_id}'

    def add_customer(self, tenant_id: str, name: str, *, country: str = 'US',
                     qualifications: Iterable[str] = (), legacy_azure: bool = False,
                     domain: Optional[str] = None) -> Customer:
        with self.lock:
            slug = ''.join(ch for ch in name.lower() if ch.isalnum())[:24] or 'customer'
            customer = Customer(
                _id(tenant_id), name, domain or f'{slug}.onmicrosoft.com', country.upper(),
                tuple(qualifications), legacy_azure,
            )
            self.customers[customer.tenant_id] = customer
            return customer

    def add_relationship(self, partner: Ref, customer: Ref) -> None:
        with self.lock:
            self._customer(customer).partners.add(self._partner(partner).tenant_id)

    def add_subscription(self, customer: Ref, partner: Ref, offer_id: str, name: str, *,
                         consumption_type: Optional[str] = None, status: str = 'active',
                         billing_type: str = 'license', reseller_mpn: Optional[str] = None,
                         quantity: int = 1, term_duration: Optional[str] = 'P1Y',
                         product_type: Tuple[str, str] = ('OnlineServicesNCE', 'OnlineServicesNCE'),
                         subscription_id: Optional[str] = None) -> Subscription:
        """A subscription ``partner`` sold (selling implies a relationship with the customer)."""
        with self.lock:
            owner, buyer = self._partner(partner), self._customer(customer)
            subscription = Subscription(
                _id(subscription_id) if subscription_id
                else self._derived_id('subscription', buyer.tenant_id, self.subscriptions),
                buyer.tenant_id,
                owner.tenant_id, offer_id, name, consumption_type, status, billing_type,
                str(reseller_mpn) if reseller_mpn else None, quantity, term_duration, product_type,
            )
            self.subscriptions[subscription.id] = subscription
            buyer.partners.add(owner.tenant_id)
            if reseller_mpn:
                owner.resellers.setdefault(str(reseller_mpn), f'Reseller {reseller_mpn}')
            return subscription

    @staticmethod
    def _derived_id(kind: str, owner: str, existing: Dict[str, Any]) -> str:
        """A GUID derived from what is built (not random), so a seeded world has the same ids at
        every start and docs, tests and bookmarks can name them."""
        for n in range(len(existing) + 1):
            candidate = str(uuid.uuid5(_ID_NAMESPACE, f'{kind}:{owner}:{n}'))
            if candidate not in existing:
                return candidate
        raise AssertionError('unreachable: one of len(existing)+1 candidates is free')

    def add_azure_plan(self, customer: Ref, partner: Ref, *, status: str = 'active',
                       reseller_mpn: Optional[str] = None, subscription_id: Optional[str] = None,
                       name: str = 'Microsoft Azure plan',
                       offer_id: str = AZURE_PLAN_OFFER_ID) -> Subscription:
        return self.add_subscription(
            customer, partner, offer_id, name, status=status, billing_type='usage',
            reseller_mpn=reseller_mpn, term_duration=None, product_type=('Azure', 'Azure'),
            subscription_id=subscription_id,
        )

    def add_legacy_azure(self, customer: Ref, partner: Ref, *, status: str = 'active',
                         subscription_id: Optional[str] = None) -> Subscription:
        return self.add_subscription(
            customer, partner, LEGACY_AZURE_OFFER_ID, 'Microsoft Azure', status=status,
            billing_type='usage', term_duration=None, product_type=('Azure', 'Azure'),
            subscription_id=subscription_id,
        )

    def add_entitlement(self, customer: Ref, plan_subscription: Ref, *,
                        name: str = 'Subscription 1', status: str = 'active',
                        entitlement_id: Optional[str] = None) -> Entitlement:
        """An Azure subscription under a plan; its id is what ``azureEntitlementId`` holds."""
        with self.lock:
            plan = self._subscription(plan_subscription)
            entitlement = Entitlement(
                _id(entitlement_id) if entitlement_id
                else self._derived_id('entitlement', plan.id, self.entitlements),
                self._customer(customer).tenant_id, plan.id, name, status,
            )
            self.entitlements[entitlement.id] = entitlement
            return entitlement

    def add_sku(self, product_id: str, sku_id: str, title: str, *, description: str = '',
                consumption_type: Optional[str] = None,
                countries: Optional[Iterable[str]] = None) -> Sku:
        with self.lock:
            sku = Sku(product_id.upper(), sku_id, title, description, consumption_type,
                      tuple(c.upper() for c in countries) if countries else None)
            self.skus[(sku.product_id, sku.sku_id)] = sku
            return sku

    def set_overage(self, customer: Ref, partner: Ref, entitlement: Ref, enabled: bool = True,
                    partner_id: Optional[str] = None) -> OverageState:
        """Set the state as if ``partner`` had done it long ago (visible at once)."""
        with self.lock:
            holder = self._partner(partner)
            state = OverageState(_id(entitlement), str(partner_id or holder.mpn_id), enabled,
                                 holder.tenant_id if enabled else None)
            self.overage.setdefault(self._customer(customer).tenant_id, []).append(
                (float('-inf'), state))
            return state

    def accept_mca(self, customer: Ref, *, first_name: str = 'Dana', last_name: str = 'Admin',
                   email: str = 'dana.admin@example.com', date_agreed: str = '2026-01-05T00:00:00Z',
                   ) -> Dict[str, Any]:
        """The customer's acceptance of the Microsoft Customer Agreement, as if confirmed long ago."""
        with self.lock:
            agreement = {
                'primaryContact': {'firstName': first_name, 'lastName': last_name, 'email': email},
                'templateId': MCA_TEMPLATE_ID, 'dateAgreed': date_agreed, 'type': MCA_TYPE,
                'agreementLink': MCA_TEMPLATE_LINK,
            }
            self._customer(customer).agreements.append(agreement)
            return agreement

    def set_status(self, item: Union[Subscription, Entitlement], status: str) -> None:
        with self.lock:
            item.status = status

    def revoke_refresh_token(self, refresh_token: str) -> None:
        """This refresh token is refused from now on (tokens rotated from it still work)."""
        with self.lock:
            for partner in self.partners.values():
                if refresh_token in partner.users:
                    partner.revoked.add(refresh_token)

    def revoke_every_refresh_token(self) -> None:
        """Every refresh token issued so far, rotated ones included, is refused from now on (as
        after the user's password is reset or an administrator revokes its sessions)."""
        with self.lock:
            for partner in self.partners.values():
                partner.revoked.update(partner.users)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (the next API call answers 401)."""
        with self.lock:
            now = self.clock()
            for grant in self._grants.values():
                grant.expires_at = min(grant.expires_at, now - 1)

    # ------------------------------------------------------------------ baseline
    def mark_baseline(self) -> None:
        """Remember the current state; :meth:`reset` comes back to it."""
        with self.lock:
            self._baseline = copy.deepcopy(self._state())

    def reset(self) -> None:
        """Back to the baseline (or empty); issued tokens and remembered answers are dropped."""
        with self.lock:
            baseline = copy.deepcopy(self._baseline) if self._baseline else None
            if baseline is None:
                self.partners, self.customers, self.subscriptions = {}, {}, {}
                self.entitlements, self.skus, self.overage = {}, {}, {}
            else:
                for name, value in baseline.items():
                    setattr(self, name, value)
            self._grants.clear()
            self._answers.clear()
            self._lag_random = random.Random(self.lag_seed)

    def _state(self) -> Dict[str, Any]:
        return {
            'partners': self.partners, 'customers': self.customers,
            'subscriptions': self.subscriptions, 'entitlements': self.entitlements,
            'skus': self.skus, 'overage': self.overage,
            'propagation_delay': self.propagation_delay, 'token_lifetime': self.token_lifetime,
            'refresh_token_lifetime': self.refresh_token_lifetime,
            'revoke_rotated_refresh_tokens': self.revoke_rotated_refresh_tokens,
            'enforce_mfa': self.enforce_mfa,
        }

    # ------------------------------------------------------------------ lookups
    def _partner(self, ref: Ref) -> Partner:
        return self.partners[_id(ref)]

    def _customer(self, ref: Ref) -> Customer:
        return self.customers[_id(ref)]

    def _subscription(self, ref: Ref) -> Subscription:
        return self.subscriptions[_id(ref)]

    def has_tenant(self, tenant: str) -> bool:
        with self.lock:
            key = normalize_guid(tenant)
            return key in self.partners or key in self.customers

    def overage_state(self, customer: Ref) -> Optional[OverageState]:
        """The true (written) state, whatever has propagated yet."""
        with self.lock:
            entries = self.overage.get(_id(customer)) or []
            return entries[-1][1] if entries else None

    def visible_overage(self, customer: Ref) -> Optional[OverageState]:
        """What ``GET …/overage`` shows now: the last state whose propagation delay has passed."""
        with self.lock:
            return _visible_state(self.overage.get(_id(customer)) or [], self.clock())

    def active_overage_subscriptions(self, customer: Ref) -> List[Subscription]:
        with self.lock:
            key = _id(customer)
            return [s for s in self.subscriptions.values()
                    if s.customer_id == key and s.is_active and s.is_overage_capable]

    # ------------------------------------------------------------------ tokens (Entra ID)
    def issue_app_token(self, tenant: str, client_id: str, client_secret: Optional[str],
                        scope: str) -> Tuple[str, float]:
        """The client-credentials grant: an app-only access token (allowed for overage)."""
        with self.lock:
            partner = self._authenticate_app(tenant, client_id, client_secret)
            _require_scope(scope, app_only=True)
            return self._grant(Caller(partner.tenant_id, None, True))

    def issue_user_token(self, tenant: str, client_id: str, client_secret: Optional[str],
                         refresh_token: str, scope: str) -> Tuple[str, float, str, User]:
        """The refresh-token grant: an App+User access token and a new refresh token."""
        with self.lock:
            partner = self._authenticate_app(tenant, client_id, client_secret)
            user = partner.users.get(refresh_token or '')
            if user is None:
                raise TokenError(400, 'invalid_grant', 9002313,
                                 'Invalid request. Request is malformed or invalid.')
            if refresh_token in partner.revoked:
                raise TokenError(400, 'invalid_grant', 50173,
                                 'The provided grant has expired due to it being revoked.')
            self._check_refresh_token_age(partner, refresh_token)
            _require_scope(scope, app_only=False)
            token, lifetime = self._grant(Caller(partner.tenant_id, user.name, user.admin_agent,
                                                 user.mfa))
            rotated = 'rt-' + secrets.token_urlsafe(24)
            partner.users[rotated] = user
            partner.issued[rotated] = self.clock()
            if self.revoke_rotated_refresh_tokens:
                partner.revoked.add(refresh_token)
            return token, lifetime, rotated, user

    def refresh_token_expired(self, partner: Partner, refresh_token: str) -> bool:
        """Whether ``refresh_token`` lived ``refresh_token_lifetime`` seconds since it was issued."""
        with self.lock:
            issued = partner.issued.get(refresh_token)
            return issued is not None and self.clock() - issued >= self.refresh_token_lifetime

    def _check_refresh_token_age(self, partner: Partner, refresh_token: str) -> None:
        """400 ``invalid_grant`` ``AADSTS700082`` for a refresh token past its lifetime, worded
        as Entra words it (the issue date, and the inactivity as ``d.hh:mm:ss``)."""
        if not self.refresh_token_expired(partner, refresh_token):
            return
        age = self.clock() - partner.issued[refresh_token]
        issued_on = datetime.now(UTC) - timedelta(seconds=age)
        lifetime = timedelta(seconds=self.refresh_token_lifetime)
        hours, rest = divmod(lifetime.seconds, 3600)
        inactive = f'{lifetime.days}.{hours:02d}:{rest // 60:02d}:{rest % 60:02d}'
        raise TokenError(400, 'invalid_grant', 700082,
                         'The refresh token has expired due to inactivity. The token was issued '
                         f"on {issued_on.strftime('%Y-%m-%dT%H:%M:%S.%fZ')} and was inactive for "
                         f'{inactive}.')

    def _authenticate_app(self, tenant: str, client_id: str,
                          client_secret: Optional[str]) -> Partner:
        partner = self.partners.get(normalize_guid(tenant) or '')
        if partner is None:
            raise TokenError(400, 'invalid_request', 90002,
                             f"Tenant '{tenant}' not found. Check to make sure you have the "
                             'correct tenant ID and are signing into the correct cloud.')
        if client_id not in partner.apps:
            raise TokenError(400, 'unauthorized_client', 700016,
                             f"Application with identifier '{client_id}' was not found in the "
                             f"directory '{partner.name}'.")
        if not client_secret:
            raise TokenError(401, 'invalid_client', 7000218,
                             "The request body must contain the following parameter: "
                             "'client_assertion' or 'client_secret'.")
        if not secrets.compare_digest(partner.apps[client_id], client_secret):
            raise TokenError(401, 'invalid_client', 7000215,
                             'Invalid client secret provided. Ensure the secret being sent in the '
                             f"request is the client secret value, not the client secret ID, for "
                             f"a secret added to app '{client_id}'.")
        return partner

    def _grant(self, caller: Caller) -> Tuple[str, float]:
        token = secrets.token_urlsafe(32)
        self._grants[token] = _Grant(caller, self.clock() + self.token_lifetime)
        return token, self.token_lifetime

    def authenticate(self, authorization: Optional[str]) -> Caller:
        """The caller behind an ``Authorization: Bearer`` header, or 401 as Partner Center says:
        ``800001`` without a token, ``400`` for an invalid or expired one, ``900421`` for an
        App+User token without the MFA claim while MFA is enforced."""
        caller = self._token_caller(authorization)
        if self.enforce_mfa and not caller.app_only and not caller.mfa:
            raise ApiError(401, MFA_REQUIRED_CODE, MFA_REQUIRED_DESCRIPTION)
        return caller

    def _token_caller(self, authorization: Optional[str]) -> Caller:
        scheme, _, token = (authorization or '').strip().partition(' ')
        if scheme.lower() != 'bearer' or not token.strip():
            raise ApiError(401, 800001, 'Partner Token missing in request context.')
        with self.lock:
            grant = self._grants.get(token.strip())
            if grant is None or grant.expires_at <= self.clock():
                raise ApiError(401, 400, 'Access denied: the access token is invalid or expired.')
            return grant.caller

    def peek_caller(self, authorization: Optional[str]) -> Optional[Caller]:
        """Who a valid token speaks for (MFA or not), None for no valid token (logs, rate limits)."""
        try:
            return self._token_caller(authorization)
        except ApiError:
            return None

    @staticmethod
    def require_app_plus_user(caller: Caller) -> None:
        """403 for an app-only token on a call Microsoft serves to App+User credentials only."""
        if caller.app_only:
            raise ApiError(403, APP_PLUS_USER_ONLY_CODE, APP_PLUS_USER_ONLY_DESCRIPTION)

    # ------------------------------------------------------------------ reads (Partner Center)
    def customers_of(self, caller: Caller) -> List[Customer]:
        """The caller's customers (those it has a relationship with), in tenant id order."""
        with self.lock:
            return sorted((c for c in self.customers.values() if caller.partner in c.partners),
                          key=lambda c: c.tenant_id)

    def customer_for(self, caller: Caller, tenant: str) -> Customer:
        """The customer if the caller may read it: 400 900118 bad id, 404 60003, 403 20002."""
        with self.lock:
            customer = self._customer_or_404(tenant)
            if caller.partner not in customer.partners:
                partner = self.partners[caller.partner]
                raise ApiError(403, 20002, f'Partner ID {partner.mpn_id} has no commerce '
                                           f'relationship with customer ID {customer.tenant_id}.')
            return customer

    def _customer_or_404(self, tenant: str) -> Customer:
        key = normalize_guid(tenant)
        if key is None:
            raise ApiError(400, 900118, f'Invalid Customer Id: {tenant}.')
        customer = self.customers.get(key)
        if customer is None:
            raise ApiError(404, 60003, f'Tenant {key} not found.')
        return customer

    def subscriptions_for(self, caller: Caller, tenant: str) -> List[Subscription]:
        """What the caller sold to the customer (directly or through its indirect resellers)."""
        with self.lock:
            customer = self.customer_for(caller, tenant)
            now = self.clock()
            return [s for s in self.subscriptions.values()
                    if s.customer_id == customer.tenant_id and s.partner_id == caller.partner
                    and s.visible_at <= now]

    def subscription_for(self, caller: Caller, tenant: str, subscription_id: str) -> Subscription:
        with self.lock:
            customer = self.customer_for(caller, tenant)
            key = normalize_guid(subscription_id) or subscription_id
            found = self.subscriptions.get(key)
            if (found is None or found.customer_id != customer.tenant_id
                    or found.partner_id != caller.partner or found.visible_at > self.clock()):
                raise ApiError(404, 20003, f'Subscription {subscription_id} not found.')
            return found

    def entitlements_for(self, caller: Caller, tenant: str, plan_id: str) -> List[Entitlement]:
        with self.lock:
            plan = self.subscription_for(caller, tenant, plan_id)
            now = self.clock()
            return [e for e in self.entitlements.values()
                    if e.plan_id == plan.id and e.visible_at <= now]

    def overage_for(self, caller: Caller, tenant: str) -> Optional[OverageState]:
        with self.lock:
            return self.visible_overage(self.customer_for(caller, tenant))

    def sku(self, product_id: str, sku_id: str, country: Optional[str]) -> Sku:
        with self.lock:
            if not country:
                raise ApiError(400, 800002, 'Invalid request input: country is required.',
                               data=['country'])
            found = self.skus.get((product_id.upper(), sku_id))
            if found is None or (found.countries and country.upper() not in found.countries):
                raise ApiError(404, 1000, f'Sku {product_id}:{sku_id} not found in {country}.')
            return found

    # ------------------------------------------------------------------ the overage write
    def update_overage(self, caller: Caller, tenant: str, body: Any) -> OverageState:
        """``PUT …/subscriptions/overage`` with Microsoft's rules, in this order:

        400 (body) → 403 800114 (no relationship, a user token that is not Admin Agent, or no
        active overage subscription from any partner) → 400 800016 (``partnerId`` is not one of
        the caller's indirect resellers) → 403 800115 (enabled and held by another partner) →
        403 800112 (legacy Azure, when enabling) → 404 800111 (the entitlement is unknown, not
        active, or not under an active Azure plan the caller sold to this customer).

        Enabling without ``azureEntitlementId`` (Microsoft's samples) uses the active "Subscription
        1" of the caller's active Azure plan, else creates it there, else buys a no-cost Azure plan
        with it — which needs the customer's Microsoft Customer Agreement (403 600065 without). What
        it creates shows in reads after the same lag as the overage setting (PC-80..PC-85).
        """
        with self.lock:
            customer = self._customer_or_404(tenant)
            request = _parse_overage_body(body)
            self._check_eligible(caller, customer)
            partner = self.partners[caller.partner]
            reseller = request.partner_id
            if reseller and reseller != partner.mpn_id and reseller not in partner.resellers:
                raise ApiError(400, 800016, f'MPN ID {reseller} is not a valid Indirect Reseller.',
                               data=[reseller])
            current = self.overage_state(customer)
            if current and current.enabled and current.holder != caller.partner:
                raise ApiError(403, 800115, 'Overage is already assigned to another tenant. '
                                            'Contact your customer to resolve ownership questions.')
            visible_at = self.clock() + self._next_lag()
            if request.enabled and request.entitlement_id is None:
                self._check_no_legacy(customer)
                entitlement = self._entitlement_for_overage(
                    caller, customer, reseller, request.resource_group, visible_at)
                state = OverageState(entitlement.id, reseller or partner.mpn_id, True, caller.partner)
            elif request.enabled:
                self._check_can_enable(caller, customer, request.entitlement_id)
                state = OverageState(request.entitlement_id, reseller or partner.mpn_id, True,
                                     caller.partner)
            else:
                kept = current.azure_entitlement_id if current else request.entitlement_id
                state = OverageState(kept, current.partner_id if current else partner.mpn_id,
                                     False, None)
            if state != current:
                self.overage.setdefault(customer.tenant_id, []).append((visible_at, state))
            return state

    def _entitlement_for_overage(self, caller: Caller, customer: Customer, reseller: Optional[str],
                                 resource_group: Optional[Dict[str, Any]],
                                 visible_at: float) -> Entitlement:
        """The Azure subscription an overage PUT without one goes to: the active "Subscription 1"
        of the caller's active Azure plan, else a new one under it, else one under a new no-cost
        Azure plan (which needs the customer's MCA). New ones show from ``visible_at``."""
        plans = sorted((s for s in self.subscriptions.values()
                        if s.customer_id == customer.tenant_id and s.partner_id == caller.partner
                        and s.is_azure_plan and s.is_active), key=lambda s: s.id)
        if plans:
            plan = plans[0]
        elif not customer.mca_accepted:
            raise ApiError(403, MCA_MISSING_CODE, MCA_MISSING_DESCRIPTION)
        else:
            plan = self.add_azure_plan(customer.tenant_id, caller.partner, reseller_mpn=reseller)
            plan.visible_at = visible_at
        under = [e for e in self.entitlements.values() if e.plan_id == plan.id]
        current = self.overage_state(customer)
        # Overage already on (the caller's) to an active one of this plan: it stays there.
        kept = current.azure_entitlement_id if current and current.enabled else None
        existing = next((e for e in under if e.id == kept and e.status.lower() == 'active'), None)
        existing = existing or next((e for e in under if e.name == CREATED_SUBSCRIPTION_NAME
                                     and e.status.lower() == 'active'), None)
        if existing is not None:
            return existing
        names = {e.name for e in under}
        number = next(n for n in range(1, len(names) + 2) if f'Subscription {n}' not in names)
        entitlement = self.add_entitlement(customer.tenant_id, plan.id, name=f'Subscription {number}')
        entitlement.visible_at, entitlement.resource_group = visible_at, resource_group
        return entitlement

    def _check_no_legacy(self, customer: Customer) -> None:
        legacy = customer.legacy_azure or any(
            s.customer_id == customer.tenant_id and s.is_active and s.is_legacy_azure
            for s in self.subscriptions.values())
        if legacy:
            raise ApiError(403, 800112, 'Overage cannot be set as the customer has legacy Azure '
                                        'subscriptions.')

    # ------------------------------------------------------------------ customer agreements
    def agreement_metadata(self, caller: Caller, agreement_type: Optional[str]) -> List[Dict[str, Any]]:
        """``GET /v1/agreements?agreementType=``: the MCA template (App+User only; PC-86)."""
        self.require_app_plus_user(caller)
        if agreement_type not in (None, '', 'All', MCA_TYPE):
            return []
        return [{'templateId': MCA_TEMPLATE_ID, 'agreementType': MCA_TYPE,
                 'agreementLink': MCA_TEMPLATE_LINK, 'versionRank': 0}]

    def agreements_for(self, caller: Caller, tenant: str,
                       agreement_type: Optional[str]) -> List[Dict[str, Any]]:
        """``GET /v1/customers/{id}/agreements?agreementType=`` (App+User only; PC-86)."""
        self.require_app_plus_user(caller)
        with self.lock:
            customer = self.customer_for(caller, tenant)
            wanted = agreement_type or 'MicrosoftCloudAgreement'
            return [dict(item) for item in customer.agreements
                    if wanted == 'All' or item.get('type') == wanted]

    def create_agreement(self, caller: Caller, tenant: str, body: Any) -> Dict[str, Any]:
        """``POST /v1/customers/{id}/agreements``: 400 800002 for a missing or malformed field or
        an unknown template, 409 600061 when the same contact already confirmed it (PC-87)."""
        self.require_app_plus_user(caller)
        with self.lock:
            customer = self.customer_for(caller, tenant)
            contact = body.get('primaryContact') if isinstance(body, dict) else None
            fields_ok = isinstance(contact, dict) and all(
                isinstance(contact.get(name), str) and contact.get(name).strip()
                for name in ('firstName', 'lastName', 'email'))
            if not fields_ok or not isinstance(body.get('dateAgreed'), str):
                raise ApiError(400, 800002, 'Invalid request input: primaryContact (firstName, '
                                            'lastName, email) and dateAgreed are required.')
            if body.get('type') != MCA_TYPE or normalize_guid(body.get('templateId')) != MCA_TEMPLATE_ID:
                raise ApiError(400, 800002, 'Invalid request input: unknown agreement template.',
                               data=['templateId'])
            person = {name: contact.get(name) for name in ('firstName', 'lastName', 'email',
                                                           'phoneNumber')}
            for item in customer.agreements:
                known = item.get('primaryContact') or {}
                if item.get('type') == MCA_TYPE and all(known.get(k) == v for k, v in person.items()):
                    raise ApiError(409, 600061, 'A partner confirmed agreement already exists for '
                                                'the customer.')
            agreement = {
                'primaryContact': {k: v for k, v in person.items() if v},
                'templateId': MCA_TEMPLATE_ID, 'dateAgreed': body['dateAgreed'], 'type': MCA_TYPE,
                'agreementLink': MCA_TEMPLATE_LINK,
                # An object id of the signed-in user, never the token it came with.
                'userId': str(uuid.uuid5(_ID_NAMESPACE, f'user:{caller.user}')),
            }
            customer.agreements.append(agreement)
            return dict(agreement)

    def _check_eligible(self, caller: Caller, customer: Customer) -> None:
        not_eligible = ApiError(403, 800114,
                                'You are not eligible to manage overage for this customer.')
        if caller.partner not in customer.partners:
            raise not_eligible
        if not caller.app_only and not caller.admin_agent:
            raise not_eligible
        if not self.active_overage_subscriptions(customer):
            raise not_eligible

    def _check_can_enable(self, caller: Caller, customer: Customer, entitlement_id: str) -> None:
        legacy = customer.legacy_azure or any(
            s.customer_id == customer.tenant_id and s.is_active and s.is_legacy_azure
            for s in self.subscriptions.values())
        if legacy:
            raise ApiError(403, 800112, 'Overage cannot be set as the customer has legacy Azure '
                                        'subscriptions.')
        entitlement = self.entitlements.get(entitlement_id)
        plan = self.subscriptions.get(entitlement.plan_id) if entitlement else None
        usable = (
            entitlement is not None and plan is not None
            and entitlement.customer_id == customer.tenant_id
            and entitlement.status.lower() == 'active'
            and plan.is_azure_plan and plan.is_active and plan.partner_id == caller.partner
        )
        if not usable:
            raise ApiError(404, 800111, 'Azure subscription with the given entitlement ID '
                                        f'{entitlement_id} is not found.', data=[entitlement_id])

    # ------------------------------------------------------------------ idempotency
    def answer_once(self, caller: Caller, request_id: Optional[str],
                    compute: Callable[[], Any]) -> Any:
        """Run ``compute`` once per (partner, MS-RequestId); a repeat gets the first answer back.

        A rejection (an :class:`ApiError`) is an answer too: it is re-raised on a repeat.
        Without a request id every call is computed.
        """
        if not request_id:
            return compute()
        key = (caller.partner, request_id.strip().lower())
        with self.lock:
            if key not in self._answers:
                try:
                    self._answers[key] = ('ok', compute())
                except ApiError as error:
                    self._answers[key] = ('error', error)
            outcome, value = self._answers[key]
        if outcome == 'error':
            raise value
        return value


@dataclass(frozen=True)
class _OverageRequest:
    entitlement_id: Optional[str]  # None: enable to an Azure subscription Microsoft picks or creates
    enabled: bool
    partner_id: Optional[str]
    resource_group: Optional[Dict[str, Any]] = None


def _parse_overage_body(body: Any) -> _OverageRequest:
    """400 800002 for a missing body or field, 400 3000 for a field of the wrong form."""
    if not isinstance(body, dict):
        raise ApiError(400, 800002, 'Invalid request input: the body must be an Overage object.')
    if body.get('overageEnabled') is None:
        raise ApiError(400, 800002, 'Invalid request input: overageEnabled is required.',
                       data=['overageEnabled'])
    enabled = body['overageEnabled']
    if not isinstance(enabled, bool):
        raise ApiError(400, 3000, 'Invalid property: overageEnabled must be a boolean.',
                       data=['overageEnabled'])
    # Enabling may leave the Azure subscription out (Microsoft's samples; PC-80); disabling may not.
    if body.get('azureEntitlementId') in (None, '') and not enabled:
        raise ApiError(400, 800002, 'Invalid request input: azureEntitlementId is required.',
                       data=['azureEntitlementId'])
    given = body.get('azureEntitlementId')
    entitlement_id = normalize_guid(given) if given not in (None, '') else None
    if entitlement_id is None and given not in (None, ''):
        raise ApiError(400, 3000, 'Invalid property: azureEntitlementId must be a GUID.',
                       data=['azureEntitlementId'])
    partner_id = body.get('partnerId')
    if partner_id in (None, ''):
        partner_id = None
    elif isinstance(partner_id, bool) or not str(partner_id).strip().isdigit():
        raise ApiError(400, 3000, 'Invalid property: partnerId must be an MPN id (digits).',
                       data=['partnerId'])
    group = body.get('azureResourceGroup')
    valid_group = group is None or (
        isinstance(group, dict)
        and isinstance(group.get('location', ''), str)
        and isinstance(group.get('tags', {}), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in (group.get('tags') or {}).items())
    )
    if not valid_group:
        raise ApiError(400, 3000, 'Invalid property: azureResourceGroup must be an object with a '
                                  'location and tags.', data=['azureResourceGroup'])
    return _OverageRequest(entitlement_id, enabled,
                           str(partner_id).strip() if partner_id is not None else None,
                           dict(group) if group else None)


def _require_scope(scope: str, *, app_only: bool) -> None:
    """Entra's scope checks: app-only needs ``<resource>/.default``; any grant needs a resource."""
    scopes = (scope or '').split()
    resources = [s for s in scopes if s.startswith(('https://', 'http://'))]
    if not resources:
        raise TokenError(400, 'invalid_scope', 70011,
                         f"The provided value for the input parameter 'scope' ({scope}) is not "
                         'valid. A resource scope is required.')
    unknown = [s for s in resources if not s.startswith(KNOWN_RESOURCES)]
    if unknown:
        raise TokenError(400, 'invalid_resource', 500011,
                         f'The resource principal named {unknown[0].rsplit("/", 1)[0]} was not '
                         'found in the tenant.')
    if app_only and not all(s.endswith('/.default') for s in resources):
        raise TokenError(400, 'invalid_scope', 1002012,
                         f"The provided value for scope {scope} is not valid. Client credential "
                         'flows must have a scope value with /.default suffixed to the resource '
                         'identifier (application ID URI).')
