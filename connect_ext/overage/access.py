"""Who may see a customer's overage, and who may change it: the one home of the access rules.

Pure: the caller (:class:`~connect_ext.overage.facts.Caller`, built from Connect's call context by
the web layer) and the customer (:class:`~connect_ext.overage.facts.CustomerRef`) decide it. The
web API refuses with these rules before anything is read; the prerequisite rules apply them again
to the facts the service gathered, so a change is never made for a caller who may not see it.
"""
from typing import Any

from connect_ext.overage.facts import Caller, CustomerRef
from connect_ext.vocabulary import CUSTOMER, OWNER, RESELLER


def may_see(caller: Caller, customer: CustomerRef) -> bool:
    """The owner sees every customer; a reseller those Connect has just shown to its account
    (``customer.visible_to``: Connect's own visibility, asked with the reseller's installation
    client — a ``PA-`` account is never compared with the ``TA-`` tier accounts of the chain);
    a customer itself."""
    account = (caller.account_id or '').strip()
    if caller.role == OWNER:
        return True
    if caller.role == RESELLER:
        return bool(account) and account in customer.visible_to
    if caller.role == CUSTOMER:
        return bool(account) and account == customer.customer_id
    return False


def may_change(caller: Caller, settings: Any) -> bool:
    """Distributors and resellers change what they see; customers only if the provider allows it
    (``CUSTOMERS_MAY_CHANGE``)."""
    if caller.role == CUSTOMER:
        return bool(settings.customers_may_change)
    return caller.role in (OWNER, RESELLER)
