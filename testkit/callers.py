"""Who calls, in the tests' world: Connect's call contexts (what its ``X-Connect-*`` headers say)
and the same owner as the service is told it.

:data:`OWNER` is the distributor (``call_type`` admin). :data:`RESELLER_A` / :data:`RESELLER_B`
are resellers as Connect sends them (conformance: CX-01): their own Connect account (``PA-...``,
``account_role`` reseller, ``call_type`` user) calling through their own installation, whose API
key the web API uses to ask Connect what the reseller sees. In the Connect world of the tests
(:func:`testkit.customers.connect_world`) reseller A's customers are bought through the tier
account :data:`RESELLER_A_TIER`, B's through :data:`RESELLER_B_TIER` — tier accounts are a
different kind of object from the reseller's account. :func:`customer` is a customer home page
(``X-Connect-Tier-Account-Id``).
"""
from typing import Any, Dict, Optional

from connect_ext.overage.facts import Caller
from connect_ext.vocabulary import OWNER as OWNER_ROLE


OWNER_ACCOUNT = 'PA-000-000'
RESELLER_A_ACCOUNT = 'PA-700-001'
RESELLER_B_ACCOUNT = 'PA-700-002'
RESELLER_A_TIER = 'TA-7000-0000-0001'
RESELLER_B_TIER = 'TA-7000-0000-0002'
DISTRIBUTOR_TIER2 = 'TA-7000-0000-0009'
RESELLER_A_API_KEY = 'ApiKey SU-700-001:reseller-a'
RESELLER_B_API_KEY = 'ApiKey SU-700-002:reseller-b'

OWNER = {'account_id': OWNER_ACCOUNT, 'account_role': 'distributor', 'call_type': 'admin'}
RESELLER_A = {'account_id': RESELLER_A_ACCOUNT, 'account_role': 'reseller', 'call_type': 'user',
              'installation_id': 'EIN-700-001', 'api_key': RESELLER_A_API_KEY}
RESELLER_B = {'account_id': RESELLER_B_ACCOUNT, 'account_role': 'reseller', 'call_type': 'user',
              'installation_id': 'EIN-700-002', 'api_key': RESELLER_B_API_KEY}
VENDOR = {'account_id': 'VA-000-001', 'account_role': 'vendor', 'call_type': 'user'}

# The owner as the overage service is handed it (what the web API makes of OWNER).
OWNER_CALLER = Caller(role=OWNER_ROLE, account_id=OWNER_ACCOUNT)

# What is not part of eaas-core's Context: sent as headers by :func:`headers_for`.
HEADER_KEYS = ('tier_account_id', 'api_key')


def customer(customer_id: str) -> Dict[str, Any]:
    """A customer home page: the provider's account context naming the customer's tier account
    (conformance: CX-12) — even with the owner's ``call_type`` admin, the tier account decides."""
    return {**OWNER, 'tier_account_id': customer_id}


def context_of(who: Dict[str, Any]) -> Dict[str, Any]:
    """The part of ``who`` that is eaas-core's call context."""
    return {key: value for key, value in who.items() if key not in HEADER_KEYS}


def headers_for(who: Dict[str, Any], headers: Optional[Dict[str, str]] = None, *,
                connect_url: Optional[str] = None) -> Dict[str, str]:
    """The headers eaas-core's test client does not send from a context: the tier account, and
    the caller's installation API key with the Connect API it is valid for (``connect_url``)."""
    result = dict(headers or {})
    if who.get('tier_account_id'):
        result['X-Connect-Tier-Account-Id'] = who['tier_account_id']
    if who.get('api_key'):
        result['X-Connect-Installation-Api-Key'] = who['api_key']
        if connect_url:
            result['X-Connect-Api-Gateway-Url'] = connect_url
    return result
