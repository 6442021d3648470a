"""Who calls, in the tests' world: Connect's call contexts (what its ``X-Connect-*`` headers say)
and the same owner as the service is told it.

:data:`OWNER` is the distributor (``call_type`` admin), :data:`RESELLER_A` / :data:`RESELLER_B`
reseller installations, :func:`customer` a customer home page (``X-Connect-Tier-Account-Id``).
"""
from typing import Any, Dict, Optional

from connect_ext.overage.facts import Caller
from connect_ext.vocabulary import OWNER as OWNER_ROLE


OWNER_ACCOUNT = 'PA-000-000'
RESELLER_A_ACCOUNT = 'TA-7000-0000-0001'
RESELLER_B_ACCOUNT = 'TA-7000-0000-0002'
DISTRIBUTOR_TIER2 = 'TA-7000-0000-0009'

OWNER = {'account_id': OWNER_ACCOUNT, 'account_role': 'distributor', 'call_type': 'admin'}
RESELLER_A = {'account_id': RESELLER_A_ACCOUNT, 'account_role': 'reseller', 'call_type': 'user'}
RESELLER_B = {'account_id': RESELLER_B_ACCOUNT, 'account_role': 'reseller', 'call_type': 'user'}
VENDOR = {'account_id': 'VA-000-001', 'account_role': 'vendor', 'call_type': 'user'}

# The owner as the overage service is handed it (what the web API makes of OWNER).
OWNER_CALLER = Caller(role=OWNER_ROLE, account_id=OWNER_ACCOUNT)


def customer(customer_id: str) -> Dict[str, Any]:
    """A customer home page: the reseller's account, acting for the customer's tier account."""
    return {**RESELLER_A, 'tier_account_id': customer_id}


def headers_for(who: Dict[str, Any], headers: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """eaas-core's test client sends the context but not the tier account: that header is added
    here."""
    result = dict(headers or {})
    if who.get('tier_account_id'):
        result['X-Connect-Tier-Account-Id'] = who['tier_account_id']
    return result
