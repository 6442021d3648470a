"""The simulated Connect: accounts, catalogue, assets, requests, tier configs and conversations.

Objects are plain dicts shaped like Connect's public API answers (``connect-platform.md``), so the
extension reads here exactly what it reads in production, variations included: asset items carry
``display_name`` but no ``name``, quantities are numbers on assets and strings in requests, and
``item_type``/``period`` change case between the two.

Who sees what follows the API key, as in Connect: each key belongs to an account (a
:class:`Principal`). The distributor (the provider that owns the extension) sees everything; a
reseller sees the assets and requests whose tier chain holds its tier account; a customer only
its own (and, of the tier accounts, only itself). Everything is guarded by one re-entrant lock:
the HTTP app reads while the sandbox writes.
"""
import copy
import itertools
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union


DISTRIBUTOR = 'distributor'
RESELLER = 'reseller'
CUSTOMER = 'customer'
ROLES = (DISTRIBUTOR, RESELLER, CUSTOMER)

REQUEST_TYPES = ('purchase', 'change', 'suspend', 'resume', 'cancel', 'adjustment', 'renew',
                 'transfer')

# The collections the API serves, by the name the app and :meth:`ConnectWorld.visible` use.
TIER_ACCOUNTS = 'tier_accounts'
TIER_CONFIGS = 'tier_configs'
PRODUCTS = 'products'
ITEMS = 'items'
ASSETS = 'assets'
REQUESTS = 'requests'
CONVERSATIONS = 'conversations'
MESSAGES = 'messages'
INSTALLATIONS = 'installations'

Quantity = Union[int, float, str]


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """Connect's timestamps: ISO 8601 with an explicit UTC offset, to the second."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class NotFound(LookupError):
    """The object does not exist, or the caller's account may not see it (Connect says 404)."""


class Refused(ValueError):
    """A write Connect refuses: ``status`` and ``error_code`` go into the error answer."""

    def __init__(self, status: int, error_code: str, message: str):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True)
class Principal:
    """The account an API key speaks for; ``tier_account_id`` is a reseller's or customer's TA."""

    api_key: str
    account_id: str
    role: str
    name: str
    tier_account_id: Optional[str] = None
    user_id: str = 'SU-000-000-000'


def _quantity_number(value: Quantity) -> float:
    return float(value)


def _quantity_text(value: Quantity) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


class ConnectWorld:
    """Connect's objects with a builder API (seed, tests) and the visibility rules (the app)."""

    def __init__(self, *, now: Callable[[], datetime] = utcnow,
                 hub: Tuple[str, str] = ('HB-0000-0001', 'Sandbox hub'),
                 provider: Tuple[str, str] = ('PA-000-001', 'Sandbox Distributor'),
                 vendor: Tuple[str, str] = ('VA-000-001', 'Microsoft'),
                 marketplace: Tuple[str, str] = ('MP-00001', 'Sandbox marketplace')):
        self.now = now
        self.lock = threading.RLock()
        self.hub = {'id': hub[0], 'name': hub[1]}
        self.provider = {'id': provider[0], 'name': provider[1]}
        self.vendor = {'id': vendor[0], 'name': vendor[1]}
        self.marketplace = {'id': marketplace[0], 'name': marketplace[1], 'icon': '/media/mp.png'}
        self.principals: Dict[str, Principal] = {}
        self.tier_accounts: Dict[str, Dict[str, Any]] = {}
        self.products: Dict[str, Dict[str, Any]] = {}
        self.items: Dict[str, Dict[str, Dict[str, Any]]] = {}  # product id -> item id -> item
        self.assets: Dict[str, Dict[str, Any]] = {}
        self.requests: Dict[str, Dict[str, Any]] = {}
        self.tier_configs: Dict[str, Dict[str, Any]] = {}
        self.conversations: Dict[str, Dict[str, Any]] = {}
        self.messages: Dict[str, List[Dict[str, Any]]] = {}  # conversation id -> messages
        self.installations: Dict[str, Dict[str, Any]] = {}
        self._serial = itertools.count(1)

    # ------------------------------------------------------------------ ids
    def _next_id(self, prefix: str, groups: int = 3, width: int = 3) -> str:
        number = next(self._serial)
        digits = f'{number:0{groups * width}d}'[-groups * width:]
        parts = [digits[i:i + width] for i in range(0, groups * width, width)]
        return '-'.join([prefix, *parts])

    def _events(self) -> Dict[str, Any]:
        at = timestamp(self.now())
        return {'created': {'at': at}, 'updated': {'at': at}}

    # ------------------------------------------------------------------ builder
    def add_principal(self, api_key: str, account_id: str, role: str, *, name: str = '',
                      tier_account_id: Optional[str] = None,
                      user_id: str = 'SU-000-000-000') -> Principal:
        """An API key (Connect sends it as ``Authorization: <key>``) and the account it acts for."""
        if role not in ROLES:
            raise ValueError(f'role must be one of {ROLES}, not {role!r}')
        if role != DISTRIBUTOR and not tier_account_id:
            raise ValueError('a reseller or customer principal needs its tier account id')
        if role in (DISTRIBUTOR, RESELLER) and not account_id.startswith('PA-'):
            # Distributors and resellers are Connect accounts of their own (conformance: CX-01).
            raise ValueError(f'a {role} account id is a PA- account, not {account_id!r}')
        with self.lock:
            principal = Principal(api_key, account_id, role, name or account_id, tier_account_id,
                                  user_id)
            self.principals[api_key] = principal
            return principal

    def add_installation(self, installation_id: str, principal: Principal, *,
                         settings: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """An installation of the extension owned by ``principal``'s account."""
        with self.lock:
            installation = {
                'id': installation_id,
                'owner': {'id': principal.account_id, 'name': principal.name},
                'environment': {'id': 'ENV-000-001-03', 'type': 'production'},
                'status': 'installed',
                'settings': dict(settings or {}),
                'events': self._events(),
            }
            self.installations[installation_id] = installation
            return installation

    def add_tier_account(self, account_id: str, name: str, *, scopes: Iterable[str] = (CUSTOMER,),
                         country: str = 'US', city: str = 'Springfield',
                         external_id: Optional[str] = None, email: Optional[str] = None,
                         tax_id: Optional[str] = None) -> Dict[str, Any]:
        with self.lock:
            slug = ''.join(ch for ch in name.lower() if ch.isalnum())[:20] or 'account'
            account = {
                'id': account_id,
                'name': name,
                'external_id': external_id or account_id.replace('TA-', '').replace('-', ''),
                'external_uid': f'{account_id.lower()}-uid',
                'environment': 'production',
                'scopes': list(scopes),
                'tax_id': tax_id,
                'hub': dict(self.hub),
                'marketplace': {'id': self.marketplace['id'], 'name': self.marketplace['name']},
                'contact_info': {
                    'address_line1': '1 Main Street',
                    'address_line2': '',
                    'city': city,
                    'state': '',
                    'postal_code': '10001',
                    'country': country.upper(),
                    'contact': {
                        'first_name': 'Pat',
                        'last_name': 'Admin',
                        'email': email or f'admin@{slug}.example',
                        'phone_number': {'country_code': '+1', 'area_code': '555',
                                         'phone_number': '0100', 'extension': ''},
                    },
                },
                'events': self._events(),
                'version': 1,
            }
            self.tier_accounts[account_id] = account
            return account

    def add_product(self, product_id: str, name: str) -> Dict[str, Any]:
        with self.lock:
            product = {
                'id': product_id,
                'name': name,
                'icon': f'/media/{product_id}/icon.png',
                'status': 'published',
                'owner': dict(self.vendor),
                'short_description': name,
                'events': self._events(),
            }
            self.products[product_id] = product
            self.items.setdefault(product_id, {})
            return product

    def add_item(self, product_id: str, local_id: str, name: str, *, mpn: str,
                 display_name: Optional[str] = None, period: str = 'Monthly',
                 item_type: str = 'Reservation', status: str = 'published') -> Dict[str, Any]:
        """A catalogue item; its id is ``<product id>-<local id>`` as in Connect."""
        with self.lock:
            items = self.items[product_id]
            item = {
                'id': f'{product_id}-{local_id}',
                'local_id': local_id,
                'name': name,
                'display_name': display_name or name,
                'mpn': mpn,
                'type': item_type,
                'period': period,
                'status': status,
                'precision': 'integer',
                'dynamic': False,
                'position': len(items) + 1,
                'unit': {'id': 'licenses', 'name': 'Licenses', 'title': 'Licenses',
                         'unit': 'unit'},
                'commitment': {'multiplier': 'billing_period', 'count': 1},
                'events': self._events(),
            }
            items[item['id']] = item
            return item

    def add_tier_config(self, account_id: str, product_id: str, *, tier_level: int = 1,
                        params: Optional[Mapping[str, str]] = None,
                        config_id: Optional[str] = None) -> Dict[str, Any]:
        """A reseller's tier configuration (``params`` hold e.g. ``tier1_mpn``)."""
        with self.lock:
            account, product = self.tier_accounts[account_id], self.products[product_id]
            config_id = config_id or self._next_id('TC')
            scope = f'tier{tier_level}'
            config = {
                'id': config_id,
                'name': f'{account["name"]} - {product["name"]}',
                'account': _account_ref(account),
                'product': _product_ref(product),
                'tier_level': tier_level,
                'connection': self._connection(),
                'marketplace': dict(self.marketplace),
                'contract': {'id': 'CRD-00000-00001', 'name': 'Distribution contract'},
                'params': [
                    {'id': key, 'title': key, 'type': 'text', 'scope': scope, 'phase': 'ordering',
                     'value': value, 'value_error': ''}
                    for key, value in (params or {}).items()
                ],
                'status': 'active',
                'events': self._events(),
            }
            self.tier_configs[config_id] = config
            return config

    def add_asset(self, asset_id: str, product_id: str, *, customer: str, tier1: str,
                  tier2: Optional[str] = None, items: Mapping[str, Quantity],
                  params: Optional[Mapping[str, str]] = None, status: str = 'active',
                  external_id: Optional[str] = None) -> Dict[str, Any]:
        """An asset (a "subscription") of ``customer`` bought through ``tier1`` (and ``tier2``).

        ``items`` maps catalogue item ids to quantities; ``params`` are fulfilment/ordering
        values (``ms_customer_id``…).
        """
        with self.lock:
            product = self.products[product_id]
            tiers = {'customer': self._tier(customer), 'tier1': self._tier(tier1)}
            if tier2:
                tiers['tier2'] = self._tier(tier2)
            asset = {
                'id': asset_id,
                'status': status,
                'external_id': external_id or asset_id.replace('AS-', '').replace('-', ''),
                'external_uid': f'{asset_id.lower()}-uid',
                'product': _product_ref(product),
                'connection': self._connection(),
                'items': [self._asset_item(product_id, item_id, quantity, 0)
                          for item_id, quantity in items.items()],
                'params': [_param(key, value) for key, value in (params or {}).items()],
                'tiers': tiers,
                'configuration': {'params': []},
                'marketplace': dict(self.marketplace),
                'contract': {'id': 'CRD-00000-00001', 'name': 'Distribution contract'},
                'events': self._events(),
            }
            self.assets[asset_id] = asset
            return asset

    def add_request(self, asset_id: str, request_type: str, *, status: str = 'pending',
                    items: Optional[Mapping[str, Tuple[Quantity, Quantity]]] = None,
                    request_id: Optional[str] = None, note: str = '') -> Dict[str, Any]:
        """A fulfilment request on ``asset_id``, holding a snapshot of the asset as requests do.

        ``items`` maps item ids to ``(quantity, old_quantity)``; by default a purchase buys the
        asset's quantities, a cancel takes them to zero, any other type keeps them. Connect
        opens the request's conversation at once; :meth:`conversation_for` finds it.
        """
        if request_type not in REQUEST_TYPES:
            raise ValueError(f'request type must be one of {REQUEST_TYPES}')
        with self.lock:
            asset = self.assets[asset_id]
            request_id = request_id or self._next_request_id(asset_id)
            snapshot = copy.deepcopy(asset)
            snapshot['items'] = [
                self._request_item(asset['product']['id'], item, request_type, items)
                for item in asset['items']
            ]
            for item_id in (items or {}):
                if not any(item['id'] == item_id for item in snapshot['items']):
                    quantity, old = items[item_id]
                    snapshot['items'].append(_request_format(
                        self._asset_item(asset['product']['id'], item_id, quantity, old)))
            if request_type == 'purchase' and status != 'approved':
                snapshot['status'] = 'processing'
            at = timestamp(self.now())
            request = {
                'id': request_id,
                'type': request_type,
                'status': status,
                'created': at,
                'updated': at,
                'effective_date': at,
                'note': note,
                'reason': '',
                'assignee': None,
                'answered': False,
                'activation_key': '',
                'asset': snapshot,
                'marketplace': dict(self.marketplace),
                'contract': dict(asset['contract']),
            }
            self.requests[request_id] = request
            self.conversation_for(request_id)
            return request

    def set_request_status(self, request_id: str, status: str) -> Dict[str, Any]:
        """Move a request on; approving it applies it to the asset, as the vendor's approval does
        (a purchase activates it, a change sets the quantities, a cancel terminates it)."""
        with self.lock:
            request = self.requests[request_id]
            request['status'] = status
            request['updated'] = timestamp(self.now())
            if status == 'approved':
                asset = self.assets[request['asset']['id']]
                self._apply(request, asset)
                request['asset']['status'] = asset['status']
            return copy.deepcopy(request)

    def _apply(self, request: Dict[str, Any], asset: Dict[str, Any]) -> None:
        kind = request['type']
        if kind in ('purchase', 'resume'):
            asset['status'] = 'active'
        elif kind == 'suspend':
            asset['status'] = 'suspended'
        elif kind == 'cancel':
            asset['status'] = 'terminated'
        if kind not in ('change', 'purchase', 'cancel'):
            return
        product_id = asset['product']['id']
        wanted = {item['id']: item['quantity'] for item in request['asset']['items']}
        kept = {item['id']: item for item in asset['items']}
        for item_id, quantity in wanted.items():
            old = kept[item_id]['quantity'] if item_id in kept else 0
            kept[item_id] = self._asset_item(product_id, item_id, quantity, old)
        asset['items'] = list(kept.values())

    def _next_request_id(self, asset_id: str) -> str:
        base = 'PR-' + asset_id[len('AS-'):]
        count = sum(1 for rid in self.requests if rid.startswith(base + '-')) + 1
        return f'{base}-{count:03d}'

    # ------------------------------------------------------------------ conversations
    def conversation_for(self, instance_id: str) -> Dict[str, Any]:
        """The conversation of a request (created with the request, as Connect does)."""
        with self.lock:
            for conversation in self.conversations.values():
                if conversation['instance_id'] == instance_id:
                    return conversation
            conversation = {
                'id': self._next_id('CO'),
                'instance_id': instance_id,
                'topic': f'Request #{instance_id}',
                'type': 'conversation',
                'status': 'open',
                'accounts': [dict(self.provider)],
                'creator': {'id': 'SU-000-000-000', 'name': 'Connect'},
                'created': timestamp(self.now()),
            }
            self.conversations[conversation['id']] = conversation
            self.messages[conversation['id']] = []
            return conversation

    def post_message(self, conversation_id: str, text: Any, principal: Principal,
                     message_type: str = 'message') -> Dict[str, Any]:
        """A new message by ``principal``: 404 when it may not see the conversation, 400 when
        ``text`` is missing or blank."""
        with self.lock:
            self.get(CONVERSATIONS, conversation_id, principal)
            if not isinstance(text, str) or not text.strip():
                raise Refused(400, 'VAL_001', 'text: This field is required.')
            message = {
                'id': self._next_id('ME', groups=4),
                'conversation': conversation_id,
                'account': {'id': principal.account_id, 'name': principal.name},
                'creator': {'id': principal.user_id, 'name': principal.name},
                'text': text,
                'type': message_type,
                'created': timestamp(self.now()),
            }
            self.messages[conversation_id].append(message)
            return message

    def notes_of(self, instance_id: str) -> List[Dict[str, Any]]:
        """Every message of the conversation of ``instance_id`` (a request id), oldest first."""
        with self.lock:
            for conversation in self.conversations.values():
                if conversation['instance_id'] == instance_id:
                    return copy.deepcopy(self.messages[conversation['id']])
            return []

    # ------------------------------------------------------------------ reads with visibility
    def collection(self, name: str, principal: Principal,
                   parent_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Deep copies of what ``principal`` may see in the collection ``name``.

        ``parent_id`` names the owner of a nested collection: the product of ``items``, the
        conversation of ``messages`` (404 when the parent is unknown or not visible).
        """
        with self.lock:
            objects = self._source(name, principal, parent_id)
            if name == TIER_ACCOUNTS and principal.role == RESELLER:
                # One pass over the assets instead of one per account.
                reachable = self._reseller_accounts(principal)
                return [copy.deepcopy(obj) for obj in objects if obj['id'] in reachable]
            return [copy.deepcopy(obj) for obj in objects if self.visible(principal, name, obj)]

    def get(self, name: str, object_id: str, principal: Principal,
            parent_id: Optional[str] = None) -> Dict[str, Any]:
        with self.lock:
            for obj in self._source(name, principal, parent_id):
                if obj['id'] == object_id and self.visible(principal, name, obj):
                    return copy.deepcopy(obj)
            raise NotFound(object_id)

    def _source(self, name: str, principal: Principal,
                parent_id: Optional[str]) -> Iterable[Dict[str, Any]]:
        if name == ITEMS:
            self.get(PRODUCTS, parent_id or '', principal)
            return list(self.items[parent_id].values())
        if name == MESSAGES:
            self.get(CONVERSATIONS, parent_id or '', principal)
            return list(self.messages[parent_id])
        return list(getattr(self, name).values())

    def visible(self, principal: Principal, name: str, obj: Mapping[str, Any]) -> bool:
        """Connect's scoping by account: see the module docstring."""
        if name == MESSAGES and obj.get('type') == 'private' \
                and obj['account']['id'] != principal.account_id:
            return False  # a private message is read by its author's account only (CX-09)
        if principal.role == DISTRIBUTOR or name in (PRODUCTS, ITEMS):
            return True
        own = principal.tier_account_id
        if name == ASSETS:
            return self._asset_visible(principal, obj)
        if name == REQUESTS:
            return self._asset_visible(principal, obj.get('asset') or {})
        if name == TIER_ACCOUNTS:
            if principal.role == CUSTOMER:
                return obj['id'] == own
            return obj['id'] in self._reseller_accounts(principal)
        if name == TIER_CONFIGS:
            return obj['account']['id'] == own
        if name == CONVERSATIONS:
            request = self.requests.get(obj['instance_id'])
            return request is not None and self.visible(principal, REQUESTS, request)
        if name == MESSAGES:
            conversation = self.conversations.get(obj['conversation'])
            return conversation is not None and self.visible(principal, CONVERSATIONS,
                                                             conversation)
        if name == INSTALLATIONS:
            return obj['owner']['id'] == principal.account_id
        return False

    def _reseller_accounts(self, principal: Principal) -> set:
        """The tier accounts a reseller reaches: its own and those in the chains it is part of."""
        reachable = {principal.tier_account_id}
        for asset in self.assets.values():
            if self._asset_visible(principal, asset):
                reachable.update(_tier_ids(asset))
        return reachable

    @staticmethod
    def _asset_visible(principal: Principal, asset: Mapping[str, Any]) -> bool:
        tiers = asset.get('tiers') or {}
        own = principal.tier_account_id
        if principal.role == DISTRIBUTOR:
            return True
        if principal.role == RESELLER:
            return any((tiers.get(level) or {}).get('id') == own for level in ('tier1', 'tier2'))
        return (tiers.get('customer') or {}).get('id') == own

    # ------------------------------------------------------------------ helpers
    def _tier(self, account_id: str) -> Dict[str, Any]:
        account = self.tier_accounts[account_id]
        return {key: copy.deepcopy(account[key]) for key in
                ('id', 'name', 'external_id', 'external_uid', 'tax_id', 'contact_info')}

    def _connection(self) -> Dict[str, Any]:
        return {'id': 'CT-0000-0000-0001', 'type': 'production',
                'provider': dict(self.provider), 'vendor': dict(self.vendor),
                'hub': dict(self.hub)}

    def _asset_item(self, product_id: str, item_id: str, quantity: Quantity,
                    old_quantity: Quantity) -> Dict[str, Any]:
        catalogue = self.items[product_id][item_id]
        return {
            'id': item_id,
            'global_id': item_id,
            'mpn': catalogue['mpn'],
            'display_name': catalogue['display_name'],
            'quantity': _quantity_number(quantity),
            'old_quantity': _quantity_number(old_quantity),
            'item_type': catalogue['type'].lower(),
            'period': catalogue['period'].lower(),
            'type': 'Licenses',
            'params': [],
        }

    def _request_item(self, product_id: str, item: Dict[str, Any], request_type: str,
                      overrides: Optional[Mapping[str, Tuple[Quantity, Quantity]]]):
        if overrides and item['id'] in overrides:
            quantity, old = overrides[item['id']]
        elif request_type == 'purchase':
            quantity, old = item['quantity'], 0
        elif request_type == 'cancel':
            quantity, old = 0, item['quantity']
        else:
            quantity, old = item['quantity'], item['quantity']
        return _request_format(self._asset_item(product_id, item['id'], quantity, old))


def _request_format(item: Dict[str, Any]) -> Dict[str, Any]:
    """An asset item as requests carry it: string quantities, capitalised type and period."""
    item = dict(item)
    item['quantity'] = _quantity_text(item['quantity'])
    item['old_quantity'] = _quantity_text(item['old_quantity'])
    item['item_type'] = item['item_type'].capitalize()
    item['period'] = item['period'].capitalize()
    return item


def _param(param_id: str, value: str) -> Dict[str, Any]:
    return {'id': param_id, 'name': param_id, 'title': param_id.replace('_', ' ').capitalize(),
            'description': '', 'type': 'text', 'value': value, 'value_error': ''}


def _account_ref(account: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: copy.deepcopy(account[key]) for key in
            ('id', 'name', 'external_id', 'external_uid', 'tax_id', 'contact_info')}


def _product_ref(product: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: product[key] for key in ('id', 'name', 'icon', 'status')}


def _tier_ids(asset: Mapping[str, Any]) -> List[str]:
    tiers = asset.get('tiers') or {}
    return [tier['id'] for tier in tiers.values() if isinstance(tier, Mapping) and tier.get('id')]
