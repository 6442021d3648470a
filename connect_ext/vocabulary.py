"""The extension's vocabulary: every status, role, action, outcome, severity and id pattern, spelt once.

The store checks values against these sets, the rules and the service compare with these names, the
web API's enums and patterns are built from them, and the pages read the same strings from the API.
A new value is added here and nowhere else; code elsewhere never writes the bare string.
"""
import re
from typing import Optional, Tuple


# --- where a customer's overage goes (the overview's and the state's ``status``) -------------------
STATUS_ENABLED = 'enabled'
STATUS_OTHER_PARTNER = 'other_partner'
STATUS_DISABLED = 'disabled'
STATUS_UNKNOWN = 'unknown'
OVERAGE_STATUSES: Tuple[str, ...] = (STATUS_ENABLED, STATUS_DISABLED, STATUS_OTHER_PARTNER, STATUS_UNKNOWN)
# Statuses where Microsoft shows overage assigned to somebody (us or another partner).
ASSIGNED_STATUSES = frozenset({STATUS_ENABLED, STATUS_OTHER_PARTNER})

# --- what a customer of the overview needs (its ``attention``: the work queue) -------------------
ATTENTION_READY = 'ready_to_enable'              # every prerequisite met, overage off: enable it
ATTENTION_ACTION_NEEDED = 'action_needed'        # something that can be fixed stops it
ATTENTION_CANNOT_ENABLE = 'cannot_enable'        # out of scope (China, Education, a blocked country...)
ATTENTION_WAITING = 'waiting_for_microsoft'      # a change Microsoft accepted does not show yet
ATTENTION_HELD_ELSEWHERE = 'held_by_other_partner'
ATTENTION_WITHOUT_OVG = 'overage_without_ovg'    # still assigned, the last OVG subscription cancelled
ATTENTION_NONE = 'none'                          # enabled and fine: nothing to do
ATTENTIONS: Tuple[str, ...] = (
    ATTENTION_READY, ATTENTION_ACTION_NEEDED, ATTENTION_CANNOT_ENABLE, ATTENTION_WAITING,
    ATTENTION_HELD_ELSEWHERE, ATTENTION_WITHOUT_OVG, ATTENTION_NONE,
)
# The customer flag the cancel event sets: overage still assigned, the last OVG subscription gone.
FLAG_OVERAGE_WITHOUT_OVG = 'overage_without_ovg_subscription'

# --- who calls (Connect's roles) and who else acts in the audit trail ------------------------------
OWNER = 'owner'          # the distributor: the extension's owner, whose credentials are used
RESELLER = 'reseller'    # a reseller account calling through its own installation
CUSTOMER = 'customer'    # a customer on its home page
ROLES: Tuple[str, ...] = (OWNER, RESELLER, CUSTOMER)
# Who reads a catalogue text: the partner's staff (owner, reseller) or the customer itself.
AUDIENCE_PARTNER = 'partner'
AUDIENCE_CUSTOMER = CUSTOMER
AUDIENCES: Tuple[str, ...] = (AUDIENCE_PARTNER, AUDIENCE_CUSTOMER)
# What Connect's call context says of such callers (``call_type``, ``account_role``).
CONNECT_ADMIN_CALL = 'admin'
CONNECT_RESELLER_ROLE = 'reseller'
ACTOR_SYSTEM = 'system'  # the extension itself (events, sync, webhook deliveries)
ACTOR_API = 'api'
ACTOR_TYPES: Tuple[str, ...] = (*ROLES, ACTOR_SYSTEM, ACTOR_API)

# --- what a change means, and how an audited operation ended ----------------------------------------
ENABLE = 'enable'
DISABLE = 'disable'
# Enable (or move) overage to an Azure subscription Microsoft creates with the write itself: under
# the customer's active Azure plan, or with a new no-cost Azure plan ("Subscription 1").
CREATE = 'create'
INTENTS: Tuple[str, ...] = (ENABLE, CREATE, DISABLE)
# What Microsoft creates for a CREATE: an Azure subscription under the active Azure plan, or a new
# no-cost Azure plan together with its first Azure subscription.
CREATES_AZURE_SUBSCRIPTION = 'azure_subscription'
CREATES_AZURE_PLAN = 'azure_plan_and_subscription'
CREATIONS: Tuple[str, ...] = (CREATES_AZURE_SUBSCRIPTION, CREATES_AZURE_PLAN)
# The name Microsoft gives the Azure subscription it creates when enabling overage.
CREATED_SUBSCRIPTION_NAME = 'Subscription 1'
MOVE = 'move'            # an enable that points overage at another of our Azure subscriptions
ACTION_SYNC = 'sync'
ACTION_FLAG = 'flag'
ACTION_WEBHOOK = 'webhook'
# The customer's acceptance of the Microsoft Customer Agreement, recorded with Partner Center.
ACTION_AGREEMENT = 'agreement'
# A request to take the customer's overage over once the partner that holds it releases it.
ACTION_HANDOVER = 'handover'
CHANGE_ACTIONS: Tuple[str, ...] = (ENABLE, MOVE, DISABLE)
AUDIT_ACTIONS: Tuple[str, ...] = (*CHANGE_ACTIONS, ACTION_SYNC, ACTION_FLAG, ACTION_WEBHOOK, ACTION_AGREEMENT,
                                  ACTION_HANDOVER)

SUCCEEDED = 'succeeded'
FAILED = 'failed'
NO_CHANGE = 'no_change'
UNCONFIRMED = 'unconfirmed'  # Microsoft accepted the change; reading it back did not show it yet
# How an unconfirmed change ends: a later read showed it, or it stopped being awaited.
CONFIRMED = 'confirmed'
NOT_CONFIRMED = 'not_confirmed'
# What happens to a handover request in its life (its audit entries' outcomes and its webhooks,
# ``overage.handover.<event>``): asked; the holder let go (Microsoft shows overage off); cancelled by
# a person; HANDOVER_DAYS passed.
HANDOVER_REQUESTED = 'requested'
HANDOVER_RELEASED = 'released'
HANDOVER_CANCELLED = 'cancelled'
HANDOVER_EXPIRED = 'expired'
HANDOVER_EVENTS: Tuple[str, ...] = (
    HANDOVER_REQUESTED, HANDOVER_RELEASED, HANDOVER_CANCELLED, HANDOVER_EXPIRED,
)
AUDIT_OUTCOMES: Tuple[str, ...] = (SUCCEEDED, FAILED, NO_CHANGE, UNCONFIRMED, CONFIRMED, NOT_CONFIRMED,
                                   *HANDOVER_EVENTS)
CONFIRMATION_OUTCOMES: Tuple[str, ...] = (CONFIRMED, NOT_CONFIRMED)
# Why an unconfirmed change was not confirmed: CONFIRM_WITHIN_MINUTES passed while Microsoft still
# showed the old setting; a read showed a third setting (someone else changed it); a newer change of
# the customer replaced it.
REASON_DEADLINE_PASSED = 'deadline_passed'
REASON_CHANGED_ELSEWHERE = 'changed_elsewhere'
REASON_SUPERSEDED = 'superseded'
NOT_CONFIRMED_REASONS: Tuple[str, ...] = (REASON_DEADLINE_PASSED, REASON_CHANGED_ELSEWHERE, REASON_SUPERSEDED)
# Outcomes after which Microsoft holds the requested setting (or soon will).
APPLIED_OUTCOMES = frozenset({SUCCEEDED, UNCONFIRMED})

# --- a handover request's state ----------------------------------------------------------------------
# Waiting for the holder to release; released and the change to the target under way; released and
# overage enabled to the target; released, notify only (nothing enabled); released, but a rule or
# Microsoft stopped the change (the request says why); cancelled; expired.
HANDOVER_WAITING = 'waiting'
HANDOVER_ENABLING = 'enabling'
HANDOVER_ENABLED = 'enabled'
HANDOVER_STOPPED = 'stopped'
HANDOVER_STATES: Tuple[str, ...] = (HANDOVER_WAITING, HANDOVER_ENABLING, HANDOVER_ENABLED, HANDOVER_RELEASED,
                                    HANDOVER_STOPPED, HANDOVER_CANCELLED, HANDOVER_EXPIRED)
# States in which the request is still alive (one per customer; the watch reads them).
HANDOVER_OPEN_STATES = frozenset({HANDOVER_WAITING, HANDOVER_ENABLING})

# --- where the App+User refresh token in use comes from (the settings answer's ``source``) ----------
SOURCE_RENEWED = 'renewed'       # the newest one Entra handed out, kept encrypted in the store
SOURCE_CONFIGURED = 'configured'  # PARTNER_CENTER_REFRESH_TOKEN itself: none renewed from it yet
SOURCE_UNREADABLE = 'unreadable'  # a renewed one is stored but the current key cannot decrypt it
REFRESH_TOKEN_ORIGINS: Tuple[str, ...] = (SOURCE_RENEWED, SOURCE_CONFIGURED, SOURCE_UNREADABLE)

# --- how much a catalogue entry matters ---------------------------------------------------------------
BLOCKING = 'blocking'
ERROR = 'error'
WARNING = 'warning'
INFO = 'info'
SEVERITIES: Tuple[str, ...] = (BLOCKING, ERROR, WARNING, INFO)

# --- ids ------------------------------------------------------------------------------------------------
# Microsoft's ids (tenants, Azure subscriptions): 8-4-4-4-12 hexadecimal digits, any case.
GUID_PATTERN = r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
# Connect ids: a prefix and groups of digits/letters (TA-1234-5678-9012, AS-..., PRD-...).
CUSTOMER_ID_PATTERN = r'^TA-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$'
ASSET_ID_PATTERN = r'^AS-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$'
PRODUCT_ID_PATTERN = r'^PRD-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$'
REQUEST_ID_PATTERN = r'^PR-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$'
# A distributor's or reseller's own Connect account (not a tier account).
PARTNER_ACCOUNT_ID_PATTERN = r'^PA-[0-9A-Za-z]+(-[0-9A-Za-z]+)*$'
# No Connect id is longer; a longer value is refused before any pattern runs.
MAX_CONNECT_ID_LENGTH = 64

_GUID = re.compile(GUID_PATTERN)
_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)
_ASSET_ID = re.compile(ASSET_ID_PATTERN)
_PRODUCT_ID = re.compile(PRODUCT_ID_PATTERN)
_REQUEST_ID = re.compile(REQUEST_ID_PATTERN)
_PARTNER_ACCOUNT_ID = re.compile(PARTNER_ACCOUNT_ID_PATTERN)


# The patterns end in ``$``, which also matches before a final newline: every check here matches the
# whole string (``fullmatch``), so ``'TA-1\n'`` is no id and never reaches Connect or Microsoft.
def is_guid(value: object) -> bool:
    """``value`` is a GUID string, all of it (no blanks or newline around it)."""
    return isinstance(value, str) and bool(_GUID.fullmatch(value))


def _connect_id(pattern: 're.Pattern', value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_CONNECT_ID_LENGTH and bool(pattern.fullmatch(value))


def is_customer_id(value: object) -> bool:
    """``value`` is a Connect tier account id (``TA-...``) of a sane length."""
    return _connect_id(_CUSTOMER_ID, value)


def is_asset_id(value: object) -> bool:
    """``value`` is a Connect asset id (``AS-...``) of a sane length."""
    return _connect_id(_ASSET_ID, value)


def is_product_id(value: object) -> bool:
    """``value`` is a Connect product id (``PRD-...``) of a sane length."""
    return _connect_id(_PRODUCT_ID, value)


def is_request_id(value: object) -> bool:
    """``value`` is a Connect fulfilment request id (``PR-...``) of a sane length."""
    return _connect_id(_REQUEST_ID, value)


def is_partner_account_id(value: object) -> bool:
    """``value`` is a distributor's or reseller's Connect account id (``PA-...``)."""
    return _connect_id(_PARTNER_ACCOUNT_ID, value)


def same_id(left: Optional[str], right: Optional[str]) -> bool:
    """GUIDs compare without case or surrounding blanks; an empty id equals nothing."""
    left, right = (left or '').strip().lower(), (right or '').strip().lower()
    return bool(left) and left == right
